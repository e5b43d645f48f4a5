"""Grid specifications: `--x 0:1:0.1` (start:stop:step) and `--x 1,2,3` (a list).

A spec is split here, before any element reaches `parse_value`, so an element
may itself be a constant expression (`--t 0:pi:pi/4`, `--x 1,sqrt(2),max(1,3)`).
The points of a grid are every combination (gradcli/batch.py's GridSource walks them).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from gradcli.errors import InputError

MAX_AXIS = 10_000_000  # values on one axis; more is almost surely a typo in the step


def is_grid(text: str) -> bool:
    """Whether a value text is a grid spec rather than one value."""
    return ":" in text or len(_top_level_split(text, ",")) > 1


def _top_level_split(text: str, sep: str) -> list[str]:
    """Split on `sep` outside brackets, so max(1,2) stays one element."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def axis(name: str, text: str) -> list[float]:
    """The values of one axis: a list `1,2,3`, a range `start:stop:step`, or one value."""
    from gradcli.pipeline import parse_value

    if ":" in text:
        parts = _top_level_split(text, ":")
        if len(parts) != 3 or not all(p.strip() for p in parts):
            raise InputError(f"--{name} {text}: a range is start:stop:step, e.g. 0:1:0.1")
        return _range(name, text, *(p.strip() for p in parts))
    items = _top_level_split(text, ",")
    if not all(p.strip() for p in items):
        raise InputError(f"--{name} {text}: an empty item in the list",
                         hint="a list is values separated by commas: 1,2,3")
    return [parse_value(name, p.strip()) for p in items]


def _range(name: str, text: str, start_t: str, stop_t: str, step_t: str) -> list[float]:
    from gradcli.pipeline import parse_value

    start, stop, step = (parse_value(name, t) for t in (start_t, stop_t, step_t))
    if step == 0 or (stop / 2 - start / 2) * step < 0:  # halves: -1e308:1e308 fits
        raise InputError(f"--{name} {text}: the step {step_t} never gets from {start_t} "
                         f"to {stop_t}")
    exact = _decimals(start_t, stop_t, step_t)
    if exact is not None:  # 0:1:0.1 in decimal arithmetic gives 0.3, not 0.30000000000000004
        d0, d1, ds = exact
        count = int((d1 - d0) / ds) + 1
        _check_count(name, text, count)
        return [float(d0 + k * ds) for k in range(count)]
    # inclusive of stop within rounding: 0:pi:pi/4 has 5 values
    span = (stop / 2 - start / 2) / step * 2
    if not math.isfinite(span):  # more steps than a double can count
        raise InputError(f"--{name} {text} has more than 1e308 values; the limit is "
                         f"{MAX_AXIS:,} per variable")
    count = int(span + 1e-9 * max(1.0, abs(span))) + 1
    _check_count(name, text, count)
    if math.isfinite(count * step):
        values = [start + k * step for k in range(count)]
    else:  # k·step itself overflows (-1e308:1e308:1e306): in halves
        values = [2 * (start / 2 + k * (step / 2)) for k in range(count)]
    if abs(values[-1] - stop) <= 1e-9 * max(abs(step), abs(stop)):
        values[-1] = stop
    return values


def _decimals(*texts: str) -> tuple[Decimal, Decimal, Decimal] | None:
    """The three texts as exact decimals, if they are all plain decimal numbers."""
    out = []
    for t in texts:
        if not t.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).replace(
                "E", "", 1).replace("+", "", 1).isdigit():
            return None
        try:
            out.append(Decimal(t))
        except InvalidOperation:
            return None
    return out[0], out[1], out[2]


def _check_count(name: str, text: str, count: int) -> None:
    if count > MAX_AXIS:
        many = f"{count:,}" if count < 10 ** 15 else f"about 1e{len(str(count)) - 1}"
        raise InputError(f"--{name} {text} has {many} values; the limit is {MAX_AXIS:,} "
                         "per variable")


def size(axes: Mapping[str, list[float]]) -> int:
    n = 1
    for values in axes.values():
        n *= len(values)
    return n
