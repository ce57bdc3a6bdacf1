"""The engine: prefilter, bad input, findings, selection, noqa, safety checks, byte fidelity."""

from __future__ import annotations

import pickle
from dataclasses import replace

import libcst as cst
import pytest

from estimator_fix import engine
from estimator_fix.engine import (
    Changed,
    Failed,
    Settings,
    Skipped,
    Unchanged,
    code_selected,
    parse_error,
    process_file,
    process_source,
    top_level_spans,
)
from estimator_fix.noqa import is_suppressed, noqa_lines, parse_noqa
from tests.fake_codemods import (
    BreakingCodemod,
    CrashingCodemod,
    FakeCodemod,
    ReturnOutsideCodemod,
    SkippingCodemod,
    UnstableCodemod,
)

FAKE = Settings(codemods=(FakeCodemod,))

SOURCE = b"""import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    print(features)
    x = np.mean(features)
    y = features.numpy()
    return tf.estimator.EstimatorSpec(mode, predictions=x)


def helper(features):
    print(features)
"""


FIXED = SOURCE.replace(b"    print(features)\n    x", b"    tf.print(features)\n    x")
PRINT_LINE = b"    print(features)\n    x"


def codes(result: object) -> list[str]:
    return [f.code for f in result.findings]  # type: ignore[attr-defined]


# -- prefilter and bad input -----------------------------------------------------------------


def test_file_without_estimator_code_is_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(cst, "parse_module", fail)
    result = process_source("plain.py", b"def f(x):\n    print(x)\n", FAKE)
    assert result == Unchanged("plain.py", ())


def test_a_contrib_learn_model_fn_naming_only_its_spec_class_is_read() -> None:
    # tf.contrib.learn's model_fns return ModelFnOps; the file may say nothing else of Estimators
    source = b"""import tensorflow as tf


def simple_fn(features, targets, mode):
    y = tf.compat.v1.layers.dense(features, 10)
    loss = tf.reduce_mean(tf.square(targets - y))
    return tf.contrib.learn.ModelFnOps(mode=mode, predictions=y, loss=loss)
"""
    result = process_source("mlp.py", source, Settings(fix=False))
    assert [f.code for f in result.findings] == ["EF101", "EF105"]


def test_the_prefilter_markers_cover_every_spec_class_the_analysis_knows() -> None:
    from codemods.tf_api import SPEC_CLASSES
    from estimator_fix.results import PREFILTER_MARKERS

    for name in SPEC_CLASSES:
        assert any(marker in name.encode() for marker in PREFILTER_MARKERS), name


def test_empty_file_is_unchanged() -> None:
    assert process_source("empty.py", b"", FAKE) == Unchanged("empty.py", ())


@pytest.mark.parametrize(
    ("source", "construct", "line"),
    [
        (b'def model_fn():\n    print "hello"\n', "print statement", 2),
        (b"def model_fn(features):\n    print features\n", "print statement", 2),
        # CPython names the first error; LibCST (which reads `except A, B:` as Python 3.14 does)
        # fails later, on the print statement.
        (b"try:\n    model_fn()\nexcept ValueError, e:\n    print e\n", "except X, e:", 3),
        (b"model_fn = 1\nx = `model_fn`\n", "backtick repr", 2),
        (b"model_fn = ur'abc'\n", "ur'' string prefix", 1),
        (b"model_fn = 1\nexec 'x = 1'\n", "exec statement", 2),
        (b"model_fn = 1\nif model_fn <> 2:\n    pass\n", "<> operator", 2),
        (b"model_fn = 0777\n", "0777-style octal literal", 1),
        (b"model_fn = 10L\n", "long integer literal", 1),
        (b"def model_fn():\n    raise ValueError, 'bad'\n", "raise E, message", 2),
        (b"model_fn = 1\nf = lambda (k, v): k\n", "tuple parameter in a lambda", 2),
        (b"def model_fn((x, y)):\n    return x\n", "tuple parameter in a def", 1),
    ],
)
def test_python2_source_is_skipped_with_the_construct(
    source: bytes, construct: str, line: int
) -> None:
    result = process_source("old.py", source, FAKE)
    assert isinstance(result, Skipped)
    assert result.reason.startswith(f"Python 2 syntax ({construct}) at line {line};")
    assert "\n" not in result.reason


@pytest.mark.parametrize(
    "source",
    [
        b"def model_fn(:\n    pass\n",
        b"def model_fn():\nreturn 1\n",
        b"model_fn = (1,\n",
        b"model_fn = 'print x'\nx = = 2\n",
    ],
)
def test_python3_syntax_error_is_not_called_python2(source: bytes) -> None:
    result = process_source("bad.py", source, FAKE)
    assert isinstance(result, Skipped)
    assert result.reason.startswith("syntax error at line ")
    assert "Python 2" not in result.reason
    assert "\n" not in result.reason


def test_undecodable_file_is_skipped() -> None:
    result = process_source("bin.py", b"# model_fn\nx = '\xff\xfe'\n", FAKE)
    assert isinstance(result, Skipped)
    assert result.reason.startswith("cannot decode as utf-8: ")
    assert "line 2" in result.reason


def test_unknown_coding_cookie_is_skipped() -> None:
    result = process_source("c.py", b"# -*- coding: klingon -*-\nmodel_fn = 1\n", FAKE)
    assert isinstance(result, Skipped)
    assert "unknown encoding" in result.reason


def test_missing_file_is_skipped(tmp_path: object) -> None:
    result = process_file(f"{tmp_path}/nope.py", FAKE)
    assert isinstance(result, Skipped)
    assert result.reason == "no such file or directory"


def test_parse_error_helper() -> None:
    assert parse_error(b"x = 1\n") is None
    assert (parse_error(b"print 'x'\n") or "").startswith("Python 2 syntax (print statement)")


# -- findings and fixes ---------------------------------------------------------------------


def test_findings_and_safe_fix() -> None:
    result = process_source("m.py", SOURCE, FAKE)
    assert isinstance(result, Changed)
    assert result.original == SOURCE
    assert result.fixed == FIXED
    assert [(f.code, f.line, f.column, f.fix, f.applied) for f in result.findings] == [
        ("EF901", 6, 5, "safe", True),
        ("EF902", 7, 9, "unsafe", False),
        ("EF903", 8, 9, "none", False),
    ]
    assert {f.function for f in result.findings} == {"model_fn"}


def test_unsafe_fixes_apply_unsafe_fixes() -> None:
    result = process_source("m.py", SOURCE, replace(FAKE, unsafe_fixes=True))
    assert isinstance(result, Changed)
    assert b"x = tf.reduce_mean(features)" in result.fixed
    assert [f.applied for f in result.findings] == [True, True, False]


def test_report_only_findings_leave_the_file_unchanged() -> None:
    source = b"def model_fn(features):\n    return features.numpy()\n"
    result = process_source("m.py", source, FAKE)
    assert isinstance(result, Unchanged)
    assert codes(result) == ["EF903"]
    assert not result.findings[0].applied


def test_registry_is_used_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [FakeCodemod])
    assert codes(process_source("m.py", SOURCE, Settings())) == ["EF901", "EF902", "EF903"]


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        (None, (), ["EF901", "EF902", "EF903"]),
        (("EF9",), (), ["EF901", "EF902", "EF903"]),
        (("EF901",), (), ["EF901"]),
        (("EF90",), ("EF902",), ["EF901", "EF903"]),
        (None, ("EF90",), []),
        (("EF902",), ("EF9",), ["EF902"]),  # the more specific selector wins
        (("EF9",), ("EF9",), []),  # a tie goes to ignore
        (("EF1",), (), []),
    ],
)
def test_select_and_ignore_take_codes_and_prefixes(
    select: tuple[str, ...] | None, ignore: tuple[str, ...], expected: list[str]
) -> None:
    settings = replace(
        FAKE,
        select=None if select is None else frozenset(select),
        ignore=frozenset(ignore),
    )
    assert codes(process_source("m.py", SOURCE, settings)) == expected


def test_unselected_fix_is_not_applied() -> None:
    result = process_source("m.py", SOURCE, replace(FAKE, ignore=frozenset({"EF901"})))
    assert isinstance(result, Unchanged)


def test_code_selected() -> None:
    assert code_selected("EF101", None, ())
    assert not code_selected("EF101", None, ("EF",))
    assert code_selected("EF101", {"EF101"}, {"EF1"})
    assert not code_selected("EF102", {"EF101"}, ())


def test_per_file_ignores(tmp_path: object) -> None:
    settings = replace(
        FAKE, per_file_ignores=(("tests/**", frozenset({"EF901"})),), root=str(tmp_path)
    )
    assert codes(process_source(f"{tmp_path}/tests/a/m.py", SOURCE, settings)) == [
        "EF902",
        "EF903",
    ]
    assert codes(process_source(f"{tmp_path}/src/m.py", SOURCE, settings))[0] == "EF901"


# -- noqa ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "comment", ["# noqa", "# noqa: EF901", "#noqa:EF901,EF903", "# NOQA: EF903 EF901"]
)
def test_noqa_drops_the_finding_and_its_fix(comment: str) -> None:
    source = SOURCE.replace(PRINT_LINE, f"    print(features)  {comment}\n    x".encode())
    result = process_source("m.py", source, FAKE)
    assert "EF901" not in codes(result)
    assert isinstance(result, Unchanged)  # the only fixable finding was silenced


def test_noqa_for_another_code_does_not_silence() -> None:
    source = SOURCE.replace(PRINT_LINE, b"    print(features)  # noqa: EF903\n    x")
    result = process_source("m.py", source, FAKE)
    assert isinstance(result, Changed)
    assert codes(result)[0] == "EF901"


def test_noqa_turns_the_code_off_for_the_whole_file() -> None:
    source = b"""def model_fn(a):
    print(a)  # noqa: EF901
    print(a)
"""
    result = process_source("m.py", source, FAKE)
    assert isinstance(result, Unchanged)
    assert [(f.code, f.line, f.applied) for f in result.findings] == [("EF901", 3, False)]


def test_noqa_parser() -> None:
    assert parse_noqa("# noqa") == (True, None)
    assert parse_noqa("# noqa: ef101, EF102") == (True, frozenset({"EF101", "EF102"}))
    assert parse_noqa("# noqa: E501") == (True, frozenset({"E501"}))
    assert parse_noqa("# a comment") == (False, None)
    lines = noqa_lines("x = '# noqa'\ny = 1  # noqa: EF101\nz = 2  # noqa\n")
    assert lines == {2: frozenset({"EF101"}), 3: None}
    assert is_suppressed("EF101", 2, lines)
    assert not is_suppressed("EF102", 2, lines)
    assert is_suppressed("EF102", 3, lines)
    assert not is_suppressed("EF101", 1, lines)


# -- safety ------------------------------------------------------------------------------------


def test_crashing_codemod_is_failed_not_raised() -> None:
    result = process_source("m.py", SOURCE, Settings(codemods=(CrashingCodemod,)))
    assert isinstance(result, Failed)
    assert "CrashingCodemod crashed: ValueError: boom" in result.reason


def test_unstable_rewrite_is_failed() -> None:
    result = process_source("m.py", SOURCE, Settings(codemods=(UnstableCodemod,)))
    assert isinstance(result, Failed)
    assert "not stable" in result.reason


def test_unparsable_rewrite_is_failed() -> None:
    result = process_source("m.py", SOURCE, Settings(codemods=(BreakingCodemod,)))
    assert isinstance(result, Failed)
    assert "does not parse" in result.reason


def test_rewrite_python_does_not_compile_is_failed() -> None:
    result = process_source("m.py", SOURCE, Settings(codemods=(ReturnOutsideCodemod,)))
    assert isinstance(result, Failed)
    assert "does not compile (line 14: 'return' outside function)" in result.reason


def test_skipfile_from_a_codemod_is_a_warning() -> None:
    result = process_source("m.py", SOURCE, Settings(codemods=(SkippingCodemod, FakeCodemod)))
    assert isinstance(result, Changed)
    assert result.warnings == ("SkippingCodemod left the file alone: generated code",)


def test_results_and_settings_pickle() -> None:
    settings = replace(FAKE, select=frozenset({"EF9"}), per_file_ignores=(("x", frozenset()),))
    assert pickle.loads(pickle.dumps(settings)) == settings
    result = process_source("m.py", SOURCE, settings)
    assert pickle.loads(pickle.dumps(result)) == result


# -- byte fidelity ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        SOURCE.replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + SOURCE,
        b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + SOURCE,
        SOURCE.replace(b"    ", b"\t").rstrip(b"\n"),
    ],
    ids=["crlf", "bom", "latin-1", "tabs-no-final-newline"],
)
def test_bytes_outside_the_fix_survive(source: bytes) -> None:
    result = process_source("m.py", source, FAKE)
    assert isinstance(result, Changed)
    indent = b"\t" if b"\tprint" in source else b"    "
    expected = source.replace(indent + b"print(features)", indent + b"tf.print(features)", 1)
    assert result.fixed == expected


@pytest.mark.parametrize(
    "source",
    [
        b"# -*- coding: latin-1 -*-\ndef model_fn(a):\r\n    return 'caf\xe9'\r\n",
        b"\xef\xbb\xbfdef model_fn(a):\n    return a\n",
    ],
)
def test_unchanged_files_are_reported_unchanged(source: bytes) -> None:
    assert process_source("m.py", source, FAKE) == Unchanged("m.py", ())


def test_top_level_spans_include_decorators() -> None:
    source = b"import os\n\n@decorator\ndef f():\n    pass\n\nx = 1\n"
    assert top_level_spans(source) == ((1, 1), (3, 5), (7, 7))


MODEL_FNS = b'''import tensorflow as tf

PADDING = 1


def make_model_fn(rate):
    def model_fn(features, labels, mode):
        return tf.estimator.EstimatorSpec(mode, predictions=features)

    return model_fn


def scoring_fn(features, labels, mode, params):
    return {"score": features}


def lookalike(features, labels, mode):
    return features


def unrelated(values):
    return [v * 2 for v in values]


estimator = tf.estimator.Estimator(model_fn=scoring_fn)
'''


@pytest.mark.parametrize("fix", [True, False], ids=["fix", "check"])
def test_result_counts_the_model_fns_the_codemods_found(fix: bool) -> None:
    """A closure returning a spec and a function passed as model_fn=; not a lookalike."""
    result = process_source("m.py", MODEL_FNS, Settings(fix=fix))
    assert isinstance(result, (Changed, Unchanged))
    assert result.model_fns == 2
    plain = process_source("m.py", b"def model_fn(mode):\n    return mode\n", Settings())
    assert isinstance(plain, Unchanged) and plain.model_fns == 0
