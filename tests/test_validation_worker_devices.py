"""Devices in the worker: a cluster's machines named by the code (``/job:ps/task:0``) are this
machine (``devices.on_this_machine``); the TensorFlow runs are in test_validation_reach.py
(fixture ``inferred/sharded_hashed_ids.py``)."""

from __future__ import annotations

import pytest

from estimator_fix.validation.worker.devices import on_this_machine


@pytest.mark.parametrize(
    ("given", "placed"),
    [
        ("/job:ps/replica:0/task:3/device:CPU:0", "/device:CPU:0"),
        ("/job:worker/task:1/GPU:0", "/GPU:0"),
        ("job:ps/task:0", ""),
        ("/job:localhost/replica:0/task:0/device:CPU:0", "/device:CPU:0"),
        ("/cpu:0", "/cpu:0"),
        ("", ""),
        (None, None),
    ],
)
def test_a_cluster_s_machine_in_a_device_name_is_left_out(given: str | None, placed: str) -> None:
    assert on_this_machine(given) == placed


def test_device_specs_and_device_functions_are_placed_here_too() -> None:
    class Spec:
        def to_string(self) -> str:
            return "/job:ps/task:2/device:CPU:0"

    assert on_this_machine(Spec()) == "/device:CPU:0"
    setter = on_this_machine(lambda op: f"/job:ps/task:{len(op)}")
    assert setter("ab") == ""
