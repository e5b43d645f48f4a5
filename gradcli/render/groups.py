"""Function calls as named groups of nodes, for the pictures (DOT clusters, Mermaid
subgraphs, the plain lines).

A call's nodes are its body as instantiated (gradcli/definitions.py keeps them on the
tape).  Groups nest when one call's nodes hold another's (g(x) = sin(f(x))); a node
shared by two calls that do not nest is drawn in the smaller.  A constant joins a
group when every node that uses it is in that group.  Loops only, no recursion.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcli.tape import CONST, Tape


@dataclass
class Group:
    """One call: its label, the group it sits in (or None), the nodes drawn in it."""

    label: str
    parent: int | None
    nodes: list[int]


def groups(tape: Tape) -> list[Group]:
    """The calls of a program as a forest of groups, outer ones first."""
    seen: set[tuple[str, int]] = set()
    sets: list[tuple[str, frozenset[int]]] = []
    for c in tape.calls:
        if (c.label, c.result) not in seen and c.nodes:
            seen.add((c.label, c.result))
            sets.append((c.label, frozenset(c.nodes)))
    if not sets:
        return []
    # outer first: bigger sets, then earlier calls; an equal set nests in the first one
    order = sorted(range(len(sets)), key=lambda k: (-len(sets[k][1]), k))
    rank = {k: r for r, k in enumerate(order)}
    parent: list[int | None] = [None] * len(sets)
    for k in order:
        inside = [j for j in order if rank[j] < rank[k] and sets[k][1] <= sets[j][1]]
        if inside:
            parent[k] = min(inside, key=lambda j: (len(sets[j][1]), -rank[j]))
    home: dict[int, int] = {}  # node -> its smallest group
    for k in reversed(order):
        for n in sets[k][1]:
            home.setdefault(n, k)
    users: dict[int, set[int]] = {}
    for i, a in enumerate(tape.args):
        for j in a:
            if tape.ops[j] == CONST:
                users.setdefault(j, set()).add(i)
    for j, us in users.items():
        homes = {home.get(u, -1) for u in us}
        only = homes.pop()
        if not homes and only >= 0:
            home[j] = only
    out = [Group(sets[k][0], None, []) for k in order]
    for k in order:
        p = parent[k]
        out[rank[k]].parent = None if p is None else rank[p]
    for n in sorted(home):
        out[rank[home[n]]].nodes.append(n)
    return out


def layout(n: int, found: list[Group]) -> list[tuple[str, int]]:
    """("node", i), ("open", g), ("close", g) events: every node once, groups nested."""
    placed = {i for g in found for i in g.nodes}
    events = [("node", i) for i in range(n) if i not in placed]
    children: list[list[int]] = [[] for _ in found]
    roots: list[int] = []
    for k, g in enumerate(found):
        (roots if g.parent is None else children[g.parent]).append(k)
    stack = [(k, False) for k in reversed(roots)]
    while stack:
        k, done = stack.pop()
        if done:
            events.append(("close", k))
            continue
        events.append(("open", k))
        events.extend(("node", i) for i in found[k].nodes)
        stack.append((k, True))
        stack.extend((c, False) for c in reversed(children[k]))
    return events


def call_lines(tape: Tape, names: list[str]) -> list[str]:
    """`f(x) in g(x): t1 f(x)`: each call, where it sits, and the nodes drawn in it."""
    found = groups(tape)
    return [f"{g.label}{'' if g.parent is None else ' in ' + found[g.parent].label}: "
            + " ".join(names[i] for i in g.nodes) for g in found]
