"""Python 2's builtins, for running Python 2 code that Python 3 parses but runs differently.

Much real Estimator code was written for Python 2 and still parses under Python 3: it then fails
where it relied on ``map``/``filter``/``zip``/``range`` returning lists (``len(map(int, ...))``,
``layers[0]``) or on builtins Python 3 dropped (``reduce``, ``xrange``, ``unicode``). Such a
module is run with those names bound in its globals as Python 2 bound them, so its functions see
them before Python 3's builtins. Both versions of a pair get the same names. What builtins cannot
give is left as Python 3 has it: dict methods (``iteritems``, ``has_key``), integer division,
print statements. Python 3.7 compatible.
"""

from __future__ import annotations

import builtins
import functools
from typing import Any, Callable, Dict, List

#: Said in the report of a pair run with these names.
NOTE = (
    "run with Python 2's builtins (the code is Python 2 code): map, filter, zip and range "
    "return lists; reduce, xrange, unicode, basestring, long, unichr, raw_input and cmp are "
    "defined; dict methods and integer division stay Python 3's"
)


#: The builtins that return a list in Python 2 (an iterator or a range in Python 3).
LISTING = ("map", "filter", "zip", "range")


def _listing(function: Callable[..., Any]) -> Callable[..., List[Any]]:
    def listed(*args: Any) -> List[Any]:
        return list(function(*args))

    listed.__name__ = function.__name__
    listed.__doc__ = f"Python 2's {function.__name__}: a list."
    return listed


def _map(function: Any, *iterables: Any) -> List[Any]:
    """Python 2's map: a list; ``map(None, a, b)`` pairs the items."""
    if function is None:
        if len(iterables) == 1:
            return list(iterables[0])
        return list(zip(*iterables))
    return list(builtins.map(function, *iterables))


def _filter(function: Any, iterable: Any) -> Any:
    """Python 2's filter: a list (a string or tuple stays one)."""
    kept = [item for item in iterable if (item if function is None else function(item))]
    if isinstance(iterable, str):
        return "".join(kept)
    if isinstance(iterable, tuple):
        return tuple(kept)
    return kept


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def builtins_of_python2() -> Dict[str, Any]:
    """The names a Python 2 module's globals get (see the module docstring)."""
    return {
        "map": _map,
        "filter": _filter,
        "zip": _listing(builtins.zip),
        "range": _listing(builtins.range),
        "xrange": builtins.range,
        "reduce": functools.reduce,
        "unicode": str,
        "basestring": str,
        "long": int,
        "unichr": chr,
        "raw_input": builtins.input,
        "cmp": _cmp,
    }
