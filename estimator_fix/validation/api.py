"""Validate a rewrite: run both versions in parallel worker subprocesses and compare. Never prints.

``validate_pair(original, rewritten, options)`` compares any two versions; ``validate_file(path,
options, settings)`` compares a file with what ``fix`` would write; ``validate_rewrite(path, fixed,
options)`` is what ``fix --validate`` calls with the engine's output.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from estimator_fix.sources import SourceError, read_source
from estimator_fix.validation.compare import (
    Tolerance,
    as_lenient,
    compare_runs,
    overall,
    stand_ins_used,
    summary,
)
from estimator_fix.validation.graph_compare import graph_fallback
from estimator_fix.validation.inference.flag_defaults import flag_defaults
from estimator_fix.validation.inference.imports import imported_functions
from estimator_fix.validation.inference.module_globals import module_globals
from estimator_fix.validation.inputs import (
    DiscoveryError,
    Plan,
    no_input_message,
    plan,
    repository_root,
)
from estimator_fix.validation.layout import import_layout, package_aliases
from estimator_fix.validation.options import OptionError, ValidationOptions
from estimator_fix.validation.python2 import (
    python2_builtins_answer,
    python2_cell,
    python2_error,
)
from estimator_fix.validation.report import Check, ValidationReport, error_report
from estimator_fix.validation.results import (
    Given,
    RunResult,
    Stage,
    crashed,
    in_cells,
    load_results,
)
from estimator_fix.validation.runner import Worker, tensorflow_missing
from estimator_fix.validation.targets import Target, job_arguments
from estimator_fix.validation.worker.synthetic import LOOKED_FOR, NO_INPUT

if TYPE_CHECKING:
    from estimator_fix.engine import Settings

_LATER_STAGES = ("EVAL", "PREDICT")
#: A notebook module line -> (its cell, the line in it) (``notebooks.Extracted.locate``).
Locate = Callable[[int], Union[tuple[int, int], None]]


def _spec(
    plan_: Plan,
    options: ValidationOptions,
    role: str,
    source: Path,
    as_file: Path,
    out_dir: Path,
    target: Target | None = None,
    job_args: tuple[dict[str, Any], dict[str, Any]] = ({}, {}),
) -> dict[str, Any]:
    hint = plan_.label_hints.get(target.name) if target else plan_.label_hint
    inferred = plan_.inferred.get(target.name if target else plan_.model_fn)
    return {
        "role": role,
        # the original runs a mode its spec's checks fail again without the fields the mode
        # does not use: the rewrite's reference
        "lenient": role == "original",
        "source": os.fspath(source),
        "as_file": os.fspath(as_file),
        "module_name": plan_.module_name,
        "sys_path": list(plan_.sys_path),
        "aliases": dict(plan_.aliases),
        "model_fn": target.path[0] if target else plan_.model_fn,
        "target": target.built.to_json() if target and target.built else None,
        "through": target.through.to_json() if target and target.through else None,
        "instead": target.instead.to_json() if target and target.instead else None,
        "params_at_call": target.params.to_json() if target and target.params else None,
        "model_fn_args": json.loads(plan_.model_fn_args_json or "{}"),
        "job_args": job_args[0],
        "module_globals": job_args[1],
        "flags": list(plan_.flags),
        "callers": {caller.function: caller.to_json() for caller in plan_.callers},
        "tpu": target.tpu if target else plan_.tpu,
        "inputs": (
            {mode: ref.to_json() for mode, ref in plan_.inputs.items()} if plan_.inputs else None
        ),
        "serving_fns": list(plan_.serving_fns),
        "labels": plan_.labels.to_json() if plan_.labels else None,
        "label_hint": hint.to_json() if hint else None,
        "inferred": inferred.to_json() if inferred else None,
        "graph_only": options.graph_only,
        "params": json.loads(plan_.params_json) if plan_.params_json else None,
        "steps": plan_.steps,
        "seed": options.seed,
        "batch_size": options.batch_size,
        "out_dir": os.fspath(out_dir),
        "cwd": os.getcwd(),
    }


def module_code(path: Path, data: bytes) -> bytes:
    """The Python code validation runs for ``path``: a notebook's code cells as one module (its
    ``%magic`` and ``!shell`` lines masked), else ``data`` itself. Raises DiscoveryError."""
    if path.suffix != ".ipynb":
        return data
    from estimator_fix.notebooks import NotebookError, extract

    python2 = python2_cell(data)
    if python2 is not None:
        raise DiscoveryError(f"{path}: {python2}")
    try:
        return extract(data).code
    except NotebookError as exc:
        raise DiscoveryError(f"{path}: {exc}") from None


def _in_cells(result: RunResult, notebook: Path, locate: Locate | None) -> RunResult:
    """``result``'s failures in ``notebook`` located by cell and line (``locate``: its
    ``Extracted.locate``; None where its cells could not be read)."""
    return in_cells(result, os.fspath(notebook), locate) if locate else result


def _locate(data: bytes) -> Locate | None:
    """How a notebook's module lines map to its cells; None where it cannot be read."""
    from estimator_fix.notebooks import NotebookError, extract

    try:
        return extract(data).locate
    except NotebookError:
        return None


def unvalidated(
    path: Path, original: bytes, fixed: bytes, options: ValidationOptions
) -> str | None:
    """Why the rewrite ``fixed`` of ``path`` (holding ``original``) cannot be validated (nothing
    to run, no model_fn that can be built, no TensorFlow 1.x for TF 1.x code), or None."""
    try:
        plan(path, module_code(path, original), options, module_code(path, fixed))
    except DiscoveryError as exc:
        return str(exc)
    return None


def _result(worker: Worker, directory: Path, finished: bool) -> RunResult:
    """What the worker wrote; stages it never reached fail with the reason it stopped."""
    if not (directory / "results.json").is_file():
        return crashed(worker.failure or "the worker wrote no results")
    result = load_results(directory)
    if finished or result.setup_error:
        return result
    reason = worker.failure or "the worker stopped early"
    stages = dict(result.stages)
    if "TRAIN" not in stages:
        return replace(result, setup_error=reason)
    for mode in _LATER_STAGES:
        stages.setdefault(mode, Stage(ok=False, error=reason))
    return replace(result, stages=stages)


def _run_workers(
    python: str, specs: Sequence[dict[str, Any]], timeout: float, given: Given | None = None
) -> list[RunResult]:
    """Run a worker per spec at once, the first the original's: once all are set up, hand each
    ``given``'s inputs, else the original's choice of them; after all trained, ``given``'s
    checkpoint, else the first one trained (the original's, else the rewrite's). The first
    result says what its run was handed (``given``), so that it can be run again alike."""
    workers: list[Worker] = []
    directories: list[Path] = []
    try:
        for spec in specs:
            directory = Path(spec["out_dir"])
            directory.mkdir(parents=True)
            spec_path = directory / "spec.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            workers.append(Worker(python, spec_path, directory, timeout))
            directories.append(directory)
        # All run on the original's inputs: its worker says which, the others follow.
        ready = [worker.wait_for("ready") for worker in workers]
        inputs = given.inputs if given else ready[0].get("inputs") if ready[0] else None
        for worker, event in zip(workers, ready):
            if event is not None:
                worker.send({"inputs": inputs})
        trained = [worker.wait_for("trained") for worker in workers]
        if given:
            reference, graphs = given.checkpoint, given.graphs
        else:
            checkpoints = [event.get("checkpoint") if event else None for event in trained]
            reference = next((checkpoint for checkpoint in checkpoints if checkpoint), None)
            # Where neither version trained, the numbers cannot run, and where the original's
            # steps changed no trainable variable they prove nothing of its training code:
            # both build their graphs.
            untrained = bool(trained[0] and trained[0].get("untrained"))
            graphs = not reference or untrained or bool(specs[0].get("graph_only"))
        for worker, event in zip(workers, trained):
            if event is not None:
                worker.send({"checkpoint": reference, "graphs": graphs})
        finished = [
            event is not None and worker.wait_for("done") is not None
            for worker, event in zip(workers, trained)
        ]
        for worker in workers:
            worker.finish()
        results = [
            _result(worker, directory, done)
            for worker, directory, done in zip(workers, directories, finished)
        ]
        handed = Given(python, dict(specs[0]), inputs, reference, graphs)
        return [replace(results[0], given=handed), *results[1:]]
    finally:
        for worker in workers:
            worker.close()


#: A failure that says the TensorFlow that ran the code lacks an API it uses (the other
#: generation's): "module 'tensorflow' has no attribute 'contrib'", "No module named
#: 'tensorflow.contrib'", "cannot import name 'logging' from 'tensorflow'"; TensorFlow 2's
#: ``tf.metrics``, ``tf.losses`` and ``tf.keras`` are Keras modules ("module
#: 'keras.api._v2.keras.metrics' has no attribute 'recall_at_k'"); TensorFlow 1's Keras layers
#: are applied with ``apply`` (``Dense(4).apply(x)``), which TensorFlow 2's lack ("'Dense' object
#: has no attribute 'apply'"). The code runs again under the other generation, whose run is
#: kept only where it gets further.
_GENERATION_ERROR = re.compile(
    r"module '(tensorflow|keras)(\.[\w.]+)?' has no attribute '\w+'"
    r"|No module named 'tensorflow(\.[\w.]+)?'"
    r"|cannot import name '\w+' from '(tensorflow|keras)(\.[\w.]+)?'"
    r"|'[A-Z]\w*' object has no attribute 'apply'"
)


def _progress(result: RunResult) -> int:
    """How far the original got: 0 not set up, 1 set up, 2 trained."""
    train = result.stage("TRAIN")
    return 0 if result.setup_error else 2 if train is not None and train.ok else 1


def _other_generation(result: RunResult) -> str | None:
    """What the original lacked in its TensorFlow, when that is why it could not set up or train."""
    train = result.stage("TRAIN")
    for error in (result.setup_error, train.error if train else ""):
        match = _GENERATION_ERROR.search(error)
        if match:
            return match.group(0)
    return None


def _run_versions(
    plan_: Plan,
    options: ValidationOptions,
    sources: tuple[Path, Path, Path, Path],
    work: Path,
    python: str | None,
    target: Target | None,
) -> tuple[RunResult, RunResult]:
    """Both versions under ``python`` (None: this interpreter); ``sources`` holds the original's
    source and presented path, then the rewrite's. The original runs a mode its spec's checks
    fail again without the fields the mode does not use (the rewrite's reference)."""
    job_args = _job_arguments(plan_, sources[0], sources[1], target)
    original, rewrite = (
        _spec(plan_, options, role, source, shown, work / role, target, job_args)
        for role, source, shown in (
            ("original", sources[0], sources[1]),
            ("rewrite", sources[2], sources[3]),
        )
    )
    stand_ins: list[str] = []
    python2 = False
    while True:
        for spec in (original, rewrite):
            spec["stand_ins"] = stand_ins
            spec["python2"] = python2
            attempt = len(stand_ins) + python2
            if attempt:  # a fresh directory for each attempt
                spec["out_dir"] = os.fspath(work / f"{spec['role']}-{attempt}")
        first, second = _run_workers(python or sys.executable, (original, rewrite), plan_.timeout)
        results = (first, second)
        if not python2 and python2_builtins_answer(_python2(results)):
            # Python 2 code that fails for lack of Python 2's builtins: run both with them.
            python2 = True
            continue
        missing = results[0].missing_module
        if not missing or missing in stand_ins or len(stand_ins) >= _MOST_STAND_INS:
            return results
        if results[1].missing_module != missing:
            return results  # the versions do not import the same: nothing to stand in for
        # Both import one this interpreter lacks: load them again with a stand-in for it,
        # which fails if the code validated uses it (worker/standins.py).
        stand_ins = [*stand_ins, missing]


#: How many missing modules a module may import and still be loaded with stand-ins.
_MOST_STAND_INS = 32


def _job_arguments(
    plan_: Plan, source: Path, shown: Path, target: Target | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Values inferred, from the original's code (``source``, at ``shown`` in its repository),
    for the parameters of the functions that build the model_fn, params or inputs where the file
    gives none (see ``targets.job_arguments``), and for the globals the module binds by doing
    work (``inference.module_globals``): the defaults of the flags declared there, else guesses
    from their use."""
    try:
        tree = ast.parse(source.read_bytes(), os.fspath(source))
    except (SyntaxError, ValueError):  # Python 2 code: the worker reads it as its own
        return {}, {}
    defaults = flag_defaults(shown.resolve(), plan_.sys_path)
    roots = [Path(root) for root in plan_.sys_path]
    imported = imported_functions(tree, shown.resolve(), roots)
    globals_ = module_globals(tree, defaults, imported)
    built = [target.built, target.params, target.instead] if target else []
    built += [ref.built for ref in (plan_.inputs or {}).values()]
    if not any(b is not None and b.scope for b in built):
        return {}, globals_
    given = json.loads(plan_.model_fn_args_json or "{}")
    builders = [target.path[:-1]] if target and len(target.path) > 1 else []
    return job_arguments(tree, built, given, defaults, imported, builders), globals_


def _in_repository(plan_: Plan, path: Path, source: bytes) -> Plan:
    """``plan_`` importing the module as its repository would (see ``layout``)."""
    try:
        tree = ast.parse(source, os.fspath(path))
    except (SyntaxError, ValueError):
        return plan_
    repository = repository_root(path)
    module_name, roots = import_layout(path, tree, plan_.module_name, plan_.sys_path, repository)
    aliases = package_aliases(tree, roots, repository)
    return replace(plan_, module_name=module_name, sys_path=roots, aliases=aliases)


def _no_input(results: tuple[RunResult, RunResult], path: Path) -> str:
    """Why there was nothing to build the original's inputs from (its worker found no feature
    key, nor anything else), in the words of ``no_input_message``, or ''."""
    error = results[0].setup_error or ""
    marker = "LookupError: " + NO_INPUT
    if marker not in error:
        return ""
    # why the worker found nothing, then what it looked for (here in no_input_message's words)
    detail = error.split(marker, 1)[1]
    why, looked, _ = detail.rpartition(LOOKED_FOR)
    return no_input_message(path) + f" ({why if looked else detail})"


def _python2(results: tuple[RunResult, RunResult]) -> str:
    """Why the original cannot run under Python 3 (Python 2 code), or ''."""
    train = results[0].stage("TRAIN")
    for error in (results[0].setup_error, train.error if train else ""):
        found = python2_error(error or "")
        if found:
            return found
    return ""


def _validate_target(
    plan_: Plan,
    options: ValidationOptions,
    sources: tuple[Path, Path, Path, Path],
    work: Path,
    target: Target | None,
) -> tuple[tuple[RunResult, RunResult], tuple[str, ...]]:
    """Both versions' results for one model_fn, run again under the other TensorFlow generation
    when the first one lacks what the code uses; and a note on the TensorFlow that ran them."""
    results = _run_versions(plan_, options, sources, work / "primary", plan_.python, target)
    other = _other_generation(results[0])
    if other and plan_.python_fallback:
        first = results[0].tensorflow or "the first TensorFlow"
        fallback = plan_.python_fallback
        again = _run_versions(plan_, options, sources, work / "fallback", fallback, target)
        further = _progress(again[0]) - _progress(results[0])
        if further > 0 or (further == 0 and _other_generation(again[0]) is None):
            # as far, and failing for another reason than its TensorFlow's API: that reason
            # (a module not installed, a file not here) is the one to act on
            note = f"TensorFlow {first} lacks what the code uses ({other}): ran it again"
            return again, (note,)
        why = again[0].setup_error or "it got no further"
        note = f"also tried under TensorFlow {again[0].tensorflow or '(none)'}: {why}"
        return results, (note,)
    if plan_.interpreter_reason:
        ran = results[0].tensorflow or "1.x"
        return results, (f"TensorFlow {ran}: {plan_.interpreter_reason}",)
    return results, ()


def _compared(
    results: tuple[RunResult, RunResult], tolerance: Tolerance, options: ValidationOptions
) -> tuple[tuple[Check, ...], tuple[str, ...]]:
    """The checks of two runs: on their numbers, or on their graphs where the numbers could not
    run (or ``graph_only``), with a note saying so."""
    checks = compare_runs(results[0], results[1], tolerance)
    if stand_ins_used(results[0], results[1]):  # not proven on the graphs either
        return checks, ()
    return graph_fallback(checks, results[0], results[1], options.graph_only)


#: How many times the original must reproduce itself before a mismatch with the rewrite stands.
REPRODUCIBLE_RUNS = 3


def _unless_irreproducible(
    plan_: Plan,
    options: ValidationOptions,
    work: Path,
    original: RunResult,
    checks: tuple[Check, ...],
) -> tuple[Check, ...]:
    """``checks``; when they hold a mismatch of values, only if the original reproduces
    itself: run again as it was (the same inputs, and the same checkpoint for its later modes),
    a model that differs (threads feeding a shuffle queue, unseeded NumPy in its input
    function...) proves nothing, and every mismatch becomes an error saying so. A model whose
    runs differ only now and then (a queue's order that depends on thread timing) can agree with
    itself once by chance: ``REPRODUCIBLE_RUNS`` runs of it must each agree with the one
    compared. A rewrite that fails where the original ran is a mismatch whatever the original's
    numbers: then nothing runs again."""
    given = original.given
    if overall(checks) != "mismatch" or given is None:
        return checks
    if any(check.rewrite_fails for check in checks if check.verdict == "mismatch"):
        return checks
    compared = as_lenient(original)
    for run in _runs_again(given, work, plan_.timeout):
        again, _ = _compared((compared, as_lenient(run)), Tolerance(), options)
        if overall(again) not in ("equivalent", "graph-equivalent"):
            break
    else:
        return checks
    why = summary(again)
    first = Check("SETUP", "reproducible", None, "error", f"the original run twice differs: {why}")
    return (first,) + tuple(
        replace(c, verdict="error", detail=f"not reproducible, so not compared: {c.detail}")
        if c.verdict == "mismatch"
        else c
        for c in checks
    )


def _irreproducible(checks: tuple[Check, ...]) -> bool:
    return any(c.mode == "SETUP" and c.what == "reproducible" for c in checks)


def _on_graphs(
    plan_: Plan,
    options: ValidationOptions,
    sources: tuple[Path, Path, Path, Path],
    work: Path,
    target: Target | None,
    checks: tuple[Check, ...],
) -> tuple[tuple[Check, ...], tuple[str, ...]]:
    """Where the original's numbers differ from run to run (a model whose training diverges,
    where the last bits of a sum decide), the numbers prove nothing either way: both versions'
    graphs are built again and compared op by op, as where the numbers cannot run. ``checks``
    (the error saying why) stand where the graphs cannot be built."""
    graphs = replace(options, graph_only=True)
    results, _ = _validate_target(plan_, graphs, sources, work / "graphs", target)
    if not results[0].graphs or not results[1].graphs:
        return checks, ()
    found, _ = graph_fallback((), results[0], results[1], requested=True)
    if not found:  # the graphs could not be read: the error stands
        return checks, ()
    why = next((c.detail for c in checks if c.what == "reproducible"), "")
    note = f"the numbers do not reproduce themselves ({why}): the graphs were compared op by op"
    return found, (note,)


#: How many runs of the original run at once to see whether it reproduces itself: as many as the
#: validation itself ran (the original and the rewrite), whose memory a large model is known to
#: fit in.
_AT_ONCE = 2


def _runs_again(given: Given, work: Path, timeout: float) -> Iterator[RunResult]:
    """The original's run again as it was, ``REPRODUCIBLE_RUNS`` times, ``_AT_ONCE`` at a time
    (the next ones start only when asked for)."""
    for start in range(0, REPRODUCIBLE_RUNS, _AT_ONCE):
        attempts = range(start, min(start + _AT_ONCE, REPRODUCIBLE_RUNS))
        specs = [
            dict(given.spec, out_dir=os.fspath(work / f"reproducible-{attempt}"))
            for attempt in attempts
        ]
        yield from _run_workers(given.python, specs, timeout, given)


def _named(name: str, checks: tuple[Check, ...]) -> tuple[Check, ...]:
    return tuple(replace(check, what=f"{name}: {check.what}") for check in checks)


def _tolerance(options: ValidationOptions) -> Tolerance:
    if (options.atol or options.rtol) and not options.unsafe_fixes:
        raise OptionError(
            "--atol/--rtol apply only with --unsafe-fixes: "
            "safe fixes must reproduce results bitwise"
        )
    return Tolerance(options.atol, options.rtol)


def validate_pair(
    original: Path,
    rewritten: Union[bytes, Path],
    options: ValidationOptions | None = None,
) -> ValidationReport:
    """Run ``original`` and ``rewritten`` (a file, or the rewritten bytes of ``original``) in
    TensorFlow and compare them (see SPEC §6). Never raises for bad input: problems that stop the
    run are an ``error`` report with one line saying why.
    """
    options = options or ValidationOptions()
    started = time.monotonic()
    label = os.fspath(rewritten) if isinstance(rewritten, Path) else f"{original} (rewritten)"
    try:
        tolerance = _tolerance(options)
        given = read_source(original)
        rewrite_given = rewritten if isinstance(rewritten, bytes) else read_source(rewritten)
        source = module_code(original, given)
        new = module_code(original, rewrite_given)
        plan_ = _in_repository(plan(original, source, options, new), original, source)
    except (DiscoveryError, OptionError) as exc:
        return error_report(os.fspath(original), label, str(exc))
    except SourceError as exc:
        return error_report(os.fspath(original), label, f"{exc.path}: {exc.reason}")
    missing = tensorflow_missing(plan_.python)
    if missing:
        return error_report(os.fspath(original), label, missing)
    with tempfile.TemporaryDirectory(prefix="estimator-fix-validate-") as temp:
        work = Path(temp)
        original_source = original.resolve()
        if original.suffix == ".ipynb":  # the code of its cells, presented at its path
            original_source = work / "original-code.py"
            original_source.write_bytes(source)
        if isinstance(rewritten, Path) and rewritten.suffix != ".ipynb":
            rewrite_source, rewrite_file = rewritten.resolve(), rewritten.resolve()
        else:
            rewrite_source = work / "rewrite-code.py"
            rewrite_source.write_bytes(new)
            shown = rewritten if isinstance(rewritten, Path) else original
            rewrite_file = shown.resolve()
        sources = (original_source, original.resolve(), rewrite_source, rewrite_file)
        targets: tuple[Target | None, ...] = plan_.targets or (None,)
        checks: tuple[Check, ...] = ()
        notes: tuple[str, ...] = ()
        python2 = ""
        notebook = original.suffix == ".ipynb"  # its cells read once, for every target
        cells = (_locate(given), _locate(rewrite_given)) if notebook else (None, None)
        for index, target in enumerate(targets):
            place = work / str(index)
            results, extra = _validate_target(plan_, options, sources, place, target)
            if notebook:
                results = (
                    _in_cells(results[0], sources[1], cells[0]),
                    _in_cells(results[1], sources[3], cells[1]),
                )
            python2 = python2 or _python2(results)
            found, graph_note = _compared(results, tolerance, options)
            found = _unless_irreproducible(plan_, options, place, results[0], found)
            if _irreproducible(found) and not options.graph_only:
                found, graph_note = _on_graphs(plan_, options, sources, place, target, found)
            checks += _named(target.name, found) if len(targets) > 1 and target else found
            guessed = (target.guessed,) if target and target.guessed else ()
            notes += guessed + extra + graph_note + results[0].notes + results[1].notes
    notes = tuple(dict.fromkeys(notes))
    python2 = python2 if overall(checks) == "error" else ""
    unrunnable = python2 or (_no_input(results, original) if overall(checks) == "error" else "")
    names = ", ".join(t.name for t in plan_.targets) or plan_.model_fn
    return ValidationReport(
        original=os.fspath(original),
        rewritten=label,
        verdict=overall(checks),
        message=unrunnable or summary(checks, notes),
        checks=checks,
        synthetic_inputs=results[0].synthetic or results[1].synthetic,
        notes=notes,
        seconds=time.monotonic() - started,
        model_fn=names,
        steps=plan_.steps,
        timings=(
            ("original", tuple(results[0].timings().items())),
            ("rewrite", tuple(results[1].timings().items())),
        ),
        tensorflow=results[0].tensorflow or results[1].tensorflow,
        not_validated=unrunnable,
    )


def validate_rewrite(
    path: Path, fixed: bytes, options: ValidationOptions | None = None
) -> ValidationReport:
    """Validate ``fixed`` (the bytes ``fix`` would write to ``path``) against ``path``."""
    return validate_pair(path, fixed, options)


def validate_file(
    path: Path, options: ValidationOptions | None = None, settings: Settings | None = None
) -> ValidationReport:
    """Validate what ``fix`` would write for ``path`` against ``path`` itself.

    A notebook is read as ``fix`` and ``migrate`` read it (its code cells as one module). When
    the fix would change nothing the report says so (``equivalent``, no checks run).
    """
    from estimator_fix.engine import Changed, Settings, Unchanged, analyse

    options = options or ValidationOptions()
    settings = settings or Settings(unsafe_fixes=options.unsafe_fixes)
    try:
        data = read_source(path)
    except SourceError as exc:
        return error_report(os.fspath(path), os.fspath(path), f"{exc.path}: {exc.reason}")
    result = analyse(path, data, settings)
    label = f"{path} (fixed)"
    if isinstance(result, Changed):
        return validate_pair(path, result.fixed, options)
    if isinstance(result, Unchanged):
        check = Check("SETUP", "fix", None, "equivalent", "fix changes nothing")
        return ValidationReport(
            os.fspath(path),
            label,
            "equivalent",
            f"{path}: fix changes nothing; nothing to validate",
            (check,),
        )
    return error_report(os.fspath(path), label, f"{path}: {result.reason}")
