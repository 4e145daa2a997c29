"""Faults on Home Assistant's side: no FFmpeg, a read-only disk, a killed FFmpeg, a stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import os
from pathlib import Path
import signal
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.heldar.recorder.supervisor import Problem
from tests.common import wait_for_state
from tests.media import RtspCamera, duration, pid_alive, processes_with

from .conftest import ProcessWatch, ReadOnlyFolder
from .helpers import (
    PASSWORD,
    USER,
    assert_all_play,
    assert_kept,
    camera,
    handle,
    issue,
    record_driveway,
    recordings,
    removals,
    removed_stubs,
    sensor,
    start_hub,
    video_packets,
    wait_for_files,
    wait_for_new_file,
)

SENSOR = sensor("driveway")
MISSING_FFMPEG = "/nonexistent/ffmpeg"


async def test_ffmpeg_binary_missing(
    hass: HomeAssistant,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
    process_watch: ProcessWatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No FFmpeg at the configured path: an error and a repair, slow retries, a clean unload."""
    assert await async_setup_component(hass, "ffmpeg", {"ffmpeg": {"ffmpeg_bin": MISSING_FFMPEG}})
    server = rtsp_camera(user=USER, password=PASSWORD)
    entry = await start_hub(hass, tmp_path, camera("Driveway", server.url))
    cam = handle(entry, "Driveway")
    error = await wait_for_state(hass, SENSOR, "error", timeout=10)
    assert MISSING_FFMPEG in error.attributes["last_error"]
    assert cam.status is not None
    assert cam.status.problem is Problem.FFMPEG
    repair = issue(hass, "ffmpeg_missing")
    assert repair is not None
    assert repair.severity is ir.IssueSeverity.ERROR

    await asyncio.sleep(3.5)
    assert hass.states.get(SENSOR).state == "error"  # type: ignore[union-attr]
    assert entry.state is ConfigEntryState.LOADED
    attempts = [
        record
        for record in caplog.get_records("call")
        if record.name.endswith("recorder.supervisor") and "not recording" in record.getMessage()
    ]
    # Backoff 1, 2 s: attempts at about 0, 1 and 3 s; a tight loop would log hundreds.
    assert 2 <= len(attempts) <= 4

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert process_watch.seen() == []
    assert processes_with(str(tmp_path)) == []
    assert recordings(tmp_path) == []
    # The repair reads "FFmpeg ({binary}) cannot be run": the placeholder is the binary.
    assert repair.translation_placeholders == {"binary": MISSING_FFMPEG}


async def test_storage_turns_read_only(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    read_only_folder: Callable[[Path], ReadOnlyFolder],
    tmp_path: Path,
    process_watch: ProcessWatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The camera's folder refuses writes: error and repair, old footage intact; then recovery."""
    storage = tmp_path / "storage"
    storage.mkdir()
    folder = storage / "driveway"
    protector = read_only_folder(folder)
    process_watch.track(folder)
    server = rtsp_camera(user=USER, password=PASSWORD)
    entry, cam, first_pid, before = await record_driveway(hass, storage, server.url, segments=3)

    protector.make_read_only()
    error = await wait_for_state(hass, SENSOR, "error", timeout=15)
    assert cam.status is not None
    assert cam.status.problem is Problem.STORAGE, protector.mechanism
    assert error.attributes["last_error"]
    repair = issue(hass, "storage_not_writable")
    assert repair is not None
    assert repair.translation_placeholders == {"path": str(storage)}
    assert not pid_alive(first_pid)
    assert_kept(before, removed_stubs(caplog))
    for path in before:
        assert duration(path) > 0  # readable while the disk refuses writes

    updates = async_capture_events(hass, ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED)
    await asyncio.sleep(2)
    assert hass.states.get(SENSOR).state in {"error", "connecting"}  # type: ignore[union-attr]
    assert cam.status.reconnects <= 4
    removed_while_read_only = removals(updates, "storage_not_writable")

    protector.make_writable()
    await wait_for_state(
        hass,
        SENSOR,
        lambda s: s.state == "recording" and cam.status is not None and cam.status.pid != first_pid,
        timeout=40,
    )
    await wait_for_new_file(folder, folder.glob("*.mp4"))
    assert issue(hass, "storage_not_writable") is None

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert processes_with(str(tmp_path)) == []
    assert_kept(before, removed_stubs(caplog))
    assert len(assert_all_play(storage)) > len(before)
    # The disk refused writes all along: the repair must not vanish at every retry.
    assert removed_while_read_only == 0, "the storage_not_writable repair flapped"


async def test_ffmpeg_killed(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
    process_watch: ProcessWatch,
) -> None:
    """SIGKILL leaves no trailer: the FFmpeg is reaped and replaced, and no footage is lost."""
    folder = tmp_path / "driveway"
    process_watch.track(folder)
    server = rtsp_camera(user=USER, password=PASSWORD)
    entry = await start_hub(hass, tmp_path, camera("Driveway", server.url))
    cam = handle(entry, "Driveway")
    await wait_for_state(hass, SENSOR, "recording")
    await wait_for_files(folder, 3)
    await asyncio.sleep(0.7)  # into a segment, past its first keyframe
    pid = cam.status.pid if cam.status else None
    assert pid is not None

    os.kill(pid, signal.SIGKILL)
    # Block the loop until the kernel has killed it, so nobody reaps it or tidies its files
    # before the test has seen what SIGKILL left behind.
    deadline = time.monotonic() + 2
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.005)  # noqa: ASYNC251 - the loop must not run here
    assert not pid_alive(pid)
    before = sorted(folder.glob("*.mp4"))
    interrupted = before[-1]
    had_media = video_packets(interrupted) > 0

    await wait_for_state(
        hass,
        SENSOR,
        lambda s: s.state == "recording" and cam.status is not None and cam.status.pid != pid,
        timeout=20,
    )
    assert not Path(f"/proc/{pid}").exists(), "the killed FFmpeg is a zombie"
    await wait_for_new_file(folder, folder.glob("*.mp4"))

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert processes_with(str(tmp_path)) == []
    assert_kept(before[:-1])
    # The segment SIGKILL cut short stays if it held footage, and goes only if it was a stub.
    assert interrupted.exists() == had_media
    assert len(assert_all_play(tmp_path)) >= len(before)


async def test_home_assistant_stops_mid_segment(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
    process_watch: ProcessWatch,
) -> None:
    """Stopping HA one second into a segment: FFmpeg gone within 3 s, every file plays."""
    folder = tmp_path / "driveway"
    process_watch.track(folder)
    server = rtsp_camera(user=USER, password=PASSWORD)
    await start_hub(hass, tmp_path, camera("Driveway", server.url))
    await wait_for_state(hass, SENSOR, "recording")
    files = await wait_for_files(folder, 2)
    current = await wait_for_new_file(folder, files)
    await asyncio.sleep(1)
    before = sorted(folder.glob("*.mp4"))
    pids = process_watch.ffmpeg_pids(folder)
    assert len(pids) == 1

    stopping = time.monotonic()
    await hass.async_stop()
    async with asyncio.timeout(max(stopping + 3 - time.monotonic(), 0.1)):
        while process_watch.ffmpeg_pids(folder):
            await asyncio.sleep(0.02)
    assert process_watch.last_seen(pids) - stopping <= 3
    assert processes_with(str(tmp_path)) == []

    assert_kept(before)
    played = assert_all_play(tmp_path)
    # The segment that was one second in was finished, not dropped.
    assert played[current] >= 0.5
