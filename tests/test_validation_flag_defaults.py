"""The defaults of a repository's declared flags as the values of the params keys named for them
(``inference/flag_defaults.py``), read statically; the end-to-end proof is in
``test_validation_reach.py`` (``fixtures/validation/inferred/flags_in_job``)."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from estimator_fix.validation.inference import infer_params
from estimator_fix.validation.inference.flag_defaults import flag_defaults, with_flag_defaults
from estimator_fix.validation.inference.guesses import ParamGuess
from estimator_fix.validation.inference.params import COLUMNS
from estimator_fix.validation.inference.syntax import parameters


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def test_absl_and_argparse_declarations_give_their_defaults(tmp_path: Path) -> None:
    model = write(
        tmp_path / "model.py",
        """
        from absl import flags
        flags.DEFINE_integer("depth", 50, "layers")
        flags.DEFINE_list("sizes", "64,32", "widths")
        flags.DEFINE_string(name="loss", default="xent", help="the loss")
        flags.DEFINE_string("vocab", None, "a file")
        tf.app.flags.DEFINE_float("rate", 1e-3, "")
        """,
    )
    write(
        tmp_path / "train.py",
        """
        from model import model_fn
        parser = argparse.ArgumentParser()
        parser.add_argument("--task_num", "-t", type=int, default=2)
        parser.add_argument("--learning-rate", type=float, default=0.1)
        parser.add_argument("-o", "--out", dest="output_dir", default="/tmp/out")
        parser.add_argument("--depth", type=int, default=18)
        parser.add_argument("--units", default=[128, 64])
        parser.add_argument("--no_default")
        parser.set_defaults(units=[32])
        """,
    )
    found = {name: d.value for name, d in flag_defaults(model).items()}
    assert found == {
        "depth": 50,  # the validated file's own declaration is the nearer one
        "sizes": ["64", "32"],
        "loss": "xent",
        "rate": 1e-3,
        "task_num": 2,
        "learning_rate": 0.1,
        "output_dir": "/tmp/out",
        "units": [32],  # set_defaults wins over add_argument's default
    }
    assert flag_defaults(model)["task_num"].origin == "train.py:4"


def test_flags_are_read_from_the_modules_that_import_it_or_that_it_imports(
    tmp_path: Path,
) -> None:
    """Near the file (its directory, the one above, the import roots), the modules that import
    it (its job) or that it imports (its flags module); not another script that sits there."""
    model = write(
        tmp_path / "repo" / "pkg" / "models" / "model.py", "from pkg import options as o\n"
    )
    write(
        tmp_path / "repo" / "pkg" / "models" / "other_job.py",
        "import other_model\nflags.DEFINE_integer('width', 99, '')\n",
    )
    write(
        tmp_path / "repo" / "pkg" / "main.py",
        "from pkg.models.model import model_fn\nflags.DEFINE_integer('width', 16, '')\n",
    )
    write(tmp_path / "repo" / "pkg" / "options.py", "p.add_argument('--rate', default=0.5)\n")
    write(
        tmp_path / "repo" / "run.py",
        "import pkg.models.model\np.add_argument('--steps', type=int, default=5)\n",
    )
    write(tmp_path / "elsewhere" / "far.py", "import model\nflags.DEFINE_integer('far', 1, '')\n")
    found = flag_defaults(model, [str(tmp_path / "repo")])
    assert {name: d.value for name, d in found.items()} == {"width": 16, "steps": 5, "rate": 0.5}


def guesses(source: str) -> tuple[ParamGuess, ...]:
    tree = ast.parse(textwrap.dedent(source))
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    return infer_params(tree, function)


def test_a_flags_default_replaces_guesses_from_a_name_or_nothing_and_of_its_own_kind(
    tmp_path: Path,
) -> None:
    defaults = flag_defaults(
        write(
            tmp_path / "flags.py",
            """
            flags.DEFINE_integer("resnet_size", 50, "")
            flags.DEFINE_string("depth", "50", "")
            flags.DEFINE_string("model", "mmoe", "")
            flags.DEFINE_string("layers", "128,64", "")
            flags.DEFINE_integer("batch_size", 512, "")
            flags.DEFINE_integer("vocab_size", 250000, "")
            flags.DEFINE_integer("task_num", 3, "")
            flags.DEFINE_list("columns", "a,b", "")
            flags.DEFINE_integer("unknown", 7, "")
            flags.DEFINE_integer("field_size", 0, "")
            flags.DEFINE_integer("warmup_steps", 0, "")
            flags.DEFINE_integer("num_gpus", 2, "")
            """,
        )
    )
    found = with_flag_defaults(
        guesses(
            """
            def model_fn(features, labels, mode, params):
                net = resnet(params["resnet_size"], params["depth"])
                if params["model"] == "st":
                    pass
                for units in params["layers"]:
                    pass
                batch = params["batch_size"]
                ids = tf.range(params["vocab_size"])
                args = params["args"]
                heads = args.task_num
                net = tf.compat.v1.feature_column.input_layer(features, params["columns"])
                x = params["unknown"] + 1
                ids = tf.reshape(ids, [-1, params["field_size"]])
                steps = params["warmup_steps"]
                towers = params["num_gpus"]
            """
        ),
        defaults,
    )
    by_key = {guess.key: guess for guess in found}
    assert by_key["resnet_size"].value == 50  # the name said "a size", 4
    assert "the default of flag resnet_size (flags.py:2)" in by_key["resnet_size"].origin
    assert by_key["depth"].value == "50"  # named as a count, declared a string: the string
    assert by_key["model"].value == "mmoe"  # a string it is compared with: a string of the job
    assert by_key["layers"].value == [4, 4]  # a list by its use; the flag is one string
    assert by_key["batch_size"].value == 4  # the synthetic inputs' batch size decides
    assert by_key["vocab_size"].value == 4  # a real job's size: too big to build for nothing
    assert by_key["args"].value == {"task_num": 3}  # a field of an options object
    assert by_key["columns"].value == {COLUMNS: 2}  # feature columns stay guessed columns
    assert by_key["unknown"].value == 7 and not by_key["unknown"].fallback
    assert by_key["field_size"].value == 4  # a dimension the job must give: 0 builds nothing
    assert by_key["warmup_steps"].value == 0  # not a dimension: 0 is a value
    assert by_key["num_gpus"].value == 0  # validation runs on CPU: no GPU to count


def test_counts_of_gpus_are_told_from_other_numbers() -> None:
    from estimator_fix.validation.worker.devices import counts_gpus

    for name in ("num_gpus", "n_gpu", "NUM_GPUS", "gpus", "gpu_num", "gpu_count", "numGPUs"):
        assert counts_gpus(name, 2), name
    assert not counts_gpus("num_gpus", 0) and not counts_gpus("num_gpus", True)
    for name in ("gpu_memory_fraction", "num_gpus_per_worker_fraction", "num_layers", "gpu"):
        assert not counts_gpus(name, 2), name


def test_the_planner_and_the_worker_mark_guessed_values_alike() -> None:
    """The worker imports nothing of the tool: its markers are copies, which must agree."""
    from estimator_fix.validation.inference import arguments, params
    from estimator_fix.validation.worker import inferred

    assert arguments.VALUE == inferred.VALUE
    assert params.COLUMNS == inferred.COLUMNS and params.EXPRESSION == inferred.EXPRESSION


def test_builder_arguments_are_guessed_from_use_name_or_flag_and_never_blindly(
    tmp_path: Path,
) -> None:
    from estimator_fix.validation.inference.arguments import VALUE, argument_values

    tree = ast.parse(
        textwrap.dedent(
            """
            def builder(num_labels, blob, factory, args, columns, kept, width):
                def model_fn(features, labels, mode):
                    net = factory(features)
                    net = tf.compat.v1.feature_column.input_layer(features, columns)
                    return net * blob + num_labels + args.depth + width
                self.kept = kept
                return model_fn
            """
        )
    )
    builder = tree.body[0]
    assert isinstance(builder, ast.FunctionDef)
    defaults = flag_defaults(write(tmp_path / "job.py", "p.add_argument('--width', default=3)\n"))
    guessed = {n: argument_values(tree, builder, n, defaults) for n in parameters(builder)}
    assert guessed["num_labels"] == {VALUE: 10}  # its name
    assert guessed["blob"] is None  # nothing says what it is
    assert guessed["factory"] is None  # called: a function
    assert guessed["args"] == {"depth": 4}  # read as a namespace
    assert guessed["columns"] == {VALUE: {COLUMNS: 2}}  # handed where columns go
    assert guessed["kept"] == {VALUE: None}  # only stored
    assert guessed["width"] == {VALUE: 3}  # the job's flag
