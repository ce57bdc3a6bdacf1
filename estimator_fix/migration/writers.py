"""Where fixed files go: nowhere (dry run), in place, into a copy of the tree, or into one patch.

Every write goes through ``estimator_fix.writing`` (temp file and ``os.replace``, regular files
only, never through a link out of the tree, never onto a file the run reads), so an interrupted
run leaves each file either old or new. A copy of the tree is built under a temp name beside
``--out`` and takes that name only when the run finishes: a run that stops leaves no half-copy
behind. ``accept`` raises SourceError for one file that cannot be written; ``prepare`` and
``finish`` raise MigrationError when the output as a whole cannot be made; ``abort`` drops what
an unfinished output left.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import Protocol

from estimator_fix.diffs import patch
from estimator_fix.migration.cache import CACHE_DIR
from estimator_fix.migration.results import MigrationError, Mode
from estimator_fix.sources import SourceError, within
from estimator_fix.writing import (
    Identity,
    check_output,
    copy_tree,
    remove_tree,
    staging_name,
    write_output,
    write_source,
)


class Writer(Protocol):
    def prepare(self) -> list[tuple[str, str]]:
        """Get the output ready; (path, reason) for each file of the tree left out of it."""

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None: ...

    def finish(self) -> None: ...

    def abort(self) -> None: ...


class DryRun:
    """Writes nothing."""

    def prepare(self) -> list[tuple[str, str]]:
        return []

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        return None

    def finish(self) -> None:
        return None

    def abort(self) -> None:
        return None


class InPlace(DryRun):
    """Rewrites the files of the repository."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        write_source(self.root / rel, fixed, original, root=self.root)


class CopyTree(DryRun):
    """Copies the whole tree to ``out`` (symbolic links as links, the cache, FIFOs and devices
    left out), writes the fixed files into the copy, and gives it its name at the end."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root = root
        self.out = out
        self.staging: Path | None = None

    def prepare(self) -> list[tuple[str, str]]:
        if within(self.out, self.root):
            raise MigrationError(f"--out {self.out}: must not be inside the repository")
        if within(self.root, self.out):
            raise MigrationError(f"--out {self.out}: must not contain the repository")
        if self.out.is_symlink() or (self.out.exists() and not self.out.is_dir()):
            raise MigrationError(f"--out {self.out}: already exists and is not a directory")
        if self.out.is_dir() and any(self.out.iterdir()):
            raise MigrationError(f"--out {self.out}: already exists and is not empty")
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self.staging = staging_name(self.out)
            return copy_tree(self.root, self.staging, leave_out=(CACHE_DIR,))
        except OSError as exc:
            self.abort()
            reason = (exc.strerror or str(exc)).lower()
            raise MigrationError(f"--out {self.out}: cannot copy the tree: {reason}") from None

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        assert self.staging is not None
        try:
            write_source(self.staging / rel, fixed, original, root=self.staging)
        except SourceError as exc:
            raise SourceError(self.out / rel, exc.reason) from None

    def finish(self) -> None:
        assert self.staging is not None
        try:
            if self.out.is_dir() and not self.out.is_symlink():
                self.out.rmdir()  # empty (checked by prepare)
            os.rename(self.staging, self.out)
        except OSError as exc:
            self.abort()
            reason = (exc.strerror or str(exc)).lower()
            message = f"--out {self.out}: cannot put the copy in place: {reason}"
            raise MigrationError(message) from None
        self.staging = None

    def abort(self) -> None:
        if self.staging is not None:
            remove_tree(self.staging)
            self.staging = None


class PatchFile(DryRun):
    """Collects one diff per fixed file and writes them, sorted by path, as one patch that
    ``git apply`` (run in the repository) accepts. Nothing is written if the run stops."""

    def __init__(self, path: Path, inputs: Collection[Identity] = ()) -> None:
        self.path = path
        self.inputs = inputs
        self.diffs: dict[str, bytes] = {}

    def prepare(self) -> list[tuple[str, str]]:
        try:
            check_output(self.path, self.inputs)
        except SourceError as exc:
            raise MigrationError(f"--patch {self.path}: {exc.reason}") from None
        return []

    def accept(self, rel: str, original: bytes, fixed: bytes) -> None:
        # Each file's diff in that file's own bytes, so that its lines match it exactly.
        self.diffs[rel] = patch(rel, original, fixed)

    def finish(self) -> None:
        data = b"".join(self.diffs[rel] for rel in sorted(self.diffs))
        try:
            write_output(self.path, data, inputs=self.inputs)
        except SourceError as exc:
            raise MigrationError(f"--patch {self.path}: {exc.reason}") from None


def writer(
    mode: Mode, root: Path, destination: Path | None, inputs: Collection[Identity] = ()
) -> Writer:
    """The writer for ``mode`` (``out`` and ``patch`` need a ``destination``; ``inputs`` are
    the files the run reads, which a patch must not replace)."""
    if mode == "in-place":
        return InPlace(root)
    if mode in ("out", "patch"):
        if destination is None:
            raise MigrationError(f"--{mode} needs a path")
        return CopyTree(root, destination) if mode == "out" else PatchFile(destination, inputs)
    return DryRun()
