"""HTTP/1.1 pipelining as docs/http-api.md ("Connections and pipelining") describes it:
requests sent back to back on one connection are answered one at a time, in order, each
after the previous one is done (a write once it is durable); a request the server cannot
read whole, or one that asks to close, ends the connection and the requests behind it go
unanswered."""

from __future__ import annotations

import json
import socket
from typing import Optional

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
