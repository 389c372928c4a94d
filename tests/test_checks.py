"""Exercises the reader can check (bookbuild/checks.py and
bookbuild/check_runner.py): where check cells may stand, what the runner
says about right and wrong code, and what the site ships. The Check button
itself is driven in Chromium by test_live.py."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from bookbuild.check_runner import check_messages, report, run_checks
from bookbuild.checks import Checked, CheckError, chapter_checks, solutions, unhinted
from bookbuild.live import prelude
from tangle.book import Book, parse_chapter

# The exercises whose answer is code or a number, with checks, by chapter;
# docs/live-pages.md lists the others, and why they have none.
CHECKED = {
    "01-derivatives": ["deriv-ex-central", "deriv-ex-cube", "deriv-ex-three"],
    "02-value": ["value-ex-count", "value-ex-neg", "value-ex-twice"],
    "03-backprop-by-hand": ["hand-ex-change-c", "hand-ex-downhill", "hand-ex-twice"],
    "04-neuron": ["neuron-ex-saturate", "neuron-ex-sigmoid", "neuron-ex-three"],
    "05-backward": ["backward-ex-cube", "backward-ex-order", "backward-ex-two-outputs"],
    "06-more-operations": ["ops-ex-self", "ops-ex-sigmoid", "ops-ex-softplus"],
    "08-gradient-check": ["check-ex-sigmoid", "check-ex-tolerance"],
    "09-networks": ["nn-ex-count", "nn-ex-linear", "nn-ex-relu"],
    "10-learning": ["learn-ex-accumulate", "learn-ex-rate", "learn-ex-sum"],
    "11-moons": ["moons-ex-data"],
    "12-why-slow": ["slow-ex-closure"],
    "90-how-pictures-are-made": ["pictures-ex-cube", "pictures-ex-save"],
}
DOCS = Path(__file__).resolve().parents[1] / "docs" / "live-pages.md"


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


def test_a_failed_comparison_shows_the_readers_value_beside_the_expected_one():
    source = (
        "assert triple(2) == 6, 'triple(2) is 6'\n"
        "assert abs(triple(0.5) - 1.5) < 1e-9, 'triple(0.5) is 1.5'\n"
        "assert 'b' in word, 'word holds a b'\n"
        "assert getattr(int, 'nope', None) is not None, 'int has nope'\n"
    )
    text = report(run_checks(source, {"triple": lambda x: x + x, "word": "aa"}))
    assert text.splitlines() == [
        "✗ did not pass: triple(2) is 6",
        "    yours:    triple(2) = 4",
        "    expected: 6",
        "✗ did not pass: triple(0.5) is 1.5",
        "    yours:    triple(0.5) = 1.0",
        "    expected: 1.5, to within 1e-09",
        "✗ did not pass: word holds a b",
        "    yours:    word = 'aa'",
        "    expected: something that holds 'b'",
        "✗ did not pass: int has nope",
        "    yours:    getattr(int, 'nope', None) = None",
        "    expected: not None",
        "0 of 4 checks passed.",
    ]
    # A check that passes, or one that raised, shows no values.
    (passed,) = run_checks("assert triple(1) == 2, 'triple(1)'\n", {"triple": lambda x: x + x})
    assert "yours" not in passed


def test_a_checks_state_is_rebuilt_from_the_cells_it_needs_and_no_others():
    """bookbuild/live.py `prelude`: the cells before an exercise that its
    Check reruns: those binding or changing (add_to_class) what the
    solution and the checks read, in turn what those read, and the cells
    that only define; not a slow run the checks do not need."""
    cells = [
        "import math",  # 0: only defines
        "class Value:\n    def __init__(self, data):\n        self.data = data",  # 1
        "@add_to_class(Value)\ndef double(self):\n    return Value(2 * self.data)",  # 2
        "losses = [slow_step() for _ in range(10**6)]",  # 3: not needed
        "x = Value(3.0)\nscale = 2.0",  # 4: binds x, which the checks read
        "y = x.double()",  # 5: y is the solution's own
    ]
    solution = ["y = x.double()"]
    checks = "assert y.data == scale * x.data, 'y is double x'"
    assert prelude(cells, [*solution, checks]) == [0, 1, 2, 4]


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


def test_every_exercise_has_a_hint_and_a_check_or_a_reason_for_none(book: Book):
    """At least 30 of the book's exercises are checked; docs/live-pages.md
    lists every other one with why it has no check; and every exercise
    has a hint, folded, right before its solution."""
    exercises = {label for chapter in book.chapters for label in solutions(chapter)[0]}
    checked = {label for labels in CHECKED.values() for label in labels}
    section = DOCS.read_text("utf-8").split("**Exercises without a check.**")[1]
    section = section.split("\n\n**")[0]
    unchecked = set(re.findall(r"`([a-z]+-ex-[a-z0-9-]+)`", section))
    assert len(exercises) == 42 and len(checked) >= 30
    assert checked.isdisjoint(unchecked) and checked | unchecked == exercises, (
        sorted(exercises - checked - unchecked),
        sorted(unchecked - exercises),
    )
    assert {chapter.stem: unhinted(chapter) for chapter in book.chapters} == {
        chapter.stem: [] for chapter in book.chapters
    }
    hints = sum(chapter.text.count("```{hint}\n:class: dropdown\n") for chapter in book.chapters)
    assert hints == len(exercises)


def test_a_solution_without_a_hint_before_it_is_an_error_naming_its_line():
    chapter = parse_chapter("book/01-a.md", exercise_chapter(check_cell()))
    (said,) = unhinted(chapter)
    line = exercise_chapter(check_cell()).splitlines().index("````{solution-start} ex-one") + 1
    assert said.startswith(f"book/01-a.md:{line}: the solution of ex-one has no hint")
    hinted = exercise_chapter(check_cell()).replace(
        "````{solution-start}", "```{hint}\n:class: dropdown\nTry 1.\n```\n\n````{solution-start}"
    )
    assert unhinted(parse_chapter("book/01-a.md", hinted)) == []


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


def test_each_page_shows_a_folded_hint_before_each_solution(built_site: Path, book: Book):
    """On the site, an exercise's hint is a folded box right before its
    (folded) solution; the PDF prints both (test_pdf)."""
    from conftest import page_soup

    for chapter in book.chapters[1:]:
        soup = page_soup(built_site, chapter.docname)
        boxes = soup.select("div.admonition.hint, div.solution")
        kinds = ["hint" if "hint" in box["class"] else "solution" for box in boxes]
        assert kinds == ["hint", "solution"] * len(solutions(chapter)[0]), chapter.path
        assert all("dropdown" in box["class"] for box in boxes), chapter.path
