"""API tokens (docs/security.md): the client sends its token on the stream and on writes; a
refused token or scope is PermissionDeniedError on writes and last_error in status()."""

from __future__ import annotations

import time
from typing import Iterator

import pytest

import hotstate

from conftest import WAIT, Server, open_client

READER = "reader-0123456789abcdef0123456789"
WRITER = "writer-0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def secured() -> Iterator[Server]:
    s = Server(["--token", f"web={READER}:read@flags", "--token", f"deploy={WRITER}:read+write@flags"])
    yield s
    s.stop()


def wait_for_error(client: hotstate.Client, text: str) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        error = client.status().last_error
        if text in error:
            return error
        time.sleep(0.02)
    raise AssertionError(f"{text!r} never in last_error: {client.status().last_error!r}")


def test_token_reads_and_writes_within_its_scope(secured: Server) -> None:
    with open_client(secured.url, ["flags"], token=WRITER) as client:
        client.wait_ready(timeout=WAIT)
        revision = client.put("flags", "beta", {"on": True})
        client.wait_for_revision(revision, timeout=WAIT)
        assert client.get("flags", "beta") == {"on": True}


def test_write_beyond_scope_is_permission_denied(secured: Server) -> None:
    with open_client(secured.url, ["flags"], token=READER) as reader:
        reader.wait_ready(timeout=WAIT)
        with pytest.raises(hotstate.PermissionDeniedError, match='token "web" may not write collection "flags"') as info:
            reader.put("flags", "beta", False)
        assert isinstance(info.value, PermissionError)
    with open_client(secured.url, ["flags"]) as anonymous:
        with pytest.raises(hotstate.PermissionDeniedError):
            anonymous.put("flags", "x", 1)


def test_refused_stream_says_why_in_status(secured: Server) -> None:
    with open_client(secured.url, ["flags"]) as anonymous:
        wait_for_error(anonymous, "unauthorized")
        assert anonymous.status().state != hotstate.LinkState.LIVE
    with open_client(secured.url, ["billing"], token=READER) as beyond:
        wait_for_error(beyond, 'forbidden: token "web" may not read collection "billing"')
