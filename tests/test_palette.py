"""One palette, one source: every colour of the figures, their stills and
the book's plots comes from micrograd/figures/palette.json. And the part of
the player the appendix shows is marked in its file, once."""

from __future__ import annotations

import json
import re
from pathlib import Path

from micrograd.engine import Value
from micrograd.figures import LIGHT, PALETTE, backward_figure
from tangle.book import Book
from tangle.kernel import colour_cycle

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "micrograd" / "figures" / "palette.json"
PLAYER = sorted((ROOT / "micrograd" / "figures" / "player").iterdir())  # JS and CSS
# A colour written as a hex code: #1b1b1b or #fff (not an HTML entity).
HEX = re.compile(r"(?<![\w&])#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b")


def source() -> dict:
    return json.loads(SOURCE.read_text(encoding="utf-8"))


# -- one source ----------------------------------------------------------------


def test_no_colour_is_written_anywhere_but_the_palette():
    places = {
        path: path.read_text(encoding="utf-8")
        for path in [*PLAYER, *(ROOT / "micrograd").rglob("*.py"), *(ROOT / "tangle").glob("*.py")]
    }
    for chapter in Book.load(ROOT).chapters:  # the chapters' code
        places[ROOT / chapter.path] = "\n".join(c.source for c in chapter.cells)
    found = {
        path.relative_to(ROOT).as_posix(): HEX.findall(text)
        for path, text in places.items()
        if HEX.search(text)
    }
    assert found == {}, "write these colours in micrograd/figures/palette.json"


def test_every_role_has_a_colour_for_light_and_dark_pages():
    palette = source()
    named = palette["okabe_ito"]
    assert len(set(named.values())) == len(named) == 8
    assert palette["light"].keys() == palette["dark"].keys()
    for mode in ("light", "dark"):
        for role, colour in palette[mode].items():
            assert colour in named or re.fullmatch(r"#[0-9A-Fa-f]{6}", colour), (mode, role, colour)
            assert re.fullmatch(r"[a-z]+", role), role  # a CSS variable name
    assert sorted(palette["cycle"]) == sorted(named)


def test_python_reads_the_palette_with_names_resolved():
    palette = source()
    named = palette["okabe_ito"]
    for mode in ("light", "dark"):
        assert PALETTE[mode] == {
            role: named.get(colour, colour) for role, colour in palette[mode].items()
        }
    assert LIGHT == PALETTE["light"]


def test_the_plots_cycle_through_the_palette_starting_with_pos_and_neg():
    cycle = colour_cycle()
    assert cycle == [source()["okabe_ito"][name] for name in source()["cycle"]]
    # The chapters draw the two classes as 'C0' and 'C1': the figures' colours.
    assert cycle[:2] == [LIGHT["pos"], LIGHT["neg"]]


def test_the_player_uses_only_roles_of_the_palette():
    player = "".join(path.read_text(encoding="utf-8") for path in PLAYER)
    used = set(re.findall(r"var\(--mgv-([a-z]+)\)", player))
    assert used and used <= set(PALETTE["light"])


def test_the_players_css_variables_are_the_palette(browser, tmp_path):
    """A figure saved as a page of its own, opened from file://, in light and
    dark mode: each CSS variable, and the colours drawn with it, come from
    the palette."""
    x = Value(3.0, label="x")
    y = x * x
    y.label = "y"
    page_file = backward_figure(y).save_html(tmp_path / "figure.html")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.wait_for_function("document.querySelector('.mgv').dataset.mgvReady")
    read = """([roles, dark]) => {
        const figure = document.querySelector('.mgv');
        figure.classList.toggle('mgv-dark', dark);
        const style = getComputedStyle(figure);
        const variables = Object.fromEntries(roles.map(
            (role) => [role, style.getPropertyValue('--mgv-' + role).trim()]));
        const probe = document.createElement('span');
        figure.append(probe);
        const drawn = Object.fromEntries(roles.map((role) => {
            probe.style.color = `var(--mgv-${role})`;
            return [role, getComputedStyle(probe).color];
        }));
        probe.remove();
        return { variables, drawn, text: style.color };
    }"""
    for mode in ("light", "dark"):
        colours = PALETTE[mode]
        shown = page.evaluate(read, [list(colours), mode == "dark"])
        assert {role: value.lower() for role, value in shown["variables"].items()} == {
            role: colour.lower() for role, colour in colours.items()
        }
        assert shown["drawn"] == {role: rgb(colour) for role, colour in colours.items()}
        assert shown["text"] == rgb(colours["fg"])
    assert errors == []
    page.close()


def rgb(colour: str) -> str:
    """A hex colour as the browser computes it: rgb(r, g, b)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


# -- named markers ---------------------------------------------------------------


def test_the_appendix_shows_the_whole_of_evaluate():
    """The appendix prints the lines of neuron.js between its markers: each
    stands once, in order, around the whole function."""
    text = (ROOT / "micrograd" / "figures" / "player" / "neuron.js").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    begin, end = lines.index("// [book:evaluate]\n"), lines.index("// [/book:evaluate]\n")
    assert text.count("[book:evaluate]") == text.count("[/book:evaluate]") == 1
    part = "".join(lines[begin + 1 : end])
    assert part.startswith("function evaluate(nodes, leaves, ops, root) {\n")
    assert part.endswith("\n  return { data, grad };\n}\n")
