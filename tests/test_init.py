"""Setting up, changing and unloading the hub, with the fake FFmpeg for speed."""

from __future__ import annotations

from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest

from custom_components.heldar.const import CONF_RECORD_ENABLED, CONF_SEGMENT_SECONDS, DOMAIN
from custom_components.heldar.data import HeldarData

from .common import camera_subentry, hub_entry, wait_for_state
from .media import pid_alive, processes_with
from .recorder.helpers import fake_signals

FRONT = "sensor.front_recorder_state"
BACK = "sensor.back_recorder_state"


def recorder_pid(hass: HomeAssistant, entity_id: str) -> int:
    """Return the pid behind a camera from the fake's process list."""
    state = hass.states.get(entity_id)
    assert state is not None
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    data: HeldarData = entry.runtime_data
    for camera in data.cameras.values():
        if camera.status and f"sensor.{camera.config.slug}_recorder_state" == entity_id:
            assert camera.status.pid is not None
            return camera.status.pid
    msg = f"no camera behind {entity_id}"
    raise AssertionError(msg)


@pytest.fixture
async def two_cameras(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> tuple[Path, object]:
    """Set up a hub with two cameras, both recording."""
    storage = tmp_path / "recordings"
    storage.mkdir()
    entry = hub_entry(
        storage,
        camera_subentry("Front", "rtsp://front.local/s"),
        camera_subentry("Back", "rtsp://back.local/s"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, FRONT, "recording")
    await wait_for_state(hass, BACK, "recording")
    return storage, entry


async def test_entities_and_unload(
    hass: HomeAssistant, two_cameras: tuple[Path, object], tmp_path: Path
) -> None:
    """Each camera gets its device and entities; unloading stops every FFmpeg."""
    storage, entry = two_cameras
    assert hass.states.get("switch.front_recording_enabled").state == STATE_ON  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.front_recording_now").state == STATE_ON  # type: ignore[union-attr]
    sensor = hass.states.get(FRONT)
    assert sensor is not None
    assert sensor.attributes["reconnects"] == 0
    assert sensor.attributes["options"] == [
        "connecting",
        "recording",
        "offline",
        "error",
        "disabled",
        "idle",
    ]
    await wait_for_state(hass, FRONT, lambda s: s.attributes.get("last_segment") is not None)
    assert (storage / "front").is_dir()
    assert (storage / "back").is_dir()

    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)  # type: ignore[attr-defined]
    assert sorted(device.name for device in devices) == ["Back", "Front", "Heldar"]

    pids = [recorder_pid(hass, FRONT), recorder_pid(hass, BACK)]
    assert await hass.config_entries.async_unload(entry.entry_id)  # type: ignore[attr-defined]
    assert entry.state is ConfigEntryState.NOT_LOADED  # type: ignore[attr-defined]
    assert not any(pid_alive(pid) for pid in pids)
    assert processes_with(str(storage)) == []
    assert hass.states.get(FRONT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]


async def test_switch_pauses_only_that_camera(
    hass: HomeAssistant, two_cameras: tuple[Path, object]
) -> None:
    """The Recording switch stops FFmpeg, shows disabled, persists, and resumes."""
    _, entry = two_cameras
    back_pid = recorder_pid(hass, BACK)
    front_pid = recorder_pid(hass, FRONT)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.front_recording_enabled"}, blocking=True
    )
    await wait_for_state(hass, FRONT, "disabled")
    assert hass.states.get("switch.front_recording_enabled").state == STATE_OFF  # type: ignore[union-attr]
    assert hass.states.get("binary_sensor.front_recording_now").state == STATE_OFF  # type: ignore[union-attr]
    assert not pid_alive(front_pid)
    subentry = next(s for s in entry.subentries.values() if s.title == "Front")  # type: ignore[attr-defined]
    assert subentry.data[CONF_RECORD_ENABLED] is False

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": "switch.front_recording_enabled"}, blocking=True
    )
    await wait_for_state(hass, FRONT, "recording")
    assert recorder_pid(hass, BACK) == back_pid


async def test_subentry_changes_touch_only_that_camera(
    hass: HomeAssistant, two_cameras: tuple[Path, object]
) -> None:
    """Editing restarts one recorder; renaming restarts none; removing stops one."""
    _, entry = two_cameras
    front = next(s for s in entry.subentries.values() if s.title == "Front")  # type: ignore[attr-defined]
    back_pid = recorder_pid(hass, BACK)
    front_pid = recorder_pid(hass, FRONT)

    hass.config_entries.async_update_subentry(
        entry,  # type: ignore[arg-type]
        front,
        data={**front.data, CONF_SEGMENT_SECONDS: 3},
    )
    await wait_for_state(hass, FRONT, "recording")
    await wait_for_state(hass, FRONT, lambda _: recorder_pid(hass, FRONT) != front_pid)
    assert not pid_alive(front_pid)
    assert recorder_pid(hass, BACK) == back_pid

    new_front_pid = recorder_pid(hass, FRONT)
    hass.config_entries.async_update_subentry(
        entry,  # type: ignore[arg-type]
        front,
        title="Front door",
        data={**front.data, "name": "Front door"},
    )
    await hass.async_block_till_done()
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, front.subentry_id),
        entry.entry_id,  # type: ignore[attr-defined]
    )
    assert device is not None
    assert device.name == "Front door"
    assert recorder_pid(hass, FRONT) == new_front_pid

    hass.config_entries.async_remove_subentry(entry, front.subentry_id)  # type: ignore[arg-type]
    await hass.async_block_till_done()
    assert not pid_alive(new_front_pid)
    assert hass.states.get(FRONT) is None
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, front.subentry_id),
            entry.entry_id,  # type: ignore[attr-defined]
        )
        is None
    )
    assert er.async_get(hass).async_get(FRONT) is None
    assert recorder_pid(hass, BACK) == back_pid


async def test_camera_added_at_runtime(
    hass: HomeAssistant, two_cameras: tuple[Path, object]
) -> None:
    """A new camera subentry gets entities and a recorder without reloading the hub."""
    storage, entry = two_cameras
    back_pid = recorder_pid(hass, BACK)
    from types import MappingProxyType  # noqa: PLC0415

    from homeassistant.config_entries import ConfigSubentry  # noqa: PLC0415

    garage = camera_subentry("Garage", "rtsp://garage.local/s")
    hass.config_entries.async_add_subentry(
        entry,  # type: ignore[arg-type]
        ConfigSubentry(
            data=MappingProxyType(garage["data"]),
            subentry_type=garage["subentry_type"],
            title=garage["title"],
            unique_id=garage["unique_id"],
        ),
    )
    await wait_for_state(hass, "sensor.garage_recorder_state", "recording")
    assert (storage / "garage").is_dir()
    assert recorder_pid(hass, BACK) == back_pid


async def test_storage_missing_retries(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """A storage directory that is not there (NAS not mounted yet) means retry, not fail."""
    entry = hub_entry(tmp_path / "nas" / "heldar", camera_subentry("Front", "rtsp://f/s"))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert "does not exist" in str(entry.reason)
    assert not (tmp_path / "nas").exists()


@pytest.mark.parametrize(
    ("storage", "reason"),
    [("relative/heldar", "not an absolute path"), ("a-file", "is not a directory")],
)
async def test_storage_that_can_never_work_fails(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path, storage: str, reason: str
) -> None:
    """A relative path or a file is a mistake retrying cannot fix: the entry fails for good."""
    (tmp_path / "a-file").write_text("not a folder")
    path = storage if storage.startswith("relative") else str(tmp_path / storage)
    entry = hub_entry(Path(path), camera_subentry("Front", "rtsp://f/s"))
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert reason in str(entry.reason)


async def test_storage_change_reloads(
    hass: HomeAssistant, two_cameras: tuple[Path, object], tmp_path: Path
) -> None:
    """Moving the storage directory reloads the hub, which then records there."""
    _, entry = two_cameras
    moved = tmp_path / "moved"
    moved.mkdir()
    hass.config_entries.async_update_entry(entry, data={"storage_dir": str(moved)})  # type: ignore[arg-type]
    await hass.async_block_till_done()
    await wait_for_state(hass, FRONT, "recording")
    assert (moved / "front").is_dir()


async def test_home_assistant_stop_stops_ffmpeg(
    hass: HomeAssistant, two_cameras: tuple[Path, object], tmp_path: Path
) -> None:
    """On HA stop, the shutdown job stops every FFmpeg before background tasks are cancelled."""
    storage, _ = two_cameras
    pids = [recorder_pid(hass, FRONT), recorder_pid(hass, BACK)]
    await hass.async_stop()
    assert not any(pid_alive(pid) for pid in pids)
    assert processes_with(str(storage)) == []
    # Each FFmpeg was asked to finish (SIGINT), not killed by a cancelled task.
    received = fake_signals(tmp_path / "fake_ffmpeg.log")
    assert all(received.get(pid) == ["SIGINT"] for pid in pids)
