"""Bulk migration: discovery, notebooks, output modes, the cache, failure isolation, reports, CLI.

The demo repository runs once with the real codemods (module fixture, which also fills the cache);
the other demo runs reuse a copy of that cache. Mechanics run on small trees with test codemods.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import libcst as cst
import pytest

from codemods.base import ModelFnCodemod
from estimator_fix.engine import Settings
from estimator_fix.migration import MigrationOptions, MigrationResult, ValidationRecord, run
from estimator_fix.migration import validate as bulk_validate
from estimator_fix.migration.cache import CACHE_DIR
from estimator_fix.migration.discovery import discover
from estimator_fix.migration.report import headline, markdown, to_json
from estimator_fix.migration.results import FileRecord, FindingRecord
from estimator_fix.notebooks import extract, mask, rebuild
from estimator_fix.sources import SourceError
from tests.fake_codemods import FakeCodemod

if TYPE_CHECKING:
    from typer.testing import Result

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo_repo"

DEMO_FILES = {
    "experiments/wip_model.py",
    "legacy/py2_model.py",
    "models/__init__.py",
    "models/text_classifier.py",
    "notebooks/price_bands.ipynb",
    "setup.py",
    "tests/test_model.py",
    "trainer/__init__.py",
    "trainer/classifier.py",
    "trainer/model.py",
    "trainer/task.py",
    "utils/io.py",
}
DEMO_FIXED = {"trainer/model.py", "trainer/classifier.py", "notebooks/price_bands.ipynb"}
DEMO_ERRORS = {"legacy/py2_model.py", "experiments/wip_model.py"}

# Test codemods ---------------------------------------------------------------------------------

MODEL = "import tensorflow as tf\n\n\ndef model_fn(features, labels, mode):\n    print(features)\n"
MODEL += "    return tf.estimator.EstimatorSpec(mode, predictions=features)\n"


class Saboteur(ModelFnCodemod):
    """Misbehaves on files that ask for it: ``# CRASH`` raises, ``# SLOW`` sleeps, ``# DIE`` kills
    the worker process."""

    DESCRIPTION = "Test codemod that crashes, hangs or kills its process on request."
    RULE_CODES: ClassVar[tuple[str, ...]] = ("EF990",)

    def visit_Module(self, node: cst.Module) -> bool:
        if "# CRASH" in node.code:
            raise RuntimeError("sabotaged")
        if "# SLOW" in node.code:
            time.sleep(600)
        if "# DIE" in node.code:
            os._exit(3)
        return False


FAKE = Settings(codemods=(FakeCodemod, Saboteur))
run_module = importlib.import_module("estimator_fix.migration.run")  # the package exports run()


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and not rel.startswith((CACHE_DIR, ".git/")):
            files[rel] = path.read_bytes()
    return files


def migrate(repo: Path, **options: object) -> MigrationResult:
    settings = options.pop("settings", FAKE)
    return run(MigrationOptions(repo=repo, jobs=1, settings=settings, **options))  # type: ignore[arg-type]


def by_path(result: MigrationResult) -> dict[str, FileRecord]:
    return {record.path: record for record in result.files}


def cli(*args: str) -> Result:
    # Imported here: worker processes import this module for Saboteur, and the CLI is heavy.
    from typer.testing import CliRunner

    from estimator_fix.cli import app

    return CliRunner().invoke(app, ["migrate", *args], catch_exceptions=False)


# The demo repository ---------------------------------------------------------------------------


def copy_demo(dest: Path, cache: Path | None = None) -> Path:
    shutil.copytree(DEMO, dest, ignore=shutil.ignore_patterns(CACHE_DIR))
    if cache is not None:
        shutil.copytree(cache / CACHE_DIR, dest / CACHE_DIR)
    return dest


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MigrationResult]:
    """A copy of the demo repository after one dry run with the real codemods (cache filled)."""
    repo = copy_demo(tmp_path_factory.mktemp("demo") / "repo")
    return repo, run(MigrationOptions(repo=repo, jobs=1))


@pytest.fixture
def warm(demo: tuple[Path, MigrationResult], tmp_path: Path) -> Path:
    """A fresh copy of the demo repository with the demo fixture's cache."""
    return copy_demo(tmp_path / "repo", cache=demo[0])


def test_demo_dry_run_reports_everything_and_writes_nothing(
    demo: tuple[Path, MigrationResult],
) -> None:
    repo, result = demo
    assert snapshot(repo) == snapshot(DEMO)
    assert headline(result) == (
        "12 files scanned, 4 model_fns, 3 fixed, 1 needs manual work, 2 errors"
    )
    records = by_path(result)
    assert {r.path for r in result.files if r.fixed} == DEMO_FIXED
    assert {r.path for r in result.files if r.error} == DEMO_ERRORS
    assert "Python 2 syntax (print statement) at line 8" in records["legacy/py2_model.py"].reason
    assert "syntax error at line 8" in records["experiments/wip_model.py"].reason
    manual = records["models/text_classifier.py"]
    assert manual.needs_manual_work and [f.status for f in manual.findings] == ["manual"]
    notebook = records["notebooks/price_bands.ipynb"]
    assert {(f.code, f.cell, f.line) for f in notebook.findings} == {
        ("EF101", 3, 3),
        ("EF102", 3, 4),
        ("EF105", 3, 8),
    }
    assert "cell 6: a %%bash cell magic; left alone" in notebook.warnings
    assert result.skipped == (
        ("third_party/site-packages/", "vendored or generated folder (site-packages)"),
    )
    assert result.prefiltered == 3  # setup.py, models/__init__.py, utils/io.py: never parsed
    assert result.analysed == 9 and result.cached == 0
    assert result.return_code == 1


def test_rerun_is_answered_by_the_cache(warm: Path) -> None:
    first = run(MigrationOptions(repo=warm, jobs=1))
    assert first.analysed == 0  # nothing parsed
    assert all(record.cached for record in first.files if not record.error)
    assert (
        headline(first) == "12 files scanned, 4 model_fns, 3 fixed, 1 needs manual work, 2 errors"
    )
    model = warm / "trainer" / "model.py"
    model.write_bytes(model.read_bytes() + b"\n# tuned\n")
    second = run(MigrationOptions(repo=warm, jobs=1))
    assert second.analysed == 1
    assert not by_path(second)["trainer/model.py"].cached
    assert by_path(second)["trainer/classifier.py"].cached
    uncached = migrate(warm, settings=FAKE, cache=False)
    assert uncached.analysed == 9 and uncached.cached == 0


def test_out_writes_a_full_copy_with_the_fixes(warm: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(MigrationOptions(repo=warm, mode="out", destination=out, jobs=1))
    before, after = snapshot(warm), snapshot(out)
    assert set(after) == set(before)  # vendored folder, README, .gitignore… all copied
    assert {rel for rel in before if before[rel] != after[rel]} == DEMO_FIXED
    assert snapshot(warm) == snapshot(DEMO)
    assert not (out / CACHE_DIR).exists()
    assert result.fixed == 3
    original = json.loads(before["notebooks/price_bands.ipynb"])
    fixed = json.loads(after["notebooks/price_bands.ipynb"])
    for old, new in zip(original["cells"], fixed["cells"]):
        assert (old["id"], old["metadata"], old.get("outputs")) == (
            new["id"],
            new["metadata"],
            new.get("outputs"),
        )
        assert (old["source"] == new["source"]) == (old["id"] != "c4d8e2f6")
    assert fixed["metadata"] == original["metadata"]
    assert "".join(fixed["cells"][1]["source"]).startswith("!pip install -q tensorflow-cpu")
    assert "%time estimator.train" in "".join(fixed["cells"][4]["source"])


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=False
    )


def init_git(repo: Path) -> None:
    assert git(repo, "init", "-q").returncode == 0
    git(repo, "add", "-A")
    assert git(repo, "commit", "-qm", "start").returncode == 0


def test_patch_passes_git_apply_check(warm: Path, tmp_path: Path) -> None:
    init_git(warm)
    patch = tmp_path / "fix.patch"
    out = tmp_path / "out"
    result = cli(str(warm), "--patch", str(patch), "-j", "1")
    assert result.exit_code == 1, result.output
    checked = git(warm, "apply", "--check", str(patch))
    assert checked.returncode == 0, checked.stderr
    assert {line[6:] for line in patch.read_text().splitlines() if line.startswith("+++ ")} == (
        DEMO_FIXED
    )
    assert git(warm, "status", "--porcelain").stdout == ""  # nothing written, cache ignored
    git(warm, "apply", str(patch))
    run(
        MigrationOptions(
            repo=copy_demo(tmp_path / "again", cache=warm), mode="out", destination=out, jobs=1
        )
    )
    assert snapshot(warm) == snapshot(out)


def test_in_place_rewrites_fixable_files_only(warm: Path, tmp_path: Path) -> None:
    result = cli(str(warm), "--in-place", "-j", "1")
    assert result.exit_code == 1
    assert "3 files rewritten in place" in result.stderr
    before, after = snapshot(DEMO), snapshot(warm)
    assert {rel for rel in before if before[rel] != after[rel]} == DEMO_FIXED
    assert not list(warm.rglob(".*.tmp"))


def test_cli_report_forms_and_exit_code(warm: Path, tmp_path: Path) -> None:
    report_md, report_json = tmp_path / "report.md", tmp_path / "report.json"
    result = cli(str(warm), "--report", str(report_md), "-j", "1")
    assert result.exit_code == 1
    assert "12 files scanned, 4 model_fns, 3 fixed, 1 needs manual work, 2 errors" in result.stderr
    assert "dry run: nothing written" in result.stderr
    assert f"{warm / 'trainer' / 'model.py'}: fixed (EF101, EF102, EF105)" in result.stdout
    text = report_md.read_text()
    assert text.startswith("## Estimator model_fn migration\n\n**12 files scanned, 4 model_fns")
    for section in (
        "### Fixed (3)",
        "### Needs manual work (1)",
        "### Errors (2)",
        "### Skipped (1)",
    ):
        assert section in text
    assert "`EF101` cell 3, line 3" in text
    assert cli(str(warm), "--report", str(report_json), "-j", "1").exit_code == 1
    data = json.loads(report_json.read_text())
    assert data["summary"]["model_fns"] == 4 and data["summary"]["errors"] == 2
    assert {f["path"] for f in data["files"] if f["outcome"] == "fixed"} == DEMO_FIXED
    model = next(f for f in data["files"] if f["path"] == "trainer/model.py")
    assert [(f["code"], f["line"], f["status"]) for f in model["findings"]] == [
        ("EF101", 10, "fixed"),
        ("EF102", 11, "fixed"),
        ("EF105", 14, "fixed"),
    ]


# Notebooks -------------------------------------------------------------------------------------


def notebook(*sources: str, style: dict[str, object] | None = None) -> bytes:
    cells: list[dict[str, object]] = [
        {"cell_type": "markdown", "id": "md", "metadata": {}, "source": ["# Title\n"]}
    ]
    for index, source in enumerate(sources):
        cells.append(
            {
                "cell_type": "code",
                "execution_count": index + 1,
                "id": f"cell{index}",
                "metadata": {"tags": [f"t{index}"]},
                "outputs": [{"name": "stdout", "output_type": "stream", "text": ["out\n"]}],
                "source": source.splitlines(True),
            }
        )
    data = {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    options = style or {"indent": 1, "sort_keys": True, "ensure_ascii": False}
    return (json.dumps(data, **options) + "\n").encode()  # type: ignore[arg-type]


NB_MODEL = (
    "def model_fn(features, labels, mode):\n"
    "    print(features)\n"
    "    !echo {mode}\n"
    "    return tf.estimator.EstimatorSpec(mode, predictions=features)"
)


@pytest.mark.parametrize(
    "style",
    [None, {"indent": 2}, {"indent": 1, "ensure_ascii": True, "sort_keys": True}],
    ids=["jupyter", "indent2-unsorted", "ascii"],
)
def test_notebook_round_trip_keeps_all_but_the_fixed_code(style: dict[str, object] | None) -> None:
    data = notebook(
        "%matplotlib inline\nimport tensorflow as tf\nfiles = !ls", NB_MODEL, style=style
    )
    extracted = extract(data)
    assert b"!ls" not in extracted.code and b"%matplotlib" not in extracted.code
    fixed = extracted.code.replace(b"    print(features)", b"    tf.print(features)  # \xc3\xa9")
    out = rebuild(data, extracted, fixed)
    original, new = json.loads(data), json.loads(out)
    assert new["cells"][:2] == original["cells"][:2]
    assert new["cells"][2]["source"] == NB_MODEL.replace(
        "print(features)", "tf.print(features)  # é"
    ).splitlines(True)
    assert {k: v for k, v in new["cells"][2].items() if k != "source"} == {
        k: v for k, v in original["cells"][2].items() if k != "source"
    }
    # Same layout: only the changed source lines differ.
    changed = [pair for pair in zip(data.splitlines(), out.splitlines()) if pair[0] != pair[1]]
    assert len(changed) == 1 and b"print(features)" in changed[0][0]
    assert rebuild(data, extracted, extracted.code) == data


@pytest.mark.parametrize(
    ("source", "masked"),
    [
        ("!pip install x\nimport os\n", 1),
        ("x = !ls\ny = %env HOME\n", 2),
        ("os.path?\n??os\n", 2),
        ("if (a\n    != b):\n    pass\n", 0),  # a continuation line, not a shell escape
        ("x = (1\n% 2)\n", 0),
        ('s = """\n%d items\n!important\n"""\n', 0),
        ("for x in y:\n    !echo {x} \\\n        more\n", 2),
    ],
)
def test_masking_finds_ipython_lines_only(source: str, masked: int) -> None:
    magics: list[str] = []
    text = mask(source, magics)
    assert len(magics) == masked
    assert len(text.splitlines()) == len(source.splitlines())


def test_notebook_cells_that_are_not_python_are_left_alone(tmp_path: Path) -> None:
    data = notebook("%%bash\nls\n", "def broken(:\n    pass", MODEL)
    write(tmp_path, {"nb.ipynb": data})
    result = migrate(tmp_path, mode="in-place")
    record = by_path(result)["nb.ipynb"]
    assert record.fixed
    assert any("cell 2: a %%bash cell magic" in w for w in record.warnings)
    assert any("cell 3 does not parse" in w for w in record.warnings)
    cells = json.loads((tmp_path / "nb.ipynb").read_text())["cells"]
    assert cells[1:3] == json.loads(data)["cells"][1:3]
    assert "    tf.print(features)\n" in cells[3]["source"]
    assert [f.cell for f in record.findings] == [4]


def test_unreadable_notebook_is_reported(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "nb.ipynb": "{ model_fn: not json",
            "old.ipynb": json.dumps(
                {"worksheets": [], "nbformat": 3, "nbformat_minor": 0, "metadata": {"model_fn": 1}}
            ),
        },
    )
    records = by_path(migrate(tmp_path))
    assert records["nb.ipynb"].reason.startswith("not a readable notebook")
    assert records["old.ipynb"].reason == "notebook format v3 is not supported (only v4)"


# Discovery -------------------------------------------------------------------------------------

TREE = {
    "a.py": "",
    "notes.ipynb": "{}",
    "readme.md": "",
    "pkg/b.py": "",
    "pkg/gen_c.py": "",
    "pkg/keep.log.py": "",
    "scratch/tmp.py": "",
    "pkg/sub/.gitignore": "local_*.py\n",
    "pkg/sub/local_x.py": "",
    "pkg/sub/d.py": "",
    "node_modules/m.py": "",
    ".venv/lib/v.py": "",
    "lib/site-packages/s.py": "",
    "build/lib/b.py": "",
    ".hidden/h.py": "",
    ".gitignore": "scratch/\n*.log.py\n!keep.log.py\n",
}
KEPT = ["a.py", "notes.ipynb", "pkg/b.py", "pkg/gen_c.py", "pkg/keep.log.py", "pkg/sub/d.py"]


def test_gitignore_honoured_outside_git(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    found = discover(tmp_path)
    assert not found.git
    assert list(found.files) == KEPT
    assert dict(found.skipped) == {
        ".venv/": "vendored or generated folder (.venv)",
        "build/": "vendored or generated folder (build)",
        "lib/site-packages/": "vendored or generated folder (site-packages)",
        "node_modules/": "vendored or generated folder (node_modules)",
    }


def test_gitignore_honoured_inside_git(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    init_git(tmp_path)
    write(tmp_path, {"new.py": "", "scratch/new.py": "", "pkg/sub/local_new.py": ""})
    git(tmp_path, "add", "-f", "scratch/tmp.py")  # tracked although ignored: git lists it
    found = discover(tmp_path)
    assert found.git
    assert list(found.files) == sorted([*KEPT, "new.py", "scratch/tmp.py"])


def test_a_folder_the_enclosing_repository_ignores_is_walked(tmp_path: Path) -> None:
    write(tmp_path, {".gitignore": "copies/\n", "a.py": ""})
    init_git(tmp_path)
    write(tmp_path / "copies" / "repo", TREE)
    found = discover(tmp_path / "copies" / "repo")
    assert not found.git
    assert list(found.files) == KEPT


def test_exclude_globs(tmp_path: Path) -> None:
    write(tmp_path, TREE)
    found = discover(tmp_path, [("gen_*.py", str(tmp_path)), ("pkg/sub", str(tmp_path))])
    assert list(found.files) == ["a.py", "notes.ipynb", "pkg/b.py", "pkg/keep.log.py"]
    write(tmp_path, {"pkg/gen_c.py": MODEL, "a.py": MODEL})
    result = cli(str(tmp_path), "--exclude", "pkg/**", "-j", "1")
    assert "2 files scanned, 1 model_fn," in result.stderr  # a.py and notes.ipynb
    assert "gen_c.py" not in result.output


@pytest.mark.parametrize("use_git", [False, True], ids=["walk", "git"])
def test_symlinks_are_not_followed_out_of_the_tree(tmp_path: Path, use_git: bool) -> None:
    outside = write(tmp_path / "outside", {"secret.py": MODEL, "lib/x.py": MODEL})
    repo = write(tmp_path / "repo", {"real.py": MODEL})
    (repo / "leak.py").symlink_to(outside / "secret.py")
    (repo / "alias.py").symlink_to(repo / "real.py")
    (repo / "lib").symlink_to(outside / "lib", target_is_directory=True)
    if use_git:
        init_git(repo)
    result = migrate(repo, mode="in-place", use_git=use_git)
    assert [r.path for r in result.files] == ["real.py"]
    skipped = dict(result.skipped)
    assert skipped["leak.py"] == "symlink to a file outside the repository; not followed"
    assert skipped["alias.py"] == "symlink to real.py, which is migrated instead"
    assert (outside / "secret.py").read_text() == MODEL
    assert (outside / "lib" / "x.py").read_text() == MODEL
    assert "tf.print" in (repo / "real.py").read_text()


# Isolation -------------------------------------------------------------------------------------


def test_one_file_failing_never_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files: dict[str, str | bytes] = {f"ok{i}.py": MODEL for i in range(3)}
    files.update(
        {
            "crash.py": MODEL + "# CRASH\n",
            "slow.py": MODEL + "# SLOW\n",
            "latin.py": b"# model_fn\nx = '\xff'\n",
            "locked.py": MODEL,
            "py2.py": "def model_fn(x):\n    print 'x'\n",
        }
    )
    write(tmp_path, files)
    real_read: Callable[[str | os.PathLike[str]], bytes] = run_module.read_source

    def read(path: str | os.PathLike[str]) -> bytes:
        if Path(path).name == "locked.py":
            raise SourceError(path, "cannot read: permission denied")
        return real_read(path)

    monkeypatch.setattr(run_module, "read_source", read)
    result = migrate(tmp_path, mode="in-place", timeout=3)
    records = by_path(result)
    assert {r.path for r in result.files if r.fixed} == {"ok0.py", "ok1.py", "ok2.py"}, [
        (r.path, r.reason) for r in result.files
    ]
    assert records["crash.py"].reason == (
        "internal error: Saboteur crashed: RuntimeError: sabotaged"
    )
    assert records["slow.py"].reason == "timed out after 3s; not changed"
    assert records["latin.py"].reason.startswith("cannot decode as utf-8")
    assert records["locked.py"].reason == "cannot read: permission denied"
    assert records["py2.py"].reason.startswith("Python 2 syntax (print statement)")
    for name in ("crash.py", "slow.py", "latin.py", "locked.py", "py2.py"):
        assert (tmp_path / name).read_bytes() == (
            files[name] if isinstance(files[name], bytes) else files[name].encode()  # type: ignore[union-attr]
        )
    assert result.errors == 5 and result.return_code == 1


def test_write_failure_is_one_files_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": MODEL, "b.py": MODEL})
    (tmp_path / "b.py").chmod(0o444)
    result = migrate(tmp_path, mode="in-place")
    records = by_path(result)
    assert records["a.py"].fixed
    assert records["b.py"].write_error == "file is read-only; not changed"
    assert (tmp_path / "b.py").read_text() == MODEL
    assert result.return_code == 1


# Validation gating (the TensorFlow runs themselves: test_migrate_validate.py) -----------------


def test_only_validated_rewrites_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts = {
        "good.py": ValidationRecord("equivalent", "6 checks, all equivalent"),
        "fixed.py": ValidationRecord("fixed", "PREDICT works now"),
        "bad.py": ValidationRecord("mismatch", "TRAIN loss differs"),
        "noinput.py": ValidationRecord("not validated", "no input"),
    }
    write(tmp_path, dict.fromkeys(verdicts, MODEL))
    # No TensorFlow needed: every validation is faked (where migrate checks for it, too).
    running = importlib.import_module("estimator_fix.migration.run")  # the package's run() hides it
    monkeypatch.setattr(running, "tensorflow_problem", lambda options: None)
    monkeypatch.setattr("estimator_fix.validation.runner.prewarm", lambda python=None: None)
    monkeypatch.setattr(
        bulk_validate, "validate_one", lambda path, original, fixed, options: verdicts[path.name]
    )
    result = migrate(tmp_path, mode="in-place", validate=True)
    records = by_path(result)
    written = {name for name in verdicts if "tf.print" in (tmp_path / name).read_text()}
    assert written == {"good.py", "fixed.py"}
    assert {name: records[name].validation for name in verdicts} == verdicts
    assert records["bad.py"].needs_manual_work and not records["bad.py"].fixed
    assert [f.status for f in records["bad.py"].findings] == ["fixable"]
    assert records["bad.py"].rejected == "validation: mismatch"
    assert "validation: **mismatch** — TRAIN loss differs" in markdown(result)


# CLI -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--in-place", "--patch", "x.patch"], "choose one of --in-place, --out DIR, --patch FILE"),
        (["--report", "r.txt"], "the name must end in .json or .md"),
        (["--out", "REPO/inside"], "must not be inside the repository"),
        (["--out", "FULL"], "already exists and is not empty"),
        (["--patch", "nowhere/x.patch"], "no such directory"),
        (["--select", "XX1"], "unknown rule selector"),
    ],
)
def test_cli_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    repo = write(tmp_path / "repo", {"a.py": MODEL})
    write(tmp_path / "full", {"x": ""})
    args = [a.replace("REPO", str(repo)).replace("FULL", str(tmp_path / "full")) for a in args]
    result = cli(str(repo), *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert (repo / "a.py").read_text() == MODEL


def test_cli_missing_repo(tmp_path: Path) -> None:
    result = cli(str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such directory" in result.stderr


def test_clean_repository_exits_zero(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": "print('hello')\n"})
    result = cli(str(tmp_path), "-j", "1")
    assert result.exit_code == 0
    assert "1 file scanned, 0 model_fns, 0 fixed, 0 need manual work, 0 errors" in result.stderr


# The report ------------------------------------------------------------------------------------


def test_report_headline_and_markdown_escaping() -> None:
    finding = FindingRecord("EF101", "a <b> *c* `d`", 3, 5, "manual", note="do *this*")
    record = FileRecord("x.py", "unchanged", (finding,), model_fns=1)
    result = MigrationResult(repo="r", mode="dry-run", files=(record,), scanned=1)
    assert headline(result) == "1 file scanned, 1 model_fn, 0 fixed, 1 needs manual work, 0 errors"
    text = markdown(result)
    assert "`EF101` line 3: a &lt;b&gt; \\*c\\* `d` — **manual**" in text
    assert "<br>do \\*this\\*" in text
    data = to_json(replace(result, interrupted=True))
    assert data["summary"]["interrupted"] and data["files"][0]["outcome"] == "manual"
