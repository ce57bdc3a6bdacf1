"""What validation runs of a script's main block to build the model_fn it names: the statements
that bind what the expression needs, and what those read from the module, never the training
the block goes on to do."""

from __future__ import annotations

import ast
import textwrap
import types

from estimator_fix.validation.worker.scopes import _loaded, evaluate

_SCRIPT = textwrap.dedent(
    """
    CALLS = []

    class Trainer:
        def __init__(self):
            CALLS.append("built")

        def model_fn(self, features, labels, mode):
            epochs = 3  # a local of the method, not the main block's loop bound
            classifier = None
            return epochs, classifier

        def fit(self, input_fn):
            CALLS.append("trained")

    if __name__ == "__main__":
        trainer = Trainer()
        classifier = Trainer()
        epochs = 10000
        for ep in range(epochs):
            classifier.fit(input_fn=lambda: None)
    """
)


def test_building_a_main_block_object_runs_none_of_the_training_after_it() -> None:
    tree = ast.parse(_SCRIPT)
    module = types.ModuleType("script")
    body = [s for s in tree.body if not isinstance(s, ast.If)]
    exec(compile(ast.Module(body=body, type_ignores=[]), "script.py", "exec"), vars(module))
    model_fn = evaluate(module, tree, "script.py", "trainer.model_fn", ())
    assert model_fn.__name__ == "model_fn"
    assert module.CALLS == ["built"]  # the trainer, once; not the loop's classifier.fit


def test_a_function_reads_what_its_body_does_not_bind() -> None:
    tree = ast.parse(
        "def f(x, scale=DEFAULT):\n"
        "    epochs = 3\n"
        "    def g():\n"
        "        return epochs + OUTER\n"
        "    return [x * SCALE for _ in range(epochs)], g\n"
    )
    assert _loaded(tree.body[0]) == {"DEFAULT", "SCALE", "OUTER", "range"}
