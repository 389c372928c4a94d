"""House rules for chapters, checked on every chapter of the book.

(The tangler enforces the rules it needs, such as the hidden set-up cell
that opens every chapter with code; test_tangle_book.py tests those.)
"""

from __future__ import annotations

import re

from tangle.book import Book

MAX_CODE_LINE = 78  # printed code must not wrap in the PDF


def test_code_lines_fit_the_printed_page(book: Book):
    """Every line of a code cell, its options included, fits: a line the
    chapter's reader sees must not wrap in the PDF."""
    long = []
    for chapter in book.chapters:
        lines = chapter.text.splitlines()
        for cell in chapter.cells:
            last = cell.code_line + len(cell.source.splitlines()) - 1
            for number in range(cell.fence_line + 1, last + 1):
                line = lines[number - 1]
                if len(line) > MAX_CODE_LINE:
                    long.append(f"{chapter.path}:{number} ({len(line)} characters)")
    assert long == []


def test_chapters_open_with_goals_and_close_with_a_summary_and_exercises(book: Book):
    for chapter in book.chapters[1:]:  # the preface is not a chapter of this kind
        text = chapter.text
        opening = "appendix" if chapter.apparatus else "chapter"
        assert f":::{{admonition}} In this {opening}\n:class: tip" in text, chapter.path
        # The first chapter only measures slopes; from the second on, the
        # reader builds the engine, and the summary says what we built.
        summary = "learned" if chapter is book.chapters[1] else "built"
        assert f"\n## What we {summary}\n" in text, chapter.path
        assert "\n## Exercises\n" in text, chapter.path
        assert text.index(f"## What we {summary}") < text.index("## Exercises"), chapter.path
        exercises = text.count("{exercise-start}")
        solutions = text.count("{solution-start}")
        assert exercises >= 2 and solutions == exercises, chapter.path
        assert text.count(":class: dropdown") >= solutions, chapter.path


def test_chapter_files_are_numbered_in_reading_order(book: Book):
    numbers = [int(chapter.stem.split("-")[0]) for chapter in book.chapters]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_glue_names_are_unique_within_a_chapter_and_every_one_shown_is_glued(book: Book):
    """A {glue:text} role whose name was never glued fails the build with a
    warning; this names the chapter and the name directly."""
    glued = {
        chapter.stem: re.findall(r'glue\(\s*"([^"]+)"', chapter.text) for chapter in book.chapters
    }
    for chapter in book.chapters:
        names = glued[chapter.stem]
        assert len(names) == len(set(names)), chapter.path
        # `name`, or `other-chapter.md::name` for a number another chapter glued
        for other, used in re.findall(r"\{glue:text\}`(?:([\w-]+)\.md::)?([^`:]+)", chapter.text):
            assert used in glued[other or chapter.stem], (
                f"{chapter.path}: {other + '::' if other else ''}{used} is shown but never glued"
            )


def claim_cells(chapter) -> list:
    """The hidden cells that hold a chapter's claims: `assert`s."""
    return [
        cell
        for cell in chapter.cells
        if "remove-cell" in cell.tags and re.search(r"^\s*assert\b", cell.source, re.M)
    ]


def test_every_chapter_backs_its_claims_with_assertions(book: Book):
    """A sentence that says what an output shows is checked by an assert in
    a hidden cell right after it (README, "Claims are assertions"): every
    chapter with outputs to talk about has such cells."""
    missing = [chapter.path for chapter in book.chapters[1:] if not claim_cells(chapter)]
    assert missing == []


def test_claim_cells_show_nothing(book: Book):
    """A claim cell is hidden: it checks, and prints or displays nothing
    (its output would be lost, or worse, shown without its code)."""
    for chapter in book.chapters:
        for cell in claim_cells(chapter):
            assert not re.search(r"^\s*(print|display)\(", cell.source, re.M), cell.where
