"""How `gradcli jacobian` prints array outputs: each output's Jacobian per input, shaped
output.shape + input.shape; flattened row-major as d f[i]/d W[j,k] in CSV/plain/-q."""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from gradcli.arrays.check import label
from gradcli.arrays.pipeline import ArrayEvaluation
from gradcli.render import Options, Result, fmt
from gradcli.render.arrays import array_text, check_entry, check_table, nested, shape_label

COMMAND = "jacobian"


def jacobian_result(ev: ArrayEvaluation) -> Result:
    from gradcli.reading import read_as

    return Result("arrays_jacobian", ev, list(ev.env), read_as(ev.tape), list(ev.notes),
                  ev.passed)


def _outputs(ev: ArrayEvaluation) -> list[tuple[str, Any, dict[str, Any]]]:
    tape = ev.tape
    names = [n if n.isidentifier() else f"f{k + 1}" if len(tape.outputs) > 1 else "f"
             for k, n in enumerate(tape.output_names)]
    return [(names[k], ev.values[out], ev.jacobians[k]) for k, out in enumerate(tape.outputs)]


def _picked(jac: dict[str, Any], o: Options) -> dict[str, Any]:
    return {n: j for n, j in jac.items() if not o.wrt or n in o.wrt}


def data(r: Result, o: Options) -> dict[str, Any]:
    ev: ArrayEvaluation = r.value
    doc: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": {n: {"shape": list(v.shape), "value": nested(v)} for n, v in ev.env.items()},
        "outputs": [name for name, _, _ in _outputs(ev)],
        "values": [{"shape": list(v.shape), "value": nested(v)} for _, v, _ in _outputs(ev)],
        "jacobian": [{n: {"shape": list(j.shape), "value": nested(j)}
                      for n, j in _picked(jac, o).items()} for _, _, jac in _outputs(ev)],
        "notes": list(ev.notes),
    }
    if ev.checks:
        doc["check"] = {"method": ev.checks[-1].method + "; of uᵀJ for a random u",
                        "passed": ev.passed,
                        "outputs": [{key: check_entry(p) for key, p in c.partials.items()}
                                    for c in ev.checks]}
    return doc


def _lines(ev: ArrayEvaluation, o: Options) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, value, jac in _outputs(ev):
        for idx in np.ndindex(value.shape):
            out.append((label(name, idx), float(value[idx])))
        for var, j in _picked(jac, o).items():
            for idx in np.ndindex(j.shape):
                k = value.ndim
                out.append((f"d{label(name, idx[:k])}/d{label(var, idx[k:])}", float(j[idx])))
    if ev.checks:
        out.append(("check", "passed" if ev.passed else "FAILED"))
    return out


def rows(r: Result, o: Options) -> list[list[Any]]:
    return [["name", "value"], *[[n, v] for n, v in _lines(r.value, o)],
            *[["note", n] for n in r.value.notes]]


def plain(r: Result, o: Options) -> list[str]:
    return [*(f"{n} = {v if isinstance(v, str) else fmt(v, o.digits)}"
              for n, v in _lines(r.value, o)), *(f"note: {n}" for n in r.value.notes)]


def quiet(r: Result, o: Options) -> list[Any]:
    ev: ArrayEvaluation = r.value
    numbers: list[Any] = []
    for _, _, jac in _outputs(ev):
        for j in _picked(jac, o).values():
            numbers.extend(float(v) for v in j.reshape(-1))
    return numbers


def table(r: Result, o: Options) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    ev: ArrayEvaluation = r.value
    digits = 10 if o.digits is None else o.digits
    console = Console(width=o.width or 100, force_terminal=o.color, no_color=not o.color,
                      color_system="standard" if o.color else None, highlight=False,
                      file=io.StringIO(), legacy_windows=False)
    with console.capture() as cap:
        for k, (name, value, jac) in enumerate(_outputs(ev)):
            t = Table(title=f"Jacobian of {name} {shape_label(value)} = "
                            f"{array_text(value, digits).replace(chr(10), ' ')}",
                      title_justify="left")
            for col, just in (("input", "left"), ("input shape", "left"),
                              ("∂" + name + "/∂input: shape", "left"), ("value", "right")):
                t.add_column(col, justify=just)  # type: ignore[arg-type]
            for var, j in _picked(jac, o).items():
                t.add_row(var, shape_label(ev.env[var]), shape_label(j), array_text(j, digits))
            console.print(t)
            if ev.checks:
                console.print(check_table(ev.checks[k], o, digits, name))
        if ev.checks:
            n_ok = sum(p.passed for c in ev.checks for p in c.partials.values())
            n = sum(len(c.partials) for c in ev.checks)
            console.print(f"check: {'passed' if ev.passed else 'FAILED'} ({n_ok} of {n} entries "
                          "of uᵀJ, for a random u, agree with finite differences)")
        for note in ev.notes:
            console.print(Text(f"note: {note}", style="yellow"))
    return cap.get()
