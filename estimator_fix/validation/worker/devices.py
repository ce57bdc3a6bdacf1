"""Device counts a job sets for a machine with GPUs: validation runs on the CPU, so a flag,
argument or params key that counts GPUs (``--num_gpus=1``, ``DEFINE_integer("n_gpus", 8, ...)``)
holds 0 there, as on any machine without one; code then takes its CPU path (``channels_last``
where ``channels_first`` is GPU-only, one tower on ``/cpu:0``). Imported by the worker and by the
plan's inference. Python 3.7 compatible.

Devices of a cluster's machines (``/job:ps/task:0``) are this machine's
(``run_on_this_machine``)."""

from __future__ import annotations

import re
from typing import Any

#: A name that counts GPUs: ``num_gpus``, ``n_gpu``, ``gpu_num``, ``gpus``, ``gpu_count``.
_COUNTS_GPUS = re.compile(r"^(?:(?:num|n|number_of)_?gpus?|gpus|gpu_?(?:num|count|number))$")


def counts_gpus(key: str, value: object) -> bool:
    """Whether ``value`` of ``key`` is a count of GPUs above 0."""
    number = isinstance(value, int) and not isinstance(value, bool)
    return number and value > 0 and _COUNTS_GPUS.match(key.lower()) is not None  # type: ignore[operator]


#: A part of a device name that names a machine of a cluster: ``/job:ps``, ``/replica:0``,
#: ``/task:1``.
_CLUSTER_PART = re.compile(r"/?(?:job|replica|task):[^/]*")


def on_this_machine(device: Any) -> Any:
    """``device`` (a name, a ``DeviceSpec`` or a device function) with the machine of a cluster
    it names left out: ``/job:ps/task:0/CPU:0`` is ``/CPU:0``. The rest (a CPU, a GPU that soft
    placement moves to the CPU) stays."""
    if callable(device):
        return lambda op: on_this_machine(device(op))
    if device is not None and not isinstance(device, str) and hasattr(device, "to_string"):
        device = device.to_string()
    if isinstance(device, str) and _CLUSTER_PART.search(device):
        return _CLUSTER_PART.sub("", device)
    return device


def run_on_this_machine(tf: Any) -> None:
    """Place on this machine what the code pins to a cluster's machines: a model_fn written for
    parameter servers (``tf.device("/job:ps/task:0")``, a library spreading an embedding table
    over ``/job:ps`` tasks) cannot be placed in a process without those jobs, even with soft
    placement (a variable's colocation group keeps the job). Where values are placed does not
    change them; both versions run the same way."""
    graph = tf.compat.v1.Graph
    real = graph.device
    if getattr(real, "_estimator_fix_local", False):
        return

    def device(self: Any, device_name_or_function: Any) -> Any:
        return real(self, on_this_machine(device_name_or_function))

    device._estimator_fix_local = True  # type: ignore[attr-defined]
    graph.device = device
