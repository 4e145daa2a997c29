"""Constants shared by Heldar's Home Assistant modules."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "heldar"
SUBENTRY_CAMERA: Final = "camera"

# Hub (config entry) keys.
CONF_STORAGE_DIR: Final = "storage_dir"
DEFAULT_STORAGE_FOLDER: Final = "heldar"

# Camera (config subentry) keys. The first six are a contract with users and other tools.
CONF_NAME: Final = "name"
CONF_STREAM_URL: Final = "stream_url"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a key name, not a password
CONF_SEGMENT_SECONDS: Final = "segment_seconds"
CONF_RECORD_AUDIO: Final = "record_audio"
# Set by Heldar, not by the form.
CONF_SLUG: Final = "slug"
CONF_RECORD_ENABLED: Final = "record_enabled"

DEFAULT_SEGMENT_SECONDS: Final = 60
MIN_SEGMENT_SECONDS: Final = 2
MAX_SEGMENT_SECONDS: Final = 3600

PROBE_TIMEOUT_SECONDS: Final = 10.0

SIGNAL_CAMERA_ADDED: Final = f"{DOMAIN}_camera_added_{{}}"
