"""Benchmark ``estimator-fix migrate`` against its peers on one generated tree.

Generates a tree (default 5,000 files of ~300 lines, 5% with model_fns of the fixture shapes, 20
notebooks; ``generate_tree.py``) and times, in one run, side by side: ``estimator-fix migrate``
(dry run, empty cache), the same command again (every result from the cache), ``ruff check
--select E,F``, ``python -m libcst.tool codemod`` with a no-op codemod and ``grep -rl
EstimatorSpec``. For each: wall time, files/s, and peak RSS (the largest sum over the command's
process tree, sampled every 50 ms). Then the targets: within 2x of ruff, at least 5x faster than
the LibCST no-op codemod, the cached re-run at least 10x faster than the first, under 500 MB.
estimator-fix runs from a copy of its code as committed at HEAD (``--worktree``: as it is on
disk): the cache is keyed by the code, so an edit between the two runs would empty it. Run by
hand; it is not part of the test suite.

    .venv/bin/python benchmarks/bench_migrate.py [--files 5000] [--notebooks 20] [--jobs N]
                                                 [--worktree] [--keep DIR] [--libcst-seconds S]

``--libcst-seconds S``: as in ``bench_check.py``, compare against S seconds the LibCST no-op
codemod took in an earlier run on the same tree instead of running it again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import (  # noqa: E402
    BIN,
    LIBCST,
    add_libcst_option,
    code_snapshot,
    libcst_seconds,
    noop_codemod_dir,
    noop_command,
    ruff_command,
    run_all,
    table,
    verdict,
)
from generate_tree import generate  # noqa: E402

from estimator_fix.engine import might_contain_estimator_code  # noqa: E402

CACHE_DIR = ".estimator-fix-cache"


def prefilter_passes(tree: Path) -> int:
    """How many of the tree's files the byte-level prefilter lets through."""
    return sum(
        might_contain_estimator_code(path.read_bytes())
        for path in tree.rglob("*")
        if path.suffix in (".py", ".ipynb") and CACHE_DIR not in path.parts
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--jobs", type=int, help="--jobs for migrate (default: every core)")
    parser.add_argument("--worktree", action="store_true", help="run the code as it is on disk")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    add_libcst_option(parser)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    tree = args.keep or base / "tree"
    stats = generate(tree, args.files, 0.05, args.notebooks, 300, 0)
    shutil.rmtree(tree / CACHE_DIR, ignore_errors=True)  # a kept tree's cache from a past run
    passing = prefilter_passes(tree)
    noop = noop_codemod_dir(base)
    env, code = code_snapshot(base, args.worktree)
    migrate = [str(BIN / "estimator-fix"), "migrate", str(tree), "--quiet"]
    if args.jobs:
        migrate += ["--jobs", str(args.jobs)]
    runs = {
        "estimator-fix migrate": migrate,
        "estimator-fix migrate (cached)": migrate,
        "ruff check --select E,F": ruff_command(tree),
        LIBCST: noop_command(tree),
        "grep -rl EstimatorSpec": ["grep", "-rl", "EstimatorSpec", str(tree)],
    }
    files = stats["files"] + stats["notebooks"]
    print(
        f"tree: {stats['files']} Python files ({stats['lines']} lines, {stats['model_fn_files']} "
        f"with model_fns) and {stats['notebooks']} notebooks; {passing} files pass the "
        f"prefilter; {os.cpu_count()} cores; estimator-fix from {code}"
    )
    print("migrate command: " + " ".join(migrate))
    times = run_all(runs, noop, base, env, args.libcst_seconds)
    print()
    print("\n".join(table(times, files)))
    first = times["estimator-fix migrate"].seconds
    ruff = times["ruff check --select E,F"].seconds
    noop_seconds = libcst_seconds(times)
    cached = times["estimator-fix migrate (cached)"].seconds
    peak = max(
        times["estimator-fix migrate"].peak_rss, times["estimator-fix migrate (cached)"].peak_rss
    )
    print()
    print(
        f"migrate / ruff:               {first / ruff:6.2f}x  (target <= 2x: "
        f"{verdict(first <= 2 * ruff)})"
    )
    print(f"migrate (cached) / ruff:      {cached / ruff:6.2f}x")
    print(
        f"LibCST no-op / migrate:       {noop_seconds / first:6.2f}x  (target >= 5x: "
        f"{verdict(noop_seconds >= 5 * first)})"
    )
    print(
        f"first run / cached re-run:    {first / cached:6.2f}x  (target >= 10x: "
        f"{verdict(first >= 10 * cached)})"
    )
    print(
        f"migrate peak RSS:             {peak / 2**20:6.0f} MB (target < 500 MB: "
        f"{verdict(peak < 500 * 2**20)})"
    )
    shutil.rmtree(base)  # with --keep the tree is elsewhere and stays


if __name__ == "__main__":
    main()
