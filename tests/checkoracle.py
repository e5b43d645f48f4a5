"""SymPy as the outside judge of `check`: typical homework, typical mistakes, true claims.

`homework(rng)` makes a function the way textbooks do (sums of polynomial,
product, quotient and composed terms) and `mistake(rng, f)` a wrong derivative
the way students do (a term dropped, a sign flipped, a coefficient changed, an
exponent off by one, a chain factor dropped), both as SymPy expressions.
`verify_claim(diagnosis, F, G, points)` reads a diagnosis back and checks, with
SymPy alone, that what it says about G and the derivative is true.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import Any

import sympy
from sympy.parsing.sympy_parser import (
    convert_xor,
    implicit_multiplication_application,
    parse_expr,
    standard_transformations,
)

X, Y = sympy.symbols("x y", real=True)
NAMES: dict[str, Any] = {
    "x": X, "y": Y, "e": sympy.E, "pi": sympy.pi, "ln": sympy.log, "log": sympy.log,
    "exp": sympy.exp, "sqrt": sympy.sqrt, "abs": sympy.Abs, "sign": sympy.sign,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sec": sympy.sec, "csc": sympy.csc,
    "cot": sympy.cot, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
}
_TRANSFORMS = (*standard_transformations, implicit_multiplication_application, convert_xor)


def to_sympy(text: str) -> Any:
    """gradcli syntax (as gradcli prints it, or as a person types it) as a SymPy expression."""
    return parse_expr(text.replace("^", "**"), local_dict=dict(NAMES),
                      transformations=_TRANSFORMS)


def text_of(expr: Any) -> str:
    """A SymPy expression in gradcli syntax (SymPy's own printing, which gradcli reads)."""
    text = str(expr)
    assert "E" not in re.sub(r"[a-z_]\w*", "", text) and "I" not in text, text
    return text


# ---------------------------------------------------------------- homework

def _poly(rng: random.Random, x: Any, terms: int = 3) -> Any:
    out = 0
    for _ in range(terms):
        out += rng.choice([-5, -3, -2, -1, 1, 2, 3, 4, 7]) * x ** rng.randint(0, 4)
    return out if out.has(x) else out + x


def _term(rng: random.Random, x: Any) -> tuple[Any, Any, Any]:
    """One term: (expression, outer function or None, inner expression or None)."""
    k = rng.randrange(7)
    if k == 0:
        return rng.choice([-4, -3, -1, 2, 5, 6]) * x ** rng.randint(2, 6), None, None
    if k == 1:
        return _poly(rng, x, 2) * rng.choice([sympy.sin, sympy.cos, sympy.exp])(x), None, None
    if k == 2:
        return _poly(rng, x, 2) / (x ** 2 + rng.randint(1, 4)), None, None
    k = rng.choice([3, 4, -1, -2])
    outer = rng.choice([sympy.sin, sympy.cos, sympy.exp, lambda u: sympy.log(u ** 2 + 1),
                        sympy.atan, lambda u: u ** k])
    inner = _poly(rng, x, 2)
    u = sympy.Dummy("u")
    return outer(inner), sympy.Lambda(u, outer(u)), inner


def homework(rng: random.Random, x: Any = X) -> tuple[Any, list[tuple[Any, Any, Any]]]:
    """A textbook function: a sum of one to three terms, and its terms."""
    parts = [_term(rng, x) for _ in range(rng.randint(1, 3))]
    return sum(p[0] for p in parts), parts


def mistake(rng: random.Random, parts: list[tuple[Any, Any, Any]],
            x: Any = X) -> tuple[str, Any]:
    """A wrong derivative made the way students make them: (kind, answer)."""
    derivs = [sympy.diff(p[0], x) for p in parts]
    j = rng.randrange(len(parts))
    term, outer, inner = parts[j]
    kinds = ["sign", "coefficient", "drop", "exponent"] + (["chain"] if outer else [])
    kind = rng.choice(kinds)
    d = derivs[j]
    if kind == "sign":
        wrong = -d
    elif kind == "coefficient":
        wrong = rng.choice([2, 3, sympy.Rational(1, 2)]) * d if rng.random() < 0.5 else d + 1
    elif kind == "drop":
        wrong = sympy.Integer(0) if len(parts) > 1 else d.as_ordered_terms()[0]
    elif kind == "exponent":  # c*x^n -> c*n*x^n, u^k -> k*u^k*u' (the power kept)
        base, power = term.as_coeff_Mul()[1].as_base_exp() if outer is None else (inner, None)
        if outer is not None and isinstance(term, sympy.Pow) and term.exp.is_Integer:
            wrong = term.exp * term * sympy.diff(inner, x)
        elif outer is None and isinstance(term.as_coeff_Mul()[1], sympy.Pow) and base == x:
            wrong = d * x ** rng.choice([1, -1])
        else:
            wrong = -d  # no power to slip on: a sign instead
    else:
        u = sympy.Dummy("u")
        wrong = sympy.diff(outer(u), u).subs(u, inner)
    answer = sum(derivs[:j]) + wrong + sum(derivs[j + 1:])
    return kind, answer


# ---------------------------------------------------------------- judging claims

def is_zero(expr: Any, points: Sequence[dict[str, float]]) -> bool:
    """expr is 0 at every given point, to 25 digits relative to its parts (SymPy at 50)."""
    if expr == 0:
        return True
    for p in points:
        subs = {NAMES[n]: sympy.Rational(str(v)) for n, v in p.items() if n in NAMES}
        value = sympy.N(expr.subs(subs), 50)
        # relative to the size of its terms, with no absolute floor: 1e-41 is not 0
        size = max(abs(sympy.N(a.subs(subs), 50)) for a in sympy.Add.make_args(expr))
        if not value.is_finite or abs(value) > sympy.Float("1e-25") * size:
            return False
    return True


def varies(expr: Any, points: Sequence[dict[str, float]]) -> bool:
    """expr takes two clearly different values at the points (SymPy at 50 digits)."""
    values = []
    for p in points:
        subs = {NAMES[n]: sympy.Rational(str(v)) for n, v in p.items() if n in NAMES}
        value = sympy.N(expr.subs(subs), 50)
        if value.is_finite:
            values.append(value)
    return any(abs(a - values[0]) > sympy.Float("1e-20") * max(abs(a), abs(values[0]))
               for a in values)


class ClaimError(AssertionError):
    pass


def verify_claim(diagnosis: str, base: Any, g: Any, points: Sequence[dict[str, float]],
                 wrt: Any = X) -> str:
    """Raise ClaimError if the diagnosis says something false about G; return its kind.

    `base` is what the last differentiation acts on (F, or its lower-order partial).
    """
    d = sympy.diff(base, wrt)
    def zero(e: Any) -> bool:
        return is_zero(sympy.expand(e), points)

    def need(ok: bool, why: str) -> None:
        if not ok:
            raise ClaimError(f"false claim ({why}): {diagnosis!r}")

    chain = re.search(r"chain rule: a factor is missing, (.+), the derivative of the inner "
                      r"(.+)$", diagnosis)
    if chain:
        inner = chain.group(2)
        if not diagnosis.startswith("chain"):  # inside the factor claim's brackets
            inner = inner[:-1]
        du, u = to_sympy(chain.group(1)), to_sympy(inner)
        need(zero(du - sympy.diff(u, wrt)), "the inner derivative")
        need(zero(d - g * du), "D = G u'")
    m = re.match(r"sign error: your answer is the negative of the derivative", diagnosis)
    if m:
        need(zero(g + d), "G = -D")
        return "sign"
    m = re.match(r"your answer is 0 at every point tested", diagnosis)
    if m:
        need(zero(g) and not zero(d), "G = 0")
        return "zero"
    m = re.match(r"off by a constant factor: your answer is (.+?) times the derivative",
                 diagnosis)
    if m:
        need(zero(g - to_sympy(m.group(1)) * d), "G = k D")
        return "factor"
    m = re.match(r"off by an additive constant: your answer is the derivative ([+-]) (.+?) \(",
                 diagnosis)
    if m:
        c = to_sympy(m.group(2)) * (1 if m.group(1) == "+" else -1)
        need(zero(g - d - c), "G = D + c")
        return "shift"
    if chain:
        return "chain"
    m = re.match(r"(product|quotient) rule: .*? (\()?u = (.+?), v = (.+)$", diagnosis)
    if m:
        v_text = m.group(4).split(": (")[0]
        if m.group(2) and ": (" not in m.group(4):
            v_text = v_text[:-1]  # the closing bracket of "(u = .., v = ..)"
        u, v = to_sympy(m.group(3)), to_sympy(v_text)
        need(zero(u * v - base) if m.group(1) == "product" else zero(u / v - base),
             "u and v are the factors")
        du, dv = sympy.diff(u, wrt), sympy.diff(v, wrt)
        rules: dict[str, Any] = {
            "not the product of the derivatives": du * dv, "the term u*v' is missing": du * v,
            "the term u'*v is missing": u * dv, "not the quotient of the derivatives": du / dv,
            "the sign in the numerator is wrong": (du * v + u * dv) / v ** 2,
            "the denominator v^2 is missing": du * v - u * dv,
            "the denominator is v^2, not v": (du * v - u * dv) / v,
            "only u'/v": du / v, "only -u*v'/v^2": -u * dv / v ** 2,
        }
        said = [k for k in rules if k in diagnosis]
        need(len(said) == 1, "one rule named")
        need(zero(g - rules[said[0]]), said[0])
        return m.group(1)
    m = re.match(r"one term is wrong: your (.+?) should be (.+?) \(the derivative of (.+?)"
                 r"(?:; (a sign error|off by the factor (.+)|a power one too (high|low)))?\)$",
                 diagnosis)
    if m:
        t, r, s = to_sympy(m.group(1)), to_sympy(m.group(2)), to_sympy(m.group(3))
        need(zero(r - sympy.diff(s, wrt)), "R is the derivative of S")
        need(zero(g - t + r - d), "G - T + R = D")
        if m.group(4) == "a sign error":
            need(zero(t + r), "T = -R")
        elif m.group(5):
            need(zero(t - to_sympy(m.group(5)) * r), "T = k R")
        elif m.group(6):
            e = 1 if m.group(6) == "high" else -1
            need(any(zero(t - r * var ** e) for var in (X, Y)), "T = R x^(+-1)")
        return "term"
    m = re.match(r"a term is missing: (.+), the derivative of (.+)$", diagnosis)
    if m:
        r, s = to_sympy(m.group(1)), to_sympy(m.group(2))
        need(zero(r - sympy.diff(s, wrt)), "R is the derivative of S")
        need(zero(g + r - d), "G + R = D")
        return "missing"
    m = re.match(r"(?:a term is|terms are) extra: your (.+) (?:is|are) not part of the "
                 r"derivative$", diagnosis)
    if m:
        need(zero(g - to_sympy(m.group(1)) - d), "G - T = D")
        return "extra"
    m = re.match(r"wrong power: your answer is the derivative (times|divided by) \((.+?)\) "
                 r"\(a power one", diagnosis)
    if m:
        k = 1 if m.group(1) == "times" else -1
        need(zero(g - d * to_sympy(m.group(2)) ** k), "G = D u^k")
        return "power"
    m = re.match(r"wrong power: your answer is the derivative (times|divided by) (\w+)"
                 r"(?:\^(\d+))?", diagnosis)
    if m:
        k = int(m.group(3) or 1) * (1 if m.group(1) == "times" else -1)
        need(zero(g - d * NAMES[m.group(2)] ** k), "G = D x^k")
        return "power"
    m = re.match(r"agrees at (\d+) of (\d+) points", diagnosis)
    if m:
        need(not zero(g - d), "not equal everywhere")
        return "some"
    m = re.match(r"differs at every point tested(; no constant factor or shift explains it)?$",
                 diagnosis)
    if m:
        if m.group(1):
            need(d == 0 or varies(g / d, points), "no constant factor")
            need(varies(g - d, points), "no constant shift")
        return "none"
    raise ClaimError(f"a diagnosis this oracle cannot read: {diagnosis!r}")


Judge = Callable[[str, Any, Any, Sequence[dict[str, float]]], str]
