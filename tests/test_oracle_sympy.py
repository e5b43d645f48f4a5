"""Differential test: gradcli's values and partials against SymPy's `diff`.

Random expressions over the whole function table, built as gradcli text and as a
SymPy expression side by side; every value and partial must agree to 1e-9.
"""

from __future__ import annotations

import math
import random

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from gradcli.errors import DomainError  # noqa: E402
from gradcli.ops import FUNCTIONS  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402

X, Y, Z = sympy.symbols("x y z", real=True)
SYMS = {"x": X, "y": Y, "z": Z}


def _sym_funcs() -> dict[str, object]:
    s = sympy
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
    }


SYMF = _sym_funcs()


def test_oracle_covers_every_function() -> None:
    assert set(FUNCTIONS) <= set(SYMF), set(FUNCTIONS) - set(SYMF)


def random_expr(rng: random.Random, depth: int) -> tuple[str, object]:
    """A random expression as (gradcli text, SymPy expression)."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.7:
            v = rng.choice("xyz")
            return v, SYMS[v]
        c = rng.choice([1, 2, 3, 0.5, 1.5, 2.5])
        return str(c), sympy.nsimplify(c)
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice("+-*/^")
        a, sa = random_expr(rng, depth - 1)
        if op == "^":  # keep powers tame: small integer or half-integer exponents
            e = rng.choice([2, 3, -1, 0.5, 1.5])
            return f"({a})^{e}" if e >= 0 else f"({a})^({e})", sa ** sympy.nsimplify(e)
        b, sb = random_expr(rng, depth - 1)
        sym = {"+": sa + sb, "-": sa - sb, "*": sa * sb, "/": sa / sb}[op]
        return f"({a}){op}({b})", sym
    name = rng.choice(sorted(FUNCTIONS))
    arity = FUNCTIONS[name].arity
    n = rng.choice([2, 3]) if arity < 0 else arity
    parts = [random_expr(rng, depth - 1) for _ in range(n)]
    text = f"{name}({', '.join(p for p, _ in parts)})"
    return text, SYMF[name](*[s for _, s in parts])  # type: ignore[operator]


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


def _cases(count: int, seed: int) -> list[tuple[str, object, dict[str, float]]]:
    rng = random.Random(seed)
    out: list[tuple[str, object, dict[str, float]]] = []
    while len(out) < count:
        try:
            text, sym = random_expr(rng, rng.randint(1, 4))
        except (ValueError, TypeError):  # SymPy refuses e.g. Max of a complex constant
            continue
        point = {v: round(rng.uniform(-2.5, 2.5), 3) for v in "xyz"}
        out.append((text, sym, point))
    return out


def test_against_sympy_diff() -> None:
    """At least 500 random expressions that are defined at their point, all agreeing."""
    agreed = 0
    tried = 0
    for text, sym, point in _cases(1500, seed=20261122):
        if agreed >= 520:
            break
        tried += 1
        subs = {SYMS[k]: sympy.Float(v, 30) for k, v in point.items()}
        try:
            expected = complex(sympy.N(sym.subs(subs), 30))  # type: ignore[attr-defined]
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not math.isfinite(expected.real) or abs(expected.imag) > 1e-12 or \
                abs(expected.real) > 1e12:
            continue
        values = {k: v for k, v in point.items() if k in text}
        try:
            r = evaluate(text, values, check=False)
        except DomainError:
            continue
        assert _close(r.value, expected.real), (text, point, r.value, expected)
        kinked = bool(r.notes)
        if kinked:  # a convention point, not calculus: checked in the per-op tests
            continue
        wanted = {}
        try:
            for name in r.gradient:
                d = sym.diff(SYMS[name])  # type: ignore[attr-defined]
                wanted[name] = complex(sympy.N(d.subs(subs), 30)).real
        except (TypeError, ValueError):  # SymPy left a DiracDelta or Subs unevaluated
            continue
        for name, g in r.gradient.items():
            assert _close(g, wanted[name]), (text, name, point, g, wanted[name])
        agreed += 1
    assert agreed >= 500, f"only {agreed} usable cases out of {tried}"
