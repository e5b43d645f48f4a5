"""The graph as a picture's data, and as DOT and Mermaid text.

`picture` gathers what every drawing shows: each node's name, operation,
value and gradient (∂output/∂node), and each edge's local partial
(∂node/∂input) from the operations table at the point.  `to_dot` and
`to_mermaid` write it as text that Graphviz and Mermaid render as-is;
`gradcli/draw.py` draws it in the terminal.  Without values the picture is the
structure only: names and operations, no numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcli.ops import local_partials
from gradcli.tape import CONST, VAR, Tape, expressions, needs_grad, node_names


@dataclass
class Picture:
    """A graph ready to draw; the numbers are None in a structure-only picture."""

    tape: Tape
    names: list[str]  # a short unique name per node
    ledger: list[str]  # `3*a`: each node's operation over its inputs' names
    output: str  # the name in ∂output/∂node
    env: dict[str, float] = field(default_factory=dict)
    values: list[float] | None = None
    grads: list[float | None] | None = None  # None where moot (constants)
    # per node, per argument: ∂node/∂argument, None where the argument is constant
    partials: list[tuple[float | None, ...]] | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_values(self) -> bool:
        return self.values is not None

    def label(self, i: int) -> str:
        """`a = x^2` for an operation, the name for a variable, the number for a constant."""
        op = self.tape.ops[i]
        return self.names[i] if op in (VAR, CONST) else f"{self.names[i]} = {self.ledger[i]}"

    def shows_value(self, i: int) -> bool:
        """Whether the value is worth a line: not for a constant written as its number."""
        if self.values is None:
            return False
        if self.tape.ops[i] != CONST:
            return True
        from gradcli.render import fmt

        return self.names[i] != fmt(self.values[i])

    def edge_name(self, node: int, arg: int) -> str:
        """`∂a/∂x`: the local partial on the edge from `arg` into `node`."""
        return f"∂{self.names[node]}/∂{self.names[arg]}"

    def grad_name(self, i: int) -> str:
        return f"∂{self.output}/∂{self.names[i]}"


def edge_partials(tape: Tape, vals: list[Any],
                   need: list[bool] | None = None) -> list[tuple[float | None, ...]]:
    """∂node/∂argument for every edge, from the operations table at the point.

    None for an argument that is a constant (its partial is moot, and may be
    undefined, like ∂(x^2)/∂2 at x < 0); nan where the rule itself is undefined.
    """
    need = needs_grad(tape) if need is None else need
    out: list[tuple[float | None, ...]] = []
    for i, op in enumerate(tape.ops):
        a = tape.args[i]
        if op in (VAR, CONST):
            out.append(())
            continue
        ps = [float(p) for p in local_partials(op, vals[i], [vals[j] for j in a])]
        out.append(tuple(p if need[j] else None for j, p in zip(a, ps, strict=True)))
    return out


def _names(tape: Tape) -> tuple[list[str], str]:
    """Node names, with an unnamed single output called f (when f is free)."""
    names = node_names(tape)
    out_node = tape.outputs[-1]
    if tape.labels[out_node] is None and "f" not in names:
        names[out_node] = "f"
    given = tape.output_names[-1] if tape.output_names else ""
    output = given if given.isidentifier() else names[out_node]
    if not output.isidentifier():
        output = "f"
    return names, output


def picture(tape: Tape, values: Mapping[str, float] | None) -> Picture:
    """The picture of `tape`; with values, its numbers at that point (else structure)."""
    names, output = _names(tape)
    pic = Picture(tape, names, expressions(tape, limit=40, names=names), output)
    if values is None:
        return pic
    from gradcli.pipeline import evaluate

    ev = evaluate(tape, values, check=False)
    need = needs_grad(tape)
    adj = ev.adjoints[-1]
    pic.env = dict(ev.env)
    pic.values = [float(v) for v in ev.values]
    pic.grads = [float(g) if need[i] else None for i, g in enumerate(adj)]
    pic.partials = edge_partials(tape, ev.values, need)
    pic.notes = [n.message for n in ev.notes]
    pic.warnings = list(ev.warnings)
    return pic


def num(v: float | None, digits: int | None) -> str:
    """A number on a picture: `digits` significant digits, 'undefined' for nan."""
    if v is None:
        return ""
    if v != v:
        return "undefined"
    from gradcli.render import fmt

    return fmt(v, digits)


def node_lines(pic: Picture, i: int, digits: int) -> list[str]:
    """The lines of a node's box: label, operation, value, gradient."""
    op = pic.tape.ops[i]
    lines = [pic.label(i)]
    if op not in (VAR, CONST):
        lines.append(op)
    if pic.values is not None and pic.shows_value(i):
        lines.append(f"value {num(pic.values[i], digits)}")
    if pic.grads is not None and pic.grads[i] is not None:
        lines.append(f"{pic.grad_name(i)} = {num(pic.grads[i], digits)}")
    return lines


def edges(pic: Picture, digits: int) -> list[tuple[int, int, str]]:
    """(argument, node, label) per edge; the label is the local partial, when known."""
    out = []
    for i, a in enumerate(pic.tape.args):
        for k, j in enumerate(a):
            label = ""
            if pic.partials is not None and pic.partials[i][k] is not None:
                label = f"{pic.edge_name(i, j)} = {num(pic.partials[i][k], digits)}"
            out.append((j, i, label))
    return out


# ---------------------------------------------------------------- Graphviz

def dot_quote(text: str) -> str:
    """A DOT double-quoted string: backslash, quote and newline escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(pic: Picture, digits: int = 4) -> str:
    """Graphviz DOT, inputs on the left, the output on the right (bold)."""
    tape = pic.tape
    outs = set(tape.outputs)
    lines = ["digraph gradcli {",
             "  graph [rankdir=LR, fontname=\"DejaVu Sans\", label=" + dot_quote(_title(pic))
             + ", labelloc=t];",
             "  node [fontname=\"DejaVu Sans\", fontsize=11];",
             "  edge [fontname=\"DejaVu Sans\", fontsize=10];"]
    for i, op in enumerate(tape.ops):
        # each line escaped on its own, joined by DOT's centred line break
        label = '"' + "\\n".join(dot_quote(s)[1:-1] for s in node_lines(pic, i, digits)) + '"'
        shape = "box" if op == VAR else "plaintext" if op == CONST else "ellipse"
        extra = ", penwidth=2.5" if i in outs else ""
        lines.append(f"  n{i} [shape={shape}, label={label}{extra}];")
    for j, i, label in edges(pic, digits):
        attr = f" [label={dot_quote(label)}]" if label else ""
        lines.append(f"  n{j} -> n{i}{attr};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _title(pic: Picture) -> str:
    if not pic.has_values:
        return f"{pic.output} (structure)"
    from gradcli.render import fmt

    point = ", ".join(f"{n} = {fmt(v)}" for n, v in pic.env.items())
    return f"{pic.output} at {point}" if point else pic.output


# ---------------------------------------------------------------- Mermaid

# Mermaid decodes `#code;` entities in labels; these characters would otherwise
# end a quoted label, open an entity, start HTML or close an edge label.
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "|": "#124;",
                    "&": "#amp;", "`": "#96;"}


def mermaid_escape(text: str) -> str:
    """Label text safe inside Mermaid's double quotes."""
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in text)


def to_mermaid(pic: Picture, digits: int = 4) -> str:
    """A Mermaid flowchart: variables boxed, constants rounded, the output doubled."""
    tape = pic.tape
    outs = set(tape.outputs)
    lines = ["flowchart LR"]
    for i, op in enumerate(tape.ops):
        label = "<br/>".join(mermaid_escape(s) for s in node_lines(pic, i, digits))
        if i in outs:
            lines.append(f'  n{i}[["{label}"]]')
        elif op == CONST:
            lines.append(f'  n{i}("{label}")')
        elif op == VAR:
            lines.append(f'  n{i}["{label}"]')
        else:
            lines.append(f'  n{i}(["{label}"])')
    for j, i, label in edges(pic, digits):
        if label:
            lines.append(f'  n{j} -->|"{mermaid_escape(label)}"| n{i}')
        else:
            lines.append(f"  n{j} --> n{i}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JSON, plain

def to_data(pic: Picture) -> dict[str, Any]:
    """The JSON document: nodes with value and gradient, edges with local partials."""
    from gradcli.render import jnum

    tape = pic.tape
    nodes = []
    for i, op in enumerate(tape.ops):
        nodes.append({"id": i, "name": pic.names[i], "op": op,
                      "expression": "" if op in (VAR, CONST) else pic.ledger[i],
                      "inputs": [pic.names[a] for a in tape.args[i]],
                      "value": jnum(pic.values[i]) if pic.values is not None else None,
                      "grad": jnum(pic.grads[i]) if pic.grads is not None else None})
    edge_rows = []
    for i, a in enumerate(tape.args):
        for k, j in enumerate(a):
            p = pic.partials[i][k] if pic.partials is not None else None
            edge_rows.append({"from": pic.names[j], "to": pic.names[i], "partial": jnum(p)})
    return {"expression": tape.text, "output": pic.output,
            "variables": {n: jnum(v) for n, v in pic.env.items()},
            "nodes": nodes, "edges": edge_rows, "notes": list(pic.notes)}


def to_plain(pic: Picture, digits: int | None = None) -> str:
    """`node a pow value 4 grad 0.07` and `edge x -> a 4` lines: greppable."""
    tape = pic.tape
    lines = []
    for i, op in enumerate(tape.ops):
        row = f"node {pic.names[i]} {op}"
        if op not in (VAR, CONST):
            row += f" {pic.ledger[i]}"
        if pic.values is not None:
            row += f" value={num(pic.values[i], digits)}"
        if pic.grads is not None and pic.grads[i] is not None:
            row += f" grad={num(pic.grads[i], digits)}"
        lines.append(row)
    for i, a in enumerate(tape.args):
        for k, j in enumerate(a):
            row = f"edge {pic.names[j]} -> {pic.names[i]}"
            p = pic.partials[i][k] if pic.partials is not None else None
            if p is not None:
                row += f" partial={num(p, digits)}"
            lines.append(row)
    lines.extend(f"note: {n}" for n in pic.notes)
    return "\n".join(lines) + "\n"


ROW_COLUMNS = ["kind", "name", "op", "expression", "value", "grad", "from", "to", "partial"]


def to_rows(pic: Picture, sep: str) -> str:
    """csv/tsv: a row per node (kind=node), then a row per edge (kind=edge)."""
    import csv
    import io

    from gradcli.render import fmt

    data = to_data(pic)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ROW_COLUMNS, delimiter=sep, lineterminator="\n", restval="")
    writer.writeheader()
    for n in data["nodes"]:
        writer.writerow({"kind": "node", "name": n["name"], "op": n["op"],
                         "expression": n["expression"], "value": fmt(n["value"]),
                         "grad": fmt(n["grad"])})
    for e in data["edges"]:
        writer.writerow({"kind": "edge", "from": e["from"], "to": e["to"],
                         "partial": fmt(e["partial"])})
    return buf.getvalue()
