"""`gradcli taylor`: the Taylor polynomial of a one-variable function, as a formula."""

from __future__ import annotations

import click

from gradcli.cli import show, warn
from gradcli.commands.options import (
    VALUE_SETTINGS,
    expression_input,
    output_options,
    split_args,
    subgradient_option,
)
from gradcli.taylor import MAX_ORDER, derivatives, polynomial


@click.command("taylor", context_settings=VALUE_SETTINGS)
@expression_input("EXPR NAME=VALUE")
@click.option("--order", "-n", type=click.IntRange(1, MAX_ORDER), default=3, show_default=True,
              help="The degree of the polynomial.")
@click.option("--no-check", is_flag=True, help="Skip the finite-difference checks.")
@subgradient_option
@output_options
def command(args: tuple[str, ...], file: str | None, order: int, no_check: bool,
            subgradient: str, fmt: str, digits: int | None, quiet: bool,
            wrt: tuple[str, ...]) -> int:
    """The Taylor polynomial of degree N of a one-variable EXPR around a point.

    The derivatives come from Taylor arithmetic on the operations table, each
    order checked against finite differences of the order before.  The formula
    reads back into gradcli.  A derivative that is a whole number or a simple
    fraction prints its coefficient as an exact fraction (x^4/24); any other
    coefficient as the shortest decimal that is the same double.

    \b
    Examples:
      gradcli taylor "exp(x)" --x 0 --order 4
      gradcli taylor "log(x)" --x 1 --order 5 -q
      gradcli taylor "sin(x)" --x pi/4 --order 3 --format json

    Exit status: 0 fine, 1 a finite-difference check failed, 2 bad input,
    3 a math domain error at the point.
    """
    from gradcli.errors import InputError
    from gradcli.parser import parse
    from gradcli.pipeline import parse_value
    from gradcli.render.taylor import taylor_result

    if wrt:
        raise InputError("gradcli taylor takes a function of one variable; --wrt does not apply")
    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    d = derivatives(parse(source, known=values), values, order, check=not no_check,
                    convention=subgradient)
    for w in d.evaluation.warnings:
        warn(w)
    return show(taylor_result(d, polynomial(d)), fmt, digits, quiet, wrt)
