"""The per-camera MJPEG option: stored by the flow, read back, and a restart when it changes."""

from __future__ import annotations

from dataclasses import replace

from homeassistant.config_entries import ConfigSubentry

from custom_components.heldar.camera_settings import CameraConfig
from custom_components.heldar.const import CONF_TRANSCODE_MJPEG

from .common import camera_subentry


def config_of(**data: object) -> CameraConfig:
    """Read a camera subentry as Heldar does."""
    return CameraConfig.from_subentry(
        ConfigSubentry(**camera_subentry("Yard", "rtsp://y/s", **data))
    )


def test_mjpeg_is_converted_unless_turned_off() -> None:
    """Cameras saved before the option existed convert MJPEG; the option turns it off."""
    assert config_of().transcode_mjpeg is True
    assert config_of(**{CONF_TRANSCODE_MJPEG: False}).transcode_mjpeg is False


def test_changing_it_restarts_the_camera() -> None:
    """How the video is written is an FFmpeg argument: a change needs a new FFmpeg."""
    config = config_of()
    assert config.needs_restart_from(replace(config, transcode_mjpeg=False))
    assert not config.needs_restart_from(replace(config, record_mode=config.record_mode))
