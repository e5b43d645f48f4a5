"""Exact arithmetic: fractions through the sweeps, inexact values marked."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

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


# ---------------------------------------------------------------- doubles that underflowed
# A value that is not exact is never marked exact, and a double 0 whose true value is not 0
# says so: 20 squarings of 0.999 gave ∂f/∂x as an exact "0" (the sweep skips a node whose
# adjoint is 0, and the underflowed double's 0 left the fractions below it looking exact).

SQUARINGS = "x"
for _ in range(20):
    SQUARINGS = f"({SQUARINGS})^2"


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    """The installed command of this venv, as a user runs it."""
    exe = Path(sys.executable).parent / "gradcli"
    return subprocess.run([str(exe), *argv], capture_output=True, text=True, timeout=120)


def _oracle_log10(text: str, x: str) -> tuple[float, float]:
    """log10 of |f| and |f'| at x by SymPy (60-digit floats: no exponent underflows)."""
    import sympy

    s = sympy.Symbol("x")
    f = sympy.sympify(text.replace("^", "**"), locals={"x": s})
    at = sympy.Float(x, 60)
    value, slope = f.subs(s, at).evalf(60), sympy.diff(f, s).subs(s, at).evalf(60)
    assert value != 0 and slope != 0
    return (float(sympy.log(abs(value), 10).evalf(30)),
            float(sympy.log(abs(slope), 10).evalf(30)))


def _noted_log10(notes: list[str], what: str) -> float:
    """The true size an underflow note gives for `what` ("the value" or "∂/∂x")."""
    note = next(n for n in notes if n.startswith(what + " ≈ 0") and "underflowed" in n)
    found = re.search(r"true value is (-?[0-9.]+)e([-+]?[0-9]+) ", note)
    assert found is not None, note
    return math.log10(abs(float(found.group(1)))) + int(found.group(2))  # 1e-450 is no double


@pytest.mark.parametrize(("text", "x"), [(SQUARINGS, "0.999"), ("exp(-1000)*x^2", "1"),
                                         ("x^2000", "1e-200")])
def test_an_underflowed_double_is_marked_and_noted(text: str, x: str) -> None:
    log_value, log_slope = _oracle_log10(text, x)
    assert log_value < -308 and log_slope < -308  # both below double range: the case
    r = _cli("eval", text, "--x", x, "--exact", "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    for what, v, want in (("the value", data["value"], log_value),
                          ("∂/∂x", data["gradient"]["x"], log_slope)):
        assert v["exact"] is None  # a double 0, not an exact "0"
        assert v["value"] == 0.0
        assert _noted_log10(data["notes"], what) == pytest.approx(want, abs=0.01)
    for fmt in ("plain", "table"):
        r = _cli("eval", text, "--x", x, "--exact", "--format", fmt)
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert "f = ≈ 0" in lines and "∂f/∂x = ≈ 0" in lines and "∂f/∂x = 0" not in lines
        assert sum("underflowed" in line for line in lines) == 2
    r = _cli("eval", text, "--x", x, "--exact", "-q")
    assert r.returncode == 0 and r.stdout.split() == ["≈0.0", "≈0.0"]
    assert r.stderr.count("underflowed") == 2  # -q keeps the notes on stderr
    r = _cli("explain", text, "--x", x, "--exact", "--format", "json")
    data = json.loads(r.stdout)
    assert data["gradient"]["x"]["exact"] is None
    assert _noted_log10(data["notes"], "∂/∂x") == pytest.approx(log_slope, abs=0.01)


@pytest.mark.parametrize("k", [3, 10, 11, 12, 16, 20])
def test_squarings_are_exact_or_marked_never_an_exact_wrong_number(k: int) -> None:
    """d/dx x^(2^k) = 2^k x^(2^k - 1) at 999/1000: an exact answer is that fraction; past
    the digit budget the answer is a marked double within 1e-12, 0 with a note, or refused."""
    from gradcli.exact import ExactBudget, eval_exact

    text = "x"
    for _ in range(k):
        text = f"({text})^2"
    try:
        a = eval_exact(text, {"x": "0.999"}).value
    except ExactBudget:  # or refused: a fraction past 4,000 digits (exit 2)
        assert k > 10
        return
    n = 2 ** k
    log_slope = k * math.log10(2) + (n - 1) * (math.log10(999) - 3)
    for got, log_want, what in ((a.value, n * (math.log10(999) - 3), "the value"),
                                (a.gradient["x"], log_slope, "∂/∂x")):
        if isinstance(got, Fraction):
            want = Fraction(999, 1000) ** n if what == "the value" else \
                n * Fraction(999, 1000) ** (n - 1)
            assert got == want
        elif got == 0:
            assert log_want < -307
            noted = _noted_log10([m.message for m in a.notes], what)
            assert noted == pytest.approx(log_want, abs=0.01)
        else:
            assert math.log10(got) == pytest.approx(log_want, abs=1e-12 * abs(log_want) + 1e-12)
    assert k > 10 or all(isinstance(v, Fraction) for v in (a.value, a.gradient["x"]))


def test_a_true_zero_stays_exact_or_unnoted(gradcli: Gradcli) -> None:
    # x - x: an exact 0; step(x)·sin(y): a double 0 (sin 2 is a double) that is truly 0
    r = gradcli("eval", "x - x + sin(y)*step(x)", "--x", "1", "--y", "2", "--exact",
                "--format", "json")
    data = json.loads(r.out)
    assert r.code == 0 and data["gradient"]["x"] == {"value": 0.0, "exact": None}
    assert data["notes"] == []
    r = gradcli("eval", "x - x + y^2", "--x", "1", "--y", "2", "--exact", "-q")
    assert r.out.split() == ["4", "0", "4"]
