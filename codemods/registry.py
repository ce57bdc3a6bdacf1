"""Find the codemods by scanning this package, never from a hand-kept list."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import codemods
from codemods.base import ModelFnCodemod


def all_codemods() -> list[type[ModelFnCodemod]]:
    """Every ModelFnCodemod defined in a public module of this package, ordered by rule code."""
    found: list[type[ModelFnCodemod]] = []
    for info in pkgutil.iter_modules(codemods.__path__):
        if info.name.startswith("_") or info.name in {"base", "registry", "findings", "rules"}:
            continue
        module = importlib.import_module(f"codemods.{info.name}")
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(obj, ModelFnCodemod)
                and obj is not ModelFnCodemod
                and obj.__module__ == module.__name__
            ):
                found.append(obj)
    return sorted(found, key=lambda cls: cls.RULE_CODES[:1])


def codemod_for(code: str) -> type[ModelFnCodemod]:
    """The codemod whose family includes rule ``code``."""
    for command in all_codemods():
        if code in command.RULE_CODES:
            return command
    raise KeyError(code)
