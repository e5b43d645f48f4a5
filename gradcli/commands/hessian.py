"""`gradcli hessian`: value, gradient, Hessian, its eigenvalues, and "is this a minimum?"."""

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
from gradcli.errors import check_wrt


@click.command("hessian", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--no-check", is_flag=True, help="Skip the finite-difference checks.")
@subgradient_option
@output_options
def command(args: tuple[str, ...], file: str | None, no_check: bool, subgradient: str,
            fmt: str, digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Value, gradient and Hessian of EXPR at a point, and whether it is a minimum.

    Second derivatives come from forward-over-reverse sweeps on the operations
    table; each entry is checked against finite differences of the gradient.
    The eigenvalues of the (symmetric) Hessian say whether it is positive
    definite (a minimum, where the gradient is zero), negative definite (a
    maximum), indefinite (a saddle) or semidefinite (the test cannot tell).

    \b
    Examples:
      gradcli hessian "x*y*z" --x 2 --y 3 --z 4
      gradcli hessian "x^2 + x*y + y^2" --x 0 --y 0
      gradcli hessian "x^x" --x 2 --format json
      gradcli hessian "x^2 - y^2" --x 0 --y 0 -q

    Exit status: 0 fine, 1 a finite-difference check failed, 2 bad input,
    3 a math domain error at the point.
    """
    from gradcli.hessian import hessian
    from gradcli.parser import parse
    from gradcli.pipeline import parse_value
    from gradcli.reading import read_as
    from gradcli.render import Result

    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    tape = parse(source, known={*values, *wrt})
    check_wrt(wrt, tape.variables)  # before the work, which grows with the variables
    r = hessian(tape, values, check=not no_check, convention=subgradient)
    for w in r.evaluation.warnings:
        warn(w)
    return show(Result("hessian", r, list(r.variables), read_as(tape),
                       [n.message for n in r.notes], r.passed), fmt, digits, quiet, wrt)
