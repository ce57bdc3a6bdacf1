"""Sizes a job leaves unset: a flag, argument or params key that names a tensor's dimension and
holds 0 (``DEFINE_integer("field_size", 0, "Number of fields")``, the "give one" default) builds
empty tensors, on which any two models agree. Validation gives such a dimension a small size
instead, and says so. Imported by the worker and by the plan's inference. Python 3.7 compatible.
"""

from __future__ import annotations

#: The size given to a dimension left unset (the size inference guesses from a name).
SIZE = 4
#: Words that name a tensor's dimension (``field_size``, ``hidden_units``, ``vocab``); the plan's
#: name guesses give keys so named ``SIZE`` too.
WORDS = (
    *("size", "dim", "units", "filters", "width", "height", "length", "channels", "buckets"),
    "vocab",
)


def names_a_dimension(key: str) -> bool:
    """Whether ``key`` names a tensor's dimension (a batch size is the inputs' own)."""
    lowered = key.lower()
    return "batch" not in lowered and any(word in lowered for word in WORDS)


def unset_dimension(key: str, value: object) -> bool:
    """Whether ``value`` of ``key`` is a dimension left unset (an int of 0 or less)."""
    number = isinstance(value, int) and not isinstance(value, bool)
    return number and value <= 0 and names_a_dimension(key)  # type: ignore[operator]
