"""Headers (`f(x) = …`), a leading d/dx, and functions defined in programs.

Values and partials against SymPy's reading of the intended (inlined) expression;
the call structure through explain's and graph's JSON; the refusals through the
real command line.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from gradcli.errors import GradcliError  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402

GRADCLI = str(Path(sys.executable).with_name("gradcli"))
SYMS = {n: sympy.Symbol(n, real=True) for n in ("x", "y", "z", "t")}


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADCLI, *argv], capture_output=True, text=True, timeout=60)


# program -> the same function written out for SymPy
PROGRAMS = [
    ("f(t) = t^2 + 1; g(x) = sin(f(x)); g(x)^2", "sin(x**2 + 1)**2"),
    ("f(t) = t^2; f(x) + f(2*x)", "x**2 + (2*x)**2"),
    ("f(t) = t^2; f(f(x))", "x**4"),
    ("h(a, b) = a*exp(b); h(x, y) + h(y, x)", "x*exp(y) + y*exp(x)"),
    ("f(x) = x^3; f(x + y) - f(x)", "(x + y)**3 - x**3"),
    ("a = x*y; f(x) = log(x); f(a)", "log(x*y)"),
    ("f(a) = a^2\ng(a) = f(a) + f(2*a)\ny = g(x)*z", "(x**2 + 4*x**2)*z"),
    ("sq(u) = u*u; sq(sin(x)) + sq(cos(x))", "sin(x)**2 + cos(x)**2"),
    (r"f(t) = t^2 + 1; g(x) = \sin(f(x)); g(x)^2", "sin(x**2 + 1)**2"),
    # headers: the last statement is the expression
    ("f(x) = x^3 - 2x", "x**3 - 2*x"),
    ("z(x, y) = x^2 y", "x**2*y"),
    ("y = 3x + 1", "3*x + 1"),
    (r"f(x) = \frac{1}{1 + e^{-x}}", "1/(1 + exp(-x))"),
    (r"f\left(x\right) = \sqrt{x}", "sqrt(x)"),
    ("f(t) = t + 1; g(x) = 2x", "2*x"),  # the last definition is the output
    ("k = 3*y; f(x) = k*x; f(z)", "3*y*z"),  # a step that does not use the parameter
]


@pytest.mark.parametrize("program,plain", PROGRAMS, ids=[p for p, _ in PROGRAMS])
def test_values_and_partials(program: str, plain: str) -> None:
    want = sympy.sympify(plain, locals=SYMS)
    names = sorted(s.name for s in want.free_symbols)
    assert sorted(parse(program).variables) == names
    rng = random.Random(program)
    for _ in range(8):
        point = {n: rng.uniform(0.2, 2.0) for n in names}
        subs = {SYMS[n]: v for n, v in point.items()}
        ev = evaluate(program, point, check=False)
        assert float(ev.value) == pytest.approx(float(want.subs(subs)), rel=1e-12)
        for n in names:
            d = float(sympy.diff(want, SYMS[n]).subs(subs))
            assert float(ev.gradient[n]) == pytest.approx(d, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("program,label", [
    ("f(x) = x^3 - 2x", "f"), ("z(x, y) = x^2 y", "z"), ("y = 3x + 1", "y"),
    (r"f(x) = \frac{1}{x}", "f"),
])
def test_header_names_the_output(program: str, label: str) -> None:
    assert parse(program).output_names == [label]
    res = run("diff", program)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"∂{label}/∂x = ")


def test_a_call_is_a_named_step_of_explain_and_graph() -> None:
    prog = "f(t) = t^2 + 1; g(x) = sin(f(x)); g(x)^2"
    res = run("explain", prog, "--x", "0.5", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    steps = {s["name"]: s for s in data["forward"]}
    assert {"f(x)", "g(x)"} <= set(steps)
    assert steps["g(x)"]["expression"] == "sin(f(x))"
    edges = {(e["from"], e["to"]): e for e in data["backward"] if e.get("kind") == "edge"}
    # the chain rule through the calls, edge by edge: d g/d f = cos(f(x)) at x = 0.5
    import math

    assert edges[("g(x)", "f(x)")]["local_value"] == pytest.approx(math.cos(1.25))
    assert data["output"] not in ("f", "g")  # the output is not named like a function
    res = run("graph", prog, "--x", "0.5", "--format", "json")
    assert res.returncode == 0, res.stderr
    names = [n["name"] for n in json.loads(res.stdout)["nodes"]]
    assert "f(x)" in names and "g(x)" in names


@pytest.mark.parametrize("program,words", [
    ("f(x) = f(x)", "f calls itself"),
    ("f(x) = x + 1; g(x) = g(x - 1); g(x)", "g calls itself"),
    ("f(x) = x^2; f(x, 2)", "f takes 1 argument (x), got 2"),
    ("h(a, b) = a*b; h(x)", "h takes 2 arguments (a, b), got 1"),
    ("f(x) = x + y; f(2)", "f uses y, which is not among its parameters (x)"),
    ("sin(x) = x; sin(2)", "sin is a built-in function"),
    ("f(x) = x; f(y) = y; f(2)", "f is defined twice"),
    ("f(x, x) = x; f(1, 2)", "the parameter x appears twice"),
    ("f(pi) = pi; f(1)", "the parameter pi is the name of a constant"),
    ("k = x^2; f(x) = k*x; f(y)", "f's parameter x is also the program's x, which the step k uses"),
])
def test_function_errors(program: str, words: str) -> None:
    res = run("eval", program, "--x", "1", "--y", "1")
    assert res.returncode == 2 and res.stdout == ""
    assert words in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.splitlines()) == 3  # line, text, ^


# ---------------------------------------------------------------- d/dx

@pytest.mark.parametrize("text,plain,var", [
    ("d/dx x^2 y", "x**2*y", "x"),
    ("d/dy (x^2 y + y^3)", "x**2*y + y**3", "y"),
    ("d/dt sin(t^2)", "sin(t**2)", "t"),
    (r"\frac{d}{dx}\left(x^2 y\right)", "x**2*y", "x"),
    (r"\frac{\mathrm{d}}{\mathrm{d}x} \sqrt{x}", "sqrt(x)", "x"),
    (r"\dfrac{d}{dz} e^{z}", "exp(z)", "z"),
])
def test_derivative_names_the_variable(text: str, plain: str, var: str) -> None:
    res = run("diff", text, "--format", "json")
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)["derivatives"]
    assert [r["wrt"] for r in rows] == [var]
    want = sympy.diff(sympy.sympify(plain, locals=SYMS), SYMS[var])
    got = sympy.sympify(rows[0]["formula"].replace("^", "**"), locals=SYMS)
    assert sympy.simplify(got - want) == 0
    res = run("check", text, "--expect", str(want))
    assert res.returncode == 0, res.stdout + res.stderr
    res = run("check", text, "--expect", str(2 * want))
    assert res.returncode == 1


@pytest.mark.parametrize("argv,words", [
    (["eval", "d/dx x^2", "--x", "1"], "use gradcli diff or gradcli check"),
    (["graph", r"\frac{d}{dx} x^2", "--x", "1"], "use gradcli diff or gradcli check"),
    (["diff", "d/dy x^2 y", "--wrt", "x"], "d/dy and --wrt x disagree"),
    (["diff", "d/dz x^2"], "z is not a variable"),
    (["diff", "d/dx (x^2) + x"], "apply to the bracket or to all of it"),
    # (diff "d^2/dx^2 x^3" is 6*x since diff --order: tests/test_higher.py)
])
def test_derivative_refusals(argv: list[str], words: str) -> None:
    res = run(*argv)
    assert res.returncode == 2 and res.stdout == ""
    assert words in res.stderr


def test_derivative_parse_flag() -> None:
    assert parse("d/dx x^2 y", derivative=True).derivative == ("x", 1)
    assert parse("d^2/dx^2 x^3", derivative=True).derivative == ("x", 2)
    with pytest.raises(GradcliError):
        parse("d/dx x^2")


def test_a_definition_does_not_rename_a_step_that_shares_its_node() -> None:
    """`f(x) = x^2; a = x^2`: one node; the step keeps its name a (not f)."""
    tape = parse("f(x) = x^2; a = x^2; a + f(y)")
    assert "a" in tape.labels and "f(y)" in tape.labels and "f" not in tape.labels
