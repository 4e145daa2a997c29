"""How one camera's streams are written, decided once the camera has answered a probe.

Asked before every FFmpeg start: it probes with ffprobe until the camera answers, then keeps
that answer for the recorder's life. Until then (or with no ffprobe), video is copied as it
comes and audio follows what FFmpeg taught the recorder (G.711 refused: AAC from then on).
A camera with a sub-stream has each stream probed and planned on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import logging

from .source import CameraSpec, StreamName
from .streams import AudioMode, MediaPlan, StreamInfo, VideoMode, plan_media, probe_streams

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
        self._dual = spec.sub_source is not None
        self.probed: dict[StreamName, StreamInfo] = {}

    @property
    def streams(self) -> StreamInfo | None:
        """What the main stream sends, once probed."""
        return self.probed.get(StreamName.MAIN)

    async def plan(
        self, url: str, learnt_audio: AudioMode, stream: StreamName = StreamName.MAIN
    ) -> MediaPlan:
        """Return how to write ``stream`` next run; ``learnt_audio`` applies while unprobed."""
        if stream not in self.probed and self._ffprobe is not None:
            info = await probe_streams(self._ffprobe, url)
            if info is not None:
                self.probed[stream] = info
                self._announce(stream)
        plan = self._plan(self.probed.get(stream))
        return plan if stream in self.probed else replace(plan, audio=learnt_audio)

    def written_codec(self, stream: StreamName | None) -> str | None:
        """Return the video codec ``stream``'s files will hold, if the probe told it.

        The index records it with each segment; knowing it here spares an ffprobe of every
        run's first segment (32 of them at once when Home Assistant starts).
        """
        info = self.probed.get(stream or StreamName.MAIN)
        if info is None:
            return None
        return "h264" if self._plan(info).video is VideoMode.H264 else info.video

    def _plan(self, info: StreamInfo | None) -> MediaPlan:
        return plan_media(
            info, record_audio=self._record_audio, transcode_mjpeg=self._transcode_mjpeg
        )

    def _announce(self, stream: StreamName) -> None:
        info = self.probed[stream]
        plan = self._plan(info)
        if plan.dropped_audio:
            _LOGGER.warning(
                "Camera %s sends %s audio on its %s stream, which MP4 cannot hold: "
                "recording without audio",
                self._name,
                plan.dropped_audio,
                stream,
            )
        if not self._dual:
            self._on_planned(plan.describe(info))
            return
        words = [f"{name}: {self._plan(got).describe(got)}" for name, got in self.probed.items()]
        self._on_planned(" | ".join(sorted(words)))
