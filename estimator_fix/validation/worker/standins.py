"""Stand-ins for modules this interpreter does not have, so a module that imports one (a data
loader's ``import soundfile``, a repository package's ``import horovod``) can still be loaded and
its model_fn validated where the model_fn itself never uses it.

A stand-in is only made for a module named in the spec's ``stand_ins``: the orchestrator adds a
name after a version failed to load with ``No module named NAME`` for a module nothing on
``sys.path`` provides, or for a submodule a package of the repository does not have (``from pkg
import export``, a file the tree lost: ``missing_module``), so ``try: import horovod / except
ImportError`` keeps working wherever it did. While the module loads, anything taken from a
stand-in is another stand-in (``from soundfile import read``, ``logger =
boilerplate.get_logger()``, a class's base left alone); once loading ends (``arm``), any use of
one — a call, an attribute, a truth test, iteration, arithmetic, a string — raises
``StandInUsed`` naming the module, and is recorded (``used``) so a handler in the code validated
that catches the error cannot hide it: nothing a stand-in would have computed ever reaches a
graph that is compared. The proof covers only real code.

A module of the repository whose top level computes with a stand-in (``DECIBEL =
math.log10(torch.iinfo(torch.int16).max)``) loads in part (``_Tolerant``): what it defined before
that line is real, what it did not define is a stand-in too, failing where it is used.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys
import types
from typing import Any, Dict, List, Optional, Set


class StandInUsed(ModuleNotFoundError):
    """The validated code used a module this interpreter does not have: a ModuleNotFoundError,
    so a guard written for the module's absence (``except ModuleNotFoundError:``) takes the
    branch it would take without the stand-in. ``path``: what of the stand-in was used."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


_STATE: Dict[str, Any] = {"armed": False, "used": [], "partial": {}, "absent_here": [], "names": []}


def _armed() -> bool:
    """Whether a use of a stand-in fails now: after loading, except while a module is being
    imported (a repository module imported lazily runs its top level as loading does)."""
    if not _STATE["armed"]:
        return False
    frame: Any = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return False
        frame = frame.f_back
    return True


def _used(path: str) -> StandInUsed:
    """The error for a use of the stand-in at ``path``; once loading is over it is recorded
    (in a module imported lazily too), as the code validated may catch the error (it is an
    ImportError: ``try: from mylib import x / except ImportError:``)."""
    if _STATE["armed"]:
        _STATE["used"].append(path)
    for name, why in _STATE["partial"].items():
        if path.startswith(name + "."):
            return StandInUsed(
                f"the code validated uses {path}, which module {name} did not define here: "
                f"its loading stopped where {why}",
                path,
            )
    for name in _STATE["absent_here"]:
        if path.startswith(name + "."):
            return StandInUsed(
                f"the code validated uses {path} from module '{name}', which its repository "
                "does not have here (restore the file)",
                path,
            )
    module = path.split(".")[0]
    for name in _STATE["names"]:  # a portion of a namespace package (``google.colab``)
        if path.startswith(name + ".") and len(name) > len(module):
            module = name
    return StandInUsed(
        f"the code validated uses {path} from module '{module}', which is not installed here "
        "(install it for the interpreter that validates)",
        path,
    )


class Absent:
    """What a stand-in module holds: a value that is only passed around while loading."""

    __slots__ = ("_path",)

    def __init__(self, path: str) -> None:
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> Any:
        return _member(object.__getattribute__(self, "_path"), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        path = object.__getattribute__(self, "_path")
        if _armed():
            raise _used(path + "(...)")
        return Absent(path + "(...)")

    def __setattr__(self, name: str, value: Any) -> None:
        if _armed():
            raise _used(object.__getattribute__(self, "_path") + "." + name)

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise _used(object.__getattribute__(self, "_path"))

    def __mro_entries__(self, bases: Any) -> Any:
        """A class of the module derived from a stand-in (``class Block(torch.nn.Module)``)
        is defined on ``StandInBase``, whose every contribution is a use (see there)."""
        return (_based_on(object.__getattribute__(self, "_path")),)

    def __iter__(self) -> Any:
        """Unpacked while loading (``home, _ = get_home()``): as many stand-ins as the
        statement unpacks; iterated otherwise, it fails (how many items is not known)."""
        path = object.__getattribute__(self, "_path")
        count = None if _armed() else _unpacked_count(sys._getframe(1))
        if count is None:
            raise _used(path)
        return iter([Absent(f"{path}[{index}]") for index in range(count)])

    # Any use of the value itself, armed or not: nothing a stand-in computes is real.
    __bool__ = __len__ = __getitem__ = __setitem__ = __contains__ = _fail
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _fail
    __truediv__ = __rtruediv__ = __floordiv__ = __mod__ = __pow__ = __neg__ = _fail
    __int__ = __float__ = __index__ = __lt__ = __le__ = __gt__ = __ge__ = _fail
    # made into a string (a name, a path, a message) it would be a value the real module may
    # not give
    __str__ = __format__ = _fail

    # Hashed while loading (a registry's keys) it is only itself, and equal only to itself;
    # compared with anything else, loading or not, it fails: ``if config.BACKEND == "tf"`` at a
    # module's top, or ``if mode == boilerplate.TRAIN`` in a model_fn, would quietly take a
    # branch the real module may not.
    #
    # typing itself is the exception: an annotation (``x: Optional[Tensor]``, evaluated where a
    # function is defined) has typing compare and hash its parts, which computes nothing.
    def __eq__(self, other: object) -> bool:
        if _by_typing():
            return other is self
        if other is not self or _armed():
            raise _used(object.__getattribute__(self, "_path"))
        return True

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        if _armed() and not _by_typing():
            raise _used(object.__getattribute__(self, "_path"))
        return id(self)

    def __repr__(self) -> str:
        return "<stand-in {}>".format(object.__getattribute__(self, "_path"))


class StandInBase:
    """The base of a class derived from a stand-in (``class Model(sklearn.base.BaseEstimator)``).
    The class builds and its own code runs; what the missing base would have done is a use once
    loading is over: its constructor given arguments (``super().__init__(x)``; without any, as
    a mixin's, it does nothing here), and any attribute the instance lacks, which the base
    would have provided (Python's own dunder lookups find nothing)."""

    _stand_in_path = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if (args or kwargs) and _armed():
            name = type(self).__name__
            raise _used(self._stand_in_path + "(...) as the base of " + name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        inherited = f"{self._stand_in_path}.{name} (the base of {type(self).__name__})"
        if _armed():
            raise _used(inherited)
        return _member(self._stand_in_path, name)


def _by_typing() -> bool:
    """Whether the stand-in's method was called by the typing module (an annotation being
    built), seen from the method's frame."""
    caller: Any = sys._getframe(2)
    return caller is not None and caller.f_globals.get("__name__") in _TYPING


_TYPING = ("typing", "typing_extensions")


def _based_on(path: str) -> type:
    return type("StandInBase", (StandInBase,), {"_stand_in_path": path})


def _unpacked_count(frame: Any) -> Optional[int]:
    """How many names the instruction running in ``frame`` unpacks (``a, b = value``), or
    None when it is not an unpacking."""
    import dis

    for instruction in dis.get_instructions(frame.f_code):
        if instruction.offset == frame.f_lasti:
            if instruction.opname == "UNPACK_SEQUENCE":
                return int(instruction.argval)
            return None
    return None


def _member(path: str, name: str) -> Any:
    """``name`` of the stand-in (or stand-in module) at ``path``: another stand-in while
    loading; a failure once loading is over. Python's own dunder lookups find nothing."""
    if name == "__version__":
        # not a lookup of Python's own but a use: which version is not known (the usual
        # ``try: import m; V = parse(m.__version__) / except ImportError:`` guard then holds)
        raise _used(path + "." + name)
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    if _armed():
        raise _used(path + "." + name)
    return Absent(path + "." + name)


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        return _member(self.__name__, name)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: asked only for what no other finder has."""

    def __init__(self, names: Set[str]) -> None:
        self.names = names

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: Any) -> Any:
        module = _StandInModule(spec.name)
        module.__path__ = []  # a package: its submodules are stand-ins too
        return module

    def exec_module(self, module: Any) -> None:
        return None


class _PartialModule(types.ModuleType):
    """A repository module whose loading stopped at a use of a stand-in: the names it did not
    get to define are stand-ins."""

    def __getattr__(self, name: str) -> Any:
        return _member(self.__name__, name)


class _Tolerant(importlib.abc.MetaPathFinder):
    """First on ``sys.meta_path``: a module of the repository (under ``roots``) is loaded by
    its own loader, and where its top level fails on a stand-in, it is kept in part."""

    def __init__(self, roots: List[str]) -> None:
        self.roots = [os.path.join(os.path.abspath(root), "") for root in roots]

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not spec.has_location:
            return None
        origin = os.path.abspath(spec.origin or "")
        if "site-packages" in origin or not any(origin.startswith(r) for r in self.roots):
            return None
        spec.loader = _TolerantLoader(spec.loader)
        return spec


class _TolerantLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        try:
            self.loader.exec_module(module)
        except StandInUsed as exc:
            line = _failing_line(exc, getattr(module, "__file__", None))
            where = f"line {line} " if line else ""
            _STATE["partial"][module.__name__] = f"{where}used {exc.path}"
            module.__class__ = _PartialModule


def _failing_line(exc: BaseException, filename: Optional[str]) -> Optional[int]:
    """The line of ``filename`` where ``exc`` was raised (the last in its traceback)."""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def partial_notes() -> List[str]:
    """A note on each repository module that loaded in part, or nothing."""
    return [
        f"{name} loaded in part: at {why}" for name, why in sorted(_STATE["partial"].items())
    ]


def install(names: List[str], roots: Optional[List[str]] = None) -> List[str]:
    """Stand in for the modules ``names`` that nothing on ``sys.path`` provides (top-level ones,
    and dotted submodules ``missing_module`` found absent), and let the repository's modules
    (under ``roots``) load in part where they use one; returns notes naming them (those the
    repository lacks apart from those not installed), or nothing."""
    missing = {name for name in names if "." in name or _absent(name)}
    if not missing:
        return []
    sys.meta_path.append(_Finder(missing))
    if roots:
        sys.meta_path.insert(0, _Tolerant(roots))
    submodules = sorted(name for name in missing if "." in name and _of_repository(name))
    _STATE["absent_here"] = submodules
    _STATE["names"] = sorted(missing)
    notes = []
    if len(submodules) < len(missing):
        notes.append(
            "not installed here, stood in for while loading (a use by the code validated "
            "fails): " + ", ".join(sorted(set(missing) - set(submodules)))
        )
    if submodules:
        notes.append(
            "not in the repository here, stood in for while loading (a use by the code "
            "validated fails): " + ", ".join(submodules)
        )
    return notes


def arm() -> None:
    """Loading is over: from now on any use of a stand-in fails."""
    _STATE["armed"] = True


def used() -> List[str]:
    """What the code validated used of a stand-in after loading, whether or not it caught the
    failure."""
    return list(_STATE["used"])


def forget(start: int, end: int) -> List[str]:
    """Forget the uses recorded from the ``start``-th to before the ``end``-th (code whose
    results were thrown away: the file's own input functions that failed and gave way to
    synthetic inputs); returns them."""
    forgotten = _STATE["used"][start:end]
    del _STATE["used"][start:end]
    return list(forgotten)


def missing_module(exc: BaseException) -> Optional[str]:
    """The module whose absence made loading fail (``exc`` or what it wraps), else None: a
    top-level module nothing on ``sys.path`` provides, or a submodule a package of the
    repository does not have (``from pkg import export`` where the tree has no
    ``pkg/export.py``: a file its history deleted, or one never committed)."""
    seen = 0
    current: Optional[BaseException] = exc
    while current is not None and seen < 10:
        if isinstance(current, ModuleNotFoundError) and not isinstance(current, StandInUsed):
            missing = _first_absent(current.name or "")
            if missing:
                return missing
        elif type(current) is ImportError:
            missing = _submodule_named(current)
            if missing:
                return missing
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _first_absent(name: str) -> Optional[str]:
    """The shortest prefix of the dotted ``name`` that is absent: the top-level module, or a
    submodule of a package of the repository."""
    parts = name.split(".")
    if not parts[0]:
        return None
    if _absent(parts[0]):
        return parts[0]
    for end in range(2, len(parts) + 1):
        parent, prefix = ".".join(parts[: end - 1]), ".".join(parts[:end])
        module = sys.modules.get(parent)
        if not (_in_repository(module) or _namespace(module)):
            return None
        if _absent(prefix):
            return prefix
    return None


def _submodule_named(exc: ImportError) -> Optional[str]:
    """``pkg.name`` for ``cannot import name 'name' from 'pkg'`` where ``pkg`` is a package of
    the repository with no such attribute nor submodule; else None."""
    match = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", str(exc))
    if not match:
        return None
    name, package = match.group(1), match.group(2)
    module = sys.modules.get(package)
    if not _in_repository(module) or not hasattr(module, "__path__") or hasattr(module, name):
        return None
    return f"{package}.{name}" if _absent(f"{package}.{name}") else None


def _namespace(module: Any) -> bool:
    """Whether ``module`` is a namespace package (``google``): each of its portions is a
    distribution of its own, so a portion missing is one not installed (``google.colab``)."""
    return getattr(module, "__file__", None) is None and hasattr(module, "__path__")


def _of_repository(name: str) -> bool:
    """Whether the top-level package of the dotted ``name`` lies in the code validated (found
    without importing anything)."""
    try:
        spec = importlib.util.find_spec(name.split(".")[0])
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    places = list(spec.submodule_search_locations or []) + [spec.origin or ""]
    return any(place and not _installed(place) for place in places)


def _in_repository(module: Any) -> bool:
    """Whether ``module`` was loaded from a file of the code validated, not from an installed
    distribution (whose missing parts are another version's, as TensorFlow's are)."""
    # a namespace package has no file, only its directories
    origins = [getattr(module, "__file__", None) or ""] + list(getattr(module, "__path__", []))
    origins = [str(origin) for origin in origins if origin]
    return bool(origins) and not any(_installed(origin) for origin in origins)


def _installed(place: str) -> bool:
    """Whether the file or directory ``place`` belongs to the interpreter's installation."""
    parts = ("site-packages", "dist-packages", sys.prefix, sys.base_prefix)
    return any(part in place for part in parts)


def _absent(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is None
    except (ImportError, ValueError):
        return False
