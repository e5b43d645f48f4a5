"""How `gradcli jacobian` (and `eval --direction`) print: JSON, CSV/TSV, plain, -q, tables."""

from __future__ import annotations

import json
from typing import Any

from gradcli.directional import Directional
from gradcli.errors import InputError
from gradcli.pipeline import Evaluation


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
