"""`gradcli diff`: each partial derivative as a simplified formula."""

from __future__ import annotations

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


@click.command("diff", context_settings=VALUE_SETTINGS)
@expression_input("EXPR")
@click.option("--order", "-n", type=click.IntRange(1, 10), default=None, metavar="N",
              help="N-th partials: each --wrt N times, or (no --wrt) every distinct N-th "
                   "partial (--order 2: the Hessian's formulas).")
@click.option("--exact", is_flag=True,
              help="Every coefficient as an exact fraction, however long (by default a "
                   "fraction with a denominator past a million prints as a decimal).")
@output_options
def command(args: tuple[str, ...], file: str | None, order: int | None, exact: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Print each partial derivative of EXPR as a formula in gradcli's own syntax.

    The formulas come from the reverse sweep run over a graph builder (the same
    rules as `gradcli eval`), then simplified: constants folded, like terms and
    powers combined, a shared denominator written once.  They paste back into
    gradcli: `--format plain` prints just the formulas, one per line.
    `--format latex` prints LaTeX for a write-up.

    Higher and mixed partials: `--order N` differentiates N times (each --wrt,
    or every distinct N-th partial when no --wrt is given: --order 2 is the
    Hessian as formulas); `--wrt x,y` is the mixed partial ∂²f/∂x∂y, taken by
    x first, then by y (`--wrt x,x,y` is ∂³f/∂x²∂y).  Each order is the
    simplified formula of the order before, differentiated again.

    \b
    Example:
      gradcli diff "log(3x^2 + 5x y)"
      gradcli diff "sin(x^2)" --wrt x --format plain
      gradcli diff "x^3/3 - x/6" --format latex
      gradcli diff "x^4" --order 2
      gradcli diff "x^2 y^3" --wrt x,y
      gradcli diff "x^2 y^3" --order 2
      gradcli check "sin(x^2)" --wrt x --expect "$(gradcli diff 'sin(x^2)' --wrt x --format plain)"

    Exit status: 0 fine, 2 bad input.
    """
    source, values = split_args(args, file)
    if values:
        name = next(iter(values))
        raise InputError(f"diff takes no values (got {name}=...)",
                         hint="to evaluate the derivative at a point use gradcli eval")
    from gradcli.diff import derivative_table
    from gradcli.render import Result

    found = derivative_table(source, list(wrt), exact, order)
    # the rows are the partials --wrt asked for (x,y names a mixed one): nothing to filter
    return show(Result("diff", found, found["variables"], found["read_as"]), fmt, digits, quiet,
                ())


# --format latex besides the shared formats: this command prints formulas;
# --wrt also names mixed partials here
for _p in command.params:
    if _p.name == "fmt":
        _p.type = click.Choice((*FORMATS, "latex"))
    if _p.name == "wrt" and isinstance(_p, click.Option):
        _p.help = "Only this partial (repeatable); x,y is the mixed partial ∂²f/∂x∂y."
