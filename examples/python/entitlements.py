"""Entitlements and limits, checked locally: may this account use SSO, may it add a seat?

    HOTSTATE_URL=http://127.0.0.1:7700 python examples/python/entitlements.py

Billing plans are records of the collection "plans"; each entitlement is a flag of the
flag collection "flags" whose rule reads the account's plan with the `record` operator
(docs/flags.md, "Entitlements and limits"). Every check runs in this process against the
replica: no network call, and it keeps answering while the server is away. The example
writes its plans and flags first, so it runs against an empty server.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import hotstate

URL = os.environ.get("HOTSTATE_URL", "http://127.0.0.1:7700")
PLANS = {
    "free": {"features": {"sso": False}, "limits": {"seats": 3}},
    "enterprise": {"features": {"sso": True}, "limits": {"seats": 1000}},
}
FLAGS = {
    "sso": {
        "state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "off",
        "targeting": {"if": [{"record": ["plans", {"var": "account.plan"}, "features.sso"]}, "on", "off"]},
    },
    "add-seat": {
        "state": "ENABLED", "variants": {"yes": True, "no": False}, "defaultVariant": "no",
        "targeting": {"if": [{"<": [{"var": "account.seats"},
                                    {"record": ["plans", {"var": "account.plan"}, "limits.seats"]}]}, "yes", "no"]},
    },
}


def check(client: hotstate.Client, account: Mapping[str, Any]) -> str:
    sso = client.evaluate_bool("flags", "sso", False, account)  # local: about a microsecond
    seat = client.evaluate_bool("flags", "add-seat", False, account)
    return f"{account['account']}: sso={sso} add-seat={seat}"


def main() -> None:
    with hotstate.Client(URL, collections=["plans"], flag_collections=["flags"]) as client:
        client.wait_ready(timeout=5)
        setup = [hotstate.Put("plans", k, v) for k, v in PLANS.items()]
        setup += [hotstate.Put("flags", k, v) for k, v in FLAGS.items()]
        client.wait_for_revision(client.txn(setup), timeout=5)

        account: dict[str, Any] = {"targetingKey": "acct-42", "account": {"plan": "free", "seats": 3}}
        print(check(client, account))  # free: no SSO, 3 of 3 seats used
        account["account"] = {"plan": "enterprise", "seats": 3}
        print(check(client, account))  # after an upgrade: both allowed

        # The free plan gets two more seats: the next check, in every process, sees it.
        client.wait_for_revision(client.put("plans", "free", {"features": {"sso": False}, "limits": {"seats": 5}}),
                                 timeout=5)
        print(check(client, {"account": {"plan": "free", "seats": 3}}))
        why = client.evaluate("flags", "add-seat", {"account": {"plan": "free", "seats": 5}})
        print(f"add-seat for 5 of 5 seats: {why.value} ({why.reason.value}, variant {why.variant})")


if __name__ == "__main__":
    main()
