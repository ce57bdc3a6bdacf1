"""The eager-code codemod (EF201-EF206): options, layout and fixture pairs (the rules' own cases
are in their modules, run by tests/test_rules.py)."""

from __future__ import annotations

import subprocess
import sys

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode
from codemods.eager.sites import Site
from codemods.registry import all_codemods
from codemods.rules import rule, rule_modules
from estimator_fix.noqa import is_suppressed, noqa_lines
from tests.pairs import PAIRS, Pair
from tests.rule_cases import before

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def fix(source: str, **options: object) -> tuple[str, list[str]]:
    module, findings = apply_codemod(EagerCode, cst.parse_module(source), **options)  # type: ignore[arg-type]
    return module.code, [f"{f.code}:{f.line}:{f.fix}" for f in findings]


SOURCE = {
    name: before(name)
    for name in (
        "executing_eagerly_branches",
        "print_wired_into_loss",
        "numpy_mean_over_layer_output",
        "noop_outside_model_fn",
    )
}


def test_select_limits_what_is_reported_and_fixed() -> None:
    second = SOURCE["print_wired_into_loss"].split("\n\n\n", 1)[1]
    source = SOURCE["executing_eagerly_branches"] + second.replace("def model_fn", "def model_fn2")
    output, found = fix(source, select={"EF204"})
    assert {f.split(":")[0] for f in found} == {"EF204"}
    assert "if tf.executing_eagerly():" in output
    assert "tf.print(" in output
    output, found = fix(source, select=set())
    assert (output, found) == (source, [])


def test_noqa_on_the_line_keeps_it_and_its_finding_out() -> None:
    source = SOURCE["numpy_mean_over_layer_output"].replace(
        "keepdims=True)", "keepdims=True)  # noqa: EF201"
    )
    assert fix(source) == (source, [])


def test_crlf_tabs_and_continuation_lines_survive() -> None:
    source = (
        "import numpy as np\r\nimport tensorflow as tf\r\n\r\n\r\n"
        "def model_fn(features, labels, mode):\r\n"
        '\ty = tf.compat.v1.layers.dense(features["x"], 2)\r\n'
        "\tif tf.executing_eagerly():\r\n\t\tpass\r\n\telse:\r\n"
        "\t\t# graph mode\r\n\t\ty = np.maximum(y,\r\n\t\t               0)\r\n"
        '\tprint("y", y)\r\n'
        "\treturn tf.estimator.EstimatorSpec(mode, predictions=y)\r\n"
    )
    expected = (
        "import numpy as np\r\nimport tensorflow as tf\r\n\r\n\r\n"
        "def model_fn(features, labels, mode):\r\n"
        '\ty = tf.compat.v1.layers.dense(features["x"], 2)\r\n'
        "\t# graph mode\r\n\ty = tf.maximum(y,\r\n\t               0)\r\n"
        '\twith tf.control_dependencies([tf.print("y", y)]):\r\n\t\ty = tf.identity(y)\r\n'
        "\treturn tf.estimator.EstimatorSpec(mode, predictions=y)\r\n"
    )
    output, found = fix(source)
    assert output == expected
    assert found == ["EF206:7:safe", "EF201:11:safe", "EF204:13:safe"]
    assert fix(output)[0] == output


def test_nothing_outside_model_fns_changes() -> None:
    source = SOURCE["noop_outside_model_fn"] + SOURCE["numpy_mean_over_layer_output"].split(
        "\n\n\n", 1
    )[1]
    output, _ = fix(source)
    assert output.split("def model_fn")[0] == source.split("def model_fn")[0]


def test_explain_ef201_lists_the_table() -> None:
    text = rule("EF201").explanation()
    assert "np.mean -> tf.reduce_mean" in text
    assert "np.argmax" in text


def test_each_rule_module_declares_its_own_kind_of_site() -> None:
    """What a newcomer reads in ``ef20N_*.py`` is what the codemod reports under that code."""
    for module in rule_modules():
        if not module.RULE.code.startswith("EF2"):
            continue
        kinds = [
            obj for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, Site) and obj.__module__ == module.__name__
        ]
        assert [kind.code for kind in kinds] == [module.RULE.code], module.__name__


def test_numpy_table_loads_on_the_first_numpy_call_on_a_tensor() -> None:
    """``check`` of a file without NumPy on tensors never builds EF201's table (a fresh process:
    the point is what it imports)."""
    script = (
        "import sys\n"
        "from estimator_fix.engine import Settings, process_source\n"
        "def table_after(source):\n"
        "    process_source('m.py', source.encode(), Settings(fix=False))\n"
        "    return 'codemods.eager.numpy_table' in sys.modules\n"
        f"print(table_after({SOURCE['print_wired_into_loss']!r}),"
        f" table_after({SOURCE['numpy_mean_over_layer_output']!r}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]


# ----------------------------------------------------------------------------- fixture pairs
EAGER_PAIRS = [p for p in PAIRS if p.name.startswith("ef2")]


def test_the_family_has_enough_pairs() -> None:
    assert len(EAGER_PAIRS) >= 15
    assert any("EF1" in " ".join(p.findings) for p in EAGER_PAIRS), "mixes with EF1xx findings"


@pytest.mark.parametrize("pair", EAGER_PAIRS, ids=[p.name for p in EAGER_PAIRS])
def test_pair_before_becomes_after(pair: Pair) -> None:
    """As the engine runs them: every codemod on the original for findings (minus noqa), and
    each codemod on the previous one's output for the fix."""
    before = cst.parse_module(pair.before.read_bytes())
    noqa = noqa_lines(before.code)
    output, findings = before, []
    for command in all_codemods():
        _, found = apply_codemod(command, before, unsafe_fixes=pair.unsafe)
        findings += [f for f in found if not is_suppressed(f.code, f.line, noqa)]
        output, _ = apply_codemod(command, output, unsafe_fixes=pair.unsafe)
    assert output.bytes == pair.after.read_bytes()
    assert sorted(f"{f.code}:{f.line}" for f in findings) == sorted(pair.findings)
    case = tomllib.loads((pair.before.parent / "case.toml").read_text(encoding="utf-8"))
    assert case["description"] and case["fixed"] == (output.bytes != before.bytes)


def test_a_reused_codemod_adds_no_import_the_last_file_needed() -> None:
    """An import a rewrite asked for belongs to that module only: LibCST lets a caller run one
    codemod instance on several modules."""
    from codemods.base import Context

    codemod = EagerCode(Context())
    needs_import = cst.parse_module(before("adds_tensorflow_import_when_missing"))
    first = codemod.transform_module(needs_import)
    assert "import tensorflow as tf" in first.code
    plain = "x = 1\n"
    assert codemod.transform_module(cst.parse_module(plain)).code == plain
