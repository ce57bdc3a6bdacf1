"""EF204: print or log of a tensor (runs once, at graph-build time).

Detector: a statement that calls the ``print`` builtin, ``tf.print`` or TensorFlow / absl logging
(by qualified name) and shows a tensor (for ``tf.print``: anything; its op never runs). Whether it
is fixed depends on what follows it, so the scan hands each print back (``PrintCandidate``) and
``settle`` decides once the whole body is scanned: the printed tensor names whose later uses reach
the ``return`` are rebound through ``tf.identity`` under the ``tf.print``
(``codemods.eager.printing`` builds it), and a conversion printed as it is (EF202) is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Optional

import libcst as cst

from codemods.eager import printing
from codemods.eager.edits import Edit, WirePrint
from codemods.eager.naming import Naming
from codemods.eager.printing import PrintForm
from codemods.eager.sites import Scan, Site
from codemods.eager.values import PYTHON, Bindings, Kind
from codemods.rules.ef202_tensor_to_python import ConversionSite
from codemods.rules.rule import FixSafety, Invalid, Rule, Valid
from codemods.tree import children
from codemods.vocabulary import PRETTY_PRINTERS

CODE = "EF204"
RECIPE = (
    "Write `with tf.control_dependencies([tf.print(...)]): x = tf.identity(x)` for a tensor x "
    "the EstimatorSpec uses, or log it with a LoggingTensorHook in the TRAIN spec's training_hooks"
)
#: Logging functions tf.print can write to (``output_stream``), by qualified name.
LOGGERS = frozenset(
    {f"{module}.{level}" for module in ("tensorflow.logging", "absl.logging")
     for level in ("info", "warning", "warn", "error")}
)
#: Kinds whose print shows a symbol where a value was meant.
SYMBOLIC = frozenset({Kind.TENSOR, Kind.STRUCT, Kind.MAYBE})
_CONSEQUENCES = {
    PrintForm.PRINT: "of a tensor runs once, when the graph is built (it prints the symbolic "
    "tensor, not its value)",
    PrintForm.TF_PRINT: "whose op nothing depends on never runs in graph mode",
    PrintForm.LOG: "of a tensor logs once, when the graph is built (the symbolic tensor, not its "
    "value)",
}
_PRINT_KEYWORDS = frozenset({"sep", "end", "file", "flush"})
_STREAMS = frozenset({"sys.stdout", "sys.stderr"})


@dataclass(eq=False)
class PrintSite(Site):
    """A print or log of a tensor; ``rebind``: the names its ``tf.print`` is wired into."""

    code: ClassVar[str] = CODE
    form: PrintForm = PrintForm.PRINT
    rebind: tuple[str, ...] = ()

    def edit(self) -> Edit:
        line = cst.ensure_type(self.stmt, cst.SimpleStatementLine)
        return WirePrint(line, self.form, self.rebind)


@dataclass
class PrintCandidate:
    """A print found by the scan, to settle once the body is scanned: the step it is in the
    walk's order, the tensor names it prints, the sites inside it, and why it has no tf.print
    form."""

    site: PrintSite
    step: int
    names: list[str]
    inner: list[Site]
    blocked: list[str] = field(default_factory=list)
    #: The names it prints that hold what ``tf.identity`` would change for the code after
    #: (``Value.identity_unsafe``: a sigmoid's or softmax's output a Keras cross-entropy reads
    #: through, a tensor carrying a Keras mask): never rebound.
    unsafe: list[str] = field(default_factory=list)


def print_statement(
    call: cst.Call,
    stmt: cst.BaseStatement,
    env: Bindings,
    inner: list[Site],
    alone: bool,
    step: int,
    scan: Scan,
) -> Optional[PrintCandidate]:
    """The call of an expression statement; ``inner``: the sites the scan found in it, ``alone``:
    it is its line's only statement, ``step``: its place in the walk's order."""
    form = style(call, scan.naming)
    if form is None:
        return None
    conversions = {id(s.node): s for s in inner if isinstance(s, ConversionSite)}
    values = [_peel(value, conversions) for value in printing.printed(call, form)]
    shown = [scan.kind(value, env) for value in values]
    if form is not PrintForm.TF_PRINT and not any(k in SYMBOLIC for k in shown):
        return None  # Python values, and variables (whose repr is their name and shape)
    named = form is PrintForm.LOG or _pretty(call, scan.naming)
    spelled = scan.short(call.func) if named else form.value
    message = RULE.format(call=spelled, consequence=_CONSEQUENCES[form])
    site = scan.add(PrintSite(call, stmt, message, form=form))
    names = _tensor_names(values, env)
    candidate = PrintCandidate(site, step, names, inner)
    candidate.unsafe = [name for name in names if env[name].identity_unsafe]
    candidate.blocked = _blockers(call, form, alone, inner, scan)
    return candidate


def style(call: cst.Call, naming: Naming) -> Optional[PrintForm]:
    """How the call prints, if it does."""
    if naming.builtin(call.func) == "print" or _pretty(call, naming):
        return PrintForm.PRINT
    qualified = naming.function(call.func)
    if "tensorflow.print" in qualified:
        return PrintForm.TF_PRINT
    if qualified & LOGGERS or _other_logger(call, qualified):
        return PrintForm.LOG
    return None


#: What a logger's methods are called: the levels Python's logging writes at.
_LEVELS = frozenset({"debug", "info", "warning", "warn", "error", "critical", "exception"})
#: Names a logger goes by where its qualified name says nothing (``logger = getLogger()``,
#: a project's own ``logging`` module).
_LOGGER_NAMES = frozenset({"logging", "logger", "log", "_logger", "_log", "logs"})


def _other_logger(call: cst.Call, qualified: set[str]) -> bool:
    """A log call tf.print cannot write to: Python's ``logging`` or a logger object
    (``logger.info("loss %s", loss)``), which renders the symbolic tensor once as well."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in _LEVELS):
        return False
    if any(name.split(".")[-2:-1] == ["logging"] for name in qualified):
        return True  # ``logging.info``, a project's own ``config.logging.info``
    receiver = func.value
    if isinstance(receiver, cst.Attribute):  # ``self.logger.info(...)``
        receiver = receiver.attr
    return isinstance(receiver, cst.Name) and receiver.value.lower() in _LOGGER_NAMES


def _pretty(call: cst.Call, naming: Naming) -> bool:
    """``pprint.pprint(x)`` / ``pprint.pp(x)``: printed as ``print`` prints, laid out in Python."""
    return bool(naming.function(call.func) & PRETTY_PRINTERS)


def settle(candidate: PrintCandidate, live: Callable[[Sequence[str], int], list[str]]) -> None:
    """Fix the print where nothing blocks it and a printed name is live (``live(names, step)``:
    the names whose later uses reach the ``return``); else say why not."""
    site = candidate.site
    reaching = live(candidate.names, candidate.step)
    names = [name for name in reaching if name not in candidate.unsafe]
    blocked = list(candidate.blocked)
    if reaching and not names:
        blocked.append(
            f"`{', '.join(reaching)}` holds a sigmoid's or softmax's output (a Keras "
            "cross-entropy reads through to the logits) or a tensor carrying a Keras mask: "
            "rebound through tf.identity, the code after would compute something else"
        )
    elif not names:
        blocked.append(
            "no tensor it prints feeds what the EstimatorSpec returns, so there is nothing "
            "to make the print a dependency of"
            if candidate.names else "it prints no local tensor name to wire it into"
        )
    if blocked:
        site.note = "not rewritten: " + "; ".join(dict.fromkeys(blocked)) + ". " + RECIPE
        return
    site.fixable = True
    site.rebind = tuple(names)
    site.note = (
        f"tf.print wired into `{', '.join(names)}` with tf.control_dependencies: it runs "
        "every step that computes it"
    )
    if site.enabled:
        for inner in candidate.inner:
            if isinstance(inner, ConversionSite):
                inner.printed()


def _peel(
    value: cst.BaseExpression, conversions: dict[int, ConversionSite]
) -> cst.BaseExpression:
    """What a printed value shows once its conversion (EF202) is dropped."""
    site = conversions.get(id(value))
    return site.unwrap if site is not None and site.unwrap is not None else value


def _tensor_names(values: Sequence[cst.BaseExpression], env: Bindings) -> list[str]:
    names: list[str] = []
    for value in values:
        for name in _expression_names(value):
            if env.get(name, PYTHON).kind is Kind.TENSOR and name not in names:
                names.append(name)
    return names


def _expression_names(node: cst.CSTNode) -> Iterator[str]:
    """Names read by an expression (not attribute names, keywords, or lambda/comprehension
    variables)."""
    if isinstance(node, cst.Name):
        yield node.value
        return
    if isinstance(node, (cst.Attribute, cst.Arg)):
        yield from _expression_names(node.value)
        return
    if isinstance(node, (cst.Lambda, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        return
    for child in children(node):
        yield from _expression_names(child)


# ----------------------------------------------------------------------------- blockers
def _blockers(
    call: cst.Call, form: PrintForm, alone: bool, inner: list[Site], scan: Scan
) -> list[str]:
    blocked = [] if alone else ["it is not a statement line of its own"]
    if _pretty(call, scan.naming):
        blocked.append("pprint lays out what it prints in Python; tf.print does not")
    if any(arg.star for arg in call.args):
        blocked.append("it unpacks *args/**kwargs")
    blocked += _keyword_blockers(call, form, scan)
    if form is PrintForm.LOG and not scan.naming.function(call.func) & LOGGERS:
        blocked.append(
            "tf.print writes only to the info, warning and error of TensorFlow's and absl's "
            "logging, not this logger"
        )
    if form is not PrintForm.TF_PRINT:
        blocked += _text_blockers(printing.positional(call), form)
    elif any(_formats(v) or isinstance(v, cst.FormattedString) for v in printing.positional(call)):
        # tf.print keeps its arguments as they are: wired, it would print every step the text
        # Python rendered once, at graph-build time (the symbolic tensor, not its value)
        blocked.append("its text is formatted in Python, which renders the symbolic tensor")
    direct = {id(v) for v in printing.direct_values(call)}
    for site in inner:
        if isinstance(site, ConversionSite) and id(site.node) not in direct:
            blocked.append(f"`{scan.short(site.node)}` is not printed as it is")
        elif isinstance(site, ConversionSite) and not site.enabled:
            blocked.append(f"`{scan.short(site.node)}` stays ({site.code} is off here)")
        elif not isinstance(site, ConversionSite) and not (site.fixable and site.enabled):
            blocked.append(f"`{scan.short(site.node)}` ({site.code}) stays")
    return blocked


def _keyword_blockers(call: cst.Call, form: PrintForm, scan: Scan) -> Iterator[str]:
    """The keywords that have no tf.print form."""
    for arg in call.args:
        if arg.keyword is None:
            continue
        keyword = arg.keyword.value
        if form is PrintForm.LOG:
            yield f"tf.print has no form of the logging keyword `{keyword}=`"
        elif form is PrintForm.PRINT and keyword not in _PRINT_KEYWORDS:
            yield f"print has no `{keyword}=`"
        elif form is PrintForm.PRINT and keyword == "file" and not _stream(arg.value, scan):
            yield "tf.print writes only to sys.stdout, sys.stderr or a log"


def _stream(value: cst.BaseExpression, scan: Scan) -> bool:
    """``sys.stdout`` or ``sys.stderr`` (by qualified name; so spelled where nothing resolves)."""
    names = scan.naming.function(value)
    return bool(names & _STREAMS) if names else scan.spell(value) in _STREAMS


def _text_blockers(values: list[cst.BaseExpression], form: PrintForm) -> Iterator[str]:
    """What in the printed text has no tf.print form."""
    fstrings = [v for v in values if isinstance(v, cst.FormattedString)]
    if fstrings and len(values) > 1:
        yield "an f-string among several arguments"
    if any(_equal_specifier(f) for f in fstrings):
        yield "an f-string `=` specifier"
    if any(_formats(v) for v in values):
        yield "%-formatting, str.format and str() render the symbolic tensor"
    if form is PrintForm.LOG and values and isinstance(values[0], cst.SimpleString):
        if printing.log_parts(values[0], values[1:]) is None:
            yield (
                "the log format has mapping keys, * widths or a placeholder count that does "
                "not match its arguments"
            )
    elif form is PrintForm.LOG and len(values) != 1:
        yield "the log message is not a literal format string"


def _equal_specifier(value: cst.FormattedString) -> bool:
    return any(
        isinstance(part, cst.FormattedStringExpression) and part.equal for part in value.parts
    )


def _formats(value: cst.BaseExpression) -> bool:
    """``"..." % x``, ``"...".format(x)``, ``"..." + str(x)``: text Python renders from values
    (not only literals joined)."""
    if printing.rendered(value) is None:
        return False
    literal = (cst.SimpleString, cst.ConcatenatedString)
    return not all(isinstance(part, literal) for part in printing.shown(value))


RULE = Rule(
    code=CODE,
    title="print or log of a tensor (runs once, at graph-build time)",
    fix=FixSafety.SAFE,
    fix_summary="safe: tf.print made a dependency of the printed tensor",
    what=(
        "Finds `print(t)`, `tf.compat.v1.logging.info('%s', t)` and other logging of "
        "tensors inside a model_fn (Python's `logging` and logger objects too: reported, "
        "as tf.print cannot write to them), and bare `tf.print(t)` statements."
    ),
    why=(
        "print(t) inside model_fn runs once per mode, while the graph is built, and shows "
        "the symbol (Tensor(\"dense/BiasAdd:0\", ...)), never a value; so does a log call. "
        "A bare `tf.print(t)` statement is no better: in graph mode an op runs only when "
        "something that runs depends on it."
    ),
    example='''\
print('loss', loss)
''',
    use_instead='''\
with tf.control_dependencies([tf.print('loss', loss)]):
    loss = tf.identity(loss)
''',
    fix_safety=(
        "Safe: the fix uses tf.print and makes it a dependency: `with "
        "tf.control_dependencies([tf.print(...)]): t = tf.identity(t)` for each printed "
        "tensor name whose later uses reach what the model_fn returns, so it prints every "
        "step that computes t, in every mode that computes it. tf.identity changes no "
        "value, variable or random seed, but a tensor is more than its values to Keras: a "
        "name holding a sigmoid's or softmax's output is not rebound (Keras's cross-entropies "
        "look at the op that made their input and take a sigmoid's input as the logits), nor "
        "one carrying a Keras mask (Embedding(mask_zero=True), Masking, the layers after "
        "them: the mask rides on the tensor object, and an identity drops it); the print is "
        "wired into the other names it prints, or reported. A LoggingTensorHook in "
        "training_hooks was the alternative, rejected because it logs in TRAIN only, needs "
        "the spec rewritten (one spec per mode, EF105) and loses the print's text. The text "
        "is kept: "
        "positional arguments, sep, end, file= as output_stream (tf.print writes to "
        "stderr by default); an f-string or a logging %-format is split into its text and "
        "values with sep=''; a TF or absl logging call (info, warning, error) keeps its "
        "logger as output_stream. tf.print formats values itself, so format specs such as "
        ".3f are dropped. A conversion inside the print (EF202) is dropped. Reported "
        "without a fix: a print of a tensor that nothing returned depends on, of a dict "
        "or parameter (no single tensor name to rebind), with %-formatting or str.format "
        "in the argument (or an f-string in a tf.print, which keeps its arguments as they "
        "are), logging keywords, or other statements on its line."
    ),
    message="`{call}` {consequence}",
    valid=(
        Valid(
            # a lookup table is an object and crf_log_likelihood's transition matrix a variable: their
            # text names no value a run would print
            id="a_lookup_table_and_a_crf_transition_variable_logged",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    table = tf.contrib.lookup.index_table_from_file(params["vocab"], num_oov_buckets=1)
    tf.compat.v1.logging.info("tags table: {}".format(table))
    ids = table.lookup(features["tokens"])
    logits = tf.compat.v1.layers.dense(tf.one_hot(ids, 10), 5)
    if mode == tf.estimator.ModeKeys.PREDICT:
        return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
    likelihood, transitions = tf.contrib.crf.crf_log_likelihood(logits, labels, features["length"])
    tf.compat.v1.logging.info("transitions: {}".format(transitions))
    loss = tf.reduce_mean(-likelihood)
    if mode == tf.estimator.ModeKeys.TRAIN:
        opt = tf.compat.v1.train.AdamOptimizer(0.01)
        train_op = opt.minimize(loss, tf.compat.v1.train.get_or_create_global_step())
        return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
        Valid(
            id="print_of_a_regularizer_and_an_initializer",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    regularizer = tf.contrib.layers.l2_regularizer(0.01)
    initializer = tf.compat.v1.glorot_uniform_initializer()
    print(regularizer, initializer)
    logits = tf.compat.v1.layers.dense(
        features["x"], 2, kernel_regularizer=regularizer, kernel_initializer=initializer
    )
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
        ),
        Valid(
            id="noop_build_time_logging_of_python_values",
            source='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    for name in sorted(features):
        tf.compat.v1.logging.info("%s: %s", name, features[name].shape)
    for key, value in features.items():
        print(key, value.dtype)
    y = tf.compat.v1.layers.dense(features["x"], 2)
    kernel = tf.compat.v1.get_variable("k", [2, 2])
    print("trainable", tf.compat.v1.trainable_variables(), kernel)
    tf.compat.v1.logging.info("from %s", tf.train.latest_checkpoint(params["dir"]))
    print(params, mode, y.shape, y.name)
    return tf.estimator.EstimatorSpec(mode, predictions=y @ kernel)
''',
        ),
        Valid(
            id="noop_logging_what_a_shape_helper_gives",
            source='''\
import tensorflow as tf
from utils import tensor_utils


def model_fn(features, labels, mode):
    tokens = features["tokens"]
    batch_size = tensor_utils.shape(tokens, 0)
    tf.compat.v1.logging.info("batch size: %d", batch_size)
    print("dims", get_shape_list(tokens))
    y = tf.compat.v1.layers.dense(tf.cast(tokens, tf.float32), 1)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": y})
''',
        ),
        Valid(
            id="print_the_module_defines_is_not_the_builtin",
            source='''\
import tensorflow as tf
from absl import logging


def print(*values):
    logging.info(" ".join(str(value) for value in values))


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    print("y", y)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": y})
''',
        ),
    ),
    invalid=(
        Invalid(
            # a sparse feature's ``dense_shape`` is a tensor (its ``.shape`` is not)
            id="the_dense_shape_of_a_sparse_feature_logged",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    for name in sorted(features.keys()):
        if name == "label_ids":
            tf.compat.v1.logging.info("%s %s" % (name, features[name].dense_shape))
        else:
            tf.compat.v1.logging.info("%s %s" % (name, features[name].shape))
    logits = tf.compat.v1.layers.dense(features["x"], 2)
    return tf.estimator.EstimatorSpec(mode, predictions={"logits": logits})
''',
            findings=("EF204:7:none",),
        ),
        Invalid(
            id="a_print_in_the_train_op_fn_a_head_calls_with_the_loss",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    def train_op_fn(loss):
        print(loss)
        optimizer = tf.compat.v1.train.FtrlOptimizer(0.1)
        return optimizer.minimize(loss, global_step=tf.compat.v1.train.get_global_step())

    logits = tf.compat.v1.layers.dense(features["x"], 1)
    head = params["head"]
    return head.create_estimator_spec(
        features=features, mode=mode, logits=logits, labels=labels, train_op_fn=train_op_fn
    )
''',
            findings=("EF204:6:none",),
        ),
        Invalid(
            id="tensor_stored_on_self_then_logged",
            before='''\
import tensorflow as tf


class Towers(object):
    def build(self):
        def model_fn(features, labels, mode, params):
            self.left = tf.compat.v1.layers.dense(features["x"], 4)
            left_out = self.tower(self.left)
            tf.compat.v1.logging.debug("left: %r" % self.left)
            tf.compat.v1.logging.debug("left out: %r" % left_out)
            return tf.estimator.EstimatorSpec(mode, predictions={"y": left_out})

        return model_fn
''',
            findings=("EF204:9:none", "EF204:10:none"),
        ),
        Invalid(
            id="print_wired_into_loss",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    print("loss", loss, sep=": ")  # every step
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF204:8:safe",),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    with tf.control_dependencies([tf.print("loss", loss, sep=": ")]):  # every step
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="print_reported_when_not_wirable",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    print(features)
    print("loss %s" % loss); z = 1
    print(f"{loss=}")
    print(y)
    tf.print("loss {}".format(loss))
    tf.print(f"loss {loss}")
    y = tf.zeros_like(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=(
                "EF204:8:none", "EF204:9:none", "EF204:10:none", "EF204:11:none",
                "EF204:12:none", "EF204:13:none",
            ),
        ),
        Invalid(
            id="text_joined_with_a_rendered_tensor_reported",
            before='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    hidden = tf.compat.v1.layers.dense(features["x"], 4)
    print("hidden layer:\\t" + str(hidden))
    print("model: " + str(params["model_type"]) + ", width " + repr(4))
    print("hidden " + "layer", hidden)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": hidden})
''',
            # str() of a tensor renders its symbolic description, as a format does; text of
            # Python values is no finding, and literals joined beside a tensor are tf.print's
            findings=("EF204:6:none", "EF204:8:safe"),
            after='''\
import tensorflow as tf


def model_fn(features, labels, mode, params):
    hidden = tf.compat.v1.layers.dense(features["x"], 4)
    print("hidden layer:\\t" + str(hidden))
    print("model: " + str(params["model_type"]) + ", width " + repr(4))
    with tf.control_dependencies([tf.print("hidden " + "layer", hidden)]):
        hidden = tf.identity(hidden)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": hidden})
''',
        ),
        Invalid(
            id="pretty_printed_tensors_reported",
            before='''\
from pprint import pprint as pp

import tensorflow as tf


def model_fn(features, labels, mode, params):
    pp(["features", features])
    pp(["labels", labels])
    pp(["params", params])
    y = tf.compat.v1.layers.dense(features["x"], 1)
    pp(y)
    return tf.estimator.EstimatorSpec(mode, predictions={"y": y})
''',
            # pprint lays its argument out in Python: reported, not turned into tf.print; a
            # print of the labels is a print (EF204), not label code (EF101); params is Python
            findings=("EF204:7:none", "EF204:8:none", "EF204:11:none"),
        ),
        Invalid(
            id="logging_calls_become_tf_print",
            before='''\
import tensorflow as tf
from absl import logging
from tensorflow.compat.v1 import logging as log


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    t = tf.reduce_mean(y)
    log.info("l %.3f%%", t.numpy())
    logging.error(f"m {t:.2f}")
    log.info("loss %(v)s", {"v": t})
    log.warn("loss %s", t, exc_info=True)
    log.debug("loss %s", t)
    return tf.estimator.EstimatorSpec(mode, loss=t)
''',
            # log.debug logs the symbolic tensor as well, at a level tf.print cannot write to
            findings=(
                "EF202:9:safe", "EF204:9:safe", "EF204:10:safe", "EF204:11:none",
                "EF204:12:none", "EF204:13:none",
            ),
            after='''\
import tensorflow as tf
from absl import logging
from tensorflow.compat.v1 import logging as log


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    t = tf.reduce_mean(y)
    with tf.control_dependencies([tf.print("l ", t, "%", sep="", end="", output_stream=log.info)]):
        t = tf.identity(t)
    with tf.control_dependencies([tf.print("m ", t, sep="", end="", output_stream=logging.error)]):
        t = tf.identity(t)
    log.info("loss %(v)s", {"v": t})
    log.warn("loss %s", t, exc_info=True)
    log.debug("loss %s", t)
    return tf.estimator.EstimatorSpec(mode, loss=t)
''',
        ),
        Invalid(
            id="bare_tf_print_wired",
            before='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    tf.print("y", y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
            findings=("EF204:7:safe",),
            after='''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.control_dependencies([tf.print("y", y)]):
        y = tf.identity(y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ),
        Invalid(
            id="print_to_a_stream_imported_from_sys",
            before='''\
import tensorflow as tf
from sys import stderr


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    print("loss", loss, file=stderr)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
            findings=("EF204:8:safe",),
            after='''\
import tensorflow as tf
from sys import stderr


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    with tf.control_dependencies([tf.print("loss", loss, output_stream=stderr)]):
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss)
''',
        ),
    ),
)
