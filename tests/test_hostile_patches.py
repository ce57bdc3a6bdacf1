"""Hostile input and faults, for patches and what reaches the terminal: ``git apply`` accepts every
patch and ``diff`` whatever the file's name, encoding and line endings, and the user's bytes never
reach a terminal as escape codes (issue 13, item 7 and the escape codes of 13).
"""

from __future__ import annotations

import functools
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from estimator_fix.cli.output import Output
from estimator_fix.diffs import patch, unified_diff
from estimator_fix.engine import Changed, Settings, process_source
from estimator_fix.migration import MigrationOptions, run
from tests.hostile import AFTER, BEFORE, FAKE, SOURCE, cli, git_apply, snapshot, write_tree

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ENCODINGS = {
    "utf-8": "",
    "utf-8 with BOM": "",
    "latin-1": "# -*- coding: latin-1 -*-\n",
    "cp1252": "# -*- coding: cp1252 -*-\n",
    "shift_jis": "# -*- coding: shift_jis -*-\n",
}
TEXT = {"utf-8": "é ü", "utf-8 with BOM": "é ü", "latin-1": "é ü", "cp1252": "€ é"}
TEXT["shift_jis"] = "日本語"
ENDINGS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}


@functools.cache
def rewrite(encoding: str, ending: str, real: bool = False) -> tuple[bytes, bytes]:
    """A model_fn in ``encoding`` with ``ending`` line breaks, and what the engine makes of it
    (with the real rules, or the quick test codemods)."""
    codec = "utf-8" if encoding.startswith("utf-8") else encoding
    text = ENCODINGS[encoding] + f"# {TEXT[encoding]}\n" + (BEFORE if real else SOURCE).decode()
    data = text.encode(codec).replace(b"\n", ENDINGS[ending])
    if encoding == "utf-8 with BOM":
        data = b"\xef\xbb\xbf" + data
    result = process_source("m.py", data, Settings() if real else FAKE)
    assert isinstance(result, Changed), result
    return data, result.fixed


#: Bytes a file name may hold besides letters: space, tab, newline, quote, backslash, ESC, DEL,
#: latin-1 and UTF-8 accents, a byte that is not UTF-8.
_NAME_BYTES = [b" ", b"\t", b"\n", b'"', b"\\", b"\x1b", b"\x7f", b"\xe9", b"\xc3\xa9", b"\xff"]
names = st.lists(
    st.sampled_from([b"a", b"b", b"model", b"-", b"_", *_NAME_BYTES]), min_size=1, max_size=12
).map(lambda parts: b"".join(parts) + b".py")


@EXAMPLES
@given(
    files=st.dictionaries(
        names,
        st.tuples(st.sampled_from(sorted(ENCODINGS)), st.sampled_from(sorted(ENDINGS))),
        min_size=1,
        max_size=4,
    )
)
def test_git_apply_takes_every_patch(tmp_path_factory: pytest.TempPathFactory, files: dict) -> None:
    """Names with any byte but '/' and NUL, every encoding, LF/CRLF/CR: one combined patch, as
    ``migrate --patch`` writes it, turns every original into its rewrite under ``git apply``."""
    directory = tmp_path_factory.mktemp("apply")
    combined = b""
    for name, (encoding, ending) in sorted(files.items()):
        original, fixed = rewrite(encoding, ending)
        write_tree(directory, {name: original})
        combined += patch(os.fsdecode(name), original, fixed)
    applied = git_apply(directory, combined)
    assert applied.returncode == 0, applied.stderr
    for name, (encoding, ending) in files.items():
        path = os.path.join(os.fsencode(directory), name)
        with open(path, "rb") as handle:
            assert handle.read() == rewrite(encoding, ending)[1], name


@pytest.mark.parametrize("ending", sorted(ENDINGS))
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_diff_prints_the_files_own_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, encoding: str, ending: str
) -> None:
    original, fixed = rewrite(encoding, ending, real=True)
    write_tree(tmp_path, {"m.py": original})
    monkeypatch.chdir(tmp_path)
    result = cli("diff", "m.py")
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes == patch("m.py", original, fixed)
    applied = git_apply(tmp_path, result.stdout_bytes)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / "m.py").read_bytes() == fixed


def test_diff_of_real_rules_on_a_latin1_file_applies(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    header = "# -*- coding: latin-1 -*-\n# café\n".encode("latin-1")
    name = os.fsdecode("café_model.py".encode("latin-1"))  # a latin-1 name, too
    write_tree(tmp_path, {name: header + BEFORE})
    result = cli("diff", name)
    assert result.exit_code == 1, result.stderr
    assert result.stdout_bytes.startswith(b"--- a/caf\xe9_model.py\n+++ b/caf\xe9_model.py\n")
    applied = git_apply(tmp_path, result.stdout_bytes)
    assert applied.returncode == 0, applied.stderr
    assert (tmp_path / name).read_bytes() == header + AFTER


def test_a_cr_only_file_does_not_corrupt_the_combined_patch(tmp_path: Path) -> None:
    files = {"a_cr.py": SOURCE.replace(b"\n", b"\r"), "b_lf.py": SOURCE, "c_crlf.py": SOURCE}
    files["c_crlf.py"] = SOURCE.replace(b"\n", b"\r\n")
    repo = write_tree(tmp_path / "repo", files)
    out = run(MigrationOptions(repo=repo, mode="out", destination=tmp_path / "out", settings=FAKE))
    assert out.fixed == 3
    result = run(
        MigrationOptions(repo=repo, mode="patch", destination=tmp_path / "all.patch", settings=FAKE)
    )
    assert result.fixed == 3
    applied = git_apply(repo, (tmp_path / "all.patch").read_bytes())
    assert applied.returncode == 0, applied.stderr
    assert snapshot(repo, lambda rel: rel.endswith(".py")) == snapshot(tmp_path / "out")


def test_a_file_name_with_a_newline(tmp_path: Path) -> None:
    repo = write_tree(tmp_path / "repo", {"new\nline.py": SOURCE, 'quote".py': SOURCE})
    patch_file = tmp_path / "all.patch"
    result = run(MigrationOptions(repo=repo, mode="patch", destination=patch_file, settings=FAKE))
    assert result.fixed == 2 and not result.problems
    data = patch_file.read_bytes()
    assert b'--- "a/new\\nline.py"\n' in data and b'--- "a/quote\\".py"\n' in data
    assert git_apply(repo, data).returncode == 0
    assert b"tf.print" in (repo / "new\nline.py").read_bytes()


# -- escape codes never reach a terminal -------------------------------------------------------

ESCAPE = "\x1b]0;owned\x07\x1b[2J"
SNIPPET_MODEL = BEFORE.replace(
    b"    if mode",
    b'    tf.compat.v1.summary.scalar("' + ESCAPE.encode() + b'", loss)\n    if mode',
    1,
)


def _terminal() -> tuple[Output, io.StringIO, io.StringIO]:
    stdout, stderr = io.StringIO(), io.StringIO()
    out = Output(
        stdout=Console(file=stdout, force_terminal=True, no_color=True, soft_wrap=True),
        stderr=Console(file=stderr, force_terminal=True, no_color=True, soft_wrap=True),
    )
    return out, stdout, stderr


def test_escape_codes_in_names_and_snippets_are_shown_escaped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    name = f"evil{ESCAPE}.py"
    write_tree(tmp_path, {name: SNIPPET_MODEL})
    monkeypatch.chdir(tmp_path)
    for args in (("check", name), ("check", "--format", "github", name), ("fix", "-v", name)):
        result = cli(*args)
        assert "\x1b" not in result.stdout + result.stderr, args
        assert "\\x1b]0;owned\\x07" in result.stdout + result.stderr, args
    out, stdout, _ = _terminal()
    diff = unified_diff(name, SNIPPET_MODEL, AFTER)
    out.diff(diff, patch(name, SNIPPET_MODEL, AFTER))
    assert "\x1b" not in stdout.getvalue() and "\\x1b[2J" in stdout.getvalue()


def test_errors_and_warnings_are_shown_escaped() -> None:
    out, _, stderr = _terminal()
    out.error(f"bad{ESCAPE}.py", f"reason {ESCAPE}")
    out.warning("x.py", f"warning {ESCAPE}")
    assert "\x1b" not in stderr.getvalue()
    assert stderr.getvalue().count("\\x1b]0;owned\\x07") == 3
