"""The findings of the mode analysis on a model_fn written inline in a test."""

from __future__ import annotations

import textwrap

import libcst as cst

from codemods.base import apply_codemod
from codemods.modes.codemod import ModeScoping


def found(source: str) -> set[str]:
    """``{"EF101:7", ...}`` for ``source`` (dedented) after ``import tensorflow as tf``: line 1
    is the import, line 2 the source's first (empty) line."""
    module = cst.parse_module("import tensorflow as tf\n" + textwrap.dedent(source))
    _, findings = apply_codemod(ModeScoping, module)
    return {f"{f.code}:{f.line}" for f in findings}
