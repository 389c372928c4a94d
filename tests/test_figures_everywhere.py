"""What every moving picture owes every reader, checked in one pass: each page
with figures, at a phone's width, a tablet's, a small laptop's (where the
theme widens full-width cells though its right margin is gone) and a
desktop's, in light and dark pages, is loaded once, with every outside request blocked, and in that
one load each figure must be

- drawn, and still until asked: the note for readers without JavaScript
  is gone, and nothing plays by itself;
- readable: its SVG text at 4.5:1 against what lies behind it and the
  lines that draw its weights at 1.2 px and 3:1 (WCAG's contrast, which
  axe-core does not measure in drawings), at every step of its replay;
- whole: nothing in it or around it cut off, the page not scrolling
  sideways, and a figure scrolling sideways only where it is meant to
  (SIDEWAYS), with a scroller the arrow keys scroll; saved as a screenshot
  to _build/screenshots/ for a human to look at;
- accessible: no axe-core violation, contrast included, in the figures
  (and at a desktop's width in the whole text of the page around them);
- usable from the keyboard: Tab reaches every control, at every width
  (a phone's adds the scrollers) and in both themes; and once per page, at
  a desktop's width in light pages, every control does something with
  Enter, Space or the arrow keys (what a key does depends on neither the
  width nor the theme; the phone's scrollers are scrolled with the keys
  above).

Some figures are measured in their widest state (PREPARE: the neuron with
its step table open, the network with its passes run). "Cut off" is
measured, not looked at: an element whose content is wider than its box
(scrollWidth > clientWidth) clips it, unless it is a deliberate sideways
scroller, one that says it scrolls (overflow-x auto or scroll) and that the
keyboard can focus and scroll. Content that overflows a box without
clipping (overflow visible) must still lie on the screen.

Also here: the list of pages the pass runs over, the figures over file://
URLs, the number format they all share, and axe-core as vendored. What each
figure does is tested in its own module: test_figure_graph.py (chapters 5
and 90), test_figure_neuron.py (4), test_figure_network.py (9) and
test_figure_loop.py (the replay of chapter 11); their traces, without a
browser, in test_figures.py."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import (
    AXE,
    BUILD,
    FIGURE_PAGES,
    axe_violations,
    figure,
    fmt,
    narration,
    open_figures,
    page_soup,
    traces_of,
)

VENDOR = Path(__file__).parent / "vendor"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

WIDTHS = [360, 768, 1100, 1280]
THEMES = ["light", "dark"]

# Where each figure of a page scrolls sideways, on purpose, and with what:
# {width: the scroller}. At any other width nothing in it may. The graph's
# stage (one for every figure) keeps a drawing readable on a narrow screen
# and then says so (a region, with a name and a note); chapter 90's long
# expression needs it everywhere.
STAGE = "div.mgv-stage.mgv-scroller[role=region]"
SIDEWAYS = {
    "book/04-neuron": [{360: STAGE}],
    "book/05-backward": [{360: STAGE}],
    "book/09-networks": [{360: STAGE}],
    "book/11-moons": [{}, {}],  # the replay, and Exercise 11.1's in its solution
    "book/90-how-pictures-are-made": [{360: STAGE, 768: STAGE, 1100: STAGE, 1280: STAGE}],
}


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


# -- the pages the pass runs over ----------------------------------------------


def test_the_figure_pages_are_all_the_pages_with_figures(built_site):
    """FIGURE_PAGES (conftest.py), which the tests of figures loop over,
    lists every page that has a moving picture, and the kind of each, in
    page order; each figure carries its note for readers without
    JavaScript."""
    found = {}
    for path in built_site.glob("book/*.html"):
        docname = str(path.relative_to(built_site).with_suffix(""))
        figures = page_soup(built_site, docname).select("div.mgv")
        if figures:
            found[docname] = figures
    assert set(found) == set(FIGURE_PAGES)
    for docname, figures in found.items():
        assert [t["kind"] for t in traces_of(built_site, docname)] == FIGURE_PAGES[docname]
        assert all(f.select(":scope > p.mgv-fallback") for f in figures), docname
    assert {d: len(kinds) for d, kinds in SIDEWAYS.items()} == {
        d: len(kinds) for d, kinds in FIGURE_PAGES.items()
    }


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


# -- the pass -------------------------------------------------------------------


def load(browser, server: str, docname: str, width: int, theme: str):
    """A page at a viewport width, in a theme, with every figure drawn and
    every solution open (a figure in a closed solution is laid out when the
    reader opens it)."""
    page, errors, outside = open_figures(browser, f"{server}{docname}.html", server, theme)
    page.set_viewport_size({"width": width, "height": 900})
    # The theme follows the reader's system, as the site's own switch does.
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    toggles = page.locator("div.solution.toggle-hidden > .admonition-title > button.toggle-button")
    for toggle in toggles.element_handles():
        toggle.click()
    page.wait_for_timeout(400)  # layout, and the figures' resize observers
    return page, errors, outside


def neuron_at_its_widest(page, fig) -> None:
    """A step taken, with its table, and the table of all values open."""
    fig.get_by_role("button", name="Take one step").click()
    fig.locator("details.mgv-more summary").click()


def network_at_its_widest(page, fig) -> None:
    """One example's passes run to their end (at once, as for a reader who
    asks for less motion), and the last weight focused: numbers on every
    neuron, and the longest details."""
    page.emulate_media(reduced_motion="reduce")
    fig.get_by_role("button", name="Backward pass", exact=True).click()
    page.emulate_media(reduced_motion="no-preference")
    fig.locator('g[data-weight="3-0-2"]').focus()


PREPARE = {"neuron": neuron_at_its_widest, "network": network_at_its_widest}


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("docname", sorted(FIGURE_PAGES))
def test_every_figure_fits_reads_and_answers_the_keyboard(browser, server, docname, width, theme):
    page, errors, outside = load(browser, server, docname, width, theme)
    where = f"{docname} at {width} px, {theme}"
    problems = []
    figures = page.locator("div.mgv")
    assert figures.count() == len(FIGURE_PAGES[docname])
    for i in range(figures.count()):
        fig = figures.nth(i)
        # Drawn: the player replaced the bare trace with a picture, and the
        # note for places where JavaScript does not run is gone. Nothing
        # has played by itself since the page loaded.
        assert fig.locator("svg").count() >= 1, f"{where}: figure {i} is not drawn"
        assert fig.locator(".mgv-fallback").count() == 0
        for scrub in fig.locator(".mgv-scrub").all():
            assert scrub.input_value() == "0", f"{where}: figure {i} plays by itself"

    # Readable, at every step of each replay (its colours change).
    problems += [f"{where}: {low}" for low in page.evaluate(COLOURS, True)]
    for i, kind in enumerate(FIGURE_PAGES[docname]):
        if kind in PREPARE:
            PREPARE[kind](page, figure(page, i))

    # Whole.
    for found in page.evaluate(MEASURE):
        i = found["index"]
        problems += [f"{where}: figure {i}: {problem}" for problem in found["problems"]]
        expected = SIDEWAYS[docname][i].get(width)
        if found["scrollers"] != ([expected] if expected else []):
            problems.append(
                f"{where}: figure {i} scrolls sideways with {found['scrollers']}, "
                f"not {expected or 'nothing'}"
            )
    overflow = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    if overflow[0] > overflow[1] + 1:
        problems.append(
            f"{where}: the page scrolls sideways ({overflow[0]} px wide in {overflow[1]})"
        )
    shots = BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for i in range(figures.count()):
        figures.nth(i).screenshot(path=str(shots / f"{Path(docname).name}-{i}-{theme}-{width}.png"))
    for scroller in page.locator("[data-fit-scroller]").all():
        if not keyboard_scrolls(page, scroller):
            problems.append(
                f"{where}: figure {scroller.get_attribute('data-fit-scroller')} scrolls "
                "sideways, but not with the keyboard"
            )

    # Accessible: the figures; at a desktop's width, the whole text of the
    # page around them too (not on a phone, where wide cell outputs of
    # some chapters are scrollers axe finds unfocusable: not the figures').
    scope = ["article.bd-article"] if width == 1280 else [".mgv"]
    for rule, impact, count, nodes in axe_violations(page, scope):
        problems.append(f"{where}: axe {rule} ({impact}), {count} nodes: {nodes}")
    problems += [f"{where}, widest: {low}" for low in page.evaluate(COLOURS, False)]

    # Usable from the keyboard.
    for i in range(figures.count()):
        fig = figures.nth(i)
        controls = mark(fig)
        assert controls, f"{where}: figure {i} has no controls"
        reached = tab_through(page, fig, len(controls))
        for k in sorted(set(controls) - set(reached)):
            problems.append(f"{where}: figure {i}: Tab never reaches {describe(fig, k)}")
        if width == 1280 and theme == "light":
            for k in controls:
                mark(fig)  # a control may redraw others (a choice of data set)
                if not works(page, fig, k):
                    problems.append(
                        f"{where}: figure {i}: no key does anything to {describe(fig, k)}"
                    )

    assert not problems, "\n".join(dict.fromkeys(problems))
    assert errors == [], errors
    assert outside == [], outside
    page.close()


# For each figure of the page: what is cut off in it or around it, and the
# deliberate scrollers in and around it (to try with the keyboard), each
# named with its role.
MEASURE = r"""() => {
  const article = document.querySelector('article.bd-article');
  const clips = (e) => getComputedStyle(e).overflowX !== 'visible';
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const wider = (e) => e.scrollWidth > e.clientWidth;
  const name = (e) => e.tagName.toLowerCase() +
    (e.id ? '#' + e.id : '') +
    [...e.classList].slice(0, 3).map(c => '.' + c).join('') +
    (e.getAttribute('role') ? `[role=${e.getAttribute('role')}]` : '');
  const shown = (e) => e.getClientRects().length > 0 &&
    getComputedStyle(e).visibility !== 'hidden';
  const pageWidth = document.documentElement.clientWidth;
  return [...document.querySelectorAll('div.mgv')].map((fig, index) => {
    const problems = [];
    const scrollers = [];
    if (!shown(fig)) return {index, problems: ['it is not shown'], scrollers};
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
    // In its column, and on the screen.
    const rect = fig.getBoundingClientRect();
    const column = fig.parentElement.getBoundingClientRect();
    if (rect.left < column.left - 0.5 || rect.right > column.right + 0.5) {
      problems.push(`it leaves its column: from ${Math.round(rect.left)} to ` +
                    `${Math.round(rect.right)} px, the column from ` +
                    `${Math.round(column.left)} to ${Math.round(column.right)}`);
    }
    if (rect.left < -0.5 || rect.right > pageWidth + 0.5) {
      problems.push(`it runs off the screen: from ${Math.round(rect.left)} ` +
                    `to ${Math.round(rect.right)} px of ${pageWidth}`);
    }
    return {index, problems,
            scrollers: scrollers.map((e, k) => {
              e.dataset.fitScroller = `${index}-${k}`;
              return name(e);
            })};
  });
}"""


def keyboard_scrolls(page, element) -> bool:
    """Whether the element can take the focus and the arrow keys scroll it."""
    element.evaluate("e => { e.scrollLeft = 0; e.focus(); }")
    if not element.evaluate("e => document.activeElement === e"):
        return False
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)  # smooth scrolling
    return element.evaluate("e => e.scrollLeft > 0")


# -- colours -------------------------------------------------------------------

# WCAG's contrast, measured where axe-core does not: every text of every
# figure's drawings against what lies behind it (the box or label it sits
# in, the first rect of its group, or else the nearest background), at
# least 4.5:1; and every line that draws a weight at least 1.2 px on
# screen, opaque, and 3:1 against the figure's background (WCAG's contrast
# for graphics). With `everyPosition`, at every step of each replay, which
# then goes back to its start; else only the text, as the figures stand
# (pointing at a weight fades the other lines, on purpose).
COLOURS = r"""(everyPosition) => {
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
  const low = (fig, where, lines) => {
    const out = [];
    for (const text of fig.querySelectorAll('svg text')) {
      if (!text.textContent.trim() || text.getClientRects().length === 0) continue;
      if (text.closest('[aria-hidden="true"]') && !text.closest('.mgv-key')) continue;
      const style = getComputedStyle(text);
      if (Number(style.opacity) === 0) continue;
      const r = ratio(rgb(style.fill).slice(0, 3), background(text));
      if (r < 4.5) out.push(`${where}: SVG text "${text.textContent.trim().slice(0, 20)}" ` +
                            `(${style.fill}): ${r.toFixed(2)} : 1`);
    }
    const paper = rgb(getComputedStyle(fig).backgroundColor).slice(0, 3);
    for (const line of lines ? fig.querySelectorAll('g[data-weight] line.mgv-weight') : []) {
      const style = getComputedStyle(line);
      const scale = style.vectorEffect === 'non-scaling-stroke' ? 1 : line.getScreenCTM().a;
      const width = parseFloat(style.strokeWidth) * scale;
      const opacity = Number(style.strokeOpacity) * Number(style.opacity);
      const r = ratio(rgb(style.stroke).slice(0, 3), paper);
      if (width < 1.2 || opacity !== 1 || r < 3) {
        out.push(`${where}: the line of w = ${line.parentNode.dataset.w} is ` +
                 `${width.toFixed(2)} px, opacity ${opacity}, ${r.toFixed(2)} : 1`);
      }
    }
    return out;
  };
  const problems = [];
  document.querySelectorAll('div.mgv').forEach((fig, i) => {
    const scrub = fig.querySelector('.mgv-scrub');
    if (!everyPosition || !scrub) {
      problems.push(...low(fig, `figure ${i}`, everyPosition));
      return;
    }
    const go = (k) => {
      scrub.value = String(k);
      scrub.dispatchEvent(new Event('input', {bubbles: true}));
    };
    for (let k = 0; k <= Number(scrub.max); k++) {
      go(k);
      problems.push(...low(fig, `figure ${i} at position ${k}`, true));
    }
    go(0);
  });
  return problems;
}"""


# -- the keyboard ---------------------------------------------------------------

CONTROLS = "button, input, select, textarea, summary, a[href], [tabindex]:not([tabindex='-1'])"

# What a reader could see change in a figure: its markup, the values of its
# inputs and how far its scrollers are scrolled.
STATE = """(fig) => fig.innerHTML + '|' +
  [...fig.querySelectorAll('input, select, textarea')].map(e => e.value).join(',') + '|' +
  [...fig.querySelectorAll('*')].map(e => e.scrollLeft).join(',')"""


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


def tab_through(page, fig, count: int) -> list[int]:
    """Tab, from a button put just before the figure, through the figure:
    the controls reached, in turn."""
    fig.evaluate(
        "fig => { const b = document.createElement('button');"
        " b.id = 'before-figure'; b.textContent = 'before';"
        " fig.before(b); b.focus(); }"
    )
    reached = []
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        k = page.evaluate(
            "document.activeElement.closest('.mgv') ? document.activeElement.dataset.control : null"
        )
        if k is None:
            break
        reached.append(int(k))
    page.evaluate("document.getElementById('before-figure').remove()")
    return reached


def changes(page, fig, before: str) -> bool:
    """Whether what the figure shows changes from `before` within 0.4 s
    (smooth scrolling, a frame of play)."""
    try:
        page.wait_for_function(
            f"([fig, before]) => ({STATE})(fig) !== before",
            arg=[fig.element_handle(), before],
            timeout=400,
        )
    except PlaywrightTimeout:
        return False
    return True


def works(page, fig, k: int) -> bool:
    """Whether a key changes what the figure shows, once the control has the
    focus: Enter or Space for a button (or a value in a drawing), an arrow
    key for a slider or a scroller, a letter for a text box. A control the
    figure marks as unavailable (aria-disabled) needs do nothing."""
    control = fig.locator(f'[data-control="{k}"]')
    if control.get_attribute("aria-disabled") == "true":
        return True
    # Focus alone may be what a value in a drawing answers: it shows the
    # value's details (Enter then shows them again).
    if control.get_attribute("role") == "button":
        page.locator("body").evaluate("b => document.activeElement.blur()")
        idle = fig.evaluate(STATE)
        control.focus()
        if fig.evaluate(STATE) != idle:
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
        if changes(page, fig, before):
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
    return changed
