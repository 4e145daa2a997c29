"""The leak scan itself: it must see a planted password in every channel it claims to read.

Without this, "zero hits" after each fault case could just mean a scan that looks nowhere.
"""

from __future__ import annotations

import logging
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from tests.common import wait_for_state

from .conftest import LeakScanner
from .helpers import PASSWORD, PASSWORD_FRAGMENTS, camera, sensor, spellings, start_hub

_LOGGER = logging.getLogger(__name__)


async def test_leak_scan_sees_every_channel(
    hass: HomeAssistant,
    fake_ffmpeg_hass: Path,
    tmp_path: Path,
    leak_scan: LeakScanner,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A clean hub scans clean; a password planted in each channel, in each spelling, is found."""
    entry = await start_hub(hass, tmp_path, camera("Front", "rtsp://front.local/live"))
    await wait_for_state(hass, sensor("front"), "recording")
    await leak_scan.snapshot()
    assert leak_scan.hits == []
    assert leak_scan.counts["diagnostics"] > 0

    planted = sorted(spellings(PASSWORD) | set(PASSWORD_FRAGMENTS))
    assert "p%40ss%2Fw%3Ard%2521" in planted
    for spelling in planted:
        hass.bus.async_fire("fault_canary", {"url": f"rtsp://admin:{spelling}@front.local/"})
        assert [source for source, _ in leak_scan.hits] != [], spelling
        assert {source for source, _ in leak_scan.hits} == {"event"}
        leak_scan.hits.clear()

    hass.states.async_set("sensor.fault_canary", "on", {"last_error": f"x {PASSWORD} y"})
    await leak_scan.snapshot()
    assert {"event", "states"} <= {source for source, _ in leak_scan.hits}
    hass.states.async_remove("sensor.fault_canary")
    leak_scan.hits.clear()

    ir.async_create_issue(
        hass,
        "fault_canary",
        "canary",
        is_fixable=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="canary",
        translation_placeholders={"detail": "p%40ss"},
    )
    assert "repair issue" in {source for source, _ in leak_scan.hits}
    ir.async_delete_issue(hass, "fault_canary", "canary")
    leak_scan.hits.clear()

    _LOGGER.debug("connecting to rtsp://admin:%s@front.local/", "w:rd%21")
    leak_scan.scan_logs()
    assert "log" in {source for source, _ in leak_scan.hits}
    # Drop the planted record, or the scan at teardown would (rightly) find it again.
    caplog.clear()
    leak_scan.hits.clear()

    assert await hass.config_entries.async_unload(entry.entry_id)
