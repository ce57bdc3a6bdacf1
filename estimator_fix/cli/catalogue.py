"""``rules`` and ``explain CODE``: the rule catalogue, from ``codemods.rules.RULES``."""

from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from codemods.rules import RULES, Rule
from estimator_fix.cli.application import app
from estimator_fix.cli.options import NoColor
from estimator_fix.cli.output import Output
from estimator_fix.engine import available_codemods


def _catalogue() -> "dict[str, Rule]":
    available_codemods()  # importing the codemods registers their rules
    return dict(sorted(RULES.items()))


@app.command()
def rules(no_color: NoColor = False) -> None:
    """List the rules: code, what it finds, and what fix does about it."""
    out = Output.create(no_color=no_color)
    catalogue = _catalogue()
    if not catalogue:
        out.summary("no rules are registered")
        return
    if not out.color:
        width = max(len(rule.title) for rule in catalogue.values())
        for rule in catalogue.values():
            out.raw(f"{rule.code}  {rule.title:<{width}}  {rule.fix}\n")
        return
    table = Table("Code", "Finds", "Fix", box=None, header_style="bold")
    for rule in catalogue.values():
        table.add_row(Text(rule.code, style="bold red"), rule.title, rule.fix)
    out.stdout.print(table)


def _block(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.strip("\n").splitlines())


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="A rule code, e.g. EF101.", show_default=False)],
    no_color: NoColor = False,
) -> None:
    """Explain one rule: why it matters, and the code before and after its fix."""
    out = Output.create(no_color=no_color)
    rule = _catalogue().get(code.strip().upper())
    if rule is None:
        out.fatal(f"unknown rule code {code!r} (`estimator-fix rules` lists them)")
        raise typer.Exit(2)
    if not out.color:
        out.raw(
            f"{rule.code}: {rule.title}\nFix: {rule.fix}\n\n{rule.why.strip()}\n\n"
            f"Before:\n\n{_block(rule.before)}\nAfter:\n\n{_block(rule.after)}"
        )
        return
    out.stdout.print(Text.assemble((rule.code, "bold red"), ": ", (rule.title, "bold")))
    out.stdout.print(Text(f"Fix: {rule.fix}\n", style="dim"))
    out.stdout.print(Text(rule.why.strip() + "\n"))
    for title, source in (("Before", rule.before), ("After", rule.after)):
        out.stdout.print(Text(f"{title}:", style="bold"))
        snippet = Syntax(source.strip("\n"), "python", padding=(0, 4), background_color="default")
        out.stdout.print(snippet)
        out.stdout.print()
