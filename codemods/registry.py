"""Find the codemods by scanning this package, never from a hand-kept list.

A codemod is a ``ModelFnCodemod`` defined in the ``codemod`` module of one of this package's
subpackages (``modes/codemod.py``, ``eager/codemod.py``); the LibCST commands wrapping them are
the ``LibCSTCommand`` classes of its top-level modules, found only on request (they load
``libcst.codemod``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
from typing import Any

import codemods
from codemods.base import ModelFnCodemod


def _classes(module_name: str, base: type) -> list[Any]:
    module = importlib.import_module(module_name)
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, base) and obj is not base and obj.__module__ == module.__name__
    ]


def all_codemods() -> list[type[ModelFnCodemod]]:
    """Every ModelFnCodemod of a subpackage's ``codemod`` module, ordered by rule code."""
    found: list[type[ModelFnCodemod]] = []
    for info in pkgutil.iter_modules(codemods.__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        name = f"codemods.{info.name}.codemod"
        if importlib.util.find_spec(name) is not None:
            found.extend(_classes(name, ModelFnCodemod))
    return sorted(found, key=lambda cls: cls.RULE_CODES[:1])


def codemod_for(code: str) -> type[ModelFnCodemod]:
    """The codemod whose family includes rule ``code``."""
    for command in all_codemods():
        if code in command.RULE_CODES:
            return command
    raise KeyError(code)


def libcst_commands() -> list[Any]:
    """The LibCST commands (``codemods.command.LibCSTCommand``) of the top-level modules, in the
    order of ``all_codemods``."""
    from codemods.command import LibCSTCommand

    found: list[Any] = []
    for info in pkgutil.iter_modules(codemods.__path__):
        if not info.ispkg and not info.name.startswith("_"):
            found.extend(_classes(f"codemods.{info.name}", LibCSTCommand))
    return sorted(found, key=lambda cls: cls.RULE_CODES[:1])
