"""Overflow, underflow and non-finite values: reported at the node where they appear."""

from __future__ import annotations

import pytest

from gradcli.errors import DomainError
from gradcli.pipeline import evaluate

CASES = [
    ("exp(x)", {"x": 1000}, "exp(x) (column 1) overflows a double"),
    ("1 + exp(x)*exp(x)", {"x": 400}, "exp(x)*exp(x) (column 5) overflows a double"),
    ("1/exp(-x)", {"x": 1000}, "exp(-x) underflowed to 0"),
    ("x^x", {"x": 0}, "the derivative of x^x (column 1) is undefined where x = 0"),
    ("sqrt(x)", {"x": 0}, "infinite slope"),
    ("asin(x)", {"x": 1}, "infinite slope"),
    ("1/x", {"x": 0}, "division by zero"),
    ("x^-1", {"x": 0}, "pole"),
    ("atan2(y, x)", {"x": 0, "y": 0}, "origin"),
    ("log(x)", {"x": 0}, "log needs a positive argument"),
]


@pytest.mark.parametrize("expr, point, words", CASES, ids=[c[0] for c in CASES])
def test_named_where_it_first_appears(expr: str, point: dict[str, float], words: str) -> None:
    with pytest.raises(DomainError) as info:
        evaluate(expr, point)
    assert words in info.value.message
    assert info.value.exit_code == 3


def test_limits_that_are_fine() -> None:
    """x^x near 0 from the right, and 0^y for y > 0, have derivatives: no error there."""
    r = evaluate("x^y", {"x": 0, "y": 2})
    assert r.gradient == {"x": 0.0, "y": 0.0}
    r = evaluate("x^2", {"x": 0})
    assert r.gradient == {"x": 0.0}
    assert evaluate("x^0.5 + x", {"x": 4}).gradient["x"] == 1.25


def test_zero_to_the_zero_is_an_undefined_slope_even_under_a_zero_adjoint() -> None:
    """y*x^y at (0, 0): x^y's adjoint is y = 0, but its slope in y there (0^y jumps from
    inf to 1 to 0) is undefined, and 0·undefined is no number (issue 14)."""
    with pytest.raises(DomainError, match="undefined"):
        evaluate("y*x^y", {"x": 0, "y": 0})
    assert not evaluate("x^0", {"x": 0}).notes  # a constant 0 exponent: x^0 is 1 everywhere
