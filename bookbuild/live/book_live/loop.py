"""The live Loop: a network that trains in the page, step by step, with
the book's own engine (chapter 11's figure, in live mode).

The Loop's worker (worker.mjs) imports this module, whose `micrograd` is
the finished package (its data sets included), and calls
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
plus L2), with its `alpha` as the setting `l2`; the learning rate is `lr`,
and with `decay` it shrinks linearly to a tenth over that many steps, by
chapter 11's formula, and then stays there. With chapter 11's set-up
(100 points, hidden 16,16, lr 1, decay 100) the Loop trains exactly as
the chapter does.

Step k means the network after k updates, and everything the page shows
for it (the loss, the accuracy, the boundary, the points ringed) is
measured on that network. The loss of step k is the forward pass that
step k + 1 differentiates, so the Loop keeps that graph from one step to
the next: each step is one backward pass, one update and one forward
pass, and step 0 (before training) has a loss too. Keeping a graph
between steps is cheap because the package's values make no reference
cycles (chapter 12), so a graph goes as soon as nothing holds it.

The package is the book's finished one (with chapter 12's fused neurons,
several times faster than chapter 11's engine), which computes chapter
11's numbers to the last bit: tests/test_live_loop.py checks it.
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
        self.steps = 0  # updates made so far: the step the network is at
        # losses[k] and accuracies[k]: of the network at step k
        self.losses, self.accuracies = [], []
        self.loss = None  # the graph of the step's loss, for the next update
        points, labels = DATA_SETS[s["data"]](n=s["n"], noise=s["noise"], seed=s["seed"])
        # The plane is the generated set's, so that adding or removing a
        # point does not move the picture under the reader's pointer.
        self.plane = plane_around(points, GRID)
        self.generated = points, labels
        random.seed(s["seed"])
        self.model = MLP(
            2, s["hidden"] + [1], activation=s["activation"], output_activation="linear"
        )
        self.optimizer = SGD(self.model.parameters())
        self.set_data(s["added"], s["removed"])

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
        # The step's loss and accuracy are now the new data's, and the next
        # update trains on it.
        self.measure()

    def measure(self):
        """The loss and accuracy of the network as it is, recorded as those
        of its step (in place of any recorded before); the loss's graph is
        kept for the next update. With no points, there are none."""
        with collector_spared():
            self.forward()

    def forward(self):
        self.loss = None  # the graph before goes now
        del self.losses[self.steps :], self.accuracies[self.steps :]
        if self.X:
            self.loss, accuracy = loss_and_accuracy(self.model, self.X, self.y, self.settings["l2"])
            self.losses.append(self.loss.data)
            self.accuracies.append(accuracy)

    def rate(self, k):
        """The learning rate of the update from step k to step k + 1:
        `lr`, or with `decay` d, chapter 11's schedule (from `lr` down to a
        tenth of it over d steps), then its last value."""
        lr, decay = self.settings["lr"], self.settings["decay"]
        if decay < 2:
            return lr
        return lr * (1.0 - 0.9 * min(k, decay - 1) / (decay - 1))

    def step(self):
        """One step of chapter 11's loop: backward through the loss of the
        network as it is, a step downhill, and the new network's loss and
        accuracy. Returns the new loss."""
        if self.loss is None:
            raise ValueError("no points to train on: add some")
        # The step's graph is garbage once it is done: the collector looks
        # for it then, and only then (a step is several times faster; see
        # the appendix of the book, How the pictures are made).
        with collector_spared():
            self.optimizer.zero_grad()
            self.loss.backward()
            self.optimizer.lr = self.rate(self.steps)
            self.optimizer.step()
            self.steps += 1
            self.forward()  # the old graph goes, the new one stays
        return self.losses[-1]

    def scores(self):
        """The network's score at every point, without building a graph."""
        return [score(self.model, point) for point in self.X]

    def state(self, plane=True):
        """What the page draws: the points, the losses and accuracies so far
        (one per step, from step 0), the points now misclassified, and the
        sign and strength of the network's score over the plane."""
        out = {
            "step": self.steps,
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
        # The page needs only the new losses: it keeps the ones it has,
        # except the current step's, which new points change.
        since = min(int(request.get("since", 0)), _loop.steps)
        answer["loss"] = answer["loss"][since:]
        answer["accuracy"] = answer["accuracy"][since:]
        answer["since"] = since
        return json.dumps(answer)
    except Exception as error:
        return json.dumps({"error": f"{type(error).__name__}: {error}"})
