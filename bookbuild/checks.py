"""Exercises the reader can check: the checks written next to an exercise,
collected for the live pages.

An exercise that asks for code gets a hidden cell right after the first code
cell of its solution:

    ```{code-cell} python
    :tags: [remove-cell]
    :check: deriv-ex-central
    assert abs(central_slope(lambda x: x ** 3, 2.0, 1e-3) - 12) < 1e-5, \\
        "central_slope(lambda x: x ** 3, 2.0, 1e-3) is 12 to within 1e-5"
    ```

At every build it runs against the solution, like any cell, so a check the
solution does not pass stops the build and cannot rot. This extension
checks, before any chapter runs, where such cells stand (inside their
exercise's solution, hidden, every assert with a message in words).
On a live page the Check button sends a cell's checks, as written, to the
page's Python after the reader's code (bookbuild/live.py puts them into the
chapter's manifest), where `bookbuild/check_runner.py`, shipped in the live
pages' Python, runs each check and says what passed and what did not.
"""

from __future__ import annotations

import dataclasses

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

from bookbuild.check_runner import check_messages
from tangle.book import Chapter


class CheckError(ExtensionError):
    pass


@dataclasses.dataclass(frozen=True)
class Checked:
    """An exercise's checks, and what a Check needs to run them honestly:
    where the exercise starts (the chapter's cells above that line are its
    state before the exercise) and the code of its solution above the
    checks (which must pass them; an empty answer must not)."""

    checks: str
    start: int  # 1-based line of the exercise's `exercise-start`
    solution: tuple[str, ...]  # the solution's shown code cells, in order


def solutions(chapter: Chapter) -> tuple[dict[str, int], dict[str, tuple[int, int]]]:
    """The exercise labels of a chapter with the line (1-based) of each
    `exercise-start`, and for each solution the lines of its
    `solution-start` and of the `solution-end` after it."""
    labels: dict[str, int] = {}
    spans = {}
    opened: tuple[str, int] | None = None
    for directive in chapter.directives:
        if directive.name == "exercise-start" and "label" in directive.options:
            labels[str(directive.options["label"])] = directive.line
        elif directive.name == "solution-start":
            opened = (directive.argument, directive.line)
        elif directive.name == "solution-end" and opened is not None:
            spans[opened[0]] = (opened[1], directive.line)
            opened = None
    if opened is not None:
        spans[opened[0]] = (opened[1], len(chapter.text.splitlines()))
    return labels, spans


def chapter_checks(chapter: Chapter) -> dict[str, Checked]:
    """Exercise label -> its checks, for one chapter. Raises
    CheckError, naming the chapter and line, for a check cell that is not
    hidden, names no exercise of the chapter, stands outside its solution,
    or has a check without a message."""
    labels, spans = solutions(chapter)
    found: dict[str, Checked] = {}
    for cell in chapter.cells:
        label = cell.options.get("check")
        if label is None:
            continue
        where = cell.where
        if not isinstance(label, str) or label not in labels:
            known = ", ".join(sorted(labels)) or "none"
            raise CheckError(
                f"{where}: `:check: {label}` names no exercise of "
                f"this chapter (its exercises: {known})"
            )
        if "remove-cell" not in cell.tags:
            raise CheckError(
                f"{where}: the checks of {label} must be hidden: add `:tags: [remove-cell]`"
            )
        start, end = spans.get(label, (0, 0))
        if not start < cell.fence_line < end:
            raise CheckError(
                f"{where}: the checks of {label} must stand inside its "
                f"solution, after the code they check, so that every build "
                f"runs them against the solution"
            )
        if label in found:
            raise CheckError(f"{where}: {label} has a second check cell; put all its checks in one")
        try:
            messages = check_messages(cell.source)
        except (ValueError, SyntaxError) as error:
            raise CheckError(f"{where}: {error}") from None
        if not messages:
            raise CheckError(
                f"{where}: the cell checks nothing: write each "
                f'check as `assert test, "what it checks"`'
            )
        solution = tuple(
            other.source
            for other in chapter.cells
            if start < other.fence_line < cell.fence_line and "remove-cell" not in other.tags
        )
        found[label] = Checked(cell.source, labels[label], solution)
    return found


def unhinted(chapter: Chapter) -> list[str]:
    """Where a solution has no hint right before it: every exercise gets
    a hint, folded, between the exercise and its solution
    (```{hint} with `:class: dropdown`), which the site and the PDF show."""
    missing = []
    before = None
    for directive in chapter.directives:
        if directive.name == "solution-start" and not (
            before is not None
            and before.name == "hint"
            and "dropdown" in str(before.options.get("class", "")).split()
        ):
            missing.append(
                f"{directive.where}: the solution of {directive.argument} has no "
                f"hint before it: add a ```{{hint}} with `:class: dropdown` between "
                f"the exercise and its solution, that helps a reader who is stuck"
            )
        before = directive
    return missing


def collect(app: Sphinx) -> dict[str, dict[str, Checked]]:
    """Chapter stem -> its checks, for every chapter that has some."""
    from tangle.sphinx_ext import tangled

    checks = {}
    for chapter in tangled(app).book.chapters:
        missing = unhinted(chapter)
        if missing:
            raise CheckError("\n".join(missing))
        found = chapter_checks(chapter)
        if found:
            checks[chapter.stem] = found
    return checks


def verify(app: Sphinx) -> None:
    """Fail early, before any chapter runs, on a misplaced check or an
    exercise without a hint."""
    collect(app)


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", verify)
