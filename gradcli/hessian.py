"""Second derivatives: the Hessian by forward-over-reverse, and its verdict.

Column j of the Hessian is the derivative of the gradient along e_j: the forward
sweep runs on Duals seeded with e_j, and the reverse sweep runs over the `DUAL`
namespace, so each adjoint is a Dual whose tangent is ∂²f/∂node∂x_j.  Every rule
is the operations table's; finite differences of the (float) gradient are the
check, never the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gradcli.dual import DUAL, FNS, Dual
from gradcli.errors import DomainError, InputError
from gradcli.fdcheck import PartialCheck, can_kink, check_one
from gradcli.forward import forward
from gradcli.linalg import EigenvalueOverflow, Matrix, definiteness, symmetric_eigenvalues
from gradcli.pipeline import Evaluation, evaluate
from gradcli.reverse import Note, reverse
from gradcli.tape import Tape, needs_grad
from gradcli.underflow import derived

# The budget.  The work is n forward-over-reverse sweeps and n columns of checking
# sweeps over the tape (n × nodes), plus O(n³) for the eigenvalues: a quadratic in
# 200 variables (1,000 nodes) takes about 3 s of one core with the check (README).
MAX_VARIABLES = 300
MAX_SWEEP_NODES = 300_000  # variables × tape nodes


@dataclass
class HessianResult:
    """Value, gradient and Hessian at a point, with checks and the verdict."""

    evaluation: Evaluation  # the float sweep: value, gradient, notes, gradient check
    variables: list[str]
    hessian: Matrix
    asymmetry: float  # max |H_ij - H_ji| before symmetrising (rounding only)
    notes: list[Note] = field(default_factory=list)
    checks: list[list[PartialCheck]] | None = None  # entry (i, j) against fd of ∂f/∂x_i
    eigenvalues: list[float] = field(default_factory=list)  # ascending

    @property
    def value(self) -> float:
        return float(self.evaluation.value)

    @property
    def gradient(self) -> list[float]:
        grad = self.evaluation.gradient
        return [float(grad[n]) for n in self.variables]

    @property
    def definiteness(self) -> str:
        return definiteness(self.eigenvalues) if self.variables else "zero"

    @property
    def critical(self) -> bool:
        """Whether the gradient is zero here, up to rounding."""
        x = max((abs(v) for v in self.evaluation.env.values()), default=0.0)
        h = max((abs(v) for row in self.hessian for v in row), default=0.0)
        tol = 1e-9 * max(1.0, abs(self.value), h * max(1.0, x))
        return all(abs(g) <= tol for g in self.gradient)

    @property
    def passed(self) -> bool:
        rows = self.checks or []
        return self.evaluation.check is None or (
            all(c.passed for c in self.evaluation.checks)
            and all(p.passed for row in rows for p in row))

    def verdict(self) -> str:
        """The answer to 'is this a minimum?', in one sentence."""
        d = self.definiteness
        if not self.critical:
            return "no: the gradient is not zero, so this is not a critical point"
        if d == "positive definite":
            return "yes, a local minimum: the gradient is zero and the Hessian is positive definite"
        if d == "negative definite":
            return "no, a local maximum: the gradient is zero and the Hessian is negative definite"
        if d == "indefinite":
            return "no, a saddle point: the gradient is zero and the Hessian is indefinite"
        return (f"cannot tell: the gradient is zero but the Hessian is {d}, so the "
                "second-derivative test is inconclusive (higher derivatives decide)")


def hessian(tape: Tape, values: Mapping[str, float], *, check: bool = True,
            convention: str = "torch") -> HessianResult:
    """The Hessian of the tape's (single) output at `values`, with its checks.

    `convention` (--subgradient) picks the slope at a kink in every sweep, as eval's.
    """
    if len(tape.outputs) != 1:
        raise InputError(f"a Hessian needs one output; this has {len(tape.outputs)}",
                         hint="give one expression (gradcli jacobian takes several)")
    if not tape.variables:
        raise InputError("the expression has no variables, so no Hessian",
                         hint='try: gradcli hessian "x*y" --x 1 --y 2')
    n, size = len(tape.variables), len(tape)
    if n > MAX_VARIABLES or n * size > MAX_SWEEP_NODES:
        raise InputError(f"a Hessian in {n} variables of a {size:,}-node expression is past "
                         f"the limit ({MAX_VARIABLES} variables, and variables × nodes at "
                         f"most {MAX_SWEEP_NODES:,})",
                         hint="hold some variables fixed as numbers")
    ev = evaluate(tape, values, check=check, convention=convention)
    names = list(tape.variables)
    out = tape.outputs[0]
    need = needs_grad(tape)
    cols: Matrix = []
    notes = list(ev.notes)
    for name in names:
        # only x_j carries a tangent: nodes that do not depend on it stay plain floats in
        # both sweeps (the table's rules take either), so a column costs what x_j reaches
        point: dict[str, Any] = {n: Dual(v, 1.0) if n == name else v
                                 for n, v in ev.env.items()}
        vals = forward(tape, point, fns=FNS)
        adj, more = reverse(tape, vals, out, need, m=DUAL, convention=convention)
        notes.extend(n for n in more if n not in notes)
        cols.append([_tangent(adj[tape.variables[n]]) for n in names])
    n = len(names)
    raw = [[cols[j][i] for j in range(n)] for i in range(n)]  # row i: ∂/∂x_j of ∂f/∂x_i
    asym = max((abs(raw[i][j] - raw[j][i]) for i in range(n) for j in range(n)), default=0.0)
    sym = [[_mean(raw[i][j], raw[j][i]) for j in range(n)] for i in range(n)]
    result = HessianResult(ev, names, sym, asym, notes, eigenvalues=_eigenvalues(tape, sym))
    if check:
        result.checks = [derived(ev, row, checks) for row, checks in  # lost to underflow
                         zip(sym, check_hessian(tape, ev.env, names, sym, at_kink=bool(notes),
                                                convention=convention), strict=True)]
    return result


def _mean(a: float, b: float) -> float:
    m = (a + b) / 2
    return m if math.isfinite(m) else a / 2 + b / 2  # two entries near the largest double


def _eigenvalues(tape: Tape, h: Matrix) -> list[float]:
    try:
        return symmetric_eigenvalues(h)
    except EigenvalueOverflow as e:
        exp10 = math.log10(e.largest) + e.exponent * math.log10(2)
        size = f"{10 ** (exp10 % 1):.2g}e{math.floor(exp10)}"
        raise DomainError(f"an eigenvalue of the Hessian of {tape.text} overflows a double at "
                          f"this point (it is about {size}; the largest double is about "
                          "1.8e308)") from None


def _tangent(v: Any) -> float:
    return float(v.tangent) if isinstance(v, Dual) else 0.0


def check_hessian(tape: Tape, env: Mapping[str, float], names: list[str], h: Matrix,
                  at_kink: bool = False, convention: str = "torch") -> list[list[PartialCheck]]:
    """Each H_ij against finite differences of the swept ∂f/∂x_i along x_j."""
    out = tape.outputs[0]
    need = needs_grad(tape)
    kinks = can_kink(tape.ops)
    rows: list[list[PartialCheck]] = [[] for _ in names]
    for j, name_j in enumerate(names):
        # the difference quotients along x_j move x_j alone: the swept gradient is
        # cached by x_j's value, and each entry of column j reads it (n² checks cost
        # n columns of sweeps, not n² copies of the point)
        cache: dict[float, list[float]] = {}

        def grad_at(x: float, name_j: str = name_j,
                    cache: dict[float, list[float]] = cache) -> list[float]:
            got = cache.get(x)
            if got is None:
                point = dict(env)
                point[name_j] = x
                adj, _ = reverse(tape, forward(tape, point), out, need, convention=convention)
                got = cache[x] = [float(adj[tape.variables[n]]) for n in names]
            return got

        for i in range(len(names)):
            entry = _column_entry(grad_at, name_j, i)
            rows[i].append(check_one(entry, {name_j: env[name_j]}, name_j, h[i][j], at_kink,
                                     kinks))
    return rows


def _column_entry(grad_at: Callable[[float], list[float]], name: str,
                  i: int) -> Callable[[Mapping[str, float]], float]:
    """∂f/∂x_i as a function of the point, for check_one along `name` (only it moves)."""
    return lambda point: grad_at(point[name])[i]
