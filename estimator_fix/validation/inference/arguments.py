"""Values for the parameters of a function that builds a model_fn (a builder a closure comes
from, the ``__init__`` of the class whose method is the model_fn, the job function that makes
either) where neither the file nor the config gives them: each guessed from how the code reads
it, as params are (``inference.params``), with the repository's flag of its name winning.

A parameter read as a mapping or namespace (``args.batch_size``) is the keys read with their
guesses; one read as a plain value (``num_labels``) is one value, marked ``VALUE`` (the worker's
``inferred.VALUE``); one called (a factory) or that nothing tells about gets none.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from estimator_fix.validation.inference import syntax as sx
from estimator_fix.validation.inference.flag_defaults import FlagDefault, with_flag_defaults
from estimator_fix.validation.inference.params import guess_argument, infer_params

#: Marks a parameter guessed as one value rather than as the keys read from it.
VALUE = "\x00value"


def argument_values(
    tree: ast.Module,
    function: sx.Function,
    name: str,
    defaults: Mapping[str, FlagDefault] | None = None,
    imported: Mapping[str, sx.Function] | None = None,
) -> dict[str, object] | None:
    """What to run ``function``'s parameter ``name`` with (see the module), or None; the reads
    are followed into the functions and classes of the repository the module takes
    (``imported``, see ``imports.imported_functions``) as into its own."""
    reads = with_flag_defaults(infer_params(tree, function, name, imported), defaults or {})
    if reads:
        return {guess.key: guess.value for guess in reads}
    guess = guess_argument(tree, function, name)
    if guess is None:
        return None
    (guess,) = with_flag_defaults((guess,), defaults or {})
    return None if guess.fallback else {VALUE: guess.value}
