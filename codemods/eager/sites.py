"""What the eager rules' detectors share: the site a finding is made of, and the scan they add
sites to.

Each rule declares its own kind of site in its module (``codemods.rules.ef20N_*``):
``NumpySite`` (EF201), ``ConversionSite`` (EF202), ``SessionSite`` (EF203), ``PrintSite``
(EF204), ``TruthSite`` (EF205) and ``EagerBranchSite`` (EF206), each a ``Site`` with the fields
its fix needs, and says which edit (``codemods.eager.edits``) the fix is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, ClassVar, Optional, TypeVar

import libcst as cst

from codemods.eager.edits import Edit
from codemods.eager.evaluate import Evaluator
from codemods.eager.naming import Naming
from codemods.eager.values import Bindings, Kind

#: Is a rule on for this node (selected, and not silenced by a noqa comment)?
Enabled = Callable[[str, cst.CSTNode, cst.BaseStatement], bool]


@dataclass(eq=False)
class Site:
    """One finding: its node, the statement holding it (where a noqa comment counts), what it
    says, and whether its fix applies (``fixable``; ``enabled``: the rule is on there)."""

    code: ClassVar[str]
    node: cst.CSTNode
    stmt: cst.BaseStatement
    message: str
    note: str = ""
    fixable: bool = False
    enabled: bool = True

    def edit(self) -> Optional[Edit]:
        """The edit the fix makes (None for a report-only kind of site)."""
        return None


SiteT = TypeVar("SiteT", bound=Site)


@dataclass
class Scan:
    """The scan of one model_fn, as the detectors see it.

    ``values`` evaluates expressions (``naming``: what names refer to); ``tf`` is how the
    model_fn spells the tensorflow module; ``spell(node)`` gives a node's source text; ``sites``
    what was found, in source order.
    """

    values: Evaluator
    tf: str
    enabled: Enabled
    spell: Callable[[cst.CSTNode], str]
    sites: list[Site] = field(default_factory=list)

    @property
    def naming(self) -> Naming:
        return self.values.naming

    def add(self, site: SiteT) -> SiteT:
        site.enabled = self.enabled(site.code, site.node, site.stmt)
        self.sites.append(site)
        return site

    def kind(self, node: cst.BaseExpression, env: Bindings) -> Kind:
        return self.values.value(node, env).kind

    def short(self, node: cst.CSTNode) -> str:
        """The node's source on one line, cut at 40 characters (for messages)."""
        text = " ".join(self.spell(node).split())
        return text if len(text) <= 40 else text[:37] + "..."


@dataclass(eq=False)
class CallView:
    """A call the scan meets, with what its function is: the NumPy function (``mean``), the
    TensorFlow function or class (its normalized qualified name) or the Python builtin it names."""

    call: cst.Call
    env: Bindings
    stmt: cst.BaseStatement
    numpy: Optional[str]
    tf: Optional[str]
    builtin: Optional[str]

    @property
    def args(self) -> list[cst.BaseExpression]:
        return [arg.value for arg in self.call.args]


#: A rule's detector of calls: reports what it finds in ``view`` to the scan, and says whether
#: the call was its kind of call (then no later detector looks at it).
CallDetector = Callable[[CallView, Scan], bool]
