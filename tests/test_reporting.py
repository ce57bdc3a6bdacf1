"""Text and JSON findings, exit codes and summaries; unified diffs and hunks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from codemods.findings import Finding
from estimator_fix.diffs import apply_hunks, hunks, unified_diff
from estimator_fix.engine import Changed, Failed, Skipped, Unchanged
from estimator_fix.reporting import Located, Report, finding_text, findings_json

SAFE = Finding("EF101", "labels used in PREDICT mode", 3, 5, "safe", "model_fn", applied=True)
UNSAFE = Finding("EF102", "optimizer outside TRAIN", 4, 5, "unsafe", "model_fn")
MANUAL = Finding("EF106", "labels reach a helper", 5, 9, "none", "model_fn", note="see docs")


def test_finding_text_is_compiler_style() -> None:
    assert finding_text("a/m.py", SAFE) == "a/m.py:3:5: EF101 labels used in PREDICT mode (fixed)"
    assert finding_text("m.py", UNSAFE).endswith("EF102 optimizer outside TRAIN (unsafe fix)")
    assert finding_text("m.py", MANUAL).endswith("(manual)")
    unapplied = Finding("EF101", "m", 1, 1, "safe", "f")
    assert finding_text("m.py", unapplied) == "m.py:1:1: EF101 m (fixable)"


def test_findings_json_shape() -> None:
    data = json.loads(findings_json([Located("m.py", MANUAL)]))
    assert data == [
        {
            "path": "m.py",
            "cell": None,
            "code": "EF106",
            "message": "labels reach a helper",
            "line": 5,
            "column": 9,
            "fix": "none",
            "applied": False,
            "function": "model_fn",
            "note": "see docs",
        }
    ]


def changed(path: str = "c.py") -> Changed:
    return Changed(path, b"a\n", b"b\n", (SAFE, MANUAL))


@pytest.mark.parametrize(
    ("command", "results", "code"),
    [
        ("check", [Unchanged("u.py", ())], 0),
        ("check", [Unchanged("u.py", (MANUAL,))], 1),
        ("check", [Skipped("s.py", "bad")], 2),
        ("check", [Skipped("s.py", "bad"), Failed("f.py", "bug")], 2),
        ("check", [Skipped("s.py", "bad"), Unchanged("u.py", ())], 1),
        ("diff", [Unchanged("u.py", (MANUAL,))], 0),
        ("diff", [changed()], 1),
        ("diff", [Failed("f.py", "bug")], 2),
        ("fix", [Unchanged("u.py", ())], 0),
        ("fix", [Unchanged("u.py", (MANUAL,))], 1),
    ],
)
def test_return_codes(command: str, results: list[object], code: int) -> None:
    report = Report(command)  # type: ignore[arg-type]
    for result in results:
        report.add(result)  # type: ignore[arg-type]
    assert report.return_code == code


def test_fix_counts_what_was_written() -> None:
    report = Report("fix")
    report.add(changed())
    report.fixed("c.py", [MANUAL])
    assert (report.changed, report.processed, report.return_code) == (1, 1, 1)
    assert report.summary() == "1 file fixed, 1 finding needs manual work"

    report = Report("fix")
    report.add(changed())
    report.fixed("c.py", [])
    assert report.return_code == 0
    assert report.summary() == "1 file fixed, 0 findings need manual work"


def test_fix_that_could_not_write_anything_is_an_error() -> None:
    report = Report("fix")
    report.add(changed())
    report.not_written("c.py", "file is read-only; not changed")
    assert report.return_code == 2
    assert report.summary() == "0 files fixed, 0 findings need manual work; 1 error"


def test_check_marks_nothing_applied() -> None:
    report = Report("check")
    report.add(changed())
    assert [item.finding.applied for item in report.findings] == [False, False]
    assert report.summary() == "2 findings in 1 file (1 with a fix)"


# -- diffs -----------------------------------------------------------------------------------


def test_unified_diff_headers_and_body() -> None:
    text = unified_diff("pkg/m.py", b"a\nb\nc\n", b"a\nB\nc\n")
    assert text == "--- a/pkg/m.py\n+++ b/pkg/m.py\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
    assert unified_diff("m.py", b"same\n", b"same\n") == ""


def test_unified_diff_marks_a_missing_final_newline() -> None:
    text = unified_diff("m.py", b"a\nb", b"a\nc")
    assert text.endswith("-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n")


def test_unified_diff_keeps_crlf_and_decodes_latin1() -> None:
    crlf = unified_diff("m.py", b"a\r\nb\r\n", b"a\r\nc\r\n")
    assert "-b\r\n+c\r\n" in crlf
    latin = b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n"
    assert "+x = 'café!'\n" in unified_diff("m.py", latin, latin.replace(b"\xe9'", b"\xe9!'"))


def test_unified_diff_is_a_patch_git_applies(tmp_path: Path) -> None:
    original = b"line 1\r\nline 2\r\nline 3"
    fixed = b"line 1\r\nline two\r\nline 3\r\nline 4"
    (tmp_path / "m.py").write_bytes(original)
    (tmp_path / "patch.diff").write_text(unified_diff("m.py", original, fixed), newline="")
    subprocess.run(
        ["git", "apply", "--unsafe-paths", "patch.diff"], cwd=tmp_path, check=True
    )
    assert (tmp_path / "m.py").read_bytes() == fixed


ORIGINAL = b"".join(f"line {i}\n".encode() for i in range(1, 31))
FIXED = ORIGINAL.replace(b"line 2\n", b"LINE 2\n").replace(b"line 25\n", b"LINE 25\n")


def test_hunks_apply_all_none_or_some() -> None:
    found = hunks(ORIGINAL, FIXED)
    assert len(found) == 2
    assert found[0].text.startswith("@@ -1,5 +1,5 @@\n line 1\n-line 2\n+LINE 2\n")
    assert found[1].text.startswith("@@ -22,7 +22,7 @@\n")
    assert apply_hunks(ORIGINAL, {0, 1}, found) == FIXED
    assert apply_hunks(ORIGINAL, set(), found) == ORIGINAL
    assert apply_hunks(ORIGINAL, {1}, found) == ORIGINAL.replace(b"line 25\n", b"LINE 25\n")


def test_changes_in_one_definition_are_one_hunk() -> None:
    assert len(hunks(ORIGINAL, FIXED, spans=[(1, 30)])) == 1
    assert len(hunks(ORIGINAL, FIXED, spans=[(1, 10), (20, 30)])) == 2


def test_hunks_keep_the_encoding() -> None:
    original = b"\xef\xbb\xbfa = 'caf\xc3\xa9'\r\nb = 1\r\n"
    fixed = original.replace(b"b = 1", b"b = 2")
    assert apply_hunks(original, {0}, hunks(original, fixed)) == fixed
