"""Higher derivatives (nested duals) and Taylor polynomials against SymPy's diff and series;
the printed polynomial read back by SymPy and by gradcli."""

from __future__ import annotations

import json
import random

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from conftest import Golden, Gradcli  # noqa: E402
from exprgen import SMOOTH, random_expr, sympy_symbols  # noqa: E402

from gradcli.errors import DomainError  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402
from gradcli.taylor import derivatives, exact, polynomial  # noqa: E402

SYMS = sympy_symbols()

X = SYMS["x"]


def _sympy_poly(text: str) -> object:
    return sympy.sympify(text.replace("^", "**"), locals={"x": X})


def test_exp_at_0_order_4_matches_sympy_series(gradcli: Gradcli) -> None:
    r = gradcli("taylor", "exp(x)", "--x", "0", "--order", "4", "-q")
    assert r.code == 0, r.err
    assert r.out == "1 + x + x^2/2 + x^3/6 + x^4/24\n"
    want = sympy.series(sympy.exp(X), X, 0, 5).removeO()
    assert sympy.simplify(_sympy_poly(r.out.strip()) - want) == 0


@pytest.mark.parametrize("text, sym, a, n", [
    ("sin(x)", sympy.sin(X), 0, 7),
    ("cos(x)", sympy.cos(X), 0, 6),
    ("log(x)", sympy.log(X), 1, 5),
    ("1/(1-x)", 1 / (1 - X), 0, 5),
    ("log(1+x)", sympy.log(1 + X), 0, 6),
    ("sqrt(1+x)", sympy.sqrt(1 + X), 0, 4),
    ("x^3 - 2*x", X ** 3 - 2 * X, 2, 4),
])
def test_exact_coefficients_match_sympy_series(text: str, sym: object, a: float, n: int) -> None:
    d = derivatives(parse(text), {"x": a}, n)
    want = sympy.series(sym, X, a, n + 1).removeO()
    got = _sympy_poly(polynomial(d))
    assert sympy.expand(got - want) == 0, (polynomial(d), want)
    assert d.passed


def test_inexact_coefficients_are_round_trip_decimals() -> None:
    d = derivatives(parse("exp(x)"), {"x": 1}, 3)
    poly = polynomial(d)
    assert poly.startswith("2.718281828459045 + 2.718281828459045*(x - 1)")
    want = sympy.series(sympy.exp(X), X, 1, 4).removeO()
    for x0 in (0.5, 1.2, 2.0):
        got = float(_sympy_poly(poly).subs(X, x0))
        assert got == pytest.approx(float(want.subs(X, x0)), rel=1e-14)


def test_polynomial_reads_back_into_gradcli() -> None:
    d = derivatives(parse("cos(x)"), {"x": -2}, 4)
    poly = polynomial(d)
    want = sympy.series(sympy.cos(X), X, -2, 5).removeO()
    for x0 in (-2.3, -1.5):
        got = evaluate(poly, {"x": x0}, check=False).value
        assert got == pytest.approx(float(want.subs(X, x0)), rel=1e-13)


def test_exact_detection() -> None:
    assert exact(0.5) == sympy.Rational(1, 2)
    assert exact(1 / 3) == sympy.Rational(1, 3)
    assert exact(2.718281828459045) is None
    assert exact(float("nan")) is None


def test_x_to_the_x_via_eval_order(gradcli: Gradcli) -> None:
    r = gradcli("eval", "x^x", "--x", "2", "--order", "2", "-q")
    assert r.code == 0, r.err
    first, second = (float(v) for v in r.out.split())
    assert second == 13.46698950015237  # the number
    # SymPy: d/dx x^x = x^x (ln x + 1)
    assert first == pytest.approx(float((X ** X * (sympy.log(X) + 1)).subs(X, 2)), rel=1e-15)
    j = json.loads(gradcli("eval", "x^x", "--x", "2", "--order", "3", "--format", "json").out)
    assert j["order"] == 3 and j["derivatives"][0] == 4 and j["check"]["passed"] is True


def test_random_higher_derivatives_against_sympy() -> None:
    import mpmath

    rng = random.Random(4)
    compared = 0
    while compared < 60:
        text, sym = random_expr(rng, rng.choice([2, 3]), SMOOTH, "x", sympy=True)
        tape = parse(text)
        if list(tape.variables) != ["x"]:
            continue
        x0 = round(rng.uniform(0.3, 2.0), 3)
        try:
            d = derivatives(tape, {"x": x0}, 4, check=False)
        except DomainError:
            continue
        ok = True
        for k in range(5):
            f = sympy.lambdify(X, sympy.diff(sym, X, k),
                               modules=[{"DiracDelta": lambda *a: 0}, "mpmath"])
            with mpmath.workdps(40):
                want = float(mpmath.re(f(mpmath.mpf(x0))))
            if not abs(want) < 1e10:
                ok = False
                break
            assert d.values[k] == pytest.approx(want, rel=1e-8, abs=1e-8), (text, x0, k)
        compared += ok


def test_cli_errors(gradcli: Gradcli) -> None:
    r = gradcli("taylor", "x*y", "--x", "1", "--y", "2")
    assert r.code == 2 and r.out == "" and "one variable" in r.err
    r = gradcli("taylor", "x^1.5", "--x", "0", "--order", "2")
    assert r.code == 3 and r.out == "" and "second derivative" in r.err
    r = gradcli("taylor", "exp(x)", "--x", "0", "--order", "99")
    assert r.code == 2 and r.out == ""
    # several variables: every value must be given (issue 12 lifted the one-variable limit)
    r = gradcli("eval", "x*y", "--x", "1", "--order", "2")
    assert r.code == 2 and r.out == "" and "no value for the variable y" in r.err


def test_cli_table_and_json(gradcli: Gradcli) -> None:
    t = gradcli("taylor", "exp(x)", "--x", "0", "--order", "4")
    assert t.code == 0 and "T4(x) = 1 + x + x^2/2 + x^3/6 + x^4/24" in t.out
    j = json.loads(gradcli("taylor", "sin(x)", "--x", "0", "--order", "3",
                           "--format", "json").out)
    assert j["polynomial"] == "x - x^3/6"
    assert j["derivatives"] == [0, 1, 0, -1]
    assert j["coefficients"] == pytest.approx([0, 1, 0, -1 / 6], rel=1e-15)


def test_order_and_direction_do_not_mix(gradcli: Gradcli) -> None:
    r = gradcli("eval", "x^2", "--x", "1", "--order", "2", "--direction", "1")
    assert r.code == 2 and r.out == "" and "do not go together" in r.err


def test_golden_taylor_table(golden: Golden) -> None:
    """The layout at a fixed width, no colour (regenerate: GRADCLI_REGEN=1)."""
    from gradcli.render.taylor import derivatives_table

    d = derivatives(parse("exp(x)"), {"x": 0}, 4)
    golden("taylor_exp", derivatives_table(d, polynomial(d), 10, 100, False))


@pytest.mark.parametrize("argv", [["taylor", "2", "--order", "2"],
                                  ["eval", "x*y, x", "--x", "1", "--y", "2", "--order", "2"]])
def test_not_one_variable_one_output(gradcli: Gradcli, argv: list[str]) -> None:
    r = gradcli(*argv)
    assert r.code == 2 and r.out == ""
    assert "higher derivatives" in r.err or "higher partials need one output" in r.err


def test_exact_detection_does_not_invent_fractions() -> None:
    # random doubles of every size: none may pass for a simple fraction
    rng = random.Random(9)
    hits = 0
    for _ in range(2000):
        v = rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 9)
        hits += exact(v) is not None and not v.is_integer()
    assert hits == 0
    # with a 1e-12 relative tolerance, derivatives of this function passed for fractions
    d = derivatives(parse("sin(x)*exp(x)/(1+x^2)"), {"x": 0.5}, 8, check=False)
    assert all(exact(v) is None for v in d.values)


def test_exact_values_survive_the_sweeps_rounding() -> None:
    # log's derivatives at 3 are (k-1)!(-1)^(k+1)/3^k: thirds, rounded in the sweep
    d = derivatives(parse("log(x)"), {"x": 3}, 4)
    got = _sympy_poly(polynomial(d))
    want = sympy.series(sympy.log(X), X, 3, 5).removeO()
    diff = sympy.expand(got - want)  # only the constant log 3 (a decimal) differs
    assert diff.free_symbols == set() and abs(float(diff)) < 1e-15


def test_jets_agree_with_nested_duals() -> None:
    """Two independent forward modes over the same table: jets and nested duals."""
    from gradcli import jet
    from gradcli.dual import FNS, component, seed
    from gradcli.forward import forward

    rng = random.Random(11)
    compared = 0
    while compared < 40:
        text, _ = random_expr(rng, rng.choice([2, 3]), SMOOTH, "x")
        tape = parse(text)
        if list(tape.variables) != ["x"]:
            continue
        x0 = round(rng.uniform(0.3, 2.0), 3)
        try:
            d = derivatives(tape, {"x": x0}, 5, check=False)
        except DomainError:
            continue
        out = forward(tape, {"x": seed(x0, 5)}, fns=FNS)[tape.outputs[0]]
        nested = [component(out, k, 5) for k in range(6)]
        scale = max(1.0, *(abs(v) for v in nested))
        for k in range(6):
            # nested duals round more (atan(tan(x)) near pi/2 leaves 1e-10 where 0 is due)
            assert abs(d.values[k] - nested[k]) <= 1e-8 * scale, (text, x0, k)
        compared += 1
    assert jet._memo == {}  # the memo lives only for one sweep


def test_high_order_matches_sympy_series() -> None:
    d = derivatives(parse("exp(x)*sin(x)"), {"x": 0}, 20, check=False)
    want = sympy.series(sympy.exp(X) * sympy.sin(X), X, 0, 21).removeO()
    assert sympy.expand(_sympy_poly(polynomial(d)) - want) == 0
    d = derivatives(parse("1/(1+x^2)"), {"x": 0.5}, 30, check=False)
    f = 1 / (1 + X ** 2)
    for k in (10, 20, 30):
        want_k = float(sympy.diff(f, X, k).subs(X, sympy.Rational(1, 2)))
        assert d.values[k] == pytest.approx(want_k, rel=1e-10)


@pytest.mark.parametrize("expr, at, order", [
    ("sin(x)^2", 0.0, 6), ("x^4", 0.0, 6), ("x^3 - 2*x^2", 0.0, 5), ("cos(x)^3*x^2", 0.0, 6),
])
def test_integer_powers_at_zero_against_sympy(expr: str, at: float, order: int) -> None:
    """x^n at x = 0 must not step through x^-1 (the table's y·x^(y-1))."""
    import sympy

    from gradcli.parser import parse
    from gradcli.taylor import derivatives

    x = sympy.Symbol("x")
    f = sympy.sympify(expr.replace("^", "**"))
    got = derivatives(parse(expr), {"x": at}, order)
    assert got.checks[1:] and all(c is not None and c.passed for c in got.checks[1:])
    for k in range(order + 1):
        want = float(sympy.diff(f, x, k).subs(x, at))
        assert got.values[k] == pytest.approx(want, abs=1e-12), (expr, k)
