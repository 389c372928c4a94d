"""One palette, one source: every colour of the figures, their stills and
the book's plots comes from micrograd/static/palette.json. And the parts of
the player the appendix shows are cut out of viz.js by named markers, which
fail loudly when they are missing, repeated or out of order."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from micrograd.engine import Value
from micrograd.figures import LIGHT, PALETTE, backward_figure, marked_part
from tangle.book import Book
from tangle.kernel import colour_cycle

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "micrograd" / "static" / "palette.json"
PLAYER = ROOT / "micrograd" / "static" / "viz.js"
# A colour written as a hex code: #1b1b1b or #fff (not an HTML entity).
HEX = re.compile(r"(?<![\w&])#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})\b")


def source() -> dict:
    return json.loads(SOURCE.read_text(encoding="utf-8"))


# -- one source ----------------------------------------------------------------


def test_no_colour_is_written_anywhere_but_the_palette():
    places = {
        path: path.read_text(encoding="utf-8")
        for path in [PLAYER, *(ROOT / "micrograd").glob("*.py"), *(ROOT / "tangle").glob("*.py")]
    }
    for chapter in Book.load(ROOT).chapters:  # the chapters' code
        places[ROOT / chapter.path] = "\n".join(c.source for c in chapter.cells)
    found = {
        path.relative_to(ROOT).as_posix(): HEX.findall(text)
        for path, text in places.items()
        if HEX.search(text)
    }
    assert found == {}, "write these colours in micrograd/static/palette.json"


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
    player = PLAYER.read_text(encoding="utf-8")
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


def test_the_player_without_its_palette_says_so(browser, tmp_path):
    page_file = tmp_path / "bare.html"
    page_file.write_text(
        '<!doctype html><html lang="en"><body><div class="mgv"></div>'
        f"<script>{PLAYER.read_text(encoding='utf-8')}</script></body></html>",
        encoding="utf-8",
    )
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.close()
    assert len(errors) == 1 and "palette" in errors[0], errors


# -- named markers ---------------------------------------------------------------


def test_the_appendix_shows_the_whole_of_evaluate():
    part = marked_part(PLAYER, "evaluate")
    assert part.startswith("    function evaluate(nodes, leaves, ops, root) {\n")
    assert part.endswith("\n      return { data, grad };\n    }\n")
    assert "[book:" not in part and "[/book:" not in part


def test_a_part_is_the_lines_between_its_markers(tmp_path):
    path = tmp_path / "player.js"
    path.write_text("a\n  // [book:one]\nb\n  c\n  // [/book:one]\nd\n", encoding="utf-8")
    assert marked_part(path, "one") == "b\n  c\n"


@pytest.mark.parametrize(
    "text, found",
    [
        ("no markers at all\n", "neither"),
        ("// [book:one]\nb\n", "// [book:one] on line 1"),
        ("b\n// [/book:one]\n", "// [/book:one] on line 2"),
        ("// [/book:one]\nb\n// [book:one]\n", "// [/book:one] on line 1, // [book:one] on line 3"),
        (
            "// [book:one]\n// [book:one]\nb\n// [/book:one]\n",
            "// [book:one] on line 1, // [book:one] on line 2, // [/book:one] on line 4",
        ),
        (
            "// [book:one]\nb\n// [/book:one]\n// [/book:one]\n",
            "// [book:one] on line 1, // [/book:one] on line 3, // [/book:one] on line 4",
        ),
    ],
)
def test_a_missing_repeated_or_misplaced_marker_is_an_error_naming_it(tmp_path, text, found):
    path = tmp_path / "player.js"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as error:
        marked_part(path, "one")
    message = str(error.value)
    assert message.startswith(f"{path}: the part 'one' needs one line // [book:one]")
    assert message.endswith(f"found {found}")
