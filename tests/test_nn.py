"""micrograd.nn and micrograd.data: shapes, parameters, errors, determinism,
and the moons trained to 100 % by the installed package alone."""

from __future__ import annotations

import json
import random
import textwrap
from pathlib import Path

import pytest

import moons  # benchmarks/moons.py, the moons problem (see conftest.py)
from micrograd.data import make_moons
from micrograd.engine import Value
from micrograd.nn import MLP, SGD, Layer, Module, Neuron


def test_parameter_counts():
    assert len(Neuron(3).parameters()) == 4
    assert len(Layer(3, 4).parameters()) == 16
    assert len(MLP(3, [4, 4, 1]).parameters()) == 41
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_shapes_of_outputs():
    random.seed(0)
    assert isinstance(Neuron(3)([1.0, 2.0, 3.0]), Value)
    outs = Layer(3, 4)([1.0, 2.0, 3.0])
    assert isinstance(outs, list) and len(outs) == 4
    assert isinstance(Layer(3, 1)([1.0, 2.0, 3.0]), Value)  # one output: a Value
    assert isinstance(MLP(3, [4, 4, 1])([2.0, 3.0, -1.0]), Value)
    assert len(MLP(3, [4, 2])([2.0, 3.0, -1.0])) == 2


def test_neuron_computes_activation_of_weighted_sum():
    random.seed(3)
    for activation, f in [
        ("tanh", __import__("math").tanh),
        ("relu", lambda s: max(0.0, s)),
        ("linear", lambda s: s),
    ]:
        n = Neuron(2, activation)
        x = [0.5, -1.5]
        s = n.b.data + sum(w.data * xi for w, xi in zip(n.w, x, strict=True))
        assert n(x).data == pytest.approx(f(s), rel=1e-12, abs=1e-15)


def test_mlp_activations_hidden_and_output():
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
    assert [layer.neurons[0].activation for layer in model.layers] == ["relu", "relu", "linear"]
    assert [layer.neurons[0].activation for layer in MLP(3, [4, 4, 1]).layers] == ["tanh"] * 3


def test_zero_grad_resets_every_parameter():
    random.seed(1)
    model = MLP(3, [4, 4, 1])
    model([2.0, 3.0, -1.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_every_parameter_gets_a_gradient():
    random.seed(2)
    model = MLP(3, [4, 4, 1])
    model([2.0, 3.0, -1.0]).backward()
    assert sum(p.grad != 0 for p in model.parameters()) == 41


def test_module_base_has_no_parameters():
    assert Module().parameters() == []


@pytest.mark.parametrize("x", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0], []])
def test_wrong_sized_input_is_a_clear_error(x):
    model = MLP(3, [4, 4, 1])
    with pytest.raises(ValueError, match=f"takes 3 inputs, but got {len(x)}"):
        model(x)
    with pytest.raises(ValueError, match="takes 3 inputs"):
        Neuron(3)(x)
    with pytest.raises(ValueError, match="takes 3 inputs"):
        Layer(3, 2)(x)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_bad_sizes_are_clear_errors(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        Neuron(bad)
    with pytest.raises(ValueError, match="positive whole number"):
        MLP(2, [bad, 1])


def test_bad_layer_list_and_activation():
    with pytest.raises(ValueError, match="non-empty list of layer sizes"):
        MLP(2, 4)
    with pytest.raises(ValueError, match="non-empty list"):
        MLP(2, [])
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, "sigmoid")


def test_repr_shows_the_architecture():
    assert repr(MLP(3, [4, 4, 1])) == "MLP(3 → 4 tanh → 4 tanh → 1 tanh; 41 parameters)"
    assert repr(Layer(2, 16, "relu")) == "Layer(2 → 16, relu)"
    assert repr(Neuron(5, "linear")) == "Neuron(5 inputs, linear)"


def test_sgd_steps_against_the_gradient_and_resets():
    p, q = Value(1.0), Value(-2.0)
    p.grad, q.grad = 0.5, -1.0
    optimizer = SGD([p, q], lr=0.1)
    optimizer.step()
    assert (p.data, q.data) == (1.0 - 0.05, -2.0 + 0.1)
    optimizer.zero_grad()
    assert (p.grad, q.grad) == (0.0, 0.0)


def test_moons_are_seeded_balanced_and_shaped():
    X, y = make_moons(100, noise=0.1, seed=1337)
    assert (X, y) == make_moons(100, noise=0.1, seed=1337)
    assert (X, y) != make_moons(100, noise=0.1, seed=1338)
    assert len(X) == len(y) == 100 and all(len(p) == 2 for p in X)
    assert y.count(-1) == y.count(1) == 50
    # Without noise the points lie exactly on the two half circles.
    X0, y0 = make_moons(21, noise=0.0, seed=0)
    for (u, v), label in zip(X0, y0, strict=True):
        cx, cy = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert (u - cx) ** 2 + (v - cy) ** 2 == pytest.approx(1.0)
        assert (v >= cy - 1e-12) if label == -1 else (v <= cy + 1e-12)


def test_moons_rejects_bad_arguments():
    with pytest.raises(ValueError, match="at least 2"):
        make_moons(1)
    with pytest.raises(ValueError, match="noise must be 0 or more"):
        make_moons(10, noise=-0.1)


def test_same_seed_same_network_same_losses():
    def run() -> list[float]:
        X, y = moons.points(n=30, seed=5)
        return moons.train(moons.network(MLP, hidden=[8], seed=42), X, y, steps=5)

    assert run() == run()  # exactly, not approximately


def test_the_installed_package_trains_the_moons_to_100_percent(run_installed, root: Path):
    # The moons problem comes from benchmarks/, last on the path: micrograd
    # still comes from the installed package, as the script checks.
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.append({str(root / "benchmarks")!r})
        import micrograd, moons
        from micrograd.nn import MLP

        assert "site-packages" in micrograd.__file__, micrograd.__file__
        X, y = moons.points()
        model = moons.network(MLP)
        losses = moons.train(model, X, y, steps=moons.STEPS)
        scores = [model(p).data for p in X]
        accuracy = sum((t > 0) == (s > 0) for t, s in zip(y, scores)) / len(X)
        print(json.dumps({{"accuracy": accuracy, "losses": losses}}))
    """)
    result = json.loads(run_installed(script))
    assert result["accuracy"] == 1.0
    assert result["losses"][-1] < result["losses"][0] / 10
