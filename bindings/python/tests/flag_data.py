"""Flags and plans the flag tests write (flagd's format, docs/flags.md), and a client of them.

Every test gets collections of its own (the shared server holds them all), so the plans a
`record` rule reads are named per test too.
"""

from __future__ import annotations

import uuid
from typing import Any

import hotstate
from conftest import WAIT

BOOL = {"on": True, "off": False}


def flag_set(plans: str) -> dict[str, Any]:
    """One flag per case the tests need; ``plans`` is the collection `record` rules read."""
    return {
        "new-checkout": {
            "state": "ENABLED",
            "variants": BOOL,
            "defaultVariant": "off",
            "targeting": {"if": [{"ends_with": [{"var": "email"}, "@example.com"]}, "on", None]},
            "metadata": {"owner": "checkout", "version": 3, "beta": True, "weight": 0.5, "note": "caf\u00e9 \u2713"},
        },
        "banner": {"state": "ENABLED", "variants": {"red": "#f00", "blue": "#00f"}, "defaultVariant": "red"},
        "max-items": {
            "state": "ENABLED",
            "variants": {"small": 10, "big": 100, "half": 2.5},
            "defaultVariant": "small",
            "targeting": {"if": [{"==": [{"var": "plan"}, "pro"]}, "big", {"==": [{"var": "plan"}, "odd"]}, "half", None]},
        },
        "layout": {
            "state": "ENABLED",
            "variants": {"grid": {"columns": 3, "tags": ["a", "b"], "ratio": 1.0}, "list": {"columns": 1}},
            "defaultVariant": "list",
            "targeting": {"if": [{"in": ["beta", {"var": "groups"}]}, "grid", None]},
        },
        "kill-switch": {"state": "DISABLED", "variants": BOOL, "defaultVariant": "on"},
        "no-default": {
            "state": "ENABLED",
            "variants": BOOL,
            "defaultVariant": None,
            "targeting": {"if": [{"==": [{"var": "plan"}, "pro"]}, "on", None]},
        },
        "rollout": {
            "state": "ENABLED",
            "variants": {"new": "new", "old": "old"},
            "defaultVariant": "old",
            "targeting": {"fractional": [["new", 50], ["old", 50]]},
        },
        # The benchmark's shape: a three-clause rule, then a fractional rollout.
        "checkout-v3": {
            "state": "ENABLED",
            "variants": BOOL,
            "defaultVariant": "off",
            "targeting": {
                "if": [
                    {
                        "and": [
                            {"ends_with": [{"var": "email"}, "@example.com"]},
                            {"in": [{"var": "country"}, ["de", "fr", "nl"]]},
                            {">=": [{"var": "age"}, 18]},
                        ]
                    },
                    {"fractional": [["on", 50], ["off", 50]]},
                    None,
                ]
            },
        },
        "sso": {
            "state": "ENABLED",
            "variants": BOOL,
            "defaultVariant": "off",
            "targeting": {"if": [{"record": [plans, {"var": "account.plan"}, "features.sso"]}, "on", "off"]},
        },
        "add-seat": {
            "state": "ENABLED",
            "variants": {"yes": True, "no": False},
            "defaultVariant": "no",
            "targeting": {
                "if": [
                    {"<": [{"var": "account.seats"}, {"record": [plans, {"var": "account.plan"}, "limits.seats"]}]},
                    "yes",
                    "no",
                ]
            },
        },
    }


PLANS = {
    "free": {"features": {"sso": False}, "limits": {"seats": 3}},
    "enterprise": {"features": {"sso": True}, "limits": {"seats": 1000}},
}

BROKEN = {"state": "ENABLED", "variants": {"a": 1}, "defaultVariant": "a", "targeting": {"no_such_operator": [1, 2]}}


class FlagWorld:
    """A flag collection and a plans collection of one test, and a client evaluating them."""

    def __init__(self, url: str, **client_options: Any) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.flags, self.plans = "f" + suffix, "p" + suffix
        client_options.setdefault("backoff", (0.02, 0.2))
        self.client = hotstate.Client(url, collections=[self.plans], flag_collections=[self.flags], **client_options)

    def load(self) -> "FlagWorld":
        """Writes every flag and plan in one transaction and waits until the replica has it."""
        ops = [hotstate.Put(self.flags, key, flag) for key, flag in flag_set(self.plans).items()]
        ops += [hotstate.Put(self.plans, key, plan) for key, plan in PLANS.items()]
        self.client.wait_ready(timeout=WAIT)
        self.client.wait_for_revision(self.client.txn(ops), timeout=WAIT)
        return self

    def put(self, collection: str, key: str, value: Any) -> int:
        revision = self.client.put(collection, key, value)
        self.client.wait_for_revision(revision, timeout=WAIT)
        return revision
