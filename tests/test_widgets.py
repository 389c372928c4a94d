"""The moving pictures, in a real browser: every figure of the built site is
loaded with all non-local requests blocked, driven (click, step, hover, move
a slider), and the numbers it shows are compared with the Python trace it
came from and with the engine itself. Plus: no console errors, no outside
requests, no axe-core violations, keyboard and reduced motion.

The traces themselves, without a browser, are checked in test_figures.py; the
figures' stills in the PDF in test_pdf.py."""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import random
import re
from pathlib import Path

import pytest

from conftest import AXE, BUILD, FIGURE_PAGES, axe_violations, open_page, page_soup, traces_of

VENDOR = Path(__file__).parent / "vendor"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"


def fmt(x: float, digits: int = 4) -> str:
    """A number as the figures show it: Python's own rounding, and no minus
    sign on a number that shows as zero."""
    text = f"{x:.{digits}f}"
    return text[1:] if re.fullmatch(r"-0\.0*", text) else text


def percent(fraction: float) -> str:
    return fmt(100 * fraction, 1) + " %"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    folder = BUILD / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load(browser, url: str, prefix: str, theme: str = "light", **options):
    """Open a page and wait until every figure on it is drawn."""
    page, errors, outside = open_page(browser, url, prefix, theme, **options)
    page.wait_for_function("[...document.querySelectorAll('.mgv')].every(f => f.dataset.mgvReady)")
    return page, errors, outside


def figure(page, index: int = 0):
    return page.locator("div.mgv").nth(index)


def narration(fig) -> str:
    return " ".join(fig.locator(".mgv-narration").first.inner_text().split())


# -- the tools: axe-core as vendored, numbers as Python shows them ------------


def test_axe_is_the_vendored_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    assert AXE.read_text(encoding="utf-8").startswith("/*! axe v4.14.1")
    assert (VENDOR / "axe-core-LICENSE.txt").exists()


def test_numbers_are_shown_as_python_shows_them(browser, server):
    page, errors, _ = load(browser, f"{server}book/05-backward.html", server)
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
    page, errors, outside = load(browser, f"{server}{docname}.html", server, theme)
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
        page, errors, outside = load(browser, url, "file://")
        fig = figure(page)
        assert fig.locator("svg").count() >= 1
        if docname.endswith("moons"):
            fig.get_by_role("button", name="Forward").click()
            assert "step 3 of 60" in narration(fig)
        assert errors == [] and outside == [], (errors, outside)
        page.close()


# -- figure 1: the graph, replayed ------------------------------------------------


def replay(trace: dict, k: int) -> dict:
    """What the graph figure should show at position k, from the trace."""
    nodes, forward = trace["nodes"], trace["forward"]
    known = set(forward[: min(k, len(forward))])
    grad = [0.0] * len(nodes)
    if k > len(forward):
        grad[trace["root"]] = 1.0
    for step in trace["backward"][: max(0, k - len(forward) - 1)]:
        for update in step["updates"]:
            grad[update["child"]] = update["after"]
    return {"known": known, "grad": grad}


def test_the_graph_steps_forward_and_backward_showing_the_trace(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/05-backward")
    nodes = trace["nodes"]
    count = len(trace["forward"]) + 2 + len(trace["backward"])
    page, errors, _ = load(browser, f"{server}book/05-backward.html", server)
    fig = figure(page)
    forward = fig.get_by_role("button", name="Forward")
    assert "nothing is computed yet" in narration(fig)
    for k in range(1, count):
        forward.click()
        text = narration(fig)
        assert fig.locator(".mgv-counter").inner_text() == f"Step {k} of {count - 1}"
        expected = replay(trace, k)
        for i, node in enumerate(nodes):
            box = fig.locator(f'g.mgv-node[data-node="{i}"]')
            shown = box.locator("text").all_text_contents()
            if i in expected["known"]:
                assert f"data {fmt(node['data'])}" in shown, (k, node["label"], shown)
                assert f"grad {fmt(expected['grad'][i])}" in shown, (k, node["label"], shown)
            else:
                assert "data ?" in shown
        if k <= len(trace["forward"]):
            node = nodes[trace["forward"][k - 1]]
            assert text.startswith(f"Forward: {node['label']} = ")
            assert text.endswith(f"{fmt(node['data'])}.") or "an input" in text
        elif k == len(trace["forward"]) + 1:
            assert f"{nodes[trace['root']]['label']}.grad = 1" in text
        else:
            step = trace["backward"][k - len(trace["forward"]) - 2]
            assert text.startswith(f"{nodes[step['node']]['label']}._backward() runs")
            labels = fig.locator(".mgv-edge-label").all_text_contents()
            assert len(labels) == len(step["updates"])
            for u in step["updates"]:
                equation = (
                    f"{fmt(u['local'])} × {fmt(step['upstream'])} = {fmt(u['after'] - u['before'])}"
                )
                assert equation in text and equation in labels, (equation, text, labels)
                assert f"from {fmt(u['before'])} to {fmt(u['after'])}" in text
                if u["before"] != 0:  # a value used twice: += accumulates
                    assert "+= adds this contribution" in text
    # At the end, both inputs used twice carry the += badge.
    badges = {
        nodes[i]["label"]: fig.locator(f'g.mgv-node[data-node="{i}"] .mgv-badge').text_content()
        for i in range(len(nodes))
    }
    assert badges["a"] == "+=" and badges["b"] == "+=" and badges["f"] == ""
    # Hover shows a value's label, data, grad, operation and formula.
    d = next(i for i, n in enumerate(nodes) if n["label"] == "d")
    fig.locator(f'g.mgv-node[data-node="{d}"]').hover()
    details = fig.locator(".mgv-details").inner_text()
    a, b = (next(n for n in nodes if n["label"] == x) for x in "ab")
    assert details == (
        f"d · data {fmt(nodes[d]['data'])} · grad {fmt(nodes[d]['grad'])}"
        f" · operation × · d = a × b = {fmt(a['data'])} × "
        f"{fmt(b['data'])} = {fmt(nodes[d]['data'])}"
    )
    # Back, reset and the scrubber.
    fig.get_by_role("button", name="Back").click()
    assert fig.locator(".mgv-counter").inner_text() == f"Step {count - 2} of {count - 1}"
    fig.get_by_role("button", name="Reset").click()
    assert fig.locator(".mgv-scrub").input_value() == "0"
    fig.locator(".mgv-scrub").fill(str(len(trace["forward"])))
    assert narration(fig).startswith("Forward: f = d × e")
    assert errors == []
    page.close()


def test_the_graph_plays_and_pauses_and_answers_the_keyboard(browser, server):
    page, errors, _ = load(browser, f"{server}book/05-backward.html", server)
    fig = figure(page)
    live = fig.locator(".mgv-narration")
    assert live.get_attribute("role") == "status"
    assert live.get_attribute("aria-live") == "polite"
    play = fig.get_by_role("button", name="Play")
    play.click()
    assert fig.get_by_role("button", name="Pause").get_attribute("aria-pressed") == "true"
    assert live.get_attribute("aria-live") == "off"  # quiet while playing
    page.wait_for_function("document.querySelector('.mgv-scrub').value >= 2", timeout=5000)
    fig.get_by_role("button", name="Pause").click()
    stopped = fig.locator(".mgv-scrub").input_value()
    page.wait_for_timeout(1200)
    assert fig.locator(".mgv-scrub").input_value() == stopped
    assert live.get_attribute("aria-live") == "polite"
    # Keyboard: the buttons take Enter, the scrubber takes arrow keys, and
    # Tab reaches the values in the drawing, whose details then show.
    fig.get_by_role("button", name="Reset").focus()
    page.keyboard.press("Enter")
    assert fig.locator(".mgv-scrub").input_value() == "0"
    fig.get_by_role("button", name="Forward").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert fig.locator(".mgv-scrub").input_value() == "2"
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "solid" and outline[1] >= 2  # focus is visible
    fig.locator(".mgv-scrub").focus()
    page.keyboard.press("ArrowRight")
    assert fig.locator(".mgv-scrub").input_value() == "3"
    fig.locator("g.mgv-node").first.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "button"
    assert fig.locator(".mgv-details").inner_text().startswith("a · ")
    page.keyboard.press("Tab")
    assert fig.locator(".mgv-details").inner_text().startswith("b · ")
    assert errors == []
    page.close()


def test_reduced_motion_stills_the_flowing_arrows(browser, server):
    for motion, animated in (("reduce", False), ("no-preference", True)):
        page, errors, _ = load(
            browser, f"{server}book/05-backward.html", server, reduced_motion=motion
        )
        fig = figure(page)
        fig.locator(".mgv-scrub").fill("8")
        animation = page.evaluate(
            "getComputedStyle(document.querySelector('.mgv-edge.mgv-active')).animationName"
        )
        assert (animation != "none") == animated, (motion, animation)
        assert errors == []
        page.close()


GRAPH_PAGES = sorted(d for d, kinds in FIGURE_PAGES.items() if "graph" in kinds)

# For every position of the first graph figure of the page: each edge label,
# and what it covers: the other arrows (points along their drawn paths), the
# boxes of values and circles of operations, and the other labels.
LABEL_COVERS = """() => {
  const fig = [...document.querySelectorAll('.mgv')]
    .find(f => f.querySelector('.mgv-edge-label, g.mgv-node') &&
               f.querySelector('.mgv-scrub'));
  const scrub = fig.querySelector('.mgv-scrub');
  const inside = (p, b) => p.x > b.x + 1 && p.x < b.x + b.width - 1 &&
                           p.y > b.y + 1 && p.y < b.y + b.height - 1;
  const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width &&
                         a.y < b.y + b.height && b.y < a.y + a.height;
  const out = [];
  for (let k = 0; k <= Number(scrub.max); k++) {
    scrub.value = String(k);
    scrub.dispatchEvent(new Event('input', {bubbles: true}));
    const labels = [...fig.querySelectorAll('.mgv-edge-label')];
    const boxes = labels.map(l => l.querySelector('rect').getBBox());
    labels.forEach((label, n) => {
      const box = boxes[n];
      const covers = [];
      const own = label.dataset.edge;
      for (const path of fig.querySelectorAll('svg path.mgv-edge')) {
        const key = path.dataset.to ? `${path.dataset.from}>${path.dataset.to}`
                                    : path.dataset.from;
        if (key === own) continue;
        const length = path.getTotalLength();
        for (let s = 0; s <= 200; s++) {
          if (inside(path.getPointAtLength(length * s / 200), box)) {
            covers.push('arrow ' + key); break;
          }
        }
      }
      for (const shape of fig.querySelectorAll('g.mgv-node rect, g.mgv-op circle')) {
        if (meet(shape.getBBox(), box)) covers.push('a box or circle');
      }
      boxes.forEach((other, m) => { if (m !== n && meet(other, box)) covers.push('label'); });
      const view = fig.querySelector('svg.mgv-svg').viewBox.baseVal;
      if (box.x < 0 || box.y < 0 || box.x + box.width > view.width ||
          box.y + box.height > view.height) covers.push('the edge of the drawing');
      // The label is on its own arrow, or touches it.
      const path = fig.querySelector(`path.mgv-edge[data-from="${own.split('>')[0]}"]` +
                                     `[data-to="${own.split('>')[1]}"]`);
      const length = path.getTotalLength();
      const near = {x: box.x - 4, y: box.y - 4, width: box.width + 8, height: box.height + 8};
      let touches = false;
      for (let s = 0; s <= 200 && !touches; s++) {
        touches = inside(path.getPointAtLength(length * s / 200), near);
      }
      out.push({k, edge: own, text: label.textContent, covers, touches});
    });
  }
  return out;
}"""


@pytest.mark.parametrize("docname", GRAPH_PAGES)
def test_edge_labels_cover_no_other_arrow_box_or_label(browser, server, built_site, docname):
    """At every step of the replay, each label sits on its own arrow and
    covers no other arrow, no value's box, no operation's circle and no
    other label, and stays inside the drawing."""
    traces = [t for t in traces_of(built_site, docname) if t["kind"] == "graph"]
    page, errors, _ = load(browser, f"{server}{docname}.html", server)
    labels = page.evaluate(LABEL_COVERS)
    expected = sum(len(step["updates"]) for step in traces[0]["backward"])
    assert len(labels) == expected  # every contribution got its label
    bad = [label for label in labels if label["covers"] or not label["touches"]]
    assert not bad, bad
    assert errors == []
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_graph_has_a_key_to_its_colours(browser, server, theme):
    """The key under the graph draws each mark in the very colour and
    dash the graph uses for it, in light and dark pages."""
    page, errors, _ = load(browser, f"{server}book/05-backward.html", server, theme)
    fig = figure(page)
    key = fig.locator("ul.mgv-key")
    assert key.is_visible()
    items = key.locator("li").all_inner_texts()
    assert [" ".join(item.split()) for item in items] == [
        "computed now, or its _backward runs",
        "its grad changes now",
        "carries local × upstream = added",
        "not computed yet",
        "+= grad collected more than one contribution",
    ]
    fig.locator(".mgv-scrub").fill("0")
    style = "(e, p) => getComputedStyle(e)[p]"
    pending = fig.locator("g.mgv-node.mgv-pending rect").first
    swatch = key.locator(".mgv-swatch-pending rect")
    assert (
        swatch.evaluate(style, "strokeDasharray")
        == pending.evaluate(style, "strokeDasharray")
        != "none"
    )
    last = int(fig.locator(".mgv-scrub").get_attribute("max"))
    fig.locator(".mgv-scrub").fill(str(last))
    page.wait_for_timeout(500)  # the boxes' colours fade in (.25 s)
    plain = fig.locator("svg.mgv-svg path.mgv-edge:not(.mgv-active)").first
    strokes = set()
    for swatch, drawn in (
        (".mgv-swatch-current rect", "g.mgv-node.mgv-current rect"),
        (".mgv-swatch-touched rect", "g.mgv-node.mgv-touched rect"),
        (".mgv-key-arrow", "path.mgv-edge.mgv-active"),
    ):
        shown = key.locator(swatch).first.evaluate(style, "stroke")
        assert shown == fig.locator(f"svg.mgv-svg {drawn}").first.evaluate(style, "stroke")
        strokes.add(shown)
    # The two highlights differ from each other and from a plain arrow.
    assert len(strokes) == 2 and plain.evaluate(style, "stroke") not in strokes
    badge = fig.locator("g.mgv-node .mgv-badge", has_text="+=").first
    assert key.locator(".mgv-badge").evaluate(style, "fill") == badge.evaluate(style, "fill")
    assert errors == []
    page.close()


def test_a_graph_too_wide_for_a_phone_scrolls_and_follows_the_steps(browser, server, built_site):
    """On a phone the graph keeps three quarters of its size, so that its
    numbers stay readable, and scrolls sideways: the stage can then be
    focused and scrolled with the keys, a note says so, and stepping keeps
    the value that changes in view. On a desktop it needs none of this."""
    page, errors, _ = load(browser, f"{server}book/05-backward.html", server)
    fig = figure(page)
    stage = fig.locator(".mgv-scroller")
    cue = fig.locator(".mgv-cue")
    svg = fig.locator("svg.mgv-svg")
    natural = svg.evaluate("s => s.viewBox.baseVal.width")
    assert svg.bounding_box()["width"] >= 0.75 * natural
    assert stage.get_attribute("tabindex") is None and not cue.is_visible()
    page.set_viewport_size({"width": 360, "height": 800})
    page.wait_for_timeout(300)
    assert svg.bounding_box()["width"] == pytest.approx(0.75 * natural, abs=1)
    assert stage.evaluate("s => s.scrollWidth > s.clientWidth")
    assert stage.get_attribute("tabindex") == "0"
    assert stage.get_attribute("role") == "region"
    assert "scrolls sideways" in stage.get_attribute("aria-label")
    assert cue.is_visible()
    assert stage.get_attribute("aria-describedby") == cue.get_attribute("id")
    assert "Scroll sideways" in cue.inner_text()
    stage.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    assert stage.evaluate("s => s.scrollLeft") > 0
    # Scrolled to the far right, a step forward to the first value, at the
    # left, brings it into view; scrolled to the far left, the step to the
    # start of the backward pass brings the output, at the right.
    (trace,) = traces_of(built_site, "book/05-backward")
    forward = fig.get_by_role("button", name="Forward")
    for far, start in (("s.scrollWidth", 0), ("0", len(trace["forward"]))):
        fig.locator(".mgv-scrub").fill(str(start))
        stage.evaluate(f"s => {{ s.scrollLeft = {far}; }}")
        forward.click()
        page.wait_for_timeout(700)  # smooth scrolling
        view = stage.bounding_box()
        current = fig.locator("g.mgv-node.mgv-current rect").bounding_box()
        assert view["x"] - 1 <= current["x"]
        assert current["x"] + current["width"] <= view["x"] + view["width"] + 1
    assert errors == []
    page.close()


# -- figure 2: the neuron --------------------------------------------------------


def engine_neuron(trace: dict, leaves: dict[int, float], activation: str):
    """The neuron of a trace, computed by the engine: data and grads."""
    from micrograd.engine import Value

    nodes = trace["nodes"]
    values = []
    for i, node in enumerate(nodes):
        kids = [values[c] for c in node["children"]]
        op = activation if i == trace["root"] else node["op"]
        if not op:
            values.append(Value(leaves.get(i, node["data"])))
        elif op == "+":
            values.append(kids[0] + kids[1])
        elif op == "*":
            values.append(kids[0] * kids[1])
        elif op == "tanh":
            values.append(kids[0].tanh())
        else:
            assert op == "ReLU"
            values.append(kids[0].relu())
    values[trace["root"]].backward()
    return [v.data for v in values], [v.grad for v in values]


def shown_numbers(fig) -> tuple[list[float], list[float]]:
    groups = fig.locator("g.mgv-node")
    data = [float(groups.nth(i).get_attribute("data-data")) for i in range(groups.count())]
    grad = [float(groups.nth(i).get_attribute("data-grad")) for i in range(groups.count())]
    return data, grad


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_the_neuron_starts_from_the_chapters_numbers(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/04-neuron")
    page, errors, _ = load(browser, f"{server}book/04-neuron.html", server)
    fig = figure(page)
    data, grad = engine_neuron(trace, {}, "tanh")
    for i, node in enumerate(trace["nodes"]):
        # The trace holds what the chapter computed by hand ...
        assert close(node["data"], data[i]) and close(node["grad"], grad[i]), node
        # ... and the figure shows it.
        texts = fig.locator(f'g.mgv-node[data-node="{i}"] text').all_text_contents()
        assert texts[:3] == [node["label"], f"data {fmt(data[i])}", f"grad {fmt(grad[i])}"]
    labels = [fig.locator("input[type=range]").nth(i).get_attribute("aria-label") for i in range(5)]
    assert labels == ["x1", "w1", "x2", "w2", "b"]
    assert errors == []
    page.close()


def test_the_neuron_matches_the_engine_on_a_grid_of_settings(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/04-neuron")
    inputs = [spec["node"] for spec in trace["inputs"]]
    grid = [-2.5, -0.5, 0.0, 1.5]
    biases = [-3.0, -0.5, 0.0, 6.0]
    cases = [
        dict(zip(inputs, combo[:-1] + (bias,), strict=True))
        for combo in itertools.product(grid, grid, grid, grid, [None])
        for bias in biases
    ]
    page, errors, _ = load(browser, f"{server}book/04-neuron.html", server)
    shown = page.evaluate(
        """([cases, activations]) => {
          const fig = document.querySelector('.mgv');
          const out = [];
          for (const activation of activations) {
            fig.querySelector(`button[data-op="${activation}"]`).click();
            for (const leaves of cases) {
              for (const [node, value] of Object.entries(leaves)) {
                const slider = fig.querySelector(`input[data-node="${node}"]`);
                slider.value = String(value);
                slider.dispatchEvent(new Event('input', {bubbles: true}));
              }
              const groups = [...fig.querySelectorAll('g.mgv-node')];
              out.push({activation, leaves,
                        data: groups.map(g => Number(g.dataset.data)),
                        grad: groups.map(g => Number(g.dataset.grad)),
                        dead: groups.filter(g => g.classList.contains('mgv-dead')).length,
                        texts: groups.map(g => [...g.querySelectorAll('text')]
                                          .map(t => t.textContent))});
            }
          }
          return out;
        }""",
        [cases, ["tanh", "ReLU"]],
    )
    assert len(shown) == 2 * len(cases) == 2 * 4**5
    dead_cases = 0
    for case in shown:
        leaves = {int(k): v for k, v in case["leaves"].items()}
        data, grad = engine_neuron(trace, leaves, case["activation"])
        for i in range(len(data)):
            assert close(case["data"][i], data[i]), (case, i)
            assert close(case["grad"][i], grad[i]), (case, i)
            assert case["texts"][i][1:3] == [f"data {fmt(data[i])}", f"grad {fmt(grad[i])}"]
        root = trace["root"]
        if case["activation"] == "ReLU" and not data[root] > 0:
            dead_cases += 1
            # A dead ReLU: every gradient behind it is an explicit 0, greyed.
            assert all(g == 0 for i, g in enumerate(grad) if i != root)
            assert all(t[2] == "grad 0.0000" for i, t in enumerate(case["texts"]) if i != root)
            assert case["dead"] == len(data) - 1
        else:
            assert case["dead"] == 0
    assert dead_cases > 100  # the grid does reach the dead side
    assert errors == []
    page.close()


def test_the_neuron_answers_its_sliders_and_buttons(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/04-neuron")
    nodes = trace["nodes"]
    number = {node["label"]: i for i, node in enumerate(nodes)}
    page, errors, _ = load(browser, f"{server}book/04-neuron.html", server)
    fig = figure(page)
    leaves = {}
    fig.get_by_role("slider", name="b").fill("-2")
    leaves[number["b"]] = -2.0
    fig.get_by_role("button", name="activation ReLU").click()
    assert fig.get_by_role("button", name="activation ReLU").get_attribute("aria-pressed") == "true"
    assert (
        fig.get_by_role("button", name="activation tanh").get_attribute("aria-pressed") == "false"
    )
    data, grad = engine_neuron(trace, leaves, "ReLU")
    assert data[number["n"]] < 0
    assert "The ReLU is dead" in narration(fig)
    assert fig.locator("g.mgv-node.mgv-dead").count() == len(nodes) - 1
    assert fig.locator("path.mgv-edge.mgv-dead").count() >= 1
    for i in range(len(nodes)):
        texts = fig.locator(f'g.mgv-node[data-node="{i}"] text').all_text_contents()
        assert texts[1:3] == [f"data {fmt(data[i])}", f"grad {fmt(grad[i])}"]
    # The keyboard moves a slider by one step.
    slider = fig.get_by_role("slider", name="x1")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    leaves[number["x1"]] = float(slider.input_value())
    assert abs(leaves[number["x1"]] - 1.8) < 1e-9
    fig.get_by_role("slider", name="b").fill("3.5")
    leaves[number["b"]] = 3.5
    fig.get_by_role("button", name="activation tanh").click()
    data, grad = engine_neuron(trace, leaves, "tanh")
    shown_data, shown_grad = shown_numbers(fig)
    assert all(close(x, y) for x, y in zip(shown_data, data, strict=True))
    assert all(close(x, y) for x, y in zip(shown_grad, grad, strict=True))
    assert fig.locator("g.mgv-node.mgv-dead").count() == 0
    n = number["n"]
    assert f"n = {fmt(data[n])}" in narration(fig)
    # Hover gives the formula with numbers.
    fig.locator(f'g.mgv-node[data-node="{n}"]').hover()
    details = fig.locator(".mgv-details").inner_text()
    s = nodes[n]["children"]
    assert details.endswith(
        f"n = {nodes[s[0]]['label']} + b = {fmt(data[s[0]])} + {fmt(data[s[1]])} = {fmt(data[n])}"
    )
    assert errors == []
    page.close()


def open_neuron(browser, server, built_site):
    """Chapter 4's neuron figure in a fresh page: its trace, the number of
    each label in it, the page, the page's console errors, the figure."""
    (trace,) = traces_of(built_site, "book/04-neuron")
    number = {node["label"]: i for i, node in enumerate(trace["nodes"])}
    page, errors, _ = load(browser, f"{server}book/04-neuron.html", server)
    return trace, number, page, errors, figure(page)


def neuron_state(fig) -> dict:
    """What the neuron figure shows: each value's data and grad (the exact
    floats behind the four decimals), and each slider's place."""
    data, grad = shown_numbers(fig)
    return {"data": data, "grad": grad}


def take_a_step(fig) -> list[dict]:
    """Press Take one step; the rows of the step's table, as numbers and as
    shown."""
    fig.get_by_role("button", name="Take one step").click()
    rows = fig.locator("table.mgv-step tr[data-node]")
    return [
        {
            "node": int(rows.nth(r).get_attribute("data-node")),
            "old": float(rows.nth(r).get_attribute("data-old")),
            "grad": float(rows.nth(r).get_attribute("data-grad")),
            "new": float(rows.nth(r).get_attribute("data-new")),
            "cells": rows.nth(r).locator("th, td").all_text_contents(),
        }
        for r in range(rows.count())
    ]


def test_the_neuron_steps_as_the_engine_does(browser, server, built_site):
    trace, number, page, errors, fig = open_neuron(browser, server, built_site)
    nodes = trace["nodes"]
    # The chapter names the weights and the bias as what a step changes.
    assert [nodes[i]["label"] for i in trace["parameters"]] == ["w1", "w2", "b"]
    assert trace["learning_rate"] == 0.1 and 0.1 in trace["learning_rates"]
    assert fig.locator("table.mgv-step").is_hidden()  # no step taken yet
    leaves = {i: nodes[i]["data"] for i in number.values() if not nodes[i]["children"]}
    steps = 0
    for activation, rate, count in (("tanh", 0.1, 3), ("tanh", 0.5, 2), ("ReLU", 1.0, 2)):
        fig.get_by_role("button", name=f"activation {activation}").click()
        shown_rate = format(rate, "g")  # as JavaScript writes it: 1, not 1.0
        fig.get_by_role("combobox", name="learning rate").select_option(shown_rate)
        for _ in range(count):
            # The engine, natively: backward, then p.data -= rate * p.grad.
            data, grad = engine_neuron(trace, leaves, activation)
            rows = take_a_step(fig)
            steps += 1
            assert [row["node"] for row in rows] == trace["parameters"]
            for row in rows:
                i = row["node"]
                new = leaves[i] - rate * grad[i]
                assert close(row["old"], leaves[i]) and close(row["grad"], grad[i])
                assert close(row["new"], new), (activation, rate, row)
                assert row["cells"] == [nodes[i]["label"], fmt(leaves[i]), fmt(grad[i]), fmt(new)]
                leaves[i] = new
            caption = fig.locator("table.mgv-step caption").inner_text()
            assert caption == f"Step {steps}: new = old − {shown_rate} × grad"
            # After the step the figure shows the neuron at the new values.
            data, grad = engine_neuron(trace, leaves, activation)
            shown = neuron_state(fig)
            assert all(close(x, y) for x, y in zip(shown["data"], data, strict=True))
            assert all(close(x, y) for x, y in zip(shown["grad"], grad, strict=True))
            o = trace["root"]
            assert "o went from" in narration(fig)
            assert narration(fig).endswith(f"to {fmt(data[o])}.") or "nothing moved" in narration(
                fig
            )
            # The inputs are data: a step leaves them alone.
            for name in ("x1", "x2"):
                assert shown["data"][number[name]] == nodes[number[name]]["data"]
    assert errors == []
    page.close()


def test_the_neuron_resets_to_the_lectures_exact_numbers(browser, server, built_site):
    trace, number, page, errors, fig = open_neuron(browser, server, built_site)
    nodes = trace["nodes"]
    start = neuron_state(fig)
    assert start["data"] == [node["data"] for node in nodes]
    fig.get_by_role("slider", name="x2").fill("1.5")
    fig.get_by_role("slider", name="b").fill("-2")
    fig.get_by_role("button", name="activation ReLU").click()
    fig.get_by_role("combobox", name="learning rate").select_option("1")
    take_a_step(fig)
    assert neuron_state(fig) != start
    fig.get_by_role("button", name="Reset").click()
    # Exactly the chapter's floats, the bias's 6.8813735870195432 included.
    assert neuron_state(fig) == start
    assert nodes[number["b"]]["data"] == 6.8813735870195432
    slider = fig.get_by_role("slider", name="b")
    assert slider.get_attribute("aria-valuetext") == "6.8814"
    assert fig.locator("output").nth(4).inner_text() == "6.8814"
    assert fig.get_by_role("button", name="activation tanh").get_attribute("aria-pressed") == "true"
    assert fig.get_by_role("combobox", name="learning rate").input_value() == "0.1"
    assert fig.locator("table.mgv-step").is_hidden()
    assert "Step" not in narration(fig)
    assert errors == []
    page.close()


def test_the_neuron_sliders_keep_the_lectures_values(browser, server, built_site):
    trace, number, page, errors, fig = open_neuron(browser, server, built_site)
    b = number["b"]
    exact = trace["nodes"][b]["data"]
    slider = fig.get_by_role("slider", name="b")

    def shown_b():
        return neuron_state(fig)["data"][b]

    # Before any touch, and from the keyboard: a tenth up, back down to the
    # lecture's value exactly, a tenth down, and back up to it again.
    assert shown_b() == exact
    slider.focus()
    for key, expected in (
        ("ArrowRight", 6.9),
        ("ArrowLeft", exact),
        ("ArrowLeft", 6.8),
        ("ArrowDown", 6.7),
        ("ArrowUp", 6.8),
        ("ArrowUp", exact),
        ("ArrowUp", 6.9),
    ):
        page.keyboard.press(key)
        assert shown_b() == expected, key
        assert slider.get_attribute("aria-valuetext") == fmt(expected)
    # A drag lands on the nearest stop: the lecture's value is one.
    for dragged, expected in (
        ("6.88", exact),
        ("6.86", exact),
        ("6.84", 6.8),
        ("3.44", 3.4),
        ("8", 8.0),
    ):
        slider.fill(dragged)
        assert shown_b() == expected, dragged
    assert errors == []
    page.close()


def test_the_neuron_experiments_do_what_the_chapter_says(browser, server, built_site):
    trace, number, page, errors, fig = open_neuron(browser, server, built_site)
    nodes = trace["nodes"]
    o = trace["root"]

    def experiment(start: str) -> str:
        text = (
            page.locator("section#steering-the-neuron li")
            .filter(has_text=re.compile(r"^\s*" + re.escape(start)))
            .inner_text()
        )
        return " ".join(text.split())

    def shown(label: str, key: str = "data") -> float:
        return neuron_state(fig)[key][number[label]]

    start = neuron_state(fig)
    # "Drag w2. The output does not move, and the gradient of w2 stays at
    # zero ... press Reset and move x2 to -0.5: w2.grad comes alive, at ..."
    text = experiment("Drag w2")
    for value in ("-3", "0.5", "3.4"):
        fig.get_by_role("slider", name="w2").fill(value)
        assert shown("o") == start["data"][o] and shown("w2", "grad") == 0
    fig.get_by_role("button", name="Reset").click()
    fig.get_by_role("slider", name="x2").focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    assert shown("x2") == -0.5
    alive = shown("w2", "grad")
    assert abs(alive) > 0.1 and f"comes alive, at {fmt(alive)}" in text
    # "Drag b to the right ... the gradients ... shrink towards zero: at
    # b = 8, w1.grad is ..., down from 1.0000."
    text = experiment("Drag b to the right")
    fig.get_by_role("button", name="Reset").click()
    fig.get_by_role("slider", name="b").focus()
    page.keyboard.press("End")
    assert shown("b") == 8.0
    saturated = neuron_state(fig)["grad"]
    for label in ("n", "w1", "x1", "b"):
        assert abs(saturated[number[label]]) < abs(start["grad"][number[label]]) / 5
    assert (
        f"w1.grad is {fmt(saturated[number['w1']])}, down from {fmt(start['grad'][number['w1']])}"
    ) in text
    # "Press Reset, then Take one step ... o falls from ... to ...; press
    # again and it falls to .... w2 does not move"
    text = experiment("Press Reset, then Take one step")
    fig.get_by_role("button", name="Reset").click()
    before = shown("o")
    take_a_step(fig)
    once = shown("o")
    take_a_step(fig)
    twice = shown("o")
    assert before > once > twice and shown("w2") == start["data"][number["w2"]]
    assert (
        f"falls from {fmt(before)} to {fmt(once)}; press again and it falls to {fmt(twice)}"
    ) in text
    assert "learning rate, 0.1," in text
    # "Switch the activation to ReLU ... drag b down to 5 ... dead ...
    # greys out the path ... Take one step: nothing moves"
    text = experiment("Switch the activation to ReLU")
    assert "drag b down to 5" in text and "nothing moves" in text
    fig.get_by_role("button", name="Reset").click()
    fig.get_by_role("button", name="activation ReLU").click()
    fig.get_by_role("slider", name="b").fill("5")
    assert shown("n") < 0 and shown("o") == 0
    assert all(g == 0 for i, g in enumerate(neuron_state(fig)["grad"]) if i != o)
    assert fig.locator("g.mgv-node.mgv-dead").count() == len(nodes) - 1
    dead = neuron_state(fig)
    rows = take_a_step(fig)
    assert all(row["old"] == row["new"] for row in rows)
    assert neuron_state(fig) == dead
    assert "nothing moved" in narration(fig)
    assert errors == []
    page.close()


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_neuron_fits_its_column_with_its_step_table_open(browser, server, built_site, width):
    _, _, page, errors, fig = open_neuron(browser, server, built_site)
    page.set_viewport_size({"width": width, "height": 900})
    take_a_step(fig)
    fig.locator("details.mgv-more summary").click()
    # Wider than its box is clipped, unless it is the graph's deliberate
    # sideways scroller, which the keyboard can focus (a phone's width).
    clipped = page.evaluate(
        """fig => [fig, ...fig.querySelectorAll('*')]
             .filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
             .filter(e => !(e.classList.contains('mgv-scroller')
                            && e.getAttribute('tabindex') === '0'
                            && e.getAttribute('role') === 'region'))
             .map(e => `${e.tagName}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`)""",
        fig.element_handle(),
    )
    assert clipped == []
    if width == 360:  # a phone: the graph keeps a readable size and scrolls
        assert fig.locator(".mgv-scroller[tabindex='0'][role='region']").count() == 1
    column = page.evaluate("fig => fig.parentElement.clientWidth", fig.element_handle())
    assert fig.bounding_box()["width"] <= column + 1
    assert errors == []
    page.close()


# -- figure 3: the network --------------------------------------------------------


def test_the_network_steps_and_shows_weights_gradients_and_activity(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/09-networks")
    frames = trace["frames"]
    page, errors, _ = load(browser, f"{server}book/09-networks.html", server)
    fig = figure(page)
    width_at = {}
    for k in (0, 1, 20, len(frames) - 1):
        fig.locator(".mgv-scrub").fill(str(k))
        frame = frames[k]
        lines = fig.locator(".mgv-narration div").all_inner_texts()
        assert lines[0].endswith(f"loss {fmt(frame['loss'])}.")
        steepest = max(
            (
                (li, j, i)
                for li, layer in enumerate(frame["grads"], 1)
                for j, row in enumerate(layer)
                for i in range(len(row))
            ),
            key=lambda e: abs(frame["grads"][e[0] - 1][e[1]][e[2]]),
        )
        li, j, i = steepest
        assert lines[1].endswith(
            f"w = {fmt(frame['weights'][li - 1][j][i])}, ∂L/∂w = {fmt(frame['grads'][li - 1][j][i])}."
        )
        for li, j, i in ((1, 0, 0), (2, 3, 1), (3, 0, 2)):
            edge = fig.locator(f'g[data-weight="{li}-{j}-{i}"]')
            w = frame["weights"][li - 1][j][i]
            g = frame["grads"][li - 1][j][i]
            assert float(edge.get_attribute("data-w")) == w
            line = edge.locator("line.mgv-weight")
            assert ("mgv-pos-line" if w >= 0 else "mgv-neg-line") in line.get_attribute("class")
            width_at[k, li, j, i] = float(line.get_attribute("stroke-width"))
            edge.hover()
            details = fig.locator(".mgv-details").inner_text()
            assert f"w = {fmt(w)}, ∂L/∂w = {fmt(g)} (step {k})" in details
        # A neuron: its bias and gradient, and its activity over the plane.
        neuron = fig.locator('g[data-neuron="1-2"]')
        neuron.hover()
        assert (
            f"bias {fmt(frame['biases'][0][2])}, ∂L/∂b = {fmt(frame['bias_grads'][0][2])}"
        ) in fig.locator(".mgv-details").inner_text()
        assert "layer 1, neuron 3" in fig.locator(".mgv-caption").inner_text()
        n = trace["plane"]["n"] ** 2
        levels = base64.b64decode(frame["activity"])[2 * n : 3 * n]
        cells = page.evaluate(
            f"() => [...document.querySelectorAll('.mgv-heat rect')].slice(0, {n})"
            ".map(r => [r.getAttribute('class'), Number(r.getAttribute('fill-opacity'))])"
        )
        for (cls, opacity), level in zip(cells, levels, strict=True):
            value = (level - 256 if level > 127 else level) / 127
            assert cls == ("mgv-pos-fill" if value >= 0 else "mgv-neg-fill")
            assert abs(opacity - (0.08 + 0.72 * abs(value))) < 1e-3
    # The weights do change, and the picture with them.
    assert any(
        width_at[(0, *e)] != width_at[(len(frames) - 1, *e)]
        for e in ((1, 0, 0), (2, 3, 1), (3, 0, 2))
    )
    # The legend says what width and colour mean.
    legend = fig.locator("svg.mgv-legend")
    assert "proportional to |w|" in legend.get_attribute("aria-label")
    assert errors == []
    page.close()


# -- figure 4: the loop -------------------------------------------------------------


def test_the_loop_replays_each_data_set(browser, server, built_site):
    (trace,) = traces_of(built_site, "book/11-moons")
    page, errors, _ = load(browser, f"{server}book/11-moons.html", server)
    fig = figure(page)
    for run in trace["runs"]:
        choice = fig.get_by_role("button", name=f"data set: {run['name']}")
        choice.click()
        assert choice.get_attribute("aria-pressed") == "true"
        last = len(run["loss"]) - 1
        frames = run["frames"]
        for position in (0, 1, len(frames) - 1):
            if position == 1:
                fig.get_by_role("button", name="Forward").click()
            else:
                fig.locator(".mgv-scrub").fill(str(position))
            frame = frames[position]
            k, wrong = frame["step"], len(frame["wrong"])
            assert narration(fig) == (
                f"{run['name']}, step {k} of {last}: loss {fmt(run['loss'][k])}, "
                f"accuracy {percent(run['accuracy'][k])}, {wrong} point"
                f"{'' if wrong == 1 else 's'} misclassified."
            )
            # One counter, in training steps (it once said "Frame 7 of 20"
            # beside the narration's "step 21 of 60"): the counter and the
            # slider's value for screen readers say the same.
            counter = fig.locator(".mgv-counter").inner_text()
            assert counter == f"step {k} of {last}", counter
            assert fig.locator(".mgv-scrub").get_attribute("aria-valuetext") == counter
            assert "Frame" not in fig.inner_text()
            rings = page.evaluate(
                "[...document.querySelectorAll('.mgv-wrong')]"
                ".filter(r => r.style.display !== 'none').length"
            )
            assert rings == wrong
            readouts = fig.locator(".mgv-readout").all_inner_texts()
            assert readouts == [
                f"loss now: step {k}, {fmt(run['loss'][k])}",
                f"accuracy now: step {k}, {percent(run['accuracy'][k])}",
            ]
        # Hover read-out on the loss curve, at a step between frames.
        curve = fig.locator("svg.mgv-curve").first
        box = curve.bounding_box()
        # The plot area runs from x = 44 to 292 of a 300-wide picture.
        step = last // 2 + 1
        x = box["x"] + (44 + step / last * 248) / 300 * box["width"]
        page.mouse.move(x, box["y"] + box["height"] / 2)
        assert fig.locator(".mgv-readout").first.inner_text() == (
            f"loss: step {step}, {fmt(run['loss'][step])}"
        )
    assert errors == []
    page.close()
