"""How `gradcli tangent` prints: the equation of the tangent (or normal) and its coefficients."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradcli.render import Options, Result, jnum, plain_check
from gradcli.tangent import Number, Tangent


def _j(v: Number) -> Any:
    return jnum(float(v))


def _exact_text(v: Number) -> str | None:
    return f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction) and \
        v.denominator != 1 else None


def tangent_data(t: Tangent) -> dict[str, Any]:
    """JSON: the point, the tangent's slopes and intercept, the normal line."""
    line = t.tangent
    data: dict[str, Any] = {
        "expression": t.source,
        "implicit": t.implicit,
        "kind": t.kind,
        "point": {n: _j(v) for n, v in t.point.items()},
        "dependent": line.dependent,
        "equation": line.text(),
        "slopes": {n: _j(v) for n, v in line.slopes.items()},
        "intercept": _j(line.intercept),
        "vertical": line.vertical is not None,
        "normal": {"equation": t.normal_text(),
                   "direction": {n: _j(v) for n, v in t.normal_direction.items()}},
    }
    exact = {n: _exact_text(v) for n, v in [*line.slopes.items(), ("intercept", line.intercept)]}
    if any(exact.values()):  # the fractions behind the doubles, where they are fractions
        data["exact"] = {n: v for n, v in exact.items() if v}
    if t.checks:
        data["check"] = {"passed": t.passed, "verdicts": [c.verdict for c in t.checks]}
    data["notes"] = list(t.notes)  # a kink: which slope was taken (as eval's JSON)
    return data


def tangent_result(t: Tangent, normal: bool) -> Result:
    return Result("tangent", t, None, t.read_as, t.notes, t.passed, {"normal": normal})


def data(r: Result, o: Options) -> dict[str, Any]:
    return tangent_data(r.value)


def rows(r: Result, o: Options) -> list[list[Any]]:
    line = r.value.tangent
    return [["coefficient", "value"], *([n, float(v)] for n, v in line.slopes.items()),
            ["intercept", float(line.intercept)]]


def quiet(r: Result, o: Options) -> list[Any]:
    """The equation alone: of the normal line with --normal, else of the tangent."""
    t: Tangent = r.value
    return [t.normal_text() if r.extra["normal"] else t.tangent.text()]


def plain(r: Result, o: Options) -> list[str]:
    t: Tangent = r.value
    line = t.tangent
    first = [f"normal = {t.normal_text()}", f"tangent = {line.text()}"]
    lines = first if r.extra["normal"] else first[::-1]
    lines += [f"slope {n} = {o.num(float(v))}" for n, v in line.slopes.items()]
    lines.append(f"intercept = {o.num(float(line.intercept))}")
    return lines + plain_check(bool(t.checks), t.passed, t.notes)


def table(r: Result, o: Options) -> str:
    """For people: where, the tangent and the normal line (the one asked for first), check."""
    t: Tangent = r.value
    line = t.tangent
    what = {"line": "tangent line", "plane": "tangent plane"}[t.kind]
    source = t.source if t.implicit else f"{line.dependent} = {t.source}"
    parts = [f"{what}:\n  {line.text()}", f"normal line:\n  {t.normal_text()}"]
    if r.extra["normal"]:
        parts.reverse()
    out = [f"{source} at {o.point(t.point)}", *parts]
    if t.checks:
        out.append("check: " + ("passed" if t.passed else "FAILED") +
                   (" (the slope against a numerical step along the curve)" if t.implicit
                    else " (each slope against finite differences)"))
    out += [f"note: {n}" for n in t.notes]
    return "\n".join(out) + "\n"
