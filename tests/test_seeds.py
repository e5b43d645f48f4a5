"""The numbers printed in the five tutorials (../shared/seeds/), reproduced exactly."""

from __future__ import annotations

import json
import math

import pytest
from conftest import Gradcli

from gradcli.pipeline import evaluate

SEEDS = [
    # seed 000: (i*j + k)*l; the page's chain rule gives dy/dj = 14
    ("(i*j+k)*l", dict(i=2, j=3, k=5, l=7), 77, {"j": 14}),
    # seed 001: PyTorch prints x.grad 12, y.grad 8, z.grad 6
    ("x*y*z", dict(x=2, y=3, z=4), 24, {"x": 12, "y": 8, "z": 6}),
    # seed 001: z = h(x) + 1 with h = x^2; the page prints x.grad = 4
    ("x^2+1", dict(x=2), 5, {"x": 4}),
    # seed 002: ln 42, 9/14 (0.6429), 5/21 (0.2381)
    ("log(3*x^2 + 5*x*y)", dict(x=2, y=3), math.log(42), {"x": 9 / 14, "y": 5 / 21}),
    # seed 003: y = 3x^2 at 3 -> 18; 6x^2+2x+4 at 3 -> 38; u^3+v^2+4uv at (3,4) -> 43, 20
    ("3*x^2", dict(x=3), 27, {"x": 18}),
    ("6*x^2+2*x+4", dict(x=3), 64, {"x": 38}),
    ("u^3+v^2+4*u*v", dict(u=3, v=4), 91, {"u": 43, "v": 20}),
    # seed 004: dL/dw1 = -w2 x1 - w3 x2 = -8
    ("1 - (w2*(w1*x1) + w3*(w1*x2))", dict(x1=1, x2=2, w1=1, w2=2, w3=3), -7, {"w1": -8}),
]


@pytest.mark.parametrize("expr, point, value, grads", SEEDS, ids=[s[0] for s in SEEDS])
def test_seed_numbers(expr: str, point: dict[str, float], value: float,
                      grads: dict[str, float]) -> None:
    r = evaluate(expr, point)
    assert r.value == pytest.approx(value, rel=1e-15, abs=1e-15)
    for name, g in grads.items():
        assert r.gradient[name] == pytest.approx(g, rel=1e-15, abs=1e-15)
    assert r.check is not None and r.check.passed


def test_seed_002_every_node() -> None:
    """The intermediate values and gradients seed 002 prints with retain_grad()."""
    prog = "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)"
    r = evaluate(prog, dict(x=2, y=3))
    rows = {row["name"]: row for row in r.nodes}
    for name, v in dict(a=4, b=12, c=6, d=30, e=42, z=math.log(42)).items():
        assert rows[name]["value"] == pytest.approx(v, rel=1e-15)
    # page: a 0.0714, b 0.0238, c 0.1190, d 0.0238, e 0.0238, x 0.6429, y 0.2381
    for name, g in dict(a=1 / 14, b=1 / 42, c=5 / 42, d=1 / 42, e=1 / 42, z=1.0,
                        x=9 / 14, y=5 / 21).items():
        assert rows[name]["grad"] == pytest.approx(g, rel=1e-14)
        assert round(rows[name]["grad"], 4) == {"a": 0.0714, "b": 0.0238, "c": 0.1190,
                                                 "d": 0.0238, "e": 0.0238, "z": 1.0,
                                                 "x": 0.6429, "y": 0.2381}[name]
    assert round(r.value, 4) == 3.7377


def test_seed_004_program() -> None:
    r = evaluate("x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5",
                 dict(x1=1, x2=2, w1=1, w2=2, w3=3))
    assert r.gradient["w1"] == -8
    assert r.tape.output_names == ["L"]


@pytest.mark.parametrize("expr, point, value, grads", SEEDS, ids=[s[0] for s in SEEDS])
def test_seed_json(gradcli: Gradcli, expr: str, point: dict[str, float], value: float,
                   grads: dict[str, float]) -> None:
    argv = ["eval", expr, *[f"--{k}={v}" for k, v in point.items()], "--format", "json"]
    res = gradcli(*argv)
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert set(doc) >= {"expression", "variables", "value", "gradient", "nodes", "check"}
    assert doc["value"] == pytest.approx(value, rel=1e-15)
    assert doc["variables"] == {k: float(v) for k, v in point.items()}
    for name, g in grads.items():
        assert doc["gradient"][name] == pytest.approx(g, rel=1e-15)
    assert doc["check"]["passed"] is True
    for name, p in doc["check"]["partials"].items():
        assert set(p) >= {"fd", "abs_error", "rel_error", "passed"}
        assert p["fd"] == pytest.approx(doc["gradient"][name], rel=1e-6, abs=1e-9)
    for node in doc["nodes"]:
        assert set(node) >= {"name", "op", "expression", "inputs", "value", "grad"}
