"""Find eager code in one model_fn (EF201–EF206): one ``Site`` per finding, with the fix it allows.

The scan walks the body in source order with ``eager_values`` tracking what each name holds. It
skips the branches an ``if tf.executing_eagerly():`` test makes dead (they never run in a
model_fn). Whether a ``print`` can be rewritten depends on what comes after it (the printed tensor
must feed something the returned spec uses), so print sites are settled after the walk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from codemods import eager_print, numpy_table
from codemods import statements as st
from codemods.eager_values import (
    CONVERSION_METHODS,
    EAGER,
    KERAS_CONVERSIONS,
    PYTHON,
    SESSION,
    SESSION_CONSTRUCTORS,
    SINGLE,
    STRUCT,
    TENSOR,
    VARIABLE,
    Env,
    Evaluator,
    Value,
    merge,
    target_names,
)
from codemods.tree import children

#: Kinds whose print shows a symbol where a value was meant.
PRINTED = frozenset({TENSOR, STRUCT, "maybe"})
#: Is a rule on for this node (selected, and not silenced by a noqa comment)?
Enabled = Callable[[str, cst.CSTNode, cst.BaseStatement], bool]

SESSION_RECIPE = (
    "model_fn only builds the graph; the Estimator owns the session and runs it every step. "
    "Print values with tf.print, log them with a LoggingTensorHook in training_hooks, or return "
    "them as predictions / eval_metric_ops"
)
BOOL_RECIPE = (
    "use tf.cond(pred, true_fn, false_fn) for control flow, tf.where(cond, x, y) to pick values, "
    "or decide in Python on static facts (x.shape, params, mode)"
)
CONVERSION_RECIPE = (
    "a graph tensor has no value while model_fn builds the graph: keep it a tensor; print it "
    "with tf.print, log it with a LoggingTensorHook, or return it in predictions / eval_metric_ops"
)
PRINT_RECIPE = (
    "Write `with tf.control_dependencies([tf.print(...)]): x = tf.identity(x)` for a tensor x "
    "the EstimatorSpec uses, or log it with a LoggingTensorHook in the TRAIN spec's training_hooks"
)


@dataclass(eq=False)
class Site:
    code: str
    node: cst.CSTNode
    stmt: cst.BaseStatement
    message: str
    note: str = ""
    fixable: bool = False
    enabled: bool = True
    replacement: cst.BaseExpression | None = None  # EF201: built from the original arguments
    unwrap: cst.BaseExpression | None = None  # EF202: the tensor inside the conversion
    eager: bool | None = None  # EF206: what the test is in a model_fn
    rebind: tuple[str, ...] = ()  # EF204: names the tf.print is wired into
    form: str = ""  # EF204: print, tf.print or log (codemods.eager_print)


@dataclass
class _Step:
    """One statement (or compound header) in source order, for the print liveness check."""

    stmt: cst.CSTNode
    reads: frozenset[str]
    defines: frozenset[str]
    returns: bool
    depth: int


@dataclass
class _PrintCandidate:
    site: Site
    step: int
    names: list[str]
    inner: list[Site]
    blocked: list[str] = field(default_factory=list)


class Scanner:
    """Scan one model_fn body. ``spell(node)`` gives a node's source text for messages."""

    def __init__(
        self,
        body: Sequence[cst.BaseStatement],
        evaluator: Evaluator,
        env: Env,
        tf: str,
        enabled: Enabled,
        spell: Callable[[cst.CSTNode], str],
        names: Callable[[cst.CSTNode], set[str]],
    ) -> None:
        self.body = body
        self.ev = evaluator
        self.env = env
        self.tf = tf
        self.enabled = enabled
        self.spell = spell
        self.names = names
        self.sites: list[Site] = []
        self.steps: list[_Step] = []
        self.prints: list[_PrintCandidate] = []
        self.depth = 0

    def run(self) -> list[Site]:
        self._block(self.body, self.env)
        for candidate in self.prints:
            self._settle_print(candidate)
        return self.sites

    # ------------------------------------------------------------------ statements
    def _block(self, stmts: Sequence[cst.BaseStatement], env: Env) -> None:
        for stmt in stmts:
            self._statement(stmt, env)

    def _suite(self, suite: cst.BaseSuite, env: Env, owner: cst.BaseStatement) -> None:
        self.depth += 1
        if isinstance(suite, cst.IndentedBlock):
            self._block(suite.body, env)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self._smalls(suite.body, env, owner, printable=False)
        self.depth -= 1

    def _statement(self, stmt: cst.BaseStatement, env: Env) -> None:  # noqa: C901
        self.ev.forget()
        if isinstance(stmt, cst.SimpleStatementLine):
            self._smalls(stmt.body, env, stmt, printable=len(stmt.body) == 1)
        elif isinstance(stmt, cst.If):
            self._if(stmt, env)
        elif isinstance(stmt, cst.For):
            self._header(stmt, [stmt.iter], env)
            env.update(self.ev.iterated(stmt.iter, stmt.target, env))
            self._step(stmt, st.reads(stmt.iter), set(target_names(stmt.target)))
            self._suite(stmt.body, env, stmt)
            if stmt.orelse is not None:
                self._suite(stmt.orelse.body, env, stmt)
        elif isinstance(stmt, cst.While):
            self._header(stmt, [stmt.test], env)
            self._bool(stmt.test, env, stmt, "while")
            self._step(stmt, st.reads(stmt.test), set())
            self._suite(stmt.body, env, stmt)
        elif isinstance(stmt, cst.With):
            self._with(stmt, env)
        elif isinstance(stmt, cst.Try):
            self._suite(stmt.body, env, stmt)
            for handler in stmt.handlers:
                self._suite(handler.body, env, stmt)
            for extra in (stmt.orelse, stmt.finalbody):
                if extra is not None:
                    self._suite(extra.body, env, stmt)
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            env[stmt.name.value] = Value(PYTHON)
            self._step(stmt, st.reads(stmt), {stmt.name.value})

    def _header(self, stmt: cst.BaseStatement, exprs: Sequence[cst.BaseExpression], env: Env) -> None:  # noqa: E501
        for expr in exprs:
            self._scan(expr, env, stmt)

    def _with(self, stmt: cst.With, env: Env) -> None:
        defined: set[str] = set()
        reads: set[str] = set()
        for item in stmt.items:
            self._scan(item.item, env, stmt)
            reads |= st.reads(item.item)
            if item.asname is not None:
                value = self.ev.value(item.item, env)
                for name in target_names(item.asname.name):
                    env[name] = value if value.kind == SESSION else Value(PYTHON)
                    defined.add(name)
        self._step(stmt, reads, defined)
        self._suite(stmt.body, env, stmt)

    def _step(self, stmt: cst.CSTNode, reads: set[str], defines: set[str], returns: bool = False) -> None:  # noqa: E501
        self.steps.append(_Step(stmt, frozenset(reads), frozenset(defines), returns, self.depth))

    def _smalls(
        self,
        body: Sequence[cst.BaseSmallStatement],
        env: Env,
        stmt: cst.BaseStatement,
        printable: bool,
    ) -> None:
        """The small statements of one line (or of a one-line suite, owned by ``stmt``)."""
        reads: set[str] = set()
        defines: set[str] = set()
        for small in body:
            first = len(self.sites)
            self._scan(small, env, stmt)
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                self._print(small.value, stmt, env, self.sites[first:], printable)
            self._bind(small, env)
            reads |= st.reads(small)
            defines |= st.defines(small)
        returns = any(isinstance(small, cst.Return) for small in body)
        self._step(stmt, reads, defines, returns)

    # ------------------------------------------------------------------ binding
    def _bind(self, small: cst.BaseSmallStatement, env: Env) -> None:
        self._bind_small(small, env)
        self.ev.forget()

    def _bind_small(self, small: cst.BaseSmallStatement, env: Env) -> None:
        if isinstance(small, cst.Assign):
            value = self.ev.value(small.value, env)
            for target in small.targets:
                self._bind_target(target.target, value, small.value, env)
        elif isinstance(small, cst.AnnAssign) and small.value is not None:
            self._bind_target(small.target, self.ev.value(small.value, env), small.value, env)
        elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            old = env.get(small.target.value, Value(PYTHON))
            new = self.ev.value(small.value, env)
            if old.kind in SINGLE or new.kind in SINGLE:
                env[small.target.value] = Value(TENSOR, old.dtype or new.dtype)
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
            func = small.value.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
                args = [arg.value for arg in small.value.args]
                if func.attr.value in st.MUTATING_METHODS and self.ev.any_tensorish(args, env):
                    self._contains_tensors(func.value.value, env)
        elif isinstance(small, cst.Del):
            for name in target_names(small.target):
                env.pop(name, None)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            for name in st.defines(small):
                env[name] = Value(PYTHON)

    def _bind_target(self, target: cst.BaseExpression, value: Value, rhs: cst.BaseExpression, env: Env) -> None:  # noqa: E501
        if isinstance(target, cst.Name):
            env[target.value] = value
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = [e.value for e in target.elements]
            if isinstance(rhs, (cst.Tuple, cst.List)) and len(rhs.elements) == len(elements):
                for element, source in zip(elements, rhs.elements):
                    self._bind_target(element, self.ev.value(source.value, env), source.value, env)
                return
            part = Value(PYTHON)
            if value.kind == STRUCT and isinstance(rhs, cst.Call) and self.ev.resolve(rhs.func):
                part = Value(TENSOR)  # acc, acc_op = tf.metrics.accuracy(...)
            elif value.tensorish:
                part = Value("maybe")
            for element in elements:
                self._bind_target(element, part, element, env)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, Value(STRUCT) if value.tensorish else value, rhs, env)
        elif isinstance(target, (cst.Subscript, cst.Attribute)) and value.tensorish:
            base = target.value
            while isinstance(base, (cst.Subscript, cst.Attribute)):
                base = base.value
            if isinstance(base, cst.Name):
                self._contains_tensors(base.value, env)

    @staticmethod
    def _contains_tensors(name: str, env: Env) -> None:
        if not env.get(name, Value(PYTHON)).tensorish:
            env[name] = Value(STRUCT)

    # ------------------------------------------------------------------ if / eager
    def _if(self, stmt: cst.If, env: Env) -> None:
        chain: list[tuple[cst.If | cst.Else, cst.BaseExpression | None, cst.BaseSuite]] = []
        node: cst.If | cst.Else | None = stmt
        while node is not None:
            if isinstance(node, cst.If):
                chain.append((node, node.test, node.body))
                node = node.orelse
            else:
                chain.append((node, None, node.body))
                node = None
        envs: list[Env] = []
        for branch, test, body in chain:
            truth: bool | None = None
            if test is not None:
                truth = self._eager_test(test, env, cst.ensure_type(branch, cst.If), stmt)
                if truth is False:
                    continue  # dead in a model_fn: never runs, never reported
                if truth is None:
                    owner = cst.ensure_type(branch, cst.If)
                    self._scan(test, env, owner)
                    self._bool(test, env, owner, "elif" if branch is not stmt else "if")
                self._step(branch, st.reads(test), set())
            sub = dict(env)
            self._suite(body, sub, branch if isinstance(branch, cst.If) else stmt)
            envs.append(sub)
            if test is None or truth is True:
                break
        else:
            envs.append(dict(env))
        merged = envs[0]
        for other in envs[1:]:
            merged = merge(merged, other)
        env.clear()
        env.update(merged)

    def _eager_test(self, test: cst.BaseExpression, env: Env, branch: cst.If, stmt: cst.If) -> bool | None:  # noqa: E501
        """Report an ``executing_eagerly()`` test; its value in a model_fn, None if not decided."""
        if not self._mentions_eager(test, env):
            return None
        truth = self.eager_truth(test, env)
        site = Site(
            "EF206",
            branch,
            stmt,
            "`tf.executing_eagerly()` is always False inside a model_fn: "
            + ("the eager branch is dead" if truth is not None else "this test is decided"),
            note="" if truth is not None else "rewrite the test without tf.executing_eagerly()",
            fixable=truth is not None,
            eager=truth,
        )
        self._add(site)
        return truth  # a dead branch never runs, rewritten or not: nothing in it is reported

    def _mentions_eager(self, test: cst.BaseExpression, env: Env) -> bool:
        stack: list[cst.CSTNode] = [test]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.Call, cst.Name)) and self.ev.value(node, env).kind == EAGER:
                return True
            stack.extend(children(node))
        return False

    def eager_truth(self, test: cst.BaseExpression, env: Env) -> bool | None:
        """False for ``tf.executing_eagerly()`` (and names bound to it), True for its ``not``;
        an ``and``/``or`` only when its first operand decides it (the rest is never evaluated)."""
        if self.ev.value(test, env).kind == EAGER:
            return False
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.eager_truth(test.expression, env)
            return None if inner is None else not inner
        if isinstance(test, cst.BooleanOperation):
            first = self.eager_truth(test.left, env)
            if isinstance(test.operator, cst.And) and first is False:
                return False
            if isinstance(test.operator, cst.Or) and first is True:
                return True
        return None

    # ------------------------------------------------------------------ expressions
    def _scan(self, node: cst.CSTNode, env: Env, stmt: cst.BaseStatement) -> None:  # noqa: C901
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return
        if type(node) is cst.Lambda:
            inner = dict(env)
            for param in _lambda_params(node):
                inner.pop(param, None)
            self._scan(node.body, inner, stmt)
            return
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            self._comprehension(node, env, stmt)
            return
        if type(node) is cst.IfExp:
            truth = self._eager_ifexp(node, env, stmt)
            if truth is not None:
                self._scan(node.body if truth else node.orelse, env, stmt)
                return
            self._bool(node.test, env, stmt, "conditional expression")
        elif type(node) is cst.Call:
            self._call(node, env, stmt)
        elif type(node) is cst.BooleanOperation:
            # ``a and b`` tests ``a``; ``b`` is tested only where the result is (see _bool)
            self._bool(node.left, env, stmt, _word(node))
        elif type(node) is cst.UnaryOperation and type(node.operator) is cst.Not:
            self._bool(node.expression, env, stmt, "not")
        elif type(node) is cst.Assert:
            self._bool(node.test, env, stmt, "assert")
        for child in children(node):
            self._scan(child, env, stmt)

    def _comprehension(self, node: cst.CSTNode, env: Env, stmt: cst.BaseStatement) -> None:
        inner = dict(env)
        comp: cst.CompFor | None = getattr(node, "for_in", None)
        while comp is not None:
            self._scan(comp.iter, inner, stmt)
            inner.update(self.ev.iterated(comp.iter, comp.target, inner))
            for condition in comp.ifs:
                self._scan(condition.test, inner, stmt)
                self._bool(condition.test, inner, stmt, "if")
            comp = comp.inner_for_in
        for part in ("elt", "key", "value"):
            child = getattr(node, part, None)
            if isinstance(child, cst.BaseExpression):
                self._scan(child, inner, stmt)

    def _eager_ifexp(self, node: cst.IfExp, env: Env, stmt: cst.BaseStatement) -> bool | None:  # noqa: E501
        if not self._mentions_eager(node.test, env):
            return None
        truth = self.eager_truth(node.test, env)
        site = Site(
            "EF206",
            node,
            stmt,
            "`tf.executing_eagerly()` is always False inside a model_fn: one side is dead",
            fixable=truth is not None,
            eager=truth,
        )
        self._add(site)
        return truth

    def _bool(self, expr: cst.BaseExpression, env: Env, stmt: cst.BaseStatement, construct: str) -> None:  # noqa: E501
        if isinstance(expr, cst.BooleanOperation):
            self._bool(expr.right, env, stmt, _word(expr))  # the left one: where it is scanned
            return
        if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
            return
        value = self.ev.value(expr, env)
        if value.kind not in {TENSOR, VARIABLE}:
            return
        self._add(Site(
            "EF205",
            expr,
            stmt,
            f"Python `{construct}` on a tensor `{self._short(expr)}` (graph mode raises: a "
            "symbolic tensor has no truth value)",
            note=BOOL_RECIPE,
        ))

    def _call(self, node: cst.Call, env: Env, stmt: cst.BaseStatement) -> None:
        numpy_name = self.ev.numpy(node.func)
        if numpy_name is not None:
            self._numpy(numpy_name, node, env, stmt)
            return
        tf_name = self.ev.resolve(node.func)
        if tf_name in SESSION_CONSTRUCTORS:
            self._add(Site("EF203", node, stmt, f"`{self._short(node.func)}()` inside a model_fn",
                           note=SESSION_RECIPE))
            return
        if tf_name in KERAS_CONVERSIONS:
            unwrap = node.args[0].value if len(node.args) == 1 else None
            self._conversion(node, unwrap, stmt)
            return
        func = node.func
        if isinstance(func, cst.Name) and func.value not in env:
            if func.value in {"float", "int"} and len(node.args) == 1:
                if self.ev.value(node.args[0].value, env).kind in SINGLE:
                    self._conversion(node, node.args[0].value, stmt)
            elif func.value == "bool" and len(node.args) == 1:
                self._bool(node.args[0].value, env, stmt, "bool()")
            return
        if isinstance(func, cst.Attribute):
            self._method_call(node, func, env, stmt)

    def _method_call(self, node: cst.Call, func: cst.Attribute, env: Env, stmt: cst.BaseStatement) -> None:  # noqa: E501
        receiver = self.ev.value(func.value, env)
        method = func.attr.value
        if method in CONVERSION_METHODS and receiver.tensorish:
            self._conversion(node, func.value, stmt)
        elif method == "run" and receiver.kind == SESSION:
            constructed = isinstance(func.value, cst.Call) and (
                self.ev.resolve(func.value.func) in SESSION_CONSTRUCTORS
            )
            if not constructed:
                self._add(Site("EF203", node, stmt, f"`{self._short(func)}(...)` inside a "
                               "model_fn", note=SESSION_RECIPE))

    def _conversion(self, node: cst.Call, unwrap: cst.BaseExpression | None, stmt: cst.BaseStatement) -> None:  # noqa: E501
        self._add(Site(
            "EF202",
            node,
            stmt,
            f"`{self._short(node)}` turns a tensor into a Python value",
            note=CONVERSION_RECIPE,
            unwrap=unwrap,
        ))

    def _numpy(self, name: str, node: cst.Call, env: Env, stmt: cst.BaseStatement) -> None:
        args = [arg.value for arg in node.args]
        if not self.ev.any_tensorish(args, env):
            return
        translation = numpy_table.translate(name, node, lambda n: self.ev.known(n, env), self.tf)
        spelled = self._short(node.func)
        site = Site(
            "EF201",
            node,
            stmt,
            f"NumPy `{spelled}` on a tensor (graph tensors have no NumPy value)",
            replacement=translation.replacement,
            fixable=translation.replacement is not None,
        )
        if translation.replacement is None:
            site.note = f"nearest TF op: {translation.nearest}; not rewritten: {translation.reason}"
        self._add(site)

    # ------------------------------------------------------------------ print
    def _print(self, call: cst.Call, stmt: cst.BaseStatement, env: Env, inner: list[Site], alone: bool) -> None:  # noqa: E501
        kind = eager_print.style(call, "print" not in env, self.names)
        if kind is None:
            return
        conversions = {id(s.node): s for s in inner if s.code == "EF202"}
        values = [self._peel(value, conversions) for value in eager_print.printed(call, kind)]
        shown = [self.ev.value(value, env).kind for value in values]
        if kind != eager_print.TF_PRINT and not any(k in PRINTED for k in shown):
            return  # Python values, and variables (whose repr is their name and shape)
        spelled = self._short(call.func)
        message = {
            eager_print.PRINT: "`print` of a tensor runs once, when the graph is built (it "
            "prints the symbolic tensor, not its value)",
            eager_print.TF_PRINT: "`tf.print` whose op nothing depends on never runs in graph "
            "mode",
            eager_print.LOG: f"`{spelled}` of a tensor logs once, when the graph is built (the "
            "symbolic tensor, not its value)",
        }[kind]
        site = Site("EF204", call, stmt, message, form=kind)
        self._add(site)
        candidate = _PrintCandidate(site, len(self.steps), self._tensor_names(values, env), inner)
        candidate.blocked = self._print_blockers(call, kind, alone, inner)
        self.prints.append(candidate)

    def _peel(self, value: cst.BaseExpression, conversions: dict[int, Site]) -> cst.BaseExpression:  # noqa: E501
        """What a printed value shows once its conversion (EF202) is dropped."""
        site = conversions.get(id(value))
        return site.unwrap if site is not None and site.unwrap is not None else value

    def _tensor_names(self, values: Sequence[cst.BaseExpression], env: Env) -> list[str]:
        names: list[str] = []
        for value in values:
            for name in _expression_names(value):
                if env.get(name, Value(PYTHON)).kind == TENSOR and name not in names:
                    names.append(name)
        return names

    def _print_blockers(self, call: cst.Call, kind: str, alone: bool, inner: list[Site]) -> list[str]:  # noqa: E501
        blocked = [] if alone else ["it is not a statement line of its own"]
        blocked += eager_print.blockers(call, kind, self.spell)
        direct = {id(v) for v in eager_print.direct_values(call)}
        for site in inner:
            if site.code == "EF202" and id(site.node) not in direct:
                blocked.append(f"`{self._short(site.node)}` is not printed as it is")
            elif site.code == "EF202" and not site.enabled:
                blocked.append(f"`{self._short(site.node)}` stays (EF202 is off here)")
            elif site.code != "EF202" and not (site.fixable and site.enabled):
                blocked.append(f"`{self._short(site.node)}` ({site.code}) stays")
        return blocked

    def _settle_print(self, candidate: _PrintCandidate) -> None:
        site = candidate.site
        names = self._live_names(candidate.names, candidate.step)
        blocked = list(candidate.blocked)
        if not names:
            blocked.append(
                "no tensor it prints feeds what the EstimatorSpec returns, so there is nothing "
                "to make the print a dependency of"
                if candidate.names else "it prints no local tensor name to wire it into"
            )
        if blocked:
            site.note = "not rewritten: " + "; ".join(dict.fromkeys(blocked)) + ". " + PRINT_RECIPE
            return
        site.fixable = True
        site.rebind = tuple(names)
        site.note = (
            f"tf.print wired into `{', '.join(names)}` with tf.control_dependencies: it runs "
            "every step that computes it"
        )
        if site.enabled:
            for inner in candidate.inner:
                if inner.code == "EF202":
                    inner.fixable = True
                    inner.note = "the print shows the tensor itself (tf.print)"

    def _live_names(self, names: Sequence[str], start: int) -> list[str]:
        """The names whose later uses reach a ``return`` (so the print becomes part of it).

        A later statement that rebinds a name without reading it ends that name's line, unless it
        sits deeper (under a condition) than every statement since the print.
        """
        live = []
        for name in names:
            tainted = {name}
            level = self.steps[start].depth
            for step in self.steps[start + 1:]:
                level = min(level, step.depth)
                if step.reads & tainted:
                    if step.returns:
                        live.append(name)
                        break
                    tainted |= step.defines
                elif step.depth <= level:
                    tainted -= step.defines
        return live

    # ------------------------------------------------------------------ helpers
    def _add(self, site: Site) -> None:
        site.enabled = self.enabled(site.code, site.node, site.stmt)
        self.sites.append(site)

    def _short(self, node: cst.CSTNode) -> str:
        text = " ".join(self.spell(node).split())
        return text if len(text) <= 40 else text[:37] + "..."


def _word(node: cst.BooleanOperation) -> str:
    return "and" if isinstance(node.operator, cst.And) else "or"


def _lambda_params(node: cst.Lambda) -> list[str]:
    params = node.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    names = [p.name.value for p in every]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names


def _expression_names(node: cst.CSTNode) -> Iterator[str]:
    """Names read by an expression (not attribute names, keywords, or lambda/comprehension
    variables)."""
    if isinstance(node, cst.Name):
        yield node.value
        return
    if isinstance(node, cst.Attribute):
        yield from _expression_names(node.value)
        return
    if isinstance(node, cst.Arg):
        yield from _expression_names(node.value)
        return
    if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        return
    for child in children(node):
        yield from _expression_names(child)
