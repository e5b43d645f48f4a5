"""How `gradcli tangent` prints: the equation of the tangent (or normal) and its coefficients."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from gradcli.tangent import Number, Tangent

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}


def _j(v: Number) -> Any:
    from gradcli.render import jnum

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
    return data


def tangent_text(t: Tangent, normal: bool, fmt: str, quiet: bool, digits: int | None) -> str:
    """Every format: JSON, CSV/TSV rows, plain lines, -q (the equation alone), or a summary."""
    from gradcli.render import fmt as num
    from gradcli.render import to_json

    eq = t.normal_text() if normal else t.tangent.text()
    if quiet:
        return eq + "\n"
    if fmt == "json":
        return to_json(tangent_data(t))
    line = t.tangent
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(["coefficient", "value"])
        for n, v in line.slopes.items():
            w.writerow([n, num(float(v))])
        w.writerow(["intercept", num(float(line.intercept))])
        return buf.getvalue()
    d = 10 if digits is None else digits
    at = ", ".join(f"{n} = {num(v, d)}" for n, v in t.point.items())
    what = {"line": "tangent line", "plane": "tangent plane"}[t.kind]
    if fmt == "plain":
        lines = [f"tangent = {line.text()}", f"normal = {t.normal_text()}"]
        lines += [f"slope {n} = {num(float(v), d)}" for n, v in line.slopes.items()]
        lines.append(f"intercept = {num(float(line.intercept), d)}")
        if t.checks:
            lines.append("check = " + ("passed" if t.passed else "FAILED"))
        return "\n".join(lines) + "\n"
    source = t.source if t.implicit else f"{line.dependent} = {t.source}"
    out = [f"{what} to {source} at {at}:", f"  {line.text()}"]
    out.append(f"normal line:\n  {t.normal_text()}")
    if t.checks:
        out.append("check: " + ("passed" if t.passed else "FAILED") +
                   (" (the slope against a numerical step along the curve)" if t.implicit
                    else " (each slope against finite differences)"))
    return "\n".join(out) + "\n"
