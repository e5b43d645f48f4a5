"""Issue 15's worked examples, each against its textbook formula (and autograd for the
network): a linear layer with squared loss, logistic regression over a CSV of 20 rows,
softmax cross-entropy (∂L/∂z = p − y), and a 2-layer network written as named steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gradcli.arrays.pipeline import ArrayEvaluation, evaluate_arrays
from gradcli.arrays.values import read_csv
from gradcli.parser import parse

RNG = np.random.default_rng(15)


def run(text: str, **values: Any) -> ArrayEvaluation:
    ev = evaluate_arrays(parse(text, known=values, arrays=True), values, check=True)
    assert ev.passed, [p for c in ev.checks for p in c.partials.values() if not p.passed]
    return ev


def close(a: Any, b: Any) -> bool:
    return bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))


def test_linear_layer_with_squared_loss() -> None:
    W, x, b, y = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=3), \
        RNG.normal(size=3)
    ev = run("sum((W@x + b - y)^2)", W=W, x=x, b=b, y=y)
    r = W @ x + b - y
    assert close(ev.value, r @ r)
    assert close(ev.gradient["W"], 2 * np.outer(r, x))  # ∂L/∂W = 2 r xᵀ
    assert close(ev.gradient["b"], 2 * r)
    assert close(ev.gradient["x"], 2 * W.T @ r)


def test_logistic_regression_over_a_csv_of_20_rows(tmp_path: Path) -> None:
    X = RNG.normal(size=(20, 3))
    y = np.where(RNG.random(20) < 0.5, -1.0, 1.0)
    path = tmp_path / "data.csv"
    path.write_text("x1,x2,x3\n" + "\n".join(",".join(repr(float(v)) for v in row)
                                              for row in X))
    data = read_csv("X", str(path))
    assert data.shape == (20, 3) and close(data, X)
    w, c = RNG.normal(size=3), 0.3
    ev = run("mean(softplus(-y*(X@w + c)))", X=data, y=y, w=w, c=c)
    m = y * (X @ w + c)
    assert close(ev.value, np.mean(np.log1p(np.exp(-m))))
    s = 1 / (1 + np.exp(m))  # sigmoid(-m)
    assert close(ev.gradient["w"], -(X.T @ (y * s)) / 20)
    assert close(ev.gradient["c"], -np.mean(y * s))


def test_softmax_cross_entropy_gradient_is_p_minus_y() -> None:
    z = np.array([2.0, -1.0, 0.5])
    y = np.array([0.0, 1.0, 0.0])
    ev = run("-sum(y*log_softmax(z))", z=z, y=y)
    p = np.exp(z) / np.exp(z).sum()
    assert close(ev.value, -np.log(p[1]))
    assert close(ev.gradient["z"], p - y)


def test_softmax_is_stable_for_large_logits() -> None:
    z = np.array([1000.0, 1001.0, 999.0])
    ev = run("logsumexp(z) + sum(softmax(z)*z)", z=z)
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert close(ev.value, z.max() + np.log(np.exp(z - z.max()).sum()) + p @ z)


def test_big_products_cost_what_numpy_costs() -> None:
    """A 500×500 graph: one vectorised call per node, no Python loop per element (CPU time
    against the same NumPy calls written by hand, forward and backward)."""
    import time

    from gradcli.arrays.pipeline import evaluate_arrays as run_arrays

    A, B, x = RNG.normal(size=(500, 500)), RNG.normal(size=(500, 500)), RNG.normal(size=500)
    values = {"A": A, "B": B, "x": x}
    tape = parse("sum(tanh(A @ B) @ x)", known=values, arrays=True)

    def by_hand() -> None:
        T = np.tanh(A @ B)
        _ = (T @ x).sum()
        gP = np.outer(np.ones(500), x) * (1 - T * T)
        _, _, _ = gP @ B.T, A.T @ gP, T.T @ np.ones(500)

    def cpu(f: Any) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            f()
            best = min(best, time.process_time() - t0)
        return best

    ours = cpu(lambda: run_arrays(tape, values, check=False))
    hand = cpu(by_hand)
    assert ours <= 2 * hand + 0.05, (ours, hand)


def test_two_layer_network_as_named_steps() -> None:
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    W1, b1 = RNG.normal(size=(4, 2)), RNG.normal(size=4)
    W2, b2 = RNG.normal(size=(1, 4)), RNG.normal(size=1)
    x, y = np.array([0.5, -1.0]), np.array([0.25])
    text = "h = tanh(W1 @ x + b1)\no = W2 @ h + b2\nL = sum((o - y)^2)"
    values = {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "x": x, "y": y}
    ev = run(text, **values)
    assert ev.tape.output_names == ["L"]
    names = ev.names()
    assert "h" in names and "o" in names  # the steps keep their names (shapes shown)

    def loss(W1: Any, b1: Any, W2: Any, b2: Any) -> Any:
        h = anp.tanh(anp.dot(W1, x) + b1)
        return anp.sum((anp.dot(W2, h) + b2 - y) ** 2)

    for k, name in enumerate(("W1", "b1", "W2", "b2")):
        assert close(ev.gradient[name], autograd.grad(loss, k)(W1, b1, W2, b2))


@pytest.mark.parametrize("A, cofactors", [
    ([[1.0, 2.0], [2.0, 4.0]], [[4.0, -2.0], [-2.0, 1.0]]),  # singular: det's slope is not 0
    ([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]], [[-3.0, 6, -3], [6, -12, 6], [-3, 6, -3]]),
    ([[2.0, 1.0], [0.5, 3.0]], [[3.0, -0.5], [-1.0, 2.0]]),
])
def test_det_slope_is_the_cofactor_matrix_even_where_singular(A: list[list[float]],
                                                               cofactors: list[list[float]]
                                                               ) -> None:
    ev = run("det(A)", A=np.array(A))
    assert close(ev.gradient["A"], cofactors)
