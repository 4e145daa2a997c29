"""A real Home Assistant with its frontend, recording a real RTSP camera, for the browser tests.

Set up only through supported paths, as a person would: onboarding makes the user, the config
flows make the Heldar hub and its camera. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
import contextlib
from dataclasses import dataclass, field
import json
from pathlib import Path
import signal
import socket
import subprocess
import threading
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
USERNAME = "browser"
PASSWORD = "heldar-browser-test"
TIME_ZONE = "Europe/Berlin"
HTTP_YAML = "http:\n  server_host: 127.0.0.1\n  server_port: {port}\n"
CONFIGURATION = """\
homeassistant:
  name: Heldar browser test
  time_zone: {time_zone}
  media_dirs:
    local: {media}
{http}frontend:
config:
media_source:
ffmpeg:
logger:
  default: warning
"""


def free_port() -> int:
    """Return a TCP port free on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class HomeAssistantServer:
    """One ``hass`` process in its own config folder."""

    config: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    access_token: str = ""
    refresh_token: str = ""
    log: Path | None = None

    @property
    def url(self) -> str:
        """Return the base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def client_id(self) -> str:
        """Return the client id the frontend uses (HA's own URL, as for a browser session)."""
        return f"{self.url}/"

    def start(self) -> None:
        """Write the configuration and start HA; return once its API answers."""
        (self.config / "media" / "heldar").mkdir(parents=True, exist_ok=True)
        (self.config / "custom_components").mkdir(exist_ok=True)
        link = self.config / "custom_components" / "heldar"
        if not link.exists():
            link.symlink_to(ROOT / "custom_components" / "heldar", target_is_directory=True)
        (self.config / "configuration.yaml").write_text(
            CONFIGURATION.format(
                time_zone=TIME_ZONE,
                media=self.config / "media",
                http=HTTP_YAML.format(port=self.port),
            )
        )
        self.log = self.config / "hass.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "hass"), "-c", str(self.config), "--skip-pip"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_up()
        self._onboard()
        in_thread(self._confirm_http_config())

    def stop(self) -> None:
        """Stop HA (it stops its FFmpeg gracefully); kill it if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of HA's log, for failure messages."""
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def logged_errors(self, limit: int = 20) -> str:
        """Return the first line of each error HA logged, for failure messages."""
        if self.log is None or not self.log.exists():
            return ""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join([line for line in lines if " ERROR " in line][:limit])

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

    def _form(self, path: str, fields: dict[str, str]) -> Any:  # noqa: ANN401 - JSON
        data = urllib.parse.urlencode(fields).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method="POST")  # noqa: S310
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 240
        while True:
            if self.process is None or self.process.poll() is not None:
                msg = f"Home Assistant exited:\n{self.log_tail()}"
                raise RuntimeError(msg)
            try:
                self.request("GET", "/api/onboarding")
                return
            except urllib.error.HTTPError:
                return
            except urllib.error.URLError, ConnectionError, TimeoutError:
                if time.monotonic() > deadline:
                    msg = f"Home Assistant did not answer in 4 minutes:\n{self.log_tail()}"
                    raise RuntimeError(msg) from None
                time.sleep(1)
            else:
                return

    def _onboard(self) -> None:
        answer = self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": "Browser test",
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
        self.access_token = tokens["access_token"]
        self.refresh_token = tokens["refresh_token"]
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            (
                "integration",
                {"client_id": self.client_id, "redirect_uri": f"{self.url}/?auth_callback=1"},
            ),
        ):
            self.request("POST", f"/api/onboarding/{step}", body)

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

    def add_heldar_camera(self, stream_url: str, segment_seconds: int) -> None:
        """Make the hub and one camera through their config flows, as the UI would."""
        flow = self.request("POST", "/api/config/config_entries/flow", {"handler": "heldar"})
        result = self.request(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"storage_dir": str(self.config / "media" / "heldar")},
        )
        assert result.get("type") == "create_entry", result
        entry_id = result["result"]["entry_id"]
        flow = self.request(
            "POST", "/api/config/config_entries/subentries/flow", {"handler": [entry_id, "camera"]}
        )
        path = f"/api/config/config_entries/subentries/flow/{flow['flow_id']}"
        self.request("POST", path, {"next_step_id": "url"})
        result = self.request(
            "POST",
            path,
            {
                "name": "Browser camera",
                "stream_url": stream_url,
                "segment_seconds": segment_seconds,
                "record_audio": False,
            },
        )
        if result.get("step_id") == "recording":
            result = self.request(
                "POST",
                path,
                {"record_mode": "continuous"},
            )
        assert result.get("type") == "create_entry", result


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

    thread = threading.Thread(target=run, name="heldar-browser-test-ws")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def stop_quietly(server: HomeAssistantServer) -> None:
    """Stop a server, ignoring one that never started."""
    with contextlib.suppress(OSError):
        server.stop()
