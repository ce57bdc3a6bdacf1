"""Where a helper's body goes under one mode's values of its arguments. ``surely_reaches``: a
statement it surely runs, not one behind a test the mode does not decide, a loop that may not
run, or a ``return``/``raise`` that may come first (``if mode != TRAIN: return None``).
``may_reach``: a statement it may run, past tests the values do not decide, not past a
``return`` that surely comes first. ``value_used``: a name's value read anywhere the values
leave open (``if is_training:`` closed where the flag is False)."""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from codemods import statements as st
from codemods.model_fns import ModelFn, lineage
from codemods.modes.evaluate import ModeEvaluator, truth
from codemods.tree import children

Hit = Callable[[cst.CSTNode], bool]


def _exits(node: cst.CSTNode) -> bool:
    """``node`` holds a ``return`` or ``raise`` of its own (not in a nested def)."""
    kinds = (cst.Return, cst.Raise)
    return isinstance(node, kinds) or any(isinstance(n, kinds) for n in st.own_nodes(node))


def surely_reaches(
    body: cst.BaseSuite, given: ModeEvaluator, hit: Hit, apart: Optional[ModeEvaluator] = None
) -> bool:
    """Whether a statement of ``body`` that ``hit`` accepts surely runs where ``given`` (one
    mode's values of the helper's arguments) sends control. With ``apart`` (another mode's
    values), what runs only in a branch whose test that mode decides otherwise is left out:
    the helper chose it for this mode (``if mode == EVAL: grads = tf.gradients(...)`` seen
    from TRAIN), while ``if mode != PREDICT:`` does not tell TRAIN from EVAL."""
    for stmt in st.statements_of(body):
        found = _statement(stmt, given, hit, apart)
        if found is not None:
            return found
    return False


def _statement(
    stmt: cst.BaseStatement, given: ModeEvaluator, hit: Hit, apart: Optional[ModeEvaluator]
) -> Optional[bool]:
    """True: it surely runs a hit; False: control may stop here; None: go on after it."""
    if isinstance(stmt, cst.SimpleStatementLine):
        if any(hit(small) for small in stmt.body):
            return True
        return False if _exits(stmt) else None
    if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
        return None
    if isinstance(stmt, cst.If):
        return _if(stmt, given, hit, apart)
    if isinstance(stmt, cst.With):
        if any(hit(item) for item in stmt.items) or surely_reaches(
            stmt.body, given, hit, apart
        ):
            return True
        return False if _exits(stmt.body) else None
    # a loop (may not run), try (may jump) or match: nothing inside is sure
    if any(hit(header) for header in st.headers(stmt)):
        return True
    return False if _exits(stmt) else None


def _if(
    stmt: cst.If, given: ModeEvaluator, hit: Hit, apart: Optional[ModeEvaluator]
) -> Optional[bool]:
    if hit(stmt.test):
        return True
    test = truth(given.eval(stmt.test))
    if test is None:
        return False if _exits(stmt) else None
    branch: Optional[cst.CSTNode] = stmt.body if test else stmt.orelse
    if branch is None:
        return None
    if isinstance(branch, cst.If):
        return _if(branch, given, hit, apart)
    suite = branch.body if isinstance(branch, cst.Else) else branch
    assert isinstance(suite, cst.BaseSuite)
    chosen = apart is not None and truth(apart.eval(stmt.test)) is (not test)
    if not chosen and surely_reaches(suite, given, hit, apart):
        return True
    return False if _exits(suite) else None


def sure_calls(
    node: cst.CSTNode, given: ModeEvaluator, apart: Optional[ModeEvaluator] = None
) -> list[cst.Call]:
    """The calls under ``node`` that surely run where ``given`` sends control: a branch of a
    conditional expression only where ``given`` decides its test for it (and ``apart``, as in
    ``surely_reaches``, does not decide it the other way), not what a boolean operator may
    skip nor a lambda's body (``minimize(loss) if mode == TRAIN else None`` builds nothing in
    EVAL)."""
    found: list[cst.Call] = []
    todo = [node]
    while todo:
        current = todo.pop()
        if isinstance(current, cst.Call):
            found.append(current)
        if isinstance(current, cst.IfExp):
            todo.append(current.test)
            test = truth(given.eval(current.test))
            chosen = apart is not None and truth(apart.eval(current.test)) is (not test)
            if test is not None and not chosen:
                todo.append(current.body if test else current.orelse)
        elif isinstance(current, cst.BooleanOperation):
            todo.append(current.left)
        elif not isinstance(current, (cst.Lambda, cst.FunctionDef, cst.ClassDef)):
            todo.extend(children(current))
    return found


def may_reach(body: cst.BaseSuite, given: ModeEvaluator, hit: Hit) -> bool:
    """Whether a statement of ``body`` that ``hit`` accepts may run where ``given`` sends
    control: past tests it does not decide (``if params["loss"] == "ctc":``), into loops and
    ``try`` blocks, but not into a branch it decides against (``if is_training:`` where the
    flag is False) nor past a ``return``/``raise`` that surely comes first (also inside a
    ``with`` block or a branch it decides for)."""
    return _may(body, given, hit)[0]


def _may(body: cst.BaseSuite, given: ModeEvaluator, hit: Hit) -> tuple[bool, bool]:
    """Whether a hit may run in ``body``, and whether control surely ends in it."""
    for stmt in st.statements_of(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(stmt, cst.SimpleStatementLine):
            found, ends = any(hit(small) for small in stmt.body), _exits(stmt)
        elif isinstance(stmt, cst.If):
            found, ends = _may_if(stmt, given, hit)
        elif isinstance(stmt, cst.With):
            found = any(hit(item) for item in stmt.items)
            if not found:
                found, ends = _may(stmt.body, given, hit)
        else:  # a loop (may not run), try (may jump) or match: nothing inside ends surely
            found = any(hit(header) for header in st.headers(stmt)) or any(
                _may(suite, given, hit)[0] for suite in st.inner_suites(stmt)
            )
            ends = False
        if found:
            return True, False
        if ends:
            return False, True
    return False, False


def _may_if(stmt: cst.If, given: ModeEvaluator, hit: Hit) -> tuple[bool, bool]:
    """Whether a branch the values leave open may reach a hit, and whether control surely
    ends in the chain (every open branch ends, and one of them is surely taken)."""
    open_branches: list[cst.BaseSuite] = []
    covered = False
    for test, suite in st.if_chain(stmt):
        if test is None:
            open_branches.append(suite)
            covered = True
            break
        if hit(test):
            return True, False
        decided = truth(given.eval(test))
        if decided is False:
            continue
        open_branches.append(suite)
        if decided is True:
            covered = True
            break
    reached = [_may(suite, given, hit) for suite in open_branches]
    if any(found for found, _ in reached):
        return True, False
    return False, covered and all(ends for _, ends in reached)


def value_used(body: cst.BaseSuite, names: set[str], given: ModeEvaluator) -> bool:
    """Whether ``body`` uses the value of any of ``names`` (a ``del`` or a test against None
    uses none) where ``given`` (the helper's arguments) lets control go."""

    def reads(node: cst.CSTNode) -> bool:
        return not isinstance(node, cst.Del) and bool(st.value_reads(node) & names)

    return open_reaches(body, given, reads)


def open_reaches(body: cst.BaseSuite, given: ModeEvaluator, hit: Hit) -> bool:
    """Whether a statement of ``body`` (a small statement, or a compound statement's header)
    that ``hit`` accepts runs where ``given`` lets control go: not in the block of an ``if``
    whose test it makes false, nor in its ``else`` where it makes the test true."""
    for stmt in st.statements_of(body):
        if isinstance(stmt, cst.SimpleStatementLine):
            if any(hit(small) for small in stmt.body):
                return True
        elif isinstance(stmt, cst.If):
            if _open_if_reaches(stmt, given, hit):
                return True
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            if hit(stmt):  # a nested def or class reads (at call time) what its body reads
                return True
        elif isinstance(stmt, cst.BaseCompoundStatement):
            if any(hit(header) for header in st.headers(stmt)):
                return True
            if any(open_reaches(suite, given, hit) for suite in st.inner_suites(stmt)):
                return True
    return False


def _open_if_reaches(stmt: cst.If, given: ModeEvaluator, hit: Hit) -> bool:
    if hit(stmt.test):
        return True
    test = truth(given.eval(stmt.test))
    if test is not False and open_reaches(stmt.body, given, hit):
        return True
    orelse = stmt.orelse
    if orelse is None or test is True:
        return False
    if isinstance(orelse, cst.If):
        return _open_if_reaches(orelse, given, hit)
    return open_reaches(orelse.body, given, hit)


def class_methods(fn: ModelFn) -> dict[str, cst.FunctionDef]:
    """The methods of the class a model_fn is defined in (the nearest around it), by name, its
    own and those it inherits from the module's classes (the nearest definition wins); none
    for a function outside any class."""
    owner = next((n for n in reversed(fn.enclosing) if isinstance(n, cst.ClassDef)), None)
    if owner is None:
        return {}
    found: dict[str, cst.FunctionDef] = {}
    for cls in lineage(owner, fn.classes):
        own = {
            stmt.name.value: stmt
            for stmt in reversed(st.statements_of(cls.body))
            if type(stmt) is cst.FunctionDef
        }
        found = {**own, **found}
    return found


def own_method(call: cst.Call, fn: ModelFn) -> Optional[cst.FunctionDef]:
    """``self.name(...)`` in a model_fn that is a method: that method of its class."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return None
    if func.value.value != "self":
        return None
    return class_methods(fn).get(func.attr.value)


__all__ = ["class_methods", "may_reach", "own_method", "surely_reaches", "value_used"]
