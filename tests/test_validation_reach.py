"""Validation where the file gives nothing to run on: inputs inferred from the model_fn (numbers),
and the graph-level comparison where numbers cannot run — its verdict, what it catches, and
``fix --validate`` writing it only on request. Fixtures in fixtures/validation/inferred."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from estimator_fix.cli import app
from estimator_fix.validation import ValidationOptions, runner, validate_file, validate_pair
from estimator_fix.validation.interpreters import tensorflow_version

pytestmark = pytest.mark.tf

ROOT = Path(__file__).resolve().parent.parent
INFERRED = ROOT / "fixtures" / "validation" / "inferred"
WRONG = ROOT / "fixtures" / "wrong"


@pytest.fixture(scope="module", autouse=True)
def warm() -> Iterator[None]:
    runner.prewarm()
    yield



def wrong_rewrite(
    tmp_path: Path,
    source: Path = INFERRED / "vocab_missing.py",
    optimizer: bytes = b"AdamOptimizer(0.01)",
) -> Path:
    """The fixed ``source`` with its learning rate (``optimizer``'s) doubled: a wrong rewrite."""
    doubled = optimizer.replace(b"0.01)", b"0.02)").replace(b"0.1)", b"0.2)")
    return changed_rewrite(tmp_path, source, optimizer, doubled)


def changed_rewrite(tmp_path: Path, source: Path, old: bytes, new: bytes) -> Path:
    """What ``fix`` writes for ``source``, with ``old`` (which it must hold) made ``new``."""
    from estimator_fix.engine import Changed, Settings, process_source

    result = process_source(str(source), source.read_bytes(), Settings())
    assert isinstance(result, Changed) and old in result.fixed
    path = tmp_path / "rewritten.py"
    path.write_bytes(result.fixed.replace(old, new))
    return path


def fixed_on_synthetic_inputs(source: Path) -> str:
    """Validate ``source`` (no input function: synthetic inputs) and assert the rewrite is
    proven ``fixed``; the report's notes, one per line."""
    report = validate_file(source)
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    return "\n".join(report.notes)


def test_inputs_inferred_from_the_model_fn_are_validated_on_numbers() -> None:
    report = validate_file(INFERRED / "no_input_fn.py")
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    assert [c.mode for c in report.checks][:2] == ["TRAIN", "TRAIN"]
    notes = "\n".join(report.notes)
    assert "synthetic features inferred from the model_fn: pixels float32 [batch, 36]" in notes
    assert "price float32 [batch, 2]" in notes and "weekday int32 [batch]" in notes
    assert "params guessed from the model_fn: learning_rate=0.01" in notes
    assert report.seconds < 20


def test_volumes_are_inferred_and_validated_on_numbers(tmp_path: Path) -> None:
    """A 3-D convolution of the features given a channel axis: volumes, at a size where a strided
    convolution builds."""
    notes = fixed_on_synthetic_inputs(INFERRED / "volumes.py")
    assert "features float32 [batch, 16, 16, 16] (line 10: a batch of volumes" in notes
    assert "inputs searched" not in notes
    wrong = wrong_rewrite(tmp_path, INFERRED / "volumes.py", b"GradientDescentOptimizer(0.1)")
    assert validate_pair(INFERRED / "volumes.py", wrong).verdict == "mismatch"


def test_sequences_are_inferred_and_validated_on_numbers() -> None:
    """A recurrent layer built with ``input_shape=``: sequences of that shape."""
    notes = fixed_on_synthetic_inputs(INFERRED / "sequences.py")
    assert "features float32 [batch, 10, 5] (line 12: the input of GRU(), input_shape=" in notes
    assert "inputs searched" not in notes


def test_images_a_sequential_model_declares_are_validated_on_numbers(tmp_path: Path) -> None:
    """A Keras ``Sequential`` whose first layer declares its input: images of that shape."""
    source = INFERRED / "keras_sequential.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "features float32 [batch, 28, 28, 1]" in notes
    assert "whose first layer is Conv2D(), input_shape=(28, 28, 1)" in notes
    assert "inputs searched" not in notes
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_images_whose_convolutions_put_the_channels_first_are_given_so(tmp_path: Path) -> None:
    """``data_format="channels_first"``: images [batch, 3, side, side], at the side where the
    model builds. With oneDNN off (as in the worker) TensorFlow's CPU kernels convolve and pool
    only channels last: those ops run channels-last on the transposed images (``layouts.py``),
    so the numbers run and prove the rewrite; a wrong rewrite is a mismatch."""
    source = INFERRED / "channels_first.py"
    report = validate_file(source)
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    assert "channels-first conv2d, max_pool ran channels-last" in notes
    assert "image float32 [batch, 3, 64, 64] (line 11: features['image']" in notes
    assert "an image batch for conv2d() (channels first)" in notes
    assert "synthetic images 3x32x32: the model_fn builds at that size" in notes
    assert "inputs searched" not in notes
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_the_rewrite_runs_on_the_image_size_the_original_settled_on(tmp_path: Path) -> None:
    """A wrong rewrite whose flattening wants another size builds at that size on inputs of its
    own choosing; on the original's inputs (32 a side) it fails where the original trains."""
    source = INFERRED / "channels_first.py"
    wrong = changed_rewrite(tmp_path, source, b"[-1, 8 * 8 * 8]", b"[-1, 8 * 16 * 16]")
    report = validate_pair(source, wrong)
    assert report.verdict == "mismatch"
    assert report.message.startswith("TRAIN trains: the rewrite fails: "), report.message
    assert "logits.shape=(1, 3)" in report.message, report.message


def test_images_get_the_first_size_tried_at_which_the_model_builds() -> None:
    notes = fixed_on_synthetic_inputs(INFERRED / "image_sizes.py")
    assert "image float32 [batch, 64, 64, 3] (line 8: features['image']" in notes
    assert "synthetic images 224x224x3: the model_fn builds at that size" in notes


def test_params_and_labels_shaped_by_their_use_are_validated_on_numbers(tmp_path: Path) -> None:
    source = INFERRED / "ctr_params.py"
    notes = fixed_on_synthetic_inputs(source)
    # Each from how the code uses it, with no search needed: a split string, a list indexed,
    # a reshape size read through a local, ids through a reshape, labels less expand_dims' axis.
    assert "deep_layers='4,4' (line 13: params['deep_layers'] split into items)" in notes
    assert "embedding=[4, 4] (line 17: embedding indexed as a list)" in notes
    assert "l2_reg=0.01" in notes
    assert "feat_ids int32 [batch, 4]" in notes
    assert "less the 1 dimension(s) its expand_dims adds" in notes
    assert "inputs searched" not in notes
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_feature_columns_in_params_and_an_unsized_width_are_validated(tmp_path: Path) -> None:
    """Columns the Estimator's builder puts in params become embedding columns of ids, whose
    keys the build finds (int64 ids); the output width guessed from its name (4) clashes with
    one label per example by a multiple of it, and the search sets it to 1."""
    source = INFERRED / "columns_in_params.py"
    notes = fixed_on_synthetic_inputs(source)
    made = "embedding of ids 'wide_columns_0', embedding of ids 'wide_columns_1'"
    assert f"wide_columns=[{made}]" in notes
    assert "(line 12: deep_columns handed on as feature columns)" in notes
    ids = "the guessed columns' ids int64): wide_columns_0, wide_columns_1, deep_columns_0"
    assert ids in notes
    assert "the labels of mean_squared_error() (line 17)" in notes
    assert "synthetic inputs chosen:" in notes and "params n_outputs=1" in notes
    wrong = wrong_rewrite(tmp_path, source, b"AdagradOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_guessed_columns_are_made_on_the_keys_the_files_input_function_gives(
    tmp_path: Path,
) -> None:
    source = INFERRED / "columns_with_input_fn.py"
    report = validate_file(source)
    assert report.verdict == "fixed" and not report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    made = "guessed feature columns (feature_columns) made on the input function's features"
    assert f"{made}: price" in notes
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_a_numpy_matrix_in_params_is_guessed_as_an_array(tmp_path: Path) -> None:
    """``vectors = params["vectors"]`` read through ``.shape`` and ``.astype``: an array (an
    options object's fields would be ``{'shape': ...}``, which has no ``astype``)."""
    source = INFERRED / "array_param.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "vectors=array float32 [4, 4] (line 11: vectors used as a NumPy array (.shape))" in notes
    optimizer = b"GradientDescentOptimizer(0.1)"
    assert validate_pair(source, wrong_rewrite(tmp_path, source, optimizer)).verdict == "mismatch"


def test_an_options_object_in_params_is_validated(tmp_path: Path) -> None:
    """``opts = params["opts"]`` read by attribute: guessed field by field, made readable by
    attribute in the worker; a field compared with a module constant takes its value."""
    source = INFERRED / "options_object.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "opts={'hidden_units': [4, 4], 'num_classes': 10," in notes
    assert "'learning_rate': 0.01, 'use_bias': False}" in notes
    assert "(line 13: opts.hidden_units iterated by enumerate())" in notes
    assert "'loss': 'cross_entropy'" in notes  # the constant it is compared with, evaluated
    fixed = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(opts.learning_rate)")
    wrong = tmp_path / "doubled.py"
    doubled = b"(2 * opts.learning_rate)"
    wrong.write_bytes(fixed.read_bytes().replace(b"(opts.learning_rate)", doubled))
    assert wrong.read_bytes() != fixed.read_bytes()
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_params_named_as_the_jobs_flags_take_their_defaults(tmp_path: Path) -> None:
    """The job next to the model (``train.py``) fills params from its argparse flags; a guessed
    depth is not in the model's table of depths, the declared default is: proven ``fixed``, and
    a doubled learning rate is caught."""
    source = INFERRED / "flags_in_job" / "model.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "resnet_size=18 (the default of flag resnet_size (train.py:14))" in notes
    assert "learning_rate=0.05 (the default of flag learning_rate (train.py:12))" in notes
    optimizer = b'GradientDescentOptimizer(params["learning_rate"])'
    wrong = doubled_rate(tmp_path, source, optimizer, b'params["learning_rate"]')
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_sizes_the_job_leaves_at_0_and_inputs_with_no_batch_are_not_run_empty(
    tmp_path: Path,
) -> None:
    source = INFERRED / "unset_sizes.py"
    report = validate_file(source)
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    assert report.checks[0].what == "loss (3 steps)"
    notes = "\n".join(report.notes)
    assert "FLAGS feature_size, field_size set to 4: dimensions left at 0" in notes
    assert "ids int32 [batch, 4]" in notes
    assert "the file's own input functions gave no batch" in notes
    # On empty tensors the pairwise term was 0 whatever its factor: now a wrong one is caught.
    fixed = validate_rewrite_bytes(source)
    wrong = tmp_path / "unset_sizes.py"
    wrong.write_bytes(fixed.replace(b"pairs = 0.5 *", b"pairs = 1.0 *"))
    assert wrong.read_bytes() != fixed
    assert validate_pair(source, wrong).verdict == "mismatch"


def validate_rewrite_bytes(source: Path) -> bytes:
    """What ``fix`` writes for ``source``."""
    from estimator_fix.engine import Changed, Settings, process_source

    result = process_source(str(source), source.read_bytes(), Settings())
    assert isinstance(result, Changed)
    return result.fixed


def doubled_rate(tmp_path: Path, source: Path, optimizer: bytes, rate: bytes) -> Path:
    """The fixed ``source`` with the learning rate its ``optimizer`` reads (``rate``) doubled."""
    fixed = wrong_rewrite(tmp_path, source, optimizer)
    wrong = tmp_path / "doubled.py"
    wrong.write_bytes(fixed.read_bytes().replace(b"(" + rate + b")", b"(2 * " + rate + b")"))
    assert wrong.read_bytes() != fixed.read_bytes()
    return wrong


def test_a_class_whose_init_needs_arguments_is_built_with_guessed_ones(tmp_path: Path) -> None:
    """The model_fn is a method; the file never builds its class: each ``__init__`` argument is
    guessed from what the methods do with the field it is stored in."""
    source = INFERRED / "class_needs_arguments.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "Classifier.__init__() parameter hidden_units guessed as [4, 4]" in notes
    assert "Classifier.__init__() parameter num_classes guessed as 10" in notes
    assert "Classifier.__init__() parameter name guessed as None" in notes  # only stored
    optimizer = b"GradientDescentOptimizer(self.learning_rate)"
    wrong = doubled_rate(tmp_path, source, optimizer, b"self.learning_rate")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_a_builders_arguments_no_call_gives_are_guessed_from_the_closure(tmp_path: Path) -> None:
    source = INFERRED / "builder_needs_arguments.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "model_fn_builder() parameter num_labels guessed as 10" in notes
    assert "model_fn_builder() parameter use_one_hot guessed as False" in notes
    wrong = doubled_rate(tmp_path, source, b"AdamOptimizer(learning_rate)", b"learning_rate")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_labels_read_by_key_are_a_dict_of_labels(tmp_path: Path) -> None:
    source = INFERRED / "labels_by_key.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "synthetic labels float32 [batch, 1] under each of the keys click, buy" in notes
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_input_functions_needing_arguments_give_way_to_inferred_inputs() -> None:
    """``input_fn(filenames)`` cannot be called by an Estimator, and the model_fn reads its params
    as attributes (HParams-style): synthetic inputs and attribute-readable guessed params."""
    report = validate_file(INFERRED / "input_fn_with_arguments.py")
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    assert "input functions need arguments an Estimator does not give (filenames)" in notes
    assert "params guessed from the model_fn: hidden_size=4" in notes
    assert "params readable by attribute too" in notes


def test_ops_renamed_by_tensorflows_counter_are_the_same_ops(tmp_path: Path) -> None:
    """The fix leaves EVAL without the training step's ``Equal``: the metric's ``Equal_1`` is
    ``Equal`` in the rewrite, the same op (a name-for-name comparison called it a mismatch)."""
    source = INFERRED / "counter_shift.py"
    report = validate_file(source)
    assert report.verdict == "graph-equivalent", report.message
    (graph,) = [c for c in report.checks if c.mode == "EVAL" and c.what.startswith("graph (")]
    assert graph.detail.startswith("the original's ops in order, less ")
    wrong = wrong_rewrite(tmp_path, source, b"GradientDescentOptimizer(0.1)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_where_numbers_cannot_run_the_graphs_are_compared() -> None:
    report = validate_file(INFERRED / "vocab_missing.py")
    assert report.verdict == "graph-equivalent", report.message
    assert report.return_code == 0
    train = [c for c in report.checks if c.mode == "TRAIN"]
    assert re.fullmatch(r"graph \(\d+ ops\)", train[0].what) and train[0].detail == "identical"
    assert (train[1].what, train[1].detail) == ("spec outputs (loss, train_op)", "the same tensors")
    assert [c.what for c in report.checks if c.mode == "EVAL"][0].startswith("graph (")
    assert any(n.startswith("the numbers could not run (both versions fail:") for n in report.notes)
    data = report.to_json()
    assert data["verdict"] == "graph-equivalent"
    assert {c["verdict"] for c in data["checks"]} == {"graph-equivalent"}  # type: ignore[index]
    assert report.seconds < 20


def test_a_wrong_rewrite_is_a_mismatch_at_graph_level(tmp_path: Path) -> None:
    report = validate_pair(INFERRED / "vocab_missing.py", wrong_rewrite(tmp_path))
    assert report.verdict == "mismatch", report.message
    assert re.fullmatch(
        r"TRAIN graph \(\d+ ops\): op 'Adam/learning_rate' \(Const\) differs in value",
        report.message,
    ), report.message


def test_graphs_take_the_batch_size_the_input_gives_where_they_need_it(tmp_path: Path) -> None:
    source = INFERRED / "vocab_missing_static_batch.py"
    report = validate_file(source)
    assert report.verdict == "graph-equivalent", report.message
    assert any(n.startswith("graphs built with the input's batch size, 4:") for n in report.notes)
    wrong = validate_pair(source, wrong_rewrite(tmp_path, source))
    assert wrong.verdict == "mismatch" and "differs in value" in wrong.message, wrong.message


@pytest.mark.parametrize(
    "name", ["learning_rate", "dropped_statement", "reordered_layers", "aux_head_skipped"]
)
def test_graph_level_alone_catches_each_wrong_fixture(name: str) -> None:
    pair = WRONG / name
    options = ValidationOptions(graph_only=True)
    assert validate_pair(pair / "original.py", pair / "rewritten.py", options).verdict == "mismatch"
    seed_ok = WRONG / "seed_ok"
    assert validate_pair(seed_ok / "original.py", seed_ok / "rewritten.py", options).verdict == (
        "graph-equivalent"
    )


def test_graph_level_under_tensorflow_1_15(tf1_python: str, tmp_path: Path) -> None:
    options = ValidationOptions(python=tf1_python)
    report = validate_file(INFERRED / "vocab_missing.py", options)
    assert report.verdict == "graph-equivalent" and report.tensorflow.startswith("1.15"), report
    wrong = validate_pair(INFERRED / "vocab_missing.py", wrong_rewrite(tmp_path), options)
    assert wrong.verdict == "mismatch" and "differs in value" in wrong.message, wrong.message
    inferred = validate_file(INFERRED / "no_input_fn.py", options)
    assert inferred.verdict == "fixed" and inferred.tensorflow.startswith("1.15"), inferred


def test_a_network_object_called_on_the_features_under_tensorflow_1_15(
    tf1_python: str, tmp_path: Path
) -> None:
    """``model = Network(...)`` then ``model(features, training)``: the features are the image
    the class's helper convolves (read, not searched for); in the graphs, the schedule's switches
    colocated with constants whose counters the dropped loss shifted are the same ops."""
    source = INFERRED / "model_object.py"
    options = ValidationOptions(python_tf1=tf1_python)
    report = validate_file(source, options)
    assert report.verdict == "fixed" and report.tensorflow.startswith("1.15"), report.message
    notes = "\n".join(report.notes)
    assert "features float32 [batch, 64, 64, 3] (line 13: an image batch for conv2d())" in notes
    assert "inputs searched" not in notes
    graphs = ValidationOptions(python_tf1=tf1_python, graph_only=True)
    compared = validate_file(source, graphs)
    assert compared.verdict == "graph-equivalent", compared.message
    wrong = changed_rewrite(
        tmp_path, source, b"MomentumOptimizer(rate, 0.9)", b"MomentumOptimizer(rate, 0.5)"
    )
    assert validate_pair(source, wrong, graphs).verdict == "mismatch"


def test_a_schedule_built_after_the_loss_is_the_same_graph_under_tensorflow_2(
    tmp_path: Path,
) -> None:
    """The schedule's conds are functions whose arguments TensorFlow 2 names after the
    constants they capture: the rewrite's, with the loss's constants dropped, are the same
    functions; a changed value is still a difference."""
    source = INFERRED / "schedule_after_loss.py"
    graphs = ValidationOptions(graph_only=True)
    report = validate_file(source, graphs)
    assert report.verdict == "graph-equivalent", report.message
    wrong = changed_rewrite(tmp_path, source, b"[0.1, 0.01, 0.001]", b"[0.1, 0.02, 0.001]")
    found = validate_pair(source, wrong, graphs)
    assert found.verdict == "mismatch" and "differs in value" in found.message, found.message


def test_a_model_fn_for_parameter_servers_with_hashed_ids_and_a_clock_is_proven(
    tmp_path: Path,
) -> None:
    """A table pinned to ``/job:ps`` runs on this machine, ``tf.timestamp()`` is one instant in
    every run (TensorFlow 2 refuses it under op determinism otherwise), the ids are strings
    (hashed after ``tf.unique`` in a helper), as many per example as the layout reshapes to;
    a changed learning rate is still caught."""
    source = INFERRED / "sharded_hashed_ids.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "line 16: strings for to_hash_bucket_fast() (through unique())" in notes
    assert "synthetic inputs chosen: ids string [batch, 6]" in notes
    wrong = changed_rewrite(tmp_path, source, b"AdagradOptimizer(0.05)", b"AdagradOptimizer(0.07)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_parameter_servers_and_a_clock_under_tensorflow_1_15(tf1_python: str) -> None:
    """The same model under TensorFlow 1.15, whose runs would differ by the time stamped."""
    report = validate_file(INFERRED / "sharded_hashed_ids.py", ValidationOptions(python=tf1_python))
    assert report.verdict == "fixed" and report.tensorflow.startswith("1.15"), report.message


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_fix_validate_writes_graph_equivalent_rewrites_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    original = (INFERRED / "vocab_missing.py").read_bytes()
    path = tmp_path / "vocab_missing.py"
    path.write_bytes(original)
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-fix]\n", encoding="utf-8")

    code, output = invoke("fix", "--validate", "vocab_missing.py")
    assert code == 1 and path.read_bytes() == original
    assert (
        "vocab_missing.py: not written (validation: graph-equivalent under TensorFlow "
        f"{tensorflow_version(sys.executable)}) — proven on the graphs only (7 checks; "
        "the numbers could not run (both versions fail: "
    ) in output, output
    assert "); --accept-graph-equivalent lets fix and migrate write it" in output, output

    code, output = invoke("fix", "--validate", "--accept-graph-equivalent", "vocab_missing.py")
    assert code == 0 and path.read_bytes() != original, output

    path.write_bytes(original)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.estimator-fix.validate]\naccept-graph-equivalent = true\n", encoding="utf-8"
    )
    code, output = invoke("fix", "--validate", "vocab_missing.py")
    assert code == 0 and path.read_bytes() != original, output


def test_migrate_validate_writes_graph_equivalent_rewrites_only_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(INFERRED / "vocab_missing.py", repo / "model.py")
    out = tmp_path / "out"
    code, output = invoke("migrate", str(repo), "--validate", "--out", str(out), "-j", "2")
    assert code == 1, output
    assert (out / "model.py").read_bytes() == (repo / "model.py").read_bytes()
    accepted = tmp_path / "accepted"
    code, output = invoke(
        "migrate", str(repo), "--validate", "--accept-graph-equivalent", "--out", str(accepted)
    )
    assert code == 0, output
    assert (accepted / "model.py").read_bytes() != (repo / "model.py").read_bytes()


def test_validate_graph_only_compares_the_graphs_without_training() -> None:
    code, output = invoke(
        "validate", str(INFERRED / "no_input_fn.py"), "--graph-only", "--format", "json"
    )
    assert code == 0, output
    data = json.loads(output)
    assert data["verdict"] == "graph-equivalent"
    assert ("graph-level comparison only (no training): the graphs were compared op by op") in data[
        "notes"
    ]
    assert [c["mode"] for c in data["checks"]][:2] == ["TRAIN", "TRAIN"]


def test_a_batch_size_in_params_is_the_synthetic_inputs(tmp_path: Path) -> None:
    """Params say 32 examples per batch and the model_fn reshapes by that: on synthetic inputs
    the params' batch size is theirs, so the numbers run (before: the graphs only); a doubled
    learning rate is caught."""
    source = INFERRED / "batch_in_params.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "params batch_size set to 4: the synthetic inputs' batch size" in notes
    optimizer = b"GradientDescentOptimizer(0.1)"
    assert validate_pair(source, wrong_rewrite(tmp_path, source, optimizer)).verdict == "mismatch"
    # read by attribute too (``params.batch_size``): the resized params stay readable so
    by_attribute = tmp_path / "by_attribute" / "batch_in_params.py"
    by_attribute.parent.mkdir()
    text = source.read_text(encoding="utf-8").replace('params["batch_size"]', "params.batch_size")
    by_attribute.write_text(text, encoding="utf-8")
    notes = fixed_on_synthetic_inputs(by_attribute)
    assert "params batch_size set to 4: the synthetic inputs' batch size" in notes


def test_a_closure_the_job_builds_from_a_config_file_is_built_by_its_builder(
    tmp_path: Path,
) -> None:
    """BERT's shape: ``main()`` reads the encoder's config from the JSON file a flag names (no
    default here) and hands it to ``model_fn_builder``. Building it as the job does fails; the
    builder builds it instead, the config object guessed from what the encoder module (imported
    whole, read through ``encoder.Encoder(config=...)``) reads of it."""
    source = INFERRED / "config_object" / "classifier.py"
    notes = fixed_on_synthetic_inputs(source)
    assert (
        "building 'model_fn' in main(): line 49 failed: TypeError: expected str, bytes or "
        "os.PathLike object, not NoneType; built instead by model_fn_builder() with its "
        "arguments guessed"
    ) in notes
    inferred = "parameter encoder_config inferred from the code that reads it (dropout_prob=0.01, "
    assert inferred + "hidden_act='relu', hidden_size=4" in notes
    assert "input_ids int32 [batch, 1]" in notes  # ids: the encoder looks them up
    # the job gives the step count (None by default: a decay cannot take it); not the hooks,
    # which the builder tests against None
    assert "parameter num_train_steps guessed as 10" in notes
    assert "parameter hooks" not in notes
    wrong = doubled_rate(tmp_path, source, b"GradientDescentOptimizer(rate)", b"rate")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_a_config_the_builder_reads_from_a_file_not_here_is_guessed(tmp_path: Path) -> None:
    """``encoder_config = EncoderConfig.from_json_file(encoder_config_file)`` in the builder, which
    no call gives a file: the statement fails and the local it binds is guessed from what the
    encoder module reads of it; the path itself needs no value."""
    source = INFERRED / "config_object" / "tagger.py"
    notes = fixed_on_synthetic_inputs(source)
    assert "model_fn_builder() local encoder_config inferred from the code that reads it (" in notes
    assert "line 12 of model_fn_builder() failed here (NameError: " in notes
    assert "encoder_config guessed instead" in notes
    wrong = wrong_rewrite(tmp_path, source, b"AdamOptimizer(0.01)")
    assert validate_pair(source, wrong).verdict == "mismatch"


def test_features_an_op_makes_a_tensor_of_are_one_value_of_the_dtype_it_asks_for() -> None:
    """The model class embeds its features as ids: built with a mapping, the lookup fails to
    make it a tensor, and as one float tensor it asks for integers; the search gives them."""
    notes = fixed_on_synthetic_inputs(INFERRED / "ids_as_features.py")
    assert "synthetic inputs chosen: features int32 [batch, 1]" in notes
