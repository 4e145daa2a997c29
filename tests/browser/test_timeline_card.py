"""The timeline card and HLS playback in a real Chromium against a real, recording HA."""

from __future__ import annotations

import base64
from datetime import datetime
import json
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING, Any
import urllib.request

from playwright.sync_api import Error as PlaywrightError
import pytest

from tests.media import duration

from .conftest import (
    DASHBOARD,
    KEYFRAME_SECONDS,
    PHONE_WIDTH,
    SEGMENT_SECONDS,
    Review,
    goto_ha,
    iso,
    parse,
    wait_for_footage,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.usefixtures("socket_enabled")

# Records the video's playback: first-frame program date-time, currentTime samples, waits.
WATCH_JS = """(panel) => {
  const video = panel.shadowRoot.querySelector("video");
  const log = { first: null, since: null, samples: [], waits: [], waitingSince: null };
  video.addEventListener("playing", () => {
    if (log.first === null) {
      log.first = panel.playingAt();
      log.since = performance.now();
    }
    if (log.waitingSince !== null) log.waits.push(performance.now() - log.waitingSince);
    log.waitingSince = null;
  });
  video.addEventListener("waiting", () => { log.waitingSince = performance.now(); });
  const timer = setInterval(() => {
    log.samples.push([performance.now(), video.currentTime, panel.playingAt()]);
  }, 250);
  window.__heldarWatch = { log, stop: () => clearInterval(timer) };
}"""


# What the dashboard shows in place of the card, for a failure message.
DUMP_JS = """() => {
  const found = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (["HUI-ERROR-CARD", "HUI-CARD", "HELDAR-TIMELINE-CARD"].includes(el.tagName)) {
        found.push(`${el.tagName} ${JSON.stringify(el._config ?? null)}`);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const defined = Boolean(customElements.get("heldar-timeline-card"));
  const offered = JSON.stringify(window.customCards);
  const defines = JSON.stringify(window.__heldarDefines);
  return `${found.join("; ")}; defined=${defined} defines=${defines} customCards=${offered}`;
}"""


def open_card(page: Page, review: Review) -> Locator:
    """Open the dashboard and wait for the card to show recorded footage."""
    goto_ha(page, f"{review.ha.url}/{DASHBOARD}/0")
    panel = page.locator("heldar-camera-timeline")
    try:
        panel.locator(".span").first.wait_for(state="attached", timeout=60_000)
    except PlaywrightError:
        pytest.fail(
            f"the card shows no footage: {page.evaluate(DUMP_JS)}\n"
            f"HA logged:\n{review.ha.logged_errors()}"
        )
    return panel


def x_of(track: Locator, moment: float) -> float:
    """Return the x offset on the track (CSS px) of an instant, from the view the track shows."""
    box = track.bounding_box()
    assert box is not None
    start = parse(str(track.get_attribute("data-view-start")))
    end = parse(str(track.get_attribute("data-view-end")))
    return box["width"] * (moment - start) / (end - start)


def click_at(panel: Locator, moment: float) -> float:
    """Click the track where it shows ``moment``; return the instant the card marked there.

    The view follows now, so the instant under a still pointer moves on: the one that counts is
    what the cursor shows for the click itself.
    """
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    x = round(x_of(track, moment))
    track.click(position={"x": x, "y": box["height"] / 2})
    shown = parse(str(panel.locator(".cursor").get_attribute("data-time")))
    seconds_per_px = 3600 / box["width"]
    assert abs(shown - moment) <= seconds_per_px + 5, "the cursor is not where the pointer is"
    return shown


def watch(page: Page, panel: Locator) -> None:
    """Start recording the video's playback in the page."""
    panel.evaluate(WATCH_JS)


def watched(page: Page) -> dict[str, Any]:
    """Return what the page recorded so far."""
    return page.evaluate("() => window.__heldarWatch.log")


def test_card_offered_in_picker_and_renders_recent_spans(page: Page, review: Review) -> None:
    """The card is in HA's card picker (with its editor) and draws the last minutes' footage."""
    panel = open_card(page, review)
    now = time.time()
    spans = [
        (parse(str(s.get_attribute("data-start"))), parse(str(s.get_attribute("data-end"))))
        for s in panel.locator(".span").all()
    ]
    recorded = sum(b - a for a, b in spans if b > now - 600)
    assert recorded >= 2 * SEGMENT_SECONDS
    assert max(b for _, b in spans) > now - 3 * SEGMENT_SECONDS, "the newest footage is missing"
    # The ticks are in HA's zone (Europe/Berlin), not the browser's (America/Los_Angeles).
    ha_hour = datetime.now(tz=__import__("zoneinfo").ZoneInfo(review.time_zone)).strftime("%I")
    labels = " ".join(panel.locator(".tick").all_inner_texts())
    assert re.search(rf"\b{ha_hour}:\d\d", labels), labels

    goto_ha(page, f"{review.ha.url}/{DASHBOARD}/0?edit=1")
    page.get_by_role("button", name="Add card").click()
    by_card = page.get_by_text("By card")
    offered = page.get_by_text("Heldar timeline")
    for _ in range(3):  # a click while the dialog still opens can be lost
        by_card.click()
        try:
            offered.first.wait_for(timeout=10_000)
            break
        except PlaywrightError:
            continue
    offered.first.wait_for(timeout=10_000)
    offered.first.click(force=True)  # the picker lays a click-catching overlay on each preview
    # The editor is Home Assistant's own form, with its device picker for the cameras.
    page.locator("hui-form-editor ha-selector-device").first.wait_for(timeout=30_000)


def test_click_plays_footage_from_that_instant(page: Page, review: Review) -> None:
    """Clicking at T plays footage whose program date-time is within one keyframe interval of T."""
    wait_for_footage(review, 8 * SEGMENT_SECONDS)  # T well inside the recorded footage
    panel = open_card(page, review)
    watch(page, panel)
    target = click_at(panel, time.time() - 5 * SEGMENT_SECONDS)
    deadline = time.monotonic() + 20
    while (first := watched(page)["first"]) is None:
        assert time.monotonic() < deadline, "playback did not start"
        time.sleep(0.1)
    assert abs(first / 1000 - target) <= KEYFRAME_SECONDS, first / 1000 - target


def test_playback_crosses_segment_boundaries_without_stalling(page: Page, review: Review) -> None:
    """Played on for more than three segments: time keeps advancing, no wait lasts over a second."""
    panel = open_card(page, review)
    playlists: list[str] = []
    page.on(
        "response",
        lambda response: (
            playlists.append(response.url) if "playlist.m3u8" in response.url else None
        ),
    )
    watch(page, panel)
    start = click_at(panel, time.time() - 6 * SEGMENT_SECONDS)
    deadline = time.monotonic() + 4 * SEGMENT_SECONDS + 15
    boundaries: list[float] = []
    while time.monotonic() < deadline:
        time.sleep(1)
        log = watched(page)
        at = [s[2] / 1000 for s in log["samples"] if s[2] is not None]
        if playlists and not boundaries:
            boundaries = program_date_times(review, playlists[0])
        if at and boundaries and sum(at[0] < b < at[-1] for b in boundaries) >= 3:
            break
    page.evaluate("() => window.__heldarWatch.stop()")
    log = watched(page)
    samples = [s for s in log["samples"] if log["since"] is not None and s[0] >= log["since"]]
    at = [s[2] / 1000 for s in samples]
    crossed = [b for b in boundaries if at and at[0] < b < at[-1]]
    if len(crossed) < 3:  # what was played, for the failure message
        listing = review.ha.fetch(playlists[-1].removeprefix(review.ha.url))[1].decode()
        pytest.fail(f"{(start, at[:1], at[-1:], boundaries)}\n{playlists}\n{listing}")
    # currentTime keeps advancing: over every second of samples it moved on.
    for earlier, later in zip(samples, samples[4:], strict=False):
        assert later[1] > earlier[1], f"currentTime stuck at {earlier[1]}"
    waits = [*log["waits"]]
    if log["waitingSince"] is not None:
        waits.append(samples[-1][0] - log["waitingSince"])
    assert all(wait <= 1000 for wait in waits), waits


def test_selected_range_downloads_as_one_file(page: Page, review: Review, tmp_path: Path) -> None:
    """Select, drag over a minute of footage, Download: one MP4 as long as the selection."""
    wait_for_footage(review, 60)
    newest = max(parse(span["end"]) for span in review.timeline(600)["spans"])
    panel = open_card(page, review)
    panel.locator(".select-range").click()
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + x_of(track, newest - 50), y)
    page.mouse.down()
    page.mouse.move(box["x"] + x_of(track, newest - 10), y, steps=5)
    page.mouse.up()
    selection = panel.locator(".selection")
    start = parse(str(selection.get_attribute("data-start")))
    end = parse(str(selection.get_attribute("data-end")))
    covered = sum(
        max(0.0, min(parse(s["end"]), end) - max(parse(s["start"]), start))
        for s in review.timeline(600)["spans"]
    )
    assert covered >= 30, (start, end, covered)
    with page.expect_download(timeout=120_000) as download:
        panel.locator(".download").click()
    clip = tmp_path / "range.mp4"
    download.value.save_as(clip)
    # Cut at the keyframe at or before the start: up to one keyframe interval longer.
    assert covered - 0.5 <= duration(clip) <= covered + KEYFRAME_SECONDS + 0.5, covered


def program_date_times(review: Review, url: str) -> list[float]:
    """Return the EXT-X-PROGRAM-DATE-TIME of every segment in a playlist the card played."""
    status, body = review.ha.fetch(url.removeprefix(review.ha.url))
    assert status == 200, status
    return [
        parse(line.split(":", 1)[1])
        for line in body.decode().splitlines()
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:")
    ]


def test_trigger_shows_as_event_without_reload(page: Page, review: Review) -> None:
    """A heldar.trigger appears on the open timeline within 5 s."""
    panel = open_card(page, review)
    before = panel.locator(".event").count()
    # Triggers open events in the event modes (in continuous mode there is nothing to open).
    mode = next(
        state["entity_id"]
        for state in review.ha.request("GET", "/api/states")
        if state["entity_id"].startswith("select.")
        and "event" in state["attributes"].get("options", [])
    )
    review.ha.request(
        "POST", "/api/services/select/select_option", {"entity_id": mode, "option": "event"}
    )
    # The switch restarts FFmpeg into the pre-roll buffer; what is timed is trigger to display.
    state = review.camera["entities"]["state"]
    deadline = time.monotonic() + 30
    while review.ha.request("GET", f"/api/states/{state}")["state"] != "idle":
        assert time.monotonic() < deadline, "the camera did not settle in event mode"
        time.sleep(0.25)
    started = time.monotonic()
    try:
        review.ha.request(
            "POST",
            "/api/services/heldar/trigger",
            {"device_id": review.camera["device_id"], "reason": "Browser test"},
        )
        event = panel.locator(".event").nth(before)
        event.wait_for(state="attached", timeout=5_000)
        assert time.monotonic() - started <= 5
    finally:
        review.ha.request(
            "POST",
            "/api/services/select/select_option",
            {"entity_id": mode, "option": "continuous"},
        )
    assert event.get_attribute("title")


def test_hour_item_plays_in_media_browser(page: Page, review: Review) -> None:
    """The hour's "whole hour" item plays as one video in HA's own media browser."""
    goto_ha(page, f"{review.ha.url}/media-browser/browser")
    steps = ["Heldar", review.camera["name"], str(datetime.now().year), ":00-", "whole hour"]  # noqa: DTZ005
    for title, following in zip(steps, [*steps[1:], None], strict=True):
        item = page.locator(".title", has_text=title).first
        try:
            item.wait_for(timeout=30_000)
        except PlaywrightError:
            pytest.fail(
                f"no {title!r} in the media browser; HA logged:\n{review.ha.logged_errors()}"
            )
        for _ in range(3):  # a click while the list still lays itself out can be lost
            item.click(force=True)
            if following is None:
                break
            try:
                page.locator(".title", has_text=following).first.wait_for(timeout=10_000)
                break
            except PlaywrightError:
                continue
    video = page.locator("ha-hls-player video")
    video.wait_for(state="attached", timeout=30_000)
    deadline = time.monotonic() + 30
    while video.evaluate("v => v.currentTime") < 2:
        assert time.monotonic() < deadline, "the hour did not play"
        time.sleep(0.5)


def test_forged_tokens_are_refused(review: Review) -> None:
    """A playlist or segment URL with a forged or altered token is refused; the real one works."""
    now = time.time()
    answer = review.ha.call_ws(
        {
            "type": "heldar/playlist",
            "camera": review.camera["camera"],
            "start": iso(now - 4 * SEGMENT_SECONDS),
            "end": iso(now - SEGMENT_SECONDS),
        }
    )
    url = answer["url"]
    status, body = review.ha.fetch(url)
    assert status == 200, status
    playlist = body.decode()
    segment = next(line for line in playlist.splitlines() if line and not line.startswith("#"))
    base = url.rsplit("/", 1)[0]
    token = base.rsplit("/", 1)[1]
    # The bytes the playlist lists (a file the range cuts opens no others: tests/security).
    length, offset = (int(n) for n in re.findall(r"#EXT-X-BYTERANGE:(\d+)@(\d+)", playlist)[0])
    listed = urllib.request.Request(  # noqa: S310 - loopback only
        f"{review.ha.url}{base}/{segment}",
        headers={"Range": f"bytes={offset}-{offset + length - 1}"},
    )
    with urllib.request.urlopen(listed, timeout=30) as response:  # noqa: S310
        assert response.status == 206

    body_text, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    grant = json.loads(base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4)))
    grant[5] += 365 * 86400  # a year more of life (its expiry), under the old signature
    stretched = base64.urlsafe_b64encode(json.dumps(grant, separators=(",", ":")).encode())
    forged = {
        "bad signature": f"{body_text}.{flipped}",
        "altered expiry": f"{stretched.decode().rstrip('=')}.{signature}",
        "no signature": body_text,
    }
    for why, bad in forged.items():
        bad_base = base.replace(token, bad)
        assert review.ha.fetch(f"{bad_base}/playlist.m3u8")[0] >= 400, why
        assert review.ha.fetch(f"{bad_base}/{segment}")[0] >= 400, why
    # A valid token opens nothing outside its camera's folder.
    assert review.ha.fetch(f"{base}/..%2F..%2Fconfiguration.yaml")[0] >= 400


def test_phone_layout_fits_and_touch_scrubs(phone: Page, review: Review) -> None:
    """At 360 px nothing overflows, and a touch drag on the timeline plays from where it ends."""
    panel = open_card(phone, review)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    # Every control of the panel and of the parts it is made of (each in its own shadow root).
    outside, controls = panel.evaluate(
        """(el) => {
             const found = [];
             const walk = (root) => {
               found.push(...root.querySelectorAll("button, select, .track, video"));
               for (const child of root.querySelectorAll("*")) {
                 if (child.shadowRoot) walk(child.shadowRoot);
               }
             };
             walk(el.shadowRoot);
             const outside = found
               .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
               .map((e) => e.className || e.tagName);
             return [outside, found.length];
           }"""
    )
    assert controls >= 10, controls  # the bar's zoom and pan, the rates, Live, Select, Download...
    assert outside == []
    watch(phone, panel)
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    now = time.time()
    y = box["y"] + box["height"] / 2
    points = [box["x"] + x_of(track, now - n * SEGMENT_SECONDS) for n in (12, 9, 6)]
    cdp = phone.context.new_cdp_session(phone)
    touch = "Input.dispatchTouchEvent"
    cdp.send(
        touch,
        {"type": "touchStart", "touchPoints": [{"x": points[0], "y": y}]},
    )
    for x in points[1:]:
        cdp.send(touch, {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    start = parse(str(track.get_attribute("data-view-start")))
    end = parse(str(track.get_attribute("data-view-end")))
    released = start + (points[-1] - box["x"]) / box["width"] * (end - start)
    cdp.send(touch, {"type": "touchEnd", "touchPoints": []})
    deadline = time.monotonic() + 20
    while (first := watched(phone)["first"]) is None:
        assert time.monotonic() < deadline, "the touch scrub did not play"
        time.sleep(0.1)
    seconds_per_px = (end - start) / box["width"]
    assert abs(first / 1000 - released) <= seconds_per_px + KEYFRAME_SECONDS
