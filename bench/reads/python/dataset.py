"""The data set every read/sync benchmark uses, in every language (C++: cpp/bench_common.hpp,
Node: node/dataset.js): key i is "k%08d", a miss is "m%08d", the value of key i is
{"enabled":true,"rollout":i%100} (a small flag record)."""

from __future__ import annotations

import random


def hit_key(i: int) -> str:
    return f"k{i:08d}"


def miss_key(i: int) -> str:
    return f"m{i:08d}"


def value_json(i: int) -> str:
    return '{"enabled":true,"rollout":%d}' % (i % 100)


HOT_KEYS = 1000


def hot_keys(shuffled_hits: list[str]) -> list[str]:
    """The hot set (what a flag check reads over and over): the first 1,000 keys of a
    shuffled hit list, cycled by the benchmark loop."""
    return shuffled_hits[:HOT_KEYS]


def shuffled_keys(count: int, hits: bool) -> list[str]:
    """`count` keys in a random order (fixed seed): random access over the whole key set."""
    make = hit_key if hits else miss_key
    keys = [make(i) for i in range(count)]
    random.Random(42).shuffle(keys)
    return keys
