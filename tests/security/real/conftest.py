"""A real Home Assistant recording real cameras, with an owner and a non-admin user.

Everything is set up through Home Assistant's own APIs, as people would: onboarding makes the
owner, the config-flow API adds the hub and three cameras, the admin's websocket creates the
non-admin users and their passwords, and each logs in through the login flow. Cameras: Front
and Back record continuously (4 s segments, 10 fps, a keyframe every 2 s, so fragments cut
every second start between keyframes), Gate records events, and is triggered once so the
timeline has an event with a thumbnail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
import json
from pathlib import Path
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp
import pytest
import pytest_socket

from tests.media import RtspCamera, require_media_tools
from tests.real_hass import RealHass, in_thread, stop_quietly

SEGMENT_SECONDS = 4
PASSWORD = "heldar-kid-password"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: these tests drive a separate HA, no test HA."""


@dataclass
class Login:
    """Someone logged in to the real HA: their user id and tokens."""

    user_id: str
    access_token: str
    refresh_token: str


@dataclass
class World:
    """The running HA, its cameras (by name: subentry id) and the people."""

    ha: RealHass
    entry_id: str
    cameras: dict[str, str]
    owner: Login
    folders: Path
    logins: list[Login] = field(default_factory=list)

    def ws(self, who: Login, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send websocket commands as ``who``; return the whole answers (errors included)."""
        return in_thread(_ws(self.ha.url, who.access_token, messages))

    def one(self, who: Login, message: dict[str, Any]) -> dict[str, Any]:
        """Send one websocket command as ``who``; return its answer."""
        return self.ws(who, [message])[0]

    def call(
        self, who: Login, service: str, data: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]:
        """Call a Heldar action over REST as ``who``; return the status and response."""
        request = urllib.request.Request(  # noqa: S310 - loopback only
            f"{self.ha.url}/api/services/heldar/{service}?return_response",
            data=json.dumps(data).encode(),
            headers={
                "Authorization": f"Bearer {who.access_token}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return int(response.status), json.loads(response.read())["service_response"]
        except urllib.error.HTTPError as err:
            return int(err.code), None

    def user(self, name: str) -> Login:
        """Create a non-admin user with a password (as the owner would in the UI); log in."""
        created = self.one(
            self.owner,
            {"type": "config/auth/create", "name": name, "group_ids": ["system-users"]},
        )
        user_id = created["result"]["user"]["id"]
        answer = self.one(
            self.owner,
            {
                "type": "config/auth_provider/homeassistant/create",
                "user_id": user_id,
                "username": name.lower(),
                "password": PASSWORD,
            },
        )
        assert answer["success"], answer
        login = log_in(self.ha, user_id, name.lower())
        self.logins.append(login)
        return login


async def _ws(url: str, token: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}/api/websocket") as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        for number, message in enumerate(messages, start=1):
            await ws.send_json({"id": number, **message})
        waiting = set(range(1, len(messages) + 1))
        by_id: dict[int, dict[str, Any]] = {}
        while waiting:
            answer = await asyncio.wait_for(ws.receive_json(), 60)
            if answer.get("type") == "result" and answer["id"] in waiting:
                waiting.discard(answer["id"])
                by_id[answer["id"]] = answer
        return [by_id[number] for number in range(1, len(messages) + 1)]


def _form(ha: RealHass, path: str, fields: dict[str, str]) -> Any:  # noqa: ANN401 - JSON
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{ha.url}{path}", data=urllib.parse.urlencode(fields).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _json(ha: RealHass, path: str, body: dict[str, Any]) -> Any:  # noqa: ANN401 - JSON
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{ha.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def log_in(ha: RealHass, user_id: str, username: str) -> Login:
    """Log in through Home Assistant's login flow, as the login page does."""
    flow = _json(
        ha,
        "/auth/login_flow",
        {
            "client_id": ha.client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": f"{ha.url}/?auth_callback=1",
        },
    )
    done = _json(
        ha,
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": ha.client_id, "username": username, "password": PASSWORD},
    )
    assert done.get("type") == "create_entry", done
    tokens = _form(
        ha,
        "/auth/token",
        {"grant_type": "authorization_code", "code": done["result"], "client_id": ha.client_id},
    )
    return Login(user_id, tokens["access_token"], tokens["refresh_token"])


def add_event_camera(ha: RealHass, entry_id: str, name: str, url: str) -> None:
    """Add an event camera (no pre-roll, 6 s post-roll) through the camera flow."""
    base = "/api/config/config_entries/subentries/flow"
    flow = ha.request("POST", base, {"handler": [entry_id, "camera"]})
    ha.request("POST", f"{base}/{flow['flow_id']}", {"next_step_id": "url"})
    step = ha.request(
        "POST",
        f"{base}/{flow['flow_id']}",
        {"name": name, "stream_url": url, "segment_seconds": 2, "record_audio": False},
    )
    assert step.get("step_id") == "recording", step
    step = ha.request("POST", f"{base}/{flow['flow_id']}", {"record_mode": "event"})
    assert step.get("step_id") == "events", step
    step = ha.request(
        "POST",
        f"{base}/{flow['flow_id']}",
        {"pre_roll_seconds": 0, "post_roll_seconds": 6, "event_retention": {"days": 1}},
    )
    assert step.get("type") == "create_entry", step


def iso(epoch: float) -> str:
    """Return an ISO 8601 UTC timestamp."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(epoch))


def wait(what: str, condition: Any, ha: RealHass, timeout: float = 120) -> Any:  # noqa: ANN401
    """Poll ``condition`` until it returns something true; return that."""
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} in {timeout} s:\n{ha.tail()}")
        time.sleep(1)
    return found


@pytest.fixture(scope="package")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Start the cameras and HA, set Heldar up through its flows, wait for footage and an event."""
    require_media_tools()
    pytest_socket.enable_socket()
    main = RtspCamera(fps=10, gop=20, width=320, height=180, sub_path="/sub")
    gate = RtspCamera(fps=10, gop=10, width=320, height=180)
    main.start()
    gate.start()
    ha = RealHass(tmp_path_factory.mktemp("ha"))
    try:
        ha.start()
        ha.onboard()
        entry_id = ha.add_hub()
        ha.add_camera(entry_id, "Front", main.url, SEGMENT_SECONDS)
        ha.add_camera(entry_id, "Back", main.sub_url, SEGMENT_SECONDS)
        add_event_camera(ha, entry_id, "Gate", gate.url)
        owner = Login("", ha.access_token, ha.refresh_token)
        answer = wait(
            "three cameras with entities",
            lambda: (
                (
                    cameras := ha.call_ws({"type": "heldar/cameras"})["cameras"],
                    len(cameras) == 3 and all(c["entities"]["state"] for c in cameras),
                )[1]
                and cameras
            ),
            ha,
        )
        world = World(
            ha, entry_id, {c["name"]: c["camera"] for c in answer}, owner, ha.media / "heldar"
        )
        gate_state = "/api/states/sensor.gate_recorder_state"
        wait("Gate armed", lambda: ha.request("GET", gate_state)["state"] == "idle", ha)
        status, _ = world.call(
            owner, "trigger", {"entity_id": "sensor.gate_recorder_state", "post_roll": 10}
        )
        assert status == 200
        wait("8 closed segments of Front", lambda: len(closed(world, "Front")) >= 8, ha)
        wait("Gate's event with its thumbnail", lambda: event_of(world, owner), ha)
        yield world
    finally:
        stop_quietly(ha)
        main.stop()
        gate.stop()


def timeline(world: World, who: Login, name: str, seconds: float = 600) -> dict[str, Any]:
    """Return a camera's timeline answer for the last ``seconds``, as ``who``."""
    now = time.time()
    return world.one(
        who,
        {
            "type": "heldar/timeline",
            "camera": world.cameras[name],
            "start": iso(now - seconds),
            "end": iso(now + 5),
        },
    )


def closed(world: World, name: str) -> list[Path]:
    """Return a camera's closed segment files (all but the newest), oldest first."""
    folder = world.folders / name.lower()
    return sorted(folder.glob("2*.mp4"))[:-1] if folder.is_dir() else []


def event_of(world: World, who: Login) -> dict[str, Any] | None:
    """Return Gate's finished event with a thumbnail, as ``who`` sees it on the timeline."""
    answer = timeline(world, who, "Gate")
    events = [e for e in answer.get("result", {}).get("events", []) if e.get("thumbnail")]
    return events[0] if events else None
