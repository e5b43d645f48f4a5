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

from gradcli.cancellation import SUSPECT
from gradcli.ops import NUM, OPS
from gradcli.tape import CONST, VAR, Tape, needs_grad
from gradcli.underflow import EXACT, TINY

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
    namespace: dict[str, Any] = {"Fallback": Fallback, "M": NUM, "isfinite": math.isfinite,
                                 "TINY": TINY}
    lines = [f"def kernel({', '.join(param.values())}):"]
    body: list[str] = []
    checked: list[str] = []  # every value and adjoint: their sum is finite iff all are
    small: list[str] = []  # values and gradients that may have underflowed (0, subnormal)

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
        if op not in EXACT:
            small.append(f"n{i}")
    need = needs_grad(tape)
    results = [val(o) for o in tape.outputs]
    for k, out in enumerate(tape.outputs):
        adj, grads = _reverse(tape, k, out, need, val, namespace, body)
        checked.extend(adj)
        results.extend(grads)
        small.extend(grads)
    # one sum instead of a test per node: inf or nan anywhere makes it non-finite
    # (a spurious overflow of the sum only sends the row to the interpreter)
    for start in range(0, len(checked), 250):  # flat tuples: no deep expression to compile
        body.append(f"if not isfinite(sum(({', '.join(checked[start:start + 250])},))): "
                    "raise Fallback")
    # 0 or subnormal from a product, a function or a gradient: the interpreter decides
    # whether it underflowed (gradcli/underflow.py) and notes it
    for start in range(0, len(small), 250):
        body.append(f"if min(map(abs, ({', '.join(small[start:start + 250])},))) < TINY: "
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
    body.append(f"a{k}_{out} = 1.0")

    def add(j: int, term: str, size: str) -> None:
        # a{k}_{j}: the sum of |terms| (gradcli/cancellation.py), beside the adjoint
        if not need[j]:
            return
        if j in has:
            body.append(f"g{k}_{j} += {term}")
            body.append(f"a{k}_{j} += {size}")
        else:  # `0.0 + term`, as the interpreter's zeroed adjoint: no stray -0.0
            body.append(f"g{k}_{j} = 0.0 + {term}")
            body.append(f"a{k}_{j} = {size}")
            has.add(j)

    for i in range(out, -1, -1):
        op = ops[i]
        if i not in has or op in (VAR, CONST) or not need[i]:
            continue
        g, mg = f"g{k}_{i}", f"a{k}_{i}"
        a = args[i]
        av = [val(j) for j in a]
        spec = OPS[op]
        if spec.singular is not None:  # a kink, pole or 0^0: the interpreter writes the note
            namespace[f"s_{_ident(op)}"] = spec.singular
            body.append(f"if s_{_ident(op)}({', '.join(av)}) is not None: raise Fallback")
        if op in ("add", "sub"):
            add(a[0], g, mg)
            add(a[1], g if op == "add" else f"-{g}", mg)
        elif op == "mul":
            add(a[0], f"{g} * {av[1]}", f"{mg} * abs({av[1]})")
            add(a[1], f"{g} * {av[0]}", f"{mg} * abs({av[0]})")
        elif op == "div":  # reverse.py's own arithmetic, so the rounding is the interpreter's
            add(a[0], f"({g} / {av[1]})", f"({mg} / abs({av[1]}))")
            add(a[1], f"-(({g} / {av[1]}) * {val(i)})", f"({mg} / abs({av[1]})) * abs({val(i)})")
        elif op == "neg":
            add(a[0], f"-{g}", mg)
        else:
            namespace[f"p_{_ident(op)}"] = spec.partials
            body.append(f"q = p_{_ident(op)}(M, {val(i)}, {', '.join(av)})")
            for m, j in enumerate(a):
                add(j, f"{g} * q[{m}]", f"{mg} * abs(q[{m}])")
    # cancellation: a gradient far below its sum of |terms| goes to the interpreter,
    # which re-sweeps it at 50 digits and notes the digits lost
    for node in tape.variables.values():
        if node in has:
            body.append(f"if a{k}_{node} > {SUSPECT!r} * abs(g{k}_{node}): raise Fallback")
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

    fns: dict[str, Any] = {
        "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
        "neg": np.negative, "sqrt": np.sqrt,
        "abs": np.abs, "sign": np.sign, "step": lambda x: np.where(x > 0, 1.0, 0.0),
        "relu": lambda x: np.where(x > 0, x, 0.0),
        "min": lambda *xs: _reduce(np.minimum, xs), "max": lambda *xs: _reduce(np.maximum, xs),
    }
    # + - * / and sqrt are correctly rounded in NumPy as in C; abs, sign, min, max, step
    # and relu are exact.  Every other function runs libm itself (ops.py's float
    # function), element by element: NumPy's SIMD exp, log, tan, sinh, pow, … round
    # differently from the C library in 0.1–26% of points on some machines, and a batch
    # must be bit-identical to `eval`.
    for name, op in OPS.items():
        fns.setdefault(name, _elementwise(np, op.fn))
    # where an op's derivative is special, as a mask over the block (cf. Op.singular)
    zero = lambda x: x == 0  # noqa: E731
    singular = {
        "pow": lambda x, y: x == 0, "abs": zero, "sign": zero, "step": zero, "relu": zero,
        "sqrt": zero, "asin": lambda x: np.abs(x) == 1, "acos": lambda x: np.abs(x) == 1,
        "cbrt": zero, "asec": lambda x: np.abs(x) == 1, "acsc": lambda x: np.abs(x) == 1,
        "atan2": lambda y, x: (x == 0) & (y == 0),
        "min": lambda *xs: _ties(_reduce(np.minimum, xs), xs),
        "max": lambda *xs: _ties(_reduce(np.maximum, xs), xs),
    }
    m = SimpleNamespace(**{name: fns[name] for name in vars(NUM)})
    # the float rule for pow tests `isinstance(x, Real)`, which an array is not; this is
    # that same rule over arrays (x = 0, its special case, is singular: the interpreter's)
    partials = {"pow": lambda out, x, y: _pow_partials(np, fns, out, x, y)}
    return SimpleNamespace(np=np, fns=fns, singular=singular, m=m, partials=partials)


def _elementwise(np: Any, fn: Callable[..., float]) -> Callable[..., Any]:
    """`fn` (a float function of ops.py) over arrays, one element at a time: libm's bits.

    Where `fn` raises (log of a negative number, exp overflowing) the element is nan,
    which marks its row for the interpreter, as NumPy's own nan or inf would.
    """

    def lenient(*args: float) -> float:
        try:
            return fn(*args)
        except (ValueError, ZeroDivisionError, OverflowError):
            return math.nan

    def apply(*xs: Any) -> Any:
        if not any(isinstance(x, np.ndarray) for x in xs):
            return lenient(*xs)  # a rule's constant, such as log(2)
        cols = [c.tolist() for c in np.broadcast_arrays(*xs)]
        try:  # map over lists runs at C speed; only a raising block goes row by row
            return np.fromiter(map(fn, *cols), dtype=float, count=len(cols[0]))
        except (ValueError, ZeroDivisionError, OverflowError):
            return np.fromiter(map(lenient, *cols), dtype=float, count=len(cols[0]))

    return apply


def _pow_partials(np: Any, fns: dict[str, Any], out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """ops._pow_partials' float branch over arrays: y·x^(y-1) and x^y·ln x (x > 0)."""
    dx = np.where(y == 0, 0.0, y * fns["pow"](x, y - 1))
    dy = np.where(x > 0, out * fns["log"](np.where(x > 0, x, 1.0)),
                  np.where((x == 0) & (y > 0), 0.0, math.nan))
    return dx, dy


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


def _under(np: Any, result: Any, *factors: Any) -> Any:
    """Rows where `result` is 0 or subnormal and none of `factors` is 0: an underflow
    that the interpreter must judge (gradcli/underflow.py)."""
    small = np.abs(result) < TINY
    if not np.any(small):
        return False
    for f in factors:
        small = small & (f != 0)
    return small


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
    by the interpreter.  Every other row is bit-identical to the interpreter's:
    the elementary functions are libm's (see `numpy_namespace`), and the adjoints add up in
    reverse.py's order with reverse.py's arithmetic (its / and its zeroed start).
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
                if op not in EXACT:  # 0 or subnormal from arguments that are not
                    bad |= _under(np, vals[i], *[vals[j] for j in args[i]])
        results: list[Any] = [vals[o] for o in tape.outputs]
        for out in tape.outputs:
            adj: list[Any] = [None] * len(ops)
            adj[out] = np.ones(n)
            mag: list[Any] = [None] * len(ops)  # sums of |terms| (gradcli/cancellation.py)
            mag[out] = np.ones(n)

            def add(j: int, term: Any, size: Any, sign: int = 1, adj: list[Any] = adj,
                    mag: list[Any] = mag) -> None:
                # reverse.py starts every adjoint at 0.0 and adds (or subtracts) in
                # this order: the same operations give the same bits, and no -0.0;
                # `size` is the term's magnitude swept on |partials|, as the interpreter's
                if need[j]:
                    base = 0.0 if adj[j] is None else adj[j]
                    adj[j] = base + term if sign > 0 else base - term
                    mag[j] = size if mag[j] is None else mag[j] + size

            for i in range(out, -1, -1):
                g, op = adj[i], ops[i]
                if g is None or op in (VAR, CONST) or not need[i]:
                    continue
                a = args[i]
                argv = [vals[j] for j in a]
                mg = mag[i]
                if op == "add":
                    add(a[0], g, mg)
                    add(a[1], g, mg)
                elif op == "mul":
                    add(a[0], g * argv[1], mg * np.abs(argv[1]))
                    add(a[1], g * argv[0], mg * np.abs(argv[0]))
                    bad |= _under(np, g * argv[1], g, argv[1]) | _under(np, g * argv[0], g,
                                                                        argv[0])
                elif op == "sub":
                    add(a[0], g, mg)
                    add(a[1], g, mg, -1)
                elif op == "neg":
                    add(a[0], g, mg, -1)
                elif op == "div":
                    gy = g / argv[1]
                    my = mg / np.abs(argv[1])
                    add(a[0], gy, my)
                    add(a[1], gy * vals[i], my * np.abs(vals[i]), -1)
                    bad |= _under(np, gy, g) | _under(np, gy * vals[i], gy, vals[i])
                else:
                    if op in nps.singular:
                        bad |= nps.singular[op](*argv)
                    rule = nps.partials.get(op)
                    partials = rule(vals[i], *argv) if rule is not None else \
                        OPS[op].partials(nps.m, vals[i], *argv)
                    for j, p in zip(a, partials, strict=False):
                        add(j, g * p, mg * np.abs(p))
                        if need[j]:
                            bad |= _under(np, g * p, g, p)
                            if op not in EXACT:
                                bad |= _under(np, p, *argv)
                for j in a:
                    if need[j]:
                        bad |= ~np.isfinite(adj[j])
            for node in tape.variables.values():
                if adj[node] is not None:  # cancellation: the interpreter says how much
                    bad |= mag[node] > SUSPECT * np.abs(adj[node])
            results.extend(adj[node] if adj[node] is not None else np.zeros(n)
                           for node in tape.variables.values())
    return results, bad
