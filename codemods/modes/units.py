"""What the mode analysis produces: one ``Unit`` per statement, with the modes that run it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Optional

import libcst as cst

from codemods.vocabulary import Mode, UnitKind


@dataclass
class Branch:
    """One branch of a mode ``if``: the modes that take it and its own units."""

    modes: frozenset[Mode]
    units: list[Unit]
    terminal: bool


@dataclass
class SpecVariant:
    """One mode's part of a split spec: the modes it serves, its call and the names it reads."""

    modes: frozenset[Mode]
    call: cst.Call
    reads: frozenset[str]


@dataclass
class NestedSpec:
    """A spec returned from inside a statement the codemod does not split (``if use_tpu:``)."""

    node: cst.Return
    foreign: dict[Mode, list[str]]


@dataclass(frozen=True)
class Reason:
    """What narrowed the modes that reach a statement: an earlier statement that ``ended``
    modes (a return, a raise, a failing assert), or the mode test of the ``branch`` it is in."""

    kind: str  # "ended" or "branch"
    node: cst.CSTNode
    modes: frozenset[Mode]


class Pin(Enum):
    """Why a statement must run in a mode that does not need it (SPEC §5)."""

    VARIABLES = "variables"  # skipping it would rename later auto-named layers
    SEEDS = "seeds"  # skipping it would shift the seeds of later random ops
    NEVER = "never"  # ema.apply: shadow variables every mode needs
    PARTIAL = "partial"  # another mode still needs it
    RETURNS = "returns"  # a return inside: moving it would leave a mode without one


@dataclass(eq=False)
class Unit:
    """One statement of a model_fn body as the analysis sees it.

    ``modes`` run it; ``blocked`` says, per mode, which rules it breaks there; ``needed`` (from
    the backward pass) says which modes need it, ``used`` the same counting only spec fields a
    mode reads; ``pins`` say why a mode that does not need it must still run it.
    """

    node: cst.BaseStatement
    modes: frozenset[Mode]
    kind: UnitKind = UnitKind.SIMPLE
    reads: frozenset[str] = frozenset()
    defs: frozenset[str] = frozenset()
    #: The objects whose methods it calls (``self.build()``), which a method may change: a later
    #: read of one needs the statement to have run (not a use of what it computes).
    changes: frozenset[str] = frozenset()
    kills: frozenset[str] = frozenset()
    blocked: dict[Mode, frozenset[str]] = field(default_factory=dict)
    creates_vars: bool = False
    autonamed: bool = False
    seeds: bool = False
    never_move: bool = False
    opaque_label: Optional[str] = None
    branches: list[Branch] = field(default_factory=list)
    terminates: frozenset[Mode] = frozenset()
    variants: Optional[list[SpecVariant]] = None
    foreign: dict[Mode, list[str]] = field(default_factory=dict)
    needed: frozenset[Mode] = frozenset()
    pins: dict[Mode, Pin] = field(default_factory=dict)
    unsafe_skip: bool = False  # skipped only because --unsafe-fixes allows shifting seeds
    reordered: bool = False  # moved below the PREDICT return by --unsafe-fixes
    returns: bool = False  # a compound statement with a return inside: never guarded or moved
    # Per mode, the names read outside spec fields that mode ignores (when any are ignored).
    use_reads: dict[Mode, frozenset[str]] = field(default_factory=dict)
    # Per mode, the statement without the spec fields that mode ignores (when any are ignored).
    use_nodes: dict[Mode, cst.CSTNode] = field(default_factory=dict)
    used: frozenset[Mode] = frozenset()  # like ``needed``, counting only fields the mode reads
    nested_specs: list[NestedSpec] = field(default_factory=list)
    #: A compound statement judged whole: its inner statements as units of their own, for
    #: findings on the lines that do the work (``if use_tpu:`` holding the optimizer).
    parts: list[Unit] = field(default_factory=list)
    #: What a spec's finding should say beyond its fields (why it is not split).
    note: str = ""
    #: It only regroups values built elsewhere: it moves with them, but is no finding itself.
    quiet: bool = False
    #: In PREDICT it gathers the labels themselves, None there (``{"y": labels}``): were what
    #: it gathers returned, no other statement would carry the finding.
    gathers_none_labels: bool = False
    #: In PREDICT it regroups what it reads out of the labels, None there (``labels["y"]``):
    #: it fails there, so it is a finding although it only regroups.
    fails_on_none_labels: bool = False
    #: The modes where the statement carries a tag only through an object it stores into
    #: (``optimizer.iterations = step``): it moves with the object, but is not a finding.
    stores_into: set[Mode] = field(default_factory=set)
    #: Per mode, the rule codes of the summaries an in-file helper writes beside the values
    #: it gives (EF104 in PREDICT): set aside while a mode uses those values (the summary
    #: cannot leave it without them), broken where PREDICT does not (``safety.settle``).
    for_value: dict[Mode, frozenset[str]] = field(default_factory=dict)
    #: The rule codes it would break in PREDICT were the results it reads of a helper handed
    #: labels label code: they are, where PREDICT does not use that helper's results (it is
    #: then EF101, not EF106; ``helper_labels.unused``).
    if_helper_label: frozenset[str] = frozenset()
    #: Of a compound statement, per mode, the rule codes its own header breaks.
    header_blocked: dict[Mode, frozenset[str]] = field(default_factory=dict)
    #: Of a compound statement, its header looks into PREDICT's None labels (``for key, value
    #: in labels.items():``): it fails there before any part runs, a finding of its own.
    header_fails_on_none_labels: bool = False
    #: Why ``modes`` are what they are (for ``check --show-modes``), outermost first.
    why: tuple[Reason, ...] = ()
    #: Per mode, the rule codes whose findings a use in that mode excuses (EF103 in TRAIN).
    excusable: dict[Mode, frozenset[str]] = field(default_factory=dict)
    #: An in-file helper handed labels whose results mix label-derived values with others
    #: (its call, and the names bound to the others): EF106 when PREDICT uses the others.
    mixed_helper: Optional[tuple[str, frozenset[str]]] = None
    #: The names it binds that reach what PREDICT returns (``safety.predict_outputs``).
    predict_uses: frozenset[str] = frozenset()
    #: It only regroups, and what it binds reaches PREDICT's spec fields as it is (only
    #: regrouped on the way): ``predictions = {"p": p, "y": labels}`` returned in PREDICT.
    predict_returns_whole: bool = False
    #: Of the names it binds, those bound to a metric, when only some are (a helper giving the
    #: loss and a metric): a mode that reads only the others does not use the metric.
    metric_defs: Optional[frozenset[str]] = None
    #: Per mode, the names it binds that a later statement uses there (the backward pass).
    used_defs: dict[Mode, frozenset[str]] = field(default_factory=dict)
    #: Of a spec returned: the fields that build metric ops right in the call although every
    #: mode reaching it outside PREDICT ignores them (``eval_metric_ops=metric_fn(...)`` in the
    #: TRAIN spec; EF103), with those modes.
    idle_metrics: tuple[tuple[str, ...], frozenset[Mode]] = ((), frozenset())

    def results(self) -> frozenset[str]:
        """What holds the statement's results: the names it binds, and for a helper handed
        labels whose results it keeps in the objects it calls methods of (``model.build(x,
        labels)``, then ``model.preds``), those objects."""
        return self.defs | self.changes if self.opaque_label is not None else self.defs

    @property
    def base_needed(self) -> frozenset[Mode]:
        return frozenset(m for m in self.modes if not self.blocked.get(m))

    def _uses_metric(self, mode: Mode) -> bool:
        if mode not in self.used:
            return False
        return self.metric_defs is None or bool(self.metric_defs & self.used_defs.get(mode, set()))

    def bad_modes(self) -> frozenset[Mode]:
        """Modes the unit runs in but should not (a metric that TRAIN uses is not bad in TRAIN);
        of a compound statement, its header's and each of its parts' (a metric one part builds
        is not used because another part's value is)."""
        bad: set[Mode] = set()
        for part in leaves(self.parts):
            bad |= part.bad_modes() & self.modes
        for mode in self.modes:
            codes = self.header_blocked.get(mode, frozenset()) if self.parts else self.blocked.get(
                mode, frozenset()
            )
            excused = self.excusable.get(mode, frozenset())
            if codes and codes <= excused and self._uses_metric(mode) and mode not in self.pins:
                continue  # e.g. a training metric that feeds a summary, a hook or the loss
            if codes:
                bad.add(mode)
        return frozenset(bad)


def leaves(units: Iterable[Unit]) -> Iterator[Unit]:
    """The units in order, with each mode ``if`` and ``with`` block replaced by the units of its
    branches (a block's body is its one branch)."""
    for unit in units:
        if unit.kind in (UnitKind.MODE_IF, UnitKind.BLOCK):
            for branch in unit.branches:
                yield from leaves(branch.units)
        else:
            yield unit
