"""The plots of a live page: the part of matplotlib's pyplot the chapters
use, drawn as SVG from the reader's own numbers.

The site ships no matplotlib (tens of megabytes of WebAssembly wheels, and
nothing may be downloaded when a reader opens a page). So the page's
Python gets this module as `matplotlib.pyplot` (and a `matplotlib.ticker`
with the one locator the book uses): the chapters call `plt.plot(...)`
exactly as they do in Jupyter, where real matplotlib draws the book's
figures. What it draws: lines and markers (format strings such as 'o-' and
'--'), linear and log axes, scatter plots, horizontal lines, stacked
horizontal bars with text, a filled two-class region and its boundary
(`contourf`/`contour` at one level), titles, labels, legends, subplots; in
the book's style (tangle/kernel.py: the palette's colour cycle, left and
bottom spines, a light grid, white figures). As in Jupyter, every figure a
cell draws is shown when the cell ends (runner.py calls `take_figures`).

A call the book does not make says so, with the fix, instead of drawing
something else: "the page's plots do not have ...: run the notebook".

Standard library only.
"""

import json
import os

_PALETTE = os.path.join(os.path.dirname(__file__), "palette.json")
FG, MUTED, GRID = "#1b1b1b", "#4d4d4d", "#b0b0b0"
DPI = 100
NAMED = {"black": "#000000", "gray": "#808080", "grey": "#808080", "white": "#ffffff"}
LETTERS = {"b": 0, "r": 1, "g": 2, "k": "#000000"}
MARKERS = "os.^v"


def cycle():
    """The book's colour cycle, from the palette the build ships beside
    this file (micrograd/figures/palette.json); matplotlib's where absent."""
    try:
        with open(_PALETTE, encoding="utf-8") as file:
            palette = json.load(file)
        return [palette["okabe_ito"][name] for name in palette["cycle"]]
    except OSError:
        return ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]


def unsupported(what):
    return NotImplementedError(
        f"the page's plots do not have {what}: this cell draws in Jupyter "
        f"(download the notebook), or change it to what the book's plots use"
    )


def colour(value, index=0):
    """A colour as SVG takes it: 'C3' (the cycle), a name, a letter, hex."""
    if value is None:
        return cycle()[index % len(cycle())]
    text = str(value)
    if len(text) == 2 and text[0] == "C" and text[1].isdigit():
        return cycle()[int(text[1]) % len(cycle())]
    if text in NAMED:
        return NAMED[text]
    if text in LETTERS:
        got = LETTERS[text]
        return got if isinstance(got, str) else cycle()[got]
    if text.startswith("#"):
        return text
    raise unsupported(f"the colour {value!r} (use 'C0' to 'C7', a name such as 'black', or hex)")


def parse_format(fmt):
    """'o-' -> (marker 'o', line '-'); '--' -> (None, '--'); 'o' -> ('o', None)."""
    marker, line, colour_letter = None, None, None
    rest = fmt
    for style in ("--", "-.", "-", ":"):
        if style in rest:
            line, rest = style, rest.replace(style, "", 1)
            break
    for char in rest:
        if char in MARKERS:
            marker = char
        elif char in LETTERS:
            colour_letter = char
        else:
            raise unsupported(f"the format {fmt!r}")
    if marker is None and line is None:
        line = "-"
    return marker, line, colour_letter


class Series:
    """One thing drawn on axes: a line, markers, bars or a filled region."""

    def __init__(self, kind, xs, ys, colour, label=None, **style):
        self.kind, self.xs, self.ys = kind, list(xs), list(ys)
        self.colour, self.label, self.style = colour, label, style


class Locator:
    """matplotlib.ticker.LogLocator: the page's log axes tick every power
    of ten already, so it is accepted and changes nothing."""

    def __init__(self, *args, **options):
        pass


class Axis:
    def __init__(self):
        self.minor = None

    def set_minor_locator(self, locator):
        self.minor = locator


class Axes:
    def __init__(self, figure):
        self.figure = figure
        self.series = []
        self.texts = []
        self.labels = {"x": "", "y": ""}
        self.title = ""
        self.scale = {"x": "linear", "y": "linear"}
        self.limits: dict[str, tuple | None] = {"x": None, "y": None}
        self.inverted = {"x": False, "y": False}
        self.legend_at = None
        self.equal = False
        self.grid_on = {"x": True, "y": True}
        self.categories = None
        self.xaxis, self.yaxis = Axis(), Axis()
        self._next = 0

    def _colour(self, given):
        if given is not None:
            return colour(given)
        self._next += 1
        return colour(None, self._next - 1)

    # -- drawing --------------------------------------------------------------

    def plot(self, *args, color=None, label=None, linewidth=2.0, linestyle=None, **rest):
        _no_more(rest, "plot")
        given = list(args)
        fmt = given.pop() if given and isinstance(given[-1], str) else ""
        if len(given) == 1:
            given = [range(len(list(given[0]))), given[0]]
        if len(given) != 2:
            raise unsupported("plot with more than one pair of x and y")
        xs, ys = list(given[0]), list(given[1])
        if len(xs) != len(ys):
            raise ValueError(f"x and y must have the same length: {len(xs)} and {len(ys)}")
        marker, line, letter = parse_format(fmt)
        if linestyle is not None:
            line = linestyle
        shade = self._colour(color if color is not None else letter)
        self.series.append(
            Series("line", xs, ys, shade, label, marker=marker, line=line, width=linewidth)
        )
        return [self.series[-1]]

    def loglog(self, *args, **options):
        self.scale["x"] = self.scale["y"] = "log"
        return self.plot(*args, **options)

    def scatter(self, xs, ys, c=None, marker="o", s=20, label=None, **ignored_edges):
        _no_more({k: v for k, v in ignored_edges.items() if k not in EDGES}, "scatter")
        self.series.append(Series("points", xs, ys, self._colour(c), label, marker=marker, size=s))

    def axhline(self, y=0, color=None, linewidth=1.0, linestyle="-", **rest):
        _no_more(rest, "axhline")
        line = Series("hline", [], [y], colour(color or "C0"), None, width=linewidth)
        line.style["line"] = linestyle
        self.series.append(line)

    def barh(self, names, widths, left=None, color=None, label=None, **rest):
        _no_more(rest, "barh")
        names = list(names)
        if self.categories is None:
            self.categories = names
        left = list(left) if left is not None else [0.0] * len(names)
        rows = [self.categories.index(name) for name in names]
        self.series.append(
            Series("bars", left, rows, self._colour(color), label, widths=list(widths))
        )

    def text(self, x, y, text, va="baseline", **rest):
        _no_more(rest, "text")
        if self.categories is not None and isinstance(y, str):
            y = self.categories.index(y)
        self.texts.append((x, y, str(text), va))

    def contourf(self, xs, ys, zs, levels, colors, alpha=1.0):
        if len(levels) != 3 or len(colors) != 2:
            raise unsupported("contourf with other than two regions (three levels)")
        self.series.append(
            Series(
                "region",
                xs,
                ys,
                None,
                None,
                zs=zs,
                level=levels[1],
                colours=[colour(c) for c in colors],
                alpha=alpha,
            )
        )

    def contour(self, xs, ys, zs, levels, colors="black", linewidths=1.0):
        if len(levels) != 1:
            raise unsupported("contour at more than one level")
        self.series.append(
            Series(
                "boundary", xs, ys, colour(colors), None, zs=zs, level=levels[0], width=linewidths
            )
        )

    # -- settings -------------------------------------------------------------

    def set_xlabel(self, text):
        self.labels["x"] = str(text)

    def set_ylabel(self, text):
        self.labels["y"] = str(text)

    def set_title(self, text):
        self.title = str(text)

    def set_xscale(self, scale):
        self.scale["x"] = _scale(scale)

    def set_yscale(self, scale):
        self.scale["y"] = _scale(scale)

    def set_xlim(self, low=None, high=None):
        self.limits["x"] = (low, high)

    def set_ylim(self, low=None, high=None):
        self.limits["y"] = (low, high)

    def invert_xaxis(self):
        self.inverted["x"] = not self.inverted["x"]

    def set_aspect(self, aspect):
        if aspect != "equal":
            raise unsupported(f"the aspect {aspect!r}")
        self.equal = True

    def grid(self, visible=None, which="major", axis="both", **style):
        on = True if visible is None else bool(visible)
        for name in ("x", "y") if axis == "both" else (axis,):
            self.grid_on[name] = on

    def tick_params(self, **options):
        """Tick lengths and which labels show: the page's ticks are fixed."""

    def legend(self, *args, loc=None, **rest):
        self.legend_at = loc or "best"

    def get_legend_handles_labels(self):
        shown = [s for s in self.series if s.label]
        return shown, [s.label for s in shown]


EDGES = {"edgecolors", "linewidths"}


def _scale(scale):
    if scale not in ("linear", "log"):
        raise unsupported(f"the scale {scale!r}")
    return scale


def _no_more(options, call):
    if options:
        raise unsupported(f"{call}({', '.join(f'{k}=...' for k in options)})")


class Figure:
    def __init__(self, figsize=None, rows=1, columns=1):
        width, height = figsize or (6.0, 3.6)
        self.size = (width * DPI, height * DPI)
        self.grid = (rows, columns)
        self.axes = [Axes(self) for _ in range(rows * columns)]
        self.legend_entries = None

    def gca(self):
        return self.axes[0]

    def __repr__(self):
        count = len(self.axes)
        return f"<Figure size {self.size[0]:g}x{self.size[1]:g} with {count} Axes>"

    def tight_layout(self):
        """The page lays out its axes with room for their labels already."""

    def legend(self, handles, labels, ncol=1, frameon=True, loc=None):
        self.legend_entries = list(zip(handles, labels, strict=True))

    def _repr_svg_(self):
        from .plot_svg import draw  # the drawing, in a module of its own

        return draw(self)


# -- the pyplot functions -------------------------------------------------------------

_figures: list[Figure] = []


def figure(figsize=None):
    _figures.append(Figure(figsize))
    return _figures[-1]


def gcf():
    return _figures[-1] if _figures else figure()


def gca():
    return gcf().gca()


def subplots(nrows=1, ncols=1, figsize=None, layout=None):
    made = Figure(figsize, nrows, ncols)
    _figures.append(made)
    axes = made.axes[0] if nrows * ncols == 1 else tuple(made.axes)
    return made, axes


def take_figures():
    """The figures the cell drew, in order; they are shown, and closed."""
    drawn = list(_figures)
    _figures.clear()
    return drawn


def close(which=None):
    _figures.clear()


def show():
    """Figures show when the cell ends, as in Jupyter."""


def _on_axes(name):
    def call(*args, **options):
        return getattr(gca(), name)(*args, **options)

    call.__name__ = name
    return call


for _name in (
    "plot",
    "loglog",
    "scatter",
    "axhline",
    "barh",
    "text",
    "contour",
    "contourf",
    "legend",
    "grid",
):
    globals()[_name] = _on_axes(_name)
for _short, _long in (
    ("xlabel", "set_xlabel"),
    ("ylabel", "set_ylabel"),
    ("title", "set_title"),
    ("xlim", "set_xlim"),
    ("ylim", "set_ylim"),
    ("xscale", "set_xscale"),
    ("yscale", "set_yscale"),
):
    globals()[_short] = _on_axes(_long)


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(str(unsupported(f"plt.{name}")))
