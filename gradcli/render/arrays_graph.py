"""How `gradcli graph` prints an array graph: shapes on every node and edge.

r.value is an ArrayPicture (below): the tape, and at a point its ArrayLedger
(gradcli/arrays/ledger.py) with every node's value and adjoint and every edge's
vector-Jacobian product.  A node shows its operation and shape (value and ∂f/∂node:
small arrays in full, big ones summarised); an edge, the shape that flows along it
and its rule (`(2, 2) ∂f/∂W = g · xᵀ`).  The same picture as the drawing in the
terminal, DOT (for `--output graph.svg`), Mermaid, JSON, CSV/TSV and plain lines.
Without values only the structure is known (shapes come from values).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradcli.arrays.ledger import ArrayEdge, ArrayLedger, array_ledger, output_names, shape_of
from gradcli.errors import InputError
from gradcli.render import Options, Result, fmt
from gradcli.render.arrays_explain import CSV_MAX, inline, jarray, rule_names
from gradcli.render.graph import dot_edge, dot_head, dot_node, mermaid_edge, mermaid_node
from gradcli.tape import CONST, VAR, Tape, expressions

COMMAND = "graph"
FORMATS = ("dot", "mermaid")
DIGITS = 4
PICTURE_SMALL = 12  # elements of an array written out on a picture; more are summarised


class ArrayPicture:
    """An array graph ready to draw: names, and at a point the ledger's numbers."""

    def __init__(self, tape: Tape, ledger: ArrayLedger | None) -> None:
        self.tape = tape
        self.ledger = ledger
        self.names = output_names(tape) if ledger is None else ledger.names
        self.exprs = expressions(tape, limit=40, names=self.names)
        self.output = self.names[tape.outputs[-1]]
        self.edges: dict[tuple[int, int], ArrayEdge] = {}
        if ledger is not None:
            for e in ledger.edges:
                self.edges.setdefault((e.node, e.arg), e)

    def label(self, i: int) -> str:
        op = self.tape.ops[i]
        return self.names[i] if op in (VAR, CONST) else f"{self.names[i]} = {self.exprs[i]}"

    def shape(self, i: int) -> str:
        return "" if self.ledger is None else shape_of(self.ledger.values[i])

    def value(self, i: int, digits: int) -> str:
        if self.ledger is None:
            return ""
        return short(self.ledger.values[i], digits)

    def grad(self, i: int, digits: int) -> str:
        if self.ledger is None or self.tape.ops[i] == CONST:
            return ""
        g = self.ledger.adjoints[i]
        return "" if g is None else short(g, digits)

    def edge(self, node: int, arg: int, short: bool = False) -> str:
        """`(2, 2)  ∂f/∂W = g · xᵀ`: the shape along the edge, and its rule (if it has
        one); `short`, for a row of the drawing (the row names W): `(2, 2)  g · xᵀ`."""
        if self.ledger is None:
            return ""
        text = shape_of(self.ledger.values[arg])
        e = self.edges.get((node, arg))
        if e is not None:
            text += "  " + ("" if short else f"∂{self.output}/∂{self.names[arg]} = ") + \
                rule_names(e)
        return text


def array_picture(tape: Tape, values: Mapping[str, Any] | None) -> ArrayPicture:
    """The picture of an array graph: at `values`, or the structure only (None)."""
    return ArrayPicture(tape, None if values is None else array_ledger(tape, values))


def short(a: Any, digits: int) -> str:
    """An array on a picture: in full up to PICTURE_SMALL elements, else summarised."""
    arr = np.asarray(a, dtype=float)
    if arr.size <= PICTURE_SMALL:
        return inline(arr, digits)
    flat = arr.reshape(-1)
    return (f"{shape_of(arr)} min {fmt(float(flat.min()), digits)} "
            f"max {fmt(float(flat.max()), digits)} "
            f"norm {fmt(float(np.linalg.norm(flat)), digits)}")


def _digits(o: Options) -> int:
    return o.digits or DIGITS


def _title(pic: ArrayPicture) -> str:
    if pic.ledger is None:
        return f"{pic.output} (structure)"
    point = ", ".join(f"{n}: {shape_of(v)}" if v.size > 1 else f"{n} = {inline(v, None)}"
                      for n, v in pic.ledger.env.items())
    return f"{pic.output} at {point}" if point else pic.output


def node_lines(pic: ArrayPicture, i: int, digits: int) -> list[str]:
    op = pic.tape.ops[i]
    lines = [pic.label(i)]
    kind = "" if op in (VAR, CONST) else op
    if pic.ledger is not None:
        kind = f"{kind} {pic.shape(i)}".strip()
    if kind:
        lines.append(kind)
    if pic.ledger is not None and op != CONST:
        lines.append(f"value {pic.value(i, digits)}")
        grad = pic.grad(i, digits)
        if grad:
            lines.append(f"∂{pic.output}/∂{pic.names[i]} = {grad}")
    return lines


def edge_list(pic: ArrayPicture) -> list[tuple[int, int, str]]:
    return [(j, i, pic.edge(i, j)) for i, a in enumerate(pic.tape.args) for j in a]


# ---------------------------------------------------------------- DOT, Mermaid

def dot(r: Result, o: Options) -> str:
    pic: ArrayPicture = r.value
    digits = _digits(o)
    outs = set(pic.tape.outputs)
    lines = dot_head(_title(pic))
    lines += ["  " + dot_node(i, op, node_lines(pic, i, digits), i in outs)
              for i, op in enumerate(pic.tape.ops)]
    # an edge's rule and its shapes stand on two lines
    lines += [dot_edge(j, i, label.replace("  ", "\n")) for j, i, label in edge_list(pic)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def mermaid(r: Result, o: Options) -> str:
    pic: ArrayPicture = r.value
    digits = _digits(o)
    outs = set(pic.tape.outputs)
    lines = ["flowchart LR"]
    lines += ["  " + mermaid_node(i, op, node_lines(pic, i, digits), i in outs)
              for i, op in enumerate(pic.tape.ops)]
    lines += [mermaid_edge(j, i, label) for j, i, label in edge_list(pic)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JSON, rows, plain

def data(r: Result, o: Options) -> dict[str, Any]:
    pic: ArrayPicture = r.value
    led = pic.ledger
    tape = pic.tape
    nodes = []
    for i, op in enumerate(tape.ops):
        grad = None if led is None or op == CONST else led.adjoints[i]
        nodes.append({"id": i, "name": pic.names[i], "op": op,
                      "expression": "" if op in (VAR, CONST) else pic.exprs[i],
                      "inputs": [pic.names[a] for a in tape.args[i]],
                      "shape": None if led is None else list(np.shape(led.values[i])),
                      "value": None if led is None else jarray(led.values[i]),
                      "grad": None if grad is None else jarray(grad)})
    edges = []
    for i, a in enumerate(tape.args):
        for j in a:
            e = pic.edges.get((i, j))
            edges.append({"from": pic.names[j], "to": pic.names[i],
                          "shape": None if led is None else list(np.shape(led.values[j])),
                          "vjp": None if e is None else rule_names(e),
                          "product": None if e is None else jarray(e.product)})
    return {"expression": tape.text, "output": pic.output,
            "variables": {} if led is None else {n: jarray(v) for n, v in led.env.items()},
            "nodes": nodes, "edges": edges, "notes": [] if led is None else list(led.notes)}


ROW_COLUMNS = ["kind", "name", "op", "expression", "shape", "element", "value", "grad", "from",
               "to", "vjp"]


def rows(r: Result, o: Options) -> list[list[Any]]:
    """A row per node element (value, grad), then a row per edge (shape, rule)."""
    pic: ArrayPicture = r.value
    led = pic.ledger
    tape = pic.tape
    out: list[list[Any]] = [ROW_COLUMNS]
    for i, op in enumerate(tape.ops):
        expr = "" if op in (VAR, CONST) else pic.exprs[i]
        if led is None:
            out.append(["node", pic.names[i], op, expr, None, None, None, None, None, None,
                        None])
            continue
        v = np.asarray(led.values[i], dtype=float)
        if v.size > CSV_MAX:
            raise InputError(f"graph --format {o.fmt} writes every element, and "
                             f"{pic.names[i]} has {v.size:,} (the limit is {CSV_MAX:,})",
                             hint="use --format json (big arrays summarised), dot or plain")
        g = None if op == CONST else led.adjoints[i]
        for idx in np.ndindex(v.shape):
            element = "[" + ",".join(map(str, idx)) + "]" if idx else ""
            out.append(["node", pic.names[i], op, expr, shape_of(v), element, float(v[idx]),
                        None if g is None else float(np.asarray(g)[idx]), None, None, None])
    for j, i, _ in edge_list(pic):
        e = pic.edges.get((i, j))
        out.append(["edge", None, None, None, None if led is None else shape_of(led.values[j]),
                    None, None, None, pic.names[j], pic.names[i],
                    None if e is None else rule_names(e)])
    return out


def plain(r: Result, o: Options) -> list[str]:
    """`node t1 matmul W @ x shape=(2,) value=[3, 7] grad=[5, 11]`, `edge W -> t1 ...`."""
    pic: ArrayPicture = r.value
    digits = o.digits
    led = pic.ledger
    tape = pic.tape
    lines = []
    for i, op in enumerate(tape.ops):
        row = f"node {pic.names[i]} {op}"
        if op not in (VAR, CONST):
            row += f" {pic.exprs[i]}"
        if led is not None:
            row += f" shape={pic.shape(i)} value={inline(led.values[i], digits)}"
            g = None if op == CONST else led.adjoints[i]
            if g is not None:
                row += f" grad={inline(g, digits)}"
        lines.append(row)
    for j, i, _ in edge_list(pic):
        row = f"edge {pic.names[j]} -> {pic.names[i]}"
        if led is not None:
            row += f" shape={shape_of(led.values[j])}"
            e = pic.edges.get((i, j))
            if e is not None:
                row += f" vjp=∂{pic.output}/∂{pic.names[j]} = {rule_names(e)}"
        lines.append(row)
    if led is not None:
        lines.extend(f"note: {n}" for n in led.notes)
    return lines


# ---------------------------------------------------------------- the drawing

def table(r: Result, o: Options) -> str:
    """The tree from the output down (as gradcli/render/graph_tree.py draws it), a node
    used twice drawn once and referenced after; each row's edge is the one to its parent."""
    from rich import box
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    pic: ArrayPicture = r.value
    digits = _digits(o)
    max_rows = int(r.extra.get("max_rows", 60))
    tape = pic.tape
    numbers = pic.ledger is not None
    t = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("node", no_wrap=True)
    t.add_column("op", style="dim" if o.color else None)
    if numbers:
        t.add_column("shape", no_wrap=True)
        t.add_column("value", justify="right")
        t.add_column(f"∂{pic.output}/∂node", justify="right",
                     style="magenta" if o.color else None)
        t.add_column("edge: shape, vjp", style="yellow" if o.color else None)
    drawn = [False] * len(tape)
    count = cut = 0
    stack: list[tuple[int, int, str, str]] = [(out, -1, "", "") for out in
                                              reversed(tape.outputs)]
    while stack:
        v, parent, prefix, conn = stack.pop()
        if count >= max_rows:
            cut = len(tape) - sum(drawn)
            break
        count += 1
        edge = pic.edge(parent, v, short=True) if parent >= 0 else ""
        op = tape.ops[v]
        if drawn[v] and op != CONST:
            cells: list[Text | str] = [Text(f"{prefix}{conn}↑ {pic.names[v]} (see above)",
                                            style="dim"), ""]
            if numbers:
                cells += ["", "", "", edge]
            t.add_row(*cells)
            continue
        drawn[v] = True
        kind = "input" if op == VAR else "const" if op == CONST else op
        cells = [Text(f"{prefix}{conn}{pic.label(v)}"), kind]
        if numbers:
            cells += [pic.shape(v), "" if op == CONST else pic.value(v, digits),
                      pic.grad(v, digits), edge]
        t.add_row(*cells)
        args = tape.args[v]
        child = prefix + ("" if parent < 0 else ("   " if conn.startswith("└") else "│  "))
        for k in range(len(args) - 1, -1, -1):
            stack.append((args[k], v, child, "└─ " if k == len(args) - 1 else "├─ "))
    # numbers are never cut: past the terminal's width the lines are longer instead
    natural = sum(max([cell_len(str(col.header)), *(cell_len(str(c)) for c in col.cells)]) + 3
                  for col in t.columns)
    console = Console(width=max(o.width or 100, natural), force_terminal=o.color,
                      no_color=not o.color,
                      color_system="standard" if o.color else None, highlight=False,
                      file=io.StringIO(), legacy_windows=False)
    with console.capture() as cap:
        console.print(Text(_title(pic), style="bold"))
        if not numbers:
            console.print("structure only: give every input a value (--x \"[1, 2]\" ...) for "
                          "shapes, values, gradients and each edge's vector-Jacobian product")
        console.print(t)
        if cut:  # below the table: a long line in it would widen the node column
            console.print(f"… {cut:,} more nodes (--max-rows draws more; --format dot has "
                          "every node)")
        if numbers:
            console.print(f"∂{pic.output}/∂node: the gradient, shaped like the node.  edge: "
                          "the shape along the edge to the node above, and its vector-Jacobian "
                          f"product: this node's part of ∂{pic.output}/∂node through that "
                          f"edge, g being ∂{pic.output}/∂(the node above).")
            for note in pic.ledger.notes if pic.ledger is not None else []:
                console.print(Text(f"note: {note}", style="yellow" if o.color else ""),
                              soft_wrap=True)
    return cap.get()
