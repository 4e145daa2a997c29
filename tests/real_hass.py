"""A real Home Assistant process for tests: configured through its own APIs, as a user would.

Like scripts/develop, nothing is written into ``.storage`` by hand: onboarding makes the user,
and Heldar's hub and camera come from HA's REST config-flow API. Blocking throughout; HA
tests call it from an executor thread. HA listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
CONFIGURATION = """\
homeassistant:
  name: Heldar under test
  media_dirs:
    local: {media}
http:
  server_host: 127.0.0.1
  server_port: {port}
onboarding:
config:
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
    """One Home Assistant configuration, started and killed as often as a test likes."""

    def __init__(self, config: Path) -> None:
        """Prepare ``config`` with Heldar linked in and HA on a free loopback port."""
        self.config = config
        self.media = config / "media"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = ""
        self.process: subprocess.Popen[bytes] | None = None
        (config / "custom_components").mkdir(parents=True, exist_ok=True)
        self.media.mkdir(exist_ok=True)
        (config / "custom_components" / "heldar").symlink_to(ROOT / "custom_components" / "heldar")
        (config / "configuration.yaml").write_text(
            CONFIGURATION.format(media=self.media, port=self.port)
        )
        self.log = config / "hass.out"

    # -- the process --------------------------------------------------------------------

    def start(self, timeout: float = 240) -> None:
        """Start HA and wait until its HTTP API answers."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "homeassistant", "-c", str(self.config)],
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

    # -- the APIs -------------------------------------------------------------------------

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:  # noqa: ANN401 - JSON
        """Call HA's REST API and return the decoded answer."""
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}{path}", data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"null")

    def onboard(self) -> None:
        """Make the user through onboarding and keep an access token."""
        client_id = f"{self.url}/"
        answer = self.request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": "Test",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        fields = {"grant_type": "authorization_code", "code": answer["auth_code"]}
        fields["client_id"] = client_id
        req = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.url}/auth/token", data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
            self.token = str(json.loads(response.read())["access_token"])

    def add_hub(self, storage: Path) -> str:
        """Add the Heldar hub through its config flow; return the entry id."""
        flow = self.request("POST", "/api/config/config_entries/flow", {"handler": "heldar"})
        result = self.request(
            "POST",
            f"/api/config/config_entries/flow/{flow['flow_id']}",
            {"storage_dir": str(storage)},
        )
        assert result.get("type") == "create_entry", result
        return str(result["result"]["entry_id"])

    def add_camera(self, entry_id: str, name: str, url: str, segment_seconds: int) -> None:
        """Add a continuous camera through the camera subentry flow, as the UI would."""
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
                {"record_mode": "continuous"},  # the rolls are on the events form now
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
