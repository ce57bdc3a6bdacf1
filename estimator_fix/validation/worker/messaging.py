"""The worker's protocol stream and the results files it writes (results.json + arrays.bin)."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import traceback
from typing import Any, Dict, Iterator, List, Optional, Tuple

_MAX_ERROR = 400


def last_line(exc: BaseException) -> str:
    """``Type: message`` on one line (a TensorFlow error's first meaningful line of message)."""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    head = lines[0] if lines else type(exc).__name__
    cause = _cause(lines) if head.endswith(":") else None
    if "in converted code:" in head and len(lines) > 1:  # AutoGraph: the error is last
        named = lines[-1].split(":")[0].endswith(("Error", "Exception"))
        head = lines[-1] if named else f"{type(exc).__name__}: {lines[-1]}"
    elif cause is not None:
        head = f"{head} {cause}"
    elif head.endswith(":") and len(lines) > 1:
        head = f"{head} {lines[1]}"
    return head if len(head) <= _MAX_ERROR else head[: _MAX_ERROR - 1] + "…"


def _cause(lines: List[str]) -> Optional[str]:
    """What TensorFlow 2's "Graph execution error:" says went wrong: the line after its last
    ``Node: 'name'`` line (the lines between are the stack where the op was defined), with the
    node named."""
    nodes = [i for i, line in enumerate(lines) if line.startswith("Node: ")]
    if not nodes or nodes[-1] + 1 >= len(lines):
        return None
    cause = lines[nodes[-1] + 1]
    if cause.startswith("[["):
        return None
    return f"{cause} (node {lines[nodes[-1]][len('Node: '):].strip()})"


_GENERATED = re.compile(r"^(tmp\w{8}|__autograph_generated_file\w*)\.py$")  # AutoGraph's copies
_OURS = os.path.dirname(os.path.abspath(__file__))


def _library(path: str) -> bool:
    """Whether ``path`` is an installed package's or the interpreter's (not the code validated)."""
    roots = {os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    parts = path.split(os.sep)
    return (
        "site-packages" in parts
        or "dist-packages" in parts
        or any(path.startswith(root + os.sep) for root in roots)
    )


def _shown(path: str) -> str:
    """``path`` relative to the working directory where it lies below it, else whole."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def where(exc: BaseException) -> str:
    """``path:line`` of the innermost frame of the code validated that ``exc`` passed through
    (path relative to the working directory where it lies below it), or "" where none did."""
    found = ""
    for name, path, line in _frames_validated(exc):
        if not name.startswith("<") and not _GENERATED.match(os.path.basename(path)):
            found = f"{_shown(path)}:{line}"
    return found


def _frames_validated(exc: BaseException) -> Iterator[Tuple[str, str, int]]:
    """The frames ``exc`` passed through, outermost first, that are not the worker's nor a
    library's: each its code's file name, that file's absolute path, and the line."""
    trace = exc.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename
        path = os.path.abspath(name)
        if not path.startswith(_OURS + os.sep) and not _library(path):
            yield name, path, trace.tb_lineno
        trace = trace.tb_next


#: A read of an environment variable by a literal name: ``os.environ.get("X")``,
#: ``os.getenv("X")``, ``os.environ["X"]``.
_ENVIRONMENT_READ = re.compile(
    r"""(?:environ\.get|getenv)\(\s*['"](\w+)['"]|environ\[\s*['"](\w+)['"]\s*\]"""
)


def unset_environment(exc: BaseException) -> str:
    """Where ``exc`` passed through a line of the code validated that reads an environment
    variable this process lacks (``os.environ.get("TRAIN_CONFIG").replace(...)``, the variable
    a repository's scripts export), what to say of it; else ""."""
    import linecache

    found = ""
    for file, path, line in _frames_validated(exc):
        for match in _ENVIRONMENT_READ.finditer(linecache.getline(file, line)):
            name = match.group(1) or match.group(2)
            if name not in os.environ:
                found = (
                    f"{_shown(path)}:{line} reads the environment variable {name}, which is "
                    "not set here: set it as the repository's scripts do, then validate again"
                )
    return found


class Channel:
    """The protocol stream: the real stdout, kept apart from whatever user code prints."""

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        self._out = os.fdopen(fd, "w", buffering=1, encoding="utf-8")

    def send(self, message: Dict[str, Any]) -> None:
        self._out.write(json.dumps(message) + "\n")
        self._out.flush()

    def receive(self) -> Dict[str, Any]:
        line = sys.stdin.readline()
        return json.loads(line) if line.strip() else {}


class Output:
    """Collects stages and arrays, and writes them as results.json + arrays.bin."""

    def __init__(self, directory: str, np: Any) -> None:
        self.directory = directory
        self.np = np
        self.blob = bytearray()
        self.mark = time.monotonic()
        self.data: Dict[str, Any] = {
            "setup_error": "",
            "stages": {},
            "notes": [],
            "synthetic": False,
        }

    def store(self, value: Any) -> Dict[str, Any]:
        np = self.np
        array = np.asarray(value)
        if array.dtype == bool:
            array = array.astype(np.uint8)
        elif array.dtype.name == "bfloat16" or (
            array.dtype.kind == "f" and array.dtype.itemsize < 4
        ):
            array = array.astype(np.float32)
        elif array.dtype.kind == "c":
            array = np.stack([array.real, array.imag], axis=-1)
        elif array.dtype.kind in "OUS":
            items = [x if isinstance(x, bytes) else str(x).encode("utf-8") for x in array.ravel()]
            array = np.asarray(items, dtype=bytes).reshape(array.shape)
        if array.dtype.kind in "iuf":
            array = array.astype(array.dtype.newbyteorder("<"))
        data = np.ascontiguousarray(array).tobytes()
        entry = {
            "dtype": array.dtype.name,
            "shape": [int(d) for d in array.shape],
            "offset": len(self.blob),
            "nbytes": len(data),
        }
        self.blob.extend(data)
        return entry

    def stage(self, name: str, ok: bool, error: str = "", **fields: Any) -> None:
        """Record one stage; its ``seconds`` run from the previous stage (or the start)."""
        now = time.monotonic()
        self.data["stages"][name] = dict(ok=ok, error=error, seconds=now - self.mark, **fields)
        self.mark = now

    def note(self, text: str) -> None:
        self.data["notes"].append(text)

    def write(self) -> None:
        os.makedirs(self.directory, exist_ok=True)
        with open(os.path.join(self.directory, "arrays.bin"), "wb") as handle:
            handle.write(bytes(self.blob))
        with open(os.path.join(self.directory, "results.json"), "w", encoding="utf-8") as handle:
            json.dump(self.data, handle)
