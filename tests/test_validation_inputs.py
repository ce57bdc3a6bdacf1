"""What validation runs, found statically: model_fn, inputs, config, label hints, options."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from estimator_fix.validation.inputs import (
    DiscoveryError,
    label_hint,
    no_input_message,
    package_layout,
    plan,
)
from estimator_fix.validation.options import (
    LabelSpec,
    OptionError,
    ValidationOptions,
    parse_input_fn,
    parse_labels,
    parse_params,
)
from estimator_fix.validation.targets import Built, model_fn_paths

SPEC = "tf.estimator.EstimatorSpec(mode, predictions=p)"


def write(directory: Path, source: str, name: str = "model.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def plan_for(path: Path, **options: object) -> object:
    return plan(path, path.read_bytes(), ValidationOptions(**options))  # type: ignore[arg-type]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A directory with a pyproject.toml, so no config above tmp_path leaks in."""
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-fix]\n", encoding="utf-8")
    return tmp_path


def test_finds_the_model_fn_and_the_input_functions(project: Path) -> None:
    path = write(
        project,
        f"""
        def my_model_fn(features, labels, mode, params):
            return {SPEC}

        def helper(features, mode, depth):
            return None

        def train_input_fn():
            pass

        def eval_input_fn(params):
            pass
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.model_fn == "my_model_fn" and not found.tpu
    assert found.inputs is not None
    assert {mode: ref.name for mode, ref in found.inputs.items()} == {
        "TRAIN": "train_input_fn",
        "EVAL": "eval_input_fn",
        "PREDICT": "eval_input_fn",
    }
    assert found.steps == 3 and not found.synthetic


def test_a_model_fn_taking_targets_is_found(project: Path) -> None:
    """tf.contrib.learn's spelling of the labels (``targets``), as the worker hands them."""
    path = write(
        project,
        """
        def helper(features, mode, depth):
            return None

        def simple_fn(features, targets, mode):
            return tf.contrib.learn.ModelFnOps(mode=mode, predictions=features, loss=targets)
        """,
    )
    assert plan_for(path).model_fn == "simple_fn"  # type: ignore[attr-defined]
    # and is among the model_fns whose change a rewrite is judged by (the mutation check's too)
    assert list(model_fn_paths(ast.parse(path.read_text()))) == [("simple_fn",)]


def test_an_input_fn_needing_arguments_is_taken_as_the_file_calls_it(project: Path) -> None:
    path = write(
        project,
        f"""
        import tensorflow as tf

        def input_fn(mode, num_epochs, batch_size, input_context=None):
            pass

        def model_fn(features, labels, mode, params):
            return {SPEC}

        def main():
            estimator = tf.estimator.Estimator(model_fn=model_fn)
            train_spec = tf.estimator.TrainSpec(
                input_fn=lambda: input_fn(tf.estimator.ModeKeys.TRAIN, 2, batch_size=8))
            eval_spec = tf.estimator.EvalSpec(
                input_fn=lambda: input_fn(tf.estimator.ModeKeys.EVAL, 1, batch_size=4))
            tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.inputs is not None
    built = {mode: ref.built for mode, ref in found.inputs.items()}
    assert all(b is not None for b in built.values())
    assert "batch_size=8" in built["TRAIN"].expression  # type: ignore[union-attr]
    assert "batch_size=4" in built["EVAL"].expression  # type: ignore[union-attr]


def test_an_input_fn_taking_what_an_estimator_gives_is_called_by_name(project: Path) -> None:
    path = write(
        project,
        f"""
        import tensorflow as tf

        def input_fn(params, mode, batch_size=8):
            pass

        def model_fn(features, labels, mode, params):
            return {SPEC}

        def main():
            estimator = tf.estimator.Estimator(model_fn=model_fn)
            estimator.train(lambda: input_fn({{}}, "train", 16))
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.inputs is not None
    assert {ref.name for ref in found.inputs.values()} == {"input_fn"}
    assert all(ref.built is None for ref in found.inputs.values())


def test_a_module_level_model_fn_wins_even_when_built_by_a_closure(project: Path) -> None:
    path = write(
        project,
        f"""
        def make_model_fn(rate):
            def model_fn(features, labels, mode):
                return {SPEC}
            return model_fn

        model_fn = make_model_fn(0.1)

        def input_fn():
            pass
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.model_fn == "make_model_fn.model_fn"
    assert found.targets[0].built == Built("model_fn", ())  # the module-level name runs it


def test_a_name_bound_to_a_call_on_itself_ends_the_search_for_its_class(project: Path) -> None:
    """``label = label.strip("(").split(":")`` in a method of the class whose model_fn is
    passed: following the name's binding leads back to it; the search ends, the plan is made."""
    path = write(
        project,
        f"""
        import tensorflow as tf

        class Network:
            def __init__(self):
                self.nn = tf.estimator.Estimator(model_fn=self.model_fn, params={{}})

            def decode(self, labels):
                for label in labels.split("#"):
                    label = label.strip("(").split(":")
                    label.append(label.pop())

            def model_fn(self, features, labels, mode, params):
                p = features["x"]
                return {SPEC}
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.model_fn == "Network.model_fn"


def test_several_model_fns_are_each_a_target(project: Path) -> None:
    source = f"""
        def a_fn(features, labels, mode):
            return {SPEC}

        def b_fn(features, labels, mode):
            return {SPEC}

        def input_fn():
            pass
        """
    path = write(project, source)
    every = plan(path, path.read_bytes(), ValidationOptions())
    assert [t.name for t in every.targets] == ["a_fn", "b_fn"]
    header = b"def b_fn(features, labels, mode):"
    rewrite = path.read_bytes().replace(header, header + b"\n    pass")
    changed = plan(path, path.read_bytes(), ValidationOptions(), rewrite)
    assert [t.name for t in changed.targets] == ["b_fn"]
    assert plan(path, path.read_bytes(), ValidationOptions(model_fn="b_fn")).model_fn == "b_fn"
    with pytest.raises(DiscoveryError, match="no 'c_fn' at module level"):
        plan(path, path.read_bytes(), ValidationOptions(model_fn="c_fn"))


def test_a_nested_model_fn_no_call_builds_is_lifted_out_of_its_builder(project: Path) -> None:
    source = f"""
        def build(rate):
            def inner(features, labels, mode):
                return {SPEC}
            return inner

        def input_fn():
            pass
        """
    path = write(project, source)
    assert plan(path, path.read_bytes(), ValidationOptions()).targets[0].built == Built(
        "inner", ("build",)
    )
    # a parameter named for what it is (a rate) is guessed; one nothing tells of is not
    uses_rate = write(project, source.replace("predictions=p", "predictions=rate"))
    assert plan(uses_rate, uses_rate.read_bytes(), ValidationOptions()).targets
    uses_blob = write(project, source.replace("(rate)", "(blob)").replace("=p", "=blob"))
    with pytest.raises(DiscoveryError, match=r"build\.inner uses blob, parameter\(s\) of build"):
        plan(uses_blob, uses_blob.read_bytes(), ValidationOptions())


def test_tpu_models_are_recognised(project: Path) -> None:
    path = write(
        project,
        """
        def model_fn(features, labels, mode, params):
            return tf.compat.v1.estimator.tpu.TPUEstimatorSpec(mode, loss=l)

        def input_fn(params):
            pass
        """,
    )
    assert plan(path, path.read_bytes(), ValidationOptions()).tpu


def test_with_nothing_to_read_inputs_off_the_plan_leaves_it_to_the_worker(project: Path) -> None:
    """No input function, serving function, spec, columns or key in the model_fn's own code:
    not a discovery error any more, the worker builds the model_fn once to find the keys it reads
    (none read: not validated, in the words of ``no_input_message``)."""
    path = write(
        project,
        f"""
        def model_fn(features, labels, mode):
            return {SPEC}
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.synthetic and found.inputs is None
    message = no_input_message(path)
    for looked_for in (
        "--input-fn",
        "input_fn/train_input_fn/eval_input_fn/predict_input_fn",
        "[tool.estimator-fix.validate]",
        "serving_input_receiver_fn/serving_input_fn",
        "FixedLenFeature",
        "feature columns",
    ):
        assert looked_for in message


def test_a_serving_function_or_a_feature_spec_means_synthetic_inputs(project: Path) -> None:
    serving = write(
        project,
        f"""
        def model_fn(features, labels, mode):
            return {SPEC}

        def serving_input_receiver_fn():
            pass
        """,
    )
    found = plan(serving, serving.read_bytes(), ValidationOptions())
    assert found.synthetic and found.serving_fns == ("serving_input_receiver_fn",)
    spec = write(
        project,
        f"""
        FEATURES = {{"x": tf.io.FixedLenFeature([4], tf.float32)}}

        def model_fn(features, labels, mode):
            return {SPEC}
        """,
        "spec.py",
    )
    assert plan(spec, spec.read_bytes(), ValidationOptions()).synthetic


def test_an_input_fn_that_covers_only_predict_gives_way_to_inferred_inputs(project: Path) -> None:
    path = write(
        project,
        f"""
        def model_fn(features, labels, mode):
            return {SPEC}

        def predict_input_fn():
            pass
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.inputs is None and found.synthetic


def test_config_table_supplies_what_options_do_not(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.estimator-fix.validate]
            model-fn = "b_fn"
            input-fn = "data.py:make"
            params = { learning_rate = 0.5 }
            steps = 2
            labels = ":int32"
            """
        ),
        encoding="utf-8",
    )
    path = write(
        tmp_path,
        f"""
        def a_fn(features, labels, mode):
            return {SPEC}

        def b_fn(features, labels, mode):
            return {SPEC}
        """,
    )
    found = plan(path, path.read_bytes(), ValidationOptions())
    assert found.model_fn == "b_fn" and found.steps == 2
    assert found.params_json == '{"learning_rate": 0.5}'
    assert found.labels == LabelSpec((), "int32")
    assert found.inputs is not None
    assert found.inputs["TRAIN"].module == str(tmp_path / "data.py")
    assert found.inputs["TRAIN"].name == "make"
    options = ValidationOptions(model_fn="a_fn", steps=5, params_json='{"a": 1}')
    override = plan(path, path.read_bytes(), options)
    assert (override.model_fn, override.steps, override.params_json) == ("a_fn", 5, '{"a": 1}')


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.estimator-fix.validate]\nstep = 2\n", encoding="utf-8"
    )
    path = write(tmp_path, "def model_fn(features, labels, mode):\n    pass\n")
    with pytest.raises(DiscoveryError, match="unknown key 'step'"):
        plan(path, path.read_bytes(), ValidationOptions())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.estimator-fix.validate]\nsteps = "2"\n', encoding="utf-8"
    )
    with pytest.raises(DiscoveryError, match="steps must be an integer"):
        plan(path, path.read_bytes(), ValidationOptions())


def test_a_file_that_does_not_parse(project: Path) -> None:
    path = write(project, "print 'python 2'\n")
    with pytest.raises(DiscoveryError, match="does not parse"):
        plan(path, path.read_bytes(), ValidationOptions())


def test_package_layout_names_the_module_through_its_packages(tmp_path: Path) -> None:
    package = tmp_path / "trainer" / "models"
    package.mkdir(parents=True)
    (tmp_path / "trainer" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    name, roots = package_layout(package / "net.py")
    assert name == "trainer.models.net"
    # imported from above its packages, its own directory last (a script's first)
    assert roots == (str(tmp_path.resolve()), str(package.resolve()))
    assert package_layout(tmp_path / "script.py") == ("script", (str(tmp_path.resolve()),))


def test_a_package_module_named_like_its_package_does_not_shadow_it(tmp_path: Path) -> None:
    models = tmp_path / "tacotron" / "models"
    models.mkdir(parents=True)
    for package in (tmp_path / "tacotron", models):
        (package / "__init__.py").write_text("", encoding="utf-8")
    (models / "tacotron.py").write_text("NAME = 'model'\n", encoding="utf-8")
    (models / "estimator.py").write_text(
        "import tacotron.models.tacotron as tacotron\nNAME = tacotron.NAME\n", encoding="utf-8"
    )
    name, roots = package_layout(models / "estimator.py")
    code = f"import sys; sys.path[:0] = {list(roots)!r}; import {name} as m; print(m.NAME)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "model", done.stderr


# label hints --------------------------------------------------------------------------------


def hint_of(body: str) -> tuple[str, str | None] | None:
    body = textwrap.indent(textwrap.dedent(body), "    ")
    source = "def model_fn(features, labels, mode):\n" + body
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    hint = label_hint(function)
    return None if hint is None else (hint.dtype, hint.like)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "loss = tf.compat.v1.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)",
            ("int32", None),
        ),
        ("loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)", ("int32", None)),
        ("y = tf.one_hot(labels, 10)", ("int32", None)),
        ("loss = tf.losses.mean_squared_error(labels, predictions)", ("float32", "predictions")),
        (
            "loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=net['out'])",
            ("float32", "net['out']"),
        ),
        ("loss = tf.reduce_mean(tf.square(labels - predictions))", ("float32", "predictions")),
        ("y = tf.cast(labels, tf.int64)\nacc = tf.metrics.accuracy(y, classes)", ("int32", None)),
        ("y_ = labels\nloss = tf.losses.log_loss(y_, probs)", ("float32", "probs")),
        ("loss = tf.reduce_sum(labels)", None),
    ],
)
def test_label_hints_come_from_the_first_recognised_use(
    body: str, expected: tuple[str, str | None] | None
) -> None:
    assert hint_of(body) == expected


# option strings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (":int32", LabelSpec((), "int32")),
        ("int64", LabelSpec((), "int64")),
        ("1:float32", LabelSpec((1,), "float32")),
        ("[3, 4]:float32", LabelSpec((3, 4), "float32")),
        ("3x4:float16", LabelSpec((3, 4), "float16")),
    ],
)
def test_parse_labels(text: str, expected: LabelSpec) -> None:
    assert parse_labels(text) == expected


@pytest.mark.parametrize("text", ["1:complex", "a:int32", "1:", "x:int32", "1,:int32"])
def test_parse_labels_rejects(text: str) -> None:
    with pytest.raises(OptionError, match="SHAPE:DTYPE"):
        parse_labels(text)


def test_parse_params_and_input_fn() -> None:
    assert parse_params('{"b": 1, "a": [2]}') == '{"a": [2], "b": 1}'
    with pytest.raises(OptionError, match="not valid JSON"):
        parse_params("{a: 1}")
    with pytest.raises(OptionError, match="JSON object"):
        parse_params("[1]")
    assert parse_input_fn("data.py:input_fn") == "data.py:input_fn"
    assert parse_input_fn("pkg.data:make") == "pkg.data:make"
    with pytest.raises(OptionError, match="MODULE:FN"):
        parse_input_fn("input_fn")


# layering -----------------------------------------------------------------------------------


def test_the_worker_imports_only_the_standard_library_numpy_and_tensorflow() -> None:
    import sys

    from estimator_fix.validation import runner

    imported = set()
    modules = sorted(runner.WORKER.glob("*.py"))
    assert {"__main__.py", "program.py", "server.py"} <= {path.name for path in modules}
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"numpy", "tensorflow"}


def test_the_tool_never_imports_tensorflow_or_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, estimator_fix.cli, estimator_fix.validation.api, estimator_fix.cli.validate\n"
        "print(sorted({'tensorflow', 'numpy'} & set(sys.modules)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "[]"
