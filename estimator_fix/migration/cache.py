"""The content-hash cache of a migration, in ``.estimator-fix-cache/`` at the repository root.

An entry is keyed by the file's bytes and everything else that decides its outcome: the tool's
version, a fingerprint of the source of the engine and codemods (so an edited rule never serves
a stale result), the settings and the rule codes ignored for that path; the entry repeats the
hash of the bytes and the version, and is used only when both match. Entries are JSON (never
pickle: the folder sits in the user's repository). Files whose analysis failed (a crash, a
timeout) are not cached, so they are tried again.

The cache stores what it can prove and nothing is ever written from it: an entry says what a
file's findings are and whether it would change, and only a run that writes nothing (a dry run
without validation) takes a "would change" from it; any other run analyses such a file again
and writes that fresh rewrite. Reads and writes never follow a symbolic link below the
repository (``estimator_fix.writing.write_beneath``): a cache folder that is a link, or holds
one, is not used. Any problem with the cache folder just turns the cache off for the run.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import inspect
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import codemods
from codemods.findings import Finding
from estimator_fix import __version__
from estimator_fix.migration.worker import Outcome, Task
from estimator_fix.results import Changed, Settings, Skipped, Unchanged
from estimator_fix.sources import SourceError, open_beneath, read_regular
from estimator_fix.writing import write_beneath

CACHE_DIR = ".estimator-fix-cache"
FORMAT = 2
#: The largest cache entry read.
_MAX_ENTRY_BYTES = 16 * 2**20

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
    "notebooks.py",
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


def input_digest(data: bytes) -> str:
    """The hash of a file's bytes that a cache entry is bound to."""
    return hashlib.sha256(data).hexdigest()


def _encode(outcome: Outcome, digest: str) -> dict[str, Any] | None:
    result = outcome.result
    entry: dict[str, Any] = {
        "version": __version__,
        "input": digest,
        "model_fns": outcome.model_fns,
        "cells": list(outcome.cells),
    }
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
    if entry["version"] != __version__ or entry["input"] != input_digest(task.data):
        raise ValueError("an entry for other bytes or another version")
    kind = entry["kind"]
    model_fns = int(entry["model_fns"])
    cells = tuple(None if c is None else int(c) for c in entry.get("cells", ()))
    if kind == "skipped":
        result: Any = Skipped(task.path, str(entry["reason"]))
    else:
        findings = tuple(_finding(raw) for raw in entry["findings"])
        warnings = tuple(str(w) for w in entry["warnings"])
        if kind == "changed":
            fixed = base64.b64decode(entry["fixed"])
            result = Changed(task.path, task.data, fixed, findings, warnings, model_fns, cells)
        else:
            result = Unchanged(task.path, findings, warnings, model_fns, cells)
    return Outcome(task.rel, result, model_fns, cells, cached=True)


class Cache:
    """Outcomes by content hash, under ``root/.estimator-fix-cache/``.

    ``rewrites``: the run writes rewrites (or validates them), so an entry saying a file would
    change is not used: that file is analysed again (see the module docstring).
    """

    def __init__(self, root: Path, settings: Settings, *, rewrites: bool = True) -> None:
        self.repo = root
        self.root = root / CACHE_DIR
        self.settings = settings
        self.rewrites = rewrites
        self.folder = f"migrate-{fingerprint(settings)[:20]}"
        self.directory = self.root / self.folder
        self.disabled = False
        self._prepared = False

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

    def _parts(self, key: str) -> list[str]:
        return [CACHE_DIR, self.folder, key[:2], f"{key}.json"]

    def get(self, key: str, task: Task) -> Outcome | None:
        """The cached Outcome of ``task`` (whose ``key`` it is), marked ``cached``, or None."""
        if self.disabled:
            return None
        *folders, name = self._parts(key)
        try:
            fd = open_beneath(self.repo, folders)
        except OSError:
            return None
        try:
            entry = json.loads(read_regular(name, _MAX_ENTRY_BYTES, dir_fd=fd).decode("utf-8"))
            outcome = _decode(entry, task)
        except (SourceError, ValueError, KeyError, TypeError):
            return None
        finally:
            os.close(fd)
        if self.rewrites and isinstance(outcome.result, Changed):
            return None  # never write from the cache: analyse it again
        return outcome

    def put(self, key: str, outcome: Outcome, digest: str) -> None:
        """Remember ``outcome`` of the file whose bytes hash to ``digest`` (``input_digest``)
        under ``key`` (never a Failed one)."""
        entry = _encode(outcome, digest)
        if entry is None or self.disabled:
            return
        try:
            self._prepare()
            write_beneath(self.repo, "/".join(self._parts(key)), json.dumps(entry).encode())
        except SourceError:
            self.disabled = True  # read-only checkout, full disk, a link: run without the cache

    def _prepare(self) -> None:
        if self._prepared:
            return
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n"), ("README", _README)):
            try:
                fd = open_beneath(self.repo, [CACHE_DIR])
            except OSError:
                fd = None
            exists = False
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.stat(name, dir_fd=fd, follow_symlinks=False)
                    exists = True
                os.close(fd)
            if not exists:
                write_beneath(self.repo, f"{CACHE_DIR}/{name}", text.encode("utf-8"))
        self._prepared = True
