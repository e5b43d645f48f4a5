"""The computational graph drawn in the terminal with Rich, no other software.

The drawing is a tree from the output down to the inputs (the way the reverse
sweep walks it) in a table whose columns line the numbers up: each node's
operation, value and gradient, and on each row the local partial of the edge
that leads to it.  A node used twice is drawn once, where it is nearest the
output, and referenced elsewhere ("↑ x (see above)"), so fan-out stays visible
and the drawing stays linear in the graph.  A graph too big to read is
summarised: its size, depth and operations, its top levels, and its inputs.

Everything here is loops over the tape; nothing recurses.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from gradcli.graphtext import Picture, num
from gradcli.render import fmt
from gradcli.render.groups import call_lines
from gradcli.tape import CONST, VAR

MAX_ROWS = 60  # rows in a drawing before it is summarised
INDENT = 3  # characters per level of the tree
FANOUT_LINES = 8  # fan-out sums shown under a drawing
TOP_INPUTS = 10  # inputs listed under a summary
MAX_TITLE_VALUES = 8  # input values named in the title
MIN_LABEL = 16  # characters of a label that must fit beside its guides
MIN_TREE = 16  # the narrowest tree column


@dataclass
class _Row:
    tree: str  # guides and label
    op: str = ""
    value: str = ""
    grad: str = ""
    edge: str = ""
    kind: str = "node"  # node, ref, more
    guide: int = 0  # characters of tree guides before the label


def levels(pic: Picture) -> list[int]:
    """Each node's distance from the nearest output (breadth-first, no recursion)."""
    tape = pic.tape
    level = [-1] * len(tape)
    frontier = []
    for o in tape.outputs:
        if level[o] < 0:
            level[o] = 0
            frontier.append(o)
    depth = 0
    while frontier:
        depth += 1
        nxt = []
        for v in frontier:
            for a in tape.args[v]:
                if level[a] < 0:
                    level[a] = depth
                    nxt.append(a)
        frontier = nxt
    return level


def longest_path(pic: Picture) -> int:
    """Edges on the longest path from an input to an output."""
    tape = pic.tape
    depth = [0] * len(tape)
    for i, a in enumerate(tape.args):
        if a:
            depth[i] = 1 + max(depth[j] for j in a)
    return max((depth[o] for o in tape.outputs), default=0)


def users(pic: Picture) -> list[list[int]]:
    """The nodes each node feeds, once per use (x*x lists its user twice)."""
    out: list[list[int]] = [[] for _ in pic.tape.ops]
    for i, a in enumerate(pic.tape.args):
        for j in a:
            out[j].append(i)
    return out


def _row_counts(pic: Picture, level: list[int]) -> list[int]:
    """Rows of the drawing when levels 0..d-1 are expanded, for every d (index d)."""
    tape = pic.tape
    deepest = max(level)
    args_at = [0] * (deepest + 2)  # edges out of the nodes of each level
    folded_at = [0] * (deepest + 2)  # nodes with inputs at each level
    for v, lv in enumerate(level):
        if lv >= 0 and tape.args[v]:
            args_at[lv] += len(tape.args[v])
            folded_at[lv] += 1
    counts = [0] * (deepest + 2)
    expanded = len(tape.outputs)
    for d in range(deepest + 2):
        counts[d] = expanded + folded_at[d]  # level d folded: one "… below" line each
        expanded += args_at[d]
    return counts


def _layout(pic: Picture, digits: int, max_rows: int, room: int) -> tuple[list[_Row], bool]:
    """The rows of the deepest drawing that fits `max_rows` rows and `room` columns.

    Levels are added one at a time while the drawing still fits: every row's
    guides plus the start of its label within the tree column's width.
    """
    level = levels(pic)
    used_by = users(pic)
    counts = _row_counts(pic, level)
    deepest = max(level)
    best: tuple[list[_Row], int] | None = None
    for d in range(1, deepest + 2):
        if counts[d] > max_rows:
            break
        rows = _rows(pic, digits, d, level, used_by, max_rows)
        if best is not None and any(r.guide + min(len(r.tree) - r.guide, MIN_LABEL) > room
                                    for r in rows):
            break
        best = (rows, d)
    if best is None:  # even the output's own inputs are too many: cut the rows
        rows = _rows(pic, digits, 1, level, used_by, max_rows)
        return rows, True
    rows, d = best
    return rows, d <= deepest or any(r.tree == "…" for r in rows)


def _rows(pic: Picture, digits: int, cut: int, level: list[int], used_by: list[list[int]],
          max_rows: int) -> list[_Row]:
    """The drawing's rows in tree order, levels below `cut` folded away."""
    tape = pic.tape
    drawn = [False] * len(tape)
    rows: list[_Row] = []
    # (node, parent or -1, argument index, depth, prefix for children, connector)
    stack: list[tuple[int, int, int, int, str, str]] = [
        (o, -1, 0, 0, "", "") for o in reversed(tape.outputs)]
    while stack:
        v, parent, k, depth, prefix, conn = stack.pop()
        if len(rows) >= max_rows:
            rows.append(_Row("…", kind="more"))
            break
        edge = ""
        if parent >= 0 and pic.partials is not None:
            p = pic.partials[parent][k]
            if p is not None:
                edge = f"{pic.edge_name(parent, v)} = {num(p, digits)}"
        op = tape.ops[v]
        if op != CONST and (drawn[v] or level[v] != depth):
            where = "above" if drawn[v] else "below"
            rows.append(_Row(f"{prefix}{conn}{_arrow(where)} {pic.names[v]} (see {where})",
                             edge=edge, kind="ref", guide=len(prefix + conn)))
            continue
        drawn[v] = True
        label = pic.label(v)
        if op != CONST and len(used_by[v]) > 1:
            label += "  " + _feeds(pic, used_by[v])
        row = _Row(f"{prefix}{conn}{label}", "" if op in (VAR, CONST) else op, edge=edge,
                   guide=len(prefix + conn))
        if op == VAR:
            row.op = "input"
        elif op == CONST:
            row.op = "const"
        if pic.values is not None and pic.shows_value(v):
            row.value = num(pic.values[v], digits)
        if pic.grads is not None and pic.grads[v] is not None:
            row.grad = num(pic.grads[v], digits)
        rows.append(row)
        args = tape.args[v]
        if not args:
            continue
        child_prefix = prefix + ("" if parent < 0 else ("   " if conn.startswith("└")
                                                         else "│  "))
        if depth + 1 > cut:
            n = len(args)
            rows.append(_Row(f"{child_prefix}└─ … {n} input{'s' if n > 1 else ''} below",
                             kind="more", guide=len(child_prefix) + 3))
            continue
        for idx in range(len(args) - 1, -1, -1):
            last = idx == len(args) - 1
            stack.append((args[idx], v, idx, depth + 1, child_prefix,
                          "└─ " if last else "├─ "))
    return rows


def _feeds(pic: Picture, users_of: list[int]) -> str:
    """`(feeds a, c)`, or `(feeds 20,000 nodes)` when the list would not fit."""
    if len(users_of) > 4:
        return f"(feeds {len(users_of):,} nodes)"
    return "(feeds " + ", ".join(pic.names[u] for u in users_of) + ")"


def _arrow(where: str) -> str:
    return "↑" if where == "above" else "↓"


def fanout_sums(pic: Picture, digits: int, limit: int = FANOUT_LINES) -> list[str]:
    """For nodes used more than once: the gradient as the sum over their uses."""
    if pic.grads is None or pic.partials is None:
        return []
    tape = pic.tape
    used_by = users(pic)
    lines = []
    # inputs first (what people ask about), then the rest in forward order
    order = [i for i, op in enumerate(tape.ops) if op == VAR] + \
        [i for i, op in enumerate(tape.ops) if op not in (VAR, CONST)]
    for i in order:
        if len(used_by[i]) < 2 or pic.grads[i] is None:
            continue
        names, numbers = [], []
        seen: Counter[int] = Counter()
        for u in used_by[i]:
            k = [kk for kk, a in enumerate(tape.args[u]) if a == i][seen[u]]
            seen[u] += 1
            names.append(f"{pic.grad_name(u)}·{pic.edge_name(u, i)}")
            numbers.append(f"{_paren(num(pic.grads[u], digits))}·"
                           f"{_paren(num(pic.partials[u][k], digits))}")
        lines.append(f"{pic.grad_name(i)} = {' + '.join(names)} = {' + '.join(numbers)} "
                     f"= {num(pic.grads[i], digits)}")
        if len(lines) == limit:
            break
    return lines


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def summary_lines(pic: Picture) -> list[str]:
    """Size, depth and operations of the graph, for one that is summarised."""
    tape = pic.tape
    n_edges = sum(len(a) for a in tape.args)
    counts = Counter(tape.ops)
    ops = ", ".join(f"{op} {n:,}" for op, n in counts.most_common())
    return [f"{len(tape):,} nodes, {n_edges:,} edges, longest path {longest_path(pic):,} "
            f"edges, {len(tape.variables):,} input{'s' if len(tape.variables) != 1 else ''}",
            f"operations: {ops}"]


def top_inputs(pic: Picture, digits: int, limit: int = TOP_INPUTS) -> list[str]:
    """The inputs with the largest |gradient| first (or in order, without values)."""
    tape = pic.tape
    items = list(tape.variables.items())
    if pic.grads is not None:
        grads = pic.grads
        items.sort(key=lambda kv: -abs(grads[kv[1]] or 0.0))
    lines = []
    for name, i in items[:limit]:
        if pic.values is None or pic.grads is None:
            lines.append(name)
        else:
            lines.append(f"{name} = {num(pic.values[i], digits)}   "
                         f"{pic.grad_name(i)} = {num(pic.grads[i], digits)}")
    if len(items) > limit:
        lines.append(f"… {len(items) - limit:,} more")
    return lines


def title(pic: Picture) -> str:
    """`z = log(3*x^2 + 5*x*y) at x = 2, y = 3`."""
    tape = pic.tape
    given = tape.output_names[-1] if tape.output_names else ""
    head = pic.output if given.isidentifier() else f"{pic.output} = {given}"
    if len(tape.outputs) > 1:
        head = ", ".join(tape.output_names)
    shown = list(pic.env.items())
    point = ", ".join(f"{n} = {fmt(v)}" for n, v in shown[:MAX_TITLE_VALUES])
    if len(shown) > MAX_TITLE_VALUES:
        point += f", … ({len(shown)} inputs)"
    return head + (f"   at {point}" if point else "")


def draw(pic: Picture, digits: int = 4, width: int | None = None, color: bool = False,
         max_rows: int = MAX_ROWS) -> str:
    """The terminal drawing (or summary) of a picture, as one string."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    width = width or 100
    # (key, header, right-justified, colour)
    columns = [("op", "op", False, "dim")]
    if pic.has_values:
        columns += [("value", "value", True, ""),
                    ("grad", f"∂{pic.output}/∂node", True, "magenta"),
                    ("edge", "edge partial", False, "yellow")]
    widest = _widest(pic, digits)
    # Numbers are never cut.  The tree column gets what the other columns leave;
    # in a narrow terminal the edge column, then the op column, give way, and as
    # a last resort the lines are longer than the terminal rather than cut.
    dropped: list[str] = []
    for key in ("edge", "op"):
        if _need(columns, widest) + MIN_TREE <= width or len(columns) < 2:
            break
        columns = [c for c in columns if c[0] != key]
        dropped.append(key)
    width = max(width, _need(columns, widest) + MIN_TREE)
    console = Console(width=width, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      file=io.StringIO(), legacy_windows=False)
    numbers = pic.has_values
    room = width - _need(columns, widest)
    rows, truncated = _layout(pic, digits, max_rows, room)
    # each column beyond the first: its widest cell, padding either side, a divider
    used = sum(max(len(header), *(len(getattr(r, key)) for r in rows)) + 3
               for key, header, _, _ in columns)
    room = max(MIN_TREE, width - used)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("node", no_wrap=True)
    for _key, header, right, style in columns:
        table.add_column(header, justify="right" if right else "left", no_wrap=True,
                         style=style if color and style else None)
    for r in rows:
        style = "dim" if r.kind != "node" else ""
        tree = r.tree if len(r.tree) <= room else r.tree[: room - 1] + "…"
        cells: list[Text | str] = [Text(tree, style=style)]
        cells += [getattr(r, key) for key, _, _, _ in columns]
        table.add_row(*cells)
    with console.capture() as cap:
        console.print(Text(title(pic), style="bold"))
        if truncated:
            for line in summary_lines(pic):
                console.print(line)
            console.print(Text(f"Too big to draw whole here: the top {_shown(rows)} nodes "
                               "(a wider terminal or --max-rows draws more; --format dot "
                               "has every node).",
                               style="yellow" if color else ""))
        elif not numbers:
            console.print("structure only: give every input a value (--x 2 ...) for values, "
                          "gradients and edge partials")
        console.print(table)
        if dropped:
            what = " and ".join({"edge": "edge partials", "op": "operations"}[k]
                                for k in dropped)
            console.print(f"(too narrow for {what}: a wider terminal or --format plain "
                          "shows them)")
        if truncated and len(pic.tape.variables) > 0:
            console.print(Text("inputs" + (" (largest gradient first)" if numbers else ""),
                               style="bold"))
            for line in top_inputs(pic, digits):
                console.print("  " + line, soft_wrap=True)
        if numbers and not truncated and pic.tape.variables:
            console.print(f"∂{pic.output}/∂node: the gradient, from the reverse sweep.")
            console.print("edge partial: ∂(the node above)/∂(this node), from the operations "
                          "table.")
            fan = fanout_sums(pic, digits)
            if fan:
                console.print("A node used more than once adds up the paths through each use:")
                for line in fan:
                    console.print("  " + line, soft_wrap=True)
        calls = call_lines(pic.tape, pic.names)  # a function call groups its nodes
        if calls:
            console.print("Function calls (each call's nodes, inner calls inside outer ones):")
            for line in calls:
                console.print("  " + line, soft_wrap=True)
        for note in pic.notes:
            console.print(Text(f"note: {note}", style="yellow" if color else ""), soft_wrap=True)
    return cap.get()


def _widest(pic: Picture, digits: int) -> dict[str, int]:
    """The widest cell each non-tree column can have, over every node."""
    tape = pic.tape
    widest = {"op": max(len(op) for op in [*tape.ops, "input", "const"])}
    if pic.values is not None and pic.grads is not None and pic.partials is not None:
        widest["value"] = max(len(num(v, digits)) for v in pic.values)
        widest["grad"] = max(len(num(g, digits)) for g in pic.grads)
        edges = [len(pic.edge_name(i, j)) + 3 + len(num(p, digits))
                 for i, ps in enumerate(pic.partials)
                 for j, p in zip(tape.args[i], ps, strict=True) if p is not None]
        widest["edge"] = max(edges, default=0)
    return widest


def _need(columns: list[tuple[str, str, bool, str]], widest: dict[str, int]) -> int:
    """Characters the non-tree columns take: cell, padding either side, a divider."""
    return sum(max(len(header), widest[key]) + 3 for key, header, _, _ in columns)


def _shown(rows: list[_Row]) -> int:
    return sum(r.kind == "node" for r in rows)
