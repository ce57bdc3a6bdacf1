"""The fork server's warm-up: a small model built in a graph of its own before any worker is forked.

What a worker inherits must be what a fresh process would have, less the caches: no op in the
default graph, no Python thread, and no TensorFlow thread beyond the graph-runner pool a first graph
makes (a session or an eager context would start more, and forking after them is not safe).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

from estimator_fix.validation.interpreters import find_tf1
from estimator_fix.validation.worker import warm

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = ROOT / "estimator_fix" / "validation"

PROBE = """
import json, os, sys, threading
sys.path.insert(0, sys.argv[1])
from worker.loading import import_tensorflow
from worker.warm import warm_up
tf = import_tensorflow()
def os_threads():
    return len(os.listdir("/proc/self/task"))
tf.Graph()  # the first graph of a process starts TensorFlow's graph-runner pool
before = os_threads()
built = warm_up(tf)
print(json.dumps({
    "built": built,
    "os_threads_added": os_threads() - before,
    "python_threads": threading.active_count(),
    "default_graph_ops": len(tf.compat.v1.get_default_graph().get_operations()),
}))
"""


def probe(python: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", PROBE, str(VALIDATION)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def interpreters() -> list[Any]:
    tf1 = find_tf1((), [ROOT])
    skip_tf1 = pytest.mark.skip(reason="no TensorFlow 1.x interpreter (make venv-tf1)")
    return [
        pytest.param(sys.executable, id="tensorflow-2"),
        pytest.param(tf1 or "", id="tensorflow-1.15", marks=() if tf1 else skip_tf1),
    ]


@pytest.mark.tf
@pytest.mark.parametrize("python", interpreters())
def test_the_warm_up_builds_and_leaves_nothing_a_fork_would_inherit(python: str) -> None:
    found = probe(python)
    assert found == {
        "built": True,
        "os_threads_added": 0,
        "python_threads": 1,
        "default_graph_ops": 0,
    }


@pytest.mark.tf
def test_the_warm_up_can_be_turned_off() -> None:
    env = dict(os.environ, **{warm.ENV: "0"})
    assert probe(sys.executable, env)["built"] is False


class _Graph:
    """A graph whose context works, as TensorFlow's does."""

    @contextmanager
    def as_default(self) -> Iterator[None]:
        yield


class _BrokenTensorFlow:
    """A TensorFlow whose API fails partway through the build (an API another version lacks)."""

    Graph = _Graph

    @property
    def compat(self) -> Any:
        raise AttributeError("module 'tensorflow' has no attribute 'compat'")


def test_a_warm_up_that_fails_reports_it_and_raises_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(warm.ENV, raising=False)
    assert warm.warm_up(_BrokenTensorFlow()) is False
