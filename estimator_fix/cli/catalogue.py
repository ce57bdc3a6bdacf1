"""``rules`` and ``explain CODE``: the catalogue, read from the modules of ``codemods.rules``."""

from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from codemods.rules import Rule, catalogue
from estimator_fix.cli.application import app
from estimator_fix.cli.options import NoColor
from estimator_fix.cli.output import Output


def _catalogue() -> "dict[str, Rule]":
    return catalogue()


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
            out.raw(f"{rule.code}  {rule.title:<{width}}  {rule.fix_summary}\n")
        return
    table = Table("Code", "Finds", "Fix", box=None, header_style="bold")
    for rule in catalogue.values():
        table.add_row(Text(rule.code, style="bold red"), rule.title, rule.fix_summary)
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
            f"{rule.code}: {rule.title}\nFix: {rule.fix_summary}\n\n{rule.explanation()}\n\n"
            f"Example:\n\n{_block(rule.example)}\nUse instead:\n\n{_block(rule.use_instead)}"
        )
        return
    out.stdout.print(Text.assemble((rule.code, "bold red"), ": ", (rule.title, "bold")))
    out.stdout.print(Text(f"Fix: {rule.fix_summary}\n", style="dim"))
    out.stdout.print(Text(rule.explanation() + "\n"))
    for title, source in (("Example", rule.example), ("Use instead", rule.use_instead)):
        out.stdout.print(Text(f"{title}:", style="bold"))
        snippet = Syntax(source.strip("\n"), "python", padding=(0, 4), background_color="default")
        out.stdout.print(snippet)
        out.stdout.print()
