"""The hub and camera config flows, every path (the fake FFmpeg answers the stream probe)."""

from __future__ import annotations

from collections.abc import Callable
import logging
from pathlib import Path
from typing import Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar import camera_checks
from custom_components.heldar.const import (
    CONF_ACTIVITY_SENSITIVITY,
    CONF_ALL_DAY,
    CONF_CONTINUOUS_STREAM,
    CONF_DAYS,
    CONF_ENABLED,
    CONF_END,
    CONF_EVENT_RETENTION_HOURS,
    CONF_IDLE_RETENTION_HOURS,
    CONF_MIN_FREE_GB,
    CONF_MIRROR_DIR,
    CONF_MIRROR_RETENTION_HOURS,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_QUOTA_GB,
    CONF_RECORD_AUDIO,
    CONF_RECORD_ENABLED,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SCHEDULES,
    CONF_SEGMENT_SECONDS,
    CONF_SLUG,
    CONF_START,
    CONF_STORAGE_DIR,
    CONF_STREAM_URL,
    CONF_SUB_STREAM_URL,
    CONF_TRANSCODE_MJPEG,
    CONF_USERNAME,
    DOMAIN,
    SUBENTRY_CAMERA,
)

from .common import camera_subentry, hub_entry
from .media import RtspCamera, closed_port, silent_port
from .recorder.helpers import fake_starts

CAMERA_INPUT = {
    CONF_NAME: "Front door",
    CONF_STREAM_URL: "rtsp://front.local:554/live",
    CONF_USERNAME: "admin",
    CONF_PASSWORD: "p@ss/w:rd%21",
    CONF_SEGMENT_SECONDS: 30.0,
    CONF_RECORD_AUDIO: False,
}


@pytest.fixture
def ha_dirs(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Point HA's config and media folders at the test's own directory."""
    return use_test_dirs(hass, tmp_path)


def use_test_dirs(hass: HomeAssistant, tmp_path: Path) -> Path:
    """Point HA's config and media folders at ``tmp_path``."""
    hass.config.config_dir = str(tmp_path / "config")
    hass.config.media_dirs = {"local": str(tmp_path / "media")}
    return tmp_path


# -- the hub ----------------------------------------------------------------------------


async def test_hub_default_storage_is_created(hass: HomeAssistant, ha_dirs: Path) -> None:
    """The default is a heldar folder in HA's media directory, created when missing."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    default = str(ha_dirs / "media" / "heldar")
    schema_default = result["data_schema"].schema  # type: ignore[union-attr]
    assert any(key.description == {"suggested_value": default} for key in schema_default)

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: default}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Heldar"
    assert result["data"] == {
        CONF_STORAGE_DIR: default,
        CONF_MIN_FREE_GB: 5.0,
        CONF_MIRROR_DIR: "",
        CONF_MIRROR_RETENTION_HOURS: 168.0,
    }
    assert Path(default).is_dir()


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (lambda _: "relative/folder", "storage_not_absolute"),
        (lambda tmp: str(tmp / "nas" / "heldar"), "storage_missing"),
        (lambda tmp: str(tmp / "file.txt"), "storage_not_directory"),
        # /sys refuses new files even to root, so this holds wherever the tests run.
        (lambda _: "/sys", "storage_not_writable"),
        (lambda tmp: str(tmp / "media" / "under-a-file" / "x"), "storage_not_writable"),
    ],
)
async def test_hub_storage_errors_keep_the_input(
    hass: HomeAssistant, ha_dirs: Path, path: Callable[[Path], str], error: str
) -> None:
    """Each storage problem is a translated form error, and the typed path is kept."""
    (ha_dirs / "file.txt").write_text("x")
    (ha_dirs / "media").mkdir()
    (ha_dirs / "media" / "under-a-file").write_text("x")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    typed = path(ha_dirs)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: typed}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_STORAGE_DIR: error}
    keys = result["data_schema"].schema  # type: ignore[union-attr]
    assert any(key.description == {"suggested_value": typed} for key in keys)


async def test_hub_reconfigure(hass: HomeAssistant, ha_dirs: Path, fake_ffmpeg_hass: Path) -> None:
    """The storage directory can be changed; a bad one is refused first."""
    old = ha_dirs / "old"
    old.mkdir()
    entry = hub_entry(old)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: str(ha_dirs / "absent")}
    )
    assert result["errors"] == {CONF_STORAGE_DIR: "storage_missing"}
    new = ha_dirs / "new"
    new.mkdir()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: str(new)}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_STORAGE_DIR] == str(new)
    assert entry.state is ConfigEntryState.LOADED


async def test_hub_mirror_settings(hass: HomeAssistant, ha_dirs: Path) -> None:
    """The mirror must be another directory that already exists; then it is stored."""
    storage = ha_dirs / "media" / "heldar"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    base = {CONF_STORAGE_DIR: str(storage), CONF_MIN_FREE_GB: 10, "mirror_retention": {"days": 2}}
    for mirror, error in (
        (str(storage), "mirror_same_as_storage"),
        ("/mnt/nas", "storage_missing"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {**base, CONF_MIRROR_DIR: mirror}
        )
        assert result["errors"] == {CONF_MIRROR_DIR: error}
    nas = ha_dirs / "nas"
    nas.mkdir()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, CONF_MIRROR_DIR: f" {nas} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_STORAGE_DIR: str(storage),
        CONF_MIN_FREE_GB: 10.0,
        CONF_MIRROR_DIR: str(nas),
        CONF_MIRROR_RETENTION_HOURS: 48.0,
    }
    assert not (ha_dirs / "mnt").exists()


async def test_hub_mirror_retention_in_days(
    hass: HomeAssistant, ha_dirs: Path, fake_ffmpeg_hass: Path
) -> None:
    """The mirror's retention is a duration with days, shown back as one, and never zero."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    defaults = {str(k): k.default() for k in result["data_schema"].schema if callable(k.default)}
    assert defaults["mirror_retention"] == {"days": 7, "hours": 0, "minutes": 0}
    storage = str(ha_dirs / "media" / "heldar")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: storage, "mirror_retention": {"minutes": 0}}
    )
    assert result["errors"] == {"mirror_retention": "retention_required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_STORAGE_DIR: storage, "mirror_retention": {"days": 1, "hours": 6}}
    )
    assert result["data"][CONF_MIRROR_RETENTION_HOURS] == 30.0
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )
    shown = {str(key): key.description for key in result["data_schema"].schema}
    assert shown["mirror_retention"] == {"suggested_value": {"days": 1, "hours": 6, "minutes": 0}}


async def test_hub_single_instance(hass: HomeAssistant, ha_dirs: Path) -> None:
    """Heldar is set up once; cameras are added to that one hub."""
    MockConfigEntry(domain=DOMAIN, data={CONF_STORAGE_DIR: str(ha_dirs)}).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "single_instance_allowed"


# -- cameras ----------------------------------------------------------------------------


@pytest.fixture
async def hub(hass: HomeAssistant, ha_dirs: Path, fake_ffmpeg_hass: Path) -> MockConfigEntry:
    """A loaded hub with one camera already configured."""
    return await load_hub(hass, ha_dirs)


async def load_hub(hass: HomeAssistant, ha_dirs: Path) -> MockConfigEntry:
    """Load a hub with one camera, Back, already configured."""
    storage = ha_dirs / "recordings"
    storage.mkdir()
    entry = hub_entry(storage, camera_subentry("Back", "rtsp://back.local/s"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    return entry


async def start_camera_flow(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str = "url"
) -> dict[str, Any]:
    """Open the Add camera menu and choose the stream URL (or camera entity) form."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, SUBENTRY_CAMERA), context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["url", "entity"]
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], {"next_step_id": kind}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == kind
    return dict(result)


async def configure(
    hass: HomeAssistant, flow_id: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Submit one step of a camera flow."""
    return dict(await hass.config_entries.subentries.async_configure(flow_id, data))


async def menu(hass: HomeAssistant, flow_id: str, option: str) -> dict[str, Any]:
    """Pick a menu option."""
    return await configure(hass, flow_id, {"next_step_id": option})


def suggested(result: dict[str, Any]) -> dict[str, Any]:
    """Return the values a form shows."""
    return {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description
    }


async def add_camera(
    hass: HomeAssistant, entry: MockConfigEntry, connection: dict[str, Any], **recording: object
) -> dict[str, Any]:
    """Walk the add flow for a continuous (or given-mode, schedule-free) camera.

    Keys of the event form (the rolls, event retention) go to that form in the event modes.
    """
    result = await start_camera_flow(hass, entry)
    result = await configure(hass, result["flow_id"], connection)
    assert result["step_id"] == "recording", result.get("errors")
    events = {k: recording.pop(k) for k in EVENT_KEYS if k in recording}
    result = await configure(
        hass, result["flow_id"], {CONF_RECORD_MODE: "continuous", CONF_QUOTA_GB: 0, **recording}
    )
    if result.get("step_id") == "events":
        result = await configure(hass, result["flow_id"], events)
    return result


EVENT_KEYS = (CONF_PRE_ROLL_SECONDS, CONF_POST_ROLL_SECONDS, "event_retention")


async def test_add_camera(hass: HomeAssistant, hub: MockConfigEntry, tmp_path: Path) -> None:
    """A reachable camera is saved with its credentials apart from the URL, and records."""
    result = await add_camera(hass, hub, CAMERA_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Front door"
    subentry = next(s for s in hub.subentries.values() if s.title == "Front door")
    assert subentry.unique_id == "rtsp://front.local:554/live"
    assert subentry.data == {
        CONF_NAME: "Front door",
        CONF_STREAM_URL: "rtsp://front.local:554/live",
        CONF_USERNAME: "admin",
        CONF_PASSWORD: "p@ss/w:rd%21",
        CONF_SEGMENT_SECONDS: 30,
        CONF_RECORD_AUDIO: False,
        CONF_TRANSCODE_MJPEG: True,
        CONF_SLUG: "front_door",
        CONF_RECORD_ENABLED: True,
        CONF_RECORD_MODE: "continuous",
        CONF_SCHEDULES: [],
        CONF_POST_ROLL_SECONDS: 30,
        CONF_PRE_ROLL_SECONDS: 10,
        CONF_RETENTION_HOURS: 168.0,
        CONF_EVENT_RETENTION_HOURS: 720.0,
        CONF_QUOTA_GB: 0.0,
        CONF_IDLE_RETENTION_HOURS: 0.0,
        CONF_ACTIVITY_SENSITIVITY: 50,
        CONF_SUB_STREAM_URL: "",
        CONF_CONTINUOUS_STREAM: "sub",
    }
    # The flow's probe (it copies one packet to nowhere), not a recorder starting meanwhile.
    probes = [s["argv"] for s in fake_starts(tmp_path / "fake_ffmpeg.log") if "null" in s["argv"]]
    probe = probes[-1]
    assert isinstance(probe, list)
    assert "rtsp://admin:p%40ss%2Fw%3Ard%2521@front.local:554/live" in probe


async def test_add_event_camera(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """An event camera skips the schedule editor and keeps its roll lengths."""
    result = await add_camera(
        hass,
        hub,
        CAMERA_INPUT,
        **{CONF_RECORD_MODE: "event", CONF_POST_ROLL_SECONDS: 90, CONF_PRE_ROLL_SECONDS: 0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_RECORD_MODE] == "event"
    assert result["data"][CONF_POST_ROLL_SECONDS] == 90
    assert result["data"][CONF_PRE_ROLL_SECONDS] == 0


async def test_credentials_in_the_url_move_to_the_fields(
    hass: HomeAssistant, hub: MockConfigEntry
) -> None:
    """user:pass@ typed into the URL is split out, so the stored URL holds no secret."""
    result = await add_camera(
        hass,
        hub,
        {
            **CAMERA_INPUT,
            CONF_STREAM_URL: "rtsp://bob:s%40cret@Front.local/live",
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_STREAM_URL] == "rtsp://front.local/live"
    assert result["data"][CONF_USERNAME] == "bob"
    assert result["data"][CONF_PASSWORD] == "s@cret"


async def test_no_username_means_no_password(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A password without a username is not stored."""
    result = await add_camera(hass, hub, {**CAMERA_INPUT, CONF_USERNAME: ""})
    assert result["data"][CONF_PASSWORD] == ""


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({CONF_NAME: "   "}, {CONF_NAME: "name_required"}),
        ({CONF_STREAM_URL: "ftp://front.local/x"}, {CONF_STREAM_URL: "invalid_url"}),
        ({CONF_STREAM_URL: "rtsp://front.local/with space"}, {CONF_STREAM_URL: "invalid_url"}),
        ({CONF_STREAM_URL: "RTSP://BACK.local/s"}, {CONF_STREAM_URL: "already_configured"}),
    ],
)
async def test_camera_input_errors(
    hass: HomeAssistant, hub: MockConfigEntry, change: dict[str, str], errors: dict[str, str]
) -> None:
    """Bad input is refused in the form, the typed values kept, the password never echoed."""
    result = await start_camera_flow(hass, hub)
    typed = {**CAMERA_INPUT, **change}
    result = await configure(hass, result["flow_id"], typed)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    shown = suggested(result)
    assert shown[CONF_STREAM_URL] == typed[CONF_STREAM_URL]
    assert CONF_PASSWORD not in shown


@pytest.mark.parametrize(
    ("probe", "errors", "said"),
    [
        ("auth", {CONF_PASSWORD: "invalid_auth"}, "401 Unauthorized"),
        ("refused", {CONF_STREAM_URL: "refused"}, "Connection refused"),
        ("not_found", {CONF_STREAM_URL: "not_found"}, "404 Not Found"),
        ("fail", {CONF_STREAM_URL: "cannot_connect"}, "Invalid data found"),
    ],
)
async def test_stream_probe_errors(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    probe: str,
    errors: dict[str, str],
    said: str,
) -> None:
    """The stream is tried first; each failure is its own error on the field to fix."""
    caplog.set_level(logging.DEBUG, logger="custom_components.heldar")
    monkeypatch.setenv("HELDAR_FAKE_PROBE", probe)
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    assert result["errors"] == errors
    assert result["description_placeholders"] == {"camera": ""}
    logged = [r.getMessage() for r in caplog.records if r.message.startswith("Trying ")]
    assert logged
    assert said in logged[-1]  # FFmpeg's own words go to the log
    assert "secret" not in caplog.text

    # Fixed on the camera side: submitting again with the password left empty reuses it.
    monkeypatch.setenv("HELDAR_FAKE_PROBE", "ok")
    result = await configure(hass, result["flow_id"], {**CAMERA_INPUT, CONF_PASSWORD: ""})
    assert result["step_id"] == "recording"
    result = await configure(hass, result["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == CAMERA_INPUT[CONF_PASSWORD]


async def test_ffmpeg_missing(hass: HomeAssistant, ha_dirs: Path) -> None:
    """Without a working FFmpeg the camera form says so."""
    assert await async_setup_component(
        hass, "ffmpeg", {"ffmpeg": {"ffmpeg_bin": str(ha_dirs / "no-ffmpeg")}}
    )
    storage = ha_dirs / "rec"
    storage.mkdir()
    entry = hub_entry(storage)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    result = await start_camera_flow(hass, entry)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    assert result["errors"] == {"base": "ffmpeg_missing"}


async def test_slugs_stay_unique(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Two cameras with names that slugify alike get different folders."""
    result = await add_camera(hass, hub, {**CAMERA_INPUT, CONF_NAME: "Back!"})
    assert result["data"][CONF_SLUG] == "back_2"
    result = await add_camera(
        hass, hub, {**CAMERA_INPUT, CONF_NAME: "???", CONF_STREAM_URL: "rtsp://x.local/s"}
    )
    assert result["data"][CONF_SLUG] == "unknown"  # what HA's slugify makes of no letters


# -- the schedule editor -------------------------------------------------------------------


async def test_schedule_editor(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Add, reject, edit and remove windows, then save a scheduled camera."""
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    flow_id = result["flow_id"]
    result = await configure(
        hass,
        flow_id,
        {CONF_RECORD_MODE: "scheduled"},
    )
    # A new schedule is empty: its own text says so and what that means, with the time zone.
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "schedule_empty"
    assert result["menu_options"] == ["add_window", "schedule_done"]
    assert result["description_placeholders"] == {"time_zone": "US/Pacific"}

    result = await menu(hass, flow_id, "add_window")
    assert result["step_id"] == "add_window"
    assert result["description_placeholders"] == {"time_zone": "US/Pacific"}
    for bad, errors in (
        (
            {CONF_DAYS: [], CONF_START: "08:00:00", CONF_END: "17:00:00"},
            {CONF_DAYS: "days_required"},
        ),
        (
            {CONF_DAYS: ["0"], CONF_START: "08:00:00", CONF_END: "08:00:00"},
            {"base": "window_empty"},
        ),
        ({CONF_DAYS: ["0"], CONF_END: "08:00:00"}, {CONF_START: "time_required"}),
        ({CONF_DAYS: ["0"], CONF_START: "08:00:00"}, {CONF_END: "time_required"}),
    ):
        result = await configure(hass, flow_id, {CONF_ALL_DAY: False, CONF_ENABLED: True, **bad})
        assert result["errors"] == errors
        assert suggested(result)[CONF_DAYS] == bad[CONF_DAYS]  # the input is kept
    result = await configure(
        hass,
        flow_id,
        {
            CONF_DAYS: ["4", "0"],
            CONF_ALL_DAY: False,
            CONF_START: "22:00:00",
            CONF_END: "06:00:00",
            CONF_ENABLED: True,
        },
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "add_window",
        "edit_window",
        "remove_windows",
        "schedule_done",
    ]
    assert result["description_placeholders"]["windows"] == "1. Mon Fri 22:00-06:00 (next day)"

    result = await menu(hass, flow_id, "add_window")
    result = await configure(
        hass, flow_id, {CONF_DAYS: ["6"], CONF_ALL_DAY: True, CONF_ENABLED: True}
    )
    result = await menu(hass, flow_id, "add_window")
    result = await configure(
        hass,
        flow_id,
        {
            CONF_DAYS: ["2"],
            CONF_ALL_DAY: False,
            CONF_START: "12:00:00",
            CONF_END: "13:00:00",
            CONF_ENABLED: False,
        },
    )
    assert result["description_placeholders"]["windows"].splitlines() == [
        "1. Mon Fri 22:00-06:00 (next day)",
        "2. Sun all day",
        "3. Wed 12:00-13:00 (off)",
    ]

    result = await menu(hass, flow_id, "edit_window")
    result = await configure(hass, flow_id, {"window": "2"})
    assert result["step_id"] == "window"
    assert suggested(result) == {
        CONF_DAYS: ["2"],
        CONF_ALL_DAY: False,
        CONF_ENABLED: False,
        CONF_START: "12:00:00",
        CONF_END: "13:00:00",
    }
    result = await configure(
        hass,
        flow_id,
        {
            CONF_DAYS: ["2", "3"],
            CONF_ALL_DAY: False,
            CONF_START: "12:00:00",
            CONF_END: "13:30:00",
            CONF_ENABLED: True,
        },
    )
    result = await menu(hass, flow_id, "edit_window")
    result = await configure(hass, flow_id, {"window": "1"})
    assert suggested(result)[CONF_ALL_DAY] is True

    result = await configure(
        hass, flow_id, {CONF_DAYS: ["6"], CONF_ALL_DAY: True, CONF_ENABLED: True}
    )
    result = await menu(hass, flow_id, "remove_windows")
    result = await configure(hass, flow_id, {"windows": ["0"]})
    result = await menu(hass, flow_id, "schedule_done")
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_SCHEDULES] == [
        {CONF_DAYS: [6], CONF_START: "00:00", CONF_END: "24:00", CONF_ENABLED: True},
        {CONF_DAYS: [2, 3], CONF_START: "12:00", CONF_END: "13:30", CONF_ENABLED: True},
    ]


# -- editing a camera ----------------------------------------------------------------------


async def test_reconfigure_connection(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Editing keeps the password unless a new one is typed, and the folder never moves."""
    back = next(iter(hub.subentries.values()))
    hass.config_entries.async_update_subentry(
        hub, back, data={**back.data, CONF_USERNAME: "admin", CONF_PASSWORD: "old-secret"}
    )
    result = dict(await hub.start_subentry_reconfigure_flow(hass, back.subentry_id))
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["connection", "recording", "save"]
    flow_id = result["flow_id"]
    result = await menu(hass, flow_id, "connection")
    shown = suggested(result)
    assert shown[CONF_STREAM_URL] == "rtsp://back.local/s"
    assert CONF_PASSWORD not in shown

    result = await configure(
        hass,
        flow_id,
        {
            CONF_NAME: "Back yard",
            CONF_STREAM_URL: "rtsp://back.local/s2",
            CONF_USERNAME: "admin",
            CONF_SEGMENT_SECONDS: 10,
            CONF_RECORD_AUDIO: True,
        },
    )
    assert result["type"] is FlowResultType.MENU
    result = await menu(hass, flow_id, "save")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_restarted"
    assert result["description_placeholders"] == {"camera": "Back yard"}
    back = hub.subentries[back.subentry_id]
    assert back.title == "Back yard"
    assert back.unique_id == "rtsp://back.local/s2"
    assert back.data[CONF_PASSWORD] == "old-secret"
    assert back.data[CONF_SLUG] == "back"
    assert back.data[CONF_RECORD_AUDIO] is True


async def test_reconfigure_mode_and_schedule(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Switching to scheduled opens the editor; the schedule entry appears in the menu."""
    back = next(iter(hub.subentries.values()))
    result = dict(await hub.start_subentry_reconfigure_flow(hass, back.subentry_id))
    flow_id = result["flow_id"]
    result = await menu(hass, flow_id, "recording")
    assert suggested(result)[CONF_RECORD_MODE] == "continuous"
    result = await configure(
        hass,
        flow_id,
        {CONF_RECORD_MODE: "scheduled_event"},
    )
    assert result["step_id"] == "events"
    assert suggested(result)[CONF_POST_ROLL_SECONDS] == 30  # the stored default
    result = await configure(
        hass,
        flow_id,
        {CONF_POST_ROLL_SECONDS: 5, CONF_PRE_ROLL_SECONDS: 10, "event_retention": {"days": 2}},
    )
    assert result["step_id"] == "schedule_empty"
    result = await menu(hass, flow_id, "add_window")
    result = await configure(
        hass, flow_id, {CONF_DAYS: ["0", "1"], CONF_ALL_DAY: True, CONF_ENABLED: True}
    )
    result = await menu(hass, flow_id, "schedule_done")
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["connection", "recording", "schedule", "save"]
    result = await menu(hass, flow_id, "schedule")
    assert result["description_placeholders"]["windows"] == "1. Mon Tue all day"
    result = await menu(hass, flow_id, "schedule_done")
    result = await menu(hass, flow_id, "save")
    # A new mode, post-roll and schedule need no new FFmpeg (the pre-roll stayed the same).
    assert result["reason"] == "reconfigure_applied"
    data = hub.subentries[back.subentry_id].data
    assert data[CONF_EVENT_RETENTION_HOURS] == 48.0
    assert data[CONF_RECORD_MODE] == "scheduled_event"
    assert data[CONF_POST_ROLL_SECONDS] == 5
    assert data[CONF_SCHEDULES] == [
        {CONF_DAYS: [0, 1], CONF_START: "00:00", CONF_END: "24:00", CONF_ENABLED: True}
    ]


async def test_reconfigure_to_a_taken_url(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A camera cannot be edited into a duplicate of another, but may keep its own URL."""
    await add_camera(hass, hub, CAMERA_INPUT)
    back = next(s for s in hub.subentries.values() if s.title == "Back")
    result = dict(await hub.start_subentry_reconfigure_flow(hass, back.subentry_id))
    flow_id = result["flow_id"]
    await menu(hass, flow_id, "connection")
    result = await configure(
        hass,
        flow_id,
        {**CAMERA_INPUT, CONF_NAME: "Back", CONF_STREAM_URL: CAMERA_INPUT[CONF_STREAM_URL]},
    )
    assert result["errors"] == {CONF_STREAM_URL: "already_configured"}
    result = await configure(
        hass, flow_id, {**CAMERA_INPUT, CONF_NAME: "Back", CONF_STREAM_URL: "rtsp://back.local/s"}
    )
    assert result["type"] is FlowResultType.MENU


async def test_real_camera_flow(
    hass: HomeAssistant,
    ha_dirs: Path,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against the real RTSP server each failure is its own error, on the field to fix.

    A wrong password, a wrong path, a closed port and a host that never answers; then the
    right login, typed once at the start, saves.
    """
    monkeypatch.setattr(camera_checks, "PROBE_TIMEOUT_SECONDS", 2.0)
    camera = rtsp_camera(user="admin", password="p@ss/w:rd%21")
    storage = ha_dirs / "rec"
    storage.mkdir()
    entry = hub_entry(storage)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    typed = {**CAMERA_INPUT, CONF_STREAM_URL: camera.url}
    result = await start_camera_flow(hass, entry)
    flow_id = result["flow_id"]
    result = await configure(hass, flow_id, {**typed, CONF_PASSWORD: "wrong"})
    assert result["errors"] == {CONF_PASSWORD: "invalid_auth"}
    result = await configure(hass, flow_id, typed)  # the right password, kept from here on
    assert result["step_id"] == "recording"

    result = await start_camera_flow(hass, entry)
    flow_id = result["flow_id"]
    with silent_port() as silent:
        for url, error in (
            (camera.url.replace("/stream", "/nosuch"), "not_found"),
            (f"rtsp://127.0.0.1:{closed_port()}/stream", "refused"),
            (f"rtsp://127.0.0.1:{silent}/stream", "timeout"),
        ):
            result = await configure(hass, flow_id, {**typed, CONF_STREAM_URL: url})
            assert result["errors"] == {CONF_STREAM_URL: error}, url
            assert suggested(result)[CONF_STREAM_URL] == url  # what was typed stays
    result = await configure(hass, flow_id, {**typed, CONF_PASSWORD: ""})
    assert result["step_id"] == "recording"  # the password typed first was kept
    await hass.config_entries.async_unload(entry.entry_id)


async def test_continuous_with_a_sub_stream_asks_for_events(
    hass: HomeAssistant, ha_dirs: Path, fake_ffmpeg_hass: Path
) -> None:
    """A continuous camera with a sub-stream records events on its other stream: ask how."""
    storage = ha_dirs / "recordings"
    storage.mkdir()
    camera = camera_subentry(
        "Gate", "rtsp://gate.local/main", **{CONF_SUB_STREAM_URL: "rtsp://gate.local/sub"}
    )
    entry = hub_entry(storage, camera)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    gate = next(iter(entry.subentries.values()))
    result = dict(await entry.start_subentry_reconfigure_flow(hass, gate.subentry_id))
    result = await menu(hass, result["flow_id"], "recording")
    result = await configure(hass, result["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert result["step_id"] == "events"


async def test_activity_options(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Sensitivity and the idle-footage limit are stored; an idle limit must be the shorter."""
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    assert result["step_id"] == "recording"
    form = {
        CONF_RECORD_MODE: "continuous",
        CONF_QUOTA_GB: 0,
        "retention": {"hours": 24},
        "activity_sensitivity": 70,
    }
    result = await configure(hass, result["flow_id"], {**form, "idle_retention": {"days": 1}})
    assert result["errors"] == {"idle_retention": "idle_retention_too_long"}
    result = await configure(
        hass,
        result["flow_id"],
        {**form, "idle_retention": {"hours": 6}, "activity_sensitivity": 70},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    subentry = next(s for s in hub.subentries.values() if s.title == "Front door")
    assert subentry.data[CONF_IDLE_RETENTION_HOURS] == 6.0
    assert subentry.data[CONF_ACTIVITY_SENSITIVITY] == 70
