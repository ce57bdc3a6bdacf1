"""Functions a module imports by name from its own repository (``from model.layers import
build_model``), read so that inference can follow ``features`` and ``params`` into them as it
does into the module's own helpers."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

from estimator_fix.validation.inference.syntax import Function, class_views

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
    found = []
    for base in bases:
        target = base.joinpath(*parts) if parts else base
        found += [target.with_suffix(".py") if parts else target / "__init__.py"]
        found.append(target / "__init__.py")
    return found


def _read(path: Path) -> ast.Module | None:
    try:
        if not path.is_file() or path.stat().st_size > _MAX_BYTES:
            return None
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def imported_functions(tree: ast.Module, path: Path, roots: Sequence[Path]) -> dict[str, Function]:
    """The module-level functions ``tree`` (the module at ``path``) imports by name from modules
    of its repository found under ``roots``, by the name the module gives them; a class stands
    as its ``__init__`` read with its methods (``syntax.class_views``)."""
    found: dict[str, Function] = {}
    parsed: dict[Path, ast.Module | None] = {}
    for node in tree.body:
        if not isinstance(node, ast.ImportFrom):
            continue
        for candidate in _candidates(node, path.parent, roots):
            if candidate not in parsed:
                parsed[candidate] = _read(candidate)
            other = parsed[candidate]
            if other is None:
                continue
            functions = {
                **class_views(other.body),
                **{
                    n.name: n
                    for n in other.body
                    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                },
            }
            for alias in node.names:
                if alias.name in functions:
                    found.setdefault(alias.asname or alias.name, functions[alias.name])
            break
    return found
