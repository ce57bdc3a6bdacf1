"""Hostile input and faults, on the writing side: nothing is written outside the target, onto a
file the run reads, onto a special file or through a link, and every write keeps the file whole
(issue 13, items 1, 2, 5, 6 and 13).

Each test names the defect it guards against. ``estimator_fix.writing`` owns every write, so most
tests go through the command line and check the bytes of everything around the target.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from estimator_fix import writing
from estimator_fix.migration import MigrationOptions, Progress, run
from estimator_fix.migration.cache import CACHE_DIR
from estimator_fix.sources import SourceError
from estimator_fix.writing import (
    ChangedOnDiskError,
    check_output,
    temp_name,
    write_output,
    write_source,
)
from tests.hostile import AFTER, BEFORE, FAKE, FIXED, ROOT, SOURCE, cli, snapshot, write_tree


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def _dead_pid() -> int:
    """A pid no process has: Linux's pid_max (pids stay below it); elsewhere a finished child's
    (which a busy machine may hand out again, so Linux does not use it)."""
    try:
        return int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        pass
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)
    return int(done.stdout)


def repo_with_model(root: Path) -> Path:
    return write_tree(root, {"trainer/model.py": BEFORE, "README.md": b"# demo\n"})


def _device(path: Path) -> bool:
    """Make a character device like /dev/null at ``path`` (only root may)."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        return False
    return True


# -- 1. --patch and --report replace only what is theirs ----------------------------------------


def _targets(tmp_path: Path, suffix: str) -> dict[str, Path]:
    """Paths a patch or report (named ``*suffix``) must not replace, each with what it is."""
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me\n")
    made = {name: tmp_path / f"{name}{suffix}" for name in ("fifo", "link", "dir", "hard", "null")}
    os.mkfifo(made["fifo"])
    made["link"].symlink_to(outside)
    made["dir"].mkdir()
    os.link(tmp_path / "repo" / "trainer" / "model.py", made["hard"])
    targets = {
        "a hard link to a source file": made["hard"],
        "a FIFO": made["fifo"],
        "a symbolic link": made["link"],
        "a directory": made["dir"],
    }
    if suffix == ".patch":
        targets["a source file of the repository"] = tmp_path / "repo" / "trainer" / "model.py"
    if _device(made["null"]):
        targets["a character device"] = made["null"]
    return targets


def _kinds(path: Path) -> tuple[int, bytes | None]:
    st_mode = os.lstat(path).st_mode
    data = path.read_bytes() if stat.S_ISREG(st_mode) else None
    return stat.S_IFMT(st_mode), data


@pytest.mark.parametrize(("option", "suffix"), [("--patch", ".patch"), ("--report", ".md")])
def test_patch_and_report_never_replace_what_is_not_theirs(
    tmp_path: Path, option: str, suffix: str
) -> None:
    repo_with_model(tmp_path / "repo")
    for what, target in _targets(tmp_path, suffix).items():
        before = _kinds(target), snapshot(tmp_path)
        result = cli("migrate", "repo", option, str(target), "-j", "1", "--no-cache")
        assert result.exit_code == 2, (what, result.stderr)
        assert f"error: {option} {target}: " in result.stderr, what
        assert (_kinds(target), snapshot(tmp_path)) == before, what


def test_patch_into_the_repository_is_fine_when_it_is_no_input(tmp_path: Path) -> None:
    repo_with_model(tmp_path / "repo")
    result = cli("migrate", "repo", "--patch", "repo/fix.patch", "-j", "1", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert b"+++ b/trainer/model.py" in (tmp_path / "repo" / "fix.patch").read_bytes()
    assert (tmp_path / "repo" / "trainer" / "model.py").read_bytes() == BEFORE


def test_report_replaces_its_own_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    repo_with_model(tmp_path / "repo")
    report = tmp_path / "report.md"
    report.write_bytes(b"old report\n")
    os.chmod(report, 0o640)
    result = cli("migrate", "repo", "--report", "report.md", "-j", "1", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert report.read_text().startswith("## Estimator model_fn migration")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert sorted(os.listdir(tmp_path)) == ["repo", "report.md"]


def test_output_policy_in_one_place(tmp_path: Path) -> None:
    """``write_output`` is the one door for produced files: it refuses links, special files and
    inputs by identity, and creates or replaces regular files."""
    source = tmp_path / "m.py"
    source.write_bytes(b"x = 1\n")
    link = tmp_path / "l.patch"
    link.symlink_to(source)
    with pytest.raises(SourceError, match="is a symbolic link; not replaced"):
        write_output(link, b"patch")
    with pytest.raises(SourceError, match="is one of the files this run reads"):
        write_output(source, b"patch", inputs={(source.stat().st_dev, source.stat().st_ino)})
    with pytest.raises(SourceError, match="no such directory"):
        check_output(tmp_path / "missing" / "x.patch")
    write_output(tmp_path / "new.patch", b"patch")
    assert (tmp_path / "new.patch").read_bytes() == b"patch"
    assert source.read_bytes() == b"x = 1\n"


# -- 2. --out copies the tree, never by reading special files, and never half ------------------


def test_out_leaves_special_files_out_and_lists_them(tmp_path: Path) -> None:
    repo = repo_with_model(tmp_path / "repo")
    os.mkfifo(repo / "pipe")
    has_device = _device(repo / "zero")  # a /dev/zero-like node would be an endless copy
    started = time.monotonic()
    result = run(MigrationOptions(repo=repo, mode="out", destination=tmp_path / "out", jobs=1))
    assert time.monotonic() - started < 60
    skipped = dict(result.skipped)
    assert skipped["pipe"] == "a FIFO; not copied"
    if has_device:
        assert skipped["zero"] == "a character device; not copied"
    assert (tmp_path / "out" / "trainer" / "model.py").read_bytes() == AFTER
    assert not os.path.lexists(tmp_path / "out" / "pipe")
    assert sorted(os.listdir(tmp_path)) == ["out", "repo"]  # no staging copy left behind


def test_interrupted_out_leaves_no_copy_and_the_rerun_works(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = write_tree(tmp_path / "repo", {f"m{i}.py": SOURCE for i in range(4)})
    options = MigrationOptions(
        repo=repo, mode="out", destination=tmp_path / "out", jobs=1, settings=FAKE, cache=False
    )

    def interrupt(event: Progress) -> None:
        if event.done >= 2:
            raise KeyboardInterrupt

    assert run(options, on_progress=interrupt).interrupted
    assert sorted(os.listdir(tmp_path)) == ["repo"]
    killed = tmp_path / f".out.ef-{_dead_pid()}-abc123.tmp"  # what a killed run leaves
    write_tree(killed, {"m0.py": SOURCE, "deep/m1.py": SOURCE})
    monkeypatch.setattr(writing, "_swept", set())  # as a new process finds it
    again = run(options)
    assert not again.interrupted and again.fixed == 4
    assert (tmp_path / "out" / "m3.py").read_bytes() == FIXED
    assert sorted(os.listdir(tmp_path)) == ["out", "repo"]


# -- 13. modes, owners, long names, stale temp files, concurrent runs ----------------------------


def test_fix_keeps_setuid_and_setgid_bits(tmp_path: Path) -> None:
    path = write_tree(tmp_path, {"model.py": BEFORE}) / "model.py"
    os.chmod(path, 0o6755)
    result = cli("fix", "model.py")
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == AFTER
    assert stat.S_IMODE(path.stat().st_mode) == 0o6755


@pytest.mark.parametrize("length", [242, 250, 255])
def test_names_up_to_the_file_system_limit_can_be_fixed(tmp_path: Path, length: int) -> None:
    name = "m" * (length - 3) + ".py"
    path = write_tree(tmp_path, {name: BEFORE}) / name
    result = cli("fix", name)
    assert result.exit_code == 0, result.stderr
    assert path.read_bytes() == AFTER
    assert os.listdir(tmp_path) == [name]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(st.text(st.characters(blacklist_characters="/\0"), min_size=1, max_size=255))
def test_temp_names_fit_the_limit(name: str) -> None:
    encoded = name.encode("utf-8", "surrogateescape")[:255]
    name = os.fsdecode(encoded)
    temp = temp_name(name)
    assert len(os.fsencode(temp)) <= 255
    assert temp.startswith(".") and temp.endswith(".tmp") and temp != name


def test_stale_temp_files_of_killed_runs_are_swept(tmp_path: Path) -> None:
    write_tree(tmp_path, {"model.py": BEFORE})
    stale = f".model.py.ef-{_dead_pid()}-abc123.tmp"
    legacy = ".model.py.k3j5h2g1.tmp"  # what mkstemp named them before
    recent = ".model.py.q9w8e7r6.tmp"  # too young to be judged stale
    for name in (stale, legacy, recent):
        (tmp_path / name).write_bytes(b"half a file")
    an_hour_ago = time.time() - 7200
    os.utime(tmp_path / legacy, (an_hour_ago, an_hour_ago))
    assert cli("fix", "model.py").exit_code == 0
    assert sorted(os.listdir(tmp_path)) == [recent, "model.py"]


@pytest.mark.slow
def test_concurrent_fix_runs_never_both_claim_a_file(tmp_path: Path) -> None:
    write_tree(tmp_path / "tree", {f"m{i:03}.py": BEFORE for i in range(40)})
    command = [sys.executable, "-c", "from estimator_fix.cli import main; main()", "fix", "tree"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300)[1].splitlines() for process in runs]
    fixed = []
    for lines in outputs:
        # a file the other run wrote first is an error line of its own ("already holds this
        # fix", "changed on disk since it was read"); a run that lost the race for every file
        # prints only those (no summary when every input was an error)
        lost = [line for line in lines if re.match(r"tree/m\d{3}\.py: error: ", line)]
        summary = [line for line in lines if re.match(r"\d+ files? fixed", line)]
        assert len(lost) + len(summary) == len(lines), lines
        fixed.append(int(summary[0].split(" file")[0]) if summary else 0)
    assert sum(fixed) == 40, outputs
    for path in (tmp_path / "tree").iterdir():
        assert path.read_bytes() == AFTER


def test_a_concurrent_writer_is_detected_under_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    write_source(path, b"new\n", b"old\n")
    with pytest.raises(ChangedOnDiskError, match="already holds this fix"):
        write_source(path, b"new\n", b"old\n")
    with pytest.raises(ChangedOnDiskError, match="changed on disk since it was read"):
        write_source(path, b"newer\n", b"old\n")


def test_a_link_out_of_the_tree_is_not_written_through(tmp_path: Path) -> None:
    outside = write_tree(tmp_path / "outside", {"model.py": BEFORE}) / "model.py"
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "model.py").symlink_to(outside)
    with pytest.raises(SourceError, match="outside"):
        write_source(tree / "model.py", AFTER, BEFORE, root=tree)
    assert outside.read_bytes() == BEFORE


# -- 5 and 6. the cache is proof, not trust ------------------------------------------------------


def _cache_entries(repo: Path) -> list[Path]:
    return sorted((repo / CACHE_DIR).glob("migrate-*/*/*.json"))


def test_a_tampered_cache_entry_is_never_written(tmp_path: Path) -> None:
    repo = repo_with_model(tmp_path / "repo")
    assert cli("migrate", "repo", "-j", "1").exit_code == 0  # a dry run fills the cache
    [entry] = [e for e in _cache_entries(repo) if json.loads(e.read_text())["kind"] == "changed"]
    data = json.loads(entry.read_text())
    data["fixed"] = base64.b64encode(b"def broken(:\n").decode()
    entry.write_text(json.dumps(data))
    result = cli("migrate", "repo", "--in-place", "-j", "1")
    assert result.exit_code == 0, result.stderr
    assert (repo / "trainer" / "model.py").read_bytes() == AFTER


def test_a_cache_entry_for_other_bytes_or_another_version_is_ignored(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"m.py": SOURCE})
    options = MigrationOptions(repo=repo, jobs=1, settings=FAKE)
    run(options)
    [entry] = _cache_entries(repo)
    for field, value in (("input", "0" * 64), ("version", "0.0.0")):
        data = json.loads(entry.read_text())
        entry.write_text(json.dumps({**data, field: value}))
        assert run(options).cached == 0, field
        entry.write_text(json.dumps(data))
    assert run(options).cached == 1


@pytest.mark.parametrize("where", ["the cache folder", "a folder inside it"])
def test_the_cache_never_follows_a_link_out_of_the_repository(tmp_path: Path, where: str) -> None:
    repo = write_tree(tmp_path / "repo", {"m.py": SOURCE})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    options = MigrationOptions(repo=repo, jobs=1, settings=FAKE)
    if where == "the cache folder":
        (repo / CACHE_DIR).symlink_to(elsewhere)
    else:
        run(options)
        [folder] = (repo / CACHE_DIR).glob("migrate-*")
        for entry in folder.rglob("*.json"):
            entry.unlink()
        for sub in sorted(folder.iterdir()):
            sub.rmdir()
        folder.rmdir()
        folder.symlink_to(elsewhere)
    for _ in range(2):
        result = run(options)
        assert result.fixed == 1 and result.cached == 0
    assert list(elsewhere.iterdir()) == []
