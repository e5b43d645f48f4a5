"""The house rules of gradcli's imports, checked by reading every module (ast, no import).

- No underscore name is imported from another module: a helper someone else needs
  lives in the wrong room (make it public where it belongs).
- No import cycle, counting imports inside functions too (they only hide one).
- The core never imports the command line: only cli.py and commands/ import click
  or gradcli.cli.
- No module imports a command module (the ones cli.COMMANDS loads by name): shared
  logic lives in the core, shared options in commands/options.py.
- No import inside a function repeats one the module already makes at the top (a lazy
  import is for start-up; a repeated one only hides where a name comes from).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import gradcli
from gradcli.cli import COMMANDS

PACKAGE = Path(gradcli.__file__).parent
GENERATED = {"gradcli._lalr_standalone"}  # Lark's generated parser: imports nothing of ours


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@dataclass(frozen=True)
class Import:
    importer: str
    line: int
    module: str  # what is imported from (absolute)
    name: str | None  # the name taken from it (None: `import module`)

    @property
    def target(self) -> str:
        """The gradcli module this import loads: a submodule when the name is one."""
        if self.name is not None and f"{self.module}.{self.name}" in MODULES:
            return f"{self.module}.{self.name}"
        return self.module

    def __str__(self) -> str:
        what = self.module if self.name is None else f"{self.module}.{self.name}"
        return f"{self.importer} (line {self.line}) imports {what}"


def _imports(name: str, path: Path) -> Iterator[Import]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, node.lineno, alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                yield Import(name, node.lineno, base, alias.name)


IMPORTS = [imp for name, path in MODULES.items() if name not in GENERATED
           for imp in _imports(name, path)]
OURS = [imp for imp in IMPORTS if imp.module == "gradcli" or imp.module.startswith("gradcli.")]


def test_the_walk_sees_the_package() -> None:
    """The rules below mean something only if the walk finds the modules and their imports."""
    assert {"gradcli.forward", "gradcli.reverse", "gradcli.cli", "gradcli.diagnose"} <= set(MODULES)
    assert any(imp.target == "gradcli.forward" and imp.importer == "gradcli.pipeline"
               for imp in OURS)
    assert len(COMMANDS) >= 9 and all(module in MODULES for module, _ in COMMANDS.values())


def test_no_underscore_name_is_imported_from_another_module() -> None:
    private = [str(imp) for imp in OURS
               if imp.name is not None and imp.name.startswith("_")
               # a private module of the package (the generated parser) is the package's own
               and not (imp.target in MODULES and imp.target != imp.module)]
    assert private == []


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in OURS:
        if imp.target in MODULES and imp.target not in (imp.importer, "gradcli"):
            graph[imp.importer].add(imp.target)
    # Tarjan's strongly connected components, with an explicit stack
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    assert cycles == []


def _is_command_line(name: str) -> bool:
    return name == "gradcli.cli" or name == "gradcli.__main__" or \
        name.startswith("gradcli.commands.") or name == "gradcli.commands"


def test_the_core_never_imports_click_or_the_cli() -> None:
    bad = [str(imp) for imp in IMPORTS if not _is_command_line(imp.importer)
           and (imp.module == "click" or imp.module.startswith("click.")
                or imp.target == "gradcli.cli")]
    assert bad == []


@pytest.mark.parametrize("command", sorted(module for module, _ in COMMANDS.values()))
def test_no_module_imports_a_command_module(command: str) -> None:
    """cli.py loads each command by name, lazily; nothing else imports one."""
    bad = [str(imp) for imp in OURS if imp.target == command]
    assert bad == []


def test_no_function_repeats_a_module_level_import() -> None:
    repeats = []
    for name, path in MODULES.items():
        if name in GENERATED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {imp.module for imp in _imports_in(name, path, tree.body)}
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                repeats += [str(imp) for imp in _imports_in(name, path, fn.body)
                            if imp.module in top]
    assert repeats == []


def _imports_in(name: str, path: Path, body: list[ast.stmt]) -> list[Import]:
    """The imports `body` makes when it runs: its own and its blocks', not its functions'
    nor those under `if TYPE_CHECKING:` (for annotations only)."""
    module = ast.Module(body=[s for s in body
                              if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                    ast.ClassDef)) and not _type_checking(s)],
                        type_ignores=[])
    found = []
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            found += [Import(name, node.lineno, a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found += [Import(name, node.lineno, node.module, a.name) for a in node.names]
    return found


def _type_checking(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)


# ---------------------------------------------------------------- start-up (issues 11, 13)
# What a plain successful eval at one point has imported when it ends, read from
# sys.modules in a fresh interpreter running the entry point (what the `gradcli` script
# runs).  Each module below is for errors, other commands, other inputs or other
# numbers: loading it for `eval "x*y*z" --x 2 ...` would make every run pay for it.
NOT_AT_START_UP = [
    "gradcli.spelling", "difflib", "unicodedata",  # hints in error messages
    "gradcli.definitions",  # programs with a header, a function or d/dx
    "gradcli.texinput", "gradcli._latex_tables", "lark",  # LaTeX input; lark itself
    "gradcli.render.jacobian", "gradcli.directional",  # several outputs, --direction
    "gradcli.batch", "gradcli.grid", "gradcli.exact", "gradcli.symbolic", "gradcli.simplify",
    "gradcli.taylor", "gradcli.partials", "gradcli.precise", "gradcli.checker",
    "gradcli.implicit", "gradcli.tangent", "gradcli.plotting", "gradcli.explain", "gradcli.diff",
    "mpmath", "gradcli.mpops",  # 50-digit sweeps: only where cancellation is suspected
    # array values (issue 15): NumPy and the array sweeps only when an array appears
    "numpy", "gradcli.arrays.engine", "gradcli.arrays.pipeline", "gradcli.arrays.values",
    "gradcli.arrays.table", "gradcli.arrays.check", "gradcli.render.arrays",
    "sympy", "logging", "pathlib", "csv",
]
ENTRY = ("import sys\n"
         "try:\n"
         "    from gradcli.cli import main\n"  # the `gradcli` script's own two lines
         "    main()\n"
         "finally:\n"
         "    sys.stderr.write('\\nmodules: ' + ' '.join(sorted(sys.modules)) + '\\n')\n")


def _imported(tmp: Path, *argv: str) -> set[str]:
    run = subprocess.run([sys.executable, "-c", ENTRY, *argv], capture_output=True, text=True,
                         cwd=tmp)  # not the checkout: nothing found beside it by accident
    assert run.returncode == 0, run.stderr[-2000:]
    return set(run.stderr.rsplit("modules: ", 1)[1].split())


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_plain_eval_imports_only_what_it_uses(fmt: str, tmp_path: Path) -> None:
    mods = _imported(tmp_path, "eval", "x*y*z", "--x", "2", "--y", "3", "--z", "4",
                     "--format", fmt)
    # the run is seen: the modules this eval does need are there
    assert {"gradcli.cli", "gradcli.commands.eval", "gradcli.parser", "gradcli.pipeline",
            "gradcli.render.eval"} <= mods
    assert ("rich.table" in mods) == (fmt == "table")  # Rich only for people's tables
    loaded = sorted(m for m in mods if any(m == bad or m.startswith(bad + ".")
                                           for bad in NOT_AT_START_UP))
    others = sorted(m for m in mods if m.startswith("gradcli.commands.")
                    and m not in ("gradcli.commands.eval", "gradcli.commands.options"))
    assert loaded == [] and others == []


def test_a_program_with_a_function_loads_its_rules(tmp_path: Path) -> None:
    """The lazy import is taken where it is needed (so the test above can fail)."""
    mods = _imported(tmp_path, "eval", "f(t) = t^2; f(x) + 1", "--x", "3", "--format", "json")
    assert "gradcli.definitions" in mods and "gradcli.spelling" not in mods
