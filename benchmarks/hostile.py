"""Run the hostile corpus of issue 13 through the real command line and print what happened.

Each case builds a sandbox (a repository, files outside it that links point at, the places
outputs go), runs one ``estimator-fix`` command in its own process (the code as it is on disk),
and records its exit code, the bytes it changed outside its target (what the command may write:
the files it fixes, its patch, report or copy, the repository's cache; this must be 0), its wall
time and the peak RSS of its process tree (sampled every 50 ms), and whether the case's own
expectation held (one line and no traceback, ``git apply`` accepts the patch, no process left
behind, ...). Cases that need root's powers (device nodes) or to be run without them (unreadable
directories) say so when they cannot be run. Run by hand; it is not part of the test suite.

    .venv/bin/python benchmarks/hostile.py [--only TEXT] [--keep DIR]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_check import timed  # noqa: E402

from tests.hostile import (  # noqa: E402
    AFTER,
    BEFORE,
    ROOT,
    drop_file_access,
    git,
    write_tree,
)

COMMAND = [sys.executable, "-c", "from estimator_fix.cli import main; main()"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
CACHE = ".estimator-fix-cache"
DEMO_NOTEBOOK = ROOT / "fixtures" / "demo_repo" / "notebooks" / "price_bands.ipynb"


@dataclass
class Ran:
    """What one command did."""

    sandbox: Path
    returncode: int
    stdout: bytes
    stderr: bytes
    seconds: float
    peak_rss: int

    @property
    def errors(self) -> list[bytes]:
        return [line for line in self.stderr.splitlines() if b"error: " in line]


Check = Callable[[Ran], "str | None"]


@dataclass
class Case:
    """One hostile input: ``build`` makes the sandbox, ``args`` run in it, ``targets`` are the
    sandbox paths (and folders) the command may change, ``check`` says what went wrong (None:
    nothing)."""

    name: str
    args: list[str]
    build: Callable[[Path], object]
    check: Check
    targets: tuple[str, ...] = ()
    unprivileged: bool = False
    run: Callable[[Case, Path], Ran] | None = None
    notes: list[str] = field(default_factory=list)


# -- sandboxes --------------------------------------------------------------------------------


def repo(root: Path, extra: dict[str | bytes, bytes] | None = None) -> Path:
    """The sandbox's repository (one fixable model_fn) and a file outside it."""
    write_tree(root, {"repo/trainer/model.py": BEFORE, "repo/README.md": b"# demo\n"})
    write_tree(root, {"outside/keep.txt": b"not estimator-fix's to write\n"})
    if extra:
        write_tree(root / "repo", extra)
    return root / "repo"


def device(path: Path, minor: int = 5) -> bool:
    """A character device like /dev/zero (minor 5) or /dev/null (3); only root may make one."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, AttributeError):
        return False
    return True


Snapshot = dict[str, tuple[int, bytes]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under ``root``: (type, content) — bytes of a file, target of a link."""
    entries: Snapshot = {}
    for current, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(current, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            kind = stat.S_IFMT(st.st_mode)
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as handle:
                    content = handle.read()
            elif stat.S_ISLNK(st.st_mode):
                content = os.fsencode(os.readlink(path))
            else:
                content = b""
            entries[rel] = (kind | stat.S_IMODE(st.st_mode), content)
    return entries


def changed_outside(before: Snapshot, after: Snapshot, targets: tuple[str, ...]) -> int:
    """Bytes that differ between two snapshots, outside ``targets`` (an entry whose type or mode
    changed counts at least 1)."""
    total = 0
    for rel in set(before) | set(after):
        if any(rel == t or rel.startswith(t.rstrip("/") + "/") for t in targets):
            continue
        old, new = before.get(rel), after.get(rel)
        if old == new:
            continue
        if old is None or new is None:
            total += max(len((old or new or (0, b""))[1]), 1)
            continue
        differing = sum(a != b for a, b in zip(old[1], new[1])) + abs(len(old[1]) - len(new[1]))
        total += max(differing, int(old[0] != new[0]))
    return total


def ordinary(case: Case, sandbox: Path) -> Ran:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        timing = timed(
            [*COMMAND, *case.args],
            sandbox,
            ENV,
            stdout=out,
            stderr=err,
            timeout=600,
            preexec_fn=drop_file_access if case.unprivileged else None,
        )
        out.seek(0)
        err.seek(0)
        return Ran(sandbox, timing.returncode, out.read(), err.read(), timing.seconds,
                   timing.peak_rss)


# -- expectations ------------------------------------------------------------------------------


def no_traceback(ran: Ran) -> str | None:
    if b"Traceback" in ran.stderr or "───".encode() in ran.stderr:
        return "traceback"
    return None


def refused(*fragments: str) -> Check:
    """Exit 2, one error line holding every fragment, no traceback."""

    def check(ran: Ran) -> str | None:
        if ran.returncode != 2:
            return f"exit {ran.returncode}, not 2"
        if len(ran.errors) != 1:
            return f"{len(ran.errors)} error lines"
        missing = [f for f in fragments if f.encode() not in ran.errors[0]]
        return f"error line lacks {missing}" if missing else no_traceback(ran)

    return check


def finished(code: int, *also: Check) -> Check:
    def check(ran: Ran) -> str | None:
        if ran.returncode != code:
            return f"exit {ran.returncode}, not {code}: {ran.stderr[-300:]!r}"
        for more in (no_traceback, *also):
            problem = more(ran)
            if problem:
                return problem
        return None

    return check


def file_is(rel: str, data: bytes) -> Check:
    def check(ran: Ran) -> str | None:
        path = os.path.join(os.fsencode(ran.sandbox), os.fsencode(rel))
        with open(path, "rb") as handle:
            return None if handle.read() == data else f"{rel} is not what was expected"

    return check


def applies(patch: str, directory: str = "repo") -> Check:
    """``git apply`` in a copy of ``directory`` accepts the patch file (or stdout: '-')."""

    def check(ran: Ran) -> str | None:
        data = ran.stdout if patch == "-" else (ran.sandbox / patch).read_bytes()
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / "copy"
            shutil.copytree(ran.sandbox / directory, copy, symlinks=True)
            done = subprocess.run(
                ["git", "apply", "-"], cwd=copy, input=data, capture_output=True, check=False
            )
        return None if done.returncode == 0 else f"git apply: {done.stderr[:200]!r}"

    return check


def no_raw_escape(ran: Ran) -> str | None:
    return "an escape code reached the output" if b"\x1b" in ran.stdout + ran.stderr else None


# -- cases that need more than one command -----------------------------------------------------


def _descendants(pid: int) -> set[int]:
    try:
        return {p.pid for p in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return set()


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.Error:
            pass
    return alive


def kill_main(case: Case, sandbox: Path) -> Ran:
    """Start ``migrate -j 2``, SIGKILL its main process once workers run, count survivors."""
    started = time.perf_counter()
    main = subprocess.Popen(
        [*COMMAND, *case.args], cwd=sandbox, env=ENV, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: set[int] = set()
    peak = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 4:
        time.sleep(0.2)
        workers = _descendants(main.pid)
    for pid in {main.pid, *workers}:
        with contextlib.suppress(psutil.Error):
            peak += psutil.Process(pid).memory_info().rss
    main.send_signal(signal.SIGKILL)
    main.wait()
    deadline = time.monotonic() + 15
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = _alive(workers)
    names = sorted(" ".join(psutil.Process(pid).cmdline())[-60:] for pid in left)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    note = f"{len(workers)} child processes, {len(left)} left alive after the main one was killed"
    note += f" ({'; '.join(names)})" if names else ""
    case.notes.append(note)
    return Ran(sandbox, main.returncode, b"", note.encode(), time.perf_counter() - started, peak)


def _claimed_once(ran: Ran) -> str | None:
    counts = ran.stderr.split(b"fixed ")[1].split(b" of")[0].split(b" + ")
    return None if sum(int(n) for n in counts) == 100 else ran.stderr.decode()


def no_survivor(ran: Ran) -> str | None:
    return None if b", 0 left alive" in ran.stderr else ran.stderr.decode()


def concurrent(case: Case, sandbox: Path) -> Ran:
    """Two ``fix`` runs on the same 100 files at once: every file is claimed by one of them."""
    started = time.perf_counter()
    runs = [
        subprocess.Popen([*COMMAND, *case.args], cwd=sandbox, env=ENV, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600)[1] for run in runs]
    fixed = [int(out.splitlines()[-1].split(b" file")[0]) for out in outputs]
    note = f"runs fixed {fixed[0]} + {fixed[1]} of 100 files"
    case.notes.append(note)
    code = max(run.returncode for run in runs)
    return Ran(sandbox, code, b"", note.encode(), time.perf_counter() - started, 0)


def _serve(greet: bytes | None) -> tuple[int, threading.Event]:
    """A TCP service on a free port: it greets with ``greet`` (a banner), or waits (HTTP)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def loop() -> None:
        held = []
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            held.append(connection)
            if greet:
                connection.sendall(greet)
        server.close()

    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1], stop


def scheduler(greet: bytes | None) -> Callable[[Case, Path], Ran]:
    def run(case: Case, sandbox: Path) -> Ran:
        port, stop = _serve(greet)
        case.args = [arg.replace("PORT", str(port)) for arg in case.args]
        try:
            return ordinary(case, sandbox)
        finally:
            stop.set()

    return run


# -- the corpus ---------------------------------------------------------------------------------

ONE_LINE = b"import tensorflow as tf; " + b"a = tf.estimator.EstimatorSpec; " * 8000 + b"\n"
FIVE_MB_LINE = b"import tensorflow as tf; " + b"a = tf.estimator.EstimatorSpec; " * 160_000
FIVE_MB_LIST = b"# model_fn\nx = [" + b"1, " * 1_800_000 + b"]\n"
LATIN1 = b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + BEFORE
CP1252 = "# -*- coding: cp1252 -*-\n# €\n".encode("cp1252") + BEFORE
SJIS = "# -*- coding: shift_jis -*-\n# 日本語\n".encode("shift_jis") + BEFORE
ESCAPES = b'    tf.compat.v1.summary.scalar("\x1b]0;owned\x07\x1b[2J", loss)\n'
SUMMARY = BEFORE.replace(b"    if mode", ESCAPES + b"    if mode", 1)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _link(path: Path, to: Path) -> None:
    path.symlink_to(to)


def _tamper(sandbox: Path) -> None:
    repo(sandbox)
    subprocess.run([*COMMAND, "migrate", "repo", "-q", "-j", "1"], cwd=sandbox, env=ENV,
                   capture_output=True, check=False)
    for entry in (sandbox / "repo" / CACHE).rglob("*.json"):
        data = json.loads(entry.read_text())
        if data.get("kind") == "changed":
            data["fixed"] = base64.b64encode(b"def broken(:\n").decode()
            entry.write_text(json.dumps(data))


def _linked_cache(sandbox: Path) -> None:
    repo(sandbox)
    (sandbox / "outside" / "cache").mkdir()
    (sandbox / "repo" / CACHE).symlink_to(sandbox / "outside" / "cache")


def _locked(sandbox: Path, use_git: bool) -> None:
    repo(sandbox, {"locked/model.py": BEFORE})
    if use_git:
        git(sandbox / "repo", "init", "-q")
        git(sandbox / "repo", "add", "-A")
        git(sandbox / "repo", "commit", "-qm", "x")
    os.chmod(sandbox / "repo" / "locked", 0)


def _notebook_layout(sandbox: Path) -> None:
    data = json.loads(DEMO_NOTEBOOK.read_bytes())
    data["metadata"]["scale"] = "@@NUMBER@@"
    data["metadata"]["url"] = "@@URL@@"
    text = json.dumps(data, indent=2, sort_keys=False, ensure_ascii=True)
    text = text.replace('"@@NUMBER@@"', "1.0E-5").replace('"@@URL@@"', '"http:\\/\\/x.org\\/a"')
    text = text.replace('"nbformat": 4', '"nbformat": 3, "nbformat": 4')
    write_tree(sandbox, {"repo/nb.ipynb": text.replace("\n", "\r\n").encode()})


def _outside_cell_kept(ran: Ran) -> str | None:
    data = (ran.sandbox / "repo" / "nb.ipynb").read_bytes()
    for kept in (b"1.0E-5", b"http:\\/\\/x.org\\/a", b'"nbformat": 3, "nbformat": 4', b"\r\n"):
        if kept not in data:
            return f"{kept!r} was rewritten"
    return None


def _stale(sandbox: Path) -> None:
    repo(sandbox)
    for name in (".model.py.ef-999999999-abc123.tmp", ".model.py.k3j5h2g1.tmp"):
        (sandbox / "repo" / "trainer" / name).write_bytes(b"half")
    old = time.time() - 7200
    os.utime(sandbox / "repo" / "trainer" / ".model.py.k3j5h2g1.tmp", (old, old))


def _swept(ran: Ran) -> str | None:
    left = sorted(os.listdir(ran.sandbox / "repo" / "trainer"))
    return None if left == ["model.py"] else f"left: {left}"


def _mode_kept(ran: Ran) -> str | None:
    mode = stat.S_IMODE((ran.sandbox / "repo" / "trainer" / "model.py").stat().st_mode)
    return None if mode == 0o6755 else f"mode {oct(mode)}"


def _migrate_notebook(sandbox: Path) -> None:
    write_tree(sandbox, {"repo/nb.ipynb": DEMO_NOTEBOOK.read_bytes()})
    subprocess.run([*COMMAND, "migrate", "repo", "--out", "migrated", "-q", "-j", "1"],
                   cwd=sandbox, env=ENV, capture_output=True, check=False)


def _same_as_migrate(ran: Ran) -> str | None:
    mine = (ran.sandbox / "repo" / "nb.ipynb").read_bytes()
    theirs = (ran.sandbox / "migrated" / "nb.ipynb").read_bytes()
    return None if mine == theirs else "fix and migrate rewrote the notebook differently"


NEWLINE = os.fsdecode(b"new\nline.py")
NOT_UTF8 = os.fsdecode(b"caf\xe9_model.py")
LONG = "m" * 252 + ".py"


def corpus() -> list[Case]:
    migrate = ["migrate", "repo", "-j", "1"]
    return [
        # 1. --patch and --report replace only their own files
        Case("patch onto a source file", [*migrate, "--patch", "repo/trainer/model.py"],
             repo, refused("is one of the files this run reads")),
        Case("patch onto a FIFO", [*migrate, "--patch", "out.patch"],
             lambda s: (repo(s), _fifo(s / "out.patch")), refused("a FIFO")),
        Case("patch onto a symlink", [*migrate, "--patch", "out.patch"],
             lambda s: (repo(s), _link(s / "out.patch", s / "outside" / "keep.txt")),
             refused("is a symbolic link")),
        Case("patch onto a device", [*migrate, "--patch", "null.patch"],
             lambda s: (repo(s), device(s / "null.patch", 3) or s.joinpath("null.patch").mkdir()),
             refused("null.patch")),
        Case("report onto a symlink", [*migrate, "--report", "r.md"],
             lambda s: (repo(s), _link(s / "r.md", s / "outside" / "keep.txt")),
             refused("is a symbolic link")),
        Case("report onto a FIFO", [*migrate, "--report", "r.md"],
             lambda s: (repo(s), _fifo(s / "r.md")), refused("a FIFO")),
        # 2. --out and special files
        Case("out: /dev/zero and a FIFO in the tree", [*migrate, "--out", "copy"],
             lambda s: (repo(s), device(s / "repo" / "zero"), _fifo(s / "repo" / "pipe")),
             finished(0, file_is("copy/trainer/model.py", AFTER)),
             targets=("copy", "repo/" + CACHE)),
        # 3. many statements, huge lines
        Case("check: 8,000 statements on one line", ["check", "repo/one_line.py"],
             lambda s: repo(s, {"one_line.py": ONE_LINE}), finished(0)),
        Case("check: the same 8,000 statements, one a line", ["check", "repo/lines.py"],
             lambda s: repo(s, {"lines.py": ONE_LINE.replace(b"; ", b"\n")}), finished(0)),
        Case("check: a 5 MB line of statements", ["check", "repo/big.py"],
             lambda s: repo(s, {"big.py": FIVE_MB_LINE}), refused("too large to analyse")),
        Case("fix: a 5 MB one-line list", ["fix", "repo/big.py"],
             lambda s: repo(s, {"big.py": FIVE_MB_LIST}), refused("too large to analyse")),
        # 4. one line, never a traceback
        Case("patch: a non-UTF-8 file name", [*migrate, "--patch", "fix.patch"],
             lambda s: repo(s, {NOT_UTF8: BEFORE}), finished(0, applies("fix.patch")),
             targets=("fix.patch", "repo/" + CACHE)),
        Case("report .md: a non-UTF-8 file name", [*migrate, "--report", "r.md"],
             lambda s: (repo(s, {NOT_UTF8: BEFORE}), write_tree(s, {"r.md": b"previous\n"})),
             finished(0), targets=("r.md", "repo/" + CACHE)),
        Case("check sarif: a non-UTF-8 file name", ["check", "--format", "sarif", "repo"],
             lambda s: repo(s, {NOT_UTF8: BEFORE}), finished(1)),
        Case("check: --exclude '[z-a].py'", ["check", "repo", "--exclude", "[z-a].py"],
             repo, refused("bad glob")),
        Case("migrate: bad per-file-ignores glob", migrate,
             lambda s: repo(s, {"pyproject.toml":
                                b'[tool.estimator-fix]\nper-file-ignores = {"[z-a]" = ["EF1"]}\n'}),
             refused("bad glob")),
        Case("check: a non-UTF-8 pyproject.toml", ["check", "repo"],
             lambda s: repo(s, {"pyproject.toml": b"# caf\xe9\n[tool.estimator-fix]\n"}),
             refused("not UTF-8")),
        Case("migrate: tracked file in an unreadable folder (git)", migrate,
             lambda s: _locked(s, use_git=True), finished(1), unprivileged=True,
             targets=("repo/" + CACHE,)),
        Case("scheduler: a service that greets first", [*migrate, "--scheduler", "tcp://127.0.0.1:PORT"],
             repo, refused("not a Dask scheduler"), run=scheduler(b"SSH-2.0-OpenSSH_9.6\r\n")),
        # 5 and 6. the cache
        Case("in-place after a tampered cache entry", [*migrate, "--in-place"], _tamper,
             finished(0, file_is("repo/trainer/model.py", AFTER)),
             targets=("repo/trainer/model.py", "repo/" + CACHE)),
        Case("cache folder is a link out of the repo", migrate, _linked_cache, finished(0)),
        # 7. patches git apply accepts
        Case("patch: CR-only, newline and latin-1 names", [*migrate, "--patch", "fix.patch"],
             lambda s: repo(s, {"cr.py": BEFORE.replace(b"\n", b"\r"), NEWLINE: BEFORE,
                                "café.py": LATIN1}),
             finished(0, applies("fix.patch")), targets=("fix.patch", "repo/" + CACHE)),
        Case("diff: a latin-1 file", ["diff", "repo/latin1.py"],
             lambda s: repo(s, {"latin1.py": LATIN1}), finished(1, applies("-", "."))),
        Case("diff: a cp1252 file", ["diff", "repo/cp1252.py"],
             lambda s: repo(s, {"cp1252.py": CP1252}), finished(1, applies("-", "."))),
        Case("diff: a shift_jis file", ["diff", "repo/sjis.py"],
             lambda s: repo(s, {"sjis.py": SJIS}), finished(1, applies("-", "."))),
        # 8. unreadable folders are errors
        Case("check: an unreadable folder", ["check", "repo"],
             lambda s: _locked(s, use_git=False), finished(1), unprivileged=True),
        # 9. orphans and hangs
        Case("migrate -j 2, main process killed", [*migrate[:2], "-j", "2", "--no-cache"],
             lambda s: repo(s, {f"slow{i}.py": ONE_LINE for i in range(4)}), no_survivor,
             run=kill_main, targets=("repo/" + CACHE,)),
        Case("scheduler: an HTTP port", [*migrate, "--scheduler", "tcp://127.0.0.1:PORT"],
             repo, refused("no Dask handshake"), run=scheduler(None)),
        # 11. --timeout
        Case("migrate --timeout inf", [*migrate, "--timeout", "inf"], repo, finished(0),
             targets=("repo/" + CACHE,)),
        Case("check --timeout 1e10", ["check", "--timeout", "1e10", "repo"], repo, finished(1)),
        # 12. notebook JSON layouts
        Case("fix: a notebook in an unusual JSON layout", ["fix", "repo/nb.ipynb"],
             _notebook_layout, finished(0, _outside_cell_kept), targets=("repo/nb.ipynb",)),
        Case("fix: a notebook, as migrate writes it", ["fix", "repo/nb.ipynb"], _migrate_notebook,
             finished(0, _same_as_migrate), targets=("repo/nb.ipynb",)),
        # 13. modes, long names, stale temps, concurrency, malformed notebooks, escapes, config
        Case("fix: a setuid/setgid file", ["fix", "repo/trainer/model.py"],
             lambda s: (repo(s), os.chmod(s / "repo" / "trainer" / "model.py", 0o6755)),
             finished(0, _mode_kept), targets=("repo/trainer/model.py",)),
        Case("fix: a 255-character name", ["fix", f"repo/{LONG}"],
             lambda s: repo(s, {LONG: BEFORE}), finished(0, file_is(f"repo/{LONG}", AFTER)),
             targets=(f"repo/{LONG}",)),
        Case("fix: stale temp files of a killed run", ["fix", "repo/trainer/model.py"], _stale,
             finished(0, _swept), targets=("repo/trainer",)),
        Case("two fix runs at once on 100 files", ["fix", "repo/many"],
             lambda s: repo(s, {f"many/m{i:03}.py": BEFORE for i in range(100)}),
             _claimed_once, run=concurrent, targets=("repo/many",)),
        Case("check: a malformed notebook", ["check", "repo/nb.ipynb"],
             lambda s: repo(s, {"nb.ipynb": b'{"cells": [[1]], "nbformat": 4, "metadata": {}}'}),
             refused("malformed notebook")),
        Case("check: escape codes in a name and a snippet", ["check", "repo"],
             lambda s: repo(s, {"evil\x1b[31m.py": SUMMARY}), finished(1, no_raw_escape)),
        Case("check --config /dev/zero", ["check", "--config", "/dev/zero", "repo"], repo,
             refused("not a regular file (a character device)")),
    ]


def run_case(case: Case, base: Path) -> tuple[Ran, int, str]:
    sandbox = base / "".join(c if c.isalnum() else "-" for c in case.name)[:60]
    sandbox.mkdir(parents=True)
    case.build(sandbox)
    if case.unprivileged:
        os.chmod(sandbox, 0o755)
    before = snapshot(sandbox)
    ran = (case.run or ordinary)(case, sandbox)
    outside = changed_outside(before, snapshot(sandbox), case.targets)
    problem = case.check(ran)
    return ran, outside, "ok" if problem is None else f"FAILED: {problem}"


def rows(cases: list[Case], base: Path) -> Iterator[str]:
    yield "| case | command | exit | bytes changed outside the target | s | peak RSS MB | check |"
    yield "|---|---|---:|---:|---:|---:|---|"
    for case in cases:
        ran, outside, verdict = run_case(case, base)
        args = [a if len(a) < 40 else f"{a[:10]}…({len(a)} characters)" for a in case.args]
        shown = " ".join(args).replace("|", "\\|").replace("\n", "\\n")
        rss = f"{ran.peak_rss / 2**20:.0f}" if ran.peak_rss else "-"
        yield (
            f"| {case.name} | `estimator-fix {shown}` | {ran.returncode} | {outside} | "
            f"{ran.seconds:.2f} | {rss} | {verdict} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose name holds this text")
    parser.add_argument("--keep", type=Path, help="build the sandboxes here and keep them")
    options = parser.parse_args()
    cases = [c for c in corpus() if not options.only or options.only in c.name]
    base = options.keep or Path(tempfile.mkdtemp(prefix="estimator-fix-hostile-"))
    try:
        for row in rows(cases, base):
            print(row, flush=True)
        for case in cases:
            for note in case.notes:
                print(f"- {case.name}: {note}")
    finally:
        for current, dirnames, _ in os.walk(base):  # give back what the cases locked
            for name in dirnames:
                if not os.path.islink(os.path.join(current, name)):
                    os.chmod(os.path.join(current, name), 0o755)
        if options.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
