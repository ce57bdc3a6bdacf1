"""Hypothesis strategy: whole modules whose model_fn is drawn from a grammar of Estimator code.

The grammar (SPEC §4 shapes). Feature code: a dense layer, a module-level helper (plain, or
receiving ``mode`` / ``is_training``) or raw features; dropout (``training=`` a mode test or a flag,
its rate maybe set in an ``if``/``else`` on the mode); an auxiliary head; the main head (inline, a
helper, or in a variable scope); predictions (a dict, maybe through ``probabilities``); a
regulariser. Label code: ``labels`` cast, aliased (``y_ = labels``) or noised with a random op;
losses (squared error, ``tf.compat.v1.losses``, a helper, two steps, in a name scope, two
statements on one line, or in the head's variable scope); an auxiliary loss; combined losses
(``loss = loss + ...``, ``loss += ...``, ``total_loss``). Training: a global step, optimizers, and
``train_op`` by ``minimize``, inline, compute/apply gradients, under ``control_dependencies`` on
update ops, or ``... if is_training else None``; logging hooks (on the loss, maybe on a metric).
Metrics (inline, a dict, a ``metric_fn`` helper) and metric summaries; summaries. Mode logic:
``is_training`` / ``is_predicting`` flags; tests in every spelling (``==`` either way round, ``!=``,
``in``/``not in`` with tuples or lists, ``is``/``is not``, flags and ``not`` flags, ``labels is not
None``; ModeKeys through ``tf.estimator``, ``tf.compat.v1.estimator``, an imported ``ModeKeys`` or
``MK``, or string literals in either quote), including tests written for the modes still running
after an earlier return; guarded blocks, nested blocks, ``else: x = None``; early returns for
PREDICT, EVAL and TRAIN, alone or ending a guarded block; a final single spec (``x = None``
idioms), split specs or an ``if``/``elif``/``else`` chain; specs by keyword or position, on one
line or several, returned directly or through ``spec``; four signatures. Comments (own-line,
trailing, at the end of a block), blank lines, a docstring, two- or four-space indentation.

Programs are well-formed by construction: while it writes statements the builder tracks, per mode,
which names are bound to real values, so every statement runs only in modes where what it reads
exists (the original may still crash in PREDICT where ``labels`` is None, as real code does), and
every mode returns a spec with what that mode needs. Each module also gets an ``input_fn`` with
small synthetic data (features ``{"x": float32 [8, 4]}``, labels ``float32 [8, 1]``) so it runs in
TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from hypothesis import strategies as st

T, E, P = "train", "eval", "infer"
ALL = frozenset({T, E, P})
ORDER = (P, T, E)
_ATTR = {T: "TRAIN", E: "EVAL", P: "PREDICT"}
#: Names bound in every mode before the body runs: parameters and module-level helpers.
_PARAMS = frozenset(
    {"features", "labels", "mode", "params", "build_net", "head_fn", "mse_loss", "metric_fn"}
)

Choice = TypeVar("Choice")

INPUT_FN = """

def input_fn():
    x = np.linspace(-1.0, 1.0, 32, dtype=np.float32).reshape(8, 4)
    y = np.sum(x, axis=1, keepdims=True).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(4).repeat()
"""

HELPERS = {
    "build_net": """
def build_net(features):
    return tf.compat.v1.layers.dense(features["x"], 4, activation=tf.nn.relu)
""",
    "build_net_mode": """
def build_net(features, mode):
    net = tf.compat.v1.layers.dense(features["x"], 4, activation=tf.nn.relu)
    return tf.compat.v1.layers.dropout(net, 0.1, training=mode == tf.estimator.ModeKeys.TRAIN)
""",
    "build_net_flag": """
def build_net(features, is_training):
    net = tf.compat.v1.layers.dense(features["x"], 4, activation=tf.nn.relu)
    return tf.compat.v1.layers.dropout(net, 0.1, training=is_training)
""",
    "head_fn": """
def head_fn(net):
    return tf.compat.v1.layers.dense(net, 1)
""",
    "mse_loss": """
def mse_loss(labels, logits):
    return tf.reduce_mean(tf.square(labels - logits))
""",
    "metric_fn": """
def metric_fn(labels, logits):
    return {"mse": tf.compat.v1.metrics.mean_squared_error(labels, logits)}
""",
}

_COMMENTS = (
    "# build the network",
    "# loss",
    "# TODO: tune",
    "# NOTE: shared by every mode",
    "#",
)


@dataclass
class Atom:
    """One statement (or small compound statement) of the model_fn body."""

    key: str
    lines: list[tuple[int, str]]  # (relative depth, text)
    reads: frozenset[str]
    defs: frozenset[str]
    kind: str  # feature | label | train | metric | summary
    home: frozenset[str] = ALL  # the modes that need it; a guard never leaves one out
    after: frozenset[str] = frozenset()
    none_name: Optional[str] = None  # a spec field variable: may start as ``name = None``
    train_reads: bool = False  # ``... if is_training else None``: reads only matter in TRAIN

    @property
    def guarded(self) -> bool:
        return self.kind != "feature"


@dataclass(frozen=True)
class Test:
    text: str
    labels_guard: bool = False  # ``labels is not None``: the stub's original runs it in PREDICT


class Builder:
    """Draws one module. ``allow_unfixable`` admits label code a safe fix must leave in PREDICT
    (and report): a random op on labels, a loss in the head's variable scope."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any], allow_unfixable: bool):
        self.draw = draw
        self.allow_unfixable = allow_unfixable
        self.lines: list[str] = []
        self.live: set[str] = set(ALL)
        self.real: dict[str, set[str]] = {m: set(_PARAMS) for m in ALL}
        self.defined: dict[str, set[str]] = {m: set(_PARAMS) for m in ALL}
        self.placed: set[str] = set()
        self.helpers: list[str] = []
        self.flags: set[str] = set()
        self.uses_params = False
        self.unfixable = False
        self.tags: set[str] = set()

    # ----------------------------------------------------------------- drawing
    def pick(self, options: list[Choice] | tuple[Choice, ...]) -> Choice:
        return self.draw(st.sampled_from(list(options)))  # type: ignore[no-any-return]

    def maybe(self, one_in: int = 2) -> bool:
        """True about once in ``one_in`` draws; shrinks to False."""
        return bool(self.draw(st.sampled_from([False] * (one_in - 1) + [True])))

    def index(self, count: int) -> int:
        return int(self.draw(st.integers(0, count - 1)))

    # ----------------------------------------------------------------- spellings
    def choose_spellings(self) -> list[str]:
        imports = ["import numpy as np", "import tensorflow as tf"]
        self.prefixes = ["tf.estimator.ModeKeys", "tf.compat.v1.estimator.ModeKeys"]
        self.strings = self.maybe(3)
        self.quote = self.pick(['"', "'"])
        self.spec_name = "tf.estimator.EstimatorSpec"
        names = []
        alias = self.pick([None, "MK", "ModeKeys"])
        if alias is not None:
            names.append("ModeKeys as MK" if alias == "MK" else "ModeKeys")
            self.prefixes = [alias] if self.maybe(2) else [alias, *self.prefixes]
        spec = self.pick([None, "tf.compat.v1.estimator.EstimatorSpec", "EstimatorSpec", "Spec"])
        if spec is not None:
            self.spec_name = spec
            if spec in {"EstimatorSpec", "Spec"}:
                names.insert(0, "EstimatorSpec as Spec" if spec == "Spec" else "EstimatorSpec")
        if names:
            imports.append(f"from tensorflow.estimator import {', '.join(names)}")
        if self.strings and self.maybe(2):
            self.prefixes = []  # string literals only
        return imports

    def key(self, mode: str, prefixed: bool = False) -> str:
        options = [f"{p}.{_ATTR[mode]}" for p in self.prefixes]
        if self.strings and not prefixed:
            options.append(f"{self.quote}{mode}{self.quote}")
        return self.pick(options)

    def test(self, modes: frozenset[str], live: frozenset[str], labels_ok: bool = False) -> Test:
        """A test true exactly in ``modes`` among the ``live`` modes, in some spelling."""
        assert modes and modes < live
        others = live - modes
        options: list[Callable[[], Test]] = []
        ordered = [m for m in ORDER if m in modes]
        if len(modes) == 1:
            (only,) = modes
            options.append(lambda: Test(f"mode == {self.key(only)}"))
            options.append(lambda: Test(f"{self.key(only)} == mode"))
            if self.prefixes:
                options.append(lambda: Test(f"mode is {self.key(only, prefixed=True)}"))
            if only == T and "is_training" in self.flags:
                options.append(lambda: Test("is_training"))
            if only == P and "is_predicting" in self.flags:
                options.append(lambda: Test("is_predicting"))
        if len(others) == 1:
            (other,) = others
            options.append(lambda: Test(f"mode != {self.key(other)}"))
            options.append(lambda: Test(f"mode not in ({self.key(other)},)"))
            if self.prefixes:
                options.append(lambda: Test(f"mode is not {self.key(other, prefixed=True)}"))
            if other == T and "is_training" in self.flags:
                options.append(lambda: Test("not is_training"))
            if other == P and "is_predicting" in self.flags:
                options.append(lambda: Test("not is_predicting"))
            if other == P and labels_ok:
                options.append(lambda: Test("labels is not None", labels_guard=True))
        bracket = self.pick(["()", "[]"])
        comma = "," if len(ordered) == 1 and bracket == "()" else ""
        options.append(
            lambda: Test(
                f"mode in {bracket[0]}{', '.join(self.key(m) for m in ordered)}{comma}{bracket[1]}"
            )
        )
        test = self.pick(options)()
        negated = test.text.startswith(("mode !=", "mode not", "mode is not", "not "))
        if negated and live != ALL:
            self.tags.add("relative test")  # true in a mode that returned earlier
        if test.labels_guard:
            self.tags.add("labels is not None")
        return test

    # ----------------------------------------------------------------- writing
    def indent(self, depth: int) -> str:
        return self.unit * depth

    def decorate(self, depth: int) -> list[str]:
        """Blank lines and comments that may precede a statement."""
        out = []
        if self.maybe(5):
            out.append("")
        if self.maybe(6):
            out.append(self.indent(depth) + self.pick(_COMMENTS))
        return out

    def trailing(self) -> str:
        """Maybe a comment at the end of a line."""
        if self.maybe(8):
            return "  # " + self.pick(["why not", "noqa: E501", "shape [batch, 1]"])
        return ""

    def atom_lines(self, atom: Atom, depth: int) -> list[str]:
        out = self.decorate(depth)
        for number, (relative, text) in enumerate(atom.lines):
            line = self.indent(depth + relative) + text
            out.append(line + (self.trailing() if number == len(atom.lines) - 1 else ""))
        return out

    def bind(self, atom: Atom, modes: frozenset[str]) -> None:
        for mode in modes:
            self.defined[mode] |= atom.defs
            if atom.train_reads and mode != T:
                continue  # bound to None
            self.real[mode] |= atom.defs
        self.placed.add(atom.key)

    # ----------------------------------------------------------------- the plan
    def plan(self) -> list[Atom]:
        """The statements to place, with what each reads, binds and is for."""
        self.atoms: list[Atom] = []
        self.label = "labels"
        self.prep: frozenset[str] = frozenset()
        self.label_code()
        self.network()
        self.losses()
        self.training()
        self.metrics()
        self.summaries()
        moded = any(t.startswith("dropout") for t in self.tags) or "net: helper_mode" in self.tags
        if moded and {"head_fn", "mse_loss", "metric_fn"} & set(self.helpers):
            self.tags.add("helper fed a mode-derived value")
        return self.atoms

    def add(self, key: str, text: str, reads: str, defs: str, kind: str, **more: Any) -> None:
        """One atom; ``text`` lines starting with ``>`` are indented one level per ``>``."""
        lines = [(len(line) - len(line.lstrip(">")), line.lstrip(">")) for line in text.split("\n")]
        atom = Atom(key, lines, frozenset(reads.split()), frozenset(defs.split()), kind, **more)
        self.atoms.append(atom)

    def label_code(self) -> None:
        # Unfixable shapes (reported, never moved) are rare, so that most examples get fixed.
        choice = "noise" if self.rare() else self.pick(["none", "cast", "alias"])
        home = frozenset({T, E})
        if choice == "cast":
            self.add(
                "prep",
                "labels = tf.cast(labels, tf.float32)",
                "labels",
                "labels",
                "label",
                home=home,
            )
        elif choice == "alias":
            self.label = "y_"
            self.add("prep", "y_ = labels", "labels", "y_", "label", home=home)
        elif choice == "noise":
            self.unfixable = True  # a random op before other random ops: unsafe to skip
            self.add(
                "prep",
                "labels = labels + tf.random.normal(tf.shape(labels), stddev=0.01)",
                "labels",
                "labels",
                "label",
                home=home,
            )
        if choice != "none":
            self.prep = frozenset({"prep"})
            self.tags.add(f"labels: {choice}")

    def rare(self) -> bool:
        return self.allow_unfixable and self.maybe(8)

    def network(self) -> None:
        net = self.pick(["dense", "helper", "helper_mode", "raw"])
        self.tags.add(f"net: {net}")
        if net == "dense":
            self.add(
                "net",
                'net = tf.compat.v1.layers.dense(features["x"], 4, '
                "activation=tf.nn.relu)",
                "features",
                "net",
                "feature",
            )
        elif net == "helper":
            self.helpers.append("build_net")
            self.add("net", "net = build_net(features)", "features build_net", "net", "feature")
        elif net == "helper_mode":
            flag = "is_training" if "is_training" in self.flags and self.maybe(2) else "mode"
            self.helpers.append("build_net_flag" if flag == "is_training" else "build_net_mode")
            self.add(
                "net",
                f"net = build_net(features, {flag})",
                f"features build_net {flag}",
                "net",
                "feature",
            )
        else:
            self.add("net", 'net = features["x"]', "features", "net", "feature")
        head_after = frozenset({"net"})
        if self.maybe(3):
            self.dropout()
            head_after |= {"dropout"}
        self.aux = self.maybe(3)
        if self.aux:
            self.tags.add("aux head")
            self.add(
                "aux",
                "aux_logits = tf.compat.v1.layers.dense(net, 1)",
                "net",
                "aux_logits",
                "feature",
                after=frozenset({"net"}),
            )
        self.head(head_after)
        shape = self.pick(["dict", "dict2", "probabilities"])
        self.tags.add(f"predictions: {shape}")
        if shape == "dict":
            self.add("pred", 'predictions = {"y": logits}', "logits", "predictions", "feature")
        elif shape == "dict2":
            self.add(
                "pred",
                'predictions = {"y": logits, "p": tf.nn.sigmoid(logits)}',
                "logits",
                "predictions",
                "feature",
            )
        else:
            self.add(
                "prob",
                "probabilities = tf.nn.sigmoid(logits)",
                "logits",
                "probabilities",
                "feature",
            )
            self.add(
                "pred",
                'predictions = {"y": logits, "p": probabilities}',
                "logits probabilities",
                "predictions",
                "feature",
            )
        self.reg = self.maybe(5)
        if self.reg:
            self.tags.add("reg")
            self.add(
                "reg", "reg = 0.01 * tf.reduce_mean(tf.square(logits))", "logits", "reg", "feature"
            )

    def dropout(self) -> None:
        flags = " ".join(self.flags)
        rate, reads = "0.1", "net"
        if self.maybe(3):
            test = self.test(frozenset({T}), ALL)
            self.add(
                "rate",
                f"if {test.text}:\n>rate = 0.2\nelse:\n>rate = 0.0",
                f"mode {flags}",
                "rate",
                "feature",
            )
            rate, reads = "rate", "net rate"
        training = "is_training" if "is_training" in self.flags else f"mode == {self.key(T)}"
        self.add(
            "dropout",
            f"net = tf.compat.v1.layers.dropout(net, {rate}, "
            f"training={training})",
            f"{reads} {flags}",
            "net",
            "feature",
            after=frozenset({"net"}),
        )
        self.tags.add("dropout" + (" rate" if rate == "rate" else ""))

    def head(self, after: frozenset[str]) -> None:
        self.head_shape = (
            "scope with loss" if self.rare() else self.pick(["dense", "helper", "scope"])
        )
        self.tags.add(f"head: {self.head_shape}")
        reads, defs = "net", "logits"
        if self.head_shape == "dense":
            text = "logits = tf.compat.v1.layers.dense(net, 1)"
        elif self.head_shape == "helper":
            self.helpers.append("head_fn")
            text, reads = "logits = head_fn(net)", "net head_fn"
        elif self.head_shape == "scope":
            text = (
                'with tf.compat.v1.variable_scope("head"):\n'
                ">logits = tf.compat.v1.layers.dense(net, 1)"
            )
        else:
            # A loss in the same block as the layer PREDICT needs: reported, never moved.
            self.unfixable = True
            text = (
                'with tf.compat.v1.variable_scope("head"):\n'
                ">logits = tf.compat.v1.layers.dense(net, 1)\n"
                f">loss = tf.reduce_mean(tf.square({self.label} - logits))"
            )
            reads, defs = f"net {self.label}", "logits loss"
            for atom in self.atoms:
                if atom.key == "prep":  # what the block reads must exist in every mode
                    atom.kind, atom.home = "feature", ALL
        self.add("head", text, reads, defs, "feature", after=after | self.prep)

    def losses(self) -> None:
        label, home, prep = self.label, frozenset({T, E}), self.prep
        form = self.pick(["square", "losses", "helper", "two_step", "scope"])
        self.tags.add(f"loss: {form}")
        text = {
            "square": f"loss = tf.reduce_mean(tf.square({label} - logits))",
            "losses": f"loss = tf.compat.v1.losses.mean_squared_error({label}, logits)",
            "helper": f"loss = mse_loss({label}, logits)",
            "two_step": "loss = tf.reduce_mean(tf.square(error))",
            "scope": (
                'with tf.name_scope("loss"):\n'
                f">loss = tf.reduce_mean(tf.square({label} - logits))"
            ),
        }[form]
        reads, defs = f"{label} logits", "loss"
        if form == "helper":
            self.helpers.append("mse_loss")
            reads += " mse_loss"
        if form == "two_step" and self.maybe(4):
            self.tags.add("two statements on a line")
            text, defs = f"error = {label} - logits; {text}", "error loss"
        elif form == "two_step":
            self.add(
                "error",
                f"error = {label} - logits",
                f"{label} logits",
                "error",
                "label",
                home=home,
                after=prep,
            )
            reads = "error"
        if self.head_shape != "scope with loss":
            self.add("loss", text, reads, defs, "label", home=home, after=prep, none_name="loss")
        self.loss = "loss"
        extra = []
        if self.aux:
            self.add(
                "aux_loss",
                f"aux_loss = tf.compat.v1.losses.absolute_difference({label}, "
                "aux_logits)",
                f"{label} aux_logits",
                "aux_loss",
                "label",
                home=home,
                after=prep,
            )
            extra.append(("0.5 * aux_loss", "aux_loss"))
        if self.reg:
            extra.append(("reg", "reg"))
        if not extra:
            return
        term = " + ".join(t for t, _ in extra)
        names = " ".join(n for _, n in extra)
        combine = self.pick(["rebind", "augmented", "total"])
        if combine == "total":
            self.loss = "total_loss"
            self.add(
                "combine",
                f"total_loss = loss + {term}",
                f"loss {names}",
                "total_loss",
                "label",
                home=home,
                none_name="total_loss",
            )
        else:
            text = f"loss += {term}" if combine == "augmented" else f"loss = loss + {term}"
            self.add(
                "combine",
                text,
                f"loss {names}",
                "loss",
                "label",
                home=home,
                after=frozenset({"loss"}),
            )

    def training(self) -> None:
        home, loss = frozenset({T}), self.loss
        step = self.pick(["inline", "get", "variable"])
        step_reads = ""
        if step == "variable":
            self.add(
                "step",
                "global_step = tf.compat.v1.train.get_or_create_global_step()",
                "",
                "global_step",
                "train",
                home=home,
            )
            global_step, step_reads = "global_step", "global_step"
        elif step == "get":
            global_step = "tf.compat.v1.train.get_global_step()"
        else:
            global_step = "tf.compat.v1.train.get_or_create_global_step()"
        rate = "0.1"
        if self.maybe(3):
            self.uses_params = True
            rate = 'params["learning_rate"]'
        optimizer = self.pick(
            [
                f"tf.compat.v1.train.GradientDescentOptimizer({rate})",
                f"tf.compat.v1.train.AdamOptimizer({rate})",
                f"tf.compat.v1.train.MomentumOptimizer({rate}, 0.9)",
            ]
        )
        builds = ["minimize", "inline", "gradients", "update_ops"]
        build = self.pick([*builds, "ifexp"] if "is_training" in self.flags else builds)
        self.tags.add(f"train_op: {build}")
        minimize = f"minimize({loss}, global_step={global_step})"
        if build == "inline":
            self.add(
                "train_op",
                f"train_op = {optimizer}.{minimize}",
                f"{loss} {step_reads}",
                "train_op",
                "train",
                home=home,
                none_name="train_op",
            )
            return
        self.add("optimizer", f"optimizer = {optimizer}", "params", "optimizer", "train", home=home)
        reads = f"optimizer {loss} {step_reads}"
        if build == "gradients":
            self.add(
                "grads",
                f"grads_and_vars = optimizer.compute_gradients({loss})",
                f"optimizer {loss}",
                "grads_and_vars",
                "train",
                home=home,
            )
            self.add(
                "train_op",
                "train_op = optimizer.apply_gradients(grads_and_vars, "
                f"global_step={global_step})",
                f"optimizer grads_and_vars {step_reads}",
                "train_op",
                "train",
                home=home,
                none_name="train_op",
            )
        elif build == "update_ops":
            self.add(
                "update_ops",
                "update_ops = tf.compat.v1.get_collection("
                "tf.compat.v1.GraphKeys.UPDATE_OPS)",
                "",
                "update_ops",
                "train",
                home=home,
            )
            self.add(
                "train_op",
                "with tf.control_dependencies(update_ops):\n"
                f">train_op = optimizer.{minimize}",
                f"update_ops {reads}",
                "train_op",
                "train",
                home=home,
                none_name="train_op",
            )
        elif build == "ifexp":
            self.add(
                "train_op",
                f"train_op = optimizer.{minimize} if is_training else None",
                f"{reads} is_training",
                "train_op",
                "train",
                home=home,
                train_reads=True,
            )
        else:
            self.add(
                "train_op",
                f"train_op = optimizer.{minimize}",
                reads,
                "train_op",
                "train",
                home=home,
                none_name="train_op",
            )

    def metrics(self) -> None:
        label, home = self.label, frozenset({E})
        self.metric_names: list[str] = []
        self.metrics_dict: Optional[str] = None
        chosen = self.draw(
            st.lists(
                st.sampled_from(["mse", "mae", "mean_loss", "mean_pred", "metric_fn"]),
                max_size=2,
                unique=True,
            )
        )
        self.tags |= {f"metric: {name}" for name in chosen}
        for name in chosen:
            if name == "metric_fn":
                self.helpers.append("metric_fn")
                self.metrics_dict = "metrics"
                self.add(
                    "metrics",
                    f"metrics = metric_fn({label}, logits)",
                    f"metric_fn {label} logits",
                    "metrics",
                    "metric",
                    home=home,
                    after=self.prep,
                    none_name="metrics",
                )
                continue
            text, reads = {
                "mse": (
                    f"tf.compat.v1.metrics.mean_squared_error({label}, logits)",
                    f"{label} logits",
                ),
                "mae": (
                    f"tf.compat.v1.metrics.mean_absolute_error({label}, logits)",
                    f"{label} logits",
                ),
                "mean_loss": (f"tf.compat.v1.metrics.mean({self.loss})", self.loss),
                "mean_pred": ("tf.compat.v1.metrics.mean(logits)", "logits"),
            }[name]
            self.add(name, f"{name} = {text}", reads, name, "metric", home=home, after=self.prep)
            self.metric_names.append(name)
            if self.maybe(4):
                self.add(
                    f"{name}_summary",
                    f'tf.compat.v1.summary.scalar("{name}", {name}[1])',
                    name,
                    "",
                    "summary",
                    home=home,
                )
        if self.metric_names and self.metrics_dict is None and self.maybe(2):
            self.metrics_dict = self.pick(["metrics", "eval_metric_ops"])
            entries = ", ".join(f'"{n}": {n}' for n in self.metric_names)
            self.add(
                "metrics",
                f"{self.metrics_dict} = {{{entries}}}",
                " ".join(self.metric_names),
                self.metrics_dict,
                "metric",
                home=home,
                after=frozenset(self.metric_names),
                none_name=self.metrics_dict,
            )
        self.hooks = self.maybe(5)
        if self.hooks:
            watched = self.metric_names[:1] if self.maybe(2) else []
            entries = "".join(f', "{n}": {n}[1]' for n in watched)
            self.add(
                "hooks",
                "hooks = [tf.estimator.LoggingTensorHook("
                f'{{"loss": {self.loss}{entries}}}, every_n_iter=1)]',
                " ".join([self.loss, *watched]),
                "hooks",
                "train",
                home=frozenset({T}),
                none_name="hooks",
            )
            self.tags.add("hooks" + (" on a metric" if watched else ""))

    def summaries(self) -> None:
        for name in self.draw(
            st.lists(st.sampled_from(["loss", "histogram", "mean"]), max_size=2, unique=True)
        ):
            text, reads = {
                "loss": (f'tf.compat.v1.summary.scalar("loss", {self.loss})', self.loss),
                "histogram": ('tf.compat.v1.summary.histogram("logits", logits)', "logits"),
                "mean": (
                    'tf.compat.v1.summary.scalar("mean_logit", tf.reduce_mean(logits))',
                    "logits",
                ),
            }[name]
            self.add(f"summary_{name}", text, reads, "", "summary", home=frozenset({T}))
            self.tags.add(f"summary: {name}")

    # ----------------------------------------------------------------- placing
    def available(self, atom: Atom, live: frozenset[str]) -> frozenset[str]:
        """The live modes in which everything ``atom`` reads is bound to a real value."""
        out = set()
        for mode in live:
            if atom.train_reads and mode != T:
                if atom.reads - {"optimizer", self.loss, "global_step"} <= self.real[mode]:
                    out.add(mode)
            elif atom.reads <= self.real[mode]:
                out.add(mode)
        return frozenset(out)

    def ready(self, atoms: list[Atom], context: frozenset[str]) -> list[Atom]:
        """Atoms that may come next where the ``context`` modes run: what they read exists in
        each of their home modes that still runs, and those modes are all in the context."""
        out = []
        for atom in atoms:
            home = atom.home & frozenset(self.live)
            if atom.key in self.placed or not atom.after <= self.placed or not home:
                continue
            if home <= context and home <= self.available(atom, context):
                out.append(atom)
        return out

    def guard_options(self, atom: Atom, context: frozenset[str]) -> list[frozenset[str]]:
        """The mode sets ``atom`` may run in: the whole context first, then narrower guards."""
        options = [context]
        if atom.guarded:
            need = atom.home & frozenset(self.live)
            for modes in (frozenset({T, E}), frozenset({T}), frozenset({E})):
                modes = modes & context
                if modes and need <= modes and modes != context and modes not in options:
                    options.append(modes)
        return options

    def none_idiom(
        self, atom: Atom, modes: frozenset[str], context: frozenset[str], depth: int
    ) -> list[str]:
        """``name = None`` first, where the name must exist in modes that skip its definition."""
        name = atom.none_name
        if name is None or modes == context:
            return []
        missing = [m for m in context - modes if name not in self.defined[m]]
        if not missing or not (self.single or self.maybe(4)):
            return []
        for mode in context:
            self.defined[mode].add(name)
        self.tags.add("x = None")
        return [*self.decorate(depth), f"{self.indent(depth)}{name} = None"]

    def place(self, atoms: list[Atom], depth: int) -> None:
        while True:
            live = frozenset(self.live)
            ready = self.ready(atoms, live)
            returns = [m for m in ORDER if self.return_ready(m)] if len(live) > 1 else []
            if not ready:
                return
            number = self.index(len(ready) + len(returns))
            if number >= len(ready):
                mode = returns[number - len(ready)]
                test = self.test(frozenset({mode}), live)
                self.lines += self.decorate(depth)
                self.lines.append(f"{self.indent(depth)}if {test.text}:{self.trailing()}")
                self.lines += self.spec_return(frozenset({mode}), depth + 1)
                self.live.discard(mode)
                self.tags.add(f"early return: {mode}")
                continue
            atom = ready[number]
            avail = self.available(atom, live)
            guard = live if self.maybe(2) is False else self.pick(self.guard_options(atom, live))
            modes = (guard & avail) or avail
            if modes == live:
                self.lines += self.atom_lines(atom, depth)
                self.bind(atom, modes)
            else:
                self.block(atoms, atom, modes, live, depth)

    def block(
        self,
        atoms: list[Atom],
        first: Atom,
        modes: frozenset[str],
        context: frozenset[str],
        depth: int,
    ) -> None:
        """``if <test>:`` around ``first`` and maybe more atoms and nested blocks, maybe ending in
        the return of every mode it runs in."""
        labels_ok = first.kind == "label" and first.reads <= self.real[P]
        test = self.test(modes, context, labels_ok=labels_ok)
        start = len(self.lines)
        self.lines += self.decorate(depth)
        self.lines.append(f"{self.indent(depth)}if {test.text}:{self.trailing()}")
        before = self.none_idiom(first, modes, context, depth)
        self.lines += self.atom_lines(first, depth + 1)
        self.bind(first, modes)
        bound = [first]
        while self.maybe(2):
            inner = modes & frozenset(self.live)
            if not inner:
                break
            fits = [
                a
                for a in self.ready(atoms, inner)
                if not test.labels_guard or (a.kind == "label" and a.reads <= self.real[P])
            ]
            if not fits:
                break
            atom = fits[self.index(len(fits))]
            avail = self.available(atom, inner)
            nested = [g & avail for g in self.guard_options(atom, inner)[1:] if g & avail]
            if nested and not test.labels_guard and self.maybe(2):
                self.tags.add("nested block")
                self.block(atoms, atom, self.pick(nested), inner, depth + 1)
            elif avail == inner:
                before += self.none_idiom(atom, inner, context, depth)
                self.lines += self.atom_lines(atom, depth + 1)
                self.bind(atom, inner)
                bound.append(atom)
        if self.maybe(8):
            self.lines.append(f"{self.indent(depth + 1)}# end of block")
        self.lines[start:start] = before
        inner = modes & frozenset(self.live)
        if not inner or test.labels_guard or inner == frozenset(self.live):
            return
        if all(self.return_ready(m) for m in inner) and self.maybe(2):
            self.tags.add("block return")
            self.finish(inner, depth + 1)
            self.live -= inner
        elif self.maybe(3):
            self.else_none(bound, modes, context, depth)

    def else_none(
        self, bound: list[Atom], modes: frozenset[str], context: frozenset[str], depth: int
    ) -> None:
        """``else: name = None`` for the spec variables the block binds."""
        names = [
            a.none_name
            for a in bound
            if a.none_name and any(a.none_name not in self.defined[m] for m in context - modes)
        ]
        if not names:
            return
        self.tags.add("else: x = None")
        self.lines.append(f"{self.indent(depth)}else:")
        for name in dict.fromkeys(names):
            self.lines.append(f"{self.indent(depth + 1)}{name} = None")
            for mode in context - modes:
                self.defined[mode].add(name)

    # ----------------------------------------------------------------- specs
    def return_ready(self, mode: str) -> bool:
        if mode not in self.live:
            return False
        needed = {P: ["predictions"], E: [self.loss], T: [self.loss, "train_op"]}[mode]
        return all(name in self.real[mode] for name in needed)

    def fields(self, modes: frozenset[str]) -> Optional[list[tuple[str, str]]]:
        """Spec fields for one spec serving ``modes``; None when some mode lacks a value.

        A field needs a value (None included) in every mode the spec serves, and a real value in
        the modes that require it (predictions in PREDICT, loss and train_op in TRAIN ...).
        """

        def everywhere(name: str, table: dict[str, set[str]]) -> bool:
            return all(name in table[m] for m in modes)

        required = {"predictions": {P}, self.loss: {T, E}, "train_op": {T}}
        out: list[tuple[str, str]] = []
        for field, value in (
            ("predictions", "predictions"),
            ("loss", self.loss),
            ("train_op", "train_op"),
        ):
            if not modes & required[value] and (field != "predictions" or self.maybe(2)):
                continue
            if not everywhere(value, self.defined):
                if modes & required[value]:
                    return None
                continue
            if any(value not in self.real[m] for m in modes & required[value]):
                return None
            out.append((field, value))
        hooks = self.hooks and everywhere("hooks", self.defined) and "hooks" in self.real[T]
        if T in modes and hooks:
            out.append(("training_hooks", "hooks"))
        if E in modes and self.maybe(4) is False:
            out += self.metric_field(
                lambda name: everywhere(name, self.defined),
                lambda name: everywhere(name, self.real),
            )
        if P in modes and self.maybe(4):
            out.append(
                ("export_outputs", '{"out": tf.estimator.export.PredictOutput(predictions)}')
            )
        return out

    def metric_field(
        self, defined: Callable[[str], bool], real: Callable[[str], bool]
    ) -> list[tuple[str, str]]:
        if self.metrics_dict and defined(self.metrics_dict):
            return [("eval_metric_ops", self.metrics_dict)]
        names = [n for n in self.metric_names if real(n)]
        if not names:
            return []
        entries = ", ".join(f'"{n}": {n}' for n in names)
        return [("eval_metric_ops", "{" + entries + "}")]

    def spec_call(self, fields: list[tuple[str, str]], depth: int) -> list[str]:
        """``Spec(mode, ...)``: leading fields in EstimatorSpec's order may go by position."""
        positional = self.maybe(3) is False and self.maybe(4)
        args = ["mode" if positional or self.maybe(3) is False else "mode=mode"]
        order = ["predictions", "loss", "train_op"]
        for name, value in fields:
            positional = positional and bool(order) and name == order.pop(0)
            args.append(value if positional else f"{name}={value}")
        if self.maybe(3):
            inner = self.indent(depth + 1)
            return [f"{self.spec_name}(", *[f"{inner}{a}," for a in args], f"{self.indent(depth)})"]
        return [f"{self.spec_name}({', '.join(args)})"]

    def spec_return(self, modes: frozenset[str], depth: int) -> list[str]:
        fields = self.fields(modes)
        assert fields is not None, f"no spec for {sorted(modes)}: {self.real}"
        call = self.spec_call(fields, depth)
        pad = self.indent(depth)
        call[-1] += self.trailing()
        if self.maybe(6):
            return [f"{pad}spec = {call[0]}", *call[1:], f"{pad}return spec"]
        return [f"{pad}return {call[0]}", *call[1:]]

    def finish(self, live: frozenset[str], depth: int) -> None:
        """The specs of the ``live`` modes: one spec for all, or one per mode."""
        if self.single:
            fields = self.fields(live)
            if fields is not None:
                self.tags.add("single spec")
                self.lines += self.decorate(depth)
                call = self.spec_call(fields, depth)
                self.lines += [f"{self.indent(depth)}return {call[0]}", *call[1:]]
                return
        order = [m for m in ORDER if m in live]
        order = self.draw(st.permutations(order))
        chain = self.maybe(3) and len(order) > 1
        self.tags.add("spec chain" if chain else "split specs")
        remaining = set(live)
        for number, mode in enumerate(order):
            pad = self.indent(depth)
            if number == len(order) - 1:
                if chain:
                    self.lines.append(f"{pad}else:")
                    self.lines += self.spec_return(frozenset({mode}), depth + 1)
                else:
                    self.lines += self.decorate(depth)
                    self.lines += self.spec_return(frozenset({mode}), depth)
                return
            test = self.test(frozenset({mode}), frozenset(remaining))
            keyword = "elif" if chain and number else "if"
            if keyword == "if":
                self.lines += self.decorate(depth)
            self.lines.append(f"{pad}{keyword} {test.text}:")
            self.lines += self.spec_return(frozenset({mode}), depth + 1)
            remaining.discard(mode)

    # ----------------------------------------------------------------- the module
    def module(self) -> str:
        imports = self.choose_spellings()
        self.unit = self.pick(["    ", "  "])
        self.single = self.maybe(2)
        prelude = []
        if self.maybe(3):
            prelude.append(f"is_training = mode == {self.key(T)}")
            self.flags.add("is_training")
        if self.maybe(4):
            prelude.append(f"is_predicting = ({self.key(P)} == mode)")
            self.flags.add("is_predicting")
        for mode in ALL:
            self.real[mode] |= self.flags
            self.defined[mode] |= self.flags
        atoms = self.plan()
        for line in prelude:
            self.lines += self.decorate(1)
            self.lines.append(self.indent(1) + line)
        self.place(atoms, 1)
        self.finish(frozenset(self.live), 1)
        signature = self.pick(
            [
                "features, labels, mode, params",
                "features, labels, mode",
                "mode, features, labels, params",
                "features, labels, mode, params, config",
            ]
        )
        if self.uses_params and "params" not in signature:
            signature += ", params"
        head = [*imports, ""]
        if self.uses_params:
            head += ['PARAMS = {"learning_rate": 0.1}', ""]
        helpers = [HELPERS[name].replace("    ", self.unit) for name in dict.fromkeys(self.helpers)]
        signature = f"def model_fn({signature}):"
        docstring = [f'{self.unit}"""A generated model_fn."""'] if self.maybe(4) else []
        body = [*head, *helpers, "", signature, *docstring, *self.lines]
        return "\n".join(body) + "\n" + INPUT_FN.replace("    ", self.unit)


@dataclass(frozen=True)
class GeneratedModule:
    """A module with a model_fn named ``model_fn`` and an ``input_fn``.

    ``unfixable``: it may hold label code that a safe fix must leave in PREDICT (and report), so
    the fixed model_fn may still fail there.
    ``tags``: the grammar choices it uses, for ``hypothesis.event`` statistics.
    """

    source: str
    unfixable: bool
    tags: tuple[str, ...] = ()


@st.composite
def model_fn_modules(
    draw: Callable[[st.SearchStrategy[Any]], Any], allow_unfixable: bool = True
) -> GeneratedModule:
    builder = Builder(draw, allow_unfixable)
    source = builder.module()
    return GeneratedModule(source, builder.unfixable, tuple(sorted(builder.tags)))
