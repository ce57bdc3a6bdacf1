"""Synthetic features declared by the module: a serving input function's placeholders, else its
parsing specs (``tf.io.FixedLenFeature`` dicts, feature columns). Python 3.7 compatible."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Tuple

from .inferred import SINGLE
from .loading import parameter_names
from .messaging import last_line

if TYPE_CHECKING:
    from .program import Program
    from .synthetic import Synthetic

_SERVING_NAMES = ("serving_input_receiver_fn", "serving_input_fn")
_FEATURE_SPEC_TYPES = ("FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature")


def declared(synthetic: Synthetic) -> Tuple[Dict[str, Any], List[str]]:
    """Features from a serving input function, else from the module's parsing specs, and what
    was looked at that gave none."""
    looked: List[str] = []
    for name in synthetic.program.spec.get("serving_fns") or _SERVING_NAMES:
        fn = getattr(synthetic.program.module, name, None)
        if callable(fn):
            try:
                found = _from_serving(synthetic, fn)
            except Exception as exc:  # user code: fall back to what else says what to feed
                looked.append(f"{name}() failed: {last_line(exc)}")
                continue
            if found:
                synthetic.program.out.note(f"synthetic features from {name}()")
                return found, looked
            looked.append(f"{name}()")
    spec, origin = _parsing_spec(synthetic.program)
    if spec:
        synthetic.program.out.note(f"synthetic features from {origin}")
        return {key: _from_feature(synthetic, value) for key, value in sorted(spec.items())}, looked
    return {}, looked


def _from_serving(synthetic: Synthetic, fn: Any) -> Dict[str, Any]:
    tf = synthetic.tf
    params = synthetic.program.params or {}
    names = parameter_names(fn) or []
    with tf.Graph().as_default():
        synthetic.program.seed_graph()
        receiver = fn(params) if names[:1] == ["params"] else fn()
        features = getattr(receiver, "features", receiver)
        if isinstance(features, (tuple, list)) and features:
            features = features[0]
        if not isinstance(features, dict):  # a TensorServingInputReceiver: one tensor
            features = {SINGLE: features}
        return {str(key): _from_tensor(synthetic, value) for key, value in features.items()}


def _from_tensor(synthetic: Synthetic, tensor: Any) -> Dict[str, Any]:
    tf = synthetic.tf
    if isinstance(tensor, tf.SparseTensor):
        return synthetic.random_entry(tensor.values.dtype, [], sparse=True)
    shape = tensor.shape.as_list() if tensor.shape.rank is not None else [None]
    return synthetic.random_entry(tensor.dtype, [d if d is not None else 1 for d in shape[1:]])


def held_by_the_model(synthetic: Synthetic) -> Dict[str, Any]:
    """Features from the parsing specs the object a model_fn method belongs to holds
    (``self.fg.feature_spec``): where nothing else says what the features are and building the
    model_fn read no key of them (it iterates over them, or reads them through that object)."""
    spec, origin = _parsing_spec(synthetic.program, _held_by_the_model(synthetic.program.model_fn))
    if not spec:
        return {}
    synthetic.program.out.note(f"synthetic features from {origin}")
    return {key: _from_feature(synthetic, value) for key, value in sorted(spec.items())}


def _parsing_spec(program: Program, held: Any = None) -> Any:
    """The union of the module's parsing specs: FixedLenFeature dicts and feature columns
    (module-level, or returned by a no-argument function whose name mentions features); of
    ``held`` (named values) instead where given."""
    tf = program.tf
    merged: Dict[str, Any] = {}
    origins = []
    for name, value in held if held is not None else sorted(vars(program.module).items()):
        if (
            callable(value)
            and not isinstance(value, type)
            and ("feature" in name.lower() or "column" in name.lower())
            and parameter_names(value) == []
        ):
            try:
                value = value()
            except Exception:
                continue
        spec = None
        if (
            isinstance(value, dict)
            and value
            and all(type(v).__name__ in _FEATURE_SPEC_TYPES for v in value.values())
        ):
            spec = value
        elif (
            isinstance(value, (list, tuple))
            and value
            and all(hasattr(v, "parse_example_spec") for v in value)
        ):
            try:
                spec = tf.compat.v1.feature_column.make_parse_example_spec(value)
            except Exception:
                continue
        if spec:
            origins.append(name)
            for key, feature in spec.items():
                merged.setdefault(key, feature)
    return merged, " and ".join(origins)


#: Modules whose objects hold no parsing spec of the user's (their attributes are not looked in).
_LIBRARIES = ("tensorflow", "keras", "numpy", "builtins", "absl", "tf_keras")


def _held_by_the_model(model_fn: Any) -> List[Tuple[str, Any]]:
    """The attributes of the object a model_fn method belongs to, and of the objects of the
    user's classes it holds (two levels: ``self.fg.feature_spec``), each named by its path: the
    model object often holds the spec its own input functions parse with, made at run time
    from a configuration (nothing in the source says its keys)."""
    owner = getattr(getattr(model_fn, "func", model_fn), "__self__", None)
    found: List[Tuple[str, Any]] = []
    seen = set()

    def visit(value: Any, path: str, depth: int) -> None:
        if id(value) in seen or not hasattr(value, "__dict__") or isinstance(value, type):
            return
        if type(value).__module__.split(".")[0] in _LIBRARIES or hasattr(value, "__file__"):
            return  # a library's object, a module
        seen.add(id(value))
        for name, held in sorted(vars(value).items(), key=lambda item: str(item[0])):
            found.append((f"{path}.{name}", held))
            if depth < 2:
                visit(held, f"{path}.{name}", depth + 1)

    if owner is not None:
        visit(owner, "self", 1)
    return found


def _from_feature(synthetic: Synthetic, feature: Any) -> Dict[str, Any]:
    kind = type(feature).__name__
    if kind == "VarLenFeature":
        return synthetic.random_entry(feature.dtype, [], sparse=True)
    shape = [d if d is not None else 1 for d in list(feature.shape)]
    if kind == "FixedLenSequenceFeature":
        shape = [1] + shape
    return synthetic.random_entry(feature.dtype, shape)
