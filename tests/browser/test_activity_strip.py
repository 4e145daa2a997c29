"""The card's activity strip, "next activity" and Skip idle in Chromium, on a real recording.

A second camera (``scripts/rtsp_camera.py --motion``) shows a still test card under faint
sensor noise and walks an object across it only inside two scripted windows, logging the
wall-clock second each starts and ends. Heldar records it; the card must draw active bands
where the logged windows are (within one GOP and the index's one-second resolution), "next
activity" must move the playhead into the next window, and with Skip idle on, playback leaving
the first window must go on in the second instead of playing the idle stretch between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError
import pytest

from custom_components.heldar.recorder.activity_feed import IDLE_POLL_SECONDS, SAVE_SECONDS
from tests.media import RtspCamera

from .conftest import (
    DASHBOARD,
    FPS,
    GOP_FRAMES,
    KEYFRAME_SECONDS,
    SEGMENT_SECONDS,
    Review,
    goto_ha,
    iso,
    parse,
)
from .test_event_camera import wait_for_cameras
from .test_timeline_card import DUMP_JS, click_at, x_of

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.usefixtures("socket_enabled")

NAME = "Moving camera"
# Seconds after the camera's media starts (Heldar's FFmpeg connecting). The index learns the
# still card for about 13 s first; the idle stretch between the windows is long enough that
# playing through it and skipping it are told apart by the wall clock.
WINDOWS = ((30.0, 38.0), (58.0, 66.0))
# The card's Skip idle keeps this much idle after a stretch (frontend/src/skip-idle.ts).
IDLE_GRACE = 2.0
GOP = KEYFRAME_SECONDS


@dataclass
class Moving:
    """The moving camera's view on the dashboard, and its logged windows (epoch seconds)."""

    view: int
    camera: str
    windows: list[tuple[float, float]]


def logged_windows(log: Path) -> list[tuple[float, float]]:
    """Return the (start, end) wall-clock seconds the camera logged for its object."""
    if not log.exists():
        return []
    marks = [line.split() for line in log.read_text().splitlines()]
    starts = [float(stamp) for _, what, stamp in marks if what == "start"]
    ends = [float(stamp) for _, what, stamp in marks if what == "end"]
    return list(zip(starts, ends, strict=False))


@pytest.fixture(scope="module")
def moving(review: Review, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moving]:
    """Record the scripted-motion camera until both windows are over and indexed."""
    log = tmp_path_factory.mktemp("motion") / "motion.log"
    motion = ",".join(f"{a:g}:{b:g}" for a, b in WINDOWS)
    # Constant quality (VBR): an encoder pinned at a CBR cap hides activity (docs/activity.md).
    server = RtspCamera(fps=FPS, gop=GOP_FRAMES, motion=motion, motion_log=str(log), quality=23)
    server.start()
    ha = review.ha
    saved = ha.call_ws({"type": "lovelace/config", "url_path": DASHBOARD})
    try:
        entry_id = ha.call_ws({"type": "config_entries/get", "domain": "heldar"})[0]["entry_id"]
        ha.add_camera(entry_id, NAME, server.url, SEGMENT_SECONDS)
        camera = wait_for_cameras(review, {NAME})[NAME]
        card = {"type": "custom:heldar-timeline-card", "cameras": [camera["camera"]], "hours": 1}
        views = [*saved["views"], {"title": NAME, "cards": [card]}]
        ha.call_ws(
            {"type": "lovelace/config/save", "url_path": DASHBOARD, "config": {"views": views}}
        )
        deadline = time.monotonic() + WINDOWS[-1][1] + 60
        while len(windows := logged_windows(log)) < len(WINDOWS):
            assert time.monotonic() < deadline, f"the camera logged {windows}\n{ha.tail()}"
            time.sleep(0.5)
        # The second window's last fragments, and the idle after it, reach the index: with
        # the Activity sensor disabled (the default) a camera's new fragments are read every
        # IDLE_POLL_SECONDS and its levels saved every SAVE_SECONDS.
        time.sleep(IDLE_POLL_SECONDS + SAVE_SECONDS + SEGMENT_SECONDS)
        yield Moving(len(saved["views"]), camera["camera"], windows)
        ha.call_ws({"type": "lovelace/config/save", "url_path": DASHBOARD, "config": saved})
        ha.call_ws(
            {
                "type": "config_entries/subentries/delete",
                "entry_id": entry_id,
                "subentry_id": camera["camera"],
            }
        )
    finally:
        server.stop()


def open_moving(page: Page, review: Review, moving: Moving) -> Locator:
    """Open the moving camera's view and wait for its activity strip to show both windows."""
    goto_ha(page, f"{review.ha.url}/{DASHBOARD}/{moving.view}")
    panel = page.locator("heldar-camera-timeline")
    try:
        panel.locator(".activity-strip .active").nth(len(WINDOWS) - 1).wait_for(
            state="attached", timeout=60_000
        )
    except PlaywrightError:
        pytest.fail(f"no activity strip with {len(WINDOWS)} bands: {page.evaluate(DUMP_JS)}")
    return panel


def bands(panel: Locator) -> list[tuple[float, float]]:
    """Return the strip's bands, (start, end) epoch seconds."""
    return [
        (parse(str(band.get_attribute("data-start"))), parse(str(band.get_attribute("data-end"))))
        for band in panel.locator(".activity-strip .active").all()
    ]


def playing_at(panel: Locator) -> float | None:
    """Return the wall-clock instant on screen, epoch seconds (None while nothing plays)."""
    at: Any = panel.evaluate("(panel) => panel.playingAt()")
    return None if at is None else float(at) / 1000


def wait_playing(panel: Locator, near: float, timeout: float = 20) -> float:
    """Wait until the video plays within a GOP of ``near`` or after it; return where."""
    deadline = time.monotonic() + timeout
    while (at := playing_at(panel)) is None or at < near - GOP:
        assert time.monotonic() < deadline, f"not playing from {near}: at {at}"
        time.sleep(0.1)
    return at


def test_strip_shows_the_logged_windows(page: Page, review: Review, moving: Moving) -> None:
    """The strip draws what heldar/timeline says, and that is the logged windows within a GOP."""
    panel = open_moving(page, review, moving)
    shown = bands(panel)
    print(f"windows {moving.windows}, bands {shown}")  # noqa: T201
    recorded = [(a, b) for a, b in shown if b > moving.windows[0][0] - 30]
    assert len(recorded) == len(WINDOWS), (recorded, moving.windows)
    # The card's part: a band for each stretch the server answered, exactly.
    answer = review.ha.call_ws(
        {
            "type": "heldar/timeline",
            "camera": moving.camera,
            "start": iso(moving.windows[0][0] - 30),
            "end": iso(time.time() + 5),
        }
    )
    assert recorded == [tuple(span) for span in answer["activity"]["spans"]], answer["activity"]
    # Against the ground truth: within one GOP, plus the index's whole-second resolution.
    for (start, end), (band_start, band_end) in zip(moving.windows, recorded, strict=True):
        assert abs(band_start - start) <= GOP + 1, (band_start - start, shown, moving.windows)
        assert abs(band_end - end) <= GOP + 1, (band_end - end, shown, moving.windows)
    # The idle stretch between the windows is drawn idle.
    assert recorded[0][1] < moving.windows[1][0] - 10, recorded
    # On screen: each band's left edge is where its window starts on the track.
    track = panel.locator(".track")
    track_box = track.bounding_box()
    assert track_box is not None
    px_per_gop = track_box["width"] * GOP / 3600
    for index, (start, _) in enumerate(moving.windows):
        box = panel.locator(".activity-strip .active").nth(len(shown) - len(WINDOWS) + index)
        band_box = box.bounding_box()
        assert band_box is not None
        assert abs(band_box["x"] - track_box["x"] - x_of(track, start)) <= px_per_gop + 1.5


def test_next_activity_plays_the_next_window(page: Page, review: Review, moving: Moving) -> None:
    """Playing inside the first window, "Next activity" puts the playhead into the second."""
    panel = open_moving(page, review, moving)
    (first_start, first_end), (second_start, second_end) = moving.windows
    click_at(panel, (first_start + first_end) / 2)
    wait_playing(panel, first_start)
    panel.locator(".next-activity").click()
    deadline = time.monotonic() + 20
    while (at := playing_at(panel)) is None or not second_start - GOP <= at <= second_end:
        assert time.monotonic() < deadline, f"at {at}, not in the next window {moving.windows}"
        time.sleep(0.1)


def test_skip_idle_jumps_to_the_next_window(page: Page, review: Review, moving: Moving) -> None:
    """With Skip idle on, playing out of the first window goes on in the second, not the idle."""
    panel = open_moving(page, review, moving)
    (first_band_start, first_band_end), *_ = [
        b for b in bands(panel) if b[1] > moving.windows[0][0] - 30
    ]
    second_start, second_end = moving.windows[1]
    skip = panel.locator(".skip-idle")
    skip.click()
    assert skip.get_attribute("aria-pressed") == "true"
    click_at(panel, first_band_end - 3)
    started = time.monotonic()
    samples: list[float] = []
    # Playing through the idle stretch would take its length in wall-clock seconds.
    idle_seconds = second_start - first_band_end
    while time.monotonic() - started < idle_seconds - 4:
        at = playing_at(panel)
        if at is not None:
            samples.append(at)
            if second_start - GOP <= at <= second_end:
                break
        time.sleep(0.1)
    assert samples, "nothing played"
    assert any(second_start - GOP <= at <= second_end for at in samples), (
        f"never in the next window {moving.windows}: played {samples[0]:.1f}..{samples[-1]:.1f}, "
        f"first stretch {first_band_start:.1f}..{first_band_end:.1f}"
    )
    # Idle after the first stretch plays for the grace only (and a sample's worth of slack).
    idle = [at for at in samples if first_band_end < at < second_start - GOP]
    assert all(at <= first_band_end + IDLE_GRACE + 1.5 for at in idle), (idle, first_band_end)
