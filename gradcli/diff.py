"""`gradcli diff`'s answer: each partial derivative of an expression as a simplified formula.

Parse (a leading d/dx names the variable), differentiate with the symbolic reverse
sweep (gradcli/symbolic.py), simplify (gradcli/simplify.py) and print each partial
as gradcli text and LaTeX: plain rows that gradcli/render/diff.py lays out.
"""

from __future__ import annotations

from typing import Any

from gradcli.definitions import derivative_wrt
from gradcli.errors import InputError
from gradcli.latex import latex, name_tex
from gradcli.limits import formula_budget
from gradcli.parser import parse, refuse_unknown_calls
from gradcli.piecewise import piece_row, piecewise
from gradcli.reading import read_as
from gradcli.simplify import formulas, simplify
from gradcli.symbolic import differentiate, nth_partials, partial_label, partial_specs, runs
from gradcli.typed import as_typed, log_name


def derivative_table(source: str, wrt: list[str], exact: bool,
                     order: int | None = None) -> dict[str, Any]:
    """Parse, differentiate (symbolic reverse sweep) and simplify: one row per partial.

    A --wrt may name a mixed partial (`x,y`: by x, then by y); --order N raises
    each --wrt to order N, or (without --wrt) gives every distinct N-th partial.
    """
    tape = parse(source, derivative=True, known=wrt)
    refuse_unknown_calls(tape)
    wrt = derivative_wrt(tape, wrt, max_order=10)  # `d/dx …` names the variable
    if tape.derivative is not None and tape.derivative[1] > 1:  # `d^2/dx^2 …`: the order
        if order is not None and order != tape.derivative[1]:
            raise InputError(f"d^{tape.derivative[1]}/d{tape.derivative[0]}^"
                             f"{tape.derivative[1]} and --order {order} disagree",
                             hint="give one of them")
        order = tape.derivative[1]
    specs = partial_specs(list(tape.variables), wrt, order)
    log = log_name(tape)  # ln as typed
    rows = []
    for k, out in enumerate(tape.outputs):
        name = tape.output_names[k] if k < len(tape.output_names) else ""
        f = name if name.isidentifier() else "f" if len(tape.outputs) == 1 else f"f{k + 1}"
        if all(len(s) == 1 for s in specs):  # first order: one sweep gives every partial
            d = differentiate(tape, [s[0] for s in specs], output=out)
            formula_budget(d.tape)  # before simplifying: its cost grows with the formula
            simple = simplify(d.tape, exact=exact)
            found = list(zip(specs, formulas(simple), latex(simple), strict=True))
        else:
            found = [(s, formulas(one)[0], latex(one)[0])
                     for s, one in zip(specs, nth_partials(tape, specs, out, exact), strict=True)]
        # abs, max, min: piece by piece where the formula has their sign(...) terms
        pieces = piecewise(tape, specs, out, exact) if any("sign(" in t for _, t, _ in found) \
            else None
        for k, (s, text, tex) in enumerate(found):
            pw = pieces[k] if pieces is not None and "sign(" in text else None
            n = len(s)
            top = r"\partial" + (f"^{{{n}}}" if n > 1 else "")
            bottom = " ".join(r"\partial " + name_tex(v) + (f"^{{{m}}}" if m > 1 else "")
                              for v, m in runs(s))
            row = {"output": name, "f": f, "wrt": ",".join(s), "order": n,
                   "label": partial_label(f, s), "formula": as_typed(text, log),
                   "latex": rf"\frac{{{top} {name_tex(f)}}}{{{bottom}}} = {tex}",
                   "tex": tex}
            if pw is not None:
                row.update(piece_row(pw, log))
                if "pieces" in row:
                    row["text"] = row["shown"]
                row["latex"] = rf"\frac{{{top} {name_tex(f)}}}{{{bottom}}} = {row['tex']}"
            rows.append(row)
    return {"expression": source, "variables": list(tape.variables), "rows": rows,
            "read_as": read_as(tape)}
