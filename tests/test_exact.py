"""Exact arithmetic: fractions through the sweeps, inexact values marked."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
from conftest import Gradcli

from gradcli.exact import SWEEP, exact_forward, parse_exact
from gradcli.parser import parse
from gradcli.reverse import reverse

SEED_002 = "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)"


def test_seed_002_gradient_is_9_14_and_5_21(gradcli: Gradcli) -> None:
    # dz/dx = (6x+5y)/(3x^2+5xy) = 27/42 = 9/14 and dz/dy = 5x/(3x^2+5xy) = 10/42 = 5/21
    r = gradcli("eval", SEED_002, "--x", "2", "--y", "3", "--exact")
    assert r.code == 0, r.err
    assert "∂z/∂x = 9/14 (0.6428571429)" in r.out
    assert "∂z/∂y = 5/21 (0.2380952381)" in r.out
    assert "z = ≈ 3.737669618" in r.out  # ln 42 is not rational: marked
    data = json.loads(gradcli("eval", SEED_002, "--x", "2", "--y", "3", "--exact",
                              "--format", "json").out)
    assert data["gradient"]["x"] == {"value": 9 / 14, "exact": "9/14"}
    assert data["value"]["exact"] is None


def test_fractions_stay_exact_through_the_sweeps() -> None:
    tape = parse("(x^3 - 1/3)/(y + 0.1) - x^-2")
    env = {"x": Fraction(2, 3), "y": Fraction(1, 5)}
    vals = exact_forward(tape, env)
    x, y = env["x"], env["y"]
    want = (x ** 3 - Fraction(1, 3)) / (y + Fraction(1, 10)) - x ** -2
    assert vals[tape.outputs[0]] == want
    adj, _ = reverse(tape, vals, **SWEEP)
    assert adj[tape.variables["x"]] == 3 * x ** 2 / (y + Fraction(1, 10)) + 2 * x ** -3
    assert adj[tape.variables["y"]] == -(x ** 3 - Fraction(1, 3)) / (y + Fraction(1, 10)) ** 2


def test_exact_roots_and_inexact_functions() -> None:
    tape = parse("sqrt(x) + x^1.5")
    vals = exact_forward(tape, {"x": Fraction(9, 4)})
    assert vals[tape.outputs[0]] == Fraction(3, 2) + Fraction(27, 8)
    tape = parse("sqrt(x) + sin(x)")
    vals = exact_forward(tape, {"x": Fraction(9, 4)})
    assert isinstance(vals[tape.outputs[0]], float)  # sin(9/4) is not rational
    sq = parse("sqrt(x)")
    assert isinstance(exact_forward(sq, {"x": Fraction(2)})[sq.outputs[0]], float)


@pytest.mark.parametrize(("text", "want"), [
    ("1.5", Fraction(3, 2)), ("2/3", Fraction(2, 3)), ("-0.25", Fraction(-1, 4)),
    ("1e-3", Fraction(1, 1000))])
def test_values_read_exactly(text: str, want: Fraction) -> None:
    assert parse_exact("x", text) == want


def test_quiet_and_plain(gradcli: Gradcli) -> None:
    r = gradcli("eval", "x/3 + y^2", "--x", "1", "--y", "1/2", "--exact", "-q")
    assert r.out == "7/12\n1/3\n1\n"
    r = gradcli("eval", "exp(x)", "--x", "1", "--exact", "-q")
    assert r.out.startswith("≈2.718281828")


def test_exact_errors(gradcli: Gradcli) -> None:
    r = gradcli("eval", "1/(x - 2)", "--x", "2", "--exact")
    assert r.code == 3 and r.out == "" and r.err.startswith("gradcli: error: ")
    r = gradcli("eval", "x*y", "--x", "2", "--exact")
    assert r.code == 2 and "no value for the variable y" in r.err


def test_explain_and_diff_exact(gradcli: Gradcli) -> None:
    r = gradcli("explain", SEED_002, "--x", "2", "--y", "3", "--exact", "--format", "json")
    data = json.loads(r.out)
    assert data["exact"] is True
    assert data["gradient"]["x"] == {"value": 9 / 14, "exact": "9/14"}
    # the ledger's local partial ∂z/∂e = 1/e = 1/42, exactly
    edge = next(b for b in data["backward"] if b["kind"] == "edge" and b["to"] == "e")
    assert edge["local"] == "1/e" and edge["local_value"]["exact"] == "1/42"
    assert data["forward"][-1]["value"]["exact"] is None  # z = ln 42
    # diff: coefficients exact however long with --exact
    assert gradcli("diff", "x^3/7 + 0.1*x", "--exact", "-q").out == "3*x^2/7 + 1/10\n"


def test_min_max_mixing_exact_and_inexact() -> None:
    """max of a fraction and a float: the winner itself, so the tie test stays exact."""
    tape = parse("max(y*y, cosh(x), y)")
    vals = exact_forward(tape, {"y": Fraction(127, 100), "x": Fraction(-98, 100)})
    assert vals[tape.outputs[0]] == Fraction(127, 100) ** 2
    adj, _ = reverse(tape, vals, **SWEEP)
    assert adj[tape.variables["y"]] == 2 * Fraction(127, 100)  # d(y^2)/dy, exactly
    assert adj[tape.variables["x"]] == 0


def test_exact_keeps_conventions_and_refuses_what_it_cannot_do(gradcli: Gradcli) -> None:
    res = gradcli("eval", "abs(x)", "--x", "0", "--exact", "--subgradient", "error")
    assert res.code == 3 and "not differentiable" in res.err
    res = gradcli("eval", "abs(x)", "--x", "0", "--exact", "--subgradient", "right", "-q")
    assert res.code == 0 and res.out.split() == ["0", "1"]
    # the one-sided slopes of the table are taken in exact arithmetic: the mean of
    # relu's 0 and 1 is 1/2, not 0.5 marked inexact
    res = gradcli("eval", "relu(x) + max(x, y)", "--x", "0", "--y", "0", "--exact",
                  "--subgradient", "mean", "-q")
    assert res.code == 0 and res.out.split() == ["0", "1", "1/2"]
    res = gradcli("eval", "max(x, y)", "--x", "1", "--y", "1", "--exact")
    assert "1/2 (0.5)" in res.out and "note:" in res.out
    res = gradcli("eval", "x*y, x+y", "--x", "2", "--y", "3", "--exact")
    assert res.code == 2 and res.out == "" and "one output" in res.err
    res = gradcli("eval", "x^1000", "--x", "3", "--exact", "--wrt", "x", "-q")
    assert res.code == 0 and int(res.out) == 1000 * 3 ** 999
    res = gradcli("eval", "x^y", "--x", "3", "--y", "1000", "--exact")
    assert res.code == 3 and res.out == ""  # 3^1000·ln 3 needs a double and has none


def test_a_tie_between_inexact_values_splits_exactly(gradcli: Gradcli) -> None:
    # sin(y) + x and x + sin(y) are two nodes with one (inexact) value: a tie, split 1/2
    # and 1/2 by the table's min/max rule over exact arithmetic, so ∂f/∂x = 1 exactly
    res = gradcli("eval", "max(sin(y) + x, x + sin(y))", "--x", "1", "--y", "1", "--exact",
                  "-q", "--wrt", "x")
    assert res.code == 0 and res.out == "1\n"


def test_exact_partials_are_the_table_rules_in_exact_arithmetic() -> None:
    from gradcli.exact import local_partials

    # x^y at x = 4, y = 3/2: y x^(y-1) = 3, exactly; x^y log x is not rational
    dx, dy = local_partials("pow", Fraction(8), [Fraction(4), Fraction(3, 2)])
    assert dx == 3 and isinstance(dx, Fraction)
    assert isinstance(dy, float) and abs(dy - 8 * math.log(4)) < 1e-12
    # the limits at x = 0 stay exact; d/dy 0^y for y > 0 is 0
    assert local_partials("pow", Fraction(0), [Fraction(0), Fraction(2)]) == (0, 0)
    assert local_partials("pow", Fraction(0), [Fraction(0), Fraction(1)]) == (1, 0)
    assert all(isinstance(p, Fraction) for p in
               local_partials("pow", Fraction(0), [Fraction(0), Fraction(2)]))
    # a three-way tie: thirds, not 0.333…
    assert local_partials("max", Fraction(1), [Fraction(1)] * 3) == (Fraction(1, 3),) * 3
    # undefined: nan, not an exception
    assert all(math.isnan(p) for p in local_partials("log", Fraction(0), [Fraction(0)]))
