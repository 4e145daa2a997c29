"""The old home of Heldar's runtime names, kept so existing imports keep working.

New code imports from ``camera_settings``, ``camera_handle`` and ``data``.
"""

from __future__ import annotations

from .camera_handle import CameraHandle, TriggerResult
from .camera_settings import CameraConfig
from .data import HeldarConfigEntry, HeldarData, async_get_hub

__all__ = [
    "CameraConfig",
    "CameraHandle",
    "HeldarConfigEntry",
    "HeldarData",
    "TriggerResult",
    "async_get_hub",
]
