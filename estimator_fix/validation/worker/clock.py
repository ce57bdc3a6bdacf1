"""A fixed clock for the graphs validated: ``tf.timestamp()`` is a constant.

A model_fn that reads the time in its graph (an embedding table's policy stamping the ids it
sees, a summary of the wall time) gives other numbers in each run, and TensorFlow 2's op
determinism refuses to run the op at all ("Timestamp cannot be called when determinism is
enabled"). Validation runs both versions at the same instant instead, as it gives both the same
seeds. Python 3.7 compatible; imports only the standard library and TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

#: The instant every run sees, in seconds since the epoch (2020-09-13T12:26:40Z).
INSTANT = 1.6e9
#: Where the op's Python function lives, in TensorFlow 2.x and in 1.15.
_MODULES = ("tensorflow.python.ops.gen_logging_ops", "tensorflow_core.python.ops.gen_logging_ops")


def fix_the_clock(tf: Any) -> None:
    """Make ``tf.timestamp()`` (and the generated op libraries call) a float64 constant."""
    if getattr(tf.timestamp, "_estimator_fix_fixed", False):
        return

    def timestamp(name: Any = None) -> Any:
        return tf.constant(INSTANT, dtype=tf.float64, name=name or "Timestamp")

    timestamp._estimator_fix_fixed = True  # type: ignore[attr-defined]
    for holder in (tf, tf.compat.v1):
        if hasattr(holder, "timestamp"):
            holder.timestamp = timestamp
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        module.timestamp = timestamp  # type: ignore[attr-defined]
