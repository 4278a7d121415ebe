"""A /v1/stream client written from docs/protocol.md alone, to prove the document is enough.

It uses nothing of hotstate but the document and schemas/hotstate.fbs: the WebSocket is a
minimal RFC 6455 client over a plain socket (so answering the server's pings is this code's
job, as the document says, not a library's), frames are read and written with code that
`flatc --python --gen-onefile` generates from the schema (load_wire), and record values are
decoded with the FlexBuffers reader of the `flatbuffers` package. Where the document was
silent, this client could not have been written; the tests in test_protocol_doc_client.py
drive it against a real hotstated and compare its replica with the server's state.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import pathlib
import socket
import struct
import subprocess
import time
import types
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import flatbuffers
from flatbuffers import flexbuffers

PROTOCOL = 1
FRAME_ALIGNMENT = 8  # docs/protocol.md: every frame starts on an 8-byte boundary of its message


def load_wire(schema: pathlib.Path, out_dir: pathlib.Path) -> types.ModuleType:
    """Generates the schema's Python code (one module, no package: the schema's namespace
    `hotstate.wire` would otherwise clash with the hotstate package) and imports it."""
    subprocess.run(["flatc", "--python", "--gen-onefile", "-o", str(out_dir), str(schema)], check=True)
    path = out_dir / (schema.stem + "_generated.py")
    spec = importlib.util.spec_from_file_location("hotstate_wire_generated", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- a minimal WebSocket client (RFC 6455) ------------------------------------------------

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class ConnectionClosed(Exception):
    """The server closed the WebSocket (code None: the TCP connection ended without a Close)."""

    def __init__(self, code: Optional[int], reason: str = "") -> None:
        super().__init__(f"connection closed (code {code}, reason {reason!r})")
        self.code = code
        self.reason = reason


class WebSocket:
    def __init__(self, url: str, timeout: float, receive_buffer: Optional[int] = None) -> None:
        parts = urllib.parse.urlsplit(url)
        assert parts.scheme == "ws", url
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:  # before connect, so the TCP window is small from the start
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.sock.settimeout(timeout)
        self.sock.connect((parts.hostname, parts.port))
        self.buffer = bytearray()
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(
            b"GET " + (parts.path or "/").encode() + b" HTTP/1.1\r\n"
            b"Host: " + parts.netloc.encode() + b"\r\n"
            b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        status, *lines = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        if status.split(" ")[1:2] != ["101"]:
            raise ConnectionError(f"upgrade refused: {status}")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        if headers.get("sec-websocket-accept") != base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode():
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.message = bytearray()  # a fragmented message being assembled
        self.message_opcode = OP_BINARY

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._fill()
        at = self.buffer.index(marker) + len(marker)
        data = bytes(self.buffer[:at])
        del self.buffer[:at]
        return data

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed(None)
        self.buffer += chunk

    def _read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def send(self, opcode: int, payload: bytes) -> None:
        """One unfragmented frame; a client masks every frame it sends."""
        header = bytearray([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        repeated = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big") if n else b""
        self.sock.sendall(bytes(header) + mask + masked)

    def receive(self) -> tuple[int, bytes]:
        """The next complete message or control frame: (opcode, payload). Text and binary
        messages come whole (fragments joined); pings, pongs and closes as they arrive."""
        while True:
            b0, b1 = self._read_exact(2)
            fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if n == 126:
                (n,) = struct.unpack("!H", self._read_exact(2))
            elif n == 127:
                (n,) = struct.unpack("!Q", self._read_exact(8))
            if b1 & 0x80:  # a server never masks; tolerate it anyway
                mask = self._read_exact(4)
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read_exact(n)))
            else:
                payload = self._read_exact(n)
            if opcode >= OP_CLOSE:
                return opcode, payload
            if opcode != OP_CONTINUATION:
                self.message_opcode = opcode
                self.message = bytearray()
            self.message += payload
            if fin:
                return self.message_opcode, bytes(self.message)

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


# ---- frames ---------------------------------------------------------------------------------


def encode_frame(wire: types.ModuleType, message_type: int, build: Callable[[flatbuffers.Builder], int]) -> bytes:
    """One size-prefixed Frame with identifier HST1, padded to a multiple of 8 bytes so the
    next frame of the same message starts aligned (docs/protocol.md, "Frames")."""
    builder = flatbuffers.Builder(256)
    message = build(builder)
    wire.FrameStart(builder)
    wire.FrameAddMessageType(builder, message_type)
    wire.FrameAddMessage(builder, message)
    frame = wire.FrameEnd(builder)
    builder.minalign = max(builder.minalign, FRAME_ALIGNMENT)
    builder.FinishSizePrefixed(frame, b"HST1")
    data = bytes(builder.Output())
    assert len(data) % FRAME_ALIGNMENT == 0, len(data)
    return data


def split_frames(message: bytes) -> list[tuple[int, int]]:
    """(offset, size) of each size-prefixed frame of one WebSocket message."""
    frames, at = [], 0
    while at < len(message):
        (size,) = struct.unpack_from("<I", message, at)
        if at + 4 + size > len(message):
            raise ValueError("a frame runs past the end of its message")
        frames.append((at, 4 + size))
        at += 4 + size
    return frames


def value_bytes(record: Any) -> bytes:
    """The FlexBuffers bytes of a Record's value (a [ubyte] vector), sliced out in one step:
    the generated per-byte accessor would take a call per byte."""
    tab = record._tab
    o = tab.Offset(8)  # field 2 (value): vtable slot 4 + 2 * 2
    if o == 0:
        return b""
    start = tab.Vector(o)
    return bytes(tab.Bytes[start : start + tab.VectorLen(o)])


@dataclass
class StoredRecord:
    value: Any
    create_revision: int
    mod_revision: int
    version: int


@dataclass
class Event:
    """What the client received, for the tests to inspect: the message type's name and,
    for a Delta, (from, to, [(txn revision, [(kind, collection, key, mod_revision)])])."""

    kind: str
    detail: Any = None


class ProtocolError(Exception):
    pass


class _Gap(Exception):
    """A Delta starts above the position: something was missed."""


# ---- the client -----------------------------------------------------------------------------


@dataclass
class StreamClient:
    """Keeps a replica of the selected records, following docs/protocol.md."""

    url: str  # http://HOST:PORT, as for the HTTP API
    selectors: list[tuple[str, str]]
    wire: types.ModuleType
    answer_pings: bool = True
    receive_buffer: Optional[int] = None
    replica: dict[tuple[str, str], StoredRecord] = field(default_factory=dict)
    epoch: int = 0  # 0: no state yet
    position: int = 0
    heartbeat_ms: int = 0
    server_revision: int = 0
    events: list[Event] = field(default_factory=list)
    error: Optional[tuple[str, str, int]] = None
    ws: Optional[WebSocket] = None
    last_frame_at: float = 0.0
    _building: Optional[dict[tuple[str, str], StoredRecord]] = None
    _building_epoch: int = 0

    # -- connection --
    def connect(self, timeout: float = 10.0) -> None:
        """Opens the stream, sends Hello and Subscribe in one message, resuming from the
        replica's position when it has one."""
        parts = urllib.parse.urlsplit(self.url)
        self.ws = WebSocket(f"ws://{parts.netloc}/v1/stream", timeout, self.receive_buffer)
        self.error = None
        self.last_frame_at = time.monotonic()
        hello = encode_frame(self.wire, self.wire.Message.Hello, self._build_hello)
        subscribe = encode_frame(self.wire, self.wire.Message.Subscribe, self._build_subscribe)
        self.ws.send(OP_BINARY, hello + subscribe)

    def disconnect(self) -> None:
        """Drops the connection as a network failure would: no Close, no Unsubscribe."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        self._building = None

    def reconnect(self) -> None:
        self.disconnect()
        self.connect()

    def _build_hello(self, b: flatbuffers.Builder) -> int:
        name = b.CreateString("protocol-doc-client")
        self.wire.HelloStart(b)
        self.wire.HelloAddProtocol(b, PROTOCOL)
        self.wire.HelloAddClientName(b, name)
        return self.wire.HelloEnd(b)

    def _build_subscribe(self, b: flatbuffers.Builder) -> int:
        selectors = []
        for collection, prefix in self.selectors:
            c, p = b.CreateString(collection), b.CreateString(prefix)
            self.wire.SelectorStart(b)
            self.wire.SelectorAddCollection(b, c)
            self.wire.SelectorAddPrefix(b, p)
            selectors.append(self.wire.SelectorEnd(b))
        self.wire.SubscribeStartSelectorsVector(b, len(selectors))
        for s in reversed(selectors):
            b.PrependUOffsetTRelative(s)
        vector = b.EndVector()
        self.wire.SubscribeStart(b)
        self.wire.SubscribeAddSelectors(b, vector)
        if self.epoch != 0:  # a struct is built inline, right before it is added
            self.wire.SubscribeAddResume(b, self.wire.CreatePosition(b, self.epoch, self.position))
        return self.wire.SubscribeEnd(b)

    # -- receiving --
    def poll(self, timeout: float) -> bool:
        """Handles what arrives within `timeout` seconds (at most one WebSocket message or
        control frame). False when nothing came."""
        assert self.ws is not None, "not connected"
        self.ws.sock.settimeout(timeout)
        try:
            opcode, payload = self.ws.receive()
        except (socket.timeout, TimeoutError):
            return False
        if opcode == OP_PING:
            if self.answer_pings:  # RFC 6455: a Pong with the Ping's payload
                self.ws.send(OP_PONG, payload)
            self.events.append(Event("ws_ping"))
            return True
        if opcode == OP_CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            raise ConnectionClosed(code, payload[2:].decode("utf-8", "replace"))
        if opcode != OP_BINARY:
            raise ProtocolError(f"unexpected WebSocket opcode {opcode}")
        self.last_frame_at = time.monotonic()
        try:
            for offset, size in split_frames(payload):
                if offset % FRAME_ALIGNMENT != 0:
                    raise ProtocolError(f"frame at offset {offset} is not 8-byte aligned")
                if not self.wire.Frame.FrameBufferHasIdentifier(payload, offset, size_prefixed=True):
                    raise ProtocolError("frame without the HST1 identifier")
                self._handle(self.wire.Frame.GetRootAs(payload, offset + 4))
        except _Gap:
            # Resubscribe with resume: on a new connection, the way this client resubscribes.
            # The rest of the message belonged to the old subscription.
            self.reconnect()
        return True

    def run_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"timed out waiting for {what}")
            self.poll(min(left, 0.5))

    def stale(self) -> bool:
        """docs/protocol.md: a stream silent for a few heartbeats is dead."""
        return self.heartbeat_ms > 0 and time.monotonic() - self.last_frame_at > 3 * self.heartbeat_ms / 1000

    def _as(self, table: Any, cls: Any) -> Any:
        message = cls()
        message.Init(table.Bytes, table.Pos)
        return message

    def _handle(self, frame: Any) -> None:
        w, kind, table = self.wire, frame.MessageType(), frame.Message()
        if kind == w.Message.Welcome:
            welcome = self._as(table, w.Welcome)
            if welcome.Protocol() != PROTOCOL:
                raise ProtocolError(f"server speaks protocol {welcome.Protocol()}")
            self.heartbeat_ms = welcome.HeartbeatMs()
            self.server_revision = welcome.Revision()
            self.events.append(Event("Welcome", (welcome.Epoch(), welcome.Revision())))
        elif kind == w.Message.SnapshotBegin:
            begin = self._as(table, w.SnapshotBegin)
            # Built aside and swapped in at SnapshotEnd: readers never see half a snapshot.
            self._building, self._building_epoch = {}, begin.Epoch()
            self.events.append(Event("SnapshotBegin", (begin.Epoch(), begin.Revision(), begin.Reset())))
        elif kind == w.Message.SnapshotChunk:
            chunk = self._as(table, w.SnapshotChunk)
            if self._building is None:
                raise ProtocolError("SnapshotChunk outside a snapshot")
            for i in range(chunk.RecordsLength()):
                record = chunk.Records(i)
                self._building[self._name(record)] = self._stored(record)
            self.events.append(Event("SnapshotChunk", chunk.RecordsLength()))
        elif kind == w.Message.SnapshotEnd:
            end = self._as(table, w.SnapshotEnd)
            if self._building is None:
                raise ProtocolError("SnapshotEnd outside a snapshot")
            self.replica, self._building = self._building, None
            self.epoch, self.position = self._building_epoch, end.Revision()
            self.events.append(Event("SnapshotEnd", end.Revision()))
        elif kind == w.Message.Delta:
            self._apply_delta(self._as(table, w.Delta))
        elif kind == w.Message.Progress:
            revision = self._as(table, w.Progress).Revision()
            self.position = max(self.position, revision)
            self.server_revision = max(self.server_revision, revision)
            self.events.append(Event("Progress", revision))
        elif kind == w.Message.Pong:
            pong = self._as(table, w.Pong)  # nonce 0: unsolicited, while a snapshot waits
            self.server_revision = max(self.server_revision, pong.Revision())
            self.events.append(Event("Pong", (pong.Nonce(), pong.Revision())))
        elif kind == w.Message.Error:
            error = self._as(table, w.Error)
            self.error = (error.Code().decode(), error.Message().decode(), error.CloseCode())
            self.events.append(Event("Error", self.error))
        else:
            raise ProtocolError(f"unexpected message type {kind}")

    def _apply_delta(self, delta: Any) -> None:
        w = self.wire
        start, to = delta.FromRevision(), delta.ToRevision()
        txns = []
        for i in range(delta.TxnsLength()):
            txn = delta.Txns(i)
            ops = []
            for j in range(txn.OpsLength()):
                op = txn.Ops(j)
                record = op.Record()
                kind = "put" if op.Kind() == w.OpKind.Put else "delete"
                ops.append((kind, record, txn.Revision()))
            txns.append((txn.Revision(), ops))
        self.events.append(
            Event("Delta", (start, to, [(rev, [(k, *self._name(r), r.ModRevision()) for k, r, _ in ops]) for rev, ops in txns]))
        )
        if self._building is not None:
            raise ProtocolError("Delta during a snapshot")
        if start > self.position:
            self.events.append(Event("gap", (self.position, start)))
            raise _Gap()
        for revision, ops in txns:
            if revision <= self.position:
                continue  # already applied: ops at or below the position are skipped
            for kind, record, _ in ops:  # one transaction (or a merged catch-up) at once
                if kind == "put":
                    self.replica[self._name(record)] = self._stored(record)
                else:
                    self.replica.pop(self._name(record), None)
        self.position = max(self.position, to)
        self.server_revision = max(self.server_revision, to)

    @staticmethod
    def _name(record: Any) -> tuple[str, str]:
        return record.Collection().decode(), record.Key().decode()

    @staticmethod
    def _stored(record: Any) -> StoredRecord:
        return StoredRecord(
            value=flexbuffers.Loads(value_bytes(record)),
            create_revision=record.CreateRevision(),
            mod_revision=record.ModRevision(),
            version=record.Version(),
        )
