"""The exception table of hotstate._errors against the hs_status enum of hotstate.h.

Would catch a status added to (or renumbered in) the C ABI without its exception class
here, or a class whose code or name drifted from the header: such a status would surface
as InternalError.
"""

from __future__ import annotations

import re
from pathlib import Path

import hotstate
from hotstate import _errors

HEADER = Path(__file__).resolve().parents[3] / "capi" / "include" / "hotstate.h"


def header_statuses() -> dict[int, str]:
    """{number: name} of every HS_ERR_* of `typedef enum hs_status` in hotstate.h."""
    text = HEADER.read_text(encoding="utf-8")
    body = re.search(r"typedef enum hs_status \{(.*?)\} hs_status;", text, re.S)
    assert body, f"no hs_status enum in {HEADER}"
    statuses = {int(number): name for name, number in re.findall(r"\b(HS_\w+)\s*=\s*(\d+)", body.group(1))}
    assert statuses.pop(0) == "HS_OK"
    return statuses


def test_every_status_of_the_header_has_its_class_with_the_same_number_and_name() -> None:
    table = {code: cls.status for code, cls in _errors._BY_CODE.items()}
    assert table == header_statuses()


def test_error_for_status_gives_each_status_its_own_class() -> None:
    for number, name in header_statuses().items():
        cls = _errors.error_for_status(number)
        assert issubclass(cls, hotstate.HotstateError)
        assert (cls.code, cls.status) == (number, name)
    assert _errors.error_for_status(10_000) is hotstate.InternalError  # a newer library's status
