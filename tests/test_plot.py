"""`gradcli plot`: sampling with gaps, the terminal plot, the image file, errors.

Oracles: the derivatives written by hand or by SymPy, evaluated with Python's
math; the PNG header for the image size.  plotext and matplotlib come with the
`plot` extra; the tests that draw skip, with the reason, where it is missing.
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Gradcli

from gradcli.errors import InputError
from gradcli.parser import parse
from gradcli.plotting import parse_range, pole_breaks, sample, segments, y_limits

try:
    import plotext  # noqa: F401

    HAVE_PLOTEXT = True
except ImportError:
    HAVE_PLOTEXT = False
try:
    import matplotlib  # noqa: F401

    HAVE_MPL = True
except ImportError:
    HAVE_MPL = False
needs_plotext = pytest.mark.skipif(not HAVE_PLOTEXT,
                                   reason="plotext is not installed (pip install 'gradcli[plot]')")
needs_mpl = pytest.mark.skipif(not HAVE_MPL,
                               reason="matplotlib is not installed (pip install 'gradcli[plot]')")


# ---------------------------------------------------------------- ranges and samples

def test_range_start_stop() -> None:
    xs = parse_range("x", "-3:3")
    assert len(xs) == 401 and xs[0] == -3 and xs[-1] == 3 and xs[200] == 0
    assert all(b > a for a, b in zip(xs, xs[1:], strict=False))
    assert parse_range("x", "0:pi", 5)[-1] == math.pi


def test_range_with_step() -> None:
    assert parse_range("x", "0:1:0.25") == [0, 0.25, 0.5, 0.75, 1]


@pytest.mark.parametrize("text", ["3:-3", "1:", ":2", "a:b", "0:1:0", "1:2:3:4", "2:2"])
def test_bad_ranges(text: str) -> None:
    with pytest.raises(InputError):
        parse_range("x", text)


def test_log_has_gaps_where_undefined() -> None:
    """log(x) over -1:1: undefined for x <= 0 (a gap), 1/x elsewhere."""
    xs = parse_range("x", "-1:1")
    s = sample(parse("log(x)"), "x", xs, {}, "x")
    for x, f, df in zip(s.xs, s.f, s.df, strict=True):
        if x <= 0:
            assert math.isnan(f) and math.isnan(df)
        else:
            assert f == pytest.approx(math.log(x), rel=1e-15)
            assert df == pytest.approx(1 / x, rel=1e-15)
    assert s.gaps() == (201, 201)
    assert "log" in s.first_error
    assert len(segments(s.xs, s.f)) == 1


def test_derivative_gap_where_only_the_slope_is_undefined() -> None:
    s = sample(parse("sqrt(x)"), "x", parse_range("x", "0:1", 11), {}, "x")
    assert s.f[0] == 0 and math.isnan(s.df[0])
    assert s.df[1:] == pytest.approx([0.5 / math.sqrt(x) for x in s.xs[1:]], rel=1e-14)
    assert s.gaps() == (0, 1)


def test_interior_gap_splits_the_curve() -> None:
    s = sample(parse("1/x"), "x", parse_range("x", "-1:1", 21), {}, "x")
    assert len(segments(s.xs, s.f)) == 2 and math.isnan(s.f[10])


@pytest.mark.parametrize("text, wrt", [("sin(x)*y + x^2/y", "x"), ("sin(x)*y + x^2/y", "y"),
                                       ("exp(-x*x)*atan(y*x)", "x")])
def test_samples_against_sympy(text: str, wrt: str) -> None:
    sympy = pytest.importorskip("sympy")
    x, y = sympy.symbols("x y")
    f = sympy.sympify(text.replace("^", "**"), locals={"x": x, "y": y})
    df = sympy.lambdify((x, y), sympy.diff(f, {"x": x, "y": y}[wrt]), "math")
    fv = sympy.lambdify((x, y), f, "math")
    s = sample(parse(text), "x", parse_range("x", "-2:2", 41), {"y": 1.5}, wrt)
    assert s.f == pytest.approx([fv(t, 1.5) for t in s.xs], rel=1e-13, abs=1e-15)
    assert s.df == pytest.approx([df(t, 1.5) for t in s.xs], rel=1e-13, abs=1e-15)


def test_y_axis_clipped_near_a_pole_only() -> None:
    near_pole = sample(parse("1/x^2"), "x", parse_range("x", "-1:1"), {}, "x")
    lim = y_limits(near_pole)
    assert lim is not None and lim[1] < 1000
    smooth = sample(parse("x^3 - 3*x"), "x", parse_range("x", "-2.5:2.5"), {}, "x")
    assert y_limits(smooth) is None


def test_no_line_joins_the_two_sides_of_a_pole() -> None:
    """tan over -3:3 jumps from +big to -big at ±pi/2: a gap there, not a vertical stroke."""
    s = sample(parse("tan(x)"), "x", parse_range("x", "-3:3"), {}, "x")
    lim = y_limits(s)
    assert lim is not None
    xs, ys = pole_breaks(s.xs, s.f, lim)
    runs = segments(xs, ys)
    assert len(runs) == 3  # (-3, -pi/2), (-pi/2, pi/2), (pi/2, 3)
    for (_, a), (_, b) in zip(runs, runs[1:], strict=False):
        assert a[-1] > lim[1] and b[0] < lim[0]
    assert pole_breaks(s.xs, s.f, None) == (s.xs, s.f)


# ---------------------------------------------------------------- the terminal plot

@needs_plotext
def test_terminal_plot(gradcli: Gradcli) -> None:
    res = gradcli("plot", "x^3 - 3*x", "--x", "-2.5:2.5", "--at", "1", "--width", "90",
                  "--height", "24")
    assert res.code == 0 and res.err == "", res.err
    lines = res.out.splitlines()
    assert "f(x) = x^3 - 3*x" in lines[0]
    assert "f(x)" in res.out and "∂f/∂x" in res.out and "tangent" in res.out  # legend
    assert any(line.strip().endswith("x") for line in lines)  # the x axis label
    assert "\x1b[" not in res.out
    # x^3 - 3x at 1: f = -2, f' = 3x^2 - 3 = 0
    assert "at x = 1: f = -2, ∂f/∂x = 0" in lines
    plot_lines = lines[:lines.index("at x = 1: f = -2, ∂f/∂x = 0")]
    assert 20 <= len(plot_lines) <= 24 and max(len(line) for line in plot_lines) <= 90
    assert "●" in res.out  # the point of interest


@needs_plotext
def test_terminal_plot_says_where_the_gaps_are(gradcli: Gradcli) -> None:
    res = gradcli("plot", "log(x)", "--x", "-1:1")
    assert res.code == 0, res.err
    assert "f is undefined at 201 of 401 points (gaps in the plot)" in res.out


@needs_plotext
def test_other_variables_held(gradcli: Gradcli) -> None:
    res = gradcli("plot", "log(x*y)", "--x", "0.5:4", "--y", "2", "--at", "1")
    assert res.code == 0, res.err
    assert "(y = 2)" in res.out
    assert f"at x = 1: f = {math.log(2):.4g}, ∂f/∂x = 1" in res.out


def test_missing_plotext_says_how_to_install(gradcli: Gradcli,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "plotext", None)  # makes `import plotext` fail
    res = gradcli("plot", "x^2", "--x", "-1:1")
    assert res.code == 2 and res.out == ""
    assert "plotext" in res.err and "pip install 'gradcli[plot]'" in res.err


def test_missing_matplotlib_says_how_to_install(gradcli: Gradcli, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    res = gradcli("plot", "x^2", "--x", "-1:1", "--output", str(tmp_path / "p.png"))
    assert res.code == 2 and "pip install 'gradcli[plot]'" in res.err
    assert list(tmp_path.iterdir()) == []


def test_importing_the_command_loads_no_plotting_library() -> None:
    code = ("import sys, gradcli.commands.plot, gradcli.plotting; "
            "print('plotext' in sys.modules, 'matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["False", "False"]


# ---------------------------------------------------------------- images

def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@needs_mpl
@pytest.mark.parametrize("size", [None, (640, 480), (1001, 333)])
def test_png_has_the_requested_size(gradcli: Gradcli, tmp_path: Path,
                                    size: tuple[int, int] | None) -> None:
    out = tmp_path / "plot.png"
    extra = [] if size is None else ["--width", str(size[0]), "--height", str(size[1])]
    res = gradcli("plot", "sin(x)", "--x", "-3:3", "--at", "1", "-o", str(out), *extra)
    assert res.code == 0 and res.out == f"wrote {out}\n", res.err
    assert _png_size(out.read_bytes()) == (size or (800, 500))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plot.png"]


@needs_mpl
def test_png_is_a_real_image_with_both_curves(gradcli: Gradcli, tmp_path: Path) -> None:
    """Decode the PNG: the blue curve (f) and the red one (the derivative) are both drawn."""
    image = pytest.importorskip("matplotlib.image")
    out = tmp_path / "p.png"
    assert gradcli("plot", "log(x)", "--x", "-1:3", "-o", str(out), "-q").code == 0
    pixels = image.imread(str(out))
    assert pixels.shape[:2] == (500, 800)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    blue = ((b > 0.6) & (r < 0.3) & (g > 0.35) & (g < 0.6)).sum()  # tab:blue
    red = ((r > 0.7) & (g < 0.3) & (b < 0.3)).sum()  # tab:red
    assert blue > 300 and red > 300


@needs_mpl
def test_svg_and_pdf(gradcli: Gradcli, tmp_path: Path) -> None:
    svg, pdf = tmp_path / "p.svg", tmp_path / "p.pdf"
    assert gradcli("plot", "x^2", "--x", "-1:1", "-o", str(svg)).code == 0
    text = svg.read_text(encoding="utf-8")
    assert text.startswith("<?xml") and "<svg" in text
    assert gradcli("plot", "x^2", "--x", "-1:1", "-o", str(pdf)).code == 0
    assert pdf.read_bytes().startswith(b"%PDF")


# ---------------------------------------------------------------- samples as data

def test_csv_leaves_gaps_empty(gradcli: Gradcli) -> None:
    res = gradcli("plot", "log(x)", "--x", "-1:1:0.5", "--format", "csv")
    assert res.code == 0, res.err
    rows = [line.split(",") for line in res.out.splitlines()]
    assert rows[0] == ["x", "f", "∂f/∂x"]
    assert rows[1:4] == [["-1", "", ""], ["-0.5", "", ""], ["0", "", ""]]
    assert float(rows[4][1]) == math.log(0.5) and float(rows[4][2]) == 2


def test_json_samples(gradcli: Gradcli) -> None:
    res = gradcli("plot", "x^2*y", "--x", "-1:1", "--y", "3", "--points", "5", "--wrt", "y",
                  "--at", "0.5", "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data["wrt"] == "y" and data["fixed"] == {"y": 3.0}
    assert [p["x"] for p in data["samples"]] == [-1, -0.5, 0, 0.5, 1]
    for p in data["samples"]:
        assert p["value"] == pytest.approx(3 * p["x"] ** 2)
        assert p["derivative"] == pytest.approx(p["x"] ** 2)  # ∂(x^2 y)/∂y
    assert data["at_value"] == 0.75 and data["at_derivative"] == 0.25


def test_plain_columns_for_gnuplot(gradcli: Gradcli) -> None:
    res = gradcli("plot", "x^2", "--x", "0:2:1", "--format", "plain")
    assert res.out == "# x f ∂f/∂x\n0 0 0\n1 1 2\n2 4 4\n"


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("argv, code, words", [
    (["x^2", "--x", "2"], 2, "no range"),
    (["x*y", "--x", "0:1", "--y", "0:1"], 2, "both have ranges"),
    (["x*y", "--x", "0:1"], 2, "no value for the variable y"),
    (["y^2", "--x", "0:1", "--y", "1"], 2, "x is not a variable"),
    (["x^2", "--x", "0:1", "--wrt", "z"], 2, "--wrt z"),
    (["x^2", "--x", "1:0"], 2, "smaller to a larger"),
    (["log(x)", "--x", "-2:-1"], 3, "undefined at every point"),
    (["x^2", "--x", "0:1", "--output", "p.gif"], 2, "unknown image type .gif"),
    (["x, x^2", "--x", "0:1"], 2, "one function"),
    (["x^2", "--x", "0:1:0.1", "--points", "5"], 2, "--points and a step"),
])
def test_errors(gradcli: Gradcli, argv: list[str], code: int, words: str) -> None:
    res = gradcli("plot", *argv)
    assert res.code == code and res.out == "", (res.code, res.out)
    assert words in res.err and "Traceback" not in res.err
    assert res.err.count("\n") <= 3


def test_at_may_be_negative_or_an_expression(gradcli: Gradcli) -> None:
    res = gradcli("plot", "x^2", "--x", "-3:3", "--at", "-1.5", "--format", "json")
    assert res.code == 0 and json.loads(res.out)["at_derivative"] == -3
    res = gradcli("plot", "sin(x)", "--x", "0:pi", "--at", "pi/3", "--format", "json")
    assert json.loads(res.out)["at_derivative"] == pytest.approx(0.5, rel=1e-15)


@needs_plotext
@needs_mpl
def test_help_examples_run(gradcli: Gradcli, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    monkeypatch.chdir(tmp_path)
    res = gradcli("plot", "--help")
    assert res.code == 0 and "Examples:" in res.out
    examples = [ln.strip() for ln in res.out.splitlines() if ln.strip().startswith("gradcli ")]
    assert len(examples) >= 3
    for line in examples:
        assert gradcli(*shlex.split(line)[1:]).code == 0, line
