"""The dtype classes the value tracking knows and EF201's table decides on."""

from __future__ import annotations

from enum import Enum
from typing import Optional


class DType(Enum):
    """A class of dtypes whose members NumPy and TensorFlow treat alike in the table's entries."""

    FLOAT = "float"  # float32, float64
    HALF = "half"  # float16, bfloat16
    INT32 = "int32"
    INT64 = "int64"
    INT = "int"  # another (or unknown-width) signed int
    UINT = "uint"
    BOOL = "bool"

    def __str__(self) -> str:
        return self.value


SIGNED = frozenset({DType.INT32, DType.INT64, DType.INT})

_CLASSES = {
    "float32": DType.FLOAT,
    "float64": DType.FLOAT,
    "double": DType.FLOAT,
    "float": DType.FLOAT,
    "float16": DType.HALF,
    "half": DType.HALF,
    "bfloat16": DType.HALF,
    "int32": DType.INT32,
    "int64": DType.INT64,
    "int8": DType.INT,
    "int16": DType.INT,
    "uint8": DType.UINT,
    "uint16": DType.UINT,
    "uint32": DType.UINT,
    "uint64": DType.UINT,
    "bool": DType.BOOL,
}


def dtype_class(name: str) -> Optional[DType]:
    """``float32`` → FLOAT; ``int8`` → INT; None for dtypes the table does not handle."""
    return _CLASSES.get(name)
