"""Scrub preview sheets made by the real FFmpeg from real segments, and kept only beside them."""

from __future__ import annotations

import asyncio
from pathlib import Path
import subprocess

import numpy as np
from numpy.typing import NDArray
import pytest

from custom_components.heldar.recorder import previews
from custom_components.heldar.recorder.archive import Archive, ClosedSegment
from custom_components.heldar.recorder.index import SegmentIndex
from custom_components.heldar.recorder.previews import (
    COLUMNS,
    TILE_WIDTH,
    PreviewMaker,
    SheetLayout,
    preview_path,
)
from custom_components.heldar.recorder.store import CameraStore
from tests.footage import make_segments
from tests.media import require_media_tools

from .test_archive import T0, mp4

GOP = 2
SECONDS = 10
WIDTH, HEIGHT = 320, 240
TILE_HEIGHT = TILE_WIDTH * HEIGHT // WIDTH


@pytest.fixture
def media_tools() -> None:
    """Real FFmpeg: fail under CI, skip elsewhere, when it is missing."""
    require_media_tools()


def gray(path: Path, *before: str, vf: str = "") -> NDArray[np.float64]:
    """Decode one picture (the first frame ``before`` selects) to grey levels."""
    argv = ["ffmpeg", "-v", "error", *before, "-i", str(path), "-frames:v", "1"]
    argv += [*(("-vf", vf) if vf else ()), "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    raw = subprocess.run(argv, check=True, capture_output=True, timeout=60).stdout
    return np.frombuffer(raw, np.uint8).astype(np.float64)


def test_layout_places_every_instant_on_a_tile() -> None:
    """A tile per 2 s, both ends in; an instant shows the nearest tile, never off the sheet."""
    layout = SheetLayout.for_duration(60.0)
    assert (layout.tiles, layout.rows) == (31, 4)
    assert [layout.tile_at(t) for t in (-5, 0, 0.9, 1.1, 30, 59.9, 60, 600)] == [
        0, 0, 0, 1, 15, 30, 30, 30,
    ]  # fmt: skip
    assert SheetLayout.for_duration(0.5).tiles == 1


async def test_a_sheet_shows_each_instants_keyframe(media_tools: None, tmp_path: Path) -> None:
    """Tile k is the keyframe at or before k x 2 s, 160 pixels wide, in a 10-wide grid."""
    (segment,) = make_segments(tmp_path / "cam", [T0], seconds=SECONDS, size=f"{WIDTH}x{HEIGHT}")
    maker = PreviewMaker("ffmpeg")
    assert await maker.make(segment, SECONDS)
    sheet = preview_path(segment)
    assert sheet.name == segment.stem + ".preview.jpg"
    assert sheet.parent == segment.parent
    layout = SheetLayout.for_duration(SECONDS)
    assert layout.tiles == 6
    pixels = gray(sheet).reshape(layout.rows * TILE_HEIGHT, COLUMNS * TILE_WIDTH)
    keyframes = [
        gray(segment, "-ss", str(at), "-skip_frame", "nokey", vf=f"scale={TILE_WIDTH}:-2")
        for at in range(0, SECONDS, GOP)
    ]
    for tile in range(layout.tiles):
        row, column = divmod(tile, COLUMNS)
        picture = pixels[
            row * TILE_HEIGHT : (row + 1) * TILE_HEIGHT,
            column * TILE_WIDTH : (column + 1) * TILE_WIDTH,
        ].ravel()
        errors = [float(np.abs(picture - key).mean()) for key in keyframes]
        expected = min(tile * layout.step // GOP, len(keyframes) - 1)
        assert int(np.argmin(errors)) == expected, (tile, errors)
        assert errors[int(expected)] < 8, (tile, errors)
    # No tile is left black: the last keyframe is held to the segment's end.
    assert pixels[:, : TILE_WIDTH * layout.tiles].mean() > 40
    assert not list(segment.parent.glob(".*preview*"))  # no partial left behind


async def test_a_broken_segment_loses_nothing(
    media_tools: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sheet, no partial file, no exception: the card simply shows no preview there.

    Nor is FFmpeg started on it again at every hover: a failure is remembered for a while.
    """
    broken = mp4(tmp_path / "cam" / "20270115_080000.mp4")
    maker = PreviewMaker("ffmpeg")
    started: list[list[str]] = []
    start = previews.FFmpegProcess.start

    async def counted(argv: list[str], *, idle: bool = False) -> previews.FFmpegProcess:
        started.append(argv)
        return await start(argv, idle=idle)

    monkeypatch.setattr(previews.FFmpegProcess, "start", counted)
    assert not await maker.make(broken, 60)
    assert await maker.ensure(broken, 60) is None
    assert not await maker.make(broken, 60)
    assert len(started) == 1
    assert sorted(p.name for p in broken.parent.iterdir()) == [broken.name]
    maker._failed[broken] -= previews.FAILURE_MEMORY + 1  # as if it failed 10 minutes ago
    assert not await maker.make(broken, 60)
    assert len(started) == 2  # tried again later (the file may have been repaired)
    missing = PreviewMaker(str(tmp_path / "no-ffmpeg"))
    assert not await missing.make(broken, 60)


async def test_only_a_sheet_a_viewer_waits_for_takes_the_normal_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sheets made as segments are filed can wait; one asked for by the card cannot."""
    filed = mp4(tmp_path / "cam" / "20270115_080000.mp4")
    asked = mp4(tmp_path / "cam" / "20270115_080100.mp4")
    priorities: dict[str, bool] = {}

    async def noted(argv: list[str], *, idle: bool = False) -> previews.FFmpegProcess:
        priorities[next(a for a in argv if a.endswith(".mp4"))] = idle
        raise FileNotFoundError(argv[0])

    monkeypatch.setattr(previews.FFmpegProcess, "start", noted)
    maker = PreviewMaker("ffmpeg")
    maker.submit(filed, 60)
    while maker.queued:
        await asyncio.sleep(0.01)
    assert await maker.ensure(asked, 60) is None
    assert priorities == {str(filed): True, str(asked): False}


async def test_a_kept_sheet_is_not_made_again(tmp_path: Path) -> None:
    """``ensure`` returns a sheet already there without starting any FFmpeg."""
    segment = mp4(tmp_path / "cam" / "20270115_080000.mp4")
    preview_path(segment).write_bytes(b"\xff\xd8kept")
    maker = PreviewMaker(str(tmp_path / "no-ffmpeg"))
    assert await maker.ensure(segment, 60) == preview_path(segment)
    assert preview_path(segment).read_bytes() == b"\xff\xd8kept"


async def test_a_sheet_never_outlives_its_segment(media_tools: None, tmp_path: Path) -> None:
    """A segment deleted while its sheet is being made leaves no sheet behind."""
    (segment,) = make_segments(tmp_path / "cam", [T0], seconds=4, size="320x240")
    maker = PreviewMaker("ffmpeg")
    started = asyncio.create_task(maker.make(segment, 4))
    await asyncio.sleep(0)
    segment.unlink()
    assert not await started
    assert list((tmp_path / "cam").iterdir()) == []


async def test_filed_footage_gets_its_sheet_in_the_background(
    media_tools: None, tmp_path: Path
) -> None:
    """The archive tells the store of each footage segment; the maker makes its sheet.

    Beyond the backlog a segment is left for the view to make on request.
    """
    folder = tmp_path / "cam"
    segments = make_segments(folder, [T0, T0 + 4, T0 + 8], seconds=4, size="320x240")
    store = CameraStore("cam", "Cam", folder, SegmentIndex(folder, None))
    tasks: list[asyncio.Task[None]] = []
    maker = PreviewMaker(
        "ffmpeg",
        task_factory=lambda coro, name: (
            tasks.append(asyncio.create_task(coro, name=name)) or tasks[-1]
        ),
        backlog=2,
    )
    store.on_footage = maker.submit
    archive = Archive("Cam", folder, ffmpeg="ffmpeg", store=store)
    archive.set_footage(True, T0)  # noqa: FBT003
    closed = [ClosedSegment(path, T0 + 4 * i, T0 + 4 * (i + 1)) for i, path in enumerate(segments)]
    await archive.route(closed, now=T0 + 12)
    assert len(store.index) == 3
    assert maker.queued == 2  # the third waits to be asked for
    await asyncio.gather(*tasks)
    assert maker.queued == 0
    assert [preview_path(s).is_file() for s in segments] == [True, True, False]
    await archive.close()
