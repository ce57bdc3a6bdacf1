"""Time the validation of one file pair on this machine (target: under 20 s per pair).

Runs ``validate_file`` on the validation fixtures (fixtures/validation/: TF 1.x-style code under
TensorFlow 1.15 where a TF 1.x interpreter exists, and every model_fn shape) and the demo's
trainer, one after the other, and prints per file the verdict, the TensorFlow that ran it and the
wall time (both versions, from the fork server's first request on: the first file also pays for
importing TensorFlow).

    .venv/bin/python benchmarks/bench_validate.py
    ESTIMATOR_FIX_WARM_UP=0 .venv/bin/python benchmarks/bench_validate.py   # the peer

The peer is the same run with workers forked from a fork server that only imported TensorFlow
(``worker/warm.py`` turned off); stop 48 on this machine: 119.5 s without the warm-up, 105.2 s
with it, for 98 files (slowest pair 3.2 s and 3.4 s).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from estimator_fix.validation import validate_file

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 20.0


def main() -> int:
    files = [ROOT / "fixtures" / "demo_repo" / "trainer" / "model.py"]
    files += sorted((ROOT / "fixtures" / "validation").rglob("*.py"))
    print("| file | verdict | TensorFlow | s |\n|---|---|---|---:|")
    slowest = 0.0
    for path in files:
        started = time.monotonic()
        report = validate_file(path)
        seconds = time.monotonic() - started
        slowest = max(slowest, seconds)
        name = path.relative_to(ROOT)
        print(f"| {name} | {report.verdict} | {report.tensorflow or '-'} | {seconds:.1f} |")
    met = "met" if slowest < TARGET_SECONDS else "missed"
    print(f"\nslowest pair {slowest:.1f}s: under {TARGET_SECONDS:.0f}s per pair {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
