"""EF201–EF206: eager (TF2-style) code inside a graph-building model_fn.

Rewrites, inside model_fns only:

- EF201: a NumPy call on a tensor whose form is in ``numpy_table`` (``np.mean(t)`` →
  ``tf.reduce_mean(t)``, integer means cast to float64 first ...); every other NumPy call on a
  tensor is reported with the nearest TF op.
- EF202: ``t.numpy()`` / ``.eval()`` / ``.item()`` / ``.tolist()`` / ``float(t)`` / ``int(t)`` /
  ``K.get_value(t)`` printed as they are: the print shows the tensor itself (with EF204).
- EF204: ``print(tensor ...)`` (and a bare ``tf.print(...)`` statement, whose op nothing runs) →
  ``with tf.control_dependencies([tf.print(...)]): t = tf.identity(t)`` for each printed tensor name
  that feeds what the spec returns, so the print runs every step that computes it.
- EF206: ``if tf.executing_eagerly():`` (always False in a model_fn) → the graph branch alone.

Deliberately left alone (reported only): NumPy calls outside the table or with an unknown dtype
where the dtype decides the result; any other tensor → Python conversion (EF202); sessions and
``sess.run`` (EF203); Python ``if``/``while``/``and``/``or``/``not``/``bool()`` on a tensor
(EF205); prints of tensors that nothing returned depends on. Code outside model_fns is never
touched; replacements use the file's own TensorFlow alias (``import tensorflow as tf`` is added
only when the file has none).

Each rule's detector, message and fix live in its module (``codemods/rules/ef20N_*.py``); the
walk that calls them is ``codemods.eager``. This module is the LibCST command (``python -m
libcst.tool codemod eager_code.EagerCodeCommand``); the codemod is ``codemods.eager.codemod``,
which walks each model_fn, reports what the rules found and applies the edits their fixes ask for.
"""

from __future__ import annotations

from codemods.command import LibCSTCommand
from codemods.eager.codemod import EagerCode


class EagerCodeCommand(LibCSTCommand):
    CODEMOD = EagerCode


__all__ = ["EagerCodeCommand"]
