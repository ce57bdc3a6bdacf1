"""What a call of one of the file's own functions gives back, for the eager rules.

A helper such as ``get_num_entries(t)``, whose body multiplies the static sizes of ``t.shape``,
returns a Python int even though it is handed a tensor; ``scale(t)`` returning ``t * 2`` gives a
tensor. The helper's body is bound statement by statement (``codemods.eager.binding``, both sides
of a branch merged, loop bodies bound once) from what its parameters are handed, and its ``return``
values are merged. Nothing is reported from inside the helper: only its result is used.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Optional, Protocol

import libcst as cst

from codemods.eager.binding import bind
from codemods.eager.values import MAYBE, PYTHON, Bindings, Env, Value, merge
from codemods.model_fns import param_names
from codemods.statements import own_nodes

#: How deep helpers calling helpers are followed.
DEPTH = 3


def returns_its_result(helper: cst.FunctionDef) -> bool:
    """A call of ``helper`` gives what its ``return`` statements give: not where a decorator
    wraps it (``@as_tensor``, ``@tf.custom_gradient``: the wrapper's result is what the call
    gives), nor for a generator or a coroutine (a call gives the generator, the coroutine)."""
    if helper.decorators or helper.asynchronous is not None:
        return False
    return not any(isinstance(node, (cst.Yield, cst.Await)) for node in own_nodes(helper.body))


def handed(helper: cst.FunctionDef, call: cst.Call, values: Mapping[str, Value]) -> Env:
    """The helper's parameters bound to what ``call`` hands them (``values``: by argument
    position as ``"0"``, ``"1"`` ... and by keyword); a parameter handed nothing holds its default,
    a Python value; ``*args``/``**kwargs`` are perhaps tensors."""
    params = helper.params
    env: Env = {}
    positional = [*params.posonly_params, *params.params]
    for index, param in enumerate(positional):
        env[param.name.value] = values.get(str(index), values.get(param.name.value, PYTHON))
    for param in params.kwonly_params:
        env[param.name.value] = values.get(param.name.value, PYTHON)
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            env[star.name.value] = MAYBE
    if any(arg.star for arg in call.args):  # ``helper(*args)``: what goes where is not known
        env.update({name: MAYBE for name in param_names(helper)})
    return env


class ValueSource(Protocol):
    """What ``HelperBody`` needs of an ``Evaluator``."""

    def value(self, node: cst.BaseExpression, env: Bindings) -> Value: ...

    def iterated(
        self, iterable: cst.BaseExpression, target: cst.BaseExpression, env: Bindings
    ) -> dict[str, Value]: ...

    def forget(self) -> None: ...


class HelperBody:
    """Binds a helper's body and merges its return values (``evaluator``: an ``Evaluator``
    of the helper's own, so that binding drops no cached value of the caller)."""

    def __init__(self, evaluator: ValueSource) -> None:
        self.values = evaluator

    def result(self, body: cst.BaseSuite, env: Env) -> Value:
        """What a function whose body is ``body`` (``def f(t): return t * 2`` on one line
        too) returns, its parameters bound as ``env``."""
        returned: list[Value] = []
        self._block(_statements(body), env, returned)
        if not returned:
            return PYTHON  # None
        out = returned[0]
        for value in returned[1:]:
            out = merge({"r": out}, {"r": value})["r"]
        return out

    def _block(self, body: Sequence[cst.BaseStatement], env: Env, returned: list[Value]) -> None:
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Return):
                        returned.append(
                            PYTHON if small.value is None else self.values.value(small.value, env)
                        )
                    else:
                        bind(small, env, self.values)  # type: ignore[arg-type]
            elif isinstance(stmt, (cst.If, cst.Try)):
                self._branches(stmt, env, returned)
            elif isinstance(stmt, (cst.For, cst.While, cst.With)):
                if isinstance(stmt, cst.For):
                    env.update(self.values.iterated(stmt.iter, stmt.target, env))
                self._block(_statements(stmt.body), env, returned)
                if isinstance(stmt, cst.With):
                    continue
                if stmt.orelse is not None:
                    self._block(_statements(stmt.orelse.body), env, returned)
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                env[stmt.name.value] = PYTHON

    def _branches(self, stmt: cst.If | cst.Try, env: Env, returned: list[Value]) -> None:
        """Each branch from the same facts; after the statement, what either left."""
        after: Optional[Env] = None
        for suite in _suites(stmt):
            branch = dict(env)
            self._block(_statements(suite), branch, returned)
            after = branch if after is None else merge(after, branch)
        if isinstance(stmt, cst.If) and stmt.orelse is None:
            after = env if after is None else merge(after, env)
        env.clear()
        env.update(after or {})


def _suites(stmt: cst.If | cst.Try) -> Iterator[cst.BaseSuite]:
    if isinstance(stmt, cst.Try):
        yield stmt.body
        for handler in stmt.handlers:
            yield handler.body
        if stmt.orelse is not None:
            yield stmt.orelse.body
        if stmt.finalbody is not None:
            yield stmt.finalbody.body
        return
    node: cst.If | cst.Else | None = stmt
    while node is not None:
        yield node.body
        if isinstance(node, cst.If):
            node = node.orelse
        else:
            node = None


def _statements(suite: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(suite, cst.IndentedBlock):
        return suite.body
    return [cst.SimpleStatementLine(body=suite.body)] if isinstance(
        suite, cst.SimpleStatementSuite
    ) else []


__all__ = ["DEPTH", "HelperBody", "ValueSource", "handed", "returns_its_result"]
