"""The live Loop: a network that trains in the page, step by step, with
the book's own engine (chapter 11's figure, in live mode).

The Loop's worker (worker.mjs) imports this module, whose `micrograd` is
the package as chapter 11 leaves it (its data sets included), and calls
`call(request)` with a JSON request from loop.js:

    {"do": "reset", "settings": {...}}   a new run from the settings
    {"do": "step", "count": k}           k training steps
    {"do": "data", "added": [...], "removed": [...]}   other points

and each answers with the state of the run, as JSON (see `Loop.state`).
The same module runs natively in the tests, with the same package, and
must compute the same losses, to the last bit.

The settings (key, default, range, the key in the page's address) are
defined once, in loop_settings.json beside this file: `settings_from`
checks a run's settings by it, and the page gets it in the chapter's
manifest (bookbuild/live.py), from which loop.js makes its form, its
address and its checks.

Everything is seeded: the data set by `seed`, the network's first weights
by `seed` too (`random.seed(seed)` just before `MLP(...)`, as chapter 11
does). The loss is chapter 11's `loss_and_accuracy` (the max-margin loss
plus L2), with its `alpha` as the setting `l2`; the learning rate stays
`lr` (chapter 11 lets it decay over a fixed number of steps, and this
loop has no end).
"""

import json
import math
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from micrograd.data import make_circles, make_moons, make_spiral, make_xor
from micrograd.figures import collector_spared, grid, pack, plane_around, score
from micrograd.nn import MLP, SGD, loss_and_accuracy

DATA_SETS: dict[str, Callable[..., tuple[list, list]]] = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
}
SETTINGS: list[dict[str, Any]] = json.loads(
    Path(__file__).with_name("loop_settings.json").read_text(encoding="utf-8")
)
DEFAULTS: dict[str, Any] = {setting["key"]: setting["default"] for setting in SETTINGS}
GRID = 24  # the plane is drawn as a GRID x GRID heatmap


def checked(setting: dict[str, Any], value: Any, n: int) -> Any:
    """`value` made a valid value of `setting` (a value out of its range is
    brought back into it; an unknown choice is the default); `n` is the
    number of points generated, which the indices removed are among."""
    kind = setting["kind"]
    if kind == "choice":
        return value if value in setting["choices"] else setting["default"]
    if kind == "points":
        return [[float(x), float(y), 1 if label > 0 else -1] for x, y, label in value]
    if kind == "indices":
        return sorted({int(i) for i in value if 0 <= int(i) < n})
    lo, hi = setting["range"]
    cast = float if kind == "float" else int
    if kind == "sizes":
        sizes = [int(min(hi, max(lo, int(size)))) for size in value]
        return sizes[: setting["layers"]] or list(setting["default"])
    return cast(min(hi, max(lo, cast(value))))


def settings_from(given):
    """The settings a run uses: `given` checked and completed with the
    defaults, in the table's order (the points removed after their count)."""
    s = dict(DEFAULTS)
    s.update({key: value for key, value in (given or {}).items() if key in DEFAULTS})
    for setting in SETTINGS:
        s[setting["key"]] = checked(setting, s[setting["key"]], s["n"])
    return s


class Loop:
    """One run: the data (the generated set, less the points removed, plus
    the points added), the network, and what training has done so far."""

    def __init__(self, given=None):
        s = self.settings = settings_from(given)
        points, labels = DATA_SETS[s["data"]](n=s["n"], noise=s["noise"], seed=s["seed"])
        # The plane is the generated set's, so that adding or removing a
        # point does not move the picture under the reader's pointer.
        self.plane = plane_around(points, GRID)
        self.generated = points, labels
        self.set_data(s["added"], s["removed"])
        random.seed(s["seed"])
        self.model = MLP(
            2, s["hidden"] + [1], activation=s["activation"], output_activation="linear"
        )
        self.optimizer = SGD(self.model.parameters())
        self.optimizer.lr = s["lr"]
        self.losses, self.accuracies = [], []

    def set_data(self, added, removed):
        """Train, from the next step on, on the generated points less those
        `removed` (their indices) plus those `added` ([x, y, label])."""
        checked = settings_from({**self.settings, "added": added, "removed": removed})
        self.settings["added"] = checked["added"]
        self.settings["removed"] = checked["removed"]
        points, labels = self.generated
        gone = set(checked["removed"])
        kept = [i for i in range(len(points)) if i not in gone]
        self.X = [points[i] for i in kept]
        self.y = [labels[i] for i in kept]
        # Where each point came from: ["data", i] or ["added", j].
        self.origin = [["data", i] for i in kept]
        for j, (x, y, label) in enumerate(checked["added"]):
            self.X.append([x, y])
            self.y.append(label)
            self.origin.append(["added", j])

    def step(self):
        """One step of chapter 11's loop: the loss at the current weights,
        backward, and a step downhill. Records the loss and accuracy."""
        if not self.X:
            raise ValueError("no points to train on: add some")
        # The step's graph is garbage once it is done: the collector looks
        # for it then, and only then (about five times faster; see the
        # appendix of the book, How the pictures are made).
        with collector_spared():
            loss, accuracy = loss_and_accuracy(self.model, self.X, self.y, self.settings["l2"])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.losses.append(loss.data)
            self.accuracies.append(accuracy)
            del loss
        return self.losses[-1]

    def scores(self):
        """The network's score at every point, without building a graph."""
        return [score(self.model, point) for point in self.X]

    def state(self, plane=True):
        """What the page draws: the points, the losses and accuracies so far
        (one per step taken), the points now misclassified, and the sign
        and strength of the network's score over the plane."""
        out = {
            "step": len(self.losses),
            "settings": self.settings,
            "points": self.X,
            "labels": self.y,
            "origin": self.origin,
            "loss": self.losses,
            "accuracy": self.accuracies,
            "parameters": len(self.model.parameters()),
            "wrong": [
                i
                for i, (s, t) in enumerate(zip(self.scores(), self.y, strict=True))
                if (s > 0) != (t > 0)
            ],
            "plane": self.plane,
        }
        if plane:
            out["scores"] = pack([math.tanh(score(self.model, p)) for p in grid(self.plane)])
        return out


_loop = None


def call(request):
    """Answer one request of the page (JSON in, JSON out)."""
    global _loop
    request = json.loads(request)
    try:
        if request["do"] == "reset" or _loop is None:
            _loop = Loop(request.get("settings"))
        if request["do"] == "data":
            _loop.set_data(request["added"], request["removed"])
        if request["do"] == "step":
            for _ in range(int(request.get("count", 1))):
                _loop.step()
        answer = _loop.state()
        # The page needs only the new losses: it keeps the ones it has.
        since = int(request.get("since", 0))
        answer["loss"] = answer["loss"][since:]
        answer["accuracy"] = answer["accuracy"][since:]
        answer["since"] = since
        return json.dumps(answer)
    except Exception as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}"})
