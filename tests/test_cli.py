"""The command line: exit codes, streams, formats, config, colour, bad input, fix modes."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from codemods.rules import FixSafety, Rule, catalogue
from estimator_fix import engine
from estimator_fix.cli import app, lint
from estimator_fix.diffs import unified_diff
from tests.fake_codemods import CrashingCodemod, FakeCodemod, SkippingCodemod

MODEL = b"""import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    print(features)
    x = np.mean(features)
    y = features.numpy()
    return tf.estimator.EstimatorSpec(mode, predictions=x)
"""
FIXED = MODEL.replace(b"    print(features)", b"    tf.print(features)")
SAFE_ONLY = b"def model_fn(features, labels, mode):\n    print(features)\n    return features\n"

ANSI = "\x1b["

BAD_INPUTS = {
    "python2": (b'def model_fn(x):\n    print "x"\n', "Python 2 syntax (print statement) at line"),
    "syntax": (b"def model_fn(x:\n    pass\n", "syntax error at line 1"),
    "undecodable": (b"# model_fn\nx = '\xff'\n", "cannot decode as utf-8: invalid start byte"),
}


@pytest.fixture(autouse=True)
def setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [FakeCodemod])
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=input, env=env, catch_exceptions=False)


def lines(text: str) -> list[str]:
    return text.splitlines()


def make(name: str, data: bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "diff", "fix"])
@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_file_is_one_line_exit_2_and_untouched(command: str, kind: str) -> None:
    data, reason = BAD_INPUTS[kind]
    path = make(f"{kind}.py", data)
    os.chmod(path, 0o640)
    result = run(command, str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert lines(result.stderr) == [lines(result.stderr)[0]]
    assert result.stderr.startswith(f"{kind}.py: error: {reason}")
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir()) == [f"{kind}.py"]


@pytest.mark.parametrize("command", ["check", "diff", "fix"])
def test_missing_path_and_empty_directory(command: str) -> None:
    Path("empty").mkdir()
    make("empty/notes.txt", b"")
    for target, reason in (("nope.py", "no such file or directory"), ("empty", "no Python files")):
        result = run(command, target)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert len(lines(result.stderr)) == 1
        assert result.stderr.startswith(f"{target}: error: {reason}")


def test_some_bad_inputs_among_good_ones_exit_1_and_report_both() -> None:
    make("good.py", b"x = 1\n")
    make("old.py", BAD_INPUTS["python2"][0])
    result = run("check", "good.py", "old.py", "nope.py")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert lines(result.stderr) == [
        "nope.py: error: no such file or directory",
        "old.py: error: Python 2 syntax (print statement) at line 2; estimator-fix reads Python 3 "
        "code (port it first, e.g. with 2to3)",
        "no findings (1 file checked); 2 errors",
    ]


def test_bad_selector_is_a_usage_error() -> None:
    make("m.py", MODEL)
    result = run("check", "--select", "E501", "m.py")
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        "error: --select: unknown rule selector 'E501' (expected a code like EF101 or a prefix "
        "like EF1)"
    ]


def test_our_own_failure_is_reported_and_nothing_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [FakeCodemod, CrashingCodemod])
    make("m.py", MODEL)
    result = run("fix", "m.py")
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        "m.py: error: internal error: CrashingCodemod crashed: ValueError: boom "
        "(please report this bug)"
    ]
    assert Path("m.py").read_bytes() == MODEL


def test_codemod_warnings_go_to_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [SkippingCodemod, FakeCodemod])
    make("m.py", MODEL)
    result = run("check", "m.py")
    assert "m.py: warning: SkippingCodemod left the file alone: generated code" in lines(
        result.stderr
    )
    assert "warning" not in result.stdout
    assert "warning" not in run("check", "-q", "m.py").stderr


def test_fix_does_not_overwrite_a_file_changed_since_it_was_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = make("m.py", SAFE_ONLY)
    read = lint.process_file

    def read_then_edit(file: Path, *args: Any) -> engine.FileResult:
        result = read(file, *args)
        path.write_bytes(b"# edited meanwhile\n" + SAFE_ONLY)
        return result

    monkeypatch.setattr(lint, "process_file", read_then_edit)
    result = run("fix", "m.py")
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        "m.py: error: changed on disk since it was read; not overwritten"
    ]
    assert path.read_bytes() == b"# edited meanwhile\n" + SAFE_ONLY


# -- check -----------------------------------------------------------------------------------


def test_check_prints_findings_on_stdout_and_the_summary_on_stderr() -> None:
    make("pkg/m.py", MODEL)
    result = run("check", "pkg")
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "pkg/m.py:6:5: EF901 print() runs once at graph build (fixable)",
        "pkg/m.py:7:9: EF902 NumPy call on a tensor (unsafe fix)",
        "pkg/m.py:8:9: EF903 .numpy() in a model_fn (manual)",
    ]
    assert lines(result.stderr) == ["3 findings in 1 file (2 with a fix)"]
    assert Path("pkg/m.py").read_bytes() == MODEL


def test_check_clean_exits_0_and_exit_zero_masks_findings() -> None:
    make("clean.py", b"def model_fn(features):\n    return features\n")
    assert run("check", "clean.py").exit_code == 0
    make("m.py", MODEL)
    result = run("check", "--exit-zero", "m.py")
    assert result.exit_code == 0
    assert len(lines(result.stdout)) == 3


def test_check_json() -> None:
    make("m.py", MODEL)
    result = run("check", "--format", "json", "m.py")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [(d["code"], d["fix"], d["applied"]) for d in data] == [
        ("EF901", "safe", False),
        ("EF902", "unsafe", False),
        ("EF903", "none", False),
    ]
    keys = {"path", "cell", "code", "message", "line", "column", "fix", "applied", "function"}
    keys.add("note")
    assert set(data[0]) == keys
    assert data[0]["path"] == "m.py"
    assert data[0]["function"] == "model_fn"


def test_quiet_and_verbose() -> None:
    make("m.py", MODEL)
    quiet = run("check", "-q", "m.py")
    assert quiet.stderr == ""
    assert len(lines(quiet.stdout)) == 3
    verbose = run("check", "-v", "m.py")
    assert "m.py: 3 finding(s)" in verbose.stderr


@pytest.mark.parametrize(
    ("flags", "codes"),
    [
        (["--select", "EF901"], ["EF901"]),
        (["--select", "EF901,ef903"], ["EF901", "EF903"]),
        (["--select", "EF9", "--ignore", "EF902"], ["EF901", "EF903"]),
        (["--ignore", "EF90"], []),
    ],
)
def test_select_and_ignore_flags(flags: list[str], codes: list[str]) -> None:
    make("m.py", MODEL)
    result = run("check", "--format", "json", *flags, "m.py")
    assert [d["code"] for d in json.loads(result.stdout)] == codes
    assert result.exit_code == (1 if codes else 0)


def test_noqa_in_the_file() -> None:
    make("m.py", MODEL.replace(b"    y = features.numpy()", b"    y = features.numpy()  # noqa"))
    result = run("check", "--format", "json", "m.py")
    assert [d["code"] for d in json.loads(result.stdout)] == ["EF901", "EF902"]


def test_configuration_from_pyproject_and_flags_override_it() -> None:
    make(
        "pyproject.toml",
        b'[tool.estimator-fix]\nselect = ["EF903"]\nexclude = ["generated"]\n',
    )
    make("src/m.py", MODEL)
    make("src/generated/g.py", MODEL)
    result = run("check", "src")
    assert lines(result.stdout) == ["src/m.py:8:9: EF903 .numpy() in a model_fn (manual)"]
    result = run("check", "--select", "EF901", "src")
    assert [line.split()[1] for line in lines(result.stdout)] == ["EF901"]
    assert run("check", "src/generated/g.py").stdout.count("EF903") == 1  # named directly


def test_explicit_config_file() -> None:
    make("pyproject.toml", b'[tool.estimator-fix]\nselect = ["EF903"]\n')
    make("ci/strict.toml", b'[tool.estimator-fix]\nselect = ["EF901"]\n')
    make("m.py", MODEL)
    result = run("check", "--config", "ci/strict.toml", "m.py")
    assert [line.split()[1] for line in lines(result.stdout)] == ["EF901"]


def test_progress_on_a_terminal_keeps_results_intact() -> None:
    for name in ("a", "b", "c"):
        make(f"pkg/{name}.py", MODEL)
    result = run("check", "--no-color", "pkg", env={"FORCE_COLOR": "1"})
    assert result.exit_code == 1
    assert len(lines(result.stdout)) == 9
    first = lines(result.stdout)[0]
    assert first == "pkg/a.py:6:5: EF901 print() runs once at graph build (fixable)"


def test_bad_configuration_exits_2_naming_the_file() -> None:
    make("pyproject.toml", b"[tool.estimator-fix]\nunsafe_fixes = true\n")
    make("m.py", MODEL)
    result = run("check", "m.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = lines(result.stderr)
    assert line.startswith(f"error: {Path.cwd() / 'pyproject.toml'}: unknown key 'unsafe_fixes'")


# -- diff ------------------------------------------------------------------------------------


def test_diff_prints_a_plain_unified_diff_when_piped() -> None:
    make("m.py", MODEL)
    result = run("diff", "m.py")
    assert result.exit_code == 1
    assert result.stdout == unified_diff("m.py", MODEL, FIXED)
    assert ANSI not in result.stdout
    assert lines(result.stderr) == ["1 file would be changed"]
    assert Path("m.py").read_bytes() == MODEL


def test_diff_without_changes_exits_0() -> None:
    make("m.py", b"def model_fn(features):\n    return features.numpy()\n")
    result = run("diff", "m.py")
    assert (result.exit_code, result.stdout) == (0, "")


def test_diff_is_coloured_on_a_terminal_unless_no_color() -> None:
    make("m.py", MODEL)
    coloured = run("diff", "m.py", env={"FORCE_COLOR": "1"})
    assert ANSI in coloured.stdout
    assert "tf.print(features)" in coloured.stdout
    no_color: list[tuple[dict[str, str], list[str]]] = [
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, []),
        ({"FORCE_COLOR": "1"}, ["--no-color"]),
    ]
    for env, flags in no_color:
        plain = run("diff", *flags, "m.py", env=env)
        assert plain.stdout == unified_diff("m.py", MODEL, FIXED)
        assert ANSI not in plain.stderr


def test_check_findings_are_coloured_only_on_a_terminal() -> None:
    make("m.py", MODEL)
    assert ANSI in run("check", "m.py", env={"FORCE_COLOR": "1"}).stdout
    assert ANSI not in run("check", "m.py", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout


def test_diff_context() -> None:
    make("m.py", MODEL)
    result = run("diff", "--context", "0", "m.py")
    assert result.stdout == unified_diff("m.py", MODEL, FIXED, context=0)


# -- fix -------------------------------------------------------------------------------------


def test_fix_writes_and_reports_what_is_left() -> None:
    path = make("m.py", MODEL)
    os.chmod(path, 0o604)
    result = run("fix", "m.py")
    assert path.read_bytes() == FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o604
    assert result.exit_code == 1  # EF902 (unsafe, not applied) and EF903 (no fix) remain
    assert lines(result.stdout) == [
        "m.py:7:9: EF902 NumPy call on a tensor (unsafe fix)",
        "m.py:8:9: EF903 .numpy() in a model_fn (manual)",
    ]
    assert lines(result.stderr) == ["1 file fixed, 2 findings need manual work"]
    assert sorted(os.listdir()) == ["m.py"]
    again = run("fix", "m.py")
    assert again.exit_code == 1
    assert lines(again.stderr) == ["0 files fixed, 2 findings need manual work"]


def test_fix_with_everything_fixable_exits_0() -> None:
    make("m.py", SAFE_ONLY)
    result = run("fix", "m.py")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert lines(result.stderr) == ["1 file fixed, 0 findings need manual work"]
    assert b"tf.print(features)" in Path("m.py").read_bytes()


def test_fix_unsafe_fixes() -> None:
    make("m.py", MODEL)
    result = run("fix", "--unsafe-fixes", "m.py")
    assert b"x = tf.reduce_mean(features)" in Path("m.py").read_bytes()
    assert lines(result.stderr) == ["1 file fixed, 1 finding needs manual work"]


def test_fix_show_diff_and_backup() -> None:
    make("m.py", MODEL)
    result = run("fix", "--show-diff", "--backup", "m.py")
    assert result.stdout.startswith(unified_diff("m.py", MODEL, FIXED))
    assert Path("m.py").read_bytes() == FIXED
    assert Path("m.py.orig").read_bytes() == MODEL


@pytest.mark.parametrize(
    "prefix",
    [b"", b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n# caf\xe9\n"],
    ids=["plain", "bom", "latin-1"],
)
def test_fix_keeps_line_endings_and_encoding(prefix: bytes) -> None:
    original = prefix + SAFE_ONLY.replace(b"\n", b"\r\n")
    make("m.py", original)
    assert run("fix", "m.py").exit_code == 0
    assert Path("m.py").read_bytes() == original.replace(b"print(", b"tf.print(")


def test_fix_leaves_a_read_only_file_alone() -> None:
    path = make("m.py", SAFE_ONLY)
    os.chmod(path, 0o444)
    result = run("fix", "m.py")
    assert result.exit_code == 2
    assert lines(result.stderr) == ["m.py: error: file is read-only; not changed"]
    assert path.read_bytes() == SAFE_ONLY


TWO_FUNCTIONS = (
    b"def first_model_fn(features):\n    print(features)\n    return features\n"
    + b"\n\n" + b"".join(b"x%d = %d\n" % (i, i) for i in range(10)) + b"\n\n"
    + b"def second_model_fn(features):\n    print(features)\n    return features\n"
)  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "first", "second"),
    [
        ("a\ns\n", True, False),
        ("s\na\n", False, True),
        ("A\n", True, True),
        ("s\ns\n", False, False),
        ("a\nq\n", True, False),
        ("q\n", False, False),
        ("", False, False),  # end of input is quit
        ("what\na\na\n", True, True),
    ],
)
def test_fix_interactive(answers: str, first: bool, second: bool) -> None:
    make("m.py", TWO_FUNCTIONS)
    result = run("fix", "--interactive", "m.py", input=answers)
    first_fn, second_fn = Path("m.py").read_bytes().split(b"x9 = 9\n")
    assert (b"tf.print(features)" in first_fn) is first
    assert (b"tf.print(features)" in second_fn) is second
    assert first_fn.count(b"print(features)") == second_fn.count(b"print(features)") == 1
    assert "[a]pply / [s]kip / apply [A]ll in file / [q]uit" in result.stderr
    assert result.stdout.startswith("--- a/m.py\n+++ b/m.py\n@@ ")
    assert result.exit_code == (0 if first and second else 1)


def test_fix_interactive_quit_stops_at_the_file() -> None:
    make("a.py", SAFE_ONLY)
    make("b.py", SAFE_ONLY)
    result = run("fix", "-i", "a.py", "b.py", input="q\n")
    assert Path("a.py").read_bytes() == SAFE_ONLY
    assert Path("b.py").read_bytes() == SAFE_ONLY
    assert result.stderr.count("Apply this change") == 1
    assert "0 files fixed, 2 findings need manual work" in result.stderr


# -- rules, explain, version, console script ------------------------------------------------


@pytest.fixture
def fake_rule(monkeypatch: pytest.MonkeyPatch) -> Rule:
    rule = Rule(
        code="EF901",
        title="print() in a model_fn",
        fix=FixSafety.SAFE,
        fix_summary="safe",
        what="Finds print().",
        why="print runs once, when the graph is built.",
        example="print(x)\n",
        use_instead="tf.print(x)\n",
        fix_safety="Safe.",
        message="print",
    )
    monkeypatch.setitem(catalogue(), "EF901", rule)
    return rule


def test_rules_lists_the_catalogue(fake_rule: Rule) -> None:
    result = run("rules")
    assert result.exit_code == 0
    [line] = [line for line in lines(result.stdout) if line.startswith("EF901")]
    assert line.split("  ")[0] == "EF901"
    assert line.split()[1:] == ["print()", "in", "a", "model_fn", "safe"]


def test_explain(fake_rule: Rule) -> None:
    result = run("explain", "ef901")
    assert result.exit_code == 0
    assert result.stdout == (
        "EF901: print() in a model_fn\nFix: safe\n\nWhat it does: Finds print().\n\n"
        "Why is this bad? print runs once, when the graph is built.\n\nFix safety: Safe.\n\n"
        "Example:\n\n    print(x)\n\nUse instead:\n\n    tf.print(x)\n"
    )
    assert "tf" in run("explain", "EF901", env={"FORCE_COLOR": "1"}).stdout


def test_explain_unknown_code_exits_2() -> None:
    result = run("explain", "EF999")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert lines(result.stderr) == [
        "error: unknown rule code 'EF999' (`estimator-fix rules` lists them)"
    ]


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("estimator-fix ")


def test_console_script_reports_a_python2_file(tmp_path: Path) -> None:
    script = shutil.which("estimator-fix", path=os.path.dirname(sys.executable))
    assert script is not None, "the estimator-fix console script is not installed"
    data = BAD_INPUTS["python2"][0]
    make("old.py", data)
    done = subprocess.run(
        [script, "fix", "old.py"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert lines(done.stderr) == [
        "old.py: error: Python 2 syntax (print statement) at line 2; estimator-fix reads Python 3 "
        "code (port it first, e.g. with 2to3)"
    ]
    assert Path("old.py").read_bytes() == data


def test_every_command_is_mapped_to_the_module_that_registers_it() -> None:
    from estimator_fix import cli

    registered = {
        (info.name or info.callback.__name__): info.callback.__module__.rsplit(".", 1)[-1]
        for info in cli.load().registered_commands
        if info.callback is not None
    }
    assert registered == cli.COMMANDS


def test_migrate_starts_without_libcst(tmp_path: Path) -> None:
    """The console script loads only the command it runs: ``migrate``'s own process routes
    files and reads the cache; LibCST and the codemods are for its workers."""
    (tmp_path / "plain.py").write_text("print('no estimator here')\n")
    script = (
        "import sys\n"
        "from estimator_fix.cli import main\n"
        f"sys.argv = ['estimator-fix', 'migrate', {str(tmp_path)!r}, '--quiet', '--no-cache']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in ('libcst', 'codemods')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    code, modules = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert code in ("0", "None")
    assert modules == "['codemods', 'codemods.findings']"


def test_check_and_fix_never_load_libcst_codemod_or_validation(tmp_path: Path) -> None:
    """The pre-commit case: ``check``/``fix`` of a model_fn with findings loads neither LibCST's
    codemod package (its matchers cost more than the file), nor validation beyond its verdict
    names, nor TensorFlow."""
    pair = Path(__file__).resolve().parents[1] / "fixtures/pairs/ef101_loss_before_predict"
    model = tmp_path / "model.py"
    model.write_bytes((pair / "before.py").read_bytes())
    script = (
        "import sys\n"
        "from estimator_fix.cli import main\n"
        f"sys.argv = ['estimator-fix', sys.argv[1], {str(model)!r}]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "light = {'estimator_fix.validation', 'estimator_fix.validation.verdicts'}\n"
        "print(code, sorted(m for m in set(sys.modules) - light if m.startswith(("
        "'libcst.codemod', 'libcst.matchers', 'estimator_fix.validation', 'tensorflow'))))\n"
    )
    for command in ("check", "fix"):
        result = subprocess.run(
            [sys.executable, "-c", script, command], capture_output=True, text=True, check=True
        )
        code, modules = result.stdout.strip().splitlines()[-1].split(" ", 1)
        assert code == ("1" if command == "check" else "0"), result.stderr
        assert modules == "[]", command
    assert model.read_bytes() == (pair / "after.py").read_bytes()
