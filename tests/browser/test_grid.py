"""The card's grid in a real Chromium: four cameras recording, one shared timeline, one playhead.

The same Home Assistant as the other browser tests; its continuous camera ("Browser camera",
4 s segments) is the grid's first camera, and three more ("Grid B" to "Grid D", 3 s segments)
record a second GStreamer server. They start later than the first, so the first has footage
where they have none: their tiles' gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
import itertools
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Error as PlaywrightError
import pytest

from tests.media import RtspCamera

from .conftest import DASHBOARD, PHONE_WIDTH, Review, goto_ha, iso, parse
from .test_event_camera import wait_for_cameras
from .test_timeline_card import DUMP_JS, x_of

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.usefixtures("socket_enabled")

SCREENSHOTS = (
    Path(os.environ["HELDAR_SCREENSHOTS"]) if os.environ.get("HELDAR_SCREENSHOTS") else None
)
SEGMENT_SECONDS = 3
LATER = ("Grid B", "Grid C", "Grid D")
# The bound: any two tiles within 0.2 s of wall-clock time.
SYNC_MS = 200
# Every 100 ms: each tile's wall-clock instant (grid.instants(), read in one go) and state.
SAMPLE_JS = """(grid) => {
  const log = { samples: [] };
  const timer = setInterval(() => {
    const tiles = [...grid.shadowRoot.querySelectorAll(".tile")];
    const states = Object.fromEntries(tiles.map((t) => [t.dataset.camera, t.dataset.state]));
    log.samples.push([performance.now(), grid.instants(), states]);
  }, 100);
  window.__heldarGrid = { log, stop: () => clearInterval(timer) };
}"""


@dataclass
class Grid:
    """The four cameras (the first one recording longest), their dashboard view, when B-D began."""

    cameras: list[dict[str, Any]]
    view: int
    later_since: float

    @property
    def ids(self) -> list[str]:
        """Return the cameras' ids, in the grid's order."""
        return [camera["camera"] for camera in self.cameras]


def footage(review: Review, camera: str, since: float) -> list[tuple[float, float]]:
    """Return a camera's spans (epoch seconds) since ``since``."""
    answer = review.ha.call_ws(
        {
            "type": "heldar/timeline",
            "camera": camera,
            "start": iso(since),
            "end": iso(time.time() + 5),
        }
    )
    return [(parse(s["start"]), parse(s["end"])) for s in answer["spans"]]


@pytest.fixture(scope="module")
def grid(review: Review) -> Iterator[Grid]:
    """Add three cameras and a dashboard view with the four in a grid; take them away after."""
    server = RtspCamera(fps=25, gop=25, width=640, height=360)
    server.start()
    ha = review.ha
    saved = ha.call_ws({"type": "lovelace/config", "url_path": DASHBOARD})
    entry_id = ha.call_ws({"type": "config_entries/get", "domain": "heldar"})[0]["entry_id"]
    by_name: dict[str, dict[str, Any]] = {}
    try:
        since = time.time()
        for name in LATER:
            # One server, a URL each (Heldar refuses a stream it records already).
            url = f"{server.url}?camera={name.split()[-1]}"
            ha.add_camera(entry_id, name, url, SEGMENT_SECONDS)
        by_name = wait_for_cameras(review, set(LATER))
        cameras = [review.camera, *(by_name[name] for name in LATER)]
        card = {
            "type": "custom:heldar-timeline-card",
            "layout": "grid",
            "cameras": [camera["device_id"] for camera in cameras],  # as the editor picks them
            "hours": 1,
        }
        # A panel view: the card as wide as the page, as a wall of cameras is shown.
        views = [*saved["views"], {"title": "Grid", "panel": True, "cards": [card]}]
        ha.call_ws(
            {
                "type": "lovelace/config/save",
                "url_path": DASHBOARD,
                "config": {**saved, "views": views},
            }
        )
        # Enough footage of each that a play from 16 s back crosses several boundaries.
        deadline = time.monotonic() + 90
        while (
            min(
                sum(b - a for a, b in footage(review, camera["camera"], since))
                for camera in cameras
            )
            < 5 * SEGMENT_SECONDS
        ):
            assert time.monotonic() < deadline, "the grid's cameras recorded too little"
            time.sleep(1)
        yield Grid(cameras, len(saved["views"]), since)
    finally:
        ha.call_ws({"type": "lovelace/config/save", "url_path": DASHBOARD, "config": saved})
        for camera in by_name.values():  # the other tests run on a machine as quiet as before
            ha.call_ws(
                {
                    "type": "config_entries/subentries/delete",
                    "entry_id": entry_id,
                    "subentry_id": camera["camera"],
                }
            )
        server.stop()


def open_grid(page: Page, review: Review, grid: Grid) -> Locator:
    """Open the grid's view; wait until every camera's lane shows footage."""
    goto_ha(page, f"{review.ha.url}/{DASHBOARD}/{grid.view}")
    element = page.locator("heldar-camera-grid")
    try:
        for camera in grid.ids:
            element.locator(f'.lane[data-camera="{camera}"] .span').first.wait_for(
                state="attached", timeout=60_000
            )
    except PlaywrightError:
        pytest.fail(f"the grid shows no footage: {page.evaluate(DUMP_JS)}\n{review.ha.tail()}")
    return element


def click_bar(element: Locator, moment: float) -> float:
    """Click the shared bar at ``moment``; return the instant the card marked there."""
    track = element.locator(".track")
    box = track.bounding_box()
    assert box is not None
    track.click(position={"x": round(x_of(track, moment)), "y": box["height"] / 2})
    return parse(str(element.locator(".cursor").get_attribute("data-time")))


def boundaries(review: Review, camera: str, start: float, end: float) -> list[float]:
    """Return the instants where the camera's footage goes from one file to the next."""
    answer = review.ha.call_ws(
        {"type": "heldar/playlist", "camera": camera, "start": iso(start), "end": iso(end)}
    )
    status, body = review.ha.fetch(answer["url"])
    assert status == 200, status
    found: list[float] = []
    stamp: float | None = None
    file: str | None = None
    for line in body.decode().splitlines():
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            stamp = parse(line.split(":", 1)[1])
        elif line and not line.startswith("#"):
            if file is not None and line != file and stamp is not None:
                found.append(stamp)
            file = line
    return found


def test_four_cameras_on_one_bar(page: Page, review: Review, grid: Grid) -> None:
    """Four tiles, each camera's lane and legend entry in its own colour, all live at first."""
    element = open_grid(page, review, grid)
    tiles = element.locator(".tile")
    assert tiles.count() == len(grid.cameras)
    assert [tiles.nth(n).get_attribute("data-camera") for n in range(4)] == grid.ids
    assert {tiles.nth(n).get_attribute("data-state") for n in range(4)} == {"live"}
    # Two columns on a desktop: the first two side by side, the third under the first.
    first, second, third = (tiles.nth(n).bounding_box() for n in range(3))
    assert first is not None
    assert second is not None
    assert third is not None
    assert abs(first["y"] - second["y"]) < 1
    assert second["x"] >= first["x"] + first["width"]
    assert third["y"] >= first["y"] + first["height"]
    assert abs(third["x"] - first["x"]) < 1
    colours = element.evaluate(
        """(grid) => {
             const bar = grid.shadowRoot.querySelector("heldar-timeline-bar").shadowRoot;
             return [...bar.querySelectorAll(".lane")].map(
               (lane) => getComputedStyle(lane.querySelector(".span")).backgroundColor);
           }"""
    )
    assert len(set(colours)) == len(grid.cameras), colours
    legend = element.locator(".legend [data-camera]")
    assert legend.all_inner_texts() == [camera["name"] for camera in grid.cameras]


def test_click_plays_all_four_in_step_across_boundaries(
    page: Page, review: Review, grid: Grid
) -> None:
    """A click on the shared bar plays the four together: never more than 0.2 s apart."""
    element = open_grid(page, review, grid)
    element.evaluate(SAMPLE_JS)
    clicked = click_bar(element, time.time() - 4 * SEGMENT_SECONDS - 4)
    deadline = time.monotonic() + 45
    crossed: dict[str, int] = {}
    while time.monotonic() < deadline:
        time.sleep(2)
        samples = page.evaluate("() => window.__heldarGrid.log.samples")
        seen = {
            camera: [s[1][camera] / 1000 for s in samples if s[1].get(camera) is not None]
            for camera in grid.ids
        }
        if not all(seen.values()):
            continue
        crossed = {
            camera: sum(
                at[0] < b < at[-1] for b in boundaries(review, camera, at[0] - 1, at[-1] + 1)
            )
            for camera, at in seen.items()
        }
        if min(crossed.values()) >= 2:  # the two boundaries
            break
    page.evaluate("() => window.__heldarGrid.stop()")
    samples = page.evaluate("() => window.__heldarGrid.log.samples")
    if SCREENSHOTS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "grid.png").write_bytes(page.locator("heldar-timeline-card").screenshot())
    assert min(crossed.values(), default=0) >= 2, (crossed, clicked)
    # From the first moment all four play, every sample of them: the spread of their instants.
    started = next((n for n, s in enumerate(samples) if set(s[2].values()) == {"playing"}), None)
    assert started is not None, samples[-5:]
    together = [
        [s[1][camera] for camera in grid.ids]
        for s in samples[started:]
        if all(s[1].get(camera) is not None for camera in grid.ids)
    ]
    assert len(together) >= 0.8 * len(samples[started:]), "tiles dropped out while playing"
    spreads = [max(at) - min(at) for at in together]
    assert max(spreads) <= SYNC_MS, sorted(spreads)[-10:]
    # They played on (not held still): the first tile moved about as far as the wall clock.
    wall = (samples[-1][0] - samples[started][0]) / 1000
    moved = (together[-1][0] - together[0][0]) / 1000
    assert moved >= 0.8 * wall, (moved, wall)
    assert abs(together[0][0] / 1000 - clicked) <= 2 * SEGMENT_SECONDS


def test_a_camera_without_footage_shows_its_black_tile(
    page: Page, review: Review, grid: Grid
) -> None:
    """Before B-D began recording the first camera plays; their tiles are black, labelled."""
    first = grid.ids[0]
    earlier = [s for s in footage(review, first, grid.later_since - 600) if s[0] < grid.later_since]
    assert earlier, "the first camera recorded nothing before the others"
    element = open_grid(page, review, grid)
    moment = min(grid.later_since - 6, (earlier[-1][0] + grid.later_since) / 2)
    click_bar(element, moment)
    for camera in grid.ids[1:]:
        tile = element.locator(f'.tile[data-camera="{camera}"]')
        label = tile.locator(".no-footage")
        label.wait_for(state="visible", timeout=10_000)
        assert label.inner_text() == "No footage at this time"
        assert tile.get_attribute("data-state") == "gap"
        assert not tile.locator("video").is_visible()
    playing = element.locator(f'.tile[data-camera="{first}"][data-state="playing"]')
    playing.wait_for(timeout=20_000)
    assert playing.locator(".no-footage").count() == 0
    assert playing.locator("video").is_visible()


def test_phone_lists_the_tiles_and_a_tap_enlarges_one(
    phone: Page, review: Review, grid: Grid
) -> None:
    """At 360 px the tiles are a list, one under another; a tap shows one across the card."""
    element = open_grid(phone, review, grid)
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    tiles = element.locator(".tile")
    boxes = [tiles.nth(n).bounding_box() for n in range(tiles.count())]
    assert all(box is not None for box in boxes)
    for box in boxes:
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE_WIDTH
    for upper, lower in itertools.pairwise(boxes):
        assert upper is not None
        assert lower is not None
        assert lower["y"] >= upper["y"] + upper["height"] - 0.5, (upper, lower)
    third = tiles.nth(2)
    small = third.locator(".screen").bounding_box()
    third.tap()
    element.locator(".tile.large").wait_for(timeout=5_000)
    assert third.get_attribute("aria-expanded") == "true"
    large = third.locator(".screen").bounding_box()
    assert small is not None
    assert large is not None
    assert large["width"] >= 1.5 * small["width"], (small, large)
    assert large["x"] + large["width"] <= PHONE_WIDTH
    moved = third.bounding_box()
    assert moved is not None
    assert boxes[0] is not None
    assert moved["y"] <= boxes[0]["y"] + 0.5, "the enlarged tile is not at the top"
    third.tap()
    element.locator(".tile.large").wait_for(state="detached", timeout=5_000)
    assert third.get_attribute("aria-expanded") == "false"
