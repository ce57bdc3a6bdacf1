"""Which Python runs a validation: one interpreter per TensorFlow generation, configured or found.

Code that uses TensorFlow 1.x-only API (``generation.first_tf1_use``) runs under a TensorFlow 1.x
interpreter: ``--python-tf1``, ``python-tf1`` in ``[tool.estimator-fix.validate]``, the
``ESTIMATOR_FIX_PYTHON_TF1`` environment variable, ``--python``/``python`` when its TensorFlow is
1.x, else one found (a ``.venv-tf1`` in the project, the working directory or estimator-fix's own
checkout, ``make venv-tf1`` builds one; then ``python3.7``/``python3.6`` on PATH). Other code runs
under ``--python``/``python``, else this interpreter. Each generation's interpreter is the
other's fallback: when the code turns out to need the other one (an AttributeError on
``tensorflow``), the validation runs again there.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ENV_TF1 = "ESTIMATOR_FIX_PYTHON_TF1"
#: The directory ``make venv-tf1`` creates, looked for in the project and estimator-fix's checkout.
TF1_VENV = ".venv-tf1"
_DISTRIBUTIONS = ("tensorflow", "tensorflow_cpu", "tensorflow_gpu", "tensorflow_intel")

TF1_RECIPE = (
    "make one with `make venv-tf1` in estimator-fix's checkout, or by hand: "
    f"python3.7 -m venv {TF1_VENV} && {TF1_VENV}/bin/pip install tensorflow==1.15.5 "
    f"'protobuf<3.21'; then pass --python-tf1 {TF1_VENV}/bin/python (validate) or set "
    f'python-tf1 = "{TF1_VENV}/bin/python" in [tool.estimator-fix.validate] (pyproject.toml), '
    f"or the environment variable {ENV_TF1}"
)

# Run by the candidate interpreter (any Python 3): the installed TensorFlow's version, read off
# its distribution's metadata directory without importing it (importing takes seconds).
_PROBE = f"""
import os, sys
names = {_DISTRIBUTIONS!r}
for entry in sys.path:
    try:
        listing = os.listdir(entry or os.curdir)
    except OSError:
        continue
    for item in listing:
        stem, dot, kind = item.rpartition(".")
        name, dash, version = stem.partition("-")
        if kind in ("dist-info", "egg-info") and name.lower() in names and version:
            print(version.split("-")[0])
            sys.exit(0)
sys.exit(3)
"""


@functools.cache
def tensorflow_version(python: str) -> str | None:
    """The version of TensorFlow installed for ``python``, or None (none, or no such program)."""
    try:
        completed = subprocess.run(
            [python, "-c", _PROBE], capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = completed.stdout.strip()
    return version if completed.returncode == 0 and version else None


def is_tf1(python: str) -> bool:
    version = tensorflow_version(python)
    return version is not None and version.startswith("1.")


def _checkout() -> Path:
    """estimator-fix's own source tree (where ``make venv-tf1`` puts its interpreter)."""
    return Path(__file__).resolve().parents[2]


def _venv_python(directory: Path) -> Path:
    bin_dir = "Scripts" if sys.platform == "win32" else "bin"
    return directory / TF1_VENV / bin_dir / ("python.exe" if sys.platform == "win32" else "python")


def _found_tf1(roots: Iterable[Path]) -> Iterable[str]:
    for root in (*roots, Path.cwd(), _checkout()):
        candidate = _venv_python(root)
        if candidate.is_file():
            yield os.fspath(candidate)
    for name in ("python3.7", "python3.6"):
        found = shutil.which(name)
        if found:
            yield found


@dataclass(frozen=True)
class Interpreters:
    """The interpreter a validation runs under first (None: this one), the other generation's
    (tried when the code turns out to need it; None: there is none), and why the first."""

    primary: str | None
    fallback: str | None
    reason: str = ""


class NoTf1Interpreter(LookupError):
    """The code needs TensorFlow 1.x and no interpreter has it; ``str()`` says how to make one."""


def find_tf1(configured: Iterable[str | None], roots: Iterable[Path]) -> str | None:
    """The first TensorFlow 1.x interpreter among the configured ones, then those found."""
    given = [c for c in (*configured, os.environ.get(ENV_TF1)) if c]
    for python in (*given, *_found_tf1(roots)):
        if is_tf1(python):
            return python
    return None


def choose(
    needs_tf1: str | None,
    python: str | None,
    python_tf1: str | None,
    roots: Iterable[Path],
) -> Interpreters:
    """The interpreters for code that needs TensorFlow 1.x (``needs_tf1``: the use that says so)
    or not. ``python``/``python_tf1`` are the configured ones (option, else config)."""
    roots = tuple(roots)
    default = python
    if python is not None and is_tf1(python):
        default = None  # --python is a TF 1.x interpreter: it is the TF 1.x one
    tf1 = find_tf1((python_tf1, python if default is None else None), roots)
    if needs_tf1:
        if tf1 is None:
            raise NoTf1Interpreter(
                f"needs TensorFlow 1.x (uses {needs_tf1}) and no TensorFlow 1.x interpreter was "
                f"found: {TF1_RECIPE}"
            )
        return Interpreters(tf1, default or sys.executable, f"uses {needs_tf1}")
    if default is None and python is not None:
        return Interpreters(python, None)  # only a TF 1.x interpreter was given: use it
    return Interpreters(default, tf1)
