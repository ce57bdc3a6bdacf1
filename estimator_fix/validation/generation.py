"""Which TensorFlow generation a module needs, found statically (``ast``, no TensorFlow).

A module needs TensorFlow 1.x when it uses a name that TensorFlow 2 does not have: ``tf.contrib``,
``tf.logging``, ``tf.app``, ``tf.Session``, ``tf.train.AdamOptimizer``, ``tensorflow.contrib``
imports... The names come from ``tf1_only_api.txt`` (read off TensorFlow 1.15.5 and 2.15). Code
written against ``tensorflow.compat.v1`` runs under both and needs nothing. The modules it imports
are not read: a TF 1.x use there (often in a branch never taken on CPU) shows at run time, and the
validation then runs again under the other generation (``api._other_generation``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_TABLE = Path(__file__).with_name("tf1_only_api.txt")


@functools.lru_cache(maxsize=1)
def tf1_only_names() -> frozenset[str]:
    """Dotted names under ``tensorflow.`` (``contrib``, ``train.AdamOptimizer``) only TF 1.x has."""
    lines = _TABLE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class Tf1Use:
    """The first use of TensorFlow 1.x-only API found: what, and where."""

    name: str
    path: Path
    line: int

    def describe(self, origin: Path) -> str:
        where = f"line {self.line}" if self.path == origin else f"{self.path.name} line {self.line}"
        return f"{self.name} ({where})"


def _tf1_only(dotted: str) -> str | None:
    """The name of the table that makes ``tensorflow.<dotted>`` exist only in TensorFlow 1.x."""
    names = tf1_only_names()
    parts = dotted.split(".")
    for name in (parts[0], ".".join(parts[:2])):
        if name in names:
            return name
    return None


def _from_tensorflow(node: ast.ImportFrom) -> bool:
    module = node.module or ""
    return not node.level and (module == "tensorflow" or module.startswith("tensorflow."))


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Names bound to ``tensorflow`` or one of its modules: ``tf`` → ``""``, ``gfile`` → ``gfile``
    (the path under ``tensorflow``); names bound to ``tensorflow.compat.v1`` are left out."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "tensorflow" or alias.name.startswith("tensorflow."):
                    under = alias.name.partition(".")[2]
                    if alias.asname:
                        aliases[alias.asname] = under
                    else:
                        aliases["tensorflow"] = ""
        elif isinstance(node, ast.ImportFrom) and _from_tensorflow(node):
            under = str(node.module).partition(".")[2]
            for alias in node.names:
                name = f"{under}.{alias.name}" if under else alias.name
                aliases[alias.asname or alias.name] = name
    if "tf" not in aliases and _star_imported(tree) and not _binds(tree, "tf"):
        aliases["tf"] = ""  # ``from common import *`` hands the module its ``tf``, by convention
    return {name: under for name, under in aliases.items() if not under.startswith("compat")}


def _star_imported(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names)
        for node in tree.body
    )


def _binds(tree: ast.Module, name: str) -> bool:
    """Whether the module binds ``name`` anywhere (an import, an assignment, a definition, a
    parameter)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            bound = node.id == name and isinstance(node.ctx, ast.Store)
        elif isinstance(node, ast.arg):
            bound = node.arg == name
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound = any((a.asname or a.name.partition(".")[0]) == name for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound = node.name == name
        else:
            bound = False
        if bound:
            return True
    return False


def _chain(node: ast.Attribute) -> tuple[str, list[str]] | None:
    """``tf.train.AdamOptimizer`` → (``tf``, [``train``, ``AdamOptimizer``])."""
    attrs: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        attrs.insert(0, current.attr)
        current = current.value
    return (current.id, attrs) if isinstance(current, ast.Name) else None


def _imports(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Every ``tensorflow...`` module or name imported, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno


def first_tf1_use(tree: ast.Module, path: Path) -> Tf1Use | None:
    """The first use (in source order) of a name only TensorFlow 1.x has, or None."""
    found: list[Tf1Use] = []
    for name, line in _imports(tree):
        head, _, under = name.partition(".")
        only = _tf1_only(under) if head == "tensorflow" and not under.startswith("compat") else None
        if only:
            found.append(Tf1Use(f"tensorflow.{only}", path, line))
    aliases = _aliases(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain = _chain(node)
        if chain is None or chain[0] not in aliases:
            continue
        base = aliases[chain[0]]
        dotted = ".".join([base, *chain[1]] if base else chain[1])
        only = None if dotted.startswith("compat") else _tf1_only(dotted)
        if only:
            found.append(Tf1Use(f"tf.{only}", path, node.lineno))
    return min(found, key=lambda use: (use.line, len(use.name)), default=None)
