"""Array values as typed: `--x "[1, 2, 3]"`, `--W "[[1, 2], [3, 4]]"`, `--X @data.csv`.

A bracketed value is read by the expression grammar itself (so `[pi/4, sqrt(2)]`
works and a typo is the grammar's error) and must use no variable; a CSV file is a
matrix of numbers, its header row optional.  Both give a float64 ndarray.
"""

from __future__ import annotations

import csv
from typing import Any

from gradcli.errors import GradcliError, InputError


def need_numpy() -> Any:
    """NumPy, or exit 2 saying how to install it."""
    try:
        import numpy
    except ImportError:
        raise InputError("arrays need NumPy, which is not installed",
                         hint="pip install 'gradcli[arrays]' (or pip install numpy)") from None
    return numpy


def array_value(name: str, text: str) -> Any:
    """The ndarray a value text means: a bracketed literal or @file.csv."""
    text = text.strip()
    if text.startswith("@"):
        return read_csv(name, text[1:])
    np = need_numpy()
    from gradcli.arrays.engine import forward
    from gradcli.parser import parse
    from gradcli.tape import VAR

    try:
        tape = parse(text, arrays=True)
    except GradcliError as e:
        raise InputError(f"the value of {name}, {_short(text)}, is not an array: "
                         f"{e.message}", hint=e.hint) from None
    used = [tape.labels[i] for i, op in enumerate(tape.ops) if op == VAR]
    if used:
        raise InputError(f"the value of {name}, {_short(text)}, uses {', '.join(map(str, used))}; "
                         "a value may only use numbers, pi and e")
    if len(tape.outputs) != 1:
        raise InputError(f"the value of {name}, {_short(text)}, is several values")
    try:
        value = forward(tape, {})[tape.outputs[0]]
    except GradcliError as e:
        raise InputError(f"the value of {name}, {_short(text)}: {e.message}") from None
    return np.asarray(value, dtype=float)


def _short(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _fast_csv(np: Any, path: str) -> Any:
    """NumPy's C reader for a plain file of finite numbers (a 1000×1000 file in under a
    second, where the checking reader below takes seconds); None for anything else, which
    the checking reader then reads or refuses with the file and line."""
    import warnings

    try:
        with open(path, "rb") as f:
            head = f.readline()
        first = [plain_cell(c) for c in head.decode("utf-8").split(",")]
        header = all(v is None for v in first)  # names only; a mixed row is an error
        if not header and any(v is None for v in first):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an empty file warns: the checking reader says it
            data = np.loadtxt(path, delimiter=",", ndmin=2, skiprows=1 if header else 0,
                              dtype=float, encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError, Warning):
        return None
    if data.size == 0 or not np.all(np.isfinite(data)):
        return None
    return data


def plain_cell(text: str) -> float | None:
    from gradcli.pipeline import plain_number

    return plain_number(text)


def read_csv(name: str, path: str) -> Any:
    """A matrix from a CSV file: one row per line, numbers only, a header row optional.
    A file of one column is a vector (n,), not an (n, 1) matrix: a column of labels
    times a vector would otherwise broadcast silently to an (n, n) matrix."""
    data = _read_csv(name, path)
    return data[:, 0] if data.ndim == 2 and data.shape[1] == 1 else data


def _read_csv(name: str, path: str) -> Any:
    np = need_numpy()
    from gradcli.pipeline import plain_number

    if not path:
        raise InputError(f"--{name} @: a file name must follow @", hint=f"--{name} @data.csv")
    fast = _fast_csv(np, path)
    if fast is not None:
        return fast
    try:
        with open(path, encoding="utf-8", newline="") as f:
            lines = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise InputError(f"cannot read {path} (the value of {name}): {reason}") from None
    rows: list[list[float]] = []
    width = 0
    first_data = 0
    for k, cells in enumerate(lines, start=1):
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines are not rows
        numbers = [plain_number(c) for c in cells]
        if not rows and first_data == 0 and any(v is None for v in numbers) and \
                all(plain_number(c) is None for c in cells if c.strip()):
            first_data = k  # a header: names, no numbers
            continue
        for col, (c, v) in enumerate(zip(cells, numbers, strict=True), start=1):
            if v is None:
                raise InputError(f"{path}:{k}: column {col}, {c.strip()[:40]!r}, is not a "
                                 "number" if c.strip() else f"{path}:{k}: column {col} is "
                                 "empty", hint="a data file holds numbers only (a header row "
                                               "of names is allowed)")
        if rows and len(numbers) != width:
            raise InputError(f"{path}:{k}: {len(numbers)} numbers, where the rows above "
                             f"have {width}")
        width = len(numbers)
        rows.append([float(v) for v in numbers if v is not None])
    if not rows:
        raise InputError(f"{path}: no rows of numbers (the value of {name})")
    return np.array(rows, dtype=float)
