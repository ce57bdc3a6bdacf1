"""The defaults of the command-line flags a repository declares (absl / ``tf.app.flags``
``DEFINE_*``, argparse ``add_argument`` and ``set_defaults``), read without running anything.

A params key named as such a flag (``params["resnet_size"]``, ``args.task_num`` of the parsed
arguments handed in as params) holds that flag's value when the job runs with its defaults, which
says more of the value than its name or a blind guess does: ``resnet_size`` is 50, not 4.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.guesses import ParamGuess
from estimator_fix.validation.worker.devices import counts_gpus
from estimator_fix.validation.worker.dimensions import unset_dimension

#: Files read at most, and the largest read: flags sit in small scripts near the model.
_MOST_FILES = 200
_LARGEST = 512_000
#: Words that say a file may declare flags (read only such files).
_MARKERS = (b"DEFINE_", b"add_argument", b"set_defaults")
#: Keys left to the guess: the synthetic inputs' own batch size must agree with them.
_KEPT = ("batch_size",)
#: The largest number taken: a flag's default sized for a real job (a vocabulary, a dataset)
#: would make the synthetic build slow for nothing.
_LARGEST_NUMBER = 100_000


@dataclass(frozen=True)
class FlagDefault:
    """A flag's default value and where it is declared (``train.py:42``)."""

    value: object
    origin: str


def _literal(node: ast.AST | None) -> tuple[bool, object]:
    if node is None:
        return False, None
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _define(call: ast.Call) -> tuple[str, object] | None:
    """``flags.DEFINE_integer("name", 50, "...")`` → ("name", 50); lists given as a string
    (``DEFINE_list("sizes", "64,32", ...)``) are split as absl splits them."""
    kind = sx.call_name(call)[len("DEFINE_") :]
    name = sx.string(sx.argument(call, 0, "name"))
    known, value = _literal(sx.argument(call, 1, "default"))
    if name is None or not known:
        return None
    if kind in ("list", "spaceseplist") and isinstance(value, str):
        value = value.split(",") if kind == "list" else value.split()
    return name, value


def _argument(call: ast.Call) -> tuple[str, object] | None:
    """``parser.add_argument("--task_num", type=int, default=2)`` → ("task_num", 2)."""
    dest = sx.string(next((k.value for k in call.keywords if k.arg == "dest"), None))
    if dest is None:
        options = [sx.string(a) for a in call.args]
        longs = [o for o in options if o is not None and o.startswith("--")]
        if not longs:
            return None
        dest = longs[0][2:].replace("-", "_")
    default = next((k.value for k in call.keywords if k.arg == "default"), None)
    known, value = _literal(default)
    return (dest, value) if known else None


def _declared(tree: ast.Module) -> dict[str, tuple[object, int]]:
    """Per flag the module declares, its default and line (``set_defaults`` winning)."""
    found: dict[str, tuple[object, int]] = {}
    overrides: dict[str, tuple[object, int]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = sx.call_name(node)
        if name.startswith("DEFINE_"):
            declared = _define(node)
        elif name == "add_argument":
            declared = _argument(node)
        elif name == "set_defaults":
            for keyword in node.keywords:
                known, value = _literal(keyword.value)
                if keyword.arg and known:
                    overrides[keyword.arg] = (value, node.lineno)
            continue
        else:
            continue
        if declared is not None:
            found.setdefault(declared[0], (declared[1], node.lineno))
    return {**found, **overrides}


@lru_cache(maxsize=512)
def _declared_in(path: str, stamp: float) -> dict[str, tuple[object, int]]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return {}
    if len(data) > _LARGEST or not any(marker in data for marker in _MARKERS):
        return {}
    try:
        return _declared(ast.parse(data, filename=path))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}


def _candidates(path: Path, roots: Iterable[str]) -> list[Path]:
    """The validated file, then those Python files of its directory, of the one above it and of
    the import roots (none of them walked deeper) that import it or that it imports: its job
    and the modules declaring flags for it, not another script that happens to sit there."""
    ordered = [path]
    for directory in (path.parent, path.parent.parent, *(Path(r) for r in roots)):
        try:
            ordered += sorted(p for p in directory.glob("*.py") if p.is_file())
        except OSError:
            continue
    seen: set[Path] = set()
    unique = []
    for candidate in ordered:
        resolved = candidate.resolve()
        if resolved not in seen:
            seen.add(resolved)
            unique.append(resolved)
    unique = unique[:_MOST_FILES]
    imported = _imported_names(path)
    return [path.resolve()] + [
        c for c in unique[1:] if c.stem in imported or path.stem in _imported_names(c)
    ]


@lru_cache(maxsize=1024)
def _imports_in(path: str, stamp: float) -> frozenset[str]:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return frozenset()
    names: set[str] = set()
    for match in _IMPORT.finditer(text):
        parts = " ".join(group for group in match.groups() if group)
        names.update(re.split(r"[\s.,()]+", parts))
    return frozenset(n for n in names if n.isidentifier())


def _imported_names(path: Path) -> frozenset[str]:
    """Every name in the file's import statements (modules, packages and the names imported
    from them): enough to tell whether it imports a module of a given stem."""
    try:
        return _imports_in(os.fspath(path), os.stat(path).st_mtime)
    except OSError:
        return frozenset()


#: ``import a.b, c`` / ``from .a.b import (c, d)``: the module part and the names.
_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+([^\n#]+)|import[ \t]+([^\n#]+))", re.M
)


def flag_defaults(path: Path, roots: Iterable[str] = ()) -> dict[str, FlagDefault]:
    """The flags declared near ``path`` (see ``_candidates``) with a literal, not-None default;
    where two files declare one, the nearer wins."""
    found: dict[str, FlagDefault] = {}
    for candidate in _candidates(path, roots):
        try:
            stamp = os.stat(candidate).st_mtime
        except OSError:
            continue
        for name, (value, line) in _declared_in(os.fspath(candidate), stamp).items():
            if value is not None and name not in found:
                found[name] = FlagDefault(value, f"{candidate.name}:{line}")
    return found


def _usable(value: object) -> bool:
    if isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return abs(value) <= _LARGEST_NUMBER
    if isinstance(value, (list, tuple)):
        return bool(value) and all(_usable(v) and not isinstance(v, (list, tuple)) for v in value)
    return False


def _fits(guess: object, default: object, weak: bool) -> bool:
    """Whether ``default`` may stand for a value guessed as ``guess``: any usable value where the
    guess came from nothing or a name alone, else one of the same kind (numbers, strings,
    lists, truth values)."""
    if not _usable(default):
        return False
    if weak:
        return True
    return _kind(guess) is not None and _kind(guess) == _kind(default)


def _kind(value: object) -> str | None:
    if isinstance(value, bool):  # (before numbers: a bool is an int to Python)
        return "truth"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, (list, tuple)) else None


def _with_default(
    value: object, key: str, weak: bool, defaults: Mapping[str, FlagDefault]
) -> object:
    if isinstance(value, dict):  # an options object read field by field: its fields
        if any(not isinstance(k, str) or k.startswith("\x00") for k in value):
            return value  # a marker (feature columns, an expression), not fields
        return {k: _with_default(v, k, False, defaults) for k, v in value.items()}
    default = defaults.get(key)
    if default is None or key in _KEPT or not _fits(value, default.value, weak):
        return value
    if unset_dimension(key, default.value):  # ``DEFINE_integer("field_size", 0, ...)``
        return value
    if counts_gpus(key, default.value):  # validation runs on CPU
        return 0
    return list(default.value) if isinstance(default.value, tuple) else default.value


def with_flag_defaults(
    guesses: Iterable[ParamGuess], defaults: Mapping[str, FlagDefault]
) -> tuple[ParamGuess, ...]:
    """``guesses`` with each key named as a declared flag taking that flag's default (fields of
    an options object too)."""
    found = []
    for guess in guesses:
        weak = guess.fallback or guess.from_name
        value = _with_default(guess.value, guess.key, weak, defaults)
        if value != guess.value:
            default = defaults.get(guess.key)
            where = f"the default of flag {guess.key} ({default.origin})" if default else ""
            origin = where or f"{guess.origin}; fields from the defaults of the repository's flags"
            guess = replace(guess, value=value, origin=origin, fallback=False, from_name=False)
        found.append(guess)
    return tuple(found)
