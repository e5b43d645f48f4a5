"""Every diagnosis `check` prints is true, as SymPy judges it.

Each kind of diagnosis with a right answer (no diagnosis), a wrong one (named)
and a near miss (wrong, but not in the way the kind says: that claim must not
be printed); then a few hundred random homework functions with typical
mistakes (a term dropped, a sign flipped, a coefficient changed, an exponent
off by one, a chain factor dropped), every printed claim read back and checked
by SymPy (tests/checkoracle.py).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

sympy = pytest.importorskip("sympy", reason="SymPy is the outside judge (test extra)")

from checkoracle import X, homework, mistake, text_of, to_sympy, verify_claim  # noqa: E402

from gradcli.checker import check_one  # noqa: E402
from gradcli.errors import InputError  # noqa: E402
from gradcli.parser import parse  # noqa: E402

# (what the diagnosis says, F, wrt, right answer, wrong answer, near miss)
KINDS = [
    ("sign error", "cos(x)", "x", "-sin(x)", "sin(x)", "sin(x) + x/10^9"),
    ("2 times the derivative", "x^3", "x", "3x^2", "6x^2", "6x^2 + x^3/10^6"),
    ("1/pi times the derivative", "sin(pi x)", "x", "pi cos(pi x)", "cos(pi x)",
     "cos(pi x) + x/10^12"),
    ("1/log(2) times the derivative", "2^x", "x", "2^x ln(2)", "2^x", "2^x + 1/10^20"),
    ("the derivative + 1 ", "x^2", "x", "2x", "2x + 1", "2x + 1 + x/10^12"),
    ("the derivative - 1e-12 ", "x^2", "x", "2x", "2x - 1e-12", "2x - 1e-12 + x^2/10^30"),
    ("chain rule: a factor is missing, 2*x", "sin(x^2)", "x", "2x cos(x^2)", "cos(x^2)",
     "cos(x^2) (1 + 1/10^9)"),
    ("chain rule: a factor is missing, 1/x", "log(log(x))", "x", "1/(x log(x))", "1/log(x)",
     "1/log(x) + 1/10^15"),
    ("not the product of the derivatives", "x^2 sin(x)", "x", "2x sin(x) + x^2 cos(x)",
     "2x cos(x)", "2x cos(x) + 1/10^9"),
    ("the term u*v' is missing", "x^2 sin(x)", "x", "x (2 sin(x) + x cos(x))", "2x sin(x)",
     "2x sin(x) + x^3/10^12"),
    ("the sign in the numerator is wrong", "(x^2+1)/(x-1)", "x",
     "(x^2 - 2x - 1)/(x - 1)^2", "(2x(x-1) + (x^2+1))/(x-1)^2",
     "(2x(x-1) + (x^2+1))/(x-1)^2 + 1/10^15"),
    ("not the quotient of the derivatives", "sin(x)/x^2", "x",
     "cos(x)/x^2 - 2 sin(x)/x^3", "cos(x)/(2x)", "cos(x)/(2x) + 1/10^9"),
    ("the denominator v^2 is missing", "sin(x)/x^2", "x", "(x^2 cos(x) - 2x sin(x))/x^4",
     "x^2 cos(x) - 2x sin(x)", "x^2 cos(x) - 2.0000001 x sin(x)"),
    ("should be cos(x) (the derivative of sin(x); a sign error)", "x^3 - 2x + sin(x)", "x",
     "3x^2 - 2 + cos(x)", "3x^2 - 2 - cos(x)", "3x^2 - 2 - 1.0000001 cos(x)"),
    ("should be 3*x^2 (the derivative of x^3; a power one too high)", "x^3 - 2x", "x",
     "3x^2 - 2", "3x^3 - 2", "3x^3 - 2 + x/10^9"),
    ("your y^2 should be 3*y^2 (the derivative of y^3; off by the factor 1/3)",
     "x^2 y + y^3", "y", "x^2 + 3y^2", "x^2 + y^2", "x^2 + y^2 + y/10^9"),
    ("a term is missing: 2*exp(2*x), the derivative of exp(2*x)", "x^3 + exp(2x)", "x",
     "3x^2 + 2 exp(2x)", "3x^2", "3x^2 + 2 exp(2x) (1 - 1/10^10)"),
    ("a term is extra: your cos(y) is not part of the derivative", "x^2 + sin(y)", "x", "2x",
     "2x + cos(y)", "2x + cos(y) + x/10^9"),
    ("wrong power: your answer is the derivative times x ", "x^3", "x", "3x^2", "3x^3",
     "3x^3 + 1/10^9"),
    ("wrong power: your answer is the derivative divided by x ", "sin(x^2)", "x",
     "2x cos(x^2)", "2 cos(x^2)", "2 cos(x^2) + 1/10^9"),
    ("your answer is 0 at every point tested", "x^5", "x", "5x^4", "0", "x/10^40"),
]


@pytest.mark.parametrize(("said", "f", "wrt", "right", "wrong", "near"), KINDS,
                         ids=[k[0][:40] for k in KINDS])
def test_each_kind_right_wrong_and_near_miss(said: str, f: str, wrt: str, right: str,
                                             wrong: str, near: str) -> None:
    tape = parse(f)
    base = to_sympy(f)
    var = to_sympy(wrt)
    ok = check_one(tape, wrt, right, points=80)
    assert ok.equivalent and ok.diagnosis == "", ok.diagnosis
    bad = check_one(tape, wrt, wrong, points=80)
    assert not bad.equivalent
    assert said in bad.diagnosis + " ", bad.diagnosis
    points = [s.point for s in bad.samples[:8]]
    verify_claim(bad.diagnosis, base, to_sympy(wrong), points, var)
    miss = check_one(tape, wrt, near, points=80)
    assert not miss.equivalent
    assert said not in miss.diagnosis + " ", miss.diagnosis
    verify_claim(miss.diagnosis, base, to_sympy(near), [s.point for s in miss.samples[:8]],
                 var)


def test_no_false_claims_on_random_mistakes() -> None:
    """A few hundred typical mistakes: each rejected, each claim true (SymPy), and most of
    them named (not just 'differs')."""
    rng = random.Random(20261127)
    kinds: Counter[str] = Counter()
    said: Counter[str] = Counter()
    n = 0
    while n < 240:
        f, parts = homework(rng)
        kind, g = mistake(rng, parts)
        if sympy.expand(g - sympy.diff(f, X)) == 0:
            continue
        try:
            v = check_one(parse(text_of(f)), "x", text_of(g), points=30, seed=n)
        except InputError:  # defined nowhere we looked: nothing to judge
            continue
        assert not v.equivalent, (f, g)
        step = max(1, len(v.samples) // 8)
        said[verify_claim(v.diagnosis, f, g, [s.point for s in v.samples[::step]])] += 1
        kinds[kind] += 1
        n += 1
    assert set(kinds) == {"sign", "coefficient", "drop", "exponent", "chain"}
    named = n - said["none"] - said["some"]
    assert named >= 0.6 * n, said
