"""Mutation check on real code: is a deliberately wrong rewrite caught as a ``mismatch``?

For every ``.py`` file and notebook of the manifest's repositories (checked out under
``CHECKOUT_ROOT/OWNER+NAME/``) that ``fix`` rewrites, the checkout is copied (without ``.git`` and
large files) to a scratch directory, where the rewrite is validated against the original as ``fix
--validate`` would (``validate_pair``). Where that validation proves the rewrite (``equivalent``,
``fixed`` or ``graph-equivalent``), each wrong variant of the rewrite (``mutations.py``: a dropped
statement that feeds the loss, a changed constant, a statement moved out of TRAIN) is validated the
same way and must be a ``mismatch``. A variant not caught is validated once more, against the
rewrite at graph level: where it builds the very graphs the rewrite builds (it changes a statement
of a branch the job's settings skip), it changes nothing that runs and is counted apart as
``inert``, not as a miss. The script prints, per file, the rewrite's verdict and each
variant's, the catch rate per mutation kind and per file, and why the other files could not be
validated.

    .venv/bin/python benchmarks/real_world/mutation_check.py CHECKOUT_ROOT
        [--repo OWNER/NAME ...] [--path GLOB ...] [--limit N] [--graph-only] [--json FILE]
        [--scratch DIR] [--python-tf1 EXE] [--timeout SECONDS]

``--graph-only`` validates at graph level only (SPEC §6's fallback, no training), to measure what
the graph-level comparison catches. Exit status 0, or 2 when no repository is checked out there.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

sys.path.insert(0, os.fspath(Path(__file__).resolve().parent))

from mutations import KINDS, mutants  # noqa: E402
from validate_checkouts import MANIFEST, checkouts, manifest_repos  # noqa: E402

from estimator_fix.engine import (  # noqa: E402
    Changed,
    Settings,
    analyse,
    might_contain_estimator_code,
)
from estimator_fix.validation import ValidationOptions, validate_pair  # noqa: E402
from estimator_fix.validation.api import module_code  # noqa: E402
from estimator_fix.validation.inputs import DiscoveryError  # noqa: E402
from estimator_fix.validation.targets import changed_paths, model_fn_paths  # noqa: E402

PROVEN = ("equivalent", "fixed", "graph-equivalent")
#: Files larger than this are data, not code: not copied to the scratch checkout.
_LARGEST = 2_000_000
_SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__"})


@dataclass
class Variant:
    kind: str
    what: str
    verdict: str
    message: str
    seconds: float
    #: Not caught, and builds the rewrite's very graphs: it changes nothing that runs.
    inert: bool = False

    @property
    def caught(self) -> bool:
        return self.verdict == "mismatch"


def counted(variants: list[Variant]) -> list[Variant]:
    """The variants that change what runs (the catch rate's denominator)."""
    return [v for v in variants if not v.inert]


@dataclass
class FileOutcome:
    repo: str
    path: str
    verdict: str
    message: str
    tensorflow: str
    seconds: float
    variants: list[Variant] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)

    @property
    def validated(self) -> bool:
        return self.verdict in PROVEN


def rewritten_files(
    checkout: Path, only: list[str] | None = None
) -> Iterator[tuple[str, bytes, bytes]]:
    """(path, original, rewrite) for every .py file and notebook ``fix`` rewrites (matching one
    of the ``only`` globs, if given), in path order. A notebook is validated as the module of its
    code cells (as validation reads it): its path is that of a ``NAME_ipynb.py`` beside it, which
    ``check_file`` writes in the copy."""
    settings = Settings()
    for path in sorted(checkout.rglob("*")):
        relative = path.relative_to(checkout).as_posix()
        if path.suffix not in (".py", ".ipynb") or _SKIPPED_DIRS & set(path.parts):
            continue
        if only and not any(fnmatch.fnmatch(relative, glob) for glob in only):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if not might_contain_estimator_code(data):
            continue
        result = analyse(path, data, settings)
        if not isinstance(result, Changed):
            continue
        if path.suffix == ".ipynb":
            try:
                code = module_code(path, data), module_code(path, result.fixed)
            except DiscoveryError:
                continue
            yield relative[: -len(".ipynb")] + "_ipynb.py", *code
        else:
            yield relative, data, result.fixed


def _ignore(directory: str, names: list[str]) -> set[str]:
    ignored = set()
    for name in names:
        path = os.path.join(directory, name)
        if name in _SKIPPED_DIRS or (os.path.isfile(path) and os.path.getsize(path) > _LARGEST):
            ignored.add(name)
    return ignored


def copy_checkout(checkout: Path, scratch: Path) -> Path:
    """A writable copy of ``checkout`` (a git work tree, as validation expects a repository)."""
    target = scratch / checkout.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(checkout, target, ignore=_ignore, symlinks=True)
    subprocess.run(["git", "init", "-q", os.fspath(target)], check=True)
    return target


def _changed_model_fn(
    original: bytes, fixed: bytes
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    before, after = ast.parse(original), ast.parse(fixed)
    changed = changed_paths(before, after)
    for path, node in model_fn_paths(after).items():
        if path in changed:
            return node
    return None


def check_file(
    repo: str, relative: str, copy: Path, original: bytes, fixed: bytes, options: ValidationOptions
) -> FileOutcome:
    path = copy / relative
    if not path.exists():  # a notebook's code cells (see rewritten_files)
        path.write_bytes(original)
    started = time.monotonic()
    report = validate_pair(path, fixed, options)
    outcome = FileOutcome(
        repo,
        relative,
        report.verdict,
        report.message,
        report.tensorflow,
        round(time.monotonic() - started, 1),
    )
    if not outcome.validated:
        return outcome
    function = _changed_model_fn(original, fixed)
    made = mutants(fixed.decode("utf-8"), function) if function is not None else {}
    for kind in KINDS:
        mutant = made.get(kind)
        if mutant is None:
            outcome.not_applicable.append(kind)
            continue
        started = time.monotonic()
        wrong = mutant.source.encode("utf-8")
        report = validate_pair(path, wrong, options)
        seconds = round(time.monotonic() - started, 1)
        variant = Variant(kind, mutant.what, report.verdict, report.message, seconds)
        if report.verdict in PROVEN:
            variant.inert = changes_nothing(path, fixed, wrong, options)
        outcome.variants.append(variant)
    return outcome


def changes_nothing(path: Path, fixed: bytes, variant: bytes, options: ValidationOptions) -> bool:
    """Whether ``variant`` builds the graphs the rewrite ``fixed`` builds, in every mode: the
    rewrite validated against it at graph level (``path`` holds the original meanwhile, and
    again after)."""
    original = path.read_bytes()
    path.write_bytes(fixed)
    try:
        report = validate_pair(path, variant, replace(options, graph_only=True))
    finally:
        path.write_bytes(original)
    return report.verdict == "graph-equivalent"


def _cell(variant: Variant | None) -> str:
    if variant is None:
        return "n/a"
    if variant.caught:
        return "caught"
    return "inert" if variant.inert else f"**missed** ({variant.verdict})"


def _rate(caught: int, total: int) -> str:
    return f"{caught}/{total} ({100 * caught / total:.0f}%)" if total else "-"


def print_report(outcomes: list[FileOutcome], command: str) -> None:
    validated = [o for o in outcomes if o.validated]
    print(f"$ {command}\n")
    counts = sorted(Counter(o.verdict for o in validated).items())
    print(
        f"{len(outcomes)} rewritten files; {len(validated)} validated "
        f"({', '.join(f'{n} {v}' for v, n in counts)})"
    )
    print("\n| file | rewrite | TensorFlow | " + " | ".join(KINDS) + " | caught |")
    print("|---|---|---|" + "---|" * len(KINDS) + "---:|")
    for outcome in validated:
        cells = []
        for kind in KINDS:
            variant = next((v for v in outcome.variants if v.kind == kind), None)
            cells.append(_cell(variant))
        caught = sum(v.caught for v in outcome.variants)
        print(
            f"| {outcome.repo} `{outcome.path}` | {outcome.verdict} | {outcome.tensorflow} | "
            + " | ".join(cells)
            + f" | {_rate(caught, len(counted(outcome.variants)))} |"
        )
    print("\nCatch rate per mutation kind (of the variants that change what runs):\n")
    for kind in KINDS:
        variants = counted([v for o in validated for v in o.variants if v.kind == kind])
        print(f"- {kind}: {_rate(sum(v.caught for v in variants), len(variants))}")
    every = [v for o in validated for v in o.variants]
    print(f"- all: {_rate(sum(v.caught for v in every), len(counted(every)))}")
    inert_count = len(every) - len(counted(every))
    print(f"- inert (the rewrite's very graphs: a branch the settings skip): {inert_count}")
    print("\nVariants (what changed → verdict):\n")
    for outcome in validated:
        for v in outcome.variants:
            note = " (inert: the rewrite's very graphs)" if v.inert else ""
            print(
                f"- `{outcome.path}` {v.kind}, {v.what} → **{v.verdict}**{note}: "
                f"{v.message[:200]}"
            )
    print("\nNot validated, and why:\n")
    for outcome in outcomes:
        if not outcome.validated:
            reason = outcome.message[:240]
            print(f"- {outcome.repo} `{outcome.path}`: **{outcome.verdict}** — {reason}")
    times = sorted(o.seconds for o in outcomes)
    if times:
        print(
            f"\nvalidation of the rewrite per file: median {times[len(times) // 2]:.1f}s, "
            f"max {times[-1]:.1f}s, total {sum(times):.0f}s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="CHECKOUT_ROOT with OWNER+NAME/ checkouts")
    parser.add_argument("--repo", action="append", default=[], help="only this OWNER/NAME")
    parser.add_argument("--limit", type=int, default=0, help="at most N rewritten files")
    parser.add_argument(
        "--path", action="append", default=[], help="only files matching this glob (repeatable)"
    )
    parser.add_argument("--graph-only", action="store_true", help="compare graphs only")
    parser.add_argument("--json", type=Path, help="also write the outcomes as JSON")
    parser.add_argument("--scratch", type=Path, help="where the copies go (default: a temp dir)")
    parser.add_argument("--python-tf1", help="the TensorFlow 1.x interpreter")
    parser.add_argument(
        "--python", help="the interpreter for TensorFlow 2 code (with the repository's packages)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="per version run")
    args = parser.parse_args(argv)
    present = checkouts(args.root, args.repo or manifest_repos(MANIFEST))
    if not present:
        print(f"{args.root}: none of the manifest's repositories is checked out there")
        return 2
    options = ValidationOptions(
        python=args.python,
        python_tf1=args.python_tf1,
        timeout=args.timeout,
        graph_only=args.graph_only,
    )
    outcomes: list[FileOutcome] = []
    home = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="estimator-fix-mutations-") as temp:
        scratch = args.scratch or Path(temp)
        scratch.mkdir(parents=True, exist_ok=True)
        for repo, checkout in present:
            files = list(rewritten_files(checkout, args.path))
            if not files:
                continue
            copy = copy_checkout(checkout, scratch)
            os.chdir(copy)  # user code runs in the copy, never in the checkout
            try:
                for relative, original, fixed in files:
                    if args.limit and len(outcomes) >= args.limit:
                        break
                    outcome = check_file(repo, relative, copy, original, fixed, options)
                    caught = sum(v.caught for v in outcome.variants)
                    print(
                        f"{repo} {relative}: {outcome.verdict} ({outcome.seconds:.0f}s)"
                        + (
                            f", {caught}/{len(counted(outcome.variants))} caught"
                            if outcome.validated
                            else ""
                        ),
                        file=sys.stderr,
                    )
                    outcomes.append(outcome)
            finally:
                os.chdir(home)
                shutil.rmtree(copy, ignore_errors=True)
    command = " ".join(
        ["python", "benchmarks/real_world/mutation_check.py", *(argv or sys.argv[1:])]
    )
    print_report(outcomes, command)
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
