"""ffprobe: finding the one that goes with FFmpeg, and asking it a file's length and codec."""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import shutil

from .process import finish_child, start_child
from .spawn_gate import spawn_turn

_PROBE_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Probe:
    """What ffprobe said about a file."""

    duration: float | None
    codec: str | None


class FFprobeMissingError(OSError):
    """ffprobe cannot be run at all (as opposed to a file it cannot read)."""


def ffprobe_for(ffmpeg: str) -> str:
    """Return the ffprobe that belongs with an FFmpeg binary (same folder, same naming)."""
    path = Path(ffmpeg)
    name = path.name.replace("ffmpeg", "ffprobe") if "ffmpeg" in path.name else "ffprobe"
    return str(path.with_name(name)) if path.parent != Path() else name


def find_ffprobe(ffmpeg: str) -> str | None:
    """Return a runnable ffprobe: beside FFmpeg, else on PATH, else None. Blocking."""
    for candidate in (ffprobe_for(ffmpeg), "ffprobe"):
        if found := shutil.which(candidate):
            return found
    return None


async def probe(ffprobe: str, path: Path) -> Probe | None:
    """Return a file's duration and video codec, or None if ffprobe cannot read it.

    Raises ``FFprobeMissingError`` when ffprobe itself cannot be run: that says nothing about
    the file, which must then not be quarantined.
    """
    argv = [
        ffprobe,
        *("-v", "error", "-of", "json"),
        *("-show_entries", "format=duration:stream=codec_type,codec_name"),
        str(path),
    ]
    try:
        async with spawn_turn():  # every camera's first segment closes in the same second
            process = await start_child(argv)
    except OSError as err:
        raise FFprobeMissingError(err.errno, f"{ffprobe}: {err.strerror}") from err
    out = await finish_child(process, _PROBE_TIMEOUT)
    if out is None or process.returncode != 0:
        return None
    try:
        data = json.loads(out)
        duration = float(data["format"]["duration"])
    except ValueError, KeyError, TypeError:
        return Probe(None, None)
    codec = next(
        (s.get("codec_name") for s in data.get("streams", []) if s.get("codec_type") == "video"),
        None,
    )
    return Probe(duration, codec)
