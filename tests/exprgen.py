"""Seeded random expressions over gradcli's whole function table, for property tests.

Reusable: `expressions(seed, n)` gives n texts; `random_expression(rng)` one.
Built bottom-up from a pool (no recursion): each step applies a random
operation to random earlier pool entries, so sub-expressions get shared the way
they do in real programs.  Arguments of functions with a restricted domain are
usually, not always, steered into it, so some expressions have small or odd
domains on purpose.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from gradcli.ops import FUNCTIONS, OPS

UNARY = sorted({op.name for op in FUNCTIONS.values() if op.arity == 1})
VARIADIC = sorted({op.name for op in FUNCTIONS.values() if op.arity < 0})  # min, max
BINARY_FUNCS = sorted({op.name for op in FUNCTIONS.values() if op.arity == 2
                       and op.name != "pow"})  # atan2
OPERATORS = ["add", "sub", "mul", "div", "neg", "pow"]
assert set(UNARY) | set(VARIADIC) | set(BINARY_FUNCS) | set(OPERATORS) == set(OPS)

# arguments steered into the domain, most of the time
_STEER = {"log": "abs({}) + 0.5", "log2": "abs({}) + 1", "log10": "{}^2 + 1",
          "sqrt": "{}^2 + 1", "asin": "sin({})", "acos": "cos({})/2",
          "sec": "{}/3", "csc": "{}/3 + 0.5"}


def _wrap(text: str) -> str:
    return f"({text})"


def random_expression(rng: random.Random, steps: int | None = None,
                      variables: Sequence[str] = ("x", "y"),
                      functions: Sequence[str] | None = None) -> str:
    """One expression: `steps` operations over the variables and small constants.

    The spine starts at a variable, so every expression depends on one.
    """
    used = list(variables)[: rng.randint(1, len(variables))]
    consts = ["2", "3", "0.5", "1.5", "pi", "5", "e"]
    n = steps if steps is not None else rng.randint(2, 7)
    names = list(functions) if functions is not None else [*UNARY, *VARIADIC, *BINARY_FUNCS,
                                                           *OPERATORS, *OPERATORS]
    made: list[str] = [rng.choice(used)]

    def pick() -> str:
        # prefer recent results, so the expression grows a spine
        if made and rng.random() < 0.7:
            return made[-1] if rng.random() < 0.6 else rng.choice(made)
        return rng.choice(used) if rng.random() < 0.8 else rng.choice(consts)

    for _ in range(n):
        op = rng.choice(names)
        a = pick()
        if op in UNARY:
            arg = _STEER[op].format(_wrap(a)) if op in _STEER and rng.random() < 0.8 else a
            text = f"{op}({arg})"
        elif op in VARIADIC:
            text = f"{op}({', '.join(pick() for _ in range(rng.randint(2, 3)))})"
        elif op in BINARY_FUNCS:
            text = f"{op}({a}, {pick()})"
        elif op == "neg":
            text = f"-{_wrap(a)}"
        elif op == "pow":
            k = rng.random()
            if k < 0.6:
                exp = rng.choice(["2", "3", "-1", "-2", "4", "0.5", "1.5", "(1/3)"])
                text = f"{_wrap(a)}^{exp}"
            elif k < 0.8:
                text = f"(abs({a}) + 1)^{_wrap(pick())}"
            else:
                text = f"{rng.choice(['2', '3', '0.5'])}^{_wrap(a)}"
        else:
            sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op]
            b = pick()
            if op == "div" and rng.random() < 0.7:
                b = f"({b})^2 + 1"
            text = f"{_wrap(a)} {sym} {_wrap(b)}"
        made.append(text)
    # the last result that still depends on a variable (cot(0.5) does not)
    return next(t for t in reversed(made) if any(
        re.search(rf"\b{re.escape(v)}\b", t) for v in used))


def expressions(seed: int, n: int, **kw: object) -> list[str]:
    """n reproducible random expressions."""
    rng = random.Random(seed)
    return [random_expression(rng, **kw) for _ in range(n)]  # type: ignore[arg-type]
