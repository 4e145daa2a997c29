"""How one camera's streams are written, decided once the camera has answered a probe.

Asked before every FFmpeg start: it probes with ffprobe until the camera answers, then keeps
that answer for the recorder's life. Until then (or with no ffprobe), video is copied as it
comes and audio follows what FFmpeg taught the recorder (G.711 refused: AAC from then on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import logging

from .source import CameraSpec
from .streams import AudioMode, MediaPlan, StreamInfo, plan_media, probe_streams

_LOGGER = logging.getLogger(__name__)


class MediaPlanner:
    """Probe a camera's codecs once it answers, and plan each FFmpeg run from them."""

    def __init__(self, spec: CameraSpec, on_planned: Callable[[str], None]) -> None:
        """Plan for the camera ``spec``; ``on_planned`` gets the plan in words once probed."""
        self._name = spec.name
        self._ffprobe = spec.ffprobe
        self._record_audio = spec.record_audio
        self._transcode_mjpeg = spec.transcode_mjpeg
        self._on_planned = on_planned
        self.streams: StreamInfo | None = None

    async def plan(self, url: str, learnt_audio: AudioMode) -> MediaPlan:
        """Return how to write the next run; ``learnt_audio`` applies while unprobed."""
        if self.streams is None and self._ffprobe is not None:
            self.streams = await probe_streams(self._ffprobe, url)
            if self.streams is not None:
                self._announce(self._plan())
        plan = self._plan()
        return plan if self.streams is not None else replace(plan, audio=learnt_audio)

    def _plan(self) -> MediaPlan:
        return plan_media(
            self.streams, record_audio=self._record_audio, transcode_mjpeg=self._transcode_mjpeg
        )

    def _announce(self, plan: MediaPlan) -> None:
        if plan.dropped_audio:
            _LOGGER.warning(
                "Camera %s sends %s audio, which MP4 cannot hold: recording without audio",
                self._name,
                plan.dropped_audio,
            )
        self._on_planned(plan.describe(self.streams))
