"""Indentation Python accepts and LibCST's tokenizer rejects (a tab after a block's spaces):
the file is read through a copy with its indentation tabs expanded, its findings positioned in
the file itself, and nothing is rewritten."""

from __future__ import annotations

import libcst as cst
import pytest

from estimator_fix.engine import Settings, process_source
from estimator_fix.results import Unchanged
from estimator_fix.tabs import WARNING, expand_indentation, original_column

SOURCE = (
    b"import tensorflow as tf\n"
    b"\n"
    b"\n"
    b"def model_fn(features, labels, mode):\n"
    b'    logits = tf.compat.v1.layers.dense(features["x"], 2)\n'
    b'    with tf.compat.v1.variable_scope("loss"):\n'
    b"\t    loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels, logits)\n"
    b"    if mode == tf.estimator.ModeKeys.PREDICT:\n"
    b'        return tf.estimator.EstimatorSpec(mode, predictions={"y": logits})\n'
    b"    return tf.estimator.EstimatorSpec(mode, loss=loss)\n"
)


def test_libcst_rejects_the_file_python_accepts() -> None:
    compile(SOURCE, "model.py", "exec")
    with pytest.raises(cst.ParserSyntaxError):
        cst.parse_module(SOURCE)


@pytest.mark.parametrize("fix", [False, True])
def test_findings_are_read_through_expanded_tabs_and_nothing_is_rewritten(fix: bool) -> None:
    result = process_source("model.py", SOURCE, Settings(fix=fix))
    assert isinstance(result, Unchanged), result
    (finding,) = result.findings
    # line 7 is "\t    loss = ...": the statement starts at the sixth character
    assert (finding.code, finding.line, finding.column) == ("EF101", 7, 6)
    assert finding.fix == "none" and not finding.applied
    assert WARNING in result.warnings


def test_whitespace_inside_a_multi_line_string_is_left_as_it_is() -> None:
    source = b'def f():\n    x = """\n\tdata\n"""\n    if x:\n\t    return 1\n'
    expanded = expand_indentation(source, source.decode())
    assert expanded == b'def f():\n    x = """\n\tdata\n"""\n    if x:\n            return 1\n'
    assert expand_indentation(b"def f():\n    return 1\n", "def f():\n    return 1\n") is None


def test_columns_map_back_through_tabs() -> None:
    assert original_column(b"\t    loss = 1", 13) == 6
    assert original_column(b"    x = 1", 5) == 5
    assert original_column(b"\t\tx", 17) == 3
