"""How `gradcli implicit` prints: dy/dx … as formulas, at the point, and a student's verdict."""

from __future__ import annotations

from typing import Any

from gradcli.implicit import Implicit, Verdict

_MARKS = {"ok": "✓ ok", "kink": "⚠ kink", "mismatch": "✗ MISMATCH",
          "inconclusive": "~ inconclusive (rounding)", "n/a": "? n/a (domain)"}
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def label(k: int, x: str, y: str, ascii_only: bool = False) -> str:
    """dy/dx, d²y/dx² (d2y/dx2 in plain text)."""
    if k == 1:
        return f"d{y}/d{x}"
    n = str(k) if ascii_only else str(k).translate(_SUP)
    return f"d{n}{y}/d{x}{n}"


def implicit_data(r: Implicit) -> dict[str, Any]:
    """JSON: the equation, the pair, each order's formula and (at a point) value and check."""
    from gradcli.latex import latex
    from gradcli.render import jnum

    c = r.curve
    rows = []
    for o in r.orders:
        row: dict[str, Any] = {"order": o.k, "formula": o.text, "latex": latex(o.formula)[0]}
        if o.value is not None:
            row["value"] = jnum(o.value)
        if o.check is not None:
            row["check"] = {"fd": jnum(o.check.fd), "verdict": o.check.verdict,
                            "passed": o.check.passed}
        rows.append(row)
    data: dict[str, Any] = {"equation": c.equation, "wrt": c.wrt, "of": c.of,
                            "derivatives": rows}
    if r.point is not None:
        data["point"] = {n: jnum(v) for n, v in r.point.items()}
        data["residual"] = jnum(r.residual)
        data["check"] = {"passed": r.passed,
                         "method": "finite differences of the order before, along the curve "
                                   "(Newton's method for the other variable)"}
    return data


def implicit_text(r: Implicit, fmt: str, quiet: bool, digits: int | None) -> str:
    """Every format: JSON, CSV/TSV rows, plain lines, -q, or the readable summary."""
    from gradcli.render import fmt as num
    from gradcli.render import to_json

    c = r.curve
    if quiet:  # the numbers at the point, else the formulas
        if r.point is not None:
            return "".join(num(o.value, digits) + "\n" for o in r.orders)
        return "".join(o.text + "\n" for o in r.orders)
    if fmt == "json":
        return to_json(implicit_data(r))
    if fmt in ("csv", "tsv"):
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        w.writerow(["order", "formula", "value", "fd", "check"])
        for o in r.orders:
            w.writerow([o.k, o.text, "" if o.value is None else num(o.value),
                        "" if o.check is None else num(o.check.fd),
                        "" if o.check is None else o.check.verdict])
        return buf.getvalue()
    d = 10 if digits is None and fmt == "table" else digits
    at = "" if r.point is None else ", ".join(f"{n} = {num(v, d)}" for n, v in r.point.items())
    if fmt == "plain":
        lines = [f"equation = {c.equation}"]
        lines += [f"{label(o.k, c.wrt, c.of, True)} = {o.text}" for o in r.orders]
        if r.point is not None:
            lines += [f"{label(o.k, c.wrt, c.of, True)} at point = {num(o.value, d)}"
                      for o in r.orders]
            if any(o.check for o in r.orders):
                lines.append("check = " + ("passed" if r.passed else "FAILED"))
        return "\n".join(lines) + "\n"
    lines = [f"curve: {c.equation}   ({c.of} as a function of {c.wrt})"]
    width = max(len(label(o.k, c.wrt, c.of)) for o in r.orders)
    lines += [f"{label(o.k, c.wrt, c.of):<{width}} = {o.text}" for o in r.orders]
    if r.point is not None:
        lines.append(f"at {at} (on the curve):")
        for o in r.orders:
            ch = o.check
            mark = "" if ch is None else f"   {_MARKS[ch.verdict]}" + \
                ("" if ch.fd is None else f" (along the curve: {num(ch.fd, d)})")
            lines.append(f"  {label(o.k, c.wrt, c.of):<{width}} = {num(o.value, d)}{mark}")
        if any(o.check for o in r.orders):
            lines.append("check: " + ("passed" if r.passed else "FAILED") +
                         " (each order against finite differences of the order before, "
                         "stepping along the curve)")
    return "\n".join(lines) + "\n"


def verdict_data(v: Verdict) -> dict[str, Any]:
    from gradcli.render import jnum

    data: dict[str, Any] = {"expect": v.expect, "order": v.order, "wrt": v.wrt, "of": v.of,
                            "right": v.right, "correct": v.correct, "points": len(v.points),
                            "method": "compared at points of the curve (Newton's method), "
                                      "in double precision, to 1e-8 relative"}
    if v.counterexample is not None:
        data["counterexample"] = {"point": {n: jnum(x) for n, x in v.counterexample.items()},
                                  "correct": jnum(v.true_value), "yours": jnum(v.their_value)}
    return data


def verdict_text(v: Verdict, fmt: str, quiet: bool, digits: int | None) -> str:
    """✓ right / ✗ wrong with a point of the curve where they differ."""
    from gradcli.render import fmt as num
    from gradcli.render import to_json

    lab = label(v.order, v.wrt, v.of)
    if quiet:
        return ("right" if v.right else "wrong") + "\n"
    if fmt == "json":
        return to_json(verdict_data(v))
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, delimiter=sep, lineterminator="\n")
        w.writerow(["order", "expect", "verdict", "correct", "points"])
        w.writerow([v.order, v.expect, "right" if v.right else "wrong", v.correct,
                    len(v.points)])
        return buf.getvalue()
    d = 10 if digits is None else digits
    if v.right:
        return (f"✓ {lab} = {v.expect}\n  right: equal at all {len(v.points)} points of the "
                "curve tested\n")
    p = v.counterexample or {}
    at = ", ".join(f"{n} = {num(x, d)}" for n, x in p.items())
    return (f"✗ {lab} = {v.expect}\n  wrong: at the point of the curve {at} it is "
            f"{num(v.their_value, d)}, but {lab} = {num(v.true_value, d)} there\n"
            f"  {lab} = {v.correct}\n")
