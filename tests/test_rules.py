"""Every rule module's catalogue entry and cases, run by one generic test (as Fixit runs a rule's
VALID and INVALID cases): the rule's family codemod turns ``before`` into ``after`` with the
findings listed, the output parses, and a second run changes nothing; valid code gets no finding
and no change; the ``explain`` example becomes ``use_instead`` (or, for a report-only rule, is
reported and left alone, while ``use_instead`` is not reported)."""

from __future__ import annotations

from typing import Union

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.registry import all_codemods, codemod_for
from codemods.rules import FixSafety, Invalid, Rule, Valid, catalogue, rule_modules
from codemods.rules.rule import example_module

RULES = list(catalogue().values())
CASES: list[tuple[Rule, Union[Valid, Invalid]]] = [
    (rule, case) for rule in RULES for case in (*rule.valid, *rule.invalid)
]


def run(code: str, source: str, unsafe_fixes: bool = False) -> tuple[str, list[str]]:
    module, findings = apply_codemod(
        codemod_for(code), cst.parse_module(source), unsafe_fixes=unsafe_fixes
    )
    return module.code, [f"{f.code}:{f.line}:{f.fix}" for f in findings]


def test_every_rule_code_of_every_codemod_has_a_rule_module() -> None:
    codes = sorted(code for command in all_codemods() for code in command.RULE_CODES)
    assert sorted(catalogue()) == codes
    assert [module.RULE.code for module in rule_modules()] == codes
    for module in rule_modules():
        assert module.__name__.rsplit(".", 1)[1].startswith(module.RULE.code.lower() + "_")


@pytest.mark.parametrize(("rule", "case"), CASES, ids=[f"{r.code}-{c.id}" for r, c in CASES])
def test_case(rule: Rule, case: Union[Valid, Invalid]) -> None:
    if isinstance(case, Valid):
        before, after, expected, unsafe = case.source, case.source, [], False
    else:
        before, after, expected = case.before, case.expected, list(case.findings)
        unsafe = case.unsafe_fixes
        assert any(f.startswith(rule.code + ":") for f in expected), "not a case of this rule"
    output, found = run(rule.code, before, unsafe)
    assert output == after
    assert found == expected
    cst.parse_module(output)
    again, refound = run(rule.code, output, unsafe)
    assert again == output, "a second run changes the output"
    assert not any(f.endswith(":safe") for f in refound), "a fixed finding is found again"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_cases_and_a_complete_entry(rule: Rule) -> None:
    assert rule.invalid, "every rule shows at least one finding"
    assert rule.title and rule.fix_summary and rule.what and rule.why and rule.fix_safety
    assert rule.example and rule.use_instead and rule.message
    assert len({case.id for case in (*rule.valid, *rule.invalid)}) == len(
        rule.valid + rule.invalid
    ), "case ids are unique"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_explain_example_is_what_the_fix_does(rule: Rule) -> None:
    example, use_instead = example_module(rule.example), example_module(rule.use_instead)
    output, found = run(rule.code, example)
    assert any(f.startswith(rule.code + ":") for f in found)
    if rule.fix is FixSafety.REPORT:
        assert output == example
        _, after = run(rule.code, use_instead)
        assert not any(f.startswith(rule.code + ":") for f in after)
    else:
        assert output == use_instead
