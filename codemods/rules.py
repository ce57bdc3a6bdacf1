"""The rule catalogue: code, title, what the fix does, and the explanation shown by ``explain``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    fix: str  # "safe", "report", or "safe where ..." — shown in `rules`
    why: str
    before: str
    after: str


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.code] = rule
    return rule
