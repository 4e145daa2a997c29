"""Races between a camera's restart and what happens meanwhile (schedule, switch, mode)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
import logging
from pathlib import Path

from homeassistant.core import HomeAssistant
import pytest

from custom_components.heldar.const import CONF_PRE_ROLL_SECONDS, CONF_RECORD_MODE
from custom_components.heldar.data import HeldarData
from custom_components.heldar.recorder.modes import RecordMode
from custom_components.heldar.recorder.supervisor import CameraRecorder, RecorderState

from .common import camera_subentry, hub_entry, wait_for_state
from .media import processes_with

FRONT = "sensor.front_recorder_state"


async def test_changes_during_a_restart_reach_the_new_recorder(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A schedule boundary, the switch and the mode, all while the recorder is replaced.

    They used to be dropped: the new recorder kept the state it was created with, until the
    next boundary (possibly days away) or the next toggle.
    """
    entry = hub_entry(tmp_path, camera_subentry("Front", "rtsp://front.local/s"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await wait_for_state(hass, FRONT, "recording")
    data: HeldarData = entry.runtime_data
    camera = next(iter(data.cameras.values()))
    real_start = data.manager.start
    release = asyncio.Event()
    waiting = asyncio.Event()

    async def slow_start(*args: object, **kwargs: object) -> CameraRecorder:
        waiting.set()
        await release.wait()  # the old recorder takes its time to stop
        return await real_start(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(data.manager, "start", slow_start)
    restart = hass.async_create_task(data.async_start_camera(camera))
    await waiting.wait()
    assert camera.recorder is None
    camera.config = replace(camera.config, record_mode=RecordMode.SCHEDULED)
    camera.async_apply_config()
    camera._async_schedule_changed(True, None)  # noqa: FBT003  # the schedule's boundary, right now
    data.async_set_record_enabled(camera, False)  # noqa: FBT003
    release.set()
    await restart
    recorder = camera.recorder
    assert recorder is not None
    assert recorder._demand.schedule_active is True
    assert recorder._demand.mode is RecordMode.SCHEDULED
    assert recorder._enabled is False
    await wait_for_state(hass, FRONT, "disabled")


async def test_a_chattering_trigger_logs_one_info_line(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only the trigger that opens the window is logged at info; the rest go to debug."""
    entry = hub_entry(
        tmp_path,
        camera_subentry(
            "Front", "rtsp://front.local/s", **{CONF_RECORD_MODE: "event", CONF_PRE_ROLL_SECONDS: 0}
        ),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    data: HeldarData = entry.runtime_data
    camera = next(iter(data.cameras.values()))
    caplog.clear()
    results = [camera.async_trigger(None, "motion")["result"] for _ in range(20)]
    assert results[0] == "started"
    triggered = [r for r in caplog.records if "triggered" in r.getMessage()]
    assert len(triggered) == 20
    assert [r.levelno for r in triggered if r.levelno >= logging.INFO] == [logging.INFO]
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_two_cameras_with_one_name_never_stop_each_other(
    hass: HomeAssistant, fake_ffmpeg_hass: Path, tmp_path: Path
) -> None:
    """Two cameras that ended up with one folder: the first keeps recording, alone.

    Runtime objects were keyed by the folder name, so starting the second camera stopped the
    first one's recorder, whose sensor went on saying ``recording``; removing either dropped
    the other's recordings from the media browser.
    """
    entry = hub_entry(
        tmp_path,
        camera_subentry("Front", "rtsp://first.local/s"),
        camera_subentry("Front", "rtsp://second.local/s"),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    data: HeldarData = entry.runtime_data
    first, second = data.cameras.values()
    assert first.recorder is not None
    await wait_for_state(hass, "sensor.front_recorder_state", "recording")
    assert first.recorder.running
    assert second.recorder is None
    assert second.status is not None
    assert second.status.state is RecorderState.ERROR
    assert "already recorded by Front" in (second.status.last_error or "")
    # The recording FFmpeg writing into the folder (scrub previews read its closed segments).
    folder = f"{tmp_path / 'front'}/%Y"
    assert processes_with(folder) == [first.recorder.pid]
    hass.config_entries.async_remove_subentry(entry, second.subentry_id)
    await hass.async_block_till_done()
    assert first.recorder.running
    assert processes_with(folder) == [first.recorder.pid]
    assert data.recordings.stores["front"] is first.store
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert processes_with(folder) == []
