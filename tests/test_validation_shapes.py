"""Every model_fn shape check finds can be validated: builder closures, methods, functions nested
in main(), functools.partial, FLAGS-driven code, scripts that work at import (fixtures of our own
in fixtures/validation/shapes)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from estimator_fix.validation import ValidationOptions, validate_file, validate_pair
from estimator_fix.validation.inputs import DiscoveryError, plan
from estimator_fix.validation.targets import Built

ROOT = Path(__file__).resolve().parent.parent
SHAPES = ROOT / "fixtures" / "validation" / "shapes"


def planned(name: str) -> object:
    path = SHAPES / name
    return plan(path, path.read_bytes(), ValidationOptions())


def test_a_builder_closure_is_built_with_the_arguments_of_the_files_own_call() -> None:
    found = planned("builder_closure.py")
    (target,) = found.targets  # type: ignore[attr-defined]
    assert target.name == "model_fn_builder.model_fn"
    # main() binds model_fn = model_fn_builder(hidden_units=6, ...): the worker runs that line.
    assert target.built == Built("model_fn", ("main",))
    assert target.params == Built("{'classes': 4}", ("main",))


def test_a_builder_used_as_a_decorator_builds_the_model_fn_where_it_decorates(
    tmp_path: Path,
) -> None:
    found = planned("decorated_builder.py")
    (target,) = found.targets  # type: ignore[attr-defined]
    assert target.name == "with_spec.model_fn"
    # ``@with_spec def scorer``: the name ``scorer`` is the closure, with the call's params.
    assert target.built == Built("scorer", ())
    assert target.params == Built("{'units': 3, 'learning_rate': 0.1}", ())
    # With no Estimator call in the file, the decorated name is the closure all the same.
    source = (SHAPES / "decorated_builder.py").read_text(encoding="utf-8")
    path = tmp_path / "decorated.py"
    path.write_text(source.split('if __name__ == "__main__":')[0], encoding="utf-8")
    (target,) = plan(path, path.read_bytes(), ValidationOptions()).targets
    assert (target.built, target.params) == (Built("scorer", ()), None)


def test_a_method_comes_from_the_instance_the_script_builds() -> None:
    found = planned("method.py")
    (target,) = found.targets  # type: ignore[attr-defined]
    assert target.built == Built("(Trainer(units=2, rate=0.05)).model_fn", ())
    train = found.inputs["TRAIN"]  # type: ignore[attr-defined]
    assert train.built == Built("(Trainer(units=2, rate=0.05)).input_fn", ())


def test_a_function_nested_in_main_and_a_partial() -> None:
    (nested,) = planned("flags_model.py").targets  # type: ignore[attr-defined]
    assert nested.built == Built("model_fn", ("main",))
    found = planned("partial_model.py")
    (partial,) = found.targets  # type: ignore[attr-defined]
    assert partial.built == Built("functools.partial(model_fn, dropout=0.0)", ("main",))
    assert found.inputs["EVAL"].built == Built("lambda: read(1)", ("main",))  # type: ignore[attr-defined]


def test_a_method_of_a_class_the_file_never_builds_is_not_validated(tmp_path: Path) -> None:
    """... where nothing says what its ``__init__`` arguments are (neither their names nor what
    the methods do with them; see ``class_needs_arguments.py`` for the other case)."""
    path = tmp_path / "model.py"
    path.write_text(
        textwrap.dedent(
            """
            import tensorflow as tf

            class Model:
                def __init__(self, config):
                    self.config = config

                def model_fn(self, features, labels, mode):
                    shifted = features + self.config
                    return tf.estimator.EstimatorSpec(mode, predictions=shifted)

            def input_fn():
                pass
            """
        ),
        encoding="utf-8",
    )
    from estimator_fix.validation.inputs import DiscoveryError

    with pytest.raises(DiscoveryError, match="method of Model, which the file never builds"):
        plan(path, path.read_bytes(), ValidationOptions())


@pytest.mark.tf
@pytest.mark.parametrize(
    ("name", "model_fn", "note"),
    [
        ("builder_closure.py", "model_fn_builder.model_fn", "params from the file's Estimator"),
        ("decorated_builder.py", "with_spec.model_fn", "params from the file's Estimator"),
        ("method.py", "Trainer.model_fn", None),
        ("flags_model.py", "main.model_fn", "the module does work at import (2 top-level"),
        ("partial_model.py", "model_fn", "params from the file's Estimator"),
        ("argparse_main.py", "main_fun.model_fn", None),
        ("main_block_global.py", "model_fn", "global FLAGS bound as the module's main block"),
        ("missing_data.py", "model_fn", "synthetic inputs: the file's own input functions failed"),
        ("input_fn_called_with_arguments.py", "model_fn", "params from the file's Estimator"),
        ("nested_job.py", "get_model_fn.model_fn", None),
        ("object_checkpoint.py", "model_fn", None),
        ("graph_global.py", "model_fn", "global graph: the graph the model_fn is built in"),
    ],
)
def test_each_shape_validates(name: str, model_fn: str, note: str | None) -> None:
    report = validate_file(SHAPES / name)
    assert report.verdict == "fixed", report.message
    assert report.model_fn == model_fn
    assert report.tensorflow.startswith("2.")
    if note:
        assert any(n.startswith(note) for n in report.notes), report.notes
    if name == "input_fn_called_with_arguments.py":  # the file's own lambdas, not synthetic
        assert not report.synthetic_inputs, report.notes
    if name == "flags_model.py":  # a required flag left unset is noted, not fatal
        unset = "FLAGS at their defaults; flag --model_dir=None"
        assert any(n.startswith(unset) for n in report.notes), report.notes


@pytest.mark.tf
def test_a_nested_builders_values_come_through_the_modules_own_calls() -> None:
    """get_experiment_fn(width, rate) returns the function that builds the model_fn from them;
    main(hidden, learning_rate, ...) calls it, and the main block calls main(**vars(args)): the
    model_fn's closure holds the flags' defaults (in a process of its own: loading the module
    changes argparse)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        f"""
        import ast, types
        from estimator_fix.validation.worker import loading, scopes

        loading.relax_argparse()
        path = {str(SHAPES / "nested_job.py")!r}
        tree = ast.parse(open(path).read())
        module = types.ModuleType("nested_job")
        scopes.run_definitions(tree, path, module.__dict__)
        scope = ("get_experiment_fn", "experiment_fn")
        model_fn = scopes.evaluate(module, tree, path, "get_model_fn(width, rate)", scope)
        print(sorted(c.cell_contents for c in model_fn.__closure__))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[0.1, 5]"


@pytest.mark.tf
def test_params_come_from_the_call_in_a_sibling_module() -> None:
    """task.py parses the command line (a required argument unset) and passes the hyperparameters
    to model.train_and_evaluate, whose Estimator call gives them as params; the model imports a
    sibling module relatively."""
    model = ROOT / "fixtures" / "validation" / "task_layout" / "trainer" / "model.py"
    found = plan(model, model.read_bytes(), ValidationOptions())
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.args) == (
        "train_and_evaluate",
        "task.py",
        ("output_dir", "arguments"),
    )
    report = validate_file(model)
    assert report.verdict == "fixed", report.message
    assert "params from the file's Estimator call: hparams" in report.notes


BUILDER_ELSEWHERE = ROOT / "fixtures" / "validation" / "builder_elsewhere" / "ranker"


def test_a_builder_whose_arguments_another_module_gives_is_built_from_that_call() -> None:
    """make_model_fn(hidden_units, learning_rate, scale) is called only in experiment.py: the
    closure is built with that call's arguments, not refused for want of them."""
    model = BUILDER_ELSEWHERE / "model.py"
    found = plan(model, model.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert target.built == Built("model_fn", ("make_model_fn",))
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.args, dict(caller.keywords)) == (
        "make_model_fn",
        "experiment.py",
        ("LAYERS",),
        {"learning_rate": "0.05", "scale": "2.0"},
    )


def proven_and_a_wrong_rewrite_caught(
    original: Path, tmp_path: Path, old: bytes, new: bytes
) -> tuple[str, ...]:
    """``original`` validated as ``fixed``; its rewrite with ``old`` replaced by ``new`` (a
    wrong rewrite) a ``mismatch``. Returns the first report's notes."""
    from estimator_fix.engine import Changed, Settings, process_source
    from estimator_fix.validation import validate_pair

    report = validate_file(original)
    assert report.verdict == "fixed", report.message
    result = process_source(str(original), original.read_bytes(), Settings())
    assert isinstance(result, Changed)
    wrong = tmp_path / original.name
    wrong.write_bytes(result.fixed.replace(old, new))
    assert wrong.read_bytes() != result.fixed
    wrong_report = validate_pair(original, wrong)
    assert wrong_report.verdict == "mismatch", wrong_report.message
    return report.notes


@pytest.mark.tf
def test_a_closure_built_with_another_modules_arguments_is_proven_and_a_wrong_one_caught(
    tmp_path: Path,
) -> None:
    model = BUILDER_ELSEWHERE / "model.py"
    proven_and_a_wrong_rewrite_caught(
        model, tmp_path, b"(net, 1) * scale", b"(net, 1) * scale * 2"
    )


JOB_ELSEWHERE = ROOT / "fixtures" / "validation" / "job_elsewhere"


def test_a_class_only_the_job_script_builds_is_built_from_its_call_with_its_params() -> None:
    """Model(columns, net) is built only in train.py's main(), with objects made of a file it
    reads by a path relative to its own directory, and main() hands its Estimator
    ``params=params``: the instance is built from that call, the params from that Estimator."""
    model = JOB_ELSEWHERE / "model.py"
    found = plan(model, model.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert target.built == Built(
        "(Model(columns=columns, net=net)).model_fn", ("Model", "__init__")
    )
    assert target.params is None
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.scope, caller.args) == (
        "Model",
        "train.py",
        ("main",),
        ("columns", "net"),
    )
    assert caller.params == "params"


@pytest.mark.tf
def test_a_method_of_a_class_the_job_builds_is_proven_and_a_wrong_rewrite_caught(
    tmp_path: Path,
) -> None:
    notes = proven_and_a_wrong_rewrite_caught(
        JOB_ELSEWHERE / "model.py",
        tmp_path,
        b'GradientDescentOptimizer(params["learning_rate"])',
        b'GradientDescentOptimizer(params["learning_rate"] * 2)',
    )
    assert "params from the Estimator call in train.py: params" in notes
    # the identity column's key, ``zip-code``, was read from TensorFlow's error and made ids
    assert any("zip-code int64" in note for note in notes), notes


@pytest.mark.tf
def test_the_parse_spec_the_model_object_holds_gives_the_inputs() -> None:
    """The spec is made at run time from a configuration and held as ``self.schema.spec``; its
    ``VarLenFeature`` makes the tag ids the sparse tensor the model_fn reads them as (a wrong
    rewrite of a job-built class is caught above)."""
    report = validate_file(SHAPES / "spec_on_the_model.py")
    assert report.verdict == "fixed", report.message
    assert "synthetic features from self.schema.spec" in report.notes


DELEGATED = ROOT / "fixtures" / "validation" / "delegated" / "trainer"


def test_a_model_fn_taking_more_than_an_estimator_hands_runs_through_its_callers(
    tmp_path: Path,
) -> None:
    """shared_model_fn(features, labels, mode, model_class, units, learning_rate) is called only
    by small_main.small_model_fn(features, labels, mode, params), which gives the rest: that
    model_fn is the entry point, its params guessed from how it reads them."""
    run_loop = DELEGATED / "run_loop.py"
    found = plan(run_loop, run_loop.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert (target.name, target.built) == ("shared_model_fn", None)
    assert target.through is not None
    assert (Path(target.through.file).name, target.through.scope) == (
        "small_main.py",
        ("small_model_fn",),
    )
    assert target.through.module_name == "trainer.small_main"
    guessed = {guess.key for guess in found.inferred["shared_model_fn"].params}
    assert guessed == {"units", "learning_rate"}
    # A caller that is no model_fn (it takes more than an Estimator hands) does not serve, and
    # neither does a model_fn that leaves a parameter out: the model_fn cannot run on its own.
    copy = tmp_path / "trainer"
    copy.mkdir()
    (copy / "__init__.py").write_text("")
    (copy / "run_loop.py").write_bytes(run_loop.read_bytes())
    for holder, call in [
        ("def small_model_fn(features, labels, mode, params, units):", "units=units"),
        ("def small_model_fn(features, labels, mode, params):", "units=4"),
    ]:
        (copy / "small_main.py").write_text(
            "from trainer import run_loop\n\n\n"
            f"{holder}\n"
            "    return run_loop.shared_model_fn(\n"
            f"        features, labels, mode, model_class=object, {call}\n"
            "    )\n"
        )
        with pytest.raises(DiscoveryError, match="beyond what an Estimator hands it"):
            plan(copy / "run_loop.py", run_loop.read_bytes(), ValidationOptions())


def test_a_model_fn_its_own_module_calls_with_what_it_needs_runs_through_that_caller() -> None:
    path = DELEGATED.parent / "same_module.py"
    found = plan(path, path.read_bytes(), ValidationOptions())
    # without a rewrite every model_fn is a target: the caller is one too
    target = next(t for t in found.targets if t.name == "shared_model_fn")
    assert (target.name, target.built, target.through) == (
        "shared_model_fn",
        Built("wide_model_fn", ()),
        None,
    )
    guessed = {guess.key for guess in found.inferred["shared_model_fn"].params}
    assert guessed == {"units", "learning_rate"}


@pytest.mark.tf
def test_a_model_fn_run_through_its_caller_is_proven_and_a_wrong_rewrite_caught(
    tmp_path: Path,
) -> None:
    notes = proven_and_a_wrong_rewrite_caught(
        DELEGATED / "run_loop.py",
        tmp_path,
        b"(learning_rate, momentum)",
        b"(learning_rate, 0.5)",
    )
    assert any(n.startswith("run through small_model_fn of small_main.py") for n in notes)
    same = DELEGATED.parent / "same_module.py"
    report = validate_file(same)
    assert report.verdict == "fixed", report.message


@pytest.mark.tf
@pytest.mark.reproducibility
def test_an_original_that_does_not_reproduce_itself_is_compared_on_its_graphs(
    tmp_path: Path,
) -> None:
    """A rewrite whose numbers differ is a mismatch only if the original, run against itself,
    gives the same numbers; here its input function reads the OS's entropy, so its numbers prove
    nothing and the graphs are compared instead: the rewrite's are the original's, a wrong
    rewrite's (another learning rate) are not."""
    from estimator_fix.engine import Changed, Settings, process_source

    original = SHAPES / "irreproducible.py"
    report = validate_file(original)
    assert report.verdict == "graph-equivalent", report.message
    assert all(check.verdict != "mismatch" for check in report.checks)
    assert any(
        n.startswith("the numbers do not reproduce themselves (the original run twice differs: ")
        for n in report.notes
    ), report.notes
    result = process_source(str(original), original.read_bytes(), Settings())
    assert isinstance(result, Changed)
    wrong = tmp_path / original.name
    wrong.write_bytes(result.fixed.replace(b"Optimizer(0.1)", b"Optimizer(0.2)"))
    assert wrong.read_bytes() != result.fixed
    caught = validate_pair(original, wrong)
    assert caught.verdict == "mismatch", caught.message


@pytest.mark.tf
def test_a_rewrite_that_fails_is_a_mismatch_even_of_an_irreproducible_original(
    tmp_path: Path,
) -> None:
    """Its numbers aside, the original trains where the rewrite cannot: that is a mismatch."""
    source = SHAPES / "irreproducible.py"
    text = source.read_text(encoding="utf-8")
    dropped = "    predictions = tf.compat.v1.layers.dense(features[\"x\"], 1)\n"
    assert dropped in text
    broken = tmp_path / "irreproducible.py"
    broken.write_text(text.replace(dropped, ""), encoding="utf-8")
    report = validate_pair(source, broken)
    assert report.verdict == "mismatch", report.message
    assert "the rewrite fails: NameError: name 'predictions' is not defined" in report.message
    assert not any(check.what == "reproducible" for check in report.checks)


@pytest.mark.tf
def test_modules_missing_here_are_stood_in_for_where_the_model_fn_never_uses_them() -> None:
    """The module imports two packages this interpreter lacks (one of them through a submodule,
    one called at import): it loads with stand-ins for them and the rewrite is proven, with a note
    naming them."""
    report = validate_file(SHAPES / "missing_module.py")
    assert report.verdict == "fixed", report.message
    stood_in = [n for n in report.notes if n.startswith("not installed here, stood in for")]
    assert stood_in and "estimator_fix_absent_audio" in stood_in[0], report.notes
    assert "estimator_fix_absent_helpers" in stood_in[0], report.notes


@pytest.mark.tf
def test_a_missing_module_only_the_replaced_input_function_used_leaves_the_proof_standing() -> None:
    """The input function reads its data through a missing package and fails there; inputs
    inferred from the model_fn replace it, and the use it made of the stand-in, which reached
    nothing compared, does not void the proof (it would if the model_fn had made it)."""
    report = validate_file(SHAPES / "missing_module_in_input_fn.py")
    assert report.verdict == "fixed", report.message
    assert report.synthetic_inputs
    assert (
        "the file's own input functions used estimator_fix_absent_tables.read_csv (stand-ins) "
        "and were replaced by synthetic inputs"
    ) in report.notes


@pytest.mark.tf
def test_a_model_fn_that_uses_a_missing_module_is_not_proven() -> None:
    """The same module whose model_fn logs through the missing package's logger: the stand-in
    fails when the model_fn uses it, and the verdict names the module."""
    report = validate_file(SHAPES / "missing_module_used.py")
    assert report.verdict in ("error", "not validated"), report.message
    assert "estimator_fix_absent_helpers" in report.message, report.message


@pytest.mark.tf
def test_an_op_marked_only_as_another_ops_control_input_compares_alike_on_the_graphs() -> None:
    """Metrics built before the mode is known take the constant loss as a control input, which
    TensorFlow 2 records on the loss op itself; the rewrite builds them in EVAL only, so the mark
    differs in TRAIN on an op both versions build alike. The loss is 0 at every step, so the
    graphs decide: they are the same computation."""
    report = validate_file(SHAPES / "fixed_prediction.py")
    assert report.verdict == "graph-equivalent", report.message
    assert not [c for c in report.checks if c.verdict == "mismatch"], report.checks


@pytest.mark.tf
def test_a_parser_built_at_module_level_configures_the_model_fn_with_its_defaults() -> None:
    """``parser.add_argument(...)`` at module level, then ``args = parser.parse_args()``: the
    model_fn reads the defaults. The statistics the module reads through a missing package are
    left undefined (the model_fn never reads them) and the rest of the module still loads."""
    report = validate_file(SHAPES / "module_parser.py")
    assert report.verdict == "fixed", report.message
    assert any(
        note.startswith("line 17 did not run: StandInUsed") and "absent_netcdf" in note
        for note in report.notes
    ), report.notes


@pytest.mark.tf
def test_a_module_of_definitions_loads_in_part_and_defines_the_flags_absl_had() -> None:
    """``DEFINE_string("log_dir", ...)``, a flag absl's logging already has, gives way to the
    module's own definition; a module-level value computed through a function from a missing
    package fails (line 16, where the module calls the function), and the definitions after it
    still run: the rewrite is proven."""
    report = validate_file(SHAPES / "duplicate_flag.py")
    assert report.verdict == "fixed", report.message
    assert "absl's flag(s) log_dir left to the module's own definitions" in report.notes
    assert any(n.startswith("line 16 did not run: StandInUsed") for n in report.notes)


@pytest.mark.tf
def test_a_model_fn_of_an_abstract_base_is_built_through_its_concrete_subclass() -> None:
    report = validate_file(SHAPES / "abstract_base.py")
    assert report.verdict == "fixed", report.message
    assert "Regressor is abstract (outputs): built as PriceRegressor" in report.notes


@pytest.mark.tf
def test_an_abstract_base_without_a_subclass_is_built_with_its_abstract_methods_unimplemented(
    tmp_path: Path,
) -> None:
    source = (SHAPES / "abstract_base.py").read_text(encoding="utf-8")
    subclass = source[source.index("class PriceRegressor") : source.index("def input_fn")]
    alone = source.replace(subclass, "").replace("self.outputs()", "1")
    path = tmp_path / "abstract_alone.py"
    path.write_text(alone, encoding="utf-8")
    report = validate_file(path)
    assert report.verdict == "fixed", report.message
    assert "Regressor built with its abstract method(s) outputs unimplemented" in report.notes


@pytest.mark.tf
def test_a_private_method_model_fn_is_read_under_the_name_python_gives_it() -> None:
    report = validate_file(SHAPES / "private_method.py")
    assert report.verdict == "fixed", report.message


@pytest.mark.tf
def test_a_model_fns_own_parameters_a_builder_binds_elsewhere_are_guessed_from_their_use() -> None:
    report = validate_file(SHAPES / "partial_in_builder.py")
    assert report.verdict == "fixed", report.message
    assert (
        "model_fn model_fn takes more than an Estimator hands it: guessed units=4 "
        "(line 10: units), num_classes=10 (line 11: num_classes)"
    ) in report.notes
