"""Constants shared by Heldar's Home Assistant modules."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "heldar"
SUBENTRY_CAMERA: Final = "camera"

# Hub (config entry) keys.
CONF_STORAGE_DIR: Final = "storage_dir"
CONF_MIN_FREE_GB: Final = "min_free_gb"
CONF_MIRROR_DIR: Final = "mirror_dir"
CONF_MIRROR_RETENTION_HOURS: Final = "mirror_retention_hours"
# Hub option (entry options, no reload): non-admin users may export and share footage.
CONF_ALLOW_USER_EXPORT: Final = "allow_user_export"
DEFAULT_STORAGE_FOLDER: Final = "heldar"
DEFAULT_MIN_FREE_GB: Final = 5.0
DEFAULT_MIRROR_RETENTION_HOURS: Final = 24 * 7

# Camera (config subentry) keys. The first six are a contract with users and other tools.
CONF_NAME: Final = "name"
CONF_STREAM_URL: Final = "stream_url"
CONF_SUB_STREAM_URL: Final = "sub_stream_url"
CONF_CONTINUOUS_STREAM: Final = "continuous_stream"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a key name, not a password
CONF_SEGMENT_SECONDS: Final = "segment_seconds"
CONF_RECORD_AUDIO: Final = "record_audio"
CONF_TRANSCODE_MJPEG: Final = "transcode_mjpeg"
# Instead of a stream URL: a camera entity of another integration, asked for its stream.
CONF_CAMERA_ENTITY: Final = "camera_entity"
# Recording modes (issue: modes). Stored with the camera, changed without an FFmpeg restart.
CONF_RECORD_MODE: Final = "record_mode"
CONF_SCHEDULES: Final = "schedules"
CONF_PRE_ROLL_SECONDS: Final = "pre_roll_seconds"
CONF_POST_ROLL_SECONDS: Final = "post_roll_seconds"
CONF_RETENTION_HOURS: Final = "retention_hours"
CONF_EVENT_RETENTION_HOURS: Final = "event_retention_hours"
CONF_QUOTA_GB: Final = "quota_gb"
DEFAULT_RETENTION_HOURS: Final = 24 * 7
DEFAULT_EVENT_RETENTION_HOURS: Final = 24 * 30
# Activity from frame sizes (issue 26): the sensor's sensitivity (percent) and how long footage
# without activity is kept (hours; 0: as long as the rest). Both apply without a restart.
CONF_ACTIVITY_SENSITIVITY: Final = "activity_sensitivity"
CONF_IDLE_RETENTION_HOURS: Final = "idle_retention_hours"
DEFAULT_ACTIVITY_SENSITIVITY: Final = 50
# Keys of one schedule window.
CONF_DAYS: Final = "days"
CONF_START: Final = "start"
CONF_END: Final = "end"
CONF_ENABLED: Final = "enabled"
CONF_ALL_DAY: Final = "all_day"
# Set by Heldar, not by the form.
CONF_SLUG: Final = "slug"
CONF_RECORD_ENABLED: Final = "record_enabled"

DEFAULT_SEGMENT_SECONDS: Final = 60
MAX_SEGMENT_SECONDS: Final = 3600

DEFAULT_PRE_ROLL_SECONDS: Final = 10
MAX_PRE_ROLL_SECONDS: Final = 300
DEFAULT_POST_ROLL_SECONDS: Final = 30
MAX_POST_ROLL_SECONDS: Final = 3600

PROBE_TIMEOUT_SECONDS: Final = 10.0

SERVICE_TRIGGER: Final = "trigger"
ATTR_REASON: Final = "reason"
ATTR_POST_ROLL: Final = "post_roll"
SERVICE_EXPORT: Final = "export"
SERVICE_SHARE: Final = "share"
SERVICE_UNSHARE: Final = "unshare"
EVENT_EXPORT_FINISHED: Final = f"{DOMAIN}_export_finished"

SIGNAL_CAMERA_ADDED: Final = f"{DOMAIN}_camera_added_{{}}"

# Bus events for event recordings (documented in the README; automations use them).
EVENT_RECORDING_STARTED: Final = f"{DOMAIN}_recording_started"
EVENT_RECORDING_FINISHED: Final = f"{DOMAIN}_recording_finished"
MEDIA_SOURCE_PREFIX: Final = f"media-source://{DOMAIN}"

GB: Final = 1_000_000_000
SIGNAL_STORAGE_UPDATED: Final = f"{DOMAIN}_storage_updated_{{}}"
ISSUE_DISK_BELOW_FLOOR: Final = "disk_below_floor"
ISSUE_MIRROR_UNREACHABLE: Final = "mirror_unreachable"
# The reason the Trigger recording button gives; shown translated, kept raw in event data.
REASON_BUTTON: Final = "button"
