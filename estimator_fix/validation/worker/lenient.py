"""The original's spec as an Estimator reads it in each mode: the fields a mode does not use
left out.

An ``EstimatorSpec`` checks every field it is given, in every mode: ``eval_metric_ops`` that are
not (value, update_op) pairs fail TRAIN too, although TRAIN never reads them. Where the original
fails that way, its run with those fields left out is the reference for the rewrite, which hands
each mode only what it uses: the model_fn's graph is the same, only the spec's checks differ.
"""

from __future__ import annotations

import inspect
from typing import Any, Dict, FrozenSet

#: The fields of the spec each mode's Estimator call reads (``tf.estimator.ModeKeys`` values).
USED: Dict[str, FrozenSet[str]] = {
    "train": frozenset({"loss", "train_op", "training_chief_hooks", "training_hooks", "scaffold"}),
    "eval": frozenset({"loss", "eval_metric_ops", "evaluation_hooks", "scaffold"}),
    "infer": frozenset({"predictions", "prediction_hooks", "scaffold"}),
}

#: How a stage run with the lenient spec is named: ``TRAIN:lenient``.
SUFFIX = ":lenient"


class SpecGate:
    """Watches the construction of ``EstimatorSpec``s in this process: ``rejected`` once one
    failed its checks; while ``lenient``, each is built from the fields its mode uses only."""

    def __init__(self, tf: Any) -> None:
        self.lenient = False
        self.rejected = False
        estimator = getattr(tf, "estimator", None)
        spec_class = getattr(estimator, "EstimatorSpec", None)
        if spec_class is None:
            return
        real = spec_class.__new__
        names = list(inspect.signature(real).parameters)[1:]  # after ``cls``
        gate = self

        def checked_new(cls: Any, *args: Any, **kwargs: Any) -> Any:
            given = dict(zip(names, args))
            given.update(kwargs)
            used = USED.get(str(given.get("mode"))) if gate.lenient else None
            if used is not None:
                given = {k: v for k, v in given.items() if k == "mode" or k in used}
            try:
                return real(cls, **given)
            except Exception:
                gate.rejected = True
                raise

        spec_class.__new__ = staticmethod(checked_new)

    def retry(self) -> bool:
        """Whether a failed run is worth running again leniently: a spec failed its checks
        (and this run was not lenient already). Resets ``rejected`` for the next run."""
        again = self.rejected and not self.lenient
        self.rejected = False
        return again
