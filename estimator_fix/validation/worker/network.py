"""Code that reaches for a network this machine does not have fails at once, saying so.

A host name that does not resolve raises ``socket.gaierror`` as before, with a message that says
the code needs the network; trying the same host again raises ``NetworkNeeded``, which stops a
retry loop at once. TensorFlow reads remote files (``gs://``, ``s3://``, ``http(s)://``)
in C++, retrying for minutes before it gives up; the file datasets check first that the remote
host resolves, and fail the same way at once when it does not. Python 3.7 compatible.
"""

from __future__ import annotations

import socket
import sys
from typing import Any, Dict, Set

#: The host each remote file system reads from.
_REMOTE_HOSTS = {"gs": "storage.googleapis.com", "s3": "s3.amazonaws.com"}
_LOCAL = ("localhost", "127.0.0.1", "::1", "0.0.0.0", "")
_DATASETS = ("TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset")
#: TensorFlow's file system entry points (``tf.io.gfile``, ``tf.gfile``), by the module holding
#: them in TensorFlow 2.x and in 1.15 (whose code lives in ``tensorflow_core``); each takes a
#: path first.
_FILE_SYSTEM_MODULES = (
    "tensorflow.python.lib.io._pywrap_file_io",
    "tensorflow_core.python.pywrap_tensorflow",
    "tensorflow.python.pywrap_tensorflow",
)
_FILE_SYSTEM_CALLS = (
    "FileExists",
    "GetMatchingFiles",
    "IsDirectory",
    "GetChildren",
    "Stat",
    "CreateDir",
    "RecursivelyCreateDir",
    "BufferedInputStream",
    "CreateBufferedInputStream",
    "ReadFileToString",
    "WriteStringToFile",
    "WritableFile",
    "CreateWritableFile",
    "CopyFile",
    "RenameFile",
    "DeleteFile",
    "DeleteRecursively",
)
_resolved: Dict[str, bool] = {}
#: Hosts that failed to resolve once already in this process.
_failed: Set[str] = set()


class NetworkNeeded(RuntimeError):
    """The code tried again to reach a host that does not resolve here. Not an ``OSError``, so
    that a library's retry loop (with its backoff, minutes long) stops at once."""


def _needs_network(host: str, why: str) -> Exception:
    """The first failure for ``host`` is the ``socket.gaierror`` the code may handle (falling
    back to local data); later ones are ``NetworkNeeded``, which retry loops do not catch."""
    message = f"needs network: {why} {host}, which does not resolve here (validation ran offline)"
    if host in _failed:
        return NetworkNeeded(message)
    _failed.add(host)
    return socket.gaierror(socket.EAI_NONAME, message)


def guard_network() -> None:
    """Make unresolvable hosts fail with a "needs network" message (see the module docstring)."""
    if getattr(socket, "_estimator_fix_guarded", False):
        return
    resolve = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return resolve(host, *args, **kwargs)
        except socket.gaierror:
            name = host.decode() if isinstance(host, bytes) else str(host or "")
            if name in _LOCAL:
                raise
            raise _needs_network(name, "connects to") from None

    socket.getaddrinfo = getaddrinfo
    socket._estimator_fix_guarded = True  # type: ignore[attr-defined]
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        _guard_datasets(tf)
        _guard_file_system()


def remote_host(path: Any) -> str:
    """The host a remote file path reads from (``gs://b/x`` → storage.googleapis.com), or ""."""
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    if not isinstance(path, str) or "://" not in path:
        return ""
    scheme, _, rest = path.partition("://")
    if scheme in ("http", "https"):
        return rest.split("/")[0].split(":")[0]
    return _REMOTE_HOSTS.get(scheme, "")


def check_reachable(paths: Any) -> None:
    """Raise the "needs network" error for the first remote path whose host does not resolve."""
    for path in paths if isinstance(paths, (list, tuple)) else [paths]:
        if isinstance(path, (list, tuple)):
            check_reachable(path)
            continue
        host = remote_host(path)
        if not host:
            continue
        if host not in _resolved:
            try:
                socket.getaddrinfo(host, 443)
                _resolved[host] = True
            except (OSError, NetworkNeeded):
                _resolved[host] = False
        if not _resolved[host]:
            raise _needs_network(host, f"reads {path} from")


def _guard_datasets(tf: Any) -> None:
    for namespace in (getattr(tf, "data", None), getattr(tf.compat.v1, "data", None)):
        for name in _DATASETS:
            cls = getattr(namespace, name, None)
            if cls is None or getattr(cls.__init__, "_estimator_fix_guarded", False):
                continue
            cls.__init__ = _checked(cls.__init__)


def _guard_file_system() -> None:
    for name in _FILE_SYSTEM_MODULES:
        module = sys.modules.get(name)
        for call in _FILE_SYSTEM_CALLS if module is not None else ():
            function = getattr(module, call, None)
            if function is not None and not getattr(function, "_estimator_fix_guarded", False):
                setattr(module, call, _checked_call(function))


def _checked_call(function: Any) -> Any:
    def call(path: Any, *args: Any, **kwargs: Any) -> Any:
        check_reachable(path)
        return function(path, *args, **kwargs)

    call._estimator_fix_guarded = True  # type: ignore[attr-defined]
    return call


def _checked(init: Any) -> Any:
    def __init__(self: Any, filenames: Any, *args: Any, **kwargs: Any) -> None:
        check_reachable(filenames)
        init(self, filenames, *args, **kwargs)

    __init__._estimator_fix_guarded = True  # type: ignore[attr-defined]
    return __init__
