"""Debian's Chromium driven by Playwright, for tests that check what a browser plays.

Never ``playwright install``: the browser is Debian's ``/usr/bin/chromium``. Outside CI a
missing browser skips the test; under ``CI=true`` it fails it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import importlib.util
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def require_chromium() -> None:
    """Fail (under CI) or skip (elsewhere) unless Chromium and Playwright are installed."""
    if Path(CHROMIUM).exists() and importlib.util.find_spec("playwright") is not None:
        return
    message = f"{CHROMIUM} or Playwright missing; run scripts/setup as root"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Launch headless Chromium for one test and close it after."""
    require_chromium()
    from playwright.async_api import async_playwright  # noqa: PLC0415 - optional tool

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()
