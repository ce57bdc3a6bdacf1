"""What CI and pre-commit users lean on: ``--exit-zero``, ``--add-noqa``, warnings for ``noqa``
comments that silence nothing, ``per-file-ignores`` and ``--force-exclude``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from estimator_fix import engine
from estimator_fix.cli import app
from estimator_fix.engine import Settings, Unchanged, process_source
from estimator_fix.noqa import add_noqa, without_code
from tests.fake_codemods import FakeCodemod
from tests.pairs import PAIRS, PAIRS_DIR

MODEL = b"""import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    print(features)
    x = np.mean(features)
    y = features.numpy()
    return tf.estimator.EstimatorSpec(mode, predictions=x)
"""
FAKE = Settings(codemods=(FakeCodemod,))
PAIR = PAIRS_DIR / "ef101_loss_before_predict"
BEFORE = (PAIR / "before.py").read_bytes()
LOSS = b"    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)"


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [FakeCodemod])


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def make(name: str, data: bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def codes(result: Result) -> list[tuple[str, str]]:
    return [(d["path"], d["code"]) for d in json.loads(result.stdout)]


# -- --exit-zero -------------------------------------------------------------------------------


@pytest.mark.usefixtures("fake")
def test_exit_zero() -> None:
    make("m.py", MODEL)
    make("bad.py", b"# model_fn\nx = '\xff'\n")
    assert run("check", "m.py").exit_code == 1
    assert run("check", "--exit-zero", "m.py").exit_code == 0
    assert run("check", "--exit-zero", "m.py", "bad.py").exit_code == 1  # an error still counts
    assert run("check", "--exit-zero", "bad.py").exit_code == 2
    result = run("fix", "--exit-zero", "m.py")  # EF902 and EF903 are left: still exit 0
    assert result.exit_code == 0
    assert result.stderr == "1 file fixed, 2 findings need manual work\n"


# -- --add-noqa --------------------------------------------------------------------------------


@pytest.mark.usefixtures("fake")
def test_add_noqa_marks_every_finding_and_check_is_then_clean() -> None:
    original = MODEL.replace(b"    y = features.numpy()", b"    y = features.numpy()  # noqa: E501")
    path = make("m.py", original.replace(b"\n", b"\r\n"))
    result = run("check", "--add-noqa", "m.py")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "added 3 noqa comments to 1 file\n"
    assert path.read_bytes() == (
        original.replace(b"print(features)", b"print(features)  # noqa: EF901")
        .replace(b"np.mean(features)", b"np.mean(features)  # noqa: EF902")
        .replace(b"# noqa: E501", b"# noqa: E501, EF903")
        .replace(b"\n", b"\r\n")
    )
    clean = run("check", "m.py")
    assert (clean.exit_code, clean.stderr) == (0, "no findings (1 file checked)\n")
    assert run("check", "--add-noqa", "m.py").stderr == "added 0 noqa comments to 0 files\n"


@pytest.mark.parametrize(
    ("line", "refused"),
    [
        (b"    x = np.mean(\n        features)", False),  # inside brackets a comment is fine
        (b"    x = np.mean(features) + \\\n        1", True),
        (b'    x = np.mean("""\n""")', True),
    ],
)
def test_add_noqa_never_comments_inside_a_string_or_after_a_backslash(
    line: bytes, refused: bool
) -> None:
    data = MODEL.replace(b"    x = np.mean(features)", line)
    marked, left = add_noqa(data, {7: {"EF902"}})
    assert left == ([7] if refused else [])
    assert (marked == data) is refused


def test_add_noqa_keeps_encoding_and_bom() -> None:
    data = b"\xef\xbb\xbf# caf\xc3\xa9\nx = 1  # caf\xc3\xa9\n"
    marked, left = add_noqa(data, {2: {"EF101"}})
    assert (marked, left) == (data[:-1] + b"  # noqa: EF101\n", [])
    first = data.replace(b"\xa9\n", b"\xa9  # noqa: EF101\n", 1)
    assert add_noqa(data, {1: {"EF101"}}) == (first, [])
    latin = b"# -*- coding: latin-1 -*-\nx = '\xe9'\n"
    assert add_noqa(latin, {2: {"EF102", "EF101"}})[0] == latin.replace(
        b"'\n", b"'  # noqa: EF101, EF102\n"
    )


@pytest.mark.slow
def test_add_noqa_with_the_real_codemods_silences_fixture_pairs() -> None:
    # Silencing a finding can reveal one derived from it (text_crlf: silencing EF101 on `mse`
    # reveals EF101 on the train_op built from it); --add-noqa checks again until it is clean.
    names = ["text_crlf", "ef2_mix_ef101_print_loss"]
    assert all(name in {p.name for p in PAIRS if p.findings} for name in names)
    for name in names:
        make(f"pairs/{name}.py", (PAIRS_DIR / name / "before.py").read_bytes())
    result = run("check", "--add-noqa", "pairs")
    assert result.exit_code == 0, result.stderr
    after = run("check", "pairs")
    assert (after.exit_code, after.stdout) == (0, "")
    assert after.stderr == f"no findings ({len(names)} files checked)\n"


# -- noqa comments that silence nothing --------------------------------------------------------


def warnings_of(data: bytes, settings: Settings = FAKE) -> tuple[str, ...]:
    result = process_source("m.py", data, settings)
    assert isinstance(result, (engine.Changed, Unchanged)), result
    return result.warnings


@pytest.mark.parametrize(
    ("comment", "warned"),
    [
        (b"# noqa: EF903", []),  # in use
        (b"# noqa: EF901", ["line 8: `# noqa: EF901` silences nothing (remove it)"]),
        (
            b"# noqa: EF903, EF902",
            ["line 8: `# noqa: EF902` silences nothing (remove it)"],
        ),
        (b"# noqa: EF999", ["line 8: `# noqa: EF999` names no estimator-fix rule"]),
        (b"# noqa: E501", []),  # another tool's
        (b"# noqa", []),  # may be another tool's
    ],
)
def test_unused_noqa_warnings(comment: bytes, warned: list[str]) -> None:
    data = MODEL.replace(b"    y = features.numpy()", b"    y = features.numpy()  " + comment)
    assert list(warnings_of(data)) == warned


def test_unused_noqa_is_judged_only_for_the_codes_checked() -> None:
    data = MODEL.replace(b"    return tf", b"    z = 1  # noqa: EF901\n    return tf")
    assert warnings_of(data) == ("line 9: `# noqa: EF901` silences nothing (remove it)",)
    only_903 = Settings(codemods=(FakeCodemod,), select=frozenset({"EF903"}))
    assert warnings_of(data, only_903) == ()


def test_unused_noqa_on_the_last_line_of_a_statement_that_it_silences() -> None:
    # The codemods honour a noqa on the last line of a statement; so does the judgement.
    split = LOSS.replace(b"(labels=labels,", b"(\n        labels=labels,")
    data = BEFORE.replace(LOSS, split + b"  # noqa: EF101")
    result = process_source("m.py", data, Settings())
    assert isinstance(result, Unchanged)
    assert (result.findings, result.warnings) == ((), ())
    needless = BEFORE + b"x = 1  # noqa: EF102\n"
    result = process_source("m.py", needless, Settings())
    assert "`# noqa: EF102` silences nothing (remove it)" in " ".join(result.warnings)


def test_without_code_keeps_the_other_codes() -> None:
    text = "x = '# noqa: EF101'  # noqa: EF101, E501\n"
    assert without_code(text, 1, "EF101") == "x = '# noqa: EF101'  # noqa: EF000, E501\n"


@pytest.mark.usefixtures("fake")
def test_unused_noqa_warning_on_the_command_line() -> None:
    make("m.py", MODEL.replace(b"    print(features)", b"    print(features)  # noqa: EF903"))
    result = run("check", "m.py")
    assert "m.py: warning: line 6: `# noqa: EF903` silences nothing (remove it)" in (
        result.stderr.splitlines()
    )
    assert "warning" not in run("check", "-q", "m.py").stderr


# -- per-file-ignores and --force-exclude ------------------------------------------------------


@pytest.mark.usefixtures("fake")
def test_per_file_ignores_in_the_config() -> None:
    make(
        "pyproject.toml",
        b'[tool.estimator-fix]\nexclude = ["generated"]\n\n'
        b'[tool.estimator-fix.per-file-ignores]\n"legacy/**" = ["EF901", "EF902"]\n'
        b'"*_test.py" = ["EF9"]\n',
    )
    make("src/m.py", MODEL)
    make("legacy/old/m.py", MODEL)
    make("src/m_test.py", MODEL)
    result = run("check", "--format", "json", "src", "legacy")
    assert codes(result) == [
        ("src/m.py", "EF901"),
        ("src/m.py", "EF902"),
        ("src/m.py", "EF903"),
        ("legacy/old/m.py", "EF903"),
    ]


@pytest.mark.usefixtures("fake")
def test_force_exclude_applies_the_excludes_to_named_files() -> None:
    make("pyproject.toml", b'[tool.estimator-fix]\nexclude = ["generated"]\n')
    make("src/m.py", MODEL)
    make("generated/g.py", MODEL)
    named = ["generated/g.py", "src/m.py"]
    assert {path for path, _ in codes(run("check", "--format", "json", *named))} == set(named)
    forced = run("check", "--format", "json", "--force-exclude", *named)
    assert {path for path, _ in codes(forced)} == {"src/m.py"}
    only_excluded = run("check", "--force-exclude", "generated/g.py")
    assert (only_excluded.exit_code, only_excluded.stderr) == (
        0,
        "no findings (0 files checked)\n",
    )


def test_codemods_and_engine_read_a_noqa_comment_alike() -> None:
    """One parser: ``# noqa:  EF102`` (two spaces) names EF102 only, for the codemods as for the
    engine, so the EF101 on that line is still reported and fixed."""
    spaced = BEFORE.replace(LOSS, LOSS + b"  # noqa:  EF102")
    result = process_source("m.py", spaced, Settings())
    assert isinstance(result, engine.Changed)
    assert [(f.code, f.line, f.applied) for f in result.findings if f.line == 11] == [
        ("EF101", 11, True)
    ]


def test_a_noqa_inside_a_string_silences_nothing() -> None:
    quoted = BEFORE.replace(LOSS, LOSS[:-1] + b' if "# noqa" else labels)')
    result = process_source("m.py", quoted, Settings())
    assert isinstance(result, engine.Changed)
    assert ("EF101", 11) in [(f.code, f.line) for f in result.findings]


BARE_CR_MODEL = b"""import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(
        labels - logits)  # noqa: EF102
    tf.compat.v1.summary.scalar("loss", loss)  # noqa: EF101
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions=logits)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
"""


@settings(max_examples=60, deadline=None, database=None)
@given(st.integers(0, len(BARE_CR_MODEL)), st.sampled_from([b"\r", b" \r", b"\r\n"]))
def test_a_bare_cr_next_to_noqa_comments_keeps_the_fix_stable(at: int, brk: bytes) -> None:
    """LibCST and Python end a line at a bare CR; the noqa comments are read on the lines they
    count, so the fix of a statement that moves is stable (a second run changes nothing)."""
    data = BARE_CR_MODEL[:at] + brk + BARE_CR_MODEL[at:]
    result = process_source("m.py", data, Settings())
    assert not isinstance(result, engine.Failed), result
    if isinstance(result, engine.Changed):
        assert isinstance(process_source("m.py", result.fixed, Settings()), Unchanged)
