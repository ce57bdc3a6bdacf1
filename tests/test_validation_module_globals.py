"""A module's work at import. Globals it binds so (``with open(data) as f: COUNT, ... =
pickle.load(f)``), which the worker does not run or which fails on a file not in the tree: each
one the module's functions read is guessed from that read and bound where the module left it
unbound (``inference.module_globals``, ``scopes.bind_guessed_globals``). A loop that only builds
values from what is there (feature columns appended to a list) runs as a definition does."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from estimator_fix.validation import validate_file, validate_pair
from estimator_fix.validation.inference.module_globals import module_globals
from estimator_fix.validation.worker.inferred import VALUE, AttributeParams
from estimator_fix.validation.worker.scopes import (
    DECIDED_BY_STAND_INS,
    FAILED_DEFINITIONS,
    bind_guessed_globals,
    defining,
    run_definitions,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / "validation" / "shapes" / "globals_from_data.py"


def _guesses(source: str) -> dict[str, dict[str, object]]:
    return module_globals(ast.parse(textwrap.dedent(source)))


def test_globals_bound_in_blocks_are_guessed_from_the_functions_reads() -> None:
    guesses = _guesses(
        """
        import pickle
        import tensorflow as tf

        with open("data/vocabulary.pkl", "rb") as handle:
            USER_COUNT, ITEM_COUNT, _ = pickle.load(handle)
        try:
            CONFIG = load_config()
        except IOError:
            CONFIG = None

        def model_fn(features, labels, mode):
            users = tf.feature_column.categorical_column_with_identity("u", USER_COUNT)
            ids = tf.feature_column.categorical_column_with_identity("i", num_buckets=ITEM_COUNT)
            return CONFIG["learning_rate"], CONFIG["hidden_units"]
        """
    )
    assert guesses["ITEM_COUNT"] == {VALUE: 4}  # num_buckets=: a count
    assert guesses["USER_COUNT"] == {VALUE: 4}  # its name: a count
    assert guesses["CONFIG"] == {"hidden_units": [4, 4], "learning_rate": 0.01}  # read by key
    assert not {"handle", "_", "pickle", "tf", "model_fn"} & set(guesses)  # never read, or defined


def test_names_the_worker_binds_otherwise_or_no_read_tells_of_are_left_out() -> None:
    guesses = _guesses(
        """
        MAKE = make_factory()
        SEEN = 3
        __version__ = read_version()

        def model_fn(features, labels, mode):
            return MAKE(features), SEEN, __version__, FLAGS.size

        def SEEN():
            pass

        if __name__ == "__main__":
            FLAGS = parse()
        """
    )
    # MAKE is called (a factory: no guess); SEEN is also a definition; dunders are the
    # interpreter's; FLAGS is the main block's (bound as it binds it)
    assert guesses == {}


def test_a_local_of_the_same_name_is_no_read_of_the_global() -> None:
    guesses = _guesses(
        """
        PATH, SIZE = download()

        def download():
            PATH = fetch("https://example.com/data.csv")
            return PATH, len(PATH)

        def model_fn(features, labels, mode, SIZE=None):
            return dense(features, units=SIZE)

        class Model:
            def build(self, features):
                global SIZE
                return dense(features, units=SIZE)
        """
    )
    # PATH: only download's local of that name is read; SIZE: model_fn's parameter of that
    # name is not the global, the method's global statement makes it one
    assert guesses == {"SIZE": {VALUE: 4}}


@pytest.mark.parametrize(
    ("loop", "defines"),
    [
        ("for name in NAMES:\n    columns.append(numeric_column(name))", True),
        ("for i, name in enumerate(sorted(NAMES)):\n    sizes[name] = i", True),
        ("for key, value in table.items():\n    columns.append(value)", True),
        ("for line in open('data.csv'):\n    rows.append(line)", False),
        ("for name in NAMES:\n    estimator.train(input_fn(name))", False),
        ("for batch in make_batches():\n    rows.append(batch)", False),
    ],
)
def test_a_loop_that_builds_values_from_what_is_there_is_a_definition(
    loop: str, defines: bool
) -> None:
    assert defining(ast.parse(loop).body[0]) is defines


def test_the_worker_binds_only_what_the_module_left_unbound() -> None:
    namespace: dict[str, object] = {
        "SEEN": 1,
        FAILED_DEFINITIONS: {"COUNT": "line 3 did not run: FileNotFoundError: data"},
    }
    guesses = {
        "COUNT": {VALUE: 4},
        "SEEN": {VALUE: 4},
        "OPTIONS": {"depth": 2},
        "COLUMNS": {VALUE: {"\x00feature_columns": 2}},  # made by the program: left out
    }
    notes = bind_guessed_globals(namespace, guesses)
    assert namespace["COUNT"] == 4 and namespace["SEEN"] == 1
    assert isinstance(namespace["OPTIONS"], AttributeParams) and namespace["OPTIONS"].depth == 2
    assert "COLUMNS" not in namespace
    assert namespace[FAILED_DEFINITIONS] == {}
    assert notes == [
        "module global COUNT guessed as 4 from the code that uses it",
        "module global OPTIONS inferred from the code that reads it (depth=2)",
    ]


def test_globals_a_missing_packages_value_decides_are_not_guessed() -> None:
    """``if LOG.backend == "tf": SCALE = 1.0``, LOG a stand-in's: the block fails, SCALE stays
    unbound (the run must not prove anything on a guess of what the package decides)."""
    from estimator_fix.validation.worker.standins import StandInUsed

    class Backend:
        @property
        def backend(self) -> str:
            raise StandInUsed("the code validated uses LOG.backend")

    tree = ast.parse("if LOG.backend == 'tf':\n    SCALE = 1.0\nelse:\n    SCALE = 2.0\n")
    namespace: dict[str, object] = {"LOG": Backend()}
    notes = run_definitions(tree, "job.py", namespace)
    assert "SCALE" in namespace[FAILED_DEFINITIONS]  # type: ignore[operator]
    assert namespace[DECIDED_BY_STAND_INS] == {"SCALE"}
    assert notes and notes[0].startswith("line 1 did not run: StandInUsed")
    assert bind_guessed_globals(namespace, {"SCALE": {VALUE: 0.01}}) == []
    assert "SCALE" not in namespace


@pytest.mark.tf
def test_a_model_fn_sized_by_globals_from_a_missing_file_is_validated(tmp_path: Path) -> None:
    from estimator_fix.engine import Changed, Settings, process_source

    report = validate_file(FIXTURE)
    assert report.verdict == "fixed", report.message
    assert "module global USER_COUNT guessed as 4 from the code that uses it" in report.notes
    result = process_source(str(FIXTURE), FIXTURE.read_bytes(), Settings())
    assert isinstance(result, Changed) and b"AdagradOptimizer(0.5)" in result.fixed
    wrong = tmp_path / "rewritten.py"
    wrong.write_bytes(result.fixed.replace(b"AdagradOptimizer(0.5)", b"AdagradOptimizer(1.0)"))
    assert validate_pair(FIXTURE, wrong).verdict == "mismatch"
