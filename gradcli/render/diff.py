"""How `gradcli diff` prints: ∂f/∂x = formula lines, the formulas alone, CSV, JSON, LaTeX."""

from __future__ import annotations

from typing import Any

from gradcli.render import Options, Result

FORMATS = ("latex",)  # besides the shared ones


def data(r: Result, o: Options) -> dict[str, Any]:
    d = r.value
    return {"expression": d["expression"], "variables": d["variables"],
            "derivatives": [{k: row[k] for k in ("output", "wrt", "order", "formula", "latex")}
                            for row in d["rows"]]}


def rows(r: Result, o: Options) -> list[list[Any]]:
    found = r.value["rows"]
    if len({row["output"] for row in found}) > 1:
        return [["output", "wrt", "formula"],
                *([row["output"], row["wrt"], row["formula"]] for row in found)]
    return [["wrt", "formula"], *([row["wrt"], row["formula"]] for row in found)]


def quiet(r: Result, o: Options) -> list[Any]:
    return [row["formula"] for row in r.value["rows"]]


plain = quiet  # the formulas alone, one per line: they paste back into gradcli
PLAIN_IS_DATA = True


def latex(r: Result, o: Options) -> str:
    return "".join(row["latex"] + "\n" for row in r.value["rows"])


def table(r: Result, o: Options) -> str:
    return "".join(f"{row['label']} = {row['formula']}\n" for row in r.value["rows"])
