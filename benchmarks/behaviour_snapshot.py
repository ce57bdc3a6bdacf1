"""Record what estimator-fix reports and rewrites on a corpus, to compare two versions of it.

A refactoring must not change behaviour where it was right. This script runs one checkout's
engine (``--code DIR``, default: this one) on every ``.py`` file of the fixtures, on the files of
the real-world manifest (read from ``--real-world ROOT`` at the manifest's commits) and on
model_fns drawn deterministically from the test suite's grammar (``tests/strategies``), in three
settings (check, fix, fix with unsafe fixes). Per file it writes the result type, each finding
(code, line, column, fix, message, note, applied), the warnings and the sha256 of the rewrite.
``--compare OLD.json NEW.json`` prints every difference.

    python benchmarks/behaviour_snapshot.py --code /tmp/old --out old.json --real-world ROOT
    python benchmarks/behaviour_snapshot.py --out new.json --real-world ROOT
    python benchmarks/behaviour_snapshot.py --compare old.json new.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
SETTINGS = {"check": {"fix": False}, "fix": {}, "unsafe": {"unsafe_fixes": True}}


def _corpus(code: Path, real_world: Path | None, generated: int) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for path in sorted((PROJECT / "fixtures").rglob("*.py")):
        files[f"fixtures/{path.relative_to(PROJECT / 'fixtures')}"] = path.read_bytes()
    if real_world is not None:
        import tomllib

        manifest = tomllib.loads((HERE / "real_world" / "manifest.toml").read_text())
        for entry in manifest["file"]:
            checkout = real_world / entry["repo"].replace("/", "+")
            shown = subprocess.run(
                ["git", "-C", str(checkout), "show", f"{entry['commit']}:{entry['path']}"],
                capture_output=True,
                check=False,
            )
            if shown.returncode == 0:
                files[f"real/{entry['repo']}/{entry['path']}"] = shown.stdout
            else:
                print(f"missing: {entry['repo']}/{entry['path']}", file=sys.stderr)
    if generated:
        for index, source in enumerate(_generated(generated)):
            files[f"generated/model_fn_{index:04d}.py"] = source.encode()
    return files


def _generated(count: int) -> list[str]:
    """``count`` modules drawn, deterministically, from the test suite's model_fn grammar."""
    from hypothesis import HealthCheck, given, settings

    sys.path.insert(0, str(PROJECT))
    from tests.strategies.model_fns import model_fn_modules

    drawn: list[str] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(model_fn_modules())
    def draw(module: Any) -> None:
        drawn.append(module.source)

    draw()
    return drawn


def _record(result: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type(result).__name__}
    for name in ("reason",):
        if hasattr(result, name):
            out[name] = getattr(result, name)
    if hasattr(result, "findings"):
        out["findings"] = [
            [f.code, f.line, f.column, f.fix, f.message, f.note, f.applied]
            for f in result.findings
        ]
        out["warnings"] = list(result.warnings)
    if hasattr(result, "fixed"):
        out["fixed"] = hashlib.sha256(result.fixed).hexdigest()
    return out


def snapshot(code: Path, real_world: Path | None, generated: int) -> dict[str, Any]:
    sys.path.insert(0, str(code))
    from estimator_fix.engine import Settings, process_source

    files = _corpus(code, real_world, generated)
    out: dict[str, Any] = {}
    for name, data in files.items():
        out[name] = {
            label: _record(process_source(name, data, Settings(**kwargs)))
            for label, kwargs in SETTINGS.items()
        }
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> int:
    differences = 0
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            print(f"{name}: only in {'new' if name in new else 'old'}")
            differences += 1
            continue
        for label in SETTINGS:
            a, b = old[name][label], new[name][label]
            if a == b:
                continue
            differences += 1
            print(f"{name} [{label}]:")
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    print(f"  {key}:\n    old {a.get(key)}\n    new {b.get(key)}")
    files = len(set(old) & set(new))
    print(f"{files} files x {len(SETTINGS)} settings compared; {differences} differ")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=PROJECT, help="checkout whose engine runs")
    parser.add_argument("--real-world", type=Path, help="checkout root of the manifest's repos")
    parser.add_argument("--generated", type=int, default=300, help="grammar-drawn model_fns")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    args = parser.parse_args()
    if args.compare:
        old, new = (json.loads(p.read_text()) for p in args.compare)
        return compare(old, new)
    data = snapshot(args.code.resolve(), args.real_world, args.generated)
    text = json.dumps(data, indent=1, sort_keys=True)
    if args.out:
        args.out.write_text(text)
        print(f"{len(data)} files recorded in {args.out}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
