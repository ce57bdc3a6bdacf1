"""Device counts a job sets for a machine with GPUs: validation runs on the CPU, so a flag,
argument or params key that counts GPUs (``--num_gpus=1``, ``DEFINE_integer("n_gpus", 8, ...)``)
holds 0 there, as on any machine without one; code then takes its CPU path (``channels_last``
where ``channels_first`` is GPU-only, one tower on ``/cpu:0``). Imported by the worker and by the
plan's inference. Python 3.7 compatible."""

from __future__ import annotations

import re

#: A name that counts GPUs: ``num_gpus``, ``n_gpu``, ``gpu_num``, ``gpus``, ``gpu_count``.
_COUNTS_GPUS = re.compile(r"^(?:(?:num|n|number_of)_?gpus?|gpus|gpu_?(?:num|count|number))$")


def counts_gpus(key: str, value: object) -> bool:
    """Whether ``value`` of ``key`` is a count of GPUs above 0."""
    number = isinstance(value, int) and not isinstance(value, bool)
    return number and value > 0 and _COUNTS_GPUS.match(key.lower()) is not None  # type: ignore[operator]
