"""scripts/screenshot: a PNG of Heldar's camera card in the scripts/develop Home Assistant.

Needs scripts/develop running. Logs in as the dev user through HA's own login flow, makes
(or rewrites) the "heldar-demo" dashboard through HA's websocket API with an entities card
listing every camera's Recorder state, Recording switch and Trigger recording button, then
renders it in headless Chromium, handing the frontend its tokens through the DevTools protocol.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
from collections.abc import Iterator
import contextlib
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
HA_URL = "http://127.0.0.1:8123"
CLIENT_ID = f"{HA_URL}/"
USERNAME = "dev"
PASSWORD = "heldar-dev"  # noqa: S105 - scripts/develop's throw-away local login
DASHBOARD = "heldar-demo"
CHROMIUM = "/usr/bin/chromium"
WIDTH, HEIGHT = 1280, 800
DEMO_CAMERA = "demo_camera"
RECORDER_STATE = re.compile(r"^sensor\.(?P<camera>\w+)_recorder_state$")

# The card for scripts/develop's Demo camera; the script builds the same for every camera.
CARD_YAML = """\
type: entities
title: Cameras
entities:
- sensor.demo_camera_recorder_state
- switch.demo_camera_recording
- button.demo_camera_trigger_recording
"""

# Waits for the entities card to show its rows: the frontend nests shadow roots deeply.
CARD_RENDERED_JS = """
(() => {
  if (location.pathname.startsWith("/auth/")) return "login";
  const seen = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "HUI-ENTITIES-CARD") seen.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const rows = seen.flatMap((card) =>
    card.shadowRoot ? [...card.shadowRoot.querySelectorAll("#states > *")] : []);
  return rows.length > 0 && rows.every((row) => row.shadowRoot || row.children.length)
    ? "rendered" : "waiting";
})()
"""


class ScreenshotError(Exception):
    """Something the user has to fix; the message says what."""


def build_card(cameras: list[str]) -> dict[str, Any]:
    """Return the entities card for these camera slugs (as in ``sensor.<slug>_recorder_state``)."""
    entities = [
        entity
        for camera in cameras
        for entity in (
            f"sensor.{camera}_recorder_state",
            f"switch.{camera}_recording",
            f"button.{camera}_trigger_recording",
        )
    ]
    return {"type": "entities", "title": "Cameras", "entities": entities}


def card_yaml(card: dict[str, Any]) -> str:
    """Return the card as dashboard YAML, as pasted into a manual card."""
    return str(yaml.safe_dump(card, sort_keys=False))


def main() -> int:
    """Parse the arguments and take the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output",
        type=Path,
        default=Path.cwd() / "screenshot.png",
        help="where to write the PNG (default: screenshot.png in the current directory)",
    )
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the browser (default {CHROMIUM})")
    parser.add_argument(
        "--timeout", type=float, default=60, help="seconds to wait for the card to render"
    )
    args = parser.parse_args()
    if not Path(args.chromium).is_file():
        print(
            f"scripts/screenshot: no Chromium at {args.chromium}. Install Debian's:\n"
            "  sudo apt-get install -y chromium   (as root: apt-get install -y chromium)",
            file=sys.stderr,
        )
        return 1
    try:
        take_screenshot(args.output.resolve(), args.chromium, args.timeout)
    except ScreenshotError as err:
        print(f"scripts/screenshot: {err}", file=sys.stderr)
        return 1
    return 0


def take_screenshot(output: Path, chromium: str, wait: float) -> None:
    """Log in, make the dashboard, render it, write the PNG."""
    tokens, card = asyncio.run(prepare_dashboard())
    print(f"Dashboard {HA_URL}/{DASHBOARD}/0 has this card:\n\n{card_yaml(card)}", flush=True)
    with running_chromium(chromium) as port:
        png = asyncio.run(capture(port, tokens, f"{HA_URL}/{DASHBOARD}/0", wait))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(png)
    print(f"Wrote {output} ({WIDTH}x{HEIGHT})")
    if output.is_relative_to(ROOT):
        print("Note: that is inside the repository; do not commit it.")


async def prepare_dashboard() -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the dev user's tokens and the card, after saving the dashboard."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        tokens = await log_in(session)
        cameras = await find_cameras(session, tokens["access_token"])
        card = build_card(cameras)
        await save_dashboard(session, tokens["access_token"], card)
    return tokens, card


# -- Home Assistant -----------------------------------------------------------------------


async def log_in(session: aiohttp.ClientSession) -> dict[str, Any]:
    """Log the dev user in through HA's login flow; return the token answer.

    The same steps as scripts/develop.py's ``log_in``, and the refresh token lets the
    frontend renew its access token as it would after a real login.
    """
    try:
        async with session.get(f"{HA_URL}/auth/providers") as response:
            response.raise_for_status()
    except (aiohttp.ClientError, TimeoutError) as err:
        msg = (
            f"Home Assistant does not answer on {HA_URL} ({err}).\n"
            "Start scripts/develop first (in another terminal) and wait until it prints its URLs."
        )
        raise ScreenshotError(msg) from err
    flow = await _post_json(
        session,
        "/auth/login_flow",
        {"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    )
    result = await _post_json(
        session,
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    )
    if result.get("type") != "create_entry":
        msg = f"logging in as {USERNAME!r} failed: {result.get('errors') or result}"
        raise ScreenshotError(msg)
    async with session.post(
        f"{HA_URL}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": CLIENT_ID},
    ) as response:
        response.raise_for_status()
        tokens: dict[str, Any] = await response.json()
    return tokens


async def _post_json(session: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
    async with session.post(f"{HA_URL}{path}", json=body) as response:
        response.raise_for_status()
        return await response.json()


async def find_cameras(session: aiohttp.ClientSession, token: str) -> list[str]:
    """Return the slugs of Heldar's cameras, from their Recorder state sensors.

    A Heldar Recorder state sensor is ``sensor.<camera>_recorder_state`` with a ``mode``
    attribute. With none found (yet), the card shows scripts/develop's Demo camera.
    """
    async with session.get(
        f"{HA_URL}/api/states", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        response.raise_for_status()
        states: list[dict[str, Any]] = await response.json()
    cameras = sorted(
        match["camera"]
        for state in states
        if (match := RECORDER_STATE.match(state["entity_id"]))
        and "mode" in state.get("attributes", {})
    )
    if not cameras:
        print(f"No Heldar cameras found; using {DEMO_CAMERA}.", file=sys.stderr)
        return [DEMO_CAMERA]
    known = {state["entity_id"] for state in states}
    missing = [e for e in build_card(cameras)["entities"] if e not in known]
    if missing:
        print(f"Warning: these entities do not exist (renamed?): {missing}", file=sys.stderr)
    return cameras


async def save_dashboard(session: aiohttp.ClientSession, token: str, card: dict[str, Any]) -> None:
    """Create the dashboard once, and (re)write its only view with ``card``."""
    async with session.ws_connect(f"{HA_URL}/api/websocket") as ws:
        hello = await ws.receive_json()
        if hello.get("type") != "auth_required":
            msg = f"unexpected websocket greeting: {hello}"
            raise ScreenshotError(msg)
        await ws.send_json({"type": "auth", "access_token": token})
        answer = await ws.receive_json()
        if answer.get("type") != "auth_ok":
            msg = f"websocket login refused: {answer}"
            raise ScreenshotError(msg)
        counter = iter(range(1, 1_000_000))

        async def call(**message: Any) -> Any:  # noqa: ANN401 - JSON
            message_id = next(counter)
            await ws.send_json({"id": message_id, **message})
            while True:
                reply = await ws.receive_json()
                if reply.get("id") == message_id:
                    break
            if not reply.get("success"):
                msg = f"{message['type']} failed: {reply.get('error')}"
                raise ScreenshotError(msg)
            return reply.get("result")

        dashboards = await call(type="lovelace/dashboards/list")
        if not any(d.get("url_path") == DASHBOARD for d in dashboards):
            await call(
                type="lovelace/dashboards/create",
                url_path=DASHBOARD,
                title="Heldar",
                icon="mdi:cctv",
                show_in_sidebar=True,
                require_admin=False,
                mode="storage",
            )
        await call(
            type="lovelace/config/save",
            url_path=DASHBOARD,
            config={"title": "Heldar", "views": [{"title": "Cameras", "cards": [card]}]},
        )


# -- Chromium -----------------------------------------------------------------------------


@contextlib.contextmanager
def running_chromium(chromium: str) -> Iterator[int]:
    """Run headless Chromium with a new, temporary profile; yield its DevTools port."""
    profile = Path(tempfile.mkdtemp(prefix="heldar-chromium-"))
    browser = subprocess.Popen(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",  # Chromium picks a free port and writes it down
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield _devtools_port(browser, profile)
    finally:
        _stop(browser)
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(browser: subprocess.Popen[bytes], profile: Path) -> int:
    """Wait for Chromium to write the DevTools port into its profile."""
    active = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if browser.poll() is not None:
            msg = f"Chromium exited at start (code {browser.returncode})"
            raise ScreenshotError(msg)
        with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
            return int(active.read_text().splitlines()[0])
        time.sleep(0.1)
    msg = "Chromium did not open its DevTools port within 30 seconds"
    raise ScreenshotError(msg)


async def capture(port: int, tokens: dict[str, Any], url: str, wait: float) -> bytes:
    """Open ``url`` in the browser's page already logged in, and return a PNG of it."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t.get("type") == "page")
        async with session.ws_connect(
            page["webSocketDebuggerUrl"], max_msg_size=0, timeout=aiohttp.ClientWSTimeout()
        ) as ws:
            devtools = DevTools(ws)
            await _open_logged_in(devtools, tokens, url)
            try:
                async with asyncio.timeout(wait):
                    await _wait_for_card(devtools)
            except TimeoutError:
                msg = f"the card did not render within {wait:g} seconds"
                raise ScreenshotError(msg) from None
            await asyncio.sleep(3)  # entity rows fill in their states and icons, fonts settle
            shot = await devtools.call("Page.captureScreenshot", format="png")
    return base64.b64decode(shot["data"])


async def _open_logged_in(devtools: DevTools, tokens: dict[str, Any], url: str) -> None:
    """Navigate to ``url`` with the frontend's tokens already in localStorage."""
    # What the frontend keeps in localStorage after a login (src/common/auth/token_storage.ts).
    hass_tokens = {
        "access_token": tokens["access_token"],
        "token_type": "Bearer",
        "expires_in": tokens["expires_in"],
        "hassUrl": HA_URL,
        "clientId": CLIENT_ID,
        "expires": int(time.time() * 1000) + int(tokens["expires_in"]) * 1000,
        "refresh_token": tokens["refresh_token"],
    }
    script = (
        f"if (location.origin === {json.dumps(HA_URL)}) "
        f"localStorage.setItem('hassTokens', {json.dumps(json.dumps(hass_tokens))});"
    )
    await devtools.call("Page.enable")
    await devtools.call(
        "Emulation.setDeviceMetricsOverride",
        width=WIDTH,
        height=HEIGHT,
        deviceScaleFactor=1,
        mobile=False,
    )
    # Runs before the frontend's own scripts on every page, so it starts logged in.
    await devtools.call("Page.addScriptToEvaluateOnNewDocument", source=script)
    await devtools.call("Page.navigate", url=url)


async def _wait_for_card(devtools: DevTools) -> None:
    while True:
        result = await devtools.call("Runtime.evaluate", expression=CARD_RENDERED_JS)
        state = result.get("result", {}).get("value")
        if state == "login":
            msg = "the frontend showed its login page: the token was not accepted"
            raise ScreenshotError(msg)
        if state == "rendered":
            return
        await asyncio.sleep(0.5)


def _stop(browser: subprocess.Popen[bytes]) -> None:
    """Stop Chromium and its helper processes (its own process group)."""
    if browser.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(browser.pid, signal.SIGTERM)
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(browser.pid, signal.SIGKILL)
            browser.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(browser.pid, signal.SIGKILL)  # helpers that outlived the main process


class DevTools:
    """A minimal Chrome DevTools protocol client over one page's websocket."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Talk to the page behind ``ws``."""
        self._ws = ws
        self._next_id = 0

    async def call(self, method: str, **params: object) -> dict[str, Any]:
        """Send one command and return its result, skipping the events in between."""
        self._next_id += 1
        message_id = self._next_id
        await self._ws.send_json({"id": message_id, "method": method, "params": params})
        while True:
            message = await self._ws.receive()
            if message.type is not aiohttp.WSMsgType.TEXT:
                msg = f"DevTools connection closed during {method}"
                raise ScreenshotError(msg)
            reply = json.loads(message.data)
            if reply.get("id") == message_id:
                break
        if "error" in reply:
            msg = f"DevTools {method} failed: {reply['error']}"
            raise ScreenshotError(msg)
        result: dict[str, Any] = reply.get("result", {})
        return result


if __name__ == "__main__":
    sys.exit(main())
