"""Reverse mode that produces a graph: ∂output/∂variable as a new tape.

The sweep is the same loop as gradcli/reverse.py and the local partials are the
same rules from gradcli/ops.py; only the namespace they are evaluated over
differs.  Here every number is a `Sym`, a handle on a node of a fresh `Tape`,
and every operation appends (hash-consed) nodes to it, so the adjoint of a
variable *is* a formula.  gradcli/simplify.py turns that raw graph into the
formula a person would write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradcli.errors import InputError, check_wrt
from gradcli.ops import FUNCTIONS, OPS
from gradcli.overload import TableArithmetic
from gradcli.tape import CONST, VAR, Tape, needs_grad, prune

Operand = Any  # a Sym, or a plain number appearing in a partial rule


@dataclass(frozen=True, eq=False)
class Sym(TableArithmetic):
    """A node of the tape being built, with arithmetic that appends nodes."""

    tape: Tape
    node: int

    def __eq__(self, other: object) -> bool:  # the same node (not a symbolic equation)
        return isinstance(other, Sym) and other.tape is self.tape and other.node == self.node

    def __hash__(self) -> int:
        return hash((id(self.tape), self.node))

    # Trivial identities are skipped here (x*1, x+0) only to keep the raw graph
    # small; all real simplification is gradcli/simplify.py's job.
    def constant_value(self) -> float | None:
        """The number, when this node is a constant (ops.py's pow rule asks: 0^y)."""
        return self._num()

    def _num(self) -> float | None:
        t = self.tape
        return t.consts[self.node] if t.ops[self.node] == CONST else None

    def _lift(self, v: Operand) -> Sym:
        return v if isinstance(v, Sym) else const(self.tape, v)

    def _op(self, name: str, *args: Operand) -> Sym:  # + - * / ** and unary -
        if name == "neg":
            v = self._num()
            if v is not None:
                return const(self.tape, -v)
            return Sym(self.tape, self.tape.apply("neg", (self.node,)))
        a, b = args
        return binary(name, self._lift(a), self._lift(b))


def const(tape: Tape, v: Any) -> Sym:
    """A constant node for a number appearing in a rule (0, 1, 2, -1, ...)."""
    return Sym(tape, tape.const(float(v)))


def binary(op: str, a: Sym, b: Sym) -> Sym:
    """`a op b`, skipping the identities that would only bloat the raw graph."""
    x, y = a._num(), b._num()
    t = a.tape
    if op == "add":
        if x == 0:
            return b
        if y == 0:
            return a
    elif op == "sub":
        if y == 0:
            return a
        if x == 0:
            return b._op("neg", b)  # -b, typed
    elif op == "mul":
        if x == 0 or y == 0:
            return const(t, 0)
        if x == 1:
            return b
        if y == 1:
            return a
    elif op == "div":
        if x == 0:
            return const(t, 0)
        if y == 1:
            return a
    elif op == "pow" and y == 1:
        return a
    return Sym(t, t.apply(op, (a.node, b.node)))


class Builder:
    """The namespace `m` of the partial rules, building nodes instead of numbers."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape

    def __getattr__(self, name: str) -> Any:
        op = FUNCTIONS.get(name)
        if op is None:
            raise AttributeError(name)

        def apply(*xs: Operand) -> Sym:
            nodes = tuple((x if isinstance(x, Sym) else const(self.tape, x)).node for x in xs)
            return Sym(self.tape, self.tape.apply(op.name, nodes))

        return apply


@dataclass
class Derivatives:
    """The raw graph of the partials: `tape.outputs[k]` is ∂f/∂`wrt[k]`."""

    tape: Tape
    wrt: list[str]
    source: Tape


def copy_into(src: Tape, dst: Tape) -> list[int]:
    """Append every node of `src` to `dst`; the map from old to new indices."""
    new: list[int] = []
    for i, op in enumerate(src.ops):
        if op == VAR:
            new.append(dst.var(src.labels[i] or ""))
        elif op == CONST:
            new.append(dst.const(src.consts[i], src.labels[i]))
        else:
            new.append(dst.apply(op, tuple(new[a] for a in src.args[i])))
    return new


def differentiate(tape: Tape, wrt: list[str] | None = None, output: int | None = None,
                  fixed: dict[int, tuple[float, ...]] | None = None) -> Derivatives:
    """∂output/∂v for each v in `wrt` (default: every variable), as one new tape.

    `fixed` gives some nodes constant local partials instead of their rule's (a kink
    at a point, where a convention picked the slopes: gradcli/implicit.py).
    """
    names = list(tape.variables) if not wrt else list(wrt)
    check_wrt(names, tape.variables)
    out = tape.outputs[-1] if output is None else output
    dst = Tape(text=tape.text)
    new = copy_into(tape, dst)
    m = Builder(dst)
    need = needs_grad(tape)
    zero = const(dst, 0)
    adj: list[Sym | None] = [None] * len(tape)
    adj[out] = const(dst, 1)
    for i in range(out, -1, -1):
        g = adj[i]
        op = tape.ops[i]
        if g is None or op in (VAR, CONST) or not need[i]:
            continue
        a = tape.args[i]
        if fixed is not None and i in fixed:
            partials = tuple(const(dst, p) for p in fixed[i])
        else:
            partials = OPS[op].partials(m, Sym(dst, new[i]), *[Sym(dst, new[j]) for j in a])
        for j, p in zip(a, partials, strict=True):
            if not need[j]:
                continue
            term = g * p
            prev = adj[j]
            adj[j] = term if prev is None else prev + term
    dst.outputs = [(adj[tape.variables[v]] or zero).node for v in names]
    dst.output_names = [f"d/d{v}" for v in names]
    return Derivatives(dst, names, tape)


# ---------------------------------------------------------------- any order, any mix

MAX_ORDER = 10  # of a formula: each order re-differentiates the last (simplified) one
MAX_PARTIALS = 200  # rows of `--order N` over every variable: C(n + N - 1, N) grows fast


def partial_spec(text: str) -> tuple[str, ...]:
    """`x` -> ('x',); `x,y` -> ('x', 'y'): a mixed partial, by x first, then y."""
    names = tuple(p.strip() for p in text.split(","))
    for n in names:
        if not n.replace("_", "a").isalnum() or n[0].isdigit():
            raise InputError(f"--wrt {text}: {repr(n) if n else 'an empty name'} is not a "
                             "variable name",
                             hint="a mixed partial is written --wrt x,y (by x, then by y)")
    return names


def partial_specs(variables: list[str], wrt: list[str], order: int | None) -> \
        list[tuple[str, ...]]:
    """The partials asked for: each --wrt (x, or x,y mixed) raised to --order.

    No --wrt: every variable at order 1, every distinct partial of order N
    (x,x  x,y  y,y: the Hessian's formulas for N = 2) otherwise.
    """
    from itertools import combinations_with_replacement

    n = 1 if order is None else order
    if not 1 <= n <= MAX_ORDER:
        raise InputError(f"--order {n}: the order must be between 1 and {MAX_ORDER}")
    specs: list[tuple[str, ...]] = []
    if not wrt:
        specs = list(combinations_with_replacement(variables, n))
        if len(specs) > MAX_PARTIALS:
            raise InputError(f"--order {n} over {len(variables)} variables is {len(specs):,} "
                             f"partials; the limit is {MAX_PARTIALS}",
                             hint="pick them with --wrt (x, or x,y for a mixed partial)")
    for text in wrt:
        spec = partial_spec(text)
        if len(spec) > 1 and order is not None and order != len(spec):
            raise InputError(f"--wrt {text} is a partial of order {len(spec)}; --order {order} "
                             "does not apply to it",
                             hint="list every step instead, e.g. --wrt x,x,y for ∂³f/∂x²∂y")
        spec = spec * n if len(spec) == 1 else spec
        if len(spec) > MAX_ORDER:
            raise InputError(f"--wrt {text}: the order must be at most {MAX_ORDER}")
        specs.append(spec)
    for spec in specs:
        check_wrt(spec, variables)
    return specs


def nth_partials(tape: Tape, specs: list[tuple[str, ...]], output: int | None = None,
                 exact: bool = True) -> list[Tape]:
    """∂ⁿ output / ∂spec[n-1] … ∂spec[0] for each spec, simplified: repeated `differentiate`.

    Each order differentiates the previous order's simplified formula, read back
    from its printed text, so the result is what running `gradcli diff --exact`
    on its own output n times gives.
    Specs sharing a prefix (x,x and x,y) share its formula.
    """
    from gradcli.limits import formula_budget
    from gradcli.simplify import simplify

    out = tape.outputs[-1] if output is None else output
    from gradcli.parser import parse
    from gradcli.simplify import formulas

    memo: dict[tuple[str, ...], Tape] = {}  # prefix -> its exact simplified formula
    # ... and that formula read back from its text, as `diff` of diff's output reads it
    # (the canonical order of factors follows the tape, so the text is the reference)
    reread: dict[tuple[str, ...], Tape] = {}

    def step(prev: Tape, v: str, exact_here: bool) -> Tape:
        if v not in prev.variables:  # the previous order no longer depends on v
            zero = Tape(text=tape.text)
            zero.outputs = [zero.const(0.0)]
            zero.output_names = [f"d/d{v}"]
            return zero
        d = differentiate(prev, [v], output=prev.outputs[-1])
        formula_budget(d.tape)  # each order: before simplifying, as diff does
        return simplify(d.tape, exact=exact_here)

    start = Tape(text=tape.text)
    if out == tape.outputs[-1] and len(tape.outputs) == 1:
        start = tape
    else:  # one output of several: a tape whose last output is it
        start = prune(Tape(text=tape.text, ops=tape.ops, args=tape.args, consts=tape.consts,
                           labels=tape.labels, pos=tape.pos, outputs=[out],
                           output_names=["f"], variables=dict(tape.variables)))
    results = []
    for spec in specs:
        prev = start
        for k in range(1, len(spec)):
            prefix = spec[:k]
            if prefix not in memo:
                memo[prefix] = step(prev, spec[k - 1], True)
            prev = reread[prefix] if prefix in reread else reread.setdefault(
                prefix, parse(formulas(memo[prefix])[0]))
        done = memo.get(spec) if exact else None
        if done is None:
            done = step(prev, spec[-1], exact)
            if exact:
                memo[spec] = done
        results.append(done)
    return results


def partial_label(f: str, spec: tuple[str, ...]) -> str:
    """`∂f/∂x`, `∂²f/∂x²`, `∂²f/∂x∂y`, `∂³f/∂x²∂y` (in the order differentiated)."""
    sup = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
    n = len(spec)
    top = "∂" + (str(n).translate(sup) if n > 1 else "") + f
    return f"{top}/" + "".join("∂" + v + (str(k).translate(sup) if k > 1 else "")
                                for v, k in runs(spec))


def runs(spec: tuple[str, ...]) -> list[tuple[str, int]]:
    """x,x,y -> [(x, 2), (y, 1)]: consecutive repeats grouped, for labels."""
    out: list[tuple[str, int]] = []
    for v in spec:
        if out and out[-1][0] == v:
            out[-1] = (v, out[-1][1] + 1)
        else:
            out.append((v, 1))
    return out
