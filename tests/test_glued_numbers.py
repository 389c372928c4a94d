"""Every sentence true: the numbers the chapters print come from code, and
hold.

The lecture's chapters (1 to 8) show the lecture's numbers as glued text (a
`pasted-text` span that myst-nb's `{glue:text}` role produces) on the built
page, and their Markdown never types those numbers into the prose. The
chapters beyond the lecture (12 and 13) glue numbers whose meaning is
asserted here from what the build glued (_build/jupyter_execute/). Timings
vary from build to build and are never asserted; these numbers do not
depend on the machine. Which glue names a chapter may use is a house rule
for its Markdown, checked in test_book.py.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from conftest import executed_notebook, glued, page_soup
from tangle.book import Book

# chapter -> (numbers that must be glued on the page,
#             numbers that must not be typed in the prose)
LECTURE_NUMBERS = {
    "01-derivatives": (
        # the slopes at x = 3 and at x = -3
        [14.0003, -21.9997],
        ["14.0003", "-21.9997"],
    ),
    "02-value": (
        # L of the lecture's expression
        [-8.0],
        ["-8.0"],
    ),
    "03-backprop-by-hand": (
        # L, dL/da, dL/db, dL/dc = dL/de = dL/dd, dL/df, L after one step
        [-8, 6, -4, -2, 4, -7.29],
        ["-8", "-7.29", "-7.286496", "-4"],
    ),
    "04-neuron": (
        # o, 1 - o**2, x1.grad, w1.grad, x2.grad, w2.grad
        [0.7071, 0.5, -1.5, 1.0, 0.5, 0.0],
        ["0.7071", "0.8814", "-1.5", "-1.5000", "0.5000", "1.0000"],
    ),
    "05-backward": (
        # a + a; the shared example; b = a + a, c = b + b (right, naive);
        # the million-step chain
        [2, -3, -8, 4, 8, 1_000_001, -1.5],
        ["-8", "-3", "1,000,001", "1000001", "-1.5000"],
    ),
    "06-more-operations": (
        # the README example: g, dg/da, dg/db
        [24.7041, 138.8338, 645.5773],
        ["24.7041", "138.8338", "645.5773"],
    ),
    "07-pytorch": (
        # the float32 story: the lecture's gradient and the rounded bias
        [-1.5000003851533106, 6.881373405456543, 24.7041, 138.8338, 645.5773],
        [
            "-1.5000003851533106",
            "1.5000003851533106",
            "6.881373405456543",
            "24.7041",
            "138.8338",
            "645.5773",
        ],
    ),
    "08-gradient-check": (
        # glued numbers on the page, none of them the lecture's
        [],
        [],
    ),
}

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def glued_numbers(soup: BeautifulSoup) -> list[float]:
    numbers = []
    for span in soup.select("span.pasted-text"):
        text = span.get_text().strip().replace(",", "").replace("\u2212", "-")
        try:
            numbers.append(float(text))
        except ValueError:
            continue
    return numbers


def prose(markdown: str) -> str:
    """The chapter's Markdown without front matter, code cells and glue roles."""
    text = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    text = re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.S | re.M)
    text = re.sub(r"\{glue:[a-z]+\}`[^`]*`", "GLUED", text)
    return text.replace("\u2212", "-")


# -- the lecture's numbers ---------------------------------------------------------


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_lecture_numbers_are_glued_on_the_page(built_site, chapter):
    expected, _ = LECTURE_NUMBERS[chapter]
    glued = glued_numbers(page_soup(built_site, f"book/{chapter}"))
    assert glued, f"{chapter}: no glued numbers at all"
    for number in expected:
        assert number in glued, f"{chapter}: {number} is not glued on the page (glued: {glued})"


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_lecture_numbers_are_not_typed_in_the_prose(book: Book, chapter):
    _, forbidden = LECTURE_NUMBERS[chapter]
    typed = set(NUMBER.findall(prose(book.chapter(chapter).text)))
    for number in forbidden:
        assert number not in typed, f"{chapter}: {number} is typed in the prose; glue it from code"


# -- the chapters beyond the lecture ------------------------------------------------


@pytest.mark.build
def test_the_lean_engine_trains_the_moons_to_the_same_loss_as_chapter_11():
    # bit for bit: the same arithmetic in the same order
    assert glued("12-why-slow")["lean_final_loss"] == glued("11-moons")["moons_final_loss"]
    assert float(glued("12-why-slow")["lean_accuracy"]) == 100.0


@pytest.mark.build
def test_the_lean_engine_is_smaller_and_still_goes_a_million_deep():
    numbers = glued("12-why-slow")
    assert float(numbers["lean_bytes"]) <= 150
    assert float(numbers["old_bytes"]) > 3 * float(numbers["lean_bytes"])
    assert float(numbers["chain_grad"]) == 1_000_001
    assert int(numbers["lean_left"]) == 0 < int(numbers["old_left"])
    assert int(numbers["graph_nodes"]) > 60_000


@pytest.mark.build
def test_the_tensor_chapter_reaches_the_scalar_losses_and_pytorchs():
    numbers = glued("13-tensors")
    assert float(numbers["loss_difference"]) <= 1e-9
    assert float(numbers["torch_difference"]) <= 1e-9
    assert float(numbers["check_difference"]) <= 1e-12


@pytest.mark.build
def test_the_checks_the_chapters_print_come_out_true():
    """Cells whose last line is an equality check show True on the page."""
    notebook = executed_notebook("book/12-why-slow")
    shown = {}
    for cell in notebook["cells"]:
        source = "".join(cell["source"]).strip()
        last = source.splitlines()[-1] if source else ""
        for output in cell.get("outputs", []):
            if "text/plain" in output.get("data", {}):
                shown[last] = "".join(output["data"]["text/plain"])
    assert shown["lean_losses == slow_losses"] == "True"
    assert shown["before.topological_order(lean_graph) == topological_order(lean_graph)"] == "True"
