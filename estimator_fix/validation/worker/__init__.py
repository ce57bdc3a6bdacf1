"""Runs one version of a model_fn module in TensorFlow and records what it computes.

Run as ``python WORKER_DIR SPEC.json`` (this package's directory; ``__main__.py`` loads it under a
private name) or ``python -m estimator_fix.validation.worker SPEC.json``. The package imports only
the standard library, NumPy and TensorFlow, so any interpreter that has TensorFlow can run it
(``--python``) without estimator-fix installed.

Protocol: the process's original stdout is reserved for one JSON object per line (user code's
prints go to stderr). The worker trains from scratch, writes its TRAIN results, then sends
``{"event": "trained", "checkpoint": PATH|null, "untrained": BOOL}`` (``untrained``: its steps
changed none of the trainable variables); it reads one line from stdin,
``{"checkpoint": PATH|null, "graphs": BOOL}``, the checkpoint EVAL and PREDICT must restore (the
original's) and whether to build each mode's graph too, runs them, writes ``results.json`` +
``arrays.bin`` into the spec's ``out_dir`` and sends ``{"event": "done"}``.

Modules: ``messaging`` (the protocol stream and the results files), ``loading`` (TensorFlow and
the user's module), ``standins`` (modules the interpreter lacks, stood in for while loading),
``program`` (the three modes under an Estimator), ``lenient`` (the original's spec as the
Estimator reads it in each mode, the reference where its checks fail on a field the mode never
reads), ``default_graph`` (globals standing for the
graph the model_fn builds in), ``synthetic`` (inputs for a module without an input function),
``server`` (the fork server), ``warm`` (the small model it builds before forking).
"""
