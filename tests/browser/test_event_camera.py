"""An event camera (and a scheduled + event one) reviewed in a real Chromium, as a new user would.

The same Home Assistant as the continuous camera's tests, with two more cameras on a second
GStreamer server: "Event camera" (event mode) and "Evening camera" (scheduled_event, no
window, so events only). Each has a 4 s pre-roll and a 4 s post-roll.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
import json
import os
from pathlib import Path
import re
import time
from typing import TYPE_CHECKING, Any
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

from playwright.sync_api import Error as PlaywrightError
import pytest

from tests.media import RtspCamera, duration

from .conftest import (
    DASHBOARD,
    KEYFRAME_SECONDS,
    PHONE_WIDTH,
    Review,
    browser_page,
    goto_ha,
    iso,
    parse,
)
from .test_timeline_card import DUMP_JS, x_of

if TYPE_CHECKING:
    from playwright.sync_api import FloatRect, Locator, Page

pytestmark = pytest.mark.usefixtures("socket_enabled")

SCREENSHOTS = (
    Path(os.environ["HELDAR_SCREENSHOTS"]) if os.environ.get("HELDAR_SCREENSHOTS") else None
)
ROLL = 4
SEGMENT_SECONDS = 4
EVENT = "Event camera"
EVENING = "Evening camera"

# Notes the instant (epoch ms) of the first frame the panel's video shows once it plays.
FIRST_FRAME_JS = """(panel) => {
  window.__heldarFirst = null;
  const video = panel.shadowRoot.querySelector("video");
  const note = () => { window.__heldarFirst = panel.playingAt(); };
  video.addEventListener("playing", note, { once: true });
}"""


@dataclass
class Cameras:
    """The event cameras: their review API entries, by name, and the view showing each."""

    by_name: dict[str, dict[str, Any]]
    server: RtspCamera

    def view(self, name: str) -> int:
        """Return the dashboard view that shows camera ``name``."""
        return 1 + sorted(self.by_name).index(name)


@pytest.fixture(scope="module")
def cameras(review: Review) -> Iterator[Cameras]:
    """Add the event cameras through the camera flow, and a dashboard view for each."""
    server = RtspCamera(fps=25, gop=25, sub_path="/sub", sub_width=320, sub_height=180)
    server.start()
    ha = review.ha
    try:
        entry_id = ha.call_ws({"type": "config_entries/get", "domain": "heldar"})[0]["entry_id"]
        ha.add_camera(entry_id, EVENT, server.url, SEGMENT_SECONDS, "event", (ROLL, ROLL))
        ha.add_camera(
            entry_id, EVENING, server.sub_url, SEGMENT_SECONDS, "scheduled_event", (ROLL, ROLL)
        )
        by_name = wait_for_cameras(review, {EVENT, EVENING})
        card = "custom:heldar-timeline-card"
        cards: list[dict[str, Any]] = [
            {"type": card, "cameras": [review.camera["camera"]], "hours": 1}
        ]
        # Picked as the card's editor picks them: by device. No hours: the card's default.
        cards += [{"type": card, "cameras": [by_name[n]["device_id"]]} for n in sorted(by_name)]
        views = [{"title": str(n), "cards": [shown]} for n, shown in enumerate(cards)]
        ha.call_ws(
            {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": {"views": views}}
        )
        for camera in by_name.values():
            wait_for_state(review, camera, "idle")
        time.sleep(2 * ROLL)  # the pre-roll buffers fill
        yield Cameras(by_name, server)
        # The continuous camera's tests run on a machine as quiet as before.
        for camera in by_name.values():
            ha.call_ws(
                {
                    "type": "config_entries/subentries/delete",
                    "entry_id": entry_id,
                    "subentry_id": camera["camera"],
                }
            )
    finally:
        server.stop()


def wait_for_cameras(review: Review, names: set[str], timeout: float = 60) -> dict[str, Any]:
    """Wait until the cameras have their device and entities; return them by name."""
    deadline = time.monotonic() + timeout
    while True:
        found = {c["name"]: c for c in review.ha.call_ws({"type": "heldar/cameras"})["cameras"]}
        if all(
            name in found and found[name]["device_id"] and found[name]["entities"]["state"]
            for name in names
        ):
            return {name: found[name] for name in names}
        assert time.monotonic() < deadline, found
        time.sleep(0.5)


def state_of(review: Review, camera: dict[str, Any]) -> str:
    """Return the camera's recorder state."""
    return str(review.ha.request("GET", f"/api/states/{camera['entities']['state']}")["state"])


def wait_for_state(review: Review, camera: dict[str, Any], state: str, timeout: float = 60) -> None:
    """Wait until the camera's recorder shows ``state``."""
    deadline = time.monotonic() + timeout
    while state_of(review, camera) != state:
        assert time.monotonic() < deadline, f"{camera['name']} never {state}"
        time.sleep(0.25)


def events_of(review: Review, camera: dict[str, Any], seconds: float = 900) -> list[dict[str, Any]]:
    """Return the camera's events of the last ``seconds``, oldest first."""
    now = time.time()
    answer = review.ha.call_ws(
        {
            "type": "heldar/timeline",
            "camera": camera["camera"],
            "start": iso(now - seconds),
            "end": iso(now + 5),
        }
    )
    return sorted(answer["events"], key=lambda event: event["start"])


def finished_events(review: Review, camera: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """Wait until the camera has ``count`` finished events (clip made); return them."""
    deadline = time.monotonic() + 90
    while True:
        done = [event for event in events_of(review, camera) if event["thumbnail"]]
        if len(done) >= count:
            return done
        assert time.monotonic() < deadline, events_of(review, camera)
        time.sleep(0.5)


def record_event(review: Review, camera: dict[str, Any]) -> dict[str, Any]:
    """Trigger the camera through heldar.trigger; return the event once its clip is made."""
    before = len(finished_events(review, camera, 0))
    review.ha.request(
        "POST",
        "/api/services/heldar/trigger",
        {"device_id": camera["device_id"], "reason": "Browser test"},
    )
    return finished_events(review, camera, before + 1)[-1]


def an_event(review: Review, camera: dict[str, Any]) -> dict[str, Any]:
    """Return the camera's newest finished event, recording one if it has none."""
    done = finished_events(review, camera, 0)
    return done[-1] if done else record_event(review, camera)


def open_view(page: Page, review: Review, cameras: Cameras, name: str) -> Locator:
    """Open the dashboard view of camera ``name`` and wait for its timeline."""
    goto_ha(page, f"{review.ha.url}/{DASHBOARD}/{cameras.view(name)}")
    panel = page.locator("heldar-camera-timeline")
    try:
        panel.locator(".track").wait_for(state="visible", timeout=60_000)
    except PlaywrightError:
        pytest.fail(f"no timeline: {page.evaluate(DUMP_JS)}\n{review.ha.logged_errors()}")
    return panel


def event_mark(panel: Locator, event: dict[str, Any]) -> tuple[Locator, FloatRect]:
    """Return the event's mark on the strip, scrolled into view, and its box on screen."""
    mark = panel.locator(f'.event[data-id="{event["id"]}"]')
    mark.wait_for(state="attached", timeout=10_000)
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    assert box is not None
    return mark, box


def first_frame(panel: Locator) -> Locator:
    """Start noting the first frame the panel plays; return the panel, to read it from."""
    panel.evaluate(FIRST_FRAME_JS)
    return panel


def assert_plays_from(panel: Locator, moment: float, slack: float, step: str = "") -> None:
    """The video starts playing, its first frame within ``slack`` seconds of ``moment``."""
    deadline = time.monotonic() + 30
    while (shown := panel.page.evaluate("() => window.__heldarFirst")) is None:
        said = " / ".join(panel.locator(".message").all_inner_texts())
        assert time.monotonic() < deadline, f"{step}: nothing played; the card says: {said}"
        time.sleep(0.1)
    assert abs(shown / 1000 - moment) <= slack, (step, shown / 1000, moment)


@pytest.mark.parametrize("name", [EVENT, EVENING])
def test_trigger_then_play_the_event_from_its_popup_with_a_mouse(
    page: Page, review: Review, cameras: Cameras, name: str
) -> None:
    """Trigger from the card: it says so; the event shows; a mouse reaches its pop-up's Play."""
    camera = cameras.by_name[name]
    panel = open_view(page, review, cameras, name)
    before = len(events_of(review, camera))
    panel.locator(".trigger").click()
    notice = panel.locator(".notice")
    notice.wait_for(state="visible", timeout=5_000)
    assert "started an event recording" in notice.inner_text()
    bar = panel.locator(".event").nth(before)
    bar.wait_for(state="attached", timeout=5_000)
    event = finished_events(review, camera, before + 1)[-1]
    # The mouse moves onto the 6 px bar, then up onto the pop-up and its Play button.
    box = bar.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = panel.locator(".popup")
    popup.wait_for(state="visible", timeout=5_000)
    play = popup.locator(".play-event").bounding_box()
    assert play is not None
    page.mouse.move(play["x"] + play["width"] / 2, play["y"] + play["height"] / 2, steps=12)
    time.sleep(1)  # longer than the pop-up's grace: it must stay because the pointer is on it
    if SCREENSHOTS and name == EVENT:
        # Written here, not by Playwright (whose file write leaves an executor thread behind).
        picture = page.locator("heldar-timeline-card").screenshot()
        (SCREENSHOTS / "timeline-card-desktop.png").write_bytes(picture)
    frame = first_frame(panel)
    page.mouse.click(play["x"] + play["width"] / 2, play["y"] + play["height"] / 2)
    # It plays the event, from the keyframe at or before its start (the pre-roll included).
    assert_plays_from(frame, parse(event["start"]), KEYFRAME_SECONDS + 0.5)
    assert page.locator("ha-more-info-dialog").count() == 0  # the click did not miss


def test_play_the_event_with_a_tap(phone: Page, review: Review, cameras: Cameras) -> None:
    """On a phone a tap opens the pop-up (a finger-wide target) and a tap on Play plays."""
    camera = cameras.by_name[EVENT]
    event = an_event(review, camera)
    panel = open_view(phone, review, cameras, EVENT)
    bar, box = event_mark(panel, event)
    # A finger 20 px beside a narrow bar (on the side the screen has room) still lands on it.
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    beside = -20 if x + 20 > PHONE_WIDTH - 1 else 20
    hits = panel.locator("heldar-event-strip").evaluate(
        """(el, [x, y, dx]) => [0, dx].map((d) => {
             const hit = el.shadowRoot.elementFromPoint(x + d, y);
             return hit?.dataset?.id ?? `${hit?.tagName}.${hit?.className}`;
           })""",
        [x, y, beside],
    )
    assert box["width"] < 20  # a few seconds at the opening zoom: narrow to the eye
    assert hits == [event["id"]] * 2, (hits, box)
    bar.tap()
    play = panel.locator(".popup .play-event")
    play.wait_for(state="visible", timeout=5_000)
    time.sleep(1)
    assert play.is_visible()  # a tap opens it and it stays
    frame = first_frame(panel)
    play.tap()
    assert_plays_from(frame, parse(event["start"]), KEYFRAME_SECONDS + 0.5)
    if SCREENSHOTS:
        time.sleep(2)
        (SCREENSHOTS / "timeline-card-phone.png").write_bytes(phone.screenshot())


def test_a_tap_given_to_the_bar_opens_the_event_under_it(
    phone: Page, review: Review, cameras: Cameras
) -> None:
    """A tap Chromium hands to the bar's host (touch adjustment) opens the mark under the finger.

    Run alone, with one new event at the right edge, Chromium gave the phone's tap on a mark
    to ``heldar-timeline-bar`` itself (its pointer and click events' first target), so no
    pop-up opened. The bar takes such a click, at the point, as a tap on the mark there; 30 px
    away from every mark it opens nothing.
    """
    camera = cameras.by_name[EVENT]
    event = an_event(review, camera)
    panel = open_view(phone, review, cameras, EVENT)
    _, box = event_mark(panel, event)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    tap_host = """(bar, [x, y]) => bar.dispatchEvent(new PointerEvent("click",
        {clientX: x, clientY: y, pointerType: "touch", bubbles: true, composed: true}))"""
    bar = panel.locator("heldar-timeline-bar")
    away = x - 30 if x > PHONE_WIDTH / 2 else x + 30
    bar.evaluate(tap_host, [away, y])
    time.sleep(0.5)
    assert panel.locator(".popup").count() == 0, "a tap far from every mark opened one"
    bar.evaluate(tap_host, [x, y])
    play = panel.locator(".popup .play-event")
    play.wait_for(state="visible", timeout=5_000)
    assert panel.locator(f'.event.open[data-id="{event["id"]}"]').count() == 1


def test_previous_and_next_event_play_across_two_events(
    page: Page, review: Review, cameras: Cameras
) -> None:
    """From live, "previous" plays the newest event, again the one before, "next" back."""
    camera = cameras.by_name[EVENT]
    record_event(review, camera)
    time.sleep(ROLL + 6)  # more than the pre-roll: a hole of a few seconds between the two
    record_event(review, camera)
    *_, earlier, latest = finished_events(review, camera, 2)
    panel = open_view(page, review, cameras, EVENT)
    steps = (("prev-event", latest), ("prev-event", earlier), ("next-event", latest))
    for step, (button, event) in enumerate(steps):
        frame = first_frame(panel)
        panel.locator(f".{button}").click()
        assert_plays_from(frame, parse(event["start"]), KEYFRAME_SECONDS + 0.5, f"{step} {button}")
        time.sleep(2)


def test_a_click_on_an_event_plays_that_instant(
    page: Page, review: Review, cameras: Cameras
) -> None:
    """A click inside an event, at the card's opening zoom, plays footage from under the pointer."""
    camera = cameras.by_name[EVENT]
    event = an_event(review, camera)
    panel = open_view(page, review, cameras, EVENT)
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    span = (
        parse(str(track.get_attribute("data-view-end")))
        - parse(str(track.get_attribute("data-view-start")))
    ) / box["width"]  # seconds per pixel
    assert span <= 3 * 3600 / 300  # at most 3 h across: the last hour is readable
    middle = (parse(event["start"]) + parse(str(event["end"]))) / 2
    frame = first_frame(panel)
    track.click(position={"x": round(x_of(track, middle)), "y": box["height"] / 2})
    shown = parse(str(panel.locator(".cursor").get_attribute("data-time")))
    assert abs(shown - middle) <= span + 1
    assert_plays_from(frame, shown, span + KEYFRAME_SECONDS + 0.5)


def test_export_across_an_event_boundary(
    page: Page, review: Review, cameras: Cameras, tmp_path: Path
) -> None:
    """Select from inside one event to inside the next, Download: both clips' parts, joined."""
    camera = cameras.by_name[EVENT]
    *_, earlier, latest = finished_events(review, camera, 2)
    start = (parse(earlier["start"]) + parse(str(earlier["end"]))) / 2
    end = parse(latest["start"]) + 3
    answer = review.ha.call_ws(
        {"type": "heldar/export", "camera": camera["camera"], "start": iso(start), "end": iso(end)}
    )
    assert answer["gaps"], answer  # the hole between the two events
    panel = open_view(page, review, cameras, EVENT)
    panel.locator(".zoom").select_option("1")
    panel.locator(".select-range").click()
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + x_of(track, start), y)
    page.mouse.down()
    page.mouse.move(box["x"] + x_of(track, end), y, steps=5)
    page.mouse.up()
    selection = panel.locator(".selection")
    chosen = (
        parse(str(selection.get_attribute("data-start"))),
        parse(str(selection.get_attribute("data-end"))),
    )
    now = time.time()
    spans = review.ha.call_ws(
        {
            "type": "heldar/timeline",
            "camera": camera["camera"],
            "start": iso(now - 900),
            "end": iso(now + 5),
        }
    )["spans"]
    covered = sum(
        max(0.0, min(parse(s["end"]), chosen[1]) - max(parse(s["start"]), chosen[0])) for s in spans
    )
    assert covered >= 3, (chosen, spans)
    with page.expect_download(timeout=120_000) as download:
        panel.locator(".download").click()
    assert "event_camera" in download.value.suggested_filename
    clip = tmp_path / "range.mp4"
    download.value.save_as(clip)
    assert covered - 0.6 <= duration(clip) <= covered + KEYFRAME_SECONDS + 0.6, covered


def test_share_an_event_from_its_popup(
    page: Page, review: Review, cameras: Cameras, tmp_path: Path
) -> None:
    """Share in an event's pop-up: a link, working as long as chosen, that plays without a login."""
    camera = cameras.by_name[EVENT]
    event = an_event(review, camera)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=review.ha.url)
    panel = open_view(page, review, cameras, EVENT)
    bar = panel.locator(f'.event[data-id="{event["id"]}"]')
    bar.wait_for(state="attached", timeout=10_000)
    bar.click()
    share = panel.locator("heldar-event-share")  # slotted into the pop-up
    share.locator(".share-lifetime").select_option(str(3600))
    asked = time.time()
    share.locator(".share-event").click()
    link = share.locator(".share-url")
    link.wait_for(state="visible", timeout=10_000)
    url = link.input_value()
    # Home Assistant's own address for the world (here its guess of this machine's), then the path.
    path = urllib.parse.urlsplit(url).path
    assert url.startswith("http"), url
    assert re.fullmatch(r"/api/heldar/share/[\w-]{43}\.mp4", path), url
    # It works for the hour chosen, as the wall clock in Home Assistant's zone tells it.
    until = share.locator(".share-expiry").inner_text()
    expires = datetime.fromtimestamp(asked + 3600, ZoneInfo(review.time_zone))
    shown = re.search(r"(\d\d):(\d\d):(\d\d) ([AP]M)", until)
    assert shown, until
    hour, minute, second = (int(part) for part in shown.groups()[:3])
    seconds = (hour % 12 + (12 if shown[4] == "PM" else 0)) * 3600 + minute * 60 + second
    expected = expires.hour * 3600 + expires.minute * 60 + expires.second
    assert 0 <= (seconds - expected) % 86400 <= 30, (until, expires)
    assert f"{expires:%b} {expires.day}," in until, (until, expires)
    share.locator(".copy-link").click()
    share.locator(".copied", has_text="Copied.").wait_for(timeout=5_000)
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    # Anyone with the link gets the clip, no login asked: this request carries none.
    with urllib.request.urlopen(f"{review.ha.url}{path}", timeout=30) as response:  # noqa: S310
        assert response.status == 200
        assert response.headers["Content-Type"] == "video/mp4"
        clip = tmp_path / "shared.mp4"
        clip.write_bytes(response.read())
    length = parse(str(event["end"])) - parse(event["start"])
    assert length - 0.6 <= duration(clip) <= length + KEYFRAME_SECONDS + 0.6, length


def log_in_viewer(review: Review) -> tuple[str, str]:
    """Make a non-admin user as the owner would in Home Assistant's UI; log in as them."""
    ha = review.ha
    user = ha.call_ws(
        {"type": "config/auth/create", "name": "Viewer", "group_ids": ["system-users"]}
    )
    password = "heldar-viewer-password"
    ha.call_ws(
        {
            "type": "config/auth_provider/homeassistant/create",
            "user_id": user["user"]["id"],
            "username": "viewer",
            "password": password,
        }
    )

    def post(path: str, body: bytes, content_type: str) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{ha.url}{path}", data=body, headers={"Content-Type": content_type}, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    flow = post(
        "/auth/login_flow",
        json.dumps(
            {
                "client_id": ha.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{ha.url}/?auth_callback=1",
            }
        ).encode(),
        "application/json",
    )
    done = post(
        f"/auth/login_flow/{flow['flow_id']}",
        json.dumps(
            {"client_id": ha.client_id, "username": "viewer", "password": password}
        ).encode(),
        "application/json",
    )
    assert done.get("type") == "create_entry", done
    tokens = post(
        "/auth/token",
        urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": done["result"], "client_id": ha.client_id}
        ).encode(),
        "application/x-www-form-urlencoded",
    )
    return str(tokens["access_token"]), str(tokens["refresh_token"])


def test_no_share_or_download_for_a_user_who_may_not_export(
    review: Review, cameras: Cameras
) -> None:
    """A non-admin user, the export option off: the pop-up plays but has no Share; no Download."""
    camera = cameras.by_name[EVENT]
    event = an_event(review, camera)
    login = log_in_viewer(review)
    with browser_page(review, login, viewport={"width": 1280, "height": 900}) as page:
        panel = open_view(page, review, cameras, EVENT)
        bar = panel.locator(f'.event[data-id="{event["id"]}"]')
        bar.wait_for(state="attached", timeout=10_000)
        bar.click()
        panel.locator(".popup .play-event").wait_for(state="visible", timeout=5_000)
        assert panel.locator("heldar-event-share").count() == 0
        assert panel.locator(".download").count() == 0
        assert panel.locator(".select-range").count() == 0
        assert panel.locator(".trigger").count() == 1  # the rest of the card is there


@pytest.mark.parametrize("name", [EVENT, EVENING])
def test_an_idle_event_camera_has_a_live_picture(
    page: Page, review: Review, cameras: Cameras, name: str
) -> None:
    """Between events the camera's picture comes from its stream: a picture, labelled Live."""
    camera = cameras.by_name[name]
    wait_for_state(review, camera, "idle")
    status, body = review.ha.fetch_with_token(f"/api/camera_proxy/{camera['entities']['camera']}")
    assert status == 200
    assert body[:2] == b"\xff\xd8"
    panel = open_view(page, review, cameras, name)
    panel.locator(".badge", has_text="Live").wait_for(timeout=30_000)
    assert panel.locator(".placeholder").count() == 0


def test_an_unreachable_camera_shows_a_placeholder(
    page: Page, review: Review, cameras: Cameras
) -> None:
    """A camera that no longer answers shows HA's "Image not available", not a blank box."""
    camera = cameras.by_name[EVENT]
    cameras.server.stop()
    deadline = time.monotonic() + 60
    while state_of(review, camera) not in {"offline", "error", "connecting"}:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    time.sleep(SEGMENT_SECONDS + 12)  # no keyframe on disk is recent any more
    status, _ = review.ha.fetch_with_token(f"/api/camera_proxy/{camera['entities']['camera']}")
    assert status >= 400
    panel = open_view(page, review, cameras, EVENT)
    placeholder = panel.locator(".placeholder")
    placeholder.wait_for(timeout=30_000)
    assert placeholder.inner_text() == "Image not available"
    assert panel.locator(".badge", has_text="Live").count() == 0
