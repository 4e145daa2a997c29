"""Click-to-first-frame over a throttled link, against its floor, at real cameras' settings.

Chromium (headless, software decoding) plays a real Home Assistant's timeline card over a link
the DevTools protocol throttles to 20 Mbit/s with 40 ms of latency (``Network.
emulateNetworkConditions``, the browser cache off), as HA is reached over Wi-Fi or a VPN.
Three real RTSP cameras record in 60 s segments (the default):

- ``default``: 1280x720 25 fps H.264 at 1.5 Mbit/s, a keyframe every 2 s;
- ``1080p_gop2``: 1920x1080 15 fps at 4 Mbit/s, a keyframe every 2 s;
- ``1080p_gop4``: the same with a keyframe every 4 s.

Two kinds of click, each timed in the page from the pointerdown to the first frame presented
(for a click past a keyframe, the card shows that keyframe first: the picture the floor pays
for) and, as its own row, to the first frame shown playing at the instant clicked:
at an instant inside a closed file (the card's live playlist, as for any click in the last
hour), and at the start of the recording's first file (where a click in a gap, or on the
start of recording, lands: the playlist then begins with the whole file). The floor of each,
taken from the very file the click played: the init section plus the one fragment holding the
keyframe, over the link rate, plus two round trips. A frame at an instant past the keyframe's
fragment needs the fragments up to it too: that "instant floor" is reported beside it. The
control, in the same run and at the same instants: playlists as Heldar listed them before (a
whole closed file one entry, a cut one fragment by fragment), switched by bench/seek_control.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import TYPE_CHECKING
import urllib.request

from click_to_frame import PROBE_JS, _epoch, _wait_footage, wait_frame
from common import emit

if TYPE_CHECKING:
    from playwright.sync_api import Page

from custom_components.heldar.recorder.fmp4 import read_fragments, read_layout
from custom_components.heldar.recorder.segments import segment_start
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, HA_TIME_ZONE
from tests.media import RtspCamera
from tests.real_hass import RealHass

HERE = Path(__file__).resolve().parent
LINK_BITS = 20_000_000
LATENCY_MS = 40
SEGMENT_SECONDS = 60
RATIO_TARGET = 1.5
TARGET_MS = 1000
DASHBOARD = "heldar-seek"
CONTROL = "heldar_seek_control"
# name -> the camera (rtsp_camera.py flags); "snow" keeps the encoder at its bitrate
SETTINGS: dict[str, dict[str, int | str]] = {
    "default": {"width": 1280, "height": 720, "fps": 25, "gop": 50, "bitrate": 1500},
    "1080p_gop2": {"width": 1920, "height": 1080, "fps": 15, "gop": 30, "bitrate": 4000},
    "1080p_gop4": {"width": 1920, "height": 1080, "fps": 15, "gop": 60, "bitrate": 4000},
}

# Before a click: stop every video (a frame of the last playback must not count), forget the
# resource timings, arm the probe.
ARM_JS = """() => {
  const pause = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "VIDEO") el.pause();
      if (el.shadowRoot) pause(el.shadowRoot);
    }
  };
  pause(document);
  performance.clearResourceTimings();
  performance.setResourceTimingBufferSize(10000);
  window.__bench.armed = true; window.__bench.t0 = null; window.__bench.t1 = null;
  window.__bench.t2 = null;
}"""
# Bytes of footage (segment requests, not playlists) that finished before the first frame.
LOADED_JS = """() => {
  const b = window.__bench;
  return performance.getEntriesByType("resource")
    .filter((e) => e.name.includes("/api/heldar/hls/") && !e.name.endsWith(".m3u8"))
    .filter((e) => e.startTime >= b.t0 && e.responseEnd <= b.t1)
    .reduce((sum, e) => sum + e.transferSize, 0);
}"""


def click(page: Page, instant: float) -> float:
    """Click the card's timeline at ``instant``; return ms to the first frame."""
    panel = page.locator("heldar-camera-timeline")
    panel.evaluate("(el) => el.goLive()")
    time.sleep(1.5)
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    start = _epoch(track.get_attribute("data-view-start"))
    end = _epoch(track.get_attribute("data-view-end"))
    x = box["width"] * (instant - start) / (end - start)
    page.evaluate(ARM_JS)
    track.click(position={"x": x, "y": box["height"] / 2})
    return wait_frame(page, timeout=60)


def play_from(page: Page, instant: float) -> float:
    """Play from ``instant`` as a click that snaps there does; return ms to the first frame."""
    panel = page.locator("heldar-camera-timeline")
    panel.evaluate("(el) => el.goLive()")
    time.sleep(1.5)
    page.evaluate(ARM_JS)
    panel.evaluate(
        "(el, t) => { document.dispatchEvent(new PointerEvent('pointerdown')); el.playFrom(t); }",
        instant * 1000,
    )
    return wait_frame(page, timeout=60)


def floor_of(playlist: str, storage: Path, camera: str) -> tuple[int, int, int]:
    """Return (init bytes, keyframe fragment bytes, first entry bytes) of a playlist."""
    lines = playlist.splitlines()
    init = int(next(line for line in lines if line.startswith("#EXT-X-MAP:")).split('"')[3][:-2])
    ranged = next(index for index, line in enumerate(lines) if line.startswith("#EXT-X-BYTE"))
    length, offset = (int(value) for value in lines[ranged].split(":")[1].split("@"))
    name = lines[ranged + 1]
    path = next(p for p in storage.rglob(name) if camera in str(p.parent))
    layout = read_layout(path)
    assert layout is not None
    fragment = next(f for f in read_fragments(path, layout) if f.offset == offset)
    return init, fragment.size, length


def main() -> None:
    """Record three cameras a few minutes, then click each at the same instants twice."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clicks", type=int, default=5)
    args = parser.parse_args()
    cameras = {name: RtspCamera(pattern="snow", **flags) for name, flags in SETTINGS.items()}
    for camera in cameras.values():
        camera.start()
    with tempfile.TemporaryDirectory() as scratch:
        ha = RealHass(Path(scratch), frontend=True, time_zone=HA_TIME_ZONE)
        (ha.config / "custom_components" / CONTROL).symlink_to(HERE / "seek_control")
        with (ha.config / "configuration.yaml").open("a") as config:
            config.write(f"{CONTROL}:\n")
        try:
            ha.start()
            ha.onboard()
            hub = ha.add_hub()
            for name, camera in cameras.items():
                ha.add_camera(hub, f"seek {name}", camera.url, SEGMENT_SECONDS)
            listed = ha.call_ws({"type": "heldar/cameras"})["cameras"]
            ids = {info["name"].split()[-1]: info["camera"] for info in listed}
            views = [
                {"title": name, "cards": [{"type": "custom:heldar-timeline-card",
                                           "cameras": [ids[name]], "hours": 1}]}
                for name in SETTINGS
            ]  # fmt: skip
            ha.add_dashboard(DASHBOARD, "Seek", views)
            for name in SETTINGS:
                _wait_footage(ha, ids[name], 150)
            results = _measure(ha, Path(scratch), args.clicks)
        finally:
            ha.stop()
            for camera in cameras.values():
                camera.stop()
    _report(results)


def _measure(ha: RealHass, scratch: Path, clicks: int) -> dict[str, dict[str, list[float]]]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    tokens = ha.frontend_tokens()
    flag = ha.config / "seek_control_whole_files"
    storage = scratch / "media" / "heldar"
    now = time.time()
    # Instants in closed files, 75 s to about 2 min back, not on a keyframe grid.
    instants = [now - 75 - 13.7 * click for click in range(clicks)]
    results: dict[str, dict[str, list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        login = json.dumps(json.dumps(tokens))
        context.add_init_script(f"localStorage.setItem('hassTokens', {login});")
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": LATENCY_MS,
                "downloadThroughput": LINK_BITS / 8,
                "uploadThroughput": LINK_BITS / 8,
            },
        )
        playlists: list[str] = []
        page.on(
            "request",
            lambda request: (
                playlists.append(request.url) if request.url.endswith("playlist.m3u8") else None
            ),
        )
        for view, name in enumerate(SETTINGS):
            folder = f"seek_{name}"
            # The first file of the recording: nothing before it, so the playlist starts with
            # the whole file (as after a click in a gap).
            starts = [_start(min((storage / folder).glob("*.mp4")).name)] * clicks
            _open_view(page, f"{ha.url}/{DASHBOARD}/{view}")
            got: dict[str, list[float]] = {}
            for kind, at, how in (("", instants, click), ("start_", starts, play_from)):
                for instant in at:
                    for control in (False, True):
                        flag.touch() if control else flag.unlink(missing_ok=True)
                        playlists.clear()
                        took = how(page, instant)
                        playing = wait_frame(page, timeout=60, mark="t2")
                        print(f"{name} {kind or 'mid_'}{control=}: {took:.0f} ms", file=sys.stderr)
                        loaded = float(page.evaluate(LOADED_JS))
                        mode = f"{kind}control_" if control else kind
                        got.setdefault(f"{mode}ms", []).append(took)
                        got.setdefault(f"{mode}playing_ms", []).append(playing)
                        got.setdefault(f"{mode}loaded", []).append(loaded)
                        with urllib.request.urlopen(playlists[-1]) as answer:  # noqa: S310
                            text = answer.read().decode()
                        init, keyframe, entry = floor_of(text, storage, folder)
                        got.setdefault(f"{mode}entry", []).append(entry)
                        if control:
                            continue
                        floor = (init + keyframe) * 8 / LINK_BITS * 1000 + 2 * LATENCY_MS
                        reach = (init + entry) * 8 / LINK_BITS * 1000 + 2 * LATENCY_MS
                        got.setdefault(f"{kind}floor_ms", []).append(floor)
                        got.setdefault(f"{kind}instant_floor_ms", []).append(reach)
                        got.setdefault(f"{kind}floor_bytes", []).append(init + keyframe)
            flag.unlink(missing_ok=True)
            results[name] = got
        browser.close()
    return results


def _open_view(page: Page, url: str) -> None:
    """Open a dashboard view and hook its video (a second try: the machine is shared)."""
    from playwright.sync_api import TimeoutError as Timeout  # noqa: PLC0415

    for attempt in range(3):
        print(f"opening {url} (try {attempt + 1})", file=sys.stderr, flush=True)
        page.goto(url)
        try:
            page.locator("heldar-camera-timeline .span").first.wait_for(
                state="attached", timeout=60_000
            )
            break
        except Timeout:
            continue
    page.evaluate(PROBE_JS)


def _start(name: str) -> float:
    started = segment_start(name)
    assert started is not None
    return started.timestamp()


def _ratio(times: list[float], floors: list[float]) -> float:
    """Return the median click's time over the median floor."""
    return round(statistics.median(times) / statistics.median(floors), 2)


def _report(results: dict[str, dict[str, list[float]]]) -> None:
    link = f"{LINK_BITS // 1_000_000} Mbit/s, {LATENCY_MS} ms latency (CDP)"
    for name, got in results.items():
        camera = SETTINGS[name]
        shape = (
            f"{camera['width']}x{camera['height']} {camera['fps']} fps H.264,"
            f" {camera['bitrate']} kbit/s, GOP {int(camera['gop']) / int(camera['fps']):g} s,"
            f" {SEGMENT_SECONDS} s segments"
        )
        median = statistics.median(got["ms"])
        emit(
            f"seek_{name}_click_to_first_frame",
            round(median, 1),
            "ms",
            f"< {TARGET_MS}",
            median < TARGET_MS,
            samples_ms=[round(v, 1) for v in got["ms"]],
            floor_ms=round(statistics.median(got["floor_ms"]), 1),
            instant_floor_ms=round(statistics.median(got["instant_floor_ms"]), 1),
            floor_bytes=[int(v) for v in got["floor_bytes"]],
            first_entry_bytes=[int(v) for v in got["entry"]],
            loaded_before_first_frame_bytes=[int(v) for v in got["loaded"]],
            control_ms=round(statistics.median(got["control_ms"]), 1),
            control_loaded_bytes=[int(v) for v in got["control_loaded"]],
            control_first_entry_bytes=[int(v) for v in got["control_entry"]],
            camera=shape,
            link=link,
        )
        playing = statistics.median(got["playing_ms"])
        emit(
            f"seek_{name}_click_to_playing_at_instant",
            round(playing, 1),
            "ms",
            f"< {TARGET_MS}",
            playing < TARGET_MS,
            samples_ms=[round(v, 1) for v in got["playing_ms"]],
            ratio_to_instant_floor=_ratio(got["playing_ms"], got["instant_floor_ms"]),
            ratio_to_floor=_ratio(got["playing_ms"], got["floor_ms"]),
            control_ms=round(statistics.median(got["control_playing_ms"]), 1),
            note="the first frame shown playing, at the instant clicked (after the keyframe)",
        )
        ratio = _ratio(got["ms"], got["floor_ms"])
        emit(
            f"seek_{name}_ratio_to_floor",
            ratio,
            "ratio",
            f"<= {RATIO_TARGET}",
            ratio <= RATIO_TARGET,
            ratio_to_instant_floor=_ratio(got["ms"], got["instant_floor_ms"]),
            control_ratio_to_floor=_ratio(got["control_ms"], got["floor_ms"]),
        )
        start = statistics.median(got["start_ms"])
        ratio = _ratio(got["start_ms"], got["start_floor_ms"])
        emit(
            f"seek_{name}_file_start_ratio_to_floor",
            ratio,
            "ratio",
            f"<= {RATIO_TARGET} and < {TARGET_MS} ms",
            ratio <= RATIO_TARGET and start < TARGET_MS,
            ms=round(start, 1),
            samples_ms=[round(v, 1) for v in got["start_ms"]],
            floor_ms=round(statistics.median(got["start_floor_ms"]), 1),
            loaded_before_first_frame_bytes=[int(v) for v in got["start_loaded"]],
            first_entry_bytes=[int(v) for v in got["start_entry"]],
        )
        emit(
            f"seek_{name}_file_start_control_ratio_to_floor",
            _ratio(got["start_control_ms"], got["start_floor_ms"]),
            "ratio",
            "reference (same run: a closed file one entry, as before)",
            None,
            ms=round(statistics.median(got["start_control_ms"]), 1),
            samples_ms=[round(v, 1) for v in got["start_control_ms"]],
            loaded_before_first_frame_bytes=[int(v) for v in got["start_control_loaded"]],
            first_entry_bytes=[int(v) for v in got["start_control_entry"]],
        )


if __name__ == "__main__":
    main()
