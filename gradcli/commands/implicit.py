"""`gradcli implicit`: dy/dx on a curve lhs = rhs, as a formula and at a point on it."""

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
from gradcli.implicit import MAX_ORDER, implicit, judge


@click.command("implicit", context_settings=VALUE_SETTINGS)
@expression_input("EQUATION [NAME=VALUE]...")
@click.option("--order", "-n", type=click.IntRange(1, MAX_ORDER), default=1, show_default=True,
              help="Also the higher derivatives, up to dᴺy/dxᴺ.")
@click.option("--of", "of", metavar="NAME", default=None,
              help="The variable that is a function of the --wrt one (default: y of x).")
@click.option("--expect", metavar="FORMULA", default=None,
              help="Your dᴺy/dxᴺ: judged at points of the curve; exit 0 right, 1 wrong.")
@click.option("--no-check", is_flag=True, help="Skip the check along the curve.")
@subgradient_option
@output_options
def command(args: tuple[str, ...], file: str | None, order: int, of: str | None,
            expect: str | None, no_check: bool, subgradient: str, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Implicit differentiation: dy/dx (and --order N) on the curve EQUATION.

    EQUATION is `lhs = rhs` (an expression alone means expression = 0).  With
    F = lhs - rhs, dy/dx = -F_x/F_y, simplified like gradcli diff; higher orders
    differentiate along the curve (d/dx g = g_x + g_y·y′).  Given a point
    (--x 3 --y 4), it must lie on the curve (within 1e-9 of its scale; else exit
    2, with the nearest point of the curve); each order is evaluated there and
    checked against finite differences stepping along the curve.  --expect
    judges your formula at points of the curve, so one that uses the equation
    (-25/y^3 on x^2 + y^2 = 25) is right.

    \b
    Examples:
      gradcli implicit "x^2 + y^2 = 25" --x 3 --y 4
      gradcli implicit "x^2 + y^2 = 25" --order 2
      gradcli implicit "x^3 + y^3 = 6 x y" --x 3 --y 3 --format json
      gradcli implicit "sin(x y) = x" --wrt y --of x
      gradcli implicit "x^2 + y^2 = 25" --expect "-x/y"

    Exit status: 0 fine (or your formula is right), 1 a check failed (or your
    formula is wrong), 2 bad input (a point not on the curve too), 3 the
    derivative is undefined at the point (F_y = 0: a vertical tangent or a
    singular point; or a kink with --subgradient error).
    """
    from gradcli.pipeline import parse_value
    from gradcli.render.implicit import implicit_result
    from gradcli.render.implicit_verdict import verdict_result

    if len(wrt) > 1:
        raise InputError("implicit takes one --wrt (the independent variable)")
    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    x = wrt[0] if wrt else None
    if expect is not None:
        v = judge(source, expect, order, wrt=x, of=of, values=values)
        return show(verdict_result(v), fmt, digits, quiet, ())
    r = implicit(source, values, order, wrt=x, of=of, check=not no_check,
                 convention=subgradient)
    for w in r.warnings:
        warn(w)
    return show(implicit_result(r), fmt, digits, quiet, ())
