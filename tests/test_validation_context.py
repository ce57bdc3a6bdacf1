"""The module validated in its repository's context: job functions whose arguments come from a
parser or are inferred, namespace packages and modules elsewhere in the repository, notebooks,
code that needs the network, Python 2 code (fixtures of our own)."""

from __future__ import annotations

import ast
import json
import socket
import textwrap
from pathlib import Path

import pytest

from estimator_fix.engine import Changed, Settings, process_source
from estimator_fix.validation import (
    ValidationOptions,
    validate_file,
    validate_pair,
    validate_rewrite,
)
from estimator_fix.validation.api import unvalidated
from estimator_fix.validation.gate import RewriteGate
from estimator_fix.validation.inputs import DiscoveryError, plan
from estimator_fix.validation.layout import import_layout, package_aliases
from estimator_fix.validation.python2 import python2_builtins_answer, python2_error
from estimator_fix.validation.targets import Built, job_arguments, sibling_callers
from estimator_fix.validation.worker import network
from estimator_fix.validation.worker.default_graph import graph_globals
from estimator_fix.validation.worker.python2 import builtins_of_python2

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "validation"
SHAPES = FIXTURES / "shapes"
NOTEBOOKS = FIXTURES / "notebooks"
CLASSIFIER = FIXTURES / "repository" / "toolkit" / "netlib" / "classifier.py"


#: The end of a small regressor model_fn (its train op, returns and input function), at the
#: indentation of the tests' module sources.
_REGRESSOR_TAIL = """\
            train_op = optimizer.minimize(
                loss, global_step=tf.compat.v1.train.get_or_create_global_step())
            if mode == tf.estimator.ModeKeys.PREDICT:
                return tf.estimator.EstimatorSpec(mode, predictions={"y": predictions})
            return tf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op)


        def input_fn():
            x = tf.random.stateless_uniform([16, 3], seed=[1, 2])
            y = tf.reduce_sum(x, axis=1, keepdims=True)
            return tf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(4).repeat()
"""


def write(path: Path, source: str = "", tail: str = "") -> Path:
    """``source`` (and ``tail`` after it), each dedented on its own, written to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source) + textwrap.dedent(tail), encoding="utf-8")
    return path


# -- where the module is imported from --------------------------------------------------------


def test_relative_imports_without_init_files_name_the_module_through_its_directories(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    model = write(tmp_path / "models" / "train" / "model.py", "from . import network\n")
    write(tmp_path / "models" / "train" / "network.py")
    tree = ast.parse(model.read_bytes())
    name, roots = import_layout(model, tree, "model", (str(model.parent),), tmp_path)
    assert name == "train.model"
    assert roots == (str(model.parent), str(tmp_path / "models"))


def test_relative_imports_climb_through_regular_packages_above(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    model = write(tmp_path / "models" / "baseline" / "train" / "model.py", "from .. import io\n")
    write(tmp_path / "models" / "baseline" / "__init__.py")
    tree = ast.parse(model.read_bytes())
    name, roots = import_layout(model, tree, "model", (str(model.parent),), tmp_path)
    assert name == "baseline.train.model"
    assert roots[1] == str(tmp_path / "models")


def test_modules_found_elsewhere_in_the_repository_make_their_directory_importable(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    model = write(tmp_path / "hooks" / "sample.py", "import dataset\nfrom helpers import f\n")
    # Both modules in one directory; one of them alone in a nearer one: the directory that
    # holds both wins, and a data directory named like a module (no __init__.py) is no module.
    write(tmp_path / "estimator" / "dataset.py")
    write(tmp_path / "estimator" / "helpers.py", "def f():\n    pass\n")
    write(tmp_path / "hooks" / "extra" / "dataset.py")
    (tmp_path / "dataset").mkdir()
    write(tmp_path / ".hidden" / "helpers.py")
    tree = ast.parse(model.read_bytes())
    roots = (str(model.parent), str(tmp_path))
    name, found = import_layout(model, tree, "sample", roots, tmp_path)
    assert (name, found) == ("sample", (*roots, str(tmp_path / "estimator")))


def test_a_namespace_package_near_the_module_is_preferred_to_a_regular_one_far_away(
    tmp_path: Path,
) -> None:
    """Sibling projects of one repository, each with a ``model/`` package: the module's own
    project holds it as a directory without ``__init__.py`` (Python 3 imports it as a namespace
    package), another project as a regular package. The nearer one is meant; a directory that
    holds none of the submodules asked of it is no package."""
    (tmp_path / ".git").mkdir()
    runner = write(
        tmp_path / "segmentation" / "unet" / "utils" / "runner.py",
        "from model.unet import unet_v1\nfrom model import layers\n",
    )
    write(tmp_path / "segmentation" / "unet" / "model" / "unet.py", "def unet_v1():\n    pass\n")
    write(tmp_path / "segmentation" / "unet" / "model" / "layers.py")
    write(tmp_path / "segmentation" / "industrial" / "model" / "__init__.py")
    write(tmp_path / "segmentation" / "industrial" / "model" / "unet.py")
    write(tmp_path / "segmentation" / "industrial" / "model" / "layers.py")
    write(tmp_path / "segmentation" / "vnet" / "model" / "vnet.py")
    tree = ast.parse(runner.read_bytes())
    roots = (str(runner.parent), str(tmp_path))
    _, found = import_layout(runner, tree, "runner", roots, tmp_path)
    assert found == (*roots, str(tmp_path / "segmentation" / "unet"))


def test_a_clone_named_otherwise_is_imported_under_its_packages_name(tmp_path: Path) -> None:
    """``from textbooks.scripts.settings import hparams`` in a checkout named ``books``: nothing
    here is named ``textbooks`` and ``scripts/`` lies at the repository's root, so the
    repository is that package. Installed packages and paths the root lacks are no alias."""
    repository = tmp_path / "books"
    (repository / ".git").mkdir(parents=True)
    write(repository / "scripts" / "settings.py", "hparams = {}\n")
    tree = ast.parse(
        "import tensorflow.compat.v1 as tf\n"
        "from textbooks.scripts.settings import hparams\n"
        "import textbooks.scripts\n"
        "from elsewhere.tools import helper\n"
        "from scripts import settings\n"
    )
    roots = (str(repository / "scripts"), str(repository))
    assert package_aliases(tree, roots, repository) == {"textbooks": str(repository)}
    assert package_aliases(tree, roots, None) == {}


@pytest.mark.tf
def test_a_model_fn_that_imports_its_repository_under_another_name_validates(
    tmp_path: Path,
) -> None:
    repository = tmp_path / "regressor-clone"
    (repository / ".git").mkdir(parents=True)
    write(repository / "settings" / "hparams.py", "UNITS = 4\nLEARNING_RATE = 0.1\n")
    model = write(
        repository / "trainer" / "model.py",
        """\
        import tensorflow as tf

        from regressor.settings import hparams


        def model_fn(features, labels, mode):
            hidden = tf.compat.v1.layers.dense(features["x"], hparams.UNITS)
            predictions = tf.compat.v1.layers.dense(hidden, 1)
            loss = tf.reduce_mean(tf.square(labels - predictions))
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(hparams.LEARNING_RATE)
        """,
        tail=_REGRESSOR_TAIL,
    )
    report = validate_file(model)
    assert report.verdict == "fixed", report.message


@pytest.mark.tf
def test_a_module_its_package_imports_runs_when_the_package_imports_it(tmp_path: Path) -> None:
    # the package's __init__ re-exports the model module's class, and the module imports a
    # sibling through the package: Python imports the package first, which imports the module
    repository = tmp_path / "regressor"
    (repository / ".git").mkdir(parents=True)
    write(repository / "nets" / "layers.py", "UNITS = 4\n")
    write(
        repository / "nets" / "__init__.py",
        "from . import layers\nfrom .model import Regressor\n",
    )
    model = write(
        repository / "nets" / "model.py",
        """\
        import tensorflow as tf

        from . import layers


        class Regressor(object):
            units = layers.UNITS


        def model_fn(features, labels, mode):
            hidden = tf.compat.v1.layers.dense(features["x"], Regressor.units)
            predictions = tf.compat.v1.layers.dense(hidden, 1)
            loss = tf.reduce_mean(tf.square(labels - predictions))
            optimizer = tf.compat.v1.train.GradientDescentOptimizer(0.1)
        """,
        tail=_REGRESSOR_TAIL,
    )
    report = validate_file(model)
    assert report.verdict == "fixed", report.message


def test_a_module_elsewhere_that_is_not_the_one_imported_adds_no_directory(
    tmp_path: Path,
) -> None:
    """A same-named module that lacks the names taken from it, or that wraps a library of its
    own name (imports it), is another module: the import stays missing (a stand-in)."""
    (tmp_path / ".git").mkdir()
    model = write(
        tmp_path / "bert" / "run.py",
        "from logkit import Verbosity\nimport tools.metrics\nfrom config import Config\n",
    )
    wrapper = "from logkit import Backend\nVerbosity = 1\n"
    write(tmp_path / "vision" / "utils" / "logkit.py", wrapper)
    write(tmp_path / "speech" / "logkit.py", "class Backend:\n    pass\n")
    write(tmp_path / "speech" / "tools" / "__init__.py")  # no metrics module in it
    config = "try:\n    from yaml import load\nexcept ImportError:\n    pass\nConfig = dict\n"
    write(tmp_path / "speech" / "config.py", config)
    tree = ast.parse(model.read_bytes())
    roots = (str(model.parent), str(tmp_path))
    name, found = import_layout(model, tree, "run", roots, tmp_path)
    assert found == (*roots, str(tmp_path / "speech"))  # config.py only
    alone = ast.parse("from logkit import Verbosity\n")
    assert import_layout(model, alone, "run", roots, tmp_path)[1] == roots
    # a name taken where its absence is caught asks nothing of the module
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    runner = write(other / "app" / "run.py")
    write(other / "lib" / "logkit.py", "class Backend:\n    pass\n")
    optional = "try:\n    from logkit import Verbosity\nexcept ImportError:\n    Verbosity = 0\n"
    roots = (str(runner.parent),)
    assert import_layout(runner, alone, "run", roots, other)[1] == roots
    found = import_layout(runner, ast.parse(optional), "run", roots, other)[1]
    assert found == (*roots, str(other / "lib"))
    write(tmp_path / "speech" / "tools" / "metrics.py")
    write(tmp_path / "speech" / "logkit.py", "from .levels import *\n")
    name, found = import_layout(model, tree, "run", roots, tmp_path)
    assert found == (*roots, str(tmp_path / "speech"))  # now holding all three
    assert import_layout(model, ast.parse("import config\n"), "run", roots, tmp_path)[1] == (
        *roots,
        str(tmp_path / "speech"),
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("g = tf.Graph()\nwith g.as_default():\n    spec = m.model_fn(x, y, mode)\n", ["g"]),
        (  # bound inside other top-level work, the model_fn called further in
            "with tool.scope():\n    g = tf.compat.v1.Graph()\n"
            "    with g.as_default(), tf.Session(graph=g):\n"
            "        for _ in range(2):\n            model_fn(x, y, mode)\n",
            ["g"],
        ),
        ("g = tf.Graph()\nwith g.as_default():\n    build(x)\n", []),  # not the model_fn
        ("g = load()\nwith g.as_default():\n    model_fn(x, y, mode)\n", []),  # not new
        ("def run():\n    g = tf.Graph()\n    with g.as_default():\n        model_fn()\n", []),
    ],
)
def test_a_global_graph_the_model_fn_is_called_in_stands_for_the_graph_it_builds_in(
    source: str, expected: list[str]
) -> None:
    assert graph_globals(ast.parse(source), "model_fn") == expected


def test_installed_and_absent_modules_add_no_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    model = write(tmp_path / "a" / "model.py", "import json\nimport iris_data_not_here\n")
    write(tmp_path / "b" / "json.py")
    tree = ast.parse(model.read_bytes())
    roots = (str(model.parent),)
    assert import_layout(model, tree, "model", roots, tmp_path) == ("model", roots)


# -- what builds the model_fn -----------------------------------------------------------------


def test_a_job_functions_mapping_parameter_is_inferred_from_its_reads() -> None:
    tree = ast.parse((SHAPES / "job_mapping.py").read_bytes())
    found = job_arguments(tree, [Built("model_fn", ("train_and_evaluate",)), None], {})
    values = found["train_and_evaluate"]["hparams"]
    assert values["batch_size"] == 4 and values["learning_rate"] == 0.01
    assert set(values) == {"batch_size", "units", "learning_rate", "output_dir", "train_steps"}
    # Given in the config: nothing to infer.
    given = {"hparams": {"units": 2}}
    assert job_arguments(tree, [Built("model_fn", ("train_and_evaluate",))], given) == {}


def test_a_closure_whose_builder_parameter_is_read_as_a_mapping_is_lifted(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-fix]\n", encoding="utf-8")
    source = """
        import tensorflow as tf

        def make_model_fn(config, offset):
            def model_fn(features, labels, mode):
                predictions = tf.compat.v1.layers.dense(features["x"], config["units"])
                return tf.estimator.EstimatorSpec(mode, predictions=predictions * offset)
            return model_fn
        """
    path = write(tmp_path / "model.py", source)
    # a plain value nothing tells of (not its name, not its use): not guessed
    with pytest.raises(DiscoveryError, match="uses offset, parameter"):
        plan(path, path.read_bytes(), ValidationOptions())
    path = write(tmp_path / "model.py", source.replace(" * offset", "").replace(", offset", ""))
    (target,) = plan(path, path.read_bytes(), ValidationOptions()).targets
    assert target.built == Built("model_fn", ("make_model_fn",))


def test_a_function_defined_in_a_class_without_self_is_read_through_the_class(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.estimator-fix]\n", encoding="utf-8")
    path = write(
        tmp_path / "model.py",
        """
        import tensorflow as tf

        class Ranker:
            def __init__(self, config, params):
                self.config = config

            def model_fn(features, labels, mode, params):
                return tf.estimator.EstimatorSpec(mode, predictions=features["x"])

            def compile(self):
                return tf.estimator.Estimator(model_fn=Ranker.model_fn, params={})

        def input_fn():
            pass
        """,
    )
    (target,) = plan(path, path.read_bytes(), ValidationOptions()).targets
    assert target.built == Built("Ranker.model_fn", ())


def test_a_sibling_that_imports_the_function_by_name_is_its_caller(tmp_path: Path) -> None:
    model = write(tmp_path / "model.py", "def train_and_evaluate(args):\n    pass\n")
    write(
        tmp_path / "task.py",
        """
        from .model import train_and_evaluate as run
        if __name__ == "__main__":
            arguments = {"batch_size": 8}
            run(arguments)
        """,
    )
    (caller,) = sibling_callers(model, "trainer", {"train_and_evaluate"}).values()
    assert (caller.module_name, caller.args) == ("trainer.task", ("arguments",))


# -- Python 2 code, the network ---------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        "TypeError: object of type 'map' has no len()",
        "TypeError: 'dict_values' object is not subscriptable",
        "AttributeError: 'dict' object has no attribute 'iteritems'",
        "NameError: name 'xrange' is not defined",
    ],
)
def test_python_2_only_errors_say_so(error: str) -> None:
    reason = python2_error(error)
    assert reason is not None and reason.startswith("Python 2 code: it fails under Python 3")


def test_other_errors_are_not_python_2() -> None:
    assert python2_error("TypeError: 'int' object is not iterable") is None
    assert python2_error("NameError: name 'tf' is not defined") is None


def test_a_notebook_with_a_python_2_cell_is_not_validated() -> None:
    path = NOTEBOOKS / "python2_cell.ipynb"
    data = path.read_bytes()
    reason = unvalidated(path, data, data, ValidationOptions())
    assert reason is not None and "Python 2 code: cell 1 has a print statement" in reason


def test_an_unresolvable_host_fails_at_once_saying_the_code_needs_the_network(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)  # restored afterwards
    monkeypatch.setattr(socket, "_estimator_fix_guarded", False, raising=False)
    monkeypatch.setattr(network, "_failed", set())
    network.guard_network()
    with pytest.raises(socket.gaierror, match="needs network: connects to data.invalid"):
        socket.getaddrinfo("data.invalid", 443)
    # Again (a retry loop): not an OSError, so the loop stops.
    with pytest.raises(network.NetworkNeeded, match="needs network"):
        socket.getaddrinfo("data.invalid", 443)
    assert network.remote_host("gs://bucket/train-*") == "storage.googleapis.com"
    assert network.remote_host(b"https://data.invalid:8080/x.csv") == "data.invalid"
    assert network.remote_host("/tmp/local.csv") == ""
    with pytest.raises(network.NetworkNeeded, match="reads http://data.invalid/a.csv from"):
        network.check_reachable(["/tmp/local.csv", "http://data.invalid/a.csv"])


# -- in TensorFlow ----------------------------------------------------------------------------


@pytest.mark.tf
def test_job_arguments_are_the_parsers_defaults_without_what_cannot_be_built() -> None:
    report = validate_file(SHAPES / "job_parser.py")
    assert report.verdict == "fixed", report.message
    assert report.model_fn == "main_fun.model_fn"
    notes = "\n".join(report.notes)
    # A required int gets a placeholder; a required string stays None, as the job would fail.
    assert "required argument --train_steps given 4 (a placeholder)" in notes
    assert "--model_dir given" not in notes
    # The cluster's import, its construction, the option whose default needs it, its run.
    assert (
        "args built as job_parser.py builds it, without what fails here (line 34, line 36, "
        "line 41, line 47; first: ModuleNotFoundError: No module named "
        "'cluster_launcher_not_installed')"
    ) in notes


@pytest.mark.tf
def test_job_arguments_nothing_gives_are_inferred_and_the_verdict_says_so() -> None:
    report = validate_file(SHAPES / "job_mapping.py")
    assert report.verdict == "fixed", report.message
    inferred = [n for n in report.notes if "parameter hparams inferred" in n]
    assert inferred and "units=4" in inferred[0], report.notes


@pytest.mark.tf
def test_a_model_fn_defined_in_the_main_block_validates() -> None:
    report = validate_file(SHAPES / "main_block_model.py")
    assert report.verdict == "fixed", report.message
    assert "defined from blocks that did not run: model_fn (line 18)" in report.notes


@pytest.mark.tf
def test_a_namespace_package_module_importing_a_repository_module_validates() -> None:
    report = validate_file(CLASSIFIER)
    assert report.verdict == "fixed", report.message


@pytest.mark.tf
def test_a_notebook_whose_input_function_is_in_a_later_cell_validates() -> None:
    report = validate_pair(NOTEBOOKS / "later_cell.ipynb", NOTEBOOKS / "later_cell_fixed.ipynb")
    assert report.verdict == "fixed", report.message
    assert not report.synthetic_inputs


@pytest.mark.tf
def test_python_2_code_that_lacks_python_2_builtins_is_run_with_them() -> None:
    path = SHAPES / "python2_lists.py"
    data = path.read_bytes()
    result = process_source(str(path), data, Settings())
    assert isinstance(result, Changed)
    report = validate_rewrite(path, result.fixed)
    assert report.verdict == "fixed", report.message
    assert any(note.startswith("run with Python 2's builtins") for note in report.notes)


@pytest.mark.tf
def test_python_2_code_that_no_builtin_answers_is_not_validated_with_the_reason() -> None:
    path = SHAPES / "python2_dict_methods.py"
    data = path.read_bytes()
    result = process_source(str(path), data, Settings())
    assert isinstance(result, Changed)
    verdict = RewriteGate(ValidationOptions()).check(str(path), data, result.fixed)
    assert verdict.verdict == "not validated"
    assert verdict.reason.startswith("Python 2 code: it fails under Python 3 with")
    assert "'dict' object has no attribute 'iteritems'" in verdict.reason
    assert verdict.report is not None and json.loads(json.dumps(verdict.report.to_json()))


@pytest.mark.parametrize(
    ("error", "answered"),
    [
        ("TypeError: object of type 'map' has no len()", True),
        ("TypeError: 'zip' object is not subscriptable", True),
        ("NameError: name 'reduce' is not defined", True),
        ("AttributeError: 'dict' object has no attribute 'iteritems'", False),
        ("TypeError: 'dict_keys' object is not subscriptable", False),
        ("NameError: name 'tf' is not defined", False),
    ],
)
def test_only_errors_python_2_builtins_answer_run_the_pair_again(
    error: str, answered: bool
) -> None:
    assert python2_builtins_answer(error) is answered


def test_python_2_builtins_return_lists_as_python_2_did() -> None:
    old = builtins_of_python2()
    assert old["map"](int, "12") == [1, 2]
    assert old["map"](None, [1, 2], "ab") == [(1, "a"), (2, "b")]
    assert old["filter"](None, [0, 1, 2]) == [1, 2]
    assert old["filter"](str.isdigit, "a1b2") == "12"
    assert old["filter"](bool, (0, 3)) == (3,)
    assert old["zip"]("ab", [1, 2]) == [("a", 1), ("b", 2)]
    assert old["range"](3) + [3] == [0, 1, 2, 3]
    assert old["reduce"](lambda a, b: a * b, [2, 3, 4]) == 24
    assert (old["cmp"](1, 2), old["cmp"](2, 2), old["cmp"](3, 2)) == (-1, 0, 1)
    assert old["unicode"] is str and old["long"] is int


def test_an_argument_that_names_a_dimension_and_defaults_to_0_gets_a_small_size() -> None:
    import subprocess
    import sys

    code = textwrap.dedent(
        """
        import argparse
        from estimator_fix.validation.worker import loading

        loading.relax_argparse()  # (in a process of its own: it changes argparse)
        parser = argparse.ArgumentParser()
        parser.add_argument("--embedding_dim", type=int, default=0)
        parser.add_argument("--num_gpus", type=int, default=0)
        parser.add_argument("--hidden_units", type=int, default=8)
        arguments = parser.parse_args([])
        given = parser.parse_args(["--embedding_dim", "0"])
        print(arguments.embedding_dim, arguments.num_gpus, arguments.hidden_units)
        print(given.embedding_dim)
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.split("\n")[:2] == ["4 0 8", "0"]  # given on the command line: kept


@pytest.mark.tf
def test_modules_the_repositorys_package_lost_are_stood_in_for() -> None:
    """The trainer imports ``reports.export`` and ``reports.proto``, files its package does not
    have here (deleted, or generated by a build and never committed), and its model_fn uses
    neither: it loads with stand-ins for them and the rewrite is proven, with a note naming them."""
    report = validate_file(FIXTURES / "repository" / "reports" / "trainer.py")
    assert report.verdict == "fixed", report.message
    assert (
        "not in the repository here, stood in for while loading (a use by the code validated "
        "fails): reports.export, reports.proto"
    ) in report.notes
