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
@output_options
def command(args: tuple[str, ...], file: str | None, expect: tuple[str, ...],
            at: tuple[str, ...], points: int, seed: int, fmt: str, digits: int | None,
            quiet: bool, wrt: tuple[str, ...]) -> int:
    """Check that each --expect formula is the partial derivative of EXPR by its --wrt.

    Both sides are evaluated at many reproducible random points (several scales,
    only where EXPR, its derivative and your formula are all defined) and must
    agree to |dF - G| <= 1e-8 max(|dF|, |G|) + 1e-12.  Any equivalent form
    passes.  When they differ you get a counterexample, a diagnosis (constant
    factor, sign, additive constant, dropped chain-rule factor, wrong power) and
    the correct derivative.  NAME=VALUE holds a variable fixed.

    \b
    Example:
      gradcli check "sin(x^2)" --wrt x --expect "2x cos(x^2)"
      gradcli check "tan(x)" --wrt x --expect "sec(x)^2"
      gradcli check "x^2 y" --wrt x --expect "2x y" --wrt y --expect "x^2"
      gradcli check "log(log(x))" --wrt x --expect "1/log(x)" --format json

    Exit status: 0 every answer is right, 1 one is not, 2 bad input.
    """
    from gradcli.checker import check_one, parse_points
    from gradcli.definitions import derivative_wrt
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.pipeline import parse_value
    from gradcli.reading import read_as
    from gradcli.render import Result

    source, raw = split_args(args, file)
    tape = parse(source, derivative=True, known={*wrt, *raw})
    refuse_unknown_calls(tape)
    fixed = {name: parse_value(name, text) for name, text in raw.items()}
    for name in fixed:
        if name not in tape.variables:
            raise InputError(f"{name} is not a variable of the expression")
    names = derivative_wrt(tape, list(wrt))  # `d/dx …` names the variable
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
    from gradcli.limits import MAX_CHECK_POINTS, over

    size = len(tape) + sum(len(parse(g)) for g in expect)
    over(f"--points × nodes ({points + len(pinned):,} points × {size:,} nodes)",
         (points + len(pinned)) * size, MAX_CHECK_POINTS,
         f"use --points {max(1, MAX_CHECK_POINTS // size - len(pinned))} or fewer "
         "for this expression")
    verdicts = [check_one(tape, w, g, points=points, seed=seed, pinned=pinned, fixed=fixed)
                for w, g in zip(names, expect, strict=True)]
    f = tape.output_names[-1] if tape.output_names and tape.output_names[-1].isidentifier() \
        else "f"
    reading = read_as(tape)
    for w, g in zip(names, expect, strict=True):
        label = "your answer" if len(expect) == 1 else f"your ∂{f}/∂{w}"
        reading += read_as(parse(g, known=tape.variables), label)
    return show(Result("check", {"verdicts": verdicts, "f": f}, list(tape.variables), reading,
                       ok=all(v.equivalent for v in verdicts)), fmt, digits, quiet, wrt)
