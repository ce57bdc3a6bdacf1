"""Functions a module imports from its own repository, by name (``from model.layers import
build_model``) or through the module (``import modeling``, then ``modeling.BertModel(...)``),
read so that inference can follow ``features`` and ``params`` into them as it does into the
module's own helpers."""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Dict

from estimator_fix.validation.inference.syntax import (
    INSTANCE_CALL,
    Function,
    class_views,
    instance_calls,
)

_INIT = "__init__.py"
#: Modules larger than this are not read (a generated or vendored file, not a model's helper).
_MAX_BYTES = 1 << 20


def _candidates(node: ast.ImportFrom, here: Path, roots: Sequence[Path]) -> list[Path]:
    """Where the module ``node`` imports from may be: relative to ``here`` for ``from .m``,
    else under each of ``roots`` (the directories the module imports from)."""
    parts = (node.module or "").split(".") if node.module else []
    if node.level:
        base = here
        for _ in range(node.level - 1):
            base = base.parent
        bases = [base]
    else:
        bases = list(roots)
    return _module_file(parts, bases) if parts else [base / _INIT for base in bases]


def _read(path: Path) -> ast.Module | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


class Imported(Dict[str, Function]):
    """The functions a module imports, by the names it calls them by, with each one's scope:
    the definitions of the module it was read from, by the names its own body calls them by
    (``unet`` imported, whose body calls its module's ``conv_pool``)."""

    def __init__(self) -> None:
        super().__init__()
        self._scopes: dict[int, Mapping[str, Function]] = {}

    def add(self, name: str, function: Function, scope: Mapping[str, Function]) -> None:
        if name not in self:
            self[name] = function
            self._scopes[id(function)] = scope

    def scope(self, function: Function) -> Mapping[str, Function]:
        """The names ``function`` (one of these) calls its module's definitions by; empty for
        any other function."""
        return self._scopes.get(id(function), {})


def scope_of(imported: Mapping[str, Function] | None, function: Function) -> Mapping[str, Function]:
    """``Imported.scope`` where ``imported`` has scopes, else nothing."""
    return imported.scope(function) if isinstance(imported, Imported) else {}


def _definitions(other: ast.Module) -> dict[str, Function]:
    """The module-level functions of ``other``, a class standing as its ``__init__`` read with
    its methods (``syntax.class_views``) and its instances' call as ``Class.__call__``
    (``syntax.instance_calls``)."""
    return {
        **class_views(other.body),
        **instance_calls(other.body),
        **{n.name: n for n in other.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))},
    }


def _module_file(parts: Sequence[str], bases: Sequence[Path]) -> list[Path]:
    """Where the module ``parts`` (``a.b``) may be under each of ``bases``."""
    found = []
    for base in bases:
        target = base.joinpath(*parts)
        found += [target.with_suffix(".py"), target / _INIT]
    return found


class _Modules:
    """The repository's modules read so far, each parsed once."""

    def __init__(self) -> None:
        self.parsed: dict[Path, ast.Module | None] = {}

    def first(self, candidates: Sequence[Path]) -> ast.Module | None:
        """The first of ``candidates`` that is a module that parses, or None."""
        for candidate in candidates:
            if candidate not in self.parsed:
                self.parsed[candidate] = _read(candidate)
            found = self.parsed[candidate]
            if found is not None:
                return found
        return None


def _through(module: str, other: ast.Module | None, found: Imported) -> None:
    """The definitions of ``other`` into ``found`` as attributes of ``module`` (its name here)."""
    definitions = _definitions(other) if other is not None else {}
    for name, function in definitions.items():
        found.add(f"{module}.{name}", function, definitions)


def imported_functions(tree: ast.Module, path: Path, roots: Sequence[Path]) -> Imported:
    """The module-level functions ``tree`` (the module at ``path``) takes from modules of its
    repository found under ``roots``: by the name it imports them as, and as attributes of a
    module it imports (``import modeling`` or ``from pkg import modeling``: ``modeling.BertModel``
    by that dotted name); a class stands as its ``__init__`` read with its methods, and what
    calling an instance runs as ``Class.__call__``; each with its module's definitions as its
    scope (``Imported``)."""
    found = Imported()
    modules = _Modules()
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                other = modules.first(_module_file(alias.name.split("."), [path.parent, *roots]))
                _through(alias.asname or alias.name, other, found)
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        candidates = _candidates(node, path.parent, roots)
        other = modules.first(candidates)
        functions = _definitions(other) if other is not None else {}
        # ``from pkg import modeling``: a module of the package, where no definition is so named
        bases = sorted({c.parent if c.name == _INIT else c.with_suffix("") for c in candidates})
        for alias in node.names:
            named = alias.asname or alias.name
            called = INSTANCE_CALL.format(alias.name)
            if alias.name in functions or called in functions:
                if alias.name in functions:
                    found.add(named, functions[alias.name], functions)
                if called in functions:  # ``from model import Net``, then ``Net(...)(x)``
                    found.add(INSTANCE_CALL.format(named), functions[called], functions)
            else:
                module = modules.first(_module_file([alias.name], bases))
                _through(alias.asname or alias.name, module, found)
    return found
