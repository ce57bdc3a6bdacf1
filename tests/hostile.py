"""What the hostile-input tests share: a model_fn with one safe fix, the command line, git, and a
way to run a command the way an ordinary user would (without root's right to read anything).

``SOURCE`` has one EF901 finding of the test codemods (``print`` → ``tf.print``), which are quick;
``BEFORE``/``AFTER`` are a real EF101 pair for the tests that go through the real command line.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from estimator_fix.cli import app
from estimator_fix.engine import Settings
from tests.fake_codemods import FakeCodemod
from tests.pairs import PAIRS_DIR

ROOT = Path(__file__).resolve().parent.parent
PAIR = PAIRS_DIR / "ef101_loss_before_predict"
BEFORE = (PAIR / "before.py").read_bytes()
AFTER = (PAIR / "after.py").read_bytes()

#: A model_fn the test codemods fix on one line (``print`` → ``tf.print``).
SOURCE = b"import tensorflow as tf\n\n\ndef model_fn(features, labels, mode):\n"
SOURCE += b"    print(features)\n"
SOURCE += b"    return tf.estimator.EstimatorSpec(mode, predictions=features)\n"
FIXED = SOURCE.replace(b"    print(", b"    tf.print(")
FAKE = Settings(codemods=(FakeCodemod,))


def cli(*args: str, env: Mapping[str, str] | None = None) -> Result:
    """The command line in this process (what a user types, minus the process)."""
    return CliRunner().invoke(app, list(args), env=dict(env or {}), catch_exceptions=False)


def console(
    args: Sequence[str | bytes],
    cwd: Path,
    *,
    unprivileged: bool = False,
    timeout: float = 120,
) -> subprocess.CompletedProcess[bytes]:
    """``estimator-fix ARGS`` in its own process (bytes arguments for names that are not UTF-8);
    ``unprivileged``: without root's power to read and write whatever it likes."""
    command = [sys.executable, "-c", "from estimator_fix.cli import main; main()", *args]
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        check=False,
        preexec_fn=drop_file_access if unprivileged else None,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)},
    )


#: Linux capabilities that let root read, search and write any file whatever its mode.
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2
_PR_CAPBSET_DROP = 24


def drop_file_access() -> None:
    """In a child process about to run a command: as root, give up root's power to read and
    write any file whatever its mode (so that a mode of 0 bites); otherwise nothing."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop root's file-access capabilities")


def need_permissions() -> None:
    """Skip when file modes cannot be made to bite (root that cannot drop its capabilities)."""
    if os.geteuid() != 0:
        return
    try:
        subprocess.run(["true"], preexec_fn=drop_file_access, check=True)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("running as root without the right to drop root's file-access capabilities")


def git(repo: Path, *args: str | bytes, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(
        ["git", "-C", os.fspath(repo), *args], capture_output=True, env=env, check=check
    )


def git_apply(directory: Path, patch: bytes) -> subprocess.CompletedProcess[bytes]:
    """``git apply`` of ``patch`` in ``directory`` (which need not be a repository)."""
    return subprocess.run(
        ["git", "apply", "--verbose", "-"],
        cwd=directory,
        input=patch,
        capture_output=True,
        check=False,
    )


def write_tree(root: Path, files: Mapping[str | bytes, bytes]) -> Path:
    """Write ``files`` (names as str or as the file system's bytes) under ``root``."""
    for rel, data in files.items():
        path = os.path.join(os.fsencode(root), os.fsencode(rel))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return root


def snapshot(root: Path, keep: Callable[[str], bool] = lambda rel: True) -> dict[str, bytes]:
    """Every regular file under ``root`` (``.git`` left out): relative path → bytes."""
    files: dict[str, bytes] = {}
    for current, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            path = os.path.join(current, name)
            rel = os.path.relpath(path, root)
            if os.path.isfile(path) and not os.path.islink(path) and keep(rel):
                with open(path, "rb") as handle:
                    files[rel] = handle.read()
    return files
