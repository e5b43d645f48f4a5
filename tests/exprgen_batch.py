"""Random expressions over every function of the ops table, for the compiled-tape sweeps."""

from __future__ import annotations

import random

from gradcli.ops import FUNCTIONS


def random_text(rng: random.Random, depth: int, names: str = "xyz") -> str:
    """A random gradcli expression using operators, every function and shared names."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.75:
            return rng.choice(names)
        return rng.choice(["1", "2", "3", "0.5", "1.5", "pi", "0"])
    kind = rng.random()
    if kind < 0.45:
        op = rng.choice("+-*/^")
        a = random_text(rng, depth - 1, names)
        if op == "^":
            e = rng.choice(["2", "3", "(-1)", "0.5", "1.5", rng.choice(names)])
            return f"({a})^{e}"
        return f"({a}){op}({random_text(rng, depth - 1, names)})"
    if kind < 0.5:
        return f"-({random_text(rng, depth - 1, names)})"
    name = rng.choice(sorted(FUNCTIONS))
    arity = FUNCTIONS[name].arity
    n = rng.choice([2, 3]) if arity < 0 else arity
    return f"{name}({', '.join(random_text(rng, depth - 1, names) for _ in range(n))})"


def random_point(rng: random.Random, names: str = "xyz") -> dict[str, float]:
    """Mostly ordinary numbers, sometimes the special ones (0, ±1) where ops are singular."""
    return {v: rng.choice([0.0, 1.0, -1.0]) if rng.random() < 0.15
            else round(rng.uniform(-2.5, 2.5), 3) for v in names}
