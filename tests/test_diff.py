"""`gradcli diff` on the command line: formats, exit codes, the seeds' formulas."""

from __future__ import annotations

import json
import math

import pytest
from conftest import Gradcli

SEED_002 = "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)"
SEED_004 = "x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5"


def _squash(s: str) -> str:
    return s.replace("*", "").replace(" ", "")


def test_seed_002_table(gradcli: Gradcli) -> None:
    r = gradcli("diff", SEED_002)
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    # the seed: dz/dx = (6x+5y)/(3x^2+5xy), dz/dy = 5x/(3x^2+5xy)
    assert lines[0].startswith("∂z/∂x = ") and _squash(lines[0]).endswith("=(6x+5y)/(3x^2+5xy)")
    assert lines[1].startswith("∂z/∂y = ") and _squash(lines[1]).endswith("=5x/(3x^2+5xy)")


def test_seed_004_plain(gradcli: Gradcli) -> None:
    r = gradcli("diff", SEED_004, "--wrt", "w1", "--format", "plain")
    assert r.code == 0
    assert _squash(r.out) == "-w2x1-w3x2\n"  # the seed's -w2 x1 - w3 x2


def test_plain_formula_evaluates_to_seed_gradient(gradcli: Gradcli) -> None:
    r = gradcli("diff", SEED_002, "--format", "plain")
    fx, fy = r.out.splitlines()
    from gradcli.pipeline import evaluate

    # PyTorch in seed 002: x.grad = 0.6429, y.grad = 0.2381 at x=2, y=3
    assert math.isclose(evaluate(fx, {"x": 2, "y": 3}).value, 0.6429, abs_tol=5e-5)
    assert math.isclose(evaluate(fy, {"x": 2, "y": 3}).value, 0.2381, abs_tol=5e-5)


def test_json(gradcli: Gradcli) -> None:
    r = gradcli("diff", "x^2 y", "--format", "json")
    data = json.loads(r.out)
    assert data["variables"] == ["x", "y"]
    assert [(d["wrt"], d["formula"]) for d in data["derivatives"]] == \
        [("x", "2*x*y"), ("y", "x^2")]
    assert data["derivatives"][0]["latex"].endswith("= 2 x y")


def test_latex(gradcli: Gradcli) -> None:
    r = gradcli("diff", "log(3x^2 + 5x y)", "--wrt", "x", "--format", "latex")
    assert r.out == ("\\frac{\\partial f}{\\partial x} = "
                     "\\frac{6 x + 5 y}{3 x^{2} + 5 x y}\n")
    r = gradcli("diff", "sqrt(sin(w1))", "--format", "latex")
    assert r.out == ("\\frac{\\partial f}{\\partial w_{1}} = "
                     "\\frac{\\cos\\left(w_{1}\\right)}{2 \\sqrt{\\sin\\left(w_{1}\\right)}}\n")


def test_csv(gradcli: Gradcli) -> None:
    r = gradcli("diff", "x*y", "--format", "csv")
    assert r.out == "wrt,formula\nx,y\ny,x\n"


def test_exact_flag(gradcli: Gradcli) -> None:
    assert gradcli("diff", "0.1234567*x^2", "-q").out == "0.2469134*x\n"
    assert gradcli("diff", "0.1234567*x^2", "--exact", "-q").out == "1234567*x/5000000\n"
    assert gradcli("diff", "x^3/3", "-q").out == "x^2\n"


@pytest.mark.parametrize("argv", [
    ["diff", "sin(x"],
    ["diff", "x^2", "--wrt", "y"],
    ["diff", "x^2", "--x", "2"],
    ["diff", ""],
    ["diff", "x^2", "--format", "pdf"],
])
def test_bad_input(gradcli: Gradcli, argv: list[str]) -> None:
    r = gradcli(*argv)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("gradcli: error: ")


def test_help_has_example(gradcli: Gradcli) -> None:
    r = gradcli("diff", "--help")
    assert r.code == 0 and "Example:" in r.out and "--format" in r.out and "latex" in r.out


def _nest(template: str, depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = template.format(text)
    return text


@pytest.mark.parametrize(("text", "why"), [
    (_nest("(1 - {})^2", 3000), "too large for a double"),   # a coefficient of 2^3000
    (_nest("(2 - {}*x)^3", 300), "characters long"),          # shared parts, written out
])
def test_too_large_to_write_is_refused(gradcli: Gradcli, text: str, why: str) -> None:
    r = gradcli("diff", text, "-q")
    # refused by the formula budget (before simplifying) or by the simplifier's own limit
    assert r.code == 2 and r.out == "" and (why in r.err or "past the budget" in r.err)


def test_unknown_function_is_not_a_product(gradcli: Gradcli) -> None:
    """cube(x) must not pass as c*u*b*e*x in a formula (eval catches it as a missing value)."""
    res = gradcli("diff", "cube(x)")
    assert res.code == 2 and res.out == "" and "unknown function cube" in res.err
    res = gradcli("check", "x^2", "--wrt", "x", "--expect", "2*floor(x)")
    assert res.code == 2 and "unknown function floor" in res.err
    res = gradcli("diff", "x(x+1)", "--format", "plain")  # one letter: the textbook product
    assert res.code == 0 and res.out.strip() == "2*x + 1"
