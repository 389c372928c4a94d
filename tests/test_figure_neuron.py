"""The neuron of chapter 4 (`neuron_figure`), in a real browser and against
the engine: it starts from the chapter's numbers; on a grid of slider
settings, with tanh and with ReLU, it shows what micrograd computes; its
sliders, buttons and keys do what they say, and keep the lecture's exact
values; a step of gradient descent changes what the engine's step changes;
Reset brings back the lecture's floats; and each experiment the chapter
suggests comes out as the chapter says.

That it fits its column at every width with its step table open, passes
axe and answers the keyboard everywhere is checked in
test_figures_everywhere.py; the trace, without a browser, in
test_figures.py."""

from __future__ import annotations

import itertools
import math
import re

from conftest import figure, fmt, narration, open_figures, traces_of

PAGE = "book/04-neuron"


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


def open_neuron(browser, server, built_site):
    """Chapter 4's neuron figure in a fresh page: its trace, the number of
    each label in it, the page, the page's console errors, the figure."""
    (trace,) = traces_of(built_site, PAGE)
    number = {node["label"]: i for i, node in enumerate(trace["nodes"])}
    page, errors, _ = open_figures(browser, f"{server}{PAGE}.html", server)
    return trace, number, page, errors, figure(page)


def neuron_state(fig) -> dict:
    """What the neuron figure shows: each value's data and grad (the exact
    floats behind the four decimals)."""
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


def test_the_neuron_starts_from_the_chapters_numbers(browser, server, built_site):
    trace, _, page, errors, fig = open_neuron(browser, server, built_site)
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
    trace, _, page, errors, _ = open_neuron(browser, server, built_site)
    inputs = [spec["node"] for spec in trace["inputs"]]
    grid = [-2.5, -0.5, 0.0, 1.5]
    biases = [-3.0, -0.5, 0.0, 6.0]
    cases = [
        dict(zip(inputs, combo[:-1] + (bias,), strict=True))
        for combo in itertools.product(grid, grid, grid, grid, [None])
        for bias in biases
    ]
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
    trace, number, page, errors, fig = open_neuron(browser, server, built_site)
    nodes = trace["nodes"]
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
