"""Every array operation once: its forward (NumPy) and its vector-Jacobian product.

As autograd's `defvjp`: a rule takes the output's adjoint `g`, the output and the
arguments, and returns each argument's adjoint contribution, shaped like that
argument.  The elementwise ops reuse the scalar table's partials (gradcli/ops.py)
over a NumPy namespace `NP`, so d/dx sin x is written once for both paths; broadcasting
is undone by `unbroadcast` (summing over the axes an argument was stretched along).

Rules raise `ShapeError` (exit 2) or `Undefined` (exit 3) with the reason; the engine
(gradcli/arrays/engine.py) adds which node, and where in the text.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

from gradcli.ops import OPS

Array = Any  # a float64 numpy.ndarray (shape () for a scalar)
Vjp = Callable[..., tuple[Array | None, ...]]


class ShapeError(Exception):
    """Shapes that do not fit the operation (exit 2)."""


class Undefined(Exception):
    """A value or slope undefined at an element (exit 3); `index` is that element."""

    def __init__(self, message: str, index: tuple[int, ...] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True)
class ArrayOp:
    """One operation: forward, vector-Jacobian product, and the shapes it takes."""

    name: str
    fn: Callable[..., Array]
    # vjp(g, out, *args) -> one adjoint (shaped like the argument) per argument
    vjp: Vjp
    elementwise: bool = False
    wants_need: bool = False  # vjp takes need=(bool per argument), to skip unused work


def unbroadcast(g: Array, shape: tuple[int, ...]) -> Array:
    """`g` summed back to `shape`: over the leading axes and the stretched length-1 axes."""
    if g.shape == shape:
        return g
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The broadcast shape, or a ShapeError naming the shapes."""
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeError("shapes " + " and ".join(_shape(s) for s in shapes) +
                         " do not broadcast (NumPy's rules: equal lengths, or 1, "
                         "counted from the last axis)") from None


def _shape(s: tuple[int, ...]) -> str:
    return "()" if not s else "(" + ", ".join(map(str, s)) + (",)" if len(s) == 1 else ")")


shape_text = _shape


# ---------------------------------------------------------------- elementwise
# The scalar table's functions, over arrays; nan or inf where the scalar one raises.

def _sigmoid(x: Array) -> Array:
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


NP = SimpleNamespace(
    sin=np.sin, cos=np.cos, tan=np.tan,
    sec=lambda x: 1 / np.cos(x), csc=lambda x: 1 / np.sin(x), cot=lambda x: 1 / np.tan(x),
    asin=np.arcsin, acos=np.arccos, atan=np.arctan,
    asec=lambda x: np.arccos(1 / x), acsc=lambda x: np.arcsin(1 / x),
    acot=lambda x: math.pi / 2 - np.arctan(x), atan2=np.arctan2,
    sinh=np.sinh, cosh=np.cosh, tanh=np.tanh, exp=np.exp,
    log=lambda x: np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan),
    log2=lambda x: np.where(x > 0, np.log2(np.where(x > 0, x, 1.0)), np.nan),
    log10=lambda x: np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan),
    sqrt=np.sqrt, cbrt=np.cbrt, abs=np.abs, sign=np.sign,
    step=lambda x: (x > 0).astype(float), relu=lambda x: np.maximum(x, 0.0),
    sigmoid=_sigmoid,
    softplus=lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0),
    pow=np.power,
    min=lambda *xs: functools.reduce(np.minimum, xs),
    max=lambda *xs: functools.reduce(np.maximum, xs),
    add=np.add, sub=np.subtract, mul=np.multiply, div=np.divide, neg=np.negative,
)


def _table_vjp(op: str) -> Vjp:
    """The vjp of an elementwise op from the scalar table's partials, evaluated over NP."""
    partials = OPS[op].partials

    def vjp(g: Array, out: Array, *args: Array) -> tuple[Array | None, ...]:
        return tuple(g * p for p in partials(NP, out, *args))

    return vjp


def _pow_vjp(g: Array, out: Array, x: Array, y: Array,
             need: tuple[bool, ...] = (True, True)) -> tuple[Array | None, Array | None]:
    if y.ndim == 0 and not need[1] and float(y) >= 1 and float(y) == int(y):
        # x^2, x^3: a whole constant exponent has no singular point; one multiply-power
        n = float(y)
        return (g * (n * x if n == 2 else n * np.power(x, n - 1)), None)
    # the scalar rule's limits at x = 0 (gradcli/ops.py's _pow_partials), elementwise
    safe_x = np.where(x == 0, 1.0, x)
    dx = np.where(y == 0, 0.0,
                  np.where(x == 0, np.where(y > 1, 0.0, np.where(y == 1, 1.0, np.nan)),
                           y * np.power(safe_x, y - 1)))
    if not need[1]:
        return g * dx, None
    dy = np.where(x > 0, out * np.log(np.where(x > 0, x, 1.0)),
                  np.where((x == 0) & (y > 0), 0.0, np.nan))
    return g * dx, g * dy


def _extreme_vjp(g: Array, out: Array, *xs: Array) -> tuple[Array, ...]:
    # PyTorch's convention, as the scalar table: a tie splits the gradient evenly
    hits = [(x == out).astype(float) for x in xs]
    n = functools.reduce(np.add, hits)
    return tuple(g * h / n for h in hits)


_SPECIAL: dict[str, Vjp] = {"pow": _pow_vjp, "max": _extreme_vjp, "min": _extreme_vjp}


# ---------------------------------------------------------------- array operations

def _matmul(a: Array, b: Array) -> Array:
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise ShapeError(f"@ takes vectors and matrices; the shapes are {_shape(a.shape)} "
                         f"and {_shape(b.shape)}" + (" (use * for a number times an array)"
                                                     if 0 in (a.ndim, b.ndim) else ""))
    inner_a = a.shape[-1]
    inner_b = b.shape[0]
    if inner_a != inner_b:
        raise ShapeError(f"shapes {_shape(a.shape)} and {_shape(b.shape)} do not line up "
                         f"for @ ({inner_a} columns against {inner_b} rows)")
    return np.matmul(a, b)


def _matmul_vjp(g: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    if a.ndim == 1 and b.ndim == 1:
        return g * b, g * a
    if a.ndim == 1:  # (n,) @ (n, p) -> (p,)
        return b @ g, np.outer(a, g)
    if b.ndim == 1:  # (m, n) @ (n,) -> (m,)
        return np.outer(g, b), a.T @ g
    return g @ b.T, a.T @ g


def _reduce(fn: Callable[[Array], Array]) -> Callable[[Array], Array]:
    return lambda x: np.asarray(fn(x), dtype=float)


def _prod_vjp(g: Array, out: Array, x: Array) -> tuple[Array]:
    # the product of the others, from running products from each end: right with zeros
    flat = x.reshape(-1)
    left = np.concatenate(([1.0], np.cumprod(flat[:-1])))
    right = np.concatenate((np.cumprod(flat[::-1][:-1])[::-1], [1.0]))
    return (g * (left * right).reshape(x.shape),)


def _extreme_of(fn: Callable[[Array], Array], name: str) -> Callable[[Array], Array]:
    def extreme(x: Array) -> Array:
        if x.ndim == 0:  # max(x) of a number is more likely a slip than a request for x
            raise ShapeError(f"{name}(x) of one argument is the {name}imum of an array; here "
                             f"the argument is a number ({name}(a, b) takes two or more)")
        return np.asarray(fn(x), dtype=float)
    return extreme


def _extreme_one_vjp(g: Array, out: Array, x: Array) -> tuple[Array]:
    hits = (x == out).astype(float)
    return (g * hits / hits.sum(),)


def _need_vectors(name: str, *xs: Array) -> None:
    if any(x.ndim != 1 for x in xs):
        raise ShapeError(f"{name} takes vectors; the shapes are "
                         + " and ".join(_shape(x.shape) for x in xs)
                         + (" (use @ for matrices)" if name == "dot" else ""))


def _dot(x: Array, y: Array) -> Array:
    _need_vectors("dot", x, y)
    if x.shape != y.shape:
        raise ShapeError(f"dot takes two vectors of one length; the shapes are "
                         f"{_shape(x.shape)} and {_shape(y.shape)}")
    return np.asarray(np.dot(x, y), dtype=float)


def _outer(x: Array, y: Array) -> Array:
    _need_vectors("outer", x, y)
    return np.outer(x, y)


def _norm_vjp(g: Array, out: Array, x: Array) -> tuple[Array]:
    if out == 0:  # a kink (the engine notes it): PyTorch reports 0
        return (np.zeros_like(x),)
    return (g * x / out,)


def _matrix(name: str, a: Array, square: bool = True) -> None:
    if a.ndim != 2 or (square and a.shape[0] != a.shape[1]):
        raise ShapeError(f"{name} takes a {'square ' if square else ''}matrix; the shape is "
                         f"{_shape(a.shape)}")


def _transpose(a: Array) -> Array:
    if a.ndim == 0:
        raise ShapeError("transposing a number: the argument is a scalar (for a power "
                         "x^T, give T a value: --T 2)")
    return a.T


def _trace(a: Array) -> Array:
    _matrix("trace", a, square=False)
    return np.asarray(np.trace(a), dtype=float)


def _last_axis(name: str, x: Array) -> None:
    if x.ndim == 0:
        raise ShapeError(f"{name} takes a vector (or a matrix: along each row); the "
                         "argument is a scalar")


def _softmax(x: Array) -> Array:
    _last_axis("softmax", x)
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _log_softmax(x: Array) -> Array:
    _last_axis("log_softmax", x)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def _logsumexp(x: Array) -> Array:
    m = x.max()
    return np.asarray(m + np.log(np.exp(x - m).sum()), dtype=float)


def _inv_of(a: Array, what: str) -> Array:
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        raise Undefined(f"{what}: the matrix is singular") from None


def _det(a: Array) -> Array:
    _matrix("det", a)
    return np.asarray(np.linalg.det(a), dtype=float)


def _cofactors(a: Array) -> Array:
    """∂det(A)/∂A, the cofactor matrix: det(A)·inv(A)ᵀ where A is invertible, and defined
    where it is not (det's slope at a singular A is not 0 and not undefined).  From the
    SVD A = U S Vᵀ: det(U) det(V) U diag(∏_{j≠i} s_j) Vᵀ, the products without a division."""
    u, s, vt = np.linalg.svd(a)
    left = np.concatenate(([1.0], np.cumprod(s[:-1])))
    right = np.concatenate((np.cumprod(s[::-1][:-1])[::-1], [1.0]))
    return np.linalg.det(u) * np.linalg.det(vt) * (u * (left * right)) @ vt


def _inv(a: Array) -> Array:
    _matrix("inv", a)
    return _inv_of(a, "inv is undefined")


def _logdet(a: Array) -> Array:
    _matrix("logdet", a)
    sign, logabs = np.linalg.slogdet(a)
    if sign <= 0:
        raise Undefined("logdet needs a positive determinant; here it is "
                        f"{'0' if sign == 0 else 'negative'}")
    return np.asarray(logabs, dtype=float)


def _solve(a: Array, b: Array) -> Array:
    _matrix("solve", a)
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ShapeError(f"solve(A, b) needs b with {a.shape[0]} rows; the shapes are "
                         f"{_shape(a.shape)} and {_shape(b.shape)}")
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        raise Undefined("solve(A, b): A is singular") from None


def _solve_vjp(g: Array, out: Array, a: Array, b: Array) -> tuple[Array, Array]:
    gb = np.linalg.solve(a.T, g)
    ga = -np.outer(gb, out) if b.ndim == 1 else -gb @ out.T
    return ga, gb


def _stack(*xs: Array) -> Array:
    first = xs[0].shape
    for k, x in enumerate(xs[1:], start=2):
        if x.shape != first:
            raise ShapeError(f"a ragged array: element 1 has shape {_shape(first)}, "
                             f"element {k} has shape {_shape(x.shape)}")
    return np.stack(xs)


def _stack_vjp(g: Array, out: Array, *xs: Array) -> tuple[Array, ...]:
    return tuple(g[k] for k in range(len(xs)))


def _spread(g: Array, x: Array) -> Array:  # a reduction's adjoint over its argument: a
    return np.broadcast_to(g, x.shape)  # read-only view of one number, nothing allocated


ARRAY_TABLE: dict[str, ArrayOp] = {op.name: op for op in [
    ArrayOp("matmul", _matmul, _matmul_vjp),
    ArrayOp("sum", _reduce(np.sum), lambda g, o, x: (_spread(g, x),)),
    ArrayOp("mean", _reduce(np.mean), lambda g, o, x: (_spread(g / x.size, x),)),
    ArrayOp("prod", _reduce(np.prod), _prod_vjp),
    ArrayOp("amax", _extreme_of(np.max, "max"), _extreme_one_vjp),
    ArrayOp("amin", _extreme_of(np.min, "min"), _extreme_one_vjp),
    ArrayOp("dot", _dot, lambda g, o, x, y: (g * y, g * x)),
    ArrayOp("norm", _reduce(lambda x: np.sqrt(np.sum(x * x))), _norm_vjp),
    ArrayOp("norm1", _reduce(lambda x: np.sum(np.abs(x))), lambda g, o, x: (g * np.sign(x),)),
    ArrayOp("outer", _outer, lambda g, o, x, y: (g @ y, g.T @ x)),
    ArrayOp("transpose", _transpose, lambda g, o, x: (g.T,)),
    ArrayOp("trace", _trace, lambda g, o, a: (g * np.eye(*a.shape),)),
    ArrayOp("softmax", _softmax,
            lambda g, o, x: (o * (g - (g * o).sum(axis=-1, keepdims=True)),)),
    ArrayOp("log_softmax", _log_softmax,
            lambda g, o, x: (g - np.exp(o) * g.sum(axis=-1, keepdims=True),)),
    ArrayOp("logsumexp", _logsumexp, lambda g, o, x: (g * np.exp(x - o),)),
    ArrayOp("det", _det, lambda g, o, a: (g * _cofactors(a),)),
    ArrayOp("inv", _inv, lambda g, o, a: (-(o.T @ g @ o.T),)),
    ArrayOp("logdet", _logdet,
            lambda g, o, a: (g * _inv_of(a, "the slope of logdet is undefined").T,)),
    ArrayOp("solve", _solve, _solve_vjp),
    ArrayOp("stack", _stack, _stack_vjp),
]}

# the elementwise ops: every scalar op in gradcli/ops.py, over arrays
for _name in OPS:
    ARRAY_TABLE[_name] = ArrayOp(_name, getattr(NP, _name),
                                 _SPECIAL.get(_name) or _table_vjp(_name), elementwise=True,
                                 wants_need=_name == "pow")

# ops whose slope is a convention at some points (a note, as the scalar path's kinks)
KINKS = frozenset({"abs", "sign", "step", "relu", "min", "max", "amax", "amin", "norm",
                   "norm1"})


def index_op(op: str) -> ArrayOp:
    """The op `index[1,0]` / `index[1:3]`: its subscript parsed from the op name."""
    return _index_op(op)


@functools.lru_cache(maxsize=256)
def _index_op(op: str) -> ArrayOp:
    parts: list[int | slice] = []
    for part in op[op.index("[") + 1:-1].split(","):
        if ":" in part:
            a, b = part.split(":")
            parts.append(slice(int(a) if a else None, int(b) if b else None))
        else:
            parts.append(int(part))
    key = tuple(parts)

    def fn(x: Array) -> Array:
        if len(key) > x.ndim:
            raise ShapeError(f"{len(key)} subscripts for an array of shape {_shape(x.shape)}")
        try:
            out = x[key]
        except IndexError:
            raise ShapeError(f"the index is out of range for shape {_shape(x.shape)}") from None
        if out.size == 0:
            raise ShapeError(f"the slice is empty (the shape is {_shape(x.shape)})")
        return np.array(out, dtype=float)

    def vjp(g: Array, out: Array, x: Array) -> tuple[Array]:
        z = np.zeros_like(x)
        z[key] = g  # basic indexing: each element taken once, so assignment adds
        return (z,)

    return ArrayOp(op, fn, vjp)
