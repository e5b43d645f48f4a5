"""`gradcli taylor`: the Taylor polynomial of a one-variable function, as a formula.

Also renders `gradcli eval --order N` (f′, f″, … f⁽ᴺ⁾ at the point), which is the
same sweep without the polynomial.
"""

from __future__ import annotations

from typing import Any

import click

from gradcli.cli import emit, terminal_width, want_color, warn
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.taylor import MAX_ORDER, Derivatives

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink (see note)", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}



def derivatives_data(d: Derivatives, poly: str | None) -> dict[str, Any]:
    """JSON: the point, derivatives[k] = f⁽ᵏ⁾(a) (index 0 is the value), checks."""
    from gradcli.render import jnum

    data: dict[str, Any] = {
        "expression": d.evaluation.tape.text,
        "variable": d.name,
        "point": jnum(d.point),
        "order": d.order,
        "derivatives": [jnum(v) for v in d.values],
    }
    if poly is not None:
        data["coefficients"] = [jnum(c) for c in d.coefficients()]
        data["polynomial"] = poly
    if any(c is not None for c in d.checks):
        data["check"] = {"passed": d.passed,
                         "fd": [None if c is None else jnum(c.fd) for c in d.checks],
                         "verdicts": [None if c is None else c.verdict for c in d.checks]}
    data["notes"] = [n.message for n in d.evaluation.notes]
    return data


def derivatives_text(d: Derivatives, poly: str | None, fmt: str, quiet: bool,
                     digits: int | None, width: int | None = None,
                     color: bool = False) -> str:
    """Every format: JSON, CSV/TSV rows, plain lines, -q numbers, or a Rich table."""
    from gradcli.render import fmt as num
    from gradcli.render import to_json

    if quiet:  # the formula alone (taylor), or the derivatives f′ … f⁽ᴺ⁾ one per line
        if poly is not None:
            return poly + "\n"
        return "".join(num(v, digits) + "\n" for v in d.values[1:])
    if fmt == "json":
        return to_json(derivatives_data(d, poly))
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(["order", "derivative", "coefficient", "check"])
        for k, v in enumerate(d.values):
            c = d.checks[k] if k < len(d.checks) else None
            w.writerow([k, num(v), num(v / _factorial(k)), "" if c is None else c.verdict])
        return buf.getvalue()
    a = num(d.point, digits)
    if fmt == "plain":
        lines = [f"value = {num(d.values[0], digits)}"]
        lines.extend(f"d{'' if k == 1 else k}/d{d.name}{'' if k == 1 else k} = {num(v, digits)}"
                     for k, v in enumerate(d.values) if k)
        if poly is not None:
            lines.append(f"T{d.order}({d.name}) = {poly}")
        if any(c is not None for c in d.checks):
            lines.append("check = " + ("passed" if d.passed else "FAILED"))
        lines.extend(f"note: {n.message}" for n in d.evaluation.notes)
        return "\n".join(lines) + "\n"
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    name = d.evaluation.tape.output_names[0]
    with console.capture() as cap:
        console.print(Text(f"{name}   at {d.name} = {a}", style="bold"))
        table = Table(title="Derivatives (Taylor arithmetic)", title_justify="left")
        table.add_column("k", justify="right")
        table.add_column(f"f⁽ᵏ⁾({a})", justify="right")
        if poly is not None:
            table.add_column("coefficient f⁽ᵏ⁾/k!", justify="right")
        table.add_column("check")
        for k, v in enumerate(d.values):
            c = d.checks[k] if k < len(d.checks) else None
            mark = Text("" if c is None else _MARKS[c.verdict],
                        style="green" if c is None or c.verdict == "ok" else "red")
            cells = [str(k), num(v, digits)]
            if poly is not None:
                cells.append(num(v / _factorial(k), digits))
            table.add_row(*cells, mark)
        console.print(table)
        if poly is not None:
            console.print(Text(f"T{d.order}({d.name}) = {poly}", style="bold"))
        if any(c is not None for c in d.checks):
            word = "passed" if d.passed else "FAILED"
            console.print(f"check: {word} (each order against finite differences of the "
                          "order before)")
        for note in d.evaluation.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()


def _factorial(k: int) -> int:
    import math

    return math.factorial(k)


def run_order(source: str, values: dict[str, float], order: int, check: bool, fmt: str,
              quiet: bool, digits: int | None, taylor: bool = False) -> tuple[str, bool]:
    """Derivatives (and, for taylor, the polynomial) rendered; and whether the checks passed."""
    from gradcli.parser import parse
    from gradcli.taylor import derivatives, polynomial

    d = derivatives(parse(source), values, order, check=check)
    for w in d.evaluation.warnings:
        warn(w)
    poly = polynomial(d) if taylor else None
    if digits is None and fmt == "table" and not quiet:
        digits = 10
    text = derivatives_text(d, poly, fmt, quiet, digits, terminal_width(), want_color())
    return text, d.passed


@click.command("taylor", context_settings=VALUE_SETTINGS)
@expression_input("EXPR NAME=VALUE")
@click.option("--order", "-n", type=click.IntRange(1, MAX_ORDER), default=3, show_default=True,
              help="The degree of the polynomial.")
@click.option("--no-check", is_flag=True, help="Skip the finite-difference checks.")
@output_options
def command(args: tuple[str, ...], file: str | None, order: int, no_check: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
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
    from gradcli.pipeline import parse_value

    if wrt:
        raise InputError("gradcli taylor takes a function of one variable; --wrt does not apply")
    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    text, ok = run_order(source, values, order, not no_check, fmt, quiet, digits, taylor=True)
    emit(text)
    return 0 if ok else 1
