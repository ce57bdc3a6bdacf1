"""Reading, decoding, atomic writing and discovering source files; path globs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from estimator_fix.globs import matches
from estimator_fix.sources import SourceError, decode_check, iter_python_files, read_source
from estimator_fix.writing import ChangedOnDiskError, write_backup, write_source

# -- reading and decoding --------------------------------------------------------------------


def test_read_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        read_source(tmp_path / "missing.py")
    with pytest.raises(SourceError, match="is a directory"):
        read_source(tmp_path)


@pytest.mark.parametrize(
    "data",
    [
        b"x = 1\n",
        b"",
        b"\xef\xbb\xbfx = 'caf\xc3\xa9'\r\n",
        b"# -*- coding: latin-1 -*-\nx = 'caf\xe9'\n",
        b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nx = '\x80'\n",
    ],
)
def test_decodable_sources(data: bytes) -> None:
    assert decode_check("f.py", data) is None


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"x = 1\ny = '\xff'\n", "cannot decode as utf-8: invalid start byte (byte 0xff at line 2"),
        (b"x = '\xe9'\n", "cannot decode as utf-8: "),
        (b"\xef\xbb\xbfx = '\xe9'\n", "cannot decode as utf-8: "),
        (b"# coding: klingon\n", "unknown encoding: klingon in the coding declaration"),
        (b"\xef\xbb\xbf# coding: latin-1\n", "bad encoding declaration: "),
        (b"x = 1\x00\n", "contains a NUL byte at line 1"),
    ],
)
def test_undecodable_sources(data: bytes, reason: str) -> None:
    found = decode_check("f.py", data)
    assert found is not None and found.startswith(reason), found


# -- atomic writes ---------------------------------------------------------------------------


def test_write_source_replaces_and_keeps_permissions(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o751)
    write_source(path, b"new\n", b"old\n")
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]  # no temp file left


def test_write_source_refuses_a_file_changed_since_read(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"edited by someone else\n")
    with pytest.raises(ChangedOnDiskError, match="changed on disk since it was read"):
        write_source(path, b"new\n", b"old\n")
    assert path.read_bytes() == b"edited by someone else\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_write_source_refuses_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o444)
    with pytest.raises(SourceError, match="read-only"):
        write_source(path, b"new\n", b"old\n")
    assert path.read_bytes() == b"old\n"


def test_write_source_on_a_removed_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        write_source(tmp_path / "gone.py", b"new\n", b"old\n")
    assert not (tmp_path / "gone.py").exists()


def test_write_source_goes_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "real.py"
    target.write_bytes(b"old\n")
    link = tmp_path / "link.py"
    link.symlink_to(target)
    write_source(link, b"new\n", b"old\n")
    assert link.is_symlink()
    assert target.read_bytes() == b"new\n"


def test_interrupted_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")

    def interrupted(src: str, dst: str, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_source(path, b"new\n", b"old\n")
    assert path.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.py"]


def test_write_backup(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"old\n")
    backup = write_backup(path, b"old\n")
    assert backup == tmp_path / "m.py.orig"
    assert backup.read_bytes() == b"old\n"


# -- discovery --------------------------------------------------------------------------------


def make_tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")


def relative(root: Path, paths: object) -> list[str]:
    return [Path(p).relative_to(root).as_posix() for p in paths]  # type: ignore[attr-defined]


def test_directories_are_walked_sorted_and_skip_tool_dirs(tmp_path: Path) -> None:
    make_tree(
        tmp_path,
        [
            "b.py",
            "a.py",
            "notes.txt",
            "pkg/z.py",
            "pkg/sub/y.py",
            ".git/hooks/h.py",
            ".venv/lib/v.py",
            "venv/lib/v.py",
            "lib/site-packages/s.py",
            "node_modules/n.py",
            "build/lib/b.py",
            "pkg/__pycache__/c.py",
            ".hidden/h.py",
        ],
    )
    found = relative(tmp_path, iter_python_files([tmp_path]))
    assert found == ["a.py", "b.py", "pkg/z.py", "pkg/sub/y.py"]


def test_exclude_globs(tmp_path: Path) -> None:
    make_tree(tmp_path, ["src/a.py", "src/gen_b.py", "fixtures/x/bad_c.py", "fixtures/bad_d.py"])
    found = iter_python_files([tmp_path], ["gen_*.py", "fixtures/**/bad_*.py"], root=tmp_path)
    assert relative(tmp_path, found) == ["src/a.py"]


def test_files_named_directly_are_always_taken(tmp_path: Path) -> None:
    make_tree(tmp_path, ["gen_a.py", "script"])
    found = list(iter_python_files([tmp_path / "gen_a.py", tmp_path / "script"], ["gen_*"]))
    assert relative(tmp_path, found) == ["gen_a.py", "script"]


def test_each_file_once(tmp_path: Path) -> None:
    make_tree(tmp_path, ["a.py"])
    found = list(iter_python_files([tmp_path, tmp_path / "a.py", tmp_path]))
    assert relative(tmp_path, found) == ["a.py"]


def test_symlinks_out_of_the_tree_are_not_followed(tmp_path: Path) -> None:
    make_tree(tmp_path, ["outside/secret.py", "outside/dir/deep.py", "tree/a.py"])
    (tmp_path / "tree" / "link.py").symlink_to(tmp_path / "outside" / "secret.py")
    (tmp_path / "tree" / "linkdir").symlink_to(tmp_path / "outside" / "dir")
    (tmp_path / "tree" / "inside.py").symlink_to(tmp_path / "tree" / "a.py")
    found = relative(tmp_path, iter_python_files([tmp_path / "tree"]))
    assert found == ["tree/a.py"]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory") as info:
        list(iter_python_files([tmp_path / "nope"]))
    assert info.value.path == str(tmp_path / "nope")


def test_directory_without_python_files_is_an_error(tmp_path: Path) -> None:
    make_tree(tmp_path, ["README.md", "venv/lib/x.py"])
    with pytest.raises(SourceError, match="no Python files or notebooks found"):
        list(iter_python_files([tmp_path]))


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("proj/build/x.py", "build", True),
        ("proj/src/x.py", "build", False),
        ("proj/src/test_x.py", "test_*.py", True),
        ("proj/fixtures/a/b/bad_x.py", "fixtures/**/bad_*.py", True),
        ("proj/fixtures/bad_x.py", "fixtures/**/bad_*.py", True),
        ("proj/other/fixtures/bad_x.py", "fixtures/**/bad_*.py", False),
        ("proj/src/a.py", "src/*.py", True),
        ("proj/src/sub/a.py", "src/*.py", False),
        ("proj/src/sub/a.py", "src/", True),  # as in .gitignore: any directory named src
        ("proj/src", "./src/", True),
        ("proj/x.py", "[xy].py", True),
        ("elsewhere/build/x.py", "build", True),
        ("elsewhere/src/x.py", "src/x.py", False),
    ],
)
def test_glob_matching(tmp_path: Path, path: str, pattern: str, expected: bool) -> None:
    assert matches(tmp_path / path, pattern, tmp_path / "proj") is expected
