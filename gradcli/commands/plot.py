"""`gradcli plot`: f and its derivative over a range, in the terminal or as an image."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from gradcli.cli import emit, show, warn
from gradcli.commands.options import VALUE_SETTINGS, output_options, split_args
from gradcli.errors import DomainError, ExitStatus, InputError, check_wrt

if TYPE_CHECKING:
    from gradcli.plotting import Samples

IMAGE_TYPES = (".png", ".svg", ".pdf")


@click.command("plot", context_settings=VALUE_SETTINGS)
@click.argument("args", nargs=-1, type=click.UNPROCESSED,
                metavar="EXPR --VAR START:STOP [NAME=VALUE]...")
@click.option("-f", "--file", type=click.Path(allow_dash=True, dir_okay=False),
              help="Read the expression or program from FILE ('-': standard input).")
@click.option("--at", "at", default=None, metavar="VALUE",
              help="Mark this point of the range: f, the derivative and the tangent there.")
@click.option("--points", type=click.IntRange(2, 100_000), default=None,
              help="Samples over START:STOP (default 401; START:STOP:STEP sets its own).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write the plot to FILE (.png, .svg or .pdf) with matplotlib.")
@click.option("--width", type=click.IntRange(10, 20_000), default=None,
              help="Image width in pixels (default 800); in the terminal, columns.")
@click.option("--height", type=click.IntRange(5, 20_000), default=None,
              help="Image height in pixels (default 500); in the terminal, lines (25).")
@output_options
def command(args: tuple[str, ...], file: str | None, at: str | None, points: int | None,
            output: str | None, width: int | None, height: int | None, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Plot EXPR and its derivative over a range of one variable.

    The variable along the x axis gets a range, START:STOP (401 evenly spaced
    points) or START:STOP:STEP; every other variable gets one value and is held
    there.  The derivative drawn is ∂f/∂(the ranged variable), or --wrt NAME.
    Where f is undefined (log of a negative number, say) the plot has a gap.

    --format table (the default) draws in the terminal; json, csv, tsv and
    plain give the samples; --output plot.png writes an image.

    \b
    Examples:
      gradcli plot "sin(x)" --x -3:3
      gradcli plot "x^3 - 3*x" --x -2.5:2.5 --at 1
      gradcli plot "log(x*y)" --x 0:4 --y 2 --at 1 --output plot.png
      gradcli plot "x^2*y" --x -2:2 --y 3 --wrt y --format csv

    Exit status: 0 fine, 2 bad input (or the plotting extra missing: pip install
    'gradcli[plot]'), 3 f undefined everywhere on the range.
    """
    from gradcli.parser import parse
    from gradcli.pipeline import missing_error, parse_value
    from gradcli.plotting import DEFAULT_POINTS, mark, parse_range, sample
    from gradcli.reading import read_as
    from gradcli.render import Result

    source, raw = split_args(args, file)
    ranged = [n for n, t in raw.items() if ":" in t]
    if not ranged:
        raise InputError("no range to plot over", hint="give one variable a range: --x -3:3")
    if len(ranged) > 1:
        raise InputError(f"{' and '.join(ranged)} both have ranges; plot varies one variable",
                         hint="give the others one value each")
    var = ranged[0]
    if points is not None and raw[var].count(":") == 2:
        raise InputError("--points and a step (START:STOP:STEP) both set the samples",
                         hint="use one of them")
    xs = parse_range(var, raw[var], points or DEFAULT_POINTS)
    fixed = {n: parse_value(n, t) for n, t in raw.items() if n != var}
    tape = parse(source, known=raw)
    if var not in tape.variables:
        raise InputError(f"{var} is not a variable of the expression",
                         hint="variables: " + (", ".join(tape.variables) or "none"))
    missing = [n for n in tape.variables if n != var and n not in fixed]
    if missing:
        raise missing_error(tape, missing, fixed)
    for n in fixed:
        if n not in tape.variables:
            warn(f"{n} is not in the expression; its value is ignored")
    if len(wrt) > 1:
        raise InputError("plot draws one derivative; give --wrt once")
    along = wrt[0] if wrt else var
    check_wrt([along], tape.variables)
    held = {n: fixed[n] for n in tape.variables if n != var}
    s = sample(tape, var, xs, held, along)
    if s.gaps()[0] == len(xs):
        raise DomainError(f"{s.name} is undefined at every point of {var} = {raw[var]}"
                          + (f" (at {var} = {xs[0]:g}: {s.first_error})" if s.first_error
                             else ""))
    if at is not None:
        a = parse_value("at", at)
        if not xs[0] <= a <= xs[-1]:
            warn(f"--at {at} is outside the range {raw[var]}; the mark is off the plot")
        mark(s, tape, a)
    if output is not None:
        _write_image(s, output, width, height)
        if not quiet:
            emit(f"wrote {output}\n")
        return ExitStatus.OK
    return show(Result("plot", s, None, read_as(tape), extra={"width": width, "height": height}),
                fmt, digits, quiet, ())


def _write_image(s: Samples, output: str, width: int | None, height: int | None) -> None:
    from gradcli.plotting import save_image

    ext = os.path.splitext(output)[1].lower()
    if ext not in IMAGE_TYPES:
        raise InputError(f"--output {output}: unknown image type {ext or '(none)'}",
                         hint="use .png, .svg or .pdf; --format csv gives the samples")
    save_image(s, output, ext[1:], width or 800, height or 500)
