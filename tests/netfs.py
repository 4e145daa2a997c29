"""A real network file system for tests: an SFTP server in its own network namespace, mounted here.

The kernel these tests run on has FUSE but no NFS or CIFS client, so the "NAS" is OpenSSH's
``sshd`` started by the test in a network namespace of its own, reached over a veth pair, and
mounted on the host with ``sshfs`` (FUSE). Every byte the archive tier writes crosses a real
TCP connection to another network stack, and the share can really go away:

- ``drop_link``/``restore_link``: the host's end of the veth goes down (a NAS that left the
  network: operations time out after the client's keep-alive, about 3 s, then fail with EIO);
- ``stop_server``/``start_server``: every sshd process of the namespace is killed (a NAS that
  was switched off: connections are refused at once);
- ``freeze``/``thaw``: the server's processes are stopped with SIGSTOP (a NAS that hangs).

The server's export can be a small tmpfs (``size_mb``), so that the archive really fills up.

A FUSE mount that hangs must never hang the suite: the client runs with a 1 s keep-alive and a
3 s connect timeout, so a vanished server turns into errors within seconds, and teardown
unmounts lazily and kills the client, which ends any request still waiting. Everything is
torn down by ``close``: the mount, the client, the server, the namespace and the veth pair.

Outside CI a missing tool (or not being root) skips the test; under ``CI=true`` it fails it.
The addresses are a /30 inside the namespace this test created, reached only over its veth.
"""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
import ipaddress
import itertools
import os
from pathlib import Path
import random
import shutil
import signal
import subprocess
import time

import pytest

SSHD = "/usr/sbin/sshd"
TOOLS = ("ip", "nsenter", "sshfs", "ssh-keygen", "fusermount3", "mount", "umount")
# The pool the /30 is drawn from; a block that overlaps an address of this machine is skipped.
_POOL = ipaddress.ip_network("10.213.0.0/16")
_COMMAND_TIMEOUT = 20.0
_MOUNT_TIMEOUT = 20.0
_counter = itertools.count()


def _missing() -> list[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not Path(SSHD).exists():
        missing.append(SSHD)
    if not Path("/dev/fuse").exists():
        missing.append("/dev/fuse")
    if os.geteuid() != 0:
        missing.append("root (network namespaces and mounts)")
    return missing


def require_network_fs() -> None:
    """Fail (under CI) or skip (elsewhere) unless sshd, sshfs, FUSE and root are all here."""
    if missing := _missing():
        message = f"network file system tools missing: {', '.join(missing)}; run scripts/setup"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, capture_output=True, text=True, check=check, timeout=_COMMAND_TIMEOUT
    )


def _taken_networks() -> list[ipaddress.IPv4Network]:
    out = _run("ip", "-4", "-o", "addr", "show").stdout
    found = []
    for line in out.splitlines():
        fields = line.split()
        if "inet" in fields:
            found.append(ipaddress.ip_interface(fields[fields.index("inet") + 1]).network)
    return found


def _free_block() -> ipaddress.IPv4Network:
    taken = _taken_networks()
    blocks = list(_POOL.subnets(new_prefix=30))
    for block in random.sample(blocks, 64):
        if not any(block.overlaps(other) for other in taken):
            return block
    msg = f"no free /30 in {_POOL}"
    raise RuntimeError(msg)


def _mounted(path: Path) -> bool:
    target = str(path)
    with Path("/proc/self/mountinfo").open(encoding="utf-8") as mounts:
        return any(line.split()[4] == target for line in mounts)


class SshfsShare:
    """An SFTP server in a network namespace, its export mounted at ``mount_point`` with sshfs."""

    def __init__(self, workdir: Path, *, size_mb: int | None = None) -> None:
        """Prepare a share under ``workdir``; ``size_mb``: the server's export is a tmpfs."""
        self.workdir = workdir
        self.size_mb = size_mb
        tag = f"{os.getpid() % 100000:05d}{next(_counter) % 10}"
        self.namespace = f"heldar-nfs-{tag}"
        self.host_link = f"hn{tag}h"
        self.server_link = f"hn{tag}s"
        self.export = workdir / "server-export"  # the NAS's own disk, as the server sees it
        self.mount_point = workdir / "archive"  # where Home Assistant would see the share
        self._keys = workdir / "keys"
        self.host_address = ""
        self.server_address = ""
        self._server: subprocess.Popen[bytes] | None = None
        self._client: subprocess.Popen[bytes] | None = None
        self._export_mounted = False
        self._namespace_made = False

    @property
    def client_pid(self) -> int:
        """Return the sshfs client's pid (to measure what the share costs this machine)."""
        assert self._client is not None
        return self._client.pid

    # -- life -------------------------------------------------------------------------------

    def start(self) -> None:
        """Create the namespace, start the server and mount the share."""
        require_network_fs()
        try:
            self._prepare_files()
            self._make_network()
            self.start_server()
            self.mount()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Tear everything down; safe to call twice, and after a partial start."""
        self.unmount()
        self._stop_namespace_processes(signal.SIGKILL)
        self._server = None
        if self._namespace_made:
            _run("ip", "link", "del", self.host_link, check=False)
            _run("ip", "netns", "del", self.namespace, check=False)
            self._namespace_made = False
        if self._export_mounted:
            _run("umount", "-l", str(self.export), check=False)
            self._export_mounted = False

    # -- the server -------------------------------------------------------------------------

    def start_server(self) -> None:
        """Start sshd in the namespace (again, after ``stop_server``) and wait until it listens."""
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege-separation dir
        # nsenter --net changes only the network: the server sees the host's mounts (the tmpfs).
        log = (self.workdir / "sshd.log").open("ab")
        self._server = subprocess.Popen(
            [
                "nsenter",
                f"--net=/run/netns/{self.namespace}",
                SSHD,
                "-D",
                "-e",
                "-f",
                str(self._keys / "sshd_config"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()  # the server has its own copy
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            listening = _run("ip", "netns", "exec", self.namespace, "ss", "-Htln", check=False)
            if f"{self.server_address}:22" in listening.stdout:
                return
            if self._server.poll() is not None:
                break
            time.sleep(0.05)
        said = (self.workdir / "sshd.log").read_text(errors="replace")
        msg = f"sshd did not start in {self.namespace}: {said[-2000:]}"
        raise RuntimeError(msg)

    def stop_server(self) -> None:
        """Kill every server process (listener and sessions): a NAS switched off."""
        self._stop_namespace_processes(signal.SIGKILL)
        self._server = None

    def freeze(self) -> None:
        """Stop the server's processes (SIGSTOP): a NAS that hangs with connections open."""
        self._signal_namespace(signal.SIGSTOP)

    def thaw(self) -> None:
        """Let frozen server processes run on."""
        self._signal_namespace(signal.SIGCONT)

    # -- the network ------------------------------------------------------------------------

    def drop_link(self) -> None:
        """Take the host's end of the link down: the NAS leaves the network."""
        _run("ip", "link", "set", self.host_link, "down")

    def restore_link(self) -> None:
        """Bring the link back up."""
        _run("ip", "link", "set", self.host_link, "up")

    # -- the client -------------------------------------------------------------------------

    def mount(self) -> None:
        """Mount the export at ``mount_point`` with sshfs, which stays in the foreground."""
        self.mount_point.mkdir(exist_ok=True)
        key = self._keys / "client_key"
        options = ",".join(
            [
                f"IdentityFile={key}",
                "IdentitiesOnly=yes",
                "UserKnownHostsFile=/dev/null",
                "StrictHostKeyChecking=no",
                "BatchMode=yes",
                "LogLevel=ERROR",
                # A vanished server is noticed within 3 s, and a reconnect gives up after 3 s:
                # requests fail (EIO) instead of hanging.
                "ServerAliveInterval=1",
                "ServerAliveCountMax=3",
                "ConnectTimeout=3",
                "reconnect",
                # What the client shows is what the server holds: no directory or attribute cache.
                "dir_cache=no",
            ]
        )
        log = (self.workdir / "sshfs.log").open("ab")
        self._client = subprocess.Popen(
            [
                "sshfs",
                "-f",
                "-F",
                "/dev/null",
                "-o",
                options,
                f"root@{self.server_address}:{self.export}",
                str(self.mount_point),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + _MOUNT_TIMEOUT
        while time.monotonic() < deadline:
            if _mounted(self.mount_point):
                return
            if self._client.poll() is not None:
                break
            time.sleep(0.05)
        said = (self.workdir / "sshfs.log").read_text(errors="replace")
        msg = f"sshfs did not mount {self.mount_point}: {said[-2000:]}"
        raise RuntimeError(msg)

    def unmount(self) -> None:
        """Detach the mount (lazily, never waiting on the server) and end the client."""
        if _mounted(self.mount_point):
            _run("fusermount3", "-u", "-z", str(self.mount_point), check=False)
        if (client := self._client) is not None:
            self._client = None
            client.terminate()
            try:
                client.wait(5)
            except subprocess.TimeoutExpired:
                client.kill()
                client.wait()
        if _mounted(self.mount_point):  # the client died before it could be asked
            _run("umount", "-l", str(self.mount_point), check=False)

    # -- internals --------------------------------------------------------------------------

    def _prepare_files(self) -> None:
        self._keys.mkdir(parents=True)
        self.export.mkdir()
        if self.size_mb is not None:
            _run("mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.export))
            self._export_mounted = True
        for name in ("host_key", "client_key"):
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self._keys / name))
        shutil.copy(self._keys / "client_key.pub", self._keys / "authorized_keys")

    def _make_network(self) -> None:
        block = _free_block()
        host, server = list(block.hosts())
        self.host_address, self.server_address = str(host), str(server)
        _run("ip", "netns", "add", self.namespace)
        self._namespace_made = True
        _run(
            "ip", "link", "add", self.host_link, "type", "veth",
            "peer", "name", self.server_link, "netns", self.namespace,
        )  # fmt: skip
        _run("ip", "addr", "add", f"{host}/30", "dev", self.host_link)
        _run("ip", "link", "set", self.host_link, "up")
        inside = ("ip", "-n", self.namespace)
        _run(*inside, "addr", "add", f"{server}/30", "dev", self.server_link)
        _run(*inside, "link", "set", self.server_link, "up")
        _run(*inside, "link", "set", "lo", "up")
        (self._keys / "sshd_config").write_text(
            "\n".join(
                [
                    f"ListenAddress {server}:22",
                    f"HostKey {self._keys / 'host_key'}",
                    f"AuthorizedKeysFile {self._keys / 'authorized_keys'}",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    "StrictModes no",
                    f"PidFile {self.workdir / 'sshd.pid'}",
                    "Subsystem sftp internal-sftp",
                    "LogLevel ERROR",
                    "",
                ]
            )
        )

    def _namespace_pids(self) -> list[int]:
        if not self._namespace_made:
            return []
        out = _run("ip", "netns", "pids", self.namespace, check=False).stdout
        return [int(pid) for pid in out.split() if pid.isdigit()]

    def _signal_namespace(self, signum: signal.Signals) -> None:
        for pid in self._namespace_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def _stop_namespace_processes(self, signum: signal.Signals) -> None:
        self._signal_namespace(signal.SIGCONT)  # a frozen process cannot act on a signal
        self._signal_namespace(signum)
        deadline = time.monotonic() + 5
        while self._namespace_pids() and time.monotonic() < deadline:
            time.sleep(0.02)
        if (server := self._server) is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(5)


@contextlib.contextmanager
def network_share(workdir: Path, *, size_mb: int | None = None) -> Iterator[SshfsShare]:
    """Start a share for one test and tear it down after, whatever happened."""
    share = SshfsShare(workdir, size_mb=size_mb)
    share.start()
    try:
        yield share
    finally:
        share.close()
