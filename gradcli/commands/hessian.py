"""`gradcli hessian`: value, gradient, Hessian, its eigenvalues, and "is this a minimum?"."""

from __future__ import annotations

from typing import Any

import click

from gradcli.cli import emit, terminal_width, want_color, warn
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.errors import ExitStatus, InputError
from gradcli.hessian import HessianResult

_MARKS = {"ok": "✓", "kink": "⚠", "inconclusive": "~", "mismatch": "✗", "n/a": "?"}


def hessian_data(r: HessianResult) -> dict[str, Any]:
    """The JSON document of `gradcli hessian` (schema in the README)."""
    from gradcli.render import jnum

    ev = r.evaluation
    data: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": list(r.variables),
        "point": {n: jnum(x) for n, x in ev.env.items()},
        "value": jnum(r.value),
        "gradient": [jnum(g) for g in r.gradient],
        "hessian": [[jnum(v) for v in row] for row in r.hessian],
        "eigenvalues": [jnum(v) for v in r.eigenvalues],
        "definiteness": r.definiteness,
        "critical_point": r.critical,
        "verdict": r.verdict(),
        "notes": [n.message for n in r.notes],
    }
    if r.checks is not None:
        data["check"] = {
            "passed": r.passed,
            "gradient": [ev.check.partials[n].verdict for n in r.variables]
            if ev.check else [],
            "hessian_fd": [[jnum(p.fd) for p in row] for row in r.checks],
            "hessian": [[p.verdict for p in row] for row in r.checks],
        }
    return data


def hessian_plain(r: HessianResult, digits: int | None) -> str:
    """`value = …`, `d/dx = …`, `d2/dxdy = …` lines, then the verdict."""
    from gradcli.render import fmt

    lines = [f"value = {fmt(r.value, digits)}"]
    lines.extend(f"d/d{n} = {fmt(g, digits)}" for n, g in zip(r.variables, r.gradient,
                                                               strict=True))
    for i, a in enumerate(r.variables):
        for j, b in enumerate(r.variables):
            if j >= i:
                lines.append(f"d2/d{a}d{b} = {fmt(r.hessian[i][j], digits)}")
    lines.append("eigenvalues = " + ", ".join(fmt(v, digits) for v in r.eigenvalues))
    lines.append(f"definiteness = {r.definiteness}")
    lines.append(f"verdict = {r.verdict()}")
    if r.checks is not None:
        lines.append("check = " + ("passed" if r.passed else "FAILED"))
    lines.extend(f"note: {n.message}" for n in r.notes)
    return "\n".join(lines) + "\n"


def hessian_tables(r: HessianResult, digits: int | None, width: int | None,
                   color: bool) -> str:
    """The Rich view: gradient, Hessian (each entry's check), eigenvalues and the verdict."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from gradcli.render import fmt

    ev = r.evaluation
    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    name = ev.tape.output_names[0] if ev.tape.output_names else "f"
    f = name if name.isidentifier() else "f"
    point = ", ".join(f"{n} = {fmt(x, digits)}" for n, x in ev.env.items())
    with console.capture() as cap:
        console.print(Text(f"{name}" + (f"   at {point}" if point else ""), style="bold"))
        console.print(Text(f"{f} = {fmt(r.value, digits)}", style="bold"))
        grad = Table(title="Gradient", title_justify="left")
        for col, just in (("input", "left"), ("value", "right"), (f"∂{f}/∂input", "right"),
                          ("check", "left")):
            grad.add_column(col, justify=just)  # type: ignore[arg-type]
        for n, g in zip(r.variables, r.gradient, strict=True):
            p = ev.check.partials.get(n) if ev.check else None
            grad.add_row(n, fmt(ev.env[n], digits), fmt(g, digits),
                         _MARKS[p.verdict] if p else "")
        console.print(grad)
        hess = Table(title=f"Hessian ∂²{f}/∂row∂column", title_justify="left")
        hess.add_column("", style="cyan")
        for n in r.variables:
            hess.add_column(n, justify="right")
        for i, n in enumerate(r.variables):
            cells = []
            for j in range(len(r.variables)):
                p = r.checks[i][j] if r.checks is not None else None
                mark = "" if p is None else " " + _MARKS[p.verdict]
                if p is not None and p.verdict == "mismatch":
                    mark += f" (fd {fmt(p.fd, digits)})"
                cells.append(Text(fmt(r.hessian[i][j], digits) + mark,
                                  style="green" if p is None or p.verdict == "ok" else "red"))
            hess.add_row(n, *cells)
        console.print(hess)
        if r.checks is not None:
            n_all = sum(len(row) for row in r.checks)
            n_ok = sum(p.passed for row in r.checks for p in row)
            word = "passed" if r.passed else "FAILED"
            console.print(f"check: {word} ({n_ok} of {n_all} Hessian entries agree with finite "
                          "differences of the gradient: ✓)")
        console.print("eigenvalues: " + ", ".join(fmt(v, digits) for v in r.eigenvalues))
        console.print(f"definiteness: {r.definiteness}")
        console.print(Text(f"is this a minimum? {r.verdict()}", style="bold"))
        for note in r.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()


@click.command("hessian", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--no-check", is_flag=True, help="Skip the finite-difference checks.")
@output_options
def command(args: tuple[str, ...], file: str | None, no_check: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
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

    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    tape = parse(source)
    unknown = [w for w in wrt if w not in tape.variables]
    if unknown:
        raise InputError(f"--wrt {unknown[0]}: {unknown[0]} is not a variable of the expression",
                         hint="variables: " + (", ".join(tape.variables) or "none"))
    r = hessian(tape, values, check=not no_check)
    for w in r.evaluation.warnings:
        warn(w)
    if quiet:  # the Hessian rows (restricted to --wrt), one per line
        from gradcli.render import fmt as fmt_num

        keep = [i for i, n in enumerate(r.variables) if not wrt or n in wrt]
        text = "".join(" ".join(fmt_num(r.hessian[i][j], digits) for j in keep) + "\n"
                       for i in keep)
    elif fmt == "json":
        from gradcli.render import to_json

        text = to_json(hessian_data(r))
    elif fmt in ("csv", "tsv"):
        text = hessian_rows(r, "," if fmt == "csv" else "\t")
    elif fmt == "plain":
        text = hessian_plain(r, digits)
    else:
        text = hessian_tables(r, 10 if digits is None else digits, terminal_width(),
                              want_color())
    emit(text)
    return ExitStatus.of(r.passed)


def hessian_rows(r: HessianResult, sep: str) -> str:
    """CSV/TSV: a row per variable: name, value, ∂f/∂name, then its Hessian row."""
    import csv
    import io

    from gradcli.render import fmt

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(["variable", "value", "gradient", *(f"d2/d{n}" for n in r.variables)])
    for i, n in enumerate(r.variables):
        w.writerow([n, fmt(r.evaluation.env[n]), fmt(r.gradient[i]),
                    *(fmt(v) for v in r.hessian[i])])
    return buf.getvalue()
