"""The runnable fixture pairs under ``fixtures/pairs/<name>/{before,after}.py`` + ``case.toml``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PAIRS_DIR = ROOT / "fixtures" / "pairs"


@dataclass(frozen=True)
class Pair:
    name: str
    before: Path
    after: Path
    findings: tuple[str, ...]
    fixed: bool
    unsafe: bool
    runnable_original: tuple[str, ...]
    known_gap: str = ""
    #: Rewritten, but a finding left for manual work still fails the modes the original fails.
    partial: bool = False


def load_pairs() -> list[Pair]:
    pairs = []
    for case in sorted(PAIRS_DIR.glob("*/case.toml")):
        data = tomllib.loads(case.read_text(encoding="utf-8"))
        folder = case.parent
        pairs.append(
            Pair(
                name=folder.name,
                before=folder / "before.py",
                after=folder / "after.py",
                findings=tuple(data.get("findings", ())),
                fixed=bool(data.get("fixed", False)),
                unsafe=bool(data.get("unsafe", False)),
                runnable_original=tuple(data.get("runnable_original", ())),
                known_gap=str(data.get("known_gap", "")),
                partial=bool(data.get("partial", False)),
            )
        )
    return pairs


PAIRS = load_pairs()
