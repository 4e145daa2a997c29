"""The checks every fault case gets without asking: a process watch and a credential-leak scan.

- ``process_watch`` samples ``/proc`` every 20 ms in a thread for the whole test. It remembers
  every process whose command line mentions the test's directory, counts the FFmpeg of each
  tracked camera folder at every sample, and at teardown requires that none of them is alive.
- ``leak_scan`` listens to every bus event from the start, samples states, repair issues and
  diagnostics while the test runs, and at teardown also reads every captured log record; the
  camera password may not appear anywhere, in any spelling.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
import contextlib
import ctypes
import dataclasses
import errno
import json
import logging
import os
from pathlib import Path
import threading
import time

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, MATCH_ALL
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir
import pytest

from custom_components.heldar import diagnostics
from custom_components.heldar.const import DOMAIN
from tests.media import pid_alive, processes_with, require_media_tools

from .helpers import PASSWORD, PASSWORD_FRAGMENTS, spellings

WATCH_INTERVAL = 0.02
SNAPSHOT_INTERVAL = 1.0


@dataclasses.dataclass(slots=True)
class Sighting:
    """One process seen with the test's directory in its command line."""

    pid: int
    program: str
    first_seen: float
    last_seen: float


class ProcessWatch:
    """Sample ``/proc`` in a thread: who ran, and how many FFmpeg each camera had at once."""

    def __init__(self, root: Path, interval: float = WATCH_INTERVAL) -> None:
        """Watch processes whose command line contains ``root``."""
        self._root = str(root).encode()
        self._interval = interval
        self._folders: dict[bytes, Path] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="fault process watch")
        self.sightings: dict[int, Sighting] = {}
        self.peak: Counter[Path] = Counter()
        self.overlaps: list[tuple[Path, tuple[int, ...]]] = []
        self.samples = 0

    def track(self, folder: Path) -> None:
        """Count the recording FFmpeg writing into ``folder`` (one camera) at every sample."""
        with self._lock:
            self._folders[str(folder).rstrip("/").encode() + b"/"] = folder

    def ffmpeg_pids(self, folder: Path | None = None) -> list[int]:
        """Return the recording FFmpeg processes alive now (writing into ``folder``, if given)."""
        needle = str(folder).rstrip("/").encode() + b"/" if folder else self._root
        return [pid for pid, argv in _scan(self._root) if _is_recorder(argv) and needle in argv]

    def seen(self, program: str = "ffmpeg") -> list[int]:
        """Return every pid of ``program`` seen so far, in order of appearance."""
        with self._lock:
            found = [s for s in self.sightings.values() if s.program == program]
        return [s.pid for s in sorted(found, key=lambda s: s.first_seen)]

    def last_seen(self, pids: list[int]) -> float:
        """Return the last monotonic time any of ``pids`` was seen alive (0 if never)."""
        with self._lock:
            return max(
                (self.sightings[p].last_seen for p in pids if p in self.sightings), default=0
            )

    def start(self) -> None:
        """Start sampling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sampling and join the thread."""
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def sample(self) -> None:
        """Take one look at every process."""
        now = time.monotonic()
        found = _scan(self._root)
        with self._lock:
            self.samples += 1
            per_folder: dict[Path, list[int]] = {}
            for pid, argv in found:
                program = Path(argv.split(b"\0", 1)[0].decode(errors="replace")).name
                sighting = self.sightings.get(pid)
                if sighting is None or sighting.program != program:
                    self.sightings[pid] = Sighting(pid, program, now, now)
                else:
                    sighting.last_seen = now
                if not _is_recorder(argv):
                    continue
                for needle, folder in self._folders.items():
                    if needle in argv:
                        per_folder.setdefault(folder, []).append(pid)
            for folder, pids in per_folder.items():
                self.peak[folder] = max(self.peak[folder], len(pids))
                if len(pids) > 1:
                    self.overlaps.append((folder, tuple(pids)))


def _scan(root: bytes) -> list[tuple[int, bytes]]:
    """Return (pid, NUL-separated argv) of live processes whose argv contains ``root``.

    Zombies have an empty command line, so they never match.
    """
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if root in argv:
            found.append((int(proc.name), argv))
    return found


def _is_ffmpeg(argv: bytes) -> bool:
    return Path(argv.split(b"\0", 1)[0].decode(errors="replace")).name == "ffmpeg"


def _is_recorder(argv: bytes) -> bool:
    """A recording FFmpeg: it cuts segments (a frame grab or a scrub preview sheet does not)."""
    return _is_ffmpeg(argv) and b"\0-f\0segment\0" in argv


@pytest.fixture(autouse=True)
def process_watch(tmp_path: Path) -> Iterator[ProcessWatch]:
    """Watch every process of the test; at the end, none may be alive."""
    watch = ProcessWatch(tmp_path)
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()
    assert watch.samples > 10, "the process watch did not run"
    assert watch.overlaps == [], f"two FFmpeg for one camera at once: {watch.overlaps[:5]}"
    assert processes_with(str(tmp_path)) == [], "processes outlived the test"
    alive = [pid for pid in watch.sightings if pid_alive(pid)]
    assert alive == [], f"orphaned processes: {alive}"


class LeakScanner:
    """Look for a secret in everything Home Assistant shows or tells."""

    def __init__(self, hass: HomeAssistant, caplog: pytest.LogCaptureFixture) -> None:
        """Scan ``hass`` and the captured logs for PASSWORD until ``finish``."""
        self.hass = hass
        self.caplog = caplog
        self.needles: set[str] = spellings(PASSWORD) | set(PASSWORD_FRAGMENTS)
        self.hits: list[tuple[str, str]] = []
        self.counts: Counter[str] = Counter()
        self.errors: list[BaseException] = []
        self._dirty = asyncio.Event()
        self._unsub: Callable[[], None] | None = None
        self._task: asyncio.Task[None] | None = None

    def add_secret(self, secret: str) -> None:
        """Also look for ``secret`` (a wrong password a case configures, say)."""
        self.needles |= spellings(secret)

    def scan(self, source: str, text: str) -> None:
        """Record every needle found in ``text``, with where it was found."""
        self.counts[source] += 1
        for needle in self.needles:
            if (at := text.find(needle)) >= 0:
                self.hits.append((source, text[max(at - 80, 0) : at + 80]))

    def start(self) -> None:
        """Subscribe to every event and start sampling."""
        self._unsub = self.hass.bus.async_listen(MATCH_ALL, self._on_event)
        self._task = self.hass.loop.create_task(self._sampler(), name="fault leak sampler")

    @callback
    def _on_event(self, event: Event) -> None:
        self.scan("event", repr(event))
        if event.event_type in (EVENT_STATE_CHANGED, ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED):
            self._dirty.set()
        if event.event_type == ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED:
            # The event names the issue only; read its text now, before it may be cleared.
            self._scan_issues()

    def _scan_issues(self) -> None:
        for issue in ir.async_get(self.hass).issues.values():
            self.scan("repair issue", repr(issue))

    async def snapshot(self) -> None:
        """Scan every state, repair issue and diagnostics dump of a loaded Heldar hub now."""
        hass = self.hass
        if hass.state is not CoreState.running:
            return
        self.scan("states", repr(hass.states.async_all()))
        self._scan_issues()
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is not ConfigEntryState.LOADED:
                continue
            dump = await diagnostics.async_get_config_entry_diagnostics(hass, entry)
            self.scan("diagnostics", json.dumps(dump, default=str))
            # Device diagnostics, if the integration offers them.
            device_dump = getattr(diagnostics, "async_get_device_diagnostics", None)
            if device_dump is None:
                continue
            for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id):
                dump = await device_dump(hass, entry, device)
                self.scan("device diagnostics", json.dumps(dump, default=str))

    async def _sampler(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            try:
                await self.snapshot()
            except Exception as err:  # noqa: BLE001 - reported at teardown, never swallowed
                self.errors.append(err)
            await asyncio.sleep(SNAPSHOT_INTERVAL)

    async def finish(self) -> None:
        """Stop sampling, take a last snapshot and read every captured log record."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._unsub is not None:
            self._unsub()
        await self.snapshot()
        self.scan_logs()

    def scan_logs(self) -> None:
        """Scan every log record captured so far (setup, call and teardown), tracebacks too."""
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        records = {
            id(record): record
            for when in ("setup", "call")
            for record in self.caplog.get_records(when)  # type: ignore[arg-type]
        }
        records.update((id(record), record) for record in self.caplog.records)
        for record in records.values():
            self.scan("log", formatter.format(record))


@pytest.fixture(autouse=True)
async def leak_scan(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[LeakScanner]:
    """Scan everything Home Assistant shows for the camera password; at the end, zero hits."""
    caplog.set_level(logging.DEBUG)
    scanner = LeakScanner(hass, caplog)
    scanner.start()
    yield scanner
    await scanner.finish()
    assert scanner.errors == [], f"taking diagnostics failed: {scanner.errors!r}"
    assert scanner.hits == [], f"the camera password leaked: {scanner.hits[:5]}"
    # The scan must have looked at something, or "no hits" would mean nothing.
    for source in ("event", "log", "states", "diagnostics"):
        assert scanner.counts[source] > 0, f"the leak scan saw no {source}"


# -- read-only storage -------------------------------------------------------------------


_libc = ctypes.CDLL(None, use_errno=True)
_MS_RDONLY = 1
_MS_REMOUNT = 32
_MS_BIND = 4096
_MNT_DETACH = 2
_PR_GET_SECUREBITS = 27
_PR_SET_SECUREBITS = 28
_SECBIT_NOROOT = 1


class ReadOnlyFolder:
    """Make a folder read-only for FFmpeg for real, whoever the tests run as.

    - Not root: ``chmod 0o555``; the kernel refuses new files with EACCES.
    - Root that may mount: a read-only bind mount of the folder onto itself; every writer,
      root included, gets EROFS, as on a disk remounted read-only.
    - Root that may not mount (an unprivileged container): ``chmod 0o555``, and the processes
      this thread starts (FFmpeg) run without root's capabilities (``SECBIT_NOROOT``), so the
      kernel refuses them with EACCES. Home Assistant itself stays root here and could still
      write; only FFmpeg's view of the disk is read-only.
    """

    def __init__(self, folder: Path) -> None:
        """Prepare to protect ``folder``; call ``prepare`` before FFmpeg starts."""
        self.folder = folder
        self.mechanism = "chmod"
        self._mounted = False
        self._securebits: int | None = None

    def prepare(self) -> None:
        """Choose the mechanism; as root without mount, drop FFmpeg's capabilities from now."""
        if os.geteuid() != 0:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._mount_read_only():
            self._unmount()
            self.mechanism = "bind mount"
            return
        bits = _libc.prctl(_PR_GET_SECUREBITS, 0, 0, 0, 0)
        if bits < 0 or _libc.prctl(_PR_SET_SECUREBITS, bits | _SECBIT_NOROOT, 0, 0, 0) != 0:
            message = "as root, neither a read-only bind mount nor SECBIT_NOROOT is allowed"
            if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
                pytest.fail(message)
            pytest.skip(message)
        self._securebits = bits
        self.mechanism = "chmod, FFmpeg without root capabilities"

    def make_read_only(self) -> None:
        """Refuse new files in the folder from now on."""
        if self.mechanism == "bind mount":
            assert self._mount_read_only(), f"cannot remount: {os.strerror(ctypes.get_errno())}"
        else:
            self.folder.chmod(0o555)

    def make_writable(self) -> None:
        """Accept writes again."""
        if self._mounted:
            self._unmount()
        if self.folder.exists():
            self.folder.chmod(0o755)

    def close(self) -> None:
        """Undo everything, whatever state the test stopped in."""
        self.make_writable()
        if self._securebits is not None:
            _libc.prctl(_PR_SET_SECUREBITS, self._securebits, 0, 0, 0)
            self._securebits = None

    def _mount_read_only(self) -> bool:
        path = str(self.folder).encode()
        if _libc.mount(path, path, None, _MS_BIND, None) != 0:
            return False
        self._mounted = True
        flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
        return _libc.mount(None, path, None, flags, None) == 0

    def _unmount(self) -> None:
        path = str(self.folder).encode()
        for _ in range(40):
            if _libc.umount2(path, 0) == 0 or ctypes.get_errno() != errno.EBUSY:
                break
            time.sleep(0.05)  # a reader (ffprobe) may still be inside
        else:
            _libc.umount2(path, _MNT_DETACH)
        self._mounted = False


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Callable[[Path], ReadOnlyFolder]]:
    """Return a factory of ``ReadOnlyFolder``; everything is made writable again at the end."""
    require_media_tools()
    made: list[ReadOnlyFolder] = []

    def make(folder: Path) -> ReadOnlyFolder:
        protector = ReadOnlyFolder(folder)
        made.append(protector)
        protector.prepare()
        return protector

    yield make
    for protector in made:
        protector.close()
