"""Differential test: gradcli's values and partials against SymPy's `diff`.

Random expressions over the whole function table (tests/exprgen.py), built as gradcli
text and as a SymPy expression side by side; every value and partial must agree to 1e-9.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from exprgen import EVERY, random_expr, sympy_functions, sympy_symbols  # noqa: E402

from gradcli.errors import DomainError  # noqa: E402
from gradcli.ops import FUNCTIONS  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402

SYMS = sympy_symbols()
SYMF = sympy_functions()


def test_oracle_covers_every_function() -> None:
    assert set(FUNCTIONS) <= set(SYMF), set(FUNCTIONS) - set(SYMF)


def _close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-12


def _cases(count: int, seed: int) -> list[tuple[str, Any, dict[str, float]]]:
    rng = random.Random(seed)
    out: list[tuple[str, Any, dict[str, float]]] = []
    while len(out) < count:
        try:
            text, sym = random_expr(rng, rng.randint(1, 4), EVERY, sympy=True)
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
            expected = complex(sympy.N(sym.subs(subs), 30))
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
                d = sym.diff(SYMS[name])
                wanted[name] = complex(sympy.N(d.subs(subs), 30)).real
        except (TypeError, ValueError, RecursionError):  # SymPy left a DiracDelta or Subs
            continue  # unevaluated, or recursed evaluating one (sign(asin(x)))
        for name, g in r.gradient.items():
            assert _close(g, wanted[name]), (text, name, point, g, wanted[name])
        agreed += 1
    assert agreed >= 500, f"only {agreed} usable cases out of {tried}"
