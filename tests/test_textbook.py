"""Formulas as a textbook prints them (issue 12 item 7): one fraction over a common
denominator where that is shorter, atan(y/x)'s -y/(x^2 + y^2), `ln` as typed.

Every printed form is checked against SymPy's diff by value at random points and
accepted by `check` as the answer (the diff -> check round trip), on random
quotients and sums of fractions built for this, as well as the fixed cases.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
import sys

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from gradcli.checker import check_one  # noqa: E402
from gradcli.errors import GradcliError  # noqa: E402
from gradcli.forward import forward  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.simplify import formulas, simplify  # noqa: E402
from gradcli.symbolic import differentiate  # noqa: E402

X, Y = sympy.symbols("x y", real=True)
NAMES = {"x": X, "y": Y, "log": sympy.log, "ln": sympy.log, "atan": sympy.atan,
         "sqrt": sympy.sqrt, "exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos}


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("needs the installed gradcli of this venv")
    return subprocess.run([exe, *argv], capture_output=True, text=True, timeout=120)


# (typed, wrt, the formula a textbook prints, in gradcli's syntax)
TEXTBOOK = [
    ("(x^2+1)/(x-1)", "x", "(x^2 - 2*x - 1)/(x - 1)^2"),
    ("atan(y/x)", "x", "-y/(x^2 + y^2)"),
    ("atan(y/x)", "y", "x/(x^2 + y^2)"),
    ("x/(x+1)", "x", "1/(x + 1)^2"),
    ("(x+1)/(x-1)", "x", "-2/(x - 1)^2"),
    ("log(x)/x", "x", "(1 - log(x))/x^2"),
    ("ln(x)/x", "x", "(1 - ln(x))/x^2"),
    ("x ln x", "x", "ln(x) + 1"),
    ("x log x", "x", "log(x) + 1"),
    ("\\ln(x^2 + 1)", "x", "2*x/(x^2 + 1)"),
    ("ln(x) + log(x)", "x", "2/x"),
    ("x^2 ln(x)", "x", "2*x*ln(x) + x"),
    ("(x^2 - 1)/(x^2 + 1)", "x", "4*x/(x^2 + 1)^2"),
    ("x/(x^2 + y^2)", "x", "-(x^2 - y^2)/(x^2 + y^2)^2"),
]


SPELLED = {"x ln x": "x*log(x)", "x log x": "x*log(x)", "x^2 ln(x)": "x^2*log(x)"}


def _sympy(text: str) -> object:
    text = SPELLED.get(text, text).replace("\\", "")
    return sympy.sympify(text.replace("^", "**"), locals=NAMES)


def _value(formula: str, point: dict[str, float]) -> float:
    tape = parse(formula)
    return float(forward(tape, {n: point[n] for n in tape.variables})[tape.outputs[-1]])


@pytest.mark.parametrize("typed,wrt,printed", TEXTBOOK, ids=[f"{t}:{w}" for t, w, _ in TEXTBOOK])
def test_printed_as_a_textbook_does(typed: str, wrt: str, printed: str) -> None:
    p = _cli("diff", typed, "--wrt", wrt, "--format", "plain")
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == printed
    # the printed form is the derivative (SymPy, by value) and check takes it as the answer
    truth = sympy.diff(_sympy(typed), NAMES[wrt])
    rng = random.Random(typed)
    for _ in range(20):
        point = {"x": rng.uniform(0.2, 3), "y": rng.uniform(-3, 3)}
        want = float(truth.subs({X: point["x"], Y: point["y"]}))
        assert math.isclose(_value(printed, point), want, rel_tol=1e-9, abs_tol=1e-12)
    c = _cli("check", typed, "--wrt", wrt, "--expect", printed)
    assert c.returncode == 0, (c.stdout, c.stderr)


def test_read_as_keeps_ln() -> None:
    p = _cli("diff", "x ln x")
    assert p.stdout.splitlines()[0] == "read as: x*ln(x)"
    p = _cli("diff", "x log x")
    assert p.stdout.splitlines()[0] == "read as: x*log(x)"
    assert "read as" not in _cli("diff", "ln(x)").stdout  # as typed: nothing to say
    p = _cli("implicit", "ln(x + y) = x y")
    assert "ln(x + y) = x*y" in p.stdout and "log(" not in p.stdout


# ---------------------------------------------------------------- random fractions

def _poly(rng: random.Random, names: str) -> str:
    terms = []
    for _ in range(rng.randint(1, 3)):
        c = rng.choice([1, 2, 3, -1, -2, 5])
        chosen = rng.sample(names, rng.randint(0, len(names)))
        mono = "*".join(f"{v}^{rng.randint(1, 2)}" for v in chosen)
        terms.append(f"{c}*{mono}" if mono else str(c))
    return " + ".join(terms).replace("+ -", "- ")


def _fraction_expr(rng: random.Random) -> str:
    names = rng.choice(["x", "xy"])
    shapes = [
        lambda: f"({_poly(rng, names)})/({_poly(rng, names)})",
        lambda: f"({_poly(rng, names)})/({_poly(rng, names)}) + ({_poly(rng, names)})/"
                f"({_poly(rng, names)})",
        lambda: f"atan(({_poly(rng, names)})/({_poly(rng, names)}))",
        lambda: f"log(({_poly(rng, names)})^2 + 1)/({_poly(rng, names)})",
        lambda: f"sqrt(({_poly(rng, names)})^2 + 1)/({_poly(rng, names)})",
        lambda: f"({_poly(rng, names)})/(({_poly(rng, names)})^2 + 1)^2",
    ]
    return rng.choice(shapes)()


def test_random_fractions_against_sympy_and_check() -> None:
    """Random quotients: the printed formula equals SymPy's diff by value at random points,
    check accepts it, and one fraction was printed where it was the shorter form."""
    rng = random.Random(1212)
    compared = checked = one_fraction = 0
    for _ in range(90):
        text = _fraction_expr(rng)
        tape = parse(text)
        expr = _sympy(text)
        for v in tape.variables:
            formula = formulas(simplify(differentiate(tape, [v]).tape, exact=False))[0]
            truth = sympy.diff(expr, NAMES[v])
            ok = 0
            for _ in range(8):
                point = {n: rng.uniform(-2.5, 2.5) for n in tape.variables}
                try:
                    got = _value(formula, point)
                    forward(tape, point)
                except GradcliError:
                    continue
                want = complex(truth.subs({NAMES[n]: sympy.Float(p, 30)
                                           for n, p in point.items()}).evalf(30))
                if not math.isfinite(want.real) or abs(want.imag) > 1e-12:
                    continue
                assert math.isclose(got, want.real, rel_tol=1e-7, abs_tol=1e-9), \
                    (text, v, formula, point, got, want)
                ok += 1
            compared += ok
            if ok:
                try:
                    verdict = check_one(tape, v, formula, points=60)
                except GradcliError:
                    continue
                assert verdict.equivalent, (text, v, formula)
                checked += 1
            depth = 0
            top_level_bars = 0
            for ch in formula:  # a/b at the top level, nothing added outside it
                depth += ch == "("
                depth -= ch == ")"
                top_level_bars += ch == "/" and depth == 0
            if top_level_bars == 1 and " + " not in formula.split("/")[-1][-2:]:
                one_fraction += 1
    assert compared >= 800 and checked >= 120
    assert one_fraction >= 80
