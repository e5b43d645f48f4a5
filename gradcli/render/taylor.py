"""How `gradcli taylor` and `gradcli eval --order N` print: f′, f″, … f⁽ᴺ⁾ at the point."""

from __future__ import annotations

import math
from typing import Any

from gradcli.render import Options, Result, fmt, jnum
from gradcli.taylor import Derivatives

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink (see note)", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}



def derivatives_data(d: Derivatives, poly: str | None) -> dict[str, Any]:
    """JSON: the point, derivatives[k] = f⁽ᵏ⁾(a) (index 0 is the value), checks."""
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


def taylor_result(d: Derivatives, poly: str | None) -> Result:
    """The Result of `taylor` (with its polynomial) and of `eval --order` (poly None)."""
    from gradcli.reading import read_as

    ev = d.evaluation
    return Result("taylor", d, [d.name], read_as(ev.tape), [n.message for n in ev.notes],
                  d.passed, {"poly": poly})


def data(r: Result, o: Options) -> dict[str, Any]:
    return derivatives_data(r.value, r.extra["poly"])


def rows(r: Result, o: Options) -> list[list[Any]]:
    d: Derivatives = r.value
    out: list[list[Any]] = [["order", "derivative", "coefficient", "check"]]
    for k, v in enumerate(d.values):
        c = d.checks[k] if k < len(d.checks) else None
        out.append([k, v, v / math.factorial(k), "" if c is None else c.verdict])
    return out


def quiet(r: Result, o: Options) -> list[Any]:
    """The formula alone (taylor), or the derivatives f′ … f⁽ᴺ⁾ one per line."""
    d: Derivatives = r.value
    return [r.extra["poly"]] if r.extra["poly"] is not None else list(d.values[1:])


def plain(r: Result, o: Options) -> list[str]:
    d: Derivatives = r.value
    poly, digits = r.extra["poly"], o.digits
    lines = [f"value = {fmt(d.values[0], digits)}"]
    lines.extend(f"d{'' if k == 1 else k}/d{d.name}{'' if k == 1 else k} = {fmt(v, digits)}"
                 for k, v in enumerate(d.values) if k)
    if poly is not None:
        lines.append(f"T{d.order}({d.name}) = {poly}")
    if any(c is not None for c in d.checks):
        lines.append("check = " + ("passed" if d.passed else "FAILED"))
    lines.extend(f"note: {n.message}" for n in d.evaluation.notes)
    return lines


def table(r: Result, o: Options) -> str:
    return derivatives_table(r.value, r.extra["poly"], 10 if o.digits is None else o.digits,
                             o.width, o.color)


def derivatives_table(d: Derivatives, poly: str | None, digits: int | None,
                      width: int | None = None, color: bool = False) -> str:
    """The Rich view: f⁽ᵏ⁾(a), the coefficients, each order's check, the polynomial."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    a = fmt(d.point, digits)

    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    name = d.evaluation.tape.output_names[0]
    with console.capture() as cap:
        fixed = {n: v for n, v in d.evaluation.env.items() if n != d.name}
        held = ", ".join(f"{n} = {fmt(v, digits)}" for n, v in fixed.items())
        console.print(Text(f"{name}   at {d.name} = {a}" + (f" ({held} held fixed)" if held
                                                              else ""), style="bold"))
        grid = Table(title="Derivatives (Taylor arithmetic)", title_justify="left")
        grid.add_column("k", justify="right")
        grid.add_column(f"∂ᵏf/∂{d.name}ᵏ" if fixed else f"f⁽ᵏ⁾({a})", justify="right")
        if poly is not None:
            grid.add_column("coefficient f⁽ᵏ⁾/k!", justify="right")
        grid.add_column("check")
        for k, v in enumerate(d.values):
            c = d.checks[k] if k < len(d.checks) else None
            label = "" if c is None else _MARKS[c.verdict]
            if c is not None and c.verdict == "inconclusive" and "see the note" in c.reason:
                label = "~ inconclusive (see note)"  # digits lost to underflow, cancellation
            mark = Text(label,
                        style="green" if c is None or c.verdict == "ok" else "red")
            cells = [str(k), fmt(v, digits)]
            if poly is not None:
                cells.append(fmt(v / math.factorial(k), digits))
            grid.add_row(*cells, mark)
        console.print(grid)
        if poly is not None:
            console.print(Text(f"T{d.order}({d.name}) = {poly}", style="bold"))
        if any(c is not None for c in d.checks):
            word = "passed" if d.passed else "FAILED"
            console.print(f"check: {word} (each order against finite differences of the "
                          "order before)")
        for note in d.evaluation.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()
