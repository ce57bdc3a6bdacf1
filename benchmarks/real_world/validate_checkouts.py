"""Measure `migrate --validate` on whole checkouts of the real repositories of the manifest.

For each repository of ``manifest.toml`` with a checkout under ``CHECKOUT_ROOT/OWNER+NAME/``, the
checkout is copied (without ``.git``) to a scratch directory and ``estimator-fix migrate COPY
--validate --no-cache --report`` runs there (a dry run: nothing is written, and the user code the
validation imports runs in the copy, never in the checkout). The script prints a table of the
validation verdicts of the files migrate rewrites, by repository, the share proven (``equivalent``
or ``fixed``, with or without synthetic inputs), the TensorFlow that ran each verdict, the
validation times, and the reason for every file that was not proven.

    .venv/bin/python benchmarks/real_world/validate_checkouts.py CHECKOUT_ROOT
        [--repo OWNER/NAME ...] [--jobs N] [--json FILE] [--scratch DIR] [-- MIGRATE_ARGS...]

Arguments after ``--`` go to ``migrate`` (e.g. ``--python-tf1 EXE``). Exit status 0, or 2 when
the checkout root holds none of the manifest's repositories.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MANIFEST = Path(__file__).resolve().parent / "manifest.toml"
PROVEN = ("equivalent", "fixed")
#: A verdict on the rewrite (issue 10's measure): proven, proven on the graphs, or caught wrong.
DECIDED = ("equivalent", "fixed", "graph-equivalent", "mismatch")
COLUMNS = ("equivalent", "fixed", "graph-equivalent", "mismatch", "error", "not validated")


@dataclass
class FileVerdict:
    path: str
    verdict: str
    message: str
    synthetic: bool
    tensorflow: str
    seconds: float | None


@dataclass
class RepoOutcome:
    repo: str
    seconds: float
    exit_code: int
    files: list[FileVerdict] = field(default_factory=list)
    failure: str = ""

    @property
    def proven(self) -> int:
        return sum(f.verdict in PROVEN for f in self.files)

    @property
    def decided(self) -> int:
        return sum(f.verdict in DECIDED for f in self.files)


def manifest_repos(manifest: Path) -> list[str]:
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    return sorted({str(entry["repo"]) for entry in data.get("file", [])})


def checkouts(root: Path, repos: list[str]) -> list[tuple[str, Path]]:
    """The repositories among ``repos`` checked out under ``root`` (as OWNER+NAME), with where."""
    present = [(repo, root / repo.replace("/", "+")) for repo in repos]
    return [(repo, checkout) for repo, checkout in present if checkout.is_dir()]


def _copy(checkout: Path, scratch: Path) -> Path:
    target = scratch / checkout.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(checkout, target, ignore=shutil.ignore_patterns(".git"), symlinks=True)
    # A work tree, as the checkout is (validation imports from the repository's root).
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    return target


def _estimator_fix() -> list[str]:
    script = Path(sys.executable).with_name("estimator-fix")
    entry = "import sys; from estimator_fix.cli import main; sys.exit(main())"
    return [str(script)] if script.exists() else [sys.executable, "-c", entry]


def run_repo(
    repo: str, checkout: Path, scratch: Path, jobs: int, extra: list[str]
) -> RepoOutcome:
    copy = _copy(checkout, scratch)
    report = scratch / f"{checkout.name}.json"
    command = [
        *_estimator_fix(),
        "migrate",
        str(copy),
        "--validate",
        "--no-cache",
        "--quiet",
        "--jobs",
        str(jobs),
        "--report",
        str(report),
        *extra,
    ]
    started = time.monotonic()
    completed = subprocess.run(
        command, cwd=copy, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    outcome = RepoOutcome(repo, time.monotonic() - started, completed.returncode)
    if not report.is_file():
        lines = completed.stderr.strip().splitlines()
        outcome.failure = lines[-1] if lines else f"exit status {completed.returncode}"
        return outcome
    data = json.loads(report.read_text(encoding="utf-8"))
    for record in data["files"]:
        validation = record.get("validation")
        if record["status"] != "changed" or validation is None:
            continue
        outcome.files.append(
            FileVerdict(
                path=record["path"],
                verdict=validation["verdict"],
                message=validation.get("message", ""),
                synthetic=bool(validation.get("synthetic_inputs")),
                tensorflow=str(validation.get("tensorflow") or ""),
                seconds=validation.get("seconds"),
            )
        )
    shutil.rmtree(copy, ignore_errors=True)
    return outcome


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def print_table(outcomes: list[RepoOutcome]) -> None:
    header = " | ".join(COLUMNS)
    print(f"| repository | rewritten | {header} | proven | a verdict | TensorFlow | s |")
    print("|---|---:|" + "---:|" * len(COLUMNS) + "---:|---:|---|---:|")
    totals: Counter[str] = Counter()
    for outcome in outcomes:
        counts = Counter(f.verdict for f in outcome.files)
        totals.update(counts)
        versions = Counter(f.tensorflow for f in outcome.files if f.tensorflow)
        ran = ", ".join(f"{v} ({n})" for v, n in sorted(versions.items())) or "-"
        cells = " | ".join(str(counts[c]) for c in COLUMNS)
        total = len(outcome.files)
        note = f" ({outcome.failure})" if outcome.failure else ""
        print(
            f"| {outcome.repo}{note} | {total} | {cells} | "
            f"{_percent(outcome.proven, total)} | {_percent(outcome.decided, total)} | {ran} | "
            f"{outcome.seconds:.0f} |"
        )
    rewritten = sum(len(o.files) for o in outcomes)
    proven = sum(o.proven for o in outcomes)
    decided = sum(o.decided for o in outcomes)
    cells = " | ".join(str(totals[c]) for c in COLUMNS)
    seconds = sum(o.seconds for o in outcomes)
    print(
        f"| **all** | {rewritten} | {cells} | **{_percent(proven, rewritten)}** | "
        f"**{_percent(decided, rewritten)}** | | {seconds:.0f} |"
    )


def print_times(outcomes: list[RepoOutcome]) -> None:
    times = sorted(
        f.seconds for o in outcomes for f in o.files if f.seconds is not None and f.seconds > 0
    )
    if not times:
        return
    middle = times[len(times) // 2]
    print(
        f"\nvalidation time per rewritten file (both versions, wall): median {middle:.1f}s, "
        f"max {times[-1]:.1f}s, total {sum(times):.0f}s over {len(times)} files"
    )


def print_reasons(outcomes: list[RepoOutcome]) -> None:
    print("\nNot proven, and why:\n")
    for outcome in outcomes:
        for f in outcome.files:
            if f.verdict not in PROVEN:
                print(f"- {outcome.repo} `{f.path}`: **{f.verdict}** — {f.message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="CHECKOUT_ROOT with OWNER+NAME/ checkouts")
    parser.add_argument("--repo", action="append", default=[], help="only this OWNER/NAME")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the verdicts as JSON")
    parser.add_argument("--scratch", type=Path, help="where the copies go (default: a temp dir)")
    argv = sys.argv[1:] if argv is None else argv
    # Everything after ``--`` goes to migrate (argparse would read its options as ours).
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    args.extra = extra
    present = checkouts(args.root, args.repo or manifest_repos(MANIFEST))
    if not present:
        print(f"{args.root}: none of the manifest's repositories is checked out there")
        return 2
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="estimator-fix-checkouts-") as temp:
        scratch = args.scratch or Path(temp)
        scratch.mkdir(parents=True, exist_ok=True)
        for repo, checkout in present:
            outcome = run_repo(repo, checkout, scratch, args.jobs, args.extra)
            print(
                f"{repo}: {len(outcome.files)} rewritten, {outcome.proven} proven, "
                f"{outcome.seconds:.0f}s{' — ' + outcome.failure if outcome.failure else ''}",
                file=sys.stderr,
            )
            outcomes.append(outcome)
    print(f"estimator-fix migrate --validate on {len(outcomes)} checkouts\n")
    print_table([o for o in outcomes if o.files or o.failure])
    print_times(outcomes)
    print_reasons(outcomes)
    if args.json:
        args.json.write_text(
            json.dumps([o.__dict__ | {"files": [f.__dict__ for f in o.files]} for o in outcomes]),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
