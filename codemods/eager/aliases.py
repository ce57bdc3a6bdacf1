"""How a model_fn can spell the tensorflow module: the file's own import, else the model_fn's."""

from __future__ import annotations

import libcst as cst

from codemods import tf_api
from codemods.model_fns import param_names
from codemods.tree import children


def module_tf_alias(module: cst.Module) -> str | None:
    """The module-level name of ``tensorflow`` (else of ``tensorflow.compat.v1``/``v2``)."""
    compat: str | None = None
    for node in _module_level_imports(module):
        for alias in node.names:
            dotted = cst.Module([]).code_for_node(alias.name)
            asname = alias.asname.name if alias.asname is not None else None
            name = asname.value if isinstance(asname, cst.Name) else None
            if dotted == "tensorflow":
                return name or "tensorflow"
            if dotted in {"tensorflow.compat.v1", "tensorflow.compat.v2"}:
                compat = compat or name or dotted
    return compat


def _module_level_imports(module: cst.Module) -> list[cst.Import]:
    found: list[cst.Import] = []
    stack: list[cst.CSTNode] = list(reversed(module.body))  # source order
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Import):
            found.append(node)
        elif not isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(reversed(children(node)))
    return found


def local_tf_alias(node: cst.FunctionDef) -> str | None:
    """``tf`` received as a parameter or imported inside the model_fn."""
    for name in param_names(node):
        if name in tf_api.TF_ALIASES:
            return name
    stack: list[cst.CSTNode] = [node.body]
    while stack:  # source order
        child = stack.pop()
        if isinstance(child, cst.Import):
            for alias in child.names:
                if cst.Module([]).code_for_node(alias.name) == "tensorflow":
                    asname = alias.asname.name if alias.asname is not None else None
                    return asname.value if isinstance(asname, cst.Name) else "tensorflow"
        elif not isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            stack.extend(reversed(children(child)))
    return None
