"""Generate a synthetic repository for the benchmarks: plain Python files, ~5% with model_fns.

Plain files are ~300 lines of ordinary code (functions, classes, loops, dicts) with no Estimator
markers; model_fn files take the ``before.py`` of the runnable fixture pairs and pad them to the
same size. Deterministic for a given seed.

    python benchmarks/generate_tree.py OUT [--files 5000] [--model-fn-share 0.05] [--notebooks 20]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_FUNCTION = '''

def {name}(values, scale={scale}, offset={offset}):
    """Scale and shift the values, skipping the ones below the threshold."""
    result = []
    for index, value in enumerate(values):
        if value is None or value < {threshold}:
            continue
        adjusted = value * scale + offset
        if index % {mod} == 0:
            adjusted = adjusted / (index + 1)
        result.append(round(adjusted, {digits}))
    return result
'''

_CLASS = '''

class {name}:
    """A small record with a few derived properties."""

    def __init__(self, items, label="{label}"):
        self.items = list(items)
        self.label = label
        self._cache = {{}}

    def total(self):
        if "total" not in self._cache:
            self._cache["total"] = sum(x for x in self.items if x > {threshold})
        return self._cache["total"]

    def describe(self):
        parts = [f"{{self.label}}: {{len(self.items)}} items"]
        for key, value in sorted(self._cache.items()):
            parts.append(f"{{key}}={{value}}")
        return ", ".join(parts)
'''


def plain_file(rng: random.Random, lines: int) -> str:
    out = [
        # No Estimator marker in plain files, not even in a docstring: the prefilter rules them out.
        '"""Generated module: ordinary functions and classes."""\n',
        "import math\nimport os\n",
    ]
    count = 2
    n = 0
    while count < lines:
        n += 1
        template = _FUNCTION if rng.random() < 0.6 else _CLASS
        text = template.format(
            name=f"{'fn' if template is _FUNCTION else 'Record'}_{n}_{rng.randrange(10**6)}",
            scale=rng.randint(1, 9),
            offset=rng.randint(-5, 5),
            threshold=rng.randint(0, 3),
            mod=rng.randint(2, 7),
            digits=rng.randint(1, 4),
            label=f"item{n}",
        )
        out.append(text)
        count += text.count("\n")
    return "".join(out)


def model_fn_file(rng: random.Random, lines: int, sources: list[str]) -> str:
    text = rng.choice(sources)
    padding = plain_file(rng, max(lines - text.count("\n"), 10)).split("\n", 3)[-1]
    return text + "\n" + padding


def notebook(rng: random.Random, source: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Experiment\n"], "id": "intro"},
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 1,
            "outputs": [],
            "source": ["!pip list | head -3\n", "%matplotlib inline\n"],
            "id": "setup",
        },
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": 2,
            "outputs": [],
            "source": source.splitlines(True),
            "id": "model",
        },
    ]
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1
    )


def generate(
    out: Path, files: int, share: float, notebooks: int, lines: int, seed: int
) -> dict[str, int]:
    rng = random.Random(seed)
    sources = [
        p.read_text(encoding="utf-8")
        for p in sorted(ROOT.glob("fixtures/pairs/*/before.py"))
        if p.read_bytes().isascii()
    ]
    model_fns = int(files * share)
    out.mkdir(parents=True, exist_ok=True)
    total_lines = 0
    for index in range(files):
        package = out / f"pkg{index % 50:02d}"
        package.mkdir(exist_ok=True)
        text = model_fn_file(rng, lines, sources) if index < model_fns else plain_file(rng, lines)
        total_lines += text.count("\n")
        (package / f"module_{index:05d}.py").write_text(text, encoding="utf-8")
    for index in range(notebooks):
        (out / f"notebook_{index:03d}.ipynb").write_text(notebook(rng, rng.choice(sources)))
    return {
        "files": files,
        "model_fn_files": model_fns,
        "lines": total_lines,
        "notebooks": notebooks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--model-fn-share", type=float, default=0.05)
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        generate(args.out, args.files, args.model_fn_share, args.notebooks, args.lines, args.seed)
    )


if __name__ == "__main__":
    main()
