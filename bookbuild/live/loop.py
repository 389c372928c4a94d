"""The live Loop: a network that trains in the page, step by step, with
the book's own engine (chapter 11's figure, in live mode).

worker.mjs imports this module in a worker of its own, whose `micrograd`
is the package as chapter 11 leaves it (its data sets included), and
calls `call(request)` with a JSON request from loop.js:

    {"do": "reset", "settings": {...}}   a new run from the settings
    {"do": "step", "count": k}           k training steps

and each answers with the state of the run, as JSON (see `Loop.state`).
The same module runs natively in the tests, with the same package, and
must compute the same losses, to the last bit.

Everything is seeded: the data set by `seed`, the network's first weights
by `seed` too (`random.seed(seed)` just before `MLP(...)`, as chapter 11
does). The loss is chapter 11's `loss_and_accuracy` (the max-margin loss
plus L2), with its `ALPHA` as the setting `l2`; the learning rate stays
`lr` (chapter 11 lets it decay over a fixed number of steps, and this
loop has no end).
"""

import json
import random
from collections.abc import Callable
from typing import Any

from micrograd.data import make_circles, make_moons, make_spiral, make_xor
from micrograd.figures import collector_spared, grid, pack, plane_around, score
from micrograd.nn import MLP, SGD

DATA_SETS: dict[str, Callable[..., tuple[list, list]]] = {
    "moons": make_moons,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
}
ACTIVATIONS = ("relu", "tanh")
DEFAULTS: dict[str, Any] = {
    "data": "moons",
    "n": 50,
    "noise": 0.1,
    "seed": 1337,
    "hidden": [8, 8],
    "activation": "relu",
    "lr": 0.3,
    "l2": 0.0001,
    "added": [],
    "removed": [],
}
LIMITS: dict[str, tuple[float, float]] = {
    "n": (4, 200),
    "noise": (0.0, 0.5),
    "lr": (0.001, 2.0),
    "l2": (0.0, 0.1),
    "seed": (0, 2**31 - 1),
    "size": (1, 16),
    "layers": (1, 3),
}
GRID = 24  # the plane is drawn as a GRID x GRID heatmap


def settings_from(given):
    """The settings a run uses: `given` checked and completed with the
    defaults (a value out of range is brought back into it)."""
    s = dict(DEFAULTS)
    s.update({key: value for key, value in (given or {}).items() if key in DEFAULTS})

    def clamp(value, name, kind):
        lo, hi = LIMITS[name]
        return min(hi, max(lo, kind(value)))

    if s["data"] not in DATA_SETS:
        s["data"] = DEFAULTS["data"]
    if s["activation"] not in ACTIVATIONS:
        s["activation"] = DEFAULTS["activation"]
    s["n"] = clamp(s["n"], "n", int)
    s["seed"] = clamp(s["seed"], "seed", int)
    for name in ("noise", "lr", "l2"):
        s[name] = clamp(s[name], name, float)
    hidden = [clamp(size, "size", int) for size in s["hidden"]]
    s["hidden"] = hidden[: int(LIMITS["layers"][1])] or list(DEFAULTS["hidden"])
    s["added"] = [[float(x), float(y), 1 if label > 0 else -1] for x, y, label in s["added"]]
    s["removed"] = sorted({int(i) for i in s["removed"] if 0 <= int(i) < s["n"]})
    return s


def loss_and_accuracy(model, X, y, alpha):
    """Chapter 11's loss, the max-margin (SVM) loss plus `alpha` times the
    sum of the squares of the parameters, and the accuracy."""
    scores = [model(point) for point in X]
    margins = [(1 - label * score).relu() for label, score in zip(y, scores, strict=True)]
    data_loss = sum(margins) / len(margins)
    reg_loss = alpha * sum(p * p for p in model.parameters())
    correct = [(label > 0) == (score.data > 0) for label, score in zip(y, scores, strict=True)]
    return data_loss + reg_loss, sum(correct) / len(correct)


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
        import math

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
