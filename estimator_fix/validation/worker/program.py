"""One version of the module under an Estimator: TRAIN, then EVAL and PREDICT from a checkpoint."""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import random
import sys
from typing import Any, Callable, Dict, List, Tuple

from .default_graph import graph_globals
from .graphs import build_graphs, call_input_fn
from .inferred import (
    AttributeParams,
    fit_columns,
    fresh_params,
    made_arguments,
    params_with_guesses,
    usable_params,
)
from .layouts import note as channels_last_notes
from .lenient import SUFFIX, SpecGate
from .loading import (
    import_tensorflow,
    load_function,
    load_module,
    parameter_names,
    positional_labels,
    resolve,
    unfilled_parameters,
)
from .messaging import Channel, Output, last_line, unset_environment, where
from .scopes import (
    ScopeError,
    bind_main_block_globals,
    define_flags,
    evaluate,
    evaluate_elsewhere,
    load_definitions,
)
from .standins import forget, missing_module, used
from .synthetic import Synthetic
from .timing import PROBE_SECONDS, InputTimeout, time_limit

TRAIN, EVAL, PREDICT = "TRAIN", "EVAL", "PREDICT"


def session_config(tf: Any) -> Any:
    """The sessions' settings for reproducible runs on the CPU: one thread each way; no GPU
    (code that pins ops to one, ``tf.device("/gpu:0")`` or a tower per GPU, runs them on the
    CPU, as it would on a machine without one); and no memory optimization by Grappler. Where a
    graph's estimated peak memory is high (a recurrent net unrolled over 50 steps), that pass
    turns a sum of many gradients (``AddN``) into a temporary variable and one ``AssignAdd``
    per term, which a session runs in an order of its own: two runs of the same graph then
    differ by rounding (1e-9), under TensorFlow 1.15 and 2.x alike, threads or no threads."""
    config = tf.compat.v1.ConfigProto(
        intra_op_parallelism_threads=1,
        inter_op_parallelism_threads=1,
        device_count={"GPU": 0},
        allow_soft_placement=True,
    )
    rewrite = config.graph_options.rewrite_options
    rewrite.memory_optimization = rewrite.NO_MEM_OPT
    return config


class Program:
    """One version of the module, ready to run under an Estimator in each mode."""

    def __init__(
        self, tf: Any, np: Any, module: Any, tree: Any, spec: Dict[str, Any], out: Output
    ) -> None:
        self.tf, self.np, self.module, self.spec, self.out = tf, np, module, spec, out
        self.tree = tree
        #: The original's: runs a failed mode again with the fields of the spec it does not use
        #: left out, as the rewrite's reference (``lenient.py``).
        self.gate = SpecGate(tf) if spec.get("lenient") else None
        self.seed = int(spec["seed"])
        self.steps = int(spec["steps"])
        self.batch_size = int(spec["batch_size"])
        # What the file builds (its data included, often drawn from NumPy's random state) must
        # be the same in both versions' processes.
        self.seed_everything()
        #: The params keys guessed from the model_fn's reads (``inferred.params_with_guesses``).
        self.guessed_params: List[str] = []
        #: Those of them guessed as feature columns (remade on the inputs' keys: ``_probe``).
        self.guessed_columns: List[str] = []
        #: The feature keys guessed columns read (params' or a builder's; ids: ``Synthetic``
        #: makes them int64).
        self.column_ids: set[str] = set()
        # A caller elsewhere in the repository imports this version by another name.
        for caller in (spec.get("callers") or {}).values():
            if caller.get("imports_as"):
                sys.modules.setdefault(caller["imports_as"], module)
        self.model_fn = (
            self.through(spec.get("through"))
            or self._built_target()
            or resolve(module, spec["model_fn"])
        )
        bind_main_block_globals(module, tree, spec["as_file"], self.model_fn, self.out.note)
        name = getattr(getattr(self.model_fn, "func", self.model_fn), "__name__", "")
        #: Globals standing for the graph the model_fn builds in: bound to it at each call
        #: (unbound, or bound at import to a new graph the model_fn is never built in).
        self.graph_globals = graph_globals(tree, name)
        if self.graph_globals:
            listed = ", ".join(self.graph_globals)
            out.note(f"global {listed}: the graph the model_fn is built in (the module's calls)")
        self.accepted = parameter_names(self.model_fn)
        self.params = params_with_guesses(self, self._params())
        self.tpu = bool(spec.get("tpu"))
        self.placeholder: int | None = None
        self.label_spec: Any = None
        self.spec_loss: Any = None
        #: TRAIN ran and its steps changed none of the trainable variables.
        self.trained_nothing = False
        self.Recorder = recorder_class(tf, np)
        self.last_recorder = self.Recorder(self)
        self.synthetic: Synthetic | None = None
        self.own_inputs: Dict[str, Callable[..., Any]] | None = None
        #: How many stand-in uses were recorded when the file's own inputs were given up.
        self.abandoned_at: int | None = None
        self.inputs = self._inputs()

    # -- configuration -------------------------------------------------------------------------

    def built(self, where: Dict[str, Any] | None) -> Any:
        """What ``where`` (an expression and the function whose body computes it) evaluates to,
        in this version of the module; None when ``where`` is None."""
        if not where:
            return None
        return evaluate(
            self.module,
            self.tree,
            self.spec["as_file"],
            where["expression"],
            where.get("scope") or [],
            self.spec.get("model_fn_args"),
            self.spec.get("callers"),
            made_arguments(self, self.spec.get("job_args")),
            self.out.note,
            guess=where.get("guess") or (),
        )

    def _built_target(self) -> Any:
        """The model_fn as the file builds it (``target``), else as its builder builds it with
        guessed arguments (``instead``) where the file's way fails, noted; None without one."""
        spec = self.spec
        start = len(used())
        try:
            return self.built(spec.get("target"))
        except ScopeError as exc:
            instead = spec.get("instead")
            if not instead:
                raise
            # what the failed way used of stand-ins is thrown away with it
            forget(start, len(used()))
            self.out.note(
                f"{exc}; built instead by {instead['scope'][-1]}() with its arguments guessed"
            )
            return self.built(instead)

    def through(self, caller: Dict[str, Any] | None) -> Any:
        """The model_fn of another module that calls this version's (``caller``, see
        ``targets.delegating_callers``), with that module importing this version; None without
        one."""
        if not caller:
            return None
        # ``import run_loop`` in a module of the same directory finds this version too.
        sys.modules.setdefault(self.spec["module_name"].rpartition(".")[2], self.module)
        try:
            other = load_definitions(caller["file"], caller["module_name"])
            function = getattr(other, caller["scope"][0])
            # the flags its script defines before running (``define_cifar_flags()``)
            for note in define_flags(other.__estimator_fix_tree__, caller["file"], vars(other)):
                self.out.note(f"{os.path.basename(caller['file'])}: {note}")
        except Exception as exc:  # user code
            raise ScopeError(
                f"loading {caller['scope'][0]} of {os.path.basename(caller['file'])}, the model_fn "
                f"that calls {self.spec['model_fn']}: {last_line(exc)}"
            ) from None
        self.out.note(
            f"run through {caller['scope'][0]} of {os.path.basename(caller['file'])}, the model_fn "
            f"that calls {self.spec['model_fn']} with what an Estimator does not hand it"
        )
        return function

    def _params(self) -> Any:
        if self.spec.get("params") is not None:
            return dict(self.spec["params"])
        at_call = self.spec.get("params_at_call")
        if at_call:
            try:
                value = self.built(at_call)
            except ScopeError as exc:
                self.out.note(f"params of the Estimator call not used: {exc}")
            else:
                value = usable_params(value)
                if value is not None:
                    self.out.note(f"params from the file's Estimator call: {at_call['expression']}")
                    return value
        value = self._job_params()
        if value is not None:
            return value
        value = getattr(self.module, "PARAMS", None)
        if isinstance(value, dict):
            return dict(value)
        return None

    def _job_params(self) -> Any:
        """The params of the Estimator the job builds in another module, in the function that
        builds the model_fn's builder or class (its caller's ``params=``)."""
        target = self.spec.get("target") or {}
        scope = target.get("scope") or []
        caller = (self.spec.get("callers") or {}).get(scope[0]) if scope else None
        if not caller or not caller.get("params"):
            return None
        try:
            value = evaluate_elsewhere(caller, caller["params"], self.out.note)
        except ScopeError as exc:
            self.out.note(f"params of the job's Estimator call not used: {exc}")
            return None
        value = usable_params(value)
        if value is None:
            return None
        where = os.path.basename(caller["file"])
        self.out.note(f"params from the Estimator call in {where}: {caller['params']}")
        return value

    def _input(self, ref: Dict[str, Any]) -> Any:
        return self.built(ref) if ref.get("expression") else load_function(self.module, ref)

    def _inputs(self) -> Dict[str, Callable[..., Any]]:
        start = len(used())
        inputs = self._own_or_synthetic_inputs()
        if self.synthetic is not None and self.abandoned_at is not None:
            # The file's own input functions failed (on a stand-in, too) and were thrown away
            # before the synthetic inputs were made: what they computed reaches nothing compared.
            forgotten = forget(start, self.abandoned_at)
            if forgotten:
                self.out.note(
                    "the file's own input functions used "
                    + ", ".join(sorted(set(forgotten)))
                    + " (stand-ins) and were replaced by synthetic inputs"
                )
        return inputs

    def _own_or_synthetic_inputs(self) -> Dict[str, Callable[..., Any]]:
        refs = self.spec.get("inputs") or {}
        if any(refs.values()):
            try:
                with time_limit(PROBE_SECONDS):
                    found = {mode: self._input(refs[mode]) for mode in (TRAIN, EVAL, PREDICT)}
            except (Exception, SystemExit) as exc:  # user code: the file's own need what is
                # not here (a download, data, arguments only the job's command line gives)
                why = str(exc) if isinstance(exc, (ScopeError, InputTimeout)) else last_line(exc)
                instead = self._synthetic_instead(f"could not be built ({why})", last_resort=True)
                if instead is None:
                    raise exc from None
                return instead
            needed = sorted({name for fn in found.values() for name in unfilled_parameters(fn)})
            if needed:  # ``input_fn(filenames, batch_size=32)``: its caller gives the files
                instead = self._synthetic_instead(
                    "need arguments an Estimator does not give (" + ", ".join(needed) + ")"
                )
                if instead is not None:
                    return instead
                return found
            self.own_inputs = found
            failure = self._probe(found[TRAIN])
            if failure:  # a download, a data file that is not here, a load that never ends
                instead = self._synthetic_instead(failure, last_resort=True)
                if instead is not None:
                    return instead
            return found
        synthetic = self.synthetic = Synthetic(self)
        self.out.data["synthetic"] = True
        return {mode: synthetic.input_fn for mode in (TRAIN, EVAL, PREDICT)}

    def _probe(self, fn: Callable[..., Any]) -> str:
        """Why the TRAIN input function, called once and one batch pulled from it (in a graph of
        its own, for at most ``PROBE_SECONDS``), gives no inputs (``failed (...)``, ``gave no
        batch``), or ''. The numbers need them; if it cannot give them, inputs inferred from
        the model_fn can, and are searched for now, while both versions still decide alike."""
        tf = self.tf
        try:
            with tf.Graph().as_default(), time_limit(PROBE_SECONDS):
                self.seed_graph()
                result = call_input_fn(self, fn)
                fit_columns(self, result)
                return self._first_batch(result)
        except (Exception, SystemExit) as exc:  # user code: any failure is the answer
            return f"failed ({last_line(exc)})"
        finally:
            self.seed_everything()

    def _first_batch(self, result: Any) -> str:
        """Why no batch comes out of what the input function returned (a dataset, or tensors):
        no file matched or the files ran out before one (``gave no batch``), a file that is not
        here (``failed (...)``); '' where one came, or where pulling it here fails otherwise
        (an initializable iterator, queue runners that only a training session starts): the
        training run then decides, as before."""
        tf = self.tf
        errors = tf.errors
        try:
            if isinstance(result, (tf.data.Dataset, tf.compat.v1.data.Dataset)):
                result = tf.compat.v1.data.make_one_shot_iterator(result).get_next()
            with tf.compat.v1.Session() as session:
                session.run(
                    [
                        tf.compat.v1.global_variables_initializer(),
                        tf.compat.v1.local_variables_initializer(),
                        tf.compat.v1.tables_initializer(),
                    ]
                )
                session.run(result, options=tf.compat.v1.RunOptions(timeout_in_ms=20000))
        except errors.OutOfRangeError:
            return "gave no batch"
        except errors.NotFoundError as exc:
            return f"failed ({last_line(exc)})"
        except Exception:  # noqa: BLE001 - not a verdict on the data: training decides
            return ""
        return ""

    def _synthetic_instead(
        self, why: str, last_resort: bool = False, search: bool = True
    ) -> Dict[str, Callable[..., Any]] | None:
        """Synthetic inputs in place of the file's own, which ``why``; None when there are none.
        ``search``: False where each version decides alone (no search: both build the same)."""
        if self.abandoned_at is None:
            self.abandoned_at = len(used())
        try:
            synthetic = Synthetic(self, last_resort, search)
        except LookupError:
            return None
        self.out.note(f"synthetic inputs: the file's own input functions {why}")
        self.out.data["synthetic"] = True
        self.synthetic = synthetic
        return {mode: synthetic.input_fn for mode in (TRAIN, EVAL, PREDICT)}

    # -- the inputs both versions use: the original's decision ---------------------------------

    def input_choice(self) -> Dict[str, Any]:
        """What the rewrite's worker must use to run on the original's inputs: whether they are
        synthetic, the synthetic inputs the original settled on (None: its own input functions)
        - searched for, or inferred and fitted (an image's size) - and whether a search chose
        them."""
        synthetic = self.synthetic
        searched = synthetic.searched if synthetic is not None else None
        return {
            "synthetic": synthetic is not None,
            "choice": synthetic.choice() if synthetic is not None else None,
            "searched": searched is not None and searched.choice is not None,
        }

    def follow(self, decision: Dict[str, Any] | None) -> None:
        """Use the original's inputs (``input_choice()`` of its worker) in the rewrite. The
        original draws its synthetic values again from its choice, as the rewrite draws them,
        so that both run on the same values whatever their own readings did first."""
        if self.spec["role"] == "original":
            if decision and decision.get("choice") is not None and self.synthetic is not None:
                self.synthetic.apply(decision["choice"])
            return
        if not decision:
            return
        if decision.get("synthetic") and self.synthetic is None:
            instead = self._synthetic_instead("failed in the original's run", last_resort=True)
            if instead is not None:
                self.inputs = instead
        elif not decision.get("synthetic") and self.synthetic and self.own_inputs:
            self.out.note("the file's own input functions: they worked in the original's run")
            self.synthetic, self.inputs = None, self.own_inputs
            self.out.data["synthetic"] = False
        choice = decision.get("choice")
        if choice is not None and self.synthetic is not None:
            self.synthetic.apply(choice)
            if decision.get("searched"):
                self.out.note(
                    "synthetic inputs as the original's search chose: " + self.synthetic.describe()
                )

    def _input_failure(self, exc: BaseException) -> bool:
        """Whether ``exc`` came from the file's own input pipeline (an input function's code, or
        reading its dataset), not from the model_fn."""
        if self.out.data.get("synthetic") or not any((self.spec.get("inputs") or {}).values()):
            return False
        op = getattr(exc, "op", None)
        if op is not None and str(getattr(op, "type", "")).startswith("IteratorGetNext"):
            return True
        codes = {getattr(inspect.unwrap(fn), "__code__", None) for fn in self.inputs.values()}
        frame = exc.__traceback__
        while frame is not None:
            if frame.tb_frame.f_code in codes:
                return True
            frame = frame.tb_next
        return False

    def seed_everything(self) -> None:
        random.seed(self.seed)
        self.np.random.seed(self.seed)
        set_seed = getattr(self.tf.random, "set_seed", None)  # TensorFlow 1.15: set_random_seed
        (set_seed or self.tf.compat.v1.set_random_seed)(self.seed)

    def seed_graph(self) -> None:
        """Give the default graph the seed an Estimator gives its graphs: under op determinism,
        TensorFlow 2 refuses to build a random op (an initializer, a shuffle) in a graph without
        one, which would make a trial build fail where the real one does not."""
        self.tf.compat.v1.set_random_seed(self.seed)

    def estimator(self, model_dir: str) -> Any:
        tf = self.tf
        settings = dict(
            model_dir=model_dir,
            tf_random_seed=self.seed,
            session_config=session_config(tf),
            save_summary_steps=None,
            log_step_count_steps=None,
            keep_checkpoint_max=1,
        )
        if not self.tpu:
            return tf.estimator.Estimator(
                self.wrapped_model_fn, config=tf.estimator.RunConfig(**settings), params=self.params
            )
        tpu = tf.compat.v1.estimator.tpu
        params, batch = self.tpu_batch()
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

    def tpu_batch(self) -> Tuple[Dict[str, Any], int]:
        """A TPUEstimator's params (without ``batch_size``, which it sets) and batch size: a
        dict, as a TPUEstimator's are (an object's fields readable by attribute too)."""
        params = fresh_params(self.params)
        if not isinstance(params, dict):
            params = AttributeParams(vars(params))
        batch = params.pop("batch_size", None) or params.get("train_batch_size") or self.batch_size
        return params, int(batch)

    # -- the model_fn, as each mode calls it ---------------------------------------------------

    def call_model_fn(self, features: Any, labels: Any, mode: Any, params: Any, config: Any) -> Any:
        """Call the user's model_fn with the arguments it declares (Estimator's convention)."""
        given = {"labels": labels, "mode": mode, "params": params, "config": config}
        accepted = self.accepted or []
        for spelling in ("targets", "target"):  # the tf.contrib.learn spellings
            if spelling in accepted and "labels" not in accepted:
                given[spelling] = given.pop("labels")
                break
        if self.accepted is None:
            return self.model_fn(features=features, **given)
        kwargs = {name: value for name, value in given.items() if name in self.accepted}
        if positional_labels(self.accepted) is not None:  # tf.contrib.learn's convention
            return self.model_fn(features, labels, **kwargs)
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
        if mode == tf.estimator.ModeKeys.PREDICT and self.label_spec is not None:
            # Built in every PREDICT run of either version, used only for the reference run
            # with placeholder labels: the graphs then hold the same ops before the model_fn's,
            # so a random op seeded from the graph's seed and its op count (a dropout left on in
            # PREDICT) draws the same numbers in the rewrite as in that reference.
            filled = placeholder_labels(tf, features, self.label_spec, self.placeholder or 0)
            if self.placeholder is not None:
                labels = filled
        for name in self.graph_globals:
            setattr(self.module, name, tf.compat.v1.get_default_graph())
        result = self.call_model_fn(features, labels, mode, params, config)
        if type(result).__name__ == "ModelFnOps":  # tf.contrib.learn's spec, as its Estimator
            result = result.estimator_spec()  # turned it into one
        self.spec_loss = getattr(result, "loss", None)
        return result

    # -- the three modes -----------------------------------------------------------------------

    def model_dir(self, name: str) -> str:
        """The model directory of a run named ``name`` (a stage, ``EVAL:lenient``, names one
        as ``eval-lenient``)."""
        return os.path.join(self.spec["out_dir"], "model", name.lower().replace(":", "-"))

    def watch(self) -> None:
        """Start a run: whether a spec failed its checks is this run's."""
        if self.gate is not None:
            self.gate.rejected = False

    def lenient_again(self, run: Callable[[], Any]) -> Any:
        """What ``run`` returns, run again with the fields of each spec its mode does not use
        left out, where the run that just failed had a spec fail its checks; None otherwise."""
        gate = self.gate
        if gate is None or not gate.retry():
            return None
        gate.lenient = True
        try:
            return run()
        finally:
            gate.lenient = False

    def train(self, attempt: str = "train", stage: str = TRAIN) -> str | None:
        tf = self.tf
        self.watch()
        recorder = self.Recorder(self, record_loss=True)
        directory = self.model_dir(attempt)
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
            if attempt == "train" and self._input_failure(exc):
                synthetic = self._synthetic_instead(f"failed ({last_line(exc)})", search=False)
                if synthetic is not None:
                    self.inputs = synthetic
                    return self.train("train-synthetic")
            self.out.stage(stage, False, last_line(exc), where=where(exc))
            if stage != TRAIN:
                return None
            lenient: str | None = self.lenient_again(
                lambda: self.train(f"{attempt}-lenient", TRAIN + SUFFIX)
            )
            return lenient
        if not recorder.losses and attempt == "train" and not self.out.data.get("synthetic"):
            # The file's own inputs ran out before the first step (files matched by nothing
            # here): a run with no step compares nothing.
            synthetic = self._synthetic_instead("gave no batch", search=False)
            if synthetic is not None:
                self.inputs = synthetic
                return self.train("train-synthetic")
        losses = [self.out.store(loss) for loss in recorder.losses]
        changed = recorder.changes.counts
        # steps that changed no trainable variable, or whose loss was 0 every time (a softmax
        # over one position of a sequence of length 1): the numbers compare no training
        unchanged = bool(changed and changed["trainable"] and not changed["changed"])
        zero = bool(recorder.losses) and all(
            not self.np.any(self.np.asarray(loss)) for loss in recorder.losses
        )
        self.trained_nothing = unchanged or zero
        self.out.stage(
            stage,
            True,
            losses=losses,
            tensors=tensors,
            restores=recorder.restores,
            changed=changed,
        )
        return checkpoint

    def evaluate(self, checkpoint: str, stage: str = EVAL) -> bool:
        self.watch()
        recorder = self.Recorder(self)
        try:
            estimator = self.estimator(self.model_dir(stage))
            self.seed_everything()
            metrics = estimator.evaluate(
                self.inputs[EVAL], steps=self.steps, checkpoint_path=checkpoint, hooks=[recorder]
            )
            tensors = {str(key): self.out.store(metrics[key]) for key in sorted(metrics)}
        except (Exception, SystemExit) as exc:
            restores = recorder.restores
            self.out.stage(stage, False, last_line(exc), restores=restores, where=where(exc))
            if stage == EVAL:
                self.lenient_again(lambda: self.evaluate(checkpoint, EVAL + SUFFIX))
            return False
        self.out.stage(stage, True, tensors=tensors, restores=recorder.restores)
        return True

    def predictions(self, checkpoint: str, name: str) -> Dict[str, Any]:
        """Up to ``steps`` batches of predictions, as arrays named ``key#batch``."""
        self.seed_everything()
        self.watch()
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

    def predict(self, checkpoint: str, stage: str = PREDICT) -> bool:
        try:
            batches = self.predictions(checkpoint, stage)
        except (Exception, SystemExit) as exc:
            error = last_line(exc)
            restores = self.last_recorder.restores
            self.out.stage(stage, False, error, restores=restores, where=where(exc))
            if stage != PREDICT:
                return False
            again = self.lenient_again(lambda: self.predict(checkpoint, PREDICT + SUFFIX))
            if not again and self.spec["role"] == "original":
                self.predict_with_placeholder_labels(checkpoint)
            return False
        tensors = {key: self.out.store(value) for key, value in batches.items()}
        self.out.stage(stage, True, tensors=tensors, restores=self.last_recorder.restores)
        return True

    def predict_with_placeholder_labels(self, checkpoint: str) -> bool:
        """The reference for a PREDICT that fails without labels: run it with labels 0, then 1."""
        if self.label_spec is None:
            self.out.stage("placeholder", False, "no label shape is known (TRAIN saw no labels)")
            return False
        try:
            self.placeholder = 0
            zeros = self.predictions(checkpoint, "placeholder0")
            self.placeholder = 1
            ones = self.predictions(checkpoint, "placeholder1")
        except (Exception, SystemExit) as exc:
            if self.lenient_again(lambda: self.predict_with_placeholder_labels(checkpoint)):
                self.out.note(
                    "the original's PREDICT with placeholder labels ran with the fields of its "
                    "spec PREDICT does not use left out (they fail the spec's checks)"
                )
                return True
            self.out.stage("placeholder", False, last_line(exc), where=where(exc))
            return False
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
        return True


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


def digest(np: Any, value: Any) -> str:
    """A value's bytes, dtype and shape, hashed: equal digests, equal values."""
    array = np.asarray(value)
    return hashlib.sha1(array.tobytes() + repr((array.dtype.str, array.shape)).encode()).hexdigest()


class TrainableChanges:
    """How many of the graph's trainable variables a training session changed: their values'
    digests when the session is created and when it ends."""

    def __init__(self, tf: Any, np: Any) -> None:
        self.tf, self.np = tf, np
        self.variables: List[Any] = []
        self.start: List[str] = []
        #: ``{"trainable": N, "changed": K}`` once the session ended; None if not measured.
        self.counts: Dict[str, int] | None = None

    def begin(self) -> None:
        self.variables = list(self.tf.compat.v1.trainable_variables())

    def created(self, session: Any) -> None:
        self.start = self.digests(session)

    def ended(self, session: Any) -> None:
        if self.variables and len(self.start) == len(self.variables):
            now = self.digests(session)
            changed = sum(1 for a, b in zip(self.start, now) if a != b)
            self.counts = {"trainable": len(now), "changed": changed}

    def digests(self, session: Any) -> List[str]:
        if not self.variables:
            return []
        try:
            return [digest(self.np, value) for value in session.run(self.variables)]
        except Exception:  # a variable this session cannot read: not measured
            return []


def saved_variables(tf: Any) -> List[Any]:
    """Each variable of the graph as a checkpoint names it: [name, shape] (a partitioned
    variable once, whole)."""
    found: List[Any] = []
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
            found.append([name, shape])
    return found


def recorder_class(tf: Any, np: Any) -> Any:
    """A SessionRunHook recording the variables the graph restores and each step's loss; in
    TRAIN also how many trainable variables the steps changed (none: the training code's
    effect was never compared)."""

    class Recorder(tf.compat.v1.train.SessionRunHook):  # type: ignore[misc]
        def __init__(self, program: Program, record_loss: bool = False) -> None:
            self.program = program
            self.record_loss = record_loss
            self.losses: List[Any] = []
            self.restores: List[Any] = []
            self._loss: Any = None
            self.changes = TrainableChanges(tf, np)

        def begin(self) -> None:
            self.restores = saved_variables(tf)
            self._loss = self.program.spec_loss if self.record_loss else None
            if self.record_loss:
                self.changes.begin()

        def after_create_session(self, session: Any, coord: Any) -> None:
            self.changes.created(session)

        def end(self, session: Any) -> None:
            self.changes.ended(session)

        def before_run(self, run_context: Any) -> Any:
            if self._loss is None:
                return None
            return tf.compat.v1.train.SessionRunArgs(self._loss)

        def after_run(self, run_context: Any, run_values: Any) -> None:
            if self._loss is not None:
                self.losses.append(np.asarray(run_values.results))

    return Recorder


def run(spec: Dict[str, Any], channel: Channel, out: Output) -> None:
    try:
        os.chdir(spec["cwd"])
        tf = import_tensorflow()
        out.data["tensorflow"] = str(tf.__version__)
        random.seed(int(spec["seed"]))  # module-level code may draw random numbers too
        out.np.random.seed(int(spec["seed"]))
        module, tree, notes = load_module(spec)
        for note in notes:
            out.note(note)
        program = Program(tf, out.np, module, tree, spec, out)
    except (Exception, SystemExit) as exc:
        unset = unset_environment(exc)
        out.data["setup_error"] = last_line(exc) + (f" ({unset})" if unset else "")
        out.data["missing_module"] = missing_module(exc)
        channel.send({"event": "ready", "inputs": None})
        channel.send({"event": "trained", "checkpoint": None})
        return
    # Both versions run on the original's inputs: it says which, the rewrite follows.
    channel.send({"event": "ready", "inputs": program.input_choice()})
    try:
        program.follow(channel.receive().get("inputs"))
    except (Exception, SystemExit) as exc:  # user code: the model_fn built by a search's choice
        out.note(f"the original's inputs could not be used: {last_line(exc)}")
    checkpoint = None if spec.get("graph_only") else program.train()
    for note in channels_last_notes():  # the graphs are built by now
        out.note(note)
    out.write()
    untrained = program.trained_nothing  # the numbers compare no training: graphs too
    channel.send({"event": "trained", "checkpoint": checkpoint, "untrained": untrained})
    reply = channel.receive()
    reference = reply.get("checkpoint")
    if reference:
        program.evaluate(reference)
        out.write()
        program.predict(reference)
    if reply.get("graphs"):  # the numbers cannot run: compare the graphs
        out.write()
        out.data["graphs"] = build_graphs(program)


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
        # a use of a stand-in the code validated caught proves nothing either
        out.data["stand_ins_used"] = sorted(set(used()))
        out.write()
    channel.send({"event": "done"})
    sys.stderr.flush()
    # Skip TensorFlow's slow interpreter teardown: everything is written.
    os._exit(0)
