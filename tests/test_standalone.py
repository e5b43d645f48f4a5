"""The generated standalone parser: current with the grammar, same parses, in the wheel."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from gradcli import _lalr_standalone
from gradcli.parser import _lark, grammar_path, parse
from gradcli.tape import expressions

ROOT = Path(__file__).resolve().parent.parent


def test_generated_parser_matches_grammar() -> None:
    text = (ROOT / "grammar" / "expr.lark").read_text(encoding="utf-8")
    assert _lalr_standalone.GRAMMAR == text, "grammar changed: run `make grammar`"
    assert _lalr_standalone.GRAMMAR_SHA256 == hashlib.sha256(text.encode()).hexdigest()


def test_generated_parser_is_trimmed_for_start_up() -> None:
    """`make grammar` drops what only Lark's cache and debug paths need."""
    import subprocess

    code = ("import sys, gradcli._lalr_standalone; "
            "print(sorted({'logging', 'pickle', 'lark'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr


def test_standalone_parser_is_the_one_used() -> None:
    assert type(_lark()).__module__ == "gradcli._lalr_standalone"


def test_lexers_are_made_for_the_states_a_parse_reaches() -> None:
    """The contextual lexer makes a state's lexer when the parse first reaches it
    (tools/trim_standalone.py), not all of them when the parser is built."""
    from gradcli.builder import Builder
    from gradcli.parser import _dispatch

    fresh = _lalr_standalone.Lark_StandAlone(transformer=_dispatch())
    lexers = fresh.parser.lexer.lexers
    assert len(lexers) == 0
    builder = Builder("x*y*z")
    fresh.options.transformer.target = builder
    fresh.parse("x*y*z", start="start")
    assert builder.tape.ops[-1] == "mul"
    assert 0 < len(lexers) < len(lexers.states)


CASES = ["x*y*z", "-x^2", "2^3^2", "log(3x^2 + 5x y)", "a = x^2; b = 3*a; log(b + x)",
         "sin^2(x) + √x", "x², y⁻¹", "x(x+1)", "1/(2x)", "e^x", "max(x, y, 3)",
         "xy + sin 2x cos x", "ln|x| + log_2 x + log_{10}(x)", "½x⁻² + ∛x + eˣ", "|x - |y||"]


@pytest.mark.parametrize("text", CASES)
def test_same_tape_as_lark_built_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The standalone tables and a parser built from the grammar by lark agree."""
    ours = parse(text)
    _lark.cache_clear()
    monkeypatch.setattr(_lalr_standalone, "GRAMMAR", "stale")
    try:
        assert type(_lark()).__module__.startswith("lark")  # the fallback path
        theirs = parse(text)
    finally:
        _lark.cache_clear()
    assert (ours.ops, ours.args, ours.consts) == (theirs.ops, theirs.args, theirs.consts)
    assert expressions(ours) == expressions(theirs)


@pytest.mark.parametrize("bad", ["x*(y", "x*y)", "x $ 2", "x +", "sin(,)"])
def test_same_errors_as_lark_built_parser(bad: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradcli.errors import ParseError

    with pytest.raises(ParseError) as ours:
        parse(bad)
    _lark.cache_clear()
    monkeypatch.setattr(_lalr_standalone, "GRAMMAR", "stale")
    try:
        with pytest.raises(ParseError) as theirs:
            parse(bad)
    finally:
        _lark.cache_clear()
    assert (ours.value.message, ours.value.pos) == (theirs.value.message, theirs.value.pos)


def test_grammar_path_is_the_checkout_grammar() -> None:
    assert Path(grammar_path()).read_bytes() == (ROOT / "grammar" / "expr.lark").read_bytes()


@pytest.mark.slow
def test_installed_wheel_runs(tmp_path: Path) -> None:
    """Build the wheel, install it into a fresh venv, and run `gradcli eval` from it."""
    pytest.importorskip("build")
    dist = tmp_path / "dist"
    # an isolated build, as a user's `pip wheel` would do it (fetches hatchling)
    built = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist),
                            str(ROOT)], capture_output=True, text=True)
    log = built.stdout[-2000:] + built.stderr[-2000:]
    if built.returncode != 0 and any(w in log for w in (
            "No matching distribution", "Could not find a version", "Failed to establish",
            "Temporary failure in name resolution")):
        pytest.skip("building the wheel needs hatchling from the network, which is unreachable")
    assert built.returncode == 0, log
    wheel = next(dist.glob("gradcli-*.whl"))
    import zipfile

    names = zipfile.ZipFile(wheel).namelist()
    assert "gradcli/grammar/expr.lark" in names
    assert "gradcli/grammar/latex.lark" in names  # LaTeX input's grammar (gradcli/texinput.py)
    assert "gradcli/_lalr_standalone.py" in names
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    deps = os.pathsep.join(p for p in sys.path if "site-packages" in p)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    # the dependencies (click, lark, rich) from this environment, without a network;
    # gradcli itself is only an editable .pth here, which PYTHONPATH does not read
    env["PYTHONPATH"] = deps
    gradcli = env_dir / "bin" / "gradcli"
    out = subprocess.run([str(gradcli), "eval", "log(3*x^2 + 5*x*y)", "--x", "2", "--y", "3",
                          "--wrt", "x", "-q"], capture_output=True, text=True, env=env,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    # seed 002: dz/dx = (6x + 5y)/(3x^2 + 5xy) = 27/42 at (2, 3)
    assert float(out.stdout) == pytest.approx(27 / 42, rel=1e-12)
    tex = subprocess.run([str(gradcli), "eval", r"\frac{\sqrt{x}}{2}", "--x", "4", "-q"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert tex.returncode == 0, tex.stderr  # the wheel's own copy of grammar/latex.lark
    assert [float(v) for v in tex.stdout.split()] == [1.0, 0.125]
    where = subprocess.run([str(py), "-c", "import gradcli.parser as p; print(p.__file__); "
                            "print(type(p._lark()).__module__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert str(env_dir) in where.stdout.splitlines()[0]
    assert where.stdout.splitlines()[1] == "gradcli._lalr_standalone"
    shutil.rmtree(env_dir)
