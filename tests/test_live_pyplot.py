"""The plots of the live pages (bookbuild/live/book_live/pyplot.py and
plot_svg.py), natively, as the site ships them (book_live.zip's files): the
picture comes from the numbers it is given, in the book's palette, with
axes, ticks and legends that say what they show; what the book does not use
is refused in words. The chapters' own plot cells run in Chromium in
test_live.py (every page's cells, and chapter 10's learning rate)."""

from __future__ import annotations

import importlib
import json
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from bookbuild.live import PALETTE, python_side

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def plt(tmp_path_factory):
    """book_live.pyplot, imported from the files the site ships."""
    folder = tmp_path_factory.mktemp("book_live")
    for name, data in python_side().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module("book_live.pyplot")
        yield module
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == "book_live" or n.startswith("book_live.")]:
            del sys.modules[name]


def drawn(plt) -> ET.Element:
    """The one figure the calls drew, parsed."""
    (figure,) = plt.take_figures()
    return ET.fromstring(figure._repr_svg_())


def line_points(svg: ET.Element) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, p.split(","))) for p in re.findall(r"[-\d.]+,[-\d.]+", path.get("d"))]
        for path in svg.iter(f"{SVG}path")
        if path.get("stroke-linejoin") == "round"
    ]


def test_a_line_is_drawn_from_the_numbers_it_is_given(plt):
    plt.plot([0, 1, 2, 3], [0, 1, 4, 9])
    (points,) = line_points(drawn(plt))
    xs, ys = zip(*points, strict=True)
    assert list(xs) == sorted(xs) and len(set(xs)) == 4  # left to right
    assert list(ys) == sorted(ys, reverse=True)  # higher is up
    # Equal steps in x are equal steps on the page; y keeps its proportions.
    assert xs[1] - xs[0] == pytest.approx(xs[3] - xs[2], abs=0.02)
    assert (ys[0] - ys[2]) / (ys[0] - ys[3]) == pytest.approx(4 / 9, abs=1e-3)
    # Other numbers, another picture.
    plt.plot([0, 1, 2, 3], [0, 1, 2, 3])
    (other,) = line_points(drawn(plt))
    assert other != points


def test_lines_take_the_books_colours_and_styles(plt):
    palette = json.loads(PALETTE.read_text("utf-8"))
    first, second = (palette["okabe_ito"][name] for name in palette["cycle"][:2])
    plt.plot([1, 2], [1, 2], label="first")
    plt.plot([1, 2], [2, 1], "--", label="second")
    plt.plot([1, 2], [1.5, 1.5], "o", color="black")
    plt.legend()
    svg = drawn(plt)
    strokes = [p.get("stroke") for p in svg.iter(f"{SVG}path") if p.get("stroke-linejoin")]
    assert strokes == [first, second]
    assert any(p.get("stroke-dasharray") for p in svg.iter(f"{SVG}path"))
    assert [c.get("fill") for c in svg.iter(f"{SVG}circle")][:2] == ["#000000"] * 2
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert "first" in texts and "second" in texts  # the legend
    assert svg.get("role") == "img" and "first, second" in svg.get("aria-label")


def test_log_axes_tick_every_power_of_ten_and_labels_say_what_is_shown(plt):
    plt.loglog([1e-6, 1e-3, 1.0], [1e-2, 1e-4, 1.0])
    plt.xlabel("step h")
    plt.ylabel("error")
    plt.gca().invert_xaxis()
    svg = drawn(plt)
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert {"10\u22126", "10\u22123", "100"} <= set(texts)
    assert "step h" in texts and "error" in texts
    (points,) = line_points(svg)
    assert points[0][0] > points[-1][0]  # inverted: 1e-6 on the right


def test_subplots_scatter_bars_and_a_boundary_draw(plt):
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    left.scatter([0, 1], [1, 0], c="C1", marker="s", s=22, label="points")
    right.barh(["a", "b"], [1.0, 2.0], color="C0", label="part")
    right.text(2.0, "b", " 2 ms", va="center")
    fig.legend(*right.get_legend_handles_labels(), ncol=1, frameon=False)
    svg = drawn(plt)
    assert len(list(svg.iter(f"{SVG}rect"))) >= 4  # background, 2 bars, legend
    assert " 2 ms" in ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    grid = [-1.0, 0.0, 1.0]
    plt.contourf(
        grid,
        grid,
        [list(grid) for _ in grid],
        levels=[-9, 0, 9],
        colors=["C1", "C0"],
        alpha=0.3,
    )
    plt.contour(grid, grid, [list(grid) for _ in grid], levels=[0], colors="black")
    svg = drawn(plt)
    boundary = [p for p in svg.iter(f"{SVG}path") if p.get("stroke") == "#000000"]
    assert boundary and boundary[0].get("d").count("M") == 2  # x = 0, in two squares


def test_what_the_book_does_not_use_is_refused_in_words(plt):
    with pytest.raises(AttributeError, match=re.escape("the page's plots do not have plt.hist")):
        _ = plt.hist
    with pytest.raises(NotImplementedError, match=r"plot\(marker=...\)"):
        plt.plot([1], [1], marker="x")
    with pytest.raises(NotImplementedError, match="the colour 'teal'"):
        plt.plot([1], [1], color="teal")
    plt.close()
    assert plt.take_figures() == []
