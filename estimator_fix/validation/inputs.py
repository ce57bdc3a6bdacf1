"""What to run, found statically (``ast``, no TensorFlow): the model_fn, the input functions, the
params, whether it is a TPU model, and hints for synthetic inputs and labels.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from estimator_fix.validation.callers_elsewhere import repository_callers
from estimator_fix.validation.generation import first_tf1_use
from estimator_fix.validation.inference import Inferred, ParamGuess, infer
from estimator_fix.validation.inference.flag_defaults import flag_defaults, with_flag_defaults
from estimator_fix.validation.inference.imports import imported_functions
from estimator_fix.validation.interpreters import Interpreters, NoTf1Interpreter, choose
from estimator_fix.validation.options import (
    DEFAULT_STEPS,
    DEFAULT_TIMEOUT,
    LabelSpec,
    OptionError,
    ValidationOptions,
    parse_input_fn,
    parse_labels,
    parse_params,
)
from estimator_fix.validation.targets import (
    SPEC_NAMES,
    Built,
    Caller,
    Target,
    TargetError,
    builders,
    call_site_inputs,
    delegating_callers,
    find_targets,
    given_by,
    required_arguments,
    sibling_callers,
    without_self,
)
from estimator_fix.validation.worker.loading import (
    ESTIMATOR_GIVES,
    LABEL_NAMES,
    MODEL_FN_GIVES,
    positional_labels,
)

MODES = ("TRAIN", "EVAL", "PREDICT")

INPUT_FN_NAMES = ("input_fn", "train_input_fn", "eval_input_fn", "predict_input_fn")
#: Per mode, the module's input functions to use, in order of preference.
_INPUT_PREFERENCE = {
    "TRAIN": ("train_input_fn", "input_fn", "eval_input_fn"),
    "EVAL": ("eval_input_fn", "input_fn", "train_input_fn"),
    "PREDICT": ("predict_input_fn", "eval_input_fn", "input_fn", "train_input_fn"),
}
SERVING_FN_NAMES = ("serving_input_receiver_fn", "serving_input_fn")

#: Calls whose labels are class ids: int32, one per example.
_CLASS_ID_CALLS = frozenset(
    {
        "sparse_softmax_cross_entropy",
        "sparse_softmax_cross_entropy_with_logits",
        "sparse_categorical_crossentropy",
        "sparse_categorical_accuracy",
        "sparse_top_k_categorical_accuracy",
        "one_hot",
        "accuracy",
        "in_top_k",
        "recall_at_k",
        "precision_at_k",
    }
)
#: Calls whose labels are floats shaped like their other tensor argument (logits, predictions).
_LIKE_CALLS = frozenset(
    {
        "softmax_cross_entropy",
        "softmax_cross_entropy_with_logits",
        "softmax_cross_entropy_with_logits_v2",
        "sigmoid_cross_entropy",
        "sigmoid_cross_entropy_with_logits",
        "categorical_crossentropy",
        "binary_crossentropy",
        "mean_squared_error",
        "absolute_difference",
        "huber_loss",
        "log_loss",
        "mean_absolute_error",
        "root_mean_squared_error",
        "squared_difference",
        "hinge_loss",
        "mean_relative_error",
        "auc",
        "cosine_distance",
        "mean_pairwise_squared_error",
    }
)
_OTHER_KEYWORDS = ("logits", "predictions", "y_pred", "output", "input")
#: Calls through which a name stays an alias of the labels (``y = tf.cast(labels, tf.int32)``).
_ALIAS_CALLS = frozenset(
    {"cast", "identity", "reshape", "squeeze", "expand_dims", "to_int32", "to_int64", "to_float"}
)


class DiscoveryError(Exception):
    """What to run could not be determined; ``str()`` is one line saying what was looked for."""


@dataclass(frozen=True)
class FunctionRef:
    """A function: ``name`` in the validated module, or in ``module`` (dotted or a .py path), or
    what the file passes at a call (``built``: an expression in a function's body)."""

    name: str
    module: str | None = None
    built: Built | None = None

    def to_json(self) -> dict[str, object]:
        built = self.built.to_json() if self.built else {}
        return {"name": self.name, "module": self.module, **built}


@dataclass(frozen=True)
class LabelHint:
    """How the model_fn first uses its labels: their dtype, and the expression (in the model_fn)
    whose per-example shape they share, if any."""

    dtype: str
    like: str | None
    origin: str
    #: How many dimensions the model_fn adds to its labels before that use
    #: (``labels = tf.expand_dims(labels, 1)``): the labels it is given have that many fewer.
    expanded: int = 0
    #: The keys the model_fn reads its labels by (``labels["ctr"]``): a dict of labels, each
    #: as the hint says.
    keys: tuple[str, ...] = ()
    #: How many parts the model_fn unpacks its labels into (``labels, names = labels``): a
    #: tuple, the hint saying what the first part is.
    parts: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "dtype": self.dtype,
            "like": self.like,
            "origin": self.origin,
            "expanded": self.expanded,
            "keys": list(self.keys),
            "parts": self.parts,
        }


@dataclass(frozen=True)
class Plan:
    """Everything the workers need that can be found without running the code."""

    model_fn: str
    tpu: bool
    inputs: Mapping[str, FunctionRef] | None
    serving_fns: tuple[str, ...]
    label_hint: LabelHint | None
    labels: LabelSpec | None
    params_json: str | None
    steps: int
    timeout: float
    python: str | None
    module_name: str
    sys_path: tuple[str, ...]
    #: The other TensorFlow generation's interpreter, tried when the code turns out to need it.
    python_fallback: str | None = None
    #: Why ``python`` was chosen (e.g. the TensorFlow 1.x API the code uses), or ''.
    interpreter_reason: str = ""
    #: The model_fns to validate (the ones the rewrite changed), each run as a pair.
    targets: tuple[Target, ...] = ()
    #: ``--name=value`` arguments FLAGS are parsed with, and the builder/class arguments given.
    flags: tuple[str, ...] = ()
    model_fn_args_json: str | None = None
    #: Calls of the module's functions (those whose bodies build a model_fn, params or inputs)
    #: in other modules of its directory: where their parameters come from.
    callers: tuple[Caller, ...] = ()
    #: Per model_fn (by name), the inputs and params inferred from its code, and its labels.
    inferred: Mapping[str, Inferred] = field(default_factory=dict)
    #: Packages the code imports the repository by, under another name than its directory's.
    aliases: Mapping[str, str] = field(default_factory=dict)
    label_hints: Mapping[str, LabelHint | None] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.inputs is None


@dataclass(frozen=True)
class _ValidateConfig:
    root: Path | None
    values: Mapping[str, Any]


def _validate_config(path: Path) -> _ValidateConfig:
    """``[tool.estimator-fix.validate]`` of the nearest configured pyproject.toml."""
    from estimator_fix.config import ConfigError, discover_config

    try:
        config = discover_config([path])
    except ConfigError as exc:
        raise DiscoveryError(str(exc)) from None
    values = dict(config.validate)
    unknown = sorted(set(values) - set(_CONFIG_TYPES))
    if unknown:
        known = ", ".join(sorted(_CONFIG_TYPES))
        raise DiscoveryError(
            f"{config.path}: unknown key {unknown[0]!r} in [tool.estimator-fix.validate] "
            f"(known: {known})"
        )
    _check_config(values, str(config.path))
    return _ValidateConfig(config.path.parent if config.path else None, values)


_CONFIG_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "model-fn": ((str,), "a string"),
    "input-fn": ((str,), "a string (MODULE:FN)"),
    "params": ((dict, str), "a table or a JSON string"),
    "steps": ((int,), "an integer"),
    "labels": ((str,), "a string (SHAPE:DTYPE)"),
    "python": ((str,), "a string"),
    "python-tf1": ((str,), "a string"),
    "flags": ((dict,), "a table of flag values"),
    "model-fn-args": ((dict,), "a table of arguments"),
    "timeout": ((int, float), "a number"),
    "accept-graph-equivalent": ((bool,), "true or false"),
}


def _check_config(values: Mapping[str, Any], where: str) -> None:
    for key, value in values.items():
        kinds, expected = _CONFIG_TYPES[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise DiscoveryError(
                f"{where}: [tool.estimator-fix.validate] {key} must be {expected}, got {value!r}"
            )


def accepts_graph_equivalent(path: Path, options: ValidationOptions) -> bool:
    """Whether ``--validate`` may write a rewrite of ``path`` proven ``graph-equivalent`` only:
    ``--accept-graph-equivalent``, or ``accept-graph-equivalent = true`` in its config."""
    if options.accept_graph_equivalent:
        return True
    try:
        return bool(_validate_config(path).values.get("accept-graph-equivalent"))
    except DiscoveryError:
        return False


def _config_value(config: _ValidateConfig, key: str) -> Any:
    return config.values.get(key)


def _top_level(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names bound by def, class, assignment or import, to their defining node."""
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = node
    return names


def _argument_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _mentions(node: ast.AST, names: frozenset[str]) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in names:
            return True
        if isinstance(child, ast.Attribute) and child.attr in names:
            return True
    return False




def _estimator_callable(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Takes ``features`` and ``mode`` and nothing an Estimator cannot pass."""
    names = _argument_names(function)
    required = required_arguments(function)
    return "features" in names and "mode" in names and set(required) <= set(MODEL_FN_GIVES)


def _find_model_fn(tree: ast.Module, path: Path) -> str:
    """A module-level ``model_fn``, else the one Estimator-callable function returning a spec."""
    names = _top_level(tree)
    if "model_fn" in names and not isinstance(names["model_fn"], (ast.Import, ast.ImportFrom)):
        return "model_fn"
    functions = [
        node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    callable_ = [f for f in functions if _estimator_callable(f)]
    candidates = [f for f in callable_ if _mentions(f, SPEC_NAMES)] or callable_
    if len(candidates) > 1:
        listed = ", ".join(f.name for f in candidates)
        raise DiscoveryError(f"{path}: several model_fns ({listed}); pick one with --model-fn NAME")
    if candidates:
        return candidates[0].name
    assigned = [
        name
        for name, node in names.items()
        if name.endswith("model_fn") and isinstance(node, (ast.Assign, ast.AnnAssign))
    ]
    if len(assigned) == 1:
        return assigned[0]
    nested = sorted(
        {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node not in functions
            and _estimator_callable(node)
        }
    )
    hint = (
        f" (found {', '.join(nested)} inside other definitions: "
        "point --model-fn at a module-level callable)"
        if nested
        else ""
    )
    raise DiscoveryError(
        f"{path}: no model_fn found: looked for a module-level function taking (features, labels, "
        f"mode[, params][, config]) or a name ending in model_fn; pass --model-fn NAME{hint}"
    )


def _function_node(tree: ast.Module, dotted: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    node = _top_level(tree).get(dotted.split(".")[0])
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _uses(node: ast.AST, names: Collection[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _labels_aliases(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str = "labels"
) -> dict[str, int]:
    """``name`` (the labels) and the names bound to it directly or through a cast/reshape, each
    with how many dimensions ``expand_dims`` added on the way (a rebinding's count wins:
    ``labels = tf.expand_dims(labels, 1)``)."""
    aliases = {name: 0}
    for node in sorted(
        (n for n in ast.walk(function) if isinstance(n, ast.Assign)), key=lambda n: n.lineno
    ):
        value = node.value
        source = None
        if isinstance(value, ast.Name) and value.id in aliases:
            source, added = value.id, 0
        elif (keyed := _keyed(value, aliases)) is not None:  # ``ctr = labels["ctr"]``
            source, added = keyed[0], 0
        elif (sliced := _sliced(value, aliases)) is not None:  # ``labels[:, :10]``: same rank
            source, added = sliced, 0
        elif (
            isinstance(value, ast.Call)
            and _call_name(value) in _ALIAS_CALLS
            and bool(value.args)
            and isinstance(value.args[0], ast.Name)
            and value.args[0].id in aliases
        ):
            source, added = value.args[0].id, int(_call_name(value) == "expand_dims")
        if source is not None:
            count = aliases[source] + added
            aliases.update((t.id, count) for t in node.targets if isinstance(t, ast.Name))
    return aliases


def _is_labels(node: ast.AST, aliases: Collection[str]) -> bool:
    """The labels (an alias of them), also as handed through a cast or reshape in place
    (``mean_squared_error(tf.cast(labels, tf.float32), predictions)``)."""
    if isinstance(node, ast.Call) and _call_name(node) in _ALIAS_CALLS and node.args:
        return _is_labels(node.args[0], aliases)
    if _itemised(node, aliases) or _sliced(node, aliases) is not None:
        return True
    return (isinstance(node, ast.Name) and node.id in aliases) or _keyed(node, aliases) is not None


def _itemised(node: ast.AST, aliases: Collection[str]) -> bool:
    """One item of the labels by a variable index (``tower_labels[i]``: labels as a list, one
    batch per device tower): that item is what a helper handed it takes as labels."""
    return (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and isinstance(node.slice, ast.Name)
    )


def _sliced(node: ast.AST, aliases: Collection[str]) -> str | None:
    """The labels' name where ``node`` slices them, or one of a dict of them, along every axis
    it indexes (``labels[:, :10]``, ``labels["pred"][:, :-2]``: of the rank they have), else
    None."""
    if not isinstance(node, ast.Subscript):
        return None
    holder = node.value
    if isinstance(holder, ast.Name) and holder.id in aliases:
        name: str | None = holder.id
    else:
        keyed = _keyed(holder, aliases)
        name = keyed[0] if keyed is not None else None
    parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return name if name is not None and all(isinstance(p, ast.Slice) for p in parts) else None


def _keyed(node: ast.AST, aliases: Collection[str]) -> tuple[str, str] | None:
    """The labels' name and the key where ``node`` reads one of a dict of labels by a string
    key (``labels["ctr"]``, ``labels.get("ctr")``), else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
        holder, key = node.value, node.slice
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and node.args
    ):
        holder, key = node.func.value, node.args[0]
    else:
        return None
    if not (isinstance(holder, ast.Name) and holder.id in aliases):
        return None
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
        return None
    return holder.id, key.value


def _label_keys(function: ast.AST, name: str) -> tuple[str, ...]:
    """The string keys ``function`` reads its labels (``name``) by, in order."""
    keys: list[str] = []
    for node in sorted(
        (n for n in ast.walk(function) if isinstance(n, (ast.Subscript, ast.Call))),
        key=lambda n: (n.lineno, n.col_offset),
    ):
        found = _keyed(node, (name,))
        if found is not None and found[1] not in keys:
            keys.append(found[1])
    return tuple(keys)


def _label_parts(function: ast.AST, name: str) -> int:
    """How many names ``function`` unpacks its labels (``name``) into (``labels, names =
    labels``), or 0."""
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and node.value.id == name
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Tuple)
            and all(isinstance(e, ast.Name) for e in node.targets[0].elts)
        ):
            return len(node.targets[0].elts)
    return 0


def _with_parts(hint: LabelHint | None, parts: int, where: str) -> LabelHint | None:
    """``hint`` for the first of the ``parts`` the labels are unpacked into (none: as it is)."""
    if parts < 2:
        return hint
    hint = hint or LabelHint("float32", None, f"labels unpacked in {where}")
    return replace(hint, parts=parts)


def _with_keys(hint: LabelHint | None, keys: tuple[str, ...], where: str) -> LabelHint | None:
    """``hint`` for each of a dict of labels read by ``keys`` (none: one value per example)."""
    if not keys:
        return hint
    hint = hint or LabelHint("float32", None, f"labels read by key in {where}")
    return replace(hint, keys=keys)


def _expanded(nodes: list[ast.expr], aliases: Mapping[str, int]) -> int:
    """How many dimensions the labels among ``nodes`` were given by ``expand_dims``."""
    return max(
        (aliases[n.id] for n in nodes if isinstance(n, ast.Name) and n.id in aliases), default=0
    )


def _other_operand(call: ast.Call, aliases: Collection[str]) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg in _OTHER_KEYWORDS:
            return keyword.value
    for argument in call.args:
        if not _is_labels(argument, aliases):
            return argument
    return None


def _unsliced(
    operand: ast.AST | None, arguments: list[ast.expr], aliases: Collection[str]
) -> ast.AST | None:
    """``operand`` less the slice the labels are given with, where it is sliced the same way
    (``loss(labels["pred"][:, :-2], logits[:, :-2])``: the labels are as ``logits`` is)."""
    given = next((a for a in arguments if _is_labels(a, aliases)), None)
    if (
        isinstance(operand, ast.Subscript)
        and isinstance(given, ast.Subscript)
        and _sliced(given, aliases) is not None
        and ast.dump(operand.slice) == ast.dump(given.slice)
    ):
        return operand.value
    return operand


def _hint_from(node: ast.AST, aliases: Mapping[str, int]) -> LabelHint | None:
    where = f"line {getattr(node, 'lineno', '?')}"
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Sub, ast.Add, ast.Mult)):
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if _is_labels(side, aliases) and not _uses(other, aliases):
                like = ast.unparse(other)
                origin = f"`labels` combined with `{like}` ({where})"
                return LabelHint("float32", like, origin, _expanded([side], aliases))
        return None
    if not isinstance(node, ast.Call):
        return None
    name = _call_name(node)
    arguments = [*node.args, *(k.value for k in node.keywords)]
    if not any(_is_labels(a, aliases) for a in arguments):
        return None
    if name in _CLASS_ID_CALLS:
        return LabelHint("int32", None, f"the labels of {name}() ({where})")
    if name in _LIKE_CALLS:
        operand = _unsliced(_other_operand(node, aliases), arguments, aliases)
        shaped = ast.unparse(operand) if operand and not _uses(operand, aliases) else None
        origin = f"the labels of {name}() ({where})"
        return LabelHint("float32", shaped, origin, _expanded(arguments, aliases))
    return None


def label_hint(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str = "labels"
) -> LabelHint | None:
    """How the model_fn first uses its labels (a loss or metric call, or arithmetic); ``name``:
    what the function calls them."""
    aliases = _labels_aliases(function, name)
    uses = sorted(
        (n for n in ast.walk(function) if isinstance(n, (ast.Call, ast.BinOp))),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in uses:
        hint = _hint_from(node, aliases)
        if hint is not None:
            return hint
    return None


def labels_parameter(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """The parameter ``function`` takes its labels by, as the worker passes them
    (``call_model_fn``): by name, else by position as tf.contrib.learn hands them (``labels``
    where it takes none)."""
    names = _argument_names(function)
    named = next((name for name in LABEL_NAMES if name in names), None)
    if named is not None:
        return named
    return positional_labels(without_self(names)) or "labels"


def label_hint_in(
    tree: ast.Module, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> LabelHint | None:
    """``label_hint(function)``, else that of a module function it hands the labels (or an alias)
    to, whose labels are then taken as one value per example. The labels are the parameter an
    Estimator passes them as: ``labels``, or ``targets``/``target`` (tf.contrib.learn's names)."""
    name = labels_parameter(function)
    found = _with_keys(label_hint(function, name), _label_keys(function, name), function.name)
    found = _with_parts(found, _label_parts(function, name), function.name)
    if found is not None:
        return found
    functions = {
        n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    aliases = _labels_aliases(function, name)
    for call in ast.walk(function):
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            continue
        helper = functions.get(call.func.id)
        if helper is None or helper is function:
            continue
        names = _argument_names(helper)
        given = [
            names[i] for i, a in enumerate(call.args) if i < len(names) and _is_labels(a, aliases)
        ]
        given += [k.arg for k in call.keywords if k.arg in names and _is_labels(k.value, aliases)]
        for name in given:
            inner = label_hint(helper, str(name))
            if inner is not None:
                inner = LabelHint(inner.dtype, None, f"{inner.origin} in {helper.name}()")
            inner = _with_keys(inner, _label_keys(helper, str(name)), f"{helper.name}()")
            if inner is not None:
                return inner
    return None


def _input_ref(text: str, root: Path | None) -> FunctionRef:
    try:
        parse_input_fn(text)
    except OptionError as exc:
        raise DiscoveryError(str(exc)) from None
    module, _, name = text.rpartition(":")
    if module.endswith(".py") and root is not None and not os.path.isabs(module):
        module = os.fspath(root / module)
    elif module.endswith(".py"):
        module = os.path.abspath(module)
    return FunctionRef(name, module)


def _find_inputs(
    names: Mapping[str, ast.AST], given: FunctionRef | None
) -> dict[str, FunctionRef] | None:
    if given is not None:
        return {mode: given for mode in MODES}
    present = [name for name in INPUT_FN_NAMES if name in names]
    if not present:
        return None
    chosen: dict[str, FunctionRef] = {}
    for mode in MODES:
        for name in _INPUT_PREFERENCE[mode]:
            if name in names:
                chosen[mode] = FunctionRef(name)
                break
        else:  # ``predict_input_fn`` alone feeds no training: as if the file had none
            return None
    return chosen


def _need_arguments(names: Mapping[str, ast.AST], inputs: Mapping[str, FunctionRef]) -> bool:
    """Whether an input function found by name takes a parameter without a default that an
    Estimator does not give it."""
    for ref in inputs.values():
        node = names.get(ref.name) if ref.module is None and ref.built is None else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if any(name not in ESTIMATOR_GIVES for name in required_arguments(node)):
            return True
    return False


def _called_inputs(tree: ast.Module) -> dict[str, FunctionRef] | None:
    """The input functions the file passes to its Estimator's train/evaluate/predict or specs,
    per mode (a mode without one takes another's: EVAL TRAIN's, PREDICT EVAL's or TRAIN's)."""
    called = call_site_inputs(tree)
    if "TRAIN" not in called:
        return None
    called.setdefault("EVAL", called["TRAIN"])
    called.setdefault("PREDICT", called["EVAL"])
    return {mode: FunctionRef(built.expression, None, built) for mode, built in called.items()}


def _synthetic_sources(tree: ast.Module, names: Mapping[str, ast.AST]) -> tuple[str, ...]:
    """Serving input functions in the module (by the usual names or containing 'serving_input')."""
    found = [name for name in SERVING_FN_NAMES if name in names]
    found += [
        name
        for name, node in names.items()
        if "serving_input" in name
        and name not in found
        and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    return tuple(found)


def package_layout(path: Path) -> tuple[str, tuple[str, ...]]:
    """The module's dotted name (through enclosing packages) and the directories it imports from."""
    path = path.resolve()
    parts = [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    repository = repository_root(path)
    ordered = [directory, repository]
    # A module of a package is imported from above the package, where its own directory is no
    # entry of the import path: modules there (``tacotron/models/tacotron.py``) must not shadow
    # the repository's packages (``import tacotron.models.tacotron``); it comes last, for
    # sibling imports of scripts kept in packages. A module in a plain directory is a script.
    ordered.insert(len(ordered) if len(parts) > 1 else 0, path.parent)
    roots: list[str] = []
    for entry in ordered:
        if entry is not None and os.fspath(entry) not in roots:
            roots.append(os.fspath(entry))
    return ".".join(parts), tuple(roots)


def repository_root(path: Path) -> Path | None:
    """The work tree holding ``path`` (the nearest directory with ``.git``), importable as the
    repository's own scripts import from it."""
    for directory in path.resolve().parents:
        if (directory / ".git").exists():
            return directory
    return None


def no_input_message(path: Path) -> str:
    return (
        f"{path}: no input: looked for --input-fn MODULE:FN, functions "
        f"{'/'.join(INPUT_FN_NAMES)} in the file, input-fn in [tool.estimator-fix.validate] "
        "(pyproject.toml), and for synthetic inputs a serving input function "
        f"({'/'.join(SERVING_FN_NAMES)}), a tf.io.FixedLenFeature spec, feature columns or "
        "feature keys the model_fn reads (in its code or when built)"
    )


def _parse(path: Path, source: bytes) -> ast.Module:
    try:
        return ast.parse(source, filename=os.fspath(path))
    except (SyntaxError, ValueError) as exc:
        raise DiscoveryError(f"{path}: does not parse: {exc}") from None


def _params(options: ValidationOptions, config: _ValidateConfig) -> str | None:
    if options.params_json is not None:
        return options.params_json
    value = config.values.get("params")
    if value is None:
        return None
    try:
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True)
        if isinstance(value, str):
            return parse_params(value)
    except OptionError as exc:
        raise DiscoveryError(f"[tool.estimator-fix.validate] params: {exc}") from None
    raise AssertionError("checked by _check_config")


def _labels(options: ValidationOptions, config: _ValidateConfig) -> LabelSpec | None:
    if options.labels is not None:
        return options.labels
    text = _config_value(config, "labels")
    try:
        return parse_labels(text) if text else None
    except OptionError as exc:
        raise DiscoveryError(f"[tool.estimator-fix.validate] labels: {exc}") from None


def _configured_python(config: _ValidateConfig, key: str) -> str | None:
    """``python``/``python-tf1`` from the config; a relative path is relative to its file."""
    value = _config_value(config, key)
    if value and config.root is not None and os.sep in value and not os.path.isabs(value):
        return os.fspath(config.root / str(value))
    return str(value) if value else None


def choose_interpreters(
    tree: ast.Module,
    path: Path,
    roots: tuple[str, ...],
    options: ValidationOptions,
    config: _ValidateConfig,
) -> Interpreters:
    """The interpreter per TensorFlow generation the module needs (see ``interpreters``)."""
    use = first_tf1_use(tree, path)
    try:
        return choose(
            use.describe(path) if use else None,
            options.python or _configured_python(config, "python"),
            options.python_tf1 or _configured_python(config, "python-tf1"),
            [Path(root) for root in roots],
        )
    except NoTf1Interpreter as exc:
        raise DiscoveryError(f"{path}: {exc}") from None


def _callers(
    path: Path,
    module_name: str,
    targets: list[Target],
    inputs: Mapping[str, FunctionRef] | None,
    known: Mapping[str, Caller],
) -> tuple[Caller, ...]:
    built = [b for t in targets for b in (t.built, t.params)]
    built += [ref.built for ref in (inputs or {}).values()]
    # a builder's (its scope), or a class's whose ``__init__`` an instance is built in
    scopes = {b.scope[0] for b in built if b is not None and _called_scope(b.scope)}
    if not scopes:
        return ()
    found = {name: known[name] for name in scopes if name in known}
    found.update(_callers_of(path, module_name, scopes - set(known)))
    return tuple(found[name] for name in sorted(found))


def _callers_of(path: Path, module_name: str, functions: set[str]) -> dict[str, Caller]:
    """Per function (or class) of the module at ``path``, another module's call of it: in its
    directory first, else anywhere in its repository (``callers_elsewhere``)."""
    if not functions:
        return {}
    package = module_name.rpartition(".")[0]
    found = sibling_callers(path.resolve(), package, functions)
    rest = functions - set(found)
    if rest:
        found.update(repository_callers(path, repository_root(path), rest))
    return found


def _called_scope(scope: tuple[str, ...]) -> bool:
    """A function another module may call to build what is in ``scope``: a module-level
    function, or a class (``Model(fg, md)``) for its ``__init__``."""
    return len(scope) == 1 or (len(scope) == 2 and scope[1] == "__init__")


def _given_elsewhere(tree: ast.Module, callers: Mapping[str, Caller]) -> dict[str, frozenset[str]]:
    """Per builder of a model_fn closure (or class of a model_fn method: its ``__init__``), the
    parameters another module's call of it (``callers``) gives."""
    functions = builders(tree)
    return {name: given_by(caller, functions[name]) for name, caller in callers.items()}


def _top_level_function(tree: ast.Module, name: str) -> ast.FunctionDef | None:
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    return next((n for n in functions if n.name == name), None)


def _caller_params(caller: Caller) -> tuple[ParamGuess, ...]:
    """The params the model_fn ``caller`` calls the validated one from reads, guessed from how
    it reads them (``params['resnet_size']``)."""
    try:
        tree = ast.parse(Path(caller.file).read_bytes(), filename=caller.file)
    except (OSError, SyntaxError, ValueError):
        return ()
    holder = _top_level_function(tree, caller.scope[0])
    if holder is None:
        return ()
    return infer(tree, holder).params


def _flag_arguments(config: _ValidateConfig) -> tuple[str, ...]:
    values = config.values.get("flags") or {}
    arguments = []
    for name, value in sorted(values.items()):
        if isinstance(value, bool):
            arguments.append(f"--{name}" if value else f"--no{name}")
        else:
            arguments.append(f"--{name}={value}")
    return tuple(arguments)


def plan(
    path: Path, source: bytes, options: ValidationOptions, rewritten: bytes | None = None
) -> Plan:
    """Decide what the workers run for ``path`` (whose content is ``source``; ``rewritten``, the
    rewrite, decides which model_fns to validate: those it changed).

    Options win over ``[tool.estimator-fix.validate]``; the model_fn and input functions not
    given either way are found in the source. Raises DiscoveryError with one line.
    """
    tree = _parse(path, source)
    config = _validate_config(path)
    names = _top_level(tree)
    chosen = options.model_fn or _config_value(config, "model-fn")
    given = dict(config.values.get("model-fn-args") or {})
    module_name, roots = package_layout(path)
    # another module's calls of the builders and classes, read once (the repository's files)
    builder_callers = _callers_of(path, module_name, set(builders(tree)))
    elsewhere = _given_elsewhere(tree, builder_callers)
    defaults = flag_defaults(path.resolve(), roots)
    delegating = delegating_callers(path.resolve(), module_name.rpartition(".")[0], tree)
    imported = imported_functions(tree, path.resolve(), [Path(root) for root in roots])
    try:
        targets = find_targets(
            tree,
            _parse(path, rewritten) if rewritten else None,
            chosen,
            given,
            elsewhere,
            delegating,
            defaults,
            imported,
        )
    except TargetError as exc:
        raise DiscoveryError(f"{path}: {exc}") from None
    model_fn = targets[0].name if targets else chosen or _find_model_fn(tree, path)
    function = targets[0].node if targets else _function_node(tree, model_fn)
    if function is None and model_fn.split(".")[0] not in names:
        raise DiscoveryError(f"{path}: no {model_fn!r} at module level (from --model-fn or config)")
    given_input: FunctionRef | None = None
    if options.input_fn:
        given_input = _input_ref(options.input_fn, None)
    elif _config_value(config, "input-fn"):
        given_input = _input_ref(config.values["input-fn"], config.root)
    inputs = _find_inputs(names, given_input)
    if inputs is None or (given_input is None and _need_arguments(names, inputs)):
        # ``input_fn(mode, num_epochs, batch_size)``: the file's own calls give what it needs
        inputs = _called_inputs(tree) or inputs
    serving = _synthetic_sources(tree, names)
    functions = [(t.name, t.node) for t in targets] or (
        [(model_fn, function)] if function is not None else []
    )
    inferred = {name: infer(tree, node, imported) for name, node in functions}
    for target in targets:
        # A model_fn run through its caller: the caller reads the params; the features go
        # through it to the model_fn here.
        params = _caller_params(target.through) if target.through is not None else None
        built = target.built
        wrapper = _top_level_function(tree, built.expression) if built and not built.scope else None
        if wrapper is not None and wrapper is not target.node:
            params = infer(tree, wrapper, imported).params
        if params is not None:
            inferred[target.name] = replace(inferred[target.name], params=params)
    inferred = {
        name: replace(found, params=with_flag_defaults(found.params, defaults))
        for name, found in inferred.items()
    }
    steps = options.steps or _config_value(config, "steps") or DEFAULT_STEPS
    timeout = options.timeout or _config_value(config, "timeout") or DEFAULT_TIMEOUT
    if config.root is not None and os.fspath(config.root) not in roots:
        roots = (*roots, os.fspath(config.root))
    interpreters = choose_interpreters(tree, path, roots, options, config)
    return Plan(
        model_fn=model_fn,
        tpu=(targets[0].tpu if targets else False)
        or (function is not None and _mentions(function, frozenset({"TPUEstimatorSpec"}))),
        inputs=inputs,
        serving_fns=serving,
        label_hint=label_hint_in(tree, function) if function is not None else None,
        label_hints={name: label_hint_in(tree, node) for name, node in functions},
        labels=_labels(options, config),
        params_json=_params(options, config),
        steps=int(steps),
        timeout=float(timeout),
        python=interpreters.primary,
        module_name=module_name,
        sys_path=roots,
        python_fallback=interpreters.fallback,
        interpreter_reason=interpreters.reason,
        targets=tuple(targets),
        callers=_callers(path, module_name, targets, inputs, builder_callers),
        flags=_flag_arguments(config),
        model_fn_args_json=json.dumps(given, sort_keys=True) if given else None,
        inferred=inferred,
    )
