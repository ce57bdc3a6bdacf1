"""Python 2 code: run with Python 2's builtins where they are what it lacks, else said in one
line instead of a confusing error.

A file Python 3 cannot parse is never rewritten (the engine skips it), but Python 2 code often
parses: it then fails when it runs, with an error only Python 2 code makes (``len(map(...))``,
``dict.iteritems()``, ``xrange``); and a notebook cell in Python 2 (``print x``) is left out of
the notebook's module, so what it defines is missing later. Where the error is one Python 2's
builtins answer (a list from ``map``, ``reduce`` defined), validation runs the pair again with
them (``worker/python2.py``).
"""

from __future__ import annotations

import re
import warnings

from estimator_fix.notebooks import NotebookError, code_cells, mask
from estimator_fix.parse_errors import python2_construct
from estimator_fix.validation.worker.python2 import LISTING, builtins_of_python2

#: Errors Python 3 raises where Python 2 code relied on lists (``map``, ``filter``, ``zip``,
#: ``dict.keys()``...), on dict methods Python 3 dropped, or on builtins it renamed.
_PY2_ERRORS = re.compile(
    r"object of type '(map|filter|zip|dict_keys|dict_values|dict_items)' has no len\(\)"
    r"|'(map|filter|zip|dict_keys|dict_values|dict_items)' object is not subscriptable"
    r"|'(map|filter|zip|dict_keys|dict_values|dict_items)' object has no attribute "
    r"'(sort|append|extend|index|count|insert|remove|pop|reverse)'"
    r"|'dict' object has no attribute '(iteritems|iterkeys|itervalues|has_key)'"
    r"|name '(xrange|unicode|basestring|raw_input|unichr|long|execfile|cmp|reduce)' is not defined"
)
#: The part of those errors that Python 2's builtins answer (``worker/python2.py``): lists from
#: map, filter, zip and range, and the builtins Python 3 dropped or renamed.
_LISTS = "|".join(LISTING)
_BOUND = "|".join(sorted(set(builtins_of_python2()) - set(LISTING)))
_BUILTINS_ANSWER = re.compile(
    rf"object of type '({_LISTS})' has no len\(\)"
    rf"|'({_LISTS})' object is not subscriptable"
    rf"|'({_LISTS})' object has no attribute "
    r"'(sort|append|extend|index|count|insert|remove|pop|reverse)'"
    rf"|name '({_BOUND})' is not defined"
)


def python2_error(error: str) -> str | None:
    """Why ``error`` (a failure's last line) says the code is Python 2 code, or None."""
    match = _PY2_ERRORS.search(error)
    if match is None:
        return None
    return (
        f"Python 2 code: it fails under Python 3 with {match.group(0)!r} "
        "(port it first, e.g. with 2to3)"
    )


def python2_builtins_answer(error: str) -> bool:
    """Whether ``error`` is one that running with Python 2's builtins would not raise."""
    return _BUILTINS_ANSWER.search(error) is not None


def python2_cell(data: bytes) -> str | None:
    """The first code cell of notebook ``data`` that is Python 2 (``cell 3: print statement``),
    or None."""
    try:
        cells = code_cells(data)
    except NotebookError:
        return None
    for number, source in cells:
        text = mask(source, [])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarnings about the user's code
                compile(text, "<cell>", "exec", dont_inherit=True)
        except SyntaxError as exc:
            lines = text.splitlines()
            line = lines[exc.lineno - 1] if exc.lineno and 0 < exc.lineno <= len(lines) else ""
            construct = python2_construct(line, exc.msg or "")
            if construct is not None:
                return (
                    f"Python 2 code: cell {number} has a {construct} (port it first, e.g. with "
                    "2to3); without it the notebook's module is incomplete"
                )
        except ValueError:
            continue
    return None
