"""The content-hash cache of a migration, in ``.estimator-fix-cache/`` at the repository root.

An entry is keyed by the file's bytes and everything else that decides its outcome: the tool's
version, a fingerprint of the source of the engine and codemods (so an edited rule never serves
a stale result), the settings and the rule codes ignored for that path. Entries are JSON (never
pickle: the folder sits in the user's repository). Files whose analysis failed (a crash, a
timeout) are not cached, so they are tried again. Any problem with the cache folder just turns
the cache off for the run.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import inspect
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import codemods
from codemods.findings import Finding
from estimator_fix import __version__
from estimator_fix.migration.worker import Outcome, Task
from estimator_fix.results import Changed, Settings, Skipped, Unchanged

CACHE_DIR = ".estimator-fix-cache"
FORMAT = 1

_README = "Created by estimator-fix migrate; safe to delete.\n"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# estimator-fix migrate cache\n"

#: Modules of estimator_fix whose code decides a file's outcome.
_ENGINE_MODULES = (
    "engine.py",
    "results.py",
    "elision.py",
    "limits.py",
    "noqa.py",
    "parse_errors.py",
    "sources.py",
    "globs.py",
    "migration/worker.py",
    "migration/notebooks.py",
)


def _source_files(settings: Settings) -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    files = [package / name for name in _ENGINE_MODULES]
    files += sorted(Path(codemods.__file__).resolve().parent.rglob("*.py"))
    for command in settings.codemods or ():
        source = inspect.getsourcefile(command)
        if source:
            files.append(Path(source))
    return files


@functools.lru_cache(maxsize=8)
def fingerprint(settings: Settings) -> str:
    """A hash of what, besides a file's bytes and path, decides its outcome."""
    digest = hashlib.sha256(f"estimator-fix {__version__} cache v{FORMAT}\n".encode())
    for path in _source_files(settings):
        digest.update(path.name.encode())
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    described = {
        "select": sorted(settings.select) if settings.select is not None else None,
        "ignore": sorted(settings.ignore),
        "unsafe_fixes": settings.unsafe_fixes,
        "model_fn_names": sorted(settings.model_fn_names),
        "codemods": [f"{c.__module__}.{c.__qualname__}" for c in settings.codemods or ()],
    }
    digest.update(json.dumps(described, sort_keys=True).encode())
    return digest.hexdigest()


def _finding(raw: dict[str, Any]) -> Finding:
    return Finding(**raw)


def _encode(outcome: Outcome) -> dict[str, Any] | None:
    result = outcome.result
    entry: dict[str, Any] = {"model_fns": outcome.model_fns, "cells": list(outcome.cells)}
    if isinstance(result, Skipped):
        entry.update(kind="skipped", reason=result.reason)
        return entry
    if not isinstance(result, (Changed, Unchanged)):
        return None
    entry.update(
        kind="changed" if isinstance(result, Changed) else "unchanged",
        findings=[asdict(f) for f in result.findings],
        warnings=list(result.warnings),
    )
    if isinstance(result, Changed):
        entry["fixed"] = base64.b64encode(result.fixed).decode("ascii")
    return entry


def _decode(entry: dict[str, Any], task: Task) -> Outcome:
    kind = entry["kind"]
    model_fns = int(entry["model_fns"])
    if kind == "skipped":
        result: Any = Skipped(task.path, str(entry["reason"]))
    else:
        findings = tuple(_finding(raw) for raw in entry["findings"])
        warnings = tuple(str(w) for w in entry["warnings"])
        if kind == "changed":
            fixed = base64.b64decode(entry["fixed"])
            result = Changed(task.path, task.data, fixed, findings, warnings, model_fns)
        else:
            result = Unchanged(task.path, findings, warnings, model_fns)
    cells = tuple(None if c is None else int(c) for c in entry.get("cells", ()))
    return Outcome(task.rel, result, model_fns, cells, cached=True)


class Cache:
    """Outcomes by content hash, under ``root/.estimator-fix-cache/``."""

    def __init__(self, root: Path, settings: Settings) -> None:
        self.root = root / CACHE_DIR
        self.settings = settings
        self.directory = self.root / f"migrate-{fingerprint(settings)[:20]}"
        self.disabled = False

    def key(self, task: Task) -> str:
        """What identifies ``task``'s outcome: bytes, kind, ignored codes and the fingerprint."""
        digest = hashlib.sha256(fingerprint(self.settings).encode())
        ignored = (
            sorted(self.settings.ignored_for(task.path)) if self.settings.per_file_ignores else []
        )
        kind = "notebook" if task.notebook else "python"
        digest.update(json.dumps([kind, ignored]).encode())
        digest.update(hashlib.sha256(task.data).digest())
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str, task: Task) -> Outcome | None:
        """The cached Outcome of ``task`` (whose ``key`` it is), marked ``cached``, or None."""
        if self.disabled:
            return None
        try:
            entry = json.loads(self._entry(key).read_text(encoding="utf-8"))
            return _decode(entry, task)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, outcome: Outcome) -> None:
        """Remember ``outcome`` under ``key`` (never a Failed one)."""
        entry = _encode(outcome)
        if entry is None or self.disabled:
            return
        path = self._entry(key)
        try:
            self._prepare()
            path.parent.mkdir(exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(entry, handle)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError:
            self.disabled = True  # read-only checkout, full disk: run without the cache

    def _prepare(self) -> None:
        if self.directory.is_dir():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n"), ("README", _README)):
            target = self.root / name
            if not target.exists():
                target.write_text(text, encoding="utf-8")
