"""Calls of a module's builders and classes from other directories of its repository: a script
(``scripts/cifar/train.py``) running ``make_model_fn(network_fn, None)``, imported from the
package that holds the builder (``from nnet.train_simple import make_model_fn``, the package's
``__init__`` taking it from ``._model_fn``). ``targets.sibling_callers`` looks in the module's
own directory, by the module's name; here an import counts where it reaches the module's very
file, as Python would resolve it from the repository's root or the importing file's package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from estimator_fix.validation.layout import directories
from estimator_fix.validation.targets import (
    Caller,
    _called_function,
    _calls,
    _job_params,
    _source,
)


def repository_callers(
    path: Path, repository: Path | None, functions: set[str]
) -> dict[str, Caller]:
    """Per function (or class) of the module at ``path``, the first call of it in a module of
    ``repository`` outside ``path``'s directory that imports it from that module (files in
    sorted order; only those naming one of ``functions`` are read)."""
    path = path.resolve()
    if repository is None or not functions:
        return {}
    found: dict[str, Caller] = {}
    needles = [name.encode() for name in functions]
    for file in _python_files(repository.resolve()):
        if len(found) == len(functions):
            break
        if file.parent == path.parent:  # its siblings: ``targets.sibling_callers``
            continue
        try:
            source = file.read_bytes()
            if not any(needle in source for needle in needles):
                continue
            tree = ast.parse(source, filename=str(file))
        except (OSError, SyntaxError, ValueError):
            continue
        modules, names, dotted, root = _reaching(tree, file, path, repository.resolve())
        for call, scope in _calls(tree):
            function = _called_function(call, modules, names)
            if function not in functions or function in found:
                continue
            found[function] = Caller(
                function,
                str(file),
                _module_name(file),
                scope,
                tuple(_source(a) for a in call.args if not isinstance(a, ast.Starred)),
                tuple((k.arg, _source(k.value)) for k in call.keywords if k.arg),
                _job_params(tree, scope),
                dotted,
                root,
            )
    return found


def _python_files(repository: Path) -> Iterator[Path]:
    for directory, _, files in directories(repository):
        for name in sorted(files):
            if name.endswith(".py"):
                yield directory / name


def _module_name(file: Path) -> str:
    """``file``'s dotted name through the packages (directories with ``__init__.py``) above it."""
    parts = [file.stem]
    directory = file.parent
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        parts.insert(0, directory.name)
        directory = directory.parent
    return ".".join(parts)


def _reaching(
    tree: ast.Module, file: Path, target: Path, repository: Path
) -> tuple[set[str], dict[str, str], str, str]:
    """How ``tree`` (the module at ``file``) names the module at ``target``: the local names
    bound to the module itself, its functions by local name, the dotted name it imports it by
    and the directory that import starts from ("" where it does not)."""
    modules: set[str] = set()
    names: dict[str, str] = {}
    dotted = root = ""
    # where an absolute import may start: the repository's root, the importing file's
    # directory, and each directory above the target (the job runs with one of them importable)
    bases = [repository, file.parent, *_between(target.parent, repository)]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found = _resolve(node.module or "", node.level, file, bases)
            base, start = found if found else (None, "")
            before = len(names) + len(modules)
            for alias in node.names:
                local = alias.asname or alias.name
                if base == target:  # from pkg.module import fn
                    names[local] = alias.name
                    dotted = dotted or _dotted(node, file)
                elif base is not None and _child(base, alias.name) == target:
                    modules.add(local)  # from pkg import module
                    dotted = dotted or f"{_dotted(node, file)}.{alias.name}"
                elif base is not None and _reexports(base, target, alias.name):
                    names[local] = alias.name  # from pkg import fn (pkg/__init__: from .module)
                    dotted = dotted or f"{_dotted(node, file)}.{target.stem}"
            if len(names) + len(modules) > before:
                root = root or start
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found = _resolve(alias.name, 0, file, bases) if alias.asname else None
                if found is not None and found[0] == target:
                    modules.add(str(alias.asname))  # import pkg.module as m
                    dotted, root = dotted or alias.name, root or found[1]
    return modules, names, dotted.lstrip("."), root


def _between(directory: Path, top: Path) -> list[Path]:
    """``directory`` and those above it, up to ``top`` (left out)."""
    found = []
    while directory != top and top in directory.parents:
        found.append(directory)
        directory = directory.parent
    return found


def _dotted(node: ast.ImportFrom, file: Path) -> str:
    """The absolute dotted name of what ``node`` imports from (a relative import: through the
    packages above ``file``)."""
    if not node.level:
        return node.module or ""
    package = _module_name(file).split(".")[:-1]
    package = package[: len(package) - (node.level - 1)] if node.level > 1 else package
    return ".".join([*package, *([node.module] if node.module else [])])


def _resolve(module: str, level: int, file: Path, bases: list[Path]) -> tuple[Path, str] | None:
    """The file or package directory ``module`` names, imported from ``file`` (relative to its
    package for a relative import, else from the first of ``bases`` that has it), and the
    directory an absolute import starts from ("" for a relative one)."""
    if level:
        package = file.parent.parents[level - 2] if level > 1 else file.parent
        candidate = _child(package, module) if module else package.resolve()
        return (candidate, "") if candidate is not None else None
    for base in bases:
        candidate = _child(base, module)
        if candidate is not None:
            return candidate, str(base)
    return None


def _child(base: Path, dotted: str) -> Path | None:
    """The module file or package directory ``dotted`` names below ``base``, or None."""
    place = base.joinpath(*dotted.split("."))
    if place.with_suffix(".py").is_file():
        return place.with_suffix(".py").resolve()
    if place.is_dir():
        return place.resolve()
    return None


def _reexports(package: Path, target: Path, name: str) -> bool:
    """Whether the package directory ``package`` holding ``target`` takes ``name`` from it in
    its ``__init__`` (``from .module import name``, or ``*``)."""
    init = package / "__init__.py"
    if target.parent != package or not init.is_file():
        return False
    try:
        tree = ast.parse(init.read_bytes(), filename=str(init))
    except (OSError, SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.ImportFrom)
        and node.level == 1
        and node.module == target.stem
        and any(alias.name in (name, "*") for alias in node.names)
        for node in tree.body
    )
