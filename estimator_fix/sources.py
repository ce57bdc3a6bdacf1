"""Reading, decoding, finding and atomically writing Python source files."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path

from estimator_fix.globs import matches_any

#: Directory names never walked into (hidden directories are skipped too).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "site-packages",
        "node_modules",
        "build",
        "__pycache__",
    }
)

PYTHON_SUFFIXES = (".py",)


class SourceError(Exception):
    """A file could not be read, decoded, found or written; ``str()`` is the one-line reason."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(reason)
        self.path = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class ChangedOnDiskError(SourceError):
    """The file on disk no longer holds the bytes it was read with; it was not overwritten."""


def _os_reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _missing_reason(path: str | os.PathLike[str]) -> str:
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symlink loop (too many levels of symbolic links)"
        return "broken symbolic link (its target does not exist)"
    return "no such file or directory"


def read_source(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, or SourceError (missing, a directory, a symlink loop, not a regular file
    such as a FIFO that would block, unreadable)."""
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise SourceError(path, "is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(path, "not a regular file")
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise SourceError(path, _missing_reason(path)) from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(path, _missing_reason(path)) from None
        raise SourceError(path, f"cannot read: {_os_reason(exc)}") from None


def detect_encoding(data: bytes) -> str:
    """The source encoding per PEP 263 (BOM, coding cookie, else utf-8); 'utf-8-sig' with a BOM.

    Raises SyntaxError for an unknown or contradictory declaration.
    """
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return encoding


def decode_source(data: bytes) -> str:
    """The text of a source that passed ``decode_check`` (the BOM is dropped)."""
    return data.decode(detect_encoding(data))


def _display_encoding(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "utf-8" if name == "utf-8-sig" else name


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not text Python could read at all (NUL bytes: a binary file, or UTF-16/32
    text), or None. Cheap enough to run before the prefilter."""
    index = data.find(b"\x00")
    if index < 0:
        return None
    for bom, name in _WIDE_BOMS:
        if data.startswith(bom):
            return f"encoded as {name}; Python source must be UTF-8 or an ASCII-compatible encoding"
    line = data.count(b"\n", 0, index) + 1
    return f"contains a NUL byte at line {line} (not a Python source file?)"


def decode_check(path: str | os.PathLike[str], data: bytes) -> str | None:
    """Why ``data`` cannot be read as Python source text, or None when it can.

    Checks, before any parsing: that there are no NUL bytes (``binary_reason``), the encoding
    declaration (BOM / PEP 263 cookie), and that the bytes decode in it.
    """
    binary = binary_reason(data)
    if binary is not None:
        return binary
    try:
        encoding = detect_encoding(data)
    except SyntaxError as exc:
        message = str(exc)
        if message.startswith("unknown encoding"):
            return f"{message} in the coding declaration"
        if not message.startswith("invalid or missing encoding declaration"):
            return f"bad encoding declaration: {message}"
        # No usable declaration and the first lines are not utf-8: say where decoding fails.
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        return (
            f"cannot decode as {_display_encoding(encoding)}: {exc.reason} "
            f"(byte 0x{byte:02x} at line {line}, column {column})"
        )
    if "\x00" in text:  # only reachable through an encoding that decodes to NUL
        line = text.count("\n", 0, text.index("\x00")) + 1
        return f"contains a NUL byte at line {line} (not a Python source file?)"
    return None


def _is_read_only(st: os.stat_result) -> bool:
    # Mode bits, not os.access: root may write anything, but a file its owner marked read-only
    # is a decision estimator-fix respects.
    return not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _replace_with(
    target: str, data: bytes, mode: int | None, owner: tuple[int, int] | None
) -> None:
    directory = os.path.dirname(target) or os.curdir
    try:
        fd, tmp = tempfile.mkstemp(
            dir=directory, prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
    except OSError as exc:
        raise SourceError(target, f"cannot write in {directory}: {_os_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if owner is not None:
            # Only root can give a file away; otherwise the file becomes ours, which is fine.
            with contextlib.suppress(OSError, AttributeError):
                os.chown(tmp, *owner)
        os.replace(tmp, target)
    except BaseException:
        # Ctrl-C or an I/O error: the target still holds its old bytes; drop the temp file.
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike[str], data: bytes, expected_original: bytes) -> None:
    """Replace the file's bytes with ``data``, all or nothing (temp file + ``os.replace``).

    Keeps the permission bits (and, when allowed, the owner). Writes through a symlink to its
    target. Raises ChangedOnDiskError when the file no longer equals ``expected_original`` (it was
    changed since it was read), SourceError when it is read-only, gone, or cannot be written.
    """
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        raise SourceError(path, "no such file or directory (removed since it was read?)") from None
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_os_reason(exc)}") from None
    if _is_read_only(st):
        raise SourceError(path, "file is read-only; not changed")
    if read_source(target) != expected_original:
        raise ChangedOnDiskError(path, "changed on disk since it was read; not overwritten")
    try:
        _replace_with(target, data, stat.S_IMODE(st.st_mode), (st.st_uid, st.st_gid))
    except SourceError as exc:
        raise SourceError(path, exc.reason) from None
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_os_reason(exc)}") from None


def write_backup(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``PATH.orig`` (atomically, replacing an older backup); return its path."""
    backup = Path(os.fspath(path) + ".orig")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    try:
        _replace_with(os.fspath(backup), data, mode, None)
    except OSError as exc:
        raise SourceError(backup, f"cannot write backup: {_os_reason(exc)}") from None
    return backup


def _is_python_file(name: str) -> bool:
    return name.endswith(PYTHON_SUFFIXES)


def _within(path: str, root: str) -> bool:
    real = os.path.realpath(path)
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def _walk(
    directory: Path, exclude_globs: tuple[str, ...], root: str | os.PathLike[str] | None
) -> Iterator[Path]:
    real_root = os.path.realpath(directory)
    for current, dirnames, filenames in os.walk(directory, followlinks=False):
        kept: list[str] = []
        for name in sorted(dirnames):
            sub = os.path.join(current, name)
            if name in SKIP_DIRS or name.startswith("."):
                continue
            if matches_any(sub, exclude_globs, root):
                continue
            kept.append(name)
        dirnames[:] = kept  # os.walk descends into what is left, in this order
        for name in sorted(filenames):
            if not _is_python_file(name):
                continue
            candidate = os.path.join(current, name)
            if os.path.islink(candidate) and not _within(candidate, real_root):
                continue  # never follow a symlink out of the tree being walked
            if matches_any(candidate, exclude_globs, root):
                continue
            # A dangling or looping symlink is yielded, so that reading it reports it.
            if os.path.isfile(candidate) or not os.path.exists(candidate):
                yield Path(candidate)


def iter_python_files(
    paths: Iterable[str | os.PathLike[str]],
    exclude_globs: Iterable[str] = (),
    *,
    root: str | os.PathLike[str] | None = None,
    force_exclude: bool = False,
) -> Iterator[Path]:
    """The Python files under ``paths``, each real file once, in a stable (sorted) order.

    A file named directly is taken whatever its suffix, and even when excluded unless
    ``force_exclude`` (as pre-commit, which names every staged file, needs). A directory is
    walked in sorted order for ``*.py`` files, skipping SKIP_DIRS, hidden directories, paths
    matching ``exclude_globs`` (see ``estimator_fix.globs``; anchored patterns are relative to
    ``root``, default the current directory) and symlinks that lead out of the directory; a
    dangling or looping symlink inside it is yielded, so reading it says what is wrong.
    Raises SourceError for a missing path (or a broken symlink, or a symlink loop) and for a
    directory holding no Python files; to report such a path and carry on with the others, call
    this once per path.
    """
    excludes = tuple(exclude_globs)
    seen: set[str] = set()
    for raw in paths:
        path = Path(raw)
        if force_exclude and matches_any(path, excludes, root):
            continue
        if not os.path.exists(path):
            raise SourceError(path, _missing_reason(path))
        if path.is_dir():
            found = False
            for file in _walk(path, excludes, root):
                found = True
                real = os.path.realpath(file)
                if real not in seen:
                    seen.add(real)
                    yield file
            if not found:
                raise SourceError(path, "no Python files found in this directory")
        else:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path
