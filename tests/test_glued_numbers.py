"""The engine chapters show the lecture's numbers, and glue them from code.

Reads the built site (`make html` or `make book` first): every number the
issue lists appears on its chapter's page as glued text (a `pasted-text`
span that myst-nb's `{glue:text}` role produces), and the chapter's Markdown
never types it into the prose.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]

# chapter -> (numbers that must be glued on the page,
#             numbers that must not be typed in the prose)
LECTURE_NUMBERS = {
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
        ["-1.5000003851533106", "1.5000003851533106", "6.881373405456543",
         "24.7041", "138.8338", "645.5773"],
    ),
    "08-gradient-check": (
        [],
        [],
    ),
}

NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def page(site: Path, chapter: str) -> BeautifulSoup:
    path = site / "book" / f"{chapter}.html"
    if not path.exists():
        pytest.fail(f"{path} is missing: build the book (make html)")
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


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


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_lecture_numbers_are_glued_on_the_page(built_site, chapter):
    expected, _ = LECTURE_NUMBERS[chapter]
    glued = glued_numbers(page(built_site, chapter))
    assert glued, f"{chapter}: no glued numbers at all"
    for number in expected:
        assert number in glued, (
            f"{chapter}: {number} is not glued on the page (glued: {glued})")


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_lecture_numbers_are_not_typed_in_the_prose(chapter):
    _, forbidden = LECTURE_NUMBERS[chapter]
    text = prose((ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8"))
    typed = set(NUMBER.findall(text))
    for number in forbidden:
        assert number not in typed, (
            f"{chapter}: {number} is typed in the prose; glue it from code")


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_every_glue_reference_has_a_glued_value(chapter):
    """A {glue:text} role whose key was never glued fails the build with a
    warning; this names the key directly."""
    markdown = (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\{glue:text\}`([\w]+)", markdown))
    defined = set(re.findall(r"glue\(\s*\"([\w]+)\"", markdown))
    assert used <= defined, f"{chapter}: not glued: {sorted(used - defined)}"


@pytest.mark.parametrize("chapter", LECTURE_NUMBERS)
def test_chapter_has_the_house_structure(chapter):
    markdown = (ROOT / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    setup = ("```{code-cell} python\n:tags: [remove-cell]\n"
             f"%run ../tangle/setup_chapter.py {chapter}\n```")
    first_cell = markdown.index("```{code-cell}")
    assert markdown[first_cell:].startswith(setup)
    assert ":::{admonition} In this chapter\n:class: tip" in markdown
    assert "\n## What we built\n" in markdown
    assert "\n## Exercises\n" in markdown
    assert markdown.index("## What we built") < markdown.index("## Exercises")
    long_lines = [line for line in code_lines(markdown) if len(line) > 78]
    assert not long_lines, f"{chapter}: code lines over 78 characters: {long_lines}"


def code_lines(markdown: str) -> list[str]:
    lines, inside = [], False
    for line in markdown.splitlines():
        if line.startswith("```{code-cell}"):
            inside = True
        elif inside and line.startswith("```"):
            inside = False
        elif inside:
            lines.append(line)
    return lines
