"""The finite-difference check classifies a disagreement instead of failing bare."""

from __future__ import annotations

import math

import pytest
from conftest import Gradcli

import gradcli.ops as ops
from gradcli.fdcheck import Check
from gradcli.pipeline import Evaluation, evaluate


def checked(r: Evaluation) -> Check:
    """The finite-difference check of an evaluation made with check=True."""
    assert r.check is not None
    return r.check


def test_agrees_with_error_estimate() -> None:
    r = evaluate("log(3*x^2 + 5*x*y)", {"x": 2, "y": 3})
    assert r.check is not None
    for p in r.check.partials.values():
        assert p.verdict == "ok" and p.reason == ""
        assert p.abs_error is not None and p.abs_error <= 10 * p.error_estimate + 1e-12
        assert 0 < p.error_estimate < 1e-6


def test_step_too_large_for_the_curvature() -> None:
    r = evaluate("sqrt(x)", {"x": 1e-9})
    p = checked(r).partials["x"]
    assert p.verdict == "ok" and "too large for the curvature" in p.reason
    assert p.fd == pytest.approx(0.5 / math.sqrt(1e-9), rel=1e-6)


def test_kink_is_not_a_failure() -> None:
    r = evaluate("relu(x)", {"x": 0})
    p = checked(r).partials["x"]
    assert p.verdict == "kink" and p.passed
    assert p.left == pytest.approx(0, abs=1e-9) and p.right == pytest.approx(1, rel=1e-9)


def test_cancellation_is_inconclusive() -> None:
    r = evaluate("1e17 + x", {"x": 1})
    p = checked(r).partials["x"]
    assert r.gradient["x"] == 1
    assert p.verdict == "inconclusive" and "rounding" in p.reason and p.passed


def test_wrong_derivative_is_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ops.OPS, "cos", ops.Op("cos", 1, math.cos, lambda m, o, x: (m.sin(x),)))
    r = evaluate("cos(x)", {"x": 1})
    p = checked(r).partials["x"]
    assert p.verdict == "mismatch" and not p.passed
    assert "every step" in p.reason


@pytest.mark.parametrize("convention, dx, dy", [
    ("torch", 0.5, 0.5), ("left", -1, 0), ("right", 2, 1), ("mean", 0.5, 0.5)])
def test_subgradient_conventions(convention: str, dx: float, dy: float) -> None:
    r = evaluate("abs(x) + max(x, y)", {"x": 0, "y": 0}, convention=convention)
    assert r.gradient == {"x": dx, "y": dy}
    assert len(r.notes) == 2
    assert all("left slope" in n.message for n in r.notes)
    assert r.check is not None and r.check.passed


def test_subgradient_error_and_jumps(gradcli: Gradcli) -> None:
    res = gradcli("eval", "abs(x)", "--x", "0", "--subgradient", "error")
    assert res.code == 3 and "not differentiable" in res.err and res.out == ""
    res = gradcli("eval", "sign(x)", "--x", "0", "--subgradient", "left")
    assert res.code == 3 and "no one-sided derivative" in res.err


def test_kink_closer_than_any_step() -> None:
    """max(x, y) with y a hair above x: every difference straddles the kink."""
    r = evaluate("max(x, y)", {"x": 0.0, "y": 8.5e-24})
    assert r.gradient == {"x": 0.0, "y": 1.0} and not r.notes
    p = checked(r).partials["x"]
    assert p.verdict == "kink" and "within" in p.reason and p.passed


def test_non_converging_differences_are_inconclusive() -> None:
    """y^y at y = 3e-67: f differs from 1 by 1e-64, so no difference can see the slope."""
    r = evaluate("y^y", {"y": 2.8e-67})
    p = checked(r).partials["y"]
    assert r.gradient["y"] == pytest.approx(2.8e-67 ** 2.8e-67 * (math.log(2.8e-67) + 1))
    assert p.verdict == "inconclusive" and p.passed


def test_equal_arguments_below_the_maximum_are_no_tie() -> None:
    """max(x, y, z) at (0, 0, 5): x and y are equal, but z alone is the maximum."""
    for convention in ("torch", "mean", "error"):
        r = evaluate("max(x, y, z)", {"x": 0, "y": 0, "z": 5}, convention=convention)
        assert r.gradient == {"x": 0, "y": 0, "z": 1} and not r.notes
        assert r.check is not None and r.check.passed
    r = evaluate("min(x, y, z)", {"x": 5, "y": 5, "z": 0}, convention="error")
    assert r.gradient == {"x": 0, "y": 0, "z": 1}


def test_steps_wider_than_a_tiny_x_cannot_refute(gradcli: Gradcli) -> None:
    # y^x at y = 6.09e-94: the slope x*y^(x-1) is 9.75e63 (mpmath agrees), but f is
    # flat over any step wider than y, and steps at y's scale drown in rounding.
    import mpmath

    x, y = 5.94e-30, 6.09e-94
    r = evaluate("y^x", {"x": x, "y": y})
    with mpmath.workdps(50):
        exact = mpmath.mpf(x) * mpmath.power(mpmath.mpf(y), mpmath.mpf(x) - 1)
    assert r.gradient["y"] == pytest.approx(float(exact), rel=1e-12)
    p = checked(r).partials["y"]
    assert p.verdict == "inconclusive" and p.passed
    res = gradcli("eval", "y^x", "--x", repr(x), "--y", repr(y), "--format", "json")
    assert res.code == 0


def test_a_wrong_slope_at_a_tiny_x_is_still_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    # the steps at x's own scale resolve sin's slope there, so the new rule cannot excuse it
    monkeypatch.setitem(ops.OPS, "sin", ops.Op("sin", 1, math.sin, lambda m, o, x: (2 * m.cos(x),)))
    r = evaluate("sin(x)", {"x": 1e-50})
    p = checked(r).partials["x"]
    assert p.verdict == "mismatch" and not p.passed
