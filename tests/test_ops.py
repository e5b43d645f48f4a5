"""Every entry of the operations table: its partials against central differences
of its own forward function, at random points where it is defined and smooth."""

from __future__ import annotations

import math
import random

import pytest

from gradcli.ops import NUM, OPS, Op


def _points(op: Op, rng: random.Random, n: int = 40) -> list[tuple[float, ...]]:
    arity = 3 if op.arity < 0 else op.arity
    out: list[tuple[float, ...]] = []
    while len(out) < n:
        args = tuple(rng.uniform(-3, 3) for _ in range(arity))
        try:
            op.fn(*args)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if op.singular is not None and op.singular(*args):
            continue
        if any(abs(a) < 1e-3 for a in args):  # stay off kinks, poles and branch points
            continue
        out.append(args)
    return out


def _central(op: Op, args: tuple[float, ...], k: int) -> float | None:
    h = 1e-6 * max(1.0, abs(args[k]))
    try:
        up = op.fn(*[a + h if i == k else a for i, a in enumerate(args)])
        down = op.fn(*[a - h if i == k else a for i, a in enumerate(args)])
    except (ValueError, ZeroDivisionError):
        return None
    return float((up - down) / (2 * h))


@pytest.mark.parametrize("name", sorted(OPS))
def test_partials_match_central_differences(name: str) -> None:
    op = OPS[name]
    rng = random.Random(name)
    checked = 0
    for args in _points(op, rng):
        out = op.fn(*args)
        partials = op.partials(NUM, out, *args)
        assert len(partials) == len(args)
        for k, p in enumerate(partials):
            fd = _central(op, args, k)
            if fd is None:
                continue
            assert math.isclose(float(p), fd, rel_tol=1e-5, abs_tol=1e-6), (name, args, k, p, fd)
            checked += 1
    assert checked >= 20


# The conventions at non-differentiable points: PyTorch's numbers, and a note.
KINKS = [
    ("abs(x)", {"x": 0.0}, {"x": 0.0}),
    ("relu(x)", {"x": 0.0}, {"x": 0.0}),
    ("sign(x)", {"x": 0.0}, {"x": 0.0}),
    ("max(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("min(x, y, z)", {"x": 2.0, "y": 2.0, "z": 3.0}, {"x": 0.5, "y": 0.5, "z": 0.0}),
]


@pytest.mark.parametrize("expr, point, grad", KINKS, ids=[k[0] for k in KINKS])
def test_kink_conventions_are_reported(expr: str, point: dict[str, float],
                                       grad: dict[str, float]) -> None:
    from gradcli.pipeline import evaluate

    r = evaluate(expr, point)
    assert r.gradient == grad
    assert r.notes, "a kink must be reported, never silent"
    assert "convention" in r.notes[0].message
    assert r.check is not None and r.check.passed  # a kink is not a failed derivative


def test_stable_forms() -> None:
    """softplus and sigmoid stay finite and exact where naive forms overflow."""
    sp = OPS["softplus"].fn
    assert sp(1000.0) == 1000.0
    assert sp(-1000.0) == 0.0
    assert sp(-40.0) == pytest.approx(math.exp(-40.0), rel=1e-15)
    sig = OPS["sigmoid"].fn
    assert sig(-1000.0) == 0.0 and sig(1000.0) == 1.0
    assert sig(-40.0) == pytest.approx(math.exp(-40.0), rel=1e-14)


def test_local_partials_is_the_rule_with_nan_where_undefined() -> None:
    from gradcli.ops import local_partials

    assert local_partials("log", math.log(2.0), [2.0]) == (0.5,)
    assert local_partials("mul", 6.0, [2.0, 3.0]) == (3.0, 2.0)
    # 1/(2 sqrt(0)) divides by zero; log's 1/x at 0 too: nan for each argument
    assert all(math.isnan(p) for p in local_partials("sqrt", 0.0, [0.0]))
    assert all(math.isnan(p) for p in local_partials("atan2", 0.0, [0.0, 0.0]))
    # d/dy x^y at x < 0 is undefined but d/dx is not: the rule keeps them apart
    dx, dy = local_partials("pow", -8.0, [-2.0, 3.0])
    assert dx == 12.0 and math.isnan(dy)
    # a tie splits evenly, no tie gives the one argument everything
    assert local_partials("max", 2.0, [2.0, 1.0, 2.0]) == (0.5, 0.0, 0.5)
    assert local_partials("min", 1.0, [2.0, 1.0, 3.0]) == (0.0, 1.0, 0.0)
