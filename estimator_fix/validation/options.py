"""The frozen options of one validation run, and parsing of the option strings users type."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

#: Default number of training steps each version runs.
DEFAULT_STEPS = 3
#: Default wall-clock limit, in seconds, for each version's subprocess.
DEFAULT_TIMEOUT = 300.0
#: The seed every source of randomness gets before each Estimator call.
DEFAULT_SEED = 42
#: Rows in a synthetic batch (and the TPUEstimator batch size when params give none).
DEFAULT_BATCH_SIZE = 4

DTYPES = frozenset(
    {
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "bool",
        "string",
    }
)


class OptionError(ValueError):
    """An option value that cannot be used; ``str()`` is the one-line reason."""


@dataclass(frozen=True)
class LabelSpec:
    """Synthetic labels: per-example shape (the batch dimension is implied) and dtype."""

    shape: tuple[int, ...]
    dtype: str

    def to_json(self) -> dict[str, object]:
        return {"shape": list(self.shape), "dtype": self.dtype}


@dataclass(frozen=True)
class ValidationOptions:
    """How to run and compare the two versions. ``None`` means: from config, else discovered.

    ``params_json`` is a JSON object text (kept as text so the options stay hashable).
    Tolerances apply only with ``unsafe_fixes``; safe fixes must reproduce results bitwise.
    """

    model_fn: str | None = None
    input_fn: str | None = None
    params_json: str | None = None
    labels: LabelSpec | None = None
    steps: int | None = None
    atol: float = 0.0
    rtol: float = 0.0
    unsafe_fixes: bool = False
    python: str | None = None
    python_tf1: str | None = None
    timeout: float | None = None
    seed: int = DEFAULT_SEED
    batch_size: int = DEFAULT_BATCH_SIZE
    #: Compare the graphs only (SPEC §6's graph-level comparison), without training.
    graph_only: bool = False
    #: ``fix``/``migrate --validate``: also write rewrites proven ``graph-equivalent``.
    accept_graph_equivalent: bool = False


def parse_params(text: str) -> str:
    """Check that ``text`` is a JSON object; returns it normalised."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OptionError(f"--params is not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(value, dict):
        raise OptionError("--params must be a JSON object, e.g. '{\"learning_rate\": 0.1}'")
    return json.dumps(value, sort_keys=True)


def parse_input_fn(text: str) -> str:
    """Check the ``MODULE:FN`` form (MODULE a dotted name or a .py path)."""
    module, sep, function = text.rpartition(":")
    if not sep or not module or not function.isidentifier():
        raise OptionError(f"--input-fn must be MODULE:FN (e.g. data.py:input_fn), got {text!r}")
    return text


_LABELS = re.compile(r"^\s*\[?\s*((?:\d+(?:\s*[,x]\s*\d+)*)?)\s*\]?\s*:\s*([a-z0-9]+)\s*$")


def parse_labels(text: str) -> LabelSpec:
    """``SHAPE:DTYPE`` with SHAPE the per-example shape: ``:int32`` (one id per example),
    ``1:float32``, ``[3,4]:float32``; a bare dtype means a scalar per example."""
    spec = text if ":" in text else f":{text}"
    match = _LABELS.match(spec)
    if not match or match.group(2) not in DTYPES:
        raise OptionError(
            f"--labels must be SHAPE:DTYPE (e.g. ':int32' or '1:float32'), got {text!r}; "
            f"dtypes: {', '.join(sorted(DTYPES))}"
        )
    dims = [d for d in re.split(r"[,x\s]+", match.group(1)) if d]
    return LabelSpec(shape=tuple(int(d) for d in dims), dtype=match.group(2))


def parse_steps(value: int) -> int:
    if value < 1:
        raise OptionError(f"--steps must be at least 1, got {value}")
    return value
