"""Helpers for tests of the Home Assistant layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant, State
from homeassistant.util import slugify
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.heldar.const import (
    CONF_NAME,
    CONF_PASSWORD,
    CONF_RECORD_AUDIO,
    CONF_RECORD_ENABLED,
    CONF_SEGMENT_SECONDS,
    CONF_SLUG,
    CONF_STORAGE_DIR,
    CONF_STREAM_URL,
    CONF_USERNAME,
    DOMAIN,
    SUBENTRY_CAMERA,
)


def camera_subentry(name: str, url: str, **data: object) -> ConfigSubentryData:
    """Return a camera subentry as the config flow would store it."""
    return ConfigSubentryData(
        data={
            CONF_NAME: name,
            CONF_STREAM_URL: url,
            CONF_USERNAME: "",
            CONF_PASSWORD: "",
            CONF_SEGMENT_SECONDS: 2,
            CONF_RECORD_AUDIO: False,
            CONF_SLUG: slugify(name),
            CONF_RECORD_ENABLED: True,
            **data,
        },
        subentry_type=SUBENTRY_CAMERA,
        title=name,
        unique_id=url,
    )


def hub_entry(storage: Path, *cameras: ConfigSubentryData) -> MockConfigEntry:
    """Return a hub entry recording into ``storage``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Heldar",
        data={CONF_STORAGE_DIR: str(storage)},
        subentries_data=list(cameras),
    )


async def wait_for_state(
    hass: HomeAssistant,
    entity_id: str,
    predicate: Callable[[State], bool] | str,
    timeout: float = 20.0,
) -> State:
    """Wait, in real time, until ``entity_id``'s state matches; return it."""
    check = predicate if callable(predicate) else (lambda state: state.state == predicate)
    async with asyncio.timeout(timeout):
        while True:
            state = hass.states.get(entity_id)
            if state is not None and check(state):
                return state
            await asyncio.sleep(0.05)
