"""Higher and mixed partials (issue 12 item 3): `diff --order N`, `--wrt x,y`, and at a point.

Oracles: SymPy's `diff` (values at random points at 40 digits through mpmath, and
structurally for polynomials), and `gradcli diff` run on its own output (the
formula of order N must be what repeating `diff` N times gives).
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
from exprgen import SMOOTH, random_expr, random_point, sympy_symbols  # noqa: E402

from gradcli.errors import GradcliError  # noqa: E402
from gradcli.forward import forward  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.partials import partials_at  # noqa: E402
from gradcli.simplify import formulas  # noqa: E402
from gradcli.symbolic import nth_partials, partial_specs  # noqa: E402

SYMS = sympy_symbols()
SPECS = [("x", "x"), ("x", "y"), ("y", "y"), ("x", "x", "y"), ("y", "x", "y"), ("x", "x", "x")]


def _sympy_value(expr: object, spec: tuple[str, ...], point: dict[str, float]) -> float | None:
    d = sympy.diff(expr, *[SYMS[v] for v in spec])  # type: ignore[arg-type]
    f = sympy.lambdify([SYMS["x"], SYMS["y"]], d, modules="mpmath")
    with mpmath.workdps(40):
        try:
            v = f(mpmath.mpf(point["x"]), mpmath.mpf(point["y"]))
        except (ValueError, ZeroDivisionError, TypeError):
            return None
        if isinstance(v, mpmath.mpc):
            if abs(v.imag) > 1e-20:
                return None
            v = v.real
        out = float(v)
    return out if math.isfinite(out) and abs(out) < 1e8 else None


def _cases(seed: int, count: int) -> list[tuple[str, object, dict[str, float]]]:
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        text, sym = random_expr(rng, rng.randint(1, 3), SMOOTH, names="xy", sympy=True)
        if set(parse(text).variables) != {"x", "y"}:  # "exp(y)" has no x
            continue
        out.append((text, sym, random_point(rng, ["x", "y"], SMOOTH)))
    return out


def _close(a: float, b: float, rel: float = 1e-7) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-9


def test_formulas_and_point_values_against_sympy() -> None:
    """≥ 200 random expressions: every 2nd partial and two 3rd, as formulas and at a point."""
    agreed = 0
    compared = 0
    for text, sym, point in _cases(20261127, 400):
        tape = parse(text)
        try:
            forward(tape, point)
        except GradcliError:
            continue
        wanted = {s: _sympy_value(sym, s, point) for s in SPECS}
        specs = [s for s, v in wanted.items() if v is not None]
        if len(specs) < len(SPECS) - 1:
            continue
        formula_tapes = nth_partials(tape, specs)
        try:
            at = partials_at(tape, point, specs, check=False)
        except GradcliError:  # a higher derivative undefined at the point (x^0.5 at 0)
            continue
        for s, ft, pv in zip(specs, formula_tapes, at.partials, strict=True):
            want = wanted[s]
            assert want is not None
            got = float(forward(ft, {n: point[n] for n in ft.variables})[ft.outputs[0]])
            assert _close(got, want), (text, s, point, formulas(ft)[0], got, want)
            assert _close(pv.value, want), (text, s, point, pv.value, want)
            compared += 1
        agreed += 1
        if agreed >= 220:
            break
    assert agreed >= 200, f"only {agreed} usable expressions"
    assert compared >= 1000


def _poly(rng: random.Random) -> tuple[str, object]:
    terms = []
    for _ in range(rng.randint(2, 5)):
        c = rng.choice([-7, -3, -2, -1, 1, 2, 5, 11])
        i, j = rng.randint(0, 4), rng.randint(0, 4)
        terms.append((c, i, j))
    text = " + ".join(f"({c})*x^{i}*y^{j}" for c, i, j in terms)
    return text, sum(c * SYMS["x"] ** i * SYMS["y"] ** j for c, i, j in terms)


def test_polynomial_partials_are_sympys_exactly() -> None:
    """Structural: for polynomials the printed formula minus SymPy's expands to 0."""
    rng = random.Random(7)
    for _ in range(60):
        text, sym = _poly(rng)
        tape = parse(text)
        specs = partial_specs(list(tape.variables), [], 2)
        specs += [s for s in SPECS if set(s) <= set(tape.variables) and len(s) == 3]
        for s, ft in zip(specs, nth_partials(tape, specs), strict=True):
            printed = formulas(ft)[0]
            ours = sympy.sympify(printed.replace("^", "**"), locals=SYMS)
            want = sympy.diff(sym, *[SYMS[v] for v in s])  # type: ignore[arg-type]
            assert sympy.expand(ours - want) == 0, (text, s, printed, want)


def test_same_formula_as_repeating_diff(gradcli: Gradcli) -> None:
    """`diff --order 2` and `--wrt x,y` print what `diff` of `diff`'s own output prints."""
    for text, _, _ in _cases(5, 40):
        once = gradcli("diff", text, "--wrt", "x", "--format", "plain")
        assert once.code == 0, once.err
        first = once.out.strip()
        for by, spec in (("x", "x,x"), ("y", "x,y")):
            again = gradcli("diff", "--wrt", by, "--format", "plain", "--", first)
            direct = gradcli("diff", text, "--wrt", spec, "--format", "plain")
            assert direct.code == 0, direct.err
            if again.code == 2 and "not a variable" in again.err:
                assert direct.out == "0\n"  # ∂f/∂x no longer depends on `by`
                continue
            assert again.code == 0, again.err
            assert direct.out == again.out, (text, spec, direct.out, again.out)


def test_diff_order_cli(gradcli: Gradcli) -> None:
    r = gradcli("diff", "x^4", "--order", "2")
    assert (r.code, r.out, r.err) == (0, "∂²f/∂x² = 12*x^2\n", "")
    r = gradcli("diff", "x^2*y^3", "--order", "2")
    assert r.out == "∂²f/∂x² = 2*y^3\n∂²f/∂x∂y = 6*x*y^2\n∂²f/∂y² = 6*x^2*y\n"
    r = gradcli("diff", "x^2 y^3", "--wrt", "x,x,y", "--wrt", "y", "--order", "1")
    assert r.code == 2  # --order 1 contradicts the order-3 x,x,y
    r = gradcli("diff", "sin(x*y)", "--wrt", "x,x,y", "--format", "json")
    assert r.code == 0, r.err
    row = json.loads(r.out)["derivatives"][0]
    assert row["wrt"] == "x,x,y" and row["order"] == 3
    assert row["latex"].startswith(r"\frac{\partial^{3} f}{\partial x^{2} \partial y} = ")
    r = gradcli("diff", "x^3 y", "--wrt", "x,y", "--format", "csv")
    assert r.out == 'wrt,formula\n"x,y",3*x^2\n'
    r = gradcli("diff", "x^3 + y", "--wrt", "x,y", "-q")
    assert r.out == "0\n"


def test_leibniz_header_gives_the_order(gradcli: Gradcli) -> None:
    r = gradcli("diff", "d^2/dx^2 x^3", "--format", "plain")
    assert (r.code, r.out) == (0, "6*x\n")
    r = gradcli("diff", "d^2/dx^2 x^3", "--order", "3")
    assert r.code == 2 and "disagree" in r.err and r.out == ""


@pytest.mark.parametrize("argv,what", [
    (["diff", "x^2", "--wrt", "x,q"], "q is not a variable"),
    (["diff", "x^2", "--wrt", "x,"], "empty name"),
    (["diff", "x^2", "--order", "11"], "11"),
    (["diff", "x*y", "--wrt", "x,y", "--order", "3"], "order 2"),
    (["diff", "a*b*c*d*e1*f*g*h*i*j*k", "--order", "4"], "partials; the limit"),
    (["eval", "x*y", "--x", "1", "--wrt", "x,y"], "no value for the variable y"),
    (["eval", "x*y", "--x", "1", "--y", "2", "--wrt", "x,y", "--direction", "1,0"],
     "do not go together"),
])
def test_bad_partials_are_input_errors(gradcli: Gradcli, argv: list[str], what: str) -> None:
    r = gradcli(*argv)
    assert r.code == 2 and r.out == "" and what in r.err, r.err
    assert r.err.count("\n") <= 3 and "Traceback" not in r.err


def test_eval_partials_at_a_point(gradcli: Gradcli) -> None:
    # f = x^3 y^2 at (1, 2): f_xx = 6xy^2 = 24, f_xy = 6x^2 y = 12, f_yy = 2x^3 = 2
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--order", "2", "-q")
    assert (r.code, r.out) == (0, "24\n12\n2\n")
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x,y,y", "--format", "json")
    data = json.loads(r.out)
    (p,) = data["partials"]  # f_xyy = 12xy... at x = 1: ∂/∂y ∂/∂y (3x^2 y^2) = 6x^2 = 6
    assert (p["wrt"], p["order"], p["value"], p["verdict"]) == ("x,y,y", 3, 6.0, "ok")
    assert p["fd"] == pytest.approx(6.0, rel=1e-6)
    assert data["check"]["passed"] is True
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x,y", "--format", "plain")
    assert r.out.splitlines()[:2] == ["value = 4", "∂²f/∂x∂y = 12"]
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x,y", "--format", "csv")
    assert r.out.splitlines()[0] == "wrt,order,value,fd,check"
    assert r.out.splitlines()[1].startswith('"x,y",2,12,')
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x,y")
    assert "∂²f/∂x∂y" in r.out and "✓ ok" in r.out and "check: passed" in r.out
    # one --wrt with --order: f′ … f⁽ᴺ⁾ by jets, the others held fixed
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x", "--order", "3", "-q")
    assert r.out == "12\n24\n24\n"
    r = gradcli("eval", "x^3*y^2", "--x", "1", "--y", "2", "--wrt", "x", "--order", "2")
    assert "(y = 2 held fixed)" in r.out
    # a second derivative undefined at the point is a domain error, not a number
    r = gradcli("eval", "x^1.5*y", "--x", "0", "--y", "2", "--wrt", "x,x")
    assert r.code == 3 and r.out == "" and "second derivative" in r.err


def test_partials_at_agree_with_jets_and_hessian() -> None:
    """Three independent sweeps (nested duals, jets, forward-over-reverse) agree."""
    from gradcli.hessian import hessian
    from gradcli.taylor import derivatives

    done = 0
    for text, _, point in _cases(11, 80):
        tape = parse(text)
        try:
            h = hessian(tape, point, check=False)
            at = partials_at(tape, point, [("x", "x"), ("x", "y"), ("y", "y"), ("x",) * 3],
                             check=False)
            jets = derivatives(tape, point, 3, check=False, wrt="x")
        except GradcliError:
            continue
        ix, iy = h.variables.index("x"), h.variables.index("y")
        assert _close(at.partials[0].value, h.hessian[ix][ix])
        assert _close(at.partials[1].value, h.hessian[ix][iy])
        assert _close(at.partials[2].value, h.hessian[iy][iy])
        assert _close(at.partials[3].value, jets.values[3])
        done += 1
    assert done >= 50


@pytest.mark.skipif(shutil.which("gradcli", path=os.path.dirname(sys.executable)) is None,
                    reason="needs the installed gradcli of this venv")
def test_real_command_line() -> None:
    exe = shutil.which("gradcli", path=os.path.dirname(sys.executable))
    assert exe is not None
    p = subprocess.run([exe, "diff", "x^2*y^3", "--wrt", "x,y", "--format", "plain"],
                       capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout, p.stderr) == (0, "6*x*y^2\n", "")
    p = subprocess.run([exe, "eval", "x^2*y^3", "--x", "2", "--y", "-1", "--wrt", "x,y", "-q"],
                       capture_output=True, text=True, timeout=60)
    assert (p.returncode, p.stdout) == (0, "12\n")
