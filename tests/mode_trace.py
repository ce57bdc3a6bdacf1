"""Run a model_fn once per mode in a TensorFlow graph and record which statements it executes.

Used by the safety-contract test (SPEC §5.1): after a safe fix, each mode executes a subsequence
of the statements the original executes, in the original order. Statements are identified by
their text with all white space removed (a moved statement is re-indented), returns excluded (a
split spec is a new statement) and ``if`` tests excluded (guards are new).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import inspect
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any, Callable, Optional

MODES = ("train", "eval", "infer")


def statement_lines(source: str, function: str) -> dict[int, str]:
    """Line → normalized text of the simple statement (not return) covering that line."""
    tree = ast.parse(source)
    lines: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function:
            for inner in ast.walk(node):
                if isinstance(inner, ast.stmt) and not isinstance(
                    inner,
                    (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.Return, ast.FunctionDef),
                ):
                    text = "".join((ast.get_source_segment(source, inner) or "").split())
                    for line in range(inner.lineno, (inner.end_lineno or inner.lineno) + 1):
                        lines.setdefault(line, text)
    return lines


def load(path: Path) -> ModuleType:
    name = f"_trace_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def find_model_fn(module: ModuleType, name: str) -> Callable[..., Any]:
    found = getattr(module, name, None)
    if callable(found):
        return found  # type: ignore[no-any-return]
    for value in vars(module).values():
        if inspect.isclass(value) and callable(getattr(value, name, None)):
            return getattr(value(), name)  # type: ignore[no-any-return]
        if inspect.isfunction(value) and not inspect.signature(value).parameters:
            continue
    raise LookupError(f"no model_fn named {name}")


@contextlib.contextmanager
def recording(code: CodeType, lines: dict[int, str]) -> Iterator[list[str]]:
    """While open, the statements (``lines``, by line number) that ``code`` executes, in order."""
    executed: list[str] = []

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        if frame.f_code is not code:
            return None
        if event == "line" and frame.f_lineno in lines:
            text = lines[frame.f_lineno]
            if not executed or executed[-1] != text:
                executed.append(text)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield executed
    finally:
        sys.settrace(previous)


def trace(
    path: Path, function: str, mode: str, with_labels: bool
) -> tuple[list[str], Optional[str]]:
    """Statements executed by ``function`` in ``mode``, and the error it stopped on, if any."""
    import tensorflow as tf

    source = path.read_text(encoding="utf-8-sig", errors="replace")
    lines = statement_lines(source, function)
    module = load(path)
    model_fn = find_model_fn(module, function)
    code = getattr(model_fn, "__code__", None) or model_fn.__func__.__code__  # type: ignore[attr-defined]
    params = dict(getattr(module, "PARAMS", {}) or {})
    error = None
    with warnings.catch_warnings(), tf.Graph().as_default():
        warnings.simplefilter("ignore")
        input_fn = module.input_fn
        takes_params = bool(inspect.signature(input_fn).parameters)
        params.setdefault("batch_size", 4)
        dataset = input_fn(params) if takes_params else input_fn()
        features, labels = tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
        if mode == "infer" and not with_labels:
            labels = None
        available = {"features": features, "labels": labels, "targets": labels, "mode": mode}
        available["params"] = params
        available["config"] = tf.estimator.RunConfig()
        wanted = inspect.signature(model_fn).parameters
        kwargs = {k: v for k, v in available.items() if k in wanted}
        with recording(code, lines) as executed:
            try:
                model_fn(**kwargs)
            except Exception as exc:  # the original may crash in PREDICT
                error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return executed, error


def is_subsequence(small: list[str], big: list[str]) -> bool:
    iterator = iter(big)
    return all(any(item == other for other in iterator) for item in small)
