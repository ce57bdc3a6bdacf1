"""``check --format sarif`` (validated against the SARIF 2.1.0 schema) and ``--format github``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from typer.testing import CliRunner, Result

from codemods.findings import Finding
from estimator_fix import engine
from estimator_fix.cli import app
from estimator_fix.reporting import github_annotation, github_error
from estimator_fix.sarif import SCHEMA_URI, artifact_location
from tests.fake_codemods import FakeCodemod
from tests.pairs import PAIRS_DIR

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0.json").read_text("utf-8"))

MODEL = b"""import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    print(features)
    x = np.mean(features)
    y = features.numpy()
    return tf.estimator.EstimatorSpec(mode, predictions=x)
"""
UNDECODABLE = b"# model_fn\nx = '\xff'\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(engine, "all_codemods", lambda: [FakeCodemod])


@pytest.fixture(autouse=True)
def _in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def make(name: str, data: bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def sarif(*args: str) -> tuple[Result, dict[str, Any]]:
    result = run("check", "--format", "sarif", *args)
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return result, log


# -- SARIF -------------------------------------------------------------------------------------


def test_the_shipped_schema_is_sarif_2_1_0() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert SCHEMA["properties"]["version"]["enum"] == ["2.1.0"]
    assert {"version", "runs"} <= set(SCHEMA["required"])
    # The validator really rejects what SARIF forbids.
    validator = jsonschema.Draft4Validator(SCHEMA)
    assert not validator.is_valid({"version": "2.1.0", "runs": [{"tool": {}}]})
    assert not validator.is_valid({"version": "2.0.0", "runs": []})


@pytest.mark.usefixtures("fake")
def test_sarif_log_of_findings_and_a_bad_file() -> None:
    make("pkg/m.py", MODEL)
    make("pkg/bad.py", UNDECODABLE)
    result, log = sarif("pkg")
    assert result.exit_code == 1
    assert log["version"] == "2.1.0"
    assert log["$schema"] == SCHEMA_URI
    [run_] = log["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert run_["tool"]["driver"]["name"] == "estimator-fix"
    results = run_["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("EF901", "error"),
        ("EF902", "error"),
        ("EF903", "error"),
    ]
    first = results[0]
    assert rules[first["ruleIndex"]]["id"] == "EF901"
    assert first["message"]["text"] == "print() runs once at graph build (fixable)"
    [location] = first["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/m.py", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 6, "startColumn": 5},
    }
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == Path.cwd().as_uri() + "/"
    assert run_["columnKind"] == "unicodeCodePoints"
    [invocation] = run_["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["message"]["text"].startswith("cannot decode as utf-8")
    uri = notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "pkg/bad.py"
    assert "pkg/bad.py: error: cannot decode" in result.stderr


@pytest.mark.usefixtures("fake")
def test_sarif_log_of_a_clean_run_is_valid_and_empty() -> None:
    make("clean.py", b"def model_fn(features):\n    return features\n")
    result, log = sarif("clean.py")
    assert result.exit_code == 0
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_sarif_with_the_real_rules() -> None:
    make("model.py", (PAIRS_DIR / "ef101_loss_before_predict" / "before.py").read_bytes())
    result, log = sarif("model.py")
    assert result.exit_code == 1
    driver = log["runs"][0]["tool"]["driver"]
    [finding] = log["runs"][0]["results"]
    rule = driver["rules"][finding["ruleIndex"]]
    assert rule["id"] == finding["ruleId"] == "EF101"
    assert rule["shortDescription"]["text"] == "labels used where PREDICT also runs"
    assert "```python" in rule["help"]["markdown"]
    assert {f"EF10{n}" for n in range(1, 7)} | {f"EF20{n}" for n in range(1, 7)} <= {
        r["id"] for r in driver["rules"]
    }


def test_artifact_locations(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    assert artifact_location(str(root / "my dir" / "m.py"), root) == {
        "uri": "my%20dir/m.py",
        "uriBaseId": "%SRCROOT%",
    }
    outside = artifact_location(str(tmp_path / "elsewhere.py"), root)
    assert outside == {"uri": (tmp_path / "elsewhere.py").as_uri()}
    assert urlsplit(outside["uri"]).scheme == "file"
    assert Path.cwd() == tmp_path
    assert artifact_location("repo/m.py", root)["uri"] == "m.py"


# -- GitHub workflow annotations ---------------------------------------------------------------


@pytest.mark.usefixtures("fake")
def test_github_annotations() -> None:
    make("m.py", MODEL)
    make("bad.py", UNDECODABLE)
    result = run("check", "--format", "github", "m.py", "bad.py")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=bad.py,title=estimator-fix::bad.py: error: cannot decode as utf-8: invalid "
        "start byte (byte 0xff at line 2, column 6)",
        "::error file=m.py,line=6,col=5,title=estimator-fix (EF901)::EF901 print() runs once at "
        "graph build (fixable)",
        "::error file=m.py,line=7,col=9,title=estimator-fix (EF902)::EF902 NumPy call on a tensor "
        "(unsafe fix)",
        "::error file=m.py,line=8,col=9,title=estimator-fix (EF903)::EF903 .numpy() in a model_fn "
        "(manual)",
    ]


def test_github_annotation_escaping() -> None:
    finding = Finding("EF101", "100% wrong:\nreally", 3, 1, "none", "model_fn")
    assert github_annotation("a,b:c.py", finding) == (
        "::error file=a%2Cb%3Ac.py,line=3,col=1,title=estimator-fix (EF101)::"
        "EF101 100%25 wrong:%0Areally (manual)\n"
    )
    assert github_error("x.py", "line one\r\nline two") == (
        "::error file=x.py,title=estimator-fix::x.py: error: line one%0D%0Aline two\n"
    )
