"""Draws a figure of the page's pyplot (pyplot.py) as SVG: axes with ticks,
a light grid and the left and bottom spines, then what was drawn on them,
their labels and legends. Standard library only."""

import math
from xml.sax.saxutils import escape

from .pyplot import FG, GRID, MUTED

MARGIN = {"left": 64, "right": 18, "top": 16, "bottom": 48}
TITLE, FIGURE_LEGEND = 24, 30
MINUS = "\u2212"


def draw(figure):
    width, height = figure.size
    parts = []
    top = FIGURE_LEGEND if figure.legend_entries else 0
    rows, columns = figure.grid
    cell_w, cell_h = width / columns, (height - top) / rows
    for index, axes in enumerate(figure.axes):
        row, column = divmod(index, columns)
        box = (column * cell_w, top + row * cell_h, cell_w, cell_h)
        parts.extend(draw_axes(axes, box))
    if figure.legend_entries:
        parts.extend(figure_legend(figure.legend_entries, width))
    words = describe(figure)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {height:g}" '
        f'width="{width:g}" height="{height:g}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{escape(words, {chr(34): "&quot;"})}" '
        f'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">'
        f'<rect width="100%" height="100%" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def describe(figure):
    """What the plot shows, in words, for a screen reader."""
    said = []
    for axes in figure.axes:
        name = axes.title or (f"{axes.labels['y'] or 'y'} against {axes.labels['x'] or 'x'}")
        labels = [s.label for s in axes.series if s.label]
        said.append(f"{name}" + (f" ({', '.join(labels)})" if labels else ""))
    return "A plot: " + "; ".join(said)


# -- scales ------------------------------------------------------------------------------


class Scale:
    """Data to pixels along one axis."""

    def __init__(self, low, high, start, end, log, inverted):
        self.log = log
        self.low, self.high = low, high
        self.start, self.end = (end, start) if inverted else (start, end)

    def __call__(self, value):
        value = self._t(value)
        if value is None:
            return None
        fraction = (value - self._t(self.low)) / (self._t(self.high) - self._t(self.low))
        return self.start + fraction * (self.end - self.start)

    def _t(self, value):
        if not self.log:
            return value
        return math.log10(value) if value > 0 else None


def data_range(axes, name):
    """The lowest and highest value drawn along `name` ('x' or 'y'), with
    the margin matplotlib leaves (none where a region or bars start)."""
    values, tight = [], False
    for s in axes.series:
        if s.kind in ("line", "points"):
            values += s.xs if name == "x" else s.ys
        elif s.kind == "hline" and name == "y":
            values += s.ys
        elif s.kind == "bars":
            if name == "x":
                values += [0.0] + [a + w for a, w in zip(s.xs, s.style["widths"], strict=True)]
            else:
                tight = True
                values += [-0.5, len(axes.categories) - 0.5]
        elif s.kind in ("region", "boundary"):
            values += s.xs if name == "x" else s.ys
            tight = True
    values += [t[0] if name == "x" else t[1] for t in axes.texts]
    log = axes.scale[name] == "log"
    values = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if not values:
        return (1.0, 10.0) if log else (0.0, 1.0)
    low, high = min(values), max(values)
    if log:
        low, high = math.log10(low), math.log10(high)
    if low == high:
        low, high = low - 0.5, high + 0.5
    if not tight:
        pad = 0.05 * (high - low)
        low, high = low - pad, high + pad
    if log:
        low, high = 10**low, 10**high
    given = axes.limits[name]
    if given is not None:
        low = low if given[0] is None else given[0]
        high = high if given[1] is None else given[1]
    return low, high


def ticks(low, high, log):
    """Tick values and their labels: powers of ten on a log axis, round
    steps (1, 2, 2.5 or 5 times a power of ten) on a linear one."""
    if log:
        first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
        powers = list(range(first, last + 1))
        while len(powers) > 8:
            powers = powers[::2]
        return [(10.0**p, ("10", p)) for p in powers]
    raw = (high - low) / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * 0.999)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if abs(step * 10**decimals - round(step * 10**decimals)) > 1e-9:  # 0.25, say
        decimals += 1
    value = math.ceil(low / step - 1e-9) * step
    found = []
    while value <= high + step * 1e-9:
        text = f"{value:.{decimals}f}" if decimals else f"{round(value):d}"
        found.append((value, text.replace("-", MINUS)))
        value += step
    return found


# -- axes ------------------------------------------------------------------------------


def draw_axes(axes, box):
    x0, y0, w, h = box
    top = MARGIN["top"] + (TITLE if axes.title else 0)
    room = MARGIN["left"]
    if axes.categories is not None:  # names, not numbers: room for the longest
        widest = max(len(line) for name in axes.categories for line in str(name).split("\n"))
        room = max(room, 16 + 7 * widest)
    left, right = x0 + room, x0 + w - MARGIN["right"]
    upper, lower = y0 + top, y0 + h - MARGIN["bottom"]
    xs, ys = data_range(axes, "x"), data_range(axes, "y")
    if axes.equal:
        xs, ys = equal_units(xs, ys, right - left, lower - upper)
    sx = Scale(xs[0], xs[1], left, right, axes.scale["x"] == "log", axes.inverted["x"])
    sy = Scale(ys[0], ys[1], lower, upper, axes.scale["y"] == "log", axes.inverted["y"])
    out = ['<g class="axes">']
    out += grid_and_ticks(axes, sx, sy, xs, ys, (left, right, upper, lower))
    clip = f"clip-{id(axes)}"
    out.append(
        f'<clipPath id="{clip}"><rect x="{left:.1f}" y="{upper:.1f}" '
        f'width="{right - left:.1f}" height="{lower - upper:.1f}"/></clipPath>'
    )
    out.append(f'<g clip-path="url(#{clip})">')
    for series in axes.series:
        out.extend(DRAW[series.kind](series, sx, sy, (left, right)))
    out.append("</g>")
    for x, y, text, va in axes.texts:
        base = ' dominant-baseline="central"' if va == "center" else ""
        out.append(f'<text x="{sx(x):.1f}" y="{sy(y):.1f}" fill="{FG}"{base}>{escape(text)}</text>')
    out += labels(axes, (left, right, upper, lower), y0)
    if axes.legend_at:
        out += legend(axes, (left, right, upper, lower), sx, sy)
    out.append("</g>")
    return out


def equal_units(xs, ys, width, height):
    """Widen one range so that a unit is as long along x as along y."""
    per_x, per_y = width / (xs[1] - xs[0]), height / (ys[1] - ys[0])
    if per_x > per_y:
        grow = (width / per_y - (xs[1] - xs[0])) / 2
        return (xs[0] - grow, xs[1] + grow), ys
    grow = (height / per_x - (ys[1] - ys[0])) / 2
    return xs, (ys[0] - grow, ys[1] + grow)


def grid_and_ticks(axes, sx, sy, xs, ys, frame):
    left, right, upper, lower = frame
    out = []
    if axes.categories is not None:
        y_ticks = [(i, name) for i, name in enumerate(axes.categories)]
    else:
        y_ticks = ticks(ys[0], ys[1], axes.scale["y"] == "log")
    for value, text in ticks(xs[0], xs[1], axes.scale["x"] == "log"):
        x = sx(value)
        if x is None or not left - 0.5 <= x <= right + 0.5:
            continue
        if axes.grid_on["x"]:
            out.append(
                f'<line x1="{x:.1f}" y1="{upper:.1f}" x2="{x:.1f}" y2="{lower:.1f}" '
                f'stroke="{GRID}" stroke-opacity="0.6" stroke-width="0.8"/>'
            )
        out.append(
            f'<line x1="{x:.1f}" y1="{lower:.1f}" x2="{x:.1f}" y2="{lower + 4:.1f}" stroke="{FG}"/>'
        )
        out.append(tick_label(x, lower + 17, text, "middle"))
    for value, text in y_ticks:
        y = sy(value)
        if y is None or not upper - 0.5 <= y <= lower + 0.5:
            continue
        if axes.grid_on["y"] and axes.categories is None:
            out.append(
                f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID}" stroke-opacity="0.6" stroke-width="0.8"/>'
            )
        out.append(
            f'<line x1="{left - 4:.1f}" y1="{y:.1f}" x2="{left:.1f}" y2="{y:.1f}" stroke="{FG}"/>'
        )
        lines = str(text).split("\n") if isinstance(text, str) else [text]
        for i, line in enumerate(lines):  # centred on the tick
            out.append(tick_label(left - 7, y + 4 + 13 * (i - (len(lines) - 1) / 2), line, "end"))
    out.append(
        f'<path d="M{left:.1f},{upper:.1f} L{left:.1f},{lower:.1f} L{right:.1f},{lower:.1f}" '
        f'fill="none" stroke="{FG}" stroke-width="1"/>'
    )
    return out


def tick_label(x, y, text, anchor):
    if isinstance(text, tuple):  # a power of ten: 10 and a raised exponent
        power = str(text[1]).replace("-", MINUS)
        return (
            f'<text x="{x:.1f}" y="{y:.1f}" fill="{FG}" text-anchor="{anchor}">10'
            f'<tspan dy="-5" font-size="9">{power}</tspan></text>'
        )
    return f'<text x="{x:.1f}" y="{y:.1f}" fill="{FG}" text-anchor="{anchor}">{escape(text)}</text>'


def labels(axes, frame, y0):
    left, right, upper, lower = frame
    out = []
    if axes.labels["x"]:
        out.append(
            f'<text x="{(left + right) / 2:.1f}" y="{lower + 38:.1f}" fill="{FG}" '
            f'text-anchor="middle" font-size="13">{escape(axes.labels["x"])}</text>'
        )
    if axes.labels["y"]:
        x, y = left - 50, (upper + lower) / 2
        out.append(
            f'<text x="{x:.1f}" y="{y:.1f}" fill="{FG}" text-anchor="middle" '
            f'font-size="13" transform="rotate(-90 {x:.1f} {y:.1f})">'
            f"{escape(axes.labels['y'])}</text>"
        )
    if axes.title:
        out.append(
            f'<text x="{(left + right) / 2:.1f}" y="{upper - 10:.1f}" fill="{FG}" '
            f'text-anchor="middle" font-size="14">{escape(axes.title)}</text>'
        )
    return out


# -- what is drawn ----------------------------------------------------------------------


def dash(style):
    pattern = {
        "-": None,
        "solid": None,
        "--": "7,3",
        "dashed": "7,3",
        ":": "2,3",
        "dotted": "2,3",
        "-.": "7,3,2,3",
    }.get(style)
    return f' stroke-dasharray="{pattern}"' if pattern else ""


def draw_line(series, sx, sy, span):
    out = []
    points = [(sx(x), sy(y)) for x, y in zip(series.xs, series.ys, strict=True)]
    if series.style["line"]:
        path, pen = [], "M"
        for x, y in points:
            if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
                pen = "M"
                continue
            path.append(f"{pen}{x:.2f},{y:.2f}")
            pen = "L"
        out.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{series.colour}" '
            f'stroke-width="{series.style["width"]}" stroke-linejoin="round"'
            f"{dash(series.style['line'])}/>"
        )
    if series.style["marker"]:
        out += markers(points, series.style["marker"], series.colour, 3.5, "none")
    return out


def markers(points, marker, fill, radius, edge):
    out = []
    for x, y in points:
        if x is None or y is None:
            continue
        if marker == "s":
            out.append(
                f'<rect x="{x - radius:.2f}" y="{y - radius:.2f}" width="{2 * radius:.2f}" '
                f'height="{2 * radius:.2f}" fill="{fill}" stroke="{edge}" stroke-width="0.6"/>'
            )
        else:
            out.append(
                f'<circle cx="{x:.2f}" cy="{y:.2f}" r="{radius:.2f}" fill="{fill}" '
                f'stroke="{edge}" stroke-width="0.6"/>'
            )
    return out


def draw_points(series, sx, sy, span):
    radius = 0.7 * math.sqrt(series.style["size"])
    points = [(sx(x), sy(y)) for x, y in zip(series.xs, series.ys, strict=True)]
    return markers(points, series.style["marker"], series.colour, radius, "#ffffff")


def draw_hline(series, sx, sy, span):
    y = sy(series.ys[0])
    return [
        f'<line x1="{span[0]:.1f}" y1="{y:.2f}" x2="{span[1]:.1f}" y2="{y:.2f}" '
        f'stroke="{series.colour}" stroke-width="{series.style["width"]}"'
        f"{dash(series.style['line'])}/>"
    ]


def draw_bars(series, sx, sy, span):
    out = []
    for left, row, width in zip(series.xs, series.ys, series.style["widths"], strict=True):
        x1, x2 = sx(left), sx(left + width)
        y1, y2 = sy(row - 0.4), sy(row + 0.4)
        out.append(
            f'<rect x="{min(x1, x2):.2f}" y="{min(y1, y2):.2f}" width="{abs(x2 - x1):.2f}" '
            f'height="{abs(y2 - y1):.2f}" fill="{series.colour}"/>'
        )
    return out


def draw_region(series, sx, sy, span):
    """Each grid point's cell, in the colour of the side of the level its
    value is on."""
    xs, ys, zs = series.xs, series.ys, series.style["zs"]
    out = [f'<g fill-opacity="{series.style["alpha"]}">']
    for j in range(len(ys)):
        for i in range(len(xs)):
            side = series.style["colours"][zs[j][i] > series.style["level"]]
            x1, x2 = sx(edge(xs, i, -1)), sx(edge(xs, i, 1))
            y1, y2 = sy(edge(ys, j, -1)), sy(edge(ys, j, 1))
            out.append(
                f'<rect x="{min(x1, x2):.2f}" y="{min(y1, y2):.2f}" '
                f'width="{abs(x2 - x1) + 0.3:.2f}" height="{abs(y2 - y1) + 0.3:.2f}" '
                f'fill="{side}"/>'
            )
    out.append("</g>")
    return out


def edge(values, i, direction):
    """Halfway to the neighbouring grid value (the grid's own end at the ends)."""
    j = i + direction
    if not 0 <= j < len(values):
        return values[i]
    return (values[i] + values[j]) / 2


def draw_boundary(series, sx, sy, span):
    """Where the values cross the level: marching squares, one segment
    per grid square that the level crosses."""
    xs, ys, zs, level = series.xs, series.ys, series.style["zs"], series.style["level"]
    segments = []
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            corners = [
                (xs[i], ys[j], zs[j][i]),
                (xs[i + 1], ys[j], zs[j][i + 1]),
                (xs[i + 1], ys[j + 1], zs[j + 1][i + 1]),
                (xs[i], ys[j + 1], zs[j + 1][i]),
            ]
            crossings = []
            for (xa, ya, za), (xb, yb, zb) in zip(corners, corners[1:] + corners[:1], strict=True):
                if (za > level) != (zb > level):
                    t = (level - za) / (zb - za)
                    crossings.append((xa + t * (xb - xa), ya + t * (yb - ya)))
            for a, b in zip(crossings[::2], crossings[1::2], strict=False):
                segments.append(f"M{sx(a[0]):.2f},{sy(a[1]):.2f} L{sx(b[0]):.2f},{sy(b[1]):.2f}")
    return [
        f'<path d="{" ".join(segments)}" fill="none" stroke="{series.colour}" '
        f'stroke-width="{series.style["width"]}"/>'
    ]


DRAW = {
    "line": draw_line,
    "points": draw_points,
    "hline": draw_hline,
    "bars": draw_bars,
    "region": draw_region,
    "boundary": draw_boundary,
}


# -- legends ---------------------------------------------------------------------------


def sample(series, x, y):
    """A legend's small picture of a series, 24 px wide, centred on y."""
    if series.kind == "line":
        out = []
        if series.style["line"]:
            out.append(
                f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 24:.1f}" y2="{y:.1f}" '
                f'stroke="{series.colour}" stroke-width="{series.style["width"]}"'
                f"{dash(series.style['line'])}/>"
            )
        if series.style["marker"]:
            out += markers([(x + 12, y)], series.style["marker"], series.colour, 3.5, "none")
        return out
    if series.kind == "points":
        return markers([(x + 12, y)], series.style["marker"], series.colour, 4, "#ffffff")
    return [
        f'<rect x="{x + 4:.1f}" y="{y - 5:.1f}" width="16" height="10" fill="{series.colour}"/>'
    ]


def legend(axes, frame, sx, sy):
    left, right, upper, lower = frame
    entries = [s for s in axes.series if s.label]
    if not entries:
        return []
    width = 44 + 7 * max(len(s.label) for s in entries)
    height = 8 + 18 * len(entries)
    spots = {
        "upper right": (right - width - 6, upper + 6),
        "upper left": (left + 6, upper + 6),
        "lower left": (left + 6, lower - height - 6),
        "lower right": (right - width - 6, lower - height - 6),
        "center right": (right - width - 6, (upper + lower - height) / 2),
    }
    where = axes.legend_at
    if where not in spots:
        where = quietest(axes, spots, width, height, sx, sy)
    x, y = spots[where]
    out = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width}" height="{height}" rx="3" '
        f'fill="#ffffff" fill-opacity="0.85" stroke="{GRID}"/>'
    ]
    for i, series in enumerate(entries):
        middle = y + 13 + 18 * i
        out += sample(series, x + 8, middle)
        out.append(
            f'<text x="{x + 38:.1f}" y="{middle + 4:.1f}" fill="{MUTED}">'
            f"{escape(series.label)}</text>"
        )
    return out


def quietest(axes, spots, width, height, sx, sy):
    """'best', as matplotlib means it: the place where the legend covers
    the fewest of the points drawn (the upper right, at a tie)."""
    drawn = [
        (sx(x), sy(y))
        for s in axes.series
        if s.kind in ("line", "points")
        for x, y in zip(s.xs, s.ys, strict=False)
    ]

    def crowd(spot):
        x, y = spot
        return sum(
            1
            for px, py in drawn
            if px is not None and py is not None and x <= px <= x + width and y <= py <= y + height
        )

    return min(spots, key=lambda where: crowd(spots[where]))


def figure_legend(entries, width):
    out, x = [], 12.0
    widths = [44 + 7 * len(label) for _, label in entries]
    x = (width - sum(widths)) / 2
    for (series, label), w in zip(entries, widths, strict=True):
        out += sample(series, x, 15)
        out.append(f'<text x="{x + 30:.1f}" y="{19:.1f}" fill="{MUTED}">{escape(label)}</text>')
        x += w
    return out
