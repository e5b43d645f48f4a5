"""LaTeX input (grammar/latex.lark): each form read as meant, checked by value.

Every LaTeX text is paired with the intended expression written for SymPy (not with
a number written here); both are evaluated, with every partial, at random points.
SymPy's own parse_latex needs antlr, so the oracle is `sympify` of the plain form.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from gradcli.errors import DomainError, GradcliError  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402

GRADCLI = str(Path(sys.executable).with_name("gradcli"))

# LaTeX as typed -> the same expression for sympify (log is the natural log there)
CASES: list[tuple[str, str]] = [
    (r"\frac{1}{2}x^2", "x**2/2"),
    (r"\frac{x}{y}", "x/y"),
    (r"\dfrac{x+1}{x-1}", "(x+1)/(x-1)"),
    (r"\frac12 x", "x/2"),
    (r"\frac1x", "1/x"),
    (r"\frac{\sqrt{x}}{2}", "sqrt(x)/2"),
    (r"\frac{1}{2\sqrt{x}}", "1/(2*sqrt(x))"),
    (r"\sqrt{x}", "sqrt(x)"),
    (r"\sqrt x", "sqrt(x)"),
    (r"\sqrt{x^2 + y^2}", "sqrt(x**2 + y**2)"),
    (r"\sqrt[3]{x}", "x**(1/3)"),
    (r"\sqrt[4]{x y}", "(x*y)**(1/4)"),
    (r"x^{2}", "x**2"),
    (r"x^{-1}", "1/x"),
    (r"x^-2", "x**-2"),
    (r"x^{1/2}", "sqrt(x)"),
    (r"x^2y", "x**2*y"),
    (r"x^{y+1}", "x**(y+1)"),
    (r"e^{x}", "exp(x)"),
    (r"e^{-x^2}", "exp(-x**2)"),
    (r"e^{3x}", "exp(3*x)"),
    (r"e^x \sin x", "exp(x)*sin(x)"),
    (r"\mathrm{e}^{2x}", "exp(2*x)"),
    (r"\exp(x y)", "exp(x*y)"),
    (r"2^{x}", "2**x"),
    (r"\sin x", "sin(x)"),
    (r"\sin(x)", "sin(x)"),
    (r"\sin{x}", "sin(x)"),
    (r"\sin 2x", "sin(2*x)"),
    (r"\sin x y", "sin(x*y)"),
    (r"\sin x \cos x", "sin(x)*cos(x)"),
    (r"\sin^2 x", "sin(x)**2"),
    (r"\sin^{2}(x)", "sin(x)**2"),
    (r"\sin(x)^2", "sin(x)**2"),
    (r"\sin(x) y", "sin(x)*y"),
    (r"\sin x^2", "sin(x**2)"),
    (r"\cos^3 2x", "cos(2*x)**3"),
    (r"\tan x", "tan(x)"),
    (r"\sec x", "sec(x)"),
    (r"\csc x", "csc(x)"),
    (r"\cot x", "cot(x)"),
    (r"\sec^2 x", "sec(x)**2"),
    (r"\arcsin x", "asin(x)"),
    (r"\arccos(x)", "acos(x)"),
    (r"\arctan\frac{y}{x}", "atan(y/x)"),
    (r"\sinh x + \cosh x + \tanh x", "sinh(x) + cosh(x) + tanh(x)"),
    (r"\ln x", "log(x)"),
    (r"\ln(x^2+1)", "log(x**2+1)"),
    (r"\ln|x|", "log(Abs(x))"),
    (r"\ln \left| x \right|", "log(Abs(x))"),
    (r"\ln \sin x", "log(sin(x))"),
    (r"\log x", "log(x)"),
    (r"\log_2 x", "log(x, 2)"),
    (r"\log_{10}(x)", "log(x, 10)"),
    (r"\log_{3} x", "log(x, 3)"),
    (r"\log_y x", "log(x)/log(y)"),
    (r"x \ln x - x", "x*log(x) - x"),
    (r"x\sin x", "x*sin(x)"),
    (r"2\pi x", "2*pi*x"),
    (r"\pi r^2", "pi*r**2"),
    (r"\left(x+1\right)^2", "(x+1)**2"),
    (r"\left[x+1\right]\left(x-1\right)", "(x+1)*(x-1)"),
    (r"(x+1)(x-1)", "(x+1)*(x-1)"),
    (r"2(x+1)", "2*(x+1)"),
    (r"x \cdot y", "x*y"),
    (r"x \times y", "x*y"),
    (r"x \div y", "x/y"),
    (r"x\,y", "x*y"),
    (r"3\,x + 2\;y", "3*x + 2*y"),
    (r"{x}^{2} + {y}", "x**2 + y"),
    (r"\,xy", "x*y"),
    (r"x y z", "x*y*z"),
    (r"\theta^2", "theta**2"),
    (r"\sin\theta\cos\theta", "sin(theta)*cos(theta)"),
    (r"\alpha x + \beta", "alpha*x + beta"),
    (r"\omega t", "omega*t"),
    (r"\,x_1 x_2 + x_{3}", "x_1*x_2 + x_3"),
    (r"\left| x - y \right|", "Abs(x - y)"),
    (r"\,|x| + |y|", "Abs(x) + Abs(y)"),
    (r"\lvert x \rvert", "Abs(x)"),
    (r"\max(x, y)", "Max(x, y)"),
    (r"\operatorname{sinh}(x)", "sinh(x)"),
    (r"\mathrm{loss} \cdot 2", "loss*2"),
    (r"-\frac{1}{x^2}", "-1/x**2"),
    (r"-x^2", "-x**2"),
    (r"\frac{d}{dx}", None),  # placeholder: removed below (d/dx is diff's, tested apart)
    (r"\frac{2x\left(x-1\right) - \left(x^2+1\right)}{\left(x-1\right)^2}",
     "(2*x*(x-1) - (x**2+1))/(x-1)**2"),
    (r"\frac{\sin x}{x}", "sin(x)/x"),
    (r"\frac{1}{1 + e^{-x}}", "1/(1 + exp(-x))"),
    (r"x^{x}\left(\ln x + 1\right)", "x**x*(log(x) + 1)"),
    (r"\sqrt{1 - x^2}", "sqrt(1 - x**2)"),
    (r"\frac{x}{\left|x\right|}", "x/Abs(x)"),
    (r"3e^{3x}", "3*exp(3*x)"),
    (r"\displaystyle \frac{x}{2}", "x/2"),
    (r"\big( x + 1 \big)^2", "(x+1)**2"),
    (r"x^{2} \\", "x**2"),
    (r"\sqrt{x}**2 + x**{3}", "x + x**3"),
]
CASES = [(t, s) for t, s in CASES if s is not None]


def _sym(text: str) -> tuple[Any, list[Any]]:
    names = {n: sympy.Symbol(n, real=True) for n in (
        "x", "y", "z", "r", "t", "theta", "alpha", "beta", "omega", "x_1", "x_2", "x_3", "loss")}
    e = sympy.sympify(text, locals=names)
    return e, sorted(e.free_symbols, key=lambda s: s.name)


@pytest.mark.parametrize("tex,plain", CASES, ids=[t for t, _ in CASES])
def test_reads_as_meant(tex: str, plain: str) -> None:
    """Value and every partial at random points, against SymPy's reading of the intent."""
    want, syms = _sym(plain)
    tape = parse(tex)
    assert sorted(tape.variables) == sorted(s.name for s in syms)
    rng = random.Random(tex)
    agreed = 0
    for k in range(12):  # half the points inside (0, 1), where arcsin lives
        top = 0.95 if k % 2 else 2.5
        point = {s.name: rng.uniform(0.3, top) for s in syms}
        subs = {s: point[s.name] for s in syms}
        try:
            ev = evaluate(tex, point, check=False)
        except DomainError:
            continue
        value = complex(sympy.N(want.subs(subs)))
        if value.imag or not math.isfinite(value.real):
            continue
        assert float(ev.value) == pytest.approx(value.real, rel=1e-9, abs=1e-12)
        for s in syms:
            d = float(sympy.N(sympy.diff(want, s).subs(subs)))
            assert float(ev.gradient[s.name]) == pytest.approx(
                d, rel=1e-8, abs=1e-10)
        agreed += 1
    assert agreed >= 5


# ---------------------------------------------------------------- refused, both ways

@pytest.mark.parametrize("tex,readings", [
    (r"\,1/2x", (r"\frac{1}{2x}", r"\frac{1}{2}x")),
    (r"x \div 2y", (r"\frac{x}{2y}", r"\frac{x}{2}y")),
    (r"\,e^2x", ("e^{2x}", "e^{2} x")),
    (r"\,e^3x", ("e^{3x}", "e^{3} x")),
    (r"\,x^23", ("x^{23}", r"x^{2} \cdot 3")),
    (r"\sin^{-1} x", (r"\arcsin x", r"(\sin x)^{-1}")),
])
def test_two_readings_refused(tex: str, readings: tuple[str, str]) -> None:
    with pytest.raises(GradcliError) as e:
        parse(tex)
    assert all(r in e.value.hint for r in readings), e.value.hint


@pytest.mark.parametrize("tex,words,column", [
    (r"\foo x", "unknown LaTeX command \\foo", 1),
    (r"\sni x", "did you mean \\sin", 1),
    (r"\operatorname{sech}(x)", "closest known functions: sec", 1),
    (r"\frac{1}{x", "'}' is missing", 11),
    (r"\left( x + 1", "\\right) is missing", 13),
    (r"x + \sin", "\\sin needs an argument", 5),
    (r"\,sinx", "write \\sin", 3),
    (r"\,2 3", "two numbers side by side", 5),
    (r"\,x 2", "a number after a factor", 5),
    (r"\infty", "not supported", 1),
    (r"\,x^2^3", "x^{2^3}", 6),
    (r"\lg x", "\\log_{10}", 1),
    ("\\frac{1}{2}x\u00b2", "write ^{2}", 13),
    ("\\sin \u03b8", "in LaTeX write \\theta", 6),
    ("2\u03c0\\,x", "in LaTeX write \\pi", 2),
    (r"\,5!", "factorial", 4),
])
def test_errors_say_where_and_how(tex: str, words: str, column: int) -> None:
    with pytest.raises(GradcliError) as e:
        parse(tex)
    err = e.value
    assert words in err.message + "; " + err.hint
    assert err.location() == f"column {column}"


def test_positions_point_into_the_latex() -> None:
    tape = parse(r"\frac{1}{2}\sin x")
    sin = tape.ops.index("sin")
    assert tape.pos[sin] == r"\frac{1}{2}\sin x".index(r"\sin")


def test_plain_input_does_not_import_lark() -> None:
    code = ("import sys; from gradcli.parser import parse; parse('x^2 + sin(x)'); "
            "print('lark' in sys.modules, 'gradcli.texinput' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False", "False"], out.stderr


def test_tables_are_current_and_latex_needs_no_lark() -> None:
    """`make grammar` regenerated gradcli/_latex_tables.py from this grammar/latex.lark."""
    from gradcli import _latex_tables
    from gradcli.texinput import latex_grammar_path

    with open(latex_grammar_path(), encoding="utf-8") as f:
        assert f.read() == _latex_tables.GRAMMAR, "run `make grammar`"
    code = ("import sys; from gradcli.parser import parse; parse(r'\\frac{1}{2}\\sin x'); "
            "print('lark' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.split() == ["False"], out.stderr


# ---------------------------------------------------------------- through the command line

def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GRADCLI, *argv], capture_output=True, text=True, timeout=60)


def test_cli_eval_diff_check() -> None:
    res = run("eval", r"\frac{\sin x}{x}", "--x", "1", "-q")
    assert res.returncode == 0, res.stderr
    value, slope = (float(v) for v in res.stdout.split())
    assert value == pytest.approx(math.sin(1)) and slope == pytest.approx(math.cos(1) - math.sin(1))
    res = run("diff", r"x^{2}\ln x", "--format", "plain")
    x = sympy.Symbol("x")
    got = sympy.sympify(res.stdout.strip().replace("^", "**"), locals={"x": x})
    assert sympy.simplify(got - sympy.diff(x ** 2 * sympy.log(x), x)) == 0
    res = run("check", r"\sqrt{x}", "--wrt", "x", "--expect", r"\frac{1}{2\sqrt{x}}")
    assert res.returncode == 0, res.stdout + res.stderr
    res = run("check", r"\sqrt{x}", "--wrt", "x", "--expect", r"\frac{1}{\sqrt{x}}")
    assert res.returncode == 1


def test_cli_error_has_a_caret() -> None:
    res = run("eval", r"\frac{1}{x", "--x", "1")
    assert res.returncode == 2 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 3 and lines[2].index("^") == 2 + len(r"\frac{1}{x")
