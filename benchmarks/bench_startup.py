"""The pre-commit case: ``estimator-fix check one_file.py`` from a cold process, beside its floors.

A hook runs the tool once per commit on a few files, so what a user waits for is the process:
interpreter start, imports, one file. This prints the wall and CPU time (best and median of
``--repeat`` runs) of ``estimator-fix check FILE`` and of what it cannot go below — Python
starting, ``import libcst`` (the parser every codemod needs), ``import typer`` with the part of
it a command's options load (typer 0.25 and later load pydantic there) — and of the peer, ``ruff
check`` on the same file (``--peer``, default: the ``ruff`` next to this interpreter or on PATH).
It also lists the heavy packages the run loaded and must not (``libcst.codemod``, TensorFlow,
validation). Run by hand, on an idle machine:

    .venv/bin/python benchmarks/bench_startup.py [FILE] [--repeat 15] [--peer PATH]

FILE defaults to the demo's ``fixtures/demo_repo/trainer/model.py`` (a model_fn with three
findings).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo_repo" / "trainer" / "model.py"
PYTHON = sys.executable
#: Loaded by check only if something is wrong with the lazy imports.
HEAVY = ("libcst.codemod", "libcst.matchers", "tensorflow", "estimator_fix.validation.api")
_LOADED = (
    "import sys\nfrom estimator_fix.cli import main\n"
    "sys.argv = ['estimator-fix', 'check', {file!r}]\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('loaded:', *sorted(m for m in sys.modules if m.startswith({heavy!r})))"
)


def _times(command: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (user + system of the child) seconds of each run."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return walls, cpus


def _row(label: str, command: list[str], repeat: int) -> None:
    walls, cpus = _times(command, repeat)
    print(
        f"{label:<44} wall best {min(walls):.3f} s, median {statistics.median(walls):.3f} s; "
        f"cpu median {statistics.median(cpus):.3f} s"
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEMO)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--peer", help="the ruff executable to compare with")
    args = parser.parse_args()
    file = str(args.file.resolve())
    script = shutil.which("estimator-fix", path=str(Path(PYTHON).parent)) or "estimator-fix"
    print(
        f"{file}: Python {sys.version.split()[0]}, libcst {_version('libcst')}, "
        f"typer {_version('typer')} (pydantic {_version('pydantic')}), {args.repeat} runs each\n"
    )
    _row("python -c pass", [PYTHON, "-c", "pass"], args.repeat)
    _row("python -c 'import libcst'", [PYTHON, "-c", "import libcst"], args.repeat)
    typer_options = (
        "import typer\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def run(path: str, flag: bool = False) -> None: pass\n"
        "app(['x'], standalone_mode=False)"
    )
    _row("typer, one command with two options", [PYTHON, "-c", typer_options], args.repeat)
    _row("estimator-fix check FILE", [script, "check", file], args.repeat)
    peer = args.peer or shutil.which("ruff", path=str(Path(PYTHON).parent)) or shutil.which("ruff")
    if peer:
        _row("peer: ruff check --no-cache FILE", [peer, "check", "--no-cache", file], args.repeat)
    else:
        print("peer: ruff not found (--peer PATH)")
    loaded = subprocess.run(
        [PYTHON, "-c", _LOADED.format(file=file, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    lines = [line.split()[1:] for line in loaded.splitlines() if line.startswith("loaded:")]
    names = lines[0] if lines else ["(the check did not run)"]
    print(f"\nheavy modules check loaded: {' '.join(names) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
