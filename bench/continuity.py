"""P3: media on disk against wall time over 10 minutes of a healthy stream, and the gaps.

A real HA records the test camera (25 fps, keyframe every second) in Heldar's default 60-second
segments. A thread outside Heldar watches the folder every 2 ms and notes when each segment
file appears: FFmpeg opens each segment after the first at the keyframe that starts it, so
that is when its first frame arrived. At the end the entry is unloaded (FFmpeg finishes the
last segment) and every file is measured with ffprobe.

The first segment is the exception: FFmpeg opens it as soon as it has connected, then waits
for the camera's first keyframe (up to one GOP, 1 s here) before it can write a frame. That
start-up wait is reported on its own (``first_keyframe_wait_s``); the measured window starts
when the second segment appears and lasts ``--minutes`` and half a segment (so the stop
falls mid-segment, not at a boundary where it would leave a one-frame stub):

- ratio: the media of the segments in the window ÷ the window's wall time (to the stop);
- gap between consecutive segments in it: next appearance - (this appearance + this
  duration); one frame is 40 ms, and the watch itself is good to a few milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import tempfile
import threading
import time

from common import emit, heldar_hub, home_assistant, wait_until

from tests.common import camera_subentry
from tests.media import RtspCamera, duration

FPS = 25
FRAME = 1 / FPS
SEGMENT = 60


class Appearances:
    """Note (monotonic) when each ``.mp4`` first appears in a folder, polling every 2 ms."""

    def __init__(self, folder: Path) -> None:
        """Watch ``folder`` (created by Heldar once it records)."""
        self.folder = folder
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="appearances")

    def __enter__(self) -> Appearances:  # noqa: PYI034
        """Start watching."""
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        """Stop watching."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            try:
                names = [entry.name for entry in Path(self.folder).iterdir()]
            except OSError:
                continue
            now = time.monotonic()
            for name in names:
                if name.endswith(".mp4"):
                    self.seen.setdefault(name, now)


async def main() -> None:
    """Record for ``--minutes``, stop, measure every segment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    camera = RtspCamera(fps=FPS, gop=FPS)
    camera.start()
    try:
        with tempfile.TemporaryDirectory() as scratch:
            root = Path(scratch)
            folder = root / "rec" / "bench"
            subentry = camera_subentry("Bench", camera.url, segment_seconds=SEGMENT)
            with Appearances(folder) as watch:
                async with (
                    home_assistant(root / "config") as hass,
                    heldar_hub(hass, root / "rec", subentry) as entry,
                ):
                    await wait_until(lambda: len(watch.seen) >= 2, SEGMENT + 60, step=0.01)
                    # Stop mid-segment: a stop right at a boundary leaves a stub that Heldar
                    # removes, which says nothing about continuity.
                    await asyncio.sleep(args.minutes * 60 + SEGMENT / 2)
                    stopped = time.monotonic()
                    assert await hass.config_entries.async_unload(entry.entry_id)
            on_disk = sorted(path.name for path in folder.glob("*.mp4"))
            names = sorted(watch.seen)
            assert names == on_disk, f"segments appeared and vanished: {set(names) ^ set(on_disk)}"
            lengths = [await asyncio.to_thread(duration, folder / name) for name in names]
    finally:
        camera.stop()
    starts = [watch.seen[name] for name in names]
    first_wait = starts[1] - starts[0] - lengths[0]
    wall = stopped - starts[1]
    media = sum(lengths[1:])
    gaps = [starts[i + 1] - (starts[i] + lengths[i]) for i in range(1, len(names) - 1)]
    ratio = media / wall
    worst = max(gaps, key=abs) if gaps else 0.0
    emit(
        "P3_media_over_wall",
        round(ratio, 5),
        "ratio",
        ">= 0.999",
        ratio >= 0.999,
        media_s=round(media, 3),
        wall_s=round(wall, 3),
        segments=len(names) - 1,
        segment_s=SEGMENT,
        first_keyframe_wait_s=round(first_wait, 3),
    )
    emit(
        "P3_largest_gap_between_segments",
        round(worst, 4),
        "s",
        f"<= 1 frame ({FRAME:.3f} s)",
        abs(worst) <= FRAME,
        gaps_s=[round(gap, 4) for gap in gaps],
        note="negative: the next file appeared before this one's media ended (overlap)",
    )


if __name__ == "__main__":
    asyncio.run(main())
