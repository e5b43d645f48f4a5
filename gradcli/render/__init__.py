"""Results → text: JSON, plain lines, and (imported only when asked) Rich tables.

Renderers return strings; the CLI decides where they go.  Non-finite numbers
are written the same way everywhere: "inf", "-inf", "nan" (JSON strings, since
JSON has no literal for them).
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

from gradcli.pipeline import Evaluation
from gradcli.tape import expressions

MAX_TABLE_ROWS = 200  # node rows shown in a table; JSON always has every node


def fmt(v: Any, digits: int | None = None) -> str:
    """A number for people: 24 not 24.0, `digits` significant digits, inf/nan spelled out."""
    if v is None:
        return ""
    v = float(v)
    if not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if digits is None:
        return repr(v)
    return f"{v:.{digits}g}"


def jnum(v: Any) -> Any:
    """A number for JSON: full precision, non-finite as a string."""
    if v is None:
        return None
    v = float(v)
    if not math.isfinite(v):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    return v


def eval_data(ev: Evaluation) -> dict[str, Any]:
    """The JSON document of `gradcli eval` (schema in the README)."""
    tape = ev.tape
    nodes = [{**row, "value": jnum(row["value"]), "grad": jnum(row["grad"])} for row in ev.nodes]
    data: dict[str, Any] = {
        "expression": tape.text,
        "variables": {n: jnum(v) for n, v in ev.env.items()},
        "value": jnum(ev.value),
        "gradient": {n: jnum(g) for n, g in ev.gradient.items()},
        "nodes": nodes,
        "notes": [n.message for n in ev.notes],
    }
    if len(tape.outputs) > 1:
        data["outputs"] = list(tape.output_names)
        data["values"] = [jnum(ev.values[o]) for o in tape.outputs]
        data["jacobian"] = [[jnum(g) for g in ev.gradient_of(j).values()]
                            for j in range(len(tape.outputs))]
    if ev.check is not None:
        data["check"] = check_data(ev)
    return data


def check_data(ev: Evaluation) -> dict[str, Any]:
    check = ev.check
    assert check is not None
    return {
        "method": check.method,
        "passed": all(c.passed for c in ev.checks),
        "partials": {
            name: {
                "fd": jnum(p.fd),
                "abs_error": jnum(p.abs_error),
                "rel_error": jnum(p.rel_error),
                "error_estimate": jnum(p.error_estimate),
                "step": p.step,
                "verdict": p.verdict,
                "reason": p.reason,
                "left": jnum(p.left),
                "right": jnum(p.right),
                "passed": p.passed,
            }
            for name, p in check.partials.items()
        },
    }


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def eval_plain(ev: Evaluation, digits: int | None = None, wrt: list[str] | None = None) -> str:
    """`value = 24` then `d/dx = 12` lines: greppable, no decoration."""
    lines = []
    for k, out in enumerate(ev.tape.outputs):
        prefix = f"{ev.tape.output_names[k]}: " if len(ev.tape.outputs) > 1 else ""
        lines.append(f"{prefix}value = {fmt(ev.values[out], digits)}")
        for name, g in ev.gradient_of(k).items():
            if wrt is None or name in wrt:
                lines.append(f"{prefix}d/d{name} = {fmt(g, digits)}")
    if ev.check is not None:
        lines.append("check = " + ("passed" if all(c.passed for c in ev.checks) else "FAILED"))
    lines.extend(f"note: {n.message}" for n in ev.notes)
    return "\n".join(lines) + "\n"


def eval_quiet(ev: Evaluation, digits: int | None = None, wrt: list[str] | None = None) -> str:
    """Only the numbers asked for: the partials in --wrt, else the value and all partials."""
    lines: list[str] = []
    for k, out in enumerate(ev.tape.outputs):
        grad = ev.gradient_of(k)
        if wrt:
            lines.extend(fmt(grad[w], digits) for w in wrt)
        else:
            lines.append(fmt(ev.values[out], digits))
            lines.extend(fmt(g, digits) for g in grad.values())
    return "\n".join(lines) + "\n"


def eval_tables(ev: Evaluation, digits: int | None = 10, width: int | None = None,
                color: bool = False, wrt: list[str] | None = None) -> str:
    """The Rich tables: nodes in forward order, inputs with their check, the value."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width or 100, record=False, force_terminal=color,
                      no_color=not color, color_system="standard" if color else None,
                      highlight=False, file=io.StringIO(), legacy_windows=False)
    tape = ev.tape
    names = ev.names()
    ledger = expressions(tape, limit=48, names=names)
    k = len(tape.outputs) - 1
    adj = ev.adjoints[k]
    out_name = tape.output_names[k] if tape.output_names else "f"
    f = out_name if out_name.isidentifier() else "f"
    multi = len(tape.outputs) > 1
    if multi:  # the Jacobian table calls the outputs f1, f2, ... unless they have names
        f = out_name if out_name.isidentifier() else f"f{k + 1}"
    point = ", ".join(f"{n} = {fmt(v, digits)}" for n, v in ev.env.items())
    with console.capture() as cap:
        console.print(Text(f"{', '.join(tape.output_names) if tape.output_names else 'f'}"
                           + (f"   at {point}" if point else ""), style="bold"))
        nodes = Table(title="Nodes (forward order)", title_justify="left")
        nodes.add_column("node", style="cyan")
        nodes.add_column("op")
        nodes.add_column("expression")
        nodes.add_column("value", justify="right")
        nodes.add_column(f"∂{f}/∂node", justify="right")
        shown = range(len(tape)) if len(tape) <= MAX_TABLE_ROWS else range(MAX_TABLE_ROWS)
        for i in shown:
            op = tape.ops[i]
            expr = "" if op in ("var", "const") else ledger[i]
            grad = "" if op == "const" else fmt(adj[i], digits)
            nodes.add_row(names[i], op, expr, fmt(ev.values[i], digits), grad)
        if len(tape) > MAX_TABLE_ROWS:
            nodes.add_row("…", "", f"{len(tape) - MAX_TABLE_ROWS:,} more nodes "
                          "(--format json lists all)", "", "")
        console.print(nodes)
        inputs = Table(title="Inputs", title_justify="left")
        for col, just in (("input", "left"), ("value", "right"), (f"∂{f}/∂input", "right"),
                          ("finite diff.", "right"), ("|difference|", "right"),
                          ("check", "left")):
            inputs.add_column(col, justify=just)  # type: ignore[arg-type]
        check = ev.checks[k] if ev.checks else None
        for name, g in ev.gradient_of(k).items():
            if wrt and name not in wrt:
                continue
            p = check.partials.get(name) if check else None
            verdict = "" if p is None else {"ok": "✓ ok", "kink": "kink (see note)",
                                            "mismatch": "✗ MISMATCH",
                                            "inconclusive": "? inconclusive",
                                            "n/a": "n/a (domain)"}[p.verdict]
            inputs.add_row(name, fmt(ev.env[name], digits), fmt(g, digits),
                           fmt(p.fd, digits) if p else "",
                           f"{p.abs_error:.1e}" if p and p.abs_error is not None else "",
                           Text(verdict, style="green" if p and p.verdict == "ok" else "red"))
        if multi:  # several outputs: one Jacobian table, every entry checked
            console.print(jacobian_table(ev, digits, wrt))
            console.print(jacobian_summary(ev))
            check = None
        else:
            console.print(inputs)
            console.print(Text(f"{f} = {fmt(ev.value, digits)}", style="bold"))
        if check is not None:
            n_ok = sum(p.passed for p in check.partials.values())
            word = "passed" if check.passed else "FAILED"
            console.print(f"check: {word} ({n_ok} of {len(check.partials)} partials agree "
                          "with finite differences)")
        for note in ev.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
        if check is not None:
            for p in check.partials.values():
                if p.reason:
                    console.print(Text(f"check {p.name}: {p.reason}", style="yellow"))
    return cap.get()


def output_labels(ev: Evaluation) -> list[str]:
    """f1, f2, ... for outputs written as expressions; a named output keeps its name."""
    return [n if n.isidentifier() else f"f{j + 1}" for j, n in enumerate(ev.tape.output_names)]


_MARKS = {"ok": "✓", "kink": "⚠ kink", "inconclusive": "~ rounding", "mismatch": "✗",
          "n/a": "? n/a"}


def jacobian_table(ev: Evaluation, digits: int | None = 10,
                   wrt: list[str] | None = None) -> Any:
    """A Rich table of outputs × inputs: ∂f_i/∂x_j, each marked by its finite-difference check."""
    from rich.table import Table
    from rich.text import Text

    names = [n for n in ev.env if not wrt or n in wrt]
    table = Table(title="Jacobian (row: output, column: input)", title_justify="left")
    table.add_column("output", style="cyan")
    table.add_column("expression")
    table.add_column("value", justify="right")
    for n in names:
        table.add_column(f"∂/∂{n}", justify="right")
    labels = output_labels(ev)
    texts = expressions(ev.tape, limit=40)
    for k, out in enumerate(ev.tape.outputs):
        grad = ev.gradient_of(k)
        check = ev.checks[k] if ev.checks else None
        cells: list[Any] = []
        for n in names:
            p = check.partials.get(n) if check else None
            text = fmt(grad[n], digits)
            if p is None:
                cells.append(text)
                continue
            mark = _MARKS[p.verdict]
            if p.verdict == "mismatch":
                mark += f" (fd {fmt(p.fd, digits)})"
            cells.append(Text(f"{text} {mark}",
                              style="green" if p.verdict == "ok" else "red"))
        table.add_row(labels[k], texts[out], fmt(ev.values[out], digits), *cells)
    return table


def jacobian_summary(ev: Evaluation) -> str:
    """'check: passed (6 of 6 entries agree with finite differences)', or '' unchecked."""
    if not ev.checks:
        return "check: skipped (--no-check)"
    entries = [p for c in ev.checks for p in c.partials.values()]
    n_ok = sum(p.passed for p in entries)
    word = "passed" if n_ok == len(entries) else "FAILED"
    return (f"check: {word} ({n_ok} of {len(entries)} entries agree with finite differences: "
            "✓)")


def eval_header(ev: Evaluation, wrt: list[str] | None = None) -> list[str]:
    """CSV/TSV columns: the variables, per output its value and d/dNAME, check, note.

    The same columns as a batch row (gradcli/batch.py), less `error`: a single
    point that fails exits with a message instead.  `note` says where a
    convention picked the number (a kink, a tie); several are joined by " | ".
    """
    cols = list(ev.env)
    multi = len(ev.tape.outputs) > 1
    for k in range(len(ev.tape.outputs)):
        tag = f"[{k + 1}]" if multi else ""
        cols.append(f"value{tag}")
        cols.extend(f"d/d{n}{tag}" for n in ev.env if wrt is None or n in wrt)
    if ev.checks:
        cols.append("check")
    cols.append("note")
    return cols


def eval_row(ev: Evaluation, wrt: list[str] | None = None) -> list[str]:
    row = [fmt(v) for v in ev.env.values()]
    for k, out in enumerate(ev.tape.outputs):
        row.append(fmt(ev.values[out]))
        row.extend(fmt(g) for n, g in ev.gradient_of(k).items() if wrt is None or n in wrt)
    if ev.checks:
        row.append("passed" if all(c.passed for c in ev.checks) else "failed")
    row.append(" | ".join(n.message for n in ev.notes))
    return row


def eval_rows(ev: Evaluation, sep: str, wrt: list[str] | None = None) -> str:
    """A header and one row: shell-friendly, full precision."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(eval_header(ev, wrt))
    writer.writerow(eval_row(ev, wrt))
    return buf.getvalue()
