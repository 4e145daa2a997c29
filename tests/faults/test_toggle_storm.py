"""A user and automations hammering two cameras: switch flips, reloads, edits and triggers.

Hypothesis draws the sequences. While one runs, the process watch samples ``/proc`` every
20 ms and the test looks again after every step: never two FFmpeg for one camera. At the end
each camera runs exactly as many FFmpeg as its switch (and window) says, and after the unload
none is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import itertools
from pathlib import Path

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import (
    CONF_POST_ROLL_SECONDS,
    CONF_PRE_ROLL_SECONDS,
    CONF_RECORD_ENABLED,
    CONF_RECORD_MODE,
    CONF_SEGMENT_SECONDS,
    DOMAIN,
)
from tests.common import wait_for_state
from tests.media import RtspCamera, pid_alive, processes_with

from .conftest import ProcessWatch
from .helpers import PASSWORD, USER, assert_all_play, camera, sensor, start_hub

# Continuous, and event-triggered with a short post-roll and no pre-roll (FFmpeg only while
# a trigger window is open).
CAMERAS = ("driveway", "gate")
POST_ROLL = 2
MAX_POST_ROLL = 3  # edit_live flips it between 2 and 3
Op = tuple[str, str]

OPS = st.one_of(
    st.tuples(
        st.sampled_from(["switch_on", "switch_off", "edit_restart", "edit_live", "trigger"]),
        st.sampled_from(CAMERAS),
    ),
    st.tuples(st.just("reload"), st.just("")),
    st.tuples(st.just("wait"), st.sampled_from(["0", "0.3", "1.2"])),
)
_runs = itertools.count()


class Storm:
    """One hub with both cameras, and the operations a sequence is made of."""

    def __init__(self, hass: HomeAssistant, entry: MockConfigEntry, watch: ProcessWatch) -> None:
        """Drive ``entry``'s cameras; ``watch`` tracks their folders."""
        self.hass = hass
        self.entry = entry
        self.watch = watch
        self.storage = Path(entry.data["storage_dir"])
        self.last_trigger: float | None = None

    def subentry_id(self, slug: str) -> str:
        """Return the subentry id of the camera ``slug``."""
        return next(s.subentry_id for s in self.entry.subentries.values() if s.data["slug"] == slug)

    def stored_switch(self, slug: str) -> bool:
        """Return the Recording switch as stored in the camera's subentry."""
        return bool(self.entry.subentries[self.subentry_id(slug)].data[CONF_RECORD_ENABLED])

    async def run(self, op: str, arg: str) -> None:
        """Apply one operation as a user or an automation would."""
        hass = self.hass
        match op:
            case "switch_on" | "switch_off":
                await self._switch(arg, on=op == "switch_on")
            case "reload":
                assert await hass.config_entries.async_reload(self.entry.entry_id)
            case "edit_restart" | "edit_live":
                # A new segment length restarts FFmpeg; a new post-roll is applied live.
                key = CONF_SEGMENT_SECONDS if op == "edit_restart" else CONF_POST_ROLL_SECONDS
                subentry = self.entry.subentries[self.subentry_id(arg)]
                value = 5 - int(subentry.data[key])  # 2 <-> 3
                hass.config_entries.async_update_subentry(
                    self.entry, subentry, data={**subentry.data, key: value}
                )
            case "trigger":
                self.last_trigger = asyncio.get_running_loop().time()
                response = await hass.services.async_call(
                    DOMAIN,
                    "trigger",
                    {"entity_id": sensor(arg)},
                    blocking=True,
                    return_response=True,
                )
                assert response is not None
            case _:
                await asyncio.sleep(float(arg))

    async def _switch(self, slug: str, *, on: bool) -> None:
        switch = f"switch.{slug}_recording_enabled"
        await self.hass.services.async_call(
            "switch", "turn_on" if on else "turn_off", {"entity_id": switch}, blocking=True
        )
        state = self.hass.states.get(switch)
        assert state is not None
        # HA skips unavailable entities (the camera is restarting); otherwise the flip must
        # show at once and be stored.
        if state.state != STATE_UNAVAILABLE:
            assert state.state == (STATE_ON if on else STATE_OFF)
            assert self.stored_switch(slug) is on

    def assert_at_most_one_ffmpeg(self) -> None:
        """Look now, besides the watch's sampling: at most one FFmpeg per camera."""
        for slug in CAMERAS:
            assert len(self.watch.ffmpeg_pids(self.storage / slug)) <= 1

    async def settle_and_check(self) -> None:
        """Wait for the final states; each camera's FFmpeg count must match its switch."""
        hass = self.hass
        await hass.async_block_till_done()
        if self.last_trigger is not None:
            # Until the last window is surely over, "idle" may be a recorder about to start.
            loop = asyncio.get_running_loop()
            await asyncio.sleep(max(self.last_trigger + MAX_POST_ROLL + 0.5 - loop.time(), 0))
        for slug in CAMERAS:
            switch = hass.states.get(f"switch.{slug}_recording_enabled")
            assert switch is not None
            on = self.stored_switch(slug)
            assert switch.state == (STATE_ON if on else STATE_OFF)
            want = "disabled" if not on else "recording" if slug == "driveway" else "idle"
            await wait_for_state(hass, sensor(slug), want, timeout=30)
            running = self.watch.ffmpeg_pids(self.storage / slug)
            assert len(running) == (1 if want == "recording" else 0), (slug, want, running)


@settings(
    max_examples=5,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: every run costs real seconds
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(
    ops=[
        ("edit_restart", "driveway"),
        ("switch_off", "driveway"),
        ("trigger", "gate"),
        ("reload", ""),
        ("switch_on", "driveway"),
        ("switch_off", "gate"),
        ("trigger", "gate"),
        ("switch_on", "gate"),
        ("edit_restart", "gate"),
        ("trigger", "gate"),
        ("reload", ""),
        ("switch_off", "driveway"),
        ("switch_on", "driveway"),
    ]
)
@given(ops=st.lists(OPS, min_size=4, max_size=12))
async def test_toggles_reloads_and_triggers(
    hass: HomeAssistant,
    real_ffmpeg_hass: None,
    rtsp_camera: Callable[..., RtspCamera],
    tmp_path: Path,
    process_watch: ProcessWatch,
    ops: list[Op],
) -> None:
    """Whatever the order: one FFmpeg per camera at most, the right count at the end."""
    storage = tmp_path / f"run{next(_runs)}"
    storage.mkdir()
    for slug in CAMERAS:
        process_watch.track(storage / slug)
    server = rtsp_camera(user=USER, password=PASSWORD)
    gate = camera(
        "Gate",
        server.url,
        **{CONF_RECORD_MODE: "event", CONF_POST_ROLL_SECONDS: POST_ROLL, CONF_PRE_ROLL_SECONDS: 0},
    )
    gate["unique_id"] = f"{server.url}#gate"
    driveway = camera("Driveway", server.url, **{CONF_POST_ROLL_SECONDS: POST_ROLL})
    entry = await start_hub(hass, storage, driveway, gate)
    try:
        storm = Storm(hass, entry, process_watch)
        await wait_for_state(hass, sensor("driveway"), "recording")
        for op, arg in ops:
            await storm.run(op, arg)
            storm.assert_at_most_one_ffmpeg()
        await storm.settle_and_check()
        pids = process_watch.seen()
        assert await hass.config_entries.async_unload(entry.entry_id)
        assert processes_with(str(storage)) == []
        assert not any(pid_alive(pid) for pid in pids)
        for slug in CAMERAS:
            assert process_watch.peak[storage / slug] <= 1
        assert_all_play(storage)
    finally:
        await hass.config_entries.async_remove(entry.entry_id)
        server.stop()
