"""Inputs inferred from a model_fn's own code (``ast``, no TensorFlow), for a file without an input
function: the feature keys it reads, their dtypes and per-example shapes, and the params it reads.

What is read: ``features["x"]``, ``features.get("x")``, ``features[KEY]`` (a module constant, or an
expression the worker evaluates), keys of a loop over a literal list; what the code does with
each (``tf.reshape`` to a literal shape, ``tf.one_hot`` and embedding lookups for ids,
``tf.cast`` to a dtype, convolutions for images); feature columns (``numeric_column("x",
shape=...)``, ``categorical_column_with_*``), parse specs (``tf.io.FixedLenFeature`` dicts) and
placeholders (``{"x": tf.placeholder(...)}``) anywhere in the module; helpers the model_fn hands
``features`` to. A dimension the code computes from ``params``, ``FLAGS`` or a constant is kept as
its expression, which the worker evaluates with the model's params, flags and closure (see
``worker/inferred.py``); an unknown one is None.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Union

from estimator_fix.validation.options import DTYPES

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
#: A per-example dimension: a number, an expression the worker evaluates, or unknown.
Dim = Union[int, str, None]

_DTYPE_ALIASES = {"float": "float32", "int": "int32", "double": "float64", "str": "string"}
#: Calls whose argument (first, or ``indices``/``ids``) is a tensor of class or token ids.
_ID_CALLS = frozenset(
    {"one_hot", "embedding_lookup", "embedding_lookup_sparse", "gather", "safe_embedding_lookup"}
)
#: Calls (layers) whose input is an image batch: rank 3 per example.
_IMAGE_CALLS = frozenset(
    {
        "conv2d",
        "Conv2D",
        "max_pooling2d",
        "average_pooling2d",
        "MaxPooling2D",
        "AveragePooling2D",
        "separable_conv2d",
        "resize_images",
        "resize",
    }
)
_RESHAPES = frozenset({"reshape"})
_CASTS = frozenset({"cast", "to_float", "to_int32", "to_int64", "to_double"})
_CAST_TARGETS = {
    "to_float": "float32",
    "to_int32": "int32",
    "to_int64": "int64",
    "to_double": "float64",
}
_INPUT_LAYERS = frozenset({"input_layer", "DenseFeatures", "linear_model", "LinearModel"})
_PARSE_SPECS = frozenset({"FixedLenFeature", "FixedLenSequenceFeature", "VarLenFeature"})
_PLACEHOLDERS = frozenset({"placeholder", "placeholder_with_default"})
#: How deep the model_fn's ``features`` is followed into the module's own helpers.
_HELPER_DEPTH = 3


@dataclass(frozen=True)
class FeatureGuess:
    """One feature: its key (None when ``features`` is a single tensor) or an expression giving
    the key, its dtype (None: float32), its per-example shape (None: unknown) and where that was
    read (``line 12: features["x"] reshaped to [-1, 28, 28, 1]``)."""

    key: str | None
    dtype: str | None = None
    shape: tuple[Dim, ...] | None = None
    origin: str = ""
    key_expression: str | None = None
    sparse: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "key_expression": self.key_expression,
            "dtype": self.dtype,
            "shape": list(self.shape) if self.shape is not None else None,
            "sparse": self.sparse,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class ParamGuess:
    """A params key the model_fn reads and a value to run it with, guessed from its name or use."""

    key: str
    value: object
    origin: str

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "value": self.value, "origin": self.origin}


@dataclass(frozen=True)
class Inferred:
    """What the model_fn's code says about its inputs (empty when it says nothing)."""

    features: tuple[FeatureGuess, ...] = ()
    params: tuple[ParamGuess, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "features": [f.to_json() for f in self.features],
            "params": [p.to_json() for p in self.params],
        }


# -- small helpers -----------------------------------------------------------------------------


def _call_name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _argument(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in names:
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def dtype_name(node: ast.AST | None) -> str | None:
    """``tf.float32``, ``tf.dtypes.int64``, ``np.float32``, ``"float32"`` → the dtype's name."""
    if node is None:
        return None
    text = _string(node)
    if text is None and isinstance(node, ast.Attribute):
        text = node.attr
    if text is None and isinstance(node, ast.Name):
        text = node.id
    if text is None:
        return None
    text = _DTYPE_ALIASES.get(text, text)
    return text if text in DTYPES else None


def _parents(root: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(root) for child in ast.iter_child_nodes(node)}


def _line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def _source(node: ast.AST) -> str:
    return ast.unparse(node)


def _parameters(function: Function) -> list[str]:
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _features_parameter(function: Function) -> str | None:
    names = _parameters(function)
    if "features" in names:
        return "features"
    positional = [n for n in names if n not in ("self", "cls")]
    return positional[0] if positional else None


def _params_parameter(function: Function) -> str | None:
    names = _parameters(function)
    return "params" if "params" in names else None


# -- the module's constants and its module-wide sources ------------------------------------------


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level names bound once to a literal (a string, a number, a list of them)."""
    found: dict[str, ast.expr] = {}
    seen: set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                if target.id in seen:
                    found.pop(target.id, None)
                    continue
                seen.add(target.id)
                try:
                    ast.literal_eval(statement.value)
                except ValueError:
                    continue
                found[target.id] = statement.value
    return found


def _strings(node: ast.AST | None, constants: Mapping[str, ast.expr]) -> list[str] | None:
    """A literal list/tuple of strings (or a module constant holding one)."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        values = [_string(e) for e in node.elts]
        if values and all(v is not None for v in values):
            return [v for v in values if v is not None]
    return None


def _dims(node: ast.AST | None, constants: Mapping[str, ast.expr]) -> tuple[Dim, ...] | None:
    """A literal shape: ``[28, 28]``, ``(N,)``, ``[params["size"]]``; a bare number is ``(n,)``."""
    if isinstance(node, ast.Name) and node.id in constants:
        node = constants[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return tuple(_dim(e) for e in node.elts)
    if node is not None and not isinstance(node, ast.Constant):
        return None
    dim = _dim(node) if node is not None else None
    return (dim,) if isinstance(dim, int) else None


def _dim(node: ast.AST) -> Dim:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return None
        if isinstance(node.value, int):
            return node.value if node.value >= 0 else None
        return None
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return None  # -1: "whatever is left"
    return _source(node)


def _per_example(target: tuple[Dim, ...] | None, node: ast.AST) -> tuple[Dim, ...] | None:
    """The per-example size of a tensor reshaped to ``target`` (batch first): the product of
    the other dimensions, flat; None when another dimension is -1 or the batch is not first."""
    if not target:
        return None
    first = target[0]
    literal_first = node.elts[0] if isinstance(node, (ast.List, ast.Tuple)) and node.elts else None
    batch_first = (
        first is None
        or (isinstance(first, str) and "batch" in first.lower())
        or (literal_first is not None and "shape" in _source(literal_first))
    )
    rest = target[1:]
    if not batch_first or any(d is None for d in rest):
        return None
    if not rest:
        return ()
    if len(rest) == 1:
        return rest
    if all(isinstance(d, int) for d in rest):
        product = 1
        for d in rest:
            product *= int(d)  # type: ignore[arg-type]
        return (product,)
    return (" * ".join(f"({d})" if isinstance(d, str) else str(d) for d in rest),)


# -- what the code does with one feature --------------------------------------------------------


@dataclass
class _Uses:
    """What is known of one feature so far (merged over all its uses)."""

    key: str | None
    key_expression: str | None = None
    dtype: str | None = None
    dtype_rank: int = 0
    shape: tuple[Dim, ...] | None = None
    shape_rank: int = 0
    sparse: bool = False
    origins: list[str] | None = None

    def learn(
        self,
        origin: str,
        dtype: str | None = None,
        shape: tuple[Dim, ...] | None = None,
        rank: int = 1,
        sparse: bool = False,
    ) -> None:
        """``rank``: how sure the source is (2: a declared spec or column, 1: a use)."""
        if self.origins is None:
            self.origins = []
        if origin not in self.origins:
            self.origins.append(origin)
        if dtype is not None and rank > self.dtype_rank:
            self.dtype, self.dtype_rank = dtype, rank
        if shape is not None and rank > self.shape_rank:
            self.shape, self.shape_rank = shape, rank
        self.sparse = self.sparse or sparse

    def guess(self) -> FeatureGuess:
        return FeatureGuess(
            key=self.key,
            dtype=self.dtype,
            shape=self.shape,
            origin="; ".join(self.origins or ()),
            key_expression=self.key_expression,
            sparse=self.sparse,
        )


class _FeatureReader:
    """Walks a model_fn (and the helpers it passes ``features`` to) for the keys it reads."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.constants = _constants(tree)
        self.functions = {
            node.name: node
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.found: dict[str, _Uses] = {}
        self.tensor: _Uses | None = None
        self.dict_like = False
        self.reads_columns = False
        self._visited: set[tuple[str, str]] = set()

    def _entry(self, key: str, expression: str | None = None) -> _Uses:
        name = key if expression is None else f"<{expression}>"
        if name not in self.found:
            self.found[name] = _Uses(key if expression is None else None, expression)
        return self.found[name]

    def _key_of(
        self, node: ast.AST, loops: Mapping[str, list[str]]
    ) -> list[tuple[str, str | None]]:
        """Keys an index expression names: a literal, a constant, a loop variable over a literal
        list (several), or an expression for the worker."""
        text = _string(node)
        if text is not None:
            return [(text, None)]
        if isinstance(node, ast.Name):
            if node.id in loops:
                return [(k, None) for k in loops[node.id]]
            constant = _string(self.constants.get(node.id))
            if constant is not None:
                return [(constant, None)]
            return []
        if isinstance(node, ast.Attribute):
            return [("", _source(node))]
        return []

    def read(self, function: Function, features: str, depth: int = 0) -> None:
        if (function.name, features) in self._visited or depth > _HELPER_DEPTH:
            return
        self._visited.add((function.name, features))
        parents = _parents(function)
        loops = self._loops(function)
        aliases: dict[str, list[_Uses]] = {}
        dict_names = {features}
        # Statements in order: aliases (``x = features["x"]``) are known before their uses.
        for assign in sorted(
            (n for n in ast.walk(function) if isinstance(n, ast.Assign)),
            key=lambda n: (n.lineno, n.col_offset),
        ):
            if len(assign.targets) == 1 and isinstance(assign.targets[0], ast.Name):
                name = assign.targets[0].id
                value = assign.value
                if isinstance(value, ast.Name) and value.id in dict_names:
                    dict_names.add(name)
                    continue
                if _call_name(value) in ("copy", "dict") and any(
                    isinstance(n, ast.Name) and n.id in dict_names for n in ast.walk(value)
                ):
                    dict_names.add(name)
                    continue
                entries = self._accessed(value, dict_names, loops)
                if entries:
                    aliases[name] = entries
        for node in ast.walk(function):
            entries = self._accessed(node, dict_names, loops)
            if entries:
                self.dict_like = True
                for entry in entries:
                    entry.learn(f"{_line(node)}: {_source(node)}")
                    self._use(node, parents, entry)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in aliases:
                    for entry in aliases[node.id]:
                        self._use(node, parents, entry)
                elif node.id in dict_names:
                    self._whole(node, parents, function, depth)

    def _loops(self, function: Function) -> dict[str, list[str]]:
        loops: dict[str, list[str]] = {}
        for node in ast.walk(function):
            if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name):
                keys = _strings(node.iter, self.constants)
                if keys:
                    loops[node.target.id] = keys
        return loops

    def _accessed(
        self, node: ast.AST, dict_names: set[str], loops: Mapping[str, list[str]]
    ) -> list[_Uses]:
        """The features ``node`` reads: ``features[K]`` or ``features.get(K)``/``.pop(K)``."""
        index: ast.AST | None = None
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in dict_names
            and isinstance(node.ctx, ast.Load)
        ):
            index = node.slice
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("get", "pop")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in dict_names
            and node.args
        ):
            index = node.args[0]
        if index is None:
            return []
        return [self._entry(key, expression) for key, expression in self._key_of(index, loops)]

    def _use(self, node: ast.AST, parents: Mapping[ast.AST, ast.AST], entry: _Uses) -> None:
        """What the expression around ``node`` (a feature, or an alias of one) says of it."""
        parent = parents.get(node)
        if isinstance(parent, ast.keyword):
            parent = parents.get(parent)
        if not isinstance(parent, ast.Call):
            return
        name = _call_name(parent)
        where = _line(parent)
        first = _argument(parent, 0, "tensor", "x", "indices", "ids", "inputs")
        is_first = first is node
        if name in _RESHAPES and is_first:
            target = _argument(parent, 1, "shape")
            if target is not None:
                per_example = _per_example(_dims(target, self.constants), target)
                if per_example is not None:
                    entry.learn(f"{where}: reshaped to {_source(target)}", shape=per_example)
        elif name in _CASTS and is_first:
            dtype = _CAST_TARGETS.get(name) or dtype_name(_argument(parent, 1, "dtype"))
            if dtype is not None:
                entry.learn(f"{where}: cast to {dtype}", dtype=dtype)
        elif name in _ID_CALLS and node in (
            _argument(parent, 0, "indices"),
            _argument(parent, 1, "ids"),
            _argument(parent, 1, "indices"),
        ):
            entry.learn(
                f"{where}: ids of {name}()", dtype="int32", shape=() if name == "one_hot" else None
            )
        elif name in _IMAGE_CALLS and is_first:
            entry.learn(f"{where}: an image batch for {name}()", shape=(None, None, None))

    def _whole(
        self,
        node: ast.Name,
        parents: Mapping[ast.AST, ast.AST],
        function: Function,
        depth: int,
    ) -> None:
        """``features`` used as a whole: handed to feature columns, to a helper of the module
        (followed), or used as a tensor."""
        parent = parents.get(node)
        if isinstance(parent, ast.keyword):
            parent = parents.get(parent)
        if isinstance(parent, (ast.Subscript, ast.Attribute)):
            return  # features[...] or features.get(...): handled as accesses
        if isinstance(parent, ast.Call):
            name = _call_name(parent)
            if name in _INPUT_LAYERS or (
                isinstance(parent.func, ast.Call) and _call_name(parent.func) in _INPUT_LAYERS
            ):
                self.reads_columns = True
                return
            if name == "isinstance":
                return
            helper = self.functions.get(name) if isinstance(parent.func, ast.Name) else None
            if helper is not None and helper is not function:
                parameter = self._parameter_for(helper, parent, node)
                if parameter is not None:
                    self.read(helper, parameter, depth + 1)
                    return
            if self.tensor is None:
                self.tensor = _Uses(None)
            self._use(node, parents, self.tensor)

    @staticmethod
    def _parameter_for(helper: Function, call: ast.Call, node: ast.AST) -> str | None:
        names = [n for n in _parameters(helper) if n not in ("self", "cls")]
        for index, argument in enumerate(call.args):
            if argument is node and index < len(names):
                return names[index]
        for keyword in call.keywords:
            if keyword.value is node and keyword.arg in names:
                return keyword.arg
        return None

    def module_sources(self) -> None:
        """Feature columns, parse specs and placeholder dicts anywhere in the module."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._column(node)
            elif isinstance(node, ast.Dict):
                for key_node, value in zip(node.keys, node.values):
                    key = _string(key_node) if key_node is not None else None
                    if key is None and isinstance(key_node, ast.Name):
                        key = _string(self.constants.get(key_node.id))
                    if key is not None and isinstance(value, ast.Call):
                        self._declared(key, value)

    def _column(self, call: ast.Call) -> None:
        name = _call_name(call)
        if not (name == "numeric_column" or name.startswith("categorical_column_with_")):
            return
        key = _string(_argument(call, 0, "key"))
        if key is None:
            return
        where = f"{_line(call)}: {name}({key!r})"
        entry = self._entry(key)
        if name == "numeric_column":
            shape = _dims(_argument(call, 1, "shape"), self.constants) or (1,)
            numeric = dtype_name(_argument(call, 3, "dtype")) or "float32"
            entry.learn(where, dtype=numeric, shape=shape, rank=2)
            return
        dtype = dtype_name(_argument(call, 99, "dtype"))
        if name.endswith("_identity"):
            dtype = dtype or "int64"
        elif name.endswith("_vocabulary_list"):
            values = _argument(call, 1, "vocabulary_list")
            numbers = isinstance(values, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, int) for e in values.elts
            )
            dtype = dtype or ("int64" if numbers else "string")
        else:
            dtype = dtype or "string"
        entry.learn(where, dtype=dtype, shape=(1,), rank=2)

    def _declared(self, key: str, value: ast.Call) -> None:
        name = _call_name(value)
        where = f"{_line(value)}: {key!r}: {name}(...)"
        if name in _PARSE_SPECS:
            dtype = dtype_name(_argument(value, 1, "dtype"))
            if name == "VarLenFeature":
                dtype = dtype_name(_argument(value, 0, "dtype"))
                self._entry(key).learn(where, dtype=dtype, shape=(), rank=2, sparse=True)
                return
            shape = _dims(_argument(value, 0, "shape"), self.constants)
            if shape is None and isinstance(_argument(value, 0, "shape"), (ast.List, ast.Tuple)):
                shape = ()
            if name == "FixedLenSequenceFeature" and shape is not None:
                shape = (None, *shape)
            self._entry(key).learn(where, dtype=dtype, shape=shape, rank=2)
        elif name in _PLACEHOLDERS:
            dtype = dtype_name(_argument(value, 0, "dtype"))
            dims = _dims(_argument(value, 1, "shape"), self.constants)
            shape = tuple(dims[1:]) if dims else None
            self._entry(key).learn(where, dtype=dtype, shape=shape, rank=2)


def _guesses(reader: _FeatureReader) -> tuple[FeatureGuess, ...]:
    if reader.dict_like or reader.reads_columns:
        found = [u.guess() for u in reader.found.values() if u.key or u.key_expression]
        return tuple(sorted(found, key=lambda g: (g.key or "", g.key_expression or "")))
    tensor = reader.tensor
    if tensor is not None and (tensor.shape is not None or tensor.dtype is not None):
        return (tensor.guess(),)
    return ()


def infer_features(tree: ast.Module, function: Function) -> tuple[FeatureGuess, ...]:
    """The features ``function`` (a model_fn of ``tree``) reads, with what its code says of each.

    Keys the model_fn itself reads come first; module-wide sources (columns, parse specs,
    placeholder dicts) add keys and refine dtypes and shapes. Empty when the code says nothing
    usable (``features`` only handed, whole, to code outside the module)."""
    reader = _FeatureReader(tree)
    parameter = _features_parameter(function)
    if parameter is None:
        return ()
    reader.read(function, parameter)
    if not reader.dict_like and not reader.reads_columns:
        return _guesses(reader)
    reader.module_sources()
    return _guesses(reader)


# -- params ----------------------------------------------------------------------------------

#: Name fragments → a value to run with (first match wins; checked on the lower-cased key).
#: Class counts are 10, as many as top-k metrics ask for; sizes 4, small and quick.
_PARAM_RULES: tuple[tuple[tuple[str, ...], object], ...] = (
    (("use_", "is_", "enable", "verbose", "debug", "summar"), False),
    (("keep_prob",), 1.0),
    (("learning_rate", "lr", "rate", "decay", "momentum", "epsilon", "weight", "scale"), 0.01),
    (("hidden_units",), [4, 4]),
    (("batch_size",), 4),
    (("steps", "epochs", "iterations", "classes", "labels"), 10),
    (
        (
            "units",
            "filters",
            "size",
            "dim",
            "depth",
            "num_",
            "n_",
            "layers",
            "width",
            "height",
            "length",
            "channels",
            "buckets",
            "vocab",
        ),
        4,
    ),
)
#: The value of a params key nothing else says anything about.
_FALLBACK = 4
#: Keyword arguments whose value is a count, and those whose value is a rate.
_INT_KEYWORDS = frozenset(
    {"units", "filters", "depth", "num_classes", "num_outputs", "kernel_size"}
)
_FLOAT_KEYWORDS = frozenset({"learning_rate", "rate", "momentum", "epsilon", "keep_prob"})


def _param_value(key: str, keyword: str | None) -> object | None:
    if keyword in ("num_classes", "depth"):
        return 10  # classes: as many as top-k metrics ask for; labels stay in {0, 1}
    if keyword in _INT_KEYWORDS:
        return 4
    if keyword in _FLOAT_KEYWORDS:
        return 1.0 if keyword == "keep_prob" else 0.01
    lowered = key.lower()
    for fragments, value in _PARAM_RULES:
        if any(fragment in lowered for fragment in fragments):
            return value
    return None


def _dict_literals(tree: ast.Module, function: Function) -> dict[str, ast.Dict]:
    """Names bound to a dict literal, in the module or in ``function``."""
    found: dict[str, ast.Dict] = {}
    for body in (tree.body, list(_statements_of(function))):
        for statement in body:
            if (
                isinstance(statement, ast.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Dict)
            ):
                found[statement.targets[0].id] = statement.value
    return found


def _statements_of(function: Function) -> Iterator[ast.stmt]:
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function:
            yield node


class _ParamReader:
    """The keys a model_fn (and the module's helpers it hands ``params``) read from params."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.functions = {
            node.name: node
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        }
        self.found: dict[str, ParamGuess] = {}
        self._visited: set[str] = set()

    def read(self, function: Function, parameter: str, depth: int = 0) -> None:
        if function.name in self._visited or depth > _HELPER_DEPTH:
            return
        self._visited.add(function.name)
        parents = _parents(function)
        dicts = _dict_literals(self.tree, function)
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                self._follow(node, parameter, dicts, depth)
            if not (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id == parameter
                and isinstance(node.ctx, ast.Load)
            ):
                continue
            path, outer = self._path(node, parents)
            if not path:
                continue
            guess = self._guess(path[-1], outer, parents.get(outer), dicts)
            if guess is not None:
                self._store(path, guess)

    @staticmethod
    def _path(node: ast.Subscript, parents: Mapping[ast.AST, ast.AST]) -> tuple[list[str], ast.AST]:
        """The string keys of ``params["a"]["b"]...`` from ``node`` out, and the outermost."""
        path: list[str] = []
        outer: ast.AST = node
        current: ast.AST | None = node
        while isinstance(current, ast.Subscript) and (current is node or current.value is outer):
            key = _string(current.slice)
            if key is None:
                break
            path.append(key)
            outer = current
            current = parents.get(current)
        return path, outer

    def _store(self, path: list[str], guess: ParamGuess) -> None:
        """The guess for ``params[path[0]]...[path[-1]]``: nested keys build dicts."""
        top = path[0]
        if len(path) == 1:
            self.found.setdefault(top, ParamGuess(top, guess.value, guess.origin))
            return
        existing = self.found.get(top)
        tree = existing.value if existing is not None and isinstance(existing.value, dict) else {}
        if existing is not None and not isinstance(existing.value, dict):
            return  # read as a value elsewhere: that guess stands
        level = tree
        for key in path[1:-1]:
            level = level.setdefault(key, {})
            if not isinstance(level, dict):
                return
        level.setdefault(path[-1], guess.value)
        origin = existing.origin if existing is not None else guess.origin
        self.found[top] = ParamGuess(top, tree, origin)

    def _guess(
        self, key: str, node: ast.AST, parent: ast.AST | None, dicts: Mapping[str, ast.Dict]
    ) -> ParamGuess | None:
        where = f"{_line(node)}: {_source(node)}"
        if isinstance(parent, ast.Compare):
            for other in (parent.left, *parent.comparators):
                if other is not node and _string(other) is not None:
                    return ParamGuess(key, _string(other), f"{where} compared with it")
        if (
            isinstance(parent, ast.Subscript)
            and parent.value is not node
            and isinstance(parent.value, ast.Name)
            and parent.value.id in dicts
        ):
            keys = [_string(k) for k in dicts[parent.value.id].keys if k is not None]
            if keys and keys[0] is not None:
                return ParamGuess(key, keys[0], f"{where} as a key of {parent.value.id}")
        condition = isinstance(parent, (ast.If, ast.IfExp, ast.BoolOp, ast.While)) or (
            isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)
        )
        if condition:
            return ParamGuess(key, False, f"{where} as a condition")
        keyword = parent.arg if isinstance(parent, ast.keyword) else None
        value = _param_value(key, keyword)
        if value is None:  # a small count serves most numbers: sizes, depths, steps, indices
            return ParamGuess(key, _FALLBACK, f"{where} (no better guess)")
        return ParamGuess(key, value, where + (f" as {keyword}=" if keyword else ""))

    def _follow(
        self, call: ast.Call, parameter: str, dicts: Mapping[str, ast.Dict], depth: int
    ) -> None:
        """A helper the call hands ``params`` to: a module function by name, or the first value
        of a dict of them subscripted (``MODELS[params["model"]](features, params)``)."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        if not any(isinstance(a, ast.Name) and a.id == parameter for a in arguments):
            return
        callee: ast.AST = call.func
        if isinstance(callee, ast.Subscript) and isinstance(callee.value, ast.Name):
            table = dicts.get(callee.value.id)
            callee = table.values[0] if table is not None and table.values else callee
        helper = self.functions.get(callee.id) if isinstance(callee, ast.Name) else None
        if helper is None:
            return
        names = [n for n in _parameters(helper) if n not in ("self", "cls")]
        for index, argument in enumerate(call.args):
            if isinstance(argument, ast.Name) and argument.id == parameter and index < len(names):
                self.read(helper, names[index], depth + 1)
        for keyword in call.keywords:
            value = keyword.value
            if isinstance(value, ast.Name) and value.id == parameter and keyword.arg in names:
                self.read(helper, keyword.arg, depth + 1)


def infer_params(tree: ast.Module, function: Function) -> tuple[ParamGuess, ...]:
    """The keys ``function`` (and the module's helpers it hands ``params``) read from ``params``
    as a mapping (``params["k"]``), each with a value guessed from its use (a string it is
    compared with or a key of the dict it indexes, False for a condition, the keyword it is
    passed as) or its name, else 4; keys read with a default (``params.get("k", d)``) are left
    out."""
    parameter = _params_parameter(function)
    if parameter is None:
        return ()
    reader = _ParamReader(tree)
    reader.read(function, parameter)
    return tuple(reader.found[k] for k in sorted(reader.found))


def infer(tree: ast.Module, function: Function) -> Inferred:
    """Features and params inferred from ``function``'s code (see ``infer_features``)."""
    return Inferred(infer_features(tree, function), infer_params(tree, function))
