"""The replay of chapter 11's training (`training_figure`), in a real
browser: for each data set, the step, loss, accuracy and misclassified
points it shows are the recorded run's, its counter and slider speak in
training steps, and the loss curve reads out the step under the pointer.

The live Loop of the same chapter, which trains in the page, is tested in
test_live_loop.py; what every figure owes every reader (fit, axe, keyboard
reach) in test_figures_everywhere.py; the trace, without a browser, in
test_figures.py."""

from __future__ import annotations

from conftest import figure, fmt, narration, open_figures, traces_of

PAGE = "book/11-moons"


def percent(fraction: float) -> str:
    return fmt(100 * fraction, 1) + " %"


def test_the_loop_replays_each_data_set(browser, server, built_site):
    trace = traces_of(built_site, PAGE)[0]  # the replay (Exercise 11.1 has one too)
    page, errors, _ = open_figures(browser, f"{server}{PAGE}.html", server)
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
            rings = fig.evaluate(
                "root => [...root.querySelectorAll('.mgv-wrong')]"
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
