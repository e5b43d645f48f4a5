"""The array path against outside oracles: HIPS autograd for >= 300 random expressions of
mixed shapes (every array operation), values and every gradient to 1e-10 relative;
PyTorch where it is installed; and the check's verdict on a sample."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

autograd = pytest.importorskip("autograd", reason="autograd is the array oracle (test extra)")

from arrays_exprgen import random_case  # noqa: E402

from gradcli.arrays.pipeline import evaluate_arrays  # noqa: E402
from gradcli.parser import parse  # noqa: E402

N_CASES = 320
SEED = 1515
REL = 1e-10

# every operation of issue 15's language, as the generator names them
EVERY_OP = {"sum", "mean", "prod", "max", "min", "logsumexp", "norm", "norm1", "dot", "outer",
            "transpose", "^T", "trace", "softmax", "log_softmax", "index", "index2", "column",
            "slice", "literal", "matmul", "matvec", "det", "inv", "logdet", "solve",
            "+", "-", "*", "/", "atan2"}


def _cases() -> list[tuple[str, dict[str, Any], Any, set[str]]]:
    rng = random.Random(SEED)
    return [random_case(rng, depth=rng.choice((2, 3, 4))) for _ in range(N_CASES)]


CASES = _cases()


def _close(ours: Any, theirs: Any) -> bool:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    scale = max(1.0, float(np.max(np.abs(theirs))) if theirs.size else 1.0)
    return ours.shape == theirs.shape and bool(np.all(np.abs(ours - theirs) <= REL * scale))


def test_the_cases_cover_every_operation() -> None:
    used = set().union(*(ops for _, _, _, ops in CASES))
    assert EVERY_OP <= used, EVERY_OP - used
    shapes = {v.shape for _, values, _, _ in CASES for v in values.values()}
    assert len(shapes) >= 5  # scalars, vectors, non-square and square matrices


@pytest.mark.parametrize("k", range(N_CASES))
def test_values_and_gradients_match_autograd(k: int) -> None:
    text, values, fn, _ = CASES[k]
    names = list(values)
    tape = parse(text, known=values, arrays=True)
    ev = evaluate_arrays(tape, values, check=False)

    def f(*args: Any) -> Any:
        return fn(dict(zip(names, args, strict=True)))

    args = [values[n] for n in names]
    assert _close(ev.value, f(*args)), (text, ev.value, f(*args))
    for j, name in enumerate(names):
        theirs = autograd.grad(f, j)(*args)
        assert _close(ev.gradient[name], theirs), (text, name, ev.gradient[name], theirs)


@pytest.mark.parametrize("k", range(0, N_CASES, 16))
def test_the_check_passes_on_correct_gradients(k: int) -> None:
    text, values, _, _ = CASES[k]
    tape = parse(text, known=values, arrays=True)
    ev = evaluate_arrays(tape, values, check=True)
    assert ev.passed, [(p.name, p.verdict, p.ad, p.fd) for p in ev.checks[-1].partials.values()
                       if not p.passed]


def test_pytorch_agrees_where_installed() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed here")
    rng = np.random.default_rng(3)
    W, x, b, y = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=3), \
        rng.normal(size=3)
    text = "sum((W @ x + b - y)^2) + logsumexp(W @ x) - sum(y*log_softmax(W @ x))"
    values = {"W": W, "x": x, "b": b, "y": y}
    ev = evaluate_arrays(parse(text, known=values, arrays=True), values, check=False)
    t = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items()}
    z = t["W"] @ t["x"]
    out = ((z + t["b"] - t["y"]) ** 2).sum() + torch.logsumexp(z, 0) - \
        (t["y"] * torch.log_softmax(z, 0)).sum()
    out.backward()
    assert _close(ev.value, out.item())
    for k in values:
        assert _close(ev.gradient[k], t[k].grad.numpy())
