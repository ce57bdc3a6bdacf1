"""Synthetic labels: given (``--labels``), else shaped after the model_fn's use of them (the hint
the static inference gives, its per-example shape read off the expression it names). Python 3.7
compatible."""

from __future__ import annotations

import inspect
import sys
from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:
    from .synthetic import Synthetic


def _shape_text(shape: List[int]) -> str:
    return "[" + ", ".join(["batch"] + [str(d) for d in shape]) + "]"


def synthetic_labels(synthetic: Synthetic) -> Any:
    """A random batch of labels (``synthetic.random_entry``), or None where nothing says what the
    model_fn takes; a note says which and why."""
    tf = synthetic.tf
    explicit = synthetic.program.spec.get("labels")
    if explicit:
        given = _shape_text(explicit["shape"])
        synthetic.program.out.note(f"synthetic labels {explicit['dtype']} {given} from --labels")
        return synthetic.random_entry(tf.as_dtype(explicit["dtype"]), explicit["shape"])
    hint = synthetic.program.spec.get("label_hint")
    if not hint:
        synthetic.program.out.note(
            "no labels: none given (--labels SHAPE:DTYPE) and no loss or metric use of "
            "labels recognised in the model_fn"
        )
        return None
    dtype = tf.as_dtype(hint["dtype"])
    shape: List[int] = []
    if hint.get("like"):
        shape = _shape_like(synthetic, hint["like"], dtype)
    origin = hint.get("origin") or "the model_fn"
    expanded = int(hint.get("expanded") or 0)
    if expanded and len(shape) >= expanded:  # the model_fn adds these dimensions itself
        shape = shape[: len(shape) - expanded]
        origin += f", less the {expanded} dimension(s) its expand_dims adds"
    keys = label_keys(synthetic.program)
    each = f" under each of the keys {', '.join(keys)}" if keys else ""
    parts = label_parts(synthetic.program)
    each += f", the first of a tuple of {parts} (each part the same batch)" if parts else ""
    synthetic.program.out.note(
        f"synthetic labels {dtype.name} {_shape_text(shape)}{each} inferred from {origin}"
    )
    return synthetic.random_entry(dtype, shape)


def label_parts(program: Any) -> int:
    """How many parts the model_fn unpacks its labels into (a tuple), from the static hint; 0
    where it does not."""
    return int((program.spec.get("label_hint") or {}).get("parts") or 0)


def as_read(program: Any, tensor: Any) -> Any:
    """The labels as the model_fn reads them, each part ``tensor``: a dict of it by the keys it
    reads them by (``labels["ctr"]``), a tuple of as many parts as it unpacks them into
    (``labels, names = labels``), or the tensor itself."""
    keys = label_keys(program)
    labels = {key: tensor for key in keys} if keys else tensor
    parts = label_parts(program)
    return tuple([labels] * parts) if parts else labels


def label_keys(program: Any) -> List[str]:
    """The keys the model_fn reads its labels by (a dict of labels), from the static hint."""
    return list((program.spec.get("label_hint") or {}).get("keys") or [])


def _shape_like(synthetic: Synthetic, expression: str, dtype: Any) -> List[int]:
    """The per-example shape of ``expression`` in the model_fn (built once, labels unknown)."""
    tf = synthetic.tf
    program = synthetic.program
    code = getattr(inspect.unwrap(program.model_fn), "__code__", None)
    captured: Dict[str, Any] = {}

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "return" and frame.f_code is code and not captured:
            captured["locals"] = dict(frame.f_locals)
            captured["globals"] = frame.f_globals

    with tf.Graph().as_default():
        program.seed_graph()
        tf.compat.v1.train.get_or_create_global_step()
        features = synthetic.tensors(synthetic.features)
        labels = as_read(program, tf.compat.v1.placeholder(dtype))
        sys.setprofile(profile)
        try:
            program.call_model_fn(
                features,
                labels,
                tf.estimator.ModeKeys.TRAIN,
                program.params or {},
                tf.estimator.RunConfig(),
            )
        except Exception:
            pass
        finally:
            sys.setprofile(None)
        try:
            value = eval(expression, captured["globals"], captured["locals"])
            dims = value.shape.as_list()[1:]
        except Exception:
            program.out.note(
                f"could not evaluate {expression!r} for the labels' shape; assumed [batch, 1]"
            )
            return [1]
    return [d if d is not None else 1 for d in dims]
