"""Fixtures for the real-browser tests: one HA with its frontend, a recording camera, Chromium.

Outside CI a missing browser, frontend or media tool skips these tests; under ``CI=true`` it
fails them.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import importlib.util
import json
import logging
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any

import pytest
import pytest_socket

from tests.browser_env import CHROMIUM, CHROMIUM_ARGS
from tests.media import RtspCamera, require_media_tools
from tests.real_hass import RealHass, stop_quietly

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Page

_LOGGER = logging.getLogger(__name__)
SEGMENT_SECONDS = 4
FPS = 25
GOP_FRAMES = 25  # one keyframe a second
KEYFRAME_SECONDS = GOP_FRAMES / FPS
# The browser runs in another zone than HA, so the card must use HA's.
HA_TIME_ZONE = "Europe/Berlin"
BROWSER_TIME_ZONE = "America/Los_Angeles"
DASHBOARD = "heldar-review"
PHONE_WIDTH = 360


def require_browser() -> None:
    """Fail (under CI) or skip (elsewhere) unless Chromium, Playwright and HA's frontend exist."""
    missing = [
        name
        for name, ok in (
            (CHROMIUM, Path(CHROMIUM).exists()),
            ("playwright", importlib.util.find_spec("playwright") is not None),
            ("home-assistant-frontend", importlib.util.find_spec("hass_frontend") is not None),
        )
        if not ok
    ]
    if missing:
        message = f"browser test tools missing: {', '.join(missing)}; run scripts/setup as root"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: these tests drive a separate HA process, no test HA."""


@dataclass
class Review:
    """The running set-up the tests share."""

    ha: RealHass
    camera: dict[str, Any]
    time_zone: str

    def timeline(self, seconds: float) -> dict[str, Any]:
        """Return the camera's timeline for the last ``seconds``."""
        now = time.time()
        return self.ha.call_ws(
            {
                "type": "heldar/timeline",
                "camera": self.camera["camera"],
                "start": iso(now - seconds),
                "end": iso(now + 5),
            }
        )


def iso(epoch: float) -> str:
    """Return an ISO 8601 UTC timestamp."""
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch))
        + f".{int(epoch % 1 * 1000):03d}+00:00"
    )


@pytest.fixture(scope="module", autouse=True)
def module_sockets() -> None:
    """Let each module's own fixtures (more cameras, dashboards) talk to the real HA.

    The HA test plugin disables sockets before every test, and a module fixture is set up
    before the test's ``socket_enabled``: without this, only the first module's could connect.
    """
    pytest_socket.enable_socket()


@pytest.fixture(scope="package")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """Start the camera and HA, add Heldar through its flows, wait for some recorded footage."""
    require_browser()
    require_media_tools()
    pytest_socket.enable_socket()
    camera = RtspCamera(fps=FPS, gop=GOP_FRAMES)
    camera.start()
    ha = RealHass(tmp_path_factory.mktemp("ha"), frontend=True, time_zone=HA_TIME_ZONE)
    try:
        ha.start()
        ha.onboard()
        # The frontend loads every action's description before it draws anything: if that
        # fails (an integration HA imports for it is missing), no page can render.
        try:
            ha.call_ws({"type": "get_services"})
        except RuntimeError as err:
            pytest.fail(
                f"HA cannot describe its actions, so its UI cannot load: {err}\n"
                f"{ha.logged_errors()}"
            )
        ha.add_camera(ha.add_hub(), "Browser camera", camera.url, SEGMENT_SECONDS)
        # The camera's device and entities appear once its platforms have set up.
        deadline = time.monotonic() + 30
        while True:
            answer = ha.call_ws({"type": "heldar/cameras"})
            assert len(answer["cameras"]) == 1, answer
            ready = answer["cameras"][0]["device_id"] and answer["cameras"][0]["entities"]["state"]
            if ready or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert ready, answer
        ha.call_ws(
            {
                "type": "lovelace/dashboards/create",
                "url_path": DASHBOARD,
                "title": "Review",
                "mode": "storage",
            }
        )
        ha.call_ws(
            {
                "type": "lovelace/config/save",
                "url_path": DASHBOARD,
                "config": {
                    "views": [
                        {
                            "title": "Review",
                            "cards": [
                                {
                                    "type": "custom:heldar-timeline-card",
                                    "cameras": [answer["cameras"][0]["camera"]],
                                    "hours": 1,
                                }
                            ],
                        }
                    ]
                },
            }
        )
        setup = Review(ha, answer["cameras"][0], answer["time_zone"])
        wait_for_footage(setup, 3 * SEGMENT_SECONDS)
        yield setup
    finally:
        stop_quietly(ha)
        camera.stop()


def recorded_seconds(setup: Review, window: float) -> float:
    """Seconds of footage in the last ``window`` seconds."""
    spans = setup.timeline(window)["spans"]
    return sum(parse(s["end"]) - parse(s["start"]) for s in spans)


def parse(text: str) -> float:
    """Parse an ISO timestamp into epoch seconds."""
    from datetime import datetime  # noqa: PLC0415

    return datetime.fromisoformat(text).timestamp()


def wait_for_footage(setup: Review, seconds: float, timeout: float = 120) -> None:
    """Wait until at least ``seconds`` of footage are indexed."""
    deadline = time.monotonic() + timeout
    while recorded_seconds(setup, 600) < seconds:
        if time.monotonic() > deadline:
            pytest.fail(f"no {seconds} s of footage in {timeout} s:\n{setup.ha.tail()}")
        time.sleep(1)


DEFINE_SPY_JS = """(() => {
  const define = customElements.define.bind(customElements);
  window.__heldarDefines = [];
  customElements.define = (name, constructor, options) => {
    try {
      define(name, constructor, options);
      if (name.startsWith("heldar")) window.__heldarDefines.push(`${name} at ${performance.now()}`);
    } catch (err) {
      window.__heldarDefines.push(`${name} failed: ${err}`);
      throw err;
    }
  };
})();"""


def _log_console_error(message: ConsoleMessage) -> None:
    if message.type == "error" and "ERR_NAME_NOT_RESOLVED" not in message.text:
        _LOGGER.warning("console: %s", message.text)


@contextlib.contextmanager
def browser_page(
    review: Review,
    login: tuple[str, str] | None = None,
    **options: Any,  # noqa: ANN401 - Playwright's
) -> Iterator[Page]:
    """A logged-in page in Debian's Chromium (never a downloaded browser), headless.

    ``login``: another user's access and refresh tokens (default: the owner's).
    Playwright's sync API marks its loop as running while it is open, so it lives only inside
    one test, after the test harness's own async fixtures started and before they stop.
    """
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    ha = review.ha
    tokens = ha.frontend_tokens(login)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(timezone_id=BROWSER_TIME_ZONE, **options)
            # The frontend finds the test user's tokens where it keeps its own.
            context.add_init_script(
                f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
            )
            # Notes every definition of a Heldar element (or why it failed), for failure messages.
            context.add_init_script(DEFINE_SPY_JS)
            page = context.new_page()
            # Shown with a failing test's captured log (brand images are offline: not logged).
            page.on("pageerror", lambda error: _LOGGER.warning("page error: %s", error))
            page.on("console", _log_console_error)
            yield page
        finally:
            browser.close()


def goto_ha(page: Page, url: str) -> None:
    """Open an HA page and wait until its launch screen has faded away.

    The launch screen covers the page while it fades (250 ms, longer on a loaded machine); a
    tap or a hit test made in that time lands on it, as a user's would.
    """
    page.goto(url)
    page.wait_for_function("() => !document.getElementById('ha-launch-screen')", timeout=60_000)


@pytest.fixture
def page(review: Review, socket_enabled: None) -> Iterator[Page]:
    """A logged-in desktop page."""
    with browser_page(review, viewport={"width": 1280, "height": 900}) as desktop:
        yield desktop


@pytest.fixture
def phone(review: Review, socket_enabled: None) -> Iterator[Page]:
    """A logged-in phone-sized page with touch."""
    with browser_page(
        review,
        viewport={"width": PHONE_WIDTH, "height": 760},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ) as small:
        yield small
