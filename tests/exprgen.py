"""The one seeded random-expression generator of the property tests.

`random_expr(rng, depth, kind)` builds a random expression tree as gradcli text
and, with `sympy=True`, as the same expression in SymPy side by side (the
outside oracle).  A `Kind` holds what differs between the suites:

- `EVERY`: the whole function table (SymPy's diff against eval);
- `SMOOTH`: only smooth functions, whose second derivatives SymPy gives without
  DiracDelta (Hessians, Jacobians, Taylor coefficients), at points in [0.3, 2];
- `COMPILED`: the whole table with 0 and pi among the constants, variable
  exponents and special points (0, ±1) where ops are singular (batch kernels);
- `SHARED`: canonical function names, arguments often steered into a function's domain and earlier
  sub-expressions reused, so tapes share nodes as real programs do
  (`expressions(seed, n)`: check, explain, symbolic).

Depth is small, so building recursively is fine here (gradcli itself never recurses).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from gradcli.ops import FUNCTIONS, OPS

EVERY_FUNCTION = tuple(sorted(FUNCTIONS))  # aliases too: ln, arcsin, ...; pow(x, y) too
# each function once, by its own name (what SymPy's sympify of the text understands)
CANONICAL = tuple(sorted({op.name for op in FUNCTIONS.values()} - {"pow"}))
SMOOTH_FUNCTIONS = ("atan", "atan2", "cos", "cosh", "exp", "log", "sigmoid", "sin", "sinh",
                    "softplus", "sqrt", "tan", "tanh")
assert set(SMOOTH_FUNCTIONS) <= set(FUNCTIONS)


@dataclass(frozen=True)
class Kind:
    """What differs between suites' expressions (chances are per node)."""

    functions: tuple[str, ...] = EVERY_FUNCTION
    constants: tuple[str, ...] = ("1", "2", "3", "0.5", "1.5")
    exponents: tuple[str, ...] = ("2", "3", "-1", "0.5", "1.5")
    leaf: float = 0.2  # a node above the bottom is a leaf anyway
    variable: float = 0.75  # a leaf is a variable, not a constant
    operator: float = 0.45  # an inner node is + - * / or ^ a constant exponent
    negation: float = 0.0  # ... a unary minus
    power: float = 0.0  # ... leaf^(expression): an exponent that varies
    steer: float = 0.0  # a function's argument is steered into its domain
    share: float = 0.0  # an argument is an earlier sub-expression again
    low: float = -2.5  # points: each coordinate uniform in [low, high], 3 decimals
    high: float = 2.5
    special: float = 0.0  # ... or 0, 1 or -1, where ops are singular


EVERY = Kind(constants=("1", "2", "3", "0.5", "1.5", "2.5"), variable=0.7)
SMOOTH = Kind(functions=SMOOTH_FUNCTIONS, operator=0.5, power=0.1, low=0.3, high=2.0)
COMPILED = Kind(constants=("1", "2", "3", "0.5", "1.5", "pi", "0"), negation=0.05, power=0.05,
                special=0.15)
SHARED = Kind(functions=CANONICAL, constants=("2", "3", "0.5", "1.5", "pi", "5", "e"),
              operator=0.5, negation=0.05, power=0.1, steer=0.8, share=0.3, variable=0.8)


class Expr(NamedTuple):
    text: str
    sym: Any  # the SymPy expression, or None when not asked for


def _sympy() -> Any:
    import sympy

    return sympy


def sympy_symbols() -> dict[str, Any]:
    """x, y, z as real SymPy symbols (the names random expressions use)."""
    s = _sympy()
    return {n: s.Symbol(n, real=True) for n in "xyz"}


def sympy_functions() -> dict[str, Callable[..., Any]]:
    """Every function name gradcli reads, as SymPy builds it."""
    s = _sympy()
    return {
        "sin": s.sin, "cos": s.cos, "tan": s.tan, "sec": s.sec, "csc": s.csc, "cot": s.cot,
        "asin": s.asin, "acos": s.acos, "atan": s.atan, "sinh": s.sinh, "cosh": s.cosh,
        "tanh": s.tanh, "exp": s.exp, "log": s.log, "ln": s.log,
        "log2": lambda a: s.log(a, 2), "log10": lambda a: s.log(a, 10), "sqrt": s.sqrt,
        "abs": s.Abs, "sign": s.sign, "sigmoid": lambda a: 1 / (1 + s.exp(-a)),
        "relu": lambda a: s.Max(a, 0), "softplus": lambda a: s.log(1 + s.exp(a)),
        "step": lambda a: s.Heaviside(a, 0), "atan2": s.atan2, "pow": lambda a, b: a ** b,
        "min": s.Min, "max": s.Max,
        "arcsin": s.asin, "arccos": s.acos, "arctan": s.atan,
        # the real cube root; acot with values in (0, pi), as gradcli (SymPy's jumps at 0)
        "cbrt": lambda a: s.sign(a) * s.Abs(a) ** s.Rational(1, 3), "asec": s.asec,
        "acsc": s.acsc, "acot": lambda a: s.pi / 2 - s.atan(a), "arcsec": s.asec,
        "arccsc": s.acsc, "arccot": lambda a: s.pi / 2 - s.atan(a),
    }


class _Builder:
    """Text and (optionally) SymPy built side by side."""

    def __init__(self, with_sympy: bool) -> None:
        self.s = _sympy() if with_sympy else None
        self.fns = sympy_functions() if with_sympy else {}
        self.syms = sympy_symbols() if with_sympy else {}

    def name(self, v: str) -> Expr:
        return Expr(v, self.syms[v] if self.s is not None else None)

    def number(self, c: str) -> Expr:
        if self.s is None:
            return Expr(c, None)
        sym = {"pi": self.s.pi, "e": self.s.E}.get(c)
        return Expr(c, sym if sym is not None else self.s.nsimplify(float(c)))

    def binary(self, op: str, a: Expr, b: Expr) -> Expr:
        text = f"({a.text}){op}({b.text})"
        if self.s is None:
            return Expr(text, None)
        x, y = a.sym, b.sym
        return Expr(text, {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                           "/": lambda: x / y, "^": lambda: x ** y}[op]())

    def neg(self, a: Expr) -> Expr:
        return Expr(f"-({a.text})", -a.sym if self.s is not None else None)

    def call(self, name: str, args: Sequence[Expr]) -> Expr:
        text = f"{name}({', '.join(a.text for a in args)})"
        return Expr(text, self.fns[name](*[a.sym for a in args]) if self.s is not None else None)


# arguments steered into a function's domain (of the forms log(abs(u) + 0.5), asin(sin(u)))
_STEER: dict[str, Callable[[_Builder, Expr], Expr]] = {
    "log": lambda b, u: b.binary("+", b.call("abs", [u]), b.number("0.5")),
    "ln": lambda b, u: b.binary("+", b.call("abs", [u]), b.number("0.5")),
    "log2": lambda b, u: b.binary("+", b.call("abs", [u]), b.number("1")),
    "log10": lambda b, u: b.binary("+", b.binary("^", u, b.number("2")), b.number("1")),
    "sqrt": lambda b, u: b.binary("+", b.binary("^", u, b.number("2")), b.number("1")),
    "asin": lambda b, u: b.call("sin", [u]),
    "arcsin": lambda b, u: b.call("sin", [u]),
    "acos": lambda b, u: b.binary("/", b.call("cos", [u]), b.number("2")),
    "arccos": lambda b, u: b.binary("/", b.call("cos", [u]), b.number("2")),
    "sec": lambda b, u: b.binary("/", u, b.number("3")),
    "csc": lambda b, u: b.binary("+", b.binary("/", u, b.number("3")), b.number("0.5")),
    "asec": lambda b, u: b.binary("+", b.binary("^", u, b.number("2")), b.number("1.5")),
    "arcsec": lambda b, u: b.binary("+", b.binary("^", u, b.number("2")), b.number("1.5")),
    "acsc": lambda b, u: b.neg(b.binary("+", b.binary("^", u, b.number("2")), b.number("1.5"))),
    "arccsc": lambda b, u: b.neg(b.binary("+", b.binary("^", u, b.number("2")),
                                          b.number("1.5"))),
}


def random_expr(rng: random.Random, depth: int, kind: Kind = EVERY, names: str = "xyz",
                sympy: bool = False) -> Expr:
    """A random expression at most `depth` operations deep, as text (and SymPy)."""
    b = _Builder(sympy)
    made: list[Expr] = []

    def leaf() -> Expr:
        if rng.random() < kind.variable:
            return b.name(rng.choice(names))
        return b.number(rng.choice(kind.constants))

    def node(d: int) -> Expr:
        # (a chance that is 0 draws nothing: a kind's sequence does not depend on the others')
        if kind.share and made and rng.random() < kind.share:
            return rng.choice(made)
        if d == 0 or rng.random() < kind.leaf:
            return leaf()
        k = rng.random()
        if k < kind.operator:
            op = rng.choice("+-*/^")
            a = node(d - 1)
            if op == "^":
                out = b.binary("^", a, b.number(rng.choice(kind.exponents)))
            else:
                out = b.binary(op, a, node(d - 1))
        elif k < kind.operator + kind.negation:
            out = b.neg(node(d - 1))
        elif k < kind.operator + kind.negation + kind.power:
            base = leaf()
            out = b.binary("^", base, node(d - 1))
        else:
            name = rng.choice(kind.functions)
            arity = FUNCTIONS[name].arity
            args = [node(d - 1) for _ in range(rng.choice([2, 3]) if arity < 0 else arity)]
            if kind.steer and arity == 1 and name in _STEER and rng.random() < kind.steer:
                args = [_STEER[name](b, args[0])]
            out = b.call(name, args)
        made.append(out)
        return out

    return node(depth)


def random_point(rng: random.Random, names: Sequence[str], kind: Kind = EVERY) -> dict[str, float]:
    """A point for `names`: mostly ordinary numbers, sometimes the kind's special ones."""
    return {v: rng.choice([0.0, 1.0, -1.0]) if rng.random() < kind.special
            else round(rng.uniform(kind.low, kind.high), 3) for v in names}


def expressions(seed: int, n: int, kind: Kind = SHARED, names: str = "xy") -> list[str]:
    """n reproducible random expressions (texts), each an operation on some variable."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        text = random_expr(rng, rng.randint(2, 4), kind, names[: rng.randint(1, len(names))]).text
        if not text.isidentifier() and any(re.search(rf"\b{v}\b", text) for v in names):
            out.append(text)
    return out


# every operation of the table can be drawn (the operators through + - * / ^ and -)
assert set(OPS) <= {FUNCTIONS[f].name for f in EVERY_FUNCTION} | {"add", "sub", "mul", "div",
                                                                   "neg", "pow"}
