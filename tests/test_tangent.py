"""`gradcli tangent` (issue 12 item 5): textbook cases, each against SymPy.

Every case: the slope(s) and intercept against SymPy's diff at 40 digits, and
where the textbook answer has simple fractions, the exact equation as printed.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from conftest import Gradcli  # noqa: E402

from gradcli.tangent import tangent  # noqa: E402

X, Y = sympy.symbols("x y", real=True)
S = sympy

# (gradcli text, SymPy f(x), a, the equation a textbook prints, its normal line)
LINES = [
    ("x^3", X**3, "1", "y = 3x - 2", "y = -x/3 + 4/3"),
    ("x^2", X**2, "3", "y = 6x - 9", "y = -x/6 + 19/2"),
    ("sqrt(x)", S.sqrt(X), "4", "y = x/4 + 1", "y = -4x + 18"),
    ("sin(x)", S.sin(X), "0", "y = x", "y = -x"),
    ("exp(x)", S.exp(X), "0", "y = x + 1", "y = -x + 1"),
    ("1/x", 1 / X, "2", "y = -x/4 + 1", "y = 4x - 15/2"),
    ("log(x)", S.log(X), "1", "y = x - 1", "y = -x + 1"),
    ("cos(x)", S.cos(X), "0", "y = 1", "x = 0"),
    ("x^3 - 3x", X**3 - 3 * X, "1", "y = -2", "x = 1"),
    ("(x^2 + 1)/(x - 1)", (X**2 + 1) / (X - 1), "2", "y = -x + 7", "y = x + 3"),
    ("x e^x", X * S.exp(X), "0", "y = x", "y = -x"),
    ("sin(x)", S.sin(X), "pi/6", None, None),
    ("atan(x)", S.atan(X), "1", None, None),
    ("x^x", X**X, "2", None, None),
]


@pytest.mark.parametrize("text,f,a,printed,normal", LINES, ids=[c[0] + "@" + c[2] for c in LINES])
def test_tangent_lines(gradcli: Gradcli, text: str, f: object, a: str, printed: str | None,
                       normal: str | None) -> None:
    r = gradcli("tangent", text, "--x", a, "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    av = sympy.sympify(a.replace("pi", "pi"))
    m = sympy.N(sympy.diff(f, X).subs(X, av), 40)  # type: ignore[attr-defined]
    b = sympy.N((f - sympy.diff(f, X) * X).subs(X, av), 40)  # type: ignore[operator]
    assert data["slopes"]["x"] == pytest.approx(float(m), rel=1e-12, abs=1e-15)
    assert data["intercept"] == pytest.approx(float(b), rel=1e-12, abs=1e-12)
    assert data["kind"] == "line" and data["dependent"] == "y"
    if printed is not None:
        assert data["equation"] == printed
        q = gradcli("tangent", text, "--x", a, "--normal", "-q")
        assert q.out == normal + "\n"
    # the equation reads back into gradcli: at a few x its right side is the line
    rhs = data["equation"].split("=", 1)[1]
    for x in (-1.5, 0.25, 3.0):
        e = gradcli("eval", rhs, "--x", str(x), "-q", "--no-check")
        got = float(e.out.splitlines()[0]) if e.out else float("nan")
        want = float(m) * x + float(b) if "x" in rhs else float(b)
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), (rhs, x)


def test_tangent_plane(gradcli: Gradcli) -> None:
    r = gradcli("tangent", "x^2 + y^2", "--x", "1", "--y", "2", "-q")
    assert r.out == "z = 2x + 4y - 5\n"
    r = gradcli("tangent", "x^2 + y^2", "--x", "1", "--y", "2", "--normal", "-q")
    assert r.out == "(x, y, z) = (1, 2, 5) + t*(2, 4, -1)\n"
    r = gradcli("tangent", "x y", "--x", "3", "--y", "-2", "--format", "json")
    data = json.loads(r.out)
    assert data["kind"] == "plane" and data["equation"] == "z = -2x + 3y + 6"
    assert data["normal"]["direction"] == {"x": -2.0, "y": 3.0, "z": -1.0}
    # against SymPy: z = f(a) + f_x (x - a) + f_y (y - b) for a surface with irrational slopes
    f = S.sin(X) * S.exp(Y)
    t = tangent("sin(x) exp(y)", {"x": 0.7, "y": -0.3})
    sub = {X: sympy.Float(0.7, 30), Y: sympy.Float(-0.3, 30)}
    assert float(t.tangent.slopes["x"]) == pytest.approx(float(f.diff(X).subs(sub)), rel=1e-13)
    assert float(t.tangent.slopes["y"]) == pytest.approx(float(f.diff(Y).subs(sub)), rel=1e-13)
    c0 = f.subs(sub) - f.diff(X).subs(sub) * 0.7 - f.diff(Y).subs(sub) * -0.3
    assert float(t.tangent.intercept) == pytest.approx(float(c0), rel=1e-12)


@pytest.mark.parametrize("eq,x,y,printed,normal", [
    ("x^2 + y^2 = 25", "3", "4", "y = -3x/4 + 25/4", "y = 4x/3"),
    ("x^2 + y^2 = 25", "5", "0", "x = 5", "y = 0"),  # vertical: F_y = 0
    ("x^3 + y^3 = 6 x y", "3", "3", "y = -x + 6", "y = x"),
    ("x^2/9 + y^2/4 = 1", "0", "2", "y = 2", "x = 0"),
    ("y^2 = x^3 - x", "-1", "0", "x = -1", "y = 0"),
])
def test_implicit_curves(gradcli: Gradcli, eq: str, x: str, y: str, printed: str,
                         normal: str) -> None:
    r = gradcli("tangent", eq, "--x", x, "--y", y, "-q")
    assert (r.code, r.out) == (0, printed + "\n"), r.err
    r = gradcli("tangent", eq, "--x", x, "--y", y, "--normal", "-q")
    assert r.out == normal + "\n"


def test_implicit_against_idiff() -> None:
    eq = X * S.cos(Y) + Y * S.cos(X) - 1
    x0 = 0.5
    y0 = float(sympy.nsolve(eq.subs(X, x0), Y, 0.6))  # type: ignore[attr-defined]
    t = tangent("x cos(y) + y cos(x) = 1", {"x": x0, "y": y0})
    m = float(S.idiff(eq, Y, X).subs({X: x0, Y: y0}))
    assert float(t.tangent.slopes["x"]) == pytest.approx(m, rel=1e-10)
    assert float(t.tangent.intercept) == pytest.approx(y0 - m * x0, rel=1e-10)
    assert t.passed and t.checks and t.checks[0].verdict == "ok"


@pytest.mark.parametrize("argv,code,what", [
    (["tangent", "x^2 + y^2 = 25", "--x", "3", "--y", "5"], 2, "not on the curve"),
    (["tangent", "x^2 = y^2", "--x", "0", "--y", "0"], 3, "singular"),
    (["tangent", "log(x)", "--x", "-1"], 3, "log"),
    (["tangent", "x^3"], 2, "no value"),
    (["tangent", "x^3", "--x", "1", "--wrt", "x"], 2, "--wrt"),
    (["tangent", "3", "--x", "1"], 2, "no variable"),
    (["tangent", "x^2 + y^2 + z^2 = 3", "--x", "1", "--y", "1", "--z", "1"], 2,
     "more than two"),
])
def test_errors(gradcli: Gradcli, argv: list[str], code: int, what: str) -> None:
    r = gradcli(*argv)
    assert r.code == code and r.out == "" and what in r.err, (r.code, r.err)


def test_formats(gradcli: Gradcli) -> None:
    r = gradcli("tangent", "x^3", "--x", "1")
    assert r.code == 0 and "y = 3x - 2" in r.out and "normal line" in r.out
    assert "check: passed" in r.out
    r = gradcli("tangent", "x^3", "--x", "1", "--format", "csv")
    assert r.out == "coefficient,value\nx,3\nintercept,-2\n"
    r = gradcli("tangent", "x^3", "--x", "1", "--format", "plain")
    assert r.out.splitlines()[:2] == ["tangent = y = 3x - 2", "normal = y = -x/3 + 4/3"]
    r = gradcli("tangent", "sin(x)", "--x", "1", "-q")
    m, b = math.cos(1), math.sin(1) - math.cos(1)
    assert r.out == f"y = {m!r}*x + {b!r}\n"


@pytest.mark.skipif(shutil.which("gradcli", path=os.path.dirname(sys.executable)) is None,
                    reason="needs the installed gradcli of this venv")
def test_real_command_line() -> None:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    assert exe is not None
    p = subprocess.run([exe, "tangent", "x^3", "--x", "1", "-q"], capture_output=True,
                       text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "y = 3x - 2\n", "")


# ---------------------------------------------------------------- kinks (issue 14), read as (11)

def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


def _eval_slope(expr: str, point: list[str], wrt: str, convention: str) -> float:
    """eval's reverse-sweep partial at the same point and convention: the oracle."""
    p = _cli("eval", expr, *point, "--wrt", wrt, "--subgradient", convention, "--format",
             "json", "-q")
    assert p.returncode == 0, p.stderr
    (v,) = json.loads(p.stdout)
    return float(v)


KINKS = [("abs(x)", "0"), ("max(x, 0)", "0"), ("relu(x - 1)", "1"), ("min(x, 2)", "2")]


@pytest.mark.parametrize("expr,a", KINKS)
@pytest.mark.parametrize("convention", ["torch", "left", "right", "mean"])
def test_kink_slope_is_evals_and_noted(expr: str, a: str, convention: str) -> None:
    p = _cli("tangent", expr, "--x", a, "--subgradient", convention, "--format", "json")
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    assert doc["slopes"]["x"] == _eval_slope(expr, ["--x", a], "x", convention)
    assert doc["notes"] and any("kink" in n or "tie" in n for n in doc["notes"])
    # -q: the line on stdout, the note on stderr (never a silent number)
    q = _cli("tangent", expr, "--x", a, "--subgradient", convention, "-q")
    assert q.returncode == 0 and q.stdout.startswith("y = ")
    assert "note" in q.stderr or "warning" in q.stderr
    assert "kink" in q.stderr or "tie" in q.stderr
    t = _cli("tangent", expr, "--x", a, "--subgradient", convention)
    assert t.returncode == 0 and "note:" in t.stdout


def test_left_and_right_differ_at_abs() -> None:
    slopes = {c: json.loads(_cli("tangent", "abs(x)", "--x", "0", "--subgradient", c,
                                 "--format", "json").stdout)["slopes"]["x"]
              for c in ("left", "right", "mean")}
    assert slopes == {"left": -1, "right": 1, "mean": 0}


@pytest.mark.parametrize("argv", [["abs(x)", "--x", "0"], ["max(x, 0)", "--x", "0", "-q"],
                                  ["abs(x) + y = 1", "--x", "0", "--y", "1"],
                                  ["x^2 + y^2", "--x", "1", "--y", "0"]])
def test_subgradient_error_exits_3_at_a_kink(argv: list[str]) -> None:
    if argv[0].startswith("x^2"):  # no kink: the convention changes nothing
        p = _cli("tangent", *argv, "--subgradient", "error")
        assert p.returncode == 0 and p.stderr == ""
        return
    p = _cli("tangent", *argv, "--subgradient", "error")
    assert p.returncode == 3 and p.stdout == ""
    first = p.stderr.splitlines()[0]  # then the input, with a caret under the kink
    assert first.startswith("gradcli: error:") and ("kink" in first or "tie" in first)


def test_curve_kink_noted_and_slope_from_evals_partials() -> None:
    eq, pt = "abs(x) + y = 1", ["--x", "0", "--y", "1"]
    for c in ("torch", "left", "right"):
        p = _cli("tangent", eq, *pt, "--subgradient", c, "--format", "json")
        assert p.returncode == 0, p.stderr
        doc = json.loads(p.stdout)
        fx = _eval_slope("abs(x) + y", pt, "x", c)
        fy = _eval_slope("abs(x) + y", pt, "y", c)
        assert doc["slopes"]["x"] == -fx / fy
        assert any("kink" in n for n in doc["notes"])


def test_no_kink_no_note() -> None:
    doc = json.loads(_cli("tangent", "x^3", "--x", "1", "--format", "json").stdout)
    assert doc["notes"] == []


def test_read_as_as_evals() -> None:
    """tangent shows how it read the input, as eval does (issue 11 item 1)."""
    for expr in ("sin x^2", "3x^2y", "|x|^3"):
        e = json.loads(_cli("eval", expr, "--x", "1", "--y", "2", "--format", "json").stdout)
        t = json.loads(_cli("tangent", expr, "--x", "1", "--y", "2", "--format", "json").stdout)
        assert t["read_as"] == e["read_as"] and t["read_as"]
        table = _cli("tangent", expr, "--x", "1", "--y", "2")
        assert f"read as: {e['read_as'][0]['text']}" in table.stdout
    t = json.loads(_cli("tangent", "2xy = 1", "--x", "1", "--y", "0.5", "--format",
                        "json").stdout)
    assert t["read_as"][0]["text"].replace(" ", "") == "2*x*y=1"
    assert "read_as" not in json.loads(_cli("tangent", "x^3", "--x", "1", "--format",
                                            "json").stdout)


def test_header_names_the_function_not_the_line() -> None:
    assert _cli("tangent", "f(x) = x^3", "--x", "1", "-q").stdout == "y = 3x - 2\n"
    assert _cli("tangent", "y = x^3", "--x", "1", "-q").stdout == "y = 3x - 2\n"
    assert _cli("tangent", "g(x, y) = x*y", "--x", "1", "--y", "2", "-q").stdout == \
        "z = 2x + y - 2\n"
