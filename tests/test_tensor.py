"""micrograd.tensor (book/13-tensors.md) against PyTorch and the scalar engine."""

from __future__ import annotations

import gc
import random

import numpy as np
import pytest
import torch

import moons  # benchmarks/moons.py, the moons problem (see conftest.py)
from micrograd import nn
from micrograd.engine import Value
from micrograd.tensor import MLP, Linear, Tensor, tensor_order, unbroadcast

EXACT = 1e-12


def run_both(f, arrays):
    """f on Tensors and on float64 torch tensors: (ours, theirs), each a
    pair of the output and the inputs' gradients."""
    ours_in = [Tensor(a) for a in arrays]
    out = f(*ours_in)
    out.backward()
    theirs_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    tout = f(*theirs_in)
    tout.backward()
    return (
        (out.data, [t.grad for t in ours_in]),
        (tout.detach().numpy(), [t.grad.numpy() for t in theirs_in]),
    )


rng = np.random.default_rng(7)
M32, M23, ROW3, COL3, M22 = (rng.normal(size=s) for s in [(3, 2), (2, 3), (3,), (3, 1), (2, 2)])

# name -> (function of two tensors or arrays, its inputs)
OPERATIONS = {
    "a @ b": (lambda a, b: (a @ b).sum(), [M32, M23]),
    "a + b": (lambda a, b: ((a + b) * a).sum(), [M32, M32 * 2]),
    "matrix + row": (lambda a, b: ((a + b) * (a + b)).sum(), [M23, ROW3]),
    "matrix * column": (lambda a, b: ((a * b) * a).sum(), [M32, COL3]),
    "relu": (lambda a: (a.relu() * a).sum(), [M32]),
    "tanh": (lambda a: (a.tanh() * a).sum(), [M32]),
    "mean": (lambda a: (a * a).mean(), [M32]),
    "a - b, 1 - a, -a": (lambda a, b: ((a - b) * (1 - a) + (-a)).sum(), [M22, M22 * 0.5]),
    "2 * a + 3": (lambda a: (2 * a + 3).sum() + (a * 2).sum(), [M32]),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_matches_pytorch_float64(name):
    f, arrays = OPERATIONS[name]
    (out, grads), (tout, tgrads) = run_both(f, arrays)
    assert np.allclose(out, tout, rtol=EXACT, atol=EXACT)
    for g, t in zip(grads, tgrads, strict=True):
        assert g.shape == t.shape
        assert np.allclose(g, t, rtol=EXACT, atol=EXACT)


def test_broadcasting_addition_sums_the_gradient_back():
    a = Tensor(np.arange(3.0).reshape(3, 1))
    b = Tensor(np.arange(4.0).reshape(1, 4))
    c = Tensor(np.ones(4))
    ((a + b) * 2 + c).sum().backward()
    assert a.grad.shape == (3, 1) and np.all(a.grad == 8.0)
    assert b.grad.shape == (1, 4) and np.all(b.grad == 6.0)
    assert c.grad.shape == (4,) and np.all(c.grad == 3.0)


@pytest.mark.parametrize(
    "shape, target, expected",
    [
        ((3, 2), (2,), [3.0, 3.0]),
        ((3, 2), (3, 1), [[2.0], [2.0], [2.0]]),
        ((3, 2), (1, 1), [[6.0]]),
        ((3, 2), (), 6.0),
        ((3, 2), (3, 2), np.ones((3, 2))),
    ],
)
def test_unbroadcast(shape, target, expected):
    result = unbroadcast(np.ones(shape), target)
    assert result.shape == target
    assert np.array_equal(result, expected)


def test_an_array_on_the_left_gives_a_tensor():
    t = Tensor([1.0, 2.0])
    for result in (np.array([3.0, 4.0]) * t, np.array([3.0, 4.0]) + t, 1 - t, 2.0 * t):
        assert isinstance(result, Tensor)


def test_backward_needs_a_single_number():
    with pytest.raises(ValueError, match="single number"):
        (Tensor([1.0, 2.0]) * 2).backward()


def test_backward_twice_accumulates_in_leaves_only():
    w = Tensor([[1.0, -2.0], [0.5, 3.0]])
    x = Tensor([[1.0, 1.0]])
    out = (x @ w).relu().sum()
    out.backward()
    once = w.grad.copy()
    out.backward()
    assert np.array_equal(w.grad, 2 * once)
    assert out.grad == 1.0


def test_a_tensor_graph_has_no_cycles():
    gc.collect()
    gc.disable()
    try:
        w = Tensor(np.ones((2, 3)))
        loss = (Tensor(np.ones((4, 2))) @ w).tanh().mean()
        loss.backward()
        del loss, w
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_layers_start_from_the_scalar_networks_numbers():
    random.seed(5)
    scalar = nn.MLP(2, [3, 1], activation="relu", output_activation="linear")
    random.seed(5)
    tensor = MLP(2, [3, 1], activation="relu", output_activation="linear")
    for slayer, tlayer in zip(scalar.layers, tensor.layers, strict=True):
        for j, neuron in enumerate(slayer.neurons):
            assert list(tlayer.W.data[:, j]) == [w.data for w in neuron.w]
            assert tlayer.b.data[j] == neuron.b.data
    assert sum(p.data.size for p in tensor.parameters()) == len(scalar.parameters())


def test_linear_refuses_an_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of"):
        Linear(2, 3, activation="sigmoid")


def test_the_moons_losses_match_the_scalar_engine():
    X, y = moons.points()

    def tensor_loss(model: MLP, points: np.ndarray, labels: np.ndarray) -> Tensor:
        return moons.array_loss(model(points), labels, model.parameters())

    scalar = moons.train(moons.network(nn.MLP), X, y, steps=5)
    tensor = moons.train(
        moons.network(MLP),
        np.array(X),
        np.array(y, dtype=float).reshape(-1, 1),
        steps=5,
        loss=tensor_loss,
    )
    assert max(abs(a - b) for a, b in zip(scalar, tensor, strict=True)) <= 1e-12


def test_tensor_order_puts_children_first():
    a, b = Tensor(1.0), Tensor(2.0)
    c = a * b
    d = c + a
    order = tensor_order(d)
    assert order.index(a) < order.index(c) < order.index(d)
    assert order.index(b) < order.index(c) and len(order) == 4


def test_scalar_and_tensor_gradients_agree_on_a_layer():
    X3 = rng.normal(size=(3, 2))
    W, b = rng.normal(size=(2, 2)), rng.normal(size=2)
    tX, tW, tb = Tensor(X3), Tensor(W), Tensor(b)
    (tX @ tW + tb).relu().sum().backward()
    vX = [[Value(float(x)) for x in row] for row in X3]
    vW = [[Value(float(w)) for w in row] for row in W]
    vb = [Value(float(c)) for c in b]
    total = sum(
        sum((vX[i][k] * vW[k][j] for k in range(2)), vb[j]).relu()
        for i in range(3)
        for j in range(2)
    )
    total.backward()
    assert np.allclose(tW.grad, [[w.grad for w in r] for r in vW], atol=1e-14)
    assert np.allclose(tX.grad, [[x.grad for x in r] for r in vX], atol=1e-14)
    assert np.allclose(tb.grad, [c.grad for c in vb], atol=1e-14)
