"""`gradcli eval`: value, every node, the gradient and its finite-difference check."""

from __future__ import annotations

import click

from gradcli.cli import say, show, warn
from gradcli.commands.options import (
    VALUE_SETTINGS,
    expression_input,
    output_options,
    split_args,
    subgradient_option,
)
from gradcli.errors import InputError


@click.command("eval", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--no-check", is_flag=True, help="Skip the finite-difference check.")
@click.option("--order", type=click.IntRange(1, 30), default=None, metavar="N",
              help="Instead of the gradient: f′, f″, … f⁽ᴺ⁾ at the point (Taylor "
                   "arithmetic, as the taylor command uses); with several variables, "
                   "∂ᴺf/∂xᴺ for --wrt x, or every N-th partial.  --wrt x,y: a mixed partial.")
@click.option("--direction", metavar="V", default=None,
              help="Also ∇f·v, the derivative along V: components in the order of the "
                   "variables (1,2) or by name (x=1,y=2); not normalised.")
@click.option("--batch", type=click.Path(allow_dash=True, dir_okay=False), metavar="FILE",
              help="Evaluate at every row of a CSV/TSV file whose header names the variables "
                   "('-': standard input); one output row per input row.")
@click.option("--check", "check_rows", is_flag=True,
              help="With --batch or a grid: also check every row against finite differences.")
@subgradient_option
@click.option("--exact", is_flag=True, help="Integers and fractions stay exact (9/14); a value "
              "that cannot be (ln 42) is marked ≈.")
@output_options
def command(args: tuple[str, ...], file: str | None, no_check: bool, exact: bool,
            order: int | None, direction: str | None,
            batch: str | None, check_rows: bool, subgradient: str, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Evaluate EXPR and its gradient at a point, showing every node of the graph.

    Values: --x 2, --x=2 or x=2 (negative ones too: --x -1.5); a value may be a
    constant expression such as pi/4 or sqrt(2).  An expression may start with
    '-' (-sqrt(x)); only a word that is exactly an option is one.

    \b
    Examples:
      gradcli eval "x*y*z" --x 2 --y 3 --z 4
      gradcli eval "log(3*x^2 + 5*x*y)" x=2 y=3 --format json
      gradcli eval "sin(x)^2" --x pi/4 --wrt x -q
      gradcli eval --x 2 -- "-x^2"
      gradcli eval "log(3*x^2 + 5*x*y)" --batch points.csv --format csv
      gradcli eval "x^2 * y" --x 0:1:0.25 --y 1,2 --format csv
      gradcli eval "x^3 y^2" --x 1 --y 2 --order 2 --wrt x
      gradcli eval "x^3 y^2" --x 1 --y 2 --wrt x,y

    Exit status: 0 fine, 1 the finite-difference check failed, 2 bad input,
    3 a math domain error at the point.  With --batch or a grid (--x 0:1:0.1,
    --x 1,2,3) a failing row gets an error cell and the rest go on; then 2 some
    row was bad input, else 3 some row hit a domain error, else 1 --check failed.
    """
    from gradcli.pipeline import evaluate, parse_value
    from gradcli.render.eval import point_result

    if batch == "-" and file == "-":
        raise InputError("--file - and --batch - cannot both read standard input")
    source, raw = split_args(args, file)
    if any(t.lstrip()[:1] in ("[", "@") for t in raw.values()):  # an array value: issue 15
        from gradcli.commands.arrays import eval_arrays, read_values, refuse_options

        refuse_options(batch=batch, exact=exact, order=order, direction=direction)
        return eval_arrays(source, read_values(raw), check=not no_check, convention=subgradient,
                           fmt=fmt, digits=digits, quiet=quiet, wrt=wrt)
    if batch is not None or any(":" in t or "," in t for t in raw.values()):
        from gradcli.batch import eval_batch
        from gradcli.grid import is_grid

        if batch is not None or any(is_grid(t) for t in raw.values()):
            if exact or order is not None or direction is not None:
                raise InputError("--exact, --order and --direction work at one point, "
                                 "not with --batch or a grid")
            return eval_batch(source, raw, batch, fmt=fmt, quiet=quiet, digits=digits,
                              wrt=list(wrt), check=check_rows, convention=subgradient,
                              warn=warn, say=say)
    if exact:  # rational arithmetic throughout: gradcli/exact.py
        from gradcli.exact import eval_exact

        return show(eval_exact(source, raw, convention=subgradient), fmt, digits, quiet, wrt)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    if order is not None or any("," in w for w in wrt):  # higher and mixed partials
        from gradcli.parser import parse
        from gradcli.partials import partials_at, wants_partials
        from gradcli.render.partials import partials_result
        from gradcli.render.taylor import taylor_result
        from gradcli.symbolic import partial_specs
        from gradcli.taylor import derivatives

        if direction is not None:
            raise InputError("--order (or a mixed --wrt x,y) and --direction do not go "
                             "together")
        tape = parse(source, known=values)
        if wants_partials(tape, list(wrt)):  # several, or mixed: nested duals
            p = partials_at(tape, values, partial_specs(list(tape.variables), list(wrt), order),
                            check=not no_check, convention=subgradient)
            for w in p.evaluation.warnings:
                warn(w)
            return show(partials_result(p), fmt, digits, quiet, ())
        # one variable, or one --wrt with the others held fixed: f′ … f⁽ᴺ⁾ by jets
        taylor = derivatives(tape, values, order or 1, check=not no_check,
                             convention=subgradient, wrt=wrt[0] if wrt else None)
        for w in taylor.evaluation.warnings:
            warn(w)
        return show(taylor_result(taylor, None), fmt, digits, quiet, wrt)
    from gradcli.parser import has_array_ops, parse

    tape = parse(source, known=values, arrays=True)  # array syntax read: issue 15
    if has_array_ops(tape):  # NumPy and gradcli/arrays/ only now
        from gradcli.commands.arrays import eval_arrays, refuse_options

        refuse_options(direction=direction)
        return eval_arrays(tape, values, check=not no_check, convention=subgradient, fmt=fmt,
                           digits=digits, quiet=quiet, wrt=wrt)
    ev = evaluate(tape, values, check=not no_check, convention=subgradient)
    for w in ev.warnings:
        warn(w)
    d = None
    if direction is not None:  # ∇f·v: gradcli/directional.py
        from gradcli.directional import directional

        d = directional(ev, direction, not no_check)
    return show(point_result("eval", ev, d), fmt, digits, quiet, wrt)
