"""Jacobians of several outputs against SymPy's Matrix.jacobian (and PyTorch if present),
directional derivatives (∇f·v), and the eval/jacobian commands' outputs."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside oracle (test extra)")

from conftest import Golden, Gradcli  # noqa: E402
from exprgen import SMOOTH, random_expr, random_point, sympy_symbols  # noqa: E402

from gradcli.errors import DomainError  # noqa: E402
from gradcli.parser import parse  # noqa: E402
from gradcli.pipeline import evaluate  # noqa: E402

SYMS = sympy_symbols()

N_RANDOM = 200
ZERO_AWAY_FROM_ORIGIN = {"DiracDelta": lambda *a: 0}  # see test_hessian.py


def _sympy_jacobian(syms: list[object], names: list[str],
                    point: dict[str, float]) -> list[list[float]]:
    import mpmath

    variables = [SYMS[n] for n in names]
    j = sympy.Matrix(syms).jacobian(variables)
    f = sympy.lambdify(variables, j, modules=[ZERO_AWAY_FROM_ORIGIN, "mpmath"])
    with mpmath.workdps(40):
        m = f(*[mpmath.mpf(point[n]) for n in names])
        return [[float(mpmath.re(m[i, k])) for k in range(len(names))]
                for i in range(len(syms))]


def test_random_jacobians_against_sympy() -> None:
    rng = random.Random(2)
    compared = 0
    tries = 0
    while compared < N_RANDOM and tries < 10 * N_RANDOM:
        tries += 1
        parts = [random_expr(rng, rng.choice([1, 2, 3]), SMOOTH, sympy=True)
                 for _ in range(rng.choice([2, 3]))]
        text = ", ".join(p for p, _ in parts)
        tape = parse(text)
        if len(tape.outputs) != len(parts) or not tape.variables:
            continue
        names = list(tape.variables)
        point = random_point(rng, names, SMOOTH)
        try:
            ev = evaluate(tape, point, check=False)
        except DomainError:
            continue
        want = _sympy_jacobian([s for _, s in parts], names, point)
        if not all(math.isfinite(v) for row in want for v in row):
            continue
        scale = max(1.0, max(abs(v) for row in want for v in row))
        if scale > 1e12:
            continue
        for i in range(len(parts)):
            grad = ev.gradient_of(i)
            for k, n in enumerate(names):
                a, b = grad[n], want[i][k]
                assert abs(a - b) <= 1e-8 * max(abs(a), abs(b), scale), (text, point, i, n)
        compared += 1
    assert compared == N_RANDOM, f"only {compared} comparable cases"


def test_against_torch_autograd_functional() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (optional oracle)")

    def f(v: Any) -> Any:
        x, y = v[0], v[1]
        return torch.stack([x * y, x + y, torch.sin(x)])

    want = torch.autograd.functional.jacobian(f, torch.tensor([2.0, 3.0], dtype=torch.float64))
    ev = evaluate("x*y, x+y, sin(x)", {"x": 2, "y": 3})
    for i in range(3):
        assert list(ev.gradient_of(i).values()) == pytest.approx(want[i].tolist(), rel=1e-15)


# ---------------------------------------------------------------- the commands

def test_eval_several_outputs_table(gradcli: Gradcli) -> None:
    r = gradcli("eval", "x*y, x+y, sin(x)", "--x", "2", "--y", "3")
    assert r.code == 0, r.err
    assert "Jacobian" in r.out
    # a row per output; sin'(2) = cos 2 = -0.4161468365 (10 digits)
    row = next(ln for ln in r.out.splitlines() if ln.startswith("│ f3 "))
    assert f"{math.cos(2):.10g} ✓" in row
    assert "6 of 6 entries agree" in r.out


def test_eval_several_outputs_json(gradcli: Gradcli) -> None:
    r = gradcli("eval", "x*y, x+y, sin(x)", "--x", "2", "--y", "3", "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["variables"] == {"x": 2, "y": 3}  # eval keeps {name: value} (issue 2)
    assert data["outputs"] == ["x*y", "x + y", "sin(x)"]
    assert data["values"] == [6, 5, math.sin(2)]
    assert data["jacobian"] == [[3, 2], [1, 1], [math.cos(2), 0]]


def test_jacobian_command_json_program(gradcli: Gradcli) -> None:
    r = gradcli("jacobian", "a = x*y; b = x+y; a, b", "--x", "2", "--y", "3",
                "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["variables"] == ["x", "y"]  # jacobian: a list, aligned with the columns
    assert data["point"] == {"x": 2, "y": 3}
    assert data["outputs"] == ["a", "b"]
    assert data["values"] == [6, 5]
    assert data["jacobian"] == [[3, 2], [1, 1]]
    assert data["check"]["passed"] is True


def test_jacobian_command_formats(gradcli: Gradcli) -> None:
    q = gradcli("jacobian", "x*y, x+y", "--x", "2", "--y", "3", "-q")
    assert q.code == 0 and q.out == "3 2\n1 1\n"
    c = gradcli("jacobian", "x*y, x+y", "--x", "2", "--y", "3", "--format", "csv")
    assert c.code == 0
    assert c.out.splitlines() == ["output,value,d/dx,d/dy,check", "x*y,6,3,2,passed",
                                  "x + y,5,1,1,passed"]
    t = gradcli("jacobian", "x*y, x+y", "--x", "2", "--y", "3")
    assert t.code == 0 and "Jacobian" in t.out and "4 of 4 entries agree" in t.out


def test_direction_is_gradient_dot_v(gradcli: Gradcli) -> None:
    # f = x^2 y: ∇f = (2xy, x²) = (4, 1) at (1, 2); v = (1, 2): 4 + 2 = 6
    r = gradcli("eval", "x^2*y", "--x", "1", "--y", "2", "--direction", "1,2", "-q")
    assert r.code == 0 and float(r.out) == 6
    j = gradcli("eval", "x^2*y", "--x", "1", "--y", "2", "--direction", "y=1",
                "--format", "json")
    assert json.loads(j.out)["direction"]["derivative"] == 1
    t = gradcli("eval", "x^2*y", "--x", "1", "--y", "2", "--direction", "1,2")
    assert "∇f·v = 6" in t.out and "✓" in t.out


def test_jacobian_direction_against_sympy(gradcli: Gradcli) -> None:
    x, y = SYMS["x"], SYMS["y"]
    fs = [sympy.sin(x * y), x ** 2 + sympy.exp(y)]
    v = [0.5, -2.0]
    jac = sympy.Matrix(fs).jacobian([x, y]).subs({x: 0.3, y: 1.1})
    want = [float(e) for e in jac * sympy.Matrix(v)]
    r = gradcli("jacobian", "sin(x*y), x^2 + exp(y)", "--x", "0.3", "--y", "1.1",
                "--direction", "0.5,-2", "--format", "json")
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["direction"] == [0.5, -2.0]
    assert data["jvp"] == pytest.approx(want, rel=1e-14)
    assert data["jvp_check"]["passed"] is True


@pytest.mark.parametrize("argv, message", [
    (["eval", "x*y", "--x", "1", "--y", "2", "--direction", "1"], "2 variables"),
    (["eval", "x*y", "--x", "1", "--y", "2", "--direction", "z=1"], "z is not a variable"),
    (["eval", "x*y", "--x", "1", "--y", "2", "--direction", "1,"], "empty component"),
    (["eval", "x*y", "--x", "1", "--y", "2", "--direction", "1,2", "--format", "csv"],
     "gradcli jacobian"),
])
def test_direction_errors(gradcli: Gradcli, argv: list[str], message: str) -> None:
    r = gradcli(*argv)
    assert r.code == 2 and r.out == "" and message in r.err and "Traceback" not in r.err


def test_golden_tables(golden: Golden) -> None:
    """The several-output layouts at a fixed width, no colour (regenerate: GRADCLI_REGEN=1)."""
    from gradcli.directional import directional
    from gradcli.render.eval import eval_tables
    from gradcli.render.jacobian import jacobian_text

    ev = evaluate("x*y, x+y, sin(x)", {"x": 2, "y": 3})
    d = directional(ev, "1,2", check=True)
    for name, text in [("eval_jacobian", eval_tables(ev, digits=10, width=100, color=False)),
                       ("jacobian_direction", jacobian_text(ev, d, 10, 100))]:
        golden(name, text)


@pytest.mark.parametrize("command", ["jacobian", "hessian", "taylor"])
def test_help_examples_work(gradcli: Gradcli, command: str) -> None:
    import shlex

    res = gradcli(command, "--help")
    assert res.code == 0 and "Examples:" in res.out
    examples = [ln.strip() for ln in res.out.splitlines() if ln.strip().startswith("gradcli ")]
    assert len(examples) >= 3
    for line in examples:
        got = gradcli(*shlex.split(line)[1:])
        assert got.code == 0, (line, got.err)
        assert got.out


def test_jacobian_wrt_picks_columns(gradcli: Gradcli) -> None:
    q = gradcli("jacobian", "x*y, x+y", "--x", "2", "--y", "3", "--wrt", "y", "-q")
    assert q.code == 0 and q.out == "2\n1\n"  # ∂(xy)/∂y = x, ∂(x+y)/∂y = 1
    j = json.loads(gradcli("jacobian", "x*y, x+y", "--x", "2", "--y", "3", "--wrt", "y",
                           "--format", "json").out)
    assert j["variables"] == ["y"] and j["jacobian"] == [[2], [1]]
    bad = gradcli("jacobian", "x*y", "--x", "2", "--y", "3", "--wrt", "z")
    assert bad.code == 2 and bad.out == "" and "z is not a variable" in bad.err
