"""The live Loop (bookbuild/live/loop.js and book_live/loop.py): in live mode,
chapter 11's training figure gets a network that trains in the page, in a
worker of its own, with the finished package (which computes chapter 11's
numbers to the last bit, faster).

The browser's numbers are checked against the same module run natively,
with the very files the page's worker unpacks (the site's 11-moons.loop.zip
and book_live.zip), in real Chromium over a local server with every other
request blocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import BUILD, ROOT, axe_violations, glued, open_page
from tangle.package import package_data, write_snapshots

LIVE = Path("_static") / "live"
LOOP_SETTINGS = ROOT / "bookbuild" / "live" / "book_live" / "loop_settings.json"
START_TIMEOUT = 90_000  # ms: two Pyodides start, the page's and the Loop's
PAGE = "book/11-moons.html"


# -- natively ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def package(built_site, tmp_path_factory) -> Path:
    """What the page's Loop unpacks (the finished package, and the live
    pages' Python), unpacked here, as the worker does."""
    folder = tmp_path_factory.mktemp("loop-package")
    for name in ("11-moons.loop.zip", "book_live.zip"):
        archive = built_site / LIVE / name
        if not archive.exists():
            pytest.fail(f"{archive} is missing: build the book (make html)")
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(folder)
    return folder


def native(package: Path, script: str, micrograd: Path | None = None) -> object:
    """Run `script` with book_live.loop as `loop` and the page's package (or
    the micrograd in folder `micrograd`), in a fresh, isolated CPython; it
    prints one JSON value, which this returns."""
    code = (
        f"import sys; sys.path[:0] = [{str(micrograd or package)!r}, {str(package)!r}]\n"
        f"import json\nfrom book_live import loop\n"
        f"assert loop.MLP.__module__ == 'micrograd.nn'\n"
        f"assert sys.modules['micrograd'].__file__.startswith({str(micrograd or package)!r})\n"
        f"{script}"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_manifest_gives_chapter_11_its_loop_and_the_package_has_its_data(built_site, package):
    entry = json.loads((built_site / LIVE / "11-moons.json").read_text())
    # The Loop's settings are the table book_live/loop.py checks them by.
    table = json.loads(LOOP_SETTINGS.read_text())
    assert entry["loop"] == {"package": "11-moons.loop.zip", "settings": table}
    # Only the chapter that shows the replay: not the appendix that defines it.
    appendix = json.loads((built_site / LIVE / "90-how-pictures-are-made.json").read_text())
    assert "loop" not in appendix
    # The page's own package (the chapters before 11) has no data sets; the
    # Loop's (the finished one, with chapter 12's fused neurons) has them.
    with zipfile.ZipFile(built_site / LIVE / "11-moons.zip") as before:
        assert "micrograd/data.py" not in before.namelist()
    assert (package / "micrograd" / "data.py").exists()
    assert "def dot(" in (package / "micrograd" / "engine.py").read_text()
    assert (built_site / LIVE / "loop.js").exists()
    assert (package / "book_live" / "loop.py").exists()


def test_settings_are_checked_and_the_loss_is_chapter_11s(package):
    got = native(
        package,
        """
s = loop.settings_from({"data": "nope", "n": 1000, "hidden": [0, 40, 3, 3],
                        "added": [[0.5, 0.25, 7]], "removed": [3, 3, 999], "decay": -5})
run = loop.Loop({"n": 20})
untrained = list(run.losses)
after = run.step()
run.set_data([[0.0, 0.0, -1]], [0, 1])
print(json.dumps([s, len(run.X), run.y[-1], untrained, after, run.losses, run.steps]))
""",
    )
    settings, count, last_label, untrained, after, losses, steps = got
    assert settings["data"] == "moons" and settings["n"] == 200
    assert settings["hidden"] == [1, 16, 3]  # clamped, and three layers at most
    assert settings["added"] == [[0.5, 0.25, 1]] and settings["removed"] == [3]
    assert settings["decay"] == 0
    assert count == 20 - 2 + 1 and last_label == -1
    # Step 0 has a loss before any training; after one step, step 1 has the
    # loss of the data now (the points changed), not the one before.
    assert len(untrained) == 1 and steps == 1
    assert losses[0] == untrained[0] and len(losses) == 2 and losses[1] != after


def test_what_chapter_11_says_of_the_loop_is_what_it_does(built_site, package):
    """Chapter 11 describes the Loop's set-up and three experiments to try
    in it, with numbers its cells compute with the chapter's own code; the
    Loop, run from the files the page's worker unpacks, must give the same
    numbers: the chapter's own training, set up in the Loop, to the last
    bit."""
    said = glued("11-moons")
    got = native(
        package,
        f"""
from micrograd.nn import loss_and_accuracy
import inspect

def run(steps, **settings):
    r = loop.Loop(settings)
    for _ in range(steps):
        r.step()
    return r

default = run(150)
s = default.settings
steps = {int(said["live_steps"])}
chapter = run(100, n=100, hidden=[16, 16], lr=1, decay=100)
print(json.dumps({{
    "data": s["data"], "activation": s["activation"], "hidden": s["hidden"],
    "same_l2": s["l2"] == inspect.signature(loss_and_accuracy).parameters["alpha"].default,
    "live_points": s["n"], "live_width": s["hidden"][0], "live_lr": s["lr"],
    "live_first_perfect": next(k for k, a in enumerate(default.accuracies) if a == 1.0),
    "live_spiral_small": 100 * run(steps, data="spiral").accuracies[-1],
    "live_spiral_big": 100 * run(steps, data="spiral", hidden=[16, 16]).accuracies[-1],
    "live_l2_acc": 100 * run(steps, l2=0.03).accuracies[-1],
    "moons_start_loss": chapter.losses[0],
    "moons_jump_loss": chapter.losses[1],
    "moons_final_loss": chapter.losses[100],
    "moons_final_acc": 100 * chapter.accuracies[100],
    "moons_first_perfect": next(k for k, a in enumerate(chapter.accuracies) if a == 1.0),
}}))
""",
    )
    # "It starts on the moons, ... two hidden layers of ... ReLU neurons";
    # "the same loss and the same L2 penalty as above"
    assert got.pop("data") == "moons" and got.pop("activation") == "relu"
    hidden = got.pop("hidden")
    assert len(hidden) == 2 and len(set(hidden)) == 1
    assert got.pop("same_l2")
    # Equal as floats: the losses to the last bit (a glued float is its repr).
    assert {name: float(said[name]) for name in got} == got


def test_the_loop_computes_what_chapter_11s_engine_computes(tangled, package, tmp_path):
    """The Loop trains with the finished package; the chapter says it
    trains exactly as chapter 11's code would: the same losses, to the last
    bit, with chapter 11's package, for either activation."""
    write_snapshots(tangled, tmp_path, package_data(ROOT))
    script = """
out = []
for act in ("relu", "tanh"):
    r = loop.Loop({"data": "circles", "n": 30, "hidden": [6, 4], "activation": act,
                   "lr": 0.5, "decay": 15})
    for _ in range(20):
        r.step()
    out.append(r.losses)
print(json.dumps(out))
"""
    finished = native(package, script)
    chapter_11 = native(package, script, micrograd=tmp_path / "11-moons")
    assert finished == chapter_11 and len(finished[0]) == 21


def test_the_curves_and_the_rings_describe_the_same_network(package):
    """At every step, and after the points change, the accuracy the curve
    shows for the step is the share of points not ringed as wrong."""
    got = native(
        package,
        """
run = loop.Loop({"data": "spiral", "n": 40})
pairs = []
for k in range(30):
    if k == 12:
        run.set_data([[0.1, 0.1, 1], [-0.2, 0.3, -1]], [0, 5])
    else:
        run.step()
    state = run.state(plane=False)
    pairs.append([state["step"], len(state["loss"]), state["accuracy"][-1],
                  (len(state["points"]) - len(state["wrong"])) / len(state["points"])])
print(json.dumps(pairs))
""",
    )
    assert [step for step, *_ in got] == list(range(1, 13)) + list(range(12, 30))
    assert all(count == step + 1 for step, count, *_ in got)
    assert all(shown == rings for *_, shown, rings in got), got
    assert len({shown for *_, shown, _ in got}) > 3  # the accuracy moved


def native_run(package: Path, settings: dict, steps: int) -> tuple[list, list]:
    """The losses and accuracies, from step 0, of `steps` steps of the
    Loop with `settings`, natively."""
    return native(
        package,
        f"""
run = loop.Loop({json.dumps(settings)})
for _ in range({steps}):
    run.step()
print(json.dumps([run.losses, run.accuracies]))
""",
    )


# -- in the browser ----------------------------------------------------------------------


def start_loop(page) -> None:
    page.click('[data-live="toggle"]')
    page.wait_for_function(
        "window.bookLoop && bookLoop.state.ready && bookLoop.state.plane !== undefined",
        timeout=START_TIMEOUT,
    )


def steps_done(page, count: int) -> None:
    page.wait_for_function(f"bookLoop.state.step === {count}", timeout=60_000)


def url_settings(url: str) -> str:
    return parse_qs(urlsplit(url).query)["loop"][0]


def test_the_live_loop_computes_what_native_python_computes(browser, server, package):
    """N steps in the browser give, step by step, the losses CPython's
    micrograd computes for the same seed and settings (within 1e-9)."""
    setup = "data:circles;n:30;noise:0.05;seed:7;hidden:6,4;act:tanh;lr:0.2;l2:0.001"
    page, errors, outside = open_page(browser, f"{server}{PAGE}?loop={setup}", server)
    start_loop(page)
    settings = page.evaluate("bookLoop.state.settings")
    assert settings["data"] == "circles" and settings["hidden"] == [6, 4]
    for k in range(1, 6):
        page.click('[data-loop="step"]')
        steps_done(page, k)
    losses = page.evaluate("bookLoop.state.losses")
    accuracies = page.evaluate("bookLoop.state.accuracies")
    expected = native_run(package, settings, 5)
    assert len(losses) == 6  # steps 0 to 5
    assert all(abs(a - b) <= 1e-9 for a, b in zip(losses, expected[0], strict=True)), (
        losses,
        expected,
    )
    assert accuracies == expected[1]
    # The loss falls, so the Loop is training, not just repeating itself.
    assert losses[-1] < losses[0]
    ms = page.evaluate("bookLoop.state.msPerStep")
    print(f"live Loop: {ms:.0f} ms per step (circles, 30 points, 2-6-4-1 tanh)")
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def run_to(page, step: int) -> None:
    """Type `step` into the Loop's field and press Run to; wait until it
    has stopped there."""
    page.fill('[data-loop="target"]', str(step))
    page.click('[data-loop="run-to"]')
    steps_done(page, step)
    page.wait_for_function("!bookLoop.state.running")


def readout_agrees(page) -> None:
    """The line under the plot says the step's loss and accuracy as the
    curves have them, and counts the points ringed on the plot."""
    state = page.evaluate(
        """() => ({s: bookLoop.state, fmt: microgradViz.fmt(bookLoop.state.losses.at(-1)),
                  pc: microgradViz.percent(bookLoop.state.accuracies.at(-1)),
                  rings: [...document.querySelectorAll('[data-loop="plot"] .mgv-wrong')]
                    .filter((ring) => ring.style.display !== 'none').length})"""
    )
    s = state["s"]
    total = len(s["points"])
    right = total - len(s["wrong"])
    text = page.locator('[data-loop="readout"]').inner_text()
    assert text.startswith(f"Step {s['step']}"), text
    assert f"loss {state['fmt']}, accuracy {state['pc']}: {right} of {total}" in text, text
    assert right / total == s["accuracies"][s["step"]]
    assert state["rings"] == len(s["wrong"]), state["rings"]


def test_run_to_step_stops_there_and_goes_back_from_the_seed(browser, server, package):
    """Run to step N stops at step N exactly (the chapter's experiments are
    counted to the step); a step behind starts the run again from its seed,
    with the same numbers; at every stop the readout agrees with the curves."""
    setup = "data:spiral;n:30;hidden:6,6;lr:0.2;decay:10"
    page, errors, outside = open_page(browser, f"{server}{PAGE}?loop={setup}", server)
    start_loop(page)
    readout_agrees(page)
    run_to(page, 12)
    page.wait_for_timeout(300)
    assert page.evaluate("bookLoop.state.step") == 12
    readout_agrees(page)
    at_12 = page.evaluate("bookLoop.state.losses")
    run_to(page, 4)
    readout_agrees(page)
    at_4 = page.evaluate("bookLoop.state.losses")
    settings = page.evaluate("bookLoop.state.settings")
    expected, _ = native_run(package, settings, 12)
    assert len(at_12) == 13 and len(at_4) == 5
    assert all(abs(a - b) <= 1e-9 for a, b in zip(at_12, expected, strict=True))
    assert at_4 == at_12[:5]
    # Not a whole number of steps: refused, and said so.
    page.fill('[data-loop="target"]', "2.5")
    page.click('[data-loop="run-to"]')
    assert page.locator('[data-loop="target"]').get_attribute("aria-invalid") == "true"
    assert "whole number" in page.locator('[data-loop="status"]').inner_text()
    assert page.evaluate("bookLoop.state.step") == 4
    # A hundred steps: the curves' step numbers still lie inside them.
    run_to(page, 100)
    readout_agrees(page)
    outside_boxes = page.evaluate(
        """() => [...document.querySelectorAll('.book-loop-curves svg')].flatMap((svg) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('text')].map((text) => [text.textContent,
            text.getBoundingClientRect()]).filter(([, r]) => r.left < box.left - 0.5 ||
            r.right > box.right + 0.5).map(([words]) => words);
        })"""
    )
    assert outside_boxes == [], outside_boxes
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_start_pressed_while_python_starts_is_kept(browser, server):
    """A reader who presses Start as soon as the Loop appears, before its
    Python is ready, sees it train once Python is up (the press is kept)."""
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    page.click('[data-live="toggle"]')
    start = page.locator('[data-loop="start"]')
    start.wait_for()
    assert not page.evaluate("bookLoop.state.ready")
    start.click()
    page.wait_for_function("bookLoop.state.step >= 3", timeout=START_TIMEOUT)
    assert start.inner_text() == "Pause"
    start.click()
    page.wait_for_function("!bookLoop.state.running")
    assert start.inner_text() == "Start"
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def plane_to_screen(page, x: float, y: float) -> tuple[float, float]:
    """Where the point (x, y) of the plane is on the screen."""
    return tuple(
        page.evaluate(
            """([x, y]) => {
      const svg = document.querySelector('[data-loop="plot"] svg');
      const rect = svg.querySelector('rect.mgv-frame');
      const p = bookLoop.state.plane;
      const u = +rect.getAttribute('x') + (x - p.xmin) / (p.xmax - p.xmin) *
        +rect.getAttribute('width');
      const v = +rect.getAttribute('y') + (p.ymax - y) / (p.ymax - p.ymin) *
        +rect.getAttribute('height');
      const at = new DOMPoint(u, v).matrixTransform(svg.getScreenCTM());
      return [at.x, at.y];
    }""",
            [x, y],
        )
    )


def test_adding_and_removing_points_changes_what_the_next_step_trains_on(browser, server, package):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    start_loop(page)
    assert "loop=" not in page.url  # the defaults: nothing to say yet
    page.click('[data-loop="step"]')
    steps_done(page, 1)
    count = page.evaluate("bookLoop.state.points.length")
    plane = page.evaluate("bookLoop.state.plane")
    # A click where there is no point adds one, of the class chosen.
    page.select_option('[data-loop="class"]', "-1")
    corner = (round(plane["xmax"] - 0.2, 2), round(plane["ymin"] + 0.2, 2))
    page.mouse.click(*plane_to_screen(page, *corner))
    page.wait_for_function(f"bookLoop.state.points.length === {count + 1}")
    assert page.evaluate("bookLoop.state.labels.at(-1)") == -1
    added = page.evaluate("bookLoop.state.points.at(-1)")
    assert abs(added[0] - corner[0]) <= 0.011 and abs(added[1] - corner[1]) <= 0.011
    # A click on a point removes it: the first of the generated set.
    first = page.evaluate("bookLoop.state.points[0]")
    page.mouse.click(*plane_to_screen(page, *first))
    page.wait_for_function(f"bookLoop.state.points.length === {count}")
    assert first not in page.evaluate("bookLoop.state.points")
    assert page.evaluate("bookLoop.state.settings.removed") == [0]
    page.click('[data-loop="step"]')
    steps_done(page, 2)
    losses = page.evaluate("bookLoop.state.losses")
    s = page.evaluate("bookLoop.state.settings")
    expected = native(
        package,
        f"""
run = loop.Loop({{}})
run.step()
untouched = loop.Loop({{}})
untouched.step()
untouched.step()
run.set_data({json.dumps(s["added"])}, {json.dumps(s["removed"])})
run.step()
print(json.dumps([run.losses, untouched.losses]))
""",
    )
    edited, untouched = expected
    assert all(abs(a - b) <= 1e-9 for a, b in zip(losses, edited, strict=True)), (losses, edited)
    # The second step trained on other data than it would have.
    assert abs(losses[1] - untouched[1]) > 1e-6
    # The address holds the set-up, and a new page opened at it restores it.
    text = url_settings(page.url)
    assert text == f"add:{added[0]},{added[1]},-1;remove:0", text
    assert page.locator('[data-loop="link"]').input_value() == page.url
    again, errors2, outside2 = open_page(browser, page.url, server)
    offer = again.locator('[data-loop="offer"]')
    assert "set-up for the live training figure" in offer.inner_text()
    assert again.locator('[data-loop="root"]').count() == 0  # not live yet
    offer.get_by_role("button").click()
    again.wait_for_function(
        "window.bookLoop && bookLoop.state.ready && bookLoop.state.points.length > 0",
        timeout=START_TIMEOUT,
    )
    assert again.evaluate("bookLoop.state.settings") == s
    assert again.evaluate("bookLoop.state.points") == page.evaluate("bookLoop.state.points")
    assert errors == [] and outside == [] and errors2 == [] and outside2 == []
    page.close()
    again.close()


def test_every_setting_goes_into_the_address_and_comes_back(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    start_loop(page)
    page.select_option('[data-loop="data"]', "spiral")
    page.select_option('[data-loop="activation"]', "tanh")
    for name, value in (
        ("n", "36"),
        ("noise", "0.2"),
        ("seed", "5"),
        ("hidden", "5,3,2"),
        ("lr", "0.05"),
        ("l2", "0.002"),
        ("decay", "50"),
    ):
        page.fill(f'[data-loop="{name}"]', value)
        page.dispatch_event(f'[data-loop="{name}"]', "change")
    page.wait_for_function("bookLoop.state.points.length === 36")
    text = url_settings(page.url)
    assert text == (
        "data:spiral;n:36;noise:0.2;seed:5;hidden:5,3,2;act:tanh;lr:0.05;l2:0.002;decay:50"
    ), text
    decoded = page.evaluate(f"bookLoop.decode({json.dumps(text)})")
    assert decoded == page.evaluate("bookLoop.state.settings")
    # A value out of range is refused, and said so; the run stays.
    page.fill('[data-loop="n"]', "5000")
    page.dispatch_event('[data-loop="n"]', "change")
    assert page.locator('[data-loop="n"]').get_attribute("aria-invalid") == "true"
    assert "from 4 to 200" in page.locator('[data-loop="status"]').inner_text()
    assert page.evaluate("bookLoop.state.settings.n") == 36
    # The message stays while the field is wrong, even when the runs the
    # changes above started answer after it (they did, and hid it).
    page.wait_for_function("!bookLoop.state.running")
    page.click('[data-loop="step"]')
    page.wait_for_function("bookLoop.state.step >= 1", timeout=60_000)
    assert "from 4 to 200" in page.locator('[data-loop="status"]').inner_text()
    page.fill('[data-loop="n"]', "40")
    page.dispatch_event('[data-loop="n"]', "change")
    page.wait_for_function("bookLoop.state.points.length === 40", timeout=60_000)
    assert page.locator('[data-loop="n"]').get_attribute("aria-invalid") is None
    assert "from 4 to 200" not in page.locator('[data-loop="status"]').inner_text()
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_the_loop_works_from_the_keyboard_and_pause_is_prompt(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    start_loop(page)
    start = page.locator('[data-loop="start"]')
    start.focus()
    page.keyboard.press("Enter")
    assert start.get_attribute("aria-pressed") == "true"
    assert start.inner_text() == "Pause"
    page.wait_for_function("bookLoop.state.step >= 3", timeout=60_000)
    page.keyboard.press("Space")  # Pause
    paused = page.evaluate("bookLoop.state.step")
    assert start.inner_text() == "Start"
    page.wait_for_timeout(1500)
    # At most the step under way when Pause was pressed finishes.
    assert page.evaluate("bookLoop.state.step") <= paused + 1
    # Tab reaches Step, then Reset; each works with the keyboard.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.loop") == "step"
    before = page.evaluate("bookLoop.state.step")
    page.keyboard.press("Enter")
    steps_done(page, before + 1)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.loop") == "reset"
    page.keyboard.press("Enter")
    steps_done(page, 0)
    # Then Run to step, and the step it runs to.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.loop") == "run-to"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.loop") == "target"
    # Then the plot: the arrow keys move a cross (with Shift, farther; it
    # stops at the plot's edge), Enter adds a point there.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.loop") == "plot"
    count = page.evaluate("bookLoop.state.points.length")
    plane = page.evaluate("bookLoop.state.plane")
    for key in ["Shift+ArrowLeft"] * 12 + ["Shift+ArrowDown"] * 12 + ["ArrowUp"]:
        page.keyboard.press(key)
    x, y = plane["xmin"], round(plane["ymin"] + 0.1, 2)
    status = page.locator('[data-loop="status"]').inner_text()
    assert status == f"Cross at ({x:.2f}, {y:.2f}).", status  # not on a point
    page.keyboard.press("Enter")
    page.wait_for_function(f"bookLoop.state.points.length === {count + 1}")
    added = page.evaluate("bookLoop.state.points.at(-1)")
    assert abs(added[0] - x) < 1e-9 and abs(added[1] - y) < 1e-9, added
    assert page.evaluate("bookLoop.state.labels.at(-1)") == 1  # the class chosen
    # Enter again, on the point now under the cross, removes it.
    page.keyboard.press("Enter")
    page.wait_for_function(f"bookLoop.state.points.length === {count}")
    # Every field of the set-up is a labelled control the keyboard reaches.
    names = page.evaluate("""[...document.querySelectorAll(
        '[data-loop="root"] input, [data-loop="root"] select')].map(
        e => [e.dataset.loop, e.labels.length ? e.labels[0].textContent : ''])""")
    assert all(label for _, label in names), names
    assert {name for name, _ in names} >= {
        "data",
        "n",
        "noise",
        "seed",
        "hidden",
        "activation",
        "lr",
        "l2",
        "class",
        "link",
        "decay",
        "target",
    }
    page.locator('[data-loop="hidden"]').focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")  # leaving the field applies it
    page.wait_for_function("bookLoop.state.settings.hidden.join() === '3'")
    assert errors == [] and outside == [], (errors, outside)
    page.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_loop_is_accessible_and_fits_a_phone(browser, server, theme):
    """Also saves screenshots of the Loop at a desktop's width and a phone's,
    to _build/screenshots/, for a human to look at."""
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server, theme)
    start_loop(page)
    for k in range(1, 3):
        page.click('[data-loop="step"]')
        steps_done(page, k)
    folder = BUILD / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    root = page.locator('[data-loop="root"]')
    for width in (1280, 768, 390, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(200)
        root.scroll_into_view_if_needed()
        if width in (1280, 390):
            root.screenshot(path=str(folder / f"live-loop-{theme}-{width}.png"))
        # Nothing sticks out of its box, nor out of the window (a text
        # field's text scrolls inside it: the link is longer than a phone).
        clipped = root.evaluate("""r => [r, ...r.querySelectorAll('*')]
            .filter(e => e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0 &&
                         e.tagName !== 'INPUT' ||
                         e.getBoundingClientRect().right > innerWidth + 0.5)
            .map(e => e.tagName + ' ' + (e.dataset.loop || ''))""")
        assert clipped == [], (width, clipped)
    page.set_viewport_size({"width": 1280, "height": 900})
    result = axe_violations(page, ['[data-loop="root"]'])
    assert result == [], result
    assert errors == [] and outside == [], (errors, outside)
    page.close()


def test_live_mode_off_leaves_the_replay_alone(browser, server):
    page, errors, outside = open_page(browser, f"{server}{PAGE}", server)
    assert page.locator('[data-loop="root"]').count() == 0
    start_loop(page)
    assert page.locator('[data-loop="root"]').count() == 1
    # The Loop comes after the cell that shows the replay; the replay stays.
    # (The second replay on the page is Exercise 11.1's, in its solution.)
    replays = page.locator(".cell_output .mgv[data-run]")
    assert replays.count() == 2 and replays.first.is_visible()
    assert page.evaluate("""() => {
      const root = document.querySelector('[data-loop="root"]');
      return root.previousElementSibling.contains(
        document.querySelector('.cell_output .mgv[data-run]'));
    }""")
    page.click('[data-live="toggle"]')  # off
    assert page.locator('[data-loop="root"]').count() == 0
    assert replays.first.is_visible()
    assert errors == [] and outside == [], (errors, outside)
    page.close()
