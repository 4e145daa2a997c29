"""Live view: a camera entity for every camera Heldar records by URL.

Its stream is the camera's own URL (with the login), for Home Assistant's live view; its
picture is the newest keyframe Heldar recorded while that is recent, else a keyframe taken
from the stream (see stills.py). A camera added from a Home Assistant camera entity already
has that entity.
"""

from __future__ import annotations

from homeassistant.components.camera import Camera, CameraEntityDescription, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .camera_handle import CameraHandle
from .data import HeldarConfigEntry, HeldarData
from .entity import HeldarCameraEntity, async_setup_camera_entities
from .recorder.supervisor import RecorderState
from .recorder.urls import with_credentials
from .stills import LiveStill

PARALLEL_UPDATES = 0

# Named after its device: the camera is the device's main feature.
LIVE = CameraEntityDescription(key="camera", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: HeldarConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a camera entity per URL camera."""
    async_setup_camera_entities(
        hass,
        entry,
        async_add_entities,
        lambda data, camera: [] if camera.config.camera_entity else [HeldarCamera(data, camera)],
    )


class HeldarCamera(HeldarCameraEntity, Camera):
    """The camera's live stream, and a recent keyframe as its picture."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, data: HeldarData, camera: CameraHandle) -> None:
        """Bind to ``camera``."""
        HeldarCameraEntity.__init__(self, data, camera, LIVE)
        Camera.__init__(self)
        self._still = LiveStill(data.hass, camera)

    @property
    def is_recording(self) -> bool:
        """Return whether Heldar is recording this camera now."""
        status = self._camera.status
        return status is not None and status.state is RecorderState.RECORDING

    async def stream_source(self) -> str | None:
        """Return the camera's URL with its login, for Home Assistant's stream."""
        config = self._camera.config
        return with_credentials(config.stream_url, config.username, config.password)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """Return the newest recent keyframe on disk, else one from the stream (see stills.py)."""
        return await self._still.async_picture()
