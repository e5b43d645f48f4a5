"""How `gradcli implicit --expect` prints: ✓ right / ✗ wrong, with a point of the curve."""

from __future__ import annotations

from typing import Any

from gradcli.implicit import Verdict
from gradcli.render import Options, Result, jnum
from gradcli.render.implicit import label


def verdict_result(v: Verdict) -> Result:
    return Result("implicit_verdict", v, None, [], [], v.right)


def data(res: Result, o: Options) -> dict[str, Any]:
    v: Verdict = res.value
    out: dict[str, Any] = {"expect": v.expect, "order": v.order, "wrt": v.wrt, "of": v.of,
                           "right": v.right, "correct": v.correct, "points": len(v.points),
                           "method": v.method}
    if v.counterexample is not None:
        out["counterexample"] = {"point": {n: jnum(x) for n, x in v.counterexample.items()},
                                 "correct": jnum(v.true_value), "yours": jnum(v.their_value)}
    return out


def rows(res: Result, o: Options) -> list[list[Any]]:
    v: Verdict = res.value
    return [["order", "expect", "verdict", "correct", "points"],
            [v.order, v.expect, "right" if v.right else "wrong", v.correct, len(v.points)]]


def quiet(res: Result, o: Options) -> list[Any]:
    return ["right" if res.value.right else "wrong"]


def plain(res: Result, o: Options) -> list[str]:
    v: Verdict = res.value
    lines = [f"verdict = {'right' if v.right else 'wrong'}", f"correct = {v.correct}",
             f"points = {len(v.points)}", f"method = {v.method}"]
    if v.counterexample is not None:
        at = ", ".join(f"{n}={o.num(x)}" for n, x in v.counterexample.items())
        lines += [f"counterexample = {at}", f"correct there = {o.num(v.true_value)}",
                  f"yours there = {o.num(v.their_value)}"]
    return lines


def table(res: Result, o: Options) -> str:
    v: Verdict = res.value
    lab = label(v.order, v.wrt, v.of)
    d = 10 if o.digits is None else o.digits
    if v.right:
        return (f"✓ {lab} = {v.expect}\n  right: equal at all {len(v.points)} points of the "
                f"curve tested ({v.method})\n")
    p = v.counterexample or {}
    at = ", ".join(f"{n} = {o.num(x, d)}" for n, x in p.items())
    return (f"✗ {lab} = {v.expect}\n  wrong: at the point of the curve {at} it is "
            f"{o.num(v.their_value, d)}, but {lab} = {o.num(v.true_value, d)} there\n"
            f"  {lab} = {v.correct}\n")
