"""How `gradcli explain` prints: the ledger of forward steps, backward edges, sums and paths."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradcli.explain import Edge, Ledger, as_factor
from gradcli.render import Options, Result, fmt, jnum
from gradcli.render.exact import jvalue, short, show, word


def _digits(o: Options) -> int:
    return 4 if o.digits is None else o.digits  # a ledger is read along: 4 unless asked


def data(r: Result, o: Options) -> dict[str, Any]:
    return to_data(r.value, o.wrt or None)


def rows(r: Result, o: Options) -> list[list[Any]]:
    return ledger_rows(to_data(r.value))


def quiet(r: Result, o: Options) -> list[Any]:
    """The gradient (--wrt's partials): exact as 9/14, ≈ before a value that is not."""
    ledger: Ledger = r.value
    picked = [g for n, g in ledger.gradient.items() if n in o.picked]
    if not ledger.exact:
        return picked
    return [word(g) for g in picked]


def plain(r: Result, o: Options) -> list[str]:
    return [text for _, text in lines(r.value, _digits(o), o.wrt or None)]


def table(r: Result, o: Options) -> str:
    if not o.color:
        return plain_text(r.value, _digits(o), o.wrt or None)
    return rich_text(r.value, _digits(o), o.width, True, o.wrt or None)


class Num:
    """How numbers print in one ledger: significant digits, or exact fractions."""

    def __init__(self, exact: bool, digits: int) -> None:
        self.exact, self.digits = exact, digits

    def __call__(self, v: Any) -> str:
        if self.exact:
            return short(v, self.digits)
        return fmt(v, self.digits)

    def factor(self, v: Any) -> str:
        text = self(v)
        return f"({text})" if text.startswith("-") or "/" in text else text

    def full(self, v: Any) -> str:
        """A result: 9/14 (0.6429) when exact, else the number."""
        if self.exact:
            return show(v, self.digits)
        return self(v)


def _d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


def lines(ledger: Ledger, digits: int = 4, wrt: list[str] | None = None) -> \
        list[tuple[str, str]]:
    """The ledger as (style, text) lines; style is "" or a heading/result marker."""
    num = Num(ledger.exact, digits)
    names, tape = ledger.names, ledger.tape
    z = names[ledger.out]
    point = ", ".join(f"{n} = {num(v)}" for n, v in ledger.env.items())
    out: list[tuple[str, str]] = [("title", f"{tape.text.strip()}" +
                                   (f"   at {point}" if point else ""))]
    out.append(("", ""))
    out.append(("head", "Forward pass (each step's value)"))
    width = len(str(len(ledger.steps)))
    for s in ledger.steps:
        out.append(("", f"  {s.number:>{width}}. {s.name} = {s.expression} = {num(s.value)}"))
    if not ledger.steps:
        out.append(("", "  (no operations: the output is an input)"))
    out.append(("", ""))
    out.append(("head", f"Backward pass ({_d(z, 'node')} from {z} back to the inputs: "
                        "local partial × upstream = product)"))
    rows: list[tuple[str, str, str, str] | str] = [(z, f"{_d(z, z)} = 1", "", "")]
    for item in ledger.backward:
        if isinstance(item, Edge):
            a, b = names[item.node], names[item.arg]
            local = f"{_d(a, b)} = {item.formula}"
            if item.formula != num(item.local):
                local += f" = {num(item.local)}"
            rows.append((f"{a} → {b}", local, f"× {_d(z, a)} = {num(item.upstream)}",
                         f"= {num(item.product)}"))
        else:
            n = names[item.node]
            symbolic = " + ".join(f"{_d(z, names[e.node])}·{_d(names[e.node], n)}"
                                  for e in item.edges)
            numeric = " + ".join(f"{num.factor(e.upstream)}·{num.factor(e.local)}"
                                 for e in item.edges)
            rows.append(f"{n} is used {len(item.edges)} times, so its contributions add up: "
                        f"{_d(z, n)} = {symbolic} = {numeric} = {num(item.total)}")
    widths = [max((len(r[c]) for r in rows if not isinstance(r, str)), default=0)
              for c in range(3)]
    for r in rows:
        if isinstance(r, str):
            out.append(("sum", "  " + r))
        else:
            text = "  ".join(r[c].ljust(widths[c]) for c in range(3))
            out.append(("", "  " + (text + "  " + r[3] if r[3] else text.rstrip())))
    out.append(("", ""))
    out.append(("head", "Gradient"))
    for n, g in ledger.gradient.items():
        if not wrt or n in wrt:
            out.append(("result", f"  {_d(z, n)} = {num.full(g)}"))
    if not ledger.gradient:
        out.append(("", "  (no variables: a constant has no gradient)"))
    if ledger.paths is not None:
        out.append(("", ""))
        out.append(("head", "Paths (multiply the edge weights along each path from "
                            f"{z} to an input, then add the paths)"))
        for n, paths in ledger.paths.items():
            if not paths or (wrt and n not in wrt):
                continue
            for p in paths:
                route = " → ".join(names[i] for i in p.nodes)
                formulas = " · ".join(as_factor(e.formula) for e in p.edges)
                numbers = " · ".join(num.factor(e.local) for e in p.edges)
                out.append(("", f"  {route}:  {formulas} = {numbers} = {num(p.product)}"))
            if len(paths) == 1:
                out.append(("sum", f"  {_d(z, n)} = {num(ledger.gradient[n])} (one path)"))
            else:
                total = " + ".join(num.factor(p.product) for p in paths)
                out.append(("sum", f"  {_d(z, n)} = {total} = {num(ledger.gradient[n])}"))
    inexact = [v for v in [*ledger.values, *ledger.adjoints] if not isinstance(v, Fraction)]
    inexact += [e.local for e in ledger.backward if isinstance(e, Edge)
                and not isinstance(e.local, Fraction)]
    if ledger.exact and inexact:
        out.append(("", ""))
        out.append(("", "≈ marks a value that is not exact (not a rational number, or rounded)"))
    for note in ledger.notes:
        out.append(("note", f"note: {note}"))
    return out


def plain_text(ledger: Ledger, digits: int = 4, wrt: list[str] | None = None) -> str:
    return "\n".join(text for _, text in lines(ledger, digits, wrt)).rstrip() + "\n"


def rich_text(ledger: Ledger, digits: int = 4, width: int | None = None,
              color: bool = True, wrt: list[str] | None = None) -> str:
    """The same lines, styled for a terminal."""
    import io

    from rich.console import Console
    from rich.text import Text

    styles = {"title": "bold", "head": "bold underline", "sum": "yellow", "result": "bold green",
              "note": "yellow", "": ""}
    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      file=io.StringIO(), legacy_windows=False, soft_wrap=True)
    with console.capture() as cap:
        for style, text in lines(ledger, digits, wrt):
            console.print(Text(text, style=styles[style]))
    return cap.get()


def to_data(ledger: Ledger, wrt: list[str] | None = None) -> dict[str, Any]:
    """The ledger as JSON-ready data (full precision; exact values also as text)."""

    def val(v: Any) -> Any:
        return jvalue(v) if ledger.exact else jnum(v)

    names = ledger.names

    def edge(e: Edge) -> dict[str, Any]:
        return {"from": names[e.node], "to": names[e.arg], "local": e.formula,
                "local_value": val(e.local), "upstream": val(e.upstream),
                "product": val(e.product)}

    backward: list[dict[str, Any]] = []
    for item in ledger.backward:
        if isinstance(item, Edge):
            backward.append({"kind": "edge", **edge(item)})
        else:
            backward.append({"kind": "sum", "node": names[item.node],
                             "terms": [edge(e) for e in item.edges], "value": val(item.total)})
    data: dict[str, Any] = {
        "expression": ledger.tape.text,
        "output": names[ledger.out],
        "exact": ledger.exact,
        "inputs": {n: val(v) for n, v in ledger.env.items()},
        "forward": [{"step": s.number, "name": s.name, "expression": s.expression,
                     "value": val(s.value)} for s in ledger.steps],
        "backward": backward,
        "gradient": {n: val(g) for n, g in ledger.gradient.items() if not wrt or n in wrt},
        "paths": None if ledger.paths is None else {
            n: [{"nodes": [names[i] for i in p.nodes], "weights": [val(e.local) for e in p.edges],
                 "formulas": [e.formula for e in p.edges], "product": val(p.product)}
                for p in paths] for n, paths in ledger.paths.items() if not wrt or n in wrt},
        "notes": ledger.notes,
    }
    return data


LEDGER_COLUMNS = ["pass", "from", "to", "expression", "local", "local_value", "upstream",
                  "value"]


def _cell(v: Any) -> Any:
    """--exact's {"value": ..., "exact": "9/14"} as 9/14 (or the double); others as they are."""
    if isinstance(v, dict):
        return v["exact"] if v.get("exact") is not None else v["value"]
    return v


def ledger_rows(data: dict[str, Any]) -> list[list[Any]]:
    """The ledger as a table: a row per forward step, per backward edge, per fan-out sum."""
    rows: list[dict[str, Any]] = []
    for s in data["forward"]:
        rows.append({"pass": "forward", "to": s["name"], "expression": s["expression"],
                     "value": s["value"]})
    for b in data["backward"]:  # a sum's terms are the edges already listed
        if b["kind"] == "sum":
            rows.append({"pass": "sum", "to": b["node"], "value": b["value"]})
        else:
            rows.append({"pass": "backward", "from": b["from"], "to": b["to"],
                         "local": b["local"], "local_value": b["local_value"],
                         "upstream": b["upstream"], "value": b["product"]})
    for name, g in data["gradient"].items():
        rows.append({"pass": "gradient", "to": name, "value": g})
    return [LEDGER_COLUMNS, *([_cell(row.get(c)) for c in LEDGER_COLUMNS] for row in rows)]
