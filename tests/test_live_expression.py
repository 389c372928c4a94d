"""Your own expression (bookbuild/live/book_live/expression.py and its box in
live.js): under chapter 5's backward-pass figure, a live page draws the
forward and backward passes of an expression the reader types.

The quick tests run expression.py natively: what it draws, and what it
says for each kind of mistake. The browser tests type into the box on the
real page (Chromium, local server, every other request blocked).
"""

from __future__ import annotations

import importlib.util
import json
import math

import pytest

from conftest import ROOT, axe_violations, open_page
from micrograd.engine import Value

SOURCE = ROOT / "bookbuild" / "live" / "book_live" / "expression.py"
EXAMPLE_VALUES = "a = 2.0, b = -3.0, c = 10.0"
EXAMPLE = "(a * b + c).tanh()"
START_TIMEOUT = 60_000  # ms, as in test_live


@pytest.fixture(scope="module")
def expression():
    spec = importlib.util.spec_from_file_location("book_expression", SOURCE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def said(capsys) -> str:
    return capsys.readouterr().out


# -- natively ----------------------------------------------------------------


def test_the_example_is_drawn_with_the_engines_gradients(expression):
    figure = expression.your_expression(EXAMPLE_VALUES, EXAMPLE, Value)
    trace = figure.trace
    by_label = {node["label"]: node for node in trace["nodes"]}
    assert sorted(by_label)[:3] == ["a", "b", "c"] and "out" in by_label
    assert len(trace["nodes"]) == 6
    out = math.tanh(2.0 * -3.0 + 10.0)
    assert by_label["out"]["data"] == pytest.approx(out, abs=1e-15)
    slope = 1 - out**2
    assert by_label["a"]["grad"] == pytest.approx(slope * -3.0, abs=1e-15)
    assert by_label["b"]["grad"] == pytest.approx(slope * 2.0, abs=1e-15)
    assert by_label["c"]["grad"] == pytest.approx(slope, abs=1e-15)
    assert len(trace["backward"]) == 3  # tanh, +, *


def test_a_value_used_twice_gets_both_contributions(expression):
    trace = expression.your_expression("a = 2.0", "a * a", Value).trace
    a = next(node for node in trace["nodes"] if node["label"] == "a")
    assert a["grad"] == 4.0
    (step,) = trace["backward"]
    assert step["updates"][0]["uses"] == 2


def test_builtins_may_be_used(expression):
    figure = expression.your_expression(EXAMPLE_VALUES, "sum([a, b, c])", Value)
    assert figure is not None


@pytest.mark.parametrize(
    "values, typed, words",
    [
        (EXAMPLE_VALUES, "a +", "is not Python"),
        (EXAMPLE_VALUES, "a * d", "d has no value: add d = 1.0"),
        (EXAMPLE_VALUES, "a * d * e", "d, e have no value"),
        (EXAMPLE_VALUES, "3 * 4", "gives 12 (int), not a Value"),
        (EXAMPLE_VALUES, "a", "a single value"),
        (EXAMPLE_VALUES, "", "Type an expression"),
        (EXAMPLE_VALUES, "a.sqrt()", "no attribute 'sqrt'. This chapter's Value knows"),
        (EXAMPLE_VALUES, "a * 1e308 * 10", "too large for a float"),
        (EXAMPLE_VALUES, "a" + " * a" * 45, "too many to draw"),
        ("", "a * a", "Give the values a number each"),
        ("a = x", "a * a", "a = x: a value must be a number"),
        ("a = True", "a * a", "a = True: a value must be a number"),
        ("a = 1e400", "a * a", "a = 1e400: a value must be a number"),
        ("a: 2", "a * a", "not in the right form"),
        ("a = 2, 3", "a * a", "not in the right form"),
    ],
)
def test_each_mistake_is_said_in_words(expression, capsys, values, typed, words):
    assert expression.your_expression(values, typed, Value) is None
    text = said(capsys)
    assert text.startswith("Cannot draw it: ") and words in text, text
    assert "Traceback" not in text and text.count("\n") == 1


def test_the_hint_lists_what_this_chapters_value_knows(expression):
    class Small:  # a Value with only + and tanh, as early chapters have
        def __add__(self, other): ...
        def tanh(self): ...

    assert expression.what_value_knows(Small) == "+, .tanh()"
    assert expression.what_value_knows(Value).startswith("+ - * / **, .tanh()")


# -- in the page -------------------------------------------------------------


def open_live_chapter_5(browser, server, theme="light"):
    page, errors, outside = open_page(browser, f"{server}book/05-backward.html", server, theme)
    page.click('[data-live="toggle"]')
    page.wait_for_function(
        "window.bookLive && window.bookLive.startMs !== null", timeout=START_TIMEOUT
    )
    return page, errors, outside


def test_the_box_draws_what_the_reader_types(browser, server, expression):
    page, errors, outside = open_live_chapter_5(browser, server)
    boxes = page.locator('[data-live="expression"]')
    assert boxes.count() == 1
    box = boxes.first
    # It stands right under the chapter's backward-pass figure.
    assert box.evaluate(
        "b => b.previousElementSibling.classList.contains('tag_your-own-expression')"
    )
    # By keyboard alone: type into the fields, Enter draws.
    values = box.locator('[data-live="expression-values"]')
    typed = box.locator('[data-live="expression-expression"]')
    assert values.input_value() == EXAMPLE_VALUES
    assert typed.input_value() == EXAMPLE
    values.fill("a = 3.0, b = -0.5")
    typed.fill("(a * b + a).tanh()")
    typed.press("Enter")
    figure = box.locator('[data-live="expression-output"] div.mgv')
    figure.locator("svg").first.wait_for(timeout=60_000)
    assert figure.get_attribute("data-mgv-ready") == "yes"
    shown = json.loads(figure.locator('script[type="application/json"]').text_content())
    native = expression.your_expression("a = 3.0, b = -0.5", "(a * b + a).tanh()", Value).trace
    assert [n["label"] for n in shown["nodes"]] == [n["label"] for n in native["nodes"]]
    for mine, theirs in zip(shown["nodes"], native["nodes"], strict=True):
        assert mine["data"] == pytest.approx(theirs["data"], abs=1e-12)
        assert mine["grad"] == pytest.approx(theirs["grad"], abs=1e-12)
    # The player steps through it like the chapter's figure.
    assert figure.locator("button").count() >= 3

    # A mistake is said in words, and the next Draw works again.
    typed.fill("a * d")
    box.locator('[data-live="expression-draw"]').click()
    output = box.locator('[data-live="expression-output"]')
    output.get_by_text("d has no value").wait_for()
    assert output.locator("div.mgv").count() == 0
    box.locator('[data-live="expression-reset"]').click()
    assert typed.input_value() == EXAMPLE
    box.locator('[data-live="expression-draw"]').click()
    output.locator("div.mgv svg").first.wait_for()
    # The page's names stay the reader's: the box added none.
    page.evaluate("bookLive.cells[0].run('print(sorted(n for n in dir() if \"expression\" in n))')")
    page.locator("div.cell").first.get_by_text("[]").wait_for()

    page.click('[data-live="toggle"]')  # off: the box goes with live mode
    assert page.locator('[data-live="expression"]').count() == 0
    assert errors == [] and outside == [], (errors, outside)
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_box_is_accessible_and_fits_a_phone(browser, server, theme):
    page, errors, outside = open_live_chapter_5(browser, server, theme)
    box = page.locator('[data-live="expression"]')
    box.locator('[data-live="expression-draw"]').click()
    box.locator('[data-live="expression-output"] div.mgv svg').first.wait_for(timeout=60_000)
    result = axe_violations(page, ['[data-live="expression"]'])
    assert result == [], result
    page.set_viewport_size({"width": 360, "height": 800})
    page.wait_for_timeout(200)
    for selector in ('[data-live="expression"] input', '[data-live="expression"] button'):
        rights = page.locator(selector).evaluate_all(
            "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert rights and max(rights) <= 360, (selector, rights)
    assert box.evaluate("b => b.scrollWidth <= b.clientWidth + 1")
    assert errors == [] and outside == [], (errors, outside)
    page.close()
