"""The network figure of chapter 9 (`network_figure`), in a real browser and
against the engine: stepped through its training, each weight's line, w and
∂L/∂w and each neuron's activity over the plane are the recorded frame's;
one example's forward and backward pass, played layer by layer from the
recorded numbers, which must be what micrograd computes natively; a weight
lit up, with its w and ∂L/∂w, when pointed at or focused, and brought into
view on a phone; the loss curve following the step; the passes driven by
keyboard alone; and the chapter's experiments as written.

What every figure owes every reader is checked in
test_figures_everywhere.py: nothing cut off at any width (the network
scrolls sideways on a phone only), axe, every control reached with Tab,
and the contrast of its text and of its thinnest lines, at every step, in
light and dark pages. The trace of the training, without a browser, is
checked in test_figures.py."""

from __future__ import annotations

import base64
import math

import pytest

from conftest import figure, fmt, open_figures, traces_of

PAGE = "book/09-networks"


@pytest.fixture(scope="module")
def trace(built_site) -> dict:
    (network,) = traces_of(built_site, PAGE)
    return network


def open_network(browser, server, **options):
    """Chapter 9's page in a fresh page: the page, its console errors, the
    network figure."""
    page, errors, _ = open_figures(browser, f"{server}{PAGE}.html", server, **options)
    return page, errors, figure(page)


# -- the engine, natively ------------------------------------------------------


def network_at(trace: dict, k: int):
    """The figure's network with the weights and biases of training step k."""
    from micrograd.nn import MLP

    sizes, frame = trace["sizes"], trace["frames"][k]
    model = MLP(sizes[0], sizes[1:])
    for layer, weights, biases in zip(model.layers, frame["weights"], frame["biases"], strict=True):
        for neuron, w, b in zip(layer.neurons, weights, biases, strict=True):
            for value, data in zip(neuron.w, w, strict=True):
                value.data = data
            neuron.b.data = b
    return model


def native_pass(trace: dict, k: int, example: int) -> dict:
    """One example's passes at step k, computed here with the engine: the
    layers' outputs, the example's term of the loss, and after backward()
    from that term the grads of the outputs and of every weight."""
    model = network_at(trace, k)
    x, t = trace["inputs"][example], trace["targets"][example]
    outputs = []
    for layer in model.layers:
        x = layer(x)
        x = x if isinstance(x, list) else [x]
        outputs.append(x)
    term = (x[0] - t) ** 2 / len(trace["inputs"])
    term.backward()
    return {
        "outputs": [[v.data for v in layer] for layer in outputs],
        "loss": term.data,
        "output_grads": [[v.grad for v in layer] for layer in outputs],
        "grads": [[[w.grad for w in n.w] for n in layer.neurons] for layer in model.layers],
    }


def native_loss_grads(trace: dict, k: int) -> list:
    """∂L/∂w of the whole loss at step k, computed here with the engine."""
    model = network_at(trace, k)
    errors = [(model(x) - t) ** 2 for x, t in zip(trace["inputs"], trace["targets"], strict=True)]
    loss = sum(errors) / len(errors)
    loss.backward()
    return [[[w.grad for w in n.w] for n in layer.neurons] for layer in model.layers]


def test_the_recorded_passes_are_the_engines(trace):
    frames = trace["frames"]
    assert all(len(frame["passes"]) == len(trace["inputs"]) for frame in frames)
    for k in (0, 1, 17, len(frames) - 1):
        for example in range(len(trace["inputs"])):
            assert frames[k]["passes"][example] == native_pass(trace, k, example), (k, example)
        # The parts of the examples add up to the gradients of the loss.
        parts = [p["grads"] for p in frames[k]["passes"]]
        for li, layer in enumerate(frames[k]["grads"]):
            for j, row in enumerate(layer):
                for i, g in enumerate(row):
                    assert math.isclose(
                        sum(p[li][j][i] for p in parts), g, rel_tol=1e-12, abs_tol=1e-15
                    )


# -- stepping through the training ---------------------------------------------


def test_the_network_steps_and_shows_weights_gradients_and_activity(browser, server, trace):
    frames = trace["frames"]

    def smallest(frame):
        return min(abs(w) for layer in frame["weights"] for row in layer for w in row)

    # The step with the thinnest line: a really thin one, which the figure
    # must still draw (test_figures_everywhere.py holds every line, at every
    # step, to 1.2 px and 3:1 against the background).
    thin = min(range(len(frames)), key=lambda k: smallest(frames[k]))
    assert smallest(frames[thin]) < 0.01
    page, errors, fig = open_network(browser, server)
    width_at = {}
    for k in (0, 1, 20, thin, len(frames) - 1):
        fig.locator(".mgv-scrub").fill(str(k))
        frame = frames[k]
        # Every weight has its line, with its exact value.
        drawn = fig.locator("g[data-weight]").evaluate_all("gs => gs.map(g => Number(g.dataset.w))")
        assert sorted(drawn) == sorted(
            w for layer in frame["weights"] for row in layer for w in row
        )
        lines = fig.locator(".mgv-narration:not(.mgv-passes) div").all_inner_texts()
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


# -- the passes, played --------------------------------------------------------


def numbers_of(fig) -> dict:
    """Each neuron's pill, by neuron ('l-j', or 'loss'): [data, grad] as shown,
    or None when hidden; and under 'phase', how far the passes have gone
    (read at the same moment)."""
    return fig.evaluate("""root => {
        const out = {phase: Number(root.dataset.passPhase)};
        const pills = [...root.querySelectorAll('g.mgv-numbers')];
        const neurons = [...root.querySelectorAll('g[data-neuron]')];
        neurons.forEach((g, k) => {
          const pill = pills[k];
          const texts = [...pill.querySelectorAll('text')].map(t => t.textContent);
          out[g.dataset.neuron] = pill.style.display === 'none' ? null : texts;
        });
        return out; }""")


def expected_numbers(trace: dict, native: dict, example: int, phase: int) -> dict:
    """What the pills must show at a phase of the passes (see the player's network.js)."""
    sizes = trace["sizes"]
    last = len(sizes) - 1
    forward_end = len(sizes) + 1
    out = {}
    for li, size in enumerate(sizes):
        for j in range(size):
            if phase < li + 1:
                out[f"{li}-{j}"] = None
                continue
            data = trace["inputs"][example][j] if li == 0 else native["outputs"][li - 1][j]
            grad = ""
            if li > 0 and phase >= forward_end + 1 + last - li:
                grad = f"grad {fmt(native['output_grads'][li - 1][j])}"
            out[f"{li}-{j}"] = [f"data {fmt(data)}", grad]
    out["loss"] = (
        None
        if phase < forward_end
        else [f"data {fmt(native['loss'])}", "grad 1.0000" if phase > forward_end else ""]
    )
    out["phase"] = phase
    return out


def test_the_forward_pass_plays_layer_by_layer_with_the_engines_numbers(browser, server, trace):
    page, errors, fig = open_network(browser, server)
    forward_end = len(trace["sizes"]) + 1
    fig.locator(".mgv-scrub").fill("17")
    fig.get_by_label("Example for the passes").select_option("4")
    native = native_pass(trace, 17, 4)
    assert numbers_of(fig) == expected_numbers(trace, native, 4, 0)  # nothing yet
    fig.get_by_role("button", name="Forward pass", exact=True).click()
    seen = []
    for _ in range(60):  # every phase, as it comes, up to the loss's term
        shown = numbers_of(fig)
        if shown["phase"] not in seen:
            seen.append(shown["phase"])
            assert shown == expected_numbers(trace, native, 4, shown["phase"])
        if shown["phase"] == forward_end:
            break
        page.wait_for_timeout(150)
    assert seen == list(range(1, forward_end + 1))  # one layer after another
    narration = fig.locator(".mgv-passes").inner_text()
    assert f"= {fmt(native['loss'])}" in narration
    assert f"{fmt(trace['frames'][17]['loss'])} at this step" in narration
    # While a layer is computed, the lines into it carry a moving pulse.
    fig.get_by_role("button", name="Forward pass", exact=True).click()
    page.wait_for_function("document.querySelector('.mgv').dataset.passPhase === '3'")
    pulses = fig.evaluate(
        "root => [...root.querySelectorAll('g[data-weight] .mgv-pulse')].map(p =>"
        " [p.parentNode.dataset.weight[0], p.classList.contains('mgv-flow-forward'),"
        " getComputedStyle(p).animationName])"
    )
    assert {(li, on) for li, on, _ in pulses} == {("1", False), ("2", True), ("3", False)}
    assert all(name != "none" for li, on, name in pulses if on)
    assert errors == []
    page.close()


def test_the_backward_pass_shows_the_engines_gradients_and_reduced_motion_jumps(
    browser, server, trace
):
    page, errors, fig = open_network(browser, server, reduced_motion="reduce")
    sizes = trace["sizes"]
    pass_end = 2 * len(sizes) + 1
    last = len(trace["frames"]) - 1
    fig.locator(".mgv-scrub").fill(str(last))
    fig.get_by_label("Example for the passes").select_option("2")
    fig.get_by_role("button", name="Backward pass", exact=True).click()
    # Reduced motion: the end at once, with nothing moving.
    assert fig.get_attribute("data-pass-phase") == str(pass_end)
    native = native_pass(trace, last, 2)
    assert numbers_of(fig) == expected_numbers(trace, native, 2, pass_end)
    for edge in fig.locator("g[data-weight]").all():
        li, j, i = map(int, edge.get_attribute("data-weight").split("-"))
        assert float(edge.get_attribute("data-part")) == native["grads"][li - 1][j][i]
    assert fig.evaluate(
        "root => [...root.querySelectorAll('.mgv-pulse')]"
        ".every(p => getComputedStyle(p).animationName === 'none')"
    )
    # The ring on the plane marks the example.
    rings = fig.evaluate(
        "root => [...root.querySelectorAll('.mgv-heat .mgv-wrong')]"
        ".map(r => r.style.display !== 'none')"
    )
    assert rings == [k == 2 for k in range(len(trace["inputs"]))]
    assert "Done: these are example 3's parts" in fig.locator(".mgv-passes").inner_text()
    assert errors == []
    page.close()


def test_pointing_at_or_focusing_a_weight_lights_it_and_shows_w_and_its_gradient(
    browser, server, trace
):
    page, errors, fig = open_network(browser, server, reduced_motion="reduce")
    for k in (0, 23):
        fig.locator(".mgv-scrub").fill(str(k))
        frame, grads = trace["frames"][k], native_loss_grads(trace, k)
        fig.get_by_role("button", name="Backward pass", exact=True).click()
        native = native_pass(trace, k, 0)
        for (li, j, i), how in (
            ((1, 0, 0), "hover"),
            ((2, 3, 1), "focus"),
            ((3, 0, 2), "hover"),
            ((2, 1, 2), "focus"),
        ):
            edge = fig.locator(f'g[data-weight="{li}-{j}-{i}"]')
            if how == "hover":
                edge.locator(".mgv-hit").hover()
            else:
                edge.focus()
            details = fig.locator(".mgv-details").inner_text()
            w = frame["weights"][li - 1][j][i]
            assert f"w = {fmt(w)}, ∂L/∂w = {fmt(grads[li - 1][j][i])} (step {k})" in details, (
                how,
                details,
            )
            assert (
                f"Example 1's part of ∂L/∂w, from its backward pass: "
                f"{fmt(native['grads'][li - 1][j][i])}"
            ) in details
            # Lit: the edge and its two neurons stand out, the others fade.
            lit = fig.evaluate(
                '(root, name) => { const g = root.querySelector(`g[data-weight="${name}"]`);'
                " const other = root.querySelector('g[data-weight]:not(.mgv-hot) .mgv-weight');"
                " return [g.classList.contains('mgv-hot'),"
                " getComputedStyle(g.querySelector('.mgv-hit')).strokeOpacity,"
                " getComputedStyle(other).strokeOpacity,"
                " root.querySelectorAll('g.mgv-end').length]; }",
                f"{li}-{j}-{i}",
            )
            assert lit[0] and float(lit[1]) > 0 and float(lit[2]) < 0.5 and lit[3] == 2, lit
            page.mouse.move(0, 0)
            fig.get_by_role("button", name="Reset").focus()
            assert fig.locator("g.mgv-hot").count() == 0
    assert errors == []
    page.close()


def test_the_loss_curve_follows_the_step(browser, server, trace):
    page, errors, fig = open_network(browser, server)
    for k in (0, 9, len(trace["frames"]) - 1):
        fig.locator(".mgv-scrub").fill(str(k))
        readout = fig.locator(".mgv-readout")
        assert readout.get_attribute("data-step") == str(k)
        assert readout.inner_text() == f"loss now: step {k}, {fmt(trace['frames'][k]['loss'])}"
        cursor = fig.evaluate(
            "root => Number(root.querySelector('.mgv-curve .mgv-cursor').getAttribute('x1'))"
        )
        assert cursor > 0
    assert errors == []
    page.close()


def test_the_passes_work_from_the_keyboard_alone(browser, server, trace):
    """The network's controls are these (test_figures_everywhere.py reaches
    each with Tab and uses it), and its passes run from the keyboard alone,
    with the focus in sight."""
    page, errors, fig = open_network(browser, server, reduced_motion="reduce")
    controls = fig.evaluate(
        "root => [...root.querySelectorAll('button, input, select')].map(a =>"
        " a.tagName + ':' + (a.getAttribute('aria-label') || a.textContent.trim()))"
    )
    for control in (
        "BUTTON:Reset",
        "BUTTON:◀ Back",
        "BUTTON:▶ Play",
        "BUTTON:Forward ▶",
        "INPUT:Training step (scrub)",
        "SELECT:Example for the passes",
        "BUTTON:Forward pass",
        "BUTTON:Backward pass",
    ):
        assert control in controls, (control, controls)
    # The passes, by keyboard alone.
    fig.get_by_label("Example for the passes").focus()
    page.keyboard.press("ArrowDown")
    assert fig.get_attribute("data-example") == "1"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert fig.get_attribute("data-pass-phase") == str(len(trace["sizes"]) + 1)
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    assert fig.get_attribute("data-pass-phase") == str(2 * len(trace["sizes"]) + 1)
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "solid" and outline[1] >= 2  # focus is visible
    assert errors == []
    page.close()


def test_on_a_phone_what_the_keyboard_focuses_is_scrolled_into_view(browser, server):
    """On a phone the network scrolls sideways (test_figures_everywhere.py
    says where); a weight the keyboard focuses is brought into view, at the
    far right and back at the far left."""
    page, errors, fig = open_network(browser, server)
    page.set_viewport_size({"width": 360, "height": 900})
    page.wait_for_timeout(400)  # the figure's resize observers
    scroller = fig.locator(".mgv-scroller")
    assert scroller.evaluate("s => s.scrollWidth > s.clientWidth")
    for weight in ("3-0-2", "1-0-0"):
        fig.locator(f'g[data-weight="{weight}"]').focus()
        seen = scroller.evaluate("""s => { const v = s.getBoundingClientRect();
            const g = document.activeElement.getBoundingClientRect();
            return g.left >= v.left - 0.5 && g.right <= v.right + 0.5; }""")
        assert seen, weight
    assert errors == []
    page.close()


def test_the_chapters_experiments_work_as_written(browser, server, trace):
    """Chapter 9, "One example, forward and backward": its three tries."""
    page, errors, fig = open_network(browser, server, reduced_motion="reduce")
    passes = [frame["passes"] for frame in trace["frames"]]
    forward = fig.get_by_role("button", name="Forward pass", exact=True)
    backward = fig.get_by_role("button", name="Backward pass", exact=True)
    example = fig.get_by_label("Example for the passes")

    def shown(name: str) -> list[str]:
        return numbers_of(fig)[name]

    assert example.input_value() == "0"  # example 1 to start with
    forward.click()
    assert shown("3-0")[0] == f"data {fmt(passes[0][0]['outputs'][-1][0])}"
    assert passes[0][0]["outputs"][-1][0] < 0  # the wrong sign
    assert shown("loss")[0] == f"data {fmt(passes[0][0]['loss'])}"
    fig.locator(".mgv-scrub").fill(str(len(passes) - 1))
    forward.click()
    assert shown("3-0")[0] == f"data {fmt(passes[-1][0]['outputs'][-1][0])}"
    assert shown("loss")[0] == f"data {fmt(passes[-1][0]['loss'])}"
    fig.locator(".mgv-scrub").fill("0")
    backward.click()
    assert shown("3-0")[1] == f"grad {fmt(passes[0][0]['output_grads'][-1][0])}"
    example.select_option("2")
    backward.click()
    assert shown("3-0")[1] == f"grad {fmt(passes[0][2]['output_grads'][-1][0])}"
    # Example 1's equal inputs: equal gradients for the two weights into
    # each neuron of the first layer.
    example.select_option("0")
    backward.click()
    for j in range(trace["sizes"][1]):
        parts = [
            fig.locator(f'g[data-weight="1-{j}-{i}"]').get_attribute("data-part") for i in range(2)
        ]
        assert parts[0] == parts[1]
    assert errors == []
    page.close()


IN_VIEW = """([selector, box]) => {
    const view = box.getBoundingClientRect();
    return [...document.querySelectorAll(selector)].map((node) => {
      const r = node.getBoundingClientRect();
      return r.left >= view.left - 0.5 && r.right <= view.right + 0.5 &&
             r.top >= 0 && r.bottom <= innerHeight;
    });
  }"""


def settled(page, scroller) -> None:
    """Wait until the scroller and the page stop scrolling (smooth scrolls)."""
    page.wait_for_function(
        """(s) => new Promise((done) => {
          const at = () => [s.scrollLeft, scrollY].join();
          const first = at();
          setTimeout(() => done(at() === first), 300);
        })""",
        arg=scroller.element_handle(),
    )


def test_on_a_phone_what_a_pass_changes_is_in_view_while_it_plays(browser, server, trace):
    """At 390 pixels the network scrolls sideways: the passes' buttons sit
    right under it, and while a pass plays, the neurons it reaches, the
    output neuron and the loss, and what it says, are in the window."""
    page, errors, fig = open_network(browser, server)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(400)  # the figure's resize observers
    scroller = fig.locator(".mgv-scroller")
    assert scroller.evaluate("s => s.scrollWidth > s.clientWidth")
    network = fig.locator("svg.mgv-net").bounding_box()
    buttons = fig.get_by_role("group", name="One example's passes").bounding_box()
    assert 0 < buttons["y"] - (network["y"] + network["height"]) < 120
    forward = fig.get_by_role("button", name="Forward pass", exact=True)
    forward.scroll_into_view_if_needed()
    page.mouse.wheel(0, 400)  # the reader has scrolled on, past the network
    page.wait_for_timeout(300)
    forward.click()
    box = scroller.element_handle()
    forward_end = len(trace["sizes"]) + 1
    phases = [(forward_end, '[data-neuron="loss"]'), (2 * forward_end - 1, ".mgv-flow-backward")]
    for phase, reached in phases:
        if phase != forward_end:
            fig.get_by_role("button", name="Backward pass", exact=True).click()
        page.wait_for_function(
            f"document.querySelector('.mgv').dataset.passPhase === '{phase}'", timeout=20_000
        )
        settled(page, scroller)
        shown = page.evaluate(IN_VIEW, [f".mgv {reached}", box])
        assert shown and all(shown), (phase, reached, shown)
        said = fig.locator(".mgv-passes").bounding_box()
        assert said["y"] >= 0 and said["y"] + said["height"] <= 844, said
    # The forward pass ended at the loss, with the output neuron beside it.
    output = f'[data-neuron="{len(trace["sizes"]) - 1}-0"]'
    fig.get_by_role("button", name="Forward pass", exact=True).click()
    page.wait_for_function(
        f"document.querySelector('.mgv').dataset.passPhase === '{forward_end}'", timeout=20_000
    )
    settled(page, scroller)
    assert all(page.evaluate(IN_VIEW, [f".mgv {output}", box]))
    assert errors == []
    page.close()
