"""The params a model_fn reads (``infer_params``), each with a value to run it with, guessed from
its use or its name."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.guesses import ParamGuess
from estimator_fix.validation.worker import dimensions

#: Settings named as TensorFlow names them, with the value its CPU kernels take: a layout, a
#: dtype. A comparison with another value (``if data_format == "channels_first":``) does not say
#: which one runs here, so these win over it; as name fragments they are rules below too.
_TENSORFLOW_SETTINGS = {"data_format": "channels_last", "dtype": "float32"}
#: Name fragments → a value to run with (first match wins; checked on the lower-cased key).
#: Class counts are 10, as many as top-k metrics ask for; sizes 4, small and quick.
_PARAM_RULES: tuple[tuple[tuple[str, ...], object], ...] = (
    (("use_", "is_", "enable", "verbose", "debug", "summar"), False),
    (("activation",), "relu"),  # a name Keras layers take (and tf.compat.v1.layers, built on them)
    # named as TensorFlow names them: a layout its CPU kernels take, a dtype, a version number
    *(((name,), value) for name, value in _TENSORFLOW_SETTINGS.items()),
    (("version",), 1),
    (("scope",), "scope"),
    (("keep_prob",), 1.0),
    (
        (
            *("learning_rate", "lr", "rate", "dropout", "decay"),
            *("momentum", "epsilon", "weight", "scale"),
            *("l1_", "l2_", "_reg", "reg_", "regulari", "lambda"),
        ),
        0.01,
    ),
    (("hidden_units",), [4, 4]),
    (("batch_size",), 4),
    (("steps", "epochs", "iterations", "classes", "labels"), 10),
    # dimensions, and counts (depths, numbers of layers), all small
    ((*dimensions.WORDS, "depth", "num_", "n_", "layers", "count"), dimensions.SIZE),
)
#: How deep options objects in params are read (``params["a"]["b"]["c"]`` as objects).
_NESTING = 3
#: The value of a params key nothing else says anything about.
_FALLBACK = 4
#: Keyword arguments whose value is a count, and those whose value is a rate.
_INT_KEYWORDS = frozenset(
    {"units", "filters", "depth", "num_classes", "num_outputs", "kernel_size"}
    # feature columns' and embeddings' sizes
    | {"num_buckets", "hash_bucket_size", "vocabulary_size", "dimension", "input_dim"}
    | {"output_dim", "num_oov_buckets"}
)
_FLOAT_KEYWORDS = frozenset({"learning_rate", "rate", "momentum", "epsilon", "keep_prob"})


def _param_value(key: str, keyword: str | None) -> object | None:
    lowered = key.lower()
    if lowered == "act" or lowered.endswith("_act"):  # ``hidden_act``: an activation
        return "relu"
    if "warmup" in lowered and "step" in lowered:  # a part of training, fewer than its steps
        return 1
    if keyword in ("num_classes", "depth"):
        return 10  # classes: as many as top-k metrics ask for; labels stay in {0, 1}
    if keyword is not None and keyword.endswith("keep_prob"):  # also output_/state_keep_prob
        return 1.0
    if keyword in _INT_KEYWORDS:
        return 4
    if keyword in _FLOAT_KEYWORDS:
        return 1.0 if keyword == "keep_prob" else 0.01
    for fragments, value in _PARAM_RULES:
        if any(fragment in lowered for fragment in fragments):
            return value
    return None


def _dict_literals(tree: ast.Module, function: sx.Function) -> dict[str, ast.Dict]:
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


def _statements_of(function: sx.Function) -> Iterator[ast.stmt]:
    for node in ast.walk(function):
        if isinstance(node, ast.stmt) and node is not function:
            yield node


#: Methods of a dict (or of HParams) read as ``params.<name>``: not keys.
_MAPPING_METHODS = frozenset(
    {
        "get",
        "keys",
        "items",
        "values",
        "copy",
        "pop",
        "update",
        "setdefault",
        "to_json",
        "override_from_dict",
        "add_hparam",
        "set_hparam",
        "parse",
    }
)


def _attribute_read(node: ast.AST, parameter: str, parents: Mapping[ast.AST, ast.AST]) -> bool:
    """``params.learning_rate`` read (HParams-style), not a method of the mapping."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == parameter
        and isinstance(node.ctx, ast.Load)
        and node.attr not in _MAPPING_METHODS
        and not node.attr.startswith("_")
    )


class _ParamReader:
    """The keys a model_fn (and the module's helpers it hands ``params``) read from params."""

    def __init__(self, tree: ast.Module, imported: Mapping[str, sx.Function] | None) -> None:
        self.tree = tree
        self.functions = {
            **(imported or {}),
            **sx.class_views(tree.body),  # ``Layer(params["units"])``: what __init__ does with it
            **{
                node.name: node
                for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            },
        }
        self.found: dict[str, ParamGuess] = {}
        self._visited: set[str] = set()

    def read(
        self,
        function: sx.Function,
        parameter: str,
        depth: int = 0,
        prefix: tuple[str, ...] = (),
        site: _Site | None = None,
    ) -> None:
        """The keys ``function`` reads from its ``parameter``: params itself, or (``prefix``)
        the value at that path of params, read as an object (``opts = params["opts"]``).
        ``site``: the call that handed it params, where what it returns is used."""
        keys = site.keys if site is not None else {}
        visit = f"{function.name}:{parameter}:{'.'.join(prefix)}:{sorted(keys.items())}"
        if visit in self._visited or depth > sx.HELPER_DEPTH or len(prefix) > _NESTING:
            return  # (a name rebound to a part of itself, ``a = a["b"]``, nests without end)
        self._visited.add(visit)
        parents = sx.parents(function)
        dicts = _dict_literals(self.tree, function)
        for name in _aliases(function, parameter):  # ``args = params``: read through args too
            self._read_name(function, name, depth, parents, dicts, prefix, site)

    def _read_name(
        self,
        function: sx.Function,
        parameter: str,
        depth: int,
        parents: Mapping[ast.AST, ast.AST],
        dicts: Mapping[str, ast.Dict],
        prefix: tuple[str, ...] = (),
        site: _Site | None = None,
    ) -> None:
        keys = site.keys if site is not None else {}
        for node in ast.walk(function):
            if isinstance(node, ast.Call):
                self._follow(node, function, parameter, (parents, dicts, keys), depth, prefix)
            if _attribute_read(node, parameter, parents):
                assert isinstance(node, ast.Attribute)
                if prefix and _called(node, parents):
                    continue  # a method of the value (``name.lower()``), not a field of it
                use, parent = _use_of(node, parents, function, dicts)
                guess = self._guess(node.attr, use, parent, dicts, parents)
                if guess is not None:
                    self._store([*prefix, node.attr], replace(guess, attribute=True))
                continue
            outer: ast.AST
            if _got_without_default(node, parameter, keys):  # ``params.get("k")``: None if absent
                assert isinstance(node, ast.Call)
                path, outer = [str(_key(node.args[0], keys))], node
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id == parameter
                and isinstance(node.ctx, ast.Load)
            ):
                path, outer = self._path(node, parents, keys)
            else:
                continue
            if not path:
                continue
            local = _object_bound(outer, parents, function)
            if local is not None:  # ``opts = params["opts"]``, then ``opts.model_name``
                self.read(function, local, depth, (*prefix, *path))
                continue
            guess = self._guess_used(path[-1], outer, function, (parents, dicts), site)
            if guess is not None:
                self._store([*prefix, *path], guess)

    def _guess_used(
        self,
        key: str,
        read: ast.AST,
        function: sx.Function,
        scope: tuple[Mapping[ast.AST, ast.AST], Mapping[str, ast.Dict]],
        site: _Site | None,
    ) -> ParamGuess | None:
        """A value for the key ``read`` in ``function`` reads, from where the value is used:
        there, in a helper it is handed to, or (``return params.get(key)`` in a helper) where
        the helper was called."""
        around, near = scope
        use, parent = _use_of(read, around, function, near)
        if isinstance(parent, ast.Return) and site is not None:
            around, near = site.parents, site.dicts
            use, parent = _use_of(site.call, around, site.function, near)
        inner = self._in_helper(use, parent)
        if inner is not None:  # ``make_encoder(params["layer_sizes"])``: its use there
            return self._guess(key, inner[0], inner[1], near, inner[2])
        guess = self._guess(key, use, parent, near, around)
        if guess is None or not guess.fallback:
            return guess
        check = self._in_helper(use, parent, _none_check)
        if check is None:
            return guess
        # nothing says what it is, and the helper has a path for its absence: take that
        where = f"{sx.line(check[0])}: {sx.source(check[1] or check[0])}"
        return ParamGuess(key, None, f"{where} in a helper, nothing else saying what it is")

    def _in_helper(
        self, node: ast.AST, call: ast.AST | None, find: _Finder | None = None
    ) -> tuple[ast.AST, ast.AST | None, Mapping[ast.AST, ast.AST]] | None:
        """Where a value handed to a module function (``call``) is first used there in a way
        that says something of it (``for units in layer_sizes``): that use, what is around it,
        and the helper's parents; None when the call is not of one or nothing there says."""
        if not isinstance(call, ast.Call):
            return None
        helper = self.functions.get(sx.dotted(call.func) or "")
        if helper is None:
            return None
        parameter = sx.parameter_for(helper, call, node)
        if parameter is None:
            return None
        around = sx.parents(helper)
        if find is not None:
            found = find(helper, parameter, around)
        else:
            found = _first_telling_use(helper, parameter, around, _dict_literals(self.tree, helper))
        return (*found, around) if found is not None else None

    @staticmethod
    def _path(
        node: ast.Subscript, parents: Mapping[ast.AST, ast.AST], keys: Mapping[str, str]
    ) -> tuple[list[str], ast.AST]:
        """The string keys of ``params["a"]["b"]...`` from ``node`` out, and the outermost."""
        path: list[str] = []
        outer: ast.AST = node
        current: ast.AST | None = node
        while isinstance(current, ast.Subscript) and (current is node or current.value is outer):
            key = _key(current.slice, keys)
            if key is None:
                break
            path.append(key)
            outer = current
            current = parents.get(current)
        return path, outer

    def _store(self, path: list[str], guess: ParamGuess) -> None:
        """The guess for ``params[path[0]]...[path[-1]]``: nested keys build dicts."""
        top = path[0]
        existing = self.found.get(top)
        if existing is not None and _says_more(guess, existing, len(path)):
            del self.found[top]  # a read that says more of what the value is wins
            existing = None
        if len(path) == 1:
            self.found.setdefault(top, replace(guess, key=top))
            return
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
        self,
        key: str,
        node: ast.AST,
        parent: ast.AST | None,
        dicts: Mapping[str, ast.Dict],
        parents: Mapping[ast.AST, ast.AST],
    ) -> ParamGuess | None:
        where = f"{sx.line(node)}: {sx.source(node)}"
        first = _shaped_or_setting(key, node, parent, parents, where)
        if first is not None:
            return first
        if isinstance(parent, ast.Compare):
            compared = _compared(key, node, parent, where)
            if compared is not None:
                return compared
        if (
            isinstance(parent, ast.Subscript)
            and parent.value is not node
            and isinstance(parent.value, ast.Name)
            and parent.value.id in dicts
        ):
            keys = [sx.string(k) for k in dicts[parent.value.id].keys if k is not None]
            if keys and keys[0] is not None:
                return ParamGuess(key, keys[0], f"{where} as a key of {parent.value.id}")
        # (of ``a if test else b`` only the test: ``1.0 if eval else params.keep_prob`` is a value)
        test = isinstance(parent, ast.IfExp) and parent.test is node
        condition = test or isinstance(parent, (ast.If, ast.BoolOp, ast.While)) or (
            isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)
        )
        if condition:
            return ParamGuess(key, False, f"{where} as a condition")
        if _initial_value(node, parent, parents) and (
            _param_value(key, None) is None or _names_weights(key)
        ):
            # (``tf.Variable(params["learning_rate"])`` is a rate: its name says so; one named
            # for weights, ``params["wv_weight"]``, is a matrix whatever else it says)
            return ParamGuess(key, _MATRIX, f"{where} as a variable's initial value")
        keyword = parent.arg if isinstance(parent, ast.keyword) else None
        if keyword is not None and (keyword == "initializer" or keyword.endswith("_initializer")):
            # ``embed_sequence(ids, vocab_size, dim, initializer=params["emb_init"])``: None is
            # the library's own default (a shape-less variable's start was read above)
            return ParamGuess(key, None, f"{where} as {keyword}= (the default initializer)")
        value = _param_value(key, keyword)
        if value is None:  # a small count serves most numbers: sizes, depths, steps, indices
            return ParamGuess(key, _FALLBACK, f"{where} (no better guess)", fallback=True)
        return ParamGuess(
            key, value, where + (f" as {keyword}=" if keyword else ""), from_name=keyword is None
        )

    def _follow(
        self,
        call: ast.Call,
        function: sx.Function,
        parameter: str,
        scope: tuple[Mapping[ast.AST, ast.AST], Mapping[str, ast.Dict], Mapping[str, str]],
        depth: int,
        prefix: tuple[str, ...] = (),
    ) -> None:
        """A helper the call (in ``function``) hands ``params`` to: a module function by name,
        one a name of an enclosing function is bound to (``step_fn = _plain_step``), or the first
        value of a dict of them subscripted (``MODELS[params["model"]](features, params)``)."""
        arguments = [*call.args, *(k.value for k in call.keywords)]
        if not any(isinstance(a, ast.Name) and a.id == parameter for a in arguments):
            return
        parents, dicts, given = scope
        callee: ast.AST = call.func
        if isinstance(callee, ast.Subscript) and isinstance(callee.value, ast.Name):
            table = dicts.get(callee.value.id)
            callee = table.values[0] if table is not None and table.values else callee
        helper = self.functions.get(sx.dotted(callee) or "")
        if helper is None and isinstance(callee, ast.Name):
            helper = self.functions.get(self._bound_around(function, callee.id) or "")
        if helper is None:
            return
        names = [n for n in sx.parameters(helper) if n not in ("self", "cls")]
        handed = [
            *((names[i], a) for i, a in enumerate(call.args) if i < len(names)),
            *((k.arg, k.value) for k in call.keywords if k.arg in names),
        ]
        # its parameters given a literal string (``_setting(params, "width")``, or a parameter
        # of this helper given one in turn): the keys it reads
        keys = {name: _key(value, given) for name, value in handed}
        known = {name: key for name, key in keys.items() if key is not None}
        site = _Site(call, function, parents, dicts, known)
        for name, value in handed:
            if isinstance(value, ast.Name) and value.id == parameter:
                self.read(helper, name, depth + 1, prefix, site)

    def _bound_around(self, function: sx.Function, name: str) -> str | None:
        """The module function a name ``function`` does not bind itself is bound to in a
        function around it (``step_fn = _plain_step``, or a parameter's default), else None."""
        if name in sx.parameters(function):
            return None
        for outer in _enclosing(self.tree, function):
            for node in ast.walk(outer):
                if (
                    isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in self.functions
                ):
                    return node.value.id
            arguments = outer.args
            positional = [*arguments.posonlyargs, *arguments.args]
            defaults = [
                *zip(positional[len(positional) - len(arguments.defaults) :], arguments.defaults),
                *zip(arguments.kwonlyargs, arguments.kw_defaults),
            ]
            for argument, default in defaults:
                if argument.arg == name and isinstance(default, ast.Name):
                    return default.id if default.id in self.functions else None
        return None


@dataclass(frozen=True)
class _Site:
    """The call that handed a helper params: where its result is used, and the literal strings
    it gives the helper's parameters (the keys a helper keyed by its parameter reads)."""

    call: ast.Call
    function: sx.Function
    parents: Mapping[ast.AST, ast.AST]
    dicts: Mapping[str, ast.Dict]
    keys: Mapping[str, str]


def _key(node: ast.AST | None, keys: Mapping[str, str]) -> str | None:
    """A string key: a literal, or a parameter the call gave one (``params.get(key)``)."""
    if isinstance(node, ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
        return keys.get(node.id)
    return sx.string(node)


def _enclosing(tree: ast.Module, function: sx.Function) -> list[sx.Function]:
    """The functions ``function`` is defined in, innermost first."""
    chain: list[sx.Function] = []

    def visit(node: ast.AST, outer: list[sx.Function]) -> bool:
        for child in ast.iter_child_nodes(node):
            if child is function:
                chain.extend(reversed(outer))
                return True
            inner = outer
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = [*outer, child]
            if visit(child, inner):
                return True
        return False

    visit(tree, [])
    return chain


_Finder = Callable[
    [sx.Function, str, Mapping[ast.AST, ast.AST]], "tuple[ast.AST, ast.AST | None] | None"
]


def _none_check(
    function: sx.Function, name: str, parents: Mapping[ast.AST, ast.AST]
) -> tuple[ast.AST, ast.AST | None] | None:
    """The first read of ``name`` compared with None (``if choice is None:``) where the code
    goes on without it (no ``raise`` right under the test): its own path for the absence."""
    for use in _reads_of(function, name):
        around = parents.get(use)
        if not isinstance(around, ast.Compare) or not any(
            _is_none(other) for other in (around.left, *around.comparators) if other is not use
        ):
            continue
        test = parents.get(around)
        if isinstance(test, ast.If) and any(isinstance(s, ast.Raise) for s in test.body):
            return None  # ``if rate is None: raise ValueError(...)``: it must be given
        return use, around
    return None


#: A variable's initial value nothing sizes (pretrained word vectors handed in params): 4 rows of
#: 4, enough rows for the synthetic ids.
_MATRIX = [[0.01] * 4 for _ in range(4)]


#: Words that name a variable's values rather than a setting (``wv_weight``, ``embeddings``).
_WEIGHT_WORDS = ("weight", "embedding", "kernel", "matrix", "table")


def _shaped_or_setting(
    key: str,
    node: ast.AST,
    parent: ast.AST | None,
    parents: Mapping[ast.AST, ast.AST],
    where: str,
) -> ParamGuess | None:
    """A value the use's shape says (``_shaped_value``), else a TensorFlow setting's that runs
    here, which wins over a value it is compared with; else None."""
    shaped = _shaped_value(key, node, parent, parents)
    if shaped is not None:
        return ParamGuess(key, shaped[0], f"{where} {shaped[1]}")
    setting = _TENSORFLOW_SETTINGS.get(key.lower())
    if setting is not None:
        return ParamGuess(key, setting, f"{where} (as TensorFlow names it)", from_name=True)
    return None


def _names_weights(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _WEIGHT_WORDS) and "decay" not in lowered


def _initial_value(
    node: ast.AST, parent: ast.AST | None, parents: Mapping[ast.AST, ast.AST]
) -> bool:
    """``node`` is the value a variable starts from: ``tf.Variable(v)``,
    ``tf.Variable(initial_value=v)``, or ``get_variable(name, initializer=v)`` without a shape
    (a constant initializer gives it)."""
    if isinstance(parent, ast.Call):
        return sx.call_name(parent) == "Variable" and parent.args[:1] == [node]
    if not isinstance(parent, ast.keyword):
        return False
    call = parents.get(parent)
    if not isinstance(call, ast.Call):
        return False
    if parent.arg == "initial_value":
        return sx.call_name(call) == "Variable"
    shaped = len(call.args) > 1 or any(k.arg == "shape" for k in call.keywords)
    return parent.arg == "initializer" and sx.call_name(call) == "get_variable" and not shaped


def _compared(key: str, node: ast.AST, compare: ast.Compare, where: str) -> ParamGuess | None:
    """A value for the param at ``node`` from what ``compare`` compares it with: None (``if
    params.get("checkpoint") is not None:``, the code's own default: absent), a string, or a
    constant of the code (``opts.loss_type == model_keys.LossType.CE``: its value)."""
    others = [other for other in (compare.left, *compare.comparators) if other is not node]
    if any(_is_none(other) for other in others):
        return ParamGuess(key, None, f"{where} compared with None")
    for other in others:
        if sx.string(other) is not None:
            return ParamGuess(key, sx.string(other), f"{where} compared with it")
    for other in others:
        if _constant_reference(other):
            text = sx.source(other)
            return ParamGuess(key, {EXPRESSION: text}, f"{where} compared with {text}")
    return None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _got_without_default(node: ast.AST, parameter: str, keys: Mapping[str, str]) -> bool:
    """``params.get("k")`` (or ``params.get("k", None)``): the value, None where params lack it,
    which the code then uses as the value it expects (a default would say it may be absent)."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == parameter
        and not node.keywords
        and node.args
        and _key(node.args[0], keys) is not None
    ):
        return False
    rest = node.args[1:]
    return not rest or (len(rest) == 1 and _is_none(rest[0]))


def _says_more(guess: ParamGuess, existing: ParamGuess, depth: int) -> bool:
    """Whether ``guess`` says more of a value than ``existing``: anything over a blind guess,
    and feature columns (``input_layer(features, v)``) over a list an iteration made of it
    (``for column in v``)."""
    if existing.fallback and not guess.fallback:
        return True
    columns = depth == 1 and isinstance(guess.value, dict) and set(guess.value) == {COLUMNS}
    return columns and isinstance(existing.value, list)


def _called(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> bool:
    call = parents.get(node)
    return isinstance(call, ast.Call) and call.func is node


def _object_bound(
    node: ast.AST, parents: Mapping[ast.AST, ast.AST], function: sx.Function
) -> str | None:
    """The local name ``node``'s value is bound to (``opts = params["opts"]``) where the
    function reads fields of it (``opts.model_name``, not only methods such as
    ``name.lower()``) or keys (``run["catalog_size"]``, not ``layers[0]``), else None."""
    bound = parents.get(node)
    if not (
        isinstance(bound, ast.Assign)
        and len(bound.targets) == 1
        and isinstance(bound.targets[0], ast.Name)
    ):
        return None
    local = bound.targets[0].id
    for use in ast.walk(function):
        if (
            _attribute_read(use, local, parents)
            and not _called(use, parents)
            and getattr(use, "attr", "") not in _ARRAY_ATTRIBUTES
        ):
            return local
        if (
            isinstance(use, ast.Subscript)
            and isinstance(use.value, ast.Name)
            and use.value.id == local
            and sx.string(use.slice) is not None
        ):
            return local
    return None


def _aliases(function: sx.Function, parameter: str) -> list[str]:
    """``parameter`` and the names the function binds to it as it is (``args = params``) or to a
    copy of it (``config = copy.deepcopy(config)``)."""
    names = [parameter]
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign):
            continue
        value = node.value
        if (
            isinstance(value, ast.Call)
            and sx.call_name(value) in ("copy", "deepcopy")
            and len(value.args) == 1
        ):
            value = value.args[0]
        if isinstance(value, ast.Name) and value.id in names:
            names += [t.id for t in node.targets if isinstance(t, ast.Name) and t.id not in names]
    return names


def _use_of(
    node: ast.AST,
    parents: Mapping[ast.AST, ast.AST],
    function: sx.Function,
    dicts: Mapping[str, ast.Dict] | None = None,
) -> tuple[ast.AST, ast.AST | None]:
    """Where the value read at ``node`` is used: ``node`` itself, or where it is first bound to a
    local name (``layers = params["layers"]``), that name's first use that says something of it
    (subscripted, iterated, split, compared, a condition, passed as a keyword)."""
    parent = parents.get(node)
    if not (
        isinstance(parent, ast.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0], ast.Name)
    ):
        return node, parent
    found = _first_telling_use(function, parent.targets[0].id, parents, dicts)
    return found if found is not None else (node, parent)


def _first_telling_use(
    function: sx.Function,
    name: str,
    parents: Mapping[ast.AST, ast.AST],
    dicts: Mapping[str, ast.Dict] | None = None,
) -> tuple[ast.AST, ast.AST | None] | None:
    """The first read of ``name`` in ``function`` whose surroundings say something of its value
    (``_telling``; a key of one of ``dicts``, the dict literals in reach, too), and those
    surroundings; None when no read does."""
    for use in _reads_of(function, name):
        around = parents.get(use)
        if _telling(use, around, parents) or _dict_key(use, around, dicts or {}):
            return use, around
    return None


def _reads_of(function: sx.Function, name: str) -> list[ast.Name]:
    """The reads of ``name`` in ``function``, in source order."""
    return sorted(
        (
            n
            for n in ast.walk(function)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )


def _dict_key(node: ast.AST, parent: ast.AST | None, dicts: Mapping[str, ast.Dict]) -> bool:
    """``node`` is the key a dict literal of ``dicts`` is indexed by (``OPTIMIZERS[choice]``)."""
    return (
        isinstance(parent, ast.Subscript)
        and parent.slice is node
        and isinstance(parent.value, ast.Name)
        and parent.value.id in dicts
    )


def _telling(node: ast.AST, parent: ast.AST | None, parents: Mapping[ast.AST, ast.AST]) -> bool:
    """Whether ``parent`` (around a use of a value) says something of the value."""
    if isinstance(parent, ast.Subscript):
        return parent.value is node
    if isinstance(parent, ast.Attribute):
        return parent.attr == "split" or parent.attr in _ARRAY_ATTRIBUTES
    if isinstance(parent, (ast.For, ast.comprehension)):
        return parent.iter is node
    if isinstance(parent, ast.Call):
        return _iterated_by(node, parent) or _handed_as_columns(node, parent)
    if isinstance(parent, ast.UnaryOp):
        return isinstance(parent.op, ast.Not)
    if isinstance(parent, ast.Compare):  # ``x is not None`` guards the value, says nothing of it
        return not all(isinstance(op, (ast.Is, ast.IsNot)) for op in parent.ops)
    return isinstance(parent, (ast.If, ast.IfExp, ast.BoolOp, ast.While, ast.keyword))


#: Builtins that iterate (or measure) what they are handed: a value handed to one is a list.
_ITERATING = frozenset({"len", "enumerate", "zip", "list", "tuple", "sorted", "reversed"})


def _iterated_by(node: ast.AST, parent: ast.AST | None) -> bool:
    """``enumerate(v)``, ``zip(v, w)``, ``len(v)`` ...: ``v`` is iterated or measured."""
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Name)
        and parent.func.id in _ITERATING
        and node in parent.args
    )


#: Attributes only an array has: a value read through one is a NumPy array (``m.astype(...)``,
#: ``m.shape[1]``), not an object whose fields are params.
_ARRAY_ATTRIBUTES = frozenset({"astype", "shape", "ndim", "dtype", "T", "tolist"})
#: Marks a guessed params value the worker makes a float32 NumPy array
#: (``worker.inferred.ARRAY``): JSON has no arrays.
ARRAY = "\x00array"

#: Calls taking feature columns, by name, and the position of the columns among their arguments.
_COLUMN_TAKERS = {"input_layer": 1, "linear_model": 1, "DenseFeatures": 0, "LinearModel": 0}
#: Marks a guessed params value that the worker evaluates in the module (a constant it names).
EXPRESSION = "\x00expression"


def _constant_reference(node: ast.AST) -> bool:
    """A name of a constant: ``LOSS_CE`` (upper case), ``keys.LossType.CE`` (an attribute of a
    name): what the worker can evaluate in the module."""
    if isinstance(node, ast.Name):
        return node.id.isupper()
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


#: Marks a guessed params value that the worker makes into that many feature columns, embeddings
#: of ids (``worker.inferred.COLUMNS``): JSON has no feature columns.
COLUMNS = "\x00feature_columns"


def _handed_as_columns(node: ast.AST, parent: ast.AST | None) -> bool:
    """The value at ``node`` is handed where feature columns go: ``input_layer(features, v)``,
    ``DenseFeatures(v)``, ``feature_columns=v`` to any call."""
    if isinstance(parent, ast.keyword):
        return parent.arg == "feature_columns"
    if not isinstance(parent, ast.Call):
        return False
    position = _COLUMN_TAKERS.get(sx.call_name(parent))
    return position is not None and parent.args[position : position + 1] == [node]


#: ``map(int, ...)`` / ``map(float, ...)`` around a split: what each item becomes.
_ITEM_TYPES = {"int": 4, "float": 0.01}


def _shaped_value(
    key: str, node: ast.AST, parent: ast.AST | None, parents: Mapping[ast.AST, ast.AST]
) -> tuple[object, str] | None:
    """A value of the shape a use asks for, with how the use says so: feature columns where it
    is handed where they go; a list where it is subscripted, iterated or measured
    (``layers[0]``, ``for u in units``, ``enumerate(units)``, ``len(sizes)``); a string of items
    where it is split (``params["layers"].split(",")``); else None. Items are what the key's
    name suggests (a number; ``map(int, ...)`` around a split: an int), two."""
    if _handed_as_columns(node, parent):
        return {COLUMNS: 2}, "handed on as feature columns"
    item = _param_value(key, None)
    if isinstance(item, bool) or not isinstance(item, (int, float)):
        item = _FALLBACK
    if isinstance(parent, ast.Attribute) and parent.attr == "split":
        call = parents.get(parent)
        separator: str | None = ","
        if isinstance(call, ast.Call) and call.func is parent:
            separator = sx.string(call.args[0]) if call.args else " "
            mapping = parents.get(call)
            if isinstance(mapping, ast.Call) and sx.call_name(mapping) == "map":
                item = _ITEM_TYPES.get(sx.call_name(mapping.args[0]) if mapping.args else "", item)
        return (separator or ",").join([str(item)] * 2), "split into items"
    if isinstance(parent, ast.Attribute) and parent.attr in _ARRAY_ATTRIBUTES:
        return {ARRAY: _MATRIX}, f"used as a NumPy array (.{parent.attr})"
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return [item, item], "indexed as a list"
    if isinstance(parent, (ast.For, ast.comprehension)):
        return [item, item], "iterated as a list"
    if _iterated_by(node, parent):
        assert isinstance(parent, ast.Call)
        name = sx.call_name(parent)
        return [item, item], "measured with len()" if name == "len" else f"iterated by {name}()"
    joined = _joined_with(node, parent)
    if joined is not None:
        # ``tuple([-1]) + dim``, ``[batch] + params.input_shape + [1]``: sizes of a shape
        return joined([_FALLBACK]), f"added to a {joined.__name__} (sizes of a shape)"
    return None


def _joined_with(node: ast.AST, parent: ast.AST | None) -> type | None:
    """``list`` or ``tuple`` where ``node`` is added to one (a display, or ``list(...)`` /
    ``tuple(...)``); else None."""
    if not (isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Add)):
        return None
    other = parent.right if parent.left is node else parent.left
    if isinstance(other, ast.BinOp) and isinstance(other.op, ast.Add):
        other = other.right  # ``[batch] + shape`` on the left of another ``+``
    if isinstance(other, ast.List) or sx.call_name(other) == "list":
        return list
    if isinstance(other, ast.Tuple) or sx.call_name(other) == "tuple":
        return tuple
    return None


def infer_params(
    tree: ast.Module,
    function: sx.Function,
    parameter: str | None = None,
    imported: Mapping[str, sx.Function] | None = None,
) -> tuple[ParamGuess, ...]:
    """The keys ``function`` (and the module's helpers it hands ``params``) read from ``params``
    as a mapping (``params["k"]``), each with a value guessed from its use (a string it is
    compared with or a key of the dict it indexes, False for a condition, the keyword it is
    passed as) or its name, else 4; ``params.get("k")`` is read so too, while keys read with a
    default (``params.get("k", d)``) are left out. ``parameter`` names another parameter read the
    same way (a job's ``args``)."""
    parameter = parameter or sx.params_parameter(function)
    if parameter is None:
        return ()
    reader = _ParamReader(tree, imported)
    reader.read(function, parameter)
    return tuple(reader.found[k] for k in sorted(reader.found))


def guess_argument(tree: ast.Module, function: sx.Function, parameter: str) -> ParamGuess | None:
    """A value for ``function``'s ``parameter`` used as a plain value (a builder's argument that
    its closure reads, ``num_labels``): feature columns where it is handed where they go, else
    from its first use that says something of it, else its name (``fallback`` when neither says
    anything); None (the value) where it is only stored (``self.names = names``, which nothing
    reads); no guess (None) where it is called (a function, a factory) or never read."""
    parents = sx.parents(function)
    uses = _reads_of(function, parameter)
    if not uses or any(_called(use, parents) for use in uses):
        return None
    if all(_stored(use, parents) for use in uses):
        return ParamGuess(parameter, None, f"{sx.line(uses[0])}: only stored, never read")
    columns = [u for u in uses if _handed_as_columns(u, parents.get(u))]
    dicts = _dict_literals(tree, function)
    use, parent = (
        (columns[0], parents[columns[0]])
        if columns
        else _first_telling_use(function, parameter, parents, dicts)
        or (uses[0], parents[uses[0]])
    )
    return _ParamReader(tree, None)._guess(parameter, use, parent, dicts, parents)


def _stored(node: ast.AST, parents: Mapping[ast.AST, ast.AST]) -> bool:
    """``self.field = node``: the value kept in a field of an object."""
    parent = parents.get(node)
    return (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and all(isinstance(t, ast.Attribute) for t in parent.targets)
    )
