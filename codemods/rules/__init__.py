"""The rule catalogue: one module per rule, ``efNNN_<what>.py``, found by scanning this package.

A rule module declares ``RULE`` (``codemods.rules.rule.Rule``: code, title, fix safety, the
explanation, the message, its VALID and INVALID cases) next to what decides it: the policy the
mode analysis applies (EF101–EF106) or the detector the eager scan calls (EF201–EF206).
``rules``, ``explain`` and the SARIF rule table read the catalogue from here.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from types import ModuleType

from codemods.rules.rule import FixSafety, Invalid, Rule, Valid

_RULE_MODULE = re.compile(r"ef[0-9]{3}_[a-z0-9_]+\Z")


@functools.cache
def rule_modules() -> tuple[ModuleType, ...]:
    """Every rule module of this package, in code order."""
    names = sorted(
        info.name for info in pkgutil.iter_modules(__path__) if _RULE_MODULE.match(info.name)
    )
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


@functools.cache
def catalogue() -> dict[str, Rule]:
    """Rule code → its catalogue entry, in code order."""
    found: dict[str, Rule] = {}
    for module in rule_modules():
        rule = module.RULE
        if not isinstance(rule, Rule):
            raise TypeError(f"{module.__name__}.RULE is not a Rule")
        if rule.code in found:
            raise ValueError(f"{rule.code} is declared twice ({module.__name__})")
        found[rule.code] = rule
    return found


def rule(code: str) -> Rule:
    """The catalogue entry of ``code`` (KeyError for a code no rule has)."""
    return catalogue()[code]


__all__ = ["FixSafety", "Invalid", "Rule", "Valid", "catalogue", "rule", "rule_modules"]
