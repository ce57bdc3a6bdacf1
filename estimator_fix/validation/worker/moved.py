"""Modules TensorFlow moved within 1.x, found under their old names.

Code written for TensorFlow 1.2-1.3 imports Keras from ``tensorflow.contrib.keras.python.keras``
(``from tensorflow.contrib.keras.python.keras.layers import Dense``); from 1.4 the same modules
are ``tensorflow.python.keras``, and 1.15 (the TensorFlow 1.x validation runs under) has only the
new name. Each old name is the new module itself, not a copy or a stand-in: the code runs what
its TensorFlow's successor has under that name, and a note says so.

TensorFlow 1.15 moved its modules into ``tensorflow_core`` too, with ``tensorflow`` a package
that forwards to it: ``import tensorflow.examples.tutorials.mnist.input_data as input_data``
(fine up to 1.14) imports the module as ``tensorflow.examples.tutorials...``, then binds the name
through ``tensorflow.examples``, which is ``tensorflow_core.examples``, where Python finds no
``tutorials`` ("cannot import name 'tutorials' from 'tensorflow_core.examples'"). Each submodule
imported under ``tensorflow.`` is also registered under its ``tensorflow_core.`` name, where that
binding looks (``from ... import`` never needed it). Python 3.7 compatible.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any, List

#: Old package prefix → (the deepest package on its way that the TensorFlow must really have,
#: the package that holds its modules in TensorFlow 1.15). Missing packages are made only below
#: the first: TensorFlow 2 has no ``tensorflow.contrib`` and must keep failing there as it does.
MOVED = {
    "tensorflow.contrib.keras.python.keras": ("tensorflow.contrib.keras", "tensorflow.python.keras")
}

_USED: List[str] = []


def _new_name(fullname: str) -> str | None:
    for old, (_, new) in MOVED.items():
        if fullname == old or fullname.startswith(old + "."):
            return new + fullname[len(old) :]
    return None


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: asked only for names no other finder has."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        for old, (anchor, _) in MOVED.items():  # a package on the way, below a real one
            on_the_way = old.startswith(fullname + ".") and fullname.startswith(anchor + ".")
            if on_the_way and anchor in sys.modules:
                return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        new = _new_name(fullname)
        if new is None or importlib.util.find_spec(new) is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> Any:
        new = _new_name(spec.name)
        if new is None:
            module = types.ModuleType(spec.name)
            module.__path__ = []  # (its one submodule comes from this finder)
            return module
        module = importlib.import_module(new)
        if spec.name not in _USED:
            _USED.append(spec.name)
        return module

    def exec_module(self, module: Any) -> None:
        return None


class _CoreNames(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path`` under TensorFlow 1.15: finds a ``tensorflow.`` submodule as
    the other finders do, and registers it under its ``tensorflow_core.`` name once run."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith("tensorflow."):
            return None
        core = "tensorflow_core" + fullname[len("tensorflow") :]
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module") or core in sys.modules:
            return spec
        spec.loader = _Registering(spec.loader, core)
        return spec


class _Registering(importlib.abc.Loader):
    """``loader``, registering the module it runs under the name ``core`` too."""

    def __init__(self, loader: Any, core: str) -> None:
        self.loader, self.core = loader, core

    def __getattr__(self, name: str) -> Any:  # ``get_source``, ``is_package``, ...
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        sys.modules.setdefault(self.core, module)


def install() -> None:
    if not any(isinstance(finder, _Moved) for finder in sys.meta_path):
        sys.meta_path.append(_Moved())
    on_1_15 = "tensorflow_core" in sys.modules
    if on_1_15 and not any(isinstance(f, _CoreNames) for f in sys.meta_path):
        sys.meta_path.insert(0, _CoreNames())


def notes() -> List[str]:
    """A note naming the old modules the code imported, or nothing."""
    if not _USED:
        return []
    old = sorted({next(o for o in MOVED if name.startswith(o)) for name in _USED})
    return [
        f"{name} (TensorFlow 1.2-1.3) imported as {MOVED[name][1]}, where TensorFlow moved it"
        for name in old
    ]
