"""Measure estimator-fix on real Estimator code: per-rule precision and recall, fix hygiene.

The manifest (``manifest.toml`` next to this file) names real files by repository, commit and
path, with the findings a person wrote down by reading each file against the rules. This script
runs the engine on each file (``check`` = the findings of the original, ``fix`` = the rewrite) and
prints, per rule, true positives, false alarms and misses; whether every rewrite parses and is
idempotent; which files were skipped and why; and the commits measured. Third-party code is never
part of this repository: bring the checkouts yourself, laid out as ``CHECKOUT_ROOT/OWNER+NAME/``.

    .venv/bin/python benchmarks/real_world/run.py CHECKOUT_ROOT [--jobs N] [--json] [--manifest F]
                                                 [--batch NAME]

A checkout that is a git work tree is read at the manifest's commit (``git show COMMIT:PATH``
when HEAD is elsewhere, or the file is not checked out); any other directory is read as it is,
and a ``sha256`` in the manifest must then match. Exit status: 0 when every file was measured
and every rewrite is sound; 1 when a file could not be read, a rewrite does not parse or is not
idempotent, the engine failed, or a file was (not) skipped against expectation; 2 for a bad
manifest or checkout root.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

import libcst as cst

from estimator_fix.engine import (
    Changed,
    Failed,
    FileResult,
    Settings,
    Skipped,
    Unchanged,
    analyse,
)
from estimator_fix.notebooks import NotebookError, extract
from estimator_fix.sources import is_notebook

MANIFEST = Path(__file__).resolve().parent / "manifest.toml"
_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*\Z")
_COMMIT = re.compile(r"[0-9a-f]{40}\Z")
_FINDING = re.compile(r"EF[0-9]{3}:[1-9][0-9]*\Z")
_KEYS = frozenset(
    {
        "repo", "commit", "path", "expected", "expected_skip",
        "sha256", "note", "held_out", "batch",
    }
)


class ManifestError(Exception):
    """The manifest cannot be used; the message names the entry and the problem."""


@dataclass(frozen=True)
class Entry:
    repo: str
    commit: str
    path: str
    expected: tuple[str, ...] = ()
    expected_skip: str | None = None  # why the tool cannot read the file (Python 2 ...)
    sha256: str | None = None
    note: str = ""
    held_out: bool = False  # expectations written before the tool was run on the file
    batch: str = ""  # the batch of entries added together (held-out batches are named by date)

    @property
    def label(self) -> str:
        return f"{self.repo}/{self.path}"


@dataclass
class FileOutcome:
    entry: Entry
    status: str  # measured | skipped | failed | unavailable
    reason: str = ""
    found: tuple[str, ...] = ()
    changed: bool = False
    parses: bool | None = None
    idempotent: bool | None = None
    fix_problem: str = ""

    @property
    def problem(self) -> str:
        """Why this file makes the run fail, or "" when it is fine."""
        if self.status == "unavailable":
            return f"not measured: {self.reason}"
        if self.status == "failed":
            return f"engine failed: {self.reason}"
        if self.fix_problem:
            return self.fix_problem
        if self.status == "skipped" and self.entry.expected_skip is None:
            return f"skipped, but the manifest expects it to be read: {self.reason}"
        if self.status == "measured" and self.entry.expected_skip is not None:
            return f"read, but the manifest expects a skip ({self.entry.expected_skip})"
        if self.status == "measured" and not self.entry.expected and self.changed:
            return "rewritten, although the manifest expects no finding (a clean file)"
        return ""


@dataclass
class RuleScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Report:
    outcomes: list[FileOutcome]
    scores: dict[str, RuleScore] = field(default_factory=dict)
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (file, code:line, why)
    false_alarms: list[tuple[str, str]] = field(default_factory=list)  # (file, code:line)

    @property
    def total(self) -> RuleScore:
        return RuleScore(
            tp=sum(s.tp for s in self.scores.values()),
            fp=sum(s.fp for s in self.scores.values()),
            fn=sum(s.fn for s in self.scores.values()),
        )

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [(o.entry.label, o.problem) for o in self.outcomes if o.problem]

    @property
    def return_code(self) -> int:
        return 1 if self.problems else 0

    def held_out(self) -> Report | None:
        """The scores of the held-out entries alone, or None when the manifest has none."""
        outcomes = [o for o in self.outcomes if o.entry.held_out]
        return score(outcomes) if outcomes else None


# ----------------------------------------------------------------------------- manifest
def load_manifest(path: Path) -> list[Entry]:
    """The entries of a manifest file; ``ManifestError`` names the first bad one."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the manifest: {exc}") from exc
    raw = data.get("file", [])
    if not isinstance(raw, list) or not raw:
        raise ManifestError(f"{path}: no [[file]] entries")
    entries = [_entry(path, index, item) for index, item in enumerate(raw, 1)]
    seen: set[tuple[str, str, str]] = set()
    for entry in entries:
        key = (entry.repo, entry.commit, entry.path)
        if key in seen:
            raise ManifestError(f"{path}: {entry.label} at {entry.commit[:12]} is listed twice")
        seen.add(key)
    return entries


T = TypeVar("T")
_KIND_NAMES = {str: "string"}


def _location(where: str, item: dict[str, object]) -> tuple[str, str, str]:
    """An entry's repository, commit and path, checked."""
    repo, commit, file_path = item.get("repo"), item.get("commit"), item.get("path")
    if not isinstance(repo, str) or not _REPO.match(repo):
        raise ManifestError(f"{where}: repo must be 'owner/name', got {repo!r}")
    if not isinstance(commit, str) or not _COMMIT.match(commit):
        raise ManifestError(f"{where} ({repo}): commit must be 40 lowercase hex digits")
    if not isinstance(file_path, str) or not file_path or file_path.startswith("/"):
        raise ManifestError(f"{where} ({repo}): path must be relative to the repository")
    if ".." in Path(file_path).parts:
        raise ManifestError(f"{where} ({repo}): path must stay inside the repository")
    return repo, commit, file_path


def _typed(where: str, item: dict[str, object], key: str, kind: type[T], default: T) -> T:
    """``item[key]`` if it is a ``kind`` (the default when absent)."""
    value = item.get(key, default)
    if not isinstance(value, kind):
        wanted = "true or false" if kind is bool else f"a {_KIND_NAMES.get(kind, kind.__name__)}"
        raise ManifestError(f"{where}: {key} must be {wanted}")
    return value


def _entry(path: Path, index: int, item: object) -> Entry:
    where = f"{path}: [[file]] #{index}"
    if not isinstance(item, dict):
        raise ManifestError(f"{where}: not a table")
    unknown = set(item) - _KEYS
    if unknown:
        raise ManifestError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    repo, commit, file_path = _location(where, item)
    where = f"{where} ({repo}/{file_path})"
    expected = item.get("expected", [])
    if not isinstance(expected, list) or not all(
        isinstance(f, str) and _FINDING.match(f) for f in expected
    ):
        raise ManifestError(f"{where}: expected must list 'EF123:LINE'")
    skip = item.get("expected_skip")
    if skip is not None and (not isinstance(skip, str) or not skip or expected):
        raise ManifestError(f"{where}: expected_skip is a reason, without expected findings")
    sha = item.get("sha256")
    if sha is not None and (not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha)):
        raise ManifestError(f"{where}: sha256 must be 64 lowercase hex")
    note = _typed(where, item, "note", str, "")
    held_out = _typed(where, item, "held_out", bool, False)
    batch = _typed(where, item, "batch", str, "")
    return Entry(repo, commit, file_path, tuple(expected), skip, sha, note, held_out, batch)


# ----------------------------------------------------------------------------- checkouts
def checkout_dir(root: Path, repo: str) -> Path:
    return root / repo.replace("/", "+")


def _git(directory: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def read_entry(root: Path, entry: Entry, heads: dict[Path, str | None]) -> tuple[bytes | None, str]:
    """The file's bytes at the manifest's commit, or None and why not."""
    directory = checkout_dir(root, entry.repo)
    if not directory.is_dir():
        return None, f"no checkout at {directory}"
    if directory not in heads:
        head = _git(directory, "rev-parse", "HEAD") if (directory / ".git").exists() else None
        heads[directory] = head.decode().strip() if head is not None else None
    head = heads[directory]
    data: bytes | None
    if head is not None and head != entry.commit:
        data = _git(directory, "show", f"{entry.commit}:{entry.path}")
        if data is None:
            return None, (
                f"{entry.path} at {entry.commit[:12]} is not in the checkout (HEAD {head[:12]})"
            )
    else:
        try:
            data = (directory / entry.path).read_bytes()
        except OSError as exc:
            # a clone made with --no-checkout holds the file in git only
            data = _git(directory, "show", f"{entry.commit}:{entry.path}") if head else None
            if data is None:
                return None, f"cannot read {directory / entry.path}: {exc.strerror or exc}"
    if entry.sha256 is not None and hashlib.sha256(data).hexdigest() != entry.sha256:
        return None, f"{entry.path} differs from the manifest's sha256 (another commit or edited)"
    return data, ""


# ----------------------------------------------------------------------------- measuring
def _findings(result: Changed | Unchanged) -> tuple[str, ...]:
    return tuple(sorted(f"{f.code}:{f.line}" for f in result.findings))


def check_fix(
    path: str, fixed: bytes, settings: Settings, original: bytes | None = None
) -> tuple[bool, bool, str]:
    """(parses, idempotent, problem) of one rewrite, judged independently of the engine (a
    notebook's code cells are parsed as the one module they make, and none of them may stop
    parsing: ``extract`` leaves such a cell out, with a note, unless the original had it)."""
    try:
        if is_notebook(path):
            broken = set(extract(fixed).notes) - set(extract(original).notes if original else ())
            if broken:
                return False, False, f"fix output does not parse: {sorted(broken)[0]}"
        cst.parse_module(extract(fixed).code if is_notebook(path) else fixed)
    except NotebookError as exc:
        return False, False, f"fix output is not a notebook: {exc}"
    except cst.ParserSyntaxError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        return False, False, f"fix output does not parse: {first}"
    again = analyse(path, fixed, settings)
    if isinstance(again, Unchanged):
        return True, True, ""
    if isinstance(again, Changed):
        return True, False, "fix is not idempotent: a second run changes the output again"
    return True, False, f"fix output is not accepted by a second run: {again.reason}"


def measure_entry(entry: Entry, data: bytes, settings: Settings) -> FileOutcome:
    """One file's findings (``CODE:LINE``; in a notebook LINE is the line of the finding's
    cell, as ``check`` prints it) and, where it is rewritten, whether the rewrite holds."""
    result: FileResult = analyse(entry.path, data, settings)
    if isinstance(result, Skipped):
        return FileOutcome(entry, "skipped", reason=result.reason)
    if isinstance(result, Failed):
        return FileOutcome(entry, "failed", reason=result.reason)
    outcome = FileOutcome(entry, "measured", found=_findings(result))
    if isinstance(result, Changed):
        outcome.changed = True
        outcome.parses, outcome.idempotent, outcome.fix_problem = check_fix(
            entry.path, result.fixed, settings, data
        )
    return outcome


def score(outcomes: Iterable[FileOutcome]) -> Report:
    """Compare findings with expectations, as multisets of ``CODE:LINE`` per file."""
    outcomes = list(outcomes)
    report = Report(outcomes)
    for outcome in outcomes:
        if outcome.status == "unavailable":
            continue
        label = outcome.entry.label
        expected, found = Counter(outcome.entry.expected), Counter(outcome.found)
        why = "" if outcome.status == "measured" else f"file {outcome.status}: {outcome.reason}"
        for item in sorted((expected & found).elements()):
            report.scores.setdefault(item.split(":")[0], RuleScore()).tp += 1
        for item in sorted((expected - found).elements(), key=_line_order):
            report.scores.setdefault(item.split(":")[0], RuleScore()).fn += 1
            report.misses.append((label, item, why))
        for item in sorted((found - expected).elements(), key=_line_order):
            report.scores.setdefault(item.split(":")[0], RuleScore()).fp += 1
            report.false_alarms.append((label, item))
    return report


def _line_order(item: str) -> tuple[int, str]:
    code, line = item.split(":")
    return int(line), code


def run(root: Path, entries: Sequence[Entry], settings: Settings, jobs: int = 1) -> Report:
    """Read every entry, measure the readable ones (``jobs`` processes), and score them."""
    heads: dict[Path, str | None] = {}
    outcomes: list[FileOutcome | None] = []
    work: list[tuple[int, Entry, bytes]] = []
    for entry in entries:
        data, why = read_entry(root, entry, heads)
        if data is None:
            outcomes.append(FileOutcome(entry, "unavailable", reason=why))
        else:
            outcomes.append(None)
            work.append((len(outcomes) - 1, entry, data))
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(measure_entry, e, d, settings) for _, e, d in work]
            measured = [f.result() for f in futures]
    else:
        measured = [measure_entry(e, d, settings) for _, e, d in work]
    for (index, _, _), outcome in zip(work, measured):
        outcomes[index] = outcome
    return score(o for o in outcomes if o is not None)


# ----------------------------------------------------------------------------- rendering
def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def score_table(report: Report) -> list[str]:
    """The per-rule table as Markdown lines (README-ready)."""
    lines = [
        "| rule | TP | FP | FN | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows = sorted(report.scores.items()) + [("all", report.total)]
    for code, s in rows:
        lines.append(
            f"| {code} | {s.tp} | {s.fp} | {s.fn} | {_ratio(s.precision)} | {_ratio(s.recall)} |"
        )
    return lines


def _where(label: str, item: str) -> str:
    code, line = item.split(":")
    return f"{label}:{line}: {code}"


def _counts(outcomes: Sequence[FileOutcome]) -> str:
    measured = sum(o.status == "measured" for o in outcomes)
    repos = {o.entry.repo for o in outcomes if o.status != "unavailable"}
    return (
        f"{len(outcomes)} files in the manifest, {measured} measured, "
        f"from {len(repos)} repositories"
    )


def render(report: Report) -> str:
    out: list[str] = []
    measured = [o for o in report.outcomes if o.status == "measured"]
    out.append(f"estimator-fix on real code: {_counts(report.outcomes)}")
    out.append("")
    out.extend(score_table(report))
    out.append("")
    held = report.held_out()
    if held is not None:
        out.append(
            f"held out (expectations written before the tool was run on them): "
            f"{_counts(held.outcomes)}"
        )
        out.append("")
        out.extend(score_table(held))
        out.append("")
    out.append(f"Misses ({len(report.misses)}):")
    out.extend(f"  {_where(f, item)}" + (f"  ({w})" if w else "") for f, item, w in report.misses)
    out.append(f"False alarms ({len(report.false_alarms)}):")
    out.extend(f"  {_where(f, item)}" for f, item in report.false_alarms)
    out.append("")
    changed = [o for o in measured if o.changed]
    clean = [o for o in measured if not o.entry.expected]
    out.append(
        f"fix: {len(changed)} files rewritten; "
        f"{sum(bool(o.parses) for o in changed)} parse, "
        f"{sum(bool(o.idempotent) for o in changed)} idempotent; "
        f"{sum(not o.changed for o in clean)} of {len(clean)} clean files left byte for byte"
    )
    failed = [o for o in report.outcomes if o.status == "failed"]
    out.append(f"engine failures ({len(failed)}):")
    out.extend(f"  {o.entry.label}: {o.reason}" for o in failed)
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    out.append(f"skipped ({len(skipped)}):")
    for o in skipped:
        expectation = (
            f"expected: {o.entry.expected_skip}" if o.entry.expected_skip else "NOT expected"
        )
        out.append(f"  {o.entry.label}: {o.reason} [{expectation}]")
    unavailable = [o for o in report.outcomes if o.status == "unavailable"]
    out.append(f"not measured ({len(unavailable)}):")
    out.extend(f"  {o.entry.label}: {o.reason}" for o in unavailable)
    problems = report.problems
    out.append(f"problems ({len(problems)}):")
    out.extend(f"  {label}: {problem}" for label, problem in problems)
    out.append("")
    out.append("commits measured:")
    commits: dict[tuple[str, str], int] = Counter(
        (o.entry.repo, o.entry.commit) for o in report.outcomes if o.status != "unavailable"
    )
    out.extend(f"  {repo} {commit} ({n} files)" for (repo, commit), n in sorted(commits.items()))
    return "\n".join(out) + "\n"


def as_json(report: Report) -> str:
    def ratio(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    def scores(scored: Report) -> dict[str, dict[str, int | float | None]]:
        return {
            code: {
                "tp": s.tp,
                "fp": s.fp,
                "fn": s.fn,
                "precision": ratio(s.precision),
                "recall": ratio(s.recall),
            }
            for code, s in [*sorted(scored.scores.items()), ("all", scored.total)]
        }

    held = report.held_out()
    return json.dumps(
        {
            "scores": scores(report),
            "held_out_scores": None if held is None else scores(held),
            "misses": [{"file": f, "finding": i, "why": w} for f, i, w in report.misses],
            "false_alarms": [{"file": f, "finding": i} for f, i in report.false_alarms],
            "files": [
                {
                    "repo": o.entry.repo,
                    "commit": o.entry.commit,
                    "path": o.entry.path,
                    "status": o.status,
                    "reason": o.reason,
                    "found": list(o.found),
                    "expected": list(o.entry.expected),
                    "held_out": o.entry.held_out,
                    "batch": o.entry.batch,
                    "changed": o.changed,
                    "parses": o.parses,
                    "idempotent": o.idempotent,
                    "problem": o.problem,
                }
                for o in report.outcomes
            ],
        },
        indent=2,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("root", type=Path, help="CHECKOUT_ROOT holding OWNER+NAME/ checkouts")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--unsafe-fixes", action="store_true", help="fix with --unsafe-fixes")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--jobs", type=int, default=1, help="measure files in N processes")
    parser.add_argument("--batch", help="measure only the entries of this batch")
    args = parser.parse_args(argv)
    if not args.root.is_dir():
        print(f"error: {args.root}: not a directory", file=sys.stderr)
        return 2
    try:
        entries = load_manifest(args.manifest)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.batch is not None:
        entries = [e for e in entries if e.batch == args.batch]
        if not entries:
            print(f"error: {args.manifest}: no entries of batch {args.batch!r}", file=sys.stderr)
            return 2
    report = run(args.root, entries, Settings(unsafe_fixes=args.unsafe_fixes), jobs=args.jobs)
    sys.stdout.write(as_json(report) + "\n" if args.json else render(report))
    return report.return_code


if __name__ == "__main__":
    sys.exit(main())
