"""`gradcli explain`: the chain rule at a point, written out as a ledger."""

from __future__ import annotations

import click

from gradcli.cli import show, warn
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args


@click.command("explain", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--exact", is_flag=True,
              help="Integers and fractions stay exact (9/14); other values are marked ≈.")
@output_options
def command(args: tuple[str, ...], file: str | None, exact: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Explain the gradient of EXPR at a point, step by step, the way backpropagation works.

    The forward pass as numbered steps with their values; the backward pass one
    line per edge (the local partial as a formula and a number, times the
    upstream gradient, gives the edge's product); where a node is used several
    times, the sum of its contributions; and for small graphs every path from
    the output to each input with the product of its edge weights.  Name the
    steps of a program (a = x^2; b = 3*a) and the ledger uses your names.

    \b
    Example:
      gradcli explain "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)" --x 2 --y 3
      gradcli explain "x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5" \\
          --x1 1 --x2 2 --w1 1 --w2 2 --w3 3
      gradcli explain "log(3x^2 + 5x y)" --x 2 --y 3 --exact
      gradcli explain "sin(x)*x" --x 1 --format json
      gradcli explain "sum((W@x + b - y)^2)" --W "[[1, 2], [3, 4]]" --x "[1, 1]" \\
          --b "[0.5, 0.5]" --y "[1, 2]"

    Exit status: 0 fine, 2 bad input, 3 a math domain error at the point.
    """
    from gradcli.explain import explain
    from gradcli.pipeline import unused_values
    from gradcli.reading import read_as
    from gradcli.render import Result

    source, raw = split_args(args, file)
    if any(t.lstrip()[:1] in ("[", "@") for t in raw.values()):  # an array value: issue 15
        from gradcli.commands.arrays import explain_arrays, read_values

        return explain_arrays(source, read_values(raw), exact=exact, fmt=fmt, digits=digits,
                              quiet=quiet, wrt=wrt)
    if exact:
        from gradcli.exact import parse_exact

        values = {n: parse_exact(n, t) for n, t in raw.items()}
    else:
        from gradcli.pipeline import parse_value

        values = {n: parse_value(n, t) for n, t in raw.items()}
    from gradcli.parser import has_array_ops, parse

    tape = parse(source, known=values, arrays=True)  # array syntax read: issue 15
    if has_array_ops(tape):
        from gradcli.commands.arrays import explain_arrays

        return explain_arrays(tape, values, exact=exact, fmt=fmt, digits=digits, quiet=quiet,
                              wrt=wrt)
    ledger = explain(tape, values, exact=exact)
    for message in unused_values(ledger.tape, values):
        warn(message)
    return show(Result("explain", ledger, list(ledger.tape.variables), read_as(ledger.tape),
                       list(ledger.notes)), fmt, digits, quiet, wrt)


# the ledger's numbers are for reading along: 4 digits unless asked
for _p in command.params:
    if _p.name == "digits" and isinstance(_p, click.Option):
        _p.help = "Significant digits in the ledger (default 4; JSON always has full precision)."
