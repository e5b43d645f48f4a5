"""`gradcli jacobian`: every output's gradient as one matrix, each entry checked.

The directional derivative (--direction) is computed in gradcli/directional.py.
"""

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

DIRECTION_HELP = ("Also the directional derivative ∇f·v (a Jacobian-vector product) along "
                  "V: values in the order of the variables (1,2) or by name (x=1,y=2); "
                  "v is used as given, not normalised.")


@click.command("jacobian", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--direction", metavar="V", default=None, help=DIRECTION_HELP)
@click.option("--no-check", is_flag=True, help="Skip the finite-difference check.")
@subgradient_option
@output_options
def command(args: tuple[str, ...], file: str | None, direction: str | None, no_check: bool,
            subgradient: str, fmt: str, digits: int | None, quiet: bool,
            wrt: tuple[str, ...]) -> int:
    """The Jacobian of one or more outputs at a point: a row per output, a column per input.

    Outputs are separated by commas ("x*y, x+y"), or a program's last line lists
    step names (a = x*y; b = x+y; a, b).  Every entry is checked against finite
    differences.  JSON: variables [names], point {name: value}, outputs, values,
    jacobian [[...]] (a row per output).

    \b
    Examples:
      gradcli jacobian "x*y, x+y, sin(x)" --x 2 --y 3
      gradcli jacobian "a = x*y; b = x+y; a, b" --x 2 --y 3 --format json
      gradcli jacobian "x^2 + y^2, x*y" --x 1 --y 2 --direction 1,1

    Exit status: 0 fine, 1 a finite-difference check failed, 2 bad input,
    3 a math domain error at the point.
    """
    from gradcli.directional import directional
    from gradcli.pipeline import evaluate, parse_value
    from gradcli.render.eval import point_result

    source, raw = split_args(args, file)
    if any(t.lstrip()[:1] in ("[", "@") for t in raw.values()):  # an array value: issue 15
        from gradcli.commands.arrays import jacobian_arrays_command, read_values, refuse_options

        refuse_options(direction=direction)
        return jacobian_arrays_command(source, read_values(raw), check=not no_check,
                                       convention=subgradient, fmt=fmt, digits=digits,
                                       quiet=quiet, wrt=wrt)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    from gradcli.parser import has_array_ops, parse

    tape = parse(source, known=values, arrays=True)  # array syntax read: issue 15
    if has_array_ops(tape):  # NumPy and gradcli/arrays/ only now
        from gradcli.commands.arrays import jacobian_arrays_command, refuse_options

        refuse_options(direction=direction)
        return jacobian_arrays_command(tape, values, check=not no_check, convention=subgradient,
                                       fmt=fmt, digits=digits, quiet=quiet, wrt=wrt)
    ev = evaluate(tape, values, check=not no_check, convention=subgradient)
    for w in ev.warnings:
        warn(w)
    d = directional(ev, direction, not no_check) if direction is not None else None
    return show(point_result("jacobian", ev, d), fmt, digits, quiet, wrt)
