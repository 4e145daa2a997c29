"""The heldar.export action: one MP4 of a time range, in the background, kept like a clip."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
import time
from typing import Any
from unittest.mock import patch

from homeassistant.components import media_source
from homeassistant.core import Event as HassEvent, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
import pytest

from custom_components.heldar import export, export_queue
from custom_components.heldar.recorder import events as ev
from custom_components.heldar.recorder.clips import ClipResult
from custom_components.heldar.recorder.segments import segment_name
from custom_components.heldar.review import events_between

from .media import duration, processes_with
from .review_common import START, Hub, fragmented_segments, setup_hub


@pytest.fixture
async def hub(hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path) -> Hub:
    """Front: 6 segments of 2 s (keyframe every 1 s), a 10 s hole, then 2 more."""
    fragmented_segments(tmp_path / "front", 6)
    for path in fragmented_segments(tmp_path / "later", 2, start=START + 22):
        path.rename(tmp_path / "front" / path.name)
    (tmp_path / "later").rmdir()
    return (await setup_hub(hass, tmp_path, "Front"))[0]


def local(timestamp: float) -> str:
    """Return a time as an automation would write it: HA's zone, no offset."""
    return dt_util.as_local(datetime.fromtimestamp(timestamp, UTC)).strftime("%Y-%m-%d %H:%M:%S")


async def call_export(hass: HomeAssistant, hub: Hub, **data: object) -> dict[str, Any]:
    """Call heldar.export for the hub's camera (by device) and return its response."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("heldar", hub.camera_id), hub.entry.entry_id
    )
    assert device is not None
    response = await hass.services.async_call(
        "heldar", "export", {"camera": device.id, **data}, blocking=True, return_response=True
    )
    assert isinstance(response, dict)
    return response


async def finished(hass: HomeAssistant) -> asyncio.Future[HassEvent[dict[str, Any]]]:
    """Return a future that resolves with the next heldar_export_finished event."""
    future: asyncio.Future[HassEvent[dict[str, Any]]] = hass.loop.create_future()

    @callback
    def _finished(event: HassEvent[dict[str, Any]]) -> None:
        if not future.done():
            future.set_result(event)

    unsub = hass.bus.async_listen(export.EVENT_EXPORT_FINISHED, _finished)
    future.add_done_callback(lambda _: unsub())
    return future


async def test_export_a_range_across_segments(hass: HomeAssistant, hub: Hub) -> None:
    """3.5 s to 8.5 s: one file from the keyframe at 3 s, playable, browsable, kept."""
    await hass.config.async_set_time_zone("UTC")
    done = await finished(hass)
    response = await call_export(hass, hub, start=local(START + 3.5), duration={"seconds": 5})
    assert response["seconds"] == 5.0
    assert response["gaps"] == []
    path = Path(response["path"])
    assert path.parent == hub.folder / "events"
    assert response["url"] == f"/api/heldar/recordings/front/events/{path.name}"
    event = (await asyncio.wait_for(done, 60)).data
    assert event["error"] is None
    assert event["path"] == str(path)
    assert event["camera"] == "Front"
    # Cut at the keyframe at or before the start: 5 s plus at most one keyframe interval.
    assert 5.0 <= await hass.async_add_executor_job(duration, path) <= 6.05
    assert path.read_bytes()[4:8] == b"ftyp"
    assert b"moov" in path.read_bytes()[:4096]  # +faststart: the index comes first
    # Kept like an event clip (journal, retention), shown and playable in the media browser,
    # but not shown as an event on the timeline.
    store = hub.camera.store
    [kept] = list(store.events.values())
    assert kept.clip == f"events/{path.name}"
    journals = await hass.async_add_executor_job(ev.load_all, hub.folder)
    assert [journal.id for journal in journals] == [kept.id]
    assert events_between(hub.camera, START, START + 60) == []
    played = await media_source.async_resolve_media(hass, response["media_content_id"], None)
    assert played.url.startswith(response["url"])
    day = await media_source.async_browse_media(hass, "media-source://heldar/front/day/2026-11-24")
    assert response["media_content_id"] in [child.media_content_id for child in day.children]
    assert not hub.entry.runtime_data.recordings.in_use
    assert not (hub.folder / "events" / kept.id).exists()


async def test_export_reports_gaps(hass: HomeAssistant, hub: Hub) -> None:
    """A range over the hole says how much footage it holds and where the hole is."""
    done = await finished(hass)
    response = await call_export(
        hass,
        hub,
        start=datetime.fromtimestamp(START + 10, UTC).isoformat(),
        end=datetime.fromtimestamp(START + 24, UTC).isoformat(),
    )
    assert response["seconds"] == 4.0
    assert response["gaps"] == [
        {
            "start": datetime.fromtimestamp(START + 12, UTC).isoformat(),
            "end": datetime.fromtimestamp(START + 22, UTC).isoformat(),
        }
    ]
    assert (await asyncio.wait_for(done, 60)).data["error"] is None
    assert 3.5 <= duration(Path(response["path"])) <= 5.05


async def test_export_refuses_bad_ranges(hass: HomeAssistant, hub: Hub) -> None:
    """End before start, over 24 h, no footage, not a camera: translated errors, no task."""
    cases = {
        "invalid_range": {"start": local(START + 5), "end": local(START + 1)},
        "too_long": {"start": local(START), "duration": {"hours": 25}},
        "no_footage": {"start": local(START + 13), "end": local(START + 20)},
    }
    for key, data in cases.items():
        with pytest.raises(ServiceValidationError) as caught:
            await call_export(hass, hub, **data)
        assert caught.value.translation_key == key
        assert "{" not in str(caught.value)
        assert str(caught.value) != key
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            "heldar",
            "export",
            {"camera": "nope", "start": local(START), "end": local(START + 1)},
            blocking=True,
            return_response=True,
        )
    assert caught.value.translation_key == "not_a_camera"
    assert hub.camera.store.events == {}


async def test_retention_spares_what_an_export_reads(hass: HomeAssistant, hub: Hub) -> None:
    """While the join runs, retention deletes old footage but not the export's segments."""
    gate = asyncio.Event()
    started = asyncio.Event()

    async def slow_join(*_args: object, **_options: object) -> ClipResult:
        started.set()
        await gate.wait()
        return ClipResult(None, "stopped by the test")

    done = await finished(hass)
    with patch.object(export.clips, "join_files", slow_join):
        await call_export(hass, hub, start=local(START + 22), end=local(START + 26))
        await asyncio.wait_for(started.wait(), 10)
        store = hub.camera.store
        store.limits = replace(store.limits, retention_hours=0.0)
        hub.camera.config = replace(hub.camera.config, retention_hours=0.0)
        report = await hub.entry.runtime_data.recordings.async_run_retention()
        assert report.deleted_files == 6
        remaining = sorted(path.name for path in hub.folder.glob("2026*.mp4"))
        assert remaining == [segment_name(START + 22), segment_name(START + 24)]
        gate.set()
        event = (await asyncio.wait_for(done, 10)).data
    assert event["error"] == "stopped by the test"
    assert not hub.entry.runtime_data.recordings.in_use
    assert store.events == {}
    assert timedelta(hours=24) == export.MAX_EXPORT


SLOW_FFMPEG = """#!/bin/sh
# Stands in for FFmpeg joining a long export on a slow disk: it writes a little, then waits.
for last; do :; done
printf 'partial' > "$last"
exec /usr/bin/python3 -c "import time; time.sleep(60)" "$last"
"""


@pytest.fixture
def slow_ffmpeg(tmp_path: Path) -> Any:  # noqa: ANN401 - the patch
    """Make exports join with an FFmpeg that never finishes."""
    binary = tmp_path / "slow_ffmpeg"
    binary.write_text(SLOW_FFMPEG)
    binary.chmod(0o755)
    manager = type("Manager", (), {"binary": str(binary)})()
    with patch.object(export, "get_ffmpeg_manager", lambda _hass: manager):
        yield binary


def leftovers(hub: Hub) -> list[str]:
    """Return what exports left in the camera's events folder."""
    events = hub.folder / "events"
    return sorted(p.name for p in events.iterdir()) if events.is_dir() else []


def test_an_exports_time_limit_grows_with_its_length() -> None:
    """A minute, plus a tenth of the footage's length."""
    assert export_queue.join_timeout(0) == 60
    assert export_queue.join_timeout(3600) == 60 + 360
    assert export_queue.join_timeout(86400) == 60 + 8640


async def test_an_export_past_its_time_limit_is_stopped_and_swept(
    hass: HomeAssistant, hub: Hub, slow_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FFmpeg stopped at the limit (here scaled down), the event says why, nothing is left.

    Before, the limit was 300 s whatever the length, and a cut-short join left its .part.mp4
    and concat.txt for ever, where retention cannot see them.
    """
    monkeypatch.setattr(export_queue, "TIMEOUT_BASE", 0.5)
    monkeypatch.setattr(export_queue, "TIMEOUT_PER_MEDIA_SECOND", 0.1)
    done = await finished(hass)
    started = time.monotonic()
    response = await call_export(hass, hub, start=local(START), end=local(START + 5))
    event = (await asyncio.wait_for(done, 30)).data
    assert event["error"] == "the export took longer than its limit of 1 s"
    assert time.monotonic() - started < 10
    assert not Path(response["path"]).exists()
    assert leftovers(hub) == []
    assert not processes_with(f"{hub.folder}/events/")


async def test_a_cancelled_export_is_swept(
    hass: HomeAssistant, hub: Hub, slow_ffmpeg: Path
) -> None:
    """The hub unloading (or Home Assistant stopping) mid-join: FFmpeg killed, leftovers gone."""
    await call_export(hass, hub, start=local(START), end=local(START + 5))
    async with asyncio.timeout(10):
        while not any(name.endswith(".part.mp4") for name in leftovers(hub)):
            await asyncio.sleep(0.05)
    assert any("_export_" in name for name in leftovers(hub))  # its working folder
    assert processes_with(f"{hub.folder}/events/")
    assert await hass.config_entries.async_unload(hub.entry.entry_id)
    await hass.async_block_till_done()
    assert leftovers(hub) == []
    assert not processes_with(f"{hub.folder}/events/")
    # The queue goes with the unload: the next load counts no export of this one's.
    assert hub.entry.entry_id not in hass.data.get(export_queue._KEY, {})


async def test_leftovers_are_swept_when_the_hub_starts(
    hass: HomeAssistant, real_ffmpeg_hass: None, tmp_path: Path
) -> None:
    """What a killed Home Assistant's joins left goes at the next start; events stay."""
    events = tmp_path / "front" / "events"
    (events / "20261124_130000_export_ab12").mkdir(parents=True)
    (events / "20261124_130000_export_ab12" / "concat.txt").write_text("ffconcat version 1.0")
    (events / "20261124_130000_export_ab12.part.mp4").write_bytes(b"partial")
    (events / "20261124_130500_beef.part.mp4").write_bytes(b"partial")
    kept = events / "20261124_131000_cafe"  # an event's own folder (its segments)
    kept.mkdir()
    (kept / "20261124_131000.mp4").write_bytes(b"footage")
    [hub] = await setup_hub(hass, tmp_path, "Front")
    assert leftovers(hub) == ["20261124_131000_cafe"]
    assert (kept / "20261124_131000.mp4").read_bytes() == b"footage"
