"""EF201–EF206: eager (TF2-style) code inside a graph-building model_fn, as a LibCST command.

    python -m libcst.tool codemod eager_code.EagerCodeCommand path/to/model.py

The codemod itself, with what it rewrites and what it leaves alone, is
``codemods.eager.codemod``; what each rule judges is in its module under ``codemods.rules``.
"""

from __future__ import annotations

from codemods.command import LibCSTCommand
from codemods.eager.codemod import EagerCode


class EagerCodeCommand(LibCSTCommand):
    CODEMOD = EagerCode


__all__ = ["EagerCodeCommand"]
