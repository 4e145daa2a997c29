"""Scrub previews in a real Chromium: hovering the bar shows the instant's segment, quickly."""

from __future__ import annotations

import logging
import statistics
import time
from typing import TYPE_CHECKING, Any

import pytest
from yarl import URL

from .conftest import PHONE_WIDTH, SEGMENT_SECONDS, Review, iso, parse, wait_for_footage
from .scrub import Shown, arm, hover, leave, tile_spread
from .test_timeline_card import open_card, x_of

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.usefixtures("socket_enabled")
_LOGGER = logging.getLogger(__name__)

CACHED_TARGET_MS = 150


def sheets(review: Review, seconds: float) -> list[dict[str, Any]]:
    """Return the preview sheets of the last ``seconds``, as the card is told of them."""
    now = time.time()
    answer = review.ha.call_ws(
        {
            "type": "heldar/previews",
            "camera": review.camera["camera"],
            "start": iso(now - seconds),
            "end": iso(now),
        }
    )
    found: list[dict[str, Any]] = answer["sheets"]
    return found


def hover_at(panel: Locator, moment: float) -> Shown:
    """Hover the bar where it shows ``moment``."""
    return hover(panel, x_of(panel.locator(".track"), moment))


def assert_from_its_segment(shown: Shown, listed: list[dict[str, Any]]) -> None:
    """The preview shows the sheet of the segment holding the instant under the pointer."""
    assert shown.complete
    assert shown.cursor is not None
    cursor = parse(shown.cursor)
    holding = [s for s in listed if parse(s["start"]) <= cursor < parse(s["end"])]
    assert len(holding) == 1, (shown, listed)
    assert URL(shown.src).path == URL(holding[0]["url"]).path
    assert parse(shown.sheet_start) == pytest.approx(parse(holding[0]["start"]), abs=0.002)
    offset = cursor - parse(holding[0]["start"])
    assert shown.tile == min(round(offset / 2), holding[0]["tiles"] - 1)


def test_hovering_shows_the_instants_segment_within_150_ms(page: Page, review: Review) -> None:
    """The still of the segment under the pointer shows; from a kept sheet in under 150 ms.

    The card lists the hour's sheets when it shows it; the first hover loads one sheet, the
    second another;
    going back to them then only moves a kept image.
    """
    wait_for_footage(review, 8 * SEGMENT_SECONDS)
    panel = open_card(page, review)
    arm(panel)
    listed = sheets(review, 600)
    # Two filed segments a few back from now, each hovered at its middle (a pixel is ~3 s).
    middles = [(parse(s["start"]) + parse(s["end"])) / 2 for s in (listed[-6], listed[-3])]
    first = hover_at(panel, middles[0])
    assert_from_its_segment(first, listed)
    assert tile_spread(panel) > 5  # a picture, not a blank tile
    second = hover_at(panel, middles[1])
    assert_from_its_segment(second, listed)
    cached: list[float] = []
    for _ in range(3):
        for middle in middles:
            shown = hover_at(panel, middle)
            assert_from_its_segment(shown, listed)
            cached.append(shown.ms)
    leave(panel)
    page.locator("heldar-scrub-preview .preview").wait_for(state="detached", timeout=5000)
    _LOGGER.warning(
        "scrub preview: first hover %.0f ms (the first sheet loaded), another uncached sheet "
        "%.0f ms, kept sheet median %.0f ms, max %.0f ms",
        first.ms,
        second.ms,
        statistics.median(cached),
        max(cached),
    )
    assert statistics.median(cached) < CACHED_TARGET_MS, cached


def test_a_finger_dragged_along_the_bar_shows_previews(phone: Page, review: Review) -> None:
    """On a phone, the still follows a finger's drag and goes when the finger lifts."""
    wait_for_footage(review, 8 * SEGMENT_SECONDS)
    panel = open_card(phone, review)
    arm(panel)
    listed = sheets(review, 600)
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    middles = [(parse(s["start"]) + parse(s["end"])) / 2 for s in (listed[-8], listed[-3])]
    cdp = phone.context.new_cdp_session(phone)
    touch = "Input.dispatchTouchEvent"
    start_x = box["x"] + x_of(track, middles[0])
    cdp.send(touch, {"type": "touchStart", "touchPoints": [{"x": start_x, "y": y}]})
    end_x = box["x"] + x_of(track, middles[1])
    cdp.send(touch, {"type": "touchMove", "touchPoints": [{"x": end_x, "y": y}]})
    preview = phone.locator("heldar-scrub-preview .preview img")
    preview.wait_for(state="visible", timeout=20_000)
    deadline = time.monotonic() + 20
    while not (shown := phone.evaluate("() => window.__heldarScrub.shown")):
        assert time.monotonic() < deadline, "no preview during the drag"
        time.sleep(0.05)
    last = shown[-1]
    assert_from_its_segment(
        Shown(
            float(last["ms"]),
            last["cursor"],
            str(last["src"]),
            str(last["sheetStart"]),
            int(last["tile"]),
            bool(last["complete"]),
        ),
        listed,
    )
    # Over the track, inside the phone's screen.
    shown_box = phone.locator("heldar-scrub-preview .preview").bounding_box()
    assert shown_box is not None
    assert shown_box["y"] + shown_box["height"] <= box["y"] + 1
    assert shown_box["x"] >= -1
    assert shown_box["x"] + shown_box["width"] <= PHONE_WIDTH + 1
    cdp.send(touch, {"type": "touchEnd", "touchPoints": []})
    phone.locator("heldar-scrub-preview .preview").wait_for(state="detached", timeout=5000)
