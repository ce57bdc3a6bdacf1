"""Review 23: defects found in the day's stand-ins for missing modules, each shown first."""

from __future__ import annotations

import contextlib
import functools
import importlib
import operator
import sys
from collections.abc import Iterator
from pathlib import Path

import libcst as cst
import pytest

from codemods.base import apply_codemod
from codemods.eager.codemod import EagerCode
from estimator_fix.validation import validate_file
from estimator_fix.validation.compare import Tolerance, compare_runs
from estimator_fix.validation.results import RunResult
from estimator_fix.validation.worker import standins
from tests.mode_findings import found

SHAPES = Path(__file__).resolve().parent.parent / "fixtures" / "validation" / "shapes"


@pytest.fixture
def loading() -> Iterator[None]:
    finders = list(sys.meta_path)
    yield
    sys.meta_path[:] = finders
    standins._STATE["armed"] = False
    standins._STATE["used"] = []
    for name in [n for n in sys.modules if n.startswith("estimator_fix_absent_")]:
        del sys.modules[name]


def test_a_stand_in_compared_with_a_real_value_while_loading_fails(loading: None) -> None:
    # ``if config.BACKEND == "tf": SCALE = 1.0 else: SCALE = 2.0`` at the top of a module: the
    # stand-in answered False (it is only itself), so SCALE was quietly 2.0 whatever the real
    # module holds, and the model_fn computed with it in both versions.
    standins.install(["estimator_fix_absent_r"])
    from estimator_fix_absent_r import config  # type: ignore[import-not-found]

    backend = config.BACKEND
    with pytest.raises(standins.StandInUsed, match="estimator_fix_absent_r"):
        _ = backend == "tf"
    with pytest.raises(standins.StandInUsed):
        _ = backend != "tf"
    with pytest.raises(standins.StandInUsed):
        _ = operator.eq("tf", backend)  # the str's own test gives way to the stand-in's
    with pytest.raises(standins.StandInUsed):
        _ = backend in ["tf", "torch"]
    # as a registry's key it is still itself
    assert {backend: 1}[backend] == 1
    assert backend == backend


@pytest.mark.parametrize("armed", [False, True])
def test_a_stand_in_made_into_a_string_fails(loading: None, armed: bool) -> None:
    # ``"%s" % value``, ``str(value)``, ``f"{value}"`` gave "<stand-in ...>" even after loading: a
    # value computed from the stand-in (a name, a path, a string constant) with no failure.
    standins.install(["estimator_fix_absent_s"])
    import estimator_fix_absent_s as s  # type: ignore[import-not-found]

    value = s.VERSION
    if armed:
        standins.arm()
    for use in (str, functools.partial(operator.mod, "%s"), lambda v: f"{v}", "{}".format):
        with pytest.raises(standins.StandInUsed, match="estimator_fix_absent_s"):
            use(value)
    assert "estimator_fix_absent_s.VERSION" in repr(value)  # it still says what it is


def test_a_use_after_loading_is_recorded_even_where_the_code_catches_it(loading: None) -> None:
    # StandInUsed is an ImportError: ``try: scale = helpers.SCALE / except ImportError:`` (or
    # ``except Exception``) in the model_fn went on as if nothing had been used.
    standins.install(["estimator_fix_absent_t"])
    import estimator_fix_absent_t as t  # type: ignore[import-not-found]

    standins.arm()
    with contextlib.suppress(ImportError):  # as a model_fn's own handler would
        _ = t.SCALE
    assert standins.used() == ["estimator_fix_absent_t.SCALE"]


def test_runs_that_used_a_stand_in_prove_nothing() -> None:
    used = RunResult(stand_ins_used=("estimator_fix_absent_t.SCALE",))
    (check,) = compare_runs(used, RunResult(), Tolerance())
    assert check.verdict == "error"
    assert "estimator_fix_absent_t.SCALE" in check.detail


@pytest.mark.tf
def test_a_model_fn_that_catches_the_failure_of_a_stand_in_is_not_proven() -> None:
    report = validate_file(SHAPES / "missing_module_caught.py")
    assert report.verdict in ("error", "not validated"), report.message
    assert "estimator_fix_absent_helpers" in report.message, report.message


@pytest.mark.tf
def test_a_module_that_compares_a_stand_in_while_loading_is_not_proven() -> None:
    report = validate_file(SHAPES / "missing_module_compared.py")
    assert report.verdict in ("error", "not validated"), report.message


def test_a_failure_in_a_module_imported_after_loading_is_recorded_too(
    loading: None, tmp_path: Path
) -> None:
    # ``try: from mylib import fancy / except ImportError: fancy = None`` in a model_fn, where
    # mylib's top level compares a stand-in: the failure happened inside an import (where uses
    # pass as while loading) and the model_fn's handler went on without mylib, unrecorded.
    (tmp_path / "estimator_fix_absent_lazy_cmp.py").write_text(
        "import estimator_fix_absent_k as k\nFAST = k.BACKEND == 'tf'\n", encoding="utf-8"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        standins.install(["estimator_fix_absent_k"])
        standins.arm()
        with contextlib.suppress(ImportError):
            importlib.import_module("estimator_fix_absent_lazy_cmp")
        assert standins.used() == ["estimator_fix_absent_k.BACKEND"]
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("estimator_fix_absent_lazy_cmp", None)


def test_ef106_on_a_part_whose_results_reach_predict_through_a_part_beside_it() -> None:
    # One branch of a setting hands the labels to an opaque helper and builds PREDICT's
    # predictions from its results on the next line: PREDICT returns what the helper gives, so
    # it is EF106. Only the part binding a name PREDICT reads directly was EF106, so the
    # helper's line read as label code whose results PREDICT does not use (EF101).
    source = """
        def model_fn(features, labels, mode, params):
            if params["big"]:
                out = big_net(features, labels, training=False)
                predictions = {"p": out}
            else:
                out = small_net(features)
                predictions = {"p": out}
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions=predictions)
            loss = tf.reduce_mean(out)
            return tf.estimator.EstimatorSpec(mode, loss=loss)
        """
    assert found(source) == {"EF106:5"}


KERAS_GETTERS = """\
import tensorflow as tf
from nets import conformer


def model_fn(features, labels, mode, params):
    model = conformer.Conformer(sequences=features["audio"], is_training=False)
    output = model.get_sequence_output()
    tf.compat.v1.logging.info("config: %s", model.get_config())
    tf.compat.v1.logging.info("layer: %s", model.get_layer("dense"))
    tf.compat.v1.logging.info("weights: %s", model.get_weights())
    tf.compat.v1.logging.info("output: %s", output)
    return tf.estimator.EstimatorSpec(mode, predictions={"o": output})
"""


def test_the_getters_of_a_model_that_give_no_tensor_are_logged_freely() -> None:
    # A get_* method of an object built from tensors may give a tensor (get_sequence_output),
    # but a model's configuration (a dict), its weights (NumPy arrays) and its layers are
    # Python values: logging them is no EF204.
    _, findings = apply_codemod(EagerCode, cst.parse_module(KERAS_GETTERS))
    assert {f"{f.code}:{f.line}" for f in findings} == {"EF204:11"}
