"""Seeded random smooth expressions, as gradcli text and as a SymPy expression side by side.

Only smooth functions: second derivatives of the piecewise ones (abs, relu, ...)
are zero or a convention, and SymPy answers them with DiracDelta.  Points are
drawn from [0.3, 2] so logarithms and roots are mostly defined; a case whose
value is undefined at its point is drawn again by the caller.
"""

from __future__ import annotations

import random
from typing import Any

import sympy

X, Y, Z = sympy.symbols("x y z", real=True)
SYMS = {"x": X, "y": Y, "z": Z}

_S = sympy
UNARY: dict[str, Any] = {
    "sin": _S.sin, "cos": _S.cos, "tan": _S.tan, "exp": _S.exp, "log": _S.log,
    "sqrt": _S.sqrt, "atan": _S.atan, "sinh": _S.sinh, "cosh": _S.cosh, "tanh": _S.tanh,
    "sigmoid": lambda a: 1 / (1 + _S.exp(-a)), "softplus": lambda a: _S.log(1 + _S.exp(a)),
}
BINARY: dict[str, Any] = {"atan2": _S.atan2}


def random_expr(rng: random.Random, depth: int, names: str = "xyz") -> tuple[str, Any]:
    """A random smooth expression as (gradcli text, SymPy expression)."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.75:
            v = rng.choice(names)
            return v, SYMS[v]
        c = rng.choice([1, 2, 3, 0.5, 1.5])
        return str(c), sympy.nsimplify(c)
    kind = rng.random()
    if kind < 0.5:
        op = rng.choice("+-*/^")
        a, sa = random_expr(rng, depth - 1, names)
        if op == "^":
            e = rng.choice([2, 3, -1, 0.5, 1.5])
            return f"({a})^({e})", sa ** sympy.nsimplify(e)
        b, sb = random_expr(rng, depth - 1, names)
        return f"({a}){op}({b})", {"+": sa + sb, "-": sa - sb, "*": sa * sb,
                                   "/": sa / sb}[op]
    if kind < 0.55:
        a, sa = random_expr(rng, depth - 1, names)
        b, sb = random_expr(rng, depth - 1, names)
        return f"atan2({a}, {b})", BINARY["atan2"](sa, sb)
    if kind < 0.65:  # x^y with a variable exponent
        a, sa = random_expr(rng, 0, names)
        b, sb = random_expr(rng, depth - 1, names)
        return f"({a})^({b})", sa ** sb
    name = rng.choice(sorted(UNARY))
    a, sa = random_expr(rng, depth - 1, names)
    return f"{name}({a})", UNARY[name](sa)


def random_point(rng: random.Random, names: list[str]) -> dict[str, float]:
    return {n: round(rng.uniform(0.3, 2.0), 3) for n in names}
