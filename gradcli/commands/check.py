"""`gradcli check`: is G the derivative of F?  A verdict, a counterexample, a diagnosis."""

from __future__ import annotations

from typing import Any

import click

from gradcli.cli import emit
from gradcli.commands.options import VALUE_SETTINGS, expression_input, output_options, split_args
from gradcli.errors import ExitStatus, InputError


@click.command("check", context_settings=VALUE_SETTINGS)
@expression_input()
@click.option("--expect", "expect", multiple=True, required=True, metavar="FORMULA",
              help="Your derivative; one per --wrt, in the same order (repeatable).")
@click.option("--at", "at", multiple=True, metavar="x=1.5,y=2",
              help="Also test at this point (repeatable).")
@click.option("--points", type=click.IntRange(1, 100_000), default=200, show_default=True,
              help="Random points to test.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the random points (the same seed, the same points).")
@output_options
def command(args: tuple[str, ...], file: str | None, expect: tuple[str, ...],
            at: tuple[str, ...], points: int, seed: int, fmt: str, digits: int | None,
            quiet: bool, wrt: tuple[str, ...]) -> int:
    """Check that each --expect formula is the partial derivative of EXPR by its --wrt.

    Both sides are evaluated at many reproducible random points (several scales,
    only where EXPR, its derivative and your formula are all defined) and must
    agree to |dF - G| <= 1e-8 max(|dF|, |G|) + 1e-12.  Any equivalent form
    passes.  When they differ you get a counterexample, a diagnosis (constant
    factor, sign, additive constant, dropped chain-rule factor, wrong power) and
    the correct derivative.  NAME=VALUE holds a variable fixed.

    \b
    Example:
      gradcli check "sin(x^2)" --wrt x --expect "2x cos(x^2)"
      gradcli check "tan(x)" --wrt x --expect "sec(x)^2"
      gradcli check "x^2 y" --wrt x --expect "2x y" --wrt y --expect "x^2"
      gradcli check "log(log(x))" --wrt x --expect "1/log(x)" --format json

    Exit status: 0 every answer is right, 1 one is not, 2 bad input.
    """
    from gradcli.checker import check_one, parse_points
    from gradcli.parser import parse, refuse_unknown_calls
    from gradcli.pipeline import parse_value

    source, raw = split_args(args, file)
    tape = parse(source)
    refuse_unknown_calls(tape)
    fixed = {name: parse_value(name, text) for name, text in raw.items()}
    for name in fixed:
        if name not in tape.variables:
            raise InputError(f"{name} is not a variable of the expression")
    names = list(wrt)
    if not names:
        free = [n for n in tape.variables if n not in fixed]
        if len(free) != 1 or len(expect) != 1:
            raise InputError("say which partial each --expect is with --wrt",
                             hint='gradcli check "x^2 y" --wrt x --expect "2x y"')
        names = free
    if len(names) != len(expect):
        raise InputError(f"{len(names)} --wrt but {len(expect)} --expect; give one --expect "
                         "per --wrt, in the same order")
    pinned = parse_points(at)
    verdicts = [check_one(tape, w, g, points=points, seed=seed, pinned=pinned, fixed=fixed)
                for w, g in zip(names, expect, strict=True)]
    ok = all(v.equivalent for v in verdicts)
    f = tape.output_names[-1] if tape.output_names and tape.output_names[-1].isidentifier() \
        else "f"
    if fmt == "json":
        from gradcli.render import to_json

        text = to_json(_json(verdicts, ok))
    elif quiet:
        text = "".join(("equivalent" if v.equivalent else "different") + "\n" for v in verdicts)
    elif fmt in ("csv", "tsv", "plain"):
        text = _rows(_json(verdicts, ok)["partials"], fmt)
    else:
        text = "\n".join(_report(v, f, 6 if digits is None else digits) for v in verdicts)
    emit(text)
    return ExitStatus.of(ok)


def _rows(parts: list[dict[str, Any]], fmt: str) -> str:
    """One line per partial: csv/tsv with a header, or plain `name: value` lines."""
    cols = ["wrt", "expect", "equivalent", "points_tested", "diagnosis", "derivative"]
    rows = [[str(p[c]).lower() if isinstance(p[c], bool) else ("" if p[c] is None else str(p[c]))
             for c in cols] for p in parts]
    if fmt == "plain":
        return "".join(f"{r[0]}: {'right' if r[2] == 'true' else 'wrong'}; expected {r[1]}; "
                       f"derivative {r[5]}" + (f"; {r[4]}" if r[4] else "") + "\n"
                       for r in rows)
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
    writer.writerow(cols)
    writer.writerows(rows)
    return buf.getvalue()


def _sample_json(s: Any) -> dict[str, Any]:
    from gradcli.render import jnum

    return {"point": {n: jnum(v) for n, v in s.point.items()}, "yours": jnum(s.yours),
            "true": jnum(s.true)}


def _json(verdicts: list[Any], ok: bool) -> dict[str, Any]:
    from gradcli.checker import shown

    parts = []
    for v in verdicts:
        bad = shown(v)
        parts.append({"wrt": v.wrt, "expect": v.expect, "equivalent": v.equivalent,
                      "points_tested": len(v.samples),
                      "counterexample": _sample_json(bad[0]) if bad else None,
                      "counterexamples": [_sample_json(s) for s in bad],
                      "diagnosis": v.diagnosis or None, "derivative": v.derivative})
    first_bad = next((p for p in parts if not p["equivalent"]), parts[0])
    return {"equivalent": ok, "points_tested": min(p["points_tested"] for p in parts),
            "counterexample": first_bad["counterexample"], "diagnosis": first_bad["diagnosis"],
            "derivative": parts[0]["derivative"] if len(parts) == 1 else
            {p["wrt"]: p["derivative"] for p in parts},
            "partials": parts}


def _report(v: Any, f: str, digits: int) -> str:
    from gradcli.checker import shown
    from gradcli.render import fmt

    head = f"∂{f}/∂{v.wrt} = {v.expect}"
    skipped = "" if not v.undefined_answer else (
        f"\n  (your formula is undefined at {v.undefined_answer} of the points where the "
        "derivative is defined; those were skipped)")
    if v.equivalent:
        return f"✓ {head}\n  right: equal at all {len(v.samples)} points tested{skipped}\n"
    lines = [f"✗ {head}", "  wrong: " + v.diagnosis, f"  the derivative is: {v.derivative}"]
    bad = shown(v)
    if bad:
        rows = [("point", "yours", "true")]
        for s in bad:
            rows.append((", ".join(f"{n}={fmt(x, digits)}" for n, x in s.point.items()),
                         fmt(s.yours, digits), fmt(s.true, digits)))
        widths = [max(len(r[c]) for r in rows) for c in range(3)]
        n_bad = len(v.counterexamples)
        lines.append(f"  counterexamples ({n_bad} of {len(v.samples)} points differ):")
        for r in rows:
            lines.append("    " + "  ".join(r[c].rjust(widths[c]) if c else r[c].ljust(widths[c])
                                            for c in range(3)).rstrip())
    return "\n".join(lines) + "\n"
