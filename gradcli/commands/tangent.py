"""`gradcli tangent`: the tangent line or plane (and the normal line) at a point."""

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
from gradcli.errors import InputError


@click.command("tangent", context_settings=VALUE_SETTINGS)
@expression_input("EXPR|EQUATION NAME=VALUE...")
@click.option("--normal", is_flag=True, help="Lead with the normal line (-q prints only it).")
@click.option("--of", "of", metavar="NAME", default=None,
              help="For a curve lhs = rhs: the variable to solve the line for (default y).")
@click.option("--no-check", is_flag=True, help="Skip the finite-difference check of the slopes.")
@subgradient_option
@output_options
def command(args: tuple[str, ...], file: str | None, normal: bool, of: str | None,
            no_check: bool, subgradient: str, fmt: str, digits: int | None, quiet: bool,
            wrt: tuple[str, ...]) -> int:
    """The tangent of EXPR at a point: y = f(x) gives a line, z = f(x, y) a plane.

    For an equation lhs = rhs (a curve such as x^2 + y^2 = 25) the point must lie
    on the curve, and the line is F_x (x - a) + F_y (y - b) = 0 solved for y (or
    x = a where it is vertical).  Slopes are the reverse sweep's, checked against
    finite differences; a slope or value that is a simple fraction prints as
    one, and the intercept is then exact.  The equation reads back into gradcli.
    --normal leads with the normal line (for a surface: (x, y, z) = point + t·n).

    \b
    Examples:
      gradcli tangent "x^3" --x 1
      gradcli tangent "x^2 + y^2" --x 1 --y 2
      gradcli tangent "x^2 + y^2 = 25" --x 3 --y 4
      gradcli tangent "sqrt(x)" --x 4 --normal -q
      gradcli tangent "sin(x)" --x 0 --format json

    Exit status: 0 fine, 1 a finite-difference check failed, 2 bad input (a
    point not on the curve too), 3 a math domain error at the point (or a kink
    with --subgradient error).
    """
    from gradcli.pipeline import parse_value
    from gradcli.render.tangent import tangent_result
    from gradcli.tangent import check_point, tangent

    if wrt:
        raise InputError("tangent takes no --wrt: the point's values say where",
                         hint="for a curve lhs = rhs, --of NAME picks the variable solved for")
    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    t = tangent(source, values, of=of, check=not no_check, convention=subgradient)
    check_point(t)
    for w in t.warnings:
        warn(w)
    return show(tangent_result(t, normal), fmt, digits, quiet, ())
