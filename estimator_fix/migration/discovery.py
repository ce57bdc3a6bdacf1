"""Which files a migration looks at: git-aware, ``.gitignore``-aware, vendored folders left out.

In a git work tree the candidates are what ``git ls-files`` lists: tracked files plus untracked
files that are not ignored (git applies every ``.gitignore``, ``.git/info/exclude`` and the global
excludes file). Elsewhere the tree is walked and the ``.gitignore`` files found in it are applied
with pathspec, each to the paths below its own directory, deeper files overriding shallower ones.

Either way: only ``*.py`` and ``*.ipynb`` files; hidden directories and vendored or generated
folders (``site-packages``, ``.venv``, ``node_modules``, ``build``…) are not entered; ``--exclude``
globs apply; symlinks are never followed (a symlink to a file inside the tree is left for its
target, one that leads outside is reported and skipped). Nothing is left out in silence: a
directory or file that cannot be read (permissions) is listed in ``unreadable``, which a run
reports as errors. Paths are repo-relative, '/'-separated.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estimator_fix.globs import matches
from estimator_fix.sources import MAX_CONFIG_BYTES, SKIP_DIRS, SourceError, read_regular

SUFFIXES = (".py", ".ipynb")

#: Folders skipped silently: version control and caches (never the user's code).
_QUIET_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__"})

#: (glob, the directory it is anchored at), see ``estimator_fix.globs``.
Exclude = tuple[str, str]


@dataclass(frozen=True)
class Discovery:
    """The files to migrate and what was left out.

    ``skipped`` lists (path, reason) for what a reader of the report should know was not looked
    at (vendored folders, symlinks); ``ignored`` counts the files and folders left out by
    ``.gitignore`` rules or ``--exclude`` (not listed: a repository can have thousands);
    ``unreadable`` lists (path, reason) for directories and files that could not be read.
    """

    files: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    ignored: int = 0
    git: bool = False
    unreadable: tuple[tuple[str, str], ...] = ()


@dataclass
class _Collector:
    root: Path
    excludes: Sequence[Exclude]
    files: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    ignored: int = 0

    def excluded(self, rel: str) -> bool:
        path = os.path.join(self.root, rel)
        return any(matches(path, glob, anchor) for glob, anchor in self.excludes)

    def skip_dir(self, rel: str, name: str) -> bool:
        """Whether the directory ``rel`` (named ``name``) is left out, noting why."""
        if name in SKIP_DIRS or name.startswith("."):
            if name in SKIP_DIRS and name not in _QUIET_DIRS:
                self.skipped.setdefault(rel + "/", f"vendored or generated folder ({name})")
            return True
        if self.excluded(rel):
            self.ignored += 1
            return True
        return False

    def take(self, rel: str) -> None:
        """Consider the file ``rel`` (its directories already passed ``skip_dir``)."""
        if not rel.endswith(SUFFIXES):
            return
        path = self.root / rel
        if any(rel.startswith(folder) for folder in self.unreadable if folder.endswith("/")):
            return  # its folder is listed already
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return  # listed by git, gone from the work tree
        except OSError as exc:
            self.unreadable[rel] = f"cannot read: {_reason(exc)}"
            return
        if stat.S_ISLNK(mode):
            self._symlink(rel, path)
            return
        if stat.S_ISDIR(mode):
            return
        if self.excluded(rel):
            self.ignored += 1
            return
        self.files.append(rel)

    def _symlink(self, rel: str, path: Path) -> None:
        real = Path(os.path.realpath(path))
        if not real.exists():  # dangling or looping: reading it says which
            self.files.append(rel)
            return
        try:
            target = real.relative_to(os.path.realpath(self.root)).as_posix()
        except ValueError:
            self.skipped[rel] = "symlink to a file outside the repository; not followed"
            return
        if real.is_file():
            self.skipped[rel] = f"symlink to {target}, which is migrated instead"

    def result(self, git: bool) -> Discovery:
        return Discovery(
            files=tuple(sorted(set(self.files))),
            skipped=tuple(sorted(self.skipped.items())),
            ignored=self.ignored,
            git=git,
            unreadable=tuple(sorted(self.unreadable.items())),
        )


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


#: git's warning for a directory it could not list (``ls-files --others``).
_GIT_UNREADABLE = re.compile(r"could not open directory '(?P<dir>[^']*)': (?P<why>.*)")


def git_files(root: Path, unreadable: dict[str, str] | None = None) -> list[str] | None:
    """Tracked plus untracked-not-ignored files under ``root``, or None when it is not in git.
    Directories git could not list go into ``unreadable``."""
    try:
        inside = subprocess.run(
            ["git", "-C", os.fspath(root), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            text=True,
            check=False,
        )
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return None
        # A folder the enclosing repository ignores (a copy under build/) was named on purpose:
        # it is walked as a plain tree, its own .gitignore files applied.
        ignored = subprocess.run(
            ["git", "-C", os.fspath(root), "check-ignore", "-q", "."],
            capture_output=True,
            check=False,
        )
        if ignored.returncode == 0:
            return None
        listed = subprocess.run(
            ["git", "-C", os.fspath(root), "ls-files", "-z", "--cached", "--others"]
            + ["--exclude-standard"],
            capture_output=True,
            check=False,
        )
    except OSError:  # no git on this machine
        return None
    if listed.returncode != 0:
        return None
    for line in listed.stderr.decode("utf-8", "surrogateescape").splitlines():
        match = _GIT_UNREADABLE.search(line)
        if match and unreadable is not None:
            directory = match.group("dir").rstrip("/") + "/"
            unreadable[directory] = f"cannot read this directory: {match.group('why').lower()}"
    names = listed.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted({name for name in names if name})


def _from_git(collector: _Collector, names: Iterable[str]) -> None:
    checked: dict[str, bool] = {}  # directory → left out
    for rel in names:
        parts = rel.split("/")
        left_out = False
        for depth in range(1, len(parts)):
            directory = "/".join(parts[:depth])
            if directory not in checked:
                checked[directory] = collector.skip_dir(directory, parts[depth - 1])
            if checked[directory]:
                left_out = True
                break
        if not left_out:
            collector.take(rel)


class _GitIgnores:
    """The ``.gitignore`` files of a tree walked outside git, applied as git would."""

    def __init__(self) -> None:
        self._specs: dict[str, Any] = {}  # directory ('' for the root) → pathspec.GitIgnoreSpec

    def load(self, root: Path, directory: str) -> str | None:
        """Read ``directory``'s ``.gitignore``, if any; why it could not be read, or None."""
        path = root / directory / ".gitignore"
        if not path.is_file():
            return None
        import pathspec

        try:
            data = read_regular(path, MAX_CONFIG_BYTES)
        except SourceError as exc:
            return exc.reason
        lines = data.decode("utf-8", "replace").splitlines()
        self._specs[directory] = pathspec.GitIgnoreSpec.from_lines(lines)
        return None

    def ignored(self, rel: str, is_dir: bool) -> bool:
        verdict = False
        parts = rel.split("/")
        for depth in range(len(parts)):
            base = "/".join(parts[:depth])
            spec = self._specs.get(base)
            if spec is None:
                continue
            below = "/".join(parts[depth:]) + ("/" if is_dir else "")
            decision = _decision(spec, below)
            if decision is not None:
                verdict = decision
        return verdict


def _decision(spec: Any, path: str) -> bool | None:
    """True ignored, False re-included by a ``!`` pattern, None when no pattern matches."""
    if hasattr(spec, "check_file"):  # pathspec >= 0.12 tells a negation from no match
        include = spec.check_file(path).include
        return None if include is None else bool(include)
    return True if spec.match_file(path) else None


def _walk(collector: _Collector) -> None:
    root = collector.root
    ignores = _GitIgnores()

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename if exc.filename is not None else root)
        rel = where.relative_to(root).as_posix() if where != root else "."
        collector.unreadable[rel + "/"] = f"cannot read this directory: {_reason(exc)}"

    for current, dirnames, filenames in os.walk(root, onerror=unreadable, followlinks=False):
        base = Path(current).relative_to(root).as_posix()
        base = "" if base == "." else base
        problem = ignores.load(root, base)
        if problem is not None:
            collector.unreadable[f"{base}/.gitignore" if base else ".gitignore"] = problem
        kept = []
        for name in sorted(dirnames):
            rel = f"{base}/{name}" if base else name
            if os.path.islink(os.path.join(current, name)):
                if not name.startswith("."):
                    collector.skipped[rel + "/"] = "symlink to a directory; not followed"
                continue
            if ignores.ignored(rel, is_dir=True):
                collector.ignored += 1
            elif not collector.skip_dir(rel, name):
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            rel = f"{base}/{name}" if base else name
            if not name.endswith(SUFFIXES):
                continue
            if ignores.ignored(rel, is_dir=False):
                collector.ignored += 1
            else:
                collector.take(rel)


def discover(root: Path, excludes: Sequence[Exclude] = (), *, use_git: bool = True) -> Discovery:
    """The ``*.py`` and ``*.ipynb`` files of the tree at ``root`` (see the module docstring)."""
    collector = _Collector(root, excludes)
    names = git_files(root, collector.unreadable) if use_git else None
    if names is not None:
        _from_git(collector, names)
        return collector.result(git=True)
    _walk(collector)
    return collector.result(git=False)
