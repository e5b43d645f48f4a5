"""Small dense linear algebra in plain Python: symmetric eigenvalues, definiteness.

Hessians here are a handful of variables across, so cyclic Jacobi rotations
(accurate to rounding for symmetric matrices, and simple to read) beat pulling
in numpy.
"""

from __future__ import annotations

import math
import sys

Matrix = list[list[float]]

EPS = sys.float_info.epsilon


def symmetric_eigenvalues(a: Matrix, sweeps: int = 100) -> list[float]:
    """Eigenvalues of the symmetric matrix `a`, ascending (cyclic Jacobi rotations)."""
    n = len(a)
    m = [[float(v) for v in row] for row in a]
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
    return sorted(m[i][i] for i in range(n))


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
