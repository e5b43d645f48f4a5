"""How `gradcli eval --wrt x,y` / `--order N` over several variables print: partials at a point.

f′ … f⁽ᴺ⁾ along one variable print through gradcli/render/taylor.py instead.
"""

from __future__ import annotations

from typing import Any

from gradcli.partials import PartialsAt
from gradcli.render import Options, Result, fmt, jnum

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink (see note)", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}


def partials_result(p: PartialsAt) -> Result:
    """The Result of `eval` asking for several or mixed partials at a point."""
    from gradcli.reading import read_as

    ev = p.evaluation
    return Result("partials", p, None, read_as(ev.tape), [n.message for n in ev.notes],
                  p.passed)


def _labels(p: PartialsAt) -> list[str]:
    from gradcli.symbolic import partial_label

    return [partial_label("f", q.spec) for q in p.partials]


def data(r: Result, o: Options) -> dict[str, Any]:
    """JSON: the point, the value, and each partial with its check."""
    p: PartialsAt = r.value
    ev = p.evaluation
    out: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": {n: jnum(v) for n, v in ev.env.items()},
        "value": jnum(ev.value),
        "partials": [{"wrt": ",".join(q.spec), "order": len(q.spec), "value": jnum(q.value),
                      **({} if q.check is None else
                         {"fd": jnum(q.check.fd), "verdict": q.check.verdict,
                          "passed": q.check.passed})}
                     for q in p.partials],
    }
    if any(q.check for q in p.partials):
        out["check"] = {"passed": p.passed}
    out["notes"] = [n.message for n in ev.notes]
    return out


def rows(r: Result, o: Options) -> list[list[Any]]:
    p: PartialsAt = r.value
    return [["wrt", "order", "value", "fd", "check"],
            *([",".join(q.spec), len(q.spec), q.value,
               None if q.check is None else q.check.fd,
               "" if q.check is None else q.check.verdict] for q in p.partials)]


def quiet(r: Result, o: Options) -> list[Any]:
    return [q.value for q in r.value.partials]


def plain(r: Result, o: Options) -> list[str]:
    p: PartialsAt = r.value
    lines = [f"value = {o.num(p.evaluation.value)}"]
    lines += [f"{lab} = {o.num(q.value)}" for lab, q in zip(_labels(p), p.partials, strict=True)]
    if any(q.check for q in p.partials):
        lines.append("check = " + ("passed" if p.passed else "FAILED"))
    lines += [f"note: {n.message}" for n in p.evaluation.notes]
    return lines


def table(r: Result, o: Options) -> str:
    """The Rich view: a row per partial with its finite-difference check."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    p: PartialsAt = r.value
    ev = p.evaluation
    d = 10 if o.digits is None else o.digits
    console = Console(width=o.width or 100, force_terminal=o.color, no_color=not o.color,
                      color_system="standard" if o.color else None, highlight=False,
                      legacy_windows=False)
    at = ", ".join(f"{n} = {fmt(v, d)}" for n, v in ev.env.items())
    with console.capture() as cap:
        console.print(Text(f"{ev.tape.output_names[-1]}   at {at}", style="bold"))
        grid = Table(title="Partial derivatives (nested duals)", title_justify="left")
        grid.add_column("partial")
        grid.add_column("value", justify="right")
        grid.add_column("finite diff.", justify="right")
        grid.add_column("check")
        for lab, q in zip(_labels(p), p.partials, strict=True):
            c = q.check
            mark = Text("" if c is None else _MARKS[c.verdict],
                        style="green" if c is None or c.verdict == "ok" else "red")
            grid.add_row(lab, fmt(q.value, d), "" if c is None else fmt(c.fd, d), mark)
        console.print(grid)
        console.print(Text(f"f = {fmt(ev.value, d)}", style="bold"))
        if any(q.check for q in p.partials):
            word = "passed" if p.passed else "FAILED"
            console.print(f"check: {word} (each partial against finite differences of the "
                          "order before, along its last variable)")
        for note in ev.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()
