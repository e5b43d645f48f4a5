"""`gradcli check`: homework right in any form, typical mistakes caught and named."""

from __future__ import annotations

import json

import pytest
from conftest import Gradcli
from exprgen import expressions

from gradcli.checker import agree, check_one
from gradcli.errors import GradcliError, InputError
from gradcli.parser import parse
from gradcli.simplify import formulas, simplify
from gradcli.symbolic import differentiate

# (F, wrt, an answer written by hand): the answers come from a calculus table, not from gradcli
RIGHT = [
    ("tan(x)", "x", "1 + tan(x)^2"),
    ("tan(x)", "x", "sec(x)^2"),
    ("tan(x)", "x", "1/cos(x)^2"),
    ("sin(x^2)", "x", "2x cos(x^2)"),
    ("log(log(x))", "x", "1/(x log(x))"),
    ("acos(x/2)", "x", "-1/sqrt(4 - x^2)"),
    ("x^x", "x", "x^x*(1 + ln(x))"),
    ("x^x", "x", "exp(x log(x)) (log(x) + 1)"),
    ("sqrt(x^2)", "x", "x/abs(x)"),
    ("sqrt(x^2)", "x", "sign(x)"),
    ("sin(x)cos(x)", "x", "cos(2x)"),
    ("log(3x^2 + 5x y)", "x", "(6x + 5y)/(3x^2 + 5x y)"),
    ("log(3x^2 + 5x y)", "y", "5x/(3x^2 + 5x y)"),
    ("(x^2 + 1)^3", "x", "6x*(x^2 + 1)^2"),
    ("atan(x)", "x", "1/(1 + x^2)"),
    ("exp(-x^2/2)", "x", "-x exp(-x^2/2)"),
    ("x/(x + 1)", "x", "1/(x + 1)^2"),
    ("sigmoid(x)", "x", "exp(-x)/(1 + exp(-x))^2"),
    ("log(x^2)", "x", "2/x"),
    ("sinh(x)^2 - cosh(x)^2", "x", "0"),
    ("asin(x)", "x", "1/sqrt(1 - x^2)"),
    ("2^x", "x", "2^x ln(2)"),
    ("x^3/3 - x", "x", "(x - 1)(x + 1)"),
]

# (F, wrt, wrong answer, exit-1 diagnosis must contain)
WRONG = [
    ("sin(x^2)", "x", "cos(x^2)", "chain rule: a factor is missing, 2*x"),  # dropped chain
    ("sin(3x)", "x", "cos(3x)", "constant factor: your answer is 1/3 times"),  # dropped constant
    ("log(log(x))", "x", "1/log(x)", "chain rule: a factor is missing, 1/x"),
    ("cos(x)", "x", "sin(x)", "sign error"),                                 # sign error
    ("1/x", "x", "1/x^2", "sign error"),
    ("x^3", "x", "3x^3", "wrong power: your answer is the derivative times x"),  # wrong power
    ("x^3", "x", "3x", "wrong power: your answer is the derivative divided by x"),
    ("x^3", "x", "x^2", "constant factor: your answer is 1/3 times"),         # dropped exponent
    ("sin(x^2)", "x", "2cos(x^2)", "divided by x"),                          # 2 instead of 2x
    ("x^2", "x", "2x + 1", "additive constant: your answer is the derivative + 1"),
    ("sqrt(x^2)", "x", "1", "agrees at"),                                    # right only for x>0
    ("exp(2x)", "x", "exp(2x)", "constant factor: your answer is 1/2 times"),
    # sums: the wrong term is named
    ("x^3 - 2x", "x", "3x^3 - 2", "your 3*x^3 should be 3*x^2 (the derivative of x^3; a power "
                                  "one too high)"),
    ("x^3 - 2x + sin(x)", "x", "3x^2 - 2 - cos(x)", "your -cos(x) should be cos(x) (the "
                                                    "derivative of sin(x); a sign error)"),
    ("x^2 y + y^3", "y", "x^2 + y^2", "your y^2 should be 3*y^2"),
    ("x^3 + exp(2x)", "x", "3x^2", "a term is missing: 2*exp(2*x), the derivative of exp(2*x)"),
    # product and quotient rules
    ("x^2*sin(x)", "x", "2x cos(x)", "the derivative of a product is not the product"),
    ("x^2*sin(x)", "x", "2x sin(x)", "product rule: the term u*v' is missing"),
    ("sin(x)/x^2", "x", "cos(x)/(2x)", "the derivative of a quotient is not the quotient"),
    ("sin(x)/x^2", "x", "x^2 cos(x) - 2x sin(x)", "the denominator v^2 is missing"),
]


@pytest.mark.parametrize(("f", "wrt", "g"), RIGHT)
def test_right_answers_in_any_form(gradcli: Gradcli, f: str, wrt: str, g: str) -> None:
    r = gradcli("check", f, "--wrt", wrt, "--expect", g)
    assert r.code == 0, r.out
    assert "right" in r.out


@pytest.mark.parametrize(("f", "wrt", "g", "why"), WRONG)
def test_typical_mistakes(gradcli: Gradcli, f: str, wrt: str, g: str, why: str) -> None:
    r = gradcli("check", f, "--wrt", wrt, "--expect", g)
    assert r.code == 1, r.out
    assert why in r.out, r.out
    assert "the derivative is: " in r.out and "counterexamples" in r.out


def test_issue_tolerances() -> None:
    """Off by 1e-5 relative or by a constant 1e-4 is wrong; 2cos(x^2) agrees at x=1 only."""
    f = parse("sin(x^2)")
    assert not check_one(f, "x", "2x cos(x^2) (1 + 1e-5)").equivalent
    assert not check_one(f, "x", "2x cos(x^2) + 1e-4").equivalent
    v = check_one(f, "x", "2cos(x^2)", pinned=[{"x": 1.0}])
    assert not v.equivalent and v.samples[0].agrees  # the pinned x=1 agrees, others do not
    assert agree(1e-300, 0.0) and not agree(1.0, 1.0 + 2e-8)


def test_domain_found_by_sampling() -> None:
    for f, g, inside in [("log(log(x))", "1/(x log(x))", lambda p: p["x"] > 1),
                         ("acos(x/2)", "-1/sqrt(4 - x^2)", lambda p: abs(p["x"]) < 2),
                         ("x^x", "x^x*(1 + log(x))", lambda p: p["x"] > 0)]:
        v = check_one(parse(f), "x", g, points=150)
        assert v.equivalent and len(v.samples) == 150
        assert all(inside(s.point) for s in v.samples)
        xs = [abs(s.point["x"]) for s in v.samples]
        assert max(xs) / min(xs) > 5  # spread over more than one scale


def test_json_report(gradcli: Gradcli) -> None:
    r = gradcli("check", "sin(x^2)", "--wrt", "x", "--expect", "cos(x^2)", "--format", "json",
                "--points", "50")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["equivalent"] is False and data["points_tested"] == 50
    ce = data["counterexample"]
    assert set(ce) == {"point", "yours", "true"}
    import math

    x = ce["point"]["x"]
    assert math.isclose(ce["true"], 2 * x * math.cos(x * x), rel_tol=1e-12)
    assert math.isclose(ce["yours"], math.cos(x * x), rel_tol=1e-12)
    assert "chain rule" in data["diagnosis"] and data["derivative"] == "2*x*cos(x^2)"


def test_several_partials_and_fixed_values(gradcli: Gradcli) -> None:
    r = gradcli("check", "x^2 y", "--wrt", "x", "--expect", "2x y", "--wrt", "y",
                "--expect", "x^2", "--format", "json")
    data = json.loads(r.out)
    assert r.code == 0 and data["equivalent"] and len(data["partials"]) == 2
    r = gradcli("check", "x^2 y", "--wrt", "x", "--expect", "2x y", "--wrt", "y",
                "--expect", "2x")
    assert r.code == 1 and "✓ ∂f/∂x" in r.out and "✗ ∂f/∂y" in r.out
    assert gradcli("check", "x^2 y", "--wrt", "x", "--expect", "4x", "--y", "2").code == 0


def test_seed_and_at_are_reproducible(gradcli: Gradcli) -> None:
    argv = ["check", "exp(x)", "--expect", "exp(x) + x/1e9", "--format", "json", "--points", "20"]
    a = json.loads(gradcli(*argv, "--seed", "7").out)
    b = json.loads(gradcli(*argv, "--seed", "7").out)
    c = json.loads(gradcli(*argv, "--seed", "8").out)
    assert a == b and a["counterexample"] != c["counterexample"]
    r = gradcli("check", "x^2", "--expect", "2x", "--at", "x=1.5", "--at", "x=pi",
                "--points", "3", "--format", "json")
    assert json.loads(r.out)["points_tested"] == 5


@pytest.mark.parametrize("argv", [
    ["check", "x^2", "--wrt", "x"],                                # no --expect
    ["check", "x^2", "--wrt", "x", "--expect", "2x +"],            # bad formula
    ["check", "x^2", "--wrt", "y", "--expect", "2x"],               # not a variable
    ["check", "x^2", "--wrt", "x", "--expect", "2z"],               # unknown name in G
    ["check", "x*y", "--expect", "y"],                             # which partial?
    ["check", "x^2", "--wrt", "x", "--expect", "2x", "--at", "y"],  # bad --at
    ["check", "log(-x^2 - 1)", "--wrt", "x", "--expect", "1"],     # F defined nowhere
    ["check", "x^2", "--wrt", "x", "--expect", "2x", "--expect", "1"],
])
def test_bad_input(gradcli: Gradcli, argv: list[str]) -> None:
    r = gradcli(*argv)
    assert r.code == 2, (r.code, r.out, r.err)
    assert r.out == "" and r.err.startswith("gradcli: error: ")


def _round_trip_cases(seed: int, n: int) -> list[tuple[str, str]]:
    cases = []
    for text in expressions(seed, n):
        tape = parse(text)
        cases.extend((text, v) for v in tape.variables)
    return cases


def test_round_trip_on_random_expressions() -> None:
    """check F --expect "$(diff F --format plain)" says equal, over the whole function table."""
    tested = 0
    ops_seen: set[str] = set()
    for text, v in _round_trip_cases(2024, 260):
        tape = parse(text)
        formula = formulas(simplify(differentiate(tape, [v]).tape, exact=False))[0]
        try:
            verdict = check_one(tape, v, formula, points=100)
        except InputError:  # F or its derivative defined nowhere we looked: nothing to test
            continue
        assert verdict.equivalent, (text, v, formula, verdict.diagnosis)
        tested += 1
        ops_seen.update(tape.ops)
    assert tested >= 200
    from gradcli.ops import OPS

    assert set(OPS) <= ops_seen  # every operation of the table took part


def test_round_trip_through_the_cli(gradcli: Gradcli) -> None:
    for text, v in _round_trip_cases(99, 12):
        d = gradcli("diff", text, "--wrt", v, "--format", "plain")
        assert d.code == 0
        r = gradcli("check", text, "--wrt", v, "--expect", d.out.strip(), "--points", "40")
        assert r.code in (0, 2), (text, r.out, r.err)
        if r.code == 2:
            assert "no point" in r.err
    with pytest.raises(GradcliError):
        parse("2x +")


def test_rounding_is_not_a_mistake() -> None:
    """An equal formula that cancels catastrophically in doubles is still equal (re-judged
    at 40 and 80 digits); a different one that rounds the same way is still different."""
    f = parse("x^2/2")
    g = "((x + 1e9)^2 - x^2 - 1e18)/2e9"  # exactly x, but off by ~1e-7 in doubles
    from gradcli.forward import forward

    tape = parse(g)
    assert not agree(forward(tape, {"x": 0.3})[tape.outputs[0]], 0.3)  # doubles disagree
    assert check_one(f, "x", g, points=100).equivalent
    assert not check_one(f, "x", "((x + 1e9)^2 - x^2 - 1e18)/2e9 + 1e-6", points=100).equivalent


def test_help_has_example(gradcli: Gradcli) -> None:
    r = gradcli("check", "--help")
    assert r.code == 0 and "Example:" in r.out and "--expect" in r.out and "--at" in r.out


def test_machine_formats(gradcli: Gradcli) -> None:
    """csv/tsv: a header and a row per partial; the verdicts are SymPy-independent facts."""
    import csv
    import io

    for fmt, sep in (("csv", ","), ("tsv", "\t")):
        res = gradcli("check", "x^2 y", "--wrt", "x", "--expect", "2x y", "--wrt", "y",
                      "--expect", "2x", "--format", fmt)
        assert res.code == 1
        rows = list(csv.DictReader(io.StringIO(res.out), delimiter=sep))
        assert [(r["wrt"], r["equivalent"]) for r in rows] == [("x", "true"), ("y", "false")]
        assert rows[1]["derivative"] == "x^2"
    res = gradcli("check", "x^2", "--wrt", "x", "--expect", "2x", "--format", "plain")
    # the reading of the answer comes first (issue 11), then a line per partial
    assert res.code == 0 and res.out.splitlines() == [
        "your answer read as: 2*x",
        "x: right; expected 2x; derivative 2*x; decided exactly (rational arithmetic)"]


def test_several_outputs_are_refused_not_checked_one_silently() -> None:
    # `x+y, x*y` used to be judged on x*y alone: y passed as ∂/∂x of x + y
    import subprocess
    import sys
    from pathlib import Path

    GRADCLI = str(Path(sys.executable).with_name("gradcli"))
    for source in ("x+y, x*y", "a = x+y; b = x*y; a, b"):
        r = subprocess.run([GRADCLI, "check", source, "--wrt", "x", "--expect", "y"],
                           capture_output=True, text=True)
        assert r.returncode == 2 and r.stdout == ""
        assert "2 outputs" in r.stderr
