"""One run's output: new segments are learnt from inotify's names, the folder is a fallback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from pathlib import Path
import time

import pytest

from custom_components.heldar.recorder.births import BirthWatcher
from custom_components.heldar.recorder.progress import MediaClock
from custom_components.heldar.recorder.run_output import RunOutput
from custom_components.heldar.recorder.segments import ScanResult, SegmentWatcher, segment_name

RESCAN = 60.0


class CountingWatcher(SegmentWatcher):
    """A segment watcher that counts its looks at the folder."""

    scans = 0

    def scan(self, now: float | None = None, *, full: bool = False) -> ScanResult:
        """Count, then look."""
        self.scans += 1
        self.full = full
        return super().scan(now, full=full)


@pytest.fixture
async def output(tmp_path: Path) -> AsyncGenerator[RunOutput]:
    """A run's output in ``tmp_path``, with inotify watching it."""
    runs: list[RunOutput] = []

    def born() -> None:  # what the supervisor does when inotify reports a file
        runs[0].file_born = True

    births = BirthWatcher(tmp_path, born)
    births.start()
    assert births.active
    watcher = CountingWatcher(tmp_path, time.time() - 10)
    run = RunOutput(watcher, births, buffering=False, clock=MediaClock(time.time))
    runs.append(run)
    yield run
    births.stop()


async def test_a_named_segment_needs_no_look_at_the_folder(
    output: RunOutput, tmp_path: Path
) -> None:
    """After the first scan, a reporting run learns each new segment from inotify alone."""
    watcher = output.watcher
    assert isinstance(watcher, CountingWatcher)
    now = time.time()
    first = tmp_path / segment_name(now - 3)
    first.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert (await output.look(0.0, reporting=True, rescan=RESCAN)).opened == [first]
    assert watcher.scans == 1  # the run's first look lists what is there
    second = tmp_path / segment_name(now - 2)
    second.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert output.file_born
    scan = await output.look(1.0, reporting=True, rescan=RESCAN)
    assert (scan.opened, scan.closed) == ([second], [first])
    assert watcher.scans == 1  # taken by name
    # Without progress reports growth is the evidence: the folder is looked at.
    third = tmp_path / segment_name(now - 1)
    third.write_bytes(b"")
    await asyncio.sleep(0.05)
    assert (await output.look(2.0, reporting=False, rescan=RESCAN)).opened == [third]
    assert watcher.scans == 2
    # The rescan still comes, as a safety net.
    await output.look(2.0 + RESCAN, reporting=True, rescan=RESCAN)
    assert watcher.scans == 3


async def test_lost_names_make_the_next_look_list_the_folder(
    output: RunOutput, tmp_path: Path
) -> None:
    """When inotify's names may be incomplete, the folder is listed, not guessed."""
    watcher = output.watcher
    assert isinstance(watcher, CountingWatcher)
    await output.look(0.0, reporting=True, rescan=RESCAN)
    for index in range(600):  # more than the watcher keeps: some names are dropped
        (tmp_path / f"{index}.tmp").write_bytes(b"")
    segment = tmp_path / segment_name(time.time() - 5)
    segment.write_bytes(b"")
    await asyncio.sleep(0.1)
    assert (await output.look(1.0, reporting=True, rescan=RESCAN)).opened == [segment]
    assert watcher.scans == 2
    assert watcher.full
