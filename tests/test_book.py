"""House rules for chapters, checked on every chapter of the book."""

from __future__ import annotations

import re

from tangle.book import Book

MAX_CODE_LINE = 78  # printed code must not wrap in the PDF


def test_code_lines_fit_the_printed_page(book):
    long = [
        f"{cell.chapter.path}:{cell.code_line + i} ({len(line)} characters)"
        for chapter in book.chapters for cell in chapter.cells
        for i, line in enumerate(cell.source.splitlines())
        if len(line) > MAX_CODE_LINE
    ]
    assert long == []


def test_chapters_open_with_goals_and_close_with_a_summary_and_exercises(book):
    for chapter in book.chapters[1:]:  # the preface is not a chapter of this kind
        text = chapter.text
        assert ":::{admonition} In this chapter" in text, chapter.path
        assert re.search(r"^## What we (built|learned)", text, re.M), chapter.path
        exercises = text.count("{exercise-start}")
        solutions = text.count("{solution-start}")
        assert exercises >= 2 and solutions == exercises, chapter.path
        assert text.count(":class: dropdown") >= solutions, chapter.path


def test_chapter_files_are_numbered_in_reading_order(book):
    numbers = [int(chapter.stem.split("-")[0]) for chapter in book.chapters]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def test_glue_names_are_unique_within_a_chapter(book):
    for chapter in book.chapters:
        names = re.findall(r'glue\("([^"]+)"', chapter.text)
        assert len(names) == len(set(names)), chapter.path
        for used in re.findall(r"\{glue:text\}`([^`:]+)", chapter.text):
            assert used in names, f"{chapter.path}: {used} is shown but never glued"
