"""Find the model_fns in a module and how the file spells modes (SPEC §4 "Recognising model_fns").

A function is a model_fn when it has a ``mode`` parameter and either returns an EstimatorSpec /
TPUEstimatorSpec (any import spelling, resolved through ``codemods.names``) or is passed
as ``model_fn=``. Top-level functions, closures returned by builders and methods are all found. A
function that merely has the same parameter names is not.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods import statements as st
from codemods import tf_api
from codemods.tree import children
from codemods.vocabulary import Mode

#: Resolves a Name/Attribute expression to its normalized TensorFlow name (or None).
TfResolver = Callable[[cst.CSTNode], Optional[str]]

LABEL_PARAMS = ("labels", "targets")


@dataclass(frozen=True)
class ModeSpelling:
    """How the model_fn writes a mode constant: ``<prefix>.TRAIN`` or a string literal."""

    prefix: Optional[str]  # e.g. "tf.estimator.ModeKeys"; None → string literals
    predict_attr: str = "PREDICT"
    quote: str = '"'

    def constant(self, mode: Mode) -> str:
        if self.prefix is None:
            return f"{self.quote}{mode.value}{self.quote}"
        attr = self.predict_attr if mode is Mode.PREDICT else mode.key
        return f"{self.prefix}.{attr}"


@dataclass
class ModelFn:
    node: cst.FunctionDef
    name: str
    mode_param: str
    labels_param: Optional[str]
    spelling: ModeSpelling
    helpers: dict[str, cst.FunctionDef] = field(default_factory=dict)
    #: The module's own classes, by name (calling an instance runs its ``call``/``__call__``).
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    #: The functions and classes the model_fn is defined in, outermost first.
    enclosing: tuple[cst.CSTNode, ...] = ()
    #: Every model_fn of the module (this one too): each is analysed, and reported, on its own.
    model_fns: frozenset[cst.FunctionDef] = frozenset()


def _own_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` without descending into nested functions, classes or lambdas."""
    stack = list(reversed(children(node)))
    while stack:
        child = stack.pop()
        yield child
        if isinstance(child, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(reversed(children(child)))


def param_names(node: cst.FunctionDef) -> list[str]:
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    return [p.name.value for p in every]


#: The parameters Estimator hands a model_fn by name (it refuses a model_fn with any other).
ESTIMATOR_ARGS = frozenset({"features", "labels", "mode", "params", "config"})


def features_param(fn: ModelFn) -> Optional[str]:
    """The parameter that holds the features: the first one that is not ``self``/``cls``, the
    mode's or the labels' (None where there is none)."""
    for name in param_names(fn.node):
        if name in {"self", "cls"}:
            continue
        return None if name in {fn.mode_param, fn.labels_param} else name
    return None


def _without_self(params: list[str]) -> list[str]:
    """A method's parameters less the instance (or class) it is bound to."""
    return params[1:] if params[:1] in (["self"], ["cls"]) else params


def _model_fn_signature(params: list[str], mode_default: bool = False) -> bool:
    """A model_fn's parameters: those Estimator hands by name, ``features`` among them (it
    refuses a model_fn without ``features`` or with any other parameter), or ``features`` first,
    as a wrapper passes them on (``resnet_model_fn(features, labels, mode, model_class, ...)``).
    A function that takes other values first (``get_estimator_spec(hparams, mode, features,
    labels, logits)``) is a helper the model_fn hands its mode to, which gates itself; so is one
    taking other values after ``features`` whose mode has a default (``_predict(self, features,
    outputs, mode=ModeKeys.PREDICT)``: a helper for that mode, called without one)."""
    own = _without_self(params)
    if "features" in own and set(own) <= ESTIMATOR_ARGS:
        return True
    return own[:1] == ["features"] and not mode_default


def _labels_param(node: cst.FunctionDef, params: list[str]) -> Optional[str]:
    """The parameter that takes the labels: the one named for them, else, in a model function
    of tf.contrib.learn (it returns ``ModelFnOps``), the second one whatever its name - that
    Estimator calls ``model_fn(features, labels, **kwargs)`` (``_``, ``y``, ``integer_labels``)."""
    named = next((p for p in LABEL_PARAMS if p in params), None)
    if named is not None:
        return named
    own = _without_self(params)
    if len(own) < 2 or own[1] in ESTIMATOR_ARGS or not _returns_model_fn_ops(node):
        return None
    return own[1]


def _returns_model_fn_ops(node: cst.FunctionDef) -> bool:
    """A ``return`` of its own builds tf.contrib.learn's ``ModelFnOps``."""
    return any(
        isinstance(inner, cst.Return)
        and isinstance(inner.value, cst.Call)
        and st.leaf_name(inner.value.func) == "ModelFnOps"
        for inner in _own_nodes(node.body)
    )


def _mode_default(node: cst.FunctionDef) -> bool:
    """Whether the ``mode`` parameter has a default other than None."""
    params = node.params
    for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
        if param.name.value == "mode":
            return param.default is not None and not (
                isinstance(param.default, cst.Name) and param.default.value == "None"
            )
    return False


def _called_object_signature(node: cst.FunctionDef, params: list[str]) -> bool:
    """A callable object's ``__call__`` taking a model_fn's parameters in Estimator's order, its
    features by another name (``__call__(self, images, labels, mode, params)``): the object is
    the model_fn (a ``lambda features, labels, mode, params:`` elsewhere hands them on). A plain
    function so shaped (``make_spec(logits, labels, mode)``) is a helper."""
    own = params[1:]
    return (
        node.name.value == "__call__"
        and params[:1] == ["self"]
        and own[1:3] in (["labels", "mode"], ["targets", "mode"])
        and set(own[3:]) <= {"params", "config"}
    )


def returns_spec(
    node: cst.FunctionDef,
    resolve: TfResolver,
    spec_helpers: Collection[str] = (),
    spec_methods: Collection[str] = (),
) -> bool:
    """Whether ``node`` returns an EstimatorSpec: built in the return, built into a name it
    returns, or given by one of ``spec_helpers`` (the module's functions that return one:
    ``return get_prediction_spec(log_prob)``) or, in a method, by one of ``spec_methods`` (its
    class's methods that return one: ``return self._spec(mode, logits, loss)``)."""
    spec_names: set[str] = set()
    returned: list[cst.BaseExpression] = []
    # ``def _spec(**kwargs): return tf.estimator.EstimatorSpec(mode=mode, **kwargs)`` in its body
    nested = {
        child.name.value
        for child in _own_nodes(node.body)
        if type(child) is cst.FunctionDef and returns_spec(child, resolve)
    }
    spec_helpers = {*spec_helpers, *nested}
    for child in _own_nodes(node.body):
        if type(child) is cst.Return and child.value is not None:
            returned.append(child.value)
        elif (
            type(child) is cst.Assign
            and len(child.targets) == 1
            and isinstance(child.targets[0].target, cst.Name)
            and (
                _is_spec_call(child.value, resolve)
                or _helper_call(child.value, spec_helpers)
                or _method_call(child.value, spec_methods)
            )
        ):
            spec_names.add(child.targets[0].target.value)
    for value in returned:
        if _is_spec_call(value, resolve):
            return True
        if _helper_call(value, spec_helpers) or _method_call(value, spec_methods):
            return True
        if type(value) is cst.Name and value.value in spec_names:
            return True
    return False


def _helper_call(value: cst.BaseExpression, spec_helpers: Collection[str]) -> bool:
    """``train_spec(loss)``: a call of one of the module's functions that return a spec."""
    return type(value) is cst.Call and type(value.func) is cst.Name and (
        value.func.value in spec_helpers
    )


def _method_call(value: cst.BaseExpression, spec_methods: Collection[str]) -> bool:
    """``self._spec(mode, loss)``: a call of one of the class's methods that return a spec."""
    if type(value) is not cst.Call or type(value.func) is not cst.Attribute:
        return False
    owner = value.func.value
    return type(owner) is cst.Name and owner.value == "self" and (
        value.func.attr.value in spec_methods
    )


def _spec_methods(
    enclosing: tuple[cst.CSTNode, ...],
    resolve: TfResolver,
    classes: Mapping[str, cst.ClassDef],
) -> frozenset[str]:
    """The methods of the class a function is defined in that return a spec they build, its
    own or inherited from a class of the module (``class FitNet(StudentModel)`` whose base
    defines ``def train(...): return EstimatorSpec(...)``); the nearest definition counts."""
    if not enclosing or type(enclosing[-1]) is not cst.ClassDef:
        return frozenset()
    found: dict[str, bool] = {}
    for owner in lineage(enclosing[-1], classes):
        for stmt in owner.body.body:
            if type(stmt) is cst.FunctionDef and stmt.name.value not in found:
                found[stmt.name.value] = returns_spec(stmt, resolve)
    return frozenset(name for name, spec in found.items() if spec)


def lineage(owner: cst.ClassDef, classes: Mapping[str, cst.ClassDef]) -> list[cst.ClassDef]:
    """``owner`` and the module's classes (``classes``, by name) it derives from by name,
    nearest first (depth first, each once)."""
    seen: list[cst.ClassDef] = []
    stack = [owner]
    while stack:
        cls = stack.pop(0)
        if any(cls is done for done in seen):
            continue
        seen.append(cls)
        bases = [arg.value for arg in cls.bases]
        stack[:0] = [
            classes[b.value] for b in bases if type(b) is cst.Name and b.value in classes
        ]
    return seen


def _names_estimator_spec(name: str) -> bool:
    """A method named for giving an EstimatorSpec: a canned head's ``create_estimator_spec``,
    a base class's ``make_estimator_spec`` or ``_get_estimator_spec`` (defined where the module
    does not show it)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return {"estimator", "spec"} <= set(spaced.split("_"))


def _is_spec_call(node: cst.BaseExpression, resolve: TfResolver) -> bool:
    if type(node) is not cst.Call:
        return False
    func = node.func
    if type(func) is cst.Attribute and _names_estimator_spec(func.attr.value):
        return True
    tf_name = resolve(func)
    if tf_name is None:
        return tf_api.spelled_spec(func)
    return tf_api.is_estimator_spec(tf_name)


def _functions_and_passed(
    module: cst.Module,
) -> tuple[list[tuple[cst.FunctionDef, tuple[cst.CSTNode, ...]]], set[str], dict[str, int]]:
    """Every function (outermost first, in source order) with the functions and classes it is
    defined in, the names given as ``model_fn=NAME`` / ``model_fn=self.NAME`` (or first to an
    ``Estimator``/``TPUEstimator``) anywhere in the module, and those given first to
    ``functools.partial`` with how many arguments it binds by position, in one walk."""
    functions: list[tuple[cst.FunctionDef, tuple[cst.CSTNode, ...]]] = []
    names: set[str] = set()
    partials: dict[str, int] = {}  # functions given first to ``functools.partial``
    stack: list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = [(module, ())]
    while stack:
        current, enclosing = stack.pop()
        if type(current) is cst.FunctionDef:
            functions.append((current, enclosing))
        elif type(current) is cst.Call and current.args and _names_estimator(current.func):
            first = current.args[0]  # ``Estimator(my_model_fn)``: model_fn comes first
            if first.keyword is None and not first.star and type(first.value) is cst.Name:
                names.add(first.value.value)
        elif type(current) is cst.Call and current.args and _names_partial(current.func):
            first = current.args[0]  # ``functools.partial(_model_fn, hparams=hparams)``
            if (
                first.keyword is None
                and not first.star
                and type(first.value) is cst.Name
                and _binds_only_extras(current.args[1:])
            ):
                bound = sum(1 for arg in current.args[1:] if arg.keyword is None and not arg.star)
                partials[first.value.value] = bound
        elif type(current) is cst.Arg and current.keyword is not None:
            value = current.value
            if current.keyword.value != "model_fn":
                pass
            elif type(value) is cst.Name:
                names.add(value.value)
            elif type(value) is cst.Attribute:
                names.add(value.attr.value)
        if type(current) in (cst.FunctionDef, cst.ClassDef):
            inner = (*enclosing, current)
            stack.extend((child, inner) for child in reversed(children(current)))
        else:
            stack.extend((child, enclosing) for child in reversed(children(current)))
    return functions, names, partials


def _built_closure(
    node: cst.FunctionDef,
    enclosing: tuple[cst.CSTNode, ...],
    params: list[str],
    resolve: TfResolver,
) -> bool:
    """A function taking only what Estimator hands (``features`` and ``mode`` among them) that
    the function it is defined in returns: a builder's model_fn closure, also where it hands its
    work on to another model_fn (``return model_fn(features, mode)``) instead of building the
    spec itself. One that returns anything else (a dict of metrics, a loss) is no model_fn."""
    if not enclosing or type(enclosing[-1]) is not cst.FunctionDef or params[:1] == ["self"]:
        return False
    if not set(params) <= ESTIMATOR_ARGS:
        return False
    builder = enclosing[-1]
    name = node.name.value
    returned = any(
        type(child) is cst.Return and type(child.value) is cst.Name and child.value.value == name
        for child in _own_nodes(builder.body)
    )
    return returned and any(_hands_on_mode(child, resolve) for child in _own_nodes(node.body))


def _hands_on_mode(node: cst.CSTNode, resolve: TfResolver) -> bool:
    """``return chosen(features, labels, mode)``: a return of a call, not of a TensorFlow op,
    handed the mode."""
    if type(node) is not cst.Return or type(node.value) is not cst.Call:
        return False
    call = node.value
    handed = any(isinstance(arg.value, cst.Name) and arg.value.value == "mode" for arg in call.args)
    return handed and resolve(call.func) is None


def _binds_only_extras(bound: Sequence[cst.Arg]) -> bool:
    """A partial an Estimator can call: it binds by name only what Estimator does not hand
    (``hparams=hparams``), and by position only leading values (``partial(model_fn, model,
    args)``: whether those are the function's own settings, its parameters say). One that binds
    Estimator's own arguments by name, or spreads ``*args``, makes a helper the caller
    completes."""
    return all(
        arg.star == "**"
        or (arg.keyword is None and not arg.star)
        or (arg.keyword is not None and arg.keyword.value not in _HANDED)
        for arg in bound
    )


#: What Estimator hands a model_fn itself, features first (``params`` and ``config`` may be
#: bound beforehand: Estimator hands them only to a model_fn that takes them by name).
_HANDED = frozenset({"features", "labels", "mode"})


def _names_partial(func: cst.BaseExpression) -> bool:
    """``functools.partial`` or ``partial``, as spelled."""
    return st.leaf_name(func) == "partial"


def _names_estimator(func: cst.BaseExpression) -> bool:
    """``Estimator``, ``tf.estimator.Estimator``, ``tpu.TPUEstimator``: the class an Estimator
    is built from, whose first parameter is the model_fn."""
    return st.leaf_name(func) in {"Estimator", "TPUEstimator"}


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def mode_spelling(
    fn_node: cst.FunctionDef, resolve: TfResolver, module: cst.Module
) -> ModeSpelling:
    """Reuse how the file already writes modes, nearest first.

    In order: a ``ModeKeys.X`` reference in the model_fn; string literals compared with ``mode`` in
    the model_fn; a ``ModeKeys.X`` reference elsewhere in the module; a ``ModeKeys`` import alias;
    ``<tf alias>.estimator.ModeKeys``; string literals (ModeKeys members are plain strings).
    """
    found = _mode_keys_reference(fn_node, resolve, module)
    if found is not None:
        return found
    quote = _string_mode_quote(fn_node)
    if quote is not None:
        return ModeSpelling(prefix=None, quote=quote)
    imports = [c for c in _walk_module_level(module) if isinstance(c, (cst.Import, cst.ImportFrom))]
    for child in imports:
        if type(child) is cst.ImportFrom and not isinstance(child.names, cst.ImportStar):
            for alias in child.names:
                if cst.Module([]).code_for_node(alias.name) != "ModeKeys":
                    continue
                name = alias.asname.name if alias.asname is not None else alias.name
                source = cst.Module([]).code_for_node(child.module) if child.module else ""
                tf_name = tf_api.normalize(f"{source}.ModeKeys")
                if type(name) is cst.Name and tf_name is not None:
                    return ModeSpelling(prefix=name.value)
    for child in imports:
        if isinstance(child, (cst.Import, cst.ImportFrom)):
            alias_name = _tf_alias(child)
            if alias_name is not None:
                return ModeSpelling(prefix=f"{alias_name}.estimator.ModeKeys")
    return ModeSpelling(prefix=None)


def _walk_module_level(module: cst.Module) -> Iterator[cst.CSTNode]:
    """Nodes of the module outside any function or class (imports under ``try:`` included)."""
    stack: list[cst.CSTNode] = [module]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack.extend(reversed(children(current)))


def _mode_keys_reference(
    scope: cst.CSTNode, resolve: TfResolver, module: cst.Module
) -> Optional[ModeSpelling]:
    for child in _walk(scope):
        if type(child) is cst.Attribute and child.attr.value in tf_api.MODE_VALUES:
            tf_name = resolve(child)
            key = tf_api.mode_key_value(tf_name) if tf_name is not None else None
            leaf = st.leaf_name(child.value)
            misspelt = leaf.lower() == "modekeys" and leaf != "ModeKeys"  # ``Modekeys``
            if (key is not None or tf_api.spelled_mode_key(child) is not None) and not misspelt:
                prefix = module.code_for_node(child.value)
                # tf.contrib.learn's ModeKeys has INFER, not PREDICT (any import spelling)
                learn = ".contrib.learn" in _origin(prefix, module)
                infer = learn or _uses_infer(scope)
                return ModeSpelling(prefix=prefix, predict_attr="INFER" if infer else "PREDICT")
    return None


def _origin(dotted: str, module: cst.Module) -> str:
    """``dotted`` (``ModeKeys``, ``learn.ModeKeys``) with its first name replaced by what the
    module imports under it (``tensorflow.contrib.learn.ModeKeys``)."""
    head, _, rest = dotted.partition(".")
    for node in _walk_module_level(module):
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            source = "." * len(node.relative) + (
                get_full_name_for_node(node.module) or "" if node.module else ""
            )
        elif isinstance(node, cst.Import):
            source = ""
        else:
            continue
        for alias in node.names if not isinstance(node.names, cst.ImportStar) else ():
            name = get_full_name_for_node(alias.name) or ""
            bound = alias.asname.name if alias.asname is not None else alias.name
            if (get_full_name_for_node(bound) or "").split(".")[0] == head:
                full = f"{source}.{name}" if source else name
                return f"{full}.{rest}" if rest else full
    return dotted


def _uses_infer(scope: cst.CSTNode) -> bool:
    return any(
        type(child) is cst.Attribute and child.attr.value == "INFER" for child in _walk(scope)
    )


def _string_mode_quote(scope: cst.CSTNode) -> Optional[str]:
    for child in _walk(scope):
        if type(child) is cst.Comparison and type(child.left) is cst.Name:
            if child.left.value != "mode":
                continue
            for target in child.comparisons:
                comparator = target.comparator
                if type(comparator) is cst.SimpleString and comparator.evaluated_value in {
                    "train",
                    "eval",
                    "infer",
                }:
                    return comparator.quote[-1] if comparator.quote else '"'
    return None


def _tf_alias(node: cst.Import | cst.ImportFrom) -> Optional[str]:
    if type(node) is cst.Import:
        for alias in node.names:
            dotted = cst.Module([]).code_for_node(alias.name)
            if dotted == "tensorflow":
                asname = alias.asname.name if alias.asname is not None else None
                return asname.value if type(asname) is cst.Name else "tensorflow"
            if dotted == "tensorflow.compat.v1" and alias.asname is not None:
                asname = alias.asname.name
                return asname.value if type(asname) is cst.Name else None
    return None


def find_model_fns(
    module: cst.Module, resolve: TfResolver, named: Collection[str] = ()
) -> list[ModelFn]:
    """Every model_fn in the module, outermost first; functions called one of ``named`` (the
    ``model-fn-names`` setting) count as model_fns when they take ``mode``."""
    functions, passed, partials = _functions_and_passed(module)
    top_level = {
        stmt.name.value: stmt for stmt in module.body if type(stmt) is cst.FunctionDef
    }
    classes = {stmt.name.value: stmt for stmt in module.body if type(stmt) is cst.ClassDef}
    spec_helpers = {name for name, fn in top_level.items() if returns_spec(fn, resolve)}
    found: list[ModelFn] = []
    for node, enclosing in functions:
        params = param_names(node)
        if "mode" not in params:
            continue
        name = node.name.value
        # ``partial(nn_model_fn, model, loss_fn, args)``: the parameters it binds by position
        # come first, Estimator's own after them (binding those makes a helper, not a model_fn)
        bound = partials.get(name, 0)
        rest = params[bound:] if not set(params[:bound]) & _HANDED else []
        signature = _model_fn_signature(rest, _mode_default(node)) or (
            _called_object_signature(node, params)
        )
        shaped = signature and (
            returns_spec(node, resolve, spec_helpers, _spec_methods(enclosing, resolve, classes))
            or _built_closure(node, enclosing, params, resolve)
            or name in partials  # what Estimator does not hand it is bound beforehand
        )
        if not (name in named or name in passed or shaped):
            continue
        labels = _labels_param(node, params)
        nested = {
            child.name.value: child
            for child in _own_nodes(node.body)
            if type(child) is cst.FunctionDef
        }
        found.append(
            ModelFn(
                node=node,
                name=node.name.value,
                mode_param="mode",
                labels_param=labels,
                spelling=mode_spelling(node, resolve, module),
                helpers={**top_level, **nested},
                classes=classes,
                enclosing=enclosing,
            )
        )
    every = frozenset(fn.node for fn in found)
    for fn in found:
        fn.model_fns = every
    return found
