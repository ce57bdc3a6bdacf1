"""The results one worker wrote (``results.json`` + ``arrays.bin``), read without NumPy.

The worker stores every array as raw little-endian bytes with a dtype and shape; booleans arrive as
uint8, float16/bfloat16 as float32 and complex as their float pairs, so every numeric dtype here
has an ``array`` typecode. Strings arrive as fixed-width bytes (``S<n>``) and compare as bytes.
"""

from __future__ import annotations

import json
import math
import os
import sys
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

RESULTS_FILE = "results.json"
ARRAYS_FILE = "arrays.bin"

_TYPECODES = {
    "float32": "f",
    "float64": "d",
    "int8": "b",
    "uint8": "B",
    "int16": "h",
    "uint16": "H",
    "int32": "i",
    "uint32": "I",
    "int64": "q",
    "uint64": "Q",
}


@dataclass(frozen=True)
class Tensor:
    """One stored array: its dtype name (NumPy spelling), shape and raw bytes."""

    dtype: str
    shape: tuple[int, ...]
    data: bytes

    def elements(self) -> array[Any] | None:
        """The elements in an ``array`` (as compact as the data: a model's variables can hold
        hundreds of millions), or None for strings."""
        code = _TYPECODES.get(self.dtype)
        if code is None:
            return None
        items = array(code)
        items.frombytes(self.data)
        if sys.byteorder != "little":
            items.byteswap()
        return items

    def describe(self) -> str:
        return f"{self.dtype}{list(self.shape)}"


@dataclass(frozen=True)
class Stage:
    """One mode's run in one version: whether it ran, its last error line, and what it produced.

    TRAIN: ``losses`` per step and ``tensors`` the final checkpoint's variables. EVAL: ``tensors``
    the metrics. PREDICT: ``tensors`` the predictions (``key#batch``). ``restores`` lists the
    variables (name, shape) the mode's graph restores from a checkpoint.
    """

    ok: bool
    error: str = ""
    losses: tuple[Tensor, ...] = ()
    tensors: Mapping[str, Tensor] = field(default_factory=dict)
    restores: tuple[tuple[str, tuple[int, ...]], ...] = ()
    seconds: float = 0.0
    #: TRAIN: (trainable variables, how many of them the steps changed); None: not measured.
    changed: tuple[int, int] | None = None
    #: Where a failed run failed: ``path:line`` in the code validated ("" where not known).
    where: str = ""


@dataclass(frozen=True)
class Given:
    """What a run was handed by the validation that ran it, so that it can be run again alike:
    the interpreter and the worker's spec, the inputs chosen (the original's choice), the
    checkpoint its later modes ran from, and whether it built its graphs."""

    python: str
    spec: Mapping[str, object]
    inputs: object
    checkpoint: str | None
    graphs: bool


@dataclass(frozen=True)
class RunResult:
    """Everything one version's worker reported (``tensorflow``: the version that ran it)."""

    setup_error: str = ""
    stages: Mapping[str, Stage] = field(default_factory=dict)
    label_dependence: tuple[str, float | None] | None = None
    synthetic: bool = False
    notes: tuple[str, ...] = ()
    tensorflow: str = ""
    #: The top-level module this interpreter lacks that stopped the module from loading, if any.
    missing_module: str = ""
    #: What the code validated used of a stand-in after loading (caught by it or not).
    stand_ins_used: tuple[str, ...] = ()
    #: Each mode's graph, where the worker built them (``graph_compare.load_graphs`` reads it).
    graphs: Mapping[str, object] = field(default_factory=dict)
    #: What the run was handed (set by the validation, not the worker); None where not known.
    given: Given | None = None

    def stage(self, name: str) -> Stage | None:
        return self.stages.get(name)

    def timings(self) -> dict[str, float]:
        """Seconds per stage (setup time is part of TRAIN's)."""
        return {name: round(stage.seconds, 3) for name, stage in self.stages.items()}


def located(error: str, where: str) -> str:
    """A failure's error and, where known, the line of the code validated it failed at."""
    return f"{error} (at {where})" if where else error


def in_cells(
    result: RunResult, notebook: str, locate: Callable[[int], tuple[int, int] | None]
) -> RunResult:
    """``result`` with each ``path:line`` of a failure in the module made of ``notebook``'s code
    cells (its absolute path) said as ``path[cell C]:L``, the cell and its line, as findings
    are; ``locate`` maps a module line to them."""

    def cell_where(where: str) -> str:
        path, sep, line = where.rpartition(":")
        if not sep or not line.isdigit() or os.path.abspath(path) != notebook:
            return where
        found = locate(int(line))
        return f"{path}[cell {found[0]}]:{found[1]}" if found else where

    stages = {name: replace(s, where=cell_where(s.where)) for name, s in result.stages.items()}
    modes = result.graphs.get("modes")
    if not isinstance(modes, dict):
        return replace(result, stages=stages)
    built = {
        mode: {**data, "where": cell_where(str(data.get("where") or ""))}
        if isinstance(data, dict)
        else data
        for mode, data in modes.items()
    }
    return replace(result, stages=stages, graphs={**result.graphs, "modes": built})


def crashed(reason: str) -> RunResult:
    """The result of a worker that died or timed out before reporting."""
    return RunResult(setup_error=reason)


def _tensor(raw: Mapping[str, object], blob: bytes) -> Tensor:
    offset = int(str(raw["offset"]))
    nbytes = int(str(raw["nbytes"]))
    shape = raw["shape"]
    assert isinstance(shape, list)
    return Tensor(str(raw["dtype"]), tuple(int(d) for d in shape), blob[offset : offset + nbytes])


def _stage(raw: Mapping[str, object], blob: bytes) -> Stage:
    losses = raw.get("losses") or []
    tensors = raw.get("tensors") or {}
    restores = raw.get("restores") or []
    assert isinstance(losses, list) and isinstance(tensors, dict) and isinstance(restores, list)
    return Stage(
        ok=bool(raw.get("ok")),
        error=str(raw.get("error") or ""),
        losses=tuple(_tensor(t, blob) for t in losses),
        tensors={str(name): _tensor(t, blob) for name, t in tensors.items()},
        restores=tuple((str(name), tuple(int(d) for d in shape)) for name, shape in restores),
        seconds=float(str(raw.get("seconds") or 0.0)),
        changed=_changed(raw.get("changed")),
        where=str(raw.get("where") or ""),
    )


def _changed(raw: object) -> tuple[int, int] | None:
    if not isinstance(raw, dict):
        return None
    return int(raw.get("trainable") or 0), int(raw.get("changed") or 0)


def _number(value: object) -> float | None:
    return None if value is None else float(str(value))


def load_results(directory: Path) -> RunResult:
    """Read a worker's output directory; a missing or damaged file reads as a crash."""
    try:
        raw = json.loads((directory / RESULTS_FILE).read_text(encoding="utf-8"))
        blob = (directory / ARRAYS_FILE).read_bytes()
    except (OSError, ValueError) as exc:
        return crashed(f"the worker wrote no readable results ({exc})")
    stages = raw.get("stages") or {}
    dependence = raw.get("label_dependence")
    return RunResult(
        setup_error=str(raw.get("setup_error") or ""),
        stages={name: _stage(stage, blob) for name, stage in stages.items()},
        label_dependence=(
            (str(dependence["key"]), _number(dependence.get("max_abs_diff")))
            if dependence
            else None
        ),
        synthetic=bool(raw.get("synthetic")),
        notes=tuple(str(note) for note in raw.get("notes") or ()),
        tensorflow=str(raw.get("tensorflow") or ""),
        missing_module=str(raw.get("missing_module") or ""),
        stand_ins_used=tuple(str(path) for path in raw.get("stand_ins_used") or ()),
        graphs=raw.get("graphs") or {},
    )


def max_abs_diff(a: Tensor, b: Tensor) -> float | None:
    """Largest |a - b| over the elements (NaN against a number counts as inf), or None."""
    left, right = a.elements(), b.elements()
    if left is None or right is None or len(left) != len(right):
        return None
    worst = 0.0
    for x, y in zip(left, right):
        if x == y or (math.isnan(x) and math.isnan(y)):
            continue
        diff = abs(x - y)
        worst = math.inf if math.isnan(diff) else max(worst, diff)
    return worst
