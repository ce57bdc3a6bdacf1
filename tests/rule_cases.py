"""The rule modules' cases by id, for tests that build on one (``codemods/rules/ef*.py``)."""

from __future__ import annotations

from typing import Union

from codemods.rules import Invalid, Valid, catalogue

CASES: dict[str, Union[Valid, Invalid]] = {
    case.id: case for rule in catalogue().values() for case in (*rule.valid, *rule.invalid)
}


def before(case_id: str) -> str:
    case = CASES[case_id]
    return case.source if isinstance(case, Valid) else case.before


def after(case_id: str) -> str:
    case = CASES[case_id]
    return case.source if isinstance(case, Valid) else case.expected
