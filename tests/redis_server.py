"""A real redis-server on a free loopback port, in a temporary directory, for tests.

    from redis_server import redis_server_fixture  # noqa: F401 - pytest finds the fixture `redis_server`

    def test_x(redis_server):
        url = redis_server.url            # redis://127.0.0.1:PORT/0
        redis_server.restart()            # SIGTERM (the AOF is flushed), then up again on the same port
        redis_server.kill()               # SIGKILL, as a crash; start() brings it back from its AOF

Or without the fixture: `with RedisServer(tmp_dir) as server: ...`.

The server runs with `appendonly yes` and `appendfsync always` (a restart or
a kill loses no acknowledged write, so tests of "Redis restarted mid-crawl"
test knead, not the fsync timer), `maxmemory-policy noeviction` (what knead
requires), no RDB snapshots, no password, bound to 127.0.0.1 only. It is
stopped, and its directory left to pytest's tmp_path clean-up, when the test
ends.

Tests are skipped, with a message saying how to install it, only when no
`redis-server` binary exists (`KNEAD_REDIS_SERVER` names another one); a
binary that exists but does not start fails the test with the server's log,
so a broken install is never mistaken for a missing one. No Python Redis
client is used here: readiness is a raw `PING` over a socket, so the fixture
works before the package under test imports anything.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

START_TIMEOUT = 10.0  # seconds for a loaded AOF on a slow, shared CI machine


def redis_binary() -> str | None:
    """The redis-server to run: KNEAD_REDIS_SERVER, else the one on PATH, else None."""
    named = os.environ.get("KNEAD_REDIS_SERVER")
    if named:
        return named if Path(named).is_file() else None
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServerError(RuntimeError):
    """The binary exists but the server did not come up (the message holds its log's tail)."""


class RedisServer:
    """One redis-server process in `directory`; start(), stop(), kill(), restart()."""

    def __init__(self, directory: Path, *, binary: str | None = None, port: int | None = None,
                 extra: tuple[str, ...] = ()) -> None:
        self.binary = binary or redis_binary()
        if self.binary is None:
            raise FileNotFoundError("redis-server")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.extra = extra  # more `--name value` arguments, e.g. ("--maxmemory-policy", "allkeys-lru")
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return self.directory / "redis.log"

    def _args(self) -> list[str]:
        return [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--logfile", str(self.log_path),
            "--appendonly", "yes", "--appendfsync", "always", "--save", "",
            "--maxmemory-policy", "noeviction", "--daemonize", "no", "--protected-mode", "yes",
            *self.extra,
        ]

    def start(self) -> RedisServer:
        if self.running:
            return self
        self.process = subprocess.Popen(
            self._args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if _ping(self.port):
                return self
            time.sleep(0.02)
        self._fail_start()
        raise AssertionError("unreachable")

    def _fail_start(self) -> None:
        stderr = b""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            stderr = self.process.communicate(timeout=5)[1] or b""
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        tail = "\n".join((log + stderr.decode(errors="replace")).strip().splitlines()[-15:])
        self.process = None
        raise RedisServerError(f"{self.binary} did not answer PING on 127.0.0.1:{self.port}:\n{tail}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM: redis flushes its AOF and exits, as `systemctl stop` would."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL: a crash; with appendfsync always, every acknowledged write is on disk."""
        self._end(signal.SIGKILL)

    def _end(self, how: signal.Signals) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(how)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None

    def restart(self, *, crash: bool = False) -> RedisServer:
        """Stopped (or killed with crash=True), then started again on the same port and directory."""
        self.kill() if crash else self.stop()
        return self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_or_skip(directory: Path, **kwargs) -> RedisServer:
    """A started server, or pytest.skip when there is no redis-server binary to run."""
    binary = redis_binary()
    if binary is None:
        pytest.skip("no redis-server binary: install Redis (Debian: apt-get install redis-server) "
                    "or set KNEAD_REDIS_SERVER to its path; .ci/run installs it")
    return RedisServer(directory, binary=binary, **kwargs).start()


@pytest.fixture(name="redis_server")
def redis_server_fixture(tmp_path: Path):
    """A fresh redis-server for one test (its own port and directory), stopped after."""
    server = start_or_skip(tmp_path / "redis")
    try:
        yield server
    finally:
        server.stop()
