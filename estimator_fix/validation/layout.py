"""Where the validated module is imported from, as its repository would import it.

``plan`` names the module through the enclosing packages (directories with ``__init__.py``) and
makes its directory, the top package's parent and the repository root importable. Two shapes of
real repositories need more: a module with relative imports in a directory without
``__init__.py`` (a namespace package), which must be imported as ``package.module`` all the same;
and a module that imports a sibling of the repository by its bare name (``import utils``) that
lives in another directory of the repository, whose directory must be importable too.
"""

from __future__ import annotations

import ast
import importlib.util
import keyword
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from estimator_fix.validation.worker.default_graph import module_level

#: Directories never searched for the repository's modules.
_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "build", "dist"})
#: A repository larger than this many directories is searched no further (deterministically:
#: directories are walked in sorted order).
_MAX_DIRS = 20000


def import_layout(
    path: Path, tree: ast.Module, module_name: str, roots: tuple[str, ...], repository: Path | None
) -> tuple[str, tuple[str, ...]]:
    """``module_name`` and ``roots`` (from ``plan``) completed for ``path``'s relative imports and
    for the modules it imports that only another directory of ``repository`` holds."""
    name, roots = _as_package(path.resolve(), tree, module_name, roots)
    if repository is None:
        return name, roots
    return name, roots + _module_directories(path.resolve(), tree, roots, repository)


def package_aliases(
    tree: ast.Module, roots: tuple[str, ...], repository: Path | None
) -> dict[str, str]:
    """The repository itself under the name of the package its code imports it by, where the
    checkout's directory is named otherwise (``from book2vecs.scripts.hparams import hparams``
    in a clone named ``book2vec``): a dotted absolute import whose top-level name nothing here
    gives (``roots``, the installed packages) while the rest of its path lies at the
    repository's root. Maps that name to the root."""
    if repository is None:
        return {}
    aliases: dict[str, str] = {}
    for dotted in _dotted_imports(tree):
        top, below = dotted[0], dotted[1]
        if top in aliases or any(_importable_from(top, Path(root)) for root in roots):
            continue
        if _installed(top) or not _importable_from(below, repository):
            continue
        aliases[top] = os.fspath(repository)
    return aliases


def _dotted_imports(tree: ast.Module) -> list[list[str]]:
    """The module paths of the absolute imports that name a submodule (``a.b``), in order."""
    paths: list[list[str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            paths += [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            paths.append(node.module.split("."))
    return [path for path in paths if len(path) > 1 and all(map(_identifier, path))]


def _relative_depth(tree: ast.Module) -> int:
    """How many packages up the module's relative imports reach (0: none)."""
    levels = [node.level for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    return max([level or 0 for level in levels], default=0)


def _identifier(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name)


def _as_package(
    path: Path, tree: ast.Module, module_name: str, roots: tuple[str, ...]
) -> tuple[str, tuple[str, ...]]:
    """A module whose relative imports reach above the packages ``module_name`` names, named
    through its directories as namespace packages (then through any regular packages above)."""
    depth = _relative_depth(tree)
    if depth == 0 or module_name.count(".") >= depth:
        return module_name, roots
    parts = [path.stem]
    directory = path.parent
    while len(parts) <= depth or (directory / "__init__.py").is_file():
        if not _identifier(directory.name) or directory.parent == directory:
            return module_name, roots  # not importable as a package: left as it was
        parts.insert(0, directory.name)
        directory = directory.parent
    top = os.fspath(directory)
    return ".".join(parts), (roots[0], top, *[r for r in roots[1:] if r != top])


def _imported_names(tree: ast.Module) -> list[str]:
    """The top-level names of the module's absolute imports, in order, once each."""
    names: dict[str, None] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update((alias.name.split(".")[0], None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names[node.module.split(".")[0]] = None
    return list(names)


def _optional_imports(tree: ast.Module) -> set[int]:
    """The imports in the body of a ``try`` that catches their failure (``except ImportError``,
    or broader): the code runs without what they take."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            found.update(
                id(inner)
                for statement in node.body
                for inner in ast.walk(statement)
                if isinstance(inner, (ast.Import, ast.ImportFrom))
            )
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return caught is None or any(
        isinstance(n, ast.Name)
        and n.id in ("ImportError", "ModuleNotFoundError", "Exception", "BaseException")
        for n in names
    )


def _asked_of(tree: ast.Module) -> dict[str, set[str]]:
    """Per top-level module name, what the module's absolute imports need it to hold: the names
    ``from name import a, b`` takes from it, the submodules ``name.sub`` names (not where the
    import may fail: ``_optional_imports``)."""
    asked: dict[str, set[str]] = {}
    optional = _optional_imports(tree)
    for node in ast.walk(tree):
        if id(node) in optional:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                asked.setdefault(top, set()).update([rest.split(".")[0]] if rest else [])
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            top, _, rest = node.module.partition(".")
            names = {a.name for a in node.names if a.name != "*"}
            asked.setdefault(top, set()).update([rest.split(".")[0]] if rest else names)
    return asked


def _bound(node: ast.stmt) -> set[str]:
    """The module-level names one statement binds (``*`` for a star import)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {alias.asname or alias.name.split(".")[0] for alias in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With)):
        stored = (n for n in ast.walk(node) if isinstance(n, ast.Name))
        return {n.id for n in stored if isinstance(n.ctx, ast.Store)}
    return set()


def _imports_itself(node: ast.stmt, name: str) -> bool:
    """An absolute import of a module called ``name`` (or below it)."""
    if isinstance(node, ast.ImportFrom):
        return not node.level and (node.module or "").split(".")[0] == name
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == name for alias in node.names)
    return False


def _holds(source: Path, name: str, asked: set[str], package: Path | None) -> bool:
    """Whether the module ``name`` in file ``source`` (a package's ``__init__.py`` when
    ``package``) is the one the importing code means: it binds each name asked of it (or a
    package holds it as a submodule), and a plain module does not itself import a module of its
    own name (a wrapper of the library it shares the name with: ``utils/dllogger.py`` doing
    ``from dllogger import Backend``). Unreadable code, a star import or a module
    ``__getattr__`` is given the benefit of the doubt."""
    try:
        tree = ast.parse(source.read_bytes(), os.fspath(source))
    except (OSError, SyntaxError, ValueError):
        return True
    bound: set[str] = set()
    for node in module_level(tree.body):
        if package is None and _imports_itself(node, name):
            return False
        bound |= _bound(node)
    if "*" in bound or "__getattr__" in bound:
        return True
    missing = asked - bound
    if package is not None:
        missing = {n for n in missing if not _importable_from(n, package)}
    return not missing


def _package_holds(directory: Path, name: str, asked: set[str]) -> bool:
    """Whether ``directory`` is the package ``name`` the importing code means: a regular package
    (``__init__.py``) that holds what is asked of it, or a namespace package (a directory
    without one, as Python 3 imports it) whose submodules are all that is asked, and something."""
    if (directory / "__init__.py").is_file():
        return _holds(directory / "__init__.py", name, asked, directory)
    return bool(asked) and all(_importable_from(n, directory) for n in asked)


def _importable_from(name: str, directory: Path) -> bool:
    return (directory / f"{name}.py").is_file() or (directory / name).is_dir()


def _installed(name: str) -> bool:
    if name in getattr(sys, "stdlib_module_names", ()) or name in sys.builtin_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def directories(repository: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    """The repository's directories in sorted order, hidden and build directories left out."""
    for count, (directory, subdirectories, files) in enumerate(os.walk(repository)):
        subdirectories[:] = sorted(
            d for d in subdirectories if not d.startswith(".") and d not in _SKIPPED_DIRS
        )
        if count >= _MAX_DIRS:
            return
        yield Path(directory), subdirectories, files


def _module_directories(
    path: Path, tree: ast.Module, roots: tuple[str, ...], repository: Path
) -> tuple[str, ...]:
    """Directories of ``repository`` that hold the modules ``tree`` imports by a bare name that
    neither ``roots`` nor the installed packages give: fewest directories first, each the one
    holding most of those modules, then the nearest to ``path``, then by name."""
    wanted = [
        name
        for name in _imported_names(tree)
        if not any(_importable_from(name, Path(root)) for root in roots) and not _installed(name)
    ]
    if not wanted:
        return ()
    asked = _asked_of(tree)
    holders: dict[Path, set[str]] = {}
    for directory, subdirectories, files in directories(repository):
        found = {
            n
            for n in wanted
            if f"{n}.py" in files and _holds(directory / f"{n}.py", n, asked.get(n, set()), None)
        }
        found |= {
            n
            for n in wanted
            if n in subdirectories and _package_holds(directory / n, n, asked.get(n, set()))
        }
        if found:
            holders[directory] = found
    chosen: list[str] = []
    left = set(wanted)
    while left and holders:
        best = min(
            holders,
            key=lambda d: (-len(holders[d] & left), _distance(path.parent, d), os.fspath(d)),
        )
        if not holders[best] & left:
            break
        chosen.append(os.fspath(best))
        left -= holders.pop(best)
    return tuple(chosen)


def _distance(start: Path, other: Path) -> int:
    """Steps from directory ``start`` to ``other`` through their common ancestor."""
    common = len(os.path.commonpath([start, other]).split(os.sep))
    return len(start.parts) + len(other.parts) - 2 * common
