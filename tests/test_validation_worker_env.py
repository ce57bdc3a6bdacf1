"""The environment a validation worker runs in: reproducible settings, and nothing inherited
that changes what TensorFlow builds (TensorFlow 2 sets ``TF2_BEHAVIOR=1`` in the environment of
any process that imports it, which a TensorFlow 1.x worker would obey)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from estimator_fix.validation.interpreters import find_tf1
from estimator_fix.validation.runner import WORKER_ENV, worker_env

ROOT = Path(__file__).resolve().parent.parent

SWITCHES = (
    "TF2_BEHAVIOR",
    "TF_ENABLE_CONTROL_FLOW_V2",
    "TF_ENABLE_COND_V2",
    "TF_ENABLE_WHILE_V2",
    "TF_ENABLE_TENSOR_ARRAY_V2",
)


def test_the_worker_env_drops_what_switches_tensorflow_1_to_tensorflow_2_behaviour(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (*SWITCHES, "PYTHONPATH"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("ESTIMATOR_FIX_KEPT", "yes")
    env = worker_env()
    assert not set(SWITCHES) & set(env) and "PYTHONPATH" not in env
    assert env["ESTIMATOR_FIX_KEPT"] == "yes"
    assert all(env[key] == value for key, value in WORKER_ENV.items())


PROBE = (
    "from tensorflow.python.ops import control_flow_util as c\n"
    "from tensorflow.python import tf2\n"
    "print(c.ENABLE_CONTROL_FLOW_V2, tf2.enabled())\n"
)


@pytest.mark.tf
def test_a_tensorflow_1_worker_builds_tensorflow_1_graphs_after_tensorflow_2_was_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As after ``import tensorflow`` (2.x) in the process that validates: TensorFlow 1.15
    would run with TensorFlow 2's control flow (a learning-rate schedule's ``cond`` an ``If``
    op, not ``Switch`` and ``Merge``) in the environment inherited as it is; not in the
    worker's."""
    tf1 = find_tf1((), [ROOT])
    if tf1 is None:
        pytest.skip("no TensorFlow 1.x interpreter (make venv-tf1)")
    monkeypatch.setenv("TF2_BEHAVIOR", "1")

    def flags(env: dict[str, str]) -> str:
        done = subprocess.run(
            [tf1, "-c", PROBE], capture_output=True, text=True, timeout=300, env=env
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    assert flags(dict(os.environ)) == "True True"
    assert flags(worker_env()) == "False False"
