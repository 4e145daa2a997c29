"""Routing closed segments, the pre-roll buffer's bound, and event clips (fake FFmpeg joins)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
import json
from pathlib import Path
import struct
import threading
import time
from typing import Any, SupportsIndex

import pytest

from custom_components.heldar.recorder import (
    archive as archive_module,
    clips,
    event_writer,
)
from custom_components.heldar.recorder.archive import Archive, ClosedSegment
from custom_components.heldar.recorder.clips import concat_list
from custom_components.heldar.recorder.event_writer import SEGMENTS_GRACE
from custom_components.heldar.recorder.events import Event, EventState, SegmentRef, load_all, save
from custom_components.heldar.recorder.ffprobe import Probe
from custom_components.heldar.recorder.index import SegmentIndex, SegmentInfo
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.recorder.source import StreamRoles
from custom_components.heldar.recorder.store import CameraStore
from tests.media import pid_alive

from .helpers import fake_records

T0 = 1_800_000_000.0  # a fixed wall-clock origin for synthetic segments


def mp4(path: Path) -> Path:
    """Write a small MP4-shaped file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = b"".join(
        struct.pack(">I4s", 8 + len(payload), kind) + payload
        for kind, payload in (
            (b"ftyp", b"isom"),
            (b"moov", b""),
            (b"moof", b""),
            (b"mdat", b"x" * 64),
        )
    )
    path.write_bytes(body)
    return path


def segment(folder: Path, start: float, length: float = 2.0) -> ClosedSegment:
    """Create a closed segment file named after its start."""
    return ClosedSegment(mp4(folder / segment_name(start)), start, start + length)


class Announcements:
    """Collect the archive's event callbacks."""

    def __init__(self) -> None:
        """Start empty."""
        self.seen: list[tuple[str, Event]] = []
        self.finished = asyncio.Event()

    def __call__(self, event: Event, phase: str) -> None:
        """Record one callback."""
        self.seen.append((phase, event))
        if phase == "finished":
            self.finished.set()


def make_archive(
    tmp_path: Path, fake_ffmpeg: Path, pre_roll: float = 6, *, buffered: bool = True
) -> tuple[Archive, Announcements]:
    """Return an archive of camera "cam" with a buffer under tmp_path."""
    said = Announcements()
    archive = Archive(
        "Cam",
        tmp_path / "cam",
        ffmpeg=str(fake_ffmpeg),
        buffer_dir=tmp_path / "buffer" if buffered else None,
        pre_roll=pre_roll,
        on_event=said,
    )
    return archive, said


async def test_buffer_keeps_just_enough(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """While idle the buffer holds the pre-roll plus one closed segment, never more."""
    archive, _ = make_archive(tmp_path, fake_ffmpeg, pre_roll=6)
    buffer = tmp_path / "buffer"
    for step in range(30):
        start = T0 + 2 * step
        await archive.route([segment(buffer, start)], now=start + 2)
        closed = sorted(buffer.glob("*.mp4"))
        assert len(closed) <= 6 // 2 + 1 + 1
        if step >= 4:
            # Coverage: the oldest kept segment starts at or before now - pre-roll.
            oldest = min(s.start for s in archive._buffered)
            assert oldest <= start + 2 - 6
    assert not (tmp_path / "cam").exists()  # nothing became a recording


async def test_trigger_turns_buffer_into_an_event_clip(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """Pre-roll segments join the event, the clip is made, event-only segments stay a while.

    The store follows the event from its trigger on, so playback reaches it while it records.
    """
    store = CameraStore("cam", "Cam", tmp_path / "cam", SegmentIndex(tmp_path / "cam", None))
    said = Announcements()
    archive = Archive(
        "Cam",
        tmp_path / "cam",
        ffmpeg=str(fake_ffmpeg),
        buffer_dir=tmp_path / "buffer",
        pre_roll=6,
        on_event=said,
        store=store,
    )
    buffer = tmp_path / "buffer"
    for step in range(6):  # T0 .. T0+12 buffered
        await archive.route([segment(buffer, T0 + 2 * step)], now=T0 + 2 * step + 2)
    trigger_at = T0 + 12.5
    event = archive.trigger(trigger_at, trigger_at + 3, "motion")
    archive.trigger(trigger_at + 1, trigger_at + 4, "motion")  # extends, one event
    archive.trigger(trigger_at + 1.5, trigger_at + 2, "doorbell")  # never shortens
    assert event.window_end == trigger_at + 4
    assert event.reasons == ["motion", "doorbell"]
    assert store.open_events == {event.id: event}
    await asyncio.sleep(0)  # the journal write and "started" run as tasks
    for step in range(6, 10):
        start = T0 + 2 * step
        await archive.route([segment(buffer, start)], now=start + 2)
        if step == 6:  # the pre-roll and the first closed segment are the event's already
            assert [ref.start for ref in store.open_events[event.id].segments][-1] == start
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    assert store.open_events == {}
    assert store.events == {event.id: event}

    assert [phase for phase, _ in said.seen] == ["started", "finished"]
    finished = said.seen[-1][1]
    assert finished.state is EventState.FINISHED
    starts = [ref.start for ref in finished.segments]
    assert starts[0] <= trigger_at - 6 < starts[0] + 2  # the segment holding T - pre-roll
    assert finished.end == trigger_at + 4
    camera = tmp_path / "cam"
    assert (camera / finished.clip).is_file()  # type: ignore[operator]
    # Kept for players that listed them while the event recorded; removed later.
    assert all((camera / ref.path).is_file() for ref in finished.segments)
    assert finished.segments_until is not None
    assert finished.segments_until == pytest.approx(time.time() + SEGMENTS_GRACE, abs=30)
    joined = next(r["joined"] for r in fake_records(tmp_path / "fake_ffmpeg.log") if "joined" in r)
    assert len(joined) == len(finished.segments)
    journal = json.loads((camera / finished.journal).read_text())
    assert journal["state"] == "finished"
    assert journal["reasons"] == ["motion", "doorbell"]
    assert not (tmp_path / "buffer").exists()  # released on close


async def test_a_finished_events_segments_go_after_the_grace(
    tmp_path: Path, fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once the grace has passed the event's own segments are removed, and the journal says so.

    A restart before then leaves them to the next start, which removes the overdue ones.
    """
    monkeypatch.setattr(event_writer, "SEGMENTS_GRACE", 0.3)
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    camera = tmp_path / "cam"
    archive.trigger(T0, T0 + 3, "motion")
    await archive.route([segment(camera, T0 + 0.2, 4)], now=T0 + 4.5)
    await asyncio.wait_for(said.finished.wait(), 10)
    event = said.seen[-1][1]
    await archive.close()  # before the grace: nothing removed, the journal remembers
    assert (camera / event.segments[0].path).is_file()
    (saved,) = load_all(camera)
    assert saved.segments_until == event.segments_until
    restarted, _ = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    await asyncio.sleep(0.4)
    await restarted.recover(T0 + 10)
    async with asyncio.timeout(10):
        while (camera / event.folder).exists() or load_all(camera)[0].segments_until:
            await asyncio.sleep(0.05)
    assert (camera / str(event.clip)).is_file()
    await restarted.close()


async def test_footage_is_shared_not_moved(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """During scheduled footage an event references segments in place and never deletes them."""
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    camera = tmp_path / "cam"
    archive.set_footage(True, T0)  # noqa: FBT003
    archive.trigger(T0 + 5, T0 + 9, "motion")
    for step in range(6):
        await archive.route([segment(camera, T0 + 2 * step)], now=T0 + 2 * step + 2)
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    event = said.seen[-1][1]
    assert all(ref.shared for ref in event.segments)
    assert [ref.path for ref in event.segments] == [segment_name(T0 + s) for s in (4, 6, 8)]
    assert len(list(camera.glob("*.mp4"))) == 6  # footage untouched


async def test_event_only_segments_move_out_of_footage(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """Without footage (event mode, no pre-roll) the segments move into the event folder."""
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    camera = tmp_path / "cam"
    archive.trigger(T0, T0 + 3, "")
    await archive.route([segment(camera, T0 + 0.5)], now=T0 + 2.5)
    assert list(camera.glob("*.mp4")) == []
    await archive.settle(T0 + 3.5, running=False)  # FFmpeg stopped: the event ends now
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    assert said.seen[-1][1].reasons == []


async def test_failed_join_keeps_segments(
    tmp_path: Path, fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If FFmpeg cannot join, the segments stay and the error is reported."""
    monkeypatch.setenv("HELDAR_FAKE_JOIN", "fail")
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    archive.trigger(T0, T0 + 3, "motion")
    await archive.route([segment(tmp_path / "cam", T0 + 0.2, 4)], now=T0 + 4.5)
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    event = said.seen[-1][1]
    assert event.state is EventState.FAILED
    assert event.error is not None
    assert "Impossible to open" in event.error
    assert event.clip is None
    assert (tmp_path / "cam" / event.segments[0].path).is_file()


async def test_event_without_footage_fails_cleanly(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """An event whose camera never delivered a segment ends as failed, not silently."""
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    archive.trigger(T0, T0 + 1, "motion")
    await archive.settle(T0 + 2, running=False)
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    assert said.seen[-1][1].error == "no footage was recorded for this event"


async def test_recover_closes_or_resumes(tmp_path: Path, fake_ffmpeg: Path) -> None:
    """After a restart an ended event is closed with what is on disk; an open one resumes."""
    camera = tmp_path / "cam"
    cut = Event("20270115_080000_aaaa", "Cam", T0, T0 + 60)
    mp4(camera / cut.folder / segment_name(T0))
    mp4(camera / cut.folder / segment_name(T0 + 2))  # moved, but never journaled
    cut.segments.append(SegmentRef(f"{cut.folder}/{segment_name(T0)}", T0, T0 + 2))
    save(camera, cut)
    ongoing = Event("20270115_090000_bbbb", "Cam", T0 + 100, T0 + 1000)
    save(camera, ongoing)
    done = Event("20270115_070000_cccc", "Cam", T0 - 100, T0 - 90, state=EventState.FINISHED)
    save(camera, done)
    (camera / "events" / "garbage.json").write_text("{not json")

    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    resumed = await archive.recover(now=T0 + 200)
    assert resumed == T0 + 1000
    assert archive.open_event is not None
    assert archive.open_event.id == ongoing.id
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    closed = said.seen[-1][1]
    assert closed.id == cut.id
    assert closed.interrupted
    assert closed.state is EventState.FINISHED
    assert len(closed.segments) == 2
    states = {event.id: event.state for event in load_all(camera)}
    assert states == {
        done.id: EventState.FINISHED,
        cut.id: EventState.FINISHED,
        ongoing.id: EventState.OPEN,
    }


def test_concat_list_trims_both_ends(tmp_path: Path) -> None:
    """The join starts at the event start and stops at its end, quoting odd paths."""
    event = Event("e", "Cam", T0 + 1.25, T0 + 5)
    event.segments = [
        SegmentRef("events/e/it's.mp4", T0, T0 + 2),
        SegmentRef("events/e/b.mp4", T0 + 2, T0 + 6),
    ]
    text = concat_list(tmp_path, event)
    assert text.splitlines() == [
        "ffconcat version 1.0",
        f"file '{tmp_path}/events/e/it'\\''s.mp4'",
        "inpoint 1.250",
        f"file '{tmp_path}/events/e/b.mp4'",
        "outpoint 3.000",
    ]


async def test_close_never_waits_long_for_a_join(
    tmp_path: Path, fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A join that hangs is killed after the grace time; the event stays open for later."""
    monkeypatch.setenv("HELDAR_FAKE_JOIN", "hang")
    archive, _ = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    event = archive.trigger(T0, T0 + 1, "motion")
    await archive.route([segment(tmp_path / "cam", T0, 2)], now=T0 + 3)
    log = tmp_path / "fake_ffmpeg.log"
    async with asyncio.timeout(10):
        while not any("hanging" in record for record in fake_records(log)):
            await asyncio.sleep(0.05)
    hanging = next(int(str(r["pid"])) for r in fake_records(log) if "hanging" in r)
    started = asyncio.get_running_loop().time()
    await archive.close(grace=0.5)
    assert asyncio.get_running_loop().time() - started < 2
    assert not pid_alive(hanging)
    (journal,) = load_all(tmp_path / "cam")
    assert journal.id == event.id
    assert journal.state is EventState.OPEN


class _LoopOnlyList(list[SegmentInfo]):
    """The index's segment list, noting every thread that reads or changes it."""

    threads: set[int]

    def __iter__(self) -> Iterator[SegmentInfo]:
        self.threads.add(threading.get_ident())
        return super().__iter__()

    def insert(self, index: SupportsIndex, item: SegmentInfo) -> None:
        self.threads.add(threading.get_ident())
        super().insert(index, item)

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        self.threads.add(threading.get_ident())
        super().__delitem__(index)


async def test_index_is_read_and_changed_on_the_loop_only(
    tmp_path: Path, fake_ffmpeg: Path
) -> None:
    """Routing, saving, retention's forget and a rebuild touch the index from the loop only.

    Indexing a closed segment used to insert into it from an executor thread, and the cache
    was written by iterating it in another, while the loop could change it.
    """
    camera = tmp_path / "cam"
    index = SegmentIndex(camera, None)
    guard = _LoopOnlyList()
    guard.threads = set()
    index._segments = guard
    store = CameraStore("cam", "Cam", camera, index)
    archive = Archive("Cam", camera, ffmpeg=str(fake_ffmpeg), store=store)
    archive.set_footage(True, T0)  # noqa: FBT003
    for step in range(4):
        await archive.route([segment(camera, T0 + 2 * step)], now=T0 + 2 * step + 2)
    await index.save()
    (camera / segment_name(T0)).unlink()  # as retention does: delete, then forget
    index.forget([segment_name(T0)])
    await index.rebuild()
    assert [s.name for s in index.segments] == [segment_name(T0 + 2 * n) for n in range(1, 4)]
    assert json.loads((camera / ".index.json").read_text()).keys() == {
        segment_name(T0 + 2 * n) for n in range(1, 4)
    }
    assert guard.threads == {threading.get_ident()}


async def test_a_join_that_raises_still_finishes_the_event(
    tmp_path: Path,
    fake_ffmpeg: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A join that raises (here: its script cannot be written) is reported, never lost.

    The task used to die silently: the event stayed open for ever, with no "finished".
    """

    def fail(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(clips, "_write_script", fail)
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    owned: list[str] = []

    def task_factory(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        owned.append(name)
        return asyncio.get_running_loop().create_task(coro, name=name)

    archive.task_factory = task_factory
    archive.trigger(T0, T0 + 3, "motion")
    await archive.route([segment(tmp_path / "cam", T0 + 0.2, 4)], now=T0 + 4.5)
    await asyncio.wait_for(said.finished.wait(), 10)
    await archive.close()
    event = said.seen[-1][1]
    assert event.state is EventState.FAILED
    assert event.error == "joining failed: [Errno 13] Permission denied"
    assert [e.state for e in load_all(tmp_path / "cam")] == [EventState.FAILED]
    assert "Joining event" in caplog.text
    assert "heldar event join Cam" in owned  # the host owns the join


async def test_a_spawned_task_that_fails_is_logged(
    tmp_path: Path, fake_ffmpeg: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever escapes a spawned task reaches the log, by the task's name."""
    archive, _ = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)

    def broken(_event: Event, _phase: str) -> None:
        msg = "listener broke"
        raise RuntimeError(msg)

    archive.writer._on_event = broken
    archive.trigger(T0, T0 + 3, "motion")
    await archive.close()
    assert "heldar event start Cam failed" in caplog.text
    assert "listener broke" in caplog.text


async def test_a_burst_of_triggers_writes_the_journal_once(
    tmp_path: Path, fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chattering sensor costs O(1) journal writes, not one per trigger; none is lost.

    Every trigger used to write the journal, even one that moved nothing.
    """
    writes: list[float] = []
    real_save = archive_module.ev.save

    def counting_save(camera_dir: Path, event: Event) -> None:
        writes.append(event.window_end)
        real_save(camera_dir, event)

    monkeypatch.setattr(archive_module.ev, "save", counting_save)
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    event = archive.trigger(T0, T0 + 30, "motion")
    await asyncio.sleep(0.1)
    assert writes == [T0 + 30]  # the start is written at once
    for step in range(200):  # ten triggers a second for 20 s, each one moving the window
        archive.trigger(T0 + step / 10, T0 + 30 + step / 10, "motion")
        archive.trigger(T0 + step / 10, T0 + 20, "motion")  # moves nothing
    archive.trigger(T0 + 20, T0 + 40, "door")
    await asyncio.sleep(0.1)
    assert len(writes) == 1  # the changes wait to be written together
    await archive.close()  # a stop writes what is due at once
    assert writes == [T0 + 30, T0 + 49.9]
    (saved,) = load_all(tmp_path / "cam")
    assert saved.id == event.id
    assert saved.window_end == T0 + 49.9
    assert saved.reasons == ["motion", "door"]
    assert [phase for phase, _ in said.seen] == ["started"]


async def test_journal_changes_are_written_within_the_interval(
    tmp_path: Path, fake_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Coalesced changes reach the journal by themselves, JOURNAL_INTERVAL later at most."""
    monkeypatch.setattr(archive_module, "JOURNAL_INTERVAL", 0.2)
    archive, _ = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    archive.trigger(T0, T0 + 30, "motion")
    archive.trigger(T0 + 1, T0 + 31, "door")
    await asyncio.sleep(0.6)
    (saved,) = load_all(tmp_path / "cam")
    assert (saved.window_end, saved.reasons) == (T0 + 31, ["motion", "door"])
    await archive.close()


async def test_a_clip_whose_segments_cannot_be_removed_is_finished(
    tmp_path: Path,
    fake_ffmpeg: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Once the clip is made the event is finished, even if its loose segments must stay."""

    def fail(*_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(event_writer.ev, "remove_event_segments", fail)
    monkeypatch.setattr(event_writer, "SEGMENTS_GRACE", 0.1)
    archive, said = make_archive(tmp_path, fake_ffmpeg, pre_roll=0, buffered=False)
    archive.trigger(T0, T0 + 3, "motion")
    await archive.route([segment(tmp_path / "cam", T0 + 0.2, 4)], now=T0 + 4.5)
    await asyncio.wait_for(said.finished.wait(), 10)
    async with asyncio.timeout(10):
        while "segments kept" not in caplog.text:
            await asyncio.sleep(0.05)
    await archive.close()
    event = said.seen[-1][1]
    assert event.state is EventState.FINISHED
    assert event.clip is not None
    assert (tmp_path / "cam" / event.clip).is_file()
    assert "segments kept" in caplog.text


async def test_a_planned_codec_spares_the_first_segments_ffprobe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The codec the planner knows is indexed as is; only an unknown one is asked of ffprobe."""
    asked: list[Path] = []

    async def fake_probe(_ffprobe: str, path: Path) -> Probe:
        asked.append(path)
        return Probe(2.0, "h264")

    monkeypatch.setattr(archive_module, "probe", fake_probe)
    camera = tmp_path / "cam"
    store = CameraStore("cam", "Cam", camera, SegmentIndex(camera, "ffprobe"))
    archive = Archive("Cam", camera, ffmpeg="ffmpeg", store=store)
    archive.new_run(StreamRoles(), "hevc")
    await archive.route([segment(camera, T0), segment(camera, T0 + 2)], T0 + 4)
    assert asked == []
    assert [s.codec for s in store.index.segments] == ["hevc", "hevc"]
    archive.new_run(StreamRoles())  # not probed yet: the first segment is asked, once
    await archive.route([segment(camera, T0 + 4), segment(camera, T0 + 6)], T0 + 8)
    assert asked == [camera / segment_name(T0 + 4)]
    assert [s.codec for s in store.index.segments][2:] == ["h264", "h264"]


async def test_a_camera_without_a_buffer_makes_one_executor_trip_per_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filing a footage segment checks the file, nothing more: no buffer to trim, no trip.

    With 32 cameras each trip is a thread waking to hold the GIL beside the event loop.
    """
    trips: list[str] = []
    loop = asyncio.get_running_loop()
    real = loop.run_in_executor

    def counted(
        executor: None, func: Callable[..., object], *args: object
    ) -> asyncio.Future[object]:
        trips.append(getattr(func, "__name__", repr(func)))
        return real(executor, func, *args)

    monkeypatch.setattr(loop, "run_in_executor", counted)
    camera = tmp_path / "cam"
    store = CameraStore("cam", "Cam", camera, SegmentIndex(camera, None))
    archive = Archive("Cam", camera, ffmpeg="ffmpeg", store=store)
    archive.new_run(StreamRoles(), "h264")
    archive.set_footage(True, T0)  # noqa: FBT003
    for step in range(3):
        await archive.route([segment(camera, T0 + 2 * step)], T0 + 2 * step + 2)
    assert trips == ["check_closed"] * 3
    assert len(store.index.segments) == 3
