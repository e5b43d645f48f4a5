"""`check --order N` and mixed partials (`--wrt x,y`) against SymPy's diff.

Random textbook functions: SymPy's N-th derivative passes, a wrong one (doubled,
shifted, the order before) is rejected with a true diagnosis; mixed partials of
functions of x and y the same way; and the command line's spelling and errors.
"""

from __future__ import annotations

import json
import random

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from checkoracle import X, Y, homework, text_of, verify_claim  # noqa: E402

from gradcli.checker import check_one  # noqa: E402
from gradcli.errors import InputError  # noqa: E402
from gradcli.parser import parse  # noqa: E402


def _check(f: object, spec: tuple[str, ...], g: object, seed: int):  # type: ignore[no-untyped-def]
    return check_one(parse(text_of(f)), spec, text_of(g), points=25, seed=seed)


def test_higher_orders_against_sympy() -> None:
    rng = random.Random(12)
    done = 0
    for i in range(40):
        f, _ = homework(rng)
        n = rng.choice([2, 2, 3])
        right = sympy.diff(f, X, n)
        try:
            ok = _check(f, ("x",) * n, right, i)
        except InputError:
            continue
        assert ok.equivalent, (f, n, ok.diagnosis)
        wrong = rng.choice([2 * right, right + 1, sympy.diff(f, X, n - 1), -right])
        if sympy.expand(wrong - right) == 0:
            continue
        bad = _check(f, ("x",) * n, wrong, i)
        assert not bad.equivalent, (f, n, wrong)
        verify_claim(bad.diagnosis, sympy.diff(f, X, n - 1), wrong,
                     [s.point for s in bad.samples[::4]])
        done += 1
    assert done >= 25


def test_mixed_partials_against_sympy() -> None:
    rng = random.Random(5)
    done = 0
    for i in range(30):
        fx = homework(rng)[1][0][0]  # one term of each: products grow fast
        fy = homework(rng, Y)[1][0][0]
        f = fx * fy + rng.choice([sympy.sin(X * Y), sympy.exp(X - Y), X ** 2 * Y ** 3])
        spec = rng.choice([("x", "y"), ("y", "x"), ("x", "x", "y"), ("y", "x", "y")])
        syms = [X if v == "x" else Y for v in spec]
        right = sympy.diff(f, *syms)
        try:
            ok = _check(f, spec, right, i)
        except InputError:
            continue
        assert ok.equivalent, (f, spec, ok.diagnosis)
        wrong = right + X * Y / 1000 if i % 2 else sympy.diff(f, *syms[:-1])
        bad = _check(f, spec, wrong, i)
        assert not bad.equivalent
        verify_claim(bad.diagnosis, sympy.diff(f, *syms[:-1]), wrong,
                     [s.point for s in bad.samples[::4]], syms[-1])
        done += 1
    assert done >= 20


def test_order_through_the_command_line(gradcli) -> None:  # type: ignore[no-untyped-def]
    r = gradcli("check", "x^4", "--wrt", "x", "--order", "2", "--expect", "12x^2")
    assert r.code == 0 and "✓ ∂²f/∂x² = 12x^2\n  right" in r.out
    r = gradcli("check", "x^4", "--wrt", "x", "--order", "3", "--expect", "24x^2")
    assert r.code == 1 and "✗ ∂³f/∂x³ = 24x^2" in r.out
    assert "wrong power: your answer is the derivative times x" in r.out
    r = gradcli("check", "x^2 y^3", "--wrt", "x,y", "--expect", "6x y^2", "--format", "json")
    data = json.loads(r.out)
    assert r.code == 0 and data["partials"][0]["wrt"] == "x,y"
    assert data["partials"][0]["order"] == 2
    r = gradcli("check", "x^2 y^3", "--wrt", "x,x,y", "--expect", "6y^2", "--wrt", "y",
                "--expect", "3x^2 y^2")
    assert r.code == 0 and "✓ ∂³f/∂x²∂y = 6y^2" in r.out and "✓ ∂f/∂y" in r.out
    r = gradcli("check", "sin(x y)", "--wrt", "y,x", "--expect", "cos(x y)")
    assert r.code == 1 and "∂²f/∂y∂x" in r.out
    assert "the derivative is: cos(x*y) - x*y*sin(x*y)" in r.out


def test_a_leading_nth_derivative_is_the_order(gradcli) -> None:  # type: ignore[no-untyped-def]
    for text in ("d^2/dx^2 x^4", "\\frac{d^2}{dx^2} x^4"):
        r = gradcli("check", text, "--expect", "12x^2")
        assert r.code == 0 and "✓ ∂²f/∂x² = 12x^2" in r.out, (text, r.out, r.err)
    r = gradcli("check", "d^2/dx^2 x^4", "--order", "3", "--expect", "24x")
    assert r.code == 2 and "disagree" in r.err


@pytest.mark.parametrize("argv", [
    ["check", "x^2 y", "--wrt", "x,y", "--order", "3", "--expect", "2x"],  # order of x,y is 2
    ["check", "x^2 y", "--wrt", "x,", "--expect", "2x"],                   # empty name
    ["check", "x^2 y", "--wrt", "x,z", "--expect", "2x"],                  # not a variable
    ["check", "x^2", "--wrt", "x", "--order", "11", "--expect", "0"],      # past the limit
    ["check", "x^2", "--wrt", "x", "--order", "0", "--expect", "0"],
])
def test_order_bad_input(gradcli, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    r = gradcli(*argv)
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and r.err.startswith("gradcli: error: ")
