"""Opening, closing, the link to the server, the offline cache, restarts and processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings

import pytest

import hotstate
from conftest import WAIT, Server, free_port, open_client


def test_context_manager_and_closed_client(server: Server, collection: str) -> None:
    with open_client(server.url, [collection]) as c:
        c.wait_ready(timeout=WAIT)
        assert not c.closed and "live" in repr(c)
        c.wait_for_revision(c.put(collection, "k", 1), timeout=WAIT)
        record = c.view(collection, "k")
    assert c.closed and repr(c) == "<hotstate.Client closed>"
    c.close()  # idempotent
    assert c.status().state is hotstate.LinkState.CLOSED
    assert record.value == 1  # records outlive their client
    calls = [
        lambda: c.get(collection, "k"),
        lambda: c.view(collection, "k"),
        lambda: c.scan(collection),
        lambda: c.snapshot(),
        lambda: c.put(collection, "k", 2),
        lambda: c.delete(collection, "k"),
        lambda: c.txn([hotstate.Put(collection, "k", 3)]),
        lambda: c.wait_ready(timeout=1),
        lambda: c.wait_for_revision(1, timeout=1),
        lambda: c.reconnect_now(),
        lambda: c.on_change(print),
    ]
    for call in calls:
        with pytest.raises(hotstate.ClosedError):
            call()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"url": []}, "url"),
        ({"url": 5}, "url"),
        ({"collections": None}, "collection"),
        ({"collections": "flags"}, "list"),
        ({"collections": ["Bad Name"]}, "collection"),
        ({"selectors": ["flags"]}, "selector"),
        ({"url": "ftp://example"}, "url|URL"),
        ({"stale_after": -1}, "stale_after"),
        ({"backoff": (2, 1)}, "backoff"),
        ({"connect_timeout": "5"}, "connect_timeout"),
    ],
)
def test_bad_options_are_refused(server: Server, kwargs: dict, match: str) -> None:
    args = {"url": server.url, "collections": ["flags"], **kwargs}
    url = args.pop("url")
    with pytest.raises(hotstate.InvalidArgumentError, match=match):
        hotstate.Client(url, **args)


def test_wait_ready_times_out_against_a_dead_server(collection: str) -> None:
    c = open_client(f"http://127.0.0.1:{free_port()}", [collection])
    try:
        start = time.monotonic()
        with pytest.raises(hotstate.TimeoutError, match="not LIVE within 300 ms") as info:
            c.wait_ready(timeout=0.3)
        assert isinstance(info.value, TimeoutError)
        assert time.monotonic() - start < WAIT
        status = c.status()
        assert status.state in (hotstate.LinkState.CONNECTING, hotstate.LinkState.OFFLINE)
        assert status.since_last_contact is None and status.reconnect_attempts >= 1
    finally:
        c.close()


def test_waits_release_the_gil(collection: str) -> None:
    c = open_client(f"http://127.0.0.1:{free_port()}", [collection])
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        with pytest.raises(hotstate.TimeoutError):
            c.wait_ready(timeout=0.5)
        assert ticks > 1000  # the other thread ran while this one waited
    finally:
        stop.set()
        t.join()
        c.close()


def test_restart_converges(own_server: Server, collection: str) -> None:
    """The server (in memory) restarts empty with a new epoch: the client resets to the
    new state and converges; reads kept answering meanwhile."""
    c = open_client(own_server.url, [collection], stale_after=0.6)
    try:
        c.wait_ready(timeout=WAIT)
        c.wait_for_revision(c.put(collection, "old", 1), timeout=WAIT)
        epoch = c.status().epoch
        own_server.stop()
        assert c.get(collection, "old") == 1  # last known state while the server is away
        own_server.start()
        # A writer of the new server's; the client resets to its state.
        with open_client(own_server.url, [collection]) as writer:
            writer.wait_ready(timeout=WAIT)
            revision = writer.put(collection, "new", 2)
        deadline = time.monotonic() + WAIT
        while c.get(collection, "new") != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert c.get(collection, "new") == 2
        assert c.get(collection, "old") is None  # the new server never had it
        status = c.status()
        assert status.epoch != epoch and status.resets >= 1 and status.revision >= revision
        assert status.connects >= 2
    finally:
        c.close()


def test_reconnect_now(client: hotstate.Client, collection: str) -> None:
    connects = client.status().connects
    client.reconnect_now()
    client.wait_for_revision(client.put(collection, "after", 1), timeout=WAIT)
    deadline = time.monotonic() + WAIT
    while client.status().connects == connects and time.monotonic() < deadline:
        time.sleep(0.02)
    assert client.status().connects > connects
    assert client.get(collection, "after") == 1


def test_starts_from_the_cache_with_the_server_down(own_server: Server, collection: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "replica.cache"
    with open_client(own_server.url, [collection], cache_path=cache) as c:
        c.wait_ready(timeout=WAIT)
        c.wait_for_revision(c.put(collection, "flag", {"on": True}), timeout=WAIT)
    assert cache.exists()  # written at close
    dead_url = own_server.url
    own_server.stop()

    with open_client(dead_url, [collection], cache_path=str(cache)) as offline:
        assert offline.get(collection, "flag") == {"on": True}  # at once, from the cache
        status = offline.status()
        assert status.source is hotstate.DataSource.CACHE and status.state is not hotstate.LinkState.LIVE
        with pytest.raises(hotstate.TimeoutError):
            offline.wait_ready(timeout=0.2)


def test_a_garbage_cache_file_is_ignored(server: Server, collection: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "garbage.cache"
    cache.write_bytes(os.urandom(4096))
    with open_client(server.url, [collection], cache_path=cache) as c:
        c.wait_ready(timeout=WAIT)
        c.wait_for_revision(c.put(collection, "k", 1), timeout=WAIT)
        assert c.get(collection, "k") == 1


def run_python(code: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_interpreter_exits_without_close(server: Server, collection: str) -> None:
    """A script that never closes its client (which has a callback subscribed) exits
    promptly at interpreter shutdown."""
    result = run_python(f"""
        import hotstate
        c = hotstate.Client({server.url!r}, collections=[{collection!r}], backoff=(0.02, 0.2))
        c.wait_ready(timeout=10)
        c.on_change(lambda batch: print(c.get({collection!r}, "k")))
        c.wait_for_revision(c.put({collection!r}, "k", "seen"), timeout=10)
        print("done")
    """)
    assert result.returncode == 0, result.stderr
    assert "done" in result.stdout


def test_a_client_inherited_through_fork_keeps_serving_in_the_child(
    server: Server, client: hotstate.Client, collection: str
) -> None:
    # The pre-fork model (gunicorn): the child uses the client it inherited. Before, it
    # was retired in the child (every call raised ClosedError). test_fork.py has more.
    client.wait_for_revision(client.put(collection, "k", "parent"), timeout=WAIT)
    read, write = os.pipe()
    with warnings.catch_warnings():  # Python 3.12+ warns about fork() with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: report what happens, then leave without cleanup
        try:
            outcome = "served:" + str(client.get(collection, "k"))
            client.wait_for_revision(client.put(collection, "k", "child"), timeout=WAIT)
            outcome += ",own:" + str(client.get(collection, "k"))
            client.close()
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            outcome = f"error:{e!r}"
        os.write(write, outcome.encode())
        os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    outcome = os.read(read, 4096).decode()
    os.close(read)
    assert os.waitstatus_to_exitcode(status) == 0
    assert outcome == "served:parent,own:child"
    # The parent's client is unaffected, and saw the child's write.
    client.wait_for_revision(client.put(collection, "k", "after"), timeout=WAIT)
    assert client.get(collection, "k") == "after"
