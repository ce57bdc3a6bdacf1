"""Runs one version of a model_fn module in TensorFlow and records what it computes.

Run as ``python worker.py SPEC.json`` (or ``python -m estimator_fix.validation.worker SPEC.json``).
This file imports only the standard library, NumPy and TensorFlow, so any interpreter that has
TensorFlow can run it (``--python``) without estimator-fix installed.

Protocol: the process's original stdout is reserved for one JSON object per line (user code's
prints go to stderr). The worker trains from scratch, writes its TRAIN results, then sends
``{"event": "trained", "checkpoint": PATH|null}``; it reads one line from stdin,
``{"checkpoint": PATH|null}``, the checkpoint EVAL and PREDICT must restore (the original's), runs
them, writes ``results.json`` + ``arrays.bin`` into the spec's ``out_dir`` and sends
``{"event": "done"}``.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import json
import os
import random
import sys
import time
import traceback
import warnings
from typing import Any, Callable, Dict, List

TRAIN, EVAL, PREDICT = "TRAIN", "EVAL", "PREDICT"
_SERVING_NAMES = ("serving_input_receiver_fn", "serving_input_fn")
_FEATURE_SPEC_TYPES = ("FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature")
_MAX_ERROR = 400


def last_line(exc: BaseException) -> str:
    """``Type: message`` on one line (a TensorFlow error's first meaningful line of message)."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[0] if lines else type(exc).__name__
    if head.endswith(":") and len(lines) > 1:
        head = f"{head} {lines[1]}"
    return head if len(head) <= _MAX_ERROR else head[: _MAX_ERROR - 1] + "…"


class Channel:
    """The protocol stream: the real stdout, kept apart from whatever user code prints."""

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")

    def send(self, message: Dict[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")
        self._out.flush()

    def receive(self) -> Dict[str, Any]:
        line = sys.stdin.readline()
        return json.loads(line) if line.strip() else {}


class Output:
    """Collects stages and arrays, and writes them as results.json + arrays.bin."""

    def __init__(self, directory: str, np: Any) -> None:
        self.directory = directory
        self.np = np
        self.blob = bytearray()
        self.mark = time.monotonic()
        self.data: Dict[str, Any] = {
            "setup_error": "",
            "stages": {},
            "notes": [],
            "synthetic": False,
        }

    def store(self, value: Any) -> Dict[str, Any]:
        np = self.np
        array = np.asarray(value)
        if array.dtype == bool:
            array = array.astype(np.uint8)
        elif array.dtype.name == "bfloat16" or (
            array.dtype.kind == "f" and array.dtype.itemsize < 4
        ):
            array = array.astype(np.float32)
        elif array.dtype.kind == "c":
            array = np.stack([array.real, array.imag], axis=-1)
        elif array.dtype.kind in "OUS":
            items = [x if isinstance(x, bytes) else str(x).encode("utf-8") for x in array.ravel()]
            array = np.asarray(items, dtype=bytes).reshape(array.shape)
        if array.dtype.kind in "iuf":
            array = array.astype(array.dtype.newbyteorder("<"))
        data = np.ascontiguousarray(array).tobytes()
        entry = {
            "dtype": array.dtype.name,
            "shape": [int(d) for d in array.shape],
            "offset": len(self.blob),
            "nbytes": len(data),
        }
        self.blob.extend(data)
        return entry

    def stage(self, name: str, ok: bool, error: str = "", **fields: Any) -> None:
        """Record one stage; its ``seconds`` run from the previous stage (or the start)."""
        now = time.monotonic()
        self.data["stages"][name] = dict(ok=ok, error=error, seconds=now - self.mark, **fields)
        self.mark = now

    def note(self, text: str) -> None:
        self.data["notes"].append(text)

    def write(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        with open(os.path.join(self.directory, "arrays.bin"), "wb") as handle:
            handle.write(bytes(self.blob))
        with open(os.path.join(self.directory, "results.json"), "w", encoding="utf-8") as handle:
            json.dump(self.data, handle)


def import_tensorflow() -> Any:
    """TensorFlow, configured for reproducible single-threaded CPU runs."""
    warnings.simplefilter("ignore")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    with contextlib.suppress(RuntimeError, ValueError):
        tf.config.set_visible_devices([], "GPU")
    tf.config.experimental.enable_op_determinism()
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    if getattr(tf, "estimator", None) is None:
        raise RuntimeError(
            f"TensorFlow {tf.__version__} has no tf.estimator (removed in 2.16); "
            'use an interpreter with tensorflow<2.16: pip install "estimator-fix[validate]"'
        )
    # Resolve the lazily loaded modules model_fns use (Keras-style layers, TPU and feature
    # columns) now: in the fork server that is done once instead of in every worker. Importing
    # starts no threads, so forking stays safe.
    for name in ("compat.v1.layers", "keras.layers", "compat.v1.estimator.tpu", "feature_column"):
        with contextlib.suppress(AttributeError, ImportError):
            dir(resolve(tf, name))
    return tf


def load_module(spec: Dict[str, Any]) -> Any:
    """Execute the version's source as a module presented at ``as_file`` (package-aware)."""
    import types

    for entry in reversed(spec["sys_path"]):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    name = spec["module_name"]
    taken = name in sys.modules or name in getattr(sys, "stdlib_module_names", ())
    if "." not in name and taken:
        name = "estimator_fix_validated_module"  # never shadow an imported or stdlib module
    module = types.ModuleType(name)
    module.__file__ = spec["as_file"]
    module.__package__ = name.rpartition(".")[0]
    sys.modules[name] = module
    with open(spec["source"], "rb") as handle:
        code = compile(handle.read(), spec["as_file"], "exec", dont_inherit=True)
    exec(code, module.__dict__)
    absl_flags = sys.modules.get("absl.flags")
    if absl_flags is not None and not absl_flags.FLAGS.is_parsed():
        absl_flags.FLAGS(["estimator-fix"], known_only=True)
    return module


def resolve(module: Any, dotted: str) -> Any:
    value = module
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def load_function(module: Any, ref: Dict[str, Any]) -> Any:
    """A function named in the module itself, or ``MODULE:FN`` (a dotted module or a .py path)."""
    source = ref.get("module")
    if not source:
        return resolve(module, ref["name"])
    if source.endswith(".py") or os.sep in source:
        path = os.path.abspath(source)
        name = "estimator_fix_input_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {source}")
        other = importlib.util.module_from_spec(spec)
        sys.modules[name] = other
        spec.loader.exec_module(other)
    else:
        other = importlib.import_module(source)
    return resolve(other, ref["name"])


def parameter_names(fn: Any) -> List[str] | None:
    """The names ``fn`` accepts, or None when it takes ``**kwargs``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    names = []
    for parameter in signature.parameters.values():
        if parameter.kind == parameter.VAR_KEYWORD:
            return None
        names.append(parameter.name)
    return names


class Program:
    """One version of the module, ready to run under an Estimator in each mode."""

    def __init__(self, tf: Any, np: Any, module: Any, spec: Dict[str, Any], out: Output) -> None:
        self.tf, self.np, self.module, self.spec, self.out = tf, np, module, spec, out
        self.seed = int(spec["seed"])
        self.steps = int(spec["steps"])
        self.batch_size = int(spec["batch_size"])
        self.model_fn = resolve(module, spec["model_fn"])
        self.accepted = parameter_names(self.model_fn)
        self.params = self._params()
        self.tpu = bool(spec.get("tpu"))
        self.placeholder: int | None = None
        self.label_spec: Any = None
        self.spec_loss: Any = None
        self.Recorder = recorder_class(tf, np)
        self.last_recorder = self.Recorder(self)
        self.inputs = self._inputs()

    # -- configuration -------------------------------------------------------------------------

    def _params(self) -> Dict[str, Any] | None:
        if self.spec.get("params") is not None:
            return dict(self.spec["params"])
        value = getattr(self.module, "PARAMS", None)
        if isinstance(value, dict):
            return dict(value)
        return None

    def _inputs(self) -> Dict[str, Callable[..., Any]]:
        refs = self.spec.get("inputs") or {}
        if any(refs.values()):
            return {mode: load_function(self.module, refs[mode]) for mode in (TRAIN, EVAL, PREDICT)}
        synthetic = Synthetic(self)
        self.out.data["synthetic"] = True
        return {mode: synthetic.input_fn for mode in (TRAIN, EVAL, PREDICT)}

    def seed_everything(self) -> None:
        random.seed(self.seed)
        self.np.random.seed(self.seed)
        self.tf.random.set_seed(self.seed)

    def estimator(self, model_dir: str) -> Any:
        tf = self.tf
        session_config = tf.compat.v1.ConfigProto(
            intra_op_parallelism_threads=1,
            inter_op_parallelism_threads=1,
            device_count={"GPU": 0},
        )
        settings = dict(
            model_dir=model_dir,
            tf_random_seed=self.seed,
            session_config=session_config,
            save_summary_steps=None,
            log_step_count_steps=None,
            keep_checkpoint_max=1,
        )
        if not self.tpu:
            return tf.estimator.Estimator(
                self.wrapped_model_fn, config=tf.estimator.RunConfig(**settings), params=self.params
            )
        tpu = tf.compat.v1.estimator.tpu
        params = dict(self.params or {})
        batch = params.pop("batch_size", None) or params.get("train_batch_size") or self.batch_size
        config = tpu.RunConfig(tpu_config=tpu.TPUConfig(iterations_per_loop=1), **settings)
        return tpu.TPUEstimator(
            model_fn=self.wrapped_model_fn,
            config=config,
            params=params,
            use_tpu=False,
            train_batch_size=batch,
            eval_batch_size=batch,
            predict_batch_size=batch,
        )

    # -- the model_fn, as each mode calls it ---------------------------------------------------

    def call_model_fn(self, features: Any, labels: Any, mode: Any, params: Any, config: Any) -> Any:
        """Call the user's model_fn with the arguments it declares (Estimator's convention)."""
        given = {"labels": labels, "mode": mode, "params": params, "config": config}
        if self.accepted is None:
            return self.model_fn(features=features, **given)
        kwargs = {name: value for name, value in given.items() if name in self.accepted}
        if "features" in self.accepted:
            return self.model_fn(features=features, **kwargs)
        return self.model_fn(features, **kwargs)

    def wrapped_model_fn(
        self, features: Any, labels: Any, mode: Any, params: Any, config: Any
    ) -> Any:
        tf = self.tf
        if mode == tf.estimator.ModeKeys.TRAIN and labels is not None:
            self.label_spec = tf.nest.map_structure(
                lambda t: LabelLeaf(
                    t.dtype, t.shape.as_list() if t.shape.rank is not None else [None]
                ),
                labels,
            )
        if mode == tf.estimator.ModeKeys.PREDICT and self.placeholder is not None:
            labels = placeholder_labels(tf, features, self.label_spec, self.placeholder)
        result = self.call_model_fn(features, labels, mode, params, config)
        self.spec_loss = getattr(result, "loss", None)
        return result

    # -- the three modes -----------------------------------------------------------------------

    def model_dir(self, name: str) -> str:
        return os.path.join(self.spec["out_dir"], "model", name)

    def train(self) -> str | None:
        tf = self.tf
        recorder = self.Recorder(self, record_loss=True)
        directory = self.model_dir("train")
        try:
            estimator = self.estimator(directory)
            self.seed_everything()
            estimator.train(self.inputs[TRAIN], steps=self.steps, hooks=[recorder])
            latest = tf.train.latest_checkpoint(directory)
            if latest is None:
                raise RuntimeError("training wrote no checkpoint")
            checkpoint = str(latest)
            reader = tf.train.load_checkpoint(checkpoint)
            names = sorted(reader.get_variable_to_shape_map())
            tensors = {name: self.out.store(reader.get_tensor(name)) for name in names}
        except (Exception, SystemExit) as exc:  # user code: any failure is a result
            self.out.stage(TRAIN, False, last_line(exc))
            return None
        losses = [self.out.store(loss) for loss in recorder.losses]
        self.out.stage(TRAIN, True, losses=losses, tensors=tensors, restores=recorder.restores)
        return checkpoint

    def evaluate(self, checkpoint: str) -> None:
        recorder = self.Recorder(self)
        try:
            estimator = self.estimator(self.model_dir("eval"))
            self.seed_everything()
            metrics = estimator.evaluate(
                self.inputs[EVAL], steps=self.steps, checkpoint_path=checkpoint, hooks=[recorder]
            )
            tensors = {str(key): self.out.store(metrics[key]) for key in sorted(metrics)}
        except (Exception, SystemExit) as exc:
            self.out.stage(EVAL, False, last_line(exc), restores=recorder.restores)
            return
        self.out.stage(EVAL, True, tensors=tensors, restores=recorder.restores)

    def predictions(self, checkpoint: str, name: str) -> Dict[str, Any]:
        """Up to ``steps`` batches of predictions, as arrays named ``key#batch``."""
        self.seed_everything()
        estimator = self.estimator(self.model_dir(name))
        recorder = self.Recorder(self)
        self.last_recorder = recorder
        batches: Dict[str, Any] = {}
        generator = estimator.predict(
            self.inputs[PREDICT],
            checkpoint_path=checkpoint,
            hooks=[recorder],
            yield_single_examples=False,
        )
        try:
            for index, batch in enumerate(generator):
                items = batch.items() if isinstance(batch, dict) else [("predictions", batch)]
                for key, value in sorted(items):
                    batches[f"{key}#{index}"] = self.np.asarray(value)
                if index + 1 >= self.steps:
                    break
        finally:
            generator.close()
        return batches

    def predict(self, checkpoint: str) -> None:
        try:
            batches = self.predictions(checkpoint, "predict")
        except (Exception, SystemExit) as exc:
            error = last_line(exc)
            self.out.stage(PREDICT, False, error, restores=self.last_recorder.restores)
            if self.spec["role"] == "original":
                self.predict_with_placeholder_labels(checkpoint)
            return
        tensors = {key: self.out.store(value) for key, value in batches.items()}
        self.out.stage(PREDICT, True, tensors=tensors, restores=self.last_recorder.restores)

    def predict_with_placeholder_labels(self, checkpoint: str) -> None:
        """The reference for a PREDICT that fails without labels: run it with labels 0, then 1."""
        if self.label_spec is None:
            self.out.stage("placeholder", False, "no label shape is known (TRAIN saw no labels)")
            return
        try:
            self.placeholder = 0
            zeros = self.predictions(checkpoint, "placeholder0")
            self.placeholder = 1
            ones = self.predictions(checkpoint, "placeholder1")
        except (Exception, SystemExit) as exc:
            self.out.stage("placeholder", False, last_line(exc))
            return
        finally:
            self.placeholder = None
        np = self.np
        for key, value in zeros.items():
            other = ones.get(key)
            same = (
                other is not None
                and other.dtype == value.dtype
                and other.shape == value.shape
                and other.tobytes() == value.tobytes()
            )
            if not same:
                diff = None
                if other is not None and other.shape == value.shape and value.dtype.kind in "biuf":
                    wide = np.abs(value.astype(np.float64) - other.astype(np.float64))
                    diff = float(np.nanmax(wide)) if np.isfinite(wide).any() else None
                self.out.data["label_dependence"] = {"key": key.split("#")[0], "max_abs_diff": diff}
                break
        tensors = {key: self.out.store(value) for key, value in zeros.items()}
        self.out.stage("placeholder", True, tensors=tensors, restores=self.last_recorder.restores)


def placeholder_labels(tf: Any, features: Any, label_spec: Any, value: int) -> Any:
    """Labels filled with ``value``, shaped like the training labels, batched like ``features``."""
    first = tf.nest.flatten(features)[0]
    if isinstance(first, tf.SparseTensor):
        batch = tf.cast(first.dense_shape[0], tf.int32)
    else:
        batch = tf.shape(first)[0]

    def make(leaf: LabelLeaf) -> Any:
        dtype = leaf.dtype
        dims = tf.constant([d if d is not None else 1 for d in leaf.shape[1:]], tf.int32)
        full = tf.concat([tf.reshape(batch, [1]), dims], 0)
        if dtype == tf.string:
            return tf.fill(full, tf.constant(str(value)))
        return tf.fill(full, tf.cast(value, dtype))

    return tf.nest.map_structure(make, label_spec)


class LabelLeaf:
    """One training label tensor's dtype and shape (a leaf for tf.nest, unlike a tuple)."""

    def __init__(self, dtype: Any, shape: List[int | None]) -> None:
        self.dtype = dtype
        self.shape = shape


def recorder_class(tf: Any, np: Any) -> Any:
    """A SessionRunHook recording the variables the graph restores and each step's loss."""

    class Recorder(tf.compat.v1.train.SessionRunHook):  # type: ignore[misc]
        def __init__(self, program: Program, record_loss: bool = False) -> None:
            self.program = program
            self.record_loss = record_loss
            self.losses: List[Any] = []
            self.restores: List[Any] = []
            self._loss: Any = None

        def begin(self) -> None:
            seen = set()
            for variable in tf.compat.v1.global_variables():
                info = getattr(variable, "_save_slice_info", None)
                if info is not None:
                    name, shape = info.full_name, list(info.full_shape)
                else:
                    name = variable.op.name
                    shape = [-1 if d is None else int(d) for d in variable.shape.as_list()]
                if name not in seen:
                    seen.add(name)
                    self.restores.append([name, shape])
            self._loss = self.program.spec_loss if self.record_loss else None

        def before_run(self, run_context: Any) -> Any:
            if self._loss is None:
                return None
            return tf.compat.v1.train.SessionRunArgs(self._loss)

        def after_run(self, run_context: Any, run_values: Any) -> None:
            if self._loss is not None:
                self.losses.append(np.asarray(run_values.results))

    return Recorder


def _shape_text(shape: List[int]) -> str:
    return "[" + ", ".join(["batch"] + [str(d) for d in shape]) + "]"


class Synthetic:
    """A small random batch for a module without an input function.

    Features come from a serving input function's placeholders, else from a parsing spec
    (``tf.io.FixedLenFeature`` dicts) or feature columns found in the module. Labels come from the
    spec's ``labels`` (``--labels``), else from the static hint about how the model_fn uses them.
    """

    def __init__(self, program: Program) -> None:
        self.program = program
        self.tf, self.np = program.tf, program.np
        self.rng = self.np.random.RandomState(program.seed)
        self.batch = program.batch_size
        self.features = self._features()
        self.labels = self._labels()

    # features ---------------------------------------------------------------------------------

    def _features(self) -> Dict[str, Any]:
        looked = []
        for name in self.program.spec.get("serving_fns") or _SERVING_NAMES:
            fn = getattr(self.program.module, name, None)
            if callable(fn):
                found = self._from_serving(fn)
                if found:
                    self.program.out.note(f"synthetic features from {name}()")
                    return found
                looked.append(f"{name}()")
        spec, origin = self._parsing_spec()
        if spec:
            self.program.out.note(f"synthetic features from {origin}")
            return {key: self._from_feature(value) for key, value in sorted(spec.items())}
        raise LookupError(
            "no input: looked for --input-fn, functions input_fn/train_input_fn/eval_input_fn/"
            "predict_input_fn, [tool.estimator-fix.validate] input-fn, a serving input function "
            "(serving_input_receiver_fn, serving_input_fn), a tf.io.FixedLenFeature dict and "
            "feature columns" + (f" ({', '.join(looked)} gave no features)" if looked else "")
        )

    def _from_serving(self, fn: Any) -> Dict[str, Any]:
        tf = self.tf
        params = self.program.params or {}
        names = parameter_names(fn) or []
        with tf.Graph().as_default():
            receiver = fn(params) if names[:1] == ["params"] else fn()
            features = getattr(receiver, "features", receiver)
            if isinstance(features, (tuple, list)) and features:
                features = features[0]
            if not isinstance(features, dict):
                features = {"feature": features}
            return {str(key): self._from_tensor(value) for key, value in features.items()}

    def _from_tensor(self, tensor: Any) -> Dict[str, Any]:
        tf = self.tf
        if isinstance(tensor, tf.SparseTensor):
            return self._random(tensor.values.dtype, [], sparse=True)
        shape = tensor.shape.as_list() if tensor.shape.rank is not None else [None]
        return self._random(tensor.dtype, [d if d is not None else 1 for d in shape[1:]])

    def _parsing_spec(self) -> Any:
        """The union of the module's parsing specs: FixedLenFeature dicts and feature columns
        (module-level, or returned by a no-argument function whose name mentions features)."""
        tf = self.program.tf
        merged: Dict[str, Any] = {}
        origins = []
        for name, value in sorted(vars(self.program.module).items()):
            if (
                callable(value)
                and not isinstance(value, type)
                and ("feature" in name.lower() or "column" in name.lower())
                and parameter_names(value) == []
            ):
                try:
                    value = value()
                except Exception:
                    continue
            spec = None
            if (
                isinstance(value, dict)
                and value
                and all(type(v).__name__ in _FEATURE_SPEC_TYPES for v in value.values())
            ):
                spec = value
            elif (
                isinstance(value, (list, tuple))
                and value
                and all(hasattr(v, "parse_example_spec") for v in value)
            ):
                try:
                    spec = tf.compat.v1.feature_column.make_parse_example_spec(value)
                except Exception:
                    continue
            if spec:
                origins.append(name)
                for key, feature in spec.items():
                    merged.setdefault(key, feature)
        return merged, " and ".join(origins)

    def _from_feature(self, feature: Any) -> Dict[str, Any]:
        kind = type(feature).__name__
        if kind == "VarLenFeature":
            return self._random(feature.dtype, [], sparse=True)
        shape = [d if d is not None else 1 for d in list(feature.shape)]
        if kind == "FixedLenSequenceFeature":
            shape = [1] + shape
        return self._random(feature.dtype, shape)

    def _random(self, dtype: Any, shape: List[int], sparse: bool = False) -> Dict[str, Any]:
        tf, np = self.tf, self.np
        dtype = tf.as_dtype(dtype)
        size = [self.batch] + [int(d) for d in shape]
        if dtype == tf.string:
            value = self.rng.choice(np.array([b"0", b"1"]), size=size)
        elif dtype.is_floating:
            value = self.rng.rand(*size).astype(dtype.as_numpy_dtype)
        elif dtype == tf.bool:
            value = self.rng.randint(0, 2, size=size).astype(bool)
        else:
            value = self.rng.randint(0, 2, size=size).astype(dtype.as_numpy_dtype)
        return {"value": value, "dtype": dtype, "sparse": sparse}

    # labels -----------------------------------------------------------------------------------

    def _labels(self) -> Any:
        tf = self.tf
        explicit = self.program.spec.get("labels")
        if explicit:
            given = _shape_text(explicit["shape"])
            self.program.out.note(f"synthetic labels {explicit['dtype']} {given} from --labels")
            return self._random(tf.as_dtype(explicit["dtype"]), explicit["shape"])
        hint = self.program.spec.get("label_hint")
        if not hint:
            self.program.out.note(
                "no labels: none given (--labels SHAPE:DTYPE) and no loss or metric use of "
                "labels recognised in the model_fn"
            )
            return None
        dtype = tf.as_dtype(hint["dtype"])
        shape: List[int] = []
        if hint.get("like"):
            shape = self._shape_like(hint["like"], dtype)
        origin = hint.get("origin") or "the model_fn"
        self.program.out.note(
            f"synthetic labels {dtype.name} {_shape_text(shape)} inferred from {origin}"
        )
        return self._random(dtype, shape)

    def _shape_like(self, expression: str, dtype: Any) -> List[int]:
        """The per-example shape of ``expression`` in the model_fn (built once, labels unknown)."""
        tf = self.tf
        program = self.program
        code = getattr(inspect.unwrap(program.model_fn), "__code__", None)
        captured: Dict[str, Any] = {}

        def profile(frame: Any, event: str, arg: Any) -> None:
            if event == "return" and frame.f_code is code and not captured:
                captured["locals"] = dict(frame.f_locals)
                captured["globals"] = frame.f_globals

        with tf.Graph().as_default():
            tf.compat.v1.train.get_or_create_global_step()
            features = self.tensors(self.features)
            labels = tf.compat.v1.placeholder(dtype)
            sys.setprofile(profile)
            try:
                program.call_model_fn(
                    features,
                    labels,
                    tf.estimator.ModeKeys.TRAIN,
                    program.params or {},
                    tf.estimator.RunConfig(),
                )
            except Exception:
                pass
            finally:
                sys.setprofile(None)
            try:
                value = eval(expression, captured["globals"], captured["locals"])
                dims = value.shape.as_list()[1:]
            except Exception:
                program.out.note(
                    f"could not evaluate {expression!r} for the labels' shape; assumed [batch, 1]"
                )
                return [1]
        return [d if d is not None else 1 for d in dims]

    # the input_fn -----------------------------------------------------------------------------

    def tensors(self, structure: Dict[str, Any]) -> Dict[str, Any]:
        return {key: self.tensor(value) for key, value in structure.items()}

    def tensor(self, entry: Dict[str, Any]) -> Any:
        tf, np = self.tf, self.np
        if not entry["sparse"]:
            return tf.constant(entry["value"], dtype=entry["dtype"])
        rows = entry["value"].shape[0]
        indices = np.stack([np.arange(rows), np.zeros(rows, dtype=np.int64)], axis=1)
        values = entry["value"].reshape(rows)
        return tf.SparseTensor(indices, tf.constant(values, dtype=entry["dtype"]), [rows, 1])

    def input_fn(self, params: Any = None) -> Any:
        tf = self.tf
        features = self.tensors(self.features)
        element = features if self.labels is None else (features, self.tensor(self.labels))
        return tf.data.Dataset.from_tensors(element).repeat()


def run(spec: Dict[str, Any], channel: Channel, out: Output) -> None:
    try:
        os.chdir(spec["cwd"])
        tf = import_tensorflow()
        module = load_module(spec)
        program = Program(tf, out.np, module, spec, out)
    except (Exception, SystemExit) as exc:
        out.data["setup_error"] = last_line(exc)
        channel.send({"event": "trained", "checkpoint": None})
        return
    checkpoint = program.train()
    out.write()
    channel.send({"event": "trained", "checkpoint": checkpoint})
    reference = channel.receive().get("checkpoint")
    if not reference:
        return  # nothing to restore: EVAL and PREDICT cannot run
    program.evaluate(reference)
    out.write()
    program.predict(reference)


def main(argv: List[str]) -> None:
    """Run the worker described by the spec file ``argv[1]``, then exit without teardown."""
    with open(argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    channel = Channel()
    import numpy as np

    out = Output(spec["out_dir"], np)
    try:
        run(spec, channel, out)
    finally:
        out.write()
    channel.send({"event": "done"})
    sys.stderr.flush()
    # Skip TensorFlow's slow interpreter teardown: everything is written.
    os._exit(0)


def _emit(fd: int, message: Dict[str, Any]) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode("utf-8"))


def serve(control_fd: int) -> None:
    """Fork server: import TensorFlow once, then fork one fresh worker per request.

    Requests arrive on the SOCK_SEQPACKET socket ``control_fd``: ``{"id": N, "spec": PATH}`` with
    three file descriptors (the worker's stdin, stdout and stderr). Events go to stdout as JSON
    lines: ``ready`` (or ``failed``), ``forked`` (id, pid) and ``exit`` (pid, status). Nothing has
    run in TensorFlow when a worker is forked, and the server has a single thread, so every worker
    starts from the same fresh state a new process would have.
    """
    import signal
    import socket

    events = os.dup(1)
    os.dup2(2, 1)
    control = socket.socket(fileno=control_fd)
    try:
        import numpy  # noqa: F401

        import_tensorflow()
    except BaseException as exc:
        _emit(events, {"event": "failed", "error": last_line(exc)})
        return

    def reap(signum: int, frame: Any) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            _emit(events, {"event": "exit", "pid": pid, "status": code})

    signal.signal(signal.SIGCHLD, reap)
    _emit(events, {"event": "ready"})
    while True:
        message, fds, _, _ = socket.recv_fds(control, 65536, 3)
        if not message:
            return
        request = json.loads(message.decode("utf-8"))
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _forked(request["spec"], fds, control, events)
        for fd in fds:
            os.close(fd)
        _emit(events, {"event": "forked", "id": request["id"], "pid": pid})


def _forked(spec: str, fds: List[int], control: Any, events: int) -> None:
    """In the forked child: take over the request's stdio, run the worker, never return."""
    import signal

    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        os.close(events)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        main(["worker", spec])
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
    os._exit(70)


if __name__ == "__main__":
    # Run as a script, this file's directory heads sys.path: keep it from shadowing user imports.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    elif len(sys.argv) == 2:
        main(sys.argv)
    else:
        sys.exit("usage: worker.py SPEC.json | worker.py --serve FD")
