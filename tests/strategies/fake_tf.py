"""A stub of the TensorFlow APIs that generated model_fns call, to run them fast without TensorFlow.

Values are symbolic: each op returns a ``Sym`` whose text says how it was computed, so two versions
of a model_fn build "the same graph" in a mode when their spec fields have the same text. Like a
TensorFlow graph, the stub names auto-named layers per graph (``dense``, ``dense_1``, under the
current variable scope), gives each seed-drawing op the next number of a per-graph counter (TF 2.x
seeds, SPEC §5.1), refuses None operands ("None values not supported", as for ``labels`` in
PREDICT) and the truth value of a tensor, and checks that each mode's EstimatorSpec carries what the
mode needs. ``run_model_fn`` executes a module's model_fn in one mode under the stub and records
the statements it executes, like ``tests/mode_trace.py`` does in a real graph.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, Callable, Optional

from tests.mode_trace import recording, statement_lines

MODES = ("train", "eval", "infer")

#: EstimatorSpec's positional parameters, in TensorFlow's order.
_SPEC_PARAMS = (
    "mode",
    "predictions",
    "loss",
    "train_op",
    "eval_metric_ops",
    "export_outputs",
    "training_chief_hooks",
    "training_hooks",
    "scaffold",
    "evaluation_hooks",
    "prediction_hooks",
)
_SEEDED = frozenset({"normal", "uniform", "truncated_normal", "random_normal", "random_uniform"})
_SEED_MARK = re.compile(r"~s\d+")


class ModeKeys:
    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


@dataclass
class Graph:
    """What one model_fn call builds besides its return value."""

    layers: dict[str, int] = field(default_factory=dict)
    seeds: int = 0
    scopes: list[str] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)

    def layer_name(self, base: str) -> str:
        key = "/".join([*self.scopes, base])
        count = self.layers.get(key, 0)
        self.layers[key] = count + 1
        return "/".join([*self.scopes, base if not count else f"{base}_{count}"])

    def seed(self) -> str:
        self.seeds += 1
        return f"~s{self.seeds - 1}"


_GRAPH = Graph()


@contextmanager
def _fresh_graph() -> Iterator[Graph]:
    global _GRAPH
    previous, _GRAPH = _GRAPH, Graph()
    try:
        yield _GRAPH
    finally:
        _GRAPH = previous


def strip_seeds(text: str) -> str:
    """Symbolic text without op seeds (they matter only where the graph trains)."""
    return _SEED_MARK.sub("", text)


def render(value: object) -> str:
    if isinstance(value, (Sym, Api, _Method)):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{render(k)}: {render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(render(v) for v in value) + ")"
    if value is None or isinstance(value, (str, int, float, bool)):
        return repr(value)
    if inspect.isclass(value):
        return value.__name__
    raise TypeError(f"the stub cannot render {type(value).__name__}")


def _has_none(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_none(v) for v in value)
    if isinstance(value, dict):
        return any(_has_none(v) for v in value.values())
    return False


def _arguments(what: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    if any(_has_none(arg) for arg in args):
        raise TypeError(f"{what}: None values not supported")
    parts = [render(a) for a in args] + [f"{k}={render(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


class Sym:
    """An opaque tensor (or op, or optimizer): its text is how it was computed."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Sym({self.text})"

    def __bool__(self) -> bool:
        raise TypeError("Using a tf.Tensor as a Python bool is not allowed")

    def __iter__(self) -> Iterator[Any]:
        raise TypeError("Tensor objects are only iterable when eager execution is enabled")

    def __getattr__(self, name: str) -> _Method:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Method(self, name)

    def __getitem__(self, key: object) -> Sym:
        return Sym(f"{self.text}[{render(key)}]")

    def _binary(self, op: str, other: object, reflected: bool = False) -> Sym:
        if _has_none(other):
            raise TypeError(f"{op}: None values not supported")
        left, right = (render(other), self.text) if reflected else (self.text, render(other))
        return Sym(f"({left} {op} {right})")

    def __add__(self, other: object) -> Sym:
        return self._binary("+", other)

    def __radd__(self, other: object) -> Sym:
        return self._binary("+", other, reflected=True)

    def __sub__(self, other: object) -> Sym:
        return self._binary("-", other)

    def __rsub__(self, other: object) -> Sym:
        return self._binary("-", other, reflected=True)

    def __mul__(self, other: object) -> Sym:
        return self._binary("*", other)

    def __rmul__(self, other: object) -> Sym:
        return self._binary("*", other, reflected=True)

    def __truediv__(self, other: object) -> Sym:
        return self._binary("/", other)

    def __rtruediv__(self, other: object) -> Sym:
        return self._binary("/", other, reflected=True)

    def __pow__(self, other: object) -> Sym:
        return self._binary("**", other)

    def __neg__(self) -> Sym:
        return Sym(f"(-{self.text})")


class _Method:
    """``optimizer.minimize`` and friends: a method of a symbolic value."""

    def __init__(self, owner: Sym, name: str) -> None:
        self.text = f"{owner.text}.{name}"

    def __call__(self, *args: Any, **kwargs: Any) -> Sym:
        return Sym(f"{self.text}({_arguments(self.text, args, kwargs)})")


class _Scope:
    def __init__(self, name: str, variables: bool) -> None:
        self.name = name
        self.variables = variables

    def __enter__(self) -> None:
        if self.variables:
            _GRAPH.scopes.append(self.name)

    def __exit__(self, *exc: object) -> None:
        if self.variables:
            _GRAPH.scopes.pop()


@dataclass(frozen=True)
class Spec:
    """What ``EstimatorSpec(...)`` was given (None fields left out)."""

    mode: str
    fields: dict[str, Any]


def _estimator_spec(*args: Any, **kwargs: Any) -> Spec:
    if len(args) > len(_SPEC_PARAMS):
        raise TypeError("EstimatorSpec: too many positional arguments")
    given = dict(zip(_SPEC_PARAMS, args))
    for name, value in kwargs.items():
        if name not in _SPEC_PARAMS or name in given:
            raise TypeError(f"EstimatorSpec: unexpected or repeated argument {name!r}")
        given[name] = value
    mode = given.pop("mode", None)
    if mode not in MODES:
        raise ValueError(f"EstimatorSpec: bad mode {mode!r}")
    fields = {name: value for name, value in given.items() if value is not None}
    needed = {"train": ("loss", "train_op"), "eval": ("loss",), "infer": ("predictions",)}[mode]
    for name in needed:
        if name not in fields:
            raise ValueError(f"EstimatorSpec: missing {name} in {mode} mode")
    metrics = fields.get("eval_metric_ops", {})
    if not isinstance(metrics, dict) or not all(
        isinstance(v, tuple) and len(v) == 2 for v in metrics.values()
    ):
        raise TypeError(f"EstimatorSpec: eval_metric_ops must be a dict of metrics: {metrics!r}")
    for name, value in fields.items():
        if _has_none(value):
            raise TypeError(f"EstimatorSpec: {name} holds None")
    return Spec(mode, fields)


class Api:
    """A module or function of the stub: attribute access goes deeper, a call builds an op."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.text = re.sub(r"^tf\.(compat\.v1\.)?", "", path)

    def __repr__(self) -> str:
        return f"Api({self.path})"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "ModeKeys":
            return ModeKeys
        return Api(f"{self.path}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        leaf = self.path.rsplit(".", 1)[-1]
        if leaf in {"EstimatorSpec", "TPUEstimatorSpec"}:
            return _estimator_spec(*args, **kwargs)
        if leaf in {"variable_scope", "name_scope", "control_dependencies"}:
            name = args[0] if isinstance(args[0], str) else render(args[0])
            return _Scope(name, variables=leaf == "variable_scope")
        return self._op(leaf, _arguments(self.text, args, kwargs), kwargs)

    def _op(self, leaf: str, arguments: str, kwargs: dict[str, Any]) -> Any:
        """An op: a layer, a random op and a metric draw seeds or return pairs as TF's do."""
        if ".layers." in self.path and leaf == "dense":
            name = _GRAPH.layer_name(leaf)
            return Sym(f"{self.text}<{name}>{_GRAPH.seed()}({arguments})")
        if leaf == "dropout":
            training = kwargs.get("training", False)
            seed = _GRAPH.seed() if isinstance(training, Sym) or training else "[off]"
            return Sym(f"{self.text}{seed}({arguments})")
        if ".random." in self.path or leaf in _SEEDED:
            return Sym(f"{self.text}{_GRAPH.seed()}({arguments})")
        if ".metrics." in self.path:
            return (Sym(f"{self.text}({arguments})"), Sym(f"{self.text}({arguments}).update"))
        if ".summary." in self.path:
            _GRAPH.summaries.append(f"{self.text}({arguments})")
        return Sym(f"{self.text}({arguments})")


_TF = Api("tf")
_REAL_IMPORT = builtins.__import__


def _stub_import(
    name: str,
    globals: Optional[dict[str, Any]] = None,
    locals: Optional[dict[str, Any]] = None,
    fromlist: Any = (),
    level: int = 0,
) -> Any:
    if level == 0 and (name == "tensorflow" or name.startswith("tensorflow.")):
        if not fromlist:
            return _TF
        found: Any = _TF
        for part in name.split(".")[1:]:
            found = getattr(found, part)
        return found
    return _REAL_IMPORT(name, globals, locals, fromlist, level)


@dataclass
class Run:
    """One model_fn call: the statements it executed, its spec, its summaries, its error."""

    executed: list[str]
    spec: Optional[dict[str, str]]
    summaries: list[str]
    error: Optional[str]


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> CodeType:
    return compile(source, "<generated>", "exec")


@functools.lru_cache(maxsize=256)
def _statement_lines(source: str, function: str) -> dict[int, str]:
    return statement_lines(source, function)


def load(source: str) -> dict[str, Any]:
    """Execute a module's source with ``tensorflow`` imports bound to the stub."""
    stub_builtins = dict(vars(builtins))
    stub_builtins["__import__"] = _stub_import
    namespace: dict[str, Any] = {"__name__": "generated_model_fn", "__builtins__": stub_builtins}
    exec(_compiled(source), namespace)
    return namespace


def run_model_fn(source: str, mode: str, labels: bool, function: str = "model_fn") -> Run:
    """Call ``function`` of the module ``source`` in ``mode`` under the stub, tracing it.

    ``labels`` False passes ``labels=None`` (what an Estimator passes in PREDICT).
    """
    namespace = load(source)
    model_fn: Callable[..., Any] = namespace[function]
    lines = _statement_lines(source, function)
    code = model_fn.__code__

    mode_value = {"train": ModeKeys.TRAIN, "eval": ModeKeys.EVAL, "infer": ModeKeys.PREDICT}[mode]
    available = {
        "features": {"x": Sym("features.x")},
        "labels": Sym("labels") if labels else None,
        "mode": mode_value,
        "params": dict(namespace.get("PARAMS") or {}),
        "config": Sym("config"),
    }
    wanted = inspect.signature(model_fn).parameters
    kwargs = {k: v for k, v in available.items() if k in wanted}
    spec: Optional[dict[str, str]] = None
    error: Optional[str] = None
    with _fresh_graph() as graph:
        with recording(code, lines) as executed:
            try:
                result = model_fn(**kwargs)
            except Exception as exc:  # the original may crash in PREDICT on labels
                error = f"{type(exc).__name__}: {exc}"
        if error is None:
            if isinstance(result, Spec) and result.mode == mode:
                spec = {name: render(value) for name, value in result.fields.items()}
            else:
                error = f"model_fn returned {result!r}, not an EstimatorSpec for {mode}"
    return Run(executed, spec, graph.summaries, error)
