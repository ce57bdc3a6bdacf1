"""Functions a module imports from its own repository, by name (``from model.layers import
build_model``) or through the module (``import modeling``, then ``modeling.BertModel(...)``),
read so that inference can follow ``features`` and ``params`` into them as it does into the
module's own helpers."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

from estimator_fix.validation.inference.syntax import Function, class_views

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


def _definitions(other: ast.Module) -> dict[str, Function]:
    """The module-level functions of ``other``, a class standing as its ``__init__`` read with
    its methods (``syntax.class_views``)."""
    return {
        **class_views(other.body),
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


def _through(module: str, other: ast.Module | None, found: dict[str, Function]) -> None:
    """The definitions of ``other`` into ``found`` as attributes of ``module`` (its name here)."""
    for name, function in (_definitions(other) if other is not None else {}).items():
        found.setdefault(f"{module}.{name}", function)


def imported_functions(tree: ast.Module, path: Path, roots: Sequence[Path]) -> dict[str, Function]:
    """The module-level functions ``tree`` (the module at ``path``) takes from modules of its
    repository found under ``roots``: by the name it imports them as, and as attributes of a
    module it imports (``import modeling`` or ``from pkg import modeling``: ``modeling.BertModel``
    by that dotted name); a class stands as its ``__init__`` read with its methods."""
    found: dict[str, Function] = {}
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
            if alias.name in functions:
                found.setdefault(alias.asname or alias.name, functions[alias.name])
            else:
                module = modules.first(_module_file([alias.name], bases))
                _through(alias.asname or alias.name, module, found)
    return found
