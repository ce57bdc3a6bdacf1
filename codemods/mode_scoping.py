"""EF101–EF106: scope label, training, metric and summary code to the modes that use it.

Rewrites each model_fn so every mode builds only what it uses: label-derived values leave the
PREDICT path, training machinery moves into TRAIN, metrics into EVAL (and TRAIN where a summary,
hook or the loss reads them), summaries out of PREDICT, and one EstimatorSpec for every mode
becomes one spec per mode. Each mode executes a subsequence of the original statements in the
original order (SPEC §5). This module is the LibCST command (``python -m libcst.tool codemod
mode_scoping.ModeScopingCommand``); the codemod is ``codemods.modes.codemod`` and its analysis the
rest of ``codemods.modes``; what each rule judges is in its module under ``codemods.rules``.

Deliberately left alone (reported only): a statement that may create variables or auto-named
layers when a later layer in the same mode would be renamed by skipping it; a random op whose
skipping would shift later seeds (fixed only with ``--unsafe-fixes``); ``ema.apply``; values
PREDICT needs that are derived from labels, including labels passed into an opaque helper (EF106).
"""

from __future__ import annotations

from codemods.command import LibCSTCommand
from codemods.modes.codemod import ModeScoping, policies


class ModeScopingCommand(LibCSTCommand):
    CODEMOD = ModeScoping


__all__ = ["ModeScopingCommand", "policies"]
