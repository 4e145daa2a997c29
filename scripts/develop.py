"""scripts/develop: a real Home Assistant with Heldar recording a local demo camera.

Everything is created through supported paths: HA's onboarding API makes the ``dev`` user,
and the Heldar hub and camera come from HA's REST config-flow API, exactly as the UI would
make them. Nothing is written into ``config/.storage`` by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from http import HTTPStatus
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
HA_URL = "http://127.0.0.1:8123"
CLIENT_ID = f"{HA_URL}/"
USERNAME = "dev"
PASSWORD = "heldar-dev"  # noqa: S105 - a throw-away local development login
ONBOARDING_STEPS = ("user", "core_config", "analytics", "integration")
DEMO_PORT = 8554
DEMO_USER = "demo"
DEMO_PASSWORD = "p@ss/w:rd%21"  # noqa: S105 - proves nasty passwords work end to end
# Only for the very first start, so HA binds to the loopback from its first second: HA moves
# it into its storage, scripts/develop confirms it there, drops it from YAML and restarts HA
# once, so no "HTTP YAML configuration is deprecated" repair is left behind.
HTTP_YAML = """\
# Moved into HA's storage (and removed from here) by scripts/develop on the first start.
http:
  server_host: 127.0.0.1
  server_port: 8123
"""
CONFIGURATION = """\
# Written once by scripts/develop; edit freely.
homeassistant:
  name: Heldar development
  media_dirs:
    local: {media}
{http}frontend:
config:
logbook:
media_source:
ffmpeg:
logger:
  default: warning
  logs:
    custom_components.heldar: debug
"""
DEMO_COUNTRY = "US"
RESTART_EXIT_CODE = 100  # what hass exits with when a restart is asked for in the UI


def main() -> int:
    """Start the camera and HA, configure Heldar, wait for Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segment-seconds", type=int, default=10)
    parser.add_argument(
        "--mode",
        choices=("continuous", "event"),
        default="continuous",
        help="the demo camera's recording mode when it is added (event: trigger it to record)",
    )
    args = parser.parse_args()

    ensure_requirements()
    prepare_config()
    camera = start_camera()
    hass = start_hass()

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # Ctrl-C already raises KeyboardInterrupt
    try:
        token = wait_and_log_in(hass)
        if asyncio.run(confirm_http_config(token)):
            say("restarting Home Assistant once: its HTTP settings now live in its storage")
            stop_hass(hass)
            hass = start_hass()
            token = wait_and_log_in(hass)
        entry_id, cameras = ensure_hub(token)
        if cameras == 0:
            add_demo_camera(token, entry_id, args.segment_seconds, args.mode)
        recordings = CONFIG / "media" / "heldar"
        print(
            f"\nHome Assistant: {HA_URL}  (user {USERNAME!r}, password {PASSWORD!r})\n"
            f"Demo camera:    rtsp://127.0.0.1:{DEMO_PORT}/stream"
            f" (user {DEMO_USER!r}, password {DEMO_PASSWORD!r})\n"
            f"Recordings:     {recordings}/demo_camera/\n"
            "Press Ctrl-C to stop Home Assistant and the camera.\n",
            flush=True,
        )
        while True:
            time.sleep(0.5)
            if hass.poll() is None:
                continue
            if hass.returncode != RESTART_EXIT_CODE:
                break
            say("Home Assistant asked for a restart: starting it again")
            hass = start_hass()
    except KeyboardInterrupt:
        pass
    finally:
        shutdown(hass, camera)
    return 0


def start_hass() -> subprocess.Popen[bytes]:
    """Start Home Assistant on config/, in its own session (Ctrl-C is handled here)."""
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "hass"), "-c", str(CONFIG)], start_new_session=True
    )


# The frontend, and the voice pipeline HA imports to answer the frontend's list of actions.
NEEDED = {"frontend": "hass_frontend", "assist_pipeline": "pymicro_vad"}


def ensure_requirements() -> None:
    """Install, once, the packages a browser session needs that the test venv lacks."""
    python = str(ROOT / ".venv" / "bin" / "python")
    components = next(
        (ROOT / ".venv" / "lib").glob("python3*/site-packages/homeassistant/components")
    )
    for component, module in NEEDED.items():
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run([python, "-c", f"import {module}"], check=True, capture_output=True)
            continue
        requirements = json.loads((components / component / "manifest.json").read_text())[
            "requirements"
        ]
        print(f"scripts/develop: installing {' '.join(requirements)} (first run only)", flush=True)
        # Some of these compile; point the compiler at this interpreter's multiarch headers too.
        include = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['include'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        env = {**os.environ, "CPATH": str(Path(include).parent)}
        subprocess.run([python, "-m", "pip", "install", "-q", *requirements], check=True, env=env)


def prepare_config() -> None:
    """Create config/ with Heldar linked in, keeping anything already there."""
    (CONFIG / "custom_components").mkdir(parents=True, exist_ok=True)
    (CONFIG / "media").mkdir(exist_ok=True)
    link = CONFIG / "custom_components" / "heldar"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / "heldar", target_is_directory=True)
    configuration = CONFIG / "configuration.yaml"
    if not configuration.exists():
        configuration.write_text(CONFIGURATION.format(media=CONFIG / "media", http=HTTP_YAML))
    elif "\nlogbook:" not in (text := configuration.read_text()):
        configuration.write_text(text.replace("\nconfig:\n", "\nconfig:\nlogbook:\n"))


def start_camera() -> subprocess.Popen[str]:
    """Start the GStreamer demo camera on a fixed port, so the stored URL stays valid."""
    camera = subprocess.Popen(
        [
            "/usr/bin/python3",
            str(ROOT / "scripts" / "rtsp_camera.py"),
            "--port",
            str(DEMO_PORT),
            "--user",
            DEMO_USER,
            "--password",
            DEMO_PASSWORD,
            "--width",
            "1280",
            "--height",
            "720",
            "--bitrate",
            "1500",
            # Colour bars: a picture a person recognises in the camera's still and live view.
            "--pattern",
            "smpte",
        ],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    line = camera.stdout.readline() if camera.stdout else ""
    if not line.startswith("READY"):
        camera.kill()
        sys.exit(f"scripts/develop: the demo camera did not start (is port {DEMO_PORT} free?)")
    return camera


def say(message: str) -> None:
    """Print a progress line between Home Assistant's own log lines."""
    print(f"scripts/develop: {message}", flush=True)


def request(
    method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
) -> Any:  # noqa: ANN401 - JSON
    """Call HA's HTTP API and return the decoded JSON answer."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{HA_URL}{path}", data=data, headers=headers, method=method)  # noqa: S310 - loopback only
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def form_request(path: str, fields: dict[str, str]) -> Any:  # noqa: ANN401 - JSON
    """POST a form to HA's auth API."""
    data = urllib.parse.urlencode(fields).encode()
    req = urllib.request.Request(f"{HA_URL}{path}", data=data, method="POST")  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def wait_and_log_in(hass: subprocess.Popen[bytes]) -> str:
    """Wait for HA's API, onboard the dev user on the first run, return an access token."""
    wait_until_up(hass)
    return onboard_or_log_in()


def wait_until_up(hass: subprocess.Popen[bytes]) -> None:
    """Wait until HA's HTTP API answers at all."""
    say("waiting for Home Assistant to answer")
    deadline = time.monotonic() + 180
    while True:
        if hass.poll() is not None:
            sys.exit("scripts/develop: Home Assistant exited; see its log above")
        try:
            # Asked without a login on purpose: /api/ would answer 401, which HA reports as a
            # failed login attempt (a notification in the new user's HA).
            request("GET", "/auth/providers")
            break
        except urllib.error.HTTPError:
            break  # it answers: HA is up
        except urllib.error.URLError, ConnectionError:
            if time.monotonic() > deadline:
                sys.exit("scripts/develop: Home Assistant did not answer in 3 minutes")
            time.sleep(1)


def onboard_or_log_in() -> str:
    """Onboard the dev user on the first run (log in on later ones); return a token."""
    try:
        steps = request("GET", "/api/onboarding")
    except urllib.error.HTTPError as err:
        if err.code != HTTPStatus.NOT_FOUND:  # HA drops the view once onboarding is over
            raise
        steps = [{"step": step, "done": True} for step in ONBOARDING_STEPS]
    done = {step["step"] for step in steps if step["done"]}
    if "user" not in done:
        say(f"onboarding the user {USERNAME!r}")
        answer = request(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": CLIENT_ID,
                "name": "Developer",
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        token = exchange(answer["auth_code"])
    else:
        token = log_in()
    say("logged in")
    for step, body in (
        ("core_config", {}),
        ("analytics", {}),
        ("integration", {"client_id": CLIENT_ID, "redirect_uri": f"{HA_URL}/?auth_callback=1"}),
    ):
        if step not in done:
            request("POST", f"/api/onboarding/{step}", body, token)
    return token


async def confirm_http_config(token: str) -> bool:
    """Confirm the HTTP settings HA moved from YAML into storage, and drop them from YAML.

    HA 2026.10 treats migrated HTTP settings as a trial: unconfirmed, it reverts to the default
    (listening on every interface) and restarts after five minutes. Returns whether YAML was
    changed, so HA must restart once to drop its deprecation repair.
    """
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{HA_URL}/api/websocket") as ws,
    ):
        await ws.receive_json()
        await ws.send_json({"type": "auth", "access_token": token})
        await ws.receive_json()
        await ws.send_json({"id": 1, "type": "http/config"})
        config = (await ws.receive_json())["result"]
        pending = config.get("pending")
        if pending and not pending.get("error"):
            await ws.send_json({"id": 2, "type": "http/config/promote"})
            answer = await ws.receive_json()
            if not answer.get("success"):
                sys.exit(f"scripts/develop: could not confirm the HTTP settings: {answer}")
        # The country onboarding's UI would ask for; without one HA raises a repair.
        await ws.send_json({"id": 3, "type": "get_config"})
        if not (await ws.receive_json())["result"].get("country"):
            await ws.send_json({"id": 4, "type": "config/core/update", "country": DEMO_COUNTRY})
            await ws.receive_json()
    configuration = CONFIG / "configuration.yaml"
    text = configuration.read_text()
    if HTTP_YAML not in text:
        return False
    configuration.write_text(text.replace(HTTP_YAML, ""))
    return True


def exchange(code: str) -> str:
    """Trade an authorization code for an access token."""
    answer = form_request(
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
    )
    return str(answer["access_token"])


def log_in() -> str:
    """Log the dev user in through HA's login flow."""
    flow = request(
        "POST",
        "/auth/login_flow",
        {"client_id": CLIENT_ID, "handler": ["homeassistant", None], "redirect_uri": CLIENT_ID},
    )
    result = request(
        "POST",
        f"/auth/login_flow/{flow['flow_id']}",
        {"client_id": CLIENT_ID, "username": USERNAME, "password": PASSWORD},
    )
    return exchange(result["result"])


def ensure_hub(token: str) -> tuple[str, int]:
    """Create the Heldar hub through its config flow, unless it exists.

    Returns its entry id and how many cameras it has.
    """
    entries = request("GET", "/api/config/config_entries/entry?domain=heldar", token=token)
    if entries:
        say("the Heldar hub is already set up")
        return str(entries[0]["entry_id"]), int(entries[0]["num_subentries"])
    say("adding the Heldar hub through its config flow")
    flow = request("POST", "/api/config/config_entries/flow", {"handler": "heldar"}, token)
    result = request(
        "POST",
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        {"storage_dir": str(CONFIG / "media" / "heldar")},
        token,
    )
    if result.get("type") != "create_entry":
        sys.exit(f"scripts/develop: the hub flow did not finish: {result}")
    return str(result["result"]["entry_id"]), 0


def add_demo_camera(token: str, entry_id: str, segment_seconds: int, mode: str) -> None:
    """Add the demo camera through the camera subentry flow, as the UI would."""
    say("adding the demo camera through the camera flow")
    flow = request(
        "POST",
        "/api/config/config_entries/subentries/flow",
        {"handler": [entry_id, "camera"]},
        token,
    )
    request(
        "POST",
        f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
        {"next_step_id": "url"},
        token,
    )
    result = request(
        "POST",
        f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
        {
            "name": "Demo camera",
            "stream_url": f"rtsp://127.0.0.1:{DEMO_PORT}/stream",
            "username": DEMO_USER,
            "password": DEMO_PASSWORD,
            "segment_seconds": segment_seconds,
            "record_audio": False,
        },
        token,
    )
    if result.get("step_id") == "recording":
        result = request(
            "POST",
            f"/api/config/config_entries/subentries/flow/{flow['flow_id']}",
            {"record_mode": mode},  # retention and quota keep their defaults
            token,
        )
    if result.get("step_id") == "events":  # pre-roll, post-roll and clip retention: defaults
        result = request(
            "POST", f"/api/config/config_entries/subentries/flow/{flow['flow_id']}", {}, token
        )
    if result.get("type") != "create_entry":
        sys.exit(f"scripts/develop: the camera flow did not finish: {result}")


def stop_hass(hass: subprocess.Popen[bytes]) -> None:
    """Stop HA gracefully (it lets every FFmpeg finish its segment)."""
    if hass.poll() is None:
        hass.send_signal(signal.SIGTERM)
        try:
            hass.wait(60)
        except subprocess.TimeoutExpired:
            hass.kill()
            hass.wait()


def shutdown(hass: subprocess.Popen[bytes], camera: subprocess.Popen[str]) -> None:
    """Stop HA first (it stops FFmpeg gracefully), then the camera."""
    print("\nscripts/develop: stopping Home Assistant ...", flush=True)
    stop_hass(hass)
    camera.terminate()
    try:
        camera.wait(10)
    except subprocess.TimeoutExpired:
        camera.kill()
        camera.wait()
    print("scripts/develop: stopped", flush=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
