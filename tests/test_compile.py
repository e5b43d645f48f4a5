"""The compiled tape against the interpreter: same numbers, and it never vouches for a bad point."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import pytest
from exprgen import COMPILED, random_expr, random_point

from gradcli.compile import Fallback, compile_tape, generate, numpy_namespace, vectorized
from gradcli.errors import GradcliError
from gradcli.parser import parse
from gradcli.pipeline import evaluate


def interpreted(tape: Any, point: dict[str, float]) -> tuple[list[float] | None, bool]:
    """(values then gradients, as the kernel orders them) and whether a note was made."""
    try:
        ev = evaluate(tape, point, check=False)
    except GradcliError:
        return None, False
    res = [ev.values[o] for o in tape.outputs]
    for k in range(len(tape.outputs)):
        res.extend(ev.gradient_of(k).values())
    return res, bool(ev.notes)


def kernel_result(kernel: Any, tape: Any, point: dict[str, float]) -> list[float] | None:
    try:
        return list(kernel(*[point[n] for n in tape.variables]))
    except (Fallback, ArithmeticError, ValueError):
        return None


def same(a: float, b: float) -> bool:
    return a == b and math.copysign(1, a) == math.copysign(1, b) if a == 0 else a == b


def test_seed_002_values() -> None:
    """log(3x^2 + 5xy) at (2, 3): z = log 42, dz/dx = 27/42, dz/dy = 10/42 (seed 002)."""
    tape = parse("log(3*x^2 + 5*x*y)")
    z, dx, dy = compile_tape(tape)(2.0, 3.0)
    assert z == pytest.approx(math.log(42), rel=1e-15)
    assert dx == pytest.approx(27 / 42, rel=1e-15)
    assert dy == pytest.approx(10 / 42, rel=1e-15)


def test_random_expressions_match_interpreter_bit_for_bit() -> None:
    """Wherever the kernel answers, the interpreter gives the same bits and no note."""
    rng = random.Random(5)
    answered = fell_back = 0
    for _ in range(400):
        text = random_expr(rng, rng.randint(1, 5), COMPILED).text
        try:
            tape = parse(text)
        except GradcliError:
            continue
        kernel = compile_tape(tape)
        for _ in range(5):
            point = random_point(rng, "xyz", COMPILED)
            point = {n: point[n] for n in tape.variables}
            got = kernel_result(kernel, tape, point)
            want, noted = interpreted(tape, point)
            if got is None:
                fell_back += 1  # the batch asks the interpreter: nothing to compare
                continue
            answered += 1
            assert want is not None, (text, point, "kernel answered an undefined point")
            assert not noted, (text, point, "kernel answered at a singular point")
            assert all(same(a, b) for a, b in zip(got, want, strict=True)), (text, point, got, want)
    assert answered > 1000 and fell_back > 50  # both paths exercised


def test_kernel_refuses_domain_errors_and_kinks() -> None:
    for text, point in [("log(x)", {"x": -1.0}), ("1/x", {"x": 0.0}), ("abs(x)", {"x": 0.0}),
                        ("x^y", {"x": 0.0, "y": 0.0}), ("exp(exp(x))", {"x": 10.0}),
                        ("sqrt(x)", {"x": 0.0}), ("max(x, y)", {"x": 1.0, "y": 1.0}),
                        ("1/exp(exp(x))", {"x": 10.0})]:
        tape = parse(text)
        assert kernel_result(compile_tape(tape), tape, point) is None, text


def test_generated_source_has_no_user_text() -> None:
    """Names map to v0, v1, ...: a variable name never reaches the compiled source."""
    tape = parse("weird_name_123 * other_var + sin(weird_name_123)")
    source, _ = generate(tape)
    assert "weird_name" not in source and "other_var" not in source
    assert source.startswith("def kernel(v0, v1):")


def test_multiple_outputs() -> None:
    tape = parse("x*y, x+y")
    assert compile_tape(tape)(2.0, 5.0) == (10.0, 7.0, 5.0, 2.0, 1.0, 1.0)


def test_deep_expression_compiles() -> None:
    """A 5,000-node chain compiles (flat code, no deep expression for the compiler)."""
    text = "x" + "+x*0.5" * 2500
    tape = parse(text)
    got = compile_tape(tape)(2.0)
    assert got[0] == pytest.approx(2 + 2500 * 1.0) and got[1] == pytest.approx(1 + 2500 * 0.5)


def test_numpy_blocks_match_interpreter() -> None:
    """NumPy over a block agrees with the interpreter to a few ulps, and flags the rest."""
    nps = numpy_namespace()
    if nps is None:
        pytest.skip("numpy not installed (the gradcli[fast] extra)")
    np = nps.np
    rng = random.Random(11)
    compared = 0
    for _ in range(150):
        text = random_expr(rng, rng.randint(1, 4), COMPILED).text
        try:
            tape = parse(text)
        except GradcliError:
            continue
        names = list(tape.variables)
        points = [random_point(rng, "xyz", COMPILED) for _ in range(20)]
        cols = [np.array([p[n] for p in points]) for n in names]
        results, bad = vectorized(tape, cols, nps)
        for r, p in enumerate(points):
            want, noted = interpreted(tape, {n: p[n] for n in names})
            if bool(np.broadcast_to(bad, (len(points),))[r]):
                continue
            assert want is not None and not noted, (text, p)
            got = [float(np.broadcast_to(c, (len(points),))[r]) for c in results]
            for a, b in zip(got, want, strict=True):
                assert a == pytest.approx(b, rel=1e-12, abs=1e-300), (text, p, got, want)
            compared += 1
    assert compared > 500


def test_numpy_singular_masks_agree_with_the_ops_table() -> None:
    """The vector tests flag every point Op.singular names, value by value.

    They may flag more (pow at any x = 0, where the vector form of its partial is not
    the table's limit): a flagged row only goes to the interpreter.
    """
    nps = numpy_namespace()
    if nps is None:
        pytest.skip("numpy not installed (the gradcli[fast] extra)")
    from gradcli.ops import OPS

    np = nps.np
    special = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0]
    for name, mask in nps.singular.items():
        op = OPS[name]
        assert op.singular is not None, name
        arity = 2 if op.arity < 0 else op.arity
        for args in itertools.product(special, repeat=arity):
            got = bool(mask(*[np.array([a]) for a in args])[0])
            assert got or op.singular(*args) is None, (name, args)
            if name != "pow":
                assert got == (op.singular(*args) is not None), (name, args)
        if op.arity < 0:  # three arguments: a tie anywhere
            for args in itertools.product(special[:4], repeat=3):
                assert bool(mask(*[np.array([a]) for a in args])[0]) == \
                    (op.singular(*args) is not None), (name, args)
