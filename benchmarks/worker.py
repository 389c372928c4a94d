"""One engine, one measurement, in a process of its own.

`run.py` starts this script once per engine and measurement, with a job as
JSON on stdin, and reads the result as JSON from stdout. The reference
micrograd runs it under its own virtual environment's Python, so this file
uses nothing but the standard library and the engine it measures (NumPy or
PyTorch only for the engines that need them).

Jobs: {"engine": "reference" | "scalar" | "floor" | "tensor" | "pytorch",
       "task": "train" | "memory" | "depth", "root": repository or null,
       "points", "labels", "hidden", "weights", "steps", "alpha",
       "repeats", "max_depth", "pause_collector": bool}
"""

import gc
import json
import statistics
import sys
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path

# -I keeps this script's folder off sys.path; the moons problem lives there
# (last on the path: it holds no micrograd to shadow the engine measured).
sys.path.append(str(Path(__file__).resolve().parent))
import moons


def main():
    job = json.load(sys.stdin)
    if job.get("root"):  # our package, from the repository
        sys.path.insert(0, job["root"])
    engine, task = job["engine"], job["task"]
    if engine in ("reference", "scalar"):
        result = SCALAR_TASKS[task](job)
    elif engine == "tensor" and task == "train":
        result = train_tensor(job)
    elif engine == "pytorch" and task == "train":
        result = train_pytorch(job)
    elif engine == "floor" and task == "train":
        result = train_floor(job)
    else:
        raise SystemExit(f"worker: no task {task!r} for engine {engine!r}")
    result["module"] = loaded_from(engine)
    json.dump(result, sys.stdout)


def loaded_from(engine):
    """Where the measured code came from, so run.py can check it."""
    if engine == "pytorch":
        import torch

        return torch.__file__
    if engine == "floor":
        return __file__  # no engine: this file's plain floats
    import micrograd

    return micrograd.__file__


# -- the scalar engines: the reference micrograd and ours ----------------------


def scalar_model(job):
    from micrograd.nn import MLP

    sizes = job["hidden"] + [1]
    if job["engine"] == "reference":  # ReLU hidden layers, linear output
        model = MLP(2, sizes)
    else:
        model = MLP(2, sizes, activation="relu", output_activation="linear")
    parameters = model.parameters()
    if len(parameters) != len(job["weights"]):
        raise SystemExit("worker: the model and the weights differ in size")
    for p, w in zip(parameters, job["weights"], strict=True):
        p.data = w
    return model, parameters


def scalar_train(job):
    model, parameters = scalar_model(job)
    steps, times, losses = job["steps"], [], []
    if job.get("pause_collector"):  # safe only for an engine without cycles
        gc.disable()
    for k in range(steps):
        start = time.perf_counter()
        loss = moons.loss(model, job["points"], job["labels"], job["alpha"])
        for p in parameters:
            p.grad = 0.0
        loss.backward()
        rate = moons.learning_rate(k, steps)
        for p in parameters:
            p.data -= rate * p.grad
        times.append(time.perf_counter() - start)
        losses.append(loss.data)
    gc.enable()
    return {"step_seconds": statistics.median(times), "losses": losses, "total_seconds": sum(times)}


def graph_size(root):
    seen, stack = {id(root)}, [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def scalar_memory(job):
    """Bytes that one forward pass allocates and keeps (its graph), and the
    number of nodes in that graph."""
    model, _ = scalar_model(job)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = moons.loss(model, job["points"], job["labels"], job["alpha"])
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = graph_size(loss)
    return {"kept_bytes": kept, "nodes": nodes}


def backward_works(depth):
    from micrograd.engine import Value

    x = Value(1.0)
    y = x
    for _ in range(depth):
        y = y + x
    try:
        y.backward()
    except RecursionError:
        return False
    return x.grad == depth + 1


def scalar_depth(job):
    """The deepest chain backward() gets through: 10, 100, ... up to
    `max_depth`, then halving the gap between the last depth that worked
    and the first that failed."""
    good, depth = 0, 10
    while depth <= job["max_depth"] and backward_works(depth):
        good, depth = depth, depth * 10
    if depth > job["max_depth"]:
        return {"max_depth": good, "capped": True}
    bad = depth
    while bad - good > 1:
        middle = (good + bad) // 2
        if backward_works(middle):
            good = middle
        else:
            bad = middle
    return {"max_depth": good, "capped": False}


SCALAR_TASKS = {"train": scalar_train, "memory": scalar_memory, "depth": scalar_depth}


# -- the array engines: our Tensor and PyTorch ---------------------------------


def layer_arrays(job):
    """The scalar model's weights as one (W, b) pair of lists per layer."""
    layers = []
    for rows in neuron_rows(job):
        nin = len(rows[0]) - 1
        W = [[row[i] for row in rows] for i in range(nin)]
        b = [row[nin] for row in rows]
        layers.append((W, b))
    return layers


def timed_training(job, make_step):
    """Train `repeats` times from the same weights; the first run's losses
    and the median step time over all runs."""
    times, first_losses = [], None
    for _ in range(job["repeats"]):
        step = make_step()
        losses = []
        for k in range(job["steps"]):
            start = time.perf_counter()
            losses.append(step(moons.learning_rate(k, job["steps"])))
            times.append(time.perf_counter() - start)
        first_losses = first_losses or losses
    return {
        "step_seconds": statistics.median(times),
        "losses": first_losses,
        "total_seconds": sum(times) / job["repeats"],
    }


def train_tensor(job):
    import numpy as np

    from micrograd.tensor import Tensor

    X = np.array(job["points"])
    y = np.array(job["labels"], dtype=float).reshape(-1, 1)

    def make_step():
        parameters = []
        for W, b in layer_arrays(job):
            parameters += [Tensor(W), Tensor(b)]

        def step(rate):
            loss = array_mlp_loss(Tensor(X), y, parameters, job["alpha"])
            for p in parameters:
                p.grad = np.zeros_like(p.data)
            loss.backward()
            for p in parameters:
                p.data -= rate * p.grad
            return float(loss.data)

        return step

    return timed_training(job, make_step)


def array_mlp_loss(X, y, parameters, alpha):
    """The moons MLP's loss for array engines (micrograd.tensor, PyTorch),
    which share these operators: `parameters` is [W1, b1, W2, b2, ...]."""
    h = X
    for i in range(0, len(parameters), 2):
        h = h @ parameters[i] + parameters[i + 1]
        if i + 2 < len(parameters):
            h = h.relu()
    return moons.array_loss(h, y, parameters, alpha)


def train_pytorch(job):
    import torch

    X = torch.tensor(job["points"], dtype=torch.float64)
    y = torch.tensor(job["labels"], dtype=torch.float64).reshape(-1, 1)

    def make_step():
        parameters = []
        for W, b in layer_arrays(job):
            parameters += [
                torch.tensor(W, dtype=torch.float64, requires_grad=True),
                torch.tensor(b, dtype=torch.float64, requires_grad=True),
            ]

        def step(rate):
            loss = array_mlp_loss(X, y, parameters, job["alpha"])
            for p in parameters:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p in parameters:
                    p -= rate * p.grad
            return loss.item()

        return step

    return timed_training(job, make_step)


# -- the floor: the same step written by hand on plain floats ------------------


def train_floor(job):
    """The scalar engines' step with no engine at all: the forward pass, the
    loss and every gradient written out by hand on Python floats, in the
    engines' order of operations (a neuron: its bias, plus each weight times
    its input; a ReLU's gradient passes where its output is above zero).
    What a scalar engine costs beyond this is the cost of its graph."""

    def make_step():
        layers = neuron_rows(job)  # [layer][neuron] = [w_1 .. w_nin, b]
        points, labels, alpha = job["points"], job["labels"], job["alpha"]

        def step(rate):
            grads = [[[0.0] * len(row) for row in layer] for layer in layers]
            data_loss = 0.0
            for x, label in zip(points, labels, strict=True):
                outputs = floor_forward(layers, x)
                score = outputs[-1][0]
                margin = 1 - label * score
                if margin > 0:
                    data_loss += margin
                    floor_backward(layers, outputs, -label / len(points), grads)
            data_loss /= len(points)
            squares = 0.0
            for layer, layer_grads in zip(layers, grads, strict=True):
                for row, row_grads in zip(layer, layer_grads, strict=True):
                    for i, w in enumerate(row):
                        squares += w * w
                        row_grads[i] += alpha * 2 * w
            for layer, layer_grads in zip(layers, grads, strict=True):
                for row, row_grads in zip(layer, layer_grads, strict=True):
                    for i, g in enumerate(row_grads):
                        row[i] -= rate * g
            return data_loss + alpha * squares

        return step

    return timed_training(job, make_step)


def neuron_rows(job):
    """The job's weights as lists, one per neuron: its weights, then its bias
    (the order of nn.Neuron.parameters())."""
    sizes = [2] + job["hidden"] + [1]
    weights, layers, at = job["weights"], [], 0
    for nin, nout in pairwise(sizes):
        layers.append([weights[at + j * (nin + 1) : at + (j + 1) * (nin + 1)] for j in range(nout)])
        at += nout * (nin + 1)
    return layers


def floor_forward(layers, x):
    """Every layer's outputs for input `x`, the input first: ReLU hidden
    layers, a linear last one."""
    outputs = [x]
    for k, layer in enumerate(layers):
        last = k == len(layers) - 1
        values = []
        for row in layer:
            act = row[-1]
            for i, xi in enumerate(outputs[-1]):
                act += row[i] * xi
            values.append(act if last or act > 0 else 0.0)
        outputs.append(values)
    return outputs


def floor_backward(layers, outputs, grad_score, grads):
    """Add to `grads` the gradient of one point's margin, whose derivative
    with respect to the score is `grad_score`."""
    upstream = [grad_score]
    for k in range(len(layers) - 1, -1, -1):
        inputs, below = outputs[k], [0.0] * len(outputs[k])
        for j, row in enumerate(layers[k]):
            g = upstream[j]
            if k < len(layers) - 1 and outputs[k + 1][j] <= 0:
                continue  # a ReLU that gave zero passes no gradient
            row_grads = grads[k][j]
            for i, xi in enumerate(inputs):
                row_grads[i] += g * xi
            row_grads[-1] += g
            if k:  # the points themselves need no gradient
                for i in range(len(inputs)):
                    below[i] += g * row[i]
        upstream = below


if __name__ == "__main__":
    main()
