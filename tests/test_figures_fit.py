"""Every moving picture of the built site, at a phone's width, a tablet's and
a desktop's, in light and dark pages: nothing in it is cut off, its colours
pass axe-core (contrast included) and a measure of the SVG text that axe
does not read, and every control in it works from the keyboard alone.

"Cut off" is measured, not looked at: an element whose content is wider
than its box (scrollWidth > clientWidth) clips it, unless it is a
deliberate sideways scroller, one that says it scrolls (overflow-x auto or
scroll) and that the keyboard can focus and scroll. Content that overflows
a box without clipping (overflow visible, as a full-width cell reaching into
the page's margin) must still lie on the screen, and the page itself must
not scroll sideways.

Also here, for every figure: it draws offline with a clean console and no
axe violations (a screenshot of each saved for a human to look at), works
from file:// URLs, and shows numbers as Python does; and axe-core is the
vendored release.

The figures' own behaviour is tested in test_figure_graph.py,
test_figure_neuron.py, test_figure_network.py and test_figure_loop.py."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from conftest import (
    AXE,
    BUILD,
    FIGURE_PAGES,
    axe_violations,
    figure,
    fmt,
    narration,
    open_figures,
    open_page,
    page_soup,
    traces_of,
)

VENDOR = Path(__file__).parent / "vendor"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

WIDTHS = [360, 768, 1280]
THEMES = ["light", "dark"]


def load(browser, server: str, docname: str, width: int, theme: str):
    """A page at a viewport width, in a theme, with every figure drawn and
    every solution open (a figure in a closed solution is laid out when the
    reader opens it)."""
    page, errors, outside = open_page(browser, f"{server}{docname}.html", server, theme)
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_function("[...document.querySelectorAll('.mgv')].every(f => f.dataset.mgvReady)")
    # The theme follows the reader's system, as the site's own switch does.
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    toggles = page.locator("div.solution.toggle-hidden > .admonition-title > button.toggle-button")
    for toggle in toggles.element_handles():
        toggle.click()
    page.wait_for_timeout(400)  # layout, and the figures' resize observers
    return page, errors, outside


def test_the_figure_pages_are_all_the_pages_with_figures(built_site):
    """FIGURE_PAGES (conftest.py), which the tests of figures loop over,
    lists every page that has a moving picture."""
    pages = {
        str(path.relative_to(built_site).with_suffix(""))
        for path in built_site.glob("book/*.html")
        if page_soup(built_site, str(path.relative_to(built_site).with_suffix(""))).select(
            "div.mgv"
        )
    }
    assert pages == set(FIGURE_PAGES)


# For each figure of the page: what is cut off in it or around it, and the
# deliberate scrollers in and around it (to try with the keyboard).
MEASURE = r"""() => {
  const article = document.querySelector('article.bd-article');
  const clips = (e) => getComputedStyle(e).overflowX !== 'visible';
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const wider = (e) => e.scrollWidth > e.clientWidth + 1;
  const name = (e) => e.tagName.toLowerCase() +
    (e.id ? '#' + e.id : '') +
    [...e.classList].slice(0, 3).map(c => '.' + c).join('');
  const shown = (e) => e.getClientRects().length > 0 &&
    getComputedStyle(e).visibility !== 'hidden';
  const pageWidth = document.documentElement.clientWidth;
  return [...document.querySelectorAll('div.mgv')].map((fig, index) => {
    const problems = [];
    const scrollers = [];
    if (!shown(fig)) return {index, shown: false, problems, scrollers};
    fig.dataset.fitIndex = String(index);
    const inside = [fig, ...fig.querySelectorAll('*')].filter(e =>
      e instanceof HTMLElement || e.tagName.toLowerCase() === 'svg' &&
      !(e.parentElement.closest('svg')));
    for (const e of inside) {
      if (!shown(e) || !wider(e)) continue;
      if (scrolls(e)) { scrollers.push(e); continue; }
      problems.push(`${name(e)} is ${e.scrollWidth} px wide inside ` +
                    `${e.clientWidth} px` + (clips(e) ? ', clipped' : ''));
    }
    // A drawing's content must lie inside its viewBox: an SVG clips what
    // lies outside.
    for (const svg of fig.querySelectorAll('svg')) {
      if (svg.parentElement.closest('svg') || !shown(svg)) continue;
      const view = svg.viewBox.baseVal;
      if (!view || !view.width) continue;
      const box = svg.getBBox();
      if (box.x < view.x - 1 || box.y < view.y - 1 ||
          box.x + box.width > view.x + view.width + 1 ||
          box.y + box.height > view.y + view.height + 1) {
        problems.push(`${name(svg)}: its drawing (${Math.round(box.x)}, ` +
          `${Math.round(box.y)}, ${Math.round(box.width)} × ` +
          `${Math.round(box.height)}) leaves its viewBox (${view.x}, ` +
          `${view.y}, ${view.width} × ${view.height})`);
      }
    }
    for (let e = fig.parentElement; e && article.contains(e); e = e.parentElement) {
      if (!wider(e) || !clips(e)) continue;
      if (scrolls(e)) scrollers.push(e);
      else problems.push(`${name(e)}, around the figure, clips it: ` +
                         `${e.scrollWidth} px wide inside ${e.clientWidth} px`);
    }
    const rect = fig.getBoundingClientRect();
    if (rect.left < -0.5 || rect.right > pageWidth + 0.5) {
      problems.push(`the figure runs off the screen: from ${Math.round(rect.left)} ` +
                    `to ${Math.round(rect.right)} px of ${pageWidth}`);
    }
    return {index, shown: true, problems,
            scrollers: scrollers.map((e, k) => {
              e.dataset.fitScroller = `${index}-${k}`;
              return name(e);
            })};
  });
}"""


def keyboard_scrolls(page, selector: str) -> bool:
    """Whether the element can take the focus and the arrow keys scroll it."""
    element = page.locator(selector)
    element.evaluate("e => { e.scrollLeft = 0; e.focus(); }")
    if not element.evaluate("e => document.activeElement === e"):
        return False
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)  # smooth scrolling
    return element.evaluate("e => e.scrollLeft > 0")


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_every_figure_fits_its_column(browser, server, docname, width, theme):
    page, errors, _ = load(browser, server, docname, width, theme)
    problems = []
    figures = page.evaluate(MEASURE)
    assert len(figures) == len(FIGURE_PAGES[docname])
    assert all(found["shown"] for found in figures), "a figure is not shown"
    for found in figures:
        where = f"{docname} at {width} px, {theme}, figure {found['index']}"
        problems += [f"{where}: {problem}" for problem in found["problems"]]
        for k, scroller in enumerate(found["scrollers"]):
            selector = f'[data-fit-scroller="{found["index"]}-{k}"]'
            if not keyboard_scrolls(page, selector):
                problems.append(f"{where}: {scroller} scrolls sideways, but not with the keyboard")
    overflow = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if overflow[0] > overflow[1] + 1:
        problems.append(
            f"{docname} at {width} px, {theme}: the page scrolls "
            f"sideways ({overflow[0]} px wide in {overflow[1]})"
        )
    assert not problems, "\n".join(problems)
    assert errors == [], errors
    page.close()


# -- colours -------------------------------------------------------------------

# axe-core does not measure the contrast of text in SVG drawings. This does,
# for every text of every figure: its fill against what lies behind it, the
# box or label it sits in (the first rect of its group) or else the
# figure's background, with WCAG's formula.
SVG_CONTRAST = r"""() => {
  const rgb = (text) => (text.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92
                                                        : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const background = (e) => {
    for (let a = e; a; a = a.parentElement) {
      const group = a.closest('g');
      const rect = group && group.querySelector(':scope > rect');
      if (rect && a === e) {
        const fill = getComputedStyle(rect).fill;
        if (fill && fill !== 'none' && rgb(fill)[3] !== 0) return rgb(fill);
      }
      const colour = getComputedStyle(a).backgroundColor;
      const parts = rgb(colour);
      if (parts.length === 3 || parts[3] > 0) return parts.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const text of document.querySelectorAll('.mgv svg text')) {
    if (!text.textContent.trim() || text.getClientRects().length === 0) continue;
    if (text.closest('[aria-hidden="true"]') && !text.closest('.mgv-key')) continue;
    const style = getComputedStyle(text);
    if (Number(style.opacity) === 0) continue;
    const fill = rgb(style.fill).slice(0, 3);
    const r = ratio(fill, background(text));
    if (r < 4.5) low.push(`"${text.textContent.trim().slice(0, 20)}" ` +
                          `(${style.fill}): ${r.toFixed(2)} : 1`);
  }
  return low;
}"""


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_the_figures_pass_axe_including_contrast(browser, server, docname, theme):
    """The figures at every width (their layout changes with it), with
    axe-core's rules, contrast included, and the SVG text axe does not
    read, at every step of each replay (its colours change)."""
    problems = []
    for width in WIDTHS:
        page, errors, _ = load(browser, server, docname, width, theme)
        where = f"{docname} at {width} px, {theme}"
        for rule, impact, count, nodes in axe_violations(page, [".mgv"]):
            problems.append(f"{where}: axe {rule} ({impact}), {count} nodes: {nodes}")
        problems += [f"{where}: SVG text {low}" for low in page.evaluate(SVG_CONTRAST)]
        if width == 1280:
            for i in range(page.locator(".mgv").count()):
                scrub = page.locator(".mgv").nth(i).locator(".mgv-scrub")
                if not scrub.count():
                    continue
                for k in range(int(scrub.first.get_attribute("max")) + 1):
                    scrub.first.fill(str(k))
                    problems += [
                        f"{where}: figure {i} at position {k}: SVG text {low}"
                        for low in page.evaluate(SVG_CONTRAST)
                    ]
        assert errors == [], errors
        page.close()
    problems = list(dict.fromkeys(problems))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_the_figure_pages_pass_axe_including_contrast(browser, server, docname, theme):
    """The whole text of each page with figures, as a reader meets the
    figures in it."""
    page, errors, _ = load(browser, server, docname, 1280, theme)
    result = axe_violations(page, ["article.bd-article"])
    assert result == [], result
    assert errors == [], errors
    page.close()


# -- the keyboard ---------------------------------------------------------------

CONTROLS = "button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex='-1'])"

# What a reader could see change in a figure: its markup, the values of its
# inputs and how far its scrollers are scrolled.
STATE = """(fig) => fig.innerHTML + '|' +
  [...fig.querySelectorAll('input, select, textarea')].map(e => e.value).join(',') + '|' +
  [...fig.querySelectorAll('*')].map(e => e.scrollLeft).join(',')"""


@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_every_control_of_every_figure_works_from_the_keyboard(browser, server, docname):
    """Tab, from just before a figure, reaches each of its controls in turn,
    and each does something with Enter, Space or the arrow keys."""
    page, errors, _ = load(browser, server, docname, 1280, "light")
    problems = []
    figures = page.locator("div.mgv")
    for i in range(figures.count()):
        fig = figures.nth(i)
        controls = mark(fig)
        assert controls, f"{docname}: figure {i} has no controls"
        # Tab from a button put just before the figure.
        fig.evaluate(
            "fig => { const b = document.createElement('button');"
            " b.id = 'before-figure'; b.textContent = 'before';"
            " fig.before(b); b.focus(); }"
        )
        reached = []
        for _ in range(len(controls) + 5):
            page.keyboard.press("Tab")
            k = page.evaluate(
                "document.activeElement.closest('.mgv') ? "
                "document.activeElement.dataset.control : null"
            )
            if k is None:
                break
            reached.append(int(k))
        page.evaluate("document.getElementById('before-figure').remove()")
        missing = sorted(set(controls) - set(reached))
        for k in missing:
            problems.append(f"{docname}: figure {i}: Tab never reaches " + describe(fig, k))
        for k in controls:
            mark(fig)  # a control may redraw others (a choice of data set)
            if not works(page, fig, k):
                problems.append(
                    f"{docname}: figure {i}: no key does anything to " + describe(fig, k)
                )
    assert not problems, "\n".join(problems)
    assert errors == [], errors
    page.close()


def mark(fig) -> list[int]:
    """Number the figure's controls, in page order (data-control)."""
    return fig.evaluate(
        "(fig, selector) => [...fig.querySelectorAll(selector)]"
        ".filter(e => e.getClientRects().length && !e.disabled)"
        ".map((e, k) => { e.dataset.control = String(k); return k; })",
        CONTROLS,
    )


def describe(fig, k: int) -> str:
    return fig.locator(f'[data-control="{k}"]').evaluate(
        "e => e.tagName.toLowerCase() + ' ' + JSON.stringify("
        "e.getAttribute('aria-label') || e.textContent.trim().slice(0, 40))"
    )


def works(page, fig, k: int) -> bool:
    """Whether a key changes what the figure shows, once the control has the
    focus: Enter or Space for a button (or a value in a drawing), an arrow
    key for a slider or a scroller, a letter for a text box. A control the
    figure marks as unavailable (aria-disabled) needs do nothing."""
    control = fig.locator(f'[data-control="{k}"]')
    if control.get_attribute("aria-disabled") == "true":
        return True
    control.focus()
    page.wait_for_timeout(50)
    before = fig.evaluate(STATE)
    kind = control.evaluate("e => e.tagName.toLowerCase() + ':' + (e.type || '')")
    if kind in ("input:range", "select:select-one", "div:", "svg:"):
        keys = ["ArrowRight", "ArrowLeft", "ArrowDown"]
    elif kind.startswith("textarea") or kind in ("input:text", "input:number"):
        keys = ["1"]
    else:
        keys = ["Enter", "Space"]
    changed = False
    for key in keys:
        page.keyboard.press(key)
        page.wait_for_timeout(400)  # smooth scrolling, a frame of play
        if fig.evaluate(STATE) != before:
            changed = True
            break
    # Stop anything the key started playing.
    for pause in fig.get_by_role("button", name="Pause").all():
        pause.focus()
        page.keyboard.press("Enter")
    # A choice already chosen (aria-pressed) does something once another
    # of its group is chosen.
    if not changed and control.get_attribute("aria-pressed") == "true":
        other = control.locator("xpath=../*[self::button][@aria-pressed='false']").first
        if other.count():
            other.focus()
            page.keyboard.press("Enter")
            control.focus()
            before = fig.evaluate(STATE)
            page.keyboard.press("Enter")
            changed = fig.evaluate(STATE) != before
    # Focus alone may be what a value in a drawing answers: it shows the
    # value's details (Enter then shows them again).
    if not changed and control.get_attribute("role") == "button":
        page.locator("body").evaluate("b => document.activeElement.blur()")
        idle = fig.evaluate(STATE)
        control.focus()
        changed = fig.evaluate(STATE) != idle
    return changed


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = BUILD / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- the tools: axe-core as vendored, numbers as Python shows them ------------


def test_axe_is_the_vendored_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.14.1")
    assert (VENDOR / "axe-core-LICENSE.txt").exists()


def test_numbers_are_shown_as_python_shows_them(browser, server):
    page, errors, _ = open_figures(browser, f"{server}book/05-backward.html", server)
    cases = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        2 / 3,
        -2 / 3,
        6.8813735870195432,
        0.03125,
        -0.03125,
        0.09375,
        1.00005,
        2.00015,
        12345.67895,
        1e-5,
        -1e-5,
        4.99995e-5,
        -4.99995e-5,
        0.70710678,
        -8.0,
        1 / 3 * 1e3,
        1e10 / 7,
        -3.999950000001,
    ]
    rng = random.Random(0)
    cases += [rng.uniform(-100, 100) for _ in range(300)]
    cases += [k / 2**15 for k in range(-400, 400, 7)]  # exact binary ties
    shown = page.evaluate("xs => xs.map(x => window.microgradViz.fmt(x))", cases)
    assert shown == [fmt(x) for x in cases]
    shown = page.evaluate("xs => xs.map(x => window.microgradViz.fmt(x, 1))", cases)
    assert shown == [fmt(x, 1) for x in cases]
    assert errors == []
    page.close()


# -- every page with figures: clean console, offline, accessible ---------------


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_figures_draw_offline_with_a_clean_console_and_no_axe_violations(
    browser, server, built_site, screenshots, docname, theme
):
    page, errors, outside = open_figures(browser, f"{server}{docname}.html", server, theme)
    traces = traces_of(built_site, docname)
    assert [t["kind"] for t in traces] == FIGURE_PAGES[docname]
    static = page_soup(built_site, docname)
    assert len(static.select("div.mgv > p.mgv-fallback")) == len(traces)
    figures = page.locator("div.mgv")
    assert figures.count() == len(traces)
    for i in range(figures.count()):
        fig = figures.nth(i)
        # Drawn: the player replaced the bare trace with a picture, and the
        # note for places where JavaScript does not run is gone.
        assert fig.locator("svg").count() >= 1
        assert fig.locator(".mgv-fallback").count() == 0
        assert fig.locator("button").count() >= 1 or fig.locator("input").count() >= 1
        # Nothing plays by itself.
        page.wait_for_timeout(300)
        step = fig.locator(".mgv-scrub")
        if step.count():
            assert step.first.input_value() == "0"
        if not fig.is_visible():  # a figure in a closed solution
            continue
        fig.scroll_into_view_if_needed()
        fig.screenshot(path=str(screenshots / f"{Path(docname).name}-{i}-{theme}.png"))
    result = axe_violations(page, [".mgv"])
    assert result == [], result
    assert errors == [], errors
    assert outside == [], outside
    page.close()


def test_figures_work_from_file_urls(browser, built_site):
    for docname in ("book/04-neuron", "book/11-moons"):
        url = (built_site / f"{docname}.html").as_uri()
        page, errors, outside = open_figures(browser, url, "file://")
        fig = figure(page)
        assert fig.locator("svg").count() >= 1
        if docname.endswith("moons"):
            fig.get_by_role("button", name="Forward").click()
            assert "step 3 of 60" in narration(fig)
        assert errors == [] and outside == [], (errors, outside)
        page.close()
