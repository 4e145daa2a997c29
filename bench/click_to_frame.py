"""Time from a click to the first frame shown, in Chromium against a real local HA.

Two paths in the same run, on the same recordings: a click on the Heldar timeline card (a new
HLS playlist, hls.js, seek to the clicked instant) and a click on one segment in Home Assistant's
own media browser (the segment's MP4 in HA's player dialog). Both are timed in the page, from the
pointerdown to the first video frame the browser presents (requestVideoFrameCallback).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import statistics
import tempfile
import time
from typing import TYPE_CHECKING

from common import emit

if TYPE_CHECKING:
    from playwright.sync_api import Page

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, HA_TIME_ZONE, iso
from tests.media import RtspCamera
from tests.real_hass import RealHass

TARGET_MS = 1500
SEGMENT_SECONDS = 10
DASHBOARD = "heldar-bench"

# Arms on each click; hooks every <video> (also inside shadow roots, also ones made later) and
# notes the first frame presented after the armed pointerdown.
PROBE_JS = """() => {
  const bench = (window.__bench = { armed: false, t0: null, t1: null, t2: null });
  document.addEventListener("pointerdown", () => {
    if (bench.armed) {
      bench.armed = false; bench.t0 = performance.now(); bench.t1 = null; bench.t2 = null;
    }
  }, true);
  // t1: the first frame shown; t2: the first one shown playing (from the instant asked for).
  const onFrame = (video) => (now) => {
    if (bench.t0 !== null && now >= bench.t0) {
      if (bench.t1 === null) bench.t1 = now;
      if (bench.t2 === null && !video.paused) bench.t2 = now;
    }
    video.requestVideoFrameCallback(onFrame(video));
  };
  const hook = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "VIDEO" && !el.__benchHooked) {
        el.__benchHooked = true;
        el.requestVideoFrameCallback(onFrame(el));
      }
      if (el.shadowRoot) hook(el.shadowRoot);
    }
  };
  const loop = () => { hook(document); requestAnimationFrame(loop); };
  loop();
}"""


def arm(page: Page) -> None:
    """Arm the probe for the next pointerdown."""
    page.evaluate("() => { window.__bench.armed = true; window.__bench.t0 = null; }")


def wait_frame(page: Page, timeout: float = 30, mark: str = "t1") -> float:
    """Return ms from the armed pointerdown to the first frame shown (``t2``: playing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bench = page.evaluate("() => window.__bench")
        if bench["t0"] is not None and bench[mark] is not None:
            return float(bench[mark] - bench["t0"])
        time.sleep(0.02)
    msg = "no frame was shown"
    raise TimeoutError(msg)


def card_click(page: Page, seconds_ago: float) -> float:
    """Click the card's timeline that many seconds back; return ms to the first frame."""
    panel = page.locator("heldar-camera-timeline")
    panel.evaluate("(el) => el.goLive()")
    time.sleep(1)
    track = panel.locator(".track")
    box = track.bounding_box()
    start = _epoch(track.get_attribute("data-view-start"))
    end = _epoch(track.get_attribute("data-view-end"))
    x = box["width"] * (time.time() - seconds_ago - start) / (end - start)
    arm(page)
    track.click(position={"x": x, "y": box["height"] / 2})
    return wait_frame(page)


def media_browser_click(page: Page, url: str, camera: str, index: int) -> float:
    """Open one segment of the newest hour in HA's media browser; return ms to the first frame."""
    page.goto(f"{url}/media-browser/browser")
    page.evaluate(PROBE_JS)
    for title in ("Heldar", camera, str(time.gmtime().tm_year), ":00-"):
        item = page.locator(".title", has_text=title).first
        item.wait_for(timeout=30_000)
        time.sleep(0.5)
        item.click(force=True)
    titles = page.locator(".title", has_text=camera)
    segments = titles.filter(has_not_text="whole hour")
    segments.first.wait_for(timeout=30_000)
    time.sleep(0.5)
    arm(page)
    segments.nth(min(index + 1, segments.count() - 1)).click(force=True)
    return wait_frame(page)


def _epoch(text: str | None) -> float:
    from datetime import datetime  # noqa: PLC0415

    return datetime.fromisoformat(str(text)).timestamp()


def main() -> None:
    """Record for a minute, then time both paths a few times each."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    camera = RtspCamera(width=1280, height=720, bitrate=1500, fps=25, gop=50)
    camera.start()
    with tempfile.TemporaryDirectory() as scratch:
        ha = RealHass(Path(scratch), frontend=True, time_zone=HA_TIME_ZONE)
        try:
            ha.start()
            ha.onboard()
            ha.add_camera(ha.add_hub(), "Browser camera", camera.url, SEGMENT_SECONDS)
            info = ha.call_ws({"type": "heldar/cameras"})["cameras"][0]
            card = {"type": "custom:heldar-timeline-card", "cameras": [info["camera"]], "hours": 1}
            ha.add_dashboard(DASHBOARD, "Bench", [{"title": "Bench", "cards": [card]}])
            _wait_footage(ha, info["camera"], 6 * SEGMENT_SECONDS)
            card_ms, browser_ms = _measure(ha, info["name"], args.runs)
        finally:
            ha.stop()
            camera.stop()
    card_median = statistics.median(card_ms)
    emit(
        "card_click_to_first_frame",
        round(card_median, 1),
        "ms",
        f"<= {TARGET_MS}",
        card_median <= TARGET_MS,
        samples_ms=[round(v, 1) for v in card_ms],
        ha_media_browser_segment_ms=round(statistics.median(browser_ms), 1),
        browser="Chromium (Debian), headless, software decoding",
        stream=f"720p25 H.264, 1.5 Mbit/s, GOP 2 s, {SEGMENT_SECONDS} s segments",
    )
    emit(
        "ha_media_browser_segment_to_first_frame",
        round(statistics.median(browser_ms), 1),
        "ms",
        "reference (same run)",
        None,
        samples_ms=[round(v, 1) for v in browser_ms],
    )


def _wait_footage(ha: RealHass, camera: str, seconds: float) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        now = time.time()
        spans = ha.call_ws(
            {"type": "heldar/timeline", "camera": camera, "start": iso(now - 600), "end": iso(now)}
        )["spans"]
        if sum(_epoch(s["end"]) - _epoch(s["start"]) for s in spans) >= seconds:
            return
        time.sleep(2)
    msg = "no footage recorded"
    raise TimeoutError(msg)


def _measure(ha: RealHass, camera: str, runs: int) -> tuple[list[float], list[float]]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    tokens = ha.frontend_tokens()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        login = json.dumps(json.dumps(tokens))
        context.add_init_script(f"localStorage.setItem('hassTokens', {login});")
        page = context.new_page()
        page.goto(f"{ha.url}/{DASHBOARD}/0")
        first_span = page.locator("heldar-camera-timeline .span").first
        first_span.wait_for(state="attached", timeout=60_000)
        page.evaluate(PROBE_JS)
        card_ms = [card_click(page, 15 + 7 * run) for run in range(runs)]
        browser_ms = [media_browser_click(page, ha.url, camera, run) for run in range(runs)]
        browser.close()
    return card_ms, browser_ms


if __name__ == "__main__":
    main()
