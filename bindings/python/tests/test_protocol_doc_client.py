"""docs/protocol.md is enough to write a client: protocol_doc_client.py is one, written from
the document alone (its own WebSocket, code generated from the schema by flatc, FlexBuffers
for values), and these tests hold its replica against the server's state through a
snapshot, live deltas, a write during a snapshot, a resume after a reconnect, a resume the
change log no longer covers, and the server's WebSocket pings."""

from __future__ import annotations

import json
import pathlib
import time
import types
import urllib.parse
import urllib.request
from typing import Any, Callable, Iterator

import pytest

from conftest import WAIT, Server
from protocol_doc_client import ConnectionClosed, Event, StreamClient, load_wire

_ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def wire(tmp_path_factory: pytest.TempPathFactory) -> types.ModuleType:
    return load_wire(_ROOT / "schemas" / "hotstate.fbs", tmp_path_factory.mktemp("wire"))


@pytest.fixture
def doc_server() -> Iterator[Server]:
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def stream_clients(wire: types.ModuleType) -> Iterator[Callable[..., StreamClient]]:
    """Makes doc clients, and drops every one still connected when the test ends."""
    made: list[StreamClient] = []

    def make(server: Server, selectors: list[tuple[str, str]], **options: Any) -> StreamClient:
        made.append(StreamClient(server.url, selectors, wire, **options))
        return made[-1]

    yield make
    for client in made:
        client.disconnect()


# ---- the HTTP API (docs/http-api.md) ---------------------------------------------------------


def call(server: Server, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method)
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        return json.load(response)


def put(server: Server, collection: str, key: str, value: Any) -> int:
    return int(call(server, "PUT", f"/v1/c/{collection}/{urllib.parse.quote(key, safe='')}", value)["revision"])


def delete(server: Server, collection: str, key: str) -> int:
    return int(call(server, "DELETE", f"/v1/c/{collection}/{urllib.parse.quote(key, safe='')}")["revision"])


def txn(server: Server, ops: list[dict[str, Any]]) -> int:
    return int(call(server, "POST", "/v1/txn", {"ops": ops})["revision"])


def server_revision(server: Server) -> int:
    return int(call(server, "GET", "/v1/status")["revision"])


def server_state(server: Server, collection: str) -> dict[tuple[str, str], tuple[Any, int, int, int]]:
    """Every record of a collection, paged as docs/http-api.md says."""
    state: dict[tuple[str, str], tuple[Any, int, int, int]] = {}
    after = ""
    while True:
        query = urllib.parse.urlencode({"limit": 1000, "after": after})
        page = call(server, "GET", f"/v1/c/{collection}?{query}")
        for r in page["records"]:
            state[(collection, r["key"])] = (r["value"], r["create_revision"], r["mod_revision"], r["version"])
        if not page["more"]:
            return state
        after = page["next_after"]


def replica_of(client: StreamClient, collection: str) -> dict[tuple[str, str], tuple[Any, int, int, int]]:
    return {
        name: (r.value, r.create_revision, r.mod_revision, r.version)
        for name, r in client.replica.items()
        if name[0] == collection
    }


def catch_up(client: StreamClient, server: Server) -> None:
    """Until the replica is at the server's revision (a Progress or Delta says so)."""
    revision = server_revision(server)
    client.run_until(lambda: client.epoch != 0 and client.position >= revision, WAIT, f"revision {revision}")


def snapshot_records_beyond_socket_buffers(value_bytes: int) -> int:
    """Records of `value_bytes` that make a snapshot several times what the server's socket
    send buffer can grow to (net.ipv4.tcp_wmem's maximum), so a reader that stops reading
    keeps the server in the middle of sending it."""
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        send_buffer_max = int(f.read().split()[2])
    return max(48, (3 * send_buffer_max) // value_bytes + 8)


def events_since(client: StreamClient, start: int, kind: str) -> list[Event]:
    return [e for e in client.events[start:] if e.kind == kind]


# ---- the tests ---------------------------------------------------------------------------


def test_a_client_from_the_doc_alone_stays_equal_to_the_server(
    doc_server: Server, stream_clients: Callable[..., StreamClient]
) -> None:
    """Catches a protocol document that leaves out what a client must do: handshake and
    snapshot, live deltas, the merged catch-up after a resume and after writes during a
    snapshot, and answering the server's WebSocket pings (a client that does not is dropped)."""
    server = doc_server
    put(server, "docs", "plain", {"enabled": True, "rollout": 25})
    put(server, "docs", "numbers", [0, -1, 2**64 - 1, -(2**63), 1.0, 0.1, 1e300])
    put(server, "docs", "caf\u00e9/\u2603 key", {"nested": {"deep": [None, False, "text"]}})
    put(server, "docs", "deleted", 1)
    delete(server, "docs", "deleted")
    put(server, "other", "unselected", "never sent")

    # Handshake and snapshot: Hello and Subscribe go in one message.
    client = stream_clients(server, [("docs", "")])
    client.connect()
    catch_up(client, server)
    kinds = [e.kind for e in client.events]
    assert kinds[:2] == ["Welcome", "SnapshotBegin"] and "SnapshotEnd" in kinds, kinds
    assert events_since(client, 0, "SnapshotBegin")[0].detail[2] is False  # not a reset
    assert replica_of(client, "docs") == server_state(server, "docs")
    assert ("other", "unselected") not in client.replica
    # A Progress after SnapshotEnd: nothing was written meanwhile, the stream is live.
    client.run_until(lambda: client.events[-1].kind == "Progress", WAIT, "a Progress after the snapshot")

    # Live deltas: one transaction per Txn, chained from the position.
    mark = len(client.events)
    put(server, "docs", "plain", {"enabled": False})
    both = txn(
        server,
        [
            {"op": "put", "collection": "docs", "key": "t1", "value": [1, 2]},
            {"op": "put", "collection": "other", "key": "t2", "value": 3},
            {"op": "delete", "collection": "docs", "key": "numbers"},
        ],
    )
    catch_up(client, server)
    deltas = events_since(client, mark, "Delta")
    assert [d.detail[1] for d in deltas] == [both - 1, both]
    only_selected = deltas[1].detail[2]
    assert only_selected == [(both, [("put", "docs", "t1", both), ("delete", "docs", "numbers", both)])]
    assert replica_of(client, "docs") == server_state(server, "docs")

    # Resume after a reconnect: no snapshot, one Delta whose one Txn merges what was missed.
    client.disconnect()
    held = client.position
    first = put(server, "docs", "r1", "a")
    put(server, "docs", "r2", "b")
    put(server, "docs", "r1", "c")  # the same key again: only its latest op comes
    last = delete(server, "docs", "t1")
    put(server, "other", "after", 1)  # unselected: moves the revision, not the replica
    mark = len(client.events)
    client.connect()
    catch_up(client, server)
    assert not events_since(client, mark, "SnapshotBegin"), [e.kind for e in client.events[mark:]]
    (merged,) = events_since(client, mark, "Delta")
    start, to, txns = merged.detail
    assert start == held and to == server_revision(server)
    ((revision, ops),) = txns
    assert revision == to
    assert sorted(ops) == sorted(
        [("put", "docs", "r1", last - 1), ("put", "docs", "r2", first + 1), ("delete", "docs", "t1", last)]
    )
    assert replica_of(client, "docs") == server_state(server, "docs")

    # From here on this client sends nothing but Pongs; this one does not even send those.
    silent = stream_clients(server, [("docs", "")], answer_pings=False)
    silent.connect()
    silent_since = time.monotonic()
    silent.run_until(lambda: silent.position >= to, WAIT, "the silent client's snapshot")

    # Writes during a snapshot arrive after SnapshotEnd as one Txn merging them. A snapshot
    # larger than the socket buffers, read slowly, keeps the server sending it meanwhile.
    big = "x" * (256 * 1024)
    count = snapshot_records_beyond_socket_buffers(len(big))
    for i in range(count):
        put(server, "big", f"k{i:03}", big)
    reader = stream_clients(server, [("big", "")], receive_buffer=8192)
    reader.connect()
    reader.run_until(lambda: bool(events_since(reader, 0, "SnapshotBegin")), WAIT, "SnapshotBegin")
    snapshot_revision = events_since(reader, 0, "SnapshotBegin")[0].detail[1]
    during = [put(server, "big", "k000", "small"), put(server, "big", "new", 1), delete(server, "big", "k001")]
    catch_up(reader, server)
    assert events_since(reader, 0, "SnapshotEnd")[0].detail == snapshot_revision
    (merged,) = events_since(reader, 0, "Delta")
    start, to, ((revision, ops),) = merged.detail
    assert (start, to, revision) == (snapshot_revision, during[-1], during[-1])
    assert sorted(ops) == sorted(
        [("put", "big", "k000", during[0]), ("put", "big", "new", during[1]), ("delete", "big", "k001", during[2])]
    )
    assert replica_of(reader, "big") == server_state(server, "big")
    reader.disconnect()

    # Pings: the server pings a client it has heard nothing from, and drops one that does
    # not answer (no Error frame, no Close: the TCP connection ends).
    closed_after = None
    deadline = time.monotonic() + 45
    while closed_after is None and time.monotonic() < deadline:
        client.poll(0.05)
        try:
            silent.poll(0.05)
        except ConnectionClosed as closed:
            assert closed.code is None
            closed_after = time.monotonic() - silent_since
            silent.disconnect()
    assert closed_after is not None, "a client that answers no ping was never dropped"
    assert closed_after >= 25, closed_after
    assert events_since(silent, 0, "ws_ping") and silent.error is None
    assert events_since(client, 0, "ws_ping"), "the server never pinged the idle client"

    # The client that answered is still live, and still equal to the server.
    assert not client.stale()
    put(server, "docs", "final", {"ok": True})
    catch_up(client, server)
    assert replica_of(client, "docs") == server_state(server, "docs")
    client.disconnect()


def test_a_resume_the_change_log_no_longer_covers_is_a_reset_snapshot(
    stream_clients: Callable[..., StreamClient],
) -> None:
    """Catches a document that does not say a resume can be answered with a reset snapshot,
    which replaces the replica whole (a record deleted meanwhile must go too)."""
    server = Server(["--changelog-retain", "1"])
    try:
        put(server, "docs", "stays", 1)
        put(server, "docs", "goes", 2)
        client = stream_clients(server, [("docs", "")])
        client.connect()
        catch_up(client, server)
        client.disconnect()
        delete(server, "docs", "goes")
        put(server, "docs", "stays", 3)
        put(server, "docs", "new", 4)
        mark = len(client.events)
        client.connect()
        catch_up(client, server)
        (begin,) = events_since(client, mark, "SnapshotBegin")
        assert begin.detail[2] is True  # reset
        assert replica_of(client, "docs") == server_state(server, "docs")
        assert ("docs", "goes") not in client.replica
        client.disconnect()
    finally:
        server.stop()
