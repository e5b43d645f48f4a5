"""How `gradcli implicit` prints: dy/dx … as formulas, and at a point on the curve."""

from __future__ import annotations

from typing import Any

from gradcli.implicit import Curve, Implicit
from gradcli.render import Options, Result, jnum, plain_check

MARKS = {"ok": "✓ ok", "kink": "⚠ kink", "mismatch": "✗ MISMATCH",
         "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def label(k: int, x: str, y: str, ascii_only: bool = False, partial: bool = False) -> str:
    """dy/dx, d²y/dx² (d2y/dx2 in plain text); ∂z/∂x when other variables are held constant."""
    d = "∂" if partial else "d"
    if k == 1:
        return f"{d}{y}/{d}{x}"
    n = str(k) if ascii_only else str(k).translate(_SUP)
    return f"{d}{n}{y}/{d}{x}{n}"


def _label(c: Curve, k: int, ascii_only: bool = False) -> str:
    """The curve's label: ∂ when other variables are held constant."""
    return label(k, c.wrt, c.of, ascii_only, bool(c.parameters))


def implicit_result(r: Implicit) -> Result:
    return Result("implicit", r, None, r.read_as, r.notes, r.passed)


def data(res: Result, o: Options) -> dict[str, Any]:
    """JSON: the equation, the pair, each order's formula and (at a point) value and check."""
    from gradcli.latex import latex

    r: Implicit = res.value
    c = r.curve
    rows = []
    for od in r.orders:
        row: dict[str, Any] = {"order": od.k, "formula": od.text, "latex": latex(od.formula)[0]}
        if od.value is not None:
            row["value"] = jnum(od.value)
        if od.check is not None:
            row["check"] = {"fd": jnum(od.check.fd), "verdict": od.check.verdict,
                            "passed": od.check.passed}
        rows.append(row)
    out: dict[str, Any] = {"equation": c.equation, "wrt": c.wrt, "of": c.of,
                           "held_constant": c.parameters, "derivatives": rows}
    if r.point is not None:
        out["point"] = {n: jnum(v) for n, v in r.point.items()}
        out["residual"] = jnum(r.residual)
        out["check"] = {"passed": r.passed,
                        "method": "finite differences of the order before, along the curve "
                                  "(Newton's method for the other variable)"}
        out["notes"] = list(r.notes)  # a kink: which slope was taken (as eval's JSON)
    return out


def rows(res: Result, o: Options) -> list[list[Any]]:
    r: Implicit = res.value
    return [["order", "formula", "value", "fd", "check"],
            *([od.k, od.text, od.value, None if od.check is None else od.check.fd,
               "" if od.check is None else od.check.verdict] for od in r.orders)]


def quiet(res: Result, o: Options) -> list[Any]:
    """The numbers at the point, else the formulas."""
    r: Implicit = res.value
    if r.point is not None:
        return [od.value for od in r.orders]
    return [od.text for od in r.orders]


def plain(res: Result, o: Options) -> list[str]:
    r: Implicit = res.value
    c = r.curve
    lines = [f"equation = {c.equation}"]
    lines += [f"{_label(c, od.k, True)} = {od.text}" for od in r.orders]
    if r.point is not None:
        lines += [f"{_label(c, od.k, True)} at point = {o.num(od.value)}"
                  for od in r.orders]
    checked = r.point is not None and any(od.check for od in r.orders)
    return lines + plain_check(checked, r.passed, r.notes)


def table(res: Result, o: Options) -> str:
    """For people: the formulas aligned, then the values at the point with their checks."""
    r: Implicit = res.value
    c = r.curve
    d = o.table_digits
    held = f", {', '.join(c.parameters)} held constant" if c.parameters else ""
    lines = [f"curve: {c.equation}   ({c.of} as a function of {c.wrt}{held})"]
    width = max(len(_label(c, od.k)) for od in r.orders)
    lines += [f"{_label(c, od.k):<{width}} = {od.text}" for od in r.orders]
    if r.point is not None:
        lines.append(f"at {o.point(r.point)} (on the curve):")
        for od in r.orders:
            ch = od.check
            mark = "" if ch is None else f"   {MARKS[ch.verdict]}" + \
                ("" if ch.fd is None else f" (along the curve: {o.num(ch.fd, d)})")
            lines.append(f"  {_label(c, od.k):<{width}} = {o.num(od.value, d)}{mark}")
        if any(od.check for od in r.orders):
            lines.append("check: " + ("passed" if r.passed else "FAILED") +
                         " (each order against finite differences of the order before, "
                         "stepping along the curve)")
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines) + "\n"
