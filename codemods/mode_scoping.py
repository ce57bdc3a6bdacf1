"""EF101–EF106 (scope label, training, metric and summary code to the modes that use it) as a
LibCST command.

    python -m libcst.tool codemod mode_scoping.ModeScopingCommand path/to/model.py

The codemod itself, with what it rewrites and what it leaves alone, is
``codemods.modes.codemod``; what each rule judges is in its module under ``codemods.rules``.
"""

from __future__ import annotations

from codemods.command import LibCSTCommand
from codemods.modes.codemod import ModeScoping, policies


class ModeScopingCommand(LibCSTCommand):
    CODEMOD = ModeScoping


__all__ = ["ModeScopingCommand", "policies"]
