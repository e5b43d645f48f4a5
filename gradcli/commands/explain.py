"""`gradcli explain`: the chain rule at a point, written out as a ledger."""

from __future__ import annotations

from typing import Any

import click

from gradcli.cli import emit, terminal_width, want_color
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.errors import ExitStatus, InputError


@click.command("explain", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--exact", is_flag=True,
              help="Integers and fractions stay exact (9/14); other values are marked ≈.")
@output_options
def command(args: tuple[str, ...], file: str | None, exact: bool, fmt: str,
            digits: int | None, quiet: bool, wrt: tuple[str, ...]) -> int:
    """Explain the gradient of EXPR at a point, step by step, the way backpropagation works.

    The forward pass as numbered steps with their values; the backward pass one
    line per edge (the local partial as a formula and a number, times the
    upstream gradient, gives the edge's product); where a node is used several
    times, the sum of its contributions; and for small graphs every path from
    the output to each input with the product of its edge weights.  Name the
    steps of a program (a = x^2; b = 3*a) and the ledger uses your names.

    \b
    Example:
      gradcli explain "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)" --x 2 --y 3
      gradcli explain "x3 = w1*x1; x4 = w1*x2; x5 = w2*x3 + w3*x4; L = 1 - x5" \\
          --x1 1 --x2 2 --w1 1 --w2 2 --w3 3
      gradcli explain "log(3x^2 + 5x y)" --x 2 --y 3 --exact
      gradcli explain "sin(x)*x" --x 1 --format json

    Exit status: 0 fine, 2 bad input, 3 a math domain error at the point.
    """
    from gradcli.explain import explain, plain, rich_text, to_data

    source, raw = split_args(args, file)
    if exact:
        from gradcli.exact import parse_exact

        values = {n: parse_exact(n, t) for n, t in raw.items()}
    else:
        from gradcli.pipeline import parse_value

        values = {n: parse_value(n, t) for n, t in raw.items()}
    ledger = explain(source, values, exact=exact)
    unknown = [w for w in wrt if w not in ledger.tape.variables]
    if unknown:
        raise InputError(f"--wrt {unknown[0]}: {unknown[0]} is not a variable of the expression",
                         hint="variables: " + (", ".join(ledger.tape.variables) or "none"))
    from gradcli.cli import warn
    from gradcli.pipeline import unused_values

    for message in unused_values(ledger.tape, values):
        warn(message)
    n_digits = 4 if digits is None else digits
    selected = list(wrt) or None
    if fmt == "json":
        from gradcli.render import to_json

        text = to_json(to_data(ledger))
    elif fmt in ("csv", "tsv"):
        text = _rows(to_data(ledger), "," if fmt == "csv" else "\t")
    elif quiet:
        from gradcli.explain import Num

        num = Num(exact, n_digits)
        text = "".join(num.full(g) + "\n" for n, g in ledger.gradient.items()
                       if not selected or n in selected)
    elif fmt == "plain" or not want_color():
        text = plain(ledger, n_digits, selected)
    else:
        text = rich_text(ledger, n_digits, terminal_width(), True, selected)
    emit(text)
    return ExitStatus.OK


LEDGER_COLUMNS = ["pass", "from", "to", "expression", "local", "local_value", "upstream",
                  "value"]


def _cell(v: Any) -> Any:
    """A number as in every machine format (full precision, 4 not 4.0; --exact: 9/14)."""
    from gradcli.render import fmt

    if isinstance(v, dict):  # --exact's {"value": ..., "exact": "9/14"}
        return v["exact"] if v.get("exact") is not None else fmt(v["value"])
    return fmt(v) if isinstance(v, (int, float)) else v


def _rows(data: dict[str, Any], sep: str) -> str:
    """The ledger as a table: a row per forward step, per backward edge, per fan-out sum."""
    import csv
    import io

    rows: list[dict[str, Any]] = []
    for s in data["forward"]:
        rows.append({"pass": "forward", "to": s["name"], "expression": s["expression"],
                     "value": s["value"]})
    for b in data["backward"]:  # a sum's terms are the edges already listed
        if b["kind"] == "sum":
            rows.append({"pass": "sum", "to": b["node"], "value": b["value"]})
        else:
            rows.append({"pass": "backward", "from": b["from"], "to": b["to"],
                         "local": b["local"], "local_value": b["local_value"],
                         "upstream": b["upstream"], "value": b["product"]})
    for name, g in data["gradient"].items():
        rows.append({"pass": "gradient", "to": name, "value": g})
    rows = [{k: _cell(v) for k, v in row.items()} for row in rows]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, LEDGER_COLUMNS, delimiter=sep, lineterminator="\n",
                            restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


# the ledger's numbers are for reading along: 4 digits unless asked
for _p in command.params:
    if _p.name == "digits" and isinstance(_p, click.Option):
        _p.help = "Significant digits in the ledger (default 4; JSON always has full precision)."
