"""Pure comparison of two runs: the original's and the rewrite's results → checks and a verdict.

Safe fixes must reproduce the original bitwise; tolerances (``Tolerance``) are for unsafe fixes.
Per mode: both fail → error; only the original fails → fixed (compared against the placeholder-label
reference, or the original's run with the spec fields the mode does not use left out, where there
is one); only the rewrite fails → mismatch; both run → values compared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from estimator_fix.validation.report import Check, Verdict, worst
from estimator_fix.validation.results import RunResult, Stage, Tensor, located, max_abs_diff

TRAIN, EVAL, PREDICT = "TRAIN", "EVAL", "PREDICT"
#: How the worker names a mode's run with the lenient spec (``worker/lenient.py``).
LENIENT = ":lenient"
#: How the worker's note on a search for inputs (``worker/search.py``) begins.
SEARCH_NOTE = "inputs searched: "
#: How the note on a graph-level comparison ends (``graph_compare.graph_fallback``).
GRAPH_NOTE = ": the graphs were compared op by op"


@dataclass(frozen=True)
class Tolerance:
    """Elementwise ``|rewrite - original| <= atol + rtol * |original|``; zero means bitwise."""

    atol: float = 0.0
    rtol: float = 0.0

    @property
    def exact(self) -> bool:
        return self.atol == 0.0 and self.rtol == 0.0


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _within(a: Tensor, b: Tensor, tol: Tolerance) -> bool:
    left, right = a.elements(), b.elements()
    if left is None or right is None:
        return False
    for x, y in zip(left, right):
        if math.isnan(x) and math.isnan(y):
            continue
        if not abs(y - x) <= tol.atol + tol.rtol * abs(x):
            return False
    return True


def compare_tensors(original: Tensor, rewrite: Tensor, tol: Tolerance) -> tuple[bool, float | None]:
    """(equal under ``tol``, max abs diff). Dtype or shape differences are never equal."""
    if original.dtype != rewrite.dtype or original.shape != rewrite.shape:
        return False, None
    if original.data == rewrite.data:
        return True, 0.0
    diff = max_abs_diff(original, rewrite)
    return (not tol.exact and _within(original, rewrite, tol)), diff


def _display(name: str) -> str:
    """A tensor's name for messages: predictions are stored per batch as ``key#index``."""
    key, sep, index = name.rpartition("#")
    if sep and index.isdigit():
        return f"{key!r} (batch {int(index) + 1})"
    return repr(name)


def _group(
    mode: str,
    what: str,
    original: Mapping[str, Tensor],
    rewrite: Mapping[str, Tensor],
    tol: Tolerance,
) -> Check:
    """Compare two named tensor groups; the detail names the first difference."""
    only_original = [name for name in original if name not in rewrite]
    only_rewrite = [name for name in rewrite if name not in original]
    if only_original:
        detail = f"{_display(only_original[0])} only in the original"
        return Check(mode, what, None, "mismatch", detail)
    if only_rewrite:
        detail = f"{_display(only_rewrite[0])} only in the rewrite"
        return Check(mode, what, None, "mismatch", detail)
    overall: float | None = 0.0
    first = ""
    for name, left in original.items():
        right = rewrite[name]
        equal, diff = compare_tensors(left, right, tol)
        if equal:
            overall = None if overall is None or diff is None else max(overall, diff)
            continue
        if not first:
            if left.dtype != right.dtype or left.shape != right.shape:
                first = (
                    f"{_display(name)} is {left.describe()} in the original, "
                    f"{right.describe()} in the rewrite"
                )
            elif diff == 0.0:
                first = f"{_display(name)} differs bitwise (sign of zero or NaN payload)"
            else:
                first = f"{_display(name)} differs first (max abs diff {_fmt(diff)})"
        overall = None if overall is None or diff is None else max(overall, diff)
    if first:
        return Check(mode, what, overall, "mismatch", first)
    return Check(mode, what, overall, "equivalent")


def _losses(original: Stage, rewrite: Stage, tol: Tolerance) -> Check:
    what = f"loss ({len(original.losses)} steps)"
    if len(original.losses) != len(rewrite.losses):
        detail = (
            f"{len(original.losses)} steps in the original, {len(rewrite.losses)} in the rewrite"
        )
        return Check(TRAIN, what, None, "mismatch", detail)
    if not original.losses:
        detail = "no training step ran (the inputs gave no batch): nothing was compared"
        return Check(TRAIN, what, None, "error", detail)
    named = {f"step {i}": t for i, t in enumerate(original.losses, 1)}
    check = _group(
        TRAIN, what, named, {f"step {i}": t for i, t in enumerate(rewrite.losses, 1)}, tol
    )
    for step, (left, right) in enumerate(zip(original.losses, rewrite.losses), 1):
        equal, diff = compare_tensors(left, right, tol)
        if not equal:
            detail = f"the loss differs first at step {step} (abs diff {_fmt(diff)})"
            return Check(TRAIN, what, check.max_abs_diff, "mismatch", detail)
    return check


#: What marks a checkpoint keyed by object paths (``tf.train.Checkpoint`` as the scaffold's
#: saver): ``var_list/var/.ATTRIBUTES/VARIABLE_VALUE``, not the variables' names.
_OBJECT_KEY = "/.ATTRIBUTES/"


def _restores(
    mode: str, stage: Stage, checkpoint: Mapping[str, tuple[int, ...]], trained: Stage | None
) -> Check:
    """Every variable the rewrite's graph restores must be in the checkpoint with its shape.
    A checkpoint keyed by object paths maps them to variables through its object graph, which
    names do not show: there each must be a variable of the graph the original trained (which
    wrote the checkpoint), with its shape."""
    what = f"restores ({len(stage.restores)} variables)"
    by_object = trained is not None and any(_OBJECT_KEY in name for name in checkpoint)
    known = dict(trained.restores) if trained is not None and by_object else checkpoint
    lacks = "the checkpoint does not have"
    if by_object:
        lacks = "the original's TRAIN graph does not hold"
    for name, shape in stage.restores:
        if name not in known:
            detail = f"restores {name!r}, which {lacks}"
        elif tuple(known[name]) != tuple(shape):
            has = "the original trained it as" if by_object else "the checkpoint has"
            detail = f"restores {name!r} as {list(shape)}; {has} {list(known[name])}"
        else:
            continue
        if by_object:
            detail += " (an object-based checkpoint)"
        return Check(mode, what, None, "mismatch", detail)
    if by_object:
        what += ", as the original trained them"
    return Check(mode, what, None, "equivalent")


def _outcome(mode: str, what: str, original: Stage, rewrite: Stage) -> Check | None:
    """The check when either side failed; None when both ran.

    Both failing the same way after TRAIN ran is preserved behaviour (a model that never
    predicts); failing in TRAIN, or differently, leaves nothing to compare.
    """
    if not original.ok and not rewrite.ok:
        if rewrite.error == original.error and mode != TRAIN:
            detail = f"both versions fail: {failure(original)}"
            return Check(mode, what, None, "equivalent", detail)
        detail = f"both versions fail: {failure(original)}"
        if rewrite.error != original.error:
            detail += f" | rewrite: {failure(rewrite)}"
        return Check(mode, what, None, "error", detail)
    if not original.ok:
        detail = f"the original fails ({failure(original)}); the rewrite runs (nothing to compare)"
        return Check(mode, what, None, "fixed", detail)
    if not rewrite.ok:
        detail = f"the rewrite fails: {failure(rewrite)}"
        return Check(mode, what, None, "mismatch", detail, rewrite_fails=True)
    return None


def failure(stage: Stage) -> str:
    """A failed stage's error and, where known, the line of the code validated it failed at."""
    return located(stage.error, stage.where)


def _keys(tensors: Mapping[str, Tensor]) -> str:
    names = sorted({name.split("#")[0] for name in tensors})
    return ", ".join(names[:4]) + (", …" if len(names) > 4 else "")


def _train(original: Stage, rewrite: Stage, tol: Tolerance) -> list[Check]:
    failed = _outcome(TRAIN, "trains", original, rewrite)
    if failed:
        return [failed]
    variables = _group(
        TRAIN, f"variables ({len(original.tensors)})", original.tensors, rewrite.tensors, tol
    )
    return [_losses(original, rewrite, tol), variables, *_trained(original, variables)]


def _zero(tensor: Tensor) -> bool:
    """Whether every element of ``tensor`` is 0 (strings are not)."""
    values = tensor.elements()
    return values is not None and not any(values)


def _trained(original: Stage, variables: Check) -> list[Check]:
    """Steps that changed none of the trainable variables compared the training code's effect
    on nothing: a wrong optimizer or learning rate would pass; steps whose loss was 0 every time
    compared nothing of how it is computed: a loss scaled wrongly would pass. Where the variables
    already differ, that mismatch is the finding."""
    if variables.verdict != "equivalent":
        return []
    steps = len(original.losses)
    if steps and all(_zero(loss) for loss in original.losses):
        detail = (
            f"the loss was 0 at each of the {steps} training steps (inputs on which it does not "
            "vary), so nothing of how it is computed was compared"
        )
        return [Check(TRAIN, "loss not 0", None, "error", detail)]
    if original.changed is None:
        return []
    trainable, changed = original.changed
    if trainable == 0 or changed > 0:
        return []
    detail = (
        f"the {steps} training steps changed none of the {trainable} trainable "
        "variables, so nothing of what the training code does was compared"
    )
    return [Check(TRAIN, "training changed variables", None, "error", detail)]


def _predict_reference(original: RunResult, rewrite: Stage, tol: Tolerance) -> list[Check] | None:
    """PREDICT checks against the original run with placeholder labels, when it ran."""
    reference = original.stage("placeholder")
    failed = original.stage(PREDICT)
    if reference is None or failed is None:
        return None
    if not reference.ok:
        if rewrite.ok or rewrite.error != reference.error:
            return None
        detail = (
            f"both versions fail: the original without labels ({failure(failed)}), and with "
            f"placeholder labels as the rewrite does: {failure(rewrite)}"
        )
        return [Check(PREDICT, "predicts", None, "equivalent", detail)]
    if not rewrite.ok and rewrite.error == failed.error:
        return None  # unchanged behaviour: both fail without labels
    checks: list[Check] = []
    if original.label_dependence:
        key, diff = original.label_dependence
        detail = f"the original's predictions depend on labels ({key!r} changes with them)"
        checks.append(Check(PREDICT, "independent of labels", diff, "mismatch", detail))
    else:
        checks.append(Check(PREDICT, "independent of labels", 0.0, "equivalent"))
    if not rewrite.ok:
        detail = f"the rewrite fails: {failure(rewrite)}"
        checks.append(Check(PREDICT, "predicts", None, "mismatch", detail, rewrite_fails=True))
        return checks
    what = f"predictions ({_keys(reference.tensors)})"
    check = _group(PREDICT, what, reference.tensors, rewrite.tensors, tol)
    if check.verdict == "equivalent":
        detail = (
            f"the original fails without labels ({failure(failed)}); the rewrite matches its run "
            "with placeholder labels"
        )
        check = replace(check, verdict="fixed", detail=detail)
    checks.append(check)
    return checks


def _values(mode: str, original: Stage, rewrite: Stage, tol: Tolerance) -> list[Check]:
    label = "metrics" if mode == EVAL else "predictions"
    failed = _outcome(mode, "evaluates" if mode == EVAL else "predicts", original, rewrite)
    if failed:
        return [failed]
    what = f"{label} ({_keys(original.tensors)})"
    if mode == PREDICT and not original.tensors and not rewrite.tensors:
        detail = "no batch was predicted (the inputs gave none): nothing was compared"
        return [Check(mode, what, None, "error", detail)]
    return [_group(mode, what, original.tensors, rewrite.tensors, tol)]


def _checkpoint(original: RunResult, rewrite: RunResult) -> Mapping[str, tuple[int, ...]]:
    """Names and shapes in the checkpoint EVAL and PREDICT restore (the original's if trained)."""
    for stage in (_trained_stage(original), rewrite.stage(TRAIN)):
        if stage is not None and stage.ok:
            return {name: tensor.shape for name, tensor in stage.tensors.items()}
    return {}


def stand_ins_used(original: RunResult, rewrite: RunResult) -> tuple[Check, ...]:
    """An error where either version used a stand-in for a missing module after loading, even
    where its code caught the failure (``except ImportError``): what it computed then is not
    what the real module would give, so nothing is proven."""
    for role, result in (("original", original), ("rewrite", rewrite)):
        if result.stand_ins_used:
            paths = ", ".join(result.stand_ins_used)
            detail = (
                f"the {role} used {paths}, a stand-in for a module not installed here "
                "(install it for the interpreter that validates)"
            )
            return (Check("SETUP", "uses no stand-in", None, "error", detail),)
    return ()


def compare_runs(original: RunResult, rewrite: RunResult, tol: Tolerance) -> tuple[Check, ...]:
    """All checks, in mode order."""
    used = stand_ins_used(original, rewrite)
    if used and not original.setup_error:
        return used
    if original.setup_error:
        return (
            Check(
                "SETUP", "loads", None, "error", f"the original cannot run: {original.setup_error}"
            ),
        )
    if rewrite.setup_error:
        return (
            Check(
                "SETUP",
                "loads",
                None,
                "mismatch",
                f"the rewrite cannot run: {rewrite.setup_error}",
                rewrite_fails=True,
            ),
        )
    checks: list[Check] = []
    checkpoint = _checkpoint(original, rewrite)
    steps: list[tuple[str, Callable[[Stage, Stage], list[Check]]]] = [
        (TRAIN, lambda o, r: _train(o, r, tol)),
        (EVAL, lambda o, r: _values(EVAL, o, r, tol)),
        (PREDICT, lambda o, r: _predict_reference(original, r, tol) or _values(PREDICT, o, r, tol)),
    ]
    for mode, run in steps:
        left, right = original.stage(mode), rewrite.stage(mode)
        if left is None or right is None:
            checks.append(Check(mode, "runs", None, "error", "not run (an earlier stage failed)"))
            continue
        if mode != TRAIN and right.restores and checkpoint:
            checks.append(_restores(mode, right, checkpoint, _trained_stage(original)))
        lenient = _lenient(original, mode, right)
        if lenient is None:
            checks.extend(run(left, right))
            continue
        if mode == TRAIN:
            values = _train(lenient, right, tol)
        else:
            values = _values(mode, lenient, right, tol)
        checks.extend(_spec_fixed(check, left) for check in values)
    return tuple(checks)


def _lenient(original: RunResult, mode: str, rewrite: Stage) -> Stage | None:
    """The original's run of ``mode`` with the fields of its spec the mode does not use left
    out, where it ran and the strict run failed the spec's checks (the rewrite's reference);
    None where there is none, or where the rewrite fails as the strict run did (unchanged)."""
    strict, lenient = original.stage(mode), original.stage(mode + LENIENT)
    if strict is None or strict.ok or lenient is None or not lenient.ok:
        return None
    if not rewrite.ok and rewrite.error == strict.error:
        return None
    return lenient


def _spec_fixed(check: Check, strict: Stage) -> Check:
    if check.verdict != "equivalent":
        return check
    detail = (
        f"the original fails ({failure(strict)}); the rewrite matches its run with the fields "
        f"of the spec {check.mode} does not use left out"
    )
    return replace(check, verdict="fixed", detail=detail)


def as_lenient(result: RunResult) -> RunResult:
    """``result`` with each failed mode that ran with the lenient spec replaced by that run."""
    stages = dict(result.stages)
    for name, stage in result.stages.items():
        if name.endswith(LENIENT) and stage.ok:
            stages[name[: -len(LENIENT)]] = stage
    return replace(result, stages=stages)


def _trained_stage(original: RunResult) -> Stage | None:
    """The original's TRAIN run that wrote the checkpoint: its own, else its lenient run."""
    return as_lenient(original).stage(TRAIN)


def overall(checks: tuple[Check, ...]) -> Verdict:
    return worst([check.verdict for check in checks])


def summary(checks: tuple[Check, ...], notes: tuple[str, ...] = ()) -> str:
    """One line: the first check with the overall verdict, else a count; with the reason the
    numbers were not compared (graph level) and the inputs searched, from ``notes``."""
    verdict = overall(checks)
    searched = next((n for n in notes if n.startswith(SEARCH_NOTE)), "")
    suffix = f" ({searched})" if searched and verdict in ("error", "graph-equivalent") else ""
    if verdict == "graph-equivalent":
        why = next((n.partition(": the graphs")[0] for n in notes if n.endswith(GRAPH_NOTE)), "")
        return (
            f"proven on the graphs only ({len(checks)} checks{'; ' + why if why else ''}){suffix}"
            "; --accept-graph-equivalent lets fix and migrate write it"
        )
    for check in checks:
        if check.verdict == verdict and check.detail and verdict != "equivalent":
            return f"{check.mode} {check.what}: {check.detail}{suffix}"
    return f"{len(checks)} checks, all {verdict}" if checks else verdict
