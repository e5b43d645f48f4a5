"""How `gradcli check` prints: ✓/✗ per answer with a counterexample table and a diagnosis."""

from __future__ import annotations

from typing import Any

from gradcli.checker import label, row_digits, shown
from gradcli.render import Options, Result, fmt, jnum

# r.value: {"verdicts": [Verdict per --expect], "f": the function's name}


def data(r: Result, o: Options) -> dict[str, Any]:
    return _json(r.value["verdicts"], r.ok)


def rows(r: Result, o: Options) -> list[list[Any]]:
    """One row per partial."""
    parts = _json(r.value["verdicts"], r.ok)["partials"]
    return [ROW_COLUMNS, *([p[c] for c in ROW_COLUMNS] for p in parts)]


def plain(r: Result, o: Options) -> list[str]:
    return [f"{p['wrt']}: {'right' if p['equivalent'] else 'wrong'}; expected {p['expect']}; "
            f"derivative {p['derivative']}; decided {p['decided']}"
            + (f"; {p['diagnosis']}" if p["diagnosis"] else "")
            for p in _json(r.value["verdicts"], r.ok)["partials"]]


def quiet(r: Result, o: Options) -> list[Any]:
    return ["equivalent" if v.equivalent else "different" for v in r.value["verdicts"]]


def table(r: Result, o: Options) -> str:
    digits = 6 if o.digits is None else o.digits
    return "\n".join(_report(v, r.value["f"], digits) for v in r.value["verdicts"])


ROW_COLUMNS = ["wrt", "order", "expect", "equivalent", "points_tested", "decided", "diagnosis",
               "derivative"]


def _sample_json(s: Any) -> dict[str, Any]:
    return {"point": {n: jnum(v) for n, v in s.point.items()}, "yours": jnum(s.yours),
            "true": jnum(s.true)}


def _json(verdicts: list[Any], ok: bool) -> dict[str, Any]:
    parts = []
    for v in verdicts:
        bad = shown(v)
        parts.append({"wrt": v.wrt, "order": v.order, "expect": v.expect,
                      "equivalent": v.equivalent, "points_tested": len(v.samples),
                      "decided": v.decided_text(), "decided_by": v.decided(),
                      "counterexample": _sample_json(bad[0]) if bad else None,
                      "counterexamples": [_sample_json(s) for s in bad],
                      "diagnosis": v.diagnosis or None, "derivative": v.derivative})
    first_bad = next((p for p in parts if not p["equivalent"]), parts[0])
    return {"equivalent": ok, "points_tested": min(p["points_tested"] for p in parts),
            "decided": first_bad["decided"],
            "counterexample": first_bad["counterexample"], "diagnosis": first_bad["diagnosis"],
            "derivative": parts[0]["derivative"] if len(parts) == 1 else
            {p["wrt"]: p["derivative"] for p in parts},
            "partials": parts}


def _report(v: Any, f: str, digits: int) -> str:
    head = f"{label(f, v.spec)} = {v.expect}"
    skipped = "" if not v.undefined_answer else (
        f"\n  (your formula is undefined at {v.undefined_answer} of the points where the "
        "derivative is defined; those were skipped)")
    if v.equivalent:
        return (f"✓ {head}\n  right: equal at all {len(v.samples)} points tested, "
                f"{v.decided_text()}{skipped}\n")
    lines = [f"✗ {head}", "  wrong: " + v.diagnosis, f"  the derivative is: {v.derivative}"]
    bad = shown(v)
    if bad:
        rows = [("point", "yours", "true")]
        for s in bad:
            k = row_digits(s, digits)  # enough digits to show the two as different
            rows.append((", ".join(f"{n}={fmt(x, digits)}" for n, x in s.point.items()),
                         fmt(s.yours, k), fmt(s.true, k)))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        n_bad = len(v.counterexamples)
        lines.append(f"  counterexamples ({n_bad} of {len(v.samples)} points differ, decided "
                     f"{v.decided_text()}):")
        for r in rows:
            lines.append("    " + "  ".join(r[c].rjust(widths[c]) if c else r[c].ljust(widths[c])
                                            for c in range(3)).rstrip())
    return "\n".join(lines) + "\n"
