"""Find eager code in one model_fn (EF201–EF206): the statement walk.

The walk goes through the body in source order, binding names to values
(``codemods.eager.binding``) and handing each statement's expressions to the expression scan
(``codemods.eager.expressions``), which asks the rules' detectors about them. It skips the branches
an ``if tf.executing_eagerly():`` test makes dead (EF206: they never run in a model_fn). Whether a
print can be rewritten depends on what comes after it (EF204), so print sites are settled after
the walk, from the steps it recorded (``codemods.eager.liveness``). A function defined in the body
is walked as a body of its own (``codemods.eager.nested``), its findings reported only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Callable, Optional, Union

import libcst as cst

from codemods import statements as st
from codemods.eager.binding import bind
from codemods.eager.expressions import ExpressionScan
from codemods.eager.liveness import Steps
from codemods.eager.nested import NOTE, session_functions, tensor_functions
from codemods.eager.sites import Scan, Site
from codemods.eager.values import MAYBE, PYTHON, Env, Kind, Value, merge, target_names
from codemods.model_fns import ModelFn, param_names
from codemods.rules import ef204_print_of_tensor as ef204
from codemods.rules import ef205_python_truth_of_tensor as ef205
from codemods.rules import ef206_executing_eagerly_branch as ef206

_Branch = tuple[Union[cst.If, cst.Else], Optional[cst.BaseExpression], cst.BaseSuite]


def initial_env(fn: ModelFn) -> Env:
    """What the model_fn's parameters hold: its features and labels are perhaps tensors."""
    env: Env = {}
    params = param_names(fn.node)
    if "features" in params:
        env["features"] = MAYBE
    elif params:
        first = params[1] if params[0] in {"self", "cls"} and len(params) > 1 else params[0]
        if first not in {fn.mode_param, "mode"}:
            env[first] = MAYBE
    if fn.labels_param is not None:
        env[fn.labels_param] = MAYBE
    return env


class Walk:
    """Walk one model_fn body (``env``: what its parameters hold) and report to ``scan``."""

    def __init__(
        self,
        body: Sequence[cst.BaseStatement],
        env: Env,
        scan: Scan,
        session_run: Optional[frozenset[str]] = None,
        model_fns: frozenset[cst.FunctionDef] = frozenset(),
        tensor_run: Optional[frozenset[str]] = None,
    ) -> None:
        """``session_run``: the names of nested functions run in the session (found in ``body``
        when not given); ``model_fns``: functions walked as model_fns of their own;
        ``tensor_run``: the names of nested functions TensorFlow calls with tensors (found in
        ``body`` when not given)."""
        self.body = body
        self.env = env
        self.scan = scan
        if session_run is None:
            session_run = session_functions(cst.IndentedBlock(body=body), scan.naming.tf)
        self.session_run = session_run
        if tensor_run is None:
            tensor_run = tensor_functions(cst.IndentedBlock(body=body), scan.naming.tf)
        self.tensor_run = tensor_run
        self.model_fns = model_fns
        self.expressions = ExpressionScan(scan)
        self.steps = Steps()
        self.prints: list[ef204.PrintCandidate] = []
        self.depth = 0

    def run(self) -> list[Site]:
        """Every site found, in source order."""
        self._block(self.body, self.env)
        for candidate in self.prints:
            ef204.settle(candidate, self.steps.live)
        return self.scan.sites

    # ------------------------------------------------------------------ blocks
    def _block(self, stmts: Sequence[cst.BaseStatement], env: Env) -> None:
        for stmt in stmts:
            self.scan.values.forget()
            handler = _STATEMENTS.get(type(stmt))
            if handler is not None:
                handler(self, stmt, env)
            if _ends_block(stmt):
                return  # what follows never runs: no mode builds it

    def _suite(self, suite: cst.BaseSuite, env: Env, owner: cst.BaseStatement) -> None:
        self.depth += 1
        if isinstance(suite, cst.IndentedBlock):
            self._block(suite.body, env)
        elif isinstance(suite, cst.SimpleStatementSuite):
            self._smalls(suite.body, env, owner, printable=False)
        self.depth -= 1

    def _step(
        self, stmt: cst.CSTNode, reads: set[str], defines: set[str], returns: bool = False
    ) -> None:
        self.steps.add(stmt, reads, defines, self.depth, returns)

    # ------------------------------------------------------------------ statements
    def _line(self, stmt: cst.SimpleStatementLine, env: Env) -> None:
        self._smalls(stmt.body, env, stmt, printable=len(stmt.body) == 1)

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
            first = len(self.scan.sites)
            self.expressions(small, env, stmt)
            if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                inner = self.scan.sites[first:]
                candidate = ef204.print_statement(
                    small.value, stmt, env, inner, printable, len(self.steps), self.scan
                )
                if candidate is not None:
                    self.prints.append(candidate)
            bind(small, env, self.scan.values)
            reads |= st.reads(small)
            defines |= st.defines(small)
        returns = any(isinstance(small, cst.Return) for small in body)
        self._step(stmt, reads, defines, returns)

    def _for(self, stmt: cst.For, env: Env) -> None:
        self.expressions(stmt.iter, env, stmt)
        env.update(self.scan.values.iterated(stmt.iter, stmt.target, env))
        self._step(stmt, st.reads(stmt.iter), set(target_names(stmt.target)))
        self._suite(stmt.body, env, stmt)
        if stmt.orelse is not None:
            self._suite(stmt.orelse.body, env, stmt)

    def _while(self, stmt: cst.While, env: Env) -> None:
        self.expressions(stmt.test, env, stmt)
        ef205.truth_test(stmt.test, env, stmt, "while", self.scan)
        self._step(stmt, st.reads(stmt.test), set())
        self._suite(stmt.body, env, stmt)

    def _with(self, stmt: cst.With, env: Env) -> None:
        defined: set[str] = set()
        reads: set[str] = set()
        for item in stmt.items:
            self.expressions(item.item, env, stmt)
            reads |= st.reads(item.item)
            if item.asname is not None:
                value = self.scan.values.value(item.item, env)
                for name in target_names(item.asname.name):
                    env[name] = value if value.kind is Kind.SESSION else PYTHON
                    defined.add(name)
        self._step(stmt, reads, defined)
        self._suite(stmt.body, env, stmt)

    def _try(self, stmt: cst.Try, env: Env) -> None:
        self._suite(stmt.body, env, stmt)
        for handler in stmt.handlers:
            self._suite(handler.body, env, stmt)
        for extra in (stmt.orelse, stmt.finalbody):
            if extra is not None:
                self._suite(extra.body, env, stmt)

    def _definition(self, stmt: Union[cst.FunctionDef, cst.ClassDef], env: Env) -> None:
        name = stmt.name.value
        nested = isinstance(stmt, cst.FunctionDef) and stmt not in self.model_fns
        if nested and name not in self.session_run:
            self._nested(cst.ensure_type(stmt, cst.FunctionDef), env)
        env[name] = PYTHON
        self._step(stmt, st.reads(stmt), {name})

    def _nested(self, stmt: cst.FunctionDef, env: Env) -> None:
        """A function defined here builds graph when called: its body on the names it closes
        over as they stand (its parameters unknown, or tensors where TensorFlow calls it with
        tensors: a ``host_call``, a ``tf.map_fn`` function), each finding reported with no
        fix."""
        if not isinstance(stmt.body, cst.IndentedBlock):
            return
        parameters = st.parameter_names(stmt.params)
        inner = {k: v for k, v in env.items() if k not in parameters}
        if stmt.name.value in self.tensor_run:
            inner.update(dict.fromkeys(parameters, Value(Kind.TENSOR)))
        first = len(self.scan.sites)
        Walk(
            stmt.body.body, inner, self.scan, self.session_run, self.model_fns, self.tensor_run
        ).run()
        for site in self.scan.sites[first:]:
            site.fixable = False
            site.note = NOTE

    # ------------------------------------------------------------------ if chains
    def _if(self, stmt: cst.If, env: Env) -> None:
        """Each branch on a copy of ``env``, then what holds after any of them ran. A branch an
        eager test makes dead is not walked; one it makes certain ends the chain."""
        envs: list[Env] = []
        for branch, test, body in _chain(stmt):
            truth: Optional[bool] = None
            if test is not None:
                owner = cst.ensure_type(branch, cst.If)
                truth = ef206.branch_test(test, env, owner, stmt, self.scan)
                if truth is False:
                    continue  # dead in a model_fn: never runs, never reported
                if truth is None:
                    self.expressions(test, env, owner)
                    construct = "elif" if branch is not stmt else "if"
                    ef205.truth_test(test, env, owner, construct, self.scan)
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


def _ends_block(stmt: cst.BaseStatement) -> bool:
    """A line that returns, raises, breaks or continues: control never reaches the next one."""
    return isinstance(stmt, cst.SimpleStatementLine) and any(
        isinstance(small, (cst.Return, cst.Raise, cst.Break, cst.Continue)) for small in stmt.body
    )


def _chain(stmt: cst.If) -> list[_Branch]:
    """The branches of an if/elif/else chain: (node, test or None for ``else``, body)."""
    chain: list[_Branch] = []
    node: Union[cst.If, cst.Else, None] = stmt
    while node is not None:
        if isinstance(node, cst.If):
            chain.append((node, node.test, node.body))
            node = node.orelse
        else:
            chain.append((node, None, node.body))
            node = None
    return chain


#: Statement type → how the walk goes through it (other statements hold nothing it looks at).
_STATEMENTS: dict[type, Callable[..., None]] = {
    cst.SimpleStatementLine: Walk._line,
    cst.If: Walk._if,
    cst.For: Walk._for,
    cst.While: Walk._while,
    cst.With: Walk._with,
    cst.Try: Walk._try,
    cst.FunctionDef: Walk._definition,
    cst.ClassDef: Walk._definition,
}
