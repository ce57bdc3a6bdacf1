"""``[tool.estimator-fix]`` in pyproject.toml: find it, check it, and merge it with CLI flags.

Keys: ``select``, ``ignore`` (rule codes or prefixes), ``exclude`` (globs, see
``estimator_fix.globs``, anchored at the pyproject's directory), ``unsafe-fixes`` (bool),
``per-file-ignores`` (table: glob → codes), ``model-fn-names`` (extra function names to treat as
model_fns), ``validate`` (table, read by validation). Unknown keys are errors, so a typo does not
silently do nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from estimator_fix.globs import glob_problem
from estimator_fix.results import SELECTOR, Settings
from estimator_fix.sources import MAX_CONFIG_BYTES, SourceError, read_regular

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

SECTION = "estimator-fix"

_LIST_KEYS = ("select", "ignore", "exclude", "model-fn-names")
_KNOWN_KEYS = frozenset(_LIST_KEYS) | {"unsafe-fixes", "per-file-ignores", "validate"}


class ConfigError(Exception):
    """The configuration is unusable; ``str()`` is one line naming the file (if any) and why."""

    def __init__(self, reason: str, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}" if path is not None else reason)
        self.path = None if path is None else os.fspath(path)
        self.reason = reason


@dataclass(frozen=True)
class Config:
    """The merged configuration. ``path`` is the pyproject.toml read, if any; ``root`` anchors its
    globs (its directory, else the current directory)."""

    path: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    model_fn_names: tuple[str, ...] = ()
    validate: Mapping[str, Any] = field(default_factory=dict)

    def settings(self) -> Settings:
        """The engine settings this configuration describes."""
        return Settings(
            select=self.select,
            ignore=self.ignore,
            unsafe_fixes=self.unsafe_fixes,
            per_file_ignores=self.per_file_ignores,
            root=os.fspath(self.root),
            model_fn_names=frozenset(self.model_fn_names),
        )

    def with_overrides(
        self,
        *,
        select: Iterable[str] | None = None,
        ignore: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        unsafe_fixes: bool | None = None,
    ) -> Config:
        """CLI flags win over the file: each given (not None) value replaces the configured one."""
        changes: dict[str, Any] = {}
        if select is not None:
            changes["select"] = parse_selectors(select, "--select")
        if ignore is not None:
            changes["ignore"] = parse_selectors(ignore, "--ignore")
        if exclude is not None:
            changes["exclude"] = check_globs(exclude, "--exclude")
        if unsafe_fixes is not None:
            changes["unsafe_fixes"] = unsafe_fixes
        return replace(self, **changes)


def parse_selectors(values: Iterable[str], where: str) -> frozenset[str]:
    """Codes from flags or config: comma or space separated, case-insensitive, EF-prefixed."""
    codes: set[str] = set()
    for value in values:
        for raw in value.replace(",", " ").split():
            code = raw.upper()
            if not SELECTOR.match(code):
                raise ConfigError(
                    f"{where}: unknown rule selector {raw!r} "
                    "(expected a code like EF101 or a prefix like EF1)"
                )
            codes.add(code)
    return frozenset(codes)


def check_globs(values: Iterable[str], where: str) -> tuple[str, ...]:
    """``values`` as a tuple, or ConfigError naming the first glob that cannot be used."""
    globs = tuple(values)
    for glob in globs:
        problem = glob_problem(glob)
        if problem is not None:
            raise ConfigError(f"{where}: {problem}")
    return globs


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML file at ``path`` (a regular file of at most MAX_CONFIG_BYTES, UTF-8)."""
    try:
        raw = read_regular(path, MAX_CONFIG_BYTES)
    except SourceError as exc:
        raise ConfigError(exc.reason, path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        reason = f"invalid TOML: not UTF-8 (byte 0x{raw[exc.start]:02x} at line {line})"
        raise ConfigError(reason, path) from None
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", path) from None
    except RecursionError:
        raise ConfigError("invalid TOML: nested too deeply", path) from None
    return data


def _section(data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tool = data.get("tool")
    if not isinstance(tool, dict):
        return None
    section = tool.get(SECTION)
    return section if isinstance(section, dict) else None


def find_pyproject(start: str | os.PathLike[str]) -> Path | None:
    """The nearest pyproject.toml with a ``[tool.estimator-fix]`` table, from ``start`` upward."""
    here = Path(os.path.abspath(start))
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if os.path.lexists(candidate) and _section(_read_toml(candidate)) is not None:
            return candidate
    return None


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"[tool.{SECTION}] {key} must be a list of strings", path)
    return tuple(value)


def _selectors(value: Any, key: str, path: Path) -> frozenset[str]:
    try:
        return parse_selectors(_string_list(value, key, path), f"[tool.{SECTION}] {key}")
    except ConfigError as exc:
        raise ConfigError(exc.reason, path) from None


def _globs(values: Iterable[str], where: str, path: Path) -> tuple[str, ...]:
    try:
        return check_globs(values, where)
    except ConfigError as exc:
        raise ConfigError(exc.reason, path) from None


def _from_section(section: Mapping[str, Any], path: Path) -> Config:
    unknown = sorted(set(section) - _KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(_KNOWN_KEYS))
        raise ConfigError(f"unknown key {unknown[0]!r} in [tool.{SECTION}] (known: {known})", path)
    changes: dict[str, Any] = {}
    if "select" in section:
        changes["select"] = _selectors(section["select"], "select", path)
    if "ignore" in section:
        changes["ignore"] = _selectors(section["ignore"], "ignore", path)
    if "exclude" in section:
        globs = _string_list(section["exclude"], "exclude", path)
        changes["exclude"] = _globs(globs, f"[tool.{SECTION}] exclude", path)
    if "model-fn-names" in section:
        changes["model_fn_names"] = _string_list(section["model-fn-names"], "model-fn-names", path)
    if "unsafe-fixes" in section:
        if not isinstance(section["unsafe-fixes"], bool):
            raise ConfigError(f"[tool.{SECTION}] unsafe-fixes must be true or false", path)
        changes["unsafe_fixes"] = section["unsafe-fixes"]
    if "per-file-ignores" in section:
        table = section["per-file-ignores"]
        if not isinstance(table, dict):
            raise ConfigError(f"[tool.{SECTION}] per-file-ignores must be a table", path)
        _globs(table, f"[tool.{SECTION}] per-file-ignores", path)
        changes["per_file_ignores"] = tuple(
            (glob, _selectors(codes, f"per-file-ignores.{glob!r}", path))
            for glob, codes in table.items()
        )
    if "validate" in section:
        if not isinstance(section["validate"], dict):
            raise ConfigError(f"[tool.{SECTION}] validate must be a table", path)
        changes["validate"] = dict(section["validate"])
    return Config(path=path, root=path.parent, **changes)


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read ``[tool.estimator-fix]`` from one TOML file (an empty Config when it has none)."""
    file = Path(path)
    section = _section(_read_toml(file))
    if section is None:
        return Config(path=file, root=file.parent)
    return _from_section(section, file)


def discover_config(
    paths: Sequence[str | os.PathLike[str]], explicit: str | os.PathLike[str] | None = None
) -> Config:
    """The configuration for a run: ``explicit`` if given, else the nearest pyproject.toml with a
    ``[tool.estimator-fix]`` table above the first path (or the current directory), else defaults.

    Raises ConfigError (naming the file) for unreadable TOML or bad values.
    """
    if explicit is not None:
        return load_config(explicit)
    start = paths[0] if paths else os.curdir
    # A path that does not exist is reported later; look for config from where it would be.
    existing = Path(os.path.abspath(start))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    found = find_pyproject(existing)
    return Config() if found is None else load_config(found)
