"""How `gradcli eval --wrt x,y` / `--order N` over several variables print: partials at a point.

f′ … f⁽ᴺ⁾ along one variable print through gradcli/render/taylor.py instead.
"""

from __future__ import annotations

from typing import Any

from gradcli.partials import PartialsAt

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink (see note)", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}


def partials_data(r: PartialsAt) -> dict[str, Any]:
    """JSON: the point, the value, and each partial with its check."""
    from gradcli.render import jnum

    ev = r.evaluation
    return {
        "expression": ev.tape.text,
        "variables": {n: jnum(v) for n, v in ev.env.items()},
        "value": jnum(ev.value),
        "partials": [{"wrt": ",".join(p.spec), "order": len(p.spec), "value": jnum(p.value),
                      **({} if p.check is None else
                         {"fd": jnum(p.check.fd), "verdict": p.check.verdict,
                          "passed": p.check.passed})}
                     for p in r.partials],
        **({"check": {"passed": r.passed}} if any(p.check for p in r.partials) else {}),
        "notes": [n.message for n in ev.notes],
    }


def partials_text(r: PartialsAt, fmt: str, quiet: bool, digits: int | None,
                  width: int | None = None, color: bool = False) -> str:
    """Every format: JSON, CSV/TSV rows, plain lines, -q numbers, or a Rich table."""
    from gradcli.render import fmt as num
    from gradcli.render import to_json
    from gradcli.symbolic import partial_label

    ev = r.evaluation
    labels = [partial_label("f", p.spec) for p in r.partials]
    if quiet:
        return "".join(num(p.value, digits) + "\n" for p in r.partials)
    if fmt == "json":
        return to_json(partials_data(r))
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(["wrt", "order", "value", "fd", "check"])
        for p in r.partials:
            w.writerow([",".join(p.spec), len(p.spec), num(p.value),
                        "" if p.check is None else num(p.check.fd),
                        "" if p.check is None else p.check.verdict])
        return buf.getvalue()
    if fmt == "plain":
        lines = [f"value = {num(ev.value, digits)}"]
        lines.extend(f"{lab} = {num(p.value, digits)}" for lab, p in zip(labels, r.partials,
                                                                          strict=True))
        if any(p.check for p in r.partials):
            lines.append("check = " + ("passed" if r.passed else "FAILED"))
        lines.extend(f"note: {n.message}" for n in ev.notes)
        return "\n".join(lines) + "\n"
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    d = 10 if digits is None else digits
    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    at = ", ".join(f"{n} = {num(v, d)}" for n, v in ev.env.items())
    with console.capture() as cap:
        console.print(Text(f"{ev.tape.output_names[-1]}   at {at}", style="bold"))
        table = Table(title="Partial derivatives (nested duals)", title_justify="left")
        table.add_column("partial")
        table.add_column("value", justify="right")
        table.add_column("finite diff.", justify="right")
        table.add_column("check")
        for lab, p in zip(labels, r.partials, strict=True):
            c = p.check
            mark = Text("" if c is None else _MARKS[c.verdict],
                        style="green" if c is None or c.verdict == "ok" else "red")
            table.add_row(lab, num(p.value, d), "" if c is None else num(c.fd, d), mark)
        console.print(table)
        console.print(Text(f"f = {num(ev.value, d)}", style="bold"))
        if any(p.check for p in r.partials):
            word = "passed" if r.passed else "FAILED"
            console.print(f"check: {word} (each partial against finite differences of the "
                          "order before, along its last variable)")
        for note in ev.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()
