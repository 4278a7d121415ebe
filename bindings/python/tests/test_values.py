"""Every JSON type both ways: written from Python, read back from the local replica."""

from __future__ import annotations

import json
import math

import pytest

import hotstate
from conftest import WAIT

VALUES = {
    "null": None,
    "true": True,
    "false": False,
    "zero": 0,
    "negative": -42,
    "int64_min": -(2**63),
    "int64_max": 2**63 - 1,
    "uint64_max": 2**64 - 1,
    "float": 0.1,
    "float_integral": 1.0,
    "float_tiny": -2.5e-300,
    "float_big": 1.7976931348623157e308,
    "empty_string": "",
    "unicode": "héllo wörld ✓ 日本 🚀",
    "escapes": 'quote " backslash \\ newline \n tab \t nul \x00',
    "empty_list": [],
    "empty_dict": {},
    "list": [1, "two", 3.5, None, True, [], {}],
    "nested": {"a": {"b": {"c": [1, {"d": "deep"}]}}, "z": [[[]]]},
    "dict_unicode_keys": {"ключ": 1, "🔑": 2, "": 3},
}


def put_all(client: hotstate.Client, collection: str) -> int:
    revision = 0
    for key, value in VALUES.items():
        revision = client.put(collection, key, value)
    client.wait_for_revision(revision, timeout=WAIT)
    return revision


def test_every_json_type_round_trips(client: hotstate.Client, collection: str) -> None:
    put_all(client, collection)
    for key, value in VALUES.items():
        got = client.get(collection, key)
        assert got == value, key
        assert type(got) is type(value), key  # 1.0 stays a float, ints stay ints
        assert client.view(collection, key).value == value


def test_floats_keep_every_bit(client: hotstate.Client, collection: str) -> None:
    for i, f in enumerate([0.1, 1 / 3, 5e-324, -0.0, 123456789.123456789, 2.0**53 + 2]):
        client.wait_for_revision(client.put(collection, f"f{i}", f), timeout=WAIT)
        got = client.get(collection, f"f{i}")
        assert got == f and math.copysign(1, got) == math.copysign(1, f)


def test_tuples_are_written_as_lists(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "t", (1, (2, 3))), timeout=WAIT)
    assert client.get(collection, "t") == [1, [2, 3]]


def test_objects_come_back_with_keys_sorted(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "o", {"b": 1, "a": 2, "c": 3}), timeout=WAIT)
    assert list(client.get(collection, "o")) == ["a", "b", "c"]


def test_unicode_and_odd_keys(client: hotstate.Client, collection: str) -> None:
    keys = ["ключ", "🚀/launch", "a b", "with/slash", "x" * 1024, "quote\"and'apos", "%41"]
    for key in keys:
        client.wait_for_revision(client.put(collection, key, key), timeout=WAIT)
    for key in keys:
        assert client.get(collection, key) == key
        assert client.view(collection, key).key == key


def test_results_are_fresh_copies(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "m", {"list": [1, 2], "n": 1}), timeout=WAIT)
    first = client.get(collection, "m")
    first["list"].append(3)
    first["n"] = 99
    assert client.get(collection, "m") == {"list": [1, 2], "n": 1}
    record = client.view(collection, "m")
    v = record.value
    v["n"] = 5
    assert record.value == {"list": [1, 2], "n": 1}


def test_record_view(client: hotstate.Client, collection: str) -> None:
    r1 = client.put(collection, "r", {"on": True})
    r2 = client.put(collection, "r", {"on": False, "pct": 50})
    client.wait_for_revision(r2, timeout=WAIT)
    record = client.view(collection, "r")
    assert isinstance(record, hotstate.Record)
    assert record.collection == collection and record.key == "r"
    assert record.create_revision == r1 and record.mod_revision == r2 and record.version == 2
    assert json.loads(record.json) == {"on": False, "pct": 50}
    assert record.json == '{"on":false,"pct":50}'
    assert collection in repr(record)


def test_raw_is_a_zero_copy_view_that_keeps_the_record_alive(client: hotstate.Client, collection: str) -> None:
    client.wait_for_revision(client.put(collection, "raw", "hello"), timeout=WAIT)
    record = client.view(collection, "raw")
    raw = record.raw
    assert isinstance(raw, memoryview) and raw.readonly and raw.format == "B"
    assert bytes(raw) == bytes(client.view(collection, "raw").raw)
    assert b"hello" in bytes(raw)
    with pytest.raises(TypeError):
        raw[0] = 0  # read-only
    del record  # the memoryview holds the record
    client.wait_for_revision(client.put(collection, "raw", "changed"), timeout=WAIT)
    assert b"hello" in bytes(raw)  # still the old, immutable record
    raw.release()


def test_typed_reads(client: hotstate.Client, collection: str) -> None:
    for key, value in {"b": True, "i": -7, "f": 2.5, "s": "text", "big": 2**64 - 1}.items():
        client.put(collection, key, value)
    client.wait_for_revision(client.put(collection, "done", 1), timeout=WAIT)
    assert client.get_bool(collection, "b") is True
    assert client.get_int(collection, "i") == -7
    assert client.get_float(collection, "f") == 2.5
    assert client.get_float(collection, "i") == -7.0  # any number reads as a float
    assert client.get_str(collection, "s") == "text"
    with pytest.raises(hotstate.TypeMismatchError, match="not a"):
        client.get_bool(collection, "s")
    with pytest.raises(TypeError):  # also a TypeError, for except clauses that expect one
        client.get_int(collection, "f")
    with pytest.raises(hotstate.TypeMismatchError):
        client.get_int(collection, "big")  # beyond int64
    with pytest.raises(hotstate.TypeMismatchError):
        client.get_str(collection, "i")
    with pytest.raises(hotstate.NotFoundError):
        client.get_bool(collection, "absent")
    with pytest.raises(KeyError):
        client.get_int(collection, "absent")
    assert client.get_bool(collection, "absent", default=False) is False
    assert client.get_str(collection, "absent", default=None) is None
    with pytest.raises(hotstate.TypeMismatchError):  # a default never hides a wrong type
        client.get_bool(collection, "s", default=False)


@pytest.mark.parametrize(
    "bad",
    [float("nan"), float("inf"), {1: "int key"}, {"set": {1, 2}}, b"bytes", object(), 2**64, -(2**63) - 1],
)
def test_values_without_a_json_form_are_refused(client: hotstate.Client, collection: str, bad: object) -> None:
    before = client.status().server_revision
    with pytest.raises(hotstate.InvalidArgumentError):
        client.put(collection, "bad", bad)
    assert client.get(collection, "bad") is None
    assert client.status().server_revision == before
