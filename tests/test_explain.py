"""`gradcli explain`: the ledger's numbers against the seeds, and its layout (goldens)."""

from __future__ import annotations

import json
import math

import pytest
from conftest import Golden, Gradcli

from gradcli.explain import Edge, FanIn, explain
from gradcli.render.explain import plain_text as plain
from gradcli.render.explain import rich_text

SEED_002 = "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)"
AT_002 = {"x": 2.0, "y": 3.0}
SEED_004 = "x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5"
AT_004 = {"x1": 1.0, "x2": 2.0, "w1": 1.0, "w2": 2.0, "w3": 3.0}


def _close(a: float, b: float, places: int = 4) -> bool:
    return math.isclose(a, b, abs_tol=0.5 * 10 ** -places)


def test_seed_002_numbers() -> None:
    led = explain(SEED_002, AT_002)
    # the seed's forward pass: a = 4, b = 12, c = 6, d = 30, e = 42, z = log(42) = 3.73
    assert [(s.name, s.value) for s in led.steps][:5] == \
        [("a", 4), ("b", 12), ("c", 6), ("d", 30), ("e", 42)]
    assert led.steps[5].name == "z" and _close(led.steps[5].value, 3.7377)
    # the seed's PyTorch grads: a 0.0714, b 0.0238, c 0.1190, d 0.0238, e 0.0238, x 0.6429, y 0.2381
    grads = {led.names[i]: g for i, g in enumerate(led.adjoints)}
    for name, want in {"a": 0.0714, "b": 0.0238, "c": 0.1190, "d": 0.0238, "e": 0.0238,
                       "x": 0.6429, "y": 0.2381, "z": 1.0}.items():
        assert _close(grads[name], want), name
    # the fan-out: ∂z/∂x = 0.0714·4 + 0.1190·3 = 0.6429
    fan = [f for f in led.backward if isinstance(f, FanIn)]
    assert len(fan) == 1 and led.names[fan[0].node] == "x"
    terms = [(e.upstream, e.local) for e in fan[0].edges]
    assert _close(terms[0][0], 0.0714) and terms[0][1] == 4
    assert _close(terms[1][0], 0.1190) and terms[1][1] == 3
    assert _close(fan[0].total, 0.6429)
    # local partials as formulas from the ops table: ∂z/∂e = 1/e, ∂a/∂x = 2x, ∂c/∂y = x
    formulas = {(led.names[e.node], led.names[e.arg]): e.formula
                for e in led.backward if isinstance(e, Edge)}
    assert formulas[("z", "e")] == "1/e" and formulas[("a", "x")] == "2*x"
    assert formulas[("c", "y")] == "x" and formulas[("b", "a")] == "3"
    assert "0.07143·4 + 0.119·3 = 0.6429" in plain(led)


def test_seed_004_paths() -> None:
    led = explain(SEED_004, AT_004)
    assert led.gradient["w1"] == -8  # the seed: dL/dw1 = -2*1 - 3*2 = -8
    paths = led.paths
    assert paths is not None
    w1 = paths["w1"]
    # the seed: -1 * 1 * w2 * x1 + -1 * 1 * w3 * x2
    assert sorted([e.formula for e in p.edges] for p in w1) == \
        [["-1", "1", "w2", "x1"], ["-1", "1", "w3", "x2"]]
    assert sorted(p.product for p in w1) == [-6, -2]
    assert sum(p.product for p in w1) == led.gradient["w1"]
    for name, ps in paths.items():  # every input: its paths add up to its gradient
        assert sum(p.product for p in ps) == led.gradient[name]


def test_seed_002_exact() -> None:
    from fractions import Fraction

    led = explain(SEED_002, {"x": Fraction(2), "y": Fraction(3)}, exact=True)
    assert led.gradient == {"x": Fraction(9, 14), "y": Fraction(5, 21)}  # 27/42 and 10/42
    assert isinstance(led.steps[-1].value, float)  # ln 42: not exact
    text = plain(led)
    assert "∂z/∂x = 9/14 (0.6429)" in text and "z = log(e) = ≈3.738" in text


@pytest.mark.parametrize(("name", "text", "at", "exact"), [
    ("explain_seed002", SEED_002, AT_002, False),
    ("explain_seed004", SEED_004, AT_004, False),
    ("explain_seed002_exact", SEED_002, AT_002, True),
])
def test_golden(name: str, text: str, at: dict[str, float], exact: bool,
                golden: Golden) -> None:
    """The ledger's layout (regenerate: GRADCLI_REGEN=1, then review the diff)."""
    from fractions import Fraction

    values = {k: Fraction(v) for k, v in at.items()} if exact else at
    golden(name, plain(explain(text, values, exact=exact)))


def test_rich_is_the_same_text_styled() -> None:
    led = explain(SEED_002, AT_002)
    styled = rich_text(led, color=True)
    assert "\x1b[" in styled
    unstyled = rich_text(led, color=False)
    assert [ln.rstrip() for ln in unstyled.splitlines()] == \
        [ln.rstrip() for ln in plain(led).splitlines()]


def test_cli(gradcli: Gradcli, golden: Golden) -> None:
    r = gradcli("explain", SEED_002, "--x", "2", "--y", "3")
    assert r.code == 0 and "\x1b[" not in r.out  # piped: plain text
    golden("explain_seed002", r.out)  # the same ledger as test_golden's
    r = gradcli("explain", SEED_002, "--x", "2", "--y", "3", "--exact", "-q")
    assert r.out == "9/14\n5/21\n"  # -q: the numbers alone, as eval --exact -q prints them
    r = gradcli("explain", SEED_002, "--x", "2", "--y", "3", "-q", "--wrt", "y")
    assert r.out == repr(5 / 21) + "\n"  # the shortest text that reads back as the double
    r = gradcli("explain", SEED_004, "--x1", "1", "--x2", "2", "--w1", "1", "--w2", "2",
                "--w3", "3", "--format", "json")
    data = json.loads(r.out)
    assert data["gradient"]["w1"] == -8.0
    assert sorted(p["product"] for p in data["paths"]["w1"]) == [-6.0, -2.0]
    assert [s["name"] for s in data["forward"]] == ["x3", "x4", "t1", "t2", "x5", "L"]
    sums = [b for b in data["backward"] if b["kind"] == "sum"]
    assert sums[0]["node"] == "w1" and sums[0]["value"] == -8.0


def test_big_graphs_skip_the_path_view() -> None:
    # 2^12 paths from the output to x: the path view would be useless
    text = "; ".join(f"a{k + 1} = a{k}*a{k} + a{k}" for k in range(12)).replace("a0", "x")
    led = explain(text, {"x": 0.5})
    assert led.paths is None and "Paths" not in plain(led)


@pytest.mark.parametrize(("argv", "code"), [
    (["explain", "x*y", "--x", "1"], 2),                    # missing y
    (["explain", "log(x)", "--x", "-1"], 3),                # domain
    (["explain", "sqrt(x)", "--x", "0"], 3),                # infinite slope
    (["explain", "x^2", "--x", "1", "--wrt", "y"], 2),
    (["explain", "+".join(["x"] * 600), "--x", "1"], 2),     # too long to explain
])
def test_errors(gradcli: Gradcli, argv: list[str], code: int) -> None:
    r = gradcli(*argv)
    assert r.code == code and r.out == "" and r.err.startswith("gradcli: error: "), r.err


def test_help_has_example(gradcli: Gradcli) -> None:
    r = gradcli("explain", "--help")
    assert r.code == 0 and "Example:" in r.out and "--exact" in r.out
    assert "gradcli explain" in r.out.split("Example:")[1]


def test_random_expressions_ledger_agrees_with_eval() -> None:
    """Over the whole function table: the ledger's gradient is eval's (exact or not), its
    fan-out sums add up, and its paths add up to the gradient."""
    import random
    from fractions import Fraction

    from exprgen import expressions

    from gradcli.errors import GradcliError
    from gradcli.parser import parse
    from gradcli.pipeline import evaluate

    rng = random.Random(1)
    compared = 0
    for text in expressions(77, 150):
        point = {v: round(rng.uniform(-2, 2), 2) for v in parse(text).variables}
        try:
            ev = evaluate(text, point, check=False)
        except GradcliError:
            continue
        for exact in (False, True):
            values = {k: Fraction(str(v)) for k, v in point.items()} if exact else point
            led = explain(text, values, exact=exact)
            for name, g in led.gradient.items():
                assert math.isclose(float(g), ev.gradient[name], rel_tol=1e-9, abs_tol=1e-12)
            for item in led.backward:
                if isinstance(item, FanIn):
                    total = sum(float(e.product) for e in item.edges)
                    assert math.isclose(total, float(item.total), rel_tol=1e-9, abs_tol=1e-12)
            for name, paths in (led.paths or {}).items():
                total = sum(float(p.product) for p in paths)
                assert math.isclose(total, float(led.gradient[name]), rel_tol=1e-9,
                                    abs_tol=1e-12)
            compared += 1
    assert compared >= 200


def test_ledger_as_csv(gradcli: Gradcli) -> None:
    """Seed 002's ledger as rows: the fan-out sum into x is 9/14 (0.6429 on the page)."""
    import csv
    import io

    res = gradcli("explain", "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)",
                  "--x", "2", "--y", "3", "--format", "csv")
    assert res.code == 0
    rows = list(csv.DictReader(io.StringIO(res.out)))
    forward = {r["to"]: float(r["value"]) for r in rows if r["pass"] == "forward"}
    assert forward == {"a": 4, "b": 12, "c": 6, "d": 30, "e": 42, "z": pytest.approx(3.7376696)}
    sums = [r for r in rows if r["pass"] == "sum"]
    assert [s["to"] for s in sums] == ["x"] and float(sums[0]["value"]) == pytest.approx(9 / 14)
    into_x = [float(r["value"]) for r in rows if r["pass"] == "backward" and r["to"] == "x"]
    assert sorted(into_x) == pytest.approx(sorted([4 / 14, 5 / 14]))  # 0.0714·4, 0.1190·3
