"""`gradcli jacobian`: every output's gradient as one matrix, each entry checked.

Also owns `--direction` (a Jacobian-vector product, ∇f·v) for this command and
for `gradcli eval`: the product comes from one forward sweep on Duals and is
checked against finite differences of f(x + t·v) at t = 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import click

from gradcli.cli import emit, terminal_width, want_color, warn
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.errors import InputError
from gradcli.fdcheck import PartialCheck
from gradcli.pipeline import Evaluation

DIRECTION_HELP = ("Also the directional derivative ∇f·v (a Jacobian-vector product) along "
                  "V: values in the order of the variables (1,2) or by name (x=1,y=2); "
                  "v is used as given, not normalised.")


@dataclass
class Directional:
    """J·v at the point: one number per output, each checked by finite differences."""

    vector: dict[str, float]
    values: list[float]
    checks: list[PartialCheck | None]

    @property
    def passed(self) -> bool:
        return all(c is None or c.passed for c in self.checks)


def parse_direction(text: str, variables: list[str]) -> dict[str, float]:
    """'1,2' or 'x=1,y=2' (values may be constant expressions) → {name: component}."""
    from gradcli.pipeline import parse_value

    items, depth, cur = [], 0, ""
    for ch in text:  # split on commas outside brackets: a value may be atan2(1, 2)
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += ch
    items.append(cur)
    items = [i.strip() for i in items]
    if any(not i for i in items):
        raise InputError(f"--direction {text!r}: an empty component",
                         hint="give numbers separated by commas, e.g. --direction 1,2")
    named = ["=" in i for i in items]
    out: dict[str, float] = {}
    if all(named):
        for item in items:
            name, _, value = item.partition("=")
            name = name.strip()
            if name not in variables:
                raise InputError(f"--direction: {name} is not a variable of the expression",
                                 hint="variables: " + (", ".join(variables) or "none"))
            out[name] = parse_value(f"--direction {name}", value.strip())
        return {n: out.get(n, 0.0) for n in variables}
    if any(named):
        raise InputError(f"--direction {text!r} mixes named and positional components")
    if len(items) != len(variables):
        raise InputError(f"--direction has {len(items)} components but the expression has "
                         f"{len(variables)} variables ({', '.join(variables) or 'none'})",
                         hint="give one number per variable, in this order, or name them: "
                              + ",".join(f"{n}=…" for n in variables))
    return {n: parse_value(f"--direction component {k + 1}", v)
            for k, (n, v) in enumerate(zip(variables, items, strict=True))}


def directional(ev: Evaluation, text: str, check: bool) -> Directional:
    """∇f·v for every output of `ev`, along the direction in `text`."""
    from gradcli.dual import jvp
    from gradcli.fdcheck import check_one
    from gradcli.forward import forward

    tape = ev.tape
    v = parse_direction(text, list(ev.env))
    values = jvp(tape, ev.env, v)
    checks: list[PartialCheck | None] = []
    for k, out in enumerate(tape.outputs):
        if not check:
            checks.append(None)
            continue

        def along(p: Any, o: int = out) -> float:
            t = p["t"]
            return float(forward(tape, {n: x + t * v[n] for n, x in ev.env.items()})[o])

        checks.append(check_one(along, {"t": 0.0}, "t", values[k], at_kink=bool(ev.notes)))
    return Directional(v, values, checks)


def direction_data(d: Directional) -> dict[str, Any]:
    """The `direction` member of the JSON documents."""
    from gradcli.render import jnum

    data: dict[str, Any] = {"vector": {n: jnum(x) for n, x in d.vector.items()},
                            "derivative": jnum(d.values[-1]),
                            "jvp": [jnum(x) for x in d.values]}
    if all(c is not None for c in d.checks):
        data["check"] = {"passed": d.passed,
                         "fd": [jnum(c.fd) for c in d.checks if c is not None],
                         "verdicts": [c.verdict for c in d.checks if c is not None]}
    return data


def direction_lines(ev: Evaluation, d: Directional, digits: int | None) -> list[str]:
    """'∇f·v = 8 along v = (x: 1, y: 2)  ✓ agrees with finite differences', per output."""
    from gradcli.render import fmt, output_labels

    vec = ", ".join(f"{n}: {fmt(x, digits)}" for n, x in d.vector.items())
    multi = len(d.values) > 1
    labels = output_labels(ev) if multi else ["f"]
    lines = []
    for k, val in enumerate(d.values):
        c = d.checks[k]
        mark = "" if c is None else {"ok": "  ✓ agrees with finite differences",
                                     "kink": "  ⚠ kink (see notes)",
                                     "inconclusive": "  ~ inconclusive (rounding)",
                                     "mismatch": f"  ✗ MISMATCH: finite differences give "
                                                 f"{fmt(c.fd, digits)}",
                                     "n/a": "  ? no finite difference (domain)"}[c.verdict]
        lines.append(f"∇{labels[k]}·v = {fmt(val, digits)}   along v = ({vec}){mark}")
    return lines


def with_direction(ev: Evaluation, text: str, d: Directional, fmt: str, quiet: bool,
                   digits: int | None) -> str:
    """`gradcli eval`'s output with the directional derivative added."""
    from gradcli.render import fmt as fmt_num
    from gradcli.render import to_json

    if quiet:
        return "".join(fmt_num(x, digits) + "\n" for x in d.values)
    if fmt == "json":
        data = json.loads(text)
        data["direction"] = direction_data(d)
        return to_json(data)
    if fmt in ("csv", "tsv"):
        raise InputError(f"--direction is not shown in --format {fmt} by eval",
                         hint="use gradcli jacobian --direction ... --format " + fmt)
    return text + "\n".join(direction_lines(ev, d, digits)) + "\n"


# ---------------------------------------------------------------- the command

def _columns(ev: Evaluation, wrt: list[str] | None) -> list[str]:
    return [n for n in ev.env if not wrt or n in wrt]


def jacobian_data(ev: Evaluation, d: Directional | None,
                  wrt: list[str] | None = None) -> dict[str, Any]:
    """The JSON document of `gradcli jacobian` (schema in the README)."""
    from gradcli.render import jnum

    cols = _columns(ev, wrt)
    n_out = len(ev.tape.outputs)
    data: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": cols,
        "point": {n: jnum(x) for n, x in ev.env.items()},
        "outputs": list(ev.tape.output_names),
        "values": [jnum(ev.values[o]) for o in ev.tape.outputs],
        "jacobian": [[jnum(ev.gradient_of(k)[n]) for n in cols] for k in range(n_out)],
        "notes": [n.message for n in ev.notes],
    }
    if ev.checks:
        data["check"] = {
            "passed": all(c.partials[n].passed for c in ev.checks for n in cols),
            "fd": [[jnum(c.partials[n].fd) for n in cols] for c in ev.checks],
            "verdicts": [[c.partials[n].verdict for n in cols] for c in ev.checks],
        }
    if d is not None:
        data["direction"] = [jnum(x) for x in d.vector.values()]
        data["jvp"] = [jnum(x) for x in d.values]
        if all(c is not None for c in d.checks):
            data["jvp_check"] = direction_data(d)["check"]
    return data


def jacobian_rows(ev: Evaluation, sep: str, d: Directional | None,
                  wrt: list[str] | None = None) -> str:
    """CSV/TSV: one row per output: output, value, ∂/∂x..., [J·v], check."""
    import csv
    import io

    from gradcli.render import fmt

    cols = _columns(ev, wrt)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator="\n")
    w.writerow(["output", "value", *(f"d/d{n}" for n in cols),
                *(["jvp"] if d is not None else []), *(["check"] if ev.checks else [])])
    for k, out in enumerate(ev.tape.outputs):
        grad = ev.gradient_of(k)
        row = [ev.tape.output_names[k], fmt(ev.values[out]), *(fmt(grad[n]) for n in cols)]
        if d is not None:
            row.append(fmt(d.values[k]))
        if ev.checks:
            dk = d.checks[k] if d is not None else None
            ok = all(ev.checks[k].partials[n].passed for n in cols) and (dk is None or dk.passed)
            row.append("passed" if ok else "failed")
        w.writerow(row)
    return buf.getvalue()


def jacobian_text(ev: Evaluation, d: Directional | None, digits: int | None, fmt: str,
                  quiet: bool, width: int | None = None, color: bool = False,
                  wrt: list[str] | None = None) -> str:
    """Every format of `gradcli jacobian` but JSON and CSV."""
    from gradcli.render import fmt as fmt_num
    from gradcli.render import jacobian_summary, jacobian_table, output_labels

    cols = _columns(ev, wrt)
    if quiet:  # the matrix, one row per line (then J·v, when asked)
        lines = [" ".join(fmt_num(ev.gradient_of(k)[n], digits) for n in cols)
                 for k in range(len(ev.tape.outputs))]
        if d is not None:
            lines = [fmt_num(x, digits) for x in d.values]
        return "\n".join(lines) + "\n"
    if fmt == "plain":
        lines = []
        for k, (label, out) in enumerate(zip(output_labels(ev), ev.tape.outputs, strict=True)):
            grads = ", ".join(f"d/d{n} = {fmt_num(g, digits)}"
                              for n, g in ev.gradient_of(k).items() if n in cols)
            lines.append(f"{label} = {ev.tape.output_names[k]} = "
                         f"{fmt_num(ev.values[out], digits)}: {grads}")
        lines.append(jacobian_summary(ev))
        if d is not None:
            lines.extend(direction_lines(ev, d, digits))
        lines.extend(f"note: {n.message}" for n in ev.notes)
        return "\n".join(lines) + "\n"
    from rich.console import Console
    from rich.text import Text

    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    point = ", ".join(f"{n} = {fmt_num(x, digits)}" for n, x in ev.env.items())
    with console.capture() as cap:
        console.print(Text(", ".join(ev.tape.output_names) + (f"   at {point}" if point else ""),
                           style="bold"))
        console.print(jacobian_table(ev, digits, wrt))
        console.print(jacobian_summary(ev))
        if d is not None:
            for line in direction_lines(ev, d, digits):
                console.print(line)
        for note in ev.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()


@click.command("jacobian", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--direction", metavar="V", default=None, help=DIRECTION_HELP)
@click.option("--no-check", is_flag=True, help="Skip the finite-difference check.")
@output_options
def command(args: tuple[str, ...], file: str | None, direction: str | None, no_check: bool,
            fmt: str, digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
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
    from gradcli.pipeline import evaluate, parse_value

    source, raw = split_args(args, file)
    values = {name: parse_value(name, text) for name, text in raw.items()}
    ev = evaluate(source, values, check=not no_check)
    unknown = [w for w in wrt if w not in ev.env]
    if unknown:
        raise InputError(f"--wrt {unknown[0]}: {unknown[0]} is not a variable of the expression",
                         hint="variables: " + (", ".join(ev.env) or "none"))
    cols = list(wrt) or None
    for w in ev.warnings:
        warn(w)
    d = directional(ev, direction, not no_check) if direction is not None else None
    if fmt == "json" and not quiet:
        from gradcli.render import to_json

        text = to_json(jacobian_data(ev, d, cols))
    elif fmt in ("csv", "tsv") and not quiet:
        text = jacobian_rows(ev, "," if fmt == "csv" else "\t", d, cols)
    else:
        text = jacobian_text(ev, d, 10 if digits is None and fmt == "table" else digits, fmt,
                             quiet, terminal_width(), want_color(), cols)
    emit(text)
    ok = all(c.passed for c in ev.checks) and (d is None or d.passed)
    return 0 if ok else 1
