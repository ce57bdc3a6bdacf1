"""Benchmark ``estimator-fix check`` against its peers on one generated tree.

Side by side, on the same tree (default 2,000 files of ~300 lines, 5% with model_fns):
``estimator-fix check``, ``python -m libcst.tool codemod`` running a no-op codemod (the cost of
parsing every file with LibCST, which the prefilter avoids), ``ruff check --select E,F`` and
``grep -rl EstimatorSpec``. Prints a Markdown table (wall time, files/s, lines/s, peak RSS of the
command's process tree) and the targets: within 2x of ruff, at least 5x faster than the LibCST
no-op codemod, under 500 MB. estimator-fix runs from a copy of ``estimator_fix/`` and
``codemods/`` as committed at HEAD (``--worktree``: as they are on disk), so edits made while the
benchmark runs do not change the code it measures. Run by hand; it is not part of the test suite.

    .venv/bin/python benchmarks/bench_check.py [--files 2000] [--worktree] [--keep DIR]
                                               [--libcst-seconds S]

``--libcst-seconds S`` skips the LibCST no-op run (the slowest by far, and independent of
estimator-fix) and compares against S seconds measured by an earlier run on the same tree (the
generator is deterministic); the table marks that row as given.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_tree import generate  # noqa: E402

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("estimator_fix", "codemods")

_NOOP = """
from libcst.codemod import VisitorBasedCodemodCommand


class NoopCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Parse every file and change nothing."
"""


LIBCST = "libcst no-op codemod"


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss: int  # bytes, the largest sum over the process tree; -1: not measured (given)
    returncode: int


def add_libcst_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--libcst-seconds",
        type=float,
        metavar="S",
        help="do not run the LibCST no-op codemod; use S seconds from an earlier run",
    )


def run_all(
    runs: Mapping[str, list[str]], noop: Path, base: Path, env: dict[str, str], given: float | None
) -> dict[str, Timing]:
    """Time each command (the LibCST one from ``noop``, the others from ``base``); with
    ``given``, the LibCST row is that many seconds, not measured."""
    times: dict[str, Timing] = {}
    for name, command in runs.items():
        if name == LIBCST and given is not None:
            times[f"{LIBCST} (earlier run, given)"] = Timing(given, -1, 0)
        else:
            times[name] = timed(command, noop if name == LIBCST else base, env)
    return times


def libcst_seconds(times: Mapping[str, Timing]) -> float:
    return next(t.seconds for name, t in times.items() if name.startswith(LIBCST))


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def timed(
    command: list[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    *,
    stdout: IO[bytes] | int = subprocess.DEVNULL,
    stderr: IO[bytes] | int = subprocess.DEVNULL,
    timeout: float | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Timing:
    """Run ``command``; its wall time, exit code and peak RSS (sampled every 50 ms). Past
    ``timeout`` seconds its process tree is killed (exit code -9)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=stdout, stderr=stderr, preexec_fn=preexec_fn
    )
    process = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        returncode = child.wait(timeout)
    except subprocess.TimeoutExpired:
        for member in [*process.children(recursive=True), process]:
            with contextlib.suppress(psutil.Error):
                member.kill()
        returncode = child.wait()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Timing(seconds, peak, returncode)


def noop_codemod_dir(base: Path) -> Path:
    work = base / "libcst_noop"
    (work / "bench_noop").mkdir(parents=True)
    (work / "bench_noop" / "__init__.py").write_text("")
    (work / "bench_noop" / "noop.py").write_text(_NOOP)
    (work / ".libcst.codemod.yaml").write_text(
        "generated_code_marker: '@generated'\nformatter: ['cat']\nblacklist_patterns: []\n"
        "modules:\n- 'bench_noop'\nrepo_root: '.'\n"
    )
    return work


def code_snapshot(base: Path, worktree: bool) -> tuple[dict[str, str], str]:
    """The environment that runs estimator-fix from a frozen copy of its code, and a label.

    The copy (HEAD's ``estimator_fix/`` and ``codemods/``) goes first on PYTHONPATH, ahead of the
    editable install. With ``worktree`` the files on disk are used as they are.
    """
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    if worktree:
        return env, "the working tree"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD", *PACKAGES],
        capture_output=True,
        check=True,
    ).stdout
    target = base / "code"
    target.mkdir()
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(target), env.get("PYTHONPATH")]))
    return env, f"commit {commit}"


def ruff_command(tree: Path) -> list[str]:
    ruff = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff") or "ruff"
    return [ruff, "check", "--no-cache", "--select", "E,F", "--exit-zero", str(tree)]


def noop_command(tree: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "libcst.tool",
        "codemod",
        "--no-format",
        "noop.NoopCommand",
        str(tree),
    ]


def table(times: Mapping[str, Timing], files: int, lines: int | None = None) -> list[str]:
    """The Markdown table of ``times``."""
    head = "| tool | wall s | files/s |" + (" lines/s |" if lines else "") + " peak RSS MB | exit |"
    rule = "|---|---:|---:|" + ("---:|" if lines else "") + "---:|---:|"
    rows = [head, rule]
    for name, t in times.items():
        per_line = f" {lines / t.seconds:,.0f} |" if lines else ""
        rss = f"{t.peak_rss / 2**20:.0f}" if t.peak_rss >= 0 else "n/a"
        exit_code = str(t.returncode) if t.peak_rss >= 0 else "n/a"
        rows.append(
            f"| {name} | {t.seconds:.2f} | {files / t.seconds:,.0f} |{per_line}"
            f" {rss} | {exit_code} |"
        )
    return rows


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--worktree", action="store_true", help="run the code as it is on disk")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    add_libcst_option(parser)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-check-"))
    tree = args.keep or base / "tree"
    stats = generate(tree, args.files, 0.05, 0, 300, 0)
    noop = noop_codemod_dir(base)
    env, code = code_snapshot(base, args.worktree)
    check = [str(BIN / "estimator-fix"), "check", "--quiet", str(tree)]
    runs = {
        "estimator-fix check": check,
        LIBCST: noop_command(tree),
        "ruff check --select E,F": ruff_command(tree),
        "grep -rl EstimatorSpec": ["grep", "-rl", "EstimatorSpec", str(tree)],
    }
    print(
        f"tree: {stats['files']} files, {stats['lines']} lines, "
        f"{stats['model_fn_files']} with model_fns; {os.cpu_count()} cores; "
        f"estimator-fix from {code}"
    )
    print("check command: " + " ".join(check))
    times = run_all(runs, noop, base, env, args.libcst_seconds)
    print()
    print("\n".join(table(times, stats["files"], stats["lines"])))
    ours = times["estimator-fix check"]
    ruff = times["ruff check --select E,F"].seconds
    noop_seconds = libcst_seconds(times)
    print()
    print(
        f"check / ruff:           {ours.seconds / ruff:6.2f}x  (target <= 2x: "
        f"{verdict(ours.seconds <= 2 * ruff)})"
    )
    print(
        f"LibCST no-op / check:   {noop_seconds / ours.seconds:6.2f}x  (target >= 5x: "
        f"{verdict(noop_seconds >= 5 * ours.seconds)})"
    )
    print(
        f"check peak RSS:         {ours.peak_rss / 2**20:6.0f} MB (target < 500 MB: "
        f"{verdict(ours.peak_rss < 500 * 2**20)})"
    )
    shutil.rmtree(base)  # with --keep the tree is elsewhere and stays


if __name__ == "__main__":
    main()
