"""Hostile files through the real command line and the real codemods: each has one clear outcome.

Text oddities (BOM, coding cookie, CRLF, CR only, mixed line breaks, tabs, form feeds, no final
newline) are fixed with every other byte kept; broken inputs (undecodable, binary, nesting past
Python's limits, a symlink loop, a directory or FIFO named ``.py``) are one error line, exit 2,
file untouched; files that cannot be written (read-only, changed or removed since they were read)
are left alone with a reason; a 50,000-line file is fixed in seconds.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from estimator_fix.cli import app, lint
from estimator_fix.elision import split_lines
from estimator_fix.engine import FileResult
from tests.pairs import PAIRS_DIR

PAIR = PAIRS_DIR / "ef101_loss_before_predict"
BEFORE = (PAIR / "before.py").read_bytes()
AFTER = (PAIR / "after.py").read_bytes()
FINDING_LINE = 11  # EF101 in before.py (see its case.toml)


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def make(name: str, data: bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def errors(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


def assert_refused(result: Result, path: str, reason: str) -> None:
    """One error line naming the path and the reason, exit 2, nothing on stdout."""
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{path}: error: {reason}"]


def test_the_pair_is_what_these_tests_assume() -> None:
    assert BEFORE != AFTER
    assert b"\r" not in BEFORE + AFTER and b"\t" not in BEFORE + AFTER
    assert BEFORE.splitlines()[FINDING_LINE - 1].lstrip().startswith(b"loss = ")


# -- nothing to do ---------------------------------------------------------------------------


def test_empty_file() -> None:
    make("empty.py", b"")
    for command in ("check", "fix"):
        result = run(command, "empty.py")
        assert (result.exit_code, result.stdout) == (0, "")
    assert Path("empty.py").read_bytes() == b""


@pytest.mark.parametrize("data", [b"# model_fn\n# EstimatorSpec\n", b"# model_fn, no newline"])
def test_only_comments(data: bytes) -> None:
    make("notes.py", data)
    result = run("fix", "notes.py")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "0 files fixed, 0 findings need manual work\n"
    assert Path("notes.py").read_bytes() == data


# -- text that must survive a fix byte for byte -----------------------------------------------

LATIN1 = b"# -*- coding: latin-1 -*-\n# caf\xe9 cr\xe8me\n"
FORM_FEED_PAGE = (b"\n\n\ndef input_fn", b"\n\n\x0c\ndef input_fn")

VARIANTS = {
    "bom": lambda d: b"\xef\xbb\xbf" + d,
    "latin-1 cookie": lambda d: LATIN1 + d,
    "crlf": lambda d: d.replace(b"\n", b"\r\n"),
    "cr only": lambda d: d.replace(b"\n", b"\r"),
    "tabs": lambda d: d.replace(b"    ", b"\t"),
    "form feed between definitions": lambda d: d.replace(*FORM_FEED_PAGE),
    "no final newline": lambda d: d.rstrip(b"\n"),
    "bom, crlf and tabs": lambda d: b"\xef\xbb\xbf" + d.replace(b"\n", b"\r\n").replace(
        b"    ", b"\t"
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_fix_keeps_the_text_form(variant: str) -> None:
    transform = VARIANTS[variant]
    path = make("model.py", transform(BEFORE))
    result = run("fix", "model.py")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == transform(AFTER)
    if variant == "bom, crlf and tabs":  # (the fixture-pair tests check idempotency for each)
        assert run("fix", "model.py").stderr.startswith("0 files fixed")


def test_mixed_line_endings_are_kept_line_by_line() -> None:
    lines = BEFORE.splitlines(keepends=True)
    mixed = b"".join(
        line.replace(b"\n", b"\r\n") if n % 2 else line for n, line in enumerate(lines)
    )
    path = make("model.py", mixed)
    assert run("fix", "model.py").exit_code == 0
    fixed = path.read_bytes()
    assert fixed.replace(b"\r\n", b"\n") == AFTER

    def text_and_break(line: bytes) -> tuple[bytes, bytes]:
        text = line.rstrip(b"\r\n")
        return text, line[len(text) :]

    original = [text_and_break(line) for line in split_lines(mixed)]
    texts = [text for text, _ in original]
    endings = {text: end for text, end in original if text.strip() and texts.count(text) == 1}
    moved = 0
    for line in split_lines(fixed):
        text, end = text_and_break(line)
        if text in endings:  # a line of the original keeps its own line break, moved or not
            assert end == endings[text], line
            moved += 1
    assert moved > 15


def test_a_form_feed_in_indentation_is_reported_not_rewritten() -> None:
    # LibCST drops a form feed that starts an indented line; estimator-fix will not write that.
    data = BEFORE.replace(b"\n    predicted = ", b"\n\x0c    predicted = ")
    path = make("model.py", data)
    result = run("fix", "model.py")
    assert result.exit_code == 1
    assert "model.py:11:5: EF101 " in result.stdout
    assert (
        "model.py: warning: not rewritten: LibCST would not write line 10 back as it is "
        "(a form feed in its indentation); findings are reported, no fix is applied"
    ) in result.stderr.splitlines()
    assert path.read_bytes() == data
    assert run("check", "model.py").exit_code == 1


# -- input that is not a Python source we can read ---------------------------------------------


def test_undecodable_bytes() -> None:
    data = BEFORE.replace(b'"""Three', b'"""\xff Three')
    path = make("model.py", data)
    assert_refused(
        run("fix", "model.py"),
        "model.py",
        "cannot decode as utf-8: invalid start byte (byte 0xff at line 1, column 4)",
    )
    assert path.read_bytes() == data


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (PNG, "contains a NUL byte at line 3 (not a Python source file?)"),
        (
            BEFORE.decode().encode("utf-16"),
            "encoded as UTF-16; Python source must be UTF-8 or an ASCII-compatible encoding",
        ),
    ],
    ids=["png", "utf-16"],
)
def test_binary_file_named_py(data: bytes, reason: str) -> None:
    path = make("image.py", data)
    for command in ("check", "fix"):
        assert_refused(run(command, "image.py"), "image.py", reason)
    assert path.read_bytes() == data


def test_binary_file_in_a_walk_is_reported_and_the_rest_is_done() -> None:
    make("pkg/image.py", PNG)
    make("pkg/model.py", BEFORE)
    result = run("fix", "pkg")
    assert result.exit_code == 1  # something was done, something could not be
    assert errors(result) == [
        "pkg/image.py: error: contains a NUL byte at line 3 (not a Python source file?)"
    ]
    assert Path("pkg/model.py").read_bytes() == AFTER
    assert Path("pkg/image.py").read_bytes() == PNG


def _model_with(body_line: str) -> bytes:
    return (
        b"import tensorflow as tf\n\n\ndef model_fn(features, labels, mode):\n"
        + body_line.encode()
        + b"\n    return tf.estimator.EstimatorSpec(mode, predictions=x)\n"
    )


NESTED_IFS = "".join("    " * (depth + 1) + f"if features[{depth}]:\n" for depth in range(100))

DEEP = {
    # Past Python's own limits: refused before LibCST (whose parser would overflow the C stack).
    "10000 nested parentheses": (
        _model_with("    x = " + "(" * 10_000 + "1" + ")" * 10_000),
        "too deeply nested: too many nested parentheses at line 5 (Python refuses it too)",
    ),
    "100 nested blocks": (
        _model_with(NESTED_IFS + "    " * 101 + "x = 1"),
        "too deeply nested: too many levels of indentation at line 104 (Python refuses it too)",
    ),
    # Python accepts it; LibCST's visitors recurse once per operand.
    "a sum of 1500 terms": (
        _model_with("    x = " + " + ".join(["features"] * 1500)),
        "too deeply nested (LibCST's recursion limit)",
    ),
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deeply_nested_code(case: str) -> None:
    data, reason = DEEP[case]
    path = make("deep.py", data)
    assert_refused(run("fix", "deep.py"), "deep.py", reason)
    assert path.read_bytes() == data


def test_nesting_python_accepts_is_processed() -> None:
    ifs = "".join("    " * (depth + 1) + f"if features[{depth}]:\n" for depth in range(40))
    data = _model_with(ifs + "    " * 41 + "x = " + "(" * 150 + "1" + ")" * 150)
    make("deep.py", data)
    result = run("check", "deep.py")
    assert result.exit_code in (0, 1)
    assert errors(result) == []


# -- paths that are not regular files ----------------------------------------------------------


def test_symlink_loop_named_directly() -> None:
    os.symlink("b.py", "a.py")
    os.symlink("a.py", "b.py")
    assert_refused(
        run("check", "a.py"), "a.py", "symlink loop (too many levels of symbolic links)"
    )


def test_symlink_loops_and_broken_links_in_a_walk() -> None:
    make("pkg/model.py", BEFORE)
    os.symlink("loop.py", "pkg/loop.py")
    os.symlink("missing.py", "pkg/broken.py")
    os.symlink(".", "pkg/again")  # a directory loop: never followed
    result = run("check", "--format", "json", "pkg")
    assert result.exit_code == 1
    assert errors(result) == [
        "pkg/broken.py: error: broken symbolic link (its target does not exist)",
        "pkg/loop.py: error: symlink loop (too many levels of symbolic links)",
    ]
    assert {(d["path"], d["code"]) for d in json.loads(result.stdout)} == {
        ("pkg/model.py", "EF101")
    }


def test_directory_named_x_py() -> None:
    Path("x.py").mkdir()
    reason = "no Python files or notebooks found in this directory"
    assert_refused(run("check", "x.py"), "x.py", reason)
    make("pkg/x.py/model.py", BEFORE)
    result = run("fix", "pkg")
    assert result.exit_code == 0, result.stderr
    assert Path("pkg/x.py/model.py").read_bytes() == AFTER


def test_fifo_named_py_does_not_hang() -> None:
    os.mkfifo("pipe.py")
    assert_refused(run("check", "pipe.py"), "pipe.py", "not a regular file (a FIFO)")


# -- files that cannot be written --------------------------------------------------------------


def test_read_only_file() -> None:
    path = make("model.py", BEFORE)
    os.chmod(path, 0o444)
    assert_refused(run("fix", "model.py"), "model.py", "file is read-only; not changed")
    assert path.read_bytes() == BEFORE
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.parametrize(
    ("meanwhile", "reason"),
    [
        ("edit", "changed on disk since it was read; not overwritten"),
        ("remove", "no such file or directory (removed since it was read?)"),
    ],
)
def test_file_changed_between_read_and_write(
    monkeypatch: pytest.MonkeyPatch, meanwhile: str, reason: str
) -> None:
    path = make("model.py", BEFORE)
    edited = b"# edited in an editor meanwhile\n" + BEFORE
    process = lint.process_file

    def process_then_touch(file: Path, *args: Any) -> FileResult:
        result = process(file, *args)
        if meanwhile == "edit":
            path.write_bytes(edited)
        else:
            path.unlink()
        return result

    monkeypatch.setattr(lint, "process_file", process_then_touch)
    assert_refused(run("fix", "model.py"), "model.py", reason)
    if meanwhile == "edit":
        assert path.read_bytes() == edited
    else:
        assert not path.exists()
    assert sorted(os.listdir()) == ([] if meanwhile == "remove" else ["model.py"])


# -- size --------------------------------------------------------------------------------------


def _filler(prefix: str, lines: int) -> bytes:
    one = "def {0}_{1}(x):\n    y = x * 2\n    if y > {1}:\n        return y - 1\n    return x\n"
    one += "\n\n"
    return "".join(one.format(prefix, n) for n in range(lines // 7)).encode()


def _with_filler(source: bytes, before: bytes, after: bytes) -> bytes:
    head, tail = source.split(b"def model_fn(", 1)
    return head + before + b"def model_fn(" + tail + b"\n\n" + after


@pytest.mark.slow
def test_fifty_thousand_lines() -> None:
    before, after = _filler("helper", 25_000), _filler("other", 25_000)
    data = _with_filler(BEFORE, before, after)
    assert data.count(b"\n") > 50_000
    path = make("big.py", data)
    started = time.monotonic()
    checked = run("check", "--format", "json", "big.py")
    result = run("fix", "big.py")
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == _with_filler(AFTER, before, after)
    [finding] = json.loads(checked.stdout)
    assert (finding["code"], finding["line"]) == ("EF101", FINDING_LINE + before.count(b"\n"))
    # Only the model_fn is parsed by LibCST; parsing all 50,000 lines would take minutes.
    assert elapsed < 90, f"took {elapsed:.0f}s"


def test_finding_lines_are_the_file_lines_when_definitions_are_left_out() -> None:
    filler = _filler("helper", 70)
    make("model.py", _with_filler(BEFORE, filler, filler.replace(b"helper", b"other")))
    [finding] = json.loads(run("check", "--format", "json", "model.py").stdout)
    assert (finding["code"], finding["line"]) == ("EF101", FINDING_LINE + filler.count(b"\n"))
