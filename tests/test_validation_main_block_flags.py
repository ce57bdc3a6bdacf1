"""Flags a script defines in its main block through a function (``define_cifar_flags()`` before
``absl_app.run(main)``) are defined when validation loads the module, as a run of the script
defines them before parsing; nothing else of the main block runs."""

from __future__ import annotations

import ast
import textwrap

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
