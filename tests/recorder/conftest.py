"""Fixtures for the recorder core's tests: a fake FFmpeg and its environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media import FAKE_FFMPEG


@pytest.fixture
def fake_ffmpeg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Return the fake FFmpeg; every start it makes is logged to ``fake_ffmpeg.log``."""
    monkeypatch.setenv("HELDAR_FAKE_LOG", str(tmp_path / "fake_ffmpeg.log"))
    return FAKE_FFMPEG
