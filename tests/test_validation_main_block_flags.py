"""Flags a script defines in its main block through a function (``define_cifar_flags()`` before
``absl_app.run(main)``) are defined when validation loads the module, as a run of the script
defines them before parsing; nothing else of the main block runs."""

from __future__ import annotations

import ast
import textwrap

import pytest

from estimator_fix.validation.worker.scopes import define_flags

_SCRIPT = textwrap.dedent(
    """
    DEFINED = []

    def define_model_flags():
        DEFINED.append("resnet_size")

    def main(argv):
        DEFINED.append("trained")

    if __name__ == "__main__":
        print("starting")
        define_model_flags()
        flags_core.define_base()
        main(None)
    """
)


def test_the_main_blocks_flag_definitions_run_and_nothing_else() -> None:
    tree = ast.parse(_SCRIPT)
    namespace: dict[str, object] = {}
    body = [s for s in tree.body if not isinstance(s, ast.If)]
    exec(compile(ast.Module(body=body, type_ignores=[]), "script.py", "exec"), namespace)
    notes = define_flags(tree, "script.py", namespace)
    assert namespace["DEFINED"] == ["resnet_size"]
    # the call on a module this namespace lacks fails and is noted; main() never runs
    assert notes == [
        "flags defined as the main block does: line 12",
        "line 13 (flags) did not run: NameError: name 'flags_core' is not defined",
    ]


_JOB = textwrap.dedent(
    """
    def read_config(path):
        if path is None:
            raise TypeError("Expected binary or unicode string, got None")

    def model_fn_builder(config):
        def model_fn(features, labels, mode):
            return None
        return model_fn

    def main(_):
        config = read_config(FLAGS.config_file)
        model_fn = model_fn_builder(config=config)
    """
)


@pytest.mark.tf  # absl comes with TensorFlow
def test_a_job_statement_that_fails_on_a_flag_with_no_default_names_the_flag() -> None:
    import types

    from absl import flags

    from estimator_fix.validation.worker.scopes import ScopeError, evaluate

    values = flags.FlagValues()
    flags.DEFINE_string("config_file", None, "the model's configuration", flag_values=values)
    flags.DEFINE_string("vocab_file", "vocab.txt", "the vocabulary", flag_values=values)
    values(["job"])
    module = types.ModuleType("job")
    tree = ast.parse(_JOB)
    exec(compile(tree, "job.py", "exec"), module.__dict__)
    module.FLAGS = values  # type: ignore[attr-defined]
    with pytest.raises(ScopeError) as raised:
        evaluate(module, tree, "job.py", "model_fn", ("main",))
    assert str(raised.value) == (
        "building 'model_fn' in main(): line 12 failed: TypeError: Expected binary or unicode "
        "string, got None (it reads FLAGS.config_file, which the job leaves unset: give it as "
        "flags in [tool.estimator-fix.validate])"
    )


def test_a_method_reading_a_name_nothing_binds_is_a_scope_error() -> None:
    """A method's free names are not looked for in its class (which is no function around it):
    the build fails as a ScopeError naming the name, not as a crash of the scope reader."""
    import types

    from estimator_fix.validation.worker.scopes import ScopeError, evaluate

    tree = ast.parse(
        textwrap.dedent(
            """
            def make(size):
                return size

            class Trainer:
                def train(self):
                    model_fn = make(SIZE)
            """
        )
    )
    module = types.ModuleType("trainer")
    exec(compile(tree, "trainer.py", "exec"), module.__dict__)
    with pytest.raises(ScopeError, match="NameError: name 'SIZE' is not defined"):
        evaluate(module, tree, "trainer.py", "make(SIZE)", ("Trainer", "train"))


def test_a_parameter_default_is_not_replaced_by_a_module_global_of_its_name() -> None:
    """A builder's ``hvd=None`` stays None although the module imports a module as ``hvd``: a
    parameter with a default keeps it unless the main block binds its name (``rate`` here)."""
    import types

    from estimator_fix.validation.worker.scopes import evaluate

    source = textwrap.dedent(
        """
        hvd = object()  # ``import horovod.tensorflow as hvd``

        def model_fn_builder(rate, hvd=None):
            def model_fn(features, labels, mode):
                return rate, hvd
            return model_fn

        if __name__ == "__main__":
            rate = 0.5
        """
    )
    tree = ast.parse(source)
    module = types.ModuleType("job")
    exec(compile(tree, "job.py", "exec"), vars(module))
    built = evaluate(module, tree, "job.py", "model_fn", ["model_fn_builder"])
    assert built(None, None, "train") == (0.5, None)


def test_a_global_the_main_block_binds_reaches_a_closure_built_in_a_function_scope() -> None:
    """A closure built by ``evaluate`` reads its globals from a copy of the module's: ``FLAGS``,
    which only the main block binds, is bound there too (NVIDIA's run_squad.py reads
    ``FLAGS.verbose_logging`` in its model_fn)."""
    import types

    from estimator_fix.validation.worker.scopes import bind_main_block_globals, evaluate

    source = textwrap.dedent(
        """
        FLAGS = None

        def model_fn_builder(rate):
            def model_fn(features, labels, mode):
                return rate, FLAGS.verbose
            return model_fn

        if __name__ == "__main__":
            FLAGS = types.SimpleNamespace(verbose=True)
        """
    )
    tree = ast.parse(source)
    module = types.ModuleType("job")
    module.types = types  # type: ignore[attr-defined]
    exec(compile(tree, "job.py", "exec"), vars(module))
    built = evaluate(module, tree, "job.py", "model_fn", ["model_fn_builder"], {"rate": 1})
    notes: list[str] = []
    bind_main_block_globals(module, tree, "job.py", built, notes.append)
    assert notes == ["global FLAGS bound as the module's main block binds it"]
    assert built(None, None, "train") == (1, True)
