"""Exercises the reader can check (bookbuild/checks.py and
bookbuild/check_runner.py): where check cells may stand, what the runner
says about right and wrong code, and what the site ships. The Check button
itself is driven in Chromium by test_live.py."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bookbuild.check_runner import check_messages, report, run_checks
from bookbuild.checks import Checked, CheckError, chapter_checks
from tangle.book import Book, parse_chapter

# The exercises that ask for code and carry checks, by chapter.
CHECKED = {
    "01-derivatives": ["deriv-ex-central"],
    "02-value": ["value-ex-neg"],
    "04-neuron": ["neuron-ex-sigmoid"],
    "06-more-operations": ["ops-ex-sigmoid"],
    "08-gradient-check": ["check-ex-sigmoid"],
    "12-why-slow": ["slow-ex-closure"],
}

CENTRAL = """
def _square(x):
    return x * x


assert central(_square, -1.0, 0.5) == -2.0, "it nudges both ways"
assert central(_square, 3.0, 0.25) == 6.0, "the slope of x * x at 3 is 6"
"""


def right(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


def one_sided(f, x, h):
    return (f(x + h) - f(x)) / h


# -- the runner ------------------------------------------------------------------


def test_right_code_passes_every_check_and_says_so():
    results = run_checks(CENTRAL, {"central": right})
    assert [r["ok"] for r in results] == [True, True]
    assert report(results).splitlines() == [
        "✓ passed: it nudges both ways",
        "✓ passed: the slope of x * x at 3 is 6",
        "2 of 2 checks passed.",
    ]


def test_wrong_code_fails_with_the_checks_words():
    results = run_checks(CENTRAL, {"central": one_sided})
    assert [r["ok"] for r in results] == [False, False]
    assert "✗ did not pass: it nudges both ways" in report(results)
    assert report(results).endswith("0 of 2 checks passed.")


def test_missing_or_raising_code_is_named_in_the_result():
    results = run_checks(CENTRAL, {})
    assert all(not r["ok"] for r in results)
    assert results[0]["error"] == "NameError: name 'central' is not defined"

    def broken(f, x, h):
        return (f(x + h) - f(x - h)) / 0

    (first, _) = run_checks(CENTRAL, {"central": broken})
    assert first["error"] == "ZeroDivisionError: float division by zero"


def test_a_failing_set_up_statement_ends_the_run_with_a_reason():
    source = "x = make()\nassert x > 0, 'x is positive'\n"
    (only,) = run_checks(source, {})
    assert not only["ok"] and "could not run `x = make()`" in only["message"]
    assert only["error"] == "NameError: name 'make' is not defined"


def test_the_checks_leave_the_readers_names_alone():
    namespace = {"central": right, "_square": "mine"}
    run_checks(CENTRAL, namespace)
    assert namespace == {"central": right, "_square": "mine"}


@pytest.mark.parametrize("source", ["assert 1 == 1\n", "assert 1 == 1, f'{2}'\n"])
def test_a_check_without_words_is_refused(source):
    with pytest.raises(ValueError, match="line 1: give the check a message"):
        check_messages(source)
    with pytest.raises(ValueError):
        run_checks(source, {})


# -- where checks stand ------------------------------------------------------------


def exercise_chapter(check_cell: str, *, before_solution: bool = False) -> str:
    exercise = textwrap.dedent("""\
        ````{exercise-start}
        :label: ex-one
        ````

        Write `one()`.

        ````{exercise-end}
        ````
        """)
    solution = textwrap.dedent("""\
        ````{solution-start} ex-one
        :class: dropdown
        ````

        ```{code-cell} python
        def one():
            return 1
        ```
        """)
    end = "\n````{solution-end}\n````\n"
    if before_solution:
        return "# A\n\n" + exercise + check_cell + solution + end
    return "# A\n\n" + exercise + solution + check_cell + end


def check_cell(label="ex-one", tags="[remove-cell]", body="assert one() == 1, 'one is 1'"):
    tags_line = f":tags: {tags}\n" if tags else ""
    return f"\n```{{code-cell}} python\n{tags_line}:check: {label}\n{body}\n```\n"


def test_a_check_inside_its_solution_is_collected():
    chapter = parse_chapter("book/01-a.md", exercise_chapter(check_cell()))
    assert chapter_checks(chapter) == {
        "ex-one": Checked("assert one() == 1, 'one is 1'", 3, ("def one():\n    return 1",))
    }


@pytest.mark.parametrize(
    "text, words",
    [
        (exercise_chapter(check_cell(label="ex-two")), "names no exercise of this chapter"),
        (exercise_chapter(check_cell(tags="")), "must be hidden"),
        (exercise_chapter(check_cell(), before_solution=True), "must stand inside its solution"),
        (exercise_chapter(check_cell(body="x = 1")), "the cell checks nothing"),
        (exercise_chapter(check_cell(body="assert one() == 1")), "give the check a message"),
    ],
)
def test_a_misplaced_or_silent_check_is_an_error_naming_its_line(text, words):
    chapter = parse_chapter("book/01-a.md", text)
    lines = text.splitlines()
    option = next(i for i, line in enumerate(lines) if line.startswith(":check:"))
    line = max(i for i in range(option) if lines[i].startswith("```{code-cell}")) + 1
    with pytest.raises(CheckError, match=words) as error:
        chapter_checks(chapter)
    assert str(error.value).startswith(f"book/01-a.md:{line}: ")


def test_the_book_checks_the_exercises_that_ask_for_code(book: Book):
    found = {
        chapter.stem: sorted(chapter_checks(chapter))
        for chapter in book.chapters
        if chapter_checks(chapter)
    }
    assert found == CHECKED


def test_each_live_page_carries_its_chapters_checks(built_site: Path, book: Book):
    """The manifest of a live page (bookbuild/live.py) holds, for each
    exercise with checks, what its Check button sends to the page's Python:
    the chapter's checks, exactly, and not the runner (which the page's
    Python has already)."""
    for chapter in book.chapters[1:]:
        path = built_site / "_static" / "live" / f"{chapter.stem}.json"
        shipped = json.loads(path.read_text("utf-8"))["exercises"]
        assert {e["label"]: e["check"]["checks"] for e in shipped} == {
            label: checked.checks for label, checked in chapter_checks(chapter).items()
        }, chapter.path
        assert "def run_checks" not in path.read_text("utf-8"), chapter.path


# -- a check that the solution fails stops the build ----------------------------------


def test_a_solution_failing_its_check_stops_the_kernel_naming_the_exercise(toy):
    import nbclient

    toy.write(
        {
            "01-a": toy.chapter(
                "01-a",
                "A",
                toy.cell("def one():\n    return 2"),
                toy.cell("assert one() == 1, 'one() is 1'", tags="[remove-cell]", check="ex-one"),
            )
        }
    )
    with pytest.raises(nbclient.exceptions.CellExecutionError) as error:
        toy.execute((toy.root / "book/01-a.md").read_text())
    line = toy.line_of("01-a", "assert one() == 1")
    assert (
        f"book/01-a.md:{line}: the solution of exercise ex-one fails its own check (one() is 1)"
    ) in str(error.value)
