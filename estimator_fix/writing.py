"""Every write estimator-fix makes — sources, backups, copies, patches, reports, the cache — under
one policy.

- Only regular files are written, and only by replacing them whole: the new bytes go to a temp
  file in the same directory (a name that fits the file system's limit however long the target's
  name is), are flushed, get the target's permission bits (setuid/setgid included: the owner is
  set first, which would clear them) and owner, and take its place with one ``os.replace``. An
  interrupted run leaves every file either old or new.
- Nothing is written through a symbolic link that leads out of the tree being written, onto a
  directory, a FIFO, a device or a socket, or onto a file the run reads (``inputs``). The
  directories on the way are opened one by one without following links, so a link swapped in
  mid-run is refused rather than followed.
- A source file is replaced only while it still holds the bytes it was read with: the check and
  the replacement happen under an exclusive lock on the file, so of two runs fixing the same file
  one writes it and the other says it was changed on disk.
- Temp files a killed run left behind (``.NAME.ef-PID-XXXXXX.tmp``, and the ``.NAME.XXXXXXXX.tmp``
  of earlier versions) are removed the next time a run writes in their directory, once their
  process is gone.

Every refusal is a ``SourceError`` whose ``str()`` is the one-line reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from estimator_fix.sources import (
    SourceError,
    kind_of,
    not_regular,
    open_beneath,
    within,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

#: An identity of a file, as ``os.stat`` gives it: (device, inode).
Identity = tuple[int, int]

#: How long to wait for another process's lock on a file before giving up on it.
LOCK_WAIT = 10.0
#: A temp file of an earlier version (no process id in its name) is stale after this long.
LEGACY_STALE_SECONDS = 3600.0

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_TEMP = re.compile(r"\A\..*\.ef-(?P<pid>\d+)-[0-9a-z]{6}\.tmp\Z", re.DOTALL)
_LEGACY_TEMP = re.compile(r"\A\.(?P<name>.*)\.[a-z0-9_]{8}\.tmp\Z", re.DOTALL)


class ChangedOnDiskError(SourceError):
    """The file on disk no longer holds the bytes it was read with; it was not overwritten."""


def identity(st: os.stat_result) -> Identity:
    return (st.st_dev, st.st_ino)


def identities(paths: Iterable[str | os.PathLike[str]]) -> frozenset[Identity]:
    """The identities of the files at ``paths`` (those that cannot be looked at are left out)."""
    found = set()
    for path in paths:
        with contextlib.suppress(OSError):
            found.add(identity(os.stat(path)))
    return frozenset(found)


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _name_max(dir_fd: int) -> int:
    try:
        return int(os.fpathconf(dir_fd, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def temp_name(name: str, name_max: int = 255) -> str:
    """A fresh temp name for a file named ``name``, in bytes no longer than ``name_max``."""
    tail = f".ef-{os.getpid()}-{secrets.token_hex(3)}.tmp"
    room = max(name_max - len(tail.encode()) - 1, 0)
    stem = os.fsdecode(os.fsencode(name)[:room])
    return f".{stem}{tail}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


_swept: set[Identity] = set()


def _stale(name: str, dir_fd: int, now: float) -> bool:
    match = _TEMP.match(name)
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return False
    age = now - st.st_mtime
    if match is not None:
        return not _alive(int(match.group("pid"))) or age > 24 * LEGACY_STALE_SECONDS
    legacy = _LEGACY_TEMP.match(name)
    return legacy is not None and stat.S_ISREG(st.st_mode) and age > LEGACY_STALE_SECONDS


def sweep(dir_fd: int) -> None:
    """Remove the temp files (and copies under way) that killed runs left in this directory;
    once per directory and process."""
    try:
        key = identity(os.fstat(dir_fd))
        if key in _swept:
            return
        _swept.add(key)
        names = [n for n in os.listdir(dir_fd) if n.startswith(".") and n.endswith(".tmp")]
    except OSError:
        return
    now = time.time()
    for name in names:
        if _stale(name, dir_fd, now):
            with contextlib.suppress(OSError):
                _remove(name, dir_fd)


def _remove(name: str, dir_fd: int) -> None:
    """Remove the entry ``name`` of the directory ``dir_fd``, a whole tree for a directory,
    without following links."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    inner = os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=dir_fd)
    try:
        for entry in os.listdir(inner):
            _remove(entry, inner)
    finally:
        os.close(inner)
    os.rmdir(name, dir_fd=dir_fd)


def _create_temp(dir_fd: int, name: str) -> tuple[int, str]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    limit = _name_max(dir_fd)
    for _ in range(100):
        temp = temp_name(name, limit)
        try:
            return os.open(temp, flags, 0o666, dir_fd=dir_fd), temp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temp file name")


def _replace(
    dir_fd: int, name: str, data: bytes, mode: int | None, owner: tuple[int, int] | None
) -> None:
    """Put ``data`` at ``name`` in the directory ``dir_fd``: temp file, owner, mode, replace."""
    sweep(dir_fd)
    fd, temp = _create_temp(dir_fd, name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            if owner is not None:
                current = os.fstat(handle.fileno())
                if (current.st_uid, current.st_gid) != owner:
                    # Only root can give a file away; otherwise the file becomes ours.
                    with contextlib.suppress(OSError):
                        os.fchown(handle.fileno(), *owner)
            if mode is not None:  # after the owner: changing it clears setuid and setgid
                os.fchmod(handle.fileno(), stat.S_IMODE(mode))
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        # Ctrl-C or an I/O error: the target still holds its old bytes; drop the temp file.
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise


def _split(path: str) -> tuple[str, list[str], str]:
    """An absolute, resolved ``path`` as (its file system root, its directories, its name)."""
    directory, name = os.path.split(path)
    anchor = os.path.splitdrive(directory)[0] + os.sep
    parts = [part for part in directory[len(anchor) - 1 :].split(os.sep) if part]
    return anchor, parts, name


@contextlib.contextmanager
def _directory_of(path: str, shown: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """The directory holding the resolved ``path`` (opened without following links) and the
    name of ``path`` in it."""
    anchor, parts, name = _split(path)
    try:
        dir_fd = open_beneath(anchor, parts)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            reason = "a directory on its path became a symbolic link; not written"
        elif exc.errno == errno.ENOENT:
            reason = "its directory no longer exists; not written"
        else:
            reason = f"cannot write: {_reason(exc)}"
        raise SourceError(shown, reason) from None
    try:
        yield dir_fd, name
    finally:
        os.close(dir_fd)


def _is_read_only(st: os.stat_result) -> bool:
    # Mode bits, not os.access: root may write anything, but a file its owner marked read-only
    # is a decision estimator-fix respects.
    return not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def _lock(fd: int, path: str | os.PathLike[str]) -> None:
    if fcntl is None:
        return
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                reason = "locked by another process (another estimator-fix run?); not changed"
                raise SourceError(path, reason) from None
            time.sleep(0.01)
        except OSError:  # no locks on this file system: compare and replace without one
            return


def _current(fd: int, limit: int) -> bytes | None:
    """What ``fd`` holds now, or None when it holds more than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    os.lseek(fd, 0, os.SEEK_SET)
    while True:
        chunk = os.read(fd, 2**20)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)


def _existing(dir_fd: int, name: str, shown: str | os.PathLike[str]) -> os.stat_result:
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        raise SourceError(shown, "no such file or directory (removed since it was read?)") from None
    except OSError as exc:
        raise SourceError(shown, f"cannot write: {_reason(exc)}") from None
    if stat.S_ISLNK(st.st_mode):
        raise SourceError(shown, "became a symbolic link since it was read; not written")
    if not stat.S_ISREG(st.st_mode):
        raise SourceError(shown, f"{not_regular(st.st_mode)}; not written")
    return st


def write_source(
    path: str | os.PathLike[str],
    data: bytes,
    original: bytes,
    *,
    root: str | os.PathLike[str] | None = None,
) -> None:
    """Replace the source file ``path`` (read as ``original``) with ``data``, all or nothing.

    ``root``: the tree the file was found in; a symbolic link is written through only when its
    target lies inside it (without ``root``, the file was named on purpose and its link is
    followed). Raises ChangedOnDiskError when the file no longer holds ``original`` (changed
    since it was read, or written by a concurrent run), SourceError when it is read-only, gone,
    not a regular file, or cannot be written.
    """
    real = os.path.realpath(path)
    if root is not None and not within(real, root):
        raise SourceError(path, f"a symbolic link to {real}, outside {root}; not written")
    with _directory_of(real, path) as (dir_fd, name):
        st = _existing(dir_fd, name, path)
        if _is_read_only(st):
            raise SourceError(path, "file is read-only; not changed")
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC, dir_fd=dir_fd)
        except OSError as exc:
            raise SourceError(path, f"cannot write: {_reason(exc)}") from None
        try:
            _lock(fd, path)
            held = os.fstat(fd)
            now = _existing(dir_fd, name, path)
            current = _current(fd, max(len(original), len(data)) + 1)
            if identity(now) != identity(held):  # replaced while we waited for the lock
                current = None if current == original else current
            if current != original:
                if current == data:
                    reason = "already holds this fix (written by another run?); not written again"
                else:
                    reason = "changed on disk since it was read; not overwritten"
                raise ChangedOnDiskError(path, reason)
            _replace(dir_fd, name, data, st.st_mode, (st.st_uid, st.st_gid))
        except OSError as exc:
            raise SourceError(path, f"cannot write: {_reason(exc)}") from None
        finally:
            os.close(fd)


def _output_target(
    dir_fd: int, name: str, shown: str | os.PathLike[str], inputs: Collection[Identity]
) -> os.stat_result | None:
    """The file an output replaces (None: a new file), or SourceError when it must not be."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise SourceError(shown, "is a symbolic link; not replaced (name the file it points to)")
    if not stat.S_ISREG(st.st_mode):
        raise SourceError(shown, f"{not_regular(st.st_mode)}; not replaced")
    if identity(st) in inputs:
        raise SourceError(shown, "is one of the files this run reads; not overwritten")
    return st


def check_output(path: str | os.PathLike[str], inputs: Collection[Identity] = ()) -> None:
    """Raise SourceError now if ``write_output(path, …, inputs=inputs)`` would refuse ``path``."""
    name = os.path.basename(os.fspath(path))
    directory = os.path.dirname(os.path.abspath(path))
    if not name or os.path.isdir(path):
        raise SourceError(path, "is a directory")
    if not os.path.isdir(directory):
        raise SourceError(path, f"no such directory {os.path.dirname(os.fspath(path)) or '.'}")
    try:
        fd = os.open(directory, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_reason(exc)}") from None
    try:
        _output_target(fd, name, path, inputs)
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(fd)


def write_output(
    path: str | os.PathLike[str], data: bytes, *, inputs: Collection[Identity] = ()
) -> None:
    """Create or replace a file the tool produces (a patch, a report, a backup) at ``path``.

    The user chose ``path``, so its directory may be reached through links, but the file itself
    must be a regular file or new: a symbolic link, a directory, a FIFO or a device is refused,
    and so is any of the run's ``inputs`` (identities, see ``identities``). A replaced file keeps
    its permission bits and owner; a new one gets the umask's.
    """
    check_output(path, inputs)
    directory = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(os.fspath(path))
    try:
        dir_fd = os.open(directory, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_reason(exc)}") from None
    try:
        st = _output_target(dir_fd, name, path, inputs)
        owner = None if st is None else (st.st_uid, st.st_gid)
        _replace(dir_fd, name, data, None if st is None else st.st_mode, owner)
    except OSError as exc:
        raise SourceError(path, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(dir_fd)


def write_backup(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``PATH.orig`` (atomically, replacing an older backup; never a link or
    the file itself), with the file's permission bits; return its path."""
    backup = Path(os.fspath(path) + ".orig")
    try:
        write_output(backup, data, inputs=identities([path]))
    except SourceError as exc:
        raise SourceError(backup, f"cannot write backup: {exc.reason}") from None
    with contextlib.suppress(OSError):
        os.chmod(backup, stat.S_IMODE(os.stat(path).st_mode), follow_symlinks=False)
    return backup


def _make_beneath(root: str | os.PathLike[str], parts: list[str]) -> int:
    """``open_beneath(root, parts)``, creating the directories that are missing."""
    for depth, part in enumerate(parts):
        fd = open_beneath(root, parts[:depth])
        try:
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o777, dir_fd=fd)
        finally:
            os.close(fd)
    return open_beneath(root, parts)


def write_beneath(root: str | os.PathLike[str], rel: str, data: bytes) -> None:
    """Create or replace ``root/rel`` (a '/'-separated path) without following any symbolic
    link below ``root``: a link on the way, or at ``rel``, is refused (the cache's writes)."""
    *parts, name = rel.split("/")
    shown = os.path.join(root, rel)
    try:
        dir_fd = _make_beneath(root, parts)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise SourceError(shown, "a symbolic link on its path; not followed") from None
        raise SourceError(shown, f"cannot write: {_reason(exc)}") from None
    try:
        _output_target(dir_fd, name, shown, ())
        _replace(dir_fd, name, data, None, None)
    except OSError as exc:
        raise SourceError(shown, f"cannot write: {_reason(exc)}") from None
    finally:
        os.close(dir_fd)


# -- copies of a tree ------------------------------------------------------------------------


def staging_name(target: str | os.PathLike[str]) -> Path:
    """Where a copy of a tree is built before it takes the name ``target``: a sibling whose name
    the sweep recognises once its run is gone (the copies killed runs left there are swept)."""
    path = Path(os.path.abspath(target))
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        try:
            sweep(fd)
        finally:
            os.close(fd)
    return path.parent / temp_name(path.name)


def _copy_file(source: str, target: str) -> str | None:
    """Copy one regular file (bytes, mode, times); the reason it could not be, or None."""
    try:
        fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except OSError as exc:
        return f"cannot read: {_reason(exc)}"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return f"{not_regular(st.st_mode)}; not copied"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
        out = os.open(target, flags, 0o600)
        with os.fdopen(out, "wb") as sink, os.fdopen(os.dup(fd), "rb") as src:
            shutil.copyfileobj(src, sink, 2**20)
            os.fchmod(sink.fileno(), stat.S_IMODE(st.st_mode))
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    except OSError as exc:
        return f"cannot copy: {_reason(exc)}"
    finally:
        os.close(fd)
    return None


def copy_tree(
    source: str | os.PathLike[str], target: str | os.PathLike[str], leave_out: Collection[str]
) -> list[tuple[str, str]]:
    """Copy the tree at ``source`` into the new directory ``target``: directories, regular files
    (bytes, modes, times) and symbolic links (as links, never followed). Directories named in
    ``leave_out`` are not copied. Returns (path relative to ``source``, reason) for each entry
    that was not copied: FIFOs, devices and sockets (never opened), what could not be read."""
    source, target = os.fspath(source), os.fspath(target)
    missed: list[tuple[str, str]] = []
    modes: list[tuple[str, os.stat_result]] = []

    def rel(path: str) -> str:
        return Path(os.path.relpath(path, source)).as_posix()

    def unreadable(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else source
        missed.append((rel(where) + "/", f"cannot read this directory: {_reason(exc)}"))

    os.mkdir(target, 0o700)
    modes.append((target, os.stat(source)))
    for current, dirnames, filenames in os.walk(source, onerror=unreadable, followlinks=False):
        into = os.path.join(target, os.path.relpath(current, source))
        kept = []
        for name in sorted(dirnames):
            if name in leave_out:
                continue
            if os.path.islink(os.path.join(current, name)):
                filenames.append(name)  # a link to a directory is copied as a link
                continue
            try:
                st = os.stat(os.path.join(current, name), follow_symlinks=False)
                os.mkdir(os.path.join(into, name), 0o700)
            except OSError as exc:
                where = rel(os.path.join(current, name)) + "/"
                missed.append((where, f"not copied: {_reason(exc)}"))
                continue
            modes.append((os.path.join(into, name), st))
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            src, dst = os.path.join(current, name), os.path.join(into, name)
            try:
                st = os.stat(src, follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    os.symlink(os.readlink(src), dst)
                    continue
            except OSError as exc:
                missed.append((rel(src), f"not copied: {_reason(exc)}"))
                continue
            if not stat.S_ISREG(st.st_mode):
                missed.append((rel(src), f"{kind_of(st.st_mode)}; not copied"))
                continue
            problem = _copy_file(src, dst)
            if problem is not None:
                missed.append((rel(src), problem))
    for directory, st in reversed(modes):  # deepest first: a read-only directory comes last
        with contextlib.suppress(OSError):
            os.chmod(directory, stat.S_IMODE(st.st_mode))
            os.utime(directory, ns=(st.st_atime_ns, st.st_mtime_ns))
    return missed


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Remove a tree this run made (a copy that was not finished); never follows links."""
    with contextlib.suppress(OSError):
        for current, dirnames, _ in os.walk(path):
            for name in dirnames:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(current, name), 0o700, follow_symlinks=False)
        shutil.rmtree(path)
