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
        fix="safe: moved into EVAL (and kept in TRAIN where a summary, hook or the loss reads them)",
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
            "    return tf.estimator.EstimatorSpec(mode, predictions=p, loss=loss, train_op=train_op)\n"
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
