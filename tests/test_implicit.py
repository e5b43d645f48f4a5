"""`gradcli implicit` (issue 12 item 4) against SymPy's `idiff`, and its contract.

The formulas of every order are compared with idiff's as functions of (x, y) at
random points (idiff does not substitute the curve either, so they must agree
everywhere, not only on the curve); values at points on the curves, the check
along the curve, the on-curve and vertical-tangent errors, and --expect.
"""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import subprocess
import sys

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")
mpmath = pytest.importorskip("mpmath")

from conftest import Gradcli  # noqa: E402

from gradcli.errors import DomainError, GradcliError, InputError  # noqa: E402
from gradcli.forward import forward  # noqa: E402
from gradcli.implicit import derivative_formulas, implicit, judge, read_curve  # noqa: E402
from gradcli.numfmt import number_text  # noqa: E402

X, Y = sympy.symbols("x y", real=True)
S = sympy

# (gradcli equation, SymPy lhs - rhs)
CURVES = [
    ("x^2 + y^2 = 25", X**2 + Y**2 - 25),
    ("x^3 + y^3 = 6 x y", X**3 + Y**3 - 6 * X * Y),
    ("x^2 - x y + y^2 = 7", X**2 - X * Y + Y**2 - 7),
    ("sin(x y) = x", S.sin(X * Y) - X),
    ("exp(x y) = x + y", S.exp(X * Y) - X - Y),
    ("x^2 y + y^3 = 10", X**2 * Y + Y**3 - 10),
    ("sqrt(x) + sqrt(y) = 3", S.sqrt(X) + S.sqrt(Y) - 3),
    ("y^2 = x^3 - x", Y**2 - X**3 + X),
    ("log(x + y) = x y", S.log(X + Y) - X * Y),
    ("x cos(y) + y cos(x) = 1", X * S.cos(Y) + Y * S.cos(X) - 1),
    ("atan(y/x) = x^2", S.atan(Y / X) - X**2),
    ("x^2/9 + y^2/4 = 1", X**2 / 9 + Y**2 / 4 - 1),
    ("tan(x y) = y", S.tan(X * Y) - Y),
    ("x e^y = y - 1", X * S.exp(Y) - Y + 1),
]


def _num(expr: object, x: float, y: float) -> float | None:
    f = sympy.lambdify([X, Y], expr, modules="mpmath")
    with mpmath.workdps(40):
        try:
            v = f(mpmath.mpf(x), mpmath.mpf(y))
        except (ValueError, ZeroDivisionError):
            return None
        if isinstance(v, mpmath.mpc):
            return None
        out = float(v)
    return out if math.isfinite(out) and abs(out) < 1e8 else None


def _close(a: float, b: float, rel: float = 1e-8) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-10


@pytest.mark.parametrize("text,eq", CURVES, ids=[c[0] for c in CURVES])
def test_formulas_match_idiff(text: str, eq: object) -> None:
    """Orders 1-3, as functions of (x, y), at random points."""
    c = read_curve(text)
    tapes = derivative_formulas(c, 3)
    rng = random.Random(hash(text) % 1000)
    compared = 0
    for _ in range(12):
        x, y = round(rng.uniform(0.2, 1.8), 4), round(rng.uniform(0.2, 1.8), 4)
        for k, t in enumerate(tapes, start=1):
            want = _num(S.idiff(eq, Y, X, k), x, y)
            if want is None:
                continue
            try:
                got = float(forward(t, {n: {"x": x, "y": y}[n] for n in t.variables})
                            [t.outputs[0]])
            except GradcliError:
                continue
            assert _close(got, want), (text, k, x, y, got, want)
            compared += 1
    assert compared >= 18


def test_values_at_points_on_curves_against_idiff() -> None:
    """Random points: the curve G(x, y) = G(x0, y0) passes through them; orders 1 and 2."""
    rng = random.Random(12)
    done = 0
    for text, eq in CURVES:
        lhs, rhs = text.split("=")
        tape = read_curve(text).tape
        for _ in range(4):
            x0, y0 = round(rng.uniform(0.3, 1.7), 3), round(rng.uniform(0.3, 1.7), 3)
            try:  # lhs - rhs at the point: the curve lhs - rhs = g passes through it
                g = float(forward(tape, {"x": x0, "y": y0})[tape.outputs[0]])
            except GradcliError:
                continue
            curve = f"{lhs.strip()} - ({rhs.strip()}) = {number_text(g)}"
            try:
                r = implicit(curve, {"x": x0, "y": y0}, 2)
            except DomainError:
                continue
            shifted = eq - sympy.Float(g, 30)  # type: ignore[operator]
            for o in r.orders:
                want = _num(S.idiff(shifted, Y, X, o.k), x0, y0)
                if want is None:
                    continue
                assert o.value is not None and _close(o.value, want, 1e-7), (curve, o.k)
                assert o.check is not None and o.check.verdict == "ok", (curve, o.k, o.check)
            done += 1
    assert done >= 40


def test_circle_cli(gradcli: Gradcli) -> None:
    r = gradcli("implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4")
    assert r.code == 0, r.err
    assert "dy/dx = -x/y" in r.out and "dy/dx = -0.75" in r.out and "✓ ok" in r.out
    r = gradcli("implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4", "-q", "--order", "2")
    assert r.out == "-0.75\n-0.390625\n"  # d²y/dx² = -25/y³ = -25/64
    r = gradcli("implicit", "x^2 + y^2 = 25", "--format", "plain")
    assert r.out == "equation = x^2 + y^2 = 25\ndy/dx = -x/y\n"
    r = gradcli("implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4", "--format", "json")
    data = json.loads(r.out)
    assert data["derivatives"][0]["formula"] == "-x/y"
    assert data["derivatives"][0]["value"] == -0.75 and data["check"]["passed"] is True
    assert data["point"] == {"x": 3.0, "y": 4.0} and data["wrt"] == "x" and data["of"] == "y"
    r = gradcli("implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4", "--format", "csv")
    assert r.out.splitlines()[0] == "order,formula,value,fd,check"
    assert r.out.splitlines()[1].startswith("1,-x/y,-0.75,")


def test_other_pair_and_defaults(gradcli: Gradcli) -> None:
    r = gradcli("implicit", "x^2 + y^2 = 25", "--wrt", "y", "--of", "x", "--x", "3", "--y", "4",
                "-q")
    assert r.out == "-1.3333333333333333\n"  # dx/dy = -y/x
    r = gradcli("implicit", "u^2 + v^3 = 2", "--wrt", "u", "--of", "v", "-q")
    assert r.code == 0 and r.out == "-2*u/(3*v^2)\n"
    r = gradcli("implicit", "u^2 + v^3 = 2")
    assert r.code == 2 and "--wrt u --of v" in r.err  # two readings: refuse, offer both
    r = gradcli("implicit", "x^2 + y^2 - 25", "-q")  # an expression alone is expr = 0
    assert r.out == "-x/y\n"


@pytest.mark.parametrize("argv,code,what", [
    (["implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4.1"], 2, "not on the curve"),
    (["implicit", "x^2 + y^2 = 25", "--x", "5", "--y", "0"], 3, "vertical"),
    (["implicit", "x^2 = y^2", "--x", "0", "--y", "0"], 3, "singular"),
    (["implicit", "x^2 + y^2 = 25", "--x", "3"], 2, "no value for the variable y"),
    (["implicit", "x^2 + y^2 = 25 = 3"], 2, "unexpected"),
    (["implicit", "x^2 + y^2 = "], 2, "ends too early"),
    (["implicit", "x = 3"], 2, "y"),
    (["implicit", "x^2 + y^2 = 25", "--wrt", "x", "--of", "x"], 2, "both x"),
    (["implicit", "x^2 + y^2 = 25", "--order", "7"], 2, "7"),
    (["implicit", "log(x) + y = 1", "--x", "-1", "--y", "1"], 3, "log"),
])
def test_errors(gradcli: Gradcli, argv: list[str], code: int, what: str) -> None:
    r = gradcli(*argv)
    assert r.code == code and r.out == "" and what in r.err, (r.code, r.err)
    assert "Traceback" not in r.err


def test_off_curve_error_gives_the_nearest_point(gradcli: Gradcli) -> None:
    r = gradcli("implicit", "x^2 + y^2 = 25", "--x", "1", "--y", "4.899")
    assert r.code == 2 and "nearest" in r.err
    near = float(r.err.split("y = ")[-1].split()[0].rstrip(";"))
    assert near == pytest.approx(math.sqrt(24), rel=1e-15)
    ok = gradcli("implicit", "x^2 + y^2 = 25", "--x", "1", "--y", "sqrt(24)", "-q")
    assert ok.code == 0 and float(ok.out) == pytest.approx(-1 / math.sqrt(24), rel=1e-12)


@pytest.mark.parametrize("order,expect,right", [
    (1, "-x/y", True), (1, "x/y", False), (1, "-y/x", False), (1, "-(x/y)", True),
    (2, "-25/y^3", True),  # uses the curve: right on it, as on paper
    (2, "-(x^2 + y^2)/y^3", True), (2, "-1/y", False), (2, "25/y^3", False),
])
def test_expect(gradcli: Gradcli, order: int, expect: str, right: bool) -> None:
    r = gradcli("implicit", "x^2 + y^2 = 25", "--order", str(order), "--expect", expect)
    assert r.code == (0 if right else 1), r.out + r.err
    assert r.out.startswith("✓" if right else "✗")
    v = judge("x^2 + y^2 = 25", expect, order)
    assert v.right is right and len(v.points) >= (60 if right else 1)
    for p in v.points:  # every point compared at lies on the curve
        assert abs(p["x"] ** 2 + p["y"] ** 2 - 25) <= 1e-9 * 25


def test_expect_near_miss_is_wrong() -> None:
    # off by 1e-6 relative: far below a plotted line, far above rounding
    v = judge("x^3 + y^3 = 6 x y", "(2y - x^2)/(y^2 - 2x) * 1.000001")
    assert not v.right and v.counterexample is not None
    assert judge("x^3 + y^3 = 6 x y", "(2y - x^2)/(y^2 - 2x)").right


def test_expect_large_coefficients_off_by_one_are_wrong(gradcli: Gradcli) -> None:
    """Doubles at 1e-8 would pass 164579104 for 164579103; the high-precision decision does not."""
    r = gradcli("implicit", "y = 164579103*x - 272640784", "--expect", "164579104")
    assert r.code == 1 and r.out.startswith("✗")
    r = gradcli("implicit", "y = 164579103*x - 272640784", "--expect", "164579103")
    assert r.code == 0 and "50 digits" in r.out
    for c in (123456789, 987654321012):
        assert not judge(f"{c} x^2 + y^2 = {c}", f"-{c}*x/y * (1 + 1e-12)").right
        assert judge(f"{c} x^2 + y^2 = {c}", f"-{c}*x/y").right


def test_expect_bad_input(gradcli: Gradcli) -> None:
    r = gradcli("implicit", "x^2 + y^2 = 25", "--expect", "-x/z")
    assert r.code == 2 and "z" in r.err and r.out == ""
    with pytest.raises(InputError):
        judge("x^2 + y^2 = 25", "-x/y, 1")


@pytest.mark.skipif(shutil.which("gradcli", path=os.path.dirname(sys.executable)) is None,
                    reason="needs the installed gradcli of this venv")
def test_real_command_line() -> None:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    assert exe is not None
    p = subprocess.run([exe, "implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "4", "-q"],
                       capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "-0.75\n", "")
    p = subprocess.run([exe, "implicit", "x^2 + y^2 = 25", "--x", "3", "--y", "5"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1


# ---------------------------------------------------------------- kinks (issue 14), read as (11)

def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


def _eval_partial(expr: str, point: list[str], wrt: str, convention: str) -> float:
    """eval's reverse-sweep partial at the same point and convention: the oracle."""
    p = _cli("eval", expr, *point, "--wrt", wrt, "--subgradient", convention, "--format",
             "json", "-q")
    assert p.returncode == 0, p.stderr
    (v,) = json.loads(p.stdout)
    return float(v)


@pytest.mark.parametrize("eq,f,point", [
    ("abs(x) + y = 1", "abs(x) + y - 1", ["--x", "0", "--y", "1"]),
    ("max(x, 0) + 2y = 2", "max(x, 0) + 2y - 2", ["--x", "0", "--y", "1"]),
    ("y^3 + relu(x) = 8", "y^3 + relu(x) - 8", ["--x", "0", "--y", "2"]),
])
@pytest.mark.parametrize("convention", ["torch", "left", "right", "mean"])
def test_kink_value_is_evals_and_noted(eq: str, f: str, point: list[str],
                                       convention: str) -> None:
    p = _cli("implicit", eq, *point, "--subgradient", convention, "-q")
    assert p.returncode == 0, p.stderr
    want = -_eval_partial(f, point, "x", convention) / _eval_partial(f, point, "y", convention)
    assert float(p.stdout) == want
    assert "kink" in p.stderr or "tie" in p.stderr  # -q: the note on stderr
    j = _cli("implicit", eq, *point, "--subgradient", convention, "--format", "json")
    doc = json.loads(j.stdout)
    assert doc["derivatives"][0]["value"] == want
    assert any("kink" in n or "tie" in n for n in doc["notes"])
    t = _cli("implicit", eq, *point, "--subgradient", convention)
    assert t.returncode == 0 and "note:" in t.stdout


def test_subgradient_error_exits_3_at_a_kink() -> None:
    p = _cli("implicit", "abs(x) + y = 1", "--x", "0", "--y", "1", "--subgradient", "error")
    assert p.returncode == 3 and p.stdout == ""
    first = p.stderr.splitlines()[0]  # then the input, with a caret under the kink
    assert first.startswith("gradcli: error:") and "kink" in first
    p = _cli("implicit", "abs(x) + y = 1", "--x", "0.5", "--y", "0.5", "--subgradient",
             "error", "-q")  # away from the kink: the one derivative, no note
    assert (p.returncode, p.stdout, p.stderr) == (0, "-1\n", "")


def test_read_as() -> None:
    """implicit shows how it read the equation (issue 11 item 1); none when as typed."""
    doc = json.loads(_cli("implicit", "2xy = 1", "--x", "1", "--y", "0.5", "--format",
                          "json").stdout)
    assert doc["read_as"][0]["text"].replace(" ", "") == "2*x*y=1"
    assert doc["read_as"][0]["text"] == doc["equation"]
    assert "read as: " in _cli("implicit", "2xy = 1").stdout
    assert "read_as" not in json.loads(_cli("implicit", "x^2 + y^2 = 25", "--format",
                                            "json").stdout)
