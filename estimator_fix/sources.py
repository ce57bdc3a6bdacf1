"""Reading, decoding and finding source files: everything estimator-fix reads goes through here.

Only regular files are read (a FIFO would block, a device never end), each within a size limit,
and every file or directory that cannot be read is one line saying why, never skipped in silence.
Writing is ``estimator_fix.writing``'s.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import stat
import tokenize
from collections.abc import Callable, Iterable, Iterator
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


#: The largest Python file estimator-fix reads (whether one this large is parsed is
#: ``limits.too_large``'s call: a generated module without Estimator code is only prefiltered).
MAX_SOURCE_BYTES = 64 * 2**20
#: The largest notebook read (outputs such as images make notebooks large; only code is parsed).
MAX_NOTEBOOK_BYTES = 64 * 2**20
#: The largest configuration file read (pyproject.toml, --config, .gitignore).
MAX_CONFIG_BYTES = 2**20

NOTEBOOK_SUFFIX = ".ipynb"

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words (``a FIFO``, ``a character device``…)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(mode: int) -> str:
    """The reason given for a path that is not a regular file."""
    if stat.S_ISDIR(mode):
        return "is a directory"
    return f"not a regular file ({kind_of(mode)})"


def _size_text(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size:,} bytes"


def _missing_reason(path: str | os.PathLike[str]) -> str:
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "symlink loop (too many levels of symbolic links)"
        return "broken symbolic link (its target does not exist)"
    return "no such file or directory"


def _read_fd(fd: int, path: str | os.PathLike[str], limit: int) -> bytes:
    """All of ``fd`` (a regular file), refusing more than ``limit`` bytes."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # swapped for something else since it was looked at
        raise SourceError(path, not_regular(st.st_mode))
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = os.read(fd, min(2**20, limit + 1 - size) or 1)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise SourceError(path, f"too large (over {_size_text(limit)}); not read")


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_READ_FLAGS |= getattr(os, "O_CLOEXEC", 0)


def read_regular(path: str | os.PathLike[str], limit: int, *, dir_fd: int | None = None) -> bytes:
    """The bytes of the regular file ``path``, or SourceError with the one-line reason.

    Nothing but a regular file is ever opened (a FIFO would block, a device never end), and a
    file over ``limit`` bytes is refused before it is read. The check is made on the open file
    too, so a file swapped for a FIFO in between is refused as well. With ``dir_fd``, ``path``
    is a name in that directory and a symbolic link there is refused, not followed.
    """
    follow = dir_fd is None
    try:
        st = os.stat(path, dir_fd=dir_fd, follow_symlinks=follow)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(path, not_regular(st.st_mode))
        if st.st_size > limit:
            reason = f"too large ({_size_text(st.st_size)}; the limit is {_size_text(limit)})"
            raise SourceError(path, f"{reason}; not read")
        flags = _READ_FLAGS if follow else _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, dir_fd=dir_fd)
        try:
            return _read_fd(fd, path, limit)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise SourceError(path, _missing_reason(path) if follow else "no such file") from None
    except IsADirectoryError:
        raise SourceError(path, "is a directory") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            reason = _missing_reason(path) if follow else "is a symbolic link; not followed"
            raise SourceError(path, reason) from None
        raise SourceError(path, f"cannot read: {_os_reason(exc)}") from None


def source_limit(path: str | os.PathLike[str]) -> int:
    """How many bytes a source file at ``path`` may hold (notebooks may hold more)."""
    return MAX_NOTEBOOK_BYTES if is_notebook(path) else MAX_SOURCE_BYTES


def is_notebook(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a Jupyter notebook (read as its code cells)."""
    return os.fspath(path).endswith(NOTEBOOK_SUFFIX)


def read_source(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, or SourceError (missing, a directory, a symlink loop, not a regular file
    such as a FIFO that would block or a device that never ends, too large, unreadable)."""
    return read_regular(path, source_limit(path))


def detect_encoding(data: bytes) -> str:
    """The source encoding per PEP 263 (BOM, coding cookie, else utf-8); 'utf-8-sig' with a BOM.

    Raises SyntaxError for an unknown or contradictory declaration.
    """
    if b"\r" in data[:2048]:  # lines may end in CR alone; tokenize only splits at LF
        data = data[:2048].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + data[2048:]
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


def _open_directory(path: str | os.PathLike[str], dir_fd: int | None, nofollow: bool) -> int:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) if nofollow else 0
    try:
        return os.open(path, flags, dir_fd=dir_fd)
    except PermissionError:
        if not hasattr(os, "O_PATH"):
            raise
        # A directory that may be searched but not listed: reach through it all the same.
        return os.open(path, (flags & ~os.O_RDONLY) | os.O_PATH, dir_fd=dir_fd)


def open_beneath(root: str | os.PathLike[str], parts: Iterable[str]) -> int:
    """A file descriptor of the directory ``root/parts…``, reached without following a symbolic
    link below ``root`` (``root`` itself may be one). Raises OSError (ELOOP or ENOTDIR for a
    symbolic link on the way). The caller closes it."""
    fd = _open_directory(root, None, nofollow=False)
    try:
        for part in parts:
            if part in ("", os.curdir):
                continue
            if part == os.pardir or os.sep in part:
                raise OSError(errno.EINVAL, f"not a plain name: {part!r}")
            inner = _open_directory(part, fd, nofollow=True)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


#: The suffixes of the files a directory is walked for: Python files and Jupyter notebooks.
SOURCE_SUFFIXES = (".py", NOTEBOOK_SUFFIX)


def _walk(
    directory: Path,
    exclude_globs: tuple[str, ...],
    root: str | os.PathLike[str] | None,
    on_error: Callable[[SourceError], None],
) -> Iterator[Path]:
    real_root = os.path.realpath(directory)

    def unreadable(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else directory
        on_error(SourceError(where, f"cannot read this directory: {_os_reason(exc)}"))

    for current, dirnames, filenames in os.walk(directory, onerror=unreadable, followlinks=False):
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
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            candidate = os.path.join(current, name)
            if os.path.islink(candidate) and not within(candidate, real_root):
                continue  # never follow a symlink out of the tree being walked
            if matches_any(candidate, exclude_globs, root):
                continue
            # A dangling or looping symlink, or a FIFO, is yielded, so that reading it says so.
            if not os.path.isdir(candidate):
                yield Path(candidate)


def within(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path``, all symbolic links resolved, is ``root`` or below it."""
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _raise(exc: SourceError) -> None:
    raise exc


def iter_python_files(
    paths: Iterable[str | os.PathLike[str]],
    exclude_globs: Iterable[str] = (),
    *,
    root: str | os.PathLike[str] | None = None,
    force_exclude: bool = False,
    on_error: Callable[[SourceError], None] = _raise,
) -> Iterator[Path]:
    """The Python files and notebooks under ``paths``, each real file once, in a stable (sorted)
    order.

    A file named directly is taken whatever its suffix, and even when excluded unless
    ``force_exclude`` (as pre-commit, which names every staged file, needs). A directory is
    walked in sorted order for ``*.py`` and ``*.ipynb`` files, skipping SKIP_DIRS, hidden
    directories, paths matching ``exclude_globs`` (see ``estimator_fix.globs``; anchored
    patterns are relative to ``root``, default the current directory) and symlinks that lead out
    of the directory; a dangling or looping symlink inside it is yielded, so reading it says what
    is wrong. Nothing is left out silently: a directory that cannot be read is handed to
    ``on_error`` (default: raised) as a SourceError. Raises SourceError for a missing path (or a
    broken symlink, or a symlink loop) and for a directory holding no source files; to report
    such a path and carry on with the others, call this once per path.
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
            found = failed = False

            def note(exc: SourceError) -> None:
                nonlocal failed
                failed = True
                on_error(exc)

            for file in _walk(path, excludes, root, note):
                found = True
                real = os.path.realpath(file)
                if real not in seen:
                    seen.add(real)
                    yield file
            if not found and not failed:
                raise SourceError(path, "no Python files or notebooks found in this directory")
        else:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path
