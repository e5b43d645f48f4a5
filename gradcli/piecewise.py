"""Derivatives of abs, max and min as a textbook writes them: one formula per piece.

`diff "max(x^2, 2x)"` is `2*x if x^2 > 2*x; 2 if x^2 < 2*x`: each way the switches
can go (which argument of a max or min is the extreme, the sign of an abs's argument)
is a *branch*, the expression with every switch replaced by what it is there, and the
branch's derivative holds where its conditions do (strict inequalities).  On a tie or
kink (`x^2 = 2*x`) no piece claims the point: the derivative exists there only where
the pieces agree, and the table says so.  When every branch gives the same formula it
is printed alone: the switch does not matter to that partial.

The text reads back: `read_answer` turns `A if u > v; B if u < v` into the tape
A*step(u - v) + B*step(v - u) through gradcli's own grammar, so `check` takes it as an
answer (it skips kinks of F, where only the pieces' conditions could differ).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from gradcli.errors import GradcliError, InputError
from gradcli.tape import CONST, VAR, Tape, reaches

SWITCHES = ("abs", "max", "min")
MAX_BRANCHES = 16  # past this the pieces are no easier to read than one formula


@dataclass
class Piece:
    """One branch: its formula and the conditions (lhs, '>' or '<', rhs) it holds under."""

    formula: str
    where: list[tuple[str, str, str]]
    tape: Tape | None = None  # the formula's tape (for LaTeX)


@dataclass
class Piecewise:
    """A derivative written piece by piece, and the ties where no piece applies."""

    pieces: list[Piece]
    ties: list[str] = field(default_factory=list)  # "x^2 = 2*x"

    def text(self) -> str:
        """`2*x if x^2 > 2*x; 2 if x^2 < 2*x`: gradcli's syntax, read back by check."""
        if len(self.pieces) == 1 and not self.pieces[0].where:
            return self.pieces[0].formula
        return "; ".join(f"{p.formula} if " + " and ".join(f"{a} {op} {b}" for a, op, b in p.where)
                         for p in self.pieces)



def switches(tape: Tape, output: int, wrt: Collection[str]) -> list[int]:
    """The abs/max/min nodes on a path from a variable of `wrt` to `output` (a switch that
    does not depend on them is a value to those partials: abs(y) in d/dx abs(x)*abs(y))."""
    need = [False] * len(tape)
    for i, op in enumerate(tape.ops):
        need[i] = (tape.labels[i] in wrt) if op == VAR else \
            any(need[a] for a in tape.args[i])
    live = reaches(tape, [output])
    return [i for i, op in enumerate(tape.ops) if op in SWITCHES and need[i] and live[i]]


def _branch(tape: Tape, output: int, choice: dict[int, int]) -> tuple[Tape, dict[int, int]]:
    """The tape with each switch replaced by its chosen argument (abs: ± its argument)."""
    out = Tape(text=tape.text)
    new: dict[int, int] = {}
    for i, op in enumerate(tape.ops):
        if op == VAR:
            new[i] = out.var(tape.labels[i] or "")
        elif op == CONST:
            new[i] = out.const(tape.consts[i], tape.labels[i])
        elif i in choice:
            a = tape.args[i]
            if op == "abs":
                new[i] = new[a[0]] if choice[i] > 0 else out.apply("neg", (new[a[0]],))
            else:
                new[i] = new[a[choice[i]]]
        else:
            new[i] = out.apply(op, tuple(new[j] for j in tape.args[i]))
    out.outputs = [new[output]]
    out.output_names = ["f"]
    out.variables = {v: out.variables[v] for v in tape.variables if v in out.variables}
    return out, new


def _texts(tape: Tape, nodes: list[int]) -> list[str]:
    """Sub-expressions of `tape`, each simplified and printed."""
    from gradcli.simplify import formulas, simplify

    t = Tape(text=tape.text, ops=tape.ops, args=tape.args, consts=tape.consts,
             labels=[lab if op in (VAR, CONST) else None for lab, op in
                     zip(tape.labels, tape.ops, strict=True)],
             pos=tape.pos, outputs=list(nodes), output_names=["c"] * len(nodes),
             variables=dict(tape.variables))
    return formulas(simplify(t))


def _conditions(tape: Tape, branch: Tape, new: dict[int, int],
                choice: dict[int, int]) -> list[tuple[str, str, str]] | None:
    """The branch's conditions, printed; None when one of them can never hold."""
    pairs: list[tuple[int, str, int | None]] = []
    for s, c in choice.items():
        op, a = tape.ops[s], tape.args[s]
        if op == "abs":
            pairs.append((new[a[0]], ">" if c > 0 else "<", None))
            continue
        mine = a[c]
        for other in dict.fromkeys(a):
            if other == mine:
                continue
            # in argument order: max(u, v) with v chosen reads u < v
            first, second = (mine, other) if a.index(other) > c else (other, mine)
            wins = ">" if op == "max" else "<"
            sign = wins if first == mine else ("<" if wins == ">" else ">")
            pairs.append((new[first], sign, new[second]))
    nodes = [n for lhs, _, rhs in pairs for n in (lhs, rhs if rhs is not None else lhs)]
    diffs = []
    for lhs, _, rhs in pairs:
        diffs.append(lhs if rhs is None else branch.apply("sub", (lhs, rhs)))
    from gradcli.forward import forward
    from gradcli.parser import parse

    texts = _texts(branch, nodes + diffs)
    out: list[tuple[str, str, str]] = []
    for k, (_, op, rhs) in enumerate(pairs):
        d = parse(texts[len(nodes) + k])
        if not d.variables:  # x + 1 > x: always (drop it), or never (drop the branch)
            value = float(forward(d, {})[d.outputs[-1]])
            if (value > 0) == (op == ">") and value != 0:
                continue
            return None
        out.append((texts[2 * k], op, "0" if rhs is None else texts[2 * k + 1]))
    return out


def piecewise(tape: Tape, specs: list[tuple[str, ...]], output: int,
              exact: bool) -> list[Piecewise | None]:
    """Each spec's derivative piece by piece; None for a spec no switch touches, or with
    too many ways for its switches to go (its formula stays as it is)."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for k, spec in enumerate(specs):
        groups.setdefault(tuple(switches(tape, output, spec)), []).append(k)
    result: list[Piecewise | None] = [None] * len(specs)
    for found, ks in groups.items():
        if found:
            done = _pieces(tape, [specs[k] for k in ks], output, exact, list(found))
            for k, pw in zip(ks, done or [None] * len(ks), strict=True):
                result[k] = pw
    return result


def _pieces(tape: Tape, specs: list[tuple[str, ...]], output: int, exact: bool,
            found: list[int]) -> list[Piecewise | None] | None:
    from gradcli.symbolic import nth_partials
    options = [(+1, -1) if tape.ops[s] == "abs" else
               tuple(tape.args[s].index(a) for a in dict.fromkeys(tape.args[s])) for s in found]
    count = 1
    for o in options:
        count *= len(o)
    if count > MAX_BRANCHES:
        return None
    per_spec: list[list[Piece]] = [[] for _ in specs]
    for combo in product(*options):
        choice = dict(zip(found, combo, strict=True))
        branch, new = _branch(tape, output, choice)
        where = _conditions(tape, branch, new, choice)
        if where is None:
            continue
        branch.outputs = [new[output]]
        for k, spec in enumerate(specs):
            if any(v not in branch.variables for v in spec):
                text, one = "0", None
            else:
                try:
                    one = nth_partials(branch, [spec], branch.outputs[0], exact)[0]
                except GradcliError:
                    return None
                from gradcli.simplify import formulas

                text = formulas(one)[0]
            per_spec[k].append(Piece(text, where, one))
    ties = _ties(tape, found)
    result: list[Piecewise | None] = []
    for pieces in per_spec:
        if not pieces or len({p.formula for p in pieces}) == 1:
            result.append(None if not pieces else Piecewise([Piece(pieces[0].formula, [],
                                                                   pieces[0].tape)]))
        else:
            result.append(Piecewise(pieces, ties))
    return result


def _ties(tape: Tape, found: list[int]) -> list[str]:
    """`u = v` for each pair of a max's (min's) arguments, `u = 0` for an abs."""
    pairs: list[tuple[int, int | None]] = []
    for s in found:
        a = list(dict.fromkeys(tape.args[s]))
        if tape.ops[s] == "abs":
            pairs.append((a[0], None))
        else:
            pairs.extend((a[i], a[j]) for i in range(len(a)) for j in range(i + 1, len(a)))
    nodes = [n for u, v in pairs for n in (u, u if v is None else v)]
    texts = _texts(tape, nodes)
    return [f"{texts[2 * k]} = {'0' if v is None else texts[2 * k + 1]}"
            for k, (_, v) in enumerate(pairs)]


# ---------------------------------------------------------------- reading it back

def is_piecewise(text: str) -> bool:
    """Does an answer look like `A if u > v; B if u < v`?"""
    return " if " in f" {text} "


def parse_answer(text: str, known: Collection[str] = ()) -> Tape:
    """An answer as a tape: piece by piece (`read_answer`), or one formula."""
    from gradcli.parser import parse

    return read_answer(text, known) if is_piecewise(text) else \
        parse(text, known=known)


Condition = tuple[Tape, str, Tape]


def read_pieces(text: str, known: Collection[str] = ()) -> list[tuple[list[Condition], Tape]]:
    """Each piece's conditions (lhs, '>' or '<', rhs) and formula, as tapes."""
    from gradcli.parser import parse

    out = []
    for body, conds in _split(text):
        out.append(([(parse(a, known=known), op, parse(b, known=known)) for a, op, b in conds],
                     parse(body, known=known)))
    return out


def choose(pieces: list[tuple[list[Condition], Tape]],
           value: Callable[[Tape], Any]) -> Tape | None:
    """The piece whose conditions hold at a point, `value` giving a tape's value there in
    some arithmetic; None when none holds, or when the point is too near a tie to say (a
    condition's sides agree to 1e-9)."""
    for conds, formula in pieces:
        holds = True
        for lhs, op, rhs in conds:
            a, b = value(lhs), value(rhs)
            if abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b)):
                return None
            if (a > b) != (op == ">"):
                holds = False
                break
        if holds:
            return formula
    return None


def _split(text: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """`A if u > v and …; B if …` -> [(A, [(u, '>', v), …]), …], or an InputError."""
    out = []
    for k, piece in enumerate(text.split(";"), start=1):
        body, sep, cond = piece.partition(" if ")
        if not sep or not body.strip() or not cond.strip():
            raise InputError(f"piece {k} of {text!r} is not 'formula if condition'",
                             hint="write e.g. 2*x if x^2 > 2*x; 2 if x^2 < 2*x")
        conds = []
        for c in cond.split(" and "):
            if c.count(">") + c.count("<") != 1 or "=" in c:
                raise InputError(f"condition {c.strip()!r} of piece {k}: write one strict "
                                 "comparison, u > v or u < v (ties belong to no piece)")
            lhs, op, rhs = c.partition(">") if ">" in c else c.partition("<")
            if not lhs.strip() or not rhs.strip():
                raise InputError(f"condition {c.strip()!r} of piece {k} compares nothing")
            conds.append((lhs.strip(), op, rhs.strip()))
        out.append((body.strip(), conds))
    return out


def read_answer(text: str, known: Collection[str] = ()) -> Tape:
    """`A if u > v and …; B if …` as one tape: the sum of each piece times its conditions'
    steps (1 where all hold, 0 elsewhere), through gradcli's grammar (never eval)."""
    from gradcli.parser import parse

    terms = []
    for body, conds in _split(text):
        steps = [f"step(({a}) - ({b}))" if op == ">" else f"step(({b}) - ({a}))"
                 for a, op, b in conds]
        terms.append(f"({body})*" + "*".join(steps))
    return parse(" + ".join(terms), known=known)


def shown_text(pw: Piecewise) -> str:
    """The pieces as printed, with the tie: `2*x if x > 0; … (where x = 0: a kink …)`."""
    tie = f" (where {' or '.join(pw.ties)}: a kink)" if len(pw.pieces) > 1 else ""
    return pw.text() + tie


def piece_row(pw: Piecewise, log: str = "log") -> dict[str, object]:
    """diff's row fields for a piecewise derivative: what is shown, the pieces, LaTeX.

    One piece (every branch agrees) is simply the formula; otherwise `formula` keeps
    the one-expression form (sign terms: gradcli's convention at a tie) for scripts."""
    from gradcli.latex import latex
    from gradcli.parser import parse
    from gradcli.typed import as_typed

    def tex(text: str) -> str:
        return latex(parse(text))[0]

    if len(pw.pieces) == 1 and not pw.pieces[0].where:
        only = as_typed(pw.pieces[0].formula, log)
        return {"formula": only, "shown": only, "tex": tex(pw.pieces[0].formula)}
    rows = []
    for p in pw.pieces:
        cond = r" \text{ and } ".join(f"{tex(a)} {op} {tex(b)}" for a, op, b in p.where)
        rows.append(f"{tex(p.formula)} & \\text{{if }} {cond}")
    pieces = [{"formula": as_typed(p.formula, log), "where": [f"{a} {op} {b}" for a, op, b
                                                              in p.where]} for p in pw.pieces]
    return {"shown": as_typed(pw.text(), log), "pieces": pieces, "ties": list(pw.ties),
            "tex": r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}"}
