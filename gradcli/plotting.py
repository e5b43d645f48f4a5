"""f and ∂f/∂x sampled over a range, drawn in the terminal (plotext) or to a file (matplotlib).

Sampling runs the forward and reverse sweeps on one parsed tape per point.  A
point where f (or its derivative) is undefined is a gap (nan), never a crash;
the gaps are counted so the picture can say where they are.  plotext and
matplotlib are optional (`pip install 'gradcli[plot]'`) and imported only by
the functions that draw.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from gradcli.errors import DomainError, GradcliError, InputError
from gradcli.numfmt import fmt
from gradcli.tape import Tape, needs_grad

DEFAULT_POINTS = 401  # odd, so a symmetric range samples its middle (0 in -3:3)
MAX_POINTS = 100_000
INSTALL_PLOT = "install the plotting extra: pip install 'gradcli[plot]'"
CLIP_RATIO = 4.0  # the y axis is clipped when the values span this many times their bulk
TANGENT_SPAN = 1 / 6  # the tangent at the marked point covers this much of the range


@dataclass
class Samples:
    """f and one partial derivative along one variable; nan where undefined."""

    name: str  # f, or the program's output name
    var: str  # the variable along the x axis
    wrt: str  # the partial drawn: ∂name/∂wrt
    xs: list[float]
    f: list[float]
    df: list[float]
    fixed: dict[str, float] = field(default_factory=dict)  # the other variables
    at: float | None = None  # the point of interest
    f_at: float = math.nan
    df_at: float = math.nan
    expression: str = ""
    notes: list[str] = field(default_factory=list)
    first_error: str = ""  # why f is undefined at the first gap

    @property
    def f_label(self) -> str:
        return f"{self.name}({self.var})" if self.name == "f" else self.name

    @property
    def df_label(self) -> str:
        return f"∂{self.name}/∂{self.wrt}"

    def gaps(self) -> tuple[int, int]:
        """How many samples of f, and of the derivative, are undefined."""
        return sum(v != v for v in self.f), sum(v != v for v in self.df)


def parse_range(name: str, text: str, points: int = DEFAULT_POINTS) -> list[float]:
    """`-3:3` (points evenly spaced, both ends included) or `start:stop:step`."""
    from gradcli.pipeline import parse_value

    parts = text.split(":")
    if len(parts) == 3:
        from gradcli.grid import axis

        xs = axis(name, text)
        if len(xs) > MAX_POINTS:
            raise InputError(f"--{name} {text} has {len(xs):,} points; the limit is "
                             f"{MAX_POINTS:,}")
        if len(xs) < 2:
            raise InputError(f"--{name} {text}: a range needs at least two points")
        return xs
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise InputError(f"--{name} {text}: a range is start:stop or start:stop:step",
                         hint="e.g. --x -3:3 or --x 0:pi:pi/8")
    start, stop = (parse_value(name, p.strip()) for p in parts)
    if not start < stop:
        raise InputError(f"--{name} {text}: the range must go from a smaller to a larger "
                         "number")
    n = points
    if math.isfinite((stop - start) * (n - 1)):
        return [start + (stop - start) * k / (n - 1) for k in range(n)]
    # a span near or past the largest double (-1e308:1e308): the same points, in halves
    half = stop / 2 - start / 2
    xs = [2 * (start / 2 + half * (k / (n - 1))) for k in range(n)]
    xs[0], xs[-1] = start, stop
    return xs


def output_name(tape: Tape) -> str:
    """The name on the plot: the program's output name, else f."""
    given = tape.output_names[-1] if tape.output_names else ""
    return given if given.isidentifier() else "f"


def sample(tape: Tape, var: str, xs: list[float], fixed: Mapping[str, float],
           wrt: str) -> Samples:
    """f and ∂f/∂wrt at every x (the other variables held at `fixed`); gaps are nan."""
    from gradcli.forward import forward
    from gradcli.reverse import reverse

    if len(tape.outputs) != 1:
        raise InputError(f"plot draws one function; this has {len(tape.outputs)} outputs",
                         hint="plot each one on its own")
    out = tape.outputs[0]
    wrt_node = tape.variables[wrt]
    need = needs_grad(tape)
    env = dict(fixed)
    fs: list[float] = []
    dfs: list[float] = []
    notes: dict[str, None] = {}
    first_error = ""
    for x in xs:
        env[var] = x
        try:
            vals = forward(tape, env)
        except DomainError as e:
            first_error = first_error or e.message
            fs.append(math.nan)
            dfs.append(math.nan)
            continue
        fs.append(float(vals[out]))
        try:
            adj, found = reverse(tape, vals, out, need)
        except DomainError:
            dfs.append(math.nan)
            continue
        dfs.append(float(adj[wrt_node]))
        for n in found:
            notes.setdefault(n.message)
    return Samples(output_name(tape), var, wrt, list(xs), fs, dfs, dict(fixed),
                   expression=tape.output_names[-1] if tape.output_names else tape.text,
                   notes=list(notes), first_error=first_error)


def mark(s: Samples, tape: Tape, at: float) -> None:
    """Evaluate f and the partial at the point of interest (nan where undefined)."""
    one = sample(tape, s.var, [at], s.fixed, s.wrt)
    s.at, s.f_at, s.df_at = at, one.f[0], one.df[0]


def segments(xs: list[float], ys: list[float]) -> list[tuple[list[float], list[float]]]:
    """The runs of defined points: a gap (nan) ends a run, so lines never bridge it."""
    runs: list[tuple[list[float], list[float]]] = []
    cur_x: list[float] = []
    cur_y: list[float] = []
    for x, y in zip(xs, ys, strict=True):
        if y != y:
            if cur_x:
                runs.append((cur_x, cur_y))
                cur_x, cur_y = [], []
            continue
        cur_x.append(x)
        cur_y.append(y)
    if cur_x:
        runs.append((cur_x, cur_y))
    return runs


def pole_breaks(xs: list[float], ys: list[float],
                lim: tuple[float, float] | None) -> tuple[list[float], list[float]]:
    """A gap where the curve leaves the y axis on one side and comes back on the other.

    Across tan's pole the samples jump from far above the axis to far below;
    a line joining them would be a vertical stroke that is not part of the graph.
    """
    if lim is None:
        return xs, ys
    lo, hi = lim
    out_x, out_y = [xs[0]], [ys[0]]
    for k in range(1, len(xs)):
        a, b = ys[k - 1], ys[k]
        if (a > hi and b < lo) or (a < lo and b > hi):
            out_x.append((xs[k - 1] + xs[k]) / 2)
            out_y.append(math.nan)
        out_x.append(xs[k])
        out_y.append(b)
    return out_x, out_y


def y_limits(s: Samples) -> tuple[float, float] | None:
    """Limits that keep the bulk of the curves readable near a pole, or None.

    Near 1/x's pole a few samples are thousands of times larger than the rest
    and would flatten everything else; then the axis shows the 10th to 90th
    percentile, padded by half that span.
    """
    ys = sorted(v for v in (*s.f, *s.df) if v == v)
    if len(ys) < 10:
        return None
    lo, hi = ys[int(0.1 * (len(ys) - 1))], ys[int(0.9 * (len(ys) - 1))]
    # spans in halves: near the largest double, hi - lo itself would overflow
    half_bulk = hi / 2 - lo / 2
    if half_bulk <= 0 or ys[-1] / 2 - ys[0] / 2 <= CLIP_RATIO * half_bulk:
        return None
    return max(ys[0], lo - half_bulk), min(ys[-1], hi + half_bulk)


def tangent(s: Samples) -> tuple[list[float], list[float]] | None:
    """The tangent line at the marked point, over a sixth of the range, when it is defined."""
    if s.at is None or s.wrt != s.var or s.f_at != s.f_at or s.df_at != s.df_at:
        return None
    lo, hi = s.xs[0], s.xs[-1]
    half = (hi / 2 - lo / 2) * TANGENT_SPAN  # in halves: no overflow near the largest double
    # kept inside the range: the part beyond it is off the plot anyway
    tx = [max(lo, s.at - half), min(hi, s.at + half)]
    ty = [s.f_at + s.df_at * (x - s.at) for x in tx]
    if not tx[0] < tx[1] or not all(map(math.isfinite, tx + ty)):
        return None  # the point is off the range, or the line leaves the doubles
    return tx, ty


def title(s: Samples, digits: int | None = 4) -> str:
    """`f(x) = log(x*y)   (y = 2)`: the function and the values held fixed."""
    head = f"{s.f_label} = {s.expression}" if s.name == "f" else s.name
    if len(head) > 70:
        head = head[:69] + "…"
    held = ", ".join(f"{n} = {fmt(v, digits)}" for n, v in s.fixed.items())
    return head + (f"   ({held})" if held else "")


def caption(s: Samples, digits: int | None = 4) -> list[str]:
    """Lines under a plot: the marked point, the gaps, the notes."""
    lines = []
    if s.at is not None:
        fv = "undefined" if s.f_at != s.f_at else fmt(s.f_at, digits)
        dv = "undefined" if s.df_at != s.df_at else fmt(s.df_at, digits)
        lines.append(f"at {s.var} = {fmt(s.at, digits)}: {s.name} = {fv}, {s.df_label} = {dv}")
    gf, gd = s.gaps()
    if gf:
        lines.append(f"{s.name} is undefined at {gf} of {len(s.xs)} points (gaps in the plot)")
    if gd > gf:
        lines.append(f"{s.df_label} is undefined at {gd - gf} more points where {s.name} is "
                     "defined (gaps)")
    lim = y_limits(s)
    if lim is not None:
        lines.append(f"the y axis is clipped to {fmt(lim[0], 3)} .. {fmt(lim[1], 3)}: some "
                     "values are far larger (a pole?)")
    lines.extend(f"note: {n}" for n in s.notes[:5])
    return lines


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
AXIS_RANGE = 1e100  # plotext's ticks overflow past ~1e250: beyond this, an axis is rescaled


def axis_power(values: list[float]) -> int:
    """The power of ten an axis is drawn in: 0 for ordinary numbers, else that of the
    largest |value| (-320 for 0:1e-320, 308 for -1e308:1e308)."""
    top = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if top == 0 or 1 / AXIS_RANGE <= top <= AXIS_RANGE:
        return 0
    return math.floor(math.log10(top))


def scaled(v: float, power: int) -> float:
    """v / 10^power, exactly rounded (10^-320 is not a double; the fraction is exact)."""
    if power == 0 or not math.isfinite(v):
        return v
    return float(Fraction(v) / Fraction(10) ** power)


def _power_text(power: int) -> str:
    return f" (×1e{power:+d})" if power else ""


def _inside(xs: list[float], ys: list[float], window: tuple[float, float, float, float]) -> bool:
    x0, x1, y0, y1 = window
    return any(x0 <= x <= x1 and y0 <= y <= y1 for x, y in zip(xs, ys, strict=True))


def terminal_plot(s: Samples, width: int = 100, height: int = 25, color: bool = False) -> str:
    """f and its derivative as text (plotext), with legend, axis labels and the point."""
    try:
        import plotext as plt
    except ImportError:
        raise GradcliError("the terminal plot needs plotext, which is not installed",
                           hint=INSTALL_PLOT) from None
    plt.clear_figure()
    plt.plot_size(width, height)
    plt.theme("clear")  # no background: the terminal's own; curves keep their colours
    lim = y_limits(s)
    ys_all = [*s.f, *s.df] if lim is None else list(lim)
    xk, yk = axis_power(s.xs), axis_power(ys_all)
    sx_lim = (scaled(s.xs[0], xk), scaled(s.xs[-1], xk))
    sy_lim = (scaled(min(ys_all), yk), scaled(max(ys_all), yk)) if ys_all else (0.0, 0.0)
    window = (*sx_lim, *sy_lim)
    # without colour the curves differ by marker, so the legend still tells them apart
    curves = [(s.f_label, pole_breaks(s.xs, s.f, lim), "blue", "braille"),
              (s.df_label, pole_breaks(s.xs, s.df, lim), "red", "•" if not color else "braille")]
    tan = tangent(s)
    if tan is not None:
        curves.append(("tangent", tan, "green", "braille" if color else "·"))
    for label, (xs, ys), col, marker in curves:
        named = False
        for px, py in segments([scaled(x, xk) for x in xs], [scaled(y, yk) for y in ys]):
            # plotext fails on a labelled series with no point in the window; a label
            # goes on the first run that shows, and a curve that never shows has none
            show = not named and _inside(px, py, window)
            plt.plot(px, py, label=label if show else None, color=col, marker=marker)
            named = named or show
    if s.at is not None and s.xs[0] <= s.at <= s.xs[-1]:  # off the range: caption only
        pts = [(scaled(s.at, xk), scaled(v, yk)) for v in (s.f_at, s.df_at) if v == v]
        if pts:
            plt.scatter([p[0] for p in pts], [p[1] for p in pts], marker="●",
                        color="magenta")
    if lim is not None:
        plt.ylim(*sy_lim)
    plt.xlim(*sx_lim)
    plt.title(title(s))
    plt.xlabel(s.var + _power_text(xk))
    plt.ylabel(f"{s.f_label}, {s.df_label}" + _power_text(yk))
    text = str(plt.build())
    plt.clear_figure()
    if not color:
        text = _ANSI.sub("", text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def save_image(s: Samples, path: str, fmt: str, width: int = 800, height: int = 500) -> None:
    """The same plot as a PNG or SVG file (matplotlib, no display needed)."""
    try:
        import matplotlib
    except ImportError:
        raise GradcliError(f"writing {path} needs matplotlib, which is not installed",
                           hint=INSTALL_PLOT) from None
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0, color="0.75", linewidth=0.8)
    lim = y_limits(s)
    ax.plot(*pole_breaks(s.xs, s.f, lim), color="tab:blue", linewidth=2, label=s.f_label)
    ax.plot(*pole_breaks(s.xs, s.df, lim), color="tab:red", linewidth=1.6, linestyle="--",
            label=s.df_label)
    tan = tangent(s)
    if tan is not None:
        ax.plot(tan[0], tan[1], color="tab:green", linewidth=1.5, linestyle="-.",
                label=f"tangent at {s.var} = {_short(s.at)}")
    if s.at is not None:
        ax.axvline(s.at, color="0.6", linewidth=0.8, linestyle=":")
        # the numbers go in the legend: labels beside the points would collide
        at = _short(s.at)
        if s.f_at == s.f_at:
            ax.plot([s.at], [s.f_at], "o", color="tab:blue",
                    label=f"{s.name} = {_short(s.f_at)} at {s.var} = {at}")
        if s.df_at == s.df_at:
            ax.plot([s.at], [s.df_at], "o", color="tab:red",
                    label=f"{s.df_label} = {_short(s.df_at)} at {s.var} = {at}")
    if lim is not None:
        ax.set_ylim(*lim)
    ax.set_xlim(s.xs[0], s.xs[-1])
    ax.set_xlabel(s.var)
    ax.set_ylabel(f"{s.f_label}, {s.df_label}")
    ax.set_title(title(s))
    ax.grid(alpha=0.3)
    ax.legend()
    from gradcli.files import write_with

    write_with(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))


def _short(v: float | None) -> str:
    return fmt(v, 4)
