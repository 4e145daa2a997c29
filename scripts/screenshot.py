"""scripts/screenshot: README screenshots of Heldar in the scripts/develop Home Assistant.

Needs scripts/develop running, Playwright (requirements_test.txt) and Debian's Chromium. Logs
in as the dev user on HA's own login page, then takes, at 1280x800:

- ``add-camera.png``: the Add camera form for a stream URL (the dialog is closed again, so the
  flow adds nothing);
- ``device.png``: the first Heldar camera's device page, with its camera opened on it, once
  the live picture has loaded;
- ``media-browser.png``: the media browser inside that camera's recordings.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
import sys
from typing import Any

from playwright.sync_api import Error as PlaywrightError, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
HA_URL = "http://127.0.0.1:8123"
USERNAME = "dev"
PASSWORD = "heldar-dev"  # noqa: S105 - scripts/develop's throw-away local login
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH, HEIGHT = 1280, 800

# The first Heldar camera's device, from the frontend's own copy of the device registry.
CAMERA_DEVICE_JS = """
() => {
  const hass = document.querySelector("home-assistant")?.hass;
  if (!hass || !hass.devices || !hass.entities) return null;
  const cameras = Object.values(hass.entities)
    .filter((e) => e.platform === "heldar" && e.entity_id.startsWith("camera."));
  const found = cameras.map((e) => ({...hass.devices[e.device_id], camera: e.entity_id}))
    .filter((d) => d.id);
  found.sort((a, b) => (a.name || "").localeCompare(b.name || ""));
  return found.length ? {id: found[0].id, name: found[0].name, camera: found[0].camera} : null;
}
"""
MORE_INFO_JS = """
(entityId) => document.querySelector("home-assistant").dispatchEvent(new CustomEvent(
  "hass-more-info", {detail: {entityId}, bubbles: true, composed: true}))
"""
# Whether a camera picture (a still, an MJPEG or an HLS video) has loaded, shadow roots included.
PICTURE_LOADED_JS = """
() => {
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.tagName === "IMG" && (el.src || "").includes("/api/camera_proxy")
          && el.naturalWidth > 0) return true;  // an MJPEG never "completes"
      if (el.tagName === "VIDEO" && el.readyState >= 2) return true;
      if (el.shadowRoot && walk(el.shadowRoot)) return true;
    }
    return false;
  };
  return walk(document);
}
"""


class ScreenshotError(Exception):
    """Something the user has to fix; the message says what."""


def main() -> int:
    """Parse the arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", type=Path, default=ROOT / "docs", help="folder for the PNGs (default docs/)"
    )
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the browser (default {CHROMIUM})")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for each page")
    args = parser.parse_args()
    if not Path(args.chromium).is_file():
        print(
            f"scripts/screenshot: no Chromium at {args.chromium}. Install Debian's:\n"
            "  apt-get install -y chromium   (never `playwright install`)",
            file=sys.stderr,
        )
        return 1
    try:
        take_screenshots(args.output.resolve(), args.chromium, args.timeout * 1000)
    except (ScreenshotError, PlaywrightError) as err:
        print(f"scripts/screenshot: {err}", file=sys.stderr)
        return 1
    return 0


def take_screenshots(folder: Path, chromium: str, timeout_ms: float) -> None:
    """Log in, then take every screenshot into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(timeout_ms)
            log_in(page)
            device = camera_device(page)
            shots: list[tuple[str, Callable[[Page], None]]] = [
                ("add-camera.png", add_camera_form),
                ("device.png", lambda p: device_page(p, device)),
                ("media-browser.png", lambda p: media_browser(p, device)),
            ]
            for name, shoot in shots:
                shoot(page)
                page.screenshot(path=folder / name)
                print(f"Wrote {folder / name}", flush=True)
        finally:
            browser.close()


def log_in(page: Page) -> None:
    """Log in on HA's login page, as a person would."""
    try:
        page.goto(HA_URL)
    except PlaywrightError as err:
        msg = f"Home Assistant does not answer on {HA_URL}: start scripts/develop first ({err})"
        raise ScreenshotError(msg) from err
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url(lambda url: "/auth/" not in url)
    page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.connected")


def camera_device(page: Page) -> dict[str, Any]:
    """Return the id, name and camera entity of the first Heldar camera's device."""
    page.wait_for_function(f"({CAMERA_DEVICE_JS})() !== null")
    device: dict[str, Any] = page.evaluate(CAMERA_DEVICE_JS)
    return device


def add_camera_form(page: Page) -> None:
    """Open Heldar's integration page, Add camera, and the stream URL form."""
    page.goto(f"{HA_URL}/config/integrations/integration/heldar")
    page.get_by_role("button", name="Add camera").first.click()
    page.get_by_text("A stream URL (RTSP or HTTP)").click()
    page.get_by_text("Add a camera by its stream URL").wait_for()
    page.wait_for_timeout(500)  # let the dialog finish its opening animation


def device_page(page: Page, device: dict[str, Any]) -> None:
    """Open the camera from its device page, and wait for the live picture."""
    page.keyboard.press("Escape")  # closes the Add camera dialog, which discards its flow
    page.goto(f"{HA_URL}/config/devices/device/{device['id']}")
    page.get_by_text("Device info").wait_for()
    # What clicking the camera's row does: the frontend's more-info dialog for it.
    page.evaluate(MORE_INFO_JS, device["camera"])
    page.wait_for_function(PICTURE_LOADED_JS)
    page.wait_for_timeout(1500)


def media_browser(page: Page, device: dict[str, Any]) -> None:
    """Browse Media > Heldar > the camera."""
    page.keyboard.press("Escape")  # closes the camera dialog
    page.goto(f"{HA_URL}/media-browser/browser")
    page.get_by_text("Heldar", exact=True).filter(visible=True).first.click()
    page.get_by_text(device["name"], exact=True).filter(visible=True).first.click()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)  # thumbnails


if __name__ == "__main__":
    sys.exit(main())
