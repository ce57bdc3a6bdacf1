"""The words the analysis and the rules share: modes, what a statement carries, kinds of unit."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum


class Mode(str, Enum):
    """An Estimator mode. The values are ``tf.estimator.ModeKeys``' own strings, so a mode test
    written with string literals (``mode == "infer"``) compares equal to them."""

    PREDICT = "infer"
    TRAIN = "train"
    EVAL = "eval"

    @property
    def key(self) -> str:
        """The ``ModeKeys`` attribute: ``PREDICT``, ``TRAIN`` or ``EVAL``."""
        return self.name


#: The order modes are written in (rewrites, messages): PREDICT first, as the early return is.
MODE_ORDER = (Mode.PREDICT, Mode.TRAIN, Mode.EVAL)
ALL_MODES = frozenset(MODE_ORDER)

#: ``ModeKeys`` attribute → mode (``INFER`` is the tf.contrib.learn spelling of PREDICT).
MODE_KEYS = {"TRAIN": Mode.TRAIN, "EVAL": Mode.EVAL, "PREDICT": Mode.PREDICT, "INFER": Mode.PREDICT}


def mode_names(modes: Iterable[Mode]) -> str:
    """``PREDICT/TRAIN``: the modes in their written order."""
    present = set(modes)
    return "/".join(mode.key for mode in MODE_ORDER if mode in present)


class Tag(Enum):
    """What a value carries that some mode must not build or read (EF101–EF104)."""

    LABEL = "label"
    #: Derived from labels through a helper already reported for them (EF106): no rule judges
    #: its readers again, but it is still label-derived (a loss PREDICT's spec must not carry).
    HELPER_LABEL = "helper_label"
    TRAIN = "train"
    METRIC = "metric"
    SUMMARY = "summary"


class UnitKind(Enum):
    """What one analysed statement is to the layout."""

    SIMPLE = "simple"  # a simple statement line
    COMPOUND = "compound"  # any other compound statement, judged as a whole
    BLOCK = "block"  # a ``with`` block: its body is run once, statement by statement
    MODE_IF = "mode_if"  # an if/elif/else chain every test of which the mode decides
    SPEC = "spec"  # a return of an EstimatorSpec
    EXIT = "exit"  # another return, a raise, or code no mode reaches
    VARIANT = "variant"  # one mode's part of a split spec (written by the layout)

#: Qualified names of the standard library's pretty printers: a print as ``print`` is.
PRETTY_PRINTERS = frozenset({"pprint.pprint", "pprint.pp"})
