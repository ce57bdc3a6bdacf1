"""What a migration found and did, as frozen data: one FileRecord per file, one MigrationResult."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

from estimator_fix.validation.verdicts import Verdict, headline, writable

Mode = Literal["dry-run", "in-place", "out", "patch"]
FileStatus = Literal["changed", "unchanged", "skipped", "failed"]
#: ``fixed`` applied; ``fixable`` a safe fix this run did not apply (validation refused the file,
#: or writing it failed); ``unsafe`` only with --unsafe-fixes; ``manual`` no fix exists.
FindingStatus = Literal["fixed", "fixable", "unsafe", "manual"]

#: Exit codes besides 0/1/2: the run was interrupted (128 + SIGINT, as shells report it).
INTERRUPTED = 130


class MigrationError(Exception):
    """The migration cannot start or finish (bad REPO, output that exists…): one-line reason."""


@dataclass(frozen=True)
class FindingRecord:
    """One finding in a file; ``cell`` is the 1-based notebook cell (``line`` is then in it)."""

    code: str
    message: str
    line: int
    column: int
    status: FindingStatus
    function: str = ""
    note: str = ""
    cell: Optional[int] = None

    @property
    def where(self) -> str:
        """``line 12`` or ``cell 3, line 2``."""
        return f"cell {self.cell}, line {self.line}" if self.cell else f"line {self.line}"


@dataclass(frozen=True)
class ValidationRecord:
    """The validation verdict of one rewritten file (``tensorflow``: the version that ran it)."""

    verdict: Verdict
    message: str = ""
    synthetic_inputs: bool = False
    tensorflow: str = ""
    seconds: float = 0.0
    #: The user opted in to writing rewrites proven on the graphs only.
    accept_graph_equivalent: bool = False

    @property
    def accepted(self) -> bool:
        return writable(self.verdict, self.accept_graph_equivalent)

    @property
    def headline(self) -> str:
        return headline(self.verdict, self.synthetic_inputs, self.tensorflow)


@dataclass(frozen=True)
class FileRecord:
    """One file the migration analysed (or could not).

    ``status`` is the engine's verdict. A ``changed`` file reached its destination (the file, the
    copy, the patch; in a dry run: would) unless ``rejected`` (validation refused it) or
    ``write_error`` is set. ``reason`` says why a ``skipped`` or ``failed`` file was left alone.
    """

    path: str
    status: FileStatus
    findings: tuple[FindingRecord, ...] = ()
    model_fns: int = 0
    cached: bool = False
    reason: str = ""
    warnings: tuple[str, ...] = ()
    validation: Optional[ValidationRecord] = None
    rejected: str = ""
    write_error: str = ""
    seconds: float = 0.0

    @property
    def kind(self) -> str:
        return "notebook" if self.path.endswith(".ipynb") else "python"

    @property
    def fixed(self) -> bool:
        return self.status == "changed" and not self.rejected and not self.write_error

    @property
    def needs_manual_work(self) -> bool:
        """Findings this run leaves in the file, or a rewrite validation refused."""
        if self.status in ("skipped", "failed"):
            return False
        return bool(self.rejected) or any(f.status != "fixed" for f in self.findings)

    @property
    def error(self) -> str:
        """Why the file could not be (fully) handled, or ''."""
        if self.status in ("skipped", "failed"):
            return self.reason
        return self.write_error


@dataclass(frozen=True)
class MigrationResult:
    """A whole run. ``files`` holds every file that passed the prefilter or could not be read,
    sorted by path; files the byte-level prefilter ruled out are only counted (``prefiltered``).
    ``analysed`` counts the files parsed by the workers in this run (the rest came from the cache
    or the prefilter). ``problems`` are run-level failures (copying the tree, writing the patch).
    ``skipped`` lists what was left out and why (vendored folders, links, FIFOs not copied);
    a directory that could not be read is in ``files``, as an error.
    """

    repo: str
    mode: Mode
    files: tuple[FileRecord, ...]
    scanned: int
    destination: Optional[str] = None
    skipped: tuple[tuple[str, str], ...] = ()
    prefiltered: int = 0
    analysed: int = 0
    ignored: int = 0
    git: bool = False
    executor: str = ""
    seconds: float = 0.0
    validate: bool = False
    interrupted: bool = False
    problems: tuple[str, ...] = ()
    version: str = ""
    #: The identities (device, inode) of the files the run read: what no output may replace.
    inputs: frozenset[tuple[int, int]] = field(default=frozenset(), compare=False, repr=False)

    @property
    def model_fns(self) -> int:
        return sum(f.model_fns for f in self.files)

    @property
    def fixed(self) -> int:
        return sum(1 for f in self.files if f.fixed)

    @property
    def manual(self) -> int:
        return sum(1 for f in self.files if f.needs_manual_work)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.files if f.error)

    @property
    def cached(self) -> int:
        return sum(1 for f in self.files if f.cached)

    @property
    def return_code(self) -> int:
        """0 ok, 1 some files need manual work or had errors, 2 the run failed, 130 interrupted."""
        if self.interrupted:
            return INTERRUPTED
        if self.problems or (self.files and self.errors == len(self.files) == self.scanned):
            return 2
        return 1 if self.manual or self.errors else 0
