"""The figures' Python half (micrograd/figures/__init__.py) and its player:
each trace the built site carries is what the engine computes, recorded
again now, and the player (micrograd/figures/player/) asks the network for
nothing.
No browser here: test_figure_*.py drive the same figures in Chromium."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

from conftest import FIGURE_PAGES, traces_of

# -- the player file ---------------------------------------------------------


def test_the_player_is_package_data_and_asks_for_nothing(root: Path):
    from micrograd.figures import player_script

    player = player_script()
    for forbidden in (
        "fetch(",
        "XMLHttpRequest",
        "import(",
        "WebSocket",
        "localStorage",
        "src=",
        "href=",
    ):
        assert forbidden not in player, forbidden
    # The only address in it is the SVG namespace, which is a name, not a request.
    assert re.findall(r"https?://[^\s'\"`]+", player) == ["http://www.w3.org/2000/svg"]
    assert "</script" not in player.lower()
    pyproject = (root / "pyproject.toml").read_text()
    assert '"micrograd.figures" = ["palette.json", "player/*.js", "player/*.css"]' in pyproject


def test_no_file_of_the_player_is_over_700_lines(root: Path):
    for path in (root / "micrograd" / "figures" / "player").iterdir():
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 700, f"{path.name} has {lines} lines: split it"


# -- the graph of a backward pass ----------------------------------------------


def test_the_graph_trace_is_the_engines_backward_pass(built_site: Path):
    from micrograd.engine import Value
    from micrograd.figures import record_backward

    (trace,) = traces_of(built_site, "book/05-backward")
    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    assert record_backward(f) == trace
    # The pass ends with the gradients the engine's own backward() finds.
    fresh = {label: Value(data, label=label) for label, data in (("a", -2.0), ("b", 3.0))}
    out = (fresh["a"] * fresh["b"]) * (fresh["a"] + fresh["b"])
    out.backward()
    grads = {n["label"]: n["grad"] for n in trace["nodes"]}
    assert (grads["a"], grads["b"]) == (fresh["a"].grad, fresh["b"].grad) == (a.grad, b.grad)
    # Every call's contribution is its local derivative times the upstream
    # gradient, and the pass ends with the engine's gradients.
    for step in trace["backward"]:
        for u in step["updates"]:
            assert math.isclose(
                u["after"] - u["before"],
                u["local"] * step["upstream"],
                rel_tol=1e-12,
                abs_tol=1e-12,
            )


# -- the network learning ------------------------------------------------------


def test_the_network_trace_is_a_real_run_of_the_engine(built_site: Path):
    from micrograd.figures import network_figure
    from micrograd.nn import MLP

    (trace,) = traces_of(built_site, "book/09-networks")
    random.seed(1337)
    figure_now = network_figure(MLP(2, [4, 4, 1]), trace["inputs"], trace["targets"])
    assert figure_now.trace == trace
    losses = [frame["loss"] for frame in trace["frames"]]
    assert losses[-1] < losses[0] / 10  # it learns


# -- the training loop on four data sets ----------------------------------------


def test_the_loop_runs_are_consistent_records(built_site: Path):
    replay, exercise = traces_of(built_site, "book/11-moons")
    assert [run["name"] for run in replay["runs"]] == ["moons", "circles", "xor", "spiral"]
    # Exercise 11.1 replays the moons run beside a noisy one.
    assert [run["name"] for run in exercise["runs"]] == ["moons", "noisy moons"]
    assert exercise["runs"][0] == replay["runs"][0]
    for run in replay["runs"] + exercise["runs"][1:]:
        n = len(run["points"])
        assert len(run["loss"]) == len(run["accuracy"])
        for frame in run["frames"]:
            # The rings and the accuracy agree: both come from the engine's scores.
            assert math.isclose(1 - len(frame["wrong"]) / n, run["accuracy"][frame["step"]])
        assert run["accuracy"][-1] > run["accuracy"][0]
        assert run["loss"][-1] < run["loss"][0]


# -- the training replay's shortcut -------------------------------------------


def test_the_replays_float_score_is_the_networks_output_to_the_last_bit():
    """`score` redoes a network's forward pass on plain floats, for speed; it
    must give exactly what the network gives, for every activation, or the
    replay would show a boundary the network never drew."""
    from micrograd.figures import score
    from micrograd.nn import MLP

    rng = random.Random(7)
    for activation, output in (("tanh", None), ("relu", "linear"), ("linear", "tanh")):
        random.seed(3)
        model = MLP(2, [5, 4, 1], activation=activation, output_activation=output)
        for _ in range(200):
            point = [rng.uniform(-3, 3), rng.uniform(-3, 3)]
            assert score(model, point) == model(point).data, (activation, point)


def test_recording_a_run_leaves_the_collector_as_it_found_it():
    import gc

    from micrograd.data import make_moons
    from micrograd.figures import record_run
    from micrograd.nn import MLP, loss_and_accuracy

    X, y = make_moons(n=10, noise=0.1, seed=1)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            run = record_run(
                "moons", MLP(2, [4, 1], activation="relu"), X, y, loss_and_accuracy, steps=3
            )
            assert gc.isenabled() is enabled and gc.get_freeze_count() == 0
        finally:
            gc.enable()
    assert len(run["loss"]) == 4 and len(run["frames"]) == 2


# -- the stills, for print -----------------------------------------------------


def test_every_still_prints_at_its_size_with_no_text_under_7_points(built_site: Path):
    """Each figure's still (the PDF's picture) is drawn no wider than the
    printed page's text, so LaTeX does not shrink it, and sets no text
    smaller than 7 points."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as Canvas
    from matplotlib.text import Text

    from micrograd import figures

    posters = {
        "graph": figures.draw_backward_poster,
        "neuron": figures.draw_graph_poster,
        "network": figures.draw_network_poster,
        "loop": figures.draw_loop_poster,
    }
    problems, seen = [], 0
    for docname in FIGURE_PAGES:
        for trace in traces_of(built_site, docname):
            canvas = Canvas()
            posters[trace["kind"]](canvas, trace)
            # Saved as still() saves it: cropped to what it draws, padded.
            box = canvas.get_tightbbox(FigureCanvasAgg(canvas).get_renderer())
            width = box.width + 2 * matplotlib.rcParams["savefig.pad_inches"]
            if width > figures.PRINT_WIDTH:
                problems.append(f"{docname}: a {trace['kind']} still {width:.2f} in wide")
            sizes = [t.get_fontsize() for t in canvas.findobj(Text) if t.get_text().strip()]
            if min(sizes) < 7:
                problems.append(f"{docname}: a {trace['kind']} still sets {min(sizes)} pt")
            seen += 1
    assert seen >= 6  # every figure of FIGURE_PAGES, and the appendix's exercise
    assert not problems, problems


def test_a_drawn_network_keeps_each_layers_neurons_in_order():
    """draw_mlp puts each layer's neurons from the top in their order, as
    chapter 9 says (Graphviz would reorder them to shorten lines)."""
    import random

    from micrograd.figures import draw_mlp
    from micrograd.nn import MLP

    random.seed(1337)  # the weights that made Graphviz reorder them
    svg = draw_mlp(MLP(3, [4, 4, 1])).pipe(format="svg").decode()
    columns: dict[float, list[tuple[float, str]]] = {}
    for name, x, y in re.findall(
        r'<title>(\w+)</title>\s*<ellipse[^>]*cx="([-\d.]+)" cy="([-\d.]+)"', svg
    ):
        columns.setdefault(float(x), []).append((float(y), name))
    drawn = [[name for _, name in sorted(column)] for _, column in sorted(columns.items())]
    assert drawn == [
        ["x1", "x2", "x3"],
        [f"L0n{j}" for j in range(4)],
        [f"L1n{j}" for j in range(4)],
        ["L2n0"],
    ]
