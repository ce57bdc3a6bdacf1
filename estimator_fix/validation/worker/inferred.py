"""Inputs inferred from the model_fn's code (``validation/inference/``), made concrete.

Key expressions and dimensions the code computes (``params["size"]``, ``FLAGS.height``, a module
constant, a variable of the builder a closure comes from) are evaluated with the model's params,
module and closure; an unknown dimension becomes 1. Keys the static reading missed are found by
building the TRAIN graph once with a features mapping that records every key read. Guessed params
fill the keys the model_fn reads that no params give. Python 3.7 compatible.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from .dimensions import SIZE, names_a_dimension, unset_dimension
from .messaging import last_line

if TYPE_CHECKING:
    from .program import Program

#: Marks a guessed params value to be made into feature columns (the inference's
#: ``params.COLUMNS``; the worker imports nothing of the tool).
COLUMNS = "\x00feature_columns"
#: Guessed feature columns embed ids below this many in as many dimensions.
COLUMN_IDS = 4
#: Marks a guessed params value to evaluate in the module (``params.EXPRESSION``).
EXPRESSION = "\x00expression"
#: Marks a guessed params value to be made a float32 NumPy array (``params.ARRAY``).
ARRAY = "\x00array"
#: Marks a builder's parameter guessed as one value, not the keys read from it
#: (``arguments.VALUE``).
VALUE = "\x00value"
#: A single tensor (``features`` not a dict) among the synthetic features.
SINGLE = "\x00features"
#: Sizes tried for an image batch whose size the code does not say (a small CIFAR-style network,
#: an ImageNet-style one, a very small one).
IMAGE_SIZES = (64, 224, 32)
#: Sizes tried for a batch of volumes (3-D convolutions cost the cube of the size).
VOLUME_SIZES = (16, 32, 64)


def _closure(fn: Any) -> Dict[str, Any]:
    """The names a function sees besides its module: its closure's cells (through partials and
    bound methods)."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    fn = inspect.unwrap(fn)
    try:
        return dict(inspect.getclosurevars(fn).nonlocals)
    except (TypeError, ValueError):
        return {}


def _module_names(program: Program) -> Dict[str, Any]:
    """The names the model_fn sees: its module's and its closure's."""
    names = dict(vars(program.module))
    # (while the model_fn is being built, its job's values are made: no closure yet)
    names.update(_closure(getattr(program, "model_fn", None)))
    return names


def namespace(program: Program) -> Dict[str, Any]:
    names = _module_names(program)
    names["params"] = program.params if program.params is not None else {}
    return names


def _evaluate(expression: str, names: Dict[str, Any]) -> Any:
    try:
        return eval(expression, dict(names))  # the model's own code, as the model_fn computes it
    except Exception:
        return None


def _dimension(dim: Any, names: Dict[str, Any]) -> Optional[int]:
    """A dimension written as a number, or as an expression the model_fn's names compute; one
    they do not compute but whose name says it is a size (``seq_length``, a parameter of the
    input builder) gets the size such names get (a sequence of 1 makes a softmax over its
    positions 0, whatever the model computes); else None."""
    expression = dim if isinstance(dim, str) else None
    if expression is not None:
        dim = _evaluate(expression, names)
    try:
        value = int(dim)
    except (TypeError, ValueError):
        word = re.split(r"[^\w]+", expression.strip("]'\" "))[-1] if expression else ""
        return SIZE if word and names_a_dimension(word) else None
    return value if value >= 0 else None


def usable_params(value: Any) -> Any:
    """``value`` as params an Estimator hands a model_fn: a copy of a dict, an object read by
    attribute as it is (``tf.contrib.training.HParams``, an argparse namespace); None for
    anything else (None, a class, a module, a function)."""
    if isinstance(value, dict):
        return dict(value)
    if value is None or isinstance(value, type) or callable(value) or hasattr(value, "__file__"):
        return None
    return value if hasattr(value, "__dict__") else None


def fresh_params(params: Any) -> Any:
    """A copy of ``params`` (of its own type, attribute access kept) for one call of the
    model_fn, which may add to it: a dict's shallow copy; an object's deep copy (an HParams
    object keeps its names in a dict of its own: ``add_hparam`` in one build must not be seen
    by the next), else its shallow copy."""
    if params is None:
        return {}
    if isinstance(params, dict):
        return copy.copy(params)
    try:
        return copy.deepcopy(params)
    except Exception:  # an object holding what cannot be copied (a module, a lock)
        return copy.copy(params)


def params_with_guesses(program: Program, params: Any) -> Any:
    """``params`` with the guessed keys it lacks (None when there is nothing to add to None); an
    object read by attribute gets them as attributes."""
    inferred = program.spec.get("inferred") or {}
    guesses = inferred.get("params") or []
    if params is not None and not isinstance(params, dict):
        missing = []
        for guess in guesses:
            if hasattr(params, guess["key"]):
                continue
            try:
                setattr(params, guess["key"], _made(program, guess["key"], guess["value"]))
            except Exception:  # an object that takes no new attribute (absl's FlagValues)
                continue
            missing.append(guess)
        if missing:
            program.guessed_params = [g["key"] for g in missing]
            listed = ", ".join(f"{g['key']} ({g['origin']})" for g in missing)
            kind = type(params).__name__
            program.out.note(f"params guessed from the model_fn, set on the {kind}: {listed}")
        return params
    unset = [
        g
        for g in guesses
        if g.get("dimension") and unset_dimension(g["key"], (params or {}).get(g["key"]))
    ]
    if unset and params is not None:
        # A dimension the job leaves at 0 (a flag's "give one" default) builds empty tensors,
        # on which any two models agree: the guess stands in for it.
        params = dict(params.items())
        for guess in unset:
            del params[guess["key"]]
        program.out.note(
            "params left unset by the job (0 where a dimension goes): "
            + ", ".join(g["key"] for g in unset)
        )
    missing = [g for g in guesses if params is None or g["key"] not in params]
    by_attribute = any(g.get("attribute") for g in guesses)
    if not missing:
        return AttributeParams(params) if by_attribute and params is not None else params
    merged = AttributeParams(params or {}) if by_attribute else dict(params or {})
    program.guessed_params = [g["key"] for g in missing]
    program.guessed_columns = [g["key"] for g in missing if _columns(g["key"], g["value"])]
    for guess in missing:
        merged[guess["key"]] = _made(program, guess["key"], guess["value"])
    listed = ", ".join(
        "{}={} ({})".format(g["key"], _shown(g["key"], merged[g["key"]]), g["origin"])
        for g in missing
    )
    program.out.note("params guessed from the model_fn: " + listed)
    if by_attribute:
        program.out.note("params readable by attribute too (the model_fn reads params.<key>)")
    return merged


def made_arguments(
    program: Program, job_args: Optional[Dict[str, Dict[str, Dict[str, Any]]]]
) -> Dict[str, Dict[str, Dict[str, Any]]]:
    """The values the plan guessed for builders' parameters (per function path, per parameter:
    one value or the keys read from it), made as params guesses are (``_made``): feature
    columns where marked so, constants evaluated."""
    return {
        path: {
            name: {
                key: _made(program, name if key == VALUE else key, value)
                for key, value in values.items()
            }
            for name, values in parameters.items()
        }
        for path, parameters in (job_args or {}).items()
    }


def _columns(key: str, value: Any) -> Optional[List[str]]:
    """The feature keys of a guess marked as feature columns (``{COLUMNS: n}``), else None."""
    if isinstance(value, dict) and set(value) == {COLUMNS}:
        return [f"{key}_{i}" for i in range(int(value[COLUMNS]))]
    return None


def _made(program: Program, key: str, value: Any) -> Any:
    """A guessed value as the model_fn takes it: feature columns where marked so, embeddings of
    ids (the recording features then find the keys they read, ``program.column_ids``); a
    constant the code compares it with, evaluated in the module (where that fails, the small
    count the inference guesses for what nothing says); a dict of guesses readable by attribute
    too (``opts = params["opts"]; opts.model_name``)."""
    names = _columns(key, value)
    if names is not None:
        # embedding columns of ids: dense for input_layer, linear_model and DenseFeatures alike,
        # with the ``dimension`` factorisation-machine code reads off them
        columns = program.tf.compat.v1.feature_column
        program.column_ids.update(names)
        return [
            columns.embedding_column(
                columns.categorical_column_with_identity(n, COLUMN_IDS), COLUMN_IDS
            )
            for n in names
        ]
    if isinstance(value, dict) and set(value) == {EXPRESSION}:
        found = _evaluate(value[EXPRESSION], _module_names(program))
        return 4 if found is None else found
    if isinstance(value, dict) and set(value) == {ARRAY}:
        return program.np.asarray(value[ARRAY], dtype="float32")
    if isinstance(value, dict):
        return AttributeParams({k: _made(program, k, v) for k, v in value.items()})
    return value


def fit_columns(program: Program, result: Any) -> None:
    """The guessed feature columns remade on the keys the file's own TRAIN input function gives
    (``result``, what it returned: a dataset, or features and labels): a numeric column per dense
    numeric feature of known shape."""
    tf = program.tf
    if not program.guessed_columns or not isinstance(program.params, dict):
        return
    if isinstance(result, (tf.data.Dataset, tf.compat.v1.data.Dataset)):
        shapes = tf.compat.v1.data.get_output_shapes(result)
        dtypes = tf.compat.v1.data.get_output_types(result)
    else:
        shapes = tf.nest.map_structure(lambda t: getattr(t, "shape", None), result)
        dtypes = tf.nest.map_structure(lambda t: getattr(t, "dtype", None), result)
    if isinstance(shapes, tuple) and shapes:  # (features, labels)
        shapes, dtypes = shapes[0], dtypes[0]
    if not isinstance(shapes, dict) or not isinstance(dtypes, dict):
        return
    columns = []
    for key, shape in sorted(shapes.items()):
        dtype = dtypes.get(key)
        numeric = dtype is not None and (dtype.is_floating or dtype.is_integer)
        if not numeric or not isinstance(shape, tf.TensorShape) or shape.rank is None:
            continue
        dims = shape.as_list()[1:]
        if None not in dims:
            columns.append(tf.compat.v1.feature_column.numeric_column(key, shape=dims or (1,)))
    if not columns:
        return
    for key in program.guessed_columns:
        program.params[key] = list(columns)
    program.out.note(
        "guessed feature columns ({}) made on the input function's features: {}".format(
            ", ".join(program.guessed_columns), ", ".join(sorted(c.key for c in columns))
        )
    )


def _shown(key: str, value: Any) -> str:
    """A made value (``_made``) as the note lists it: columns by their keys."""
    if isinstance(value, list) and value and all(hasattr(c, "categorical_column") for c in value):
        keys = [c.categorical_column.key for c in value]
        return "[" + ", ".join(f"embedding of ids {k!r}" for k in keys) + "]"
    if isinstance(value, AttributeParams):
        return "{" + ", ".join(f"{k!r}: {_shown(k, v)}" for k, v in value.items()) + "}"
    if hasattr(value, "astype") and hasattr(value, "shape"):
        return f"array {value.dtype} {list(value.shape)}"
    return repr(value)


class AttributeParams(dict):  # type: ignore[type-arg]
    """params a model_fn reads both as a mapping and by attribute (``params.learning_rate``, as
    with HParams)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def features(program: Program, present: List[str]) -> Dict[str, Dict[str, Any]]:
    """The inferred features not in ``present``: key → dtype, per-example shape, sparse, origin."""
    inferred = program.spec.get("inferred") or {}
    names = namespace(program)
    found: Dict[str, Dict[str, Any]] = {}
    for guess in inferred.get("features") or []:
        key = guess.get("key")
        if guess.get("key_expression"):
            value = _evaluate(guess["key_expression"], names)
            key = value if isinstance(value, str) else None
            if key is None:
                continue
        key = SINGLE if key is None else key
        if key in present or key in found:
            continue
        shape = guess.get("shape")
        dims = None if shape is None else [_dimension(d, names) for d in shape]
        spatial = guess.get("spatial") or (2 if dims == [None, None, None] else 0)
        image = dims is not None and 0 < spatial <= len(dims)
        first = bool(guess.get("channels_first"))
        positions = _spatial_positions(len(dims or []), spatial, first)
        image = image and all((dims or [])[i] is None for i in positions)
        found[key] = {
            "dtype": guess.get("dtype") or "float32",
            "shape": [1 if d is None else d for d in (dims if dims is not None else [1])],
            "sparse": bool(guess.get("sparse")),
            "origin": guess.get("origin") or "",
            "image": image,
        }
        if image:
            found[key].update(template=dims, spatial=spatial, channels_first=first)
            found[key]["shape"] = spatial_shape(found[key], sizes(found[key])[0])
    return found


def sizes(entry: Dict[str, Any]) -> Tuple[int, ...]:
    """The sizes tried for an image's or a volume's ``entry``."""
    return VOLUME_SIZES if entry["spatial"] >= 3 else IMAGE_SIZES


def _spatial_positions(rank: int, spatial: int, channels_first: bool) -> range:
    """Where the ``spatial`` sizes of a per-example shape of ``rank`` are: first, or last with
    the channels first."""
    start = rank - spatial if channels_first else 0
    return range(start, start + spatial)


def spatial_shape(entry: Dict[str, Any], size: int) -> List[int]:
    """``entry``'s shape with its spatial sizes ``size``; unknown channels (after them, or before
    them where the code puts the channels first) are 3 for an image (colour) and 1 for a
    volume."""
    spatial, template = entry["spatial"], entry["template"]
    positions = _spatial_positions(len(template), spatial, bool(entry.get("channels_first")))
    channels = 3 if spatial == 2 else 1
    return [
        d if d is not None else size if i in positions else channels
        for i, d in enumerate(template)
    ]


def describe(found: Dict[str, Dict[str, Any]]) -> str:
    parts = []
    for key, entry in sorted(found.items()):
        name = "features" if key == SINGLE else key
        shape = "[" + ", ".join(["batch"] + [str(d) for d in entry["shape"]]) + "]"
        origin = " ({})".format(entry["origin"]) if entry["origin"] else ""
        parts.append("{} {} {}{}".format(name, entry["dtype"], shape, origin))
    return "; ".join(parts)


def recording_features(tensors: Dict[str, Any], make: Any) -> Any:
    """A features dict that builds (``make(key)``) and records every key read that it lacks:
    indexed, got (``features.get(key)``) or asked for (``key in features``, as feature columns
    ask before they read)."""

    def missing(self: Any, key: Any) -> Any:
        if key not in type(self).missing:
            type(self).missing.append(key)
        value = make(key)
        self[key] = value
        return value

    def contains(self: Any, key: Any) -> bool:
        if isinstance(key, str) and not dict.__contains__(self, key):
            missing(self, key)
        return dict.__contains__(self, key)

    def get(self: Any, key: Any, default: Any = None) -> Any:
        return self[key] if isinstance(key, str) else dict.get(self, key, default)

    members = {"missing": [], "__missing__": missing, "__contains__": contains, "get": get}
    recording = type("Recording", (dict,), dict(members, copy=lambda self: self))
    return recording(tensors)


def build_once(
    synthetic: Any, recording: bool = False, mode: str = "TRAIN"
) -> Tuple[Optional[str], List[str], int]:
    """Build the model_fn's ``mode`` graph once on the synthetic features (and params): the error
    (or None), with ``recording`` the feature keys it read that they lack, and how many ops the
    model_fn had made when it stopped (how far the build got; the inputs' own are not counted)."""
    program = synthetic.program
    tf = program.tf
    missing: List[str] = []
    graph = tf.Graph()
    with graph.as_default():
        program.seed_graph()
        tf.compat.v1.train.get_or_create_global_step()
        features = synthetic.tensors(synthetic.features)
        labels = synthetic.labels_tensor() if synthetic.labels is not None else None
        if recording and isinstance(features, dict):
            ids = program.column_ids  # the guessed columns' keys: ids, as those columns read
            features = recording_features(
                features,
                lambda key: tf.zeros(
                    [program.batch_size, 1], tf.int64 if key in ids else tf.float32
                ),
            )
        features, labels = synthetic.per_tower(features, labels)
        inputs = len(graph.get_operations())
        try:
            program.call_model_fn(
                features,
                labels,
                getattr(tf.estimator.ModeKeys, mode),
                fresh_params(program.params),
                tf.estimator.RunConfig(),
            )
        except Exception as exc:  # user code: what failed is the answer
            error: Optional[str] = last_line(exc)
        else:
            error = None
        if recording and isinstance(features, dict):
            missing = [k for k in getattr(type(features), "missing", []) if isinstance(k, str)]
    return error, missing, len(graph.get_operations()) - inputs


def missing_keys(synthetic: Any) -> Tuple[List[str], int]:
    """Feature keys the model_fn reads in TRAIN that the synthetic features lack, and how many
    ops that build made (its error is kept as ``synthetic.build_error``)."""
    error, missing, ops = build_once(synthetic, recording=True)
    synthetic.build_error = error
    return missing, ops


def fit_images(synthetic: Any, found: Dict[str, Dict[str, Any]]) -> Optional[List[int]]:
    """The first attempt at which the TRAIN graph builds with the images and volumes of
    ``found`` (key → entry) each at its kind's next size (``sizes``): the first one's shape
    then; None when none does (they stay at their first sizes)."""
    attempts = min(len(sizes(entry)) for entry in found.values())
    for attempt in range(attempts):
        for key, entry in found.items():
            shape = spatial_shape(entry, sizes(entry)[attempt])
            synthetic.features[key] = synthetic.random_entry("float32", shape)
        synthetic.build_error = build_once(synthetic)[0]
        if synthetic.build_error is None:
            first = next(iter(found.values()))
            return spatial_shape(first, sizes(first)[attempt])
    for key, entry in found.items():
        synthetic.features[key] = synthetic.random_entry("float32", entry["shape"])
    return None
