"""What a new user reads in the camera flow: each text rendered as the frontend would show it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import (
    CONF_DAYS,
    CONF_NAME,
    CONF_PASSWORD,
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_MODE,
    CONF_RETENTION_HOURS,
    CONF_SLUG,
    CONF_STREAM_URL,
    DOMAIN,
)

from .test_config_flow import (
    CAMERA_INPUT,
    configure,
    load_hub,
    menu,
    start_camera_flow,
    suggested,
    use_test_dirs,
)

PREFIX = f"component.{DOMAIN}.config_subentries.camera."


@pytest.fixture
async def hub(hass: HomeAssistant, tmp_path: Path, fake_ffmpeg_hass: Path) -> MockConfigEntry:
    """A loaded hub with one camera, Back."""
    return await load_hub(hass, use_test_dirs(hass, tmp_path))


async def render(hass: HomeAssistant, key: str, result: dict[str, Any]) -> str:
    """Return the English text at ``key``, with the step's placeholders filled in."""
    texts = await async_get_translations(hass, "en", "config_subentries", [DOMAIN])
    return texts[PREFIX + key].format(**(result.get("description_placeholders") or {}))


async def error_texts(hass: HomeAssistant, result: dict[str, Any]) -> dict[str, str]:
    """Return the form's errors as the user reads them, by field."""
    return {
        field: await render(hass, f"error.{error}", result)
        for field, error in result["errors"].items()
    }


async def test_refused_login_shows_only_the_translated_error(
    hass: HomeAssistant,
    hub: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """FFmpeg's raw output stays off the form: it goes, masked, to the debug log."""
    caplog.set_level(logging.DEBUG, logger="custom_components.heldar")
    monkeypatch.setenv("HELDAR_FAKE_PROBE", "auth")
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    shown = [
        await render(hass, "step.url.description", result),
        *(await error_texts(hass, result)).values(),
    ]
    assert shown[1].startswith("The camera refused the username or password.")
    for text in shown:
        assert "401" not in text
        assert "rtsp" not in text
    assert "401 Unauthorized" in caplog.text
    assert "secret" not in caplog.text


async def test_each_stream_failure_says_what_to_check(
    hass: HomeAssistant, hub: MockConfigEntry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused connection, a wrong path and a refused login read differently, on their field."""
    shown: dict[str, dict[str, str]] = {}
    for probe in ("refused", "not_found", "auth"):
        monkeypatch.setenv("HELDAR_FAKE_PROBE", probe)
        result = await start_camera_flow(hass, hub)
        result = await configure(hass, result["flow_id"], CAMERA_INPUT)
        shown[probe] = await error_texts(hass, result)
    assert shown["refused"][CONF_STREAM_URL].startswith("Nothing at this address accepted")
    assert "host and the port" in shown["refused"][CONF_STREAM_URL]
    assert shown["not_found"][CONF_STREAM_URL].startswith("The camera answered, but has no stream")
    assert "path" in shown["not_found"][CONF_STREAM_URL]
    assert shown["auth"][CONF_PASSWORD].startswith("The camera refused the username or password")


async def test_duplicates_name_the_camera_that_has_it(
    hass: HomeAssistant, hub: MockConfigEntry
) -> None:
    """The same stream, or the same name, is refused with the other camera's name."""
    result = await start_camera_flow(hass, hub)
    result = await configure(
        hass, result["flow_id"], {**CAMERA_INPUT, CONF_STREAM_URL: "rtsp://BACK.local/s"}
    )
    assert await error_texts(hass, result) == {
        CONF_STREAM_URL: (
            "Back already records this stream. Each stream can be recorded once per Heldar."
        )
    }
    result = await configure(hass, result["flow_id"], {**CAMERA_INPUT, CONF_NAME: " back "})
    texts = await error_texts(hass, result)
    assert texts[CONF_NAME].startswith("Back already uses this name")


async def test_two_add_flows_with_one_name(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Two add flows that both passed the name check: the second is stopped before saving."""
    first = await start_camera_flow(hass, hub)
    second = await start_camera_flow(hass, hub)
    first = await configure(hass, first["flow_id"], CAMERA_INPUT)
    second = await configure(
        hass, second["flow_id"], {**CAMERA_INPUT, CONF_STREAM_URL: "rtsp://other.local/s"}
    )
    assert first["step_id"] == second["step_id"] == "recording"
    first = await configure(hass, first["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert first["type"] is FlowResultType.CREATE_ENTRY
    second = await configure(hass, second["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert second["type"] is FlowResultType.FORM
    assert second["step_id"] == "url"
    assert (await error_texts(hass, second))[CONF_NAME].startswith(
        "Front door already uses this name"
    )
    assert "password" not in suggested(second)

    second = await configure(
        hass,
        second["flow_id"],
        {**CAMERA_INPUT, CONF_NAME: "Side door", CONF_STREAM_URL: "rtsp://other.local/s"},
    )
    second = await configure(hass, second["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert second["type"] is FlowResultType.CREATE_ENTRY
    assert second["data"][CONF_SLUG] == "side_door"
    slugs = [sub.data[CONF_SLUG] for sub in hub.subentries.values()]
    assert sorted(slugs) == ["back", "front_door", "side_door"]


async def test_two_add_flows_with_one_stream(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """The same race on the stream URL ends on the URL field, naming the camera."""
    first = await start_camera_flow(hass, hub)
    second = await start_camera_flow(hass, hub)
    first = await configure(hass, first["flow_id"], CAMERA_INPUT)
    second = await configure(hass, second["flow_id"], {**CAMERA_INPUT, CONF_NAME: "Porch"})
    await configure(hass, first["flow_id"], {CONF_RECORD_MODE: "continuous"})
    second = await configure(hass, second["flow_id"], {CONF_RECORD_MODE: "continuous"})
    assert second["errors"] == {CONF_STREAM_URL: "already_configured"}
    assert (await error_texts(hass, second))[CONF_STREAM_URL].startswith("Front door already")


async def test_password_help_fits_each_case(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """A new camera's form does not talk of a password kept from before; editing does."""
    result = await start_camera_flow(hass, hub)
    new = await render(hass, "step.url.data_description.password", result)
    assert new.startswith("Stored in Home Assistant and never shown again.")
    assert "password you typed is kept" in new  # says when the empty field is fine
    back = next(iter(hub.subentries.values()))
    result = dict(await hub.start_subentry_reconfigure_flow(hass, back.subentry_id))
    result = await menu(hass, result["flow_id"], "connection")
    edit = await render(hass, "step.connection.data_description.password", result)
    assert edit.startswith("Leave empty to keep the current password")


@pytest.mark.parametrize(
    ("mode", "asks_rolls"),
    [("continuous", False), ("scheduled", False), ("event", True), ("scheduled_event", True)],
)
async def test_rolls_are_asked_only_where_they_apply(
    hass: HomeAssistant, hub: MockConfigEntry, mode: str, *, asks_rolls: bool
) -> None:
    """Pre-roll and post-roll only matter to triggers: the event modes ask on their own form."""
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    assert CONF_PRE_ROLL_SECONDS not in result["data_schema"].schema
    result = await configure(hass, result["flow_id"], {CONF_RECORD_MODE: mode})
    assert (result.get("step_id") == "events") is asks_rolls
    if asks_rolls:
        keys = {str(key) for key in result["data_schema"].schema}
        assert keys == {CONF_PRE_ROLL_SECONDS, CONF_POST_ROLL_SECONDS, "event_retention"}


async def test_retention_in_days(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """Retention is a duration with days; it is stored in hours and shown back in days."""
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    defaults = {str(k): k.default() for k in result["data_schema"].schema if callable(k.default)}
    assert defaults["retention"] == {"days": 7, "hours": 0, "minutes": 0}
    result = await configure(
        hass, result["flow_id"], {CONF_RECORD_MODE: "continuous", "retention": {"days": 0}}
    )
    assert result["errors"] == {"retention": "retention_required"}
    result = await configure(
        hass,
        result["flow_id"],
        {CONF_RECORD_MODE: "continuous", "retention": {"days": 3, "hours": 12}},
    )
    assert result["data"][CONF_RETENTION_HOURS] == 84.0
    front = next(s for s in hub.subentries.values() if s.title == "Front door")
    result = dict(await hub.start_subentry_reconfigure_flow(hass, front.subentry_id))
    result = await menu(hass, result["flow_id"], "recording")
    assert suggested(result)["retention"] == {"days": 3, "hours": 12, "minutes": 0}


async def test_reconfigure_names_the_camera_and_what_happened(
    hass: HomeAssistant, hub: MockConfigEntry
) -> None:
    """The edit menu is titled with the camera; the last dialog says what the save did."""
    back = next(iter(hub.subentries.values()))
    result = dict(await hub.start_subentry_reconfigure_flow(hass, back.subentry_id))
    assert await render(hass, "step.reconfigure.title", result) == "Edit Back"
    assert "for Back" in await render(hass, "step.reconfigure.description", result)
    result = await menu(hass, result["flow_id"], "save")
    assert result["reason"] == "reconfigure_unchanged"
    # The frontend shows no header on a subentry flow's last dialog: the text brings its own.
    assert await render(hass, f"abort.{result['reason']}", result) == (
        "### Back unchanged\n\nNothing was changed, so Back carries on as before."
    )


async def test_schedule_editor_texts(hass: HomeAssistant, hub: MockConfigEntry) -> None:
    """No windows yet is said in words, the time zone is named, the day error is on its field."""
    result = await start_camera_flow(hass, hub)
    result = await configure(hass, result["flow_id"], CAMERA_INPUT)
    result = await configure(hass, result["flow_id"], {CONF_RECORD_MODE: "scheduled"})
    empty = await render(hass, "step.schedule_empty.description", result)
    assert "no windows yet" in empty
    assert "US/Pacific" in empty
    result = await menu(hass, result["flow_id"], "add_window")
    assert "US/Pacific" in await render(hass, "step.add_window.description", result)
    result = await configure(hass, result["flow_id"], {CONF_DAYS: [], "all_day": True})
    assert result["errors"] == {CONF_DAYS: "days_required"}
    result = await configure(hass, result["flow_id"], {CONF_DAYS: ["0"], "all_day": True})
    listed = await render(hass, "step.schedule.description", result)
    assert listed.endswith("Windows:\n1. Mon all day")
    assert "US/Pacific" in listed
