"""A split run's archive: footage from one stream, events from the other, never mixed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from custom_components.heldar.recorder.archive import Archive
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.source import StreamName, StreamRoles
from custom_components.heldar.recorder.store import CameraStore

from .test_archive import T0, Announcements, segment


async def test_split_run_keeps_footage_and_events_apart(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """Footage (sub) is indexed, never put in an event; the event (main) never becomes footage.

    So footage falls under ``retention_hours`` and the event clip under
    ``event_retention_hours``, each stream on its own terms.
    """
    camera, buffer = tmp_path / "cam", tmp_path / "buffer"
    store = CameraStore("cam", "Cam", camera, SegmentIndex(camera, None))
    said = Announcements()
    archive = Archive(
        "Cam",
        camera,
        ffmpeg=str(fake_ffmpeg),
        buffer_dir=buffer,
        pre_roll=4,
        on_event=said,
        store=store,
    )
    archive.new_run(StreamRoles(StreamName.SUB, StreamName.MAIN, split=True))
    archive.set_footage(True, T0)  # noqa: FBT003 - continuous footage all along
    for step in range(4):  # buffered main-stream segments, T0 .. T0+8
        await archive.route([segment(buffer, T0 + 2 * step)], now=T0 + 2 * step + 2)
    event = archive.trigger(T0 + 8.5, T0 + 11, "door")
    assert event.stream == "main"
    await asyncio.sleep(0)
    footage = [segment(camera, T0 + 6, 6.0), segment(camera, T0 + 12, 6.0)]
    for step in range(4, 8):
        start = T0 + 2 * step
        await archive.route([segment(buffer, start)], now=start + 2)
    await archive.route(footage, now=T0 + 18)
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()

    finished = said.seen[-1][1]
    assert finished.stream == "main"
    assert finished.segments
    assert not any(ref.shared for ref in finished.segments)  # nothing of it is footage
    assert all(Path(ref.path).parent.name != "cam" for ref in finished.segments)
    # The footage overlapping the event stayed footage of its own stream, indexed as such.
    indexed = store.index.segments
    assert [s.name for s in indexed] == [f.path.name for f in footage]
    assert {s.stream for s in indexed} == {"sub"}
    # No buffered (main) segment became footage in the camera folder.
    assert sorted(p.name for p in camera.glob("*.mp4")) == [f.path.name for f in footage]
