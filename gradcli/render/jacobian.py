"""How `gradcli jacobian` prints (and the Jacobian and ∇f·v parts of `gradcli eval`)."""

from __future__ import annotations

from typing import Any

from gradcli.directional import Directional
from gradcli.pipeline import Evaluation
from gradcli.render import Options, Result, fmt, jnum
from gradcli.tape import expressions

# ---------------------------------------------------------------- the view (render/__init__)


def data(r: Result, o: Options) -> dict[str, Any]:
    """The JSON document of `gradcli jacobian` (schema in the README)."""
    ev, d = r.value, r.extra.get("direction")
    cols = o.picked
    n_out = len(ev.tape.outputs)
    doc: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": cols,
        "point": {n: jnum(x) for n, x in ev.env.items()},
        "outputs": list(ev.tape.output_names),
        "values": [jnum(ev.values[k]) for k in ev.tape.outputs],
        "jacobian": [[jnum(ev.gradient_of(k)[n]) for n in cols] for k in range(n_out)],
        "notes": [n.message for n in ev.notes],
    }
    if ev.checks:
        doc["check"] = {
            "passed": all(c.partials[n].passed for c in ev.checks for n in cols),
            "fd": [[jnum(c.partials[n].fd) for n in cols] for c in ev.checks],
            "verdicts": [[c.partials[n].verdict for n in cols] for c in ev.checks],
        }
    if d is not None:
        doc["direction"] = [jnum(x) for x in d.vector.values()]
        doc["jvp"] = [jnum(x) for x in d.values]
        if all(c is not None for c in d.checks):
            doc["jvp_check"] = direction_data(d)["check"]
    return doc


def rows(r: Result, o: Options) -> list[list[Any]]:
    """One row per output: output, value, ∂/∂x..., [J·v], check."""
    ev, d = r.value, r.extra.get("direction")
    cols = o.picked
    out: list[list[Any]] = [["output", "value", *(f"d/d{n}" for n in cols),
                             *(["jvp"] if d is not None else []),
                             *(["check"] if ev.checks else [])]]
    for k, node in enumerate(ev.tape.outputs):
        grad = ev.gradient_of(k)
        row = [ev.tape.output_names[k], ev.values[node], *(grad[n] for n in cols)]
        if d is not None:
            row.append(d.values[k])
        if ev.checks:
            dk = d.checks[k] if d is not None else None
            ok = all(ev.checks[k].partials[n].passed for n in cols) and (dk is None or dk.passed)
            row.append("passed" if ok else "failed")
        out.append(row)
    return out


def quiet(r: Result, o: Options) -> list[Any]:
    """The matrix, one row per line (or J·v alone, when asked)."""
    ev, d = r.value, r.extra.get("direction")
    if d is not None:
        return list(d.values)
    return [[ev.gradient_of(k)[n] for n in o.picked] for k in range(len(ev.tape.outputs))]


def plain(r: Result, o: Options) -> list[str]:
    ev, d = r.value, r.extra.get("direction")
    lines = []
    for k, (label, out) in enumerate(zip(output_labels(ev), ev.tape.outputs, strict=True)):
        grads = ", ".join(f"d/d{n} = {fmt(g, o.digits)}"
                          for n, g in ev.gradient_of(k).items() if n in o.picked)
        lines.append(f"{label} = {ev.tape.output_names[k]} = "
                     f"{fmt(ev.values[out], o.digits)}: {grads}")
    lines.append(jacobian_summary(ev))
    if d is not None:
        lines.extend(direction_lines(ev, d, o.digits))
    lines.extend(f"note: {n.message}" for n in ev.notes)
    return lines


def table(r: Result, o: Options) -> str:
    return jacobian_text(r.value, r.extra.get("direction"), 10 if o.digits is None else o.digits,
                         o.width, o.color, o.wrt or None)


# ---------------------------------------------------------------- the layouts

def jacobian_text(ev: Evaluation, d: Directional | None, digits: int | None,
                  width: int | None = None, color: bool = False,
                  wrt: list[str] | None = None) -> str:
    """The Rich view: the matrix with each entry's check, then ∇f·v and the notes."""
    from rich.console import Console
    from rich.text import Text

    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    point = ", ".join(f"{n} = {fmt(x, digits)}" for n, x in ev.env.items())
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


def direction_data(d: Directional) -> dict[str, Any]:
    """The `direction` member of the JSON documents."""
    doc: dict[str, Any] = {"vector": {n: jnum(x) for n, x in d.vector.items()},
                           "derivative": jnum(d.values[-1]),
                           "jvp": [jnum(x) for x in d.values]}
    if all(c is not None for c in d.checks):
        doc["check"] = {"passed": d.passed,
                        "fd": [jnum(c.fd) for c in d.checks if c is not None],
                        "verdicts": [c.verdict for c in d.checks if c is not None]}
    return doc


def direction_lines(ev: Evaluation, d: Directional, digits: int | None) -> list[str]:
    """'∇f·v = 8 along v = (x: 1, y: 2)  ✓ agrees with finite differences', per output."""
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


