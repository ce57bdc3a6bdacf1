"""The worker's session settings (``program.session_config``): runs of one graph must be the
same bit for bit, so Grappler's memory optimization, which sums many gradients in an order
each session picks, is off; one thread each way; no GPU; soft placement. Under TensorFlow 1.15
every TF 1 validation test runs with these settings."""

from __future__ import annotations

import pytest

from estimator_fix.validation.worker.program import session_config

pytestmark = pytest.mark.tf


def test_sessions_sum_gradients_in_one_order_on_one_thread() -> None:
    import tensorflow as tf

    config = session_config(tf)
    rewrite = config.graph_options.rewrite_options
    assert rewrite.memory_optimization == rewrite.NO_MEM_OPT
    assert (config.intra_op_parallelism_threads, config.inter_op_parallelism_threads) == (1, 1)
    assert config.device_count["GPU"] == 0 and config.allow_soft_placement
