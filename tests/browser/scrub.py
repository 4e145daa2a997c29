"""Hovering the card's timeline and timing its scrub preview, in the page (test and benchmark).

The page notes ``performance.now()`` at each pointermove on the bar's track (capturing, before
the card sees it) and at each ``heldar-preview-shown`` the preview fires once the tile is on
screen (a frame after its image is loaded and placed); the latency is the difference.
"""

from __future__ import annotations

from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Locator

ARM_JS = """(panel) => {
  const bar = panel.shadowRoot.querySelector("heldar-timeline-bar");
  const track = bar.shadowRoot.querySelector(".track");
  const preview = panel.shadowRoot.querySelector("heldar-scrub-preview");
  const log = { moved: null, shown: [] };
  const moved = () => { log.moved = performance.now(); };
  track.addEventListener("pointermove", moved, { capture: true });
  preview.addEventListener("heldar-preview-shown", (e) => {
    const img = preview.shadowRoot.querySelector("img");
    log.shown.push({
      ...e.detail,
      ms: e.detail.at - log.moved,
      cursor: bar.shadowRoot.querySelector(".cursor")?.dataset.time ?? null,
      src: img?.getAttribute("src") ?? null,
      sheetStart: img?.dataset.sheetStart ?? null,
      complete: Boolean(img?.complete && img.naturalWidth > 0),
    });
  });
  window.__heldarScrub = log;
}"""

# The shown tile's picture: how much its pixels vary (a blank or missing tile hardly does).
TILE_SPREAD_JS = """(panel) => {
  const preview = panel.shadowRoot.querySelector("heldar-scrub-preview");
  const img = preview.shadowRoot.querySelector("img");
  const box = preview.shadowRoot.querySelector(".tile").getBoundingClientRect();
  const [dx, dy] = img.style.transform.match(/-?[0-9.]+/g).map(Number);
  const canvas = document.createElement("canvas");
  canvas.width = box.width;
  canvas.height = box.height;
  const context = canvas.getContext("2d");
  context.drawImage(img, dx, dy);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0, squares = 0, count = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const level = (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3;
    sum += level; squares += level * level; count += 1;
  }
  const mean = sum / count;
  return Math.sqrt(squares / count - mean * mean);
}"""


@dataclass(frozen=True)
class Shown:
    """One hover's preview: how long it took, and what it showed."""

    ms: float
    cursor: str | None  # the bar's instant under the pointer (ISO)
    src: str  # the sheet's URL
    sheet_start: str
    tile: int
    complete: bool


def arm(panel: Locator) -> None:
    """Start timing hovers over this panel's bar."""
    panel.evaluate(ARM_JS)


def hover(panel: Locator, x: float, timeout: float = 20) -> Shown:
    """Move the mouse over the track at ``x`` (CSS px into it); return the preview it showed."""
    page = panel.page
    track = panel.locator(".track")
    box = track.bounding_box()
    assert box is not None
    before = len(page.evaluate("() => window.__heldarScrub.shown"))
    page.mouse.move(box["x"] + x, box["y"] + box["height"] / 2)
    deadline = time.monotonic() + timeout
    while True:
        shown: list[dict[str, Any]] = page.evaluate("() => window.__heldarScrub.shown")
        if len(shown) > before:
            last = shown[-1]
            return Shown(
                float(last["ms"]),
                last["cursor"],
                str(last["src"]),
                str(last["sheetStart"]),
                int(last["tile"]),
                bool(last["complete"]),
            )
        if time.monotonic() > deadline:
            msg = f"no preview within {timeout} s of hovering at x={x:.0f}"
            raise TimeoutError(msg)
        time.sleep(0.01)


def leave(panel: Locator) -> None:
    """Move the mouse off the bar (the preview hides)."""
    panel.page.mouse.move(1, 1)


def tile_spread(panel: Locator) -> float:
    """Return the standard deviation of the shown tile's grey levels."""
    return float(panel.evaluate(TILE_SPREAD_JS))
