"""Every codemod through LibCST's own CLI gives what ``estimator-fix fix`` gives.

``python -m libcst.tool codemod mode_scoping.ModeScopingCommand PATH`` (run from the project root,
where ``.libcst.codemod.yaml`` lists the ``codemods`` package) on copies of the fixture pairs,
compared byte for byte with ``estimator-fix fix --select <that codemod's codes>`` on other copies;
and the codemods chained through LibCST's CLI against ``estimator-fix fix`` with every rule.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from codemods.command import LibCSTCommand
from codemods.registry import all_codemods, libcst_commands
from estimator_fix.cli import app
from tests.pairs import PAIRS, ROOT, Pair

CODEMODS = libcst_commands()
PER_CODEMOD = 5


def _pairs_for(command: type[LibCSTCommand]) -> list[Pair]:
    """Safe-fix pairs whose findings are all this codemod's; the text-hygiene ones first."""
    own = [
        pair
        for pair in PAIRS
        if pair.fixed
        and not pair.unsafe
        and pair.findings
        and all(code.split(":")[0] in command.RULE_CODES for code in pair.findings)
    ]
    own.sort(key=lambda pair: (not pair.name.startswith("text_"), pair.name))
    return own[:PER_CODEMOD]


def _copy(pairs: list[Pair], directory: Path) -> None:
    directory.mkdir(parents=True)
    for pair in pairs:
        shutil.copyfile(pair.before, directory / f"{pair.name}.py")


def _libcst_codemod(command: type[LibCSTCommand], directory: Path) -> None:
    module = command.__module__.split(".", 1)[1]  # relative to the `codemods` package in the yaml
    done = subprocess.run(
        [sys.executable, "-m", "libcst.tool", "codemod", f"{module}.{command.__name__}",
         str(directory)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Failed to codemod 0 files" in done.stderr, done.stderr


def _estimator_fix(directory: Path, *args: str) -> None:
    result = CliRunner().invoke(app, ["fix", *args, str(directory)], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr  # 1: findings left that have no fix


def _files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_every_codemod_has_its_libcst_command() -> None:
    assert [command.CODEMOD for command in CODEMODS] == all_codemods()
    assert all(command.RULE_CODES == command.CODEMOD.RULE_CODES for command in CODEMODS)


def test_the_yaml_lets_libcst_find_the_codemods() -> None:
    config = yaml.safe_load((ROOT / ".libcst.codemod.yaml").read_text())
    assert config["modules"] == ["codemods"]
    # The formatter runs on every changed file: it must hand the code back as it is.
    done = subprocess.run(config["formatter"], input=b"x = 1\r\n", capture_output=True, check=True)
    assert done.stdout == b"x = 1\r\n"


@pytest.mark.slow
@pytest.mark.parametrize("command", CODEMODS, ids=[c.__name__ for c in CODEMODS])
def test_each_codemod_through_libcst_cli_matches_estimator_fix(
    command: type[LibCSTCommand], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairs = _pairs_for(command)
    assert pairs, f"no fixture pair exercises {command.__name__} alone"
    _copy(pairs, tmp_path / "libcst")
    _copy(pairs, tmp_path / "estimator-fix")
    monkeypatch.chdir(tmp_path)  # no project configuration applies to the copies
    _libcst_codemod(command, tmp_path / "libcst")
    _estimator_fix(tmp_path / "estimator-fix", "--select", ",".join(command.RULE_CODES))
    by_libcst, by_us = _files(tmp_path / "libcst"), _files(tmp_path / "estimator-fix")
    assert by_libcst == by_us
    changed = [pair.name for pair in pairs if by_us[f"{pair.name}.py"] != pair.before.read_bytes()]
    assert changed, "nothing was rewritten: the comparison proves nothing"


@pytest.mark.slow
def test_the_codemods_chained_through_libcst_cli_match_estimator_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    families = {code[:3] for command in CODEMODS for code in command.RULE_CODES}
    mixed = [
        pair
        for pair in PAIRS
        if pair.fixed
        and not pair.unsafe
        and len({code[:3] for code in pair.findings} & families) > 1
    ]
    assert mixed, "no fixture pair has findings of more than one codemod"
    _copy(mixed, tmp_path / "libcst")
    _copy(mixed, tmp_path / "estimator-fix")
    monkeypatch.chdir(tmp_path)
    for command in CODEMODS:  # the order estimator-fix applies them in
        _libcst_codemod(command, tmp_path / "libcst")
    _estimator_fix(tmp_path / "estimator-fix")
    assert _files(tmp_path / "libcst") == _files(tmp_path / "estimator-fix")
    assert _files(tmp_path / "estimator-fix") == {
        f"{pair.name}.py": pair.after.read_bytes() for pair in mixed
    }
