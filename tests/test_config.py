"""``[tool.estimator-fix]``: discovery, validation, and CLI overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from estimator_fix.config import Config, ConfigError, discover_config, find_pyproject, load_config

FULL = """
[tool.estimator-fix]
select = ["EF1", "ef201"]
ignore = "EF105"
exclude = ["fixtures/**/bad_*.py"]
unsafe-fixes = true
model-fn-names = ["build_head"]

[tool.estimator-fix.per-file-ignores]
"tests/*.py" = ["EF1"]

[tool.estimator-fix.validate]
steps = 5
input-fn = "data:input_fn"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_all_keys(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", FULL)
    config = load_config(pyproject)
    assert config.path == pyproject
    assert config.root == tmp_path
    assert config.select == frozenset({"EF1", "EF201"})
    assert config.ignore == frozenset({"EF105"})
    assert config.exclude == ("fixtures/**/bad_*.py",)
    assert config.unsafe_fixes is True
    assert config.per_file_ignores == (("tests/*.py", frozenset({"EF1"})),)
    assert config.model_fn_names == ("build_head",)
    assert config.validate == {"steps": 5, "input-fn": "data:input_fn"}
    settings = config.settings()
    assert settings.select == frozenset({"EF1", "EF201"})
    assert settings.unsafe_fixes is True
    assert settings.root == str(tmp_path)
    assert settings.ignored_for(str(tmp_path / "tests" / "t.py")) == frozenset({"EF105", "EF1"})


def test_nearest_pyproject_with_the_table_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.estimator-fix]\nselect = ['EF2']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")  # no table: skipped
    source = write(tmp_path / "pkg" / "src" / "m.py", "")
    assert find_pyproject(source) == tmp_path / "pyproject.toml"
    assert discover_config([source]).select == frozenset({"EF2"})
    # A path that does not exist yet still finds the configuration around it.
    assert discover_config([tmp_path / "pkg" / "nope.py"]).select == frozenset({"EF2"})


def test_no_configuration(tmp_path: Path) -> None:
    config = discover_config([tmp_path])
    assert config.path is None
    assert config == Config(root=config.root)


def test_explicit_config_file(tmp_path: Path) -> None:
    other = write(tmp_path / "ci.toml", "[tool.estimator-fix]\nignore = ['EF2']\n")
    assert discover_config([tmp_path], explicit=other).ignore == frozenset({"EF2"})


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[tool.estimator-fix]\nselct = ['EF1']\n", "unknown key 'selct'"),
        ("[tool.estimator-fix]\nselect = ['XY1']\n", "unknown rule selector 'XY1'"),
        ("[tool.estimator-fix]\nselect = 3\n", "select must be a list of strings"),
        ("[tool.estimator-fix]\nunsafe-fixes = 'yes'\n", "unsafe-fixes must be true or false"),
        ("[tool.estimator-fix]\nper-file-ignores = ['x']\n", "per-file-ignores must be a table"),
        ("[tool.estimator-fix]\nvalidate = 1\n", "validate must be a table"),
        ("[tool.estimator-fix\nselect = 1\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_one_line_naming_the_file(
    tmp_path: Path, text: str, reason: str
) -> None:
    pyproject = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError) as info:
        discover_config([tmp_path])
    message = str(info.value)
    assert message.startswith(f"{pyproject}: ")
    assert reason in message
    assert "\n" not in message


def test_flags_override_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "pyproject.toml", FULL)).with_overrides(
        select=["EF101,EF102", "ef2"], ignore=[], exclude=["x"], unsafe_fixes=False
    )
    assert config.select == frozenset({"EF101", "EF102", "EF2"})
    assert config.ignore == frozenset()
    assert config.exclude == ("x",)
    assert config.unsafe_fixes is False
    unchanged = load_config(tmp_path / "pyproject.toml").with_overrides()
    assert unchanged == load_config(tmp_path / "pyproject.toml")


def test_bad_flag_selector() -> None:
    with pytest.raises(ConfigError, match="--select: unknown rule selector 'E501'"):
        Config().with_overrides(select=["E501"])


HEAD = """\
import tensorflow as tf
from heads import make_spec


def build_head(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - logits))
    if mode == "infer":
        return make_spec(mode, predictions=logits)
    return make_spec(mode, loss=loss)
"""


def test_model_fn_names_make_a_function_a_model_fn(tmp_path: Path) -> None:
    """Nothing in the file says ``build_head`` is a model_fn (its spec comes from a helper and it
    is passed on elsewhere): ``model-fn-names`` does."""
    from estimator_fix.engine import process_source

    source = write(tmp_path / "heads_model.py", HEAD)
    plain = discover_config([source]).settings()
    assert not process_source(str(source), HEAD.encode(), plain).findings  # type: ignore[union-attr]
    write(tmp_path / "pyproject.toml", '[tool.estimator-fix]\nmodel-fn-names = ["build_head"]\n')
    named = discover_config([source]).settings()
    assert named.model_fn_names == frozenset({"build_head"})
    result = process_source(str(source), HEAD.encode(), named)
    assert [(f.code, f.line) for f in result.findings] == [("EF101", 7)]  # type: ignore[union-attr]
