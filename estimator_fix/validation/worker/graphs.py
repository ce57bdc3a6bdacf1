"""Each mode's graph, built from the same placeholders in both versions, for the graph-level
comparison (``validation/graph_compare.py``) where the numbers cannot run.

The placeholders take the dtypes and shapes of what the TRAIN input function yields (the file's
own, or synthetic inputs), with the batch dimension unknown (or, where the TRAIN graph builds
only with it, the batch size the input gives: code written for TPUs, which reshapes to
``(params["batch_size"], -1)``, needs it static). Every mode's graph is built as an
Estimator builds it (graph seed, global step, then the input placeholders, labels included in
every mode so that op ids line up), and recorded as its ops (name, type, inputs, a digest of each
attribute) and the spec's outputs by tensor name. Where the original fails in PREDICT without
labels it is built again with the placeholder labels: the reference SPEC §6 asks for.
Python 3.7 compatible; TensorFlow 1.15 and 2.x.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .inferred import fresh_params
from .loading import parameter_names
from .messaging import last_line, where

if TYPE_CHECKING:
    from .program import Program

MODES = ("TRAIN", "EVAL", "PREDICT")


class _Leaf:
    """One input tensor's dtype and shape (batch first), or a sparse tensor's dtype and rank."""

    def __init__(self, dtype: Any, shape: Optional[List[Optional[int]]], sparse: bool) -> None:
        self.dtype, self.shape, self.sparse = dtype, shape, sparse


#: The attribute that colocates an op with others, by their names (``loc:@global_step``): sent
#: as those names, not a digest.
COLOCATION = "_class"


def _digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()[:12]


class _Digests:
    """Ops as lists (name, type, inputs, a digest per attribute), where a function an attribute
    names (a ``tf.cond`` branch, a ``tf.while_loop`` body) stands for its content: its name holds
    a counter that follows how many functions the graph made before it."""

    def __init__(self, graph: Any) -> None:
        self.library = {f.signature.name: f for f in graph.as_graph_def().library.function}
        self.memo: Dict[str, str] = {}

    def function(self, name: str) -> str:
        if name not in self.library:
            return name
        if name not in self.memo:
            self.memo[name] = name  # a function that calls itself
            copy = type(self.library[name])()
            copy.CopyFrom(self.library[name])
            copy.signature.name = ""
            _positional_arguments(copy)
            for node in copy.node_def:
                self.canonical(node.attr)
            self.memo[name] = "function:" + _digest(copy.SerializeToString(deterministic=True))
        return self.memo[name]

    def canonical(self, attrs: Any) -> None:
        for key in attrs:
            value = attrs[key]
            kind = value.WhichOneof("value")
            if kind == "func":
                value.func.name = self.function(value.func.name)
            elif kind == "list":
                for function in value.list.func:
                    function.name = self.function(function.name)

    def op(self, op: Any) -> List[Any]:
        node = op.node_def
        self.canonical(node.attr)
        attrs = {
            key: _digest(node.attr[key].SerializeToString(deterministic=True))
            for key in sorted(node.attr)
            if key not in _BOOKKEEPING
        }
        if COLOCATION in attrs:  # names ops, whose counters the comparison sees through
            attrs[COLOCATION] = " ".join(
                s.decode("utf-8", "replace") for s in node.attr[COLOCATION].list.s
            )
        return [op.name, op.type, list(node.input), attrs]


#: What TensorFlow records of the op a function argument was captured from (its name).
_CAPTURED_NAME = "_user_specified_name"


def _positional_arguments(function: Any) -> None:
    """``function`` (a FunctionDef) with its arguments and results named by position: a
    ``tf.cond`` branch's arguments are named after the ops it captured (``cond_const_2`` for
    ``Const_2``), whose counters follow how many ops the graph made before them."""
    names = {}
    for index, argument in enumerate(function.signature.input_arg):
        names[argument.name] = f"input_{index}"
        argument.name = names[argument.name]
    outputs = {}
    for index, argument in enumerate(function.signature.output_arg):
        outputs[argument.name] = f"output_{index}"
        argument.name = outputs[argument.name]

    def renamed(reference: str) -> str:
        control = "^" if reference.startswith("^") else ""
        head, colon, rest = reference.lstrip("^").partition(":")
        return control + names.get(head, head) + colon + rest

    for node in function.node_def:
        for index, reference in enumerate(node.input):
            node.input[index] = renamed(reference)
        if _CAPTURED_NAME in node.attr:
            del node.attr[_CAPTURED_NAME]
    results = dict(function.ret)
    function.ret.clear()
    for key, value in results.items():
        function.ret[outputs.get(key, key)] = renamed(value)
    for index in function.arg_attr:
        attrs = function.arg_attr[index].attr
        if _CAPTURED_NAME in attrs:
            del attrs[_CAPTURED_NAME]


#: Attributes TensorFlow sets on an op for its own statistics, not for what the op computes:
#: ``_has_manual_control_dependencies`` marks an op some later op took as a control input (TF
#: 2.x), so an op the rewrite no longer builds in a mode (a metric's update depending on the
#: loss) changes it on an op both build alike; the control input itself is compared, as an
#: input (``^name``) of the op that takes it.
_BOOKKEEPING = frozenset({"_has_manual_control_dependencies"})


def _params(program: Program) -> Any:
    """The params the Estimator passes (a TPUEstimator adds the batch size)."""
    if not program.tpu:
        return fresh_params(program.params)
    params, batch = program.tpu_batch()
    params["batch_size"] = batch
    return params


def call_input_fn(program: Program, fn: Any) -> Any:
    """Call input function ``fn`` as an Estimator's TRAIN does."""
    tf = program.tf
    names = parameter_names(fn)
    given = {
        "params": _params(program),
        "mode": tf.estimator.ModeKeys.TRAIN,
        "config": tf.estimator.RunConfig(),
        "input_context": None,
    }
    if names is None:
        return fn(**given)
    return fn(**{name: value for name, value in given.items() if name in names})


def input_structure(program: Program) -> Tuple[Any, Any]:
    """(features, labels) of the TRAIN input function, as nests of ``_Leaf`` (labels may be
    None)."""
    tf = program.tf
    with tf.Graph().as_default():
        program.seed_graph()  # a shuffle in the input function is a random op
        result = call_input_fn(program, program.inputs["TRAIN"])
        if isinstance(result, (tf.data.Dataset, tf.compat.v1.data.Dataset)):
            iterator = tf.compat.v1.data.make_initializable_iterator(result)
            result = iterator.get_next()
        if isinstance(result, (tuple, list)) and len(result) == 2:
            features, labels = result
        else:
            features, labels = result, None

        def leaf(tensor: Any) -> _Leaf:
            if isinstance(tensor, tf.SparseTensor):
                rank = tensor.shape.rank if tensor.shape.rank is not None else 2
                return _Leaf(tensor.dtype, [None] * rank, True)
            shape = tensor.shape.as_list() if tensor.shape.rank is not None else None
            return _Leaf(tensor.dtype, shape, False)

        return (
            tf.nest.map_structure(leaf, features),
            tf.nest.map_structure(leaf, labels) if labels is not None else None,
        )


def _placeholders(
    tf: Any, structure: Any, prefix: str, static: bool = False
) -> Tuple[Any, List[str]]:
    """A placeholder per leaf of ``structure``; ``static``: with the batch size it gives."""
    leaves = tf.nest.flatten(structure)
    made = []
    names = []
    for index, leaf in enumerate(leaves):
        name = f"{prefix}_{index}"
        if leaf.sparse:
            rank = len(leaf.shape or [None, None])
            made.append(tf.compat.v1.sparse_placeholder(leaf.dtype, shape=[None] * rank, name=name))
        else:
            shape = None if leaf.shape is None else list(leaf.shape)
            if shape and not static:
                shape[0] = None
            made.append(tf.compat.v1.placeholder(leaf.dtype, shape=shape, name=name))
        names.append(made[-1].op.name if hasattr(made[-1], "op") else name)
    return tf.nest.pack_sequence_as(structure, made), names


def _name(value: Any) -> Any:
    return getattr(value, "name", None) if value is not None else None


def _outputs(tf: Any, spec: Any, mode: str) -> Dict[str, Any]:
    """The spec's outputs each mode uses, by tensor (or op) name."""
    if mode == "TRAIN":
        return {"loss": _name(spec.loss), "train_op": _name(spec.train_op)}
    if mode == "EVAL":
        metrics = {
            str(key): [_name(v) for v in tf.nest.flatten(value)]
            for key, value in sorted((spec.eval_metric_ops or {}).items())
        }
        return {"loss": _name(spec.loss), "metrics": metrics}
    predictions = spec.predictions
    if isinstance(predictions, dict):
        named = {str(k): _name(v) for k, v in sorted(predictions.items())}
    else:
        named = {"": _name(predictions)}
    exports = {}
    for key, output in sorted((spec.export_outputs or {}).items()):
        tensors = getattr(output, "outputs", None) or {}
        exports[str(key)] = {str(k): _name(v) for k, v in sorted(tensors.items())}
    return {"predictions": named, "export_outputs": exports}


def _build(
    program: Program, mode: str, structure: Tuple[Any, Any], with_labels: bool, static: bool
) -> Dict[str, Any]:
    tf = program.tf
    graph = tf.Graph()
    with graph.as_default():
        program.seed_everything()  # Python's and NumPy's too: Keras initializers draw from them
        tf.compat.v1.train.get_or_create_global_step()
        features, _ = _placeholders(tf, structure[0], "features", static)
        labels, label_names = (
            _placeholders(tf, structure[1], "labels", static)
            if structure[1] is not None
            else (None, [])
        )
        params = _params(program)
        config = tf.estimator.RunConfig(
            model_dir=program.model_dir("graph"), tf_random_seed=program.seed
        )
        given = labels if (mode != "PREDICT" or with_labels) else None
        key = getattr(tf.estimator.ModeKeys, mode)
        spec = program.call_model_fn(features, given, key, params, config)
        if hasattr(spec, "as_estimator_spec"):  # a TPUEstimatorSpec, as on CPU
            spec = spec.as_estimator_spec()
        elif type(spec).__name__ == "ModelFnOps":  # tf.contrib.learn's spec
            spec = spec.estimator_spec()
        outputs = _outputs(tf, spec, mode)
        digests = _Digests(graph)
        ops = [digests.op(op) for op in graph.get_operations()]
    return {"ok": True, "ops": ops, "outputs": outputs, "labels": label_names}


def _static_batch(structure: Tuple[Any, Any], tf: Any) -> Optional[int]:
    """The one batch size every dense input gives, if they give one."""
    leaves = tf.nest.flatten(structure)
    batches = {leaf.shape[0] for leaf in leaves if not leaf.sparse and leaf.shape}
    return batches.pop() if len(batches) == 1 and None not in batches else None


def _train(program: Program, structure: Tuple[Any, Any]) -> Tuple[Dict[str, Any], bool]:
    """The TRAIN graph, and whether it was built with the input's batch size (it builds only so)."""
    try:
        return _build(program, "TRAIN", structure, False, False), False
    except (Exception, SystemExit) as exc:  # user code: the model_fn
        failed = {"ok": False, "error": last_line(exc), "where": where(exc)}
    batch = _static_batch(structure, program.tf)
    if batch is None:
        return failed, False
    try:
        built = _build(program, "TRAIN", structure, False, True)
    except (Exception, SystemExit):  # user code: the model_fn
        return failed, False
    program.out.note(
        f"graphs built with the input's batch size, {batch}: with it unknown the TRAIN graph "
        f"does not build ({failed['error']})"
    )
    return built, True


def build_graphs(program: Program) -> Dict[str, Any]:
    """Every mode's graph (see the module docstring), or why it could not be built."""
    try:
        structure = input_structure(program)
    except (Exception, SystemExit) as exc:  # user code: the input function
        return {"error": "the inputs' structure: " + last_line(exc)}
    train, static = _train(program, structure)
    graphs: Dict[str, Any] = {"TRAIN": train}
    for mode in MODES[1:]:
        try:
            graphs[mode] = _build(program, mode, structure, False, static)
        except (Exception, SystemExit) as exc:  # user code: the model_fn
            graphs[mode] = {"ok": False, "error": last_line(exc), "where": where(exc)}
    predict = graphs["PREDICT"]
    if not predict["ok"] and program.spec["role"] == "original" and structure[1] is not None:
        try:
            reference = _build(program, "PREDICT", structure, True, static)
        except (Exception, SystemExit) as exc:
            predict["placeholder_error"] = last_line(exc)
        else:
            reference["without_labels"] = predict["error"]
            graphs["PREDICT"] = reference
    return {"modes": graphs}
