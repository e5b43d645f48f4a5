"""How `gradcli plot` prints: the terminal plot with its caption, or the samples as data.

r.value is the Samples of gradcli/plotting.py (f and the derivative along the range).
"""

from __future__ import annotations

from typing import Any

from gradcli.plotting import Samples, caption, terminal_plot
from gradcli.render import Options, Result, fmt


def data(r: Result, o: Options) -> dict[str, Any]:
    """The JSON document: the samples, null where undefined."""
    s: Samples = r.value

    def j(v: float | None) -> float | None:
        return None if v is None or v != v else v

    return {"expression": s.expression, "function": s.name, "variable": s.var,
            "wrt": s.wrt, "fixed": s.fixed, "at": s.at,
            "at_value": j(s.f_at) if s.at is not None else None,
            "at_derivative": j(s.df_at) if s.at is not None else None,
            "samples": [{"x": x, "value": j(f), "derivative": j(d)}
                        for x, f, d in zip(s.xs, s.f, s.df, strict=True)],
            "notes": s.notes}


def rows(r: Result, o: Options) -> list[list[Any]]:
    """A header and a row per sample; an empty cell where f is undefined."""
    s: Samples = r.value
    return [[s.var, s.name, s.df_label],
            *([None if v != v else v for v in row] for row in zip(s.xs, s.f, s.df, strict=True))]


def quiet(r: Result, o: Options) -> list[Any]:
    """x, f and the derivative per line (nan marks a gap)."""
    s: Samples = r.value
    return [list(row) for row in zip(s.xs, s.f, s.df, strict=True)]


def plain(r: Result, o: Options) -> list[str]:
    """Whitespace columns that gnuplot and awk read; nan marks a gap."""
    s: Samples = r.value
    return ["# " + " ".join([s.var, s.name, s.df_label]),
            *(" ".join(fmt(v, o.digits) for v in row)
              for row in zip(s.xs, s.f, s.df, strict=True))]


def table(r: Result, o: Options) -> str:
    s: Samples = r.value
    text = terminal_plot(s, r.extra["width"] or o.width or 100, r.extra["height"] or 25, o.color)
    return text + "".join(line + "\n" for line in caption(s, o.digits or 4))
