"""A tape's outputs as LaTeX, for a homework write-up.

One loop over the tape, like `tape.expressions()`: each node's LaTeX and its
precedence, built from its arguments'.  Fractions become `\\frac`, powers
`x^{2}`, products juxtapose (`2 x \\cos(x)`), names with a digit suffix get a
subscript (`w1` -> `w_{1}`).
"""

from __future__ import annotations

import re

from gradcli.ops import PREC_ADD, PREC_ATOM, PREC_MUL, PREC_NEG, PREC_POW
from gradcli.tape import CONST, VAR, Tape

PREC_FRAC = PREC_POW + 1  # \frac{}{} needs no brackets, except as a base

_NAMED = {"sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "exp"}
_RENAMED = {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan", "log": r"\ln",
            "asec": r"\operatorname{arcsec}", "acsc": r"\operatorname{arccsc}",
            "acot": r"\operatorname{arccot}",
            "log2": r"\log_{2}", "log10": r"\log_{10}"}
_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "sigma",
          "tau", "phi", "omega", "pi", "rho", "eta", "kappa", "nu", "xi", "psi", "chi", "zeta"}


def name_tex(name: str) -> str:
    """`w1` -> `w_{1}`, `theta` -> `\\theta`, `x_max` -> `x_{max}`."""
    m = re.fullmatch(r"([^\W\d_]+)_?(\w*)", name)
    if not m:
        return name
    head, tail = m.groups()
    head = "\\" + head if head in _GREEK else head if len(head) == 1 else \
        rf"\mathit{{{head}}}"
    return f"{head}_{{{tail}}}" if tail else head


def _paren(t: str, p: int, need: int) -> str:
    return rf"\left({t}\right)" if p < need else t


def latex(tape: Tape) -> list[str]:
    """Each output of `tape` as LaTeX."""
    tex: list[str] = []
    prec: list[int] = []
    for i, op in enumerate(tape.ops):
        if op == VAR:
            tex.append(name_tex(tape.labels[i] or ""))
            prec.append(PREC_ATOM)
            continue
        if op == CONST:
            lab = tape.labels[i] or ""
            neg = lab.startswith("-")
            core = lab.lstrip("-")
            core = r"\pi" if core in ("pi", "π") else core
            if "e" in core.lower() and core not in ("e",) and core[0].isdigit():
                mant, _, ex = core.lower().partition("e")
                core = rf"{mant} \cdot 10^{{{int(ex)}}}"
            tex.append(("-" if neg else "") + core)
            prec.append(PREC_NEG if neg else PREC_ATOM)
            continue
        kids = [(tex[a], prec[a]) for a in tape.args[i]]
        t, p = _format(op, kids)
        tex.append(t)
        prec.append(p)
    return [tex[o] for o in tape.outputs]


def _whole_minus(t: str) -> bool:
    """A numerator whose leading minus belongs to the whole of it (no + or - further on)."""
    return not any(ch in "+-" for ch in t[1:].replace(r"\left(", "(").split("(")[0])


def _format(op: str, kids: list[tuple[str, int]]) -> tuple[str, int]:
    if op == "add":
        (a, pa), (b, pb) = kids
        return f"{a} + {b}", PREC_ADD
    if op == "sub":
        (a, pa), (b, pb) = kids
        return f"{a} - {_paren(b, pb, PREC_ADD + 1)}", PREC_ADD
    if op == "mul":
        (a, pa), (b, pb) = kids
        right = _paren(b, pb, PREC_MUL + 1)
        left = _paren(a, pa, PREC_MUL)
        # juxtapose, except where two numbers would run together
        sep = r" \cdot " if right[:1].isdigit() or right.startswith("-") else " "
        return f"{left}{sep}{right}", PREC_MUL
    if op == "div":
        (a, _), (b, _) = kids
        if a.startswith("-") and _whole_minus(a):  # -\frac{1}{x}, not \frac{-1}{x}
            return rf"-\frac{{{a[1:]}}}{{{b}}}", PREC_NEG
        return rf"\frac{{{a}}}{{{b}}}", PREC_FRAC
    if op == "neg":
        (a, pa), = kids
        return "-" + _paren(a, pa, PREC_MUL), PREC_NEG
    if op == "pow":
        (a, pa), (b, _) = kids
        return f"{_paren(a, pa, PREC_FRAC + 1)}^{{{b}}}", PREC_POW
    args = ", ".join(t for t, _ in kids)
    if op == "sqrt":
        return rf"\sqrt{{{args}}}", PREC_ATOM
    if op == "cbrt":
        return rf"\sqrt[3]{{{args}}}", PREC_ATOM
    if op == "abs":
        return rf"\left|{args}\right|", PREC_ATOM
    if op in _NAMED:
        head = "\\" + op
    elif op in _RENAMED:
        head = _RENAMED[op]
    else:
        head = rf"\operatorname{{{op}}}"
    return rf"{head}\left({args}\right)", PREC_ATOM
