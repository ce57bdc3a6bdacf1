"""Entry point: ``python WORKER_DIR SPEC.json`` runs one worker, ``python WORKER_DIR --serve FD``
the fork server. Run this way, the package is loaded under a private name, and its directory is
taken off ``sys.path`` so its modules never shadow the user's imports."""

import importlib
import importlib.util
import os
import sys
from typing import List

_PRIVATE_NAME = "estimator_fix_validation_worker"


def _package() -> str:
    """The name this package is importable under (loaded privately when run as a directory)."""
    if __package__:
        return __package__
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    spec = importlib.util.spec_from_file_location(
        _PRIVATE_NAME, os.path.join(here, "__init__.py"), submodule_search_locations=[here]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the worker package from {here}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[_PRIVATE_NAME] = package
    spec.loader.exec_module(package)
    return _PRIVATE_NAME


def _dispatch(argv: List[str]) -> None:
    package = _package()
    if len(argv) == 3 and argv[1] == "--serve":
        importlib.import_module(package + ".server").serve(int(argv[2]))
    elif len(argv) == 2:
        importlib.import_module(package + ".program").main(argv)
    else:
        sys.exit("usage: python WORKER_DIR SPEC.json | python WORKER_DIR --serve FD")


if __name__ == "__main__":
    _dispatch(sys.argv)
