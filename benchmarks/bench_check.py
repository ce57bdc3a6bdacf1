"""Benchmark ``estimator-fix check`` against its peers on one generated tree.

Side by side, on the same tree (default 2,000 files of ~300 lines, 5% with model_fns):
``estimator-fix check``, ``python -m libcst.tool codemod`` running a no-op codemod (the cost of
parsing every file with LibCST, which the prefilter avoids), ``ruff check --select E,F`` and
``grep -rl EstimatorSpec``. Prints wall time, files/s and lines/s of each, and the ratios.
Run by hand; it is not part of the test suite.

    .venv/bin/python benchmarks/bench_check.py [--files 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_tree import generate  # noqa: E402

BIN = Path(sys.executable).parent

_NOOP = """
from libcst.codemod import VisitorBasedCodemodCommand


class NoopCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Parse every file and change nothing."
"""


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-check-"))
    tree = args.keep or base / "tree"
    stats = generate(tree, args.files, 0.05, 0, 300, 0)
    noop = noop_codemod_dir(base)
    env_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{env_path}"
    runs = {
        "estimator-fix check": [str(BIN / "estimator-fix"), "check", "--quiet", str(tree)],
        "libcst no-op codemod": [
            sys.executable,
            "-m",
            "libcst.tool",
            "codemod",
            "--no-format",
            "noop.NoopCommand",
            str(tree),
        ],
        "ruff check --select E,F": [
            shutil.which("ruff") or str(BIN / "ruff"),
            "check",
            "--no-cache",
            "--select",
            "E,F",
            "--exit-zero",
            str(tree),
        ],
        "grep -rl EstimatorSpec": ["grep", "-rl", "EstimatorSpec", str(tree)],
    }
    print(
        f"tree: {stats['files']} files, {stats['lines']} lines, "
        f"{stats['model_fn_files']} with model_fns; {os.cpu_count()} cores"
    )
    times = {}
    for name, command in runs.items():
        cwd = noop if "libcst" in name else base
        times[name] = timed(command, cwd)
    ours = times["estimator-fix check"]
    print(f"{'tool':<26}{'wall s':>9}{'files/s':>10}{'lines/s':>11}{'vs check':>10}")
    for name, seconds in times.items():
        print(
            f"{name:<26}{seconds:>9.2f}{stats['files'] / seconds:>10.0f}"
            f"{stats['lines'] / seconds:>11.0f}{seconds / ours:>9.2f}x"
        )
    print(
        f"check is {times['libcst no-op codemod'] / ours:.1f}x faster than the LibCST no-op "
        f"codemod (target: >= 5x) and {ours / times['ruff check --select E,F']:.1f}x ruff's time"
    )
    if args.keep is None:
        shutil.rmtree(base)


if __name__ == "__main__":
    main()
