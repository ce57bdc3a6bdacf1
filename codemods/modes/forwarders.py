"""The file's functions that only hand their arguments on to an EstimatorSpec.

``def _create_model_fn(mode, predictions, loss=None, train_op=None): return
tf.estimator.EstimatorSpec(mode=mode, predictions=predictions, loss=loss, train_op=train_op)``
builds nothing of its own: ``return _create_model_fn(mode, predictions=p, loss=loss)`` is a spec
return, each argument the field it is handed on as. Such a return is judged like a spec built in
place (EF105), but not split: the split would change a call of the user's function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import libcst as cst

from codemods import statements as st
from codemods import tf_api
from codemods.model_fns import TfResolver, param_names


@dataclass(frozen=True)
class Forwarder:
    """``leaf``: the spec class; ``params``: the function's parameters in order; ``fields``:
    the spec field each parameter is handed on as."""

    leaf: str
    params: tuple[str, ...]
    fields: Mapping[str, str]

    def arguments(self, call: cst.Call) -> Optional[list[tuple[str, cst.Arg]]]:
        """(field, argument) of a call of the function; None where ``*args`` hide them."""
        out: list[tuple[str, cst.Arg]] = []
        for index, arg in enumerate(call.args):
            if arg.star:
                return None
            if arg.keyword is not None:
                param: Optional[str] = arg.keyword.value
            else:
                param = self.params[index] if index < len(self.params) else None
            field = self.fields.get(param or "")
            if field is not None:
                out.append((field, arg))
        return out


def forwarder(helper: cst.FunctionDef, resolve: TfResolver) -> Optional[Forwarder]:
    """``helper`` as a forwarder: its body (a docstring aside) one ``return`` of a spec class
    handed only its own parameters, each once."""
    body = [
        stmt for stmt in st.statements_of(helper.body)
        if not (isinstance(stmt, cst.SimpleStatementLine) and _docstring(stmt))
    ]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return None
    small = body[0].body[0] if len(body[0].body) == 1 else None
    if not isinstance(small, cst.Return) or not isinstance(small.value, cst.Call):
        return None
    call = small.value
    tf_name = resolve(call.func)
    if tf_name is None or not tf_api.is_estimator_spec(tf_name):
        return None
    leaf = tf_name.rsplit(".", 1)[-1]
    positional = tf_api.SPEC_POSITIONAL.get(leaf, tf_api.SPEC_POSITIONAL["EstimatorSpec"])
    params = tuple(param_names(helper))
    fields: dict[str, str] = {}
    for index, arg in enumerate(call.args):
        value = arg.value
        if arg.star or not isinstance(value, cst.Name) or value.value not in params:
            return None
        if value.value in fields:
            return None
        if arg.keyword is not None:
            fields[value.value] = arg.keyword.value
        elif index < len(positional):
            fields[value.value] = positional[index]
        else:
            return None
    return Forwarder(leaf, params, fields)


def _docstring(stmt: cst.SimpleStatementLine) -> bool:
    return len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr) and isinstance(
        stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
    )


__all__ = ["Forwarder", "forwarder"]
