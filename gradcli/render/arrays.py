"""How `gradcli eval` prints a point with arrays (gradcli/arrays/): shapes, values, gradients.

Tables show each node's shape, small arrays in full and big ones summarised (shape,
min, max, norm, the first entries); ∂f/∂W prints as a matrix.  JSON gives each
gradient as {"shape": [...], "value": nested lists}; CSV/TSV/plain flatten row-major
with index labels (d/dW[0,1]); -q prints one number per line.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from gradcli.arrays.check import label
from gradcli.arrays.pipeline import ArrayEvaluation
from gradcli.render import Options, Result, fmt, jnum
from gradcli.render.eval import check_line, check_reasons, check_word
from gradcli.tape import expressions, reaches

COMMAND = "eval"
SMALL = 36  # arrays up to this many elements print in full in tables
JSON_FULL = 10_000  # node values up to this many elements are written in full in JSON
MAX_TABLE_ROWS = 200
MAX_CHECK_ROWS = 40  # check rows in a table (JSON lists every one)


def array_result(ev: ArrayEvaluation) -> Result:
    """The Result of `eval` with arrays."""
    from gradcli.reading import read_as

    return Result("arrays", ev, list(ev.env), read_as(ev.tape), list(ev.notes), ev.passed)


# ---------------------------------------------------------------- numbers and arrays

def nested(a: Any) -> Any:
    """An ndarray as nested lists of JSON numbers (a number for shape ())."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return jnum(float(arr))
    if np.all(np.isfinite(arr)):
        return arr.tolist()
    return np.vectorize(jnum, otypes=[object])(arr).tolist()


def summary(a: Any) -> dict[str, Any]:
    """Shape, min, max, 2-norm and the first entries of a big array."""
    flat = np.asarray(a, dtype=float).reshape(-1)
    return {"shape": list(np.shape(a)), "min": jnum(flat.min()), "max": jnum(flat.max()),
            "norm": jnum(np.linalg.norm(flat)), "first": [jnum(v) for v in flat[:4]]}


def array_text(a: Any, digits: int | None) -> str:
    """A value for a table cell: a number, a small array in full (a matrix a row a line),
    or a big one summarised."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return fmt(float(arr), digits)
    if arr.size > SMALL:
        s = summary(arr)
        first = ", ".join(fmt(v, digits) for v in arr.reshape(-1)[:4])
        return (f"{shape_label(arr)} min {fmt(s['min'], digits)} max {fmt(s['max'], digits)}\n"
                f"norm {fmt(s['norm'], digits)}  [{first}, …]")
    return _nested_text(arr, digits)


def _nested_text(arr: Any, digits: int | None) -> str:
    if arr.ndim == 1:
        return "[" + ", ".join(fmt(v, digits) for v in arr) + "]"
    if arr.ndim == 2:  # a matrix a row a line, its columns aligned
        cells = [[fmt(v, digits) for v in row] for row in arr]
        widths = [max(len(row[j]) for row in cells) for j in range(arr.shape[1])]
        lines = ["[" + ", ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + "]"
                 for row in cells]
        return "[" + ",\n ".join(lines) + "]"
    rows = [_nested_text(r, digits) for r in arr]
    return "[" + ",\n ".join(rows) + "]"


def shape_label(a: Any) -> str:
    from gradcli.arrays.engine import shape_of

    return shape_of(a)


def _elements(name: str, a: Any) -> list[tuple[str, float]]:
    """(label, number) for every element, row-major: W[0,0], W[0,1], ..."""
    arr = np.asarray(a, dtype=float)
    return [(label(name, idx), float(arr[idx])) for idx in np.ndindex(arr.shape)]


def _picked(ev: ArrayEvaluation, o: Options, k: int) -> dict[str, Any]:
    grad = ev.gradient_of(k)
    return {n: g for n, g in grad.items() if not o.wrt or n in o.wrt}


# ---------------------------------------------------------------- the view

def data(r: Result, o: Options) -> dict[str, Any]:
    ev: ArrayEvaluation = r.value
    tape = ev.tape
    nodes = []
    for row in ev.nodes:
        big = np.size(row["value"]) > JSON_FULL
        nodes.append({**row, "value": summary(row["value"]) if big else nested(row["value"]),
                      "grad": None if row["grad"] is None else
                      summary(row["grad"]) if big else nested(row["grad"])})
    doc: dict[str, Any] = {
        "expression": tape.text,
        "variables": {n: {"shape": list(v.shape), "value": nested(v)} for n, v in ev.env.items()},
        "value": jnum(float(ev.value)),
        "gradient": {n: {"shape": list(g.shape), "value": nested(g)}
                     for n, g in _picked(ev, o, len(tape.outputs) - 1).items()},
        "nodes": nodes,
        "notes": list(ev.notes),
    }
    if len(tape.outputs) > 1:
        doc["outputs"] = list(tape.output_names)
        doc["values"] = [jnum(float(ev.values[out])) for out in tape.outputs]
        doc["gradients"] = [{n: {"shape": list(g.shape), "value": nested(g)}
                             for n, g in _picked(ev, o, k).items()}
                            for k in range(len(tape.outputs))]
    if ev.checks:
        doc["check"] = {
            "method": ev.checks[-1].method,
            "passed": ev.passed,
            "verdict": check_word(ev.checks, "failed"),  # inconclusive where digits were lost
            "partials": {key: check_entry(p) for key, p in ev.checks[-1].partials.items()
                         if not o.wrt or key.split("[")[0].split("·")[0] in o.wrt},
        }
    return doc


def check_entry(p: Any) -> dict[str, Any]:
    return {"ad": jnum(p.ad), "fd": jnum(p.fd), "abs_error": jnum(p.abs_error),
            "rel_error": jnum(p.rel_error), "error_estimate": jnum(p.error_estimate),
            "step": p.step, "verdict": p.verdict, "reason": p.reason,
            "left": jnum(p.left), "right": jnum(p.right), "passed": p.passed}


def _lines(ev: ArrayEvaluation, o: Options) -> list[tuple[str, Any]]:
    """(name, value) in order: each output's value, then d/dW[i,j] row-major."""
    out: list[tuple[str, Any]] = []
    multi = len(ev.tape.outputs) > 1
    for k, node in enumerate(ev.tape.outputs):
        prefix = f"{ev.tape.output_names[k]}: " if multi else ""
        out.append((f"{prefix}value", float(ev.values[node])))
        for name, g in _picked(ev, o, k).items():
            out.extend((f"{prefix}d/d{lab}", v) for lab, v in _elements(name, g))
    if ev.checks:
        out.append(("check", check_word(ev.checks, "FAILED")))
    return out


def rows(r: Result, o: Options) -> list[list[Any]]:
    return [["name", "value"], *[[n, v] for n, v in _lines(r.value, o)],
            *[["note", n] for n in r.value.notes]]


def plain(r: Result, o: Options) -> list[str]:
    lines = [f"{n} = {v if isinstance(v, str) else fmt(v, o.digits)}"
             for n, v in _lines(r.value, o)]
    return [*lines, *(f"note: {n}" for n in r.value.notes)]


def quiet(r: Result, o: Options) -> list[Any]:
    ev: ArrayEvaluation = r.value
    numbers: list[Any] = []
    for k, node in enumerate(ev.tape.outputs):
        if not o.wrt:
            numbers.append(float(ev.values[node]))
        for name, g in _picked(ev, o, k).items():
            numbers.extend(v for _, v in _elements(name, g))
    return numbers


def table(r: Result, o: Options) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    ev: ArrayEvaluation = r.value
    digits = 10 if o.digits is None else o.digits
    console = Console(width=o.width or 100, force_terminal=o.color, no_color=not o.color,
                      color_system="standard" if o.color else None, highlight=False,
                      file=io.StringIO(), legacy_windows=False)
    tape = ev.tape
    names = ev.names()
    ledger = expressions(tape, limit=48, names=names)
    k = len(tape.outputs) - 1
    adj = ev.adjoints[k]
    out_name = tape.output_names[k] if tape.output_names else "f"
    f = out_name if out_name.isidentifier() else "f"
    point = ", ".join(f"{n} = {array_text(v, digits)}" if v.size == 1 else f"{n}: {shape_label(v)}"
                      for n, v in ev.env.items())
    live = reaches(tape, tape.outputs)
    with console.capture() as cap:
        console.print(Text(", ".join(tape.output_names) + (f"   at {point}" if point else ""),
                           style="bold"))
        nodes = Table(title="Nodes (forward order)", title_justify="left")
        for col, just in (("node", "left"), ("op", "left"), ("expression", "left"),
                          ("shape", "left"), ("value", "right"), (f"∂{f}/∂node", "right")):
            nodes.add_column(col, justify=just)  # type: ignore[arg-type]
        for i in range(min(len(tape), MAX_TABLE_ROWS)):
            op = tape.ops[i]
            expr = "" if op in ("var", "const") else ledger[i]
            grad = "" if op == "const" or adj[i] is None else array_text(adj[i], digits)
            if op != "const" and not live[i]:
                grad = (grad + " " if grad else "") + "(unused)"
            nodes.add_row(names[i], op, expr, shape_label(ev.values[i]),
                          array_text(ev.values[i], digits), grad)
        if len(tape) > MAX_TABLE_ROWS:
            nodes.add_row("…", "", f"{len(tape) - MAX_TABLE_ROWS:,} more nodes "
                          "(--format json lists all)", "", "", "")
        console.print(nodes)
        grads = Table(title="Gradient (shaped like each input)", title_justify="left")
        for col, just in (("input", "left"), ("shape", "left"), ("value", "right"),
                          (f"∂{f}/∂input", "right")):
            grads.add_column(col, justify=just)  # type: ignore[arg-type]
        for name, g in _picked(ev, o, k).items():
            grads.add_row(name, shape_label(g), array_text(ev.env[name], digits),
                          array_text(g, digits))
        console.print(grads)
        check = ev.checks[k] if ev.checks else None
        if check is not None:
            console.print(check_table(check, o, digits, f))
        console.print(Text(f"{f} = {fmt(float(ev.values[tape.outputs[k]]), digits)}",
                           style="bold"))
        if check is not None:
            console.print(check_line(check, "entries"))
        for note in ev.notes:
            console.print(Text(f"note: {note}", style="yellow"))
        if check is not None:
            for line in check_reasons(check):
                console.print(Text(line, style="yellow"))
    return cap.get()


def check_table(check: Any, o: Options, digits: int, f: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    t = Table(title="Check (finite differences)", title_justify="left")
    for col, just in (("entry", "left"), (f"∂{f}/∂entry", "right"), ("finite diff.", "right"),
                      ("|difference|", "right"), ("check", "left")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    shown = [p for key, p in check.partials.items()
             if not o.wrt or key.split("[")[0].split("·")[0] in o.wrt]
    # failures first when they would be cut off
    if len(shown) > MAX_CHECK_ROWS:
        shown = sorted(shown, key=lambda p: p.verdict == "ok")
    for p in shown[:MAX_CHECK_ROWS]:
        verdict = {"ok": "✓ ok", "kink": "kink (see note)", "mismatch": "✗ MISMATCH",
                   "inconclusive": "? inconclusive", "n/a": "n/a (domain)"}[p.verdict]
        t.add_row(p.name, fmt(p.ad, digits), fmt(p.fd, digits),
                  f"{p.abs_error:.1e}" if p.abs_error is not None else "",
                  Text(verdict, style="green" if p.verdict == "ok" else "red"))
    if len(shown) > MAX_CHECK_ROWS:
        t.add_row("…", "", "", "", f"{len(shown) - MAX_CHECK_ROWS} more ok "
                  "(--format json lists all)")
    return t
