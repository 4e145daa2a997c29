"""Soak: 8 cameras for hours, 10 s segments, an event every minute, retention trimming.

Heldar's Python memory (``tracemalloc``, only allocations with a ``custom_components/heldar``
frame among their innermost 10) and the HA process's resident set are sampled every
``--sample-minutes``. The target is a flat line after the warm-up (the first hour): the index,
the births, the event journals and the locks all bounded. The metric is the growth from the
end of the warm-up to the last sample; the samples and the lines whose memory grew most go
with it.

The full run is ``--minutes 360`` (6 h, the default); ``--minutes 20 --warmup-minutes 5
--sample-minutes 2 --retention-hours 0.1`` is the short version, and its record says so.

Traced Python memory is Heldar's alone, but the resident set is the whole process's, and
Home Assistant's own grows too. So a control runs beside it over the same minutes: another
process (``--control``) with the same Home Assistant set-up, the same tracing and sampling,
and no Heldar hub. Both resident sets are reported, so a reader sees which of the two grows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
import sys
import tempfile
import time
import tracemalloc

from common import all_states, camera_handles, emit, heldar_hub, home_assistant, rss_bytes
from homeassistant.config_entries import ConfigSubentryData

from custom_components.heldar.const import (
    CONF_EVENT_RETENTION_HOURS,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SCHEDULES,
)
from tests.common import camera_subentry
from tests.media import RtspCamera

TARGET_MB = 1.0
HELDAR = "*/custom_components/heldar/*"
FRAMES = 10
MB = 2**20


def cameras(url: str, count: int, segment: int, retention_h: float) -> list[ConfigSubentryData]:
    """Cameras that record all day (an always-on schedule) and mark events on triggers."""
    always = [{"days": list(range(7)), "start": "00:00", "end": "24:00", "enabled": True}]
    return [
        camera_subentry(
            f"Soak {i}",
            f"{url}?soak={i}",
            segment_seconds=segment,
            **{
                CONF_RECORD_MODE: "scheduled_event",
                CONF_SCHEDULES: always,
                CONF_PRE_ROLL_SECONDS: 10,
                CONF_POST_ROLL_SECONDS: 20,
                CONF_RETENTION_HOURS: retention_h,
                CONF_EVENT_RETENTION_HOURS: retention_h,
            },
        )
        for i in range(count)
    ]


def heldar_snapshot() -> tracemalloc.Snapshot:
    """Return the traced allocations that have a Heldar frame."""
    return tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(inclusive=True, filename_pattern=HELDAR, all_frames=True)]
    )


def total_mb(snapshot: tracemalloc.Snapshot) -> float:
    """Return the snapshot's size in MB."""
    return sum(stat.size for stat in snapshot.statistics("filename")) / MB


def grew_most(final: tracemalloc.Snapshot, warm: tracemalloc.Snapshot) -> list[str]:
    """Return the Heldar lines whose allocations grew most (by their innermost Heldar frame)."""
    by_line: dict[str, list[int]] = {}
    for stat in final.compare_to(warm, "traceback"):
        frames = [f for f in stat.traceback if "custom_components/heldar" in f.filename]
        where = frames[-1] if frames else stat.traceback[-1]  # oldest first: innermost last
        key = f"{where.filename.split('custom_components/')[-1]}:{where.lineno}"
        grown = by_line.setdefault(key, [0, 0])
        grown[0] += stat.size_diff
        grown[1] += stat.count_diff
    top = sorted(by_line.items(), key=lambda item: -item[1][0])[:8]
    return [f"{key} {size / 1024:+.1f} kB ({count:+d} blocks)" for key, (size, count) in top]


async def control(args: argparse.Namespace) -> None:
    """The control: the same HA, tracing and sampling for the same minutes, without Heldar."""
    from homeassistant.setup import async_setup_component  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as scratch:
        async with home_assistant(Path(scratch) / "config") as hass:
            tracemalloc.start(FRAMES)
            assert await async_setup_component(hass, "ffmpeg", {})
            print("READY", flush=True)
            started = time.monotonic()
            next_sample = started
            while (now := time.monotonic()) < started + args.minutes * 60 + 1:
                if now >= next_sample:
                    heldar_snapshot()  # the same tracing work as the soak's
                    sample = {
                        "minute": round((now - started) / 60, 1),
                        "rss_mb": round(rss_bytes() / MB, 1),
                    }
                    print(json.dumps(sample), flush=True)
                    next_sample += args.sample_minutes * 60
                await asyncio.sleep(1)
            tracemalloc.stop()


async def start_control(args: argparse.Namespace) -> asyncio.subprocess.Process:
    """Start the control process and wait until its HA runs."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--control",
        *("--minutes", str(args.minutes), "--sample-minutes", str(args.sample_minutes)),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    while (line := await process.stdout.readline()) and line.strip() != b"READY":
        pass
    return process


async def control_samples(process: asyncio.subprocess.Process) -> list[dict[str, float]]:
    """Read the control's samples to its end."""
    assert process.stdout is not None
    samples = [json.loads(line) for line in (await process.stdout.read()).splitlines() if line]
    await process.wait()
    return samples


async def soak(args: argparse.Namespace) -> None:
    """Run the soak and emit its records."""
    camera = RtspCamera()
    camera.start()
    samples: list[dict[str, float]] = []
    controlled: asyncio.subprocess.Process | None = None
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            storage = root / "rec"
            async with home_assistant(root / "config") as hass:
                tracemalloc.start(FRAMES)
                subentries = cameras(
                    camera.url, args.cameras, args.segment_seconds, args.retention_hours
                )
                async with heldar_hub(hass, storage, *subentries) as entry:
                    async with asyncio.timeout(120):
                        while not all_states(entry, "recording"):
                            await asyncio.sleep(0.5)
                    controlled = await start_control(args)
                    started = time.monotonic()
                    end = started + args.minutes * 60
                    next_sample = started
                    next_event = started + args.event_seconds
                    warm: tracemalloc.Snapshot | None = None
                    triggers = 0
                    while (now := time.monotonic()) < end + 1:
                        if now >= next_event:
                            for handle in camera_handles(entry):
                                handle.async_trigger(None, "soak")
                            triggers += 1
                            next_event += args.event_seconds
                        if now >= next_sample:
                            snapshot = heldar_snapshot()
                            minute = (now - started) / 60
                            if warm is None and minute >= args.warmup_minutes:
                                warm = snapshot
                            files = await asyncio.to_thread(
                                lambda: sum(1 for _ in storage.rglob("*.mp4"))
                            )
                            samples.append(
                                {
                                    "minute": round(minute, 1),
                                    "heldar_mb": round(total_mb(snapshot), 3),
                                    "rss_mb": round(rss_bytes() / MB, 1),
                                    "files": files,
                                }
                            )
                            print(f"# soak sample {samples[-1]}", flush=True)
                            next_sample += args.sample_minutes * 60
                        await asyncio.sleep(1)
                    final = heldar_snapshot()
                    recording = all_states(entry, "recording")
                tracemalloc.stop()
        compared = await control_samples(controlled)
    finally:
        camera.stop()
        if controlled is not None and controlled.returncode is None:
            controlled.kill()
            await controlled.wait()
    report(args, samples, compared, (final, warm), triggers, recording=recording)


def report(
    args: argparse.Namespace,
    samples: list[dict[str, float]],
    compared: list[dict[str, float]],
    snapshots: tuple[tracemalloc.Snapshot, tracemalloc.Snapshot | None],
    triggers: int,
    *,
    recording: bool,
) -> None:
    """Emit the traced growth, then HA's resident growth beside the control's."""
    final, warm = snapshots
    at_warm = next(s for s in samples if s["minute"] >= args.warmup_minutes)
    last = samples[-1]
    growth = last["heldar_mb"] - at_warm["heldar_mb"]
    grew = grew_most(final, warm) if warm else []
    full = args.minutes >= 360
    control_warm = next(s for s in compared if s["minute"] >= args.warmup_minutes)
    rss_growth = round(last["rss_mb"] - at_warm["rss_mb"], 1)
    control_growth = round(compared[-1]["rss_mb"] - control_warm["rss_mb"], 1)
    emit(
        "soak_heldar_memory_growth_after_1h_mb",
        round(growth, 3),
        "MB",
        f"<= {TARGET_MB} (flat after the warm-up)",
        growth <= TARGET_MB,
        version="full (6 h)" if full else f"SHORT ({args.minutes:g} min, not the 6 h run)",
        warmup_min=args.warmup_minutes,
        rss_growth_after_warmup_mb=rss_growth,
        control_rss_growth_after_warmup_mb=control_growth,
        cameras=args.cameras,
        segment_s=args.segment_seconds,
        event_every_s=args.event_seconds,
        triggers=triggers,
        retention_h=args.retention_hours,
        still_recording=recording,
        samples=samples,
        grew_most_since_warmup=grew,
    )
    # The whole process, beside the traced figure: HA with Heldar against HA without it,
    # sampled over the same minutes on the same machine.
    emit(
        "soak_ha_rss_growth_after_1h_mb",
        rss_growth,
        "MB",
        "reference: the control HA (no Heldar) over the same minutes",
        None,
        control_rss_growth_after_warmup_mb=control_growth,
        heldar_minus_control_mb=round(rss_growth - control_growth, 1),
        samples_rss_mb=[s["rss_mb"] for s in samples],
        control_samples_rss_mb=[s["rss_mb"] for s in compared],
        minutes=[s["minute"] for s in samples],
    )
    emit(
        "soak_control_ha_rss_growth_after_1h_mb",
        control_growth,
        "MB",
        "reference (HA without Heldar, same run)",
        None,
        samples=compared,
    )


def main() -> None:
    """Parse the options and soak."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=360.0)
    parser.add_argument("--warmup-minutes", type=float, default=60.0)
    parser.add_argument("--sample-minutes", type=float, default=10.0)
    parser.add_argument("--retention-hours", type=float, default=1.0)
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--segment-seconds", type=int, default=10)
    parser.add_argument("--event-seconds", type=float, default=60.0)
    parser.add_argument("--control", action="store_true", help="be the control (no Heldar)")
    args = parser.parse_args()
    asyncio.run(control(args) if args.control else soak(args))


if __name__ == "__main__":
    main()
