"""A seeded generator of random array expressions with their autograd twins (issue 15).

`random_case(rng)` gives gradcli text, the values of its variables (ndarrays of mixed
shapes), and the same function written with autograd.numpy, so values and gradients
can be compared with an outside oracle.  Shapes are tracked while building, so every
expression is well-formed; the output is reduced to a scalar.  Depth is small:
building recursively is fine here (gradcli itself never recurses).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd.numpy as anp
import numpy as np

Fn = Callable[[dict[str, Any]], Any]
Shape = tuple[int, ...]


@dataclass
class Term:
    text: str
    fn: Fn
    shape: Shape


def _lse(x: Any) -> Any:
    m = anp.max(x)
    return m + anp.log(anp.sum(anp.exp(x - m)))


def _softmax(x: Any) -> Any:
    z = anp.exp(x - anp.max(x, axis=-1, keepdims=True))
    return z / anp.sum(z, axis=-1, keepdims=True)


def _log_softmax(x: Any) -> Any:
    m = anp.max(x, axis=-1, keepdims=True)
    return x - m - anp.log(anp.sum(anp.exp(x - m), axis=-1, keepdims=True))


# elementwise functions safe on any real argument: (gradcli text, autograd)
SAFE_UNARY: list[tuple[str, Callable[[str], str], Callable[[Any], Any]]] = [
    ("sin", lambda t: f"sin({t})", anp.sin),
    ("cos", lambda t: f"cos({t})", anp.cos),
    ("tanh", lambda t: f"tanh({t})", anp.tanh),
    ("atan", lambda t: f"atan({t})", anp.arctan),
    ("exp", lambda t: f"exp(tanh({t}))", lambda x: anp.exp(anp.tanh(x))),
    ("log", lambda t: f"log(1 + ({t})^2)", lambda x: anp.log(1 + x ** 2)),
    ("sqrt", lambda t: f"sqrt(2 + sin({t}))", lambda x: anp.sqrt(2 + anp.sin(x))),
    ("sigmoid", lambda t: f"sigmoid({t})", lambda x: 1 / (1 + anp.exp(-x))),
    ("softplus", lambda t: f"softplus({t})", lambda x: anp.logaddexp(0, x)),
    ("sinh", lambda t: f"sinh(tanh({t}))", lambda x: anp.sinh(anp.tanh(x))),
    ("cosh", lambda t: f"cosh(tanh({t}))", lambda x: anp.cosh(anp.tanh(x))),
    ("asin", lambda t: f"asin(0.9*tanh({t}))", lambda x: anp.arcsin(0.9 * anp.tanh(x))),
    ("square", lambda t: f"({t})^2", lambda x: x ** 2),
    ("cube", lambda t: f"({t})^3", lambda x: x ** 3),
    ("neg", lambda t: f"-({t})", lambda x: -x),
    ("abs", lambda t: f"abs({t})", anp.abs),
    ("relu", lambda t: f"relu({t})", lambda x: anp.maximum(x, 0.0)),
    ("power", lambda t: f"(1 + ({t})^2)^0.5", lambda x: (1 + x ** 2) ** 0.5),
]

REDUCTIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("sum", anp.sum), ("mean", anp.mean), ("prod", anp.prod),
    ("max", anp.max), ("min", anp.min), ("logsumexp", _lse),
    ("norm", lambda x: anp.sqrt(anp.sum(x ** 2))),
]


def _value(rng: random.Random, shape: Shape) -> Any:
    a = np.array([rng.uniform(-2, 2) for _ in range(int(np.prod(shape)))]).reshape(shape)
    # away from 0 (abs, relu kinks) and from ties (max, min)
    return np.where(np.abs(a) < 0.1, a + 0.3 * np.sign(a + 1e-9), a)


class Builder:
    """Random well-shaped expressions over a few variables of mixed shapes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values: dict[str, Any] = {}
        self.ops: set[str] = set()
        n = rng.choice((2, 3, 4))
        m = rng.choice((2, 3))
        self.dims = (n, m)
        shapes: dict[str, Shape] = {"a": (), "v": (n,), "w": (m,), "A": (m, n), "B": (n, n),
                                    "u": (n,)}
        names = rng.sample(sorted(shapes), rng.choice((2, 3, 4)))
        self.vars = {k: shapes[k] for k in names}
        for k, s in self.vars.items():
            self.values[k] = _value(rng, s)

    def leaf(self) -> Term:
        name = self.rng.choice(sorted(self.vars))
        return Term(name, lambda env, n=name: env[n], self.vars[name])

    def term(self, depth: int) -> Term:
        rng = self.rng
        if depth <= 0 or rng.random() < 0.2:
            return self.leaf()
        kind = rng.choice(("unary", "binary", "binary", "array", "array", "reduce"))
        if kind == "unary":
            return self.unary(self.term(depth - 1))
        if kind == "binary":
            return self.binary(self.term(depth - 1), self.term(depth - 1))
        if kind == "reduce":
            return self.reduce(self.term(depth - 1))
        return self.array_op(self.term(depth - 1), depth)

    def unary(self, t: Term) -> Term:
        name, text, f = self.rng.choice(SAFE_UNARY)
        self.ops.add(name)
        return Term(text(t.text), lambda env: f(t.fn(env)), t.shape)

    def binary(self, a: Term, b: Term) -> Term:
        try:
            shape = tuple(np.broadcast_shapes(a.shape, b.shape))
        except ValueError:  # not broadcastable: reduce one side to a number
            b = self.reduce(b)
            shape = a.shape
        op = self.rng.choice(("+", "-", "*", "/", "max", "atan2"))
        self.ops.add(op)
        if op == "/":
            return Term(f"({a.text})/(2 + ({b.text})^2)",
                        lambda env: a.fn(env) / (2 + b.fn(env) ** 2), shape)
        if op == "max":
            return Term(f"max({a.text}, {b.text})",
                        lambda env: anp.maximum(a.fn(env), b.fn(env)), shape)
        if op == "atan2":
            return Term(f"atan2({a.text}, 2 + ({b.text})^2)",
                        lambda env: anp.arctan2(a.fn(env), 2 + b.fn(env) ** 2), shape)
        f = {"+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y}[op]
        return Term(f"({a.text}) {op} ({b.text})", lambda env: f(a.fn(env), b.fn(env)), shape)

    def reduce(self, t: Term) -> Term:
        if t.shape == ():
            return t
        name, f = self.rng.choice(REDUCTIONS)
        if name == "norm" and self.rng.random() < 0.5:
            self.ops.add("norm1")
            return Term(f"norm({t.text}, 1)", lambda env: anp.sum(anp.abs(t.fn(env))), ())
        self.ops.add(name)
        if name == "norm":  # away from 0, where the 2-norm has a kink
            return Term(f"norm(1 + ({t.text})^2)", lambda env: f(1 + t.fn(env) ** 2), ())
        return Term(f"{name}({t.text})", lambda env: f(t.fn(env)), ())

    def array_op(self, t: Term, depth: int) -> Term:
        rng = self.rng
        n, m = self.dims
        s = t.shape
        options = ["literal"]
        if len(s) >= 1:
            options += ["index", "softmax", "log_softmax", "transpose"]
        if len(s) == 1 and s[0] >= 2:
            options += ["slice", "dot", "outer", "matvec"]
        if len(s) == 2:
            options += ["trace", "matmul", "index2", "column", "transpose"]
        if len(s) == 2 and s[0] == s[1]:
            options += ["det", "inv", "logdet", "solve"]
        op = rng.choice(options)
        self.ops.add(op)
        x = t.text
        f = t.fn
        if op == "literal":  # [t, 2*t]: a new leading axis
            return Term(f"[{x}, 2*({x})]", lambda env: anp.stack([f(env), 2 * f(env)]),
                        (2, *s))
        if op == "index":
            k = rng.randrange(-s[0], s[0])
            return Term(f"({x})[{k}]", lambda env: f(env)[k], s[1:])
        if op == "slice":
            i = rng.randrange(0, s[0] - 1)
            j = rng.randrange(i + 1, s[0] + 1)
            return Term(f"({x})[{i}:{j}]", lambda env: f(env)[i:j], (j - i,))
        if op == "index2":
            i, j = rng.randrange(s[0]), rng.randrange(s[1])
            return Term(f"({x})[{i}, {j}]", lambda env: f(env)[i, j], ())
        if op == "column":
            j = rng.randrange(s[1])
            return Term(f"({x})[:, {j}]", lambda env: f(env)[:, j], (s[0],))
        if op == "softmax":
            return Term(f"softmax({x})", lambda env: _softmax(f(env)), s)
        if op == "log_softmax":
            return Term(f"log_softmax({x})", lambda env: _log_softmax(f(env)), s)
        if op == "transpose":
            if rng.random() < 0.5 and len(s) == 2:
                self.ops.add("^T")
                return Term(f"({x})^T", lambda env: anp.transpose(f(env)), s[::-1])
            return Term(f"transpose({x})", lambda env: anp.transpose(f(env)), s[::-1])
        if op in ("dot", "outer", "matvec"):
            other = self.vector(s[0], depth)
            g = other.fn
            if op == "dot":
                return Term(f"dot({x}, {other.text})", lambda env: anp.dot(f(env), g(env)), ())
            if op == "outer":
                return Term(f"outer({x}, {other.text})",
                            lambda env: anp.outer(f(env), g(env)), (s[0], s[0]))
            return Term(f"({x}) @ ({other.text})", lambda env: anp.dot(f(env), g(env)), ())
        if op == "trace":
            return Term(f"trace({x})", lambda env: anp.trace(f(env)), ())
        if op == "matmul":
            other = self.vector(s[1], depth)
            g = other.fn
            return Term(f"({x}) @ ({other.text})", lambda env: anp.dot(f(env), g(env)), (s[0],))
        # det, inv, logdet, solve: of a well-conditioned matrix built from t
        k = s[0]
        spd = f"(({x}) @ ({x})^T + {k}*[{', '.join(self._eye_rows(k))}])"

        def mat(env: dict[str, Any]) -> Any:
            a = f(env)
            return anp.dot(a, anp.transpose(a)) + k * np.eye(k)
        self.ops.add("^T")
        if op == "det":
            return Term(f"det({spd})", lambda env: anp.linalg.det(mat(env)), ())
        if op == "logdet":
            return Term(f"logdet({spd})", lambda env: anp.linalg.slogdet(mat(env))[1], ())
        if op == "inv":
            return Term(f"inv({spd})", lambda env: anp.linalg.inv(mat(env)), (k, k))
        other = self.vector(k, depth)
        g = other.fn
        return Term(f"solve({spd}, {other.text})",
                    lambda env: anp.linalg.solve(mat(env), g(env)), (k,))

    @staticmethod
    def _eye_rows(k: int) -> list[str]:
        return ["[" + ", ".join("1" if i == j else "0" for j in range(k)) + "]"
                for i in range(k)]

    def vector(self, n: int, depth: int) -> Term:
        """A vector of length n: a variable of that shape if there is one, else a literal."""
        names = [k for k, s in self.vars.items() if s == (n,)]
        if names:
            name = self.rng.choice(names)
            base = Term(name, lambda env, k=name: env[k], (n,))
            return self.unary(base) if depth > 1 and self.rng.random() < 0.5 else base
        leaf = self.reduce(self.leaf())
        items = [f"({leaf.text}) + {j}" for j in range(n)]
        return Term("[" + ", ".join(items) + "]",
                    lambda env: anp.stack([leaf.fn(env) + j for j in range(n)]), (n,))


def random_case(rng: random.Random, depth: int = 3) -> tuple[str, dict[str, Any], Fn, set[str]]:
    """(text, values, autograd function of the values, ops used); the output a scalar."""
    b = Builder(rng)
    t = b.term(depth)
    if t.shape != ():
        t = b.reduce(t)
    used = {k: v for k, v in b.values.items() if k in _names_in(t.text, b.vars)}
    return t.text, used, t.fn, b.ops


def _names_in(text: str, names: dict[str, Shape]) -> set[str]:
    import re

    return {w for w in re.findall(r"[A-Za-z_]\w*", text) if w in names}
