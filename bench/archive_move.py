"""The archive tier's move: its throughput to a real network share, and what recording feels.

The share is the tests' NAS (tests/netfs.py: sshd in its own network namespace, mounted with
sshfs). A real FFmpeg records the GStreamer camera (1280x720, 25 fps, 2 Mbit/s) with Heldar's
own command line into the same local disk the mover reads, in 10 s segments, through three
windows in one run: a control with no move, a move of one hour of 720p footage (60 one-minute
segments, bench/synthetic_day.py) at the default throttle, and a move of another hour with
no throttle. For each window: the recording's frame rate (every closed segment's packets over
its media time, and the longest pause between two frames), the event loop's lateness (a 50 ms
sleep, as P7 probes it), the mover's throughput and its process CPU.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import itertools
from pathlib import Path
import signal
import statistics
import tempfile
import time

from common import ROOT, cpu_seconds, emit
from synthetic_day import lay_out

from custom_components.heldar.recorder.command import RecordCommand
from custom_components.heldar.recorder.segments import segment_start
from custom_components.heldar.recorder.tiering import ArchiveTier, Due, Throttle, claim
from tests.media import RtspCamera, video_packets
from tests.netfs import network_share

CAMERA = "front"
CONTROL_SECONDS = 60.0
SEGMENT_SECONDS = 10
FPS = 25
HOUR_MINUTES = 60


class LagProbe:
    """How late a 50 ms sleep wakes on the event loop."""

    def __init__(self) -> None:
        """Nothing sampled yet."""
        self.samples: list[float] = []

    async def run(self) -> None:
        """Sample until cancelled."""
        while True:
            asked = time.monotonic()
            await asyncio.sleep(0.05)
            self.samples.append(time.monotonic() - asked - 0.05)

    def p99_ms(self) -> float:
        """Return the 99th percentile lateness in ms."""
        ordered = sorted(self.samples)
        return round(ordered[int(len(ordered) * 0.99)] * 1000, 2) if ordered else 0.0


def recording_quality(folder: Path, since: float, until: float) -> dict[str, object]:
    """Frame rate and longest frame pause of the segments recorded wholly in [since, until)."""
    rates, pauses, media = [], [], 0.0
    closed = sorted(folder.glob("*.mp4"))[:-1]  # the last one is being written
    for path in closed:
        start = segment_start(path.name)
        assert start is not None
        if not since <= start.timestamp() < until - SEGMENT_SECONDS:
            continue
        times = sorted(pts for pts, _ in video_packets(path))
        if len(times) < 2:
            continue
        span = times[-1] - times[0]
        rates.append((len(times) - 1) / span)
        pauses.append(max(b - a for a, b in itertools.pairwise(times)))
        media += span
    return {
        "segments": len(rates),
        "fps_mean": round(statistics.fmean(rates), 3) if rates else None,
        "fps_min": round(min(rates), 3) if rates else None,
        "longest_frame_pause_s": round(max(pauses), 3) if pauses else None,
        "media_seconds": round(media, 1),
    }


async def window(
    label: str, record_dir: Path, work: Callable[[], Awaitable[object]]
) -> dict[str, object]:
    """Run ``work`` while probing the loop; return the window's figures."""
    probe = LagProbe()
    sampler = asyncio.create_task(probe.run())
    since = time.time()
    cpu0 = time.process_time()
    started = time.monotonic()
    outcome = await work()
    wall = time.monotonic() - started
    cpu = time.process_time() - cpu0
    await asyncio.sleep(SEGMENT_SECONDS + 2)  # the window's last segment closes
    sampler.cancel()
    until = since + wall
    figures: dict[str, object] = {
        "window": label,
        "wall_seconds": round(wall, 1),
        "process_cpu_seconds": round(cpu, 2),
        "loop_lag_p99_ms": probe.p99_ms(),
        **recording_quality(record_dir, since, until),
    }
    if outcome is not None:
        figures["outcome"] = outcome
    return figures


async def main() -> None:
    """Three windows, one run."""
    with tempfile.TemporaryDirectory(prefix="heldar-move-") as scratch:
        root = Path(scratch)
        camera = RtspCamera(width=1280, height=720, fps=FPS, gop=2 * FPS, bitrate=2000)
        camera.start()
        with network_share(root / "nas") as share:
            claim(share.mount_point)
            record_dir = root / "local" / "live"
            record_dir.mkdir(parents=True)
            argv = RecordCommand("ffmpeg", camera.url, record_dir, SEGMENT_SECONDS).argv()
            recorder = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
                start_new_session=True,
            )
            try:
                await asyncio.sleep(2 * SEGMENT_SECONDS)  # past the first, partial segment
                results = [
                    await window("control", record_dir, lambda: asyncio.sleep(CONTROL_SECONDS))
                ]
                for label, rate in (
                    ("throttled", Throttle().bytes_per_second),
                    ("unthrottled", None),
                ):
                    first = 1_800_000_000.0 + len(results) * 3600
                    hour = lay_out(root / "local" / label / CAMERA, first, HOUR_MINUTES)
                    size = sum(p.stat().st_size for p in hour)
                    tier = ArchiveTier(share.mount_point, throttle=Throttle(bytes_per_second=rate))
                    due = [Due(CAMERA, p, p.name) for p in hour]
                    client_cpu0 = cpu_seconds(share.client_pid)

                    async def move(tier: ArchiveTier = tier, due: list[Due] = due) -> object:
                        report = await tier.run([CAMERA], due)
                        assert report.state.value == "ok", report.error
                        assert len(report.moved) == len(due)
                        return {
                            "moved_files": len(report.moved),
                            "throttled_s": round(report.throttled_seconds, 1),
                        }

                    figures = await window(label, record_dir, move)
                    wall = float(str(figures["wall_seconds"]))
                    figures["moved_mb"] = round(size / 1e6, 1)
                    figures["throughput_mb_per_s"] = round(size / 1e6 / wall, 1)
                    figures["limit_mib_per_s"] = None if rate is None else rate / (1 << 20)
                    figures["sshfs_client_cpu_seconds"] = round(
                        cpu_seconds(share.client_pid) - client_cpu0, 2
                    )
                    results.append(figures)
            finally:
                recorder.send_signal(signal.SIGINT)
                try:
                    async with asyncio.timeout(10):
                        await recorder.wait()
                except TimeoutError:
                    recorder.kill()
                    await recorder.wait()
                camera.stop()
    control, throttled, unthrottled = results
    for figures in results:
        print(f"# {figures}", flush=True)
    for label, figures in (("throttled", throttled), ("unthrottled", unthrottled)):
        emit(
            f"archive_move_hour_{label}_recording_fps",
            figures["fps_min"],
            "fps",
            f">= 0.99 x control's slowest segment ({control['fps_min']}); camera 25 fps",
            figures["fps_min"] is not None
            and control["fps_min"] is not None
            and float(str(figures["fps_min"])) >= 0.99 * float(str(control["fps_min"])),
            control=control,
            during_move=figures,
        )
    emit(
        "archive_move_throughput_throttled",
        throttled["throughput_mb_per_s"],
        "MB/s",
        "- (default limit 20 MiB/s counts the copy and the read-back: about 10 MB/s of files)",
        None,
        unthrottled_mb_per_s=unthrottled["throughput_mb_per_s"],
        hour_of_footage_mb=throttled["moved_mb"],
        hour_moved_in_s=throttled["wall_seconds"],
        heldar_process_cpu_s_per_gb=round(
            float(str(throttled["process_cpu_seconds"]))
            / (float(str(throttled["moved_mb"])) / 1000),
            2,
        ),
    )


if __name__ == "__main__":
    asyncio.run(main())
