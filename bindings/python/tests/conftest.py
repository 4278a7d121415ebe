"""Fixtures: a real hotstated on a free loopback port, and clients of it.

HOTSTATED names the server binary (default: the project's build directory).
"""

from __future__ import annotations

import os
import pathlib
import random
import signal
import socket
import subprocess
import uuid
from typing import Iterator, Optional

import pytest

import hotstate

_ROOT = pathlib.Path(__file__).resolve().parents[3]
HOTSTATED = os.environ.get("HOTSTATED", str(_ROOT / "build" / "apps" / "hotstated" / "hotstated"))
# Short heartbeats and backoff keep reconnect tests quick; every wait is still bounded.
SERVER_ARGS = ["--heartbeat-ms", "200", "--log-level", "warn"]
WAIT = 10.0  # seconds: the longest any test waits for the replica to catch up


class Server:
    """One hotstated process; restart() brings it back on the same port."""

    def __init__(self, extra_args: Optional[list[str]] = None) -> None:
        self.extra_args = extra_args or []
        self.port = stable_port()
        self.process: Optional[subprocess.Popen[str]] = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        listen = f"127.0.0.1:{self.port}"
        storage = [] if {"--memory", "--data-dir"} & set(self.extra_args) else ["--memory"]
        self.process = subprocess.Popen(
            [HOTSTATED, "--listen", listen, *SERVER_ARGS, *storage, *self.extra_args],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # "listening on 127.0.0.1:PORT"
        if not line.startswith("listening on "):
            self.process.kill()
            raise RuntimeError(f"hotstated did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def stable_port() -> int:
    """A free loopback port below the kernel's ephemeral range, for a server that restarts on the
    same port: while it is down, no outgoing connection (of this test or one beside it) can take a
    port outside that range as its source port, which would make the restart fail with "address in
    use"."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ephemeral_low = int(f.read().split()[0])
    low, high = max(1024, ephemeral_low - 12000), max(1025, ephemeral_low - 1)
    for _ in range(200):
        port = random.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One server shared by the tests that only read and write their own collection."""
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def own_server() -> Iterator[Server]:
    """A server of the test's own, for tests that stop or restart it."""
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def collection() -> str:
    """A collection no other test touches."""
    return "t" + uuid.uuid4().hex[:12]


def open_client(url: str, collections: list[str], **kwargs: object) -> hotstate.Client:
    kwargs.setdefault("backoff", (0.02, 0.2))
    return hotstate.Client(url, collections=collections, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client(server: Server, collection: str) -> Iterator[hotstate.Client]:
    c = open_client(server.url, [collection])
    c.wait_ready(timeout=WAIT)
    yield c
    c.close()
