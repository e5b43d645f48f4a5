"""How `gradcli diff` prints: ∂f/∂x = formula lines, the formulas alone, CSV, JSON, LaTeX."""

from __future__ import annotations

from typing import Any

from gradcli.render import Options, Result

FORMATS = ("latex",)  # besides the shared ones


def data(r: Result, o: Options) -> dict[str, Any]:
    """JSON; a piecewise derivative adds `text` (as printed), `pieces` and `ties`."""
    d = r.value
    return {"expression": d["expression"], "variables": d["variables"],
            "derivatives": [{k: row[k] for k in ("output", "wrt", "order", "formula", "latex",
                                                 "text", "pieces", "ties") if k in row}
                            for row in d["rows"]]}


def shown(row: dict[str, Any]) -> str:
    """The formula as printed: piece by piece for abs, max and min."""
    return str(row.get("shown", row["formula"]))


def rows(r: Result, o: Options) -> list[list[Any]]:
    found = r.value["rows"]
    if len({row["output"] for row in found}) > 1:
        return [["output", "wrt", "formula"],
                *([row["output"], row["wrt"], row["formula"]] for row in found)]
    return [["wrt", "formula"], *([row["wrt"], row["formula"]] for row in found)]


def quiet(r: Result, o: Options) -> list[Any]:
    return [shown(row) for row in r.value["rows"]]


plain = quiet  # the formulas alone, one per line: they paste back into gradcli
PLAIN_IS_DATA = True


def latex(r: Result, o: Options) -> str:
    return "".join(row["latex"] + "\n" for row in r.value["rows"])


def table(r: Result, o: Options) -> str:
    out = []
    for row in r.value["rows"]:
        out.append(f"{row['label']} = {shown(row)}\n")
        if row.get("ties"):  # strict inequalities: no piece claims a tie
            out.append(" " * (len(row["label"]) + 3) + f"(where {' or '.join(row['ties'])}: "
                       "a kink; the derivative exists there only if the pieces agree)\n")
    return "".join(out)
