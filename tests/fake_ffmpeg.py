#!/usr/bin/python3
"""A stand-in for FFmpeg in fast unit tests: it writes MP4-shaped segments, or misbehaves.

It understands just enough of Heldar's command lines (the output pattern, ``-segment_time``,
``-version``, the probe's ``-f null -``) and takes its behaviour from the environment:

- ``HELDAR_FAKE_MODE``: ``record`` (default), ``exit`` (print ``HELDAR_FAKE_STDERR`` and exit
  with ``HELDAR_FAKE_CODE`` after ``HELDAR_FAKE_DELAY`` seconds), ``silent`` (write one
  fragment, then nothing while staying alive), ``stubborn`` (record and ignore SIGINT and
  SIGTERM) or ``longgop`` (a fragment only every ``HELDAR_FAKE_GOP`` seconds, as a camera
  with a long keyframe interval writes);
- ``HELDAR_FAKE_DRIFT``: how fast the reported media time runs against the wall clock (``2``:
  timestamps that race ahead, as after a camera's clock jumps);
- ``HELDAR_FAKE_PROGRESS``: ``on`` (default) prints FFmpeg's ``-progress`` reports on stdout
  when asked to, with the media time advancing as long as media "flows"; ``off`` prints none,
  as an FFmpeg without them;
- ``HELDAR_FAKE_PROBE``: ``ok`` (default), ``auth``, ``refused``, ``not_found``, ``fail`` (no
  reason given) or ``hang`` for probe runs;
- ``HELDAR_FAKE_LOG``: a file to which every start appends its pid and argv.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import signal
import struct
import sys
import time


def box(kind: bytes, payload: bytes = b"") -> bytes:
    """Return one MP4 box."""
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def log(**record: object) -> None:
    """Append one JSON line to HELDAR_FAKE_LOG, if set."""
    if path := os.environ.get("HELDAR_FAKE_LOG"):
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"pid": os.getpid(), "time": time.time(), **record}) + "\n")


def join(argv: list[str]) -> int:
    """Act as the concat demuxer: glue the listed files' boxes into one MP4-shaped file."""
    if os.environ.get("HELDAR_FAKE_JOIN") == "fail":
        sys.stderr.write("concat: Impossible to open 'x.mp4'\n")
        return 1
    if os.environ.get("HELDAR_FAKE_JOIN") == "hang":
        log(hanging=True)
        time.sleep(60)
    script = Path(argv[argv.index("-i") + 1]).read_text(encoding="utf-8")
    sources = [line[6:-1] for line in script.splitlines() if line.startswith("file '")]
    with Path(argv[-1]).open("wb") as out:
        out.write(box(b"ftyp", b"isom") + box(b"moov"))
        out.writelines(
            box(b"moof") + box(b"mdat", Path(source).read_bytes()[-64:]) for source in sources
        )
    log(joined=sources)
    return 0


def main() -> int:  # noqa: C901, PLR0911, PLR0912, PLR0915
    """Behave as the environment says."""
    argv = sys.argv[1:]
    log(argv=argv)
    if argv == ["-version"]:
        version = os.environ.get("HELDAR_FAKE_VERSION", "9.9-fake")
        sys.stdout.write(f"ffmpeg version {version} Copyright (c) the fake\n")
        return 0
    if argv[-3:] == ["-f", "null", "-"]:
        probe = os.environ.get("HELDAR_FAKE_PROBE", "ok")
        if probe == "auth":
            sys.stderr.write("rtsp://u:secret@cam/s: Server returned 401 Unauthorized\n")
            return 1
        if probe == "refused":
            sys.stderr.write("rtsp://cam/s: Connection refused\n")
            return 1
        if probe == "not_found":
            sys.stderr.write("rtsp://cam/s: Server returned 404 Not Found\n")
            return 1
        if probe == "fail":
            sys.stderr.write("rtsp://cam/s: Invalid data found when processing input\n")
            return 1
        if probe == "hang":
            time.sleep(60)
        return 0

    if "concat" in argv:
        return join(argv)

    mode = os.environ.get("HELDAR_FAKE_MODE", "record")
    if mode == "exit":
        time.sleep(float(os.environ.get("HELDAR_FAKE_DELAY", "0")))
        sys.stderr.write(os.environ.get("HELDAR_FAKE_STDERR", ""))
        return int(os.environ.get("HELDAR_FAKE_CODE", "1"))

    stop = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True
        log(signal=signal.Signals(signum).name)

    if mode == "stubborn":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    pattern = argv[-1]
    segment = float(argv[argv.index("-segment_time") + 1]) if "-segment_time" in argv else 60
    gop = float(os.environ.get("HELDAR_FAKE_GOP", "0.05")) if mode == "longgop" else 0.05
    progress = "-progress" in argv and os.environ.get("HELDAR_FAKE_PROGRESS", "on") == "on"
    drift = float(os.environ.get("HELDAR_FAKE_DRIFT", "1"))
    started = time.time()
    opened = last_fragment = 0.0
    handle = None
    fragments = 0
    while not stop:
        now = time.time()
        # A silent stream reports its one fragment, then nothing more.
        if progress and (mode != "silent" or now - last_fragment < 0.2):
            # Like FFmpeg: no frame and no media time until the first keyframe is written.
            media_us = int((now - started) * drift * 1e6) if fragments else 0
            frames = int((now - started) * 25) if fragments else 0
            sys.stdout.write(f"frame={frames}\nout_time_us={media_us}\nprogress=continue\n")
            sys.stdout.flush()
        if handle is None or now - opened >= segment:
            if handle is not None:
                handle.close()
            opened = now
            path = time.strftime(pattern, time.gmtime(now))
            handle = Path(path).open("ab")  # noqa: SIM115 - rotated by hand
            handle.write(box(b"ftyp", b"isom") + box(b"moov"))
        if (mode != "silent" or fragments == 0) and now - last_fragment >= gop:
            handle.write(box(b"moof") + box(b"mdat", b"x" * 512))
            handle.flush()
            fragments += 1
            last_fragment = now
        time.sleep(0.05)
    if handle is not None:
        handle.close()
    return 255


if __name__ == "__main__":
    sys.exit(main())
