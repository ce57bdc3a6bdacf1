"""How an EF101–EF104 rule tells the mode analysis what it judges.

Each of those rule modules declares a ``TagPolicy``: which calls and assignments give a value its
tag (a metric, training machinery ...), in which modes a statement carrying the tag is wrong,
which statements carry it harmlessly, and in which modes a use makes it right. The analysis
(``codemods.modes.walk``) applies every policy to every statement; it knows no rule by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from codemods.vocabulary import Mode, Tag


class StatementView(Protocol):
    """What a policy's exemption may ask about one statement in one mode."""

    @property
    def mode(self) -> Mode: ...

    @property
    def modes(self) -> frozenset[Mode]:
        """Every mode that runs the statement."""
        ...

    @property
    def is_log_call(self) -> bool:
        """``print(...)``, ``tf.print(...)`` or a logging call, as a statement of its own."""
        ...

    @property
    def labels_only_as_none(self) -> bool:
        """Every label-derived name it reads is None here (labels themselves in PREDICT)."""
        ...

    @property
    def labels_rebound(self) -> bool:
        """The labels parameter may hold a value here (the model_fn rebinds it)."""
        ...

    @property
    def consumes(self) -> bool:
        """It hands values to a summary, a hook or a named ``tf.identity`` (a use of them)."""
        ...

    @property
    def gathers_names(self) -> bool:
        """It only gathers names into a literal dict/list/tuple (``{"acc": acc}``)."""
        ...

    @property
    def writes_summary(self) -> bool:
        """A ``tf.summary.*`` call alone in a statement (``tf.summary.scalar("g", grad_norm)``)."""
        ...


def _never(view: StatementView) -> bool:
    return False


def _no_tf_call(tf_name: str) -> bool:
    return False


def _no_helper(name: tuple[str, ...]) -> bool:
    return False


def _no_module_class(module: str, name: str) -> bool:
    return False


def words(name: str) -> tuple[str, ...]:
    """The lower-case words of an identifier: ``createOptimizer`` and ``create_optimizer`` are
    both ("create", "optimizer")."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return tuple(word for word in spaced.lower().split("_") if word)


@dataclass(frozen=True)
class TagPolicy:
    """One rule's judgement of tagged statements.

    ``tf_call`` says which TensorFlow functions or classes (normalized qualified names) build a
    value with the tag; ``methods``, which methods do on any object (and create variables, as an
    optimizer's slots); ``helper``, whether the words of the name of a helper the analysis
    cannot see into (``words("create_optimizer")``) say it builds one; ``module_class``, whether
    a class of a module the analysis cannot see into builds one, by the module's and the class's
    names (``tfa.optimizers.LazyAdam``); ``named_by_spec``, whether a function of the file is
    one by its name alone (its body decides for other names); ``defines``, which assigned names
    carry the tag (``train_op``), and so what a helper builds whose result the model_fn binds
    to one of them. A statement carrying the tag is wrong in the
    modes of ``blocked_in``, unless ``exempt`` says it does no harm there, or a later use in one
    of the modes of ``used_in`` needs it there. ``priority`` orders codes when one statement
    breaks several rules (the most specific names the finding: lowest first).
    """

    code: str
    tag: Tag
    blocked_in: frozenset[Mode]
    priority: int
    tf_call: Callable[[str], bool] = _no_tf_call
    methods: frozenset[str] = frozenset()
    helper: Callable[[tuple[str, ...]], bool] = _no_helper
    defines: frozenset[str] = frozenset()
    module_class: Callable[[str, str], bool] = _no_module_class
    #: Whether the words of a method called on a value of the model_fn's (``model.optimizer(
    #: ...)``, an object from another module) say what it returns is one (its last word).
    method_head: Callable[[tuple[str, ...]], bool] = _no_helper
    #: Whether a function of the file is one by its name alone, whatever its body builds
    #: (SPEC counts ``metric_fn(...)`` calls as metric ops); other names yield to the body.
    named_by_spec: Callable[[tuple[str, ...]], bool] = _no_helper
    exempt: Callable[[StatementView], bool] = _never
    used_in: frozenset[Mode] = frozenset()



def has_words(found: tuple[str, ...], *wanted: str) -> bool:
    """Whether ``wanted`` occurs in ``found`` as consecutive words."""
    size = len(wanted)
    return any(found[i : i + size] == wanted for i in range(len(found) - size + 1))
