"""A tape compiled once for many points: straight-line Python, or NumPy over columns.

`compile_tape` turns a tape into one generated Python function that computes the
outputs and their gradients at a point with no per-node dispatch: forward and
reverse sweeps unrolled into assignments.  `vectorized` does the same sweeps
with NumPy over a block of points at once (the `gradcli[fast]` extra).

Both are fast paths only.  They refuse (raise `Fallback`, or flag the row) on
anything unusual: a domain error, an overflow, a non-finite partial, a point
where an op is singular (a kink, a pole, 0^0).  The caller then evaluates that
row with the interpreter (`pipeline.evaluate`), which names the node and writes
the note, so a compiled batch says exactly what a single `gradcli eval` says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from gradcli.ops import NUM, OPS
from gradcli.tape import CONST, VAR, Tape, needs_grad

MAX_COMPILED_NODES = 20_000  # past this, compiling costs more than it saves on a batch


class Fallback(Exception):
    """The fast path cannot vouch for this point; evaluate it with the interpreter."""


Kernel = Callable[..., tuple[float, ...]]

_INLINE_FORWARD = {"add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}",
                   "div": "{0} / {1}", "neg": "-{0}"}


def compile_tape(tape: Tape) -> Kernel:
    """A function (v0, v1, ...) -> (value per output..., gradient per output...).

    Arguments are the tape's variables in `tape.variables` order; the result
    holds each output's value, then for each output its partials in that same
    order.  It raises `Fallback` wherever the interpreter would raise or note.
    """
    source, namespace = generate(tape)
    # Executing generated code is safe here and only here: `source` is built from
    # the tape's op names (keys of our own OPS table), node indices and float
    # literals via repr(); no user text (variable names, the expression) ever
    # enters it: variables become parameters v0, v1, ... by position.
    code = compile(source, "<gradcli compiled tape>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from the tape, see above
    kernel: Kernel = namespace["kernel"]
    return kernel


def generate(tape: Tape) -> tuple[str, dict[str, Any]]:
    """The kernel's source text and the names it refers to."""
    ops, args = tape.ops, tape.args
    nvars = list(tape.variables.values())
    param = {node: f"v{k}" for k, node in enumerate(nvars)}
    namespace: dict[str, Any] = {"Fallback": Fallback, "M": NUM, "isfinite": math.isfinite}
    lines = [f"def kernel({', '.join(param.values())}):"]
    body: list[str] = []
    checked: list[str] = []  # every value and adjoint: their sum is finite iff all are

    def val(i: int) -> str:
        return param.get(i, f"n{i}")

    for i, op in enumerate(ops):
        if op == VAR:
            checked.append(val(i))
            continue
        if op == CONST:
            c = tape.consts[i]
            literal = repr(float(c)) if math.isfinite(c) else f"float({repr(str(float(c)))})"
            body.append(f"n{i} = {literal}")
            continue
        a = [val(j) for j in args[i]]
        if op in _INLINE_FORWARD:
            body.append(f"n{i} = " + _INLINE_FORWARD[op].format(*a))
        else:
            name = _ident(op)
            namespace[f"f_{name}"] = OPS[op].fn
            body.append(f"n{i} = f_{name}({', '.join(a)})")
        checked.append(f"n{i}")
    need = needs_grad(tape)
    results = [val(o) for o in tape.outputs]
    for k, out in enumerate(tape.outputs):
        adj, grads = _reverse(tape, k, out, need, val, namespace, body)
        checked.extend(adj)
        results.extend(grads)
    # one sum instead of a test per node: inf or nan anywhere makes it non-finite
    # (a spurious overflow of the sum only sends the row to the interpreter)
    for start in range(0, len(checked), 250):  # flat tuples: no deep expression to compile
        body.append(f"if not isfinite(sum(({', '.join(checked[start:start + 250])},))): "
                    "raise Fallback")
    body.append(f"return ({', '.join(results)},)")
    lines.extend("    " + b for b in body)
    return "\n".join(lines) + "\n", namespace


def _reverse(tape: Tape, k: int, out: int, need: list[bool], val: Callable[[int], str],
             namespace: dict[str, Any], body: list[str]) -> tuple[list[str], list[str]]:
    """Append output k's reverse sweep; return its adjoint names and the gradient."""
    ops, args = tape.ops, tape.args
    has: set[int] = {out}
    body.append(f"g{k}_{out} = 1.0")

    def add(j: int, term: str) -> None:
        if not need[j]:
            return
        if j in has:
            body.append(f"g{k}_{j} += {term}")
        else:  # `0.0 + term`, as the interpreter's zeroed adjoint: no stray -0.0
            body.append(f"g{k}_{j} = 0.0 + {term}")
            has.add(j)

    for i in range(out, -1, -1):
        op = ops[i]
        if i not in has or op in (VAR, CONST) or not need[i]:
            continue
        g = f"g{k}_{i}"
        a = args[i]
        av = [val(j) for j in a]
        spec = OPS[op]
        if spec.singular is not None:  # a kink, pole or 0^0: the interpreter writes the note
            namespace[f"s_{_ident(op)}"] = spec.singular
            body.append(f"if s_{_ident(op)}({', '.join(av)}) is not None: raise Fallback")
        if op in ("add", "sub"):
            add(a[0], g)
            add(a[1], g if op == "add" else f"-{g}")
        elif op == "mul":
            add(a[0], f"{g} * {av[1]}")
            add(a[1], f"{g} * {av[0]}")
        elif op == "div":  # reverse.py's own arithmetic, so the rounding is the interpreter's
            add(a[0], f"({g} / {av[1]})")
            add(a[1], f"-(({g} / {av[1]}) * {val(i)})")
        elif op == "neg":
            add(a[0], f"-{g}")
        else:
            namespace[f"p_{_ident(op)}"] = spec.partials
            body.append(f"q = p_{_ident(op)}(M, {val(i)}, {', '.join(av)})")
            for m, j in enumerate(a):
                add(j, f"{g} * q[{m}]")
    adj = [f"g{k}_{j}" for j in sorted(has)]
    grads = [f"g{k}_{node}" if node in has else "0.0" for node in tape.variables.values()]
    return adj, grads


def _ident(op: str) -> str:
    """The op's name in generated code: itself when a plain identifier (`f_log`), else
    its position in the table, so any name an op may be given later is safe."""
    return op if op.isascii() and op.isidentifier() else str(list(OPS).index(op))


def compilable(tape: Tape) -> bool:
    return len(tape) <= MAX_COMPILED_NODES


# ---------------------------------------------------------------- NumPy

def numpy_namespace() -> Any:
    """NumPy versions of every function the ops and their partial rules use, or None."""
    try:
        import numpy as np
    except ImportError:
        return None
    from types import SimpleNamespace

    def sigmoid(x: Any) -> Any:
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z))

    def csc(x: Any) -> Any:
        return 1 / np.sin(x)

    def cot(x: Any) -> Any:
        return 1 / np.tan(x)

    fns = {
        "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
        "neg": np.negative, "pow": np.power,
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "sec": lambda x: 1 / np.cos(x),
        "csc": csc, "cot": cot, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
        "atan2": np.arctan2, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
        "exp": np.exp, "log": np.log, "log2": np.log2, "log10": np.log10, "sqrt": np.sqrt,
        "abs": np.abs, "sign": np.sign, "step": lambda x: np.where(x > 0, 1.0, 0.0),
        "relu": lambda x: np.where(x > 0, x, 0.0),
        "min": lambda *xs: _reduce(np.minimum, xs), "max": lambda *xs: _reduce(np.maximum, xs),
        "sigmoid": sigmoid,
        "softplus": lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0),
    }
    # where an op's derivative is special, as a mask over the block (cf. Op.singular)
    zero = lambda x: x == 0  # noqa: E731
    singular = {
        "pow": lambda x, y: x == 0, "abs": zero, "sign": zero, "step": zero, "relu": zero,
        "sqrt": zero, "asin": lambda x: np.abs(x) == 1, "acos": lambda x: np.abs(x) == 1,
        "atan2": lambda y, x: (x == 0) & (y == 0),
        "min": lambda *xs: _ties(_reduce(np.minimum, xs), xs),
        "max": lambda *xs: _ties(_reduce(np.maximum, xs), xs),
    }
    return SimpleNamespace(np=np, fns=fns, singular=singular,
                           m=SimpleNamespace(**{k: v for k, v in fns.items()}))


def _reduce(f: Any, xs: Sequence[Any]) -> Any:
    acc = xs[0]
    for x in xs[1:]:
        acc = f(acc, x)
    return acc


def _ties(extreme: Any, xs: Sequence[Any]) -> Any:
    """Rows where two or more arguments equal the result (cf. ops._tie_at)."""
    count = xs[0] != xs[0]  # all False, the block's shape
    count = count.astype(int) if hasattr(count, "astype") else int(count)
    for x in xs:
        count = count + (x == extreme)
    return count > 1


def vectorizable(tape: Tape, nps: Any) -> bool:
    """Whether every op of the tape has a NumPy form and a vector singular test."""
    if nps is None:
        return False
    for op in set(tape.ops) - {VAR, CONST}:
        if op not in nps.fns or (OPS[op].singular is not None and op not in nps.singular):
            return False
    return True


def vectorized(tape: Tape, columns: Sequence[Any], nps: Any) -> tuple[list[Any], Any]:
    """Sweep a block of points at once: (result columns as in compile_tape, bad-row mask).

    `columns` holds one float array per variable.  Rows under the mask hit a
    domain edge, a non-finite number or a singular point and must be evaluated
    by the interpreter; NumPy's functions may differ from libm's in the last bit.
    """
    np = nps.np
    n = len(columns[0]) if columns else 1
    ops, args = tape.ops, tape.args
    var_col = {node: k for k, node in enumerate(tape.variables.values())}
    need = needs_grad(tape)
    vals: list[Any] = [None] * len(ops)
    bad = np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        for i, op in enumerate(ops):
            if op == CONST:
                vals[i] = np.full(n, tape.consts[i])
            elif op == VAR:
                vals[i] = columns[var_col[i]]
            else:
                vals[i] = nps.fns[op](*[vals[j] for j in args[i]])
                bad |= ~np.isfinite(vals[i])
        results: list[Any] = [vals[o] for o in tape.outputs]
        for out in tape.outputs:
            adj: list[Any] = [None] * len(ops)
            adj[out] = np.ones(n)
            for i in range(out, -1, -1):
                g, op = adj[i], ops[i]
                if g is None or op in (VAR, CONST) or not need[i]:
                    continue
                argv = [vals[j] for j in args[i]]
                if op in nps.singular:
                    bad |= nps.singular[op](*argv)
                partials = OPS[op].partials(nps.m, vals[i], *argv)
                for j, p in zip(args[i], partials, strict=False):
                    if need[j]:
                        term = g * p
                        adj[j] = term if adj[j] is None else adj[j] + term
                        bad |= ~np.isfinite(adj[j])
            results.extend(adj[node] if adj[node] is not None else np.zeros(n)
                           for node in tape.variables.values())
    return results, bad
