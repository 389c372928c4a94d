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

import moons  # benchmarks/moons.py, the moons problem (see conftest.py)
from conftest import lecture_neuron
from micrograd.engine import Value, topological_order
from micrograd.nn import MLP
from tangle.package import write_snapshots
from tangle.tangler import Result

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
    X, y = moons.points(n=20, seed=3)

    def step():
        model = moons.network(MLP)
        loss = moons.loss(model, X, y)
        loss.backward()
        return loss

    assert unreachable_after(step) == 0


def test_every_operation_is_free_of_cycles():
    def graph():
        a, b = Value(1.5), Value(0.7)
        out = (a * b + 2).tanh() - (a**2) / b + b.exp().log() + a.relu()
        out = out + a**b + 2**a - 3 / b
        out.backward()
        return out

    assert unreachable_after(graph) == 0


def test_a_custom_rule_works_and_makes_no_cycle():
    def cube_backward(out):
        out._left.grad += 3 * out._left.data**2 * out.grad

    def cube(x):
        out = Value(x.data**3, (x,), "cube")
        out._rule = cube_backward
        return out

    x = Value(2.0)
    y = cube(x) * 2
    y.backward()
    assert x.grad == 24.0
    assert unreachable_after(lambda: cube(Value(1.0))) == 0


def test_an_operation_written_the_lectures_way_mixes_with_the_engines():
    """`out._backward = _backward`, the lecture's way, stores the closure as
    the value's rule: the new operation's values sit in one graph with the
    engine's own, their children readable, and the gradients are right."""

    def square(self):
        out = Value(self.data**2, (self,), "square")

        def _backward():
            self.grad += 2 * self.data * out.grad

        out._backward = _backward
        return out

    a, b = Value(3.0), Value(-2.0)
    squared = square(a * b)
    assert squared._prev[0]._prev == (a, b) and squared._op == "square"
    (squared + a).backward()  # d/da (ab)^2 + a = 2ab * b + 1
    assert a.grad == 2 * (3.0 * -2.0) * -2.0 + 1 and b.grad == 2 * (3.0 * -2.0) * 3.0
    # Read back, `_backward` is the rule as a function of nothing.
    product = squared._prev[0]
    product.grad = 0.0
    squared.grad = 1.0
    squared._backward()
    assert product.grad == 2 * -6.0


# -- memory -----------------------------------------------------------------------


def test_a_moons_forward_pass_keeps_under_20_kilobytes_per_point():
    """Chapter 12's engine: about 150 bytes a value, and, with a neuron's
    weighted sum as one value, about 115 values a point (it was 690)."""
    X, y = moons.points()
    model = moons.network(MLP)
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        loss = moons.loss(model, X, y)
        kept = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    nodes = len(topological_order(loss))
    assert 100 * len(X) < nodes < 120 * len(X)
    assert kept / len(X) < 20_000, f"{kept / len(X):.0f} bytes per point"


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
    o, _, inputs = lecture_neuron()
    o.backward()
    expected = [v.grad for v in inputs]
    o, _, inputs = lecture_neuron()
    o.grad = 1.0
    for v in reversed(topological_order(o)):
        v._backward()
    assert [v.grad for v in inputs] == expected
    Value(1.0)._backward()  # a leaf's rule does nothing, without error


def test_a_rule_can_be_replaced_through_rule():
    x = Value(3.0)
    y = x * 2
    y._rule = lambda out: setattr(out._left, "grad", out._left.grad + 100.0)
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
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 1000), st.integers(0, 1000)),
        min_size=1,
        max_size=40,
    )
)
def test_the_faster_sort_gives_the_same_order(steps):
    values = [Value(1.0), Value(2.0)]
    for op, i, j in steps:
        a, b = values[i % len(values)], values[j % len(values)]
        values.append([a + b, a * b, a.relu(), -a][op])
    root = values[-1]
    for v in values[:-1:5]:  # share earlier values with the output too
        root = root + v * 0.5
    assert topological_order(root) == flagged_order(root)


def test_the_moons_losses_are_those_of_the_engine_before_the_chapter(
    tangled: Result, root: Path, tmp_path: Path
):
    """Three training steps, bit for bit, with the package as the moons
    chapter left it and with the final package."""
    write_snapshots(tangled, tmp_path)
    # Isolated (-I), so that micrograd comes from the package given as the
    # first argument; the moons problem from benchmarks/, given second.
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "sys.path.append(sys.argv[2])\n"
        "import micrograd, moons\n"
        "assert micrograd.__file__.startswith(sys.argv[1]), micrograd.__file__\n"
        "from micrograd.nn import MLP\n"
        "X, y = moons.points()\n"
        "print(json.dumps(moons.train(moons.network(MLP), X, y, steps=3)))\n"
    )

    def losses(package: Path) -> list[float]:
        done = subprocess.run(
            [sys.executable, "-I", "-c", script, str(package), str(root / "benchmarks")],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    before = losses(tmp_path / "11-moons")
    after = losses(root)
    assert before == after and len(after) == 3


# -- fewer, bigger nodes: Value.dot ---------------------------------------------------


def unfused_call(neuron, x):
    """What a neuron computed before chapter 12 fused its weighted sum: one
    product and one sum per weight, in the same order."""
    act = sum((wi * xi for wi, xi in zip(neuron.w, x, strict=True)), neuron.b)
    return {"tanh": act.tanh, "relu": act.relu, "linear": lambda: act}[neuron.activation]()


def unfused_forward(model, x):
    for layer in model.layers:
        outs = [unfused_call(n, x) for n in layer.neurons]
        x = outs[0] if len(outs) == 1 else outs
    return x


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(2, 5), min_size=1, max_size=3),  # a layer of 1 gives a Value
    activation=st.sampled_from(["tanh", "relu", "linear"]),
    seed=st.integers(0, 10**6),
    points=st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=6),
)
def test_a_networks_gradients_are_those_of_the_unfused_graph(sizes, activation, seed, points):
    """The package's neurons (one `dot` each) against the same network
    computed one product and one sum at a time: within 1e-12."""
    random.seed(seed)
    model = MLP(2, [*sizes, 1], activation=activation, output_activation="linear")
    results = []
    for forward in (model, lambda x: unfused_forward(model, x)):
        model.zero_grad()
        loss = sum((forward(list(p)) ** 2 for p in points), Value(0.0))
        loss.backward()
        results.append((loss.data, [p.grad for p in model.parameters()]))
    (fused_loss, fused_grads), (loss, grads) = results
    assert abs(fused_loss - loss) <= 1e-12 * max(1.0, abs(loss))
    for a, b in zip(fused_grads, grads, strict=True):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(b)), (a, b)


def test_dot_is_one_value_whose_children_are_bias_weights_and_inputs():
    w, x, b = [Value(2.0), Value(-1.0)], [Value(3.0), Value(4.0)], Value(0.5)
    s = Value.dot(w, x, b)
    assert s.data == 0.5 + 2.0 * 3.0 + -1.0 * 4.0
    assert s._op == "dot" and s._prev == (b, *w, *x)
    assert topological_order(s)[-1] is s and set(topological_order(s)) == {s, b, *w, *x}


def test_dot_takes_numbers_and_gives_them_no_place_to_hide():
    a = Value(2.0)
    s = Value.dot([a, 3], [1.5, a], 1)
    s.backward()
    assert s.data == 1 + 2.0 * 1.5 + 3 * 2.0 and a.grad == 1.5 + 3


def test_dot_refuses_mismatched_lengths_and_non_numbers_clearly():
    with pytest.raises(ValueError, match="2 weights but 3 inputs"):
        Value.dot([Value(1.0)] * 2, [1.0] * 3, 0.0)
    with pytest.raises(TypeError, match="unsupported operand for dot: str"):
        Value.dot([Value(1.0)], ["x"], 0.0)


def test_dot_makes_no_cycle():
    def graph():
        a, b = Value(1.5), Value(0.7)
        out = Value.dot([a, b], [b, 2.0], a).tanh()
        out.backward()
        return out

    assert unreachable_after(graph) == 0


def test_a_rule_with_nothing_to_pass_on_is_skipped():
    """backward() calls no rule of a value whose gradient is zero: here the
    ReLU is off, so the product under it passes nothing to a and b."""
    calls = []
    a, b = Value(2.0), Value(-3.0)
    product = a * b
    rule = product._rule
    product._rule = lambda out: calls.append(out) or rule(out)
    out = product.relu() + a
    out.backward()
    assert calls == [] and a.grad == 1.0 and b.grad == 0.0
    (product + 0).backward()
    assert calls == [product]
