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


def derivative_table(source: str, wrt: list[str], exact: bool,
                     order: int | None = None) -> dict[str, Any]:
    """Parse, differentiate (symbolic reverse sweep) and simplify: one row per partial.

    A --wrt may name a mixed partial (`x,y`: by x, then by y); --order N raises
    each --wrt to order N, or (without --wrt) gives every distinct N-th partial.
    """
    from gradcli.definitions import derivative_wrt
    from gradcli.latex import latex, name_tex
    from gradcli.limits import formula_budget
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.reading import read_as
    from gradcli.simplify import formulas, simplify
    from gradcli.symbolic import differentiate, nth_partials, partial_label, partial_specs, runs

    tape = parse(source, derivative=True, known=wrt)
    refuse_unknown_calls(tape)
    wrt = derivative_wrt(tape, wrt, max_order=10)  # `d/dx …` names the variable
    if tape.derivative is not None and tape.derivative[1] > 1:  # `d^2/dx^2 …`: the order
        if order is not None and order != tape.derivative[1]:
            raise InputError(f"d^{tape.derivative[1]}/d{tape.derivative[0]}^"
                             f"{tape.derivative[1]} and --order {order} disagree",
                             hint="give one of them")
        order = tape.derivative[1]
    specs = partial_specs(list(tape.variables), wrt, order)
    rows = []
    for k, out in enumerate(tape.outputs):
        name = tape.output_names[k] if k < len(tape.output_names) else ""
        f = name if name.isidentifier() else "f" if len(tape.outputs) == 1 else f"f{k + 1}"
        if all(len(s) == 1 for s in specs):  # first order: one sweep gives every partial
            d = differentiate(tape, [s[0] for s in specs], output=out)
            formula_budget(d.tape)  # before simplifying: its cost grows with the formula
            simple = simplify(d.tape, exact=exact)
            found = list(zip(specs, formulas(simple), latex(simple), strict=True))
        else:
            found = [(s, formulas(one)[0], latex(one)[0])
                     for s, one in zip(specs, nth_partials(tape, specs, out, exact), strict=True)]
        for s, text, tex in found:
            n = len(s)
            top = r"\partial" + (f"^{{{n}}}" if n > 1 else "")
            bottom = " ".join(r"\partial " + name_tex(v) + (f"^{{{m}}}" if m > 1 else "")
                              for v, m in runs(s))
            rows.append({"output": name, "f": f, "wrt": ",".join(s), "order": n,
                         "label": partial_label(f, s), "formula": text,
                         "latex": rf"\frac{{{top} {name_tex(f)}}}{{{bottom}}} = {tex}",
                         "tex": tex})
    return {"expression": source, "variables": list(tape.variables), "rows": rows,
            "read_as": read_as(tape)}


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
