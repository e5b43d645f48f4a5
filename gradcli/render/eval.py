"""How `gradcli eval` prints one point: the nodes, the gradient, its check (and ∇f·v)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from gradcli.errors import InputError
from gradcli.pipeline import Evaluation
from gradcli.render import Options, Result, fmt, jnum
from gradcli.tape import expressions, reaches

if TYPE_CHECKING:
    from gradcli.directional import Directional

# ∇f·v and several outputs are laid out by gradcli/render/jacobian.py, imported only
# when a result has them: one output at one point (the start-up case) needs none of it

MAX_TABLE_ROWS = 200  # node rows shown in a table; JSON always has every node


# ---------------------------------------------------------------- the view (render/__init__)

def point_result(view: str, ev: Evaluation, d: Directional | None = None) -> Result:
    """The Result of `eval` or `jacobian` at one point (with ∇f·v when asked)."""
    from gradcli.reading import read_as

    ok = all(c.passed for c in ev.checks) and (d is None or d.passed)
    return Result(view, ev, list(ev.env), read_as(ev.tape), [n.message for n in ev.notes], ok,
                  {"direction": d})


def data(r: Result, o: Options) -> dict[str, Any]:
    doc = eval_data(r.value, o.picked if o.wrt else None)
    d = r.extra.get("direction")
    if d is not None:
        from gradcli.render.jacobian import direction_data

        doc["direction"] = direction_data(d)
    return doc


def rows(r: Result, o: Options) -> list[list[Any]]:
    if r.extra.get("direction") is not None:
        raise InputError(f"--direction is not shown in --format {o.fmt} by eval",
                         hint="use gradcli jacobian --direction ... --format " + o.fmt)
    return [eval_header(r.value, o.wrt or None), eval_row(r.value, o.wrt or None)]


def plain(r: Result, o: Options) -> list[str]:
    return [*eval_plain(r.value, o.digits, o.wrt or None), *_direction(r, o.digits)]


def quiet(r: Result, o: Options) -> list[Any]:
    d = r.extra.get("direction")
    if d is not None:  # -q --direction: ∇f·v alone, one per output
        return list(d.values)
    return eval_quiet(r.value, o.wrt or None)


def table(r: Result, o: Options) -> str:
    text = eval_tables(r.value, 10 if o.digits is None else o.digits, o.width, o.color,
                       o.wrt or None)
    return text + "".join(line + "\n" for line in _direction(r, o.digits))


def _direction(r: Result, digits: int | None) -> list[str]:
    d = r.extra.get("direction")
    if d is None:
        return []
    from gradcli.render.jacobian import direction_lines

    return direction_lines(r.value, d, digits)


# ---------------------------------------------------------------- the layouts

def eval_data(ev: Evaluation, wrt: list[str] | None = None) -> dict[str, Any]:
    """The JSON document of `gradcli eval` (schema in the README); --wrt keeps those partials."""
    tape = ev.tape
    nodes = [{**row, "value": jnum(row["value"]), "grad": jnum(row["grad"])} for row in ev.nodes]
    data: dict[str, Any] = {
        "expression": tape.text,
        "variables": {n: jnum(v) for n, v in ev.env.items()},
        "value": jnum(ev.value),
        "gradient": {n: jnum(g) for n, g in ev.gradient.items() if wrt is None or n in wrt},
        "nodes": nodes,
        "notes": [n.message for n in ev.notes],
    }
    if len(tape.outputs) > 1:
        data["outputs"] = list(tape.output_names)
        data["values"] = [jnum(ev.values[o]) for o in tape.outputs]
        data["jacobian"] = [[jnum(g) for n, g in ev.gradient_of(j).items()
                             if wrt is None or n in wrt] for j in range(len(tape.outputs))]
    if ev.check is not None:
        data["check"] = check_data(ev, wrt)
    return data


def check_data(ev: Evaluation, wrt: list[str] | None = None) -> dict[str, Any]:
    check = ev.check
    assert check is not None
    return {
        "method": check.method,
        "passed": all(c.passed for c in ev.checks),  # not failed (exit status 0)
        "verdict": check_word(ev.checks, "failed"),  # inconclusive where digits were lost
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
            for name, p in check.partials.items() if wrt is None or name in wrt
        },
    }


def eval_plain(ev: Evaluation, digits: int | None = None,
               wrt: list[str] | None = None) -> list[str]:
    """`value = 24` then `d/dx = 12` lines: greppable, no decoration."""
    lines = []
    for k, out in enumerate(ev.tape.outputs):
        prefix = f"{ev.tape.output_names[k]}: " if len(ev.tape.outputs) > 1 else ""
        lines.append(f"{prefix}value = {fmt(ev.values[out], digits)}")
        for name, g in ev.gradient_of(k).items():
            if wrt is None or name in wrt:
                lines.append(f"{prefix}d/d{name} = {fmt(g, digits)}")
    if ev.check is not None:
        lines.append("check = " + check_word(ev.checks, "FAILED"))
    lines.extend(f"note: {n.message}" for n in ev.notes)
    return lines


def eval_quiet(ev: Evaluation, wrt: list[str] | None = None) -> list[float]:
    """Only the numbers asked for: the partials in --wrt, else the value and all partials."""
    numbers: list[float] = []
    for k, out in enumerate(ev.tape.outputs):
        grad = ev.gradient_of(k)
        if wrt:
            numbers.extend(grad[w] for w in wrt)
        else:
            numbers.append(ev.values[out])
            numbers.extend(grad.values())
    return numbers


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
        live = reaches(tape, tape.outputs)  # a program's step that feeds no output: marked
        for i in shown:
            op = tape.ops[i]
            expr = "" if op in ("var", "const") else ledger[i]
            grad = "" if op == "const" else fmt(adj[i], digits) + ("" if live[i] else
                                                                    " (unused)")
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
            from gradcli.render.jacobian import jacobian_summary, jacobian_table

            console.print(jacobian_table(ev, digits, wrt))
            console.print(jacobian_summary(ev))
            check = None
        else:
            console.print(inputs)
            console.print(Text(f"{f} = {fmt(ev.value, digits)}", style="bold"))
        if check is not None:
            console.print(check_line(check, "partials"))
        for note in ev.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
        if check is not None:
            for line in check_reasons(check):
                console.print(Text(line, style="yellow"))
    return cap.get()


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


def eval_row(ev: Evaluation, wrt: list[str] | None = None) -> list[Any]:
    row: list[Any] = list(ev.env.values())
    for k, out in enumerate(ev.tape.outputs):
        row.append(ev.values[out])
        row.extend(g for n, g in ev.gradient_of(k).items() if wrt is None or n in wrt)
    if ev.checks:
        row.append(check_word(ev.checks, "failed"))
    row.append(" | ".join(n.message for n in ev.notes))
    return row


def check_line(check: Any, noun: str) -> str:
    """The line under a check table: its word and how many of its `noun` agree (digits
    lost to cancellation or underflow leave a check inconclusive: never "passed")."""
    n_ok = sum(p.passed and p.verdict != "inconclusive" for p in check.partials.values())
    return (f"check: {check_word([check], 'FAILED')} ({n_ok} of {len(check.partials)} "
            f"{noun} agree with finite differences)")


def check_reasons(check: Any) -> list[str]:
    """Why each entry of a check is not a plain "ok", a line each."""
    return [f"check {p.name}: {p.reason}" for p in check.partials.values() if p.reason]


def check_word(checks: Any, failed: str) -> str:
    """passed, `failed`, or inconclusive (a partial's digits were lost: never "passed")."""
    if not all(c.passed for c in checks):
        return failed
    unsure = any(p.verdict == "inconclusive" for c in checks for p in c.partials.values())
    return "inconclusive" if unsure else "passed"
