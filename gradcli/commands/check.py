"""`gradcli check`: is G the derivative of F?  A verdict, a counterexample, a diagnosis."""

from __future__ import annotations

import click

from gradcli.cli import show
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.errors import InputError


@click.command("check", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--expect", "expect", multiple=True, required=True, metavar="FORMULA",
              help="Your derivative; one per --wrt, in the same order (repeatable).")
@click.option("--at", "at", multiple=True, metavar="x=1.5,y=2",
              help="Also test at this point (repeatable).")
@click.option("--points", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Random points to test.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random points (the same seed, the same points).")
@click.option("--order", "-n", type=click.IntRange(1, 10), default=None, metavar="N",
              help="Check N-th derivatives: each --wrt N times (--wrt x,y is already the "
                   "mixed partial ∂²f/∂x∂y).")
@output_options
def command(args: tuple[str, ...], file: str | None, expect: tuple[str, ...],
            at: tuple[str, ...], points: int, seed: int, order: int | None, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Check that each --expect formula is the partial derivative of EXPR by its --wrt.

    Both sides are evaluated at many reproducible random points (several scales,
    only where EXPR, its derivative and your formula are all defined) and must
    be equal at every one: exactly (rational arithmetic) where both sides are
    rational there, otherwise to at least 30 significant digits (mpmath); the
    output says which.  Any equivalent form passes.  When they differ you get
    counterexamples, the correct derivative and, where it can be verified at
    every point, the mistake (constant factor, sign, additive constant, dropped
    chain-rule factor, product or quotient rule, one wrong term, wrong power).
    NAME=VALUE holds a variable fixed.

    Higher and mixed partials: `--order N` checks the N-th derivative by each
    --wrt; `--wrt x,y` is the mixed partial ∂²f/∂x∂y, by x first, then by y
    (`--wrt x,x,y` is ∂³f/∂x²∂y), as in `gradcli diff`.

    \b
    Example:
      gradcli check "sin(x^2)" --wrt x --expect "2x cos(x^2)"
      gradcli check "tan(x)" --wrt x --expect "sec(x)^2"
      gradcli check "x^2 y" --wrt x --expect "2x y" --wrt y --expect "x^2"
      gradcli check "log(log(x))" --wrt x --expect "1/log(x)" --format json
      gradcli check "x^4" --wrt x --order 2 --expect "12x^2"
      gradcli check "x^2 y^3" --wrt x,y --expect "6x y^2"

    Exit status: 0 every answer is right, 1 one is not, 2 bad input.
    """
    from gradcli.checker import check_one, exact_value, label, parse_points, specs
    from gradcli.definitions import derivative_wrt
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.reading import read_as
    from gradcli.render import Result

    source, raw = split_args(args, file)
    tape = parse(source, derivative=True,
                 known={*(v for w in wrt for v in w.split(",")), *raw})
    refuse_unknown_calls(tape)
    if len(tape.outputs) != 1:  # checking one of them silently would be a misreading
        raise InputError(f"check takes one function; this has {len(tape.outputs)} outputs "
                         f"({', '.join(tape.output_names)})",
                         hint="check each output on its own, or use gradcli jacobian")
    fixed = {name: exact_value(name, text) for name, text in raw.items()}
    for name in fixed:
        if name not in tape.variables:
            raise InputError(f"{name} is not a variable of the expression")
    names = derivative_wrt(tape, list(wrt), max_order=10)  # `d/dx …` names the variable
    if tape.derivative is not None and tape.derivative[1] > 1:  # d^2/dx^2: the order too
        if order not in (None, tape.derivative[1]):
            raise InputError(f"d^{tape.derivative[1]}/d{names[0]}^{tape.derivative[1]} and "
                             f"--order {order} disagree", hint="give one of them")
        order = tape.derivative[1]
    if not names:
        free = [n for n in tape.variables if n not in fixed]
        if len(free) != 1 or len(expect) != 1:
            raise InputError("say which partial each --expect is with --wrt",
                             hint='gradcli check "x^2 y" --wrt x --expect "2x y"')
        names = free
    if len(names) != len(expect):
        raise InputError(f"{len(names)} --wrt but {len(expect)} --expect; give one --expect "
                         "per --wrt, in the same order")
    pinned = parse_points(at)
    from gradcli.limits import check_budget
    from gradcli.piecewise import is_piecewise, parse_answer

    wanted = specs(tape, names, order)  # x, x N times (--order N), or x,y (mixed)
    # every pair is checked at every point: F once per --wrt (a higher order's base
    # is counted again once built: gradcli/checker.py)
    check_budget(points, len(pinned), len(wanted) * len(tape) +
                 sum(len(parse_answer(g, tape.variables)) for g in expect))
    verdicts = [check_one(tape, s, g, points=points, seed=seed, pinned=pinned, fixed=fixed)
                for s, g in zip(wanted, expect, strict=True)]
    f = tape.output_names[-1] if tape.output_names and tape.output_names[-1].isidentifier() \
        else "f"
    reading = read_as(tape)
    for s, g in zip(wanted, expect, strict=True):
        whose = "your answer" if len(expect) == 1 else f"your {label(f, s)}"
        if not is_piecewise(g):  # (pieces are read as typed: formula if condition)
            reading += read_as(parse(g, known=tape.variables), whose)
    return show(Result("check", {"verdicts": verdicts, "f": f}, list(tape.variables), reading,
                       ok=all(v.equivalent for v in verdicts)), fmt, digits, quiet,
                tuple(dict.fromkeys(v for s in wanted for v in s)) if wrt else ())
