"""The findings of the mode analysis on a model_fn written inline in a test."""

from __future__ import annotations

import textwrap

import libcst as cst

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping
from estimator_fix.engine import Settings, process_source
from estimator_fix.results import FileResult


def found(source: str) -> set[str]:
    """``{"EF101:7", ...}`` for ``source`` (dedented) after ``import tensorflow as tf``: line 1
    is the import, line 2 the source's first (empty) line."""
    module = cst.parse_module("import tensorflow as tf\n" + textwrap.dedent(source))
    _, findings = apply_codemod(ModeScoping, module)
    return {f"{f.code}:{f.line}" for f in findings}


def processed(
    source: str, fix: bool = False, prelude: str = "import tensorflow as tf\n"
) -> FileResult:
    """What the engine makes of ``source`` (dedented) after ``prelude``, every rule selected."""
    text = prelude + textwrap.dedent(source)
    return process_source("model.py", text.encode(), Settings(fix=fix))


def codes(result: FileResult) -> set[str]:
    """``{"EF101:7", ...}`` of an engine result."""
    return {f"{f.code}:{f.line}" for f in result.findings}
