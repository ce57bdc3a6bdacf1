"""The eager-code codemod (EF201-EF206): case table, options, layout, rules and fixture pairs."""

from __future__ import annotations

import sys

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager_code import EagerCodeCommand
from codemods.registry import all_codemods
from codemods.rules import RULES
from estimator_fix.noqa import is_suppressed, noqa_lines
from tests.pairs import PAIRS, Pair

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def fix(source: str, **options: object) -> tuple[str, list[str]]:
    module, findings = apply_codemod(EagerCodeCommand, cst.parse_module(source), **options)  # type: ignore[arg-type]
    return module.code, [f"{f.code}:{f.line}:{f.fix}" for f in findings]


# (id, before, after — None when nothing changes, findings as code:line:fix)
CASES = [
    (
        'numpy_mean_over_layer_output',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = np.mean(y, axis=-1, keepdims=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = tf.reduce_mean(y, axis=-1, keepdims=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF201:7:safe'],
    ),
    (
        'numpy_alias_and_from_import',
        '''\
import numpy as onp
import tensorflow as tf
from numpy import sqrt as root


def model_fn(features, labels, mode):
    y = root(onp.square(tf.nn.relu(features["x"])))
    loss = onp.sum(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as onp
import tensorflow as tf
from numpy import sqrt as root


def model_fn(features, labels, mode):
    y = tf.sqrt(tf.square(tf.nn.relu(features["x"])))
    loss = tf.reduce_sum(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF201:7:safe', 'EF201:7:safe', 'EF201:8:safe'],
    ),
    (
        'integer_operands_are_cast',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.argmax(features["x"], axis=1)
    count = np.sum(y > 0)
    loss = np.mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.argmax(features["x"], axis=1)
    count = tf.reduce_sum(tf.cast(y > 0, tf.int64))
    loss = tf.reduce_mean(tf.cast(y, tf.float64))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF201:7:safe', 'EF201:8:safe'],
    ),
    (
        'unknown_dtype_mean_is_reported',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = features["x"]
    loss = np.mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF201:7:none'],
    ),
    (
        'outside_table_is_reported',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = np.argmax(tf.compat.v1.layers.dense(features["x"], 2), axis=1)
    loss = np.dot(labels, labels)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF201:6:none', 'EF201:7:none'],
    ),
    (
        'noop_numpy_on_python_values',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode, params):
    width = int(np.prod(features["x"].shape[1:]))
    scale = np.sqrt(params["units"]) * np.float32(0.5)
    y = tf.compat.v1.layers.dense(features["x"] * scale, width)
    loss = tf.reduce_mean(y @ tf.transpose(y))
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        [],
    ),
    (
        'noop_build_time_logging_of_python_values',
        '''\
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
        None,  # no change
        [],
    ),
    (
        'noop_outside_model_fn',
        '''\
import numpy as np
import tensorflow as tf


def summarize(batch):
    print("batch", batch)
    return np.mean(batch.numpy())


def build(features, labels, mode):
    return np.mean(features["x"])
''',
        None,  # no change
        [],
    ),
    (
        'print_wired_into_loss',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    print("loss", loss, sep=": ")  # every step
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    with tf.control_dependencies([tf.print("loss", loss, sep=": ")]):  # every step
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF204:8:safe'],
    ),
    (
        'print_conversions_and_fstring',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    print(f"loss {loss.numpy()} / {{raw}}")
    print("mean", float(loss), y.eval(), flush=True)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(tf.square(labels - y))
    with tf.control_dependencies([tf.print("loss ", loss, " / {raw}", sep="")]):
        loss = tf.identity(loss)
    with tf.control_dependencies([tf.print("mean", loss, y)]):
        loss = tf.identity(loss)
        y = tf.identity(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF202:8:safe', 'EF204:8:safe', 'EF202:9:safe', 'EF202:9:safe', 'EF204:9:safe'],
    ),
    (
        'print_reported_when_not_wirable',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    print(features)
    print("loss %s" % loss); z = 1
    print(f"{loss=}")
    print(y)
    y = tf.zeros_like(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF204:8:none', 'EF204:9:none', 'EF204:10:none', 'EF204:11:none'],
    ),
    (
        'logging_calls_become_tf_print',
        '''\
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
        '''\
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
        ['EF202:9:safe', 'EF204:9:safe', 'EF204:10:safe', 'EF204:11:none', 'EF204:12:none'],
    ),
    (
        'bare_tf_print_wired',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    tf.print("y", y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    with tf.control_dependencies([tf.print("y", y)]):
        y = tf.identity(y)
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF204:7:safe'],
    ),
    (
        'session_reported',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    with tf.compat.v1.Session() as sess:
        value = sess.run(loss)
    other = tf.compat.v1.Session().run(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF203:8:none', 'EF203:9:none', 'EF203:10:none'],
    ),
    (
        'python_truth_of_tensors_reported',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 1)
    loss = tf.reduce_mean(y)
    if loss > 0 or labels is None:
        loss = -loss
    while y:
        break
    assert bool(loss)
    z = y if loss else -y
    w = loss and y
    if labels is not None and mode == "train":
        pass
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF205:8:none', 'EF205:10:none', 'EF205:12:none', 'EF205:13:none', 'EF205:14:none'],
    ),
    (
        'executing_eagerly_branches',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    if tf.executing_eagerly():
        y = features["x"].numpy()
    else:
        y = tf.identity(features["x"])
    if eager:
        print(y.numpy())
    if not tf.executing_eagerly():
        y = y * 2
    if tf.executing_eagerly() and mode == "train":
        y = y.numpy()
    elif mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    elif not eager:
        y = y / 3
    elif mode == "train":
        y = y.numpy()
    scale = 1.0 if tf.executing_eagerly() else (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    eager = tf.executing_eagerly()
    # choose the path
    y = tf.identity(features["x"])
    y = y * 2
    if mode == "eval":
        y = y + 1
    else:
        y = y - 1
    if mode == "infer":
        y = y / 2
    else:
        y = y / 3
    scale = (2.0)
    loss = tf.reduce_mean(y) * scale
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        [
            'EF206:8:safe', 'EF206:12:safe', 'EF206:14:safe', 'EF206:16:safe', 'EF206:24:safe',
            'EF206:28:safe',
        ],
    ),
    (
        'eager_test_left_when_undecided',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = features["x"]
    if mode == "train" and tf.executing_eagerly():
        y = y * 2
    loss = tf.reduce_mean(y)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        None,  # no change
        ['EF206:7:none'],
    ),
    (
        'adds_tensorflow_import_when_missing',
        '''\
import numpy as np
from tensorflow.compat.v1 import layers
from tensorflow.estimator import EstimatorSpec


def model_fn(features, labels, mode):
    y = layers.dense(features["x"], 2)
    loss = np.mean(y)
    return EstimatorSpec(mode, loss=loss)
''',
        '''\
import numpy as np
from tensorflow.compat.v1 import layers
from tensorflow.estimator import EstimatorSpec
import tensorflow as tf


def model_fn(features, labels, mode):
    y = layers.dense(features["x"], 2)
    loss = tf.reduce_mean(y)
    return EstimatorSpec(mode, loss=loss)
''',
        ['EF201:8:safe'],
    ),
    (
        'local_tf_import_is_reused',
        '''\
import numpy as np


def model_fn(features, labels, mode):
    import tensorflow as tf2
    y = tf2.compat.v1.layers.dense(features["x"], 2)
    loss = np.sum(y)
    return tf2.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import numpy as np


def model_fn(features, labels, mode):
    import tensorflow as tf2
    y = tf2.compat.v1.layers.dense(features["x"], 2)
    loss = tf2.reduce_sum(y)
    return tf2.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF201:7:safe'],
    ),
    (
        'compat_v1_alias_is_reused',
        '''\
import numpy as np
import tensorflow.compat.v1 as tf1


def model_fn(features, labels, mode):
    y = tf1.layers.dense(features["x"], 2)
    loss = np.max(np.abs(y))
    return tf1.estimator.EstimatorSpec(mode, loss=loss)
''',
        '''\
import numpy as np
import tensorflow.compat.v1 as tf1


def model_fn(features, labels, mode):
    y = tf1.layers.dense(features["x"], 2)
    loss = tf1.reduce_max(tf1.abs(y))
    return tf1.estimator.EstimatorSpec(mode, loss=loss)
''',
        ['EF201:7:safe', 'EF201:7:safe'],
    ),
    (
        'method_model_fn_and_noqa',
        '''\
import numpy as np
import tensorflow as tf


class Model:
    def model_fn(self, features, labels, mode):
        y = tf.compat.v1.layers.dense(features["x"], 2)
        loss = np.mean(y)  # noqa: EF201
        print(loss)  # noqa
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=np.exp(y))
''',
        '''\
import numpy as np
import tensorflow as tf


class Model:
    def model_fn(self, features, labels, mode):
        y = tf.compat.v1.layers.dense(features["x"], 2)
        loss = np.mean(y)  # noqa: EF201
        print(loss)  # noqa
        return tf.estimator.EstimatorSpec(mode, loss=loss, predictions=tf.exp(y))
''',
        ['EF201:10:safe'],
    ),
    (
        'layout_and_comments_survive',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = (np.mean(
        y,  # all of it
        axis=None,
    ))
    stacked = np.stack([y, y], axis=-1)
    print(
        "loss",
        loss,
    )
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    y = tf.compat.v1.layers.dense(features["x"], 2)
    loss = (tf.reduce_mean(
        y,  # all of it
        axis=None,
    ))
    stacked = tf.stack([y, y], axis=-1)
    with tf.control_dependencies([tf.print(
        "loss",
        loss,
    )]):
        loss = tf.identity(loss)
    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={'y': y})
''',
        ['EF201:7:safe', 'EF201:11:safe', 'EF204:12:safe'],
    ),
]


@pytest.mark.parametrize(
    ("before", "after", "findings"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_case(before: str, after: str | None, findings: list[str]) -> None:
    expected = before if after is None else after
    output, found = fix(before)
    assert output == expected
    assert found == findings
    cst.parse_module(output)  # parses
    again, refound = fix(output)
    assert again == output  # idempotent
    assert not any(f.endswith(":safe") for f in refound), "a fixed finding is found again"


def test_the_table_keeps_no_op_cases() -> None:
    assert len([c for c in CASES if c[2] is None]) >= 4


SOURCE = dict((c[0], c[1]) for c in CASES)


def test_select_limits_what_is_reported_and_fixed() -> None:
    source = SOURCE["executing_eagerly_branches"] + SOURCE["print_wired_into_loss"].split("\n\n\n", 1)[1].replace("def model_fn", "def model_fn2")  # noqa: E501
    output, found = fix(source, select={"EF204"})
    assert {f.split(":")[0] for f in found} == {"EF204"}
    assert "if tf.executing_eagerly():" in output
    assert "tf.print(" in output
    output, found = fix(source, select=set())
    assert (output, found) == (source, [])


def test_noqa_on_the_line_keeps_it_and_its_finding_out() -> None:
    source = SOURCE["numpy_mean_over_layer_output"].replace(
        "keepdims=True)", "keepdims=True)  # noqa: EF201"
    )
    assert fix(source) == (source, [])


def test_crlf_tabs_and_continuation_lines_survive() -> None:
    source = (
        "import numpy as np\r\nimport tensorflow as tf\r\n\r\n\r\n"
        "def model_fn(features, labels, mode):\r\n"
        '\ty = tf.compat.v1.layers.dense(features["x"], 2)\r\n'
        "\tif tf.executing_eagerly():\r\n\t\tpass\r\n\telse:\r\n"
        "\t\t# graph mode\r\n\t\ty = np.maximum(y,\r\n\t\t               0)\r\n"
        '\tprint("y", y)\r\n'
        "\treturn tf.estimator.EstimatorSpec(mode, predictions=y)\r\n"
    )
    expected = (
        "import numpy as np\r\nimport tensorflow as tf\r\n\r\n\r\n"
        "def model_fn(features, labels, mode):\r\n"
        '\ty = tf.compat.v1.layers.dense(features["x"], 2)\r\n'
        "\t# graph mode\r\n\ty = tf.maximum(y,\r\n\t               0)\r\n"
        '\twith tf.control_dependencies([tf.print("y", y)]):\r\n\t\ty = tf.identity(y)\r\n'
        "\treturn tf.estimator.EstimatorSpec(mode, predictions=y)\r\n"
    )
    output, found = fix(source)
    assert output == expected
    assert found == ["EF206:7:safe", "EF201:11:safe", "EF204:13:safe"]
    assert fix(output)[0] == output


def test_nothing_outside_model_fns_changes() -> None:
    source = SOURCE["noop_outside_model_fn"] + SOURCE["numpy_mean_over_layer_output"].split(
        "\n\n\n", 1
    )[1]
    output, _ = fix(source)
    assert output.split("def model_fn")[0] == source.split("def model_fn")[0]


_TEMPLATE = '''\
import numpy as np
import tensorflow as tf


def model_fn(features, labels, mode):
    logits = tf.compat.v1.layers.dense(features["x"], 3)
    loss = tf.reduce_mean(logits)
{body}    return tf.estimator.EstimatorSpec(mode, loss=loss, predictions={{"l": logits}})
'''


def _in_model_fn(snippet: str) -> str:
    body = "".join(f"    {line}\n" for line in snippet.strip("\n").splitlines())
    return _TEMPLATE.format(body=body)


@pytest.mark.parametrize("code", ["EF201", "EF202", "EF204", "EF206"])
def test_explain_examples_are_what_the_fix_writes(code: str) -> None:
    rule = RULES[code]
    assert fix(_in_model_fn(rule.before))[0] == _in_model_fn(rule.after)


@pytest.mark.parametrize("code", ["EF201", "EF202", "EF203", "EF204", "EF205", "EF206"])
def test_every_rule_has_a_catalogue_entry(code: str) -> None:
    rule = RULES[code]
    assert rule.title and rule.fix and rule.why and rule.before and rule.after
    assert code in EagerCodeCommand.RULE_CODES


def test_explain_ef201_lists_the_table() -> None:
    assert "np.mean -> tf.reduce_mean" in RULES["EF201"].why
    assert "np.argmax" in RULES["EF201"].why


# ----------------------------------------------------------------------------- fixture pairs
EAGER_PAIRS = [p for p in PAIRS if p.name.startswith("ef2")]


def test_the_family_has_enough_pairs() -> None:
    assert len(EAGER_PAIRS) >= 15
    assert any("EF1" in " ".join(p.findings) for p in EAGER_PAIRS), "mixes with EF1xx findings"


@pytest.mark.parametrize("pair", EAGER_PAIRS, ids=[p.name for p in EAGER_PAIRS])
def test_pair_before_becomes_after(pair: Pair) -> None:
    """As the engine runs them: every codemod on the original for findings (minus noqa), and
    each codemod on the previous one's output for the fix."""
    before = cst.parse_module(pair.before.read_bytes())
    noqa = noqa_lines(before.code)
    output, findings = before, []
    for command in all_codemods():
        _, found = apply_codemod(command, before, unsafe_fixes=pair.unsafe)
        findings += [f for f in found if not is_suppressed(f.code, f.line, noqa)]
        output, _ = apply_codemod(command, output, unsafe_fixes=pair.unsafe)
    assert output.bytes == pair.after.read_bytes()
    assert sorted(f"{f.code}:{f.line}" for f in findings) == sorted(pair.findings)
    case = tomllib.loads((pair.before.parent / "case.toml").read_text(encoding="utf-8"))
    assert case["description"] and case["fixed"] == (output.bytes != before.bytes)
