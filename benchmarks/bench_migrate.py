"""Benchmark ``estimator-fix migrate`` against its peers on one generated tree.

Generates a tree (default 5,000 files of ~300 lines, 5% with model_fns of the fixture shapes, 20
notebooks; ``generate_tree.py``) and times, in one run, side by side: ``estimator-fix migrate``
(dry run, empty cache), the same command again (every result from the cache), ``ruff check
--select E,F``, ``python -m libcst.tool codemod`` with a no-op codemod and ``grep -rl
EstimatorSpec``. For each: wall time, files/s, and peak RSS (the largest sum over the command's
process tree, sampled every 20 ms). Then the targets: within 2x of ruff, at least 5x faster than
the LibCST no-op codemod, the cached re-run at least 10x faster than the first, under 500 MB.
Run by hand; it is not part of the test suite.

    .venv/bin/python benchmarks/bench_migrate.py [--files 5000] [--notebooks 20] [--jobs N]
                                                 [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import noop_codemod_dir  # noqa: E402
from generate_tree import generate  # noqa: E402

from estimator_fix.engine import might_contain_estimator_code  # noqa: E402

BIN = Path(sys.executable).parent

#: The generator's plain-file docstring names "model_fn", which the byte-level prefilter cannot
#: tell from code; plain files get a neutral one so that 95% of the tree holds no Estimator code.
_PLAIN_DOC = '"""Generated module: ordinary code with no Estimator model_fn."""'
_NEUTRAL_DOC = '"""Generated module: ordinary code."""'


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_rss: int  # bytes, the largest sum over the process tree
    returncode: int


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


def timed(command: list[str], cwd: Path) -> Timing:
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process = psutil.Process(child.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    returncode = child.wait()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    return Timing(seconds, peak, returncode)


def neutralise_plain_files(tree: Path) -> int:
    """Give plain files a docstring without Estimator words; return how many pass the prefilter."""
    passing = 0
    for path in tree.rglob("*"):
        if path.suffix not in (".py", ".ipynb"):
            continue
        data = path.read_bytes()
        if path.suffix == ".py" and data.startswith(_PLAIN_DOC.encode()):
            data = data.replace(_PLAIN_DOC.encode(), _NEUTRAL_DOC.encode(), 1)
            path.write_bytes(data)
        passing += might_contain_estimator_code(data)
    return passing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--jobs", type=int, help="--jobs for migrate (default: every core)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    tree = args.keep or base / "tree"
    stats = generate(tree, args.files, 0.05, args.notebooks, 300, 0)
    passing = neutralise_plain_files(tree)
    noop = noop_codemod_dir(base)
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    migrate = [str(BIN / "estimator-fix"), "migrate", str(tree), "--quiet"]
    if args.jobs:
        migrate += ["--jobs", str(args.jobs)]
    runs = {
        "estimator-fix migrate": migrate,
        "estimator-fix migrate (cached)": migrate,
        "ruff check --select E,F": [
            shutil.which("ruff") or str(BIN / "ruff"),
            "check",
            "--no-cache",
            "--select",
            "E,F",
            "--exit-zero",
            str(tree),
        ],
        "libcst no-op codemod": [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "--no-format",
            "noop.NoopCommand",
            str(tree),
        ],
        "grep -rl EstimatorSpec": ["grep", "-rl", "EstimatorSpec", str(tree)],
    }
    files = stats["files"] + stats["notebooks"]
    print(
        f"tree: {stats['files']} Python files ({stats['lines']} lines, {stats['model_fn_files']} "
        f"with model_fns) and {stats['notebooks']} notebooks; {passing} files pass the "
        f"prefilter; {os.cpu_count()} cores"
    )
    print("migrate command: " + " ".join(migrate))
    times: dict[str, Timing] = {}
    for name, command in runs.items():
        times[name] = timed(command, noop if "libcst" in name else base)
    first = times["estimator-fix migrate"].seconds
    print(f"\n| {'tool':<32}| {'wall s':>8} | {'files/s':>8} | {'peak RSS MB':>11} | exit |")
    print(f"|{'-' * 33}|{'-' * 10}|{'-' * 10}|{'-' * 13}|------|")
    for name, timing in times.items():
        print(
            f"| {name:<32}| {timing.seconds:>8.2f} | {files / timing.seconds:>8.0f} "
            f"| {timing.peak_rss / 2**20:>11.0f} | {timing.returncode:>4} |"
        )
    ruff = times["ruff check --select E,F"].seconds
    noop_seconds = times["libcst no-op codemod"].seconds
    cached = times["estimator-fix migrate (cached)"].seconds
    peak = max(
        times["estimator-fix migrate"].peak_rss, times["estimator-fix migrate (cached)"].peak_rss
    )
    print()
    print(f"migrate / ruff:               {first / ruff:6.2f}x  (target <= 2x)")
    print(f"migrate (cached) / ruff:      {cached / ruff:6.2f}x")
    print(f"LibCST no-op / migrate:       {noop_seconds / first:6.2f}x  (target >= 5x)")
    print(f"first run / cached re-run:    {first / cached:6.2f}x  (target >= 10x)")
    print(f"migrate peak RSS:             {peak / 2**20:6.0f} MB (target < 500 MB)")
    if args.keep is None:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
