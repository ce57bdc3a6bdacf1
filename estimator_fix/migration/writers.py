"""Where fixed files go: nowhere (dry run), in place, into a copy of the tree, or into one patch.

Every write is atomic (``sources.atomic_write``: temp file and ``os.replace``), so an interrupted
run leaves each file either old or new. ``accept`` raises SourceError for one file that cannot be
written; ``prepare`` and ``finish`` raise MigrationError when the output as a whole cannot be made.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol

from estimator_fix.diffs import unified_diff
from estimator_fix.migration.cache import CACHE_DIR
from estimator_fix.migration.results import MigrationError, Mode
from estimator_fix.sources import atomic_write, detect_encoding


class Writer(Protocol):
    def prepare(self) -> None: ...

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None: ...

    def finish(self) -> None: ...


class DryRun:
    """Writes nothing."""

    def prepare(self) -> None:
        return None

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        return None

    def finish(self) -> None:
        return None


class InPlace:
    """Rewrites the files of the repository."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self) -> None:
        return None

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        atomic_write(self.root / rel, fixed, original)

    def finish(self) -> None:
        return None


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


class CopyTree:
    """Copies the whole tree to ``out`` (symlinks as symlinks, the cache left out), then writes the
    fixed files into the copy."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.out = out

    def prepare(self) -> None:
        if _inside(self.out, self.root):
            raise MigrationError(f"--out {self.out}: must not be inside the repository")
        if _inside(self.root, self.out):
            raise MigrationError(f"--out {self.out}: must not contain the repository")
        if self.out.exists() and (not self.out.is_dir() or any(self.out.iterdir())):
            raise MigrationError(f"--out {self.out}: already exists and is not empty")
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            if self.out.is_dir():
                self.out.rmdir()  # copytree wants to create it
            shutil.copytree(
                self.root,
                self.out,
                symlinks=True,
                ignore=lambda directory, names: [CACHE_DIR] if CACHE_DIR in names else [],
            )
        except shutil.Error as exc:
            first = exc.args[0][0] if exc.args and exc.args[0] else ("?", "?", str(exc))
            raise MigrationError(
                f"--out {self.out}: {len(exc.args[0])} file(s) could not be copied, "
                f"e.g. {first[0]}: {first[2]}"
            ) from None
        except OSError as exc:
            raise MigrationError(f"--out {self.out}: cannot copy the tree: {exc}") from None

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        atomic_write(self.out / rel, fixed, original)

    def finish(self) -> None:
        return None


class PatchFile:
    """Collects one unified diff per fixed file and writes them, sorted by path, as one patch
    that ``git apply`` (run in the repository) accepts. Nothing is written if the run stops."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.diffs: dict[str, bytes] = {}

    def prepare(self) -> None:
        if self.path.is_dir():
            raise MigrationError(f"--patch {self.path}: is a directory")
        if not self.path.parent.is_dir():
            raise MigrationError(f"--patch {self.path}: no such directory {self.path.parent}")

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        # Each file's diff in that file's own encoding, so that its lines match it byte for byte.
        encoding = detect_encoding(original)
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        self.diffs[rel] = unified_diff(rel, original, fixed).encode(encoding)

    def finish(self) -> None:
        data = b"".join(self.diffs[rel] for rel in sorted(self.diffs))
        directory = self.path.parent
        try:
            fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{self.path.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        except OSError as exc:
            reason = (exc.strerror or str(exc)).lower()
            raise MigrationError(f"--patch {self.path}: cannot write: {reason}") from None


def writer(mode: Mode, root: Path, destination: Path | None) -> Writer:
    """The writer for ``mode`` (``out`` and ``patch`` need a ``destination``)."""
    if mode == "in-place":
        return InPlace(root)
    if mode in ("out", "patch"):
        if destination is None:
            raise MigrationError(f"--{mode} needs a path")
        return CopyTree(root, destination) if mode == "out" else PatchFile(destination)
    return DryRun()
