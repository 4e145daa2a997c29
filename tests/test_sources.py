"""Cameras Home Assistant already has: the entity flow, and recording from a camera entity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from homeassistant import config_entries
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    setup_test_component_platform,
)

from custom_components.heldar.const import (
    CONF_CAMERA_ENTITY,
    CONF_NAME,
    CONF_RECORD_AUDIO,
    CONF_SEGMENT_SECONDS,
    CONF_TRANSCODE_MJPEG,
    DOMAIN,
    SUBENTRY_CAMERA,
)

from .common import hub_entry, wait_for_state
from .media import RtspCamera, duration


class StreamCamera(Camera):
    """A camera entity of some other integration, whose stream Heldar records."""

    _attr_supported_features = CameraEntityFeature.STREAM

    def __init__(self, name: str, url: str | None) -> None:
        """Offer ``url`` as the stream (None: no stream)."""
        super().__init__()
        self._attr_name = name
        self._attr_unique_id = name
        self.url = url
        self.asked = 0

    async def stream_source(self) -> str | None:
        """Return the stream, counting how often Heldar asks."""
        self.asked += 1
        return self.url


async def add_cameras(hass: HomeAssistant, *cameras: StreamCamera) -> None:
    """Register camera entities through HA's camera integration."""
    setup_test_component_platform(hass, "camera", list(cameras))
    assert await async_setup_component(hass, "camera", {"camera": {"platform": "test"}})
    await hass.async_block_till_done()


def entity_camera(name: str, entity_id: str) -> object:
    """A camera subentry that records a camera entity."""
    from .common import camera_subentry  # noqa: PLC0415

    data = camera_subentry(name, "", camera_entity=entity_id)
    data["unique_id"] = entity_id
    return data


async def open_entity_form(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Open the Add camera flow and choose a Home Assistant camera."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "entity"}
    )
    assert result["step_id"] == "entity"
    return str(result["flow_id"])


@pytest.fixture
async def hub(hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path) -> MockConfigEntry:
    """A loaded hub and two camera entities, one without a stream."""
    await add_cameras(
        hass,
        StreamCamera("Porch", "rtsp://user:secret@porch.local/live"),
        StreamCamera("Doorbell", None),
    )
    entry = hub_entry(tmp_path)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


async def test_add_camera_entity(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A camera entity with a stream is added, named after the entity by default."""
    flow_id = await open_entity_form(hass, hub)
    fields = {
        CONF_CAMERA_ENTITY: "camera.porch",
        CONF_SEGMENT_SECONDS: 10,
        CONF_RECORD_AUDIO: False,
    }
    result = await hass.config_entries.subentries.async_configure(flow_id, fields)
    assert result["step_id"] == "recording"
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {"record_mode": "continuous"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Porch"
    assert result["data"][CONF_CAMERA_ENTITY] == "camera.porch"
    assert result["data"]["stream_url"] == ""
    assert result["data"]["password"] == ""  # the entity's own credentials are never stored
    subentry = next(s for s in hub.subentries.values() if s.title == "Porch")
    assert subentry.unique_id == "camera.porch"

    # The same entity cannot be added twice.
    flow_id = await open_entity_form(hass, hub)
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {**fields, CONF_NAME: "Again"}
    )
    assert result["errors"] == {CONF_CAMERA_ENTITY: "already_configured"}


@pytest.mark.parametrize(
    ("entity_id", "errors"),
    [
        ("camera.doorbell", {CONF_CAMERA_ENTITY: "no_stream"}),
        ("camera.nowhere", {CONF_CAMERA_ENTITY: "entity_missing"}),
    ],
)
async def test_entity_errors(
    hass: HomeAssistant, hub: MockConfigEntry, entity_id: str, errors: dict[str, str]
) -> None:
    """A missing entity or one without a stream is refused in the form."""
    flow_id = await open_entity_form(hass, hub)
    result = await hass.config_entries.subentries.async_configure(
        flow_id,
        {CONF_CAMERA_ENTITY: entity_id, CONF_SEGMENT_SECONDS: 10, CONF_RECORD_AUDIO: False},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors


async def test_unreachable_entity_stream(
    hass: HomeAssistant, hub: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entity's stream is tried like any other; the error never shows its password."""
    monkeypatch.setenv("HELDAR_FAKE_PROBE", "auth")
    flow_id = await open_entity_form(hass, hub)
    result = await hass.config_entries.subentries.async_configure(
        flow_id,
        {CONF_CAMERA_ENTITY: "camera.porch", CONF_SEGMENT_SECONDS: 10, CONF_RECORD_AUDIO: False},
    )
    # The login is the camera's own integration's to fix: the error says so, on the entity.
    assert result["errors"] == {CONF_CAMERA_ENTITY: "entity_invalid_auth"}
    assert "secret" not in str(result["description_placeholders"])  # FFmpeg's words: the log


async def test_heldar_cameras_are_not_offered(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Heldar's own live views are left out of the picker, and refused if passed anyway.

    Recording one would record its camera's stream a second time.
    """
    shown_before = await open_entity_form(hass, hub)  # before Heldar has a live view
    added = await hass.config_entries.subentries.async_init(
        (hub.entry_id, SUBENTRY_CAMERA), context={"source": config_entries.SOURCE_USER}
    )
    await hass.config_entries.subentries.async_configure(added["flow_id"], {"next_step_id": "url"})
    front = {CONF_NAME: "Front", "stream_url": "rtsp://front.local/live", "username": ""}
    await hass.config_entries.subentries.async_configure(added["flow_id"], front)
    added = await hass.config_entries.subentries.async_configure(
        added["flow_id"], {"record_mode": "continuous"}
    )
    assert added["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert er.async_get(hass).async_get("camera.front") is not None  # Heldar's live view

    # The form shown before it existed could not leave it out: the check refuses it.
    result = await hass.config_entries.subentries.async_configure(
        shown_before, {CONF_CAMERA_ENTITY: "camera.front", CONF_SEGMENT_SECONDS: 10}
    )
    assert result["errors"] == {CONF_CAMERA_ENTITY: "own_camera"}
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    text = texts[f"component.{DOMAIN}.config_subentries.camera.error.own_camera"]
    assert text.startswith("This is Heldar's own live view of a camera it already records")

    # A form shown now leaves it out of the picker, and refuses it if it is sent anyway.
    result = await hass.config_entries.subentries.async_init(
        (hub.entry_id, SUBENTRY_CAMERA), context={"source": config_entries.SOURCE_USER}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {"next_step_id": "entity"}
    )
    schema = result["data_schema"].schema  # type: ignore[union-attr]
    picker = next(value for key, value in schema.items() if str(key) == CONF_CAMERA_ENTITY)
    assert picker.config["exclude_entities"] == ["camera.front"]
    with pytest.raises(InvalidData):
        await hass.config_entries.subentries.async_configure(
            flow_id, {CONF_CAMERA_ENTITY: "camera.front", CONF_SEGMENT_SECONDS: 10}
        )
    result = await hass.config_entries.subentries.async_configure(
        flow_id, {CONF_CAMERA_ENTITY: "camera.porch", CONF_SEGMENT_SECONDS: 10}
    )
    assert result["step_id"] == "recording"  # another integration's camera is offered


async def test_vanished_entity_is_an_error_with_a_repair(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """A camera whose entity is gone shows error, explains it, and raises a repair issue."""
    await add_cameras(hass, StreamCamera("Porch", "rtsp://porch.local/live"))
    entry = hub_entry(tmp_path, entity_camera("Gone", "camera.gone"))  # type: ignore[arg-type]
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    state = await wait_for_state(hass, "sensor.gone_recorder_state", "error")
    assert "camera.gone is not available" in state.attributes["last_error"]
    subentry_id = next(iter(entry.subentries))
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"camera_source_{subentry_id}")
    assert issue is not None
    assert issue.translation_placeholders == {"camera": "Gone", "entity": "camera.gone"}
    await hass.config_entries.async_unload(entry.entry_id)


async def test_records_a_real_camera_entity(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
) -> None:
    """A real HA camera entity whose stream is the test RTSP server is recorded for real."""
    camera = rtsp_camera(user="admin", password="p@ss/w:rd%21")
    url = camera.url.replace("rtsp://", "rtsp://admin:p%40ss%2Fw%3Ard%2521@")
    porch = StreamCamera("Porch", url)
    await add_cameras(hass, porch)
    entry = hub_entry(tmp_path, entity_camera("Porch", "camera.porch"))  # type: ignore[arg-type]
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, "sensor.porch_recorder_state", "recording")
    asked = porch.asked
    async_files = sorted((tmp_path / "porch").glob("*.mp4"))
    assert async_files
    # Restart the stream: Heldar asks the entity again on every connection.
    camera.stop()
    await wait_for_state(hass, "sensor.porch_recorder_state", "offline")
    camera.start()
    await wait_for_state(hass, "sensor.porch_recorder_state", "recording", timeout=40)
    assert porch.asked > asked
    assert await hass.config_entries.async_unload(entry.entry_id)
    for path in sorted((tmp_path / "porch").glob("*.mp4")):
        assert duration(path) > 0
    for state in hass.states.async_all():
        assert "p@ss" not in str(state)


async def test_reconfigure_an_entity_camera(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Editing an entity camera's connection shows the entity form, not a URL form."""
    from custom_components.heldar.repairs import async_create_fix_flow  # noqa: PLC0415

    flow_id = await open_entity_form(hass, hub)
    fields = {
        CONF_CAMERA_ENTITY: "camera.porch",
        CONF_SEGMENT_SECONDS: 10,
        CONF_RECORD_AUDIO: False,
    }
    await hass.config_entries.subentries.async_configure(flow_id, fields)
    await hass.config_entries.subentries.async_configure(flow_id, {"record_mode": "continuous"})
    porch = next(s for s in hub.subentries.values() if s.title == "Porch")
    result = await hub.start_subentry_reconfigure_flow(hass, porch.subentry_id)
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "connection"}
    )
    assert result["step_id"] == "connection"
    assert [str(key) for key in result["data_schema"].schema] == [
        CONF_NAME,
        CONF_CAMERA_ENTITY,
        CONF_SEGMENT_SECONDS,
        CONF_RECORD_AUDIO,
        CONF_TRANSCODE_MJPEG,
    ]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {**fields, CONF_NAME: "Porch", CONF_SEGMENT_SECONDS: 20}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": "save"}
    )
    assert result["reason"] == "reconfigure_restarted"  # a new segment length
    assert hub.subentries[porch.subentry_id].data[CONF_SEGMENT_SECONDS] == 20
    assert hub.subentries[porch.subentry_id].unique_id == "camera.porch"

    # A fix flow for a camera that was deleted meanwhile, or for any other issue.
    hass.config_entries.async_remove_subentry(hub, porch.subentry_id)
    flow = await async_create_fix_flow(
        hass,
        f"camera_auth_{porch.subentry_id}",
        {"entry_id": hub.entry_id, "subentry_id": porch.subentry_id},
    )
    flow.hass = hass
    result = await flow.async_step_init()
    assert result["reason"] == "camera_removed"
    assert type(await async_create_fix_flow(hass, "other", None)).__name__ == "ConfirmRepairFlow"
