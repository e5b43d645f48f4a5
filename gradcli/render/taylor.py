"""How `gradcli taylor` and `gradcli eval --order N` print: f′, f″, … f⁽ᴺ⁾ at the point."""

from __future__ import annotations

import math
from typing import Any

from gradcli.taylor import Derivatives

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink (see note)", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}



def derivatives_data(d: Derivatives, poly: str | None) -> dict[str, Any]:
    """JSON: the point, derivatives[k] = f⁽ᵏ⁾(a) (index 0 is the value), checks."""
    from gradcli.render import jnum

    data: dict[str, Any] = {
        "expression": d.evaluation.tape.text,
        "variable": d.name,
        "point": jnum(d.point),
        **({"fixed": {n: jnum(v) for n, v in d.evaluation.env.items() if n != d.name}}
           if len(d.evaluation.env) > 1 else {}),
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

    if digits is None and fmt == "table" and not quiet:
        digits = 10  # a table is read by people
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
        fixed = {n: v for n, v in d.evaluation.env.items() if n != d.name}
        held = ", ".join(f"{n} = {num(v, digits)}" for n, v in fixed.items())
        console.print(Text(f"{name}   at {d.name} = {a}" + (f" ({held} held fixed)" if held
                                                              else ""), style="bold"))
        table = Table(title="Derivatives (Taylor arithmetic)", title_justify="left")
        table.add_column("k", justify="right")
        table.add_column(f"∂ᵏf/∂{d.name}ᵏ" if fixed else f"f⁽ᵏ⁾({a})", justify="right")
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
    return math.factorial(k)
