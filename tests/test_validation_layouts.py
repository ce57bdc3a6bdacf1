"""Channels-first ops the CPU has no kernel for, run channels-last (``worker/layouts.py``): the
same values as the NHWC op on the transposed input, for windows and strides that differ by axis,
under TensorFlow 2 and 1.15; and a channels-first model proven on its numbers (fixtures of our
own), where it was compared on its graphs only before."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from estimator_fix.validation import validate_file
from tests.test_validation_shapes import proven_and_a_wrong_rewrite_caught

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / "estimator_fix" / "validation"
CHANNELS_FIRST = ROOT / "fixtures" / "validation" / "layouts" / "channels_first.py"
TF1_CHANNELS_FIRST = ROOT / "fixtures" / "validation" / "tf1_style" / "channels_first.py"

#: Each op run channels-first (through the worker's replacement) and channels-last on the
#: transposed input (TensorFlow's own kernel), with a window, strides and dilations that differ
#: by axis; prints the largest difference per op and the note.
_COMPARE = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from worker.loading import import_tensorflow
from worker import layouts
tf = import_tensorflow()
v1 = tf.compat.v1
v1.disable_eager_execution()
rng = np.random.RandomState(0)
x = rng.rand(2, 3, 9, 7).astype(np.float32)
nchw = tf.constant(x)
nhwc = tf.constant(x.transpose(0, 2, 3, 1))
w = tf.constant(rng.rand(3, 2, 3, 4).astype(np.float32))
d = tf.constant(rng.rand(3, 3, 3, 2).astype(np.float32))
back = lambda t: tf.transpose(t, [0, 3, 1, 2])
gen = v1.nn
pairs = {
    "conv2d": (
        gen.conv2d(nchw, w, [1, 1, 2, 1], "SAME", data_format="NCHW", dilations=[1, 1, 1, 2]),
        back(gen.conv2d(nhwc, w, [1, 2, 1, 1], "SAME", data_format="NHWC", dilations=[1, 1, 2, 1])),
    ),
    "max_pool": (
        gen.max_pool(nchw, [1, 1, 3, 2], [1, 1, 2, 1], "VALID", data_format="NCHW"),
        back(gen.max_pool(nhwc, [1, 3, 2, 1], [1, 2, 1, 1], "VALID", data_format="NHWC")),
    ),
    "avg_pool": (
        gen.avg_pool(nchw, [1, 1, 2, 3], [1, 1, 1, 2], "SAME", data_format="NCHW"),
        back(gen.avg_pool(nhwc, [1, 2, 3, 1], [1, 1, 2, 1], "SAME", data_format="NHWC")),
    ),
    "depthwise": (
        gen.depthwise_conv2d(nchw, d, [1, 1, 2, 2], "SAME", data_format="NCHW"),
        back(gen.depthwise_conv2d(nhwc, d, [1, 2, 2, 1], "SAME", data_format="NHWC")),
    ),
    "batch_norm": (
        gen.fused_batch_norm(nchw, tf.ones([3]), tf.zeros([3]), data_format="NCHW")[0],
        back(gen.fused_batch_norm(nhwc, tf.ones([3]), tf.zeros([3]), data_format="NHWC")[0]),
    ),
}
with v1.Session() as session:
    found = session.run(pairs)
print(json.dumps({
    "diff": {k: float(np.abs(a - b).max()) for k, (a, b) in found.items()},
    "shapes": {k: list(a.shape) for k, (a, b) in found.items()},
    "note": layouts.note(),
}))
"""


def _compared(python: str) -> dict:
    done = subprocess.run(
        [python, "-c", _COMPARE, str(WORKER)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same_values(found: dict) -> None:
    assert set(found["diff"]) == {"conv2d", "max_pool", "avg_pool", "depthwise", "batch_norm"}
    assert all(diff < 1e-5 for diff in found["diff"].values()), found["diff"]
    # the window and strides reached their own axes: height and width come out apart
    assert found["shapes"]["conv2d"] == [2, 4, 5, 7]
    assert found["shapes"]["max_pool"] == [2, 3, 4, 6]
    assert "max_pool" in found["note"][0] and "conv2d" in found["note"][0]


@pytest.mark.tf
def test_channels_first_ops_give_the_values_of_channels_last_kernels() -> None:
    _same_values(_compared(sys.executable))


@pytest.mark.tf
def test_channels_first_ops_give_the_values_of_channels_last_kernels_under_1_15(
    tf1_python: str,
) -> None:
    _same_values(_compared(tf1_python))


@pytest.mark.tf
def test_a_channels_first_model_is_proven_on_its_numbers_and_a_wrong_rewrite_caught(
    tmp_path: Path,
) -> None:
    notes = proven_and_a_wrong_rewrite_caught(
        CHANNELS_FIRST,
        tmp_path,
        b'GradientDescentOptimizer(params["learning_rate"])',
        b'GradientDescentOptimizer(params["learning_rate"] * 2)',
    )
    assert any(n.startswith("channels-first avg_pool, conv2d") for n in notes), notes


@pytest.mark.tf
def test_a_channels_first_model_is_proven_on_its_numbers_under_1_15(
    tf1_python: str,
) -> None:
    report = validate_file(TF1_CHANNELS_FIRST)
    assert report.verdict == "fixed", report.message
    assert report.tensorflow.startswith("1.15")
