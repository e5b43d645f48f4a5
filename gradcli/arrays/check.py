"""The finite-difference check of an array gradient, with the scalar check's verdicts.

An input of at most `PER_ELEMENT` elements is checked element by element (central
differences through gradcli/fdcheck.py's `check_one`: the same steps, error estimate
and verdicts as a scalar input); a bigger one along `DIRECTIONS` random unit
directions v, comparing ∑ ∂f/∂X · v with d/dt f(X + t v) (as JAX's check_grads).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from gradcli.arrays.engine import forward
from gradcli.fdcheck import Check, PartialCheck, can_kink, check_one
from gradcli.tape import Tape

PER_ELEMENT = 100  # inputs up to this many elements: every element checked
DIRECTIONS = 2  # random directions per bigger input (each costs 4 forward sweeps)
SEED = 15  # the directions are the same on every run
METHOD = (f"central differences per element (inputs of <= {PER_ELEMENT} elements), "
          f"along {DIRECTIONS} random unit directions beyond; Richardson-extrapolated, "
          "with a step sweep")


def label(name: str, index: tuple[int, ...]) -> str:
    """'W[0,1]': an element's label in checks and flattened output."""
    return f"{name}[{','.join(map(str, index))}]" if index else name


def check_arrays(tape: Tape, env: Mapping[str, Any], out: int, grad: Mapping[str, Any],
                 at_kink: bool, cotangent: Any = None) -> Check:
    """Check ∂(node out)/∂input for every input in `grad` (arrays shaped like the inputs).

    With `cotangent` u (an array output, for jacobian): `grad` is uᵀJ, checked as the
    gradient of the number ∑ u·f, as JAX's check_grads checks a VJP.
    """
    from gradcli.arrays.table import KINKS

    base = forward(tape, env)[out]  # f at the point itself, asked for by every check
    base_f = float(base if cotangent is None else np.sum(cotangent * base))
    kinks = can_kink(tape.ops) or any(op in KINKS for op in tape.ops)
    result = Check(METHOD)
    rng = np.random.default_rng(SEED)
    for name, g in grad.items():
        x = np.asarray(env[name], dtype=float)
        if x.size <= PER_ELEMENT:
            for index in np.ndindex(x.shape):
                key = label(name, index)
                f = _along(tape, env, out, name, _unit(x.shape, index), x, key,
                           cotangent=cotangent, base=base_f)
                result.partials[key] = check_one(f, {key: float(x[index])}, key,
                                                 float(g[index]), at_kink, kinks)
            continue
        for k in range(1, DIRECTIONS + 1):
            v = rng.standard_normal(x.shape)
            v /= np.linalg.norm(v)
            key = f"{name}·v{k}"
            f = _along(tape, env, out, name, v, x, key, origin=0.0, cotangent=cotangent,
                       base=base_f)
            got = check_one(f, {key: 0.0}, key, float(np.sum(g * v)), at_kink, kinks)
            result.partials[key] = got
    return result


def _unit(shape: tuple[int, ...], index: tuple[int, ...]) -> Any:
    e = np.zeros(shape)
    e[index] = 1.0
    return e


def _along(tape: Tape, env: Mapping[str, Any], out: int, name: str, v: Any, x: Any, key: str,
           origin: float | None = None, cotangent: Any = None,
           base: float | None = None) -> Callable[[Mapping[str, float]], float]:
    """t -> f(x + (t - t0) v): the output along one direction.  An element (`origin`
    None): t is the element's own value, set exactly rather than as x + (t - t0)."""
    point = dict(env)
    index = tuple(int(k) for k in np.argwhere(v)[0]) if origin is None and v.ndim else ()
    t0 = float(x[index]) if origin is None else origin

    def f(p: Mapping[str, float]) -> float:
        if base is not None and p[key] == t0:  # the point itself: no sweep needed
            return base
        if origin is None:
            moved = x.copy()
            moved[index] = p[key]
            point[name] = moved
        else:
            point[name] = x + (p[key] - origin) * v
        value = forward(tape, point)[out]
        return float(value if cotangent is None else np.sum(cotangent * value))

    return f


def passed(checks: list[Check]) -> bool:
    return all(c.passed for c in checks)


__all__ = ["METHOD", "PartialCheck", "check_arrays", "label", "passed"]
