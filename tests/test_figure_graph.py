"""The graph of a backward pass (chapter 5, and chapter 90's own example), in
a real browser: stepped forward and backward, every value it shows compared
with the Python trace it replays; played and paused; driven from the
keyboard; stilled for readers who ask for less motion; its notes on the
arrows clear of everything else, on screen and in the PDF's still; a key to
its colours; and on a phone, a readable size that scrolls sideways and
follows the steps.

What every figure owes every reader (fit, axe, keyboard reach) is checked
in test_figures_everywhere.py; the traces, without a browser, in
test_figures.py."""

from __future__ import annotations

import pytest

from conftest import FIGURE_PAGES, figure, fmt, narration, open_figures, traces_of

PAGE = "book/05-backward"
GRAPH_PAGES = sorted(d for d, kinds in FIGURE_PAGES.items() if "graph" in kinds)


def open_graph(browser, server, docname: str = PAGE, **options):
    """A page with a graph, in a fresh page: the page, its console errors,
    its first figure."""
    page, errors, _ = open_figures(browser, f"{server}{docname}.html", server, **options)
    return page, errors, figure(page)


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
    (trace,) = traces_of(built_site, PAGE)
    nodes = trace["nodes"]
    count = len(trace["forward"]) + 2 + len(trace["backward"])
    page, errors, fig = open_graph(browser, server)
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
    page, errors, fig = open_graph(browser, server)
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
        page, errors, fig = open_graph(browser, server, reduced_motion=motion)
        fig.locator(".mgv-scrub").fill("8")
        animation = page.evaluate(
            "getComputedStyle(document.querySelector('.mgv-edge.mgv-active')).animationName"
        )
        assert (animation != "none") == animated, (motion, animation)
        assert errors == []
        page.close()


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
    page, errors, _ = open_graph(browser, server, docname)
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
    page, errors, fig = open_graph(browser, server, theme=theme)
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
    numbers stay readable, and scrolls sideways: the stage is then a named
    region the keyboard can focus (test_figures_everywhere.py scrolls it
    with the arrow keys), a note says so, and stepping keeps the value that
    changes in view. On a desktop it needs none of this."""
    page, errors, fig = open_graph(browser, server)
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
    # Scrolled to the far right, a step forward to the first value, at the
    # left, brings it into view; scrolled to the far left, the step to the
    # start of the backward pass brings the output, at the right.
    (trace,) = traces_of(built_site, PAGE)
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


# -- the graphs' stills, for print -------------------------------------------------


@pytest.mark.parametrize("docname", GRAPH_PAGES)
def test_the_notes_of_a_graphs_still_cover_no_other_arrow(built_site, docname):
    """In the still of a backward pass (the PDF's picture), each note sits
    on its own arrow and covers no other arrow and no other note."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from micrograd.figures import draw_backward_poster

    for trace in (t for t in traces_of(built_site, docname) if t["kind"] == "graph"):
        canvas = plt.figure()
        draw_backward_poster(canvas, trace)
        canvas.canvas.draw()
        (axes,) = canvas.axes
        notes = [text for text in axes.texts if text.get_bbox_patch() is not None]
        assert len(notes) == sum(len(step["updates"]) for step in trace["backward"])
        boxes = [note.get_bbox_patch().get_window_extent() for note in notes]
        lines = []
        for line in axes.lines:
            ends = axes.transData.transform(np.column_stack(line.get_data()))
            lines.append([ends[0] + (ends[1] - ends[0]) * s / 200 for s in range(201)])
        problems = []
        for note, box in zip(notes, boxes, strict=True):
            inner = box.expanded(1, 1).shrunk(0.98, 0.9)
            through = [
                k for k, points in enumerate(lines) if any(inner.contains(x, y) for x, y in points)
            ]
            if len(through) != 1:  # its own arrow, and only that
                problems.append(f"{note.get_text()!r} lies on {len(through)} lines")
            for other in boxes:
                if other is not box and box.overlaps(other):
                    problems.append(f"{note.get_text()!r} overlaps another note")
        plt.close(canvas)
        assert not problems, problems
