"""The features a model_fn reads (``infer_features``): the keys, and what its code does with each
(reshapes, casts, ids, images), with feature columns, parse specs and placeholder dicts anywhere
in the module."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.guesses import FeatureGuess
from estimator_fix.validation.inference.imports import scope_of

#: Calls whose argument (first, or ``indices``/``ids``) is a tensor of class or token ids.
_ID_CALLS = frozenset(
    {"one_hot", "embedding_lookup", "embedding_lookup_sparse", "gather", "safe_embedding_lookup"}
)
#: Keyword arguments that take one length per example (``dynamic_rnn(..., sequence_length=)``).
_LENGTHS = frozenset({"sequence_length", "seq_lengths", "seq_len"})
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
#: Calls (layers) whose input is a batch of volumes: rank 4 per example (three sizes, channels).
_VOLUME_CALLS = frozenset(
    {
        "conv3d",
        "Conv3D",
        "conv3d_transpose",
        "Conv3DTranspose",
        "max_pooling3d",
        "average_pooling3d",
        "MaxPooling3D",
        "MaxPool3D",
        "AveragePooling3D",
        "max_pool3d",
        "avg_pool3d",
    }
)
#: The per-example shape of an image and of a volume: sizes the worker chooses, then channels.
_IMAGE: tuple[sx.Dim, ...] = (None, None, None)
_VOLUME: tuple[sx.Dim, ...] = (None,) * 4
#: ``data_format`` values that put the channels before the spatial sizes.
_CHANNELS_FIRST = frozenset({"channels_first", "NCHW", "NCDHW"})
_RESHAPES = frozenset({"reshape", "ensure_shape"})
#: Layers whose input is a batch of float vectors (rank 1 per example, any size).
_DENSE_CALLS = frozenset({"dense", "Dense", "fully_connected", "linear"})
#: Calls whose result holds the same values as their first argument (an alias of a feature).
_SAME_VALUES = frozenset({"reshape", "squeeze", "expand_dims", "identity"})
#: Calls whose first result holds values of their first argument (``y, idx = tf.unique(x)``).
_FIRST_RESULT_VALUES = frozenset({"unique", "unique_with_counts"})
#: Calls whose result holds the values of each tensor of the list they are given first.
_JOINS = frozenset({"concat", "stack", "concatenate"})
#: Calls whose first argument is a tensor of strings (hashing, splitting, parsing text).
_STRING_CALLS = frozenset(
    {
        "to_hash_bucket",
        "to_hash_bucket_fast",
        "to_hash_bucket_strong",
        "string_to_hash_bucket",
        "string_to_hash_bucket_fast",
        "string_to_hash_bucket_strong",
        "string_split",
        "string_to_number",
        "to_number",
        "substr",
        "regex_replace",
        "regex_full_match",
        "decode_raw",
        "decode_base64",
        "decode_csv",
        "unicode_decode",
    }
)
#: Names that take strings only when called as ``tf.strings.NAME`` (``tf.split`` does not).
_STRINGS_MODULE_CALLS = frozenset({"split", "length", "lower", "upper", "strip", "bytes_split"})
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


@dataclass
class _Uses:
    """What is known of one feature so far (merged over all its uses)."""

    key: str | None
    key_expression: str | None = None
    dtype: str | None = None
    dtype_rank: int = 0
    shape: tuple[sx.Dim, ...] | None = None
    shape_rank: int = 0
    sparse: bool = False
    origins: list[str] | None = None
    spatial: int = 0
    channels_first: bool = False
    #: The per-example rank an index of several axes shows (``x[:, t, :]``: 2), taken where
    #: nothing says the shape.
    indexed: int = 0

    def learn(
        self,
        origin: str,
        dtype: str | None = None,
        shape: tuple[sx.Dim, ...] | None = None,
        rank: int = 1,
        sparse: bool = False,
        spatial: int = 0,
        channels_first: bool = False,
    ) -> None:
        """``rank``: how sure the source is (2: a declared spec or column, 1: a use);
        ``spatial``: how many sizes of ``shape`` are an image's or a volume's (the leading ones,
        or with ``channels_first`` the trailing ones)."""
        if self.origins is None:
            self.origins = []
        if origin not in self.origins:
            self.origins.append(origin)
        if dtype is not None and rank > self.dtype_rank:
            self.dtype, self.dtype_rank = dtype, rank
        if shape is not None and rank > self.shape_rank:
            self.shape, self.shape_rank, self.spatial = shape, rank, spatial
            self.channels_first = channels_first and spatial > 0
        self.sparse = self.sparse or sparse

    def guess(self) -> FeatureGuess:
        shape = self.shape
        if shape is None and self.indexed:
            shape = (None,) * self.indexed
        return FeatureGuess(
            key=self.key,
            dtype=self.dtype,
            shape=shape,
            origin="; ".join(self.origins or ()),
            key_expression=self.key_expression,
            sparse=self.sparse,
            spatial=self.spatial,
            channels_first=self.channels_first,
        )


class _FeatureReader:
    """Walks a model_fn (and the helpers it passes ``features`` to) for the keys it reads."""

    def __init__(self, tree: ast.Module, imported: Mapping[str, sx.Function] | None) -> None:
        self.tree = tree
        self.imported = imported
        self.constants = sx.constants(tree)
        self.functions = {
            **(imported or {}),
            **sx.instance_calls(tree.body),
            **{
                node.name: node
                for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            },
        }
        self.found: dict[str, _Uses] = {}
        self.tensor: _Uses | None = None
        self.dict_like = False
        self.reads_columns = False
        self._visited: set[tuple[int, str]] = set()
        #: The simple locals of the function being read (``size = params["size"]``).
        self._bindings: dict[str, ast.expr] = {}
        #: Names bound once to a call (``gru = tf.keras.layers.GRU(8)``): layers called later.
        self._layers: dict[str, ast.expr] = {}
        #: Helpers read for a feature handed to them: (helper, parameter, feature).
        self._tensor_visits: set[tuple[int, str, str]] = set()
        #: The names the function being read binds to features (``_aliases``), read as such.
        self._aliased: set[str] = set()

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
        text = sx.string(node)
        if text is not None:
            return [(text, None)]
        if isinstance(node, ast.Name):
            if node.id in loops:
                return [(k, None) for k in loops[node.id]]
            constant = sx.string(self.constants.get(node.id))
            if constant is not None:
                return [(constant, None)]
            return []
        if isinstance(node, ast.Attribute):
            return [("", sx.source(node))]
        return []

    def read(self, function: sx.Function, features: str, depth: int = 0) -> None:
        if (id(function), features) in self._visited or depth > sx.HELPER_DEPTH:
            return
        self._visited.add((id(function), features))
        outer, self._bindings = self._bindings, sx.simple_locals(function)
        layers, self._layers = self._layers, sx.simple_locals(function, _a_call)
        # helpers defined inside it (``def compute_loss(logits, positions)`` in the model_fn),
        # and those of its module where it was imported from another
        functions = self.functions
        self.functions = {
            **functions,
            **scope_of(self.imported, function),
            **sx.nested_functions(function),
        }
        aliased = self._aliased
        try:
            self._read(function, features, depth)
        finally:
            self._bindings, self.functions, self._layers = outer, functions, layers
            self._aliased = aliased

    def _read(self, function: sx.Function, features: str, depth: int) -> None:
        parents = sx.parents(function)
        loops = self._loops(function)
        dict_names, aliases = self._aliases(function, features, loops)
        self._aliased = set(aliases)
        for node in ast.walk(function):
            entries = self._accessed(node, dict_names, loops)
            if entries:
                self.dict_like = True
                for entry in entries:
                    entry.learn(f"{sx.line(node)}: {sx.source(node)}")
                    self._use(node, parents, entry)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id in aliases:
                    for entry, added in aliases[node.id]:
                        self._alias_use(node, parents, entry, added)
                elif node.id in dict_names:
                    self._whole(node, parents, function, depth)

    def _alias_use(
        self,
        node: ast.Name,
        parents: Mapping[ast.AST, ast.AST],
        entry: _Uses,
        added: tuple[int, ...] | None,
    ) -> None:
        """A use of a name bound to a feature, or to the feature with axes added (``added``:
        per-example positions ``expand_dims`` inserted, in order; None: unknown): what it says
        of the name, said of the feature without those axes."""
        if added == ():
            self._use(node, parents, entry)
            return
        said = _Uses(key=None)
        self._use(node, parents, said)
        origin = "; ".join(said.origins or ()) + " (through expand_dims())"
        shape, spatial = said.shape, said.spatial
        for position in reversed(added or ()):
            if shape is None:
                break
            index = position + len(shape) if position < 0 else position
            first = len(shape) - spatial if said.channels_first else 0
            spatial -= 1 if first <= index < first + spatial else 0
            shape = shape[:index] + shape[index + 1 :] if 0 <= index < len(shape) else None
        if said.dtype is not None or (added is not None and shape is not None):
            entry.learn(
                origin,
                dtype=said.dtype,
                shape=shape if added is not None else None,
                rank=max(said.shape_rank, said.dtype_rank),
                spatial=spatial,
                channels_first=said.channels_first,
            )

    def _aliases(
        self, function: sx.Function, features: str, loops: Mapping[str, list[str]]
    ) -> tuple[set[str], dict[str, list[tuple[_Uses, tuple[int, ...] | None]]]]:
        """The names bound to ``features`` itself (or a copy), and those bound to features read
        from it (``x = features["x"]``) or to ``features`` as one tensor changed in form
        (``x = tf.expand_dims(features, -1)``), with the axes that change added (see
        ``_alias_use``), statement by statement so each is known before its use."""
        aliases: dict[str, list[tuple[_Uses, tuple[int, ...] | None]]] = {}
        dict_names = {features}
        for assign in sorted(
            (n for n in ast.walk(function) if isinstance(n, ast.Assign)),
            key=lambda n: (n.lineno, n.col_offset),
        ):
            if len(assign.targets) != 1 or not isinstance(assign.targets[0], ast.Name):
                continue
            name = assign.targets[0].id
            value = assign.value
            copies = sx.call_name(value) in ("copy", "dict") and any(
                isinstance(n, ast.Name) and n.id in dict_names for n in ast.walk(value)
            )
            if (isinstance(value, ast.Name) and value.id in dict_names) or copies:
                dict_names.add(name)
                continue
            entries: list[tuple[_Uses, tuple[int, ...] | None]] = [
                (entry, ()) for entry in self._accessed(value, dict_names, loops)
            ]
            if not entries and sx.call_name(value) in _SAME_VALUES and isinstance(value, ast.Call):
                # ``ids = tf.reshape(features["ids"], [-1, n])``: what is done to ``ids`` (its
                # use as ids, as an image) is done to the feature; its element count stays.
                first = sx.argument(value, 0, "tensor", "input", "x")
                axis = _added_axis(value)
                if isinstance(first, ast.Name) and first.id in aliases:
                    entries = [(entry, _added(added, axis)) for entry, added in aliases[first.id]]
                elif isinstance(first, ast.Name) and first.id in dict_names:
                    # the whole features, one tensor: its uses under the new name are its uses
                    self.tensor = self.tensor or _Uses(None)
                    entries = [(self.tensor, _added((), axis))]
                elif first is not None:
                    accessed = self._accessed(first, dict_names, loops)
                    entries = [(entry, _added((), axis)) for entry in accessed]
            if entries:
                aliases[name] = entries
        return dict_names, aliases

    def _loops(self, function: sx.Function) -> dict[str, list[str]]:
        loops: dict[str, list[str]] = {}
        for node in ast.walk(function):
            if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name):
                keys = sx.strings(node.iter, self.constants)
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
        keyword = parent.arg if isinstance(parent, ast.keyword) else None
        if isinstance(parent, ast.keyword):
            parent = parents.get(parent)
        if isinstance(parent, ast.Subscript) and parent.value is node:
            _indexed(parent, entry)
            return
        if isinstance(parent, (ast.List, ast.Tuple)):
            join = parents.get(parent)
            if isinstance(join, ast.Call) and _first_argument(join) is parent:
                self._through(join, parents, entry)
            return
        if not isinstance(parent, ast.Call):
            self._method_use(parent, parents, entry)
            return
        if keyword in _LENGTHS:
            _lengths(parent, keyword or "", entry)
            return
        method = self._instance_call(parent)
        if method is not None:
            self._in_helper(method, parent, node, entry)
            return
        if isinstance(parent.func, ast.Call):
            self._layer_call(parent, parent.func, node, entry)
            return
        if isinstance(parent.func, ast.Name) and parent.func.id in self._layers:
            self._layer_call(parent, self._layers[parent.func.id], node, entry)
            return
        helper = self.functions.get(sx.dotted(parent.func) or "")
        if helper is not None:
            self._in_helper(helper, parent, node, entry)
            return
        self._library_use(parent, node, entry)
        if node is _first_argument(parent):
            self._through(parent, parents, entry)

    def _through(self, call: ast.Call, parents: Mapping[ast.AST, ast.AST], entry: _Uses) -> None:
        """``embedding_lookup(table, tf.reshape(features["ids"], [-1]))``, or the name a
        reshaped value (the values ``tf.unique`` keeps; features concatenated) is bound to, used
        as strings: that use of what ``call`` returns says the feature's dtype (its shape is the
        reshape's to say)."""
        name = sx.call_name(call)
        if name not in _SAME_VALUES | _FIRST_RESULT_VALUES | _JOINS:
            return
        outer = _Uses(key=None)
        if name not in _FIRST_RESULT_VALUES:
            self._use(call, parents, outer)
        for load in self._bound_loads(call, parents):
            self._use(load, parents, outer)
        if outer.dtype is not None:
            origin = "; ".join(outer.origins or ())
            entry.learn(f"{origin} (through {name}())", dtype=outer.dtype)

    def _bound_loads(self, call: ast.Call, parents: Mapping[ast.AST, ast.AST]) -> list[ast.Name]:
        """The reads of the name ``call``'s values are bound to (``ids = tf.reshape(x, [-1])``;
        the first of ``values, index = tf.unique(x)``) in the function that binds it, until it
        is bound again; none where the model_fn's own aliases already read it (``_aliases``)."""
        assign = parents.get(call)
        if not isinstance(assign, ast.Assign) or len(assign.targets) != 1:
            return []
        target = assign.targets[0]
        if isinstance(target, ast.Tuple) and sx.call_name(call) in _FIRST_RESULT_VALUES:
            target = target.elts[0] if target.elts else target
        if not isinstance(target, ast.Name) or target.id in self._aliased:
            return []
        function: ast.AST | None = assign
        while function is not None and not isinstance(
            function, (ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            function = parents.get(function)
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        return _reads_while_held(function, _loads(function), target.id, assign.lineno)

    def _library_use(self, parent: ast.Call, node: ast.AST, entry: _Uses) -> None:
        """What a TensorFlow call ``node`` is an argument of says of it."""
        name = sx.call_name(parent)
        where = sx.line(parent)
        is_first = _first_argument(parent) is node
        if name in _RESHAPES and is_first:
            self._reshape(parent, entry)
        elif name in _CASTS and is_first:
            dtype = _CAST_TARGETS.get(name) or sx.dtype_name(sx.argument(parent, 1, "dtype"))
            if dtype is not None:
                entry.learn(f"{where}: cast to {dtype}", dtype=dtype)
        elif name in _ID_CALLS and node in (
            sx.argument(parent, 0, "indices"),
            sx.argument(parent, 1, "ids"),
            sx.argument(parent, 1, "indices"),
        ):
            entry.learn(
                f"{where}: ids of {name}()", dtype="int32", shape=() if name == "one_hot" else None
            )
        elif name in _IMAGE_CALLS and is_first:
            self._spatial(entry, f"{where}: an image batch for {name}()", parent, 2)
        elif name in _VOLUME_CALLS and is_first:
            self._spatial(entry, f"{where}: a batch of volumes for {name}()", parent, 3)
        elif name in _DENSE_CALLS and is_first:
            entry.learn(f"{where}: the input of {name}()", dtype="float32", shape=(None,))
        elif is_first and (
            name in _STRING_CALLS
            or (name in _STRINGS_MODULE_CALLS and ".strings." in f".{sx.dotted(parent.func)}")
        ):
            entry.learn(f"{where}: strings for {name}()", dtype="string")
        elif name == "split" and is_first:
            self._split(parent, entry)
        elif name == "matmul" and is_first:
            self._matmul(parent, entry)

    def _instance_call(self, call: ast.Call) -> sx.Function | None:
        """The method ``call`` runs where it calls an instance of a class of the module or of
        the repository (``model = Model(params)``, then ``model(features, training)``, or
        ``Model(params)(features)``): its ``__call__`` or Keras ``call``."""
        built = call.func
        if isinstance(built, ast.Name):
            built = self._layers.get(built.id, built)
        if not isinstance(built, ast.Call):
            return None
        return self.functions.get(sx.INSTANCE_CALL.format(sx.dotted(built.func)))

    def _in_helper(self, helper: sx.Function, call: ast.Call, node: ast.AST, entry: _Uses) -> None:
        """A feature handed to a helper (``build_network(features["x"], training)``): what the
        helper does with the parameter it arrives as (or with a plain copy of it, ``net =
        inputs``, until either is bound again) says what the feature is."""
        parameter = sx.parameter_for(helper, call, node)
        visit = (id(helper), parameter or "", entry.key or entry.key_expression or "")
        if parameter is None or visit in self._tensor_visits or len(self._tensor_visits) > 32:
            return
        self._tensor_visits.add(visit)
        parents = sx.parents(helper)
        outer, self._bindings = self._bindings, sx.simple_locals(helper)
        layers, self._layers = self._layers, sx.simple_locals(helper, _a_call)
        functions, aliased = self.functions, self._aliased
        self.functions, self._aliased = {**functions, **scope_of(self.imported, helper)}, set()
        try:
            for inner in _holding(helper, parameter):
                self._use(inner, parents, entry)
        finally:
            self._bindings, self._layers, self.functions = outer, layers, functions
            self._aliased = aliased

    def _reshape(self, call: ast.Call, entry: _Uses) -> None:
        """``tf.reshape(x, [-1, 28, 28, 1])``: its per-example size (sizes bound to the model_fn's
        simple locals read through them); ``tf.ensure_shape(x, [None, 28])``: its shape."""
        if sx.call_name(call) == "ensure_shape":
            self._declared_shape(call, sx.argument(call, 1, "shape"), entry)
            return
        target = sx.argument(call, 1, "shape")
        if target is None:
            return
        known = sx.inlined(target, self._bindings)
        per_example = sx.per_example(sx.dims(known, self.constants), known)
        if per_example is not None:
            entry.learn(f"{sx.line(call)}: reshaped to {sx.source(target)}", shape=per_example)

    def _method_use(
        self, attribute: ast.AST | None, parents: Mapping[ast.AST, ast.AST], entry: _Uses
    ) -> None:
        """``x.set_shape([None, n])`` (``attribute``, around a use of a feature): its shape,
        declared."""
        if not isinstance(attribute, ast.Attribute) or attribute.attr != "set_shape":
            return
        call = parents.get(attribute)
        if isinstance(call, ast.Call) and call.func is attribute:
            self._declared_shape(call, call.args[0] if call.args else None, entry)

    def _declared_shape(self, call: ast.Call, target: ast.expr | None, entry: _Uses) -> None:
        """``x.set_shape([None, n])`` or ``tf.ensure_shape(x, [None, n])``: the shape itself
        (not an element count, as a reshape's is), batch first, every other size known."""
        if target is None:
            return
        known = sx.inlined(target, self._bindings)
        shape = sx.dims(known, self.constants)
        if not shape or shape[0] is not None or any(d is None for d in shape[1:]):
            return
        where = f"{sx.line(call)}: its shape set to {sx.source(target)}"
        entry.learn(where, shape=shape[1:], rank=2)

    def _layer_call(self, call: ast.Call, layer: ast.expr, node: ast.AST, entry: _Uses) -> None:
        """A layer (``layer``, the call that builds it) called on ``node`` (Keras style:
        ``Dense(10, input_dim=784)(x)``, or built into a name called later); the
        ``input_shape=`` it is built with is the per-example shape of what it is called on."""
        if not isinstance(layer, ast.Call) or call.args[:1] != [node]:
            return
        name = sx.call_name(layer)
        where = f"{sx.line(call)}: the input of {name}()"
        first = _first_layer(layer) if name == "Sequential" else None
        if first is not None:  # ``Sequential([Conv2D(..., input_shape=(28, 28, 1)), ...])``
            layer, name = first, sx.call_name(first)
            where = f"{where}, whose first layer is {name}()"
        declared = sx.argument(layer, 99, "input_shape")
        if declared is not None:
            shape = sx.dims(sx.inlined(declared, self._bindings), self.constants)
            if shape:
                entry.learn(f"{where}, input_shape={sx.source(declared)}", shape=shape, rank=2)
        if name in _DENSE_CALLS:
            size = sx.integer(sx.argument(layer, 99, "input_dim") or ast.Constant(None))
            entry.learn(where, dtype="float32", shape=(size,))
        elif name in _IMAGE_CALLS:
            self._spatial(entry, where, layer, 2)
        elif name in _VOLUME_CALLS:
            self._spatial(entry, where, layer, 3)

    @staticmethod
    def _spatial(entry: _Uses, where: str, call: ast.Call, spatial: int) -> None:
        """An image (``spatial`` 2) or a volume (3) for the convolution or pooling ``call``, its
        channels first where the call says so (``data_format="channels_first"``, ``"NCHW"``)."""
        first = sx.string(sx.argument(call, 99, "data_format")) in _CHANNELS_FIRST
        shape = _IMAGE if spatial == 2 else _VOLUME
        where += " (channels first)" if first else ""
        entry.learn(where, shape=shape, spatial=spatial, channels_first=first)

    def _matmul(self, call: ast.Call, entry: _Uses) -> None:
        """``tf.matmul(features, W)`` with ``W = tf.Variable(tf.zeros([784, 10]))`` (or
        ``tf.get_variable("W", [784, 10])``, written in the call or bound once): a batch of
        vectors of W's first size."""
        if any(k.arg in _TRANSPOSED for k in call.keywords):
            return
        weight = sx.argument(call, 1, "b")
        if isinstance(weight, ast.Name):
            weight = self._layers.get(weight.id)
        shape = _variable_shape(weight) if isinstance(weight, ast.Call) else None
        if shape is None:
            return
        dims = sx.dims(sx.inlined(shape, self._bindings), self.constants)
        if dims is not None and len(dims) == 2 and dims[0] is not None:
            where = f"{sx.line(call)}: multiplied by a {sx.source(shape)} variable"
            entry.learn(where, dtype="float32", shape=dims[:1])

    def _split(self, call: ast.Call, entry: _Uses) -> None:
        """``tf.split(features, [a, b, c], axis=1)``: a vector of a + b + c values per example;
        ``tf.split(features, n, 1)`` (a sequence cut into its steps): n values."""
        parts = sx.argument(call, 1, "num_or_size_splits")
        axis = sx.argument(call, 2, "axis")
        if not (isinstance(axis, ast.Constant) and axis.value == 1) or parts is None:
            return
        where = f"{sx.line(call)}: split into {sx.source(parts)} along axis 1"
        if not isinstance(parts, (ast.List, ast.Tuple)):
            count = sx.dim(sx.inlined(parts, self._bindings))
            if count is not None:
                entry.learn(where, shape=(count,))
            return
        sizes = [sx.integer(e) for e in parts.elts]
        if len(sizes) >= 2 and all(size is not None for size in sizes):
            entry.learn(where, shape=(sum(size for size in sizes if size is not None),))

    def _whole(
        self,
        node: ast.Name,
        parents: Mapping[ast.AST, ast.AST],
        function: sx.Function,
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
            name = sx.call_name(parent)
            if name in _INPUT_LAYERS or (
                isinstance(parent.func, ast.Call) and sx.call_name(parent.func) in _INPUT_LAYERS
            ):
                self.reads_columns = True
                return
            if name == "isinstance":
                return
            helper = self.functions.get(sx.dotted(parent.func) or "")
            helper = helper or self._instance_call(parent)
            if helper is not None and helper is not function:
                parameter = sx.parameter_for(helper, parent, node)
                if parameter is not None:
                    self.read(helper, parameter, depth + 1)
                    return
            if self.tensor is None:
                self.tensor = _Uses(None)
            self._use(node, parents, self.tensor)

    def module_sources(self) -> None:
        """Feature columns, parse specs, placeholder dicts and the element structure a
        generator dataset declares, anywhere in the module."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._column(node)
                self._generated(node)
            elif isinstance(node, ast.Dict):
                for key_node, value in zip(node.keys, node.values):
                    key = self._key_text(key_node)
                    if key is not None and isinstance(value, ast.Call):
                        self._declared(key, value)
            elif (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.value, ast.Call)
            ):
                # ``name_to_features["start_positions"] = tf.io.FixedLenFeature([], tf.int64)``
                key = self._key_text(node.targets[0].slice)
                if key is not None:
                    self._declared(key, node.value)

    def _key_text(self, node: ast.AST | None) -> str | None:
        """A dict key written as a string, or as a module constant holding one."""
        key = sx.string(node) if node is not None else None
        if key is None and isinstance(node, ast.Name):
            key = sx.string(self.constants.get(node.id))
        return key

    def _column(self, call: ast.Call) -> None:
        name = sx.call_name(call)
        if not (name == "numeric_column" or name.startswith("categorical_column_with_")):
            return
        key = sx.string(sx.argument(call, 0, "key"))
        if key is None:
            return
        where = f"{sx.line(call)}: {name}({key!r})"
        entry = self._entry(key)
        if name == "numeric_column":
            shape = sx.dims(sx.argument(call, 1, "shape"), self.constants) or (1,)
            numeric = sx.dtype_name(sx.argument(call, 3, "dtype")) or "float32"
            entry.learn(where, dtype=numeric, shape=shape, rank=2)
            return
        dtype = sx.dtype_name(sx.argument(call, 99, "dtype"))
        if name.endswith("_identity"):
            dtype = dtype or "int64"
        elif name.endswith("_vocabulary_list"):
            values = sx.argument(call, 1, "vocabulary_list")
            numbers = isinstance(values, (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) and isinstance(e.value, int) for e in values.elts
            )
            dtype = dtype or ("int64" if numbers else "string")
        else:
            dtype = dtype or "string"
        entry.learn(where, dtype=dtype, shape=(1,), rank=2)

    def _generated(self, call: ast.Call) -> None:
        """``Dataset.from_generator(gen, output_types={...}, output_shapes={...})`` (or
        ``output_signature={key: tf.TensorSpec(...)}``): the dtype and per-example shape of each
        feature, as the data pipeline declares them (a ``(features, labels)`` pair: its first)."""
        if sx.call_name(call) != "from_generator":
            return
        types = _features_part(sx.argument(call, 1, "output_types"))
        shapes = _features_part(sx.argument(call, 2, "output_shapes"))
        signature = _features_part(sx.argument(call, 99, "output_signature"))
        for key_node, value in zip(types.keys, types.values) if types else ():
            key = sx.string(key_node)
            if key is not None:
                where = f"{sx.line(value)}: {key!r}: from_generator output_types"
                self._entry(key).learn(where, dtype=sx.dtype_name(value), rank=2)
        for key_node, value in zip(shapes.keys, shapes.values) if shapes else ():
            key, shape = sx.string(key_node), _shape(value, self.constants)
            if key is not None and shape is not None:
                where = f"{sx.line(value)}: {key!r}: from_generator output_shapes"
                self._entry(key).learn(where, shape=shape, rank=2)
        for key_node, value in zip(signature.keys, signature.values) if signature else ():
            key = sx.string(key_node)
            if key is None or not isinstance(value, ast.Call):
                continue
            where = f"{sx.line(value)}: {key!r}: from_generator output_signature"
            dtype = sx.dtype_name(sx.argument(value, 1, "dtype"))
            shape = _shape(sx.argument(value, 0, "shape"), self.constants)
            self._entry(key).learn(where, dtype=dtype, shape=shape, rank=2)

    def _declared(self, key: str, value: ast.Call) -> None:
        name = sx.call_name(value)
        where = f"{sx.line(value)}: {key!r}: {name}(...)"
        if name in _PARSE_SPECS:
            dtype = sx.dtype_name(sx.argument(value, 1, "dtype"))
            if name == "VarLenFeature":
                dtype = sx.dtype_name(sx.argument(value, 0, "dtype"))
                self._entry(key).learn(where, dtype=dtype, shape=(), rank=2, sparse=True)
                return
            shape = sx.dims(sx.argument(value, 0, "shape"), self.constants)
            if shape is None and isinstance(sx.argument(value, 0, "shape"), (ast.List, ast.Tuple)):
                shape = ()
            if name == "FixedLenSequenceFeature" and shape is not None:
                shape = (None, *shape)
            self._entry(key).learn(where, dtype=dtype, shape=shape, rank=2)
        elif name in _PLACEHOLDERS:
            dtype = sx.dtype_name(sx.argument(value, 0, "dtype"))
            dims = sx.dims(sx.argument(value, 1, "shape"), self.constants)
            shape = tuple(dims[1:]) if dims else None
            self._entry(key).learn(where, dtype=dtype, shape=shape, rank=2)


def _features_part(node: ast.AST | None) -> ast.Dict | None:
    """The dict of features in a generator's declared structure: the dict itself, or the
    first of a ``(features, labels)`` pair."""
    if isinstance(node, (ast.Tuple, ast.List)) and node.elts:
        node = node.elts[0]
    return node if isinstance(node, ast.Dict) else None


def _shape(node: ast.AST | None, constants: Mapping[str, ast.expr]) -> tuple[sx.Dim, ...] | None:
    """A declared shape: a literal list or tuple, or ``tf.TensorShape([...])``."""
    if isinstance(node, ast.Call) and sx.call_name(node) == "TensorShape":
        node = sx.argument(node, 0, "dims")
    if isinstance(node, (ast.List, ast.Tuple)):
        return sx.dims(node, constants)
    return None


_TRANSPOSED = frozenset({"transpose_a", "transpose_b", "adjoint_a", "adjoint_b"})
#: Calls that make an initial value of the shape they are given first (``tf.zeros([a, b])``).
_FILLED = frozenset(
    {"zeros", "ones", "random_normal", "truncated_normal", "random_uniform", "normal", "uniform"}
)


def _variable_shape(call: ast.Call) -> ast.expr | None:
    """The shape a variable is made with: ``tf.get_variable(name, [a, b])`` (or ``shape=``),
    ``tf.Variable(tf.zeros([a, b]))`` (any initial value of a filled shape)."""
    name = sx.call_name(call)
    if name == "get_variable":
        return sx.argument(call, 1, "shape")
    initial = sx.argument(call, 0, "initial_value") if name == "Variable" else None
    if isinstance(initial, ast.Call) and sx.call_name(initial) in _FILLED:
        return sx.argument(initial, 0, "shape")
    return None


def _a_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call)


def _added_axis(call: ast.Call) -> int | None | bool:
    """The per-example position ``tf.expand_dims(x, axis)`` adds (``axis`` less the batch's; a
    negative one counts from the end); False for a call that adds none (a reshape keeps its
    count of values; ``squeeze`` drops sizes of 1, which synthetic inputs do not have); None
    when unknown (``expand_dims`` before the batch, or at an axis not written out)."""
    if sx.call_name(call) != "expand_dims":
        return False
    axis = sx.argument(call, 1, "axis", "dim")
    if isinstance(axis, ast.UnaryOp) and isinstance(axis.op, ast.USub):
        value = sx.integer(axis.operand)
        return -value if value else None
    value = sx.integer(axis) if axis is not None else None
    return value - 1 if value else None


def _added(added: tuple[int, ...] | None, axis: int | None | bool) -> tuple[int, ...] | None:
    if added is None or axis is None:
        return None
    return added if axis is False else (*added, axis)


def _guesses(reader: _FeatureReader) -> tuple[FeatureGuess, ...]:
    if reader.dict_like or reader.reads_columns:
        found = [u.guess() for u in reader.found.values() if u.key or u.key_expression]
        return tuple(sorted(found, key=lambda g: (g.key or "", g.key_expression or "")))
    tensor = reader.tensor
    if tensor is not None and (tensor.shape is not None or tensor.dtype is not None):
        return (tensor.guess(),)
    return ()


def infer_features(
    tree: ast.Module, function: sx.Function, imported: Mapping[str, sx.Function] | None = None
) -> tuple[FeatureGuess, ...]:
    """The features ``function`` (a model_fn of ``tree``) reads, with what its code says of each.

    Keys the model_fn itself reads come first; module-wide sources (columns, parse specs,
    placeholder dicts) add keys and refine dtypes and shapes. Empty when the code says nothing
    usable (``features`` only handed, whole, to code outside the module)."""
    reader = _FeatureReader(tree, imported)
    parameter = sx.features_parameter(function)
    if parameter is None:
        return ()
    reader.read(function, parameter)
    if not reader.dict_like and not reader.reads_columns:
        return _guesses(reader)
    reader.module_sources()
    return _guesses(reader)


def _indexed(subscript: ast.Subscript, entry: _Uses) -> None:
    """``x[:, t, :]``: an index along several axes (no new axis, no ellipsis) shows the rank of
    what it indexes, at least (its batch, then the example's axes)."""
    index = subscript.slice
    parts = index.elts if isinstance(index, ast.Tuple) else [index]
    if len(parts) < 2 or any(
        isinstance(p, ast.Constant) and p.value in (None, Ellipsis) for p in parts
    ):
        return
    entry.indexed = max(entry.indexed, len(parts) - 1)
    if entry.shape is None:
        entry.learn(f"{sx.line(subscript)}: indexed as {sx.source(subscript)}")


def _lengths(call: ast.Call, keyword: str, entry: _Uses) -> None:
    """A recurrent layer's lengths (``sequence_length=``): one count per example."""
    entry.learn(f"{sx.line(call)}: {keyword}= of {sx.call_name(call)}()", dtype="int32", shape=())


def _first_argument(call: ast.Call) -> ast.AST | None:
    return sx.argument(call, 0, "tensor", "x", "indices", "ids", "inputs")


def _first_layer(sequential: ast.Call) -> ast.Call | None:
    """The first layer a Keras ``Sequential`` is built with, written in its list: what the
    model is called on goes to it."""
    layers = sx.argument(sequential, 0, "layers")
    if isinstance(layers, (ast.List, ast.Tuple)) and layers.elts:
        first = layers.elts[0]
        if isinstance(first, ast.Call):
            return first
    return None


def _holding(helper: sx.Function, parameter: str) -> list[ast.Name]:
    """The reads in ``helper`` of ``parameter`` and of its plain copies (``net = inputs``),
    each while it still holds what the helper was handed (``_rebound_at``)."""
    loads = _loads(helper)
    held = _reads_while_held(helper, loads, parameter, 0)
    for copy in ast.walk(helper):
        if (
            isinstance(copy, ast.Assign)
            and len(copy.targets) == 1
            and isinstance(copy.targets[0], ast.Name)
            and copy.targets[0].id != parameter
            and any(copy.value is node for node in held)
        ):
            held += _reads_while_held(helper, loads, copy.targets[0].id, copy.lineno)
    return held


def _loads(function: sx.Function) -> list[ast.Name]:
    """Every read of a name in ``function``."""
    names = (node for node in ast.walk(function) if isinstance(node, ast.Name))
    return [node for node in names if isinstance(node.ctx, ast.Load)]


def _reads_while_held(
    function: sx.Function, loads: list[ast.Name], name: str, since: int
) -> list[ast.Name]:
    """The reads (of ``loads``, ``function``'s) of ``name`` after line ``since`` (where it was
    bound; 0: a parameter) until the statement that binds it again (``_rebound_at``)."""
    until = _rebound_at(function, name, after=since)
    return [node for node in loads if node.id == name and since < node.lineno <= until]


def _rebound_at(helper: sx.Function, name: str, after: int = 0) -> float:
    """The last line of the first statement after line ``after`` that binds ``name`` again in
    ``helper`` (``sentence = tf.nn.embedding_lookup(table, sentence)``): what it holds after
    that is no longer what the helper was handed (the statement itself still reads it)."""
    ends: list[int] = []
    for statement in ast.walk(helper):
        if isinstance(statement, ast.Assign):
            targets, end = list(statement.targets), statement.end_lineno
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
            targets, end = [statement.target], statement.end_lineno
        elif isinstance(statement, ast.For):  # a loop over it, rebinding it: its header
            targets, end = [statement.target], statement.iter.end_lineno
        else:
            continue
        if statement.lineno > after and any(
            isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id == name
            for target in targets
            for node in ast.walk(target)
        ):
            ends.append(end or statement.lineno)
    return min(ends, default=float("inf"))
