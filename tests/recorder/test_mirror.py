"""The mirror: byte-identical copies, an unreachable share, catching up, its own age limit."""

from __future__ import annotations

import hashlib
from pathlib import Path

from custom_components.heldar.recorder.mirror import Mirror

from .test_retention import HOUR, NOW, Limits, camera, finished_event


def digest(path: Path) -> str:
    """Return a file's SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_copies_are_byte_identical(tmp_path: Path) -> None:
    """Segments, clips and journals arrive with the same bytes; a second run copies nothing."""
    store = camera(tmp_path / "primary", "front", [3, 2, 1], Limits())
    event = finished_event(store, 2.5)
    nas = tmp_path / "nas"
    nas.mkdir()
    mirror = Mirror(nas, retention_hours=24)
    report = await mirror.sync([store], now=NOW)
    assert report.reachable
    assert report.copied_files == 5
    for source in (tmp_path / "primary" / "front").rglob("*"):
        if source.is_file() and not source.name.startswith("."):
            copy = nas / "front" / source.relative_to(tmp_path / "primary" / "front")
            assert digest(copy) == digest(source), source.name
    assert (nas / "front" / event.clip).exists()  # type: ignore[operator]
    again = await mirror.sync([store], now=NOW)
    assert again.copied_files == 0
    assert not list(nas.rglob(".*"))  # no temporary files left behind


async def test_unreachable_then_catching_up(tmp_path: Path) -> None:
    """While the share is away nothing breaks; when it is back, the backlog is copied."""
    store = camera(tmp_path / "primary", "front", [3, 2, 1], Limits())
    nas = tmp_path / "nas"
    mirror = Mirror(nas, retention_hours=24)
    away = await mirror.sync([store], now=NOW)
    assert not away.reachable
    assert away.pending_files == 3
    assert away.error is not None
    assert "not there" in away.error
    assert not nas.exists()  # an unmounted share is never created
    nas.mkdir()
    back = await mirror.sync([store], now=NOW)
    assert back.reachable
    assert back.copied_files == 3


async def test_mirror_age_limit(tmp_path: Path) -> None:
    """The mirror keeps copies only as long as its own retention says."""
    store = camera(tmp_path / "primary", "front", [30, 20, 1], Limits())
    nas = tmp_path / "nas"
    nas.mkdir()
    await Mirror(nas, retention_hours=48).sync([store], now=NOW)
    assert len(list((nas / "front").glob("*.mp4"))) == 3
    report = await Mirror(nas, retention_hours=24).sync([store], now=NOW)
    assert report.pruned_files == 1
    assert len(list((nas / "front").glob("*.mp4"))) == 2
    assert round((NOW - 30 * HOUR - NOW) / HOUR) == -30
