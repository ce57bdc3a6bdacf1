"""Hostile input and faults, on the reading side: everything unreadable is one line and never
skipped in silence, every command has size and time limits, and nothing ends in a traceback
(issue 13, items 3, 4, 8, 11 and the ``--config /dev/zero`` of 13).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from estimator_fix import elision, engine
from estimator_fix.engine import Settings, Skipped, process_source
from estimator_fix.limits import MAX_PARSE_BYTES, MAX_SOURCE_PARSE_BYTES, timeout_seconds
from estimator_fix.results import PREFILTER_MARKERS
from tests.hostile import (
    AFTER,
    BEFORE,
    cli,
    console,
    git,
    need_permissions,
    write_tree,
)


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error: ") or ": error: " in line]


def assert_no_traceback(output: str | bytes) -> None:
    text = output.decode("utf-8", "replace") if isinstance(output, bytes) else output
    assert "Traceback" not in text and "───" not in text, text


# -- 3. many statements on one line, huge lines: linear time, bounded memory --------------------


class _Counting:
    """A stand-in for a compiled pattern that counts the characters it is asked to scan."""

    def __init__(self, pattern: Any) -> None:
        self.pattern = pattern
        self.scanned = 0

    def findall(self, text: str) -> list[str]:
        self.scanned += len(text)
        return list(self.pattern.findall(text))


def test_elision_reads_a_line_of_many_statements_once(monkeypatch: pytest.MonkeyPatch) -> None:
    line = "a = tf.estimator.EstimatorSpec; " * 2000
    text = f"import tensorflow as tf\n\n\n{line}\n\n\ndef helper():\n    return 1\n"
    counting = _Counting(elision._WORDS)
    monkeypatch.setattr(elision, "_WORDS", counting)
    elided = elision.elide(text.encode(), text, PREFILTER_MARKERS)
    assert elided is not None  # the helper is left out: nothing names it
    assert counting.scanned <= 2 * len(text)  # each line once, not once per statement


ONE_LINE_STATEMENTS = b"import tensorflow as tf; " + b"a = tf.estimator.EstimatorSpec; " * 140_000
ONE_LINE_LIST = b"# model_fn\nx = [" + b"1, " * 1_500_000 + b"]\n"


@pytest.mark.parametrize(
    "data", [ONE_LINE_STATEMENTS, ONE_LINE_LIST], ids=["statements on one line", "a one-line list"]
)
def test_files_too_large_to_parse_are_refused_before_parsing(data: bytes) -> None:
    assert len(data) > MAX_SOURCE_PARSE_BYTES
    started = time.monotonic()
    result = process_source("big.py", data, Settings())
    assert isinstance(result, Skipped)
    assert result.reason.startswith("too large to analyse: 4."), result.reason
    assert "MB with Estimator code (the limit is 4 MB" in result.reason
    assert time.monotonic() - started < 30  # not gigabytes of syntax tree first


def test_code_left_after_elision_is_bounded_too() -> None:
    data = b"import tensorflow as tf\nCONSTANTS = [" + b"1, " * (MAX_PARSE_BYTES // 3) + b"]\n"
    data += b"\n\ndef model_fn(features, labels, mode):\n"
    data += b"    return tf.estimator.EstimatorSpec(mode)\n"
    result = process_source("big.py", data, Settings())
    assert isinstance(result, Skipped)
    assert result.reason.startswith("too large to analyse: 1.0 MB of code around its model_fns")


@pytest.mark.parametrize("command", ["check", "diff", "fix"])
def test_every_command_has_a_time_limit_per_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, command: str
) -> None:
    write_tree(tmp_path, {"slow.py": BEFORE, "fine.py": BEFORE})
    process = engine.process_source

    def slow_on_one(path: Any, data: bytes, settings: Settings) -> Any:
        if str(path).endswith("slow.py"):
            time.sleep(30)
        return process(path, data, settings)

    monkeypatch.setattr(engine, "process_source", slow_on_one)
    result = cli(command, "--timeout", "0.5", "slow.py", "fine.py")
    assert error_lines(result.stderr) == ["slow.py: error: timed out after 0.5s; not changed"]
    assert result.exit_code == 1
    assert (tmp_path / "fine.py").read_bytes() == (AFTER if command == "fix" else BEFORE)


# -- 11. --timeout inf and 1e10 --------------------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "1e10", "0", "2147483648"])
@pytest.mark.parametrize("command", ["check", "migrate"])
def test_any_timeout_that_is_no_limit_is_no_limit(
    tmp_path: Path, value: str, command: str
) -> None:
    write_tree(tmp_path / "repo", {"model.py": BEFORE})
    args = ["--timeout", value, "repo"]
    args += ["-j", "1", "--no-cache"] if command == "migrate" else []
    result = cli(command, *args)
    assert result.exit_code == (1 if command == "check" else 0), result.stderr
    assert error_lines(result.stderr) == []


def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error() -> None:
    result = cli("check", "--timeout", "nan", ".")
    assert result.exit_code == 2
    assert "must be a number of seconds" in result.stderr
    assert timeout_seconds(float("inf")) is None and timeout_seconds(1e10) is None


# -- 4. one line, never a traceback ------------------------------------------------------------


NOT_UTF8 = os.fsdecode(b"caf\xe9_model.py")  # a latin-1 name on a UTF-8 file system


@pytest.mark.parametrize(
    "args",
    [
        ("migrate", "repo", "--patch", "fix.patch", "-j", "1"),
        ("migrate", "repo", "--report", "report.md", "-j", "1"),
        ("migrate", "repo", "--report", "report.json", "-j", "1"),
        ("check", "--format", "sarif", "repo"),
        ("check", "--format", "github", "repo"),
        ("check", "--format", "json", "repo"),
        ("check", "repo"),
    ],
    ids=lambda args: " ".join(args[:4]),
)
def test_a_file_name_that_is_not_utf8(tmp_path: Path, args: tuple[str, ...]) -> None:
    write_tree(tmp_path / "repo", {NOT_UTF8: BEFORE})
    (tmp_path / "report.md").write_bytes(b"the previous report\n")
    result = cli(*args)
    assert result.exit_code == (1 if args[0] == "check" else 0), result.stderr
    assert_no_traceback(result.stdout + result.stderr)
    if "--report" in args:
        report = (tmp_path / args[3]).read_bytes()
        shown = b"caf\\udce9_model.py" if args[3].endswith(".json") else b"caf\\xe9_model.py"
        assert shown in report, report
    if "--patch" in args:
        assert b"+++ b/caf\xe9_model.py\n" in (tmp_path / "fix.patch").read_bytes()


@pytest.mark.parametrize("command", ["check", "migrate"])
def test_a_bad_exclude_glob_is_one_line(tmp_path: Path, command: str) -> None:
    write_tree(tmp_path / "repo", {"model.py": BEFORE})
    result = cli(command, "repo", "--exclude", "[z-a].py")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: --exclude: bad glob '[z-a].py': bad character range z-a"
    ]


@pytest.mark.parametrize(
    ("toml", "reason"),
    [
        (
            b'[tool.estimator-fix]\nper-file-ignores = { "[z-a].py" = ["EF1"] }\n',
            "[tool.estimator-fix] per-file-ignores: bad glob '[z-a].py': bad character range z-a",
        ),
        (
            b'[tool.estimator-fix]\nexclude = ["[z-a]"]\n',
            "[tool.estimator-fix] exclude: bad glob '[z-a]': bad character range z-a",
        ),
        (
            b"# caf\xe9\n[tool.estimator-fix]\n",
            "invalid TOML: not UTF-8 (byte 0xe9 at line 1)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "migrate"])
def test_a_bad_pyproject_is_one_line(
    tmp_path: Path, toml: bytes, reason: str, command: str
) -> None:
    write_tree(tmp_path / "repo", {"model.py": BEFORE, "pyproject.toml": toml})
    result = cli(command, "repo")
    assert result.exit_code == 2
    config = os.path.join("repo", "pyproject.toml")
    assert result.stderr.splitlines() == [f"error: {os.path.abspath(config)}: {reason}"]


@pytest.mark.parametrize("kind", ["/dev/zero", "a FIFO", "a directory"])
def test_a_config_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    write_tree(tmp_path, {"model.py": BEFORE})
    if kind == "/dev/zero":
        config = "/dev/zero"
        reason = "not a regular file (a character device)"
    elif kind == "a FIFO":
        config = "fifo.toml"
        os.mkfifo(config)
        reason = "not a regular file (a FIFO)"
    else:
        config = "dir.toml"
        os.mkdir(config)
        reason = "is a directory"
    started = time.monotonic()
    result = cli("check", "--config", config, "model.py")
    assert time.monotonic() - started < 30
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [f"error: {config}: {reason}"]


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"model.py": BEFORE, "big.toml": b"#" * (2**20 + 1)})
    result = cli("check", "--config", "big.toml", "model.py")
    assert result.exit_code == 2
    assert "big.toml: too large (1.0 MB; the limit is 1.0 MB); not read" in result.stderr


# -- 8. nothing unreadable is skipped in silence -----------------------------------------------


def _locked_tree(root: Path) -> Path:
    write_tree(root, {"ok/model.py": BEFORE, "locked/model.py": BEFORE})
    return root


@pytest.fixture
def locked(tmp_path: Path) -> Any:
    need_permissions()
    repo = _locked_tree(tmp_path / "repo")
    yield repo
    os.chmod(repo / "locked", 0o755)


@pytest.mark.parametrize("use_git", [False, True], ids=["plain tree", "git work tree"])
def test_unreadable_directories_are_errors_not_silence(
    tmp_path: Path, locked: Path, use_git: bool
) -> None:
    if use_git:
        git(locked, "init", "-q")
        git(locked, "add", "-A")
        git(locked, "commit", "-qm", "tracked, then locked")
    os.chmod(locked / "locked", 0)
    os.chmod(tmp_path, 0o755)
    checked = console(["check", "repo"], tmp_path, unprivileged=True)
    assert_no_traceback(checked.stderr)
    assert b"repo/locked: error: cannot read this directory: permission denied" in checked.stderr
    assert checked.returncode == 1
    migrated = console(["migrate", "repo", "-j", "1"], tmp_path, unprivileged=True)
    assert_no_traceback(migrated.stderr)
    assert b"repo/locked" in migrated.stderr and b"permission denied" in migrated.stderr
    assert migrated.returncode == 1
    assert b"1 error" in migrated.stderr


def test_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    need_permissions()
    write_tree(tmp_path / "repo", {"model.py": BEFORE, "other.py": BEFORE})
    os.chmod(tmp_path / "repo" / "model.py", 0)
    os.chmod(tmp_path, 0o755)
    checked = console(["check", "repo"], tmp_path, unprivileged=True)
    assert b"repo/model.py: error: cannot read: permission denied" in checked.stderr
    assert checked.returncode == 1
