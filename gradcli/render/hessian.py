"""How `gradcli hessian` prints: gradient, Hessian (each entry checked), eigenvalues, verdict."""

from __future__ import annotations

from typing import Any

from gradcli.hessian import HessianResult
from gradcli.render import Options, Result, fmt, jnum


def _keep(r: Result, o: Options) -> list[int]:
    return [i for i, n in enumerate(r.value.variables) if n in o.picked]


def data(r: Result, o: Options) -> dict[str, Any]:
    return hessian_data(r.value, _keep(r, o))


def rows(r: Result, o: Options) -> list[list[Any]]:
    return hessian_rows(r.value, _keep(r, o))


def quiet(r: Result, o: Options) -> list[Any]:
    """The Hessian's rows (restricted to --wrt), one per line."""
    keep = _keep(r, o)
    return [[r.value.hessian[i][j] for j in keep] for i in keep]


def plain(r: Result, o: Options) -> list[str]:
    return hessian_plain(r.value, o.digits, _keep(r, o))


def table(r: Result, o: Options) -> str:
    return hessian_tables(r.value, 10 if o.digits is None else o.digits, o.width, o.color)


_MARKS = {"ok": "✓", "kink": "⚠", "inconclusive": "~", "mismatch": "✗", "n/a": "?"}


def hessian_data(r: HessianResult, keep: list[int]) -> dict[str, Any]:
    """The JSON document of `gradcli hessian` (schema in the README); `keep`: --wrt's rows
    and columns (the eigenvalues stay those of the whole Hessian)."""
    ev = r.evaluation
    data: dict[str, Any] = {
        "expression": ev.tape.text,
        "variables": [r.variables[i] for i in keep],
        "point": {n: jnum(x) for n, x in ev.env.items()},
        "value": jnum(r.value),
        "gradient": [jnum(r.gradient[i]) for i in keep],
        "hessian": [[jnum(r.hessian[i][j]) for j in keep] for i in keep],
        "eigenvalues": [jnum(v) for v in r.eigenvalues],
        "definiteness": r.definiteness,
        "critical_point": r.critical,
        "verdict": r.verdict(),
        "notes": [n.message for n in r.notes],
    }
    if r.checks is not None:
        data["check"] = {
            "passed": r.passed,
            "gradient": [ev.check.partials[r.variables[i]].verdict for i in keep]
            if ev.check else [],
            "hessian_fd": [[jnum(r.checks[i][j].fd) for j in keep] for i in keep],
            "hessian": [[r.checks[i][j].verdict for j in keep] for i in keep],
        }
    return data


def hessian_plain(r: HessianResult, digits: int | None, keep: list[int]) -> list[str]:
    """`value = …`, `d/dx = …`, `d2/dxdy = …` lines (--wrt's), then the verdict."""
    lines = [f"value = {fmt(r.value, digits)}"]
    names = r.variables
    lines.extend(f"d/d{names[i]} = {fmt(r.gradient[i], digits)}" for i in keep)
    for i in keep:
        for j in keep:
            if j >= i:
                lines.append(f"d2/d{names[i]}d{names[j]} = {fmt(r.hessian[i][j], digits)}")
    lines.append("eigenvalues = " + ", ".join(fmt(v, digits) for v in r.eigenvalues))
    lines.append(f"definiteness = {r.definiteness}")
    lines.append(f"verdict = {r.verdict()}")
    if r.checks is not None:
        lines.append("check = " + ("passed" if r.passed else "FAILED"))
    lines.extend(f"note: {n.message}" for n in r.notes)
    return lines


def hessian_tables(r: HessianResult, digits: int | None, width: int | None,
                   color: bool) -> str:
    """The Rich view: gradient, Hessian (each entry's check), eigenvalues and the verdict."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    ev = r.evaluation
    console = Console(width=width or 100, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      legacy_windows=False)
    name = ev.tape.output_names[0] if ev.tape.output_names else "f"
    f = name if name.isidentifier() else "f"
    point = ", ".join(f"{n} = {fmt(x, digits)}" for n, x in ev.env.items())
    with console.capture() as cap:
        console.print(Text(f"{name}" + (f"   at {point}" if point else ""), style="bold"))
        console.print(Text(f"{f} = {fmt(r.value, digits)}", style="bold"))
        grad = Table(title="Gradient", title_justify="left")
        for col, just in (("input", "left"), ("value", "right"), (f"∂{f}/∂input", "right"),
                          ("check", "left")):
            grad.add_column(col, justify=just)  # type: ignore[arg-type]
        for n, g in zip(r.variables, r.gradient, strict=True):
            p = ev.check.partials.get(n) if ev.check else None
            grad.add_row(n, fmt(ev.env[n], digits), fmt(g, digits),
                         _MARKS[p.verdict] if p else "")
        console.print(grad)
        hess = Table(title=f"Hessian ∂²{f}/∂row∂column", title_justify="left")
        hess.add_column("", style="cyan")
        for n in r.variables:
            hess.add_column(n, justify="right")
        for i, n in enumerate(r.variables):
            cells = []
            for j in range(len(r.variables)):
                p = r.checks[i][j] if r.checks is not None else None
                mark = "" if p is None else " " + _MARKS[p.verdict]
                if p is not None and p.verdict == "mismatch":
                    mark += f" (fd {fmt(p.fd, digits)})"
                cells.append(Text(fmt(r.hessian[i][j], digits) + mark,
                                  style="green" if p is None or p.verdict == "ok" else "red"))
            hess.add_row(n, *cells)
        console.print(hess)
        if r.checks is not None:
            n_all = sum(len(row) for row in r.checks)
            n_ok = sum(p.passed and p.verdict != "inconclusive" for row in r.checks for p in row)
            unsure = any(p.verdict == "inconclusive" for row in r.checks for p in row)
            word = "FAILED" if not r.passed else "inconclusive" if unsure else "passed"
            console.print(f"check: {word} ({n_ok} of {n_all} Hessian entries agree with finite "
                          "differences of the gradient: ✓)")
        console.print("eigenvalues: " + ", ".join(fmt(v, digits) for v in r.eigenvalues))
        console.print(f"definiteness: {r.definiteness}")
        console.print(Text(f"is this a minimum? {r.verdict()}", style="bold"))
        for note in r.notes:
            console.print(Text(f"note: {note.message}", style="yellow"))
    return cap.get()


def hessian_rows(r: HessianResult, keep: list[int]) -> list[list[Any]]:
    """CSV/TSV: a row per variable: name, value, ∂f/∂name, then its Hessian row."""
    names = r.variables
    out: list[list[Any]] = [["variable", "value", "gradient", *(f"d2/d{names[j]}" for j in keep)]]
    for i in keep:
        out.append([names[i], r.evaluation.env[names[i]], r.gradient[i],
                    *(r.hessian[i][j] for j in keep)])
    return out
