"""`gradcli diff`: each partial derivative as a simplified formula."""

from __future__ import annotations

from typing import Any

import click

from gradcli.cli import show
from gradcli.commands.options import (
    FORMATS,
    VALUE_SETTINGS,
    expression_input,
    output_options,
    split_args,
)
from gradcli.errors import InputError


def derivative_table(source: str, wrt: list[str], exact: bool) -> dict[str, Any]:
    """Parse, differentiate (symbolic reverse sweep) and simplify: one row per partial."""
    from gradcli.definitions import derivative_wrt
    from gradcli.latex import latex, name_tex
    from gradcli.limits import formula_budget
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.reading import read_as
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate

    tape = parse(source, derivative=True)
    refuse_unknown_calls(tape)
    wrt = derivative_wrt(tape, wrt)  # `d/dx …` names the variable
    rows = []
    for k, out in enumerate(tape.outputs):
        d = differentiate(tape, wrt, output=out)
        formula_budget(d.tape)  # before simplifying: its cost grows with the formula
        simple = simplify(d.tape, exact=exact)
        name = tape.output_names[k] if k < len(tape.output_names) else ""
        f = name if name.isidentifier() else "f" if len(tape.outputs) == 1 else f"f{k + 1}"
        for v, text, tex in zip(d.wrt, formulas(simple), latex(simple), strict=True):
            rows.append({"output": name, "f": f, "wrt": v, "formula": text,
                         "latex": rf"\frac{{\partial {name_tex(f)}}}{{\partial {name_tex(v)}}}"
                                  f" = {tex}", "tex": tex})
    return {"expression": source, "variables": list(tape.variables), "rows": rows,
            "read_as": read_as(tape)}


@click.command("diff", context_settings=VALUE_SETTINGS)
@expression_input("EXPR")
@click.option("--exact", is_flag=True,
              help="Every coefficient as an exact fraction, however long (by default a "
                   "fraction with a denominator past a million prints as a decimal).")
@output_options
def command(args: tuple[str, ...], file: str | None, exact: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Print each partial derivative of EXPR as a formula in gradcli's own syntax.

    The formulas come from the reverse sweep run over a graph builder (the same
    rules as `gradcli eval`), then simplified: constants folded, like terms and
    powers combined, a shared denominator written once.  They paste back into
    gradcli: `--format plain` prints just the formulas, one per line.
    `--format latex` prints LaTeX for a write-up.

    \b
    Example:
      gradcli diff "log(3x^2 + 5x y)"
      gradcli diff "sin(x^2)" --wrt x --format plain
      gradcli diff "x^3/3 - x/6" --format latex
      gradcli check "sin(x^2)" --wrt x --expect "$(gradcli diff 'sin(x^2)' --wrt x --format plain)"

    Exit status: 0 fine, 2 bad input.
    """
    source, values = split_args(args, file)
    if values:
        name = next(iter(values))
        raise InputError(f"diff takes no values (got {name}=...)",
                         hint="to evaluate the derivative at a point use gradcli eval")
    from gradcli.render import Result

    found = derivative_table(source, list(wrt), exact)
    return show(Result("diff", found, found["variables"], found["read_as"]), fmt, digits, quiet,
                wrt)


# --format latex besides the shared formats: this command prints formulas
for _p in command.params:
    if _p.name == "fmt":
        _p.type = click.Choice((*FORMATS, "latex"))
