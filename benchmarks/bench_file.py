"""Per-file cost of the engine on the files that pass the prefilter, beside LibCST's own floor.

The migrate and check benchmarks time whole runs; this one shows what one file with model_fns
costs in one process, so a change to the engine can be judged without a 5,000-file tree: the
generated model_fn files (``generate_tree.py``, the fixture pairs padded to ~300 lines) go through
``process_source`` for ``fix`` (findings, rewrite, stability proof) and for ``check`` (findings
only), next to the peers every such tool pays: ``libcst.parse_module`` of the whole file and of
the part the engine keeps (``estimator_fix.elision``), and Python's own ``ast.parse``. Run by
hand; ``--profile N`` adds cProfile's N most expensive functions for ``fix``.

    .venv/bin/python benchmarks/bench_file.py [--files 60] [--repeat 3] [--profile 25]
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libcst as cst

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_tree import generate  # noqa: E402

from estimator_fix.elision import elide  # noqa: E402
from estimator_fix.engine import PREFILTER_MARKERS, Settings, process_source  # noqa: E402
from estimator_fix.sources import decode_source  # noqa: E402

Sources = list[tuple[str, bytes]]


def per_file(
    label: str, sources: Sources, work: Callable[[str, bytes], object], repeat: int
) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for name, data in sources:
            work(name, data)
        best = min(best, (time.perf_counter() - started) / len(sources))
    print(f"{label:<40} {best * 1000:8.1f} ms/file")
    return best


def kept(data: bytes) -> bytes:
    elided = elide(data, decode_source(data), PREFILTER_MARKERS)
    return data if elided is None else elided.source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=60, help="model_fn files to generate")
    parser.add_argument("--repeat", type=int, default=3, help="best of N passes")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-file-") as tmp:
        generate(Path(tmp), args.files, 1.0, 0, 300, 0)
        sources = [(str(p), p.read_bytes()) for p in sorted(Path(tmp).rglob("*.py"))]
    sources = [(n, d) for n, d in sources if any(m in d for m in PREFILTER_MARKERS)]
    lines = sum(d.count(b"\n") for _, d in sources) / len(sources)
    print(f"{len(sources)} generated model_fn files, {lines:.0f} lines each on average")
    process_source(*sources[0], Settings())  # imports and one-time tables out of the timing
    repeat = args.repeat

    def fixing(name: str, data: bytes) -> object:
        return process_source(name, data, Settings())

    def checking(name: str, data: bytes) -> object:
        return process_source(name, data, Settings(fix=False))

    def parsing(name: str, data: bytes) -> object:
        return cst.parse_module(data)

    fix = per_file("estimator-fix fix (process_source)", sources, fixing, repeat)
    check = per_file("estimator-fix check (fix=False)", sources, checking, repeat)
    whole = per_file("peer: libcst.parse_module, whole file", sources, parsing, repeat)
    kept_parts = [(n, kept(d)) for n, d in sources]
    part = per_file("peer: libcst.parse_module, kept part", kept_parts, parsing, repeat)
    per_file("peer: ast.parse, whole file", sources, lambda n, d: ast.parse(d), repeat)
    for label, cost in (("fix", fix), ("check", check)):
        print(
            f"{label} = {cost / whole:.1f} whole-file LibCST parses = "
            f"{cost / part:.1f} parses of the kept part"
        )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for name, data in sources:
            process_source(name, data, Settings())
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
