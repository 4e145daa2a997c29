"""Heldar: record IP cameras to disk with FFmpeg, supervised inside Home Assistant."""

from __future__ import annotations

import logging
from pathlib import Path

from homeassistant.components.ffmpeg import get_ffmpeg_manager
from homeassistant.const import EVENT_CORE_CONFIG_UPDATE, Platform
from homeassistant.core import Event, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.typing import ConfigType

from . import camera_ref, scrub_previews, share, websocket_api as review_api
from .camera_handle import CameraHandle
from .camera_settings import CameraConfig
from .card import async_register_card
from .const import (
    CONF_MIN_FREE_GB,
    CONF_MIRROR_DIR,
    CONF_MIRROR_RETENTION_HOURS,
    CONF_STORAGE_DIR,
    DEFAULT_MIN_FREE_GB,
    DEFAULT_MIRROR_RETENTION_HOURS,
    DOMAIN,
    SIGNAL_CAMERA_ADDED,
    SUBENTRY_CAMERA,
)
from .data import HeldarConfigEntry, HeldarData
from .export_queue import sweep_leftovers
from .issues import IssueTracker
from .recorder.index import find_ffprobe
from .recorder.manager import RecorderManager
from .recorder.mirror import Mirror
from .recorder.previews import PreviewMaker
from .recorder.probe import ffmpeg_version
from .recorder.storage import StorageProblem, check_storage
from .recording_events import async_fire_recording_event
from .recordings import RecordingsManager
from .review_events import OpenEvents, async_load_texts
from .review_views import HlsPlaylistView, HlsSegmentView
from .segment_thumbnails import SegmentThumbnailView
from .services import async_setup_services
from .share_actions import ShareView
from .views import RecordingView, ThumbnailView

_LOGGER = logging.getLogger(__name__)

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
_PERMANENT_STORAGE_PROBLEMS = {StorageProblem.NOT_ABSOLUTE, StorageProblem.NOT_A_DIRECTORY}


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register heldar.trigger and the recordings views once, before any hub loads."""
    async_setup_services(hass)
    hass.http.register_view(RecordingView())
    hass.http.register_view(ThumbnailView())
    hass.http.register_view(HlsPlaylistView())
    hass.http.register_view(HlsSegmentView())
    hass.http.register_view(SegmentThumbnailView())
    scrub_previews.async_setup(hass)
    await share.async_setup(hass)
    hass.http.register_view(ShareView())
    review_api.async_setup(hass)
    OpenEvents.get(hass)
    await async_load_texts(hass)
    await async_register_card(hass)
    return True


def local_roots(hass: HomeAssistant) -> tuple[Path, ...]:
    """Return the folders inside which a missing storage directory may be created."""
    return (Path(hass.config.config_dir), *(Path(p) for p in hass.config.media_dirs.values()))


async def async_setup_entry(hass: HomeAssistant, entry: HeldarConfigEntry) -> bool:
    """Start a recorder for every camera of the hub."""
    storage = Path(entry.data[CONF_STORAGE_DIR])
    problem = await hass.async_add_executor_job(
        lambda: check_storage(storage, create_within=local_roots(hass))
    )
    if problem is not None:
        # A relative path or a file never turns into a usable folder: retrying forever would
        # hide the mistake. A missing or unwritable one is typically a NAS not mounted yet
        # at boot: HA retries with backoff.
        error = ConfigEntryError if problem in _PERMANENT_STORAGE_PROBLEMS else ConfigEntryNotReady
        raise error(
            translation_domain=DOMAIN,
            translation_key=str(problem),
            translation_placeholders={"path": str(storage)},
        )

    binary = get_ffmpeg_manager(hass).binary
    manager = RecorderManager(
        binary,
        task_factory=lambda coro, name: entry.async_create_background_task(hass, coro, name),
    )
    mirror_dir = str(entry.data.get(CONF_MIRROR_DIR) or "").strip()
    recordings = RecordingsManager(
        hass,
        entry.entry_id,
        storage,
        min_free_gb=float(entry.data.get(CONF_MIN_FREE_GB, DEFAULT_MIN_FREE_GB)),
        mirror=Mirror(
            Path(mirror_dir),
            float(entry.data.get(CONF_MIRROR_RETENTION_HOURS, DEFAULT_MIRROR_RETENTION_HOURS)),
        )
        if mirror_dir
        else None,
    )
    data = HeldarData(
        hass,
        storage,
        manager,
        recordings,
        on_event=lambda camera, event, phase: async_fire_recording_event(
            hass, camera_ref.of(data, camera), event, phase
        ),
    )
    data.hub_settings = dict(entry.data)
    data.previews = PreviewMaker(
        binary, task_factory=lambda coro, name: entry.async_create_background_task(hass, coro, name)
    )
    data.issues = IssueTracker(hass, entry.entry_id, str(storage))
    data.issues.async_check_ffmpeg(binary, await ffmpeg_version(binary))
    data.async_add_status_listener(data.issues.async_camera_changed)
    entry.runtime_data = data
    ffprobe = await hass.async_add_executor_job(find_ffprobe, binary)
    data.ffprobe = ffprobe
    for subentry_id, subentry in entry.subentries.items():
        if subentry.subentry_type == SUBENTRY_CAMERA:
            config = CameraConfig.from_subentry(subentry)
            camera = CameraHandle(hass, subentry_id, config, storage, ffprobe)
            data.cameras[subentry_id] = camera
            # No join runs yet: what a cut-short export or clip join left can go.
            await hass.async_add_executor_job(sweep_leftovers, camera.output_dir)
            await data.async_start_camera(camera)
    recordings.async_start()

    @callback
    def _async_time_zone_may_have_changed(_event: Event) -> None:
        for camera in data.cameras.values():
            camera.async_reevaluate_schedule()

    # HA cancels background tasks before it fires the stop event; a shutdown job runs first,
    # so every FFmpeg gets to finish its segment.
    entry.async_on_unload(hass.async_add_shutdown_job(HassJob(data.async_stop_all)))
    entry.async_on_unload(
        hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, _async_time_zone_may_have_changed)
    )
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: HeldarConfigEntry) -> bool:
    """Stop every recorder gracefully and unload the entities."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.async_stop_all()
    return unloaded


async def _async_update_listener(hass: HomeAssistant, entry: HeldarConfigEntry) -> None:
    """Apply hub and camera changes, restarting only the cameras whose recording changed."""
    data = entry.runtime_data
    if entry.data != data.hub_settings:
        # Storage, floor or mirror changed: every camera is affected, so reload the hub.
        hass.config_entries.async_schedule_reload(entry.entry_id)
        return
    async with data.update_lock:
        current = {
            subentry_id: subentry
            for subentry_id, subentry in entry.subentries.items()
            if subentry.subentry_type == SUBENTRY_CAMERA
        }
        for subentry_id in set(data.cameras) - set(current):
            await data.async_stop_camera(data.cameras.pop(subentry_id))
        for subentry_id, subentry in current.items():
            config = CameraConfig.from_subentry(subentry)
            camera = data.cameras.get(subentry_id)
            if camera is None:
                camera = CameraHandle(hass, subentry_id, config, data.storage, data.ffprobe)
                data.cameras[subentry_id] = camera
                await data.async_start_camera(camera)
                async_dispatcher_send(hass, SIGNAL_CAMERA_ADDED.format(entry.entry_id), camera)
                continue
            if config == camera.config:
                continue
            previous, camera.config = camera.config, config
            if config.name != previous.name:
                _rename_device(hass, entry.entry_id, subentry_id, config.name)
            if config.needs_restart_from(previous):
                _LOGGER.debug(
                    "Restarting the recorder of %s: its stream settings changed", config.name
                )
                await data.async_start_camera(camera)
            else:
                camera.async_apply_config()
            camera.async_config_changed()


def _rename_device(hass: HomeAssistant, entry_id: str, subentry_id: str, name: str) -> None:
    registry = dr.async_get(hass)
    if device := registry.async_get_device_by_identifier((DOMAIN, subentry_id), entry_id):
        registry.async_update_device(device.id, name=name)
