"""FFmpeg processes that a dead Home Assistant left behind, found and ended before a restart.

When Home Assistant dies without its stop path running (SIGKILL, the OOM killer, a container
restarted hard), its FFmpegs would live on, and the next start would add a second FFmpeg
writing the same folder. Two guards keep that from happening:

- every FFmpeg Heldar starts asks the kernel for SIGTERM when Home Assistant dies
  (``PR_SET_PDEATHSIG``, see ``process.py``); SIGTERM lets FFmpeg finish its segment;
- before a camera starts, this module ends the FFmpegs a previous Home Assistant left writing
  into the camera's folders, in case one outlived it anyway.

A process is ended only when all of these hold, so nothing that is not Heldar's is touched:
its environment carries the ``HELDAR_OWNER`` mark that ``process.py`` gives every FFmpeg
(the pid and start time of the Home Assistant that started it); that Home Assistant is gone
(a live one, this one included, owns its FFmpegs); and one of its arguments lies inside the
camera's folder. The signal goes through a pidfd opened after the process's start time was
checked again, so a pid reused in between is never hit. Linux only; elsewhere nothing is found.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
import functools
import logging
import os
from pathlib import Path
import select
import signal

_LOGGER = logging.getLogger(__name__)

OWNER_ENV = "HELDAR_OWNER"
_PROC = Path("/proc")
_TERM_WAIT = 3.0
_KILL_WAIT = 2.0


@dataclass(frozen=True, slots=True)
class Identity:
    """A process as it cannot be confused with another: its pid and its start time."""

    pid: int
    start: int  # clock ticks after boot (/proc/<pid>/stat, field 22)

    def __str__(self) -> str:
        """Return the form kept in ``HELDAR_OWNER``."""
        return f"{self.pid}:{self.start}"

    @classmethod
    def parse(cls, text: str) -> Identity | None:
        """Read the ``HELDAR_OWNER`` form; None when it is not one."""
        pid, _, start = text.partition(":")
        try:
            return cls(int(pid), int(start))
        except ValueError:
            return None

    @property
    def alive(self) -> bool:
        """Whether this very process still runs (a zombie has ended)."""
        stat = _stat(self.pid)
        return stat is not None and stat[0] != "Z" and stat[1] == self.start


def _stat(pid: int) -> tuple[str, int] | None:
    """Return a process's state letter and start time, or None when it is gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[19])


@functools.cache
def this_process() -> Identity | None:
    """Return this process's identity, the mark its FFmpegs carry; None off Linux."""
    stat = _stat(os.getpid())
    return Identity(os.getpid(), stat[1]) if stat is not None else None


def owner_env() -> dict[str, str]:
    """Return the environment entry that marks an FFmpeg as started by this process."""
    me = this_process()
    return {OWNER_ENV: str(me)} if me is not None else {}


def _inside(argument: str, folders: tuple[Path, ...]) -> bool:
    return any(argument == str(f) or argument.startswith(f"{f}/") for f in folders)


def _orphan_in(pid: int, folders: tuple[Path, ...]) -> Identity | None:
    """Return the process's identity if it is an orphaned Heldar FFmpeg of these folders."""
    base = _PROC / str(pid)
    try:
        environ = (base / "environ").read_bytes().split(b"\0")
        argv = (base / "cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None  # gone, or not ours to read (another user's process)
    prefix = f"{OWNER_ENV}=".encode()
    mark = next((v[len(prefix) :] for v in environ if v.startswith(prefix)), None)
    if mark is None or not any(_inside(argument, folders) for argument in argv[1:]):
        return None
    owner = Identity.parse(mark.decode(errors="replace"))
    if owner is None or owner.alive:
        return None  # a running Home Assistant (maybe this one) looks after it
    stat = _stat(pid)
    if stat is None or stat[0] == "Z":
        return None
    return Identity(pid, stat[1])


def find_orphans(folders: tuple[Path, ...]) -> list[Identity]:
    """Return the orphaned Heldar FFmpegs writing into ``folders``. Blocking."""
    folders = tuple(Path(os.path.abspath(f)) for f in folders)  # noqa: PTH100 - no symlinks
    try:
        pids = [int(entry.name) for entry in _PROC.iterdir() if entry.name.isdigit()]
    except OSError:
        return []
    found = (_orphan_in(pid, folders) for pid in pids if pid != os.getpid())
    return [orphan for orphan in found if orphan is not None]


def end_orphans(folders: tuple[Path, ...]) -> list[Identity]:
    """End (SIGTERM, then SIGKILL) the orphans ``find_orphans`` finds; return them. Blocking."""
    ended = []
    for orphan in find_orphans(folders):
        if _end(orphan):
            ended.append(orphan)
            _LOGGER.warning(
                "Ended FFmpeg %s, left recording into %s by a Home Assistant that did not stop it",
                orphan.pid,
                ", ".join(str(f) for f in folders),
            )
    return ended


def _end(orphan: Identity) -> bool:
    """Stop one process through a pidfd; return whether it is gone."""
    try:
        pidfd = os.pidfd_open(orphan.pid)
    except OSError:
        return not orphan.alive
    try:
        if not orphan.alive:  # the pid now names another process, or it just ended
            return True
        for signum, wait in ((signal.SIGTERM, _TERM_WAIT), (signal.SIGKILL, _KILL_WAIT)):
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(pidfd, signum)
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            if poller.poll(wait * 1000):
                return True
        return False
    finally:
        os.close(pidfd)
