"""A camera with a sub-stream: which stream each run records, and the one FFmpeg that does it.

Footage (continuous or scheduled) comes from one stream and events with their pre-roll from
the other (``CameraSpec.roles``). While both are wanted at once, one FFmpeg reads both inputs
and writes two segment outputs: the footage stream into the camera folder, in the camera's
segment length, and the event stream into the pre-roll buffer, as an event camera's stream
goes (``Archive`` builds the event clips from there). "Never two FFmpeg for one camera" holds
as before: the recorder's task owns the one process. While only one of them is wanted, the
run records that stream alone, exactly as a one-stream camera would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .command import (
    RecordCommand,
    codec_args,
    command_head,
    input_args,
    segment_output,
)
from .probe import ProbeOutcome, probe_stream
from .source import (
    CameraSpec,
    SourceUnavailableError,
    StreamName,
    StreamRoles,
    StreamSource,
)
from .streams import AudioMode, MediaPlan

if TYPE_CHECKING:
    from pathlib import Path

    from .planner import MediaPlanner
    from .timing import Timing

# How long a stream is given to show a frame when asked alone (after a failure, while down).
PROBE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class RunShape:
    """Which streams one FFmpeg run records, and where.

    ``landing`` is the stream written into the landing folder (the buffer, or the camera
    folder); ``footage`` is set only on a split run: the stream written into the camera folder.
    """

    roles: StreamRoles
    landing: StreamName = StreamName.MAIN
    footage: StreamName | None = None

    @property
    def streams(self) -> tuple[StreamName, ...]:
        """The streams this run reads, footage first (FFmpeg's input order)."""
        return (self.footage, self.landing) if self.footage is not None else (self.landing,)


def shape_run(
    spec: CameraSpec,
    *,
    footage: bool,
    buffering: bool,
    down: frozenset[StreamName] = frozenset(),
) -> RunShape:
    """Decide what the next run records from what the camera wants now.

    ``footage``: continuous or scheduled recording is on; ``buffering``: events keep a
    pre-roll buffer. A one-stream camera always records its one stream. While one stream of
    a split run is ``down``, the other records footage and events alike until it is back.
    """
    roles = spec.roles
    if roles.footage is None or roles.events is None:
        return RunShape(roles)
    if footage and buffering and len(down) == 1:
        healthy = roles.events if roles.footage in down else roles.footage
        return RunShape(StreamRoles(healthy, healthy), healthy)
    if footage and buffering:
        return RunShape(replace(roles, split=True), roles.events, roles.footage)
    # One stream at a time: whatever this run writes (footage, events) is that stream's.
    only = roles.footage if footage else roles.events
    return RunShape(StreamRoles(only, only), only)


def states_while_down(down: frozenset[StreamName]) -> dict[str, str] | None:
    """The ``streams`` status while a stream is down (None: none is)."""
    return {str(stream): "down" for stream in down} or None


def recheck(
    spec: CameraSpec,
    down: frozenset[StreamName],
    binary: str,
    timing: Timing,
    on_back: Callable[[], None],
) -> asyncio.Future[None] | None:
    """While a stream is down, ask it in the background whether it is back (None: none is)."""
    if not down:
        return None
    return asyncio.ensure_future(watch_for_return(spec, down, binary, timing, on_back))


async def watch_for_return(
    spec: CameraSpec,
    down: frozenset[StreamName],
    binary: str,
    timing: Timing,
    on_back: Callable[[], None],
) -> None:
    """While a stream is down, ask it now and then alone; call ``on_back`` once it answers."""
    while True:
        await asyncio.sleep(timing.stream_recheck)
        try:
            urls = [await source_of(spec, stream).resolve() for stream in down]
        except SourceUnavailableError:
            continue
        answers = [await probe_stream(binary, url, PROBE_SECONDS) for url in urls]
        if all(answer.outcome is ProbeOutcome.OK for answer in answers):
            on_back()
            return


def source_of(spec: CameraSpec, stream: StreamName) -> StreamSource:
    """Return where ``stream`` comes from (the sub-stream falls back to the main one)."""
    if stream is StreamName.SUB and spec.sub_source is not None:
        return spec.sub_source
    return spec.source


async def resolve(spec: CameraSpec, shape: RunShape) -> dict[StreamName, str]:
    """Return the URL of each stream the run reads, credentials included."""
    return {stream: await source_of(spec, stream).resolve() for stream in shape.streams}


@dataclass(frozen=True, slots=True)
class Output:
    """One segment output of a recording FFmpeg: which input, how, and where."""

    url: str
    plan: MediaPlan
    directory: Path
    segment_seconds: int


def dual_argv(binary: str, footage: Output, events: Output) -> list[str]:
    """Return one FFmpeg command that reads both streams and writes each to its own folder.

    Each output maps only its own input (``-map N:v:0``, plus its first audio track when
    audio is recorded and the input has one), so the two never mix.
    """
    args = command_head(binary)
    for output in (footage, events):
        args += input_args(output.url, wallclock=output.plan.wallclock)
    for index, output in enumerate((footage, events)):
        args += ["-map", f"{index}:v:0"]
        if output.plan.audio is not AudioMode.DROP:
            args += ["-map", f"{index}:a:0?"]
        args += codec_args(output.plan.video, output.plan.audio)
        args += segment_output(output.directory, output.segment_seconds)
    return args


async def build_command(
    planner: MediaPlanner,
    binary: str,
    shape: RunShape,
    urls: dict[StreamName, str],
    landing: tuple[Path, int],
    footage: tuple[Path, int],
    audio: AudioMode,
) -> list[str]:
    """Plan each stream the run reads (probed on its own) and return FFmpeg's argv.

    ``landing`` and ``footage`` are each a folder and its segment length.
    """
    url = urls[shape.landing]
    plan = await planner.plan(url, audio, shape.landing)
    if shape.footage is None:
        return RecordCommand.planned(binary, url, landing[0], landing[1], plan).argv()
    footage_url = urls[shape.footage]
    footage_plan = await planner.plan(footage_url, audio, shape.footage)
    return dual_argv(
        binary,
        Output(footage_url, footage_plan, *footage),
        Output(url, plan, *landing),
    )
