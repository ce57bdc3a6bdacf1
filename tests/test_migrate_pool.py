"""Bulk migration across processes: the local pool, a Dask cluster, a dying worker, Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator_fix.cli import app
from estimator_fix.engine import Changed, Settings, process_source
from estimator_fix.migration import MigrationOptions, MigrationResult, run
from estimator_fix.migration.executor import LocalPool
from estimator_fix.migration.report import to_json
from tests.test_migrate import DEMO, FAKE, MODEL, NB_MODEL, by_path, notebook, write

ROOT = Path(__file__).resolve().parent.parent


def tree(root: Path) -> Path:
    files: dict[str, str | bytes] = {f"pkg{i % 3}/model_{i}.py": MODEL for i in range(10)}
    files.update(
        {
            "clean.py": "def f():\n    return 1\n",
            "lookalike.py": "def model_fn(features, labels, mode):\n    return features\n",
            "py2.py": "def model_fn(x):\n    print 'x'\n",
            "crash.py": MODEL + "# CRASH\n",
            "nb.ipynb": notebook("%matplotlib inline\nimport tensorflow as tf", NB_MODEL),
        }
    )
    return write(root, files)


def comparable(result: MigrationResult) -> dict[str, object]:
    data = to_json(result)
    for record in data["files"]:
        record.pop("seconds")
    summary = data["summary"]
    for key in ("seconds", "executor"):
        summary.pop(key)
    return data


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, MigrationResult]:
    repo = tree(tmp_path_factory.mktemp("pool") / "repo")
    result = run(MigrationOptions(repo=repo, jobs=2, settings=FAKE, cache=False, chunk_size=2))
    return repo, result


def test_local_pool_results(local: tuple[Path, MigrationResult]) -> None:
    _, result = local
    records = by_path(result)
    assert result.executor == "2 local processes"
    assert result.fixed == 11  # ten models and the notebook
    assert records["crash.py"].reason == "internal error: Saboteur crashed: RuntimeError: sabotaged"
    assert records["py2.py"].status == "skipped"
    assert records["lookalike.py"].model_fns == 0 and not records["lookalike.py"].findings
    assert result.model_fns == 11 and result.analysed == 14 and result.prefiltered == 1


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=1, processes=False, threads_per_worker=2, dashboard_address=":0"
    ) as local_cluster:
        yield local_cluster.scheduler_address


def test_dask_cluster_gives_the_same_results(
    local: tuple[Path, MigrationResult], cluster: str
) -> None:
    from distributed import Client

    repo, expected = local
    with Client(cluster) as client:  # type: ignore[no-untyped-call]
        options = MigrationOptions(repo=repo, settings=FAKE, cache=False, chunk_size=3)
        result = run(options, executor=client.get_executor(pure=False))
    assert comparable(result) == comparable(expected)


def test_cli_scheduler_option(cluster: str, tmp_path: Path) -> None:
    repo = shutil.copytree(ROOT / "fixtures" / "demo_repo" / "trainer", tmp_path / "repo")
    result = CliRunner().invoke(
        app, ["migrate", str(repo), "--scheduler", cluster, "--in-place", "--no-cache"]
    )
    assert result.exit_code == 0, result.output
    assert "4 files scanned, 2 model_fns, 2 fixed, 0 need manual work, 0 errors" in result.stderr
    assert "if mode == tf.estimator.ModeKeys.TRAIN:" in (repo / "model.py").read_text()


def test_a_dying_worker_costs_only_its_file(tmp_path: Path) -> None:
    repo = write(tmp_path, {**{f"m{i}.py": MODEL for i in range(6)}, "die.py": MODEL + "# DIE\n"})
    result = run(MigrationOptions(repo=repo, jobs=2, settings=FAKE, cache=False, chunk_size=3))
    records = by_path(result)
    assert records["die.py"].status == "failed"
    assert records["die.py"].reason.startswith("the worker analysing it died (")
    assert {r.path for r in result.files if r.fixed} == {f"m{i}.py" for i in range(6)}


def test_pool_close_with_cancel_stops_the_workers() -> None:
    pool = LocalPool(2, Settings(), None)
    pool.submit([]).result(timeout=60)
    processes = list(pool._pool._processes.values())
    pool.close(cancel=True)
    assert all(not process.is_alive() for process in processes)


def test_ctrl_c_leaves_every_file_old_or_new(tmp_path: Path) -> None:
    original = (DEMO / "trainer" / "model.py").read_bytes()
    fixed = process_source("model.py", original, Settings())
    assert isinstance(fixed, Changed)
    repo = write(tmp_path / "repo", {f"pkg{i:02d}/model.py": original for i in range(40)})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # Ctrl-C's default handler, even when this test runs where SIGINT is ignored (a background job).
    main = (
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from estimator_fix.cli import main; main()"
    )
    command = [sys.executable, "-c", main, "migrate", str(repo), "--in-place"]
    process = subprocess.Popen(
        [*command, "--no-cache", "-j", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    files = sorted(repo.rglob("model.py"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if any(path.read_bytes() != original for path in files):
            break
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()
    contents = [path.read_bytes() for path in files]
    assert set(contents) <= {original, fixed.fixed}
    assert 0 < contents.count(fixed.fixed) < len(files)
    assert not [p for p in repo.rglob("*") if p.name.endswith(".tmp")]
    assert b"interrupted" in stderr


def test_interrupted_result_is_reported(tmp_path: Path) -> None:
    repo = write(tmp_path, {"a.py": MODEL})
    result = run(MigrationOptions(repo=repo, jobs=1, settings=FAKE))
    assert replace(result, interrupted=True).return_code == 130
