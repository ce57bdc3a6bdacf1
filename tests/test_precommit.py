"""The pre-commit hooks (``.pre-commit-hooks.yaml``), run by ``pre-commit try-repo``.

The hooks are ``language: system``: they run the ``estimator-fix`` on PATH, here the console
script of this environment. The hook repository is a git repository holding the project's hook
manifest; the user's repository has a model_fn to check and fix, and an excluded file that the
hooks must leave alone even though pre-commit names it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.pairs import PAIRS_DIR, ROOT

PAIR = PAIRS_DIR / "ef101_loss_before_predict"
BIN = os.path.dirname(sys.executable)


def test_the_manifest_declares_both_hooks() -> None:
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hooks = {hook["id"]: hook for hook in manifest}
    assert sorted(hooks) == ["estimator-fix-check", "estimator-fix-fix"]
    assert hooks["estimator-fix-check"]["entry"].split()[:2] == ["estimator-fix", "check"]
    assert hooks["estimator-fix-fix"]["entry"].split()[:2] == ["estimator-fix", "fix"]
    for hook in hooks.values():
        assert hook["language"] == "system"
        assert hook["types_or"] == ["python", "jupyter"]  # notebooks are read too


def _git(cwd: Path, *args: str, env: dict[str, str]) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_try_repo_checks_and_fixes(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=BIN)
    assert pre_commit is not None, "pre-commit is not installed (pip install -e '.[dev]')"
    assert shutil.which("estimator-fix", path=BIN) is not None
    env = {
        **os.environ,
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "NO_COLOR": "1",
    }
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(ROOT / ".pre-commit-hooks.yaml", hooks)
    _git(hooks, "init", "-q", env=env)
    _git(hooks, "add", ".pre-commit-hooks.yaml", env=env)
    _git(hooks, "commit", "-q", "-m", "hooks", env=env)

    project = tmp_path / "project"
    (project / "legacy").mkdir(parents=True)
    before = (PAIR / "before.py").read_bytes()
    (project / "model.py").write_bytes(before)
    (project / "legacy" / "old_model.py").write_bytes(before)
    (project / "pyproject.toml").write_text('[tool.estimator-fix]\nexclude = ["legacy"]\n')
    _git(project, "init", "-q", env=env)
    _git(project, "add", ".", env=env)

    def try_repo(hook: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [pre_commit, "try-repo", str(hooks), hook, "--all-files", "--color", "never"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    check = try_repo("estimator-fix-check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "estimator-fix check" in check.stdout and "Failed" in check.stdout
    assert "model.py:11:5: EF101 " in check.stdout
    assert "old_model.py" not in check.stdout  # excluded, although pre-commit names it

    fixed = try_repo("estimator-fix-fix")
    assert fixed.returncode == 1  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in fixed.stdout
    assert (project / "model.py").read_bytes() == (PAIR / "after.py").read_bytes()
    assert (project / "legacy" / "old_model.py").read_bytes() == before

    again = try_repo("estimator-fix-check")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout
