"""The set of camera recorders, with at most one FFmpeg per camera whatever the call order.

Every start, restart and stop of a camera runs under that camera's lock, and a replacement
recorder is started only after the previous one has stopped and reaped its FFmpeg. The first
start of a camera also ends any FFmpeg a dead Home Assistant left writing into its folders,
so the rule holds across Home Assistant's own death too (see ``orphans.py``). Calls for
different cameras never wait on each other, so editing one camera touches no other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from .events import Event
from .modes import Demand
from .orphans import end_orphans
from .store import CameraStore
from .supervisor import (
    CameraRecorder,
    CameraSpec,
    MakeRoom,
    RecorderStatus,
    TaskFactory,
    Timing,
)


class ManagerClosedError(RuntimeError):
    """The manager was stopped for good (Home Assistant is shutting down)."""


class RecorderManager:
    """Own one ``CameraRecorder`` per camera id."""

    def __init__(
        self,
        ffmpeg_binary: str,
        *,
        timing: Timing | None = None,
        task_factory: TaskFactory | None = None,
    ) -> None:
        """Create an empty manager; recorders it starts use ``ffmpeg_binary``."""
        self.ffmpeg_binary = ffmpeg_binary
        self._timing = timing
        self._task_factory = task_factory
        self._recorders: dict[str, CameraRecorder] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._closed = False

    def get(self, camera_id: str) -> CameraRecorder | None:
        """Return the camera's current recorder, if it has one."""
        return self._recorders.get(camera_id)

    @property
    def camera_ids(self) -> list[str]:
        """Return the ids of the cameras that have a recorder."""
        return list(self._recorders)

    async def start(  # noqa: PLR0913 - one keyword each for what the host plugs in
        self,
        spec: CameraSpec,
        *,
        key: str | None = None,
        enabled: bool = True,
        demand: Demand | None = None,
        listener: Callable[[RecorderStatus], None] | None = None,
        event_listener: Callable[[Event, str], None] | None = None,
        store: CameraStore | None = None,
        make_room: MakeRoom | None = None,
        activity_listener: Callable[[int], None] | None = None,
        activity_wanted: Callable[[], bool] | None = None,
    ) -> CameraRecorder:
        """Start recording ``spec``, first stopping any recorder the camera already has.

        ``key`` names the camera (default: ``spec.camera_id``); Home Assistant uses the config
        subentry's id, which two cameras never share, even with the same name.
        Raises ``ManagerClosedError`` once ``stop_all`` has run: a start that raced with a
        shutdown must not leave an FFmpeg running after it.
        """
        key = spec.camera_id if key is None else key
        async with self._lock(key):
            if (old := self._recorders.pop(key, None)) is not None:
                await old.stop()
            if self._closed:
                raise ManagerClosedError(key)
            if old is None:
                folders = (spec.output_dir, *((spec.buffer_dir,) if spec.buffer_dir else ()))
                await asyncio.get_running_loop().run_in_executor(None, end_orphans, folders)
            recorder = CameraRecorder(
                spec,
                ffmpeg_binary=self.ffmpeg_binary,
                listener=listener,
                timing=self._timing,
                enabled=enabled,
                demand=demand,
                event_listener=event_listener,
                store=store,
                make_room=make_room,
                activity_listener=activity_listener,
                activity_wanted=activity_wanted,
            )
            recorder.start(self._task_factory)
            self._recorders[key] = recorder
            return recorder

    async def stop(self, camera_id: str) -> None:
        """Stop the camera's recorder, if any, and wait until its FFmpeg is gone."""
        async with self._lock(camera_id):
            if (recorder := self._recorders.pop(camera_id, None)) is not None:
                await recorder.stop()

    async def stop_all(self) -> None:
        """Stop every recorder for good; returns when no FFmpeg of ours remains.

        Waits for starts in progress too (they hold their camera's lock), then stops them.
        """
        self._closed = True
        cameras = set(self._recorders) | set(self._locks)
        await asyncio.gather(*(self.stop(camera_id) for camera_id in cameras))

    def _lock(self, camera_id: str) -> asyncio.Lock:
        return self._locks.setdefault(camera_id, asyncio.Lock())
