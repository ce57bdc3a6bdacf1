"""Notebooks, hostile and otherwise: every command reads them as ``migrate`` does (issue 11, item
7), and a rewrite changes no byte outside the changed cell's source whatever the JSON layout
(issue 13, item 12); a malformed notebook is one line, not an internal error (item 13).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from estimator_fix.cli import app
from estimator_fix.engine import Changed, Skipped
from estimator_fix.migration import MigrationOptions, run
from estimator_fix.notebooks import process_notebook
from tests.hostile import FAKE, ROOT, cli, git_apply, snapshot

DEMO = ROOT / "fixtures" / "demo_repo"
NOTEBOOK = "notebooks/price_bands.ipynb"

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

CODE = [
    "import tensorflow as tf\n",
    "%matplotlib inline\n",
    "\n",
    "def model_fn(features, labels, mode):\n",
    "    !echo {mode}\n",
    "    print(features)\n",
    "    return tf.estimator.EstimatorSpec(mode, predictions=features)",
]
FIXED_CODE = "".join(CODE).replace("    print(", "    tf.print(")


# -- the same findings and rewrite as migrate --------------------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The demo repository migrated into a copy: the reference for the other commands."""
    base = tmp_path_factory.mktemp("demo")
    result = run(MigrationOptions(repo=DEMO, mode="out", destination=base / "out", cache=False))
    return base / "out", result


def test_check_reports_what_migrate_finds(migrated: tuple[Path, Any]) -> None:
    _, result = migrated
    [record] = [r for r in result.files if r.path == NOTEBOOK]
    expected = {(f.code, f.cell, f.line, f.column) for f in record.findings}
    assert expected, "the demo notebook has findings"
    checked = cli("check", "--format", "json", str(DEMO / NOTEBOOK))
    assert checked.exit_code == 1, checked.stderr
    found = {(d["code"], d["cell"], d["line"], d["column"]) for d in json.loads(checked.stdout)}
    assert found == expected
    text = cli("check", str(DEMO / NOTEBOOK)).stdout.splitlines()
    assert text[0].startswith(f"{DEMO / NOTEBOOK}[cell 3]:3:5: EF101 ")
    assert "cell 6: a %%bash cell magic; left alone" in checked.stderr  # as migrate warns


def test_a_directory_check_reads_its_notebooks(migrated: tuple[Path, Any]) -> None:
    checked = cli("check", "--format", "json", str(DEMO / "notebooks"))
    assert checked.exit_code == 1
    assert {d["path"] for d in json.loads(checked.stdout)} == {str(DEMO / NOTEBOOK)}
    assert "no findings" not in checked.stderr


def test_diff_and_fix_give_the_rewrite_migrate_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated: tuple[Path, Any]
) -> None:
    out, _ = migrated
    expected = (out / NOTEBOOK).read_bytes()
    shutil.copy(DEMO / NOTEBOOK, tmp_path / "nb.ipynb")
    monkeypatch.chdir(tmp_path)
    diffed = cli("diff", "nb.ipynb")
    assert diffed.exit_code == 1, diffed.stderr
    assert b"-    \"    loss = " in diffed.stdout_bytes
    applied = tmp_path / "applied"
    applied.mkdir()
    shutil.copy(DEMO / NOTEBOOK, applied / "nb.ipynb")
    assert git_apply(applied, diffed.stdout_bytes).returncode == 0
    assert (applied / "nb.ipynb").read_bytes() == expected
    fixed = cli("fix", "nb.ipynb")
    assert fixed.exit_code == 0, fixed.stderr
    assert (tmp_path / "nb.ipynb").read_bytes() == expected
    again = cli("fix", "nb.ipynb")
    assert (again.exit_code, (tmp_path / "nb.ipynb").read_bytes()) == (0, expected)


def test_fix_interactive_asks_once_per_notebook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated: tuple[Path, Any]
) -> None:
    out, _ = migrated
    shutil.copy(DEMO / NOTEBOOK, tmp_path / "nb.ipynb")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["fix", "-i", "nb.ipynb"], input="a\n")
    assert result.exit_code == 0, result.stderr
    assert "Apply this change (1/1)? [a]pply / [s]kip / apply [A]ll in file / [q]uit: a\n" in (
        result.stderr
    )
    assert (tmp_path / "nb.ipynb").read_bytes() == (out / NOTEBOOK).read_bytes()


def test_add_noqa_leaves_notebooks_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(DEMO / NOTEBOOK, tmp_path / "nb.ipynb")
    monkeypatch.chdir(tmp_path)
    result = cli("check", "--add-noqa", "nb.ipynb")
    assert "nb.ipynb: warning: no noqa comments added (not written into notebooks)" in result.stderr
    assert (tmp_path / "nb.ipynb").read_bytes() == (DEMO / NOTEBOOK).read_bytes()


# -- any JSON layout: bytes outside the changed cell stay -------------------------------------

PLACEHOLDER = '"@@SOURCE@@"'


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, int, int]:
    """A notebook's JSON text in a drawn layout, and the span of the code cell's source in it."""
    indent = draw(st.sampled_from([None, 0, 1, 2, 4, "\t"]))
    sort_keys = draw(st.booleans())
    ascii_only = draw(st.booleans())
    as_list = draw(st.booleans())
    metadata: dict[str, Any] = {"kernelspec": {"name": "python3", "display_name": "Pythön 3"}}
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Tïtle\n", "http://x/y"]},
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {"scale": "@@NUMBER@@", "url": "@@URL@@"},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["0.5\n"]}],
            "source": "@@SOURCE@@",
        },
    ]
    body = {"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(body, indent=indent, sort_keys=sort_keys, ensure_ascii=ascii_only)
    number = draw(st.sampled_from(["1.0E-5", "1e400", "-0.0", "10", "2.50"]))
    text = text.replace('"@@NUMBER@@"', number)
    url = draw(st.sampled_from(['"http:\\/\\/example.com\\/a"', '"http://example.com/a"']))
    text = text.replace('"@@URL@@"', url)
    if draw(st.booleans()):  # a duplicate key: every reader keeps the last
        text = text.replace('"execution_count": 1', '"execution_count": 7, "execution_count": 1')
    source = CODE if as_list else "".join(CODE)
    rendered = json.dumps(source, ensure_ascii=ascii_only)
    if as_list and indent is not None and draw(st.booleans()):
        rendered = json.dumps(source, indent=indent, ensure_ascii=ascii_only)
    start = text.index(PLACEHOLDER)
    text = text[:start] + rendered + text[start + len(PLACEHOLDER) :]
    end = start + len(rendered)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
        start += text[:start].count("\r")
        end = start + len(rendered.replace("\n", "\r\n"))
    if draw(st.booleans()):
        text += "\n"
    return text, start, end


@EXAMPLES
@given(layouts(), st.booleans())
def test_bytes_outside_the_changed_cell_are_kept(layout: tuple[str, int, int], bom: bool) -> None:
    text, start, end = layout
    prefix = b"\xef\xbb\xbf" if bom else b""
    data = prefix + text.encode("utf-8")
    start, end = len(prefix + text[:start].encode()), len(prefix + text[:end].encode())
    result = process_notebook("nb.ipynb", data, FAKE)
    assert isinstance(result, Changed), result
    fixed = result.fixed
    assert fixed[:start] == data[:start]
    tail = data[end:]
    assert fixed.endswith(tail)
    cell = json.loads(fixed.decode("utf-8-sig"))["cells"][1]
    source = cell["source"]
    assert ("".join(source) if isinstance(source, list) else source) == FIXED_CODE
    again = process_notebook("nb.ipynb", fixed, FAKE)
    assert not isinstance(again, Changed)  # a second run changes nothing


def test_a_list_source_keeps_the_json_of_its_unchanged_lines() -> None:
    source = ["import tensorflow as tf\n", "x = 'caf\\u00e9'\n", *CODE[3:]]
    cell = '{"cell_type": "code", "metadata": {}, "outputs": [], "source": ['
    cell += ",\n    ".join(json.dumps(line) for line in source) + "]}"
    text = '{"cells": [' + cell + '], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    text = text.replace("caf\\\\u00e9", "caf\\u00e9")
    result = process_notebook("nb.ipynb", text.encode(), FAKE)
    assert isinstance(result, Changed)
    assert b'"x = \'caf\\u00e9\'\\n",\n    ' in result.fixed  # escaped as it was
    assert b'"    tf.print(features)\\n",\n    ' in result.fixed


# -- malformed notebooks are the user's, not an internal error --------------------------------


MALFORMED = {
    "cell-not-object": (
        {"cells": [["not", "a cell"]], "nbformat": 4, "nbformat_minor": 5},
        "malformed notebook: cell 1 is not a JSON object",
    ),
    "source-number": (
        {"cells": [{"cell_type": "code", "source": 42}], "nbformat": 4, "nbformat_minor": 5},
        "malformed notebook: the source of cell 1 is neither text nor a list of lines",
    ),
    "cells-not-list": (
        {"cells": {}, "nbformat": 4, "nbformat_minor": 5},
        "malformed notebook: its cells are not a list",
    ),
    "not-an-object": (["model_fn"], "not a readable notebook"),
}


@pytest.mark.parametrize(("content", "reason"), MALFORMED.values(), ids=MALFORMED)
def test_a_malformed_notebook_is_one_line(tmp_path: Path, content: Any, reason: str) -> None:
    if isinstance(content, dict):
        content = {**content, "metadata": {"model_fn": 1}}  # past the prefilter
    data = json.dumps(content).encode()
    result = process_notebook("nb.ipynb", data, FAKE)
    assert isinstance(result, Skipped)
    assert result.reason.startswith(reason), result.reason
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "nb.ipynb").write_bytes(data)
    migrated = run(MigrationOptions(repo=repo, mode="in-place", jobs=1, settings=FAKE))
    [record] = migrated.files
    assert (record.status, record.reason) == ("skipped", result.reason)
    checked = cli("check", str(repo / "nb.ipynb"))
    assert checked.exit_code == 2
    assert checked.stderr.splitlines() == [f"{repo / 'nb.ipynb'}: error: {result.reason}"]
    assert snapshot(repo, lambda rel: not rel.startswith(".")) == {"nb.ipynb": data}
