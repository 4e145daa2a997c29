"""Scrub previews: what making them costs per camera per day, and how fast the card shows them.

(a) Cost. Real footage at the default settings (60 s segments of a 1920x1080 camera at
4 Mbit/s, a keyframe every 2 s; tests/footage.py encodes it with noise, so it costs bits as a
camera's picture does). Each segment's sheet is made with the very command the recorder runs
(recorder/previews.py), timed by the CPU its FFmpeg used (user + system, getrusage of the
children); the sheets' bytes are summed. Both are scaled to a day (1 440 segments). Control,
in the same run on the same footage: the recorder's own FFmpeg command (recorder/command.py:
stream copy into segmented fragmented MP4) reading that footage; the ratio is previews' CPU
over the recorder's. The control reads a file as fast as it goes, where the recorder reads RTSP
in real time (which costs more), so the ratio errs on the high side.

(b) Latency in Chromium: a real HA recording the RTSP test camera at 1080p, 4 Mbit/s; the card's
bar is hovered over filed segments and the time from the pointermove to the tile on screen is
measured in the page (tests/browser/scrub.py): the first hover (its hour listed when the card
showed it), sheets not loaded before, and sheets already loaded (the 150 ms target).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import resource
import statistics
import subprocess
import tempfile
import time

from common import emit

from custom_components.heldar.recorder.command import RecordCommand
from custom_components.heldar.recorder.previews import (
    STEP,
    SheetLayout,
    preview_path,
    sheet_command,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, HA_TIME_ZONE, iso
from tests.footage import make_segments
from tests.media import RtspCamera
from tests.real_hass import RealHass

SEGMENT_SECONDS = 60
DAY_SEGMENTS = 86400 // SEGMENT_SECONDS
CACHED_TARGET_MS = 150
DASHBOARD = "heldar-bench"


def children_cpu() -> float:
    """Return the CPU seconds (user + system) of every finished child so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_cost(scratch: Path, count: int) -> None:
    """Make ``count`` segments, their sheets, and the control; emit the per-day figures."""
    folder = scratch / "cam"
    started = time.monotonic()
    segments: list[Path] = []
    # One at a time: make_segments gives its FFmpeg 120 s, and a 1080p minute takes 30 to 60 s
    # on this loaded machine.
    for number in range(count):
        segments += make_segments(
            folder,
            [1_800_000_000.0 + SEGMENT_SECONDS * number],
            seconds=SEGMENT_SECONDS,
            size="1920x1080",
            gop_seconds=2,
            bitrate="4M",
        )
    print(f"encoded {count} segments in {time.monotonic() - started:.0f} s", flush=True)
    layout = SheetLayout.for_duration(SEGMENT_SECONDS)
    cpu: list[float] = []
    wall: list[float] = []
    for segment in segments:
        before, clock = children_cpu(), time.monotonic()
        argv = sheet_command("ffmpeg", segment, preview_path(segment), layout)
        subprocess.run(argv, check=True, timeout=120)
        cpu.append(children_cpu() - before)
        wall.append(time.monotonic() - clock)
    sheet_bytes = [preview_path(s).stat().st_size for s in segments]
    footage_bytes = sum(s.stat().st_size for s in segments)
    # The control: the recorder's own command on the same footage, joined as one input.
    joined = scratch / "joined.txt"
    joined.write_text("".join(f"file '{s}'\n" for s in segments))
    out = scratch / "recorded"
    out.mkdir()
    command = RecordCommand("ffmpeg", str(joined), out, SEGMENT_SECONDS, wallclock=False).argv()
    i = command.index("-i")
    control_argv = [*command[:i], "-f", "concat", "-safe", "0", *command[i:]]
    before = children_cpu()
    subprocess.run(control_argv, check=True, timeout=600, stdout=subprocess.DEVNULL)
    control = children_cpu() - before
    per_segment = statistics.mean(cpu)
    control_per_segment = control / count
    emit(
        "preview_cpu_per_camera_day",
        round(per_segment * DAY_SEGMENTS, 1),
        "CPU s/day",
        "reference",
        None,
        per_segment_cpu_s=[round(c, 3) for c in cpu],
        per_segment_wall_s=[round(w, 3) for w in wall],
        core_pct=round(per_segment / SEGMENT_SECONDS * 100, 3),
        segments=count,
        footage=f"1920x1080 25 fps H.264 4 Mbit/s, GOP 2 s, {SEGMENT_SECONDS} s segments",
        sheet=f"{layout.tiles} tiles, one per {STEP:g} s, {layout.columns} a row",
    )
    emit(
        "preview_cpu_ratio_vs_recorder_ffmpeg",
        round(per_segment / control_per_segment, 2),
        "x",
        "reference (same run)",
        None,
        recorder_ffmpeg_cpu_per_day_s=round(control_per_segment * DAY_SEGMENTS, 1),
        control="the recorder's stream-copy command on the same footage, read from a file",
    )
    emit(
        "preview_disk_per_camera_day",
        round(statistics.mean(sheet_bytes) * DAY_SEGMENTS / 1e6, 1),
        "MB/day",
        "reference",
        None,
        per_sheet_bytes=sheet_bytes,
        share_of_footage_pct=round(sum(sheet_bytes) / footage_bytes * 100, 3),
    )


def measure_latency(scratch: Path, segment_seconds: int, minutes: float) -> None:
    """Record for ``minutes``, then time hovers over the card's bar in Chromium."""
    camera = RtspCamera(width=1920, height=1080, bitrate=4000, fps=25, gop=50)
    camera.start()
    ha = RealHass(scratch / "ha", frontend=True, time_zone=HA_TIME_ZONE)
    try:
        ha.start()
        ha.onboard()
        ha.add_camera(ha.add_hub(), "Bench camera", camera.url, segment_seconds)
        info = ha.call_ws({"type": "heldar/cameras"})["cameras"][0]
        card = {"type": "custom:heldar-timeline-card", "cameras": [info["camera"]], "hours": 1}
        ha.add_dashboard(DASHBOARD, "Bench", [{"title": "Bench", "cards": [card]}])
        time.sleep(minutes * 60)
        now = time.time()
        sheets = ha.call_ws(
            {
                "type": "heldar/previews",
                "camera": info["camera"],
                "start": iso(now - 3600),
                "end": iso(now),
            }
        )["sheets"]
        assert len(sheets) >= 3, sheets
        first, uncached, cached = _hover(ha, sheets)
    finally:
        ha.stop()
        camera.stop()
    median = statistics.median(cached)
    emit(
        "preview_latency_cached_sheet",
        round(median, 1),
        "ms",
        f"<= {CACHED_TARGET_MS}",
        median <= CACHED_TARGET_MS,
        samples_ms=[round(v, 1) for v in cached],
        browser="Chromium (Debian), headless",
        stream=f"1080p25 H.264, 4 Mbit/s, GOP 2 s, {segment_seconds} s segments",
    )
    emit(
        "preview_latency_uncached_sheet",
        round(statistics.median(uncached), 1),
        "ms",
        "reference",
        None,
        samples_ms=[round(v, 1) for v in uncached],
        first_hover_ms=round(first, 1),
        note="a sheet the page had not loaded (made in the background when its segment was filed)",
    )


def _hover(ha: RealHass, sheets: list[dict[str, str]]) -> tuple[float, list[float], list[float]]:
    """Hover the middle of filed segments: the first, then others once, then again (kept)."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    from tests.browser.scrub import arm, hover  # noqa: PLC0415
    from tests.browser.test_timeline_card import x_of  # noqa: PLC0415

    tokens = ha.frontend_tokens()

    def middle(sheet: dict[str, str]) -> float:
        from datetime import datetime  # noqa: PLC0415

        start = datetime.fromisoformat(sheet["start"]).timestamp()
        return (start + datetime.fromisoformat(sheet["end"]).timestamp()) / 2

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(
            f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
        )
        page = context.new_page()
        page.goto(f"{ha.url}/{DASHBOARD}/0")
        panel = page.locator("heldar-camera-timeline")
        panel.locator(".span").first.wait_for(state="attached", timeout=60_000)
        arm(panel)
        track = panel.locator(".track")
        moments = [middle(sheet) for sheet in sheets[:-1]]
        first = hover(panel, x_of(track, moments[0])).ms
        uncached = [hover(panel, x_of(track, moment)).ms for moment in moments[1:]]
        cached = [hover(panel, x_of(track, moment)).ms for _ in range(3) for moment in moments]
        browser.close()
    return first, uncached, cached


def main() -> None:
    """Measure the cost, then the latency."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=12, help="60 s segments to measure")
    parser.add_argument("--browser-segment-seconds", type=int, default=20)
    parser.add_argument("--browser-minutes", type=float, default=2.0, help="recording first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        measure_cost(Path(scratch), args.segments)
    with tempfile.TemporaryDirectory() as scratch:
        measure_latency(Path(scratch), args.browser_segment_seconds, args.browser_minutes)


if __name__ == "__main__":
    main()
