"""Inputs the original builds on where the inferred ones do not (a bounded search), and the file's
own input functions giving way to inferred inputs where they fail outside the model_fn (a
download without network) — with wrong rewrites on those paths still caught. Fixtures in
fixtures/validation/search."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from estimator_fix.validation import ValidationOptions, runner, validate_file, validate_pair
from estimator_fix.validation.worker import search
from estimator_fix.validation.worker.timing import InputTimeout, time_limit

ROOT = Path(__file__).resolve().parent.parent
SEARCH = ROOT / "fixtures" / "validation" / "search"


def wrong_rewrite(tmp_path: Path, name: str, old: bytes, new: bytes) -> Path:
    """What ``fix`` writes for fixture ``name``, with ``old`` replaced by ``new``: wrong."""
    from estimator_fix.engine import Changed, Settings, process_source

    source = SEARCH / name
    result = process_source(str(source), source.read_bytes(), Settings())
    assert isinstance(result, Changed) and old in result.fixed
    path = tmp_path / name
    path.write_bytes(result.fixed.replace(old, new))
    return path


def test_the_rank_an_error_asks_for_comes_first() -> None:
    assert (
        search._expected_rank("expected ndim=4, found ndim=2. Full shape received: [None, 1]") == 3
    )
    assert search._expected_rank("Shape must be rank 2 but is rank 3") == 1
    assert search._expected_rank("Dimension must be 1 but is 3") is None
    # ``x[:, t, :]`` of a [batch, 1] feature: a third dimension is indexed, so the feature's
    # examples are of rank 2, and the code added none
    sliced = (
        "Index out of range using input dim 2; input has only 2 dims for 'RNN/strided_slice' "
        "(op: 'StridedSlice') with input shapes: [?,1], [3], [3], [3]"
    )
    assert search._expected_rank(sliced) == 2
    assert search._rank_change(sliced, [1]) == 0
    one = {"features": {"x": {"dtype": "float32", "shape": [1], "sparse": False}}}
    one.update(labels={"dtype": "float32", "shape": [1], "sparse": False}, params={})
    shapes = [c["features"]["x"]["shape"] for c in search._neighbours(one, sliced, {}, True)]
    reshaped = [shape for shape in shapes if shape != [1]]
    # at rank 2, of sizes that are not the slice's dimension numbers
    assert all(len(shape) == 2 for shape in reshaped[:4]) and [2, 2] not in reshaped, shapes
    current = {
        "features": {"x": {"dtype": "float32", "shape": [1], "sparse": False}},
        "labels": None,
        "params": {"field_size": 0},
    }
    error = "Input 0 of layer conv is incompatible with the layer: expected ndim=4, found ndim=2"
    candidates = list(search._neighbours(current, error, {"field_size": 0}, takes_labels=True))
    # Labels first where there are none, then the degenerate size made small (a common image
    # size: the error's numbers are ranks, not sizes), then the rank the error asks for, then
    # other dtypes.
    assert [c["labels"] for c in candidates[:3]] == [
        {"dtype": "int32", "shape": [], "sparse": False},
        {"dtype": "float32", "shape": [1], "sparse": False},
        {"dtype": "int32", "shape": [1], "sparse": False},
    ]
    assert candidates[3]["params"] == {"field_size": 32}
    shapes = [c["features"]["x"]["shape"] for c in candidates[5:]]
    assert shapes[:2] == [[32, 32, 1], [32, 32, 3]] and all(len(s) == 3 for s in shapes[:6])
    assert candidates[-1]["features"]["x"]["dtype"] == "string"
    assert not list(search._neighbours(current, error, {}, takes_labels=False))[0]["labels"]


def test_a_guessed_param_an_error_names_is_tried_at_other_values_first() -> None:
    current = {
        "features": {"x": {"dtype": "float32", "shape": [32, 32, 3], "sparse": False}},
        "labels": None,
        "params": {},
    }
    params = {"resnet_size": 4, "width": 4, "scope": "scope"}
    error = "ValueError: ('resnet_size must be 6n + 2:', 4)"
    candidates = list(
        search._neighbours(current, error, params, True, guessed=["resnet_size", "width"])
    )
    assert [c["params"] for c in candidates[:6]] == [
        {"resnet_size": value} for value in (8, 50, 32, 2, 1, 16)
    ]
    # its words name it too; a param given (not guessed) or not named is left as it is
    worded = list(
        search._neighbours(
            current,
            "Could not find layers for selected Resnet size.",
            params,
            True,
            guessed=["resnet_size"],
        )
    )
    assert worded[0]["params"] == {"resnet_size": 8}
    given = list(search._neighbours(current, error, params, True, guessed=["width"]))
    assert all("resnet_size" not in c["params"] for c in given)
    # as many ops, with the complaint about the param gone, is progress; still naming it is not
    eight = candidates[0]
    assert search._answered(eight, current, error, "TypeError: name_or_scope must be a string")
    assert not search._answered(eight, current, error, "('resnet_size must be 6n + 2:', 8)")
    assert not search._answered(current, current, error, "another error")


def entry(dtype: str, shape: list[int]) -> dict[str, object]:
    return {"dtype": dtype, "shape": shape, "sparse": False}


def test_labels_change_rank_and_clashing_dtypes_come_early() -> None:
    current = {
        "features": {"a": entry("float32", [1]), "b": entry("float32", [1])},
        "labels": entry("float32", [1]),
        "params": {},
    }
    shapes = "Shapes (None, 1) and (None, 1, 1) are incompatible"
    candidates = list(search._neighbours(current, shapes, {}, takes_labels=True))
    assert candidates[0]["labels"] == entry("float32", [])  # [batch, 1] → [batch]
    error = "Input 'y' of 'SquaredDifference' Op has type float64 that does not match type float32"
    candidates = list(search._neighbours(current, error, {}, takes_labels=True))
    # Not about shapes: no other rank for the labels. The clashing dtype for the labels, then
    # for the features that share a shape (together), before any reshape.
    assert candidates[0]["labels"] == entry("float64", [1])
    assert candidates[1]["features"] == {"a": entry("float64", [1]), "b": entry("float64", [1])}
    assert candidates[1]["labels"] == entry("float32", [1])
    # then each apart: two features alike that clash with each other (a signal and its length)
    assert candidates[2]["features"] == {"a": entry("float64", [1]), "b": entry("float32", [1])}
    assert candidates[3]["features"] == {"a": entry("float32", [1]), "b": entry("float64", [1])}
    assert search._clashing("passed to 'values' of 'Pack' Op have types [int64, int32, int32]") == [
        "int64",
        "int32",
    ]
    assert search._clashing("Dimension must be 5 but is 1") == []
    # A params key read where the inference does not look (another module) is given a size.
    missing = list(search._neighbours(current, "KeyError: 'bnexp'", {"lr": 0.1}, True))
    assert missing[0]["params"] == {"bnexp": 4}
    assert not any(c["params"] for c in search._neighbours(current, "KeyError: 'x'", None, True))


def test_errors_naming_a_feature_key_with_a_hyphen_or_a_dot_are_answered() -> None:
    """Feature keys are any string (``education-num``, ``capital.gain``): the column, absent-
    feature and missing-key errors that name one are read whole."""
    current = {
        "features": {"zip-code": entry("float32", [1]), "capital.gain": entry("float32", [1])},
        "labels": entry("float32", [1]),
        "params": {},
    }
    error = "column_name: zip-code input_tensor dtype must be string or integer. dtype: float32"
    first = next(search._neighbours(current, error, {}, True))
    assert first["features"]["zip-code"] == entry("int64", [1])
    error = "key: capital.gain, column dtype: <dtype: 'string'>, tensor dtype: <dtype: 'float32'>"
    first = next(search._neighbours(current, error, {}, True))
    assert first["features"]["capital.gain"] == entry("string", [1])
    absent = next(
        search._neighbours(
            current, "Feature hours-per-week is not in features dictionary", {}, True
        )
    )
    assert "hours-per-week" in absent["features"]
    error = "Invalid input, not integer. key: zip-code dtype: <dtype: 'float32'>"
    first = next(search._neighbours(current, error, {}, True))
    assert first["features"]["zip-code"] == entry("int64", [1])
    missing = next(search._neighbours(current, "KeyError: 'hidden-units'", {"lr": 0.1}, True))
    assert "hidden-units" in missing["params"]


def test_the_code_s_features_and_the_labels_an_error_names_come_first() -> None:
    current = {
        "features": {"series": entry("float32", [8, 1])},
        "labels": entry("float32", [1]),
        "params": {},
    }
    hints = {"series": entry("float32", [8])}
    error = "Shapes (4, 2) and (4, 1) are incompatible"
    candidates = list(search._neighbours(current, error, {}, True, hints))
    # The features as the model_fn's code reads them (not as the serving function gave them),
    # then the labels at the other rank, then as the other of the two shapes the error names.
    assert candidates[0]["features"] == hints and candidates[0]["labels"] == current["labels"]
    assert [c["labels"]["shape"] for c in candidates[1:3]] == [[], [2]]
    assert search._other_shape("must have the same shape ((?, 1) vs (?, 1, 1))", [1, 1]) == [1]
    assert search._other_shape("Shapes (None, 83) and (None,) are incompatible", []) == [83]
    assert search._other_shape("Shapes (4, 2) and (4, 3) are incompatible", [1]) is None


def test_a_feature_takes_the_other_of_two_shapes_an_error_says_clash() -> None:
    """A model_fn that pins its input's shape (``placeholder_with_default(x, [None, 135])``)
    fails on ``[4, 1]`` naming both, in TensorFlow's square brackets: the feature is tried as
    the other."""
    current = {
        "features": {"x": entry("float32", [1]), "y": entry("float32", [7])},
        "labels": entry("int32", []),
        "params": {},
    }
    error = (
        "Dimension 1 in both shapes must be equal, but are 1 and 135. Shapes are [4,1] and"
        " [?,135]. for 'input' (op: 'PlaceholderWithDefault') with input shapes: [4,1]."
    )
    assert search._other_shape(error, [1]) == [135]
    ranks = (
        "Shapes must be equal rank, but are 2 and 4 for 'input' (op: 'PlaceholderWithDefault')"
        " with input shapes: [4,1]."
    )
    assert search._expected_rank(ranks) == 3  # four dimensions, the batch's among them
    candidates = list(search._neighbours(current, error, {}, True))
    shapes = [(c["features"]["x"]["shape"], c["features"]["y"]["shape"]) for c in candidates]
    assert ([135], [7]) in shapes
    first = next(i for i, c in enumerate(candidates) if c["features"]["x"]["shape"] == [135])
    assert all(c["features"]["x"]["shape"] == [1] for c in candidates[:first])


def test_images_are_rescaled_to_the_size_a_flattening_reshape_wants() -> None:
    current = {"features": {"x": entry("float32", [4, 4, 1])}, "labels": None, "params": {}}
    error = (
        "ValueError: Dimension size must be evenly divisible by 3136 but is 256 for 'Reshape' "
        "(op: 'Reshape') with input shapes: [4,1,1,64], [2]"
    )
    # Two 2x2 poolings left 1x1x64 of a 4x4 image; 7x7x64 wants 28x28.
    assert next(search._neighbours(current, error, {}, False))["features"] == {
        "x": entry("float32", [28, 28, 1])
    }
    smaller = error.replace("3136", "200")  # no whole size gives it: no such candidate
    assert not list(search._rescaled(current, smaller, ["x"]))


def test_features_that_share_a_shape_are_reshaped_together_first() -> None:
    current = {
        "features": {
            "a": entry("float32", [1]),
            "b": entry("float32", [1]),
            "c": entry("int32", []),
        },
        "labels": None,
        "params": {},
    }
    error = "Dimension must be 30 but is 1 for 'unstack' (op: 'Unpack') with input shapes: [?,1,2]"
    candidates = list(search._neighbours(current, error, {}, takes_labels=False))
    first = candidates[0]["features"]
    assert (first["a"], first["b"], first["c"]) == (
        entry("float32", [30]),
        entry("float32", [30]),
        entry("int32", []),
    )
    # One feature alone is never "together"; its reshapes come one key at a time.
    alone = {"features": {"a": entry("float32", [1])}, "labels": None, "params": {}}
    assert search._together(alone, ["a"]) == []


def test_a_time_limit_interrupts_code_that_waits() -> None:
    started = time.monotonic()
    with pytest.raises(InputTimeout), time_limit(0.2):
        time.sleep(5)
    assert time.monotonic() - started < 2
    with time_limit(5):
        pass  # nothing left armed
    time.sleep(0.1)


@pytest.fixture(scope="module")
def warm() -> Iterator[None]:
    runner.prewarm()
    yield


@pytest.mark.tf
def test_inputs_the_original_builds_on_are_searched_for(warm: None) -> None:
    report = validate_file(SEARCH / "conv_without_input_fn.py")
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    assert "synthetic features inferred from the model_fn: pixels float32 [batch, 1]" in notes
    # The labels at the other rank first (one candidate), then the rank the error asks for.
    assert "inputs searched: 2 candidates tried; the original builds in TRAIN and EVAL" in notes
    assert "synthetic inputs chosen: pixels float32 [batch, 4, 4, 1]" in notes
    assert (
        "synthetic inputs as the original's search chose: pixels float32 [batch, 4, 4, 1]" in notes
    )
    assert report.seconds < 20


@pytest.mark.tf
@pytest.mark.parametrize(
    ("name", "note"),
    [
        (
            "keys_read_when_built.py",
            "synthetic features the model_fn reads besides those inferred (float32 [batch, 1]): "
            "age, income",
        ),
        (
            "features_used_whole.py",
            "synthetic features: one float32 [batch, 1] tensor (the model_fn builds on its "
            "features as one value)",
        ),
        (
            "columns_asked_for.py",
            "synthetic features the model_fn reads besides those inferred (float32 [batch, 1]): "
            "height, width",
        ),
    ],
)
def test_with_nothing_in_the_file_the_features_are_what_the_model_fn_reads_when_built(
    warm: None, name: str, note: str
) -> None:
    report = validate_file(SEARCH / name)
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    assert note in report.notes
    assert report.seconds < 20


@pytest.mark.tf
@pytest.mark.parametrize(
    "name",
    [
        "conv_without_input_fn.py",  # inputs searched from inferred ones
        "serving_labels_rank.py",  # inputs searched from a serving function's
        "keys_read_when_built.py",  # keys read when the model_fn was built
        "features_used_whole.py",  # one tensor, which the model_fn builds on
        "columns_asked_for.py",  # keys feature columns asked for when built
        "volume_channel.py",  # a volume's rank less its added channel, sides grown
        "device_towers.py",  # features and labels as lists, one batch per device tower
        "densified_spec.py",  # a sparse feature densified, with the length a reshape wants
        "sequence_tensor.py",  # one tensor, kept where an op asks it for a rank
        "absent_feature.py",  # a feature a column reads, added
        "fixed_batch.py",  # the batch size the code fixes
    ],
)
def test_a_wrong_rewrite_on_searched_inputs_is_a_mismatch(
    warm: None, tmp_path: Path, name: str
) -> None:
    old, new = b"GradientDescentOptimizer(0.1)", b"GradientDescentOptimizer(0.2)"
    report = validate_pair(SEARCH / name, wrong_rewrite(tmp_path, name, old, new))
    assert report.verdict == "mismatch", report.message
    assert report.message.startswith("TRAIN loss (3 steps): the loss differs first at step 2")


@pytest.mark.tf
def test_input_functions_that_fail_outside_the_model_fn_give_way(warm: None) -> None:
    report = validate_file(SEARCH / "input_fn_downloads.py")
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    assert "synthetic inputs: the file's own input functions failed (urllib.error.URLError" in notes
    assert "x float32 [batch, 6]" in notes
    assert report.seconds < 20


@pytest.mark.tf
@pytest.mark.parametrize("graph_only", [False, True])
def test_a_wrong_rewrite_on_the_fallback_is_a_mismatch(
    warm: None, tmp_path: Path, graph_only: bool
) -> None:
    wrong = wrong_rewrite(
        tmp_path, "input_fn_downloads.py", b"AdamOptimizer(0.01)", b"AdamOptimizer(0.02)"
    )
    options = ValidationOptions(graph_only=graph_only)
    report = validate_pair(SEARCH / "input_fn_downloads.py", wrong, options)
    assert report.verdict == "mismatch", report.message
    expected = "differs in value" if graph_only else "the loss differs first"
    assert expected in report.message, report.message


@pytest.mark.tf
@pytest.mark.parametrize(
    ("name", "chosen"),
    [
        # A serving function's features build; the labels the loss names need the other rank.
        ("serving_labels_rank.py", "age float32 [batch, 1]; rooms float32 [batch, 1]; labels "),
        # Two stacked series: reshaped together, then float64, the dtype the error names.
        ("stacked_float64.py", "price float64 [batch, 5]; volume float64 [batch, 5]"),
        # A TensorServingInputReceiver: one tensor, built at once (no search).
        ("serving_one_tensor.py", ""),
        # A serving function adds a dimension the model_fn's code does not read: the features
        # as that code reads them, then the labels' shape from the loss's error.
        ("serving_expands.py", "series float32 [batch, 8]; labels float32 [batch, 2]"),
        # One volume, its channel added by the code: the rank the convolution asks for less
        # that channel, then sides doubled past a fixed plane and until the convolutions fit.
        ("volume_channel.py", "features float32 [batch, 32, 32, 32]; labels float32 [batch, 1]"),
        # A spec's sparse feature the input function densifies: dense, then the points the
        # reshape divides (the input function's files are not here: no batch, found at once).
        ("densified_spec.py", "ink float32 [batch, 18]; shape int64 [batch, 2]; labels int32"),
        # One tensor a recurrent layer asks a rank of: kept (no key was read), then that rank.
        ("sequence_tensor.py", "features float32 [batch, 4, 4]; labels float32 [batch, 1]"),
        # A column's feature made strings; the build then reaches a key the inputs lack.
        ("absent_feature.py", "color string [batch, 1]; size string [batch, 1]; labels int32"),
        # A state sized by a batch the code fixes: the sequence's rank read off its index, its
        # steps grown past the last one indexed, then the batch size its clash with the
        # synthetic one names.
        (
            "fixed_batch.py",
            "series float32 [batch, 4, 4]; labels float32 [batch]; "
            "batch size 8 (not 4: the code fixes it)",
        ),
    ],
)
def test_inputs_searched_from_what_the_errors_say(warm: None, name: str, chosen: str) -> None:
    report = validate_file(SEARCH / name)
    assert report.verdict == "fixed" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    if chosen:
        assert f"synthetic inputs chosen: {chosen}" in notes, notes
    else:
        assert "inputs searched" not in notes, notes


def test_a_batch_size_an_error_sets_against_the_synthetic_one_is_tried() -> None:
    """An error saying "must be equal, but are 4 and 32" with a batch of 4: a batch of 32, with
    the params' batch size keys that held 4 set to 32; so too two shapes that clash in their
    first size alone; sizes that are not the batch's, no batch."""
    current = {
        "features": {"x": entry("float32", [20, 1])},
        "labels": entry("float32", [1]),
        "params": {"batch_size": 4},
        "batch": 4,
    }
    error = (
        "Dimension 0 in both shapes must be equal, but are 4 and 32. Shapes are [4] and [32]. "
        "for 'cell/concat' (op: 'ConcatV2') with input shapes: [4,4], [32,30], []"
    )
    params = {"batch_size": 4, "eval_batch_size": 4, "units": 4}
    batches = [c for c in search._neighbours(current, error, params, True) if c["batch"] != 4]
    assert [(c["batch"], c["params"]) for c in batches] == [
        (32, {"batch_size": 32, "eval_batch_size": 32})
    ]
    assert batches[0]["features"] == current["features"]
    other = error.replace("are 4 and 32", "are 6 and 32").replace("[4] and", "[6] and")
    assert all(c["batch"] == 4 for c in search._neighbours(current, other, params, True))
    assert all(
        c["batch"] == 8 for c in search._neighbours({**current, "batch": 8}, error, {}, True)
    )
    # evaluation one example at a time (``batch_size = 1`` outside TRAIN)
    shapes = "EVAL: ValueError: Shapes (4, 200) and (1, 200) are not compatible"
    assert [c["batch"] for c in search._neighbours(current, shapes, params, True)].count(1) == 1
    other = "EVAL: ValueError: Shapes (4, 200) and (1, 100) are not compatible"
    assert 1 not in [c["batch"] for c in search._neighbours(current, other, params, True)]
    # a detector written for one image at a time reshapes its proposals without the batch
    one = "Cannot reshape a tensor with 60 elements to shape [15] (15 elements) for 'rpn/Reshape'"
    assert [c["batch"] for c in search._other_batch(current, one, params)] == [1]
    more = one.replace("to shape [15] (15 elements)", "to shape [7] (7 elements)")
    assert not list(search._other_batch(current, more, params))


def test_labels_flattened_against_flattened_predictions_take_their_values_per_example() -> None:
    """``Shapes (200,) and (4,)`` with one label per example and a batch of 4: labels and
    predictions each reshaped to [-1], the predictions 50 per example - labels of 50 values;
    a count the batch does not divide, or no batch known, gives none."""
    current = {
        "features": {"x": entry("float32", [8, 8])},
        "labels": entry("float32", [1]),
        "params": {},
        "batch": 4,
    }
    error = "ValueError: Shapes (200,) and (4,) are incompatible"
    shapes = [c["labels"]["shape"] for c in search._neighbours(current, error, {}, True)]
    assert [50] in shapes
    odd = error.replace("(200,)", "(202,)")
    assert [50] not in [c["labels"]["shape"] for c in search._neighbours(current, odd, {}, True)]
    unknown = {k: v for k, v in current.items() if k != "batch"}
    assert [50] not in [c["labels"]["shape"] for c in search._neighbours(unknown, error, {}, True)]


def test_a_guessed_count_goes_to_1_where_two_shapes_clash_by_a_multiple_of_it() -> None:
    """``Shapes (16,) and (4, 1)``: predictions of ``n_class`` (guessed 4) values per example,
    flattened, against one label per example - that guessed count at 1; a count that does not
    divide the ratio, or one given rather than guessed, is left as it is."""
    current = {
        "features": {"x": entry("float32", [1])},
        "labels": entry("float32", [1]),
        "params": {},
    }
    params = {"n_class": 4, "width": 3, "depth": 4}
    error = "ValueError: Shapes (16,) and (4, 1) are incompatible"
    candidates = list(
        search._neighbours(current, error, params, True, guessed=["n_class", "width"])
    )
    assert [c["params"] for c in candidates if c["params"]] == [{"n_class": 1}]
    same = list(search._widening_param(current, "Shapes (4,) and (4, 1)", params, ["n_class"]))
    assert same == []
    # a dimension TensorFlow prints as a word counts as unknown (1), as ? and None do
    worded = "Shapes (None, 16) and (None, batch) are incompatible"
    assert [c["params"] for c in search._widening_param(current, worded, params, ["n_class"])] == [
        {"n_class": 1}
    ]
    # as many ops with the clash gone (or another clash) is progress; the same clash is not
    one = {**current, "params": {"n_class": 1}}
    assert search._answered(one, current, error, "Shapes (4,) and (4, 1) are incompatible")
    assert search._answered(one, current, error, "TypeError: another error")
    assert not search._answered(one, current, error, error)


def test_a_feature_a_columns_error_names_takes_the_dtypes_the_column_takes() -> None:
    current = {
        "features": {
            "item_id": {"dtype": "float32", "shape": [], "sparse": False},
            "price": {"dtype": "float32", "shape": [1], "sparse": False},
        },
        "labels": None,
        "params": {},
    }
    error = (
        "ValueError: column_name: item_id input_tensor dtype must be string or integer. "
        "dtype: <dtype: 'float32'>."
    )
    found = [c["features"]["item_id"]["dtype"] for c in search._column_dtypes(current, error)]
    assert found == ["int64", "string"]
    error = "key: price, column dtype: <dtype: 'string'>, tensor dtype: <dtype: 'float32'>"
    (candidate,) = search._column_dtypes(current, error)
    assert candidate["features"]["price"] == {"dtype": "string", "shape": [1], "sparse": False}
    assert not list(search._column_dtypes(current, "column_name: other input_tensor dtype must"))


def test_a_rank_asked_in_other_words_less_the_dimensions_the_code_adds() -> None:
    """ "inputs are required to have a rank of 5" and "expects input with rank 4" ask for a rank
    too; where the tensor the error names has more dimensions than the feature (the code's
    ``expand_dims`` adds a channel), the feature gets that many fewer, every one a side."""
    assert search._expected_rank("AssertionError: inputs are required to have a rank of 5.") == 4
    assert search._expected_rank("Convolution expects input with rank 4, got 2") == 3
    slim = "ValueError: Invalid input tensor rank, expected 4, was: 2"  # TF-Slim's nets
    assert search._expected_rank(slim) == 3
    assert search._rank_change(slim, [1]) == 0
    assert search._sizes({}, slim, {"features": {}})[:1] == [search.DEFAULT_SIZES[1]]
    current = {"features": {"x": entry("float32", [1])}, "labels": None, "params": {}}
    error = "Shape must be rank 5 but is rank 3 for 'Pad' with input shapes: [4,1,1], [5,2]."
    assert search._rank_change(error, [1]) == 1
    assert search._rank_change("found ndim=2", [1]) == 0
    shapes = [c["features"]["x"]["shape"] for c in search._reshaped(current, error, [32, 8], ["x"])]
    assert shapes == [[32, 32, 32], [8, 8, 8]]
    # nothing added: the rank asked for, a volume's channel last
    plain = "Shape must be rank 5 but is rank 2 for 'Pad' with input shapes: [4,1], [5,2]."
    shapes = [c["features"]["x"]["shape"] for c in search._reshaped(current, plain, [32], ["x"])]
    assert shapes == [[32, 32, 32, 1]]
    # the ranks an error names are not sizes to try
    ranks_only = "AssertionError: inputs are required to have a rank of 5."
    assert search._sizes({}, ranks_only, current)[0] == search.DEFAULT_SIZES[1]
    assert search._sizes({}, "must be 7 but is rank 5", current)[0] == 7


def test_sides_grow_past_a_fixed_index_and_where_convolutions_run_out() -> None:
    current = {
        "features": {"x": entry("float32", [32, 32, 32, 1]), "n": entry("float32", [1])},
        "labels": None,
        "params": {},
    }
    error = (
        "ValueError: slice index 32 of dimension 1 out of bounds. for 'strided_slice' (op: "
        "'StridedSlice') with input shapes: [4,32,32,32,1], [5], [5], [5]"
    )
    (candidate,) = search._past_slice(current, error, ["n", "x"])
    assert candidate["features"]["x"]["shape"] == [64, 64, 64, 1]
    assert candidate["features"]["n"] == current["features"]["n"]
    error = "Negative dimension size caused by subtracting 4 from 3 for 'conv/Conv3D'"
    (candidate,) = search._grown(current, error, ["n", "x"])
    assert candidate["features"]["x"]["shape"] == [64, 64, 64, 1]
    assert not list(search._grown(current, "Shapes (4,) and (4, 1)", ["n", "x"]))


def test_labels_grow_past_a_fixed_index_as_features_do() -> None:
    """``bbox = tf.cast(labels, tf.int32)`` then ``bbox[0, 1]`` ... ``bbox[0, 3]`` (a box's
    corners): labels of one value per example grow past each index the code takes."""
    current = {
        "features": {"image": entry("float32", [64, 64, 3]), "bbox": entry("float32", [1])},
        "labels": entry("int32", [1]),
        "params": {},
    }
    error = (
        "ValueError: slice index 1 of dimension 1 out of bounds. for 'strided_slice_2' (op: "
        "'StridedSlice') with input shapes: [4,1], [2], [2], [2]"
    )
    grown = [
        (c["features"]["bbox"]["shape"], c["labels"]["shape"])
        for c in search._past_slice(current, error, ["bbox", "image"])
    ]
    assert grown == [([2], [1]), ([1], [2])]  # the feature of that shape, then the labels
    current["labels"] = entry("int32", [2])
    error = error.replace("index 1 of", "index 2 of").replace("[4,1]", "[4,2]")
    (candidate,) = search._past_slice(current, error, ["bbox", "image"])
    assert candidate["labels"]["shape"] == [4]


def test_features_take_the_dtypes_an_op_allows() -> None:
    """``indices`` of float32 where an embedding lookup takes ids: the float features (those
    sharing a shape together) as int32, then int64; labels of that dtype after them."""
    current = {
        "features": {
            "ids": entry("float32", [4]),
            "vals": entry("float32", [4]),
            "name": entry("string", [1]),
        },
        "labels": entry("float32", [1]),
        "params": {},
    }
    error = (
        "TypeError: Value passed to parameter 'indices' has DataType float32 not in list of "
        "allowed values: uint8, int32, int64"
    )
    found = list(search._allowed_dtypes(current, error, ["ids", "name", "vals"]))
    assert [(c["features"]["ids"]["dtype"], c["features"]["vals"]["dtype"]) for c in found[:2]] == [
        ("int32", "int32"),
        ("int64", "int64"),
    ]
    assert [c["labels"]["dtype"] for c in found[2:]] == ["int32", "int64"]
    assert all(c["features"]["name"]["dtype"] == "string" for c in found)


def test_a_rank_the_code_takes_away_gives_lists_of_one_batch_per_tower() -> None:
    """``features[i]`` of a [batch, 1] feature hands a transpose (TensorFlow 1's words and 2's)
    or a convolution one dimension fewer than the feature has: the features and labels as
    lists of one batch (one per device tower) come first, then a leading dimension of 1."""
    current = {"features": {"x": entry("float32", [1])}, "labels": entry("int32", []), "params": {}}
    for error in (
        "Dimension must be 1 but is 4 for 'tower_0/transpose' (op: 'Transpose') with input "
        "shapes: [1], [4].",
        "Dimension must be 1 but is 4 for '{{node tower/transpose}} = Transpose[T=DT_FLOAT]"
        "(tower/strided_slice, tower/transpose/perm)' with input shapes: [1], [4].",
    ):
        assert search._rank_change(error, [1]) == -1
        found = list(search._reshaped(current, error, [32], ["x"]))
        assert found[0]["towers"] is True
        assert found[0]["features"]["x"]["shape"] == [32, 32, 1]
        assert "towers" not in found[1] and found[1]["features"]["x"]["shape"] == [1, 32, 32, 1]
    # already towers: only the leading dimension of 1 is left to try
    towers = {**current, "towers": True}
    found = list(search._reshaped(towers, error, [32], ["x"]))
    assert [c["features"]["x"]["shape"] for c in found][:2] == [[1, 32, 32, 1], [1, 32, 32, 3]]


@pytest.mark.tf
def test_device_towers_run_on_the_cpu(warm: None) -> None:
    """The GPU count a job sets is 0 on the CPU that validates (argparse's default 1 here): the
    model_fn takes its CPU path; the towers the search finds are lists of one batch."""
    report = validate_file(SEARCH / "device_towers.py")
    assert report.verdict == "equivalent" and report.synthetic_inputs, report.message
    notes = "\n".join(report.notes)
    assert "argument num_gpus given 0: validation runs on CPU" in notes
    assert "each a list of one batch (one per device tower)" in notes


def test_a_sparse_feature_used_dense_is_made_dense_with_the_length_a_reshape_wants() -> None:
    current = {
        "features": {
            "ink": {"dtype": "float32", "shape": [], "sparse": True},
            "n": entry("int64", [2]),
        },
        "labels": None,
        "params": {},
    }
    error = (
        'TypeError: Failed to convert elements of SparseTensor(indices=Tensor("SparseTensor/'
        'indices:0", shape=(4, 2), dtype=int64)) to Tensor.'
    )
    (dense,) = search._densified(current, error, ["ink", "n"])
    assert dense["features"]["ink"] == {"dtype": "float32", "shape": [], "sparse": False}
    assert not list(search._densified(current, "Shapes (4,) and (4, 1)", ["ink", "n"]))
    reshape = (
        "Dimension size must be evenly divisible by 18 but is 4 for 'Reshape' with input "
        "shapes: [4], [3]"
    )
    (flat,) = search._flat_for_reshape(dense, reshape, ["ink", "n"])
    assert flat["features"]["ink"]["shape"] == [18]


def test_a_reshape_that_wants_a_multiple_lengthens_the_flat_features() -> None:
    """``Cannot reshape a tensor with 20 elements to shape [120,5] (600 elements)``: five
    stacked features of one value each, where the job's sequence length makes thirty."""
    current = {
        "features": {f"tag_{i}": entry("float32", [1]) for i in range(5)},
        "labels": None,
        "params": {},
    }
    current["features"]["image"] = entry("float32", [4, 4, 1])
    error = (
        "ValueError: Cannot reshape a tensor with 20 elements to shape [120,5] (600 elements) "
        "for 'Reshape' (op: 'Reshape') with input shapes: [4,1,5], [2]"
    )
    keys = sorted(current["features"])
    found = list(search._scaled_for_reshape(current, error, keys))
    assert all(found[0]["features"][f"tag_{i}"]["shape"] == [30] for i in range(5))
    assert found[0]["features"]["image"]["shape"] == [4, 4, 1]
    assert [c["features"]["tag_0"]["shape"] for c in found[1:2]] == [[30]]
    same = "Cannot reshape a tensor with 20 elements to shape [4,5] (20 elements)"
    assert not list(search._scaled_for_reshape(current, same, keys))


def test_a_reshape_that_wants_a_multiple_gives_one_value_features_that_many() -> None:
    """``Cannot reshape a tensor with 36 elements to shape [4,54] (216 elements)``: ids read one
    per example (``tf.reshape(ids, [-1])``), each looked up in a table of 9 wide, laid out as
    the code's number of fields per example: the ids as that many per example."""
    current = {
        "features": {"ids": entry("string", []), "image": entry("float32", [4, 4, 1])},
        "labels": None,
        "params": {},
    }
    error = (
        "ValueError: Cannot reshape a tensor with 36 elements to shape [4,54] (216 elements) "
        "for '{{node Reshape_6}} = Reshape[T=DT_FLOAT, Tshape=DT_INT32](GatherV2, Reshape_6/"
        "shape)' with input shapes: [4,9], [2]"
    )
    (found,) = search._scaled_for_reshape(current, error, sorted(current["features"]))
    assert found["features"]["ids"] == entry("string", [6])
    assert found["features"]["image"] == entry("float32", [4, 4, 1])


def test_a_reshape_that_wants_more_per_example_lengthens_each_one_value_feature() -> None:
    """``[8,9]`` to ``[4,2269,9]``: two features of one value per example, concatenated and
    looked up 9 wide, where the layout wants 2269 per example: each feature in turn with the
    2267 missing added; nothing where the last sizes differ or the batch is another."""
    current = {
        "features": {"fields": entry("string", []), "sequence": entry("string", [1])},
        "labels": None,
        "params": {},
        "batch": 4,
    }
    error = (
        "ValueError: Cannot reshape a tensor with 72 elements to shape [4,2269,9] (81684 "
        "elements) for '{{node Reshape_6}} = Reshape[T=DT_FLOAT, Tshape=DT_INT32](GatherV2, "
        "Reshape_6/shape)' with input shapes: [8,9], [3]"
    )
    keys = sorted(current["features"])
    found = list(search._lengthened_for_reshape(current, error, keys))
    assert [c["features"]["fields"] for c in found] == [
        entry("string", [2268]),
        entry("string", []),
    ]
    assert [c["features"]["sequence"] for c in found] == [
        entry("string", [1]),
        entry("string", [2268]),
    ]
    other_sizes = error.replace("input shapes: [8,9]", "input shapes: [8,7]")
    assert not list(search._lengthened_for_reshape(current, other_sizes, keys))
    assert not list(search._lengthened_for_reshape({**current, "batch": 8}, error, keys))


def test_a_candidate_of_gigabytes_per_batch_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """A volume's rank asked for, with a 1024-wide param among the sizes to try: volumes of
    1024 per side would not fit in memory (and the search, apart in its own process, used to
    end there without an answer); they are passed over and a small side builds."""
    error = "AssertionError: inputs are required to have a rank of 5."
    start = {
        "features": {"x": {"dtype": "float32", "shape": [1], "sparse": False}},
        "labels": {"dtype": "float32", "shape": [1], "sparse": False},
        "params": {"num_hidden_units": 1024},
    }

    class Volumes:
        program = type("Program", (), {"guessed_params": []})()

        def __init__(self) -> None:
            self.current = start
            self.applied: list[list[int]] = []

        def choice(self) -> dict[str, object]:
            return self.current

        def apply(self, candidate: dict[str, object]) -> None:
            shape = candidate["features"]["x"]["shape"]  # type: ignore[index]
            if search._values(candidate) > search.MAX_VALUES:
                raise MemoryError(f"a batch of {shape}")
            self.applied.append(shape)
            self.current = candidate

        def takes_labels(self) -> bool:
            return True

        def params_for(self, candidate: dict[str, object]) -> object:
            return candidate["params"]

    def builds(volumes: Volumes) -> tuple[str | None, int]:
        shape = volumes.current["features"]["x"]["shape"]  # type: ignore[index]
        return (None, 9) if len(shape) == 4 and shape[0] <= 64 else (error, 1)

    monkeypatch.setattr(search, "build_once", lambda s: (*builds(s)[:1], [], 1))
    monkeypatch.setattr(search, "_builds", builds)
    monkeypatch.setattr(search, "inferred_features", lambda program, present: {})
    monkeypatch.setattr(search, "_sizes", lambda params, error, current: [1024, 32])
    volumes = Volumes()
    found = search.search(volumes)  # type: ignore[arg-type]
    assert found.choice is not None
    assert found.choice["features"]["x"]["shape"] == [32, 32, 32, 1]
    assert [1024, 1024, 1024, 1] not in volumes.applied
