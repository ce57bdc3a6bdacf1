"""What builds a model_fn outside its file or around it: a builder or class whose arguments only
a module in another directory of the repository gives (a script importing it from its package),
found by where its import leads; a helper model_fn run as the model_fn that calls it; params
that are an object read by attribute (fixtures of our own)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from estimator_fix.validation import ValidationOptions
from estimator_fix.validation.callers_elsewhere import repository_callers
from estimator_fix.validation.inputs import plan
from estimator_fix.validation.targets import Built
from tests.test_validation_shapes import proven_and_a_wrong_rewrite_caught

ROOT = Path(__file__).resolve().parent.parent
REPOSITORY = ROOT / "fixtures" / "validation" / "scripts_elsewhere"
BUILDER = REPOSITORY / "netkit" / "training" / "_builder.py"
RANKING = REPOSITORY / "netkit" / "ranking.py"


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_a_builder_a_script_imports_through_its_package_is_built_from_that_call() -> None:
    """``from netkit.training import make_model_fn`` (the package's ``__init__`` takes it from
    ``._builder``; ``netkit`` has no ``__init__``): the call in scripts/ is the builder's."""
    found = plan(BUILDER, BUILDER.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert target.built == Built("model_fn", ("make_model_fn",))
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.scope, caller.args) == (
        "make_model_fn",
        "train_dense.py",
        ("get_config",),
        ("network_fn", "None"),
    )
    # the module is validated as ``training._builder``; the script imports it by its full name
    assert caller.imports_as == "netkit.training._builder"
    assert Path(caller.import_root) == REPOSITORY


def test_a_class_a_script_elsewhere_builds_gives_its_init_arguments() -> None:
    found = plan(RANKING, RANKING.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert target.built == Built(
        "(Ranker(hidden_units=hidden_units, scale=scale)).model_fn", ("Ranker", "__init__")
    )
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.args, dict(caller.keywords)) == (
        "Ranker",
        "train_ranker.py",
        ("[4, 3]",),
        {"scale": "2.0"},
    )
    assert caller.params == "{'learning_rate': 0.05}"


def test_a_class_whose_init_takes_what_nothing_guesses_is_built_as_a_script_builds_it(
    tmp_path: Path,
) -> None:
    """``Model(network_fn)``: a function, which no read of it guesses; before, a method of a
    class the file never builds was refused."""
    (tmp_path / ".git").mkdir()
    model = write(
        tmp_path / "lib" / "models" / "model.py",
        """
        import tensorflow as tf

        class Model:
            def __init__(self, network_fn):
                self.network_fn = network_fn

            def model_fn(self, features, labels, mode):
                scores = self.network_fn(features["x"])
                return tf.estimator.EstimatorSpec(mode, predictions={"s": scores})
        """,
    )
    write(tmp_path / "lib" / "__init__.py", "")
    write(tmp_path / "lib" / "models" / "__init__.py", "")
    write(
        tmp_path / "jobs" / "run.py",
        """
        from lib.models.model import Model
        from lib.nets import make_net

        def main():
            return Model(make_net(3)).model_fn
        """,
    )
    found = plan(model, model.read_bytes(), ValidationOptions())
    (target,) = found.targets
    assert target.built == Built("(Model(network_fn=network_fn)).model_fn", ("Model", "__init__"))
    (caller,) = found.callers
    assert (Path(caller.file).name, caller.args, caller.imports_as) == (
        "run.py",
        ("make_net(3)",),
        "lib.models.model",
    )


def test_a_call_of_another_module_of_the_same_names_is_no_caller(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    model = write(tmp_path / "a" / "model.py", "def make_model_fn(units):\n    pass\n")
    write(tmp_path / "b" / "model.py", "def make_model_fn(units):\n    pass\n")
    write(
        tmp_path / "jobs" / "run.py",
        """
        from b.model import make_model_fn
        import b.model as model

        make_model_fn(3)
        model.make_model_fn(4)
        """,
    )
    assert repository_callers(model, tmp_path, {"make_model_fn"}) == {}
    write(tmp_path / "jobs" / "other.py", "import a.model as m\n\nm.make_model_fn(5)\n")
    (caller,) = repository_callers(model, tmp_path, {"make_model_fn"}).values()
    found = (Path(caller.file).name, caller.args, caller.imports_as)
    assert found == ("other.py", ("5",), "a.model")


@pytest.mark.tf
def test_a_closure_built_with_a_scripts_arguments_is_proven_and_a_wrong_rewrite_caught(
    tmp_path: Path,
) -> None:
    notes = proven_and_a_wrong_rewrite_caught(
        BUILDER,
        tmp_path,
        b'train_op_fn(loss, params["learning_rate"])',
        b'train_op_fn(loss * 2, params["learning_rate"])',
    )
    assert "network_fn, train_op_fn as train_dense.py (get_config) passes them" in notes


SUBCLASS = ROOT / "fixtures" / "validation" / "estimator_subclass" / "ranker.py"


def test_a_helper_a_nested_model_fn_calls_with_all_it_needs_runs_through_that_model_fn() -> None:
    """``_spec(features, mode, logits, params, labels)`` is what the rewrite changes; the
    closure ``WideRanker.__init__`` hands its Estimator calls it with all it needs: the helper
    is run as that closure, with that Estimator's params, not alone with a guessed ``logits``."""
    rewritten = SUBCLASS.read_bytes().replace(b"loss = tf", b"loss = 1.0 * tf")
    found = plan(SUBCLASS, SUBCLASS.read_bytes(), ValidationOptions(), rewritten)
    (target,) = found.targets
    assert target.path == ("_spec",)
    assert target.built == Built("_model_fn", ("WideRanker", "__init__"))
    assert target.params == Built("settings", ("WideRanker", "__init__"))
    assert not target.guessed
    (caller,) = found.callers
    assert (caller.function, Path(caller.file).name, caller.scope) == (
        "WideRanker",
        "train.py",
        ("build_estimator",),
    )


def test_params_objects_are_kept_as_objects_and_copied_whole_for_each_call() -> None:
    from estimator_fix.validation.worker.inferred import fresh_params, usable_params

    class Settings:
        def __init__(self) -> None:
            self.names = {"units": 4}

    settings = Settings()
    assert usable_params(settings) is settings
    assert usable_params({"a": 1}) == {"a": 1}
    assert [usable_params(v) for v in (None, Settings, print, pytest)] == [None] * 4
    copy = fresh_params(settings)
    copy.names["width"] = 2  # what one build of the model_fn adds
    assert settings.names == {"units": 4}
    assert fresh_params(None) == {}


def test_guessed_params_go_on_an_object_as_attributes_where_it_takes_them() -> None:
    from types import SimpleNamespace

    from estimator_fix.validation.worker.inferred import params_with_guesses

    guesses = [
        {"key": "units", "value": 4, "origin": "line 3"},
        {"key": "rate", "value": 0.5, "origin": "line 4"},
    ]
    notes: list[str] = []
    program = SimpleNamespace(
        spec={"inferred": {"params": guesses}},
        out=SimpleNamespace(note=notes.append),
        guessed_params=[],
    )

    class Flags:  # takes no new attribute, as absl's FlagValues does
        units = 8

        def __setattr__(self, name: str, value: object) -> None:
            raise AttributeError(name)

    flags = Flags()
    assert params_with_guesses(program, flags) is flags  # type: ignore[arg-type]
    assert notes == []
    settings = SimpleNamespace(units=8)
    assert params_with_guesses(program, settings) is settings  # type: ignore[arg-type]
    assert (settings.units, settings.rate, program.guessed_params) == (8, 0.5, ["rate"])
    assert notes == ["params guessed from the model_fn, set on the SimpleNamespace: rate (line 4)"]


@pytest.mark.tf
def test_an_estimator_subclass_built_by_the_job_is_proven_and_a_wrong_rewrite_caught(
    tmp_path: Path,
) -> None:
    """The job passes the columns (``columns=None`` by default), the params are a settings
    object the closure adds to as it reads it: each passes only as the job builds it."""
    notes = proven_and_a_wrong_rewrite_caught(
        SUBCLASS,
        tmp_path,
        b"GradientDescentOptimizer(params.learning_rate)",
        b"GradientDescentOptimizer(params.learning_rate * 2)",
    )
    assert "columns, hidden_units, learning_rate as train.py (build_estimator) passes them" in notes
    assert "params from the file's Estimator call: settings" in notes
