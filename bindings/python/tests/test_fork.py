"""os.fork() with an open client, as gunicorn's pre-fork model does: the child serves the
inherited replica at once and follows the stream on its own connection (resumed, not a
snapshot); the parent is unaffected."""

from __future__ import annotations

import json
import os
import re
import select
import struct
import threading
import time
import urllib.request
import warnings
from typing import Callable

import hotstate
from conftest import WAIT, Server

CHILDREN = 4


def metric(server: Server, name: str) -> int:
    with urllib.request.urlopen(server.url + "/metrics", timeout=WAIT) as response:
        text = response.read().decode()
    found = re.search(rf"^{name} (\d+)", text, re.MULTILINE)
    assert found, f"{name} not in /metrics"
    return int(found.group(1))


def tasks() -> int:
    """Threads of this process (the child after fork has exactly one of its own)."""
    return len(os.listdir("/proc/self/task"))


def fork(child: Callable[[], str], report: int) -> int:
    """Runs `child` in a forked process: what it returns (or the exception it raised) is
    written to `report`, then the child leaves without the parent's cleanup (pytest's)."""
    with warnings.catch_warnings():  # Python 3.12+ warns about fork() with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid != 0:
        return pid
    try:
        outcome = child()
    except BaseException as e:  # noqa: BLE001 - reported to the parent
        outcome = f"error:{e!r}"
    os.write(report, (outcome + "\n").encode())
    os._exit(0)


def exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def read_within(fd: int, wanted: Callable[[bytes], int]) -> bytes:
    """Reads from a pipe while `wanted(data)` asks for more bytes (never more than it asks:
    several children share a pipe), for at most WAIT seconds: a child that died or hung
    fails the test instead of blocking it."""
    data = b""
    deadline = time.monotonic() + WAIT
    while (more := wanted(data)) > 0:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, more)
        if not chunk:
            break
        data += chunk
    return data


def read_bytes(fd: int, size: int) -> bytes:
    return read_within(fd, lambda data: size - len(data))


def read_lines(fd: int, count: int) -> list[str]:
    """Lines from a pipe only the parent reads."""
    return read_within(fd, lambda data: 4096 if data.count(b"\n") < count else 0).decode().splitlines()


def test_forked_children_serve_at_once_then_follow_the_stream(
    server: Server, client: hotstate.Client, collection: str
) -> None:
    # Catches: a child that cannot use the inherited client, that answers only after a
    # connection, that resyncs with a full snapshot or never sees later writes, whose
    # change callbacks stop; and a parent whose link the children broke.
    seen: list[object] = []
    client.on_change(lambda batch: seen.extend(c.new for c in batch.changes), collection=collection, key="k")
    client.wait_for_revision(client.put(collection, "k", "before"), timeout=WAIT)
    connects = client.status().connects
    snapshots = metric(server, "hotstate_snapshots_total")
    catchups = metric(server, "hotstate_catchups_total")
    ready_r, ready_w = os.pipe()
    command_r, command_w = os.pipe()
    report_r, report_w = os.pipe()

    def child() -> str:
        forked = time.monotonic()
        first = client.get(collection, "k")  # the inherited replica, before any network
        first_read_us = (time.monotonic() - forked) * 1e6
        os.write(ready_w, b"r")
        revision, value = struct.unpack("<Q8s", read_bytes(command_r, 16))
        client.wait_ready(timeout=WAIT)
        live_ms = (time.monotonic() - forked) * 1e3
        client.wait_for_revision(revision, timeout=WAIT)
        after = client.get(collection, "k")
        deadline = time.monotonic() + WAIT
        while value.decode() not in seen and time.monotonic() < deadline:
            time.sleep(0.01)
        s = client.status()
        client.close()
        return json.dumps(
            {
                "first": first,
                "after": after,
                "callback": value.decode() in seen,
                "state": s.state.value,
                "connects": s.connects,
                "resets": s.resets,
                "first_read_us": first_read_us,
                "live_ms": live_ms,
            }
        )

    pids = [fork(child, report_w) for _ in range(CHILDREN)]
    # Every child read before the write below (a child that failed reports why).
    assert read_bytes(ready_r, CHILDREN) == b"r" * CHILDREN, read_lines(report_r, CHILDREN)
    revision = client.put(collection, "k", "after-fk")
    for _ in range(CHILDREN):
        os.write(command_w, struct.pack("<Q8s", revision, b"after-fk"))
    codes = [exit_code(pid) for pid in pids]
    lines = read_lines(report_r, CHILDREN)
    for fd in (ready_r, ready_w, command_r, command_w, report_r, report_w):
        os.close(fd)
    assert codes == [0] * CHILDREN
    reports = [json.loads(line) if line.startswith("{") else line for line in lines]
    assert all(isinstance(r, dict) for r in reports), reports
    for r in reports:
        assert r["first"] == "before" and r["after"] == "after-fk" and r["callback"], r
        assert (r["state"], r["connects"], r["resets"]) == ("live", 1, 0), r
    print(
        f"[figure] python os.fork ({CHILDREN} children): first read "
        f"{max(r['first_read_us'] for r in reports):.0f} us after fork (worst), LIVE after "
        f"{max(r['live_ms'] for r in reports):.1f} ms (worst)"
    )

    # The parent: the same link, still following the stream.
    client.wait_for_revision(client.put(collection, "k", "parent"), timeout=WAIT)
    assert client.get(collection, "k") == "parent"
    status = client.status()
    assert status.live and status.connects == connects and status.reconnect_attempts == 0
    assert metric(server, "hotstate_snapshots_total") == snapshots
    assert metric(server, "hotstate_catchups_total") == catchups + CHILDREN


def test_children_forked_while_the_parent_is_busy(server: Server, client: hotstate.Client, collection: str) -> None:
    # Catches a child that hangs because a thread of the parent held a lock at the moment
    # of fork (writes in flight, frames arriving, callbacks running).
    client.on_change(lambda batch: None, collection=collection)
    stop = threading.Event()

    def writer() -> None:
        i = 0
        while not stop.is_set():
            client.put(collection, "busy", i)
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    report_r, report_w = os.pipe()
    try:
        for i in range(CHILDREN):
            time.sleep(0.02)
            client.wait_for_revision(client.put(collection, "k", i), timeout=WAIT)

            def child() -> str:
                inherited = client.get(collection, "k")
                client.wait_ready(timeout=WAIT)
                client.wait_for_revision(client.put(collection, "from-child", i), timeout=WAIT)
                return f"{inherited},{client.get(collection, 'from-child')},{client.status().resets}"

            pid = fork(child, report_w)
            assert exit_code(pid) == 0
            assert read_lines(report_r, 1) == [f"{i},{i},0"]
    finally:
        stop.set()
        thread.join()
        os.close(report_r)
        os.close(report_w)
    assert client.status().live


def test_a_child_that_does_not_use_the_client_starts_nothing(
    server: Server, client: hotstate.Client, collection: str
) -> None:
    # Catches threads started in every worker whether it uses the client or not, and a
    # close() of an inherited client that hangs (joining threads that do not exist there)
    # or touches the parent's link.
    client.wait_for_revision(client.put(collection, "k", "v"), timeout=WAIT)
    connects = client.status().connects
    report_r, report_w = os.pipe()

    def child() -> str:
        time.sleep(0.05)
        before = tasks()
        client.close()
        try:
            client.get(collection, "k")
            closed = "open"
        except hotstate.ClosedError:
            closed = "closed"
        return f"{before},{closed},{client.status().state.value},{tasks()}"

    pid = fork(child, report_w)
    assert exit_code(pid) == 0
    assert read_lines(report_r, 1) == ["1,closed,closed,1"]
    os.close(report_r)
    os.close(report_w)
    client.wait_for_revision(client.put(collection, "k", "still"), timeout=WAIT)
    assert client.get(collection, "k") == "still"
    assert client.status().connects == connects
