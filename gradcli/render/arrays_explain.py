"""How `gradcli explain` prints an array graph: the backward ledger in matrix form.

r.value is an ArrayLedger (gradcli/arrays/ledger.py).  Each backward edge is written
three ways from one template: the rule in names (`∂f/∂W = g · xᵀ`), in shapes
(`(2,) · (2,)ᵀ → (2, 2)`), and with the numbers and the product.  Small arrays print
in full on one line; big ones summarised (shape, min, max, norm, the first entries),
as gradcli/render/arrays.py does for eval.  JSON gives every array as
{"shape", "value"} (a summary past 10,000 elements); CSV/TSV a row per element.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from gradcli.arrays.ledger import ArrayEdge, ArrayFanIn, ArrayLedger, Factor, Upstream, shape_of
from gradcli.errors import InputError
from gradcli.render import Options, Result, fmt, jnum
from gradcli.render.arrays import JSON_FULL, SMALL, array_text, nested, summary

COMMAND = "explain"
CSV_MAX = JSON_FULL  # elements of one array that CSV/TSV writes out, one row each


def _digits(o: Options) -> int:
    return 4 if o.digits is None else o.digits  # a ledger is read along: 4 unless asked


def inline(a: Any, digits: int | None) -> str:
    """An array on one line: in full when small, else its shape and a summary."""
    arr = np.asarray(a, dtype=float)
    if arr.ndim == 0:
        return fmt(float(arr), digits)
    if arr.size > SMALL:
        s = summary(arr)
        first = ", ".join(fmt(v, digits) for v in arr.reshape(-1)[:4])
        return (f"⟨{shape_of(arr)} min {fmt(s['min'], digits)} max {fmt(s['max'], digits)} "
                f"norm {fmt(s['norm'], digits)} [{first}, …]⟩")
    return _one_line(arr, digits)


def _one_line(arr: Any, digits: int | None) -> str:
    if arr.ndim == 1:
        return "[" + ", ".join(fmt(float(v), digits) for v in arr) + "]"
    return "[" + ", ".join(_one_line(r, digits) for r in arr) + "]"


def small(a: Any) -> bool:
    return bool(np.size(a) <= SMALL)


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def rule_names(e: ArrayEdge) -> str:
    return e.text(lambda f: f.name)


def rule_shapes(e: ArrayEdge) -> str:
    """`(2,) · (2,)ᵀ → (2, 2)`: the rule over the factors' shapes, and the product's."""
    text = e.text(lambda f: f.name if f.value is None else shape_of(f.value))
    return text.lstrip("-") + f" → {shape_of(e.product)}"  # -g has g's shape


def rule_numbers(e: ArrayEdge, digits: int | None) -> str | None:
    """The rule with every factor's numbers, or None when a factor is too big to inline."""
    if any(f.value is not None and not small(f.value) for f in e.factors.values()):
        return None

    def show(f: Factor) -> str:
        return f.name if f.value is None else _paren(inline(f.value, digits))

    return e.text(show)


def _d(top: str, bottom: str) -> str:
    return f"∂{top}/∂{bottom}"


# ---------------------------------------------------------------- text

def lines(ledger: ArrayLedger, digits: int = 4, wrt: list[str] | None = None) -> \
        list[tuple[str, str]]:
    """The ledger as (style, text) lines; style is "" or a heading/result marker."""
    names, tape = ledger.names, ledger.tape
    z = names[ledger.out]
    point = ", ".join(f"{n} = {inline(v, digits)}" if v.size == 1 else f"{n}: {shape_of(v)}"
                      for n, v in ledger.env.items())
    out: list[tuple[str, str]] = [("title", tape.text.strip() + (f"   at {point}" if point
                                                                 else "")), ("", "")]
    out.append(("head", "Inputs (name, shape, value)"))
    width = max((len(n) for n in ledger.env), default=0)
    shapes = max((len(shape_of(v)) for v in ledger.env.values()), default=0)
    for n, v in ledger.env.items():
        out.append(("", f"  {n.ljust(width)}  {shape_of(v).ljust(shapes)}  {inline(v, digits)}"))
    out.append(("", ""))
    out.append(("head", "Forward pass (each step's shape and value)"))
    num_w = len(str(len(ledger.steps)))
    left = [f"{s.number:>{num_w}}. {s.name} = {s.expression}" for s in ledger.steps]
    lw = max(map(len, left), default=0)
    sw = max((len(shape_of(s.value)) for s in ledger.steps), default=0)
    for text, s in zip(left, ledger.steps, strict=True):
        out.append(("", f"  {text.ljust(lw)}  {shape_of(s.value).ljust(sw)}  "
                        f"{inline(s.value, digits)}"))
    if not ledger.steps:
        out.append(("", "  (no operations: the output is an input)"))
    out.append(("", ""))
    out.append(("head", f"Backward pass (g = {_d(z, 'node')} from {z} back to the inputs; "
                        "each edge's vector-Jacobian product: rule, shapes, numbers)"))
    out.extend(("", "  " + t if t else "") for t in _backward_lines(ledger, digits))
    out.append(("", ""))
    out.append(("head", "Gradient (shaped like each input)"))
    grads = [(n, g) for n, g in ledger.gradient.items() if not wrt or n in wrt]
    nw = max((len(_d(z, n)) for n, _ in grads), default=0)
    gw = max((len(shape_of(g)) for _, g in grads), default=0)
    for n, g in grads:
        head = f"  {_d(z, n).ljust(nw)}  {shape_of(g).ljust(gw)} = "
        block = array_text(g, digits).split("\n")
        out.append(("result", head + block[0]))
        out.extend(("result", " " * len(head) + rest) for rest in block[1:])
    if not ledger.gradient:
        out.append(("", "  (no variables: a constant has no gradient)"))
    for note in ledger.notes:
        out.append(("note", f"note: {note}"))
    return out


def _backward_lines(ledger: ArrayLedger, digits: int) -> list[str]:
    names = ledger.names
    z = names[ledger.out]
    rows: list[list[str] | str] = []
    for item in ledger.backward:
        if isinstance(item, Upstream):
            i = item.node
            label = names[i] if i == ledger.out and not ledger.steps else \
                f"{names[i]} = {_expr(ledger, i)}"
            rows.append(f"{label}   {shape_of(item.grad)}   g = {_d(z, names[i])} = "
                        f"{inline(item.grad, digits)}")
        elif isinstance(item, ArrayEdge):
            target = names[item.arg]
            rule = f"{_d(z, target)} = {rule_names(item)}"
            if item.summed:
                rule += f", summed to {shape_of(item.product)}"
            numbers = rule_numbers(item, digits)
            result = inline(item.product, digits)
            rows.append([f"  → {target}", rule, rule_shapes(item),
                         f"= {result}" if numbers in (None, result) else
                         f"= {numbers} = {result}"])
        elif isinstance(item, ArrayFanIn):
            n = names[item.node]
            terms = " + ".join(_paren(inline(e.product, digits)) for e in item.edges)
            via = ", ".join(names[e.node] for e in item.edges)
            rows.append(f"{n} is used {len(item.edges)} times ({via}), so its contributions "
                        f"add up: {_d(z, n)} = {terms} = {inline(item.total, digits)}   "
                        f"{shape_of(item.total)}")
    widths = [max((len(r[c]) for r in rows if not isinstance(r, str)), default=0)
              for c in range(3)]
    text = []
    for r in rows:
        if isinstance(r, str):
            text.append(r)
        else:
            text.append("  ".join(r[c].ljust(widths[c]) for c in range(3)) + "  " + r[3])
    return text


def _expr(ledger: ArrayLedger, i: int) -> str:
    for s in ledger.steps:
        if s.node == i:
            return s.expression
    return ledger.names[i]


def plain_text(ledger: ArrayLedger, digits: int = 4, wrt: list[str] | None = None) -> str:
    return "\n".join(t for _, t in lines(ledger, digits, wrt)).rstrip() + "\n"


def rich_text(ledger: ArrayLedger, digits: int, width: int | None,
              wrt: list[str] | None) -> str:
    from rich.console import Console
    from rich.text import Text

    styles = {"title": "bold", "head": "bold underline", "result": "bold green",
              "note": "yellow", "": ""}
    console = Console(width=width or 100, force_terminal=True, color_system="standard",
                      highlight=False, file=io.StringIO(), legacy_windows=False, soft_wrap=True)
    with console.capture() as cap:
        for style, text in lines(ledger, digits, wrt):
            console.print(Text(text, style=styles[style]))
    return cap.get()


# ---------------------------------------------------------------- the views

def table(r: Result, o: Options) -> str:
    if not o.color:
        return plain_text(r.value, _digits(o), o.wrt or None)
    return rich_text(r.value, _digits(o), o.width, o.wrt or None)


def plain(r: Result, o: Options) -> list[str]:
    return [t for _, t in lines(r.value, _digits(o), o.wrt or None)]


def quiet(r: Result, o: Options) -> list[Any]:
    """The gradient's elements, row-major, input by input (--wrt's)."""
    ledger: ArrayLedger = r.value
    return [float(v) for n, g in ledger.gradient.items() if n in o.picked
            for v in np.asarray(g, dtype=float).reshape(-1)]


def jarray(a: Any) -> dict[str, Any]:
    """{"shape", "value"}: nested lists, or a summary past JSON_FULL elements."""
    arr = np.asarray(a, dtype=float)
    if arr.size > JSON_FULL:
        return {"shape": list(arr.shape), "summary": summary(arr)}
    return {"shape": list(arr.shape), "value": nested(arr)}


def data(r: Result, o: Options) -> dict[str, Any]:
    ledger: ArrayLedger = r.value
    names = ledger.names
    wrt = o.wrt or None
    backward: list[dict[str, Any]] = []
    for item in ledger.backward:
        if isinstance(item, Upstream):
            backward.append({"kind": "node", "node": names[item.node],
                             "upstream": jarray(item.grad)})
        elif isinstance(item, ArrayEdge):
            backward.append({"kind": "edge", "from": names[item.node], "to": names[item.arg],
                             "rule": rule_names(item), "shapes": rule_shapes(item),
                             "summed_over_broadcast": item.summed,
                             "factors": {f.name: jarray(f.value)
                                         for f in item.factors.values() if f.value is not None},
                             "product": jarray(item.product)})
        else:
            backward.append({"kind": "sum", "node": names[item.node],
                             "terms": [{"from": names[e.node], "product": jarray(e.product)}
                                       for e in item.edges],
                             "value": jarray(item.total)})
    return {
        "expression": ledger.tape.text,
        "output": names[ledger.out],
        "exact": False,
        "inputs": {n: jarray(v) for n, v in ledger.env.items()},
        "forward": [{"step": s.number, "name": s.name, "expression": s.expression,
                     **jarray(s.value)} for s in ledger.steps],
        "backward": backward,
        "gradient": {n: jarray(g) for n, g in ledger.gradient.items() if not wrt or n in wrt},
        "paths": None,  # a path's product is a chain of Jacobians: not drawn for arrays
        "value": jnum(float(ledger.values[ledger.out])),
        "notes": list(ledger.notes),
    }


ROW_COLUMNS = ["pass", "from", "to", "expression", "shape", "element", "value"]


def rows(r: Result, o: Options) -> list[list[Any]]:
    """A row per element: forward steps, upstream g's, edge products, sums, the gradient."""
    ledger: ArrayLedger = r.value
    names = ledger.names
    out: list[list[Any]] = [ROW_COLUMNS]

    def add(kind: str, frm: str | None, to: str, expression: str | None, a: Any) -> None:
        arr = np.asarray(a, dtype=float)
        if arr.size > CSV_MAX:
            raise InputError(f"explain --format {o.fmt} writes every element, and {to} has "
                             f"{arr.size:,} (the limit is {CSV_MAX:,})",
                             hint="use --format json (big arrays summarised) or the table")
        for idx in np.ndindex(arr.shape):
            element = "[" + ",".join(map(str, idx)) + "]" if idx else ""
            out.append([kind, frm, to, expression, shape_of(arr), element, float(arr[idx])])

    for s in ledger.steps:
        add("forward", None, s.name, s.expression, s.value)
    for item in ledger.backward:
        if isinstance(item, Upstream):
            add("upstream", None, names[item.node], "g", item.grad)
        elif isinstance(item, ArrayEdge):
            add("backward", names[item.node], names[item.arg], rule_names(item), item.product)
        else:
            add("sum", None, names[item.node], None, item.total)
    for n, g in ledger.gradient.items():
        if not o.wrt or n in o.wrt:
            add("gradient", None, n, None, g)
    return out

