"""The flag both systems evaluate, and the users they evaluate it for.

One flagd flag: a three-clause rule (an email domain, a country list, an age), then a
50/50 fractional rollout of the users who pass it; everyone else gets the default
variant. Five context attributes per user, the targeting key included.
"""

from __future__ import annotations

import random
from typing import Any

KEY = "checkout-v3"
FLAG: dict[str, Any] = {
    "state": "ENABLED",
    "variants": {"on": True, "off": False},
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
}


def users(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """`count` users as plain dicts; about 80% pass the rule and reach the rollout."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        passes = rng.random() < 0.8
        out.append({
            "targetingKey": f"user-{i:06d}",
            "email": f"u{i}@example.com" if passes or rng.random() < 0.5 else f"u{i}@other.org",
            "country": rng.choice(["de", "fr", "nl"]) if passes else rng.choice(["us", "de"]),
            "age": rng.randint(18, 80) if passes else rng.randint(12, 30),
            "plan": rng.choice(["free", "pro", "enterprise"]),
        })
    return out
