"""The command line: the only place that knows stdout, stderr and exit codes.

Commands live in gradcli/commands/, one module each, imported only when run, so
`gradcli eval --format json` never pays for Rich or for another command's imports.
Errors from the core arrive as GradcliError and leave here as one line on stderr
and an exit status (0 fine, 1 a check said no, 2 bad input, 3 domain error).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from gradcli.errors import ExitStatus, GradcliError

if TYPE_CHECKING:
    from gradcli.render import Options, Result

# name -> (module, one-line help); the help is here so `gradcli --help` imports nothing
COMMANDS: dict[str, tuple[str, str]] = {
    "eval": ("gradcli.commands.eval", "Value and gradient at a point, checked against finite "
                                      "differences."),
    "graph": ("gradcli.commands.graph", "The computational graph with values, gradients and "
                                        "edge partials (terminal, DOT, Mermaid, SVG/PNG)."),
    "jacobian": ("gradcli.commands.jacobian", "Jacobian of several outputs, every entry checked."),
    "hessian": ("gradcli.commands.hessian", "Hessian at a point: minimum, maximum or saddle?"),
    "taylor": ("gradcli.commands.taylor", "Taylor polynomial of one variable, as a formula."),
    "diff": ("gradcli.commands.diff", "Each partial derivative as a simplified formula."),
    "check": ("gradcli.commands.check", "Is this my derivative? Exit 0 yes, 1 no, with a "
                                        "diagnosis."),
    "plot": ("gradcli.commands.plot", "Plot f and its derivative over a range (terminal, "
                                      "PNG, SVG)."),
    "explain": ("gradcli.commands.explain", "The chain rule as a ledger: forward steps, "
                                            "backward edges, fan-out sums, paths."),
    "implicit": ("gradcli.commands.implicit", "dy/dx on a curve lhs = rhs, and at a point on it."),
    "tangent": ("gradcli.commands.tangent", "Tangent line or plane (and normal line) at a point."),
    # (more commands register here, one line each)
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(COMMANDS[name][0])
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([*((n, h) for n, (_, h) in COMMANDS.items()),
                                ("help", "This help, or a command's: gradcli help COMMAND.")])

    # click turns an EPIPE into exit 1 ("a check said no") before run() sees it: the
    # two places output happens (--help while parsing, the command) say so instead
    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            raise _ReaderGone from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise _ReaderGone from None


class _ReaderGone(Exception):
    """stdout's reader went away (`| head -1`): not an error of ours."""


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gradcli", message="%(prog)s %(version)s")
def cli() -> None:
    """gradcli: derivatives at the command line, shown the way a computational graph works.

    \b
    Examples:
      gradcli eval "x*y*z" --x 2 --y 3 --z 4
      gradcli eval "log(3x^2 + 5x y)" x=2 y=3 --format json
      gradcli eval --x 2 -- "-x^2"

    Exit status: 0 fine, 1 a check said no, 2 bad input or usage,
    3 a math domain error at the point.
    """


# ---------------------------------------------------------------- variables in argv

def normalize_argv(argv: list[str], command: click.Command | None) -> list[str]:
    """Options first, then `--` and the expression and values, so click cannot misread them.

    Only a word that is exactly one of the command's options (or `--option=value`)
    is an option; any other word that starts with '-' is the expression or a value
    (`-sqrt(x)`, `-h*x`, `-(theta)`): click would carve it into a cluster of short
    options.  `--NAME VALUE` / `--NAME=VALUE` for any other name is a variable's
    value, wherever it stands.  `--` makes the next word the expression whatever it
    looks like (`-- -q`); the words after it are read as before.
    """
    if command is None:
        return argv
    known: dict[str, bool] = {}  # option spelling -> takes a value
    for p in command.params:
        if isinstance(p, click.Option):
            for spelling in [*p.opts, *p.secondary_opts]:
                known[spelling] = not p.is_flag and not p.count
    known.setdefault("--help", False)
    known.setdefault("-h", False)
    options: list[str] = []
    words: list[str] = []  # the expression and values, in order
    i = 0
    while i < len(argv):
        a = argv[i]
        head = a.split("=", 1)[0]
        if a == "--":
            words.extend(argv[i + 1: i + 2])
            i += 1
        elif a in known or (a.startswith("--") and head in known):
            if known[head] and "=" not in a and i + 1 < len(argv):
                # `--opt=VALUE` keeps a value such as `-2x` from looking like an option
                options.append(f"{a}={argv[i + 1]}" if a.startswith("--") else a)
                if not a.startswith("--"):
                    options.append(argv[i + 1])
                i += 1
            else:
                options.append(a)
        elif a.startswith("--") and len(a) > 2 and _is_name(head[2:]):
            if "=" in a:
                words.append(VALUE_MARK + a[2:])
            elif i + 1 < len(argv) and argv[i + 1] not in known and argv[i + 1] != "--" and \
                    not (argv[i + 1].startswith("--") and argv[i + 1].split("=", 1)[0] in known):
                words.append(f"{VALUE_MARK}{head[2:]}={argv[i + 1]}")
                i += 1
            else:
                raise click.UsageError(f"{a} needs a value, e.g. {a} 2")
        else:
            words.append(a)
        i += 1
    return [*options, "--", *words] if words else options


# Marks a value that came from `--NAME VALUE`, so it can stand before EXPR
# (`gradcli eval --x 2 -- "-x^2"`) without being taken for a program `x=2`.
VALUE_MARK = "\x1f"


def _is_name(s: str) -> bool:
    return s.replace("_", "a").isalnum() and not s[0].isdigit()


# ---------------------------------------------------------------- errors

def error_text(err: GradcliError) -> str:
    """One line (and, for a position, the text with a caret under it).

    No control character from the input reaches the terminal or a pipe: in the
    message they are written as escapes (\\x1b); in the source line under which
    the caret stands, as one '?' each, so the caret stays under its column."""
    from gradcli.render import CONTROL, clean

    where = err.location()
    line = f"gradcli: error: {err.message}"
    if where and where not in err.message:
        line += f" (at {where})"
    if err.hint:
        line += f"; {err.hint}"
    out = [line]
    if err.pos is not None and err.text:
        start = err.text.rfind("\n", 0, err.pos) + 1
        end = err.text.find("\n", err.pos)
        src = err.text[start: end if end >= 0 else len(err.text)]
        col = err.pos - start
        lo = max(0, col - 40)  # a window, for long inputs
        shown = CONTROL.sub("?", src[lo: col + 40].replace("\t", " "))
        if shown.strip():
            out.append("  " + shown)
            out.append("  " + " " * (col - lo) + "^")
    out[0] = clean(out[0])
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and exit with gradcli's status codes."""
    status = run(sys.argv[1:] if argv is None else argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left after the last write: still exit 0
        _quiet_stdout()
    sys.exit(status)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass
    finally:
        os.close(devnull)


def _help_argv(argv: list[str]) -> list[str]:
    """`gradcli help [COMMAND]` as `gradcli [COMMAND] --help`."""
    rest = argv[1:]
    if len(rest) > 1 or (rest and rest[0] not in COMMANDS):
        raise click.UsageError(f"no command {' '.join(rest)!r}; commands: "
                               + ", ".join(COMMANDS))
    return [*rest, "--help"]


def run(argv: list[str]) -> int:
    """Run a command line; return the exit status (for tests and main)."""
    try:
        if argv[:1] == ["help"]:
            argv = _help_argv(argv)
        if argv and argv[0] in COMMANDS:
            command = cli.get_command(click.Context(cli), argv[0])
            argv = [argv[0], *normalize_argv(argv[1:], command)]
        return int(cli.main(argv, prog_name="gradcli", standalone_mode=False) or 0)
    except GradcliError as e:
        sys.stderr.write(error_text(e))
        return e.exit_code
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.Abort:
        sys.stderr.write("gradcli: aborted\n")
        return ExitStatus.INTERRUPTED
    except click.exceptions.NoArgsIsHelpError as e:  # a bare `gradcli`: the usage, whole
        sys.stderr.write("gradcli: error: no command given; the usage:\n\n"
                         + e.ctx.get_help() + "\n")
        return ExitStatus.BAD_INPUT
    except click.ClickException as e:
        msg = e.format_message().replace("\n", " ")
        sys.stderr.write(_clean(f"gradcli: error: {msg}") + "\n")
        return ExitStatus.BAD_INPUT
    except (BrokenPipeError, _ReaderGone):
        # the reader went away (e.g. `| head`): not our error
        _quiet_stdout()
        return ExitStatus.OK
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except RecursionError:
        sys.stderr.write("gradcli: internal error: recursion limit (please report this)\n")
        return ExitStatus.INTERNAL
    except MemoryError:
        sys.stderr.write("gradcli: error: out of memory; the input is too large\n")
        return ExitStatus.BAD_INPUT
    except Exception as e:  # noqa: BLE001 - the last line of defence against tracebacks
        sys.stderr.write(_clean(f"gradcli: internal error: {type(e).__name__}: {e} "
                                "(please report this)") + "\n")
        return ExitStatus.INTERNAL


def show(result: Result, fmt: str, digits: int | None, quiet: bool,
         wrt: tuple[str, ...] | list[str]) -> int:
    """The end of every command: the result written in the format asked, its exit status."""
    from gradcli.render import Options

    text, status = written(result, Options(fmt, quiet, digits, list(wrt), terminal_width(),
                                           want_color()))
    emit(text)
    return status


def written(result: Result, options: Options) -> tuple[str, ExitStatus]:
    """The result's text and exit status; its messages (read as, warnings) go to stderr now."""
    from gradcli.render import write

    out = write(result, options)
    for line in out.messages:
        say(line)
    return out.text, out.status


def say(line: str) -> None:
    """A line for the person at the terminal, not part of the result: stderr."""
    sys.stderr.write(_clean(line) + "\n")


def emit(text: str) -> None:
    """Write a whole result to stdout at once (nothing half-written on an error)."""
    sys.stdout.write(text)
    sys.stdout.flush()


def want_color() -> bool:
    """Colour only for a terminal, and never under NO_COLOR."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and \
        os.environ.get("TERM") != "dumb"


def terminal_width() -> int | None:
    """The terminal's width; piped or redirected, $COLUMNS when it is set (as `ls` does)."""
    try:
        if sys.stdout.isatty():
            return os.get_terminal_size(sys.stdout.fileno()).columns
    except OSError:
        pass
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and 10 <= int(columns) <= 10_000 else None


def warn(message: str) -> None:
    """A warning: stderr, one line, never in the result."""
    sys.stderr.write(_clean(f"gradcli: warning: {message}") + "\n")


def _clean(text: str) -> str:
    """No control or bidi character from the input on stderr either (render.clean)."""
    from gradcli.render import clean

    return clean(text)
