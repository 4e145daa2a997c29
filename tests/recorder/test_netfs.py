"""The test NAS itself (tests/netfs.py): a real network share that really goes away, then returns.

The archive tier's tests rely on these properties; each is checked here, so that a change to
the fixture that made the share local, or made an outage hang, fails on its own.
"""

from __future__ import annotations

from collections.abc import Callable
import os
from pathlib import Path
import subprocess
import time

import pytest

from tests.netfs import SshfsShare, network_share


def _mounted(path: Path) -> bool:
    return any(
        line.split()[4] == str(path)
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
    )


def _timed_failure(action: Callable[[], object]) -> float:
    """Return how long ``action`` took to fail with an I/O error (it must fail)."""
    started = time.monotonic()
    with pytest.raises(OSError, match=r"Errno"):
        action()
    return time.monotonic() - started


def test_share_crosses_a_network_and_goes_away(tmp_path: Path) -> None:
    """Written through the mount, the bytes are on the server; an outage fails fast; all ends."""
    with network_share(tmp_path) as share:
        namespace = share.namespace
        # The mount is FUSE (sshfs), the server sits behind its own network stack.
        mounts = Path("/proc/self/mountinfo").read_text()
        assert f" {share.mount_point} " in mounts
        assert "fuse.sshfs" in mounts
        route = subprocess.run(
            ["ip", "route", "get", share.server_address], capture_output=True, text=True, check=True
        ).stdout
        assert share.host_link in route  # reached over the veth, not loopback
        (share.mount_point / "hello.bin").write_bytes(b"x" * 100_000)
        assert (share.export / "hello.bin").read_bytes() == b"x" * 100_000

        # The NAS leaves the network: a request fails (EIO) within seconds, never hangs.
        share.drop_link()
        assert _timed_failure((share.mount_point / "hello.bin").read_bytes) < 15
        share.restore_link()
        deadline = time.monotonic() + 15
        while True:  # sshfs reconnects on the next request
            try:
                assert (share.mount_point / "hello.bin").stat().st_size == 100_000
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

        # The NAS is switched off: refused at once; then switched on again.
        share.stop_server()
        assert _timed_failure(lambda: list(share.mount_point.iterdir())) < 15
        share.start_server()
        deadline = time.monotonic() + 15
        while True:
            try:
                assert share.mount_point / "hello.bin" in list(share.mount_point.iterdir())
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    # Nothing is left: no mount, no namespace, no server or client process.
    assert not _mounted(share.mount_point)
    namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True)
    assert namespace not in namespaces.stdout
    processes = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    assert str(share.export) not in processes.stdout


def test_a_frozen_server_cannot_hang_teardown(tmp_path: Path) -> None:
    """A server stopped with SIGSTOP: requests fail within seconds and close() still cleans up."""
    share = SshfsShare(tmp_path)
    share.start()
    try:
        (share.mount_point / "a.bin").write_bytes(b"a")
        share.freeze()
        assert _timed_failure(lambda: (share.mount_point / "b.bin").write_bytes(b"b")) < 15
    finally:
        started = time.monotonic()
        share.close()
        assert time.monotonic() - started < 15
    assert not _mounted(share.mount_point)


def test_a_small_export_really_fills(tmp_path: Path) -> None:
    """With ``size_mb`` the server's disk is that small, and the client sees it."""
    with network_share(tmp_path, size_mb=2) as share:
        stats = os.statvfs(share.mount_point)
        assert stats.f_blocks * stats.f_frsize == 2 * 1024 * 1024
        with pytest.raises(OSError, match=r"Errno"):
            _write_synced(share.mount_point / "big.bin", 4 * 1024 * 1024)


def _write_synced(path: Path, size: int) -> None:
    """Write ``size`` bytes and fsync them (sshfs reports a failure at write, fsync or close)."""
    with path.open("wb") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
