"""The lean engine of book/12-why-slow.md: no cycles, small values, the old
names and meanings, and the same numbers as the engine it replaced.

test_engine.py checks the arithmetic of every operation; this file checks
what the optimisation chapter promises on top of it.
"""

from __future__ import annotations

import gc
import json
import random
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from micrograd.data import make_moons
from micrograd.engine import Value, topological_order
from micrograd.nn import MLP
from tangle.book import Book
from tangle.package import write_snapshots
from tangle.tangler import tangle_book

ROOT = Path(__file__).resolve().parents[1]


def moons_loss(model, X, y):
    scores = [model(point) for point in X]
    margins = [(1 - label * score).relu() for label, score in zip(y, scores)]
    return sum(margins) / len(margins) + 1e-4 * sum(p * p for p in model.parameters())


def moons_model():
    random.seed(1337)
    return MLP(2, [16, 16, 1], activation="relu", output_activation="linear")


# -- no reference cycles ----------------------------------------------------------


def unreachable_after(build) -> int:
    """Objects only the cyclic collector could free after `build()`'s result
    is dropped (with the collector off, so that none is freed early)."""
    gc.collect()
    gc.disable()
    try:
        result = build()
        del result
        return gc.collect()
    finally:
        gc.enable()


def test_a_training_graph_leaves_nothing_for_the_collector():
    X, y = make_moons(n=20, noise=0.1, seed=3)

    def step():
        model = moons_model()
        loss = moons_loss(model, X, y)
        loss.backward()
        return loss

    assert unreachable_after(step) == 0


def test_every_operation_is_free_of_cycles():
    def graph():
        a, b = Value(1.5), Value(0.7)
        out = (a * b + 2).tanh() - (a ** 2) / b + b.exp().log() + a.relu()
        out = out + a ** b + 2 ** a - 3 / b
        out.backward()
        return out

    assert unreachable_after(graph) == 0


def test_an_old_style_closure_still_works_and_is_the_only_cycle():
    def cube(x):
        out = Value(x.data ** 3, (x,), "cube")

        def _backward():
            x.grad += 3 * x.data ** 2 * out.grad
        out._backward = _backward
        return out

    x = Value(2.0)
    y = cube(x) * 2
    y.backward()
    assert x.grad == 24.0
    assert unreachable_after(lambda: cube(Value(1.0))) > 0


# -- memory -----------------------------------------------------------------------


def test_a_moons_forward_pass_keeps_at_most_150_bytes_per_value():
    X, y = make_moons(n=100, noise=0.1, seed=1337)
    model = moons_model()
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        loss = moons_loss(model, X, y)
        kept = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    nodes = len(topological_order(loss))
    assert nodes > 60_000
    assert kept / nodes <= 150, f"{kept / nodes:.1f} bytes per value"


def test_values_have_fixed_attributes_and_no_dictionary():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.colour = "red"
    v.label = "v"  # the attributes the book uses are all there
    v.grad = 2.0
    v.data = 3.0
    assert (v.label, v.grad, v.data, v._op) == ("v", 2.0, 3.0, "")


# -- the old names keep their meaning ----------------------------------------------


def test_prev_is_the_tuple_of_children():
    a, b = Value(1.0), Value(2.0)
    assert a._prev == () and isinstance(a._prev, tuple)
    assert a.tanh()._prev == (a,)
    assert (a * b)._prev == (a, b)
    assert (a + a)._prev == (a, a)
    assert Value(3.0, [a, b], "custom")._prev == (a, b)
    assert Value(3.0, iter([b]), "custom")._prev == (b,)


def test_more_than_two_children_is_refused_clearly():
    a = Value(1.0)
    with pytest.raises(TypeError, match="at most two children, got 3"):
        Value(3.0, (a, a, a), "sum3")


def test_calling_backward_of_each_value_by_hand_gives_backwards_gradients():
    def neuron():
        x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
        b = Value(6.8813735870195432)
        return (x1 * w1 + x2 * w2 + b).tanh(), [x1, x2, w1, w2, b]

    o, inputs = neuron()
    o.backward()
    expected = [v.grad for v in inputs]
    o, inputs = neuron()
    o.grad = 1.0
    for v in reversed(topological_order(o)):
        v._backward()
    assert [v.grad for v in inputs] == expected
    Value(1.0)._backward()  # a leaf's rule does nothing, without error


def test_a_rule_can_be_replaced_through_backward():
    x = Value(3.0)
    y = x * 2
    y._backward = lambda: setattr(x, "grad", x.grad + 100.0)
    y.backward()
    assert x.grad == 100.0


# -- the same order and the same numbers as before ---------------------------------


def flagged_order(root):
    """The topological sort of the chapter on automatic backward."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        v, children_placed = stack.pop()
        if children_placed:
            order.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            for child in reversed(v._prev):
                stack.append((child, False))
    return order


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1000),
                          st.integers(0, 1000)), min_size=1, max_size=40))
def test_the_faster_sort_gives_the_same_order(steps):
    values = [Value(1.0), Value(2.0)]
    for op, i, j in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append([a + b, a * b, a.relu(), -a][op])
    root = values[-1]
    for v in values[:-1:5]:  # share earlier values with the output too
        root = root + v * 0.5
    assert topological_order(root) == flagged_order(root)


def test_the_moons_losses_are_those_of_the_engine_before_the_chapter(tmp_path):
    """Three training steps, bit for bit, with the package as the moons
    chapter left it and with the final package."""
    result = tangle_book(Book.load(ROOT))
    write_snapshots(result, tmp_path)
    script = (
        "import json, random, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "import micrograd\n"
        "assert micrograd.__file__.startswith(sys.argv[1]), micrograd.__file__\n"
        "from micrograd.data import make_moons\n"
        "from micrograd.nn import MLP, SGD\n"
        "X, y = make_moons(n=100, noise=0.1, seed=1337)\n"
        "random.seed(1337)\n"
        "model = MLP(2, [16, 16, 1], activation='relu',"
        " output_activation='linear')\n"
        "opt = SGD(model.parameters())\n"
        "losses = []\n"
        "for k in range(3):\n"
        "    scores = [model(p) for p in X]\n"
        "    m = [(1 - t * s).relu() for t, s in zip(y, scores)]\n"
        "    loss = sum(m) / len(m) + 1e-4 * sum(p * p for p in"
        " model.parameters())\n"
        "    opt.zero_grad(); loss.backward()\n"
        "    opt.lr = 1.0 - 0.9 * k / 99; opt.step()\n"
        "    losses.append(loss.data)\n"
        "print(json.dumps(losses))\n"
    )

    def losses(path: Path) -> list[float]:
        done = subprocess.run([sys.executable, "-I", "-c", script, str(path)],
                              capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    before = losses(tmp_path / "11-moons")
    after = losses(ROOT)
    assert before == after and len(after) == 3


# -- the engine needs nothing but Python --------------------------------------------


def test_the_package_imports_without_numpy():
    script = (
        "import sys\n"
        "sys.modules['numpy'] = None  # any import of numpy now fails\n"
        "import micrograd, micrograd.engine, micrograd.nn, micrograd.data\n"
        "import micrograd.gradcheck, micrograd.viz\n"
        "try:\n"
        "    import micrograd.tensor\n"
        "except ImportError:\n"
        "    print('tensor needs numpy')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "tensor needs numpy"
