"""The rule catalogue: code, title, what the fix does, and the explanation shown by ``explain``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    fix: str  # "safe", "report", or "safe where ..." — shown in `rules`
    why: str
    before: str
    after: str


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.code] = rule
    return rule


register(
    Rule(
        code="EF101",
        title="labels used where PREDICT also runs",
        fix="safe: moved into the non-PREDICT path",
        why=(
            "Estimator calls model_fn with labels=None in PREDICT (predict() and "
            "export_saved_model). Any value computed from labels before the PREDICT return "
            "crashes there with 'None values not supported'. The fix moves the PREDICT return up "
            "past the label code (or guards it with `if mode != PREDICT:`), keeping every mode's "
            "statements in their original order. When PREDICT needs the value itself, or the "
            "statement may create variables that later layers' names depend on, it is reported "
            "with fix 'none'."
        ),
        before=(
            "predictions = tf.compat.v1.layers.dense(features['x'], 1)\n"
            "loss = tf.reduce_mean(tf.square(labels - predictions))\n"
            "if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions={'y': predictions})\n"
        ),
        after=(
            "predictions = tf.compat.v1.layers.dense(features['x'], 1)\n"
            "if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions={'y': predictions})\n"
            "loss = tf.reduce_mean(tf.square(labels - predictions))\n"
        ),
    )
)
register(
    Rule(
        code="EF102",
        title="optimizer, gradients or train_op built outside TRAIN",
        fix="safe: moved into the TRAIN branch",
        why=(
            "An optimizer, its gradients and its train_op are only run by train(). Built in EVAL "
            "they add slot variables and gradient ops to the evaluation graph (slower, more "
            "memory, and a second global-step increment path); built in PREDICT they crash on "
            "the label-derived loss. The fix wraps them, with the TRAIN spec, in "
            "`if mode == TRAIN:`."
        ),
        before=(
            "train_op = optimizer.minimize(loss, global_step=step)\n"
            "return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)\n"
        ),
        after=(
            "if mode == tf.estimator.ModeKeys.TRAIN:\n"
            "    train_op = optimizer.minimize(loss, global_step=step)\n"
            "    return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)\n"
            "return tf.estimator.EstimatorSpec(mode, loss=loss)\n"
        ),
    )
)
register(
    Rule(
        code="EF103",
        title="metric ops built where nothing uses them",
        fix="safe: moved into EVAL (kept in TRAIN where a summary, hook or the loss reads them)",
        why=(
            "tf.metrics ops create local variables and update ops that only evaluate() runs. "
            "Built in PREDICT they crash on labels; built in TRAIN without a consumer they are "
            "dead weight. Logging a training accuracy through a summary or a hook is a use: no "
            "finding then."
        ),
        before=(
            "acc = tf.compat.v1.metrics.accuracy(labels, classes)\n"
            "if mode == tf.estimator.ModeKeys.EVAL:\n"
            "    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={'acc': acc})\n"
        ),
        after=(
            "if mode == tf.estimator.ModeKeys.EVAL:\n"
            "    acc = tf.compat.v1.metrics.accuracy(labels, classes)\n"
            "    return tf.estimator.EstimatorSpec(mode, loss=loss, eval_metric_ops={'acc': acc})\n"
        ),
    )
)
register(
    Rule(
        code="EF104",
        title="summary that runs in PREDICT",
        fix="safe: moved out of the PREDICT path",
        why=(
            "Summaries are written by the training and evaluation loops; in PREDICT nothing "
            "writes them and a summary of the loss crashes on labels=None. Summaries in EVAL are "
            "harmless: no finding."
        ),
        before="tf.compat.v1.summary.scalar('loss', loss)\n",
        after=(
            "if mode != tf.estimator.ModeKeys.PREDICT:\n"
            "    tf.compat.v1.summary.scalar('loss', loss)\n"
        ),
    )
)
register(
    Rule(
        code="EF105",
        title="one EstimatorSpec carries fields for other modes",
        fix="safe: split into one spec per mode",
        why=(
            "A single spec returned in every mode with loss, train_op, eval_metric_ops and "
            "export_outputs forces every mode to build every field. Each field belongs to modes: "
            "export_outputs and prediction_hooks to PREDICT; train_op and training hooks to "
            "TRAIN; eval_metric_ops / TPU eval_metrics and evaluation hooks to EVAL; loss to TRAIN "
            "and EVAL; predictions and scaffold stay where they were. A field that is None in a "
            "mode (set to None and only assigned under a mode test) is fine: no finding."
        ),
        before=(
            "return tf.estimator.EstimatorSpec(mode, predictions=p, loss=loss, train_op=train_op)\n"
        ),
        after=(
            "if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions=p)\n"
            "if mode == tf.estimator.ModeKeys.TRAIN:\n"
            "    return tf.estimator.EstimatorSpec(\n"
            "        mode, predictions=p, loss=loss, train_op=train_op)\n"
            "return tf.estimator.EstimatorSpec(mode, predictions=p, loss=loss)\n"
        ),
    )
)
register(
    Rule(
        code="EF106",
        title="labels reach an opaque helper whose results PREDICT needs",
        fix="report only, with the manual recipe",
        why=(
            "A helper such as create_model(features, labels, ...) that returns both logits and "
            "a loss cannot be split automatically: PREDICT needs its logits but cannot give it "
            "labels. Recipe: make the helper build the network from features only and return "
            "logits; compute the loss from labels after the PREDICT return. A helper that "
            "receives `mode` gates itself and is not reported; an `is_training` flag does not "
            "tell EVAL from PREDICT, so it does not exempt the helper."
        ),
        before=(
            "loss, logits = create_model(features, labels, num_classes)\n"
            "if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
        ),
        after=(
            "logits = create_logits(features, num_classes)\n"
            "if mode == tf.estimator.ModeKeys.PREDICT:\n"
            "    return tf.estimator.EstimatorSpec(mode, predictions={'logits': logits})\n"
            "loss = create_loss(labels, logits)\n"
        ),
    )
)


def _numpy_table() -> str:
    from codemods.numpy_table import describe

    return describe()


register(
    Rule(
        code="EF201",
        title="NumPy call on a tensor",
        fix="safe where the call is in the exact-equivalent table; otherwise report with the "
        "nearest TF op",
        why=(
            "model_fn builds a graph: its tensors are symbols with no value yet, so NumPy cannot "
            "read them ('Cannot convert a symbolic tf.Tensor to a numpy array'). Which values "
            "are tensors is tracked through the model_fn (features, labels, TF calls, layers, "
            "arithmetic on them); NumPy on Python values (shapes, params) is fine. A call is "
            "rewritten only through a fixed table whose entries give NumPy's result for the "
            "forms they accept (same shape, dtype and values up to float summation order), "
            "checked by a property test against NumPy on random arrays, shapes, axes and "
            "dtypes. NumPy's dtype rules are kept: an integer mean is float64 and an integer "
            "sum int64, so the replacement casts, which needs the operand's dtype known (from "
            "a layer, a cast, tf.argmax ...). `a @ b` on tensors is already TensorFlow. "
            "The table:\n" + _numpy_table()
        ),
        before=(
            "classes = tf.argmax(logits, axis=1)\n"
            "energy = np.mean(np.square(logits), axis=1)\n"
            "positive = np.sum(classes > 0)\n"
        ),
        after=(
            "classes = tf.argmax(logits, axis=1)\n"
            "energy = tf.reduce_mean(tf.square(logits), axis=1)\n"
            "positive = tf.reduce_sum(tf.cast(classes > 0, tf.int64))\n"
        ),
    )
)
register(
    Rule(
        code="EF202",
        title="tensor turned into a Python value",
        fix="safe where the value is only printed (the print becomes tf.print, EF204); "
        "otherwise report",
        why=(
            "`t.numpy()`, `t.eval()`, `t.item()`, `t.tolist()`, `float(t)`, `int(t)`, "
            "`K.get_value(t)` and `K.eval(t)` need a value, and a graph tensor has none while "
            "model_fn builds the graph: they crash, or (`.eval()`, `K.get_value`) open a "
            "session of their own on uninitialised variables. Where the value is only printed "
            "the conversion is dropped and the print shows the tensor every step. Anything else "
            "must stay a tensor: compute with TF ops, return it in predictions or "
            "eval_metric_ops, or log it with a LoggingTensorHook."
        ),
        before="print('loss:', loss.numpy())\n",
        after=(
            "with tf.control_dependencies([tf.print('loss:', loss)]):\n"
            "    loss = tf.identity(loss)\n"
        ),
    )
)
register(
    Rule(
        code="EF203",
        title="tf.Session or sess.run inside model_fn",
        fix="report only, with the recipe",
        why=(
            "model_fn only builds the graph; the Estimator creates the session, initialises "
            "variables and runs the graph every step. A session opened inside model_fn runs "
            "once, at graph-build time, on uninitialised variables (FailedPreconditionError). "
            "Recipe: to see a value every step, print it with tf.print (see EF204) or log it "
            "with tf.estimator.LoggingTensorHook in the TRAIN spec's training_hooks; to use it, "
            "return it in predictions or as eval_metric_ops."
        ),
        before=(
            "with tf.compat.v1.Session() as sess:\n"
            "    print('initial loss', sess.run(loss))\n"
            "return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)\n"
        ),
        after=(
            "hook = tf.estimator.LoggingTensorHook({'loss': loss}, every_n_iter=1)\n"
            "return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,\n"
            "                                  training_hooks=[hook])\n"
        ),
    )
)
register(
    Rule(
        code="EF204",
        title="print or log of a tensor (runs once, at graph-build time)",
        fix="safe: tf.print made a dependency of the printed tensor",
        why=(
            "print(t) inside model_fn runs once per mode, while the graph is built, and shows "
            "the symbol (Tensor(\"dense/BiasAdd:0\", ...)), never a value; so does "
            "tf.compat.v1.logging.info('%s', t). A bare `tf.print(t)` statement is no better: "
            "in graph mode an op runs only when something that runs depends on it. The fix "
            "uses tf.print and makes it a dependency: `with tf.control_dependencies("
            "[tf.print(...)]): t = tf.identity(t)` for each printed tensor name whose later uses "
            "reach what the model_fn returns, so it prints every step that computes t, in every "
            "mode that computes it (TRAIN, EVAL and PREDICT, as the print meant). tf.identity "
            "changes no value, variable or random seed. A LoggingTensorHook in training_hooks "
            "was the alternative, rejected because it logs in TRAIN only, needs the spec "
            "rewritten (one spec per mode, EF105) and loses the print's text. The text is kept: "
            "positional arguments, sep, end, file= as output_stream (tf.print writes to stderr "
            "by default); an f-string or a logging %-format is split into its text and values "
            "with sep=''; a TF or absl logging call (info, warning, error) keeps its logger as "
            "output_stream. tf.print formats values itself, so format specs such as .3f are "
            "dropped. A conversion inside the print (EF202) is dropped. Reported without a fix: "
            "a print of a tensor that nothing returned depends on, of a dict or parameter (no "
            "single tensor name to rebind), with %-formatting or str.format in the argument, "
            "logging keywords, or other statements on its line."
        ),
        before="print('loss', loss)\n",
        after=(
            "with tf.control_dependencies([tf.print('loss', loss)]):\n"
            "    loss = tf.identity(loss)\n"
        ),
    )
)
register(
    Rule(
        code="EF205",
        title="Python if/while/and/or/not/bool() on a tensor",
        fix="report only (suggests tf.cond / tf.where)",
        why=(
            "A symbolic tensor has no truth value while the graph is built: `if t > 0:`, "
            "`while t:`, `t and x`, `not t`, `bool(t)`, `assert t` and `a if t else b` raise "
            "OperatorNotAllowedInGraphError. Decide in the graph instead: tf.cond(pred, "
            "true_fn, false_fn) for control flow, tf.where(cond, x, y) to pick values "
            "elementwise; or decide in Python on static facts (x.shape, params, mode). "
            "`is None` tests and comparisons with None are Python tests: no finding."
        ),
        before="if tf.reduce_mean(logits) > 0:\n    logits = -logits\n",
        after="logits = tf.cond(tf.reduce_mean(logits) > 0, lambda: -logits, lambda: logits)\n",
    )
)
register(
    Rule(
        code="EF206",
        title="tf.executing_eagerly() branch inside model_fn",
        fix="safe: keep the graph branch, drop the dead one",
        why=(
            "Estimator always calls model_fn inside a graph, so tf.executing_eagerly() is "
            "False there and its branch is dead code (often with .numpy() calls that would "
            "crash). The fix keeps what runs: the else branch of `if tf.executing_eagerly():`, "
            "the body of `if not tf.executing_eagerly():`, the graph side of `a if "
            "tf.executing_eagerly() else b`, also through a name bound to the call and through "
            "an `and`/`or` the call decides first. Code in the dead branch is not reported."
        ),
        before=(
            "if tf.executing_eagerly():\n"
            "    print(logits.numpy())\n"
            "else:\n"
            "    logits = tf.clip_by_value(logits, -10.0, 10.0)\n"
        ),
        after="logits = tf.clip_by_value(logits, -10.0, 10.0)\n",
    )
)
