"""How `gradcli graph` prints: the drawing (render/graph_tree.py), DOT, Mermaid, JSON, rows.

r.value is a Picture (gradcli/graphtext.py: the graph with its numbers);
r.extra["max_rows"] bounds the terminal drawing.
"""

from __future__ import annotations

from typing import Any

from gradcli.graphtext import Picture, num
from gradcli.render import Options, Result, fmt, jnum
from gradcli.render.groups import call_lines, groups, layout
from gradcli.tape import CONST, VAR

FORMATS = ("dot", "mermaid")  # besides the shared ones (table is the drawing here)
DIGITS = 4  # a picture is for reading: 4 significant digits unless asked


def data(r: Result, o: Options) -> dict[str, Any]:
    return to_data(r.value)


def rows(r: Result, o: Options) -> list[list[Any]]:
    return to_rows(r.value)


def plain(r: Result, o: Options) -> list[str]:
    return to_plain(r.value, o.digits)


def table(r: Result, o: Options) -> str:
    from gradcli.render.graph_tree import draw

    return draw(r.value, o.digits or DIGITS, o.width, o.color, r.extra["max_rows"])


def dot(r: Result, o: Options) -> str:
    return to_dot(r.value, o.digits or DIGITS)


def mermaid(r: Result, o: Options) -> str:
    return to_mermaid(r.value, o.digits or DIGITS)


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


def dot_head(title: str) -> list[str]:
    """A DOT graph's opening lines (left to right, the title on top); also the arrays'."""
    return ["digraph gradcli {",
            "  graph [rankdir=LR, fontname=\"DejaVu Sans\", label=" + dot_quote(title)
            + ", labelloc=t];",
            "  node [fontname=\"DejaVu Sans\", fontsize=11];",
            "  edge [fontname=\"DejaVu Sans\", fontsize=10];"]


def dot_node(i: int, op: str, text: list[str], output: bool) -> str:
    """Node i: variables boxed, constants plain, the output bold; each line of `text`
    escaped on its own, joined by DOT's centred line break."""
    label = '"' + "\\n".join(dot_quote(s)[1:-1] for s in text) + '"'
    shape = "box" if op == VAR else "plaintext" if op == CONST else "ellipse"
    extra = ", penwidth=2.5" if output else ""
    return f"n{i} [shape={shape}, label={label}{extra}];"


def dot_edge(j: int, i: int, label: str) -> str:
    attr = f" [label={dot_quote(label)}]" if label else ""
    return f"  n{j} -> n{i}{attr};"


def to_dot(pic: Picture, digits: int = 4) -> str:
    """Graphviz DOT, inputs on the left, the output on the right (bold)."""
    tape = pic.tape
    outs = set(tape.outputs)
    lines = dot_head(_title(pic))
    found = groups(tape)  # a function call: a cluster named after the call
    depth = 1
    for event, i in layout(len(tape), found):
        pad = "  " * depth
        if event == "open":
            lines.append(f"{pad}subgraph cluster_call{i} {{")
            lines.append(f"{pad}  label={dot_quote(found[i].label)}; style=rounded; "
                         "color=gray50; fontcolor=gray30;")
            depth += 1
            continue
        if event == "close":
            depth -= 1
            lines.append("  " * depth + "}")
            continue
        lines.append(pad + dot_node(i, tape.ops[i], node_lines(pic, i, digits), i in outs))
    lines += [dot_edge(j, i, label) for j, i, label in edges(pic, digits)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _title(pic: Picture) -> str:
    if not pic.has_values:
        return f"{pic.output} (structure)"
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


def mermaid_node(i: int, op: str, text: list[str], output: bool) -> str:
    """Node i: variables boxed, constants rounded, operations as stadiums, the output
    doubled; also the arrays'."""
    label = "<br/>".join(mermaid_escape(s) for s in text)
    if output:
        return f'n{i}[["{label}"]]'
    if op == CONST:
        return f'n{i}("{label}")'
    return f'n{i}["{label}"]' if op == VAR else f'n{i}(["{label}"])'


def mermaid_edge(j: int, i: int, label: str) -> str:
    if label:
        return f'  n{j} -->|"{mermaid_escape(label)}"| n{i}'
    return f"  n{j} --> n{i}"


def to_mermaid(pic: Picture, digits: int = 4) -> str:
    """A Mermaid flowchart: variables boxed, constants rounded, the output doubled."""
    tape = pic.tape
    outs = set(tape.outputs)
    lines = ["flowchart LR"]
    found = groups(tape)  # a function call: a subgraph named after the call
    depth = 1
    for event, i in layout(len(tape), found):
        pad = "  " * depth
        if event == "open":
            lines.append(f'{pad}subgraph call{i} ["{mermaid_escape(found[i].label)}"]')
            depth += 1
            continue
        if event == "close":
            depth -= 1
            lines.append("  " * depth + "end")
            continue
        lines.append(pad + mermaid_node(i, tape.ops[i], node_lines(pic, i, digits), i in outs))
    lines += [mermaid_edge(j, i, label) for j, i, label in edges(pic, digits)]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JSON, plain

def to_data(pic: Picture) -> dict[str, Any]:
    """The JSON document: nodes with value and gradient, edges with local partials."""
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
    found = groups(tape)
    calls = [{"call": g.label, "nodes": [pic.names[i] for i in g.nodes],
              "within": None if g.parent is None else found[g.parent].label} for g in found]
    return {"expression": tape.text, "output": pic.output,
            "variables": {n: jnum(v) for n, v in pic.env.items()},
            "nodes": nodes, "edges": edge_rows, "calls": calls, "notes": list(pic.notes)}


def to_plain(pic: Picture, digits: int | None = None) -> list[str]:
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
    lines.extend(f"call {c}" for c in call_lines(tape, pic.names))  # a call's group
    lines.extend(f"note: {n}" for n in pic.notes)
    return lines


ROW_COLUMNS = ["kind", "name", "op", "expression", "value", "grad", "from", "to", "partial"]


def to_rows(pic: Picture) -> list[list[Any]]:
    """csv/tsv: a row per node (kind=node), then a row per edge (kind=edge)."""
    data = to_data(pic)
    out: list[list[Any]] = [ROW_COLUMNS]
    for n in data["nodes"]:
        out.append(["node", n["name"], n["op"], n["expression"], n["value"], n["grad"],
                    None, None, None])
    for e in data["edges"]:
        out.append(["edge", None, None, None, None, None, e["from"], e["to"], e["partial"]])
    return out
