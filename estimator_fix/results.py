"""What the engine returns, and the settings it takes: plain data, importable without LibCST.

``estimator_fix.engine`` does the work and re-exports all of this. The parts of a run that only
route, count, cache and report results (``migrate``'s own process, the reporting) import this
module, so they start without loading LibCST and the codemods.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Union

from codemods.findings import Finding
from estimator_fix.globs import matches

if TYPE_CHECKING:
    from codemods.base import ModelFnCodemod

#: Bytes without any of these cannot hold an Estimator model_fn: such files are never parsed
#: (a spec class a model_fn returns - ``codemods.tf_api.SPEC_CLASSES``, tf.contrib.learn's
#: ``ModelFnOps`` too - or the words). Spelled out here: this module loads without LibCST.
PREFILTER_MARKERS: tuple[bytes, ...] = (
    b"EstimatorSpec",
    b"ModelFnOps",
    b"model_fn",
    b"ModeKeys",
    b"estimator",
)

#: A rule selector: a full code (EF101) or a prefix of one (EF1, EF10, EF).
SELECTOR = re.compile(r"EF[0-9]{0,3}\Z")


@dataclass(frozen=True)
class Settings:
    """What to report and fix. ``select``/``ignore`` take codes and prefixes, like ruff.

    ``per_file_ignores`` pairs a glob (``estimator_fix.globs``, anchored at ``root``) with the
    selectors ignored in matching files. ``codemods`` overrides the registry (tests, embedders).
    """

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    unsafe_fixes: bool = False
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    root: str | None = None
    codemods: tuple[type[ModelFnCodemod], ...] | None = None
    #: False for ``check``: report findings from the original only, build no rewrite.
    fix: bool = True
    #: Functions by these names (with a ``mode`` parameter) are model_fns (``model-fn-names``).
    model_fn_names: frozenset[str] = frozenset()

    @property
    def markers(self) -> tuple[bytes, ...]:
        """The bytes a file (or a definition) needs to hold a model_fn under these settings."""
        names = tuple(sorted(name.encode() for name in self.model_fn_names))
        return PREFILTER_MARKERS + names

    def ignored_for(self, path: str) -> frozenset[str]:
        """``ignore`` plus the per-file ignores whose glob matches ``path``."""
        extra = [codes for glob, codes in self.per_file_ignores if matches(path, glob, self.root)]
        return self.ignore.union(*extra) if extra else self.ignore


@dataclass(frozen=True)
class Changed:
    """The fix changes the file: ``fixed`` is the whole new content (bytes, same encoding)."""

    path: str
    original: bytes
    fixed: bytes
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()
    #: How many model_fns the codemods found in the original.
    model_fns: int = 0
    #: For a notebook, the 1-based cell of each finding (whose line is then a line of that cell).
    cells: tuple[Optional[int], ...] = ()


@dataclass(frozen=True)
class Unchanged:
    """Nothing to rewrite; ``findings`` (if any) have no fix, or only an unselected unsafe one."""

    path: str
    findings: tuple[Finding, ...]
    warnings: tuple[str, ...] = ()
    #: How many model_fns the codemods found (0 for a file the prefilter ruled out).
    model_fns: int = 0
    #: For a notebook, the 1-based cell of each finding (whose line is then a line of that cell).
    cells: tuple[Optional[int], ...] = ()


@dataclass(frozen=True)
class Skipped:
    """The input cannot be processed (Python 2, syntax error, undecodable, unreadable)."""

    path: str
    reason: str


@dataclass(frozen=True)
class Failed:
    """estimator-fix could not produce a safe result (a bug): nothing may be written."""

    path: str
    reason: str


FileResult = Union[Changed, Unchanged, Skipped, Failed]


def code_selected(code: str, select: Collection[str] | None, ignore: Collection[str]) -> bool:
    """Whether ``code`` is on: the longest matching selector wins, ``ignore`` on a tie.

    ``select=None`` selects every code. ``select={"EF1"}, ignore={"EF102"}`` turns on EF101 and
    not EF102; ``select={"EF102"}, ignore={"EF1"}`` turns on EF102 only.
    """

    def longest(selectors: Iterable[str]) -> int:
        return max((len(s) for s in selectors if code.startswith(s)), default=-1)

    selected = 0 if select is None else longest(select)
    return selected >= 0 and longest(ignore) < selected


def might_contain_estimator_code(
    data: bytes, markers: tuple[bytes, ...] = PREFILTER_MARKERS
) -> bool:
    """The byte-level prefilter: False means the file cannot hold a model_fn."""
    return any(marker in data for marker in markers)
