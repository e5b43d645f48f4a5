"""`gradcli graph`: the computational graph with values, gradients and edge partials."""

from __future__ import annotations

import os
import shutil
import subprocess

import click

from gradcli.cli import emit, show, warn, written
from gradcli.commands.options import VALUE_SETTINGS, split_args
from gradcli.errors import ExitStatus, GradcliError, InputError

# The graph speaks its own formats: pictures as text, besides JSON and plain lines.
# the shared formats (table is the drawing here) and the two graph languages
GRAPH_FORMATS = ("tree", "table", "dot", "mermaid", "json", "csv", "tsv", "plain")
# --output FILE: what each extension holds
RENDERED = (".svg", ".png", ".pdf")  # drawn by Graphviz's dot
TEXT_FORMATS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid",
                ".json": "json", ".csv": "csv", ".tsv": "tsv", ".txt": "table"}
FILE_WIDTH = 100  # a drawing written to a file: no terminal to fit
DOT_TIMEOUT = 300  # seconds; dot on a huge graph can take minutes

INSTALL_GRAPHVIZ = ("install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; "
                    "macOS: brew install graphviz; Windows: winget install graphviz), "
                    "or write DOT text instead: --output graph.dot")


@click.command("graph", context_settings=VALUE_SETTINGS)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, metavar="EXPR [NAME=VALUE]...")
@click.option("-f", "--file", type=click.Path(allow_dash=True, dir_okay=False),
              help="Read the expression or program from FILE ('-': standard input).")
@click.option("--format", "fmt", type=click.Choice(GRAPH_FORMATS), default=None,
              help="tree (or table): drawn in the terminal (default); dot: Graphviz; "
                   "mermaid: a Mermaid flowchart; json; csv/tsv: a row per node and edge; "
                   "plain: one line per node and edge.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE instead: .svg, .png or .pdf rendered by Graphviz's dot; "
                   ".dot/.gv, .mmd, .json or .txt as text.")
@click.option("--digits", type=click.IntRange(1, 17), default=None,
              help="Significant digits on the picture (default 4; json: full precision).")
@click.option("--max-rows", type=click.IntRange(5, 1_000_000), default=60, show_default=True,
              help="Rows of the terminal drawing before the graph is summarised.")
@click.option("-q", "--quiet", is_flag=True, help="Do not say which file was written.")
def command(args: tuple[str, ...], file: str | None, fmt: str | None, output: str | None,
            digits: int | None, max_rows: int, quiet: bool) -> int:
    """Draw EXPR's computational graph: each node's operation, value and gradient
    (∂output/∂node), and on each edge the local partial (∂node/∂input).

    Without values the drawing shows the structure only; with a value for every
    input it shows the numbers.  A node used twice is drawn once and referenced
    elsewhere, with its gradient written as the sum over its uses.

    \b
    Examples:
      gradcli graph "a = x^2; b = 3*a; c = x*y; d = 5*c; e = b + d; z = log(e)" --x 2 --y 3
      gradcli graph "x*y + sin(x)"
      gradcli graph "log(3*x^2 + 5*x*y)" --x 2 --y 3 --format mermaid
      gradcli graph "w*x + b" --w 2 --x 3 --b 1 --output graph.svg
      gradcli graph "sum(tanh(W @ x))" --W "[[1, 2], [3, 4]]" --x "[1, -1]"

    Exit status: 0 fine, 2 bad input (or Graphviz missing for --output .svg/.png/.pdf),
    3 a math domain error at the point.
    """
    from gradcli.graphtext import picture
    from gradcli.parser import has_array_ops, parse
    from gradcli.pipeline import parse_value
    from gradcli.reading import read_as
    from gradcli.render import Options, Result

    kind = _kind(fmt, output)
    source, raw = split_args(args, file)
    if any(t.lstrip()[:1] in ("[", "@") for t in raw.values()):  # an array value: issue 15
        from gradcli.commands.arrays import read_values

        values = read_values(raw)
    else:
        values = {name: parse_value(name, text) for name, text in raw.items()}
    tape = parse(source, known=values, arrays=True)
    at = None if not values and tape.variables else values
    # no values at all: the structure only (a constant expression still has numbers)
    if has_array_ops(tape) or any(hasattr(v, "shape") for v in values.values()):
        from gradcli.commands.arrays import graph_arrays

        result = graph_arrays(tape, at, max_rows)
    else:
        pic = picture(tape, at)
        for w in pic.warnings:
            warn(w)
        result = Result("graph", pic, read_as=read_as(tape), notes=list(pic.notes),
                        extra={"max_rows": max_rows})
    if output is None:
        return show(result, kind, digits, False, ())
    if kind in RENDERED:
        text, _ = written(result, Options("dot", digits=digits))
        _render_with_dot(text, output, kind[1:])
    else:
        from gradcli.files import write_atomic

        text, _ = written(result, Options(kind, digits=digits, width=FILE_WIDTH))
        write_atomic(output, text.encode())
    if not quiet:
        emit(f"wrote {output}\n")
    return ExitStatus.OK


def _kind(fmt: str | None, output: str | None) -> str:
    """The format asked for: --format, or what --output's extension says."""
    if fmt == "tree":
        fmt = "table"  # the drawing
    if output is None:
        return fmt or "table"
    ext = os.path.splitext(output)[1].lower()
    if ext in RENDERED:
        if fmt not in (None, "dot"):
            raise InputError(f"--output {output} is drawn from DOT; --format {fmt} does not "
                             "apply", hint="drop --format, or pick a text file: .dot, .mmd")
        return ext
    if ext not in TEXT_FORMATS:
        raise InputError(f"--output {output}: unknown file type {ext or '(none)'}",
                         hint="use .svg, .png, .pdf (Graphviz), .dot, .gv, .mmd, .json or .txt")
    if fmt is not None and fmt != TEXT_FORMATS[ext]:
        raise InputError(f"--format {fmt} does not match --output {output}",
                         hint=f"{ext} holds {TEXT_FORMATS[ext]}")
    return TEXT_FORMATS[ext]


def find_dot() -> str | None:
    """Graphviz's dot on PATH, or None."""
    return shutil.which("dot")


def _render_with_dot(dot_text: str, output: str, fmt: str) -> None:
    """`dot -T<fmt>` into a temporary file beside OUTPUT, renamed when complete."""
    from gradcli.files import write_with

    dot = find_dot()
    if dot is None:
        raise GradcliError(f"writing {output} needs Graphviz's dot, which is not installed",
                           hint=INSTALL_GRAPHVIZ)

    def fill(tmp: str) -> None:
        try:
            done = subprocess.run([dot, f"-T{fmt}", "-o", tmp], input=dot_text.encode(),
                                  capture_output=True, timeout=DOT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise GradcliError(f"Graphviz's dot took longer than {DOT_TIMEOUT} s on this "
                               "graph", hint="write DOT text with --output graph.dot") from None
        except OSError as e:
            raise GradcliError(f"cannot run Graphviz's dot ({dot}): {e.strerror}") from None
        if done.returncode != 0:
            first = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])
            raise GradcliError(f"Graphviz's dot failed: {first[0]}")

    write_with(output, fill)
