"""HTTP/1.1 pipelining as docs/http-api.md ("Connections and pipelining") describes it:
requests sent back to back on one connection are read and handled without waiting for
the answers before them (writes are staged at once and share group commits), answered in
the order sent, each read seeing the writes sent before it; a request the server cannot
read whole, or one that asks to close, ends the connection and the requests behind it go
unanswered."""

from __future__ import annotations

import json
import re
import socket
import tempfile
import urllib.request
from typing import Iterator, Optional

import pytest
from conftest import WAIT, Server


def request(method: str, target: str, body: Optional[str] = None, headers: Optional[dict[str, str]] = None) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + (body or "")).encode()


class Responses:
    """Reads HTTP/1.1 responses (Content-Length bodies) from one connection, in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def next(self) -> Optional[tuple[int, dict[str, str], bytes]]:
        """The next response, or None when the server closed the connection first."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                assert self.buffer == b"", f"connection closed inside a response: {self.buffer!r}"
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed inside a body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split(" ")[1]), headers, body


def pipeline(server: Server, *requests: bytes) -> list[tuple[int, dict[str, str], bytes]]:
    """Sends every request in one write, then reads answers until the server closes."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as sock:
        sock.sendall(b"".join(requests))
        sock.shutdown(socket.SHUT_WR)  # nothing more comes: the server closes after the last answer
        reader = Responses(sock)
        answers = []
        while (answer := reader.next()) is not None:
            answers.append(answer)
        return answers


def test_pipelined_requests_are_answered_in_order_each_seeing_the_ones_before(server: Server, collection: str) -> None:
    """Catches answers out of order, a read that overtakes the write before it, or pipelined
    writes that do not commit one after another."""
    path = f"/v1/c/{collection}/k"
    answers = pipeline(
        server,
        request("PUT", path, '{"n":1}'),
        request("GET", path),
        request("PUT", path, '{"n":2}', {"If-Match": "0"}),  # fails: the key exists by then
        request("PUT", path, '{"n":3}'),
        request("DELETE", path),
        request("GET", path),
    )
    assert [status for status, _, _ in answers] == [200, 200, 412, 200, 200, 404]
    bodies = [json.loads(body) for _, _, body in answers]
    first = bodies[0]["revision"]
    assert bodies[1]["value"] == {"n": 1} and bodies[1]["mod_revision"] == first
    assert bodies[2]["error"]["code"] == "condition_failed" and bodies[2]["error"]["mod_revision"] == first
    assert bodies[3]["revision"] == first + 1 and bodies[4]["revision"] == first + 2
    assert bodies[5]["error"]["code"] == "not_found"


def test_a_malformed_request_ends_the_pipeline_after_its_answer(server: Server, collection: str) -> None:
    """Catches a server that guesses where the next request starts after one it could not
    read (answering requests smuggled behind it)."""
    path = f"/v1/c/{collection}/k"
    answers = pipeline(
        server,
        request("PUT", path, "1"),
        b"NOT HTTP AT ALL\r\n\r\n",
        request("PUT", path, "2"),
    )
    assert [status for status, _, _ in answers] == [200, 400]
    assert json.loads(answers[1][2])["error"]["code"] == "invalid_request"
    assert answers[1][1].get("connection", "").lower() == "close"
    answers = pipeline(server, request("GET", path))
    assert json.loads(answers[0][2])["value"] == 1  # the request behind the bad one never ran


def test_connection_close_and_an_oversized_body_end_the_connection(server: Server, collection: str) -> None:
    """Catches requests answered after one that asked to close, and a body over the limit
    read (or skipped) instead of refused at its header."""
    path = f"/v1/c/{collection}/k"
    answers = pipeline(
        server,
        request("GET", "/healthz", headers={"Connection": "close"}),
        request("PUT", path, "1"),
    )
    assert [status for status, _, _ in answers] == [200]
    # A Content-Length over the limit (default 16 MiB) is refused from the header alone,
    # before the body is sent; the connection then closes.
    answers = pipeline(server, f"PUT {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {17 << 20}\r\n\r\n".encode())
    assert [status for status, _, _ in answers] == [413]
    assert json.loads(answers[0][2])["error"]["code"] == "body_too_large"
    answers = pipeline(server, request("GET", path))
    assert answers[0][0] == 404  # nothing behind the refused requests ran


@pytest.fixture
def durable_server() -> Iterator[Server]:
    """A server that syncs every group commit to disk, as in production."""
    with tempfile.TemporaryDirectory() as data:
        s = Server(["--data-dir", data])
        yield s
        s.stop()


def metric(server: Server, name: str) -> float:
    text = urllib.request.urlopen(f"{server.url}/metrics", timeout=WAIT).read().decode()
    match = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def test_pipelined_writes_share_group_commits_and_are_answered_in_order(durable_server: Server, collection: str) -> None:
    """Catches a server that waits for each write's answer (its sync) before reading the
    next request: 200 pipelined writes would then take 200 group commits."""
    groups_before = metric(durable_server, "hotstate_storage_commit_groups_total")
    writes = [request("PUT", f"/v1/c/{collection}/k{i}", json.dumps({"i": i})) for i in range(200)]
    answers = pipeline(durable_server, *writes, request("GET", f"/v1/c/{collection}/k199"))
    assert [status for status, _, _ in answers] == [200] * 201
    revisions = [json.loads(body)["revision"] for _, _, body in answers[:200]]
    assert revisions == list(range(revisions[0], revisions[0] + 200)), "answered in the order sent"
    assert json.loads(answers[200][2])["value"] == {"i": 199}, "the read saw every write before it"
    groups = metric(durable_server, "hotstate_storage_commit_groups_total") - groups_before
    assert groups < 200, f"{groups:.0f} group commits for 200 pipelined writes: none was shared"
    assert metric(durable_server, "hotstate_storage_largest_group") > 1


def test_an_answer_ready_early_waits_for_the_answers_before_it(durable_server: Server, collection: str) -> None:
    """Catches answers written as they become ready instead of in request order: the
    validation below is answered at once, the write before it only once durable."""
    flags = json.dumps({"flags": {"f": {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a"}}})
    answers = pipeline(
        durable_server,
        request("PUT", f"/v1/c/{collection}/k", "1"),
        request("POST", "/v1/flags/validate", flags),
        request("PUT", f"/v1/c/{collection}/k", "2"),
    )
    assert [status for status, _, _ in answers] == [200, 200, 200]
    assert "revision" in json.loads(answers[0][2])
    assert json.loads(answers[1][2])["valid"] is True
    assert json.loads(answers[2][2])["revision"] == json.loads(answers[0][2])["revision"] + 1
