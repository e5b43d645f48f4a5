"""Small dense linear algebra in plain Python: symmetric eigenvalues, definiteness.

The matrix is first scaled by a power of two (exact) so its largest entry is
below 1: no square or sum of squares on the way can overflow, whatever the
Hessian's size (`hessian "1e160*x*y"`).  A handful of variables, the usual case,
go through cyclic Jacobi rotations (accurate to rounding, and exact on small
integer cases like [[2, 1], [1, 2]]); larger matrices through a Householder
reduction to tridiagonal form and the implicit QL iteration, O(n³) with a small
constant, whose inner loops run as list comprehensions (a Hessian in 300
variables takes well under a second, where Jacobi took a minute).
"""

from __future__ import annotations

import math
import sys
from operator import mul

Matrix = list[list[float]]

EPS = sys.float_info.epsilon
JACOBI_MAX = 12  # up to this size, Jacobi; its O(n³)-per-sweep cost is nothing here
QL_ITERATIONS = 60  # per eigenvalue; QL converges cubically, so this is never reached


class EigenvalueOverflow(ArithmeticError):
    """An eigenvalue is larger than a double can hold (the matrix entries are finite)."""

    def __init__(self, largest: float, exponent: int) -> None:
        super().__init__(f"{largest!r}·2^{exponent}")
        self.largest = largest  # the largest |eigenvalue| is largest·2**exponent
        self.exponent = exponent


def symmetric_eigenvalues(a: Matrix) -> list[float]:
    """Eigenvalues of the (finite, symmetric) matrix `a`, ascending.

    Raises EigenvalueOverflow when one is beyond the largest double.
    """
    n = len(a)
    if n == 0:
        return []
    top = max(abs(float(v)) for row in a for v in row)
    if top == 0:
        return [0.0] * n
    if not math.isfinite(top):
        raise ValueError("symmetric_eigenvalues needs finite entries")
    shift = -math.frexp(top)[1]  # the largest entry scaled into [0.5, 1)
    m = [[math.ldexp(float(v), shift) for v in row] for row in a]
    vals = _jacobi(m) if n <= JACOBI_MAX else _tridiagonal_ql(*_householder(m))
    try:
        return sorted(math.ldexp(v, -shift) for v in vals)
    except OverflowError:
        raise EigenvalueOverflow(max(abs(v) for v in vals), -shift) from None


def _jacobi(m: Matrix, sweeps: int = 100) -> list[float]:
    """Cyclic Jacobi rotations on `m` (changed in place); its diagonal at the end."""
    n = len(m)
    for _ in range(sweeps):
        off = sum(m[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        total = sum(m[i][j] ** 2 for i in range(n) for j in range(n))
        if off <= (EPS ** 2) * total or off == 0:
            break
        for p in range(n - 1):
            for q in range(p + 1, n):
                if m[p][q] == 0:
                    continue
                # the rotation that zeroes m[p][q] (Golub & Van Loan, alg. 8.4.1); the
                # diagonal is updated through t, which keeps exact cases exact
                apq = m[p][q]
                theta = (m[q][q] - m[p][p]) / (2 * apq)
                t = math.copysign(1.0, theta) / (abs(theta) + math.hypot(1.0, theta))
                c = 1 / math.hypot(1.0, t)
                s = t * c
                m[p][p] -= t * apq
                m[q][q] += t * apq
                m[p][q] = m[q][p] = 0.0
                for k in range(n):
                    if k == p or k == q:
                        continue
                    mkp, mkq = m[k][p], m[k][q]
                    m[k][p] = m[p][k] = c * mkp - s * mkq
                    m[k][q] = m[q][k] = s * mkp + c * mkq
    return [m[i][i] for i in range(n)]


def _householder(m: Matrix) -> tuple[list[float], list[float]]:
    """The diagonal and off-diagonal of a tridiagonal matrix similar to `m` (changed).

    Step k reflects column k below the diagonal onto its first entry:
    A ← H A H with H = I - β v vᵀ, written as the rank-2 update A - v wᵀ - w vᵀ
    (p = β A v, w = p - (β vᵀp / 2) v), on the trailing block only.
    """
    n = len(m)
    for k in range(n - 2):
        lo = k + 1
        x = [m[i][k] for i in range(lo, n)]
        norm = math.sqrt(sum(v * v for v in x))
        if norm == 0 or norm == abs(x[0]) and all(v == 0 for v in x[1:]):
            continue  # already tridiagonal in this column
        alpha = -math.copysign(norm, x[0])
        v = x
        v[0] -= alpha
        beta = 2 / sum(vi * vi for vi in v)
        p = [beta * sum(map(mul, m[i][lo:], v)) for i in range(lo, n)]
        half = beta * sum(map(mul, v, p)) / 2
        w = [pi - half * vi for pi, vi in zip(p, v, strict=True)]
        for idx, i in enumerate(range(lo, n)):
            vi, wi = v[idx], w[idx]
            m[i][lo:] = [a - vi * wj - wi * vj
                         for a, vj, wj in zip(m[i][lo:], v, w, strict=True)]
        m[lo][k] = m[k][lo] = alpha
    diag = [m[i][i] for i in range(n)]
    off = [m[i + 1][i] for i in range(n - 1)] + [0.0]
    return diag, off


def _tridiagonal_ql(d: list[float], e: list[float]) -> list[float]:
    """Eigenvalues of the symmetric tridiagonal matrix (diagonal d, off-diagonal e[i]
    between rows i and i+1): the implicit QL iteration with Wilkinson-like shifts
    (Numerical Recipes' tqli, eigenvalues only)."""
    n = len(d)
    for lo in range(n):
        for _ in range(QL_ITERATIONS):
            hi = lo
            while hi < n - 1:  # the first negligible off-diagonal entry splits the matrix
                dd = abs(d[hi]) + abs(d[hi + 1])
                if abs(e[hi]) + dd == dd:
                    break
                hi += 1
            if hi == lo:
                break
            g = (d[lo + 1] - d[lo]) / (2 * e[lo])
            r = math.hypot(g, 1.0)
            g = d[hi] - d[lo] + e[lo] / (g + math.copysign(r, g))
            s = c = 1.0
            p = 0.0
            i = hi - 1
            deflated = False
            while i >= lo:
                f, b = s * e[i], c * e[i]
                r = math.hypot(f, g)
                e[i + 1] = r
                if r == 0:  # underflow: the matrix splits here; start again
                    d[i + 1] -= p
                    e[hi] = 0.0
                    deflated = True
                    break
                s, c = f / r, g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                i -= 1
            if deflated:
                continue
            d[lo] -= p
            e[lo] = g
            e[hi] = 0.0
        else:
            raise ArithmeticError("the QL iteration did not converge")
    return d


def zero_tolerance(eigenvalues: list[float], n: int) -> float:
    """Below this size an eigenvalue is rounding noise: n·eps·(largest |λ|), times a margin."""
    top = max((abs(v) for v in eigenvalues), default=0.0)
    return 64 * max(n, 1) * EPS * top


def definiteness(eigenvalues: list[float]) -> str:
    """'positive definite', 'negative definite', 'indefinite', '… semidefinite' or 'zero'."""
    tol = zero_tolerance(eigenvalues, len(eigenvalues))
    pos = sum(v > tol for v in eigenvalues)
    neg = sum(v < -tol for v in eigenvalues)
    zero = len(eigenvalues) - pos - neg
    if pos and neg:
        return "indefinite"
    if zero == len(eigenvalues):
        return "zero"
    if pos:
        return "positive definite" if zero == 0 else "positive semidefinite"
    return "negative definite" if zero == 0 else "negative semidefinite"
