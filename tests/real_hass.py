"""A real Home Assistant process for tests: configured through its own APIs, as a user would.

One harness for every test that needs a whole HA: the HA-killed test starts and kills it, the
browser tests drive its frontend. Nothing is written into ``.storage`` by hand: onboarding makes
the user, Heldar's hub and camera come from HA's REST config-flow API. Blocking throughout; HA
tests call it from a thread. HA listens on 127.0.0.1 only, and never installs packages
(``--skip-pip``): what it needs comes from requirements_test.txt, as on a clean CI machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import contextlib
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = """\
homeassistant:
  name: Heldar under test
  time_zone: {time_zone}
  media_dirs:
    local: {media}
http:
  server_host: 127.0.0.1
  server_port: {port}
{frontend}onboarding:
config:
media_source:
ffmpeg:
logger:
  default: warning
  logs:
    custom_components.heldar: debug
"""
USERNAME = "test"
PASSWORD = "heldar-test-password"


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RealHass:
    """One Home Assistant configuration, started, stopped and killed as often as a test likes."""

    def __init__(self, config: Path, *, frontend: bool = False, time_zone: str = "UTC") -> None:
        """Prepare ``config`` with Heldar linked in and HA on a free loopback port."""
        self.config = config
        self.media = config / "media"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # The frontend's own client id (HA's URL), so a browser can use the tokens.
        self.client_id = f"{self.url}/"
        self.access_token = ""
        self.refresh_token = ""
        self.process: subprocess.Popen[bytes] | None = None
        (self.media / "heldar").mkdir(parents=True, exist_ok=True)
        (config / "custom_components").mkdir(exist_ok=True)
        (config / "custom_components" / "heldar").symlink_to(ROOT / "custom_components" / "heldar")
        (config / "configuration.yaml").write_text(
            CONFIGURATION.format(
                media=self.media,
                port=self.port,
                time_zone=time_zone,
                frontend="frontend:\n" if frontend else "",
            )
        )
        self.log = config / "hass.out"

    # -- the process --------------------------------------------------------------------

    def start(self, timeout: float = 240) -> None:
        """Start HA and wait until its HTTP API answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "homeassistant", "-c", str(self.config), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                msg = f"Home Assistant exited with {self.process.returncode}: {self.tail()}"
                raise AssertionError(msg)
            try:
                self.request("GET", "/api/")
            except urllib.error.HTTPError:
                return  # it answers (401 without a token): HA is up
            except urllib.error.URLError, ConnectionError, TimeoutError:
                if time.monotonic() > deadline:
                    msg = f"Home Assistant did not answer in {timeout} s: {self.tail()}"
                    raise AssertionError(msg) from None
                time.sleep(0.5)
            else:
                return

    def kill(self) -> None:
        """Kill HA with SIGKILL: no stop path of its own runs."""
        if (process := self.process) is not None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.process = None

    def stop(self, timeout: float = 90) -> int:
        """Stop HA as a service manager would (SIGTERM); return its exit status."""
        process = self.process
        if process is None:
            return 0
        self.process = None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise

    def tail(self, lines: int = 40) -> str:
        """Return the end of HA's output, for failure messages."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def logged_errors(self, limit: int = 20) -> str:
        """Return the first line of each error HA logged, for failure messages."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join([line for line in lines if " ERROR " in line][:limit])

    # -- the APIs -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:  # noqa: ANN401 - JSON
        """Call HA's REST API with the test user's token; return the decoded answer."""
        headers = {"Content-Type": "application/json"}
        if self.access_token:
            headers["Authorization"] = f"Bearer {self.access_token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}{path}", data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def fetch(self, path: str) -> tuple[int, bytes]:
        """GET a path without credentials (signed URLs authorise themselves): status, body."""
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()

    def fetch_with_token(self, path: str) -> tuple[int, bytes]:
        """GET a path as the test user (a bearer token): status and body."""
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}{path}", headers={"Authorization": f"Bearer {self.access_token}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
                return int(response.status), response.read()
        except urllib.error.HTTPError as err:
            return int(err.code), err.read()

    def _form(self, path: str, fields: dict[str, str]) -> Any:  # noqa: ANN401 - JSON
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method="POST")  # noqa: S310
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def onboard(self) -> None:
        """Finish onboarding as a person would; keep the user's tokens."""
        answer = self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": "Test",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        tokens = self._form(
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": self.client_id,
            },
        )
        self.access_token = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            (
                "integration",
                {"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
            ),
        ):
            self.request("POST", f"/api/onboarding/{step}", body)
        in_thread(self._confirm_http_config())

    async def _confirm_http_config(self) -> None:
        """Confirm the HTTP settings HA moved from YAML into storage (else it reverts them)."""
        answer = await self.ws([{"type": "http/config"}])
        pending = answer[0].get("pending")
        if pending and not pending.get("error"):
            await self.ws([{"type": "http/config/promote"}])

    async def ws(self, messages: list[dict[str, Any]]) -> list[Any]:
        """Send websocket commands one by one; return their results (raises on an error)."""
        results = []
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{self.url}/api/websocket") as ws,
        ):
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self.access_token})
            await ws.receive_json()
            for number, message in enumerate(messages, start=1):
                await ws.send_json({"id": number, **message})
                while (answer := await ws.receive_json())["id"] != number or answer[
                    "type"
                ] != "result":
                    pass
                if not answer["success"]:
                    msg = f"{message['type']} failed: {answer['error']}"
                    raise RuntimeError(msg)
                results.append(answer["result"])
        return results

    def call_ws(self, message: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
        """Send one websocket command and return its result."""
        return in_thread(self.ws([message]))[0]

    def frontend_tokens(self, login: tuple[str, str] | None = None) -> dict[str, Any]:
        """The ``hassTokens`` the frontend keeps in local storage, for ``login`` or the owner's."""
        access_token, refresh_token = login or (self.access_token, self.refresh_token)
        return {
            "hassUrl": self.url,
            "clientId": self.client_id,
            "access_token": access_token,
            "refresh_token": refresh_token,
            "token_type": "Bearer",
            "expires_in": 1800,
            "expires": int(time.time() * 1000) + 1_700_000,
        }

    def add_dashboard(self, url_path: str, title: str, views: list[dict[str, Any]]) -> None:
        """Create a storage dashboard at ``url_path`` holding ``views``."""
        create = {"type": "lovelace/dashboards/create", "mode": "storage"}
        self.call_ws({**create, "url_path": url_path, "title": title})
        save = {"type": "lovelace/config/save", "url_path": url_path}
        self.call_ws({**save, "config": {"views": views}})

    def add_hub(self, storage: Path | None = None) -> str:
        """Add the Heldar hub through its config flow; return the entry id."""
        flow = self.request("POST", "/api/config/config_entries/flow", {"handler": "heldar"})
        result = self.request(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"storage_dir": str(storage or self.media / "heldar")},
        )
        assert result.get("type") == "create_entry", result
        return str(result["result"]["entry_id"])

    def add_camera(
        self,
        entry_id: str,
        name: str,
        url: str,
        segment_seconds: int,
        mode: str = "continuous",
        rolls: tuple[int, int] | None = None,
    ) -> None:
        """Add a camera through the camera subentry flow, as the UI would.

        ``mode``: the recording mode; ``rolls``: an event mode's pre-roll and post-roll
        (the defaults otherwise). A scheduled mode is left without windows.
        """
        base = "/api/config/config_entries/subentries/flow"
        flow = self.request("POST", base, {"handler": [entry_id, "camera"]})
        self.request("POST", f"{base}/{flow['flow_id']}", {"next_step_id": "url"})
        result = self.request(
            "POST",
            f"{base}/{flow['flow_id']}",
            {
                "name": name,
                "stream_url": url,
                "segment_seconds": segment_seconds,
                "record_audio": False,
            },
        )
        if result.get("step_id") == "recording":
            result = self.request(
                "POST",
                f"{base}/{flow['flow_id']}",
                {"record_mode": mode},  # the rolls are on the events form
            )
        if result.get("step_id") == "events":
            events = {} if rolls is None else {"pre_roll_seconds": rolls[0]}
            if rolls is not None:
                events["post_roll_seconds"] = rolls[1]
            result = self.request("POST", f"{base}/{flow['flow_id']}", events)
        if result.get("step_id") == "schedule_empty":
            result = self.request(
                "POST", f"{base}/{flow['flow_id']}", {"next_step_id": "schedule_done"}
            )
        assert result.get("type") == "create_entry", result

    def wait_saved(self, needle: str, timeout: float = 30) -> None:
        """Wait until HA has written ``needle`` into its config entries store."""
        store = self.config / ".storage" / "core.config_entries"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if store.is_file() and needle in store.read_text():
                return
            time.sleep(0.2)
        msg = f"{needle!r} never reached {store}"
        raise AssertionError(msg)


def in_thread[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end on its own loop in a short-lived thread.

    The test process may already show a running loop (pytest-asyncio's, Playwright's).
    """
    result: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            errors.append(err)

    thread = threading.Thread(target=run, name="heldar-real-hass-ws")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def stop_quietly(server: RealHass) -> None:
    """Stop a server, ignoring one that never started or would not stop."""
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):
        server.stop()
