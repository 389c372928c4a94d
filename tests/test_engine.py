"""The engine (micrograd/engine.py) against PyTorch float64 and finite differences.

Every operation, in its plain and reflected forms, must give the same forward
value and gradients as PyTorch in double precision (within 1e-12, relative)
and agree with central differences (micrograd.gradcheck). Random expression
graphs with shared sub-expressions (Hypothesis) must do the same. Deep
graphs backpropagate; every refusal has a test; so does calling backward()
twice.
"""

from __future__ import annotations

import gc
import math
import sys
import time
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import lecture_neuron
from micrograd.engine import Value, topological_order
from micrograd.gradcheck import check_gradient, numerical_gradient, relative_difference

EXACT = 1e-12  # relative agreement with PyTorch float64, per operation


# -- helpers -------------------------------------------------------------------


def leaf(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def close(ours: float, theirs: float, rel: float = EXACT) -> bool:
    """Equal within `rel`, relative to the larger magnitude (exact at 0)."""
    return abs(ours - theirs) <= rel * max(abs(ours), abs(theirs))


def run_both(f, numbers: list[float]):
    """f on micrograd Values and on float64 tensors: (ours, theirs)."""
    values = [Value(x) for x in numbers]
    out = f(*values)
    out.backward()
    tensors = [leaf(x) for x in numbers]
    tout = f(*tensors)
    tout.backward()
    ours = (out.data, [v.grad for v in values])
    theirs = (tout.item(), [0.0 if t.grad is None else t.grad.item() for t in tensors])
    return ours, theirs


def assert_matches_torch(f, numbers, rel=EXACT):
    (data, grads), (tdata, tgrads) = run_both(f, numbers)
    assert close(data, tdata, rel), f"forward: ours {data!r}, PyTorch {tdata!r}"
    for i, (g, t) in enumerate(zip(grads, tgrads, strict=True)):
        assert close(g, t, rel), f"grad {i}: ours {g!r}, PyTorch {t!r}"


def floats(lo: float, hi: float, *, away_from_zero: float = 0.0):
    strategy = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    if away_from_zero:
        strategy = strategy.filter(lambda x: abs(x) >= away_from_zero)
    return strategy


# -- every operation against PyTorch and finite differences ---------------------

# name -> (function of Values or tensors, strategy for each input). The same
# lambda runs on both engines: tensors support the same operators and methods.
ANY = floats(-10, 10)
NONZERO = floats(-10, 10, away_from_zero=0.1)
POSITIVE = floats(0.1, 10)


def dot(weights, inputs, bias):
    """Value.dot on values; the unfused sum it stands for on tensors."""
    if any(isinstance(v, Value) for v in (*weights, *inputs, bias)):
        return Value.dot(weights, inputs, bias)
    return sum((w * x for w, x in zip(weights, inputs, strict=True)), bias)


OPERATIONS = {
    "a + b": (lambda a, b: a + b, [ANY, ANY]),
    "a + 2": (lambda a: a + 2, [ANY]),
    "2 + a": (lambda a: 2 + a, [ANY]),
    "a - b": (lambda a, b: a - b, [ANY, ANY]),
    "a - 2": (lambda a: a - 2, [ANY]),
    "2 - a": (lambda a: 2 - a, [ANY]),
    "a * b": (lambda a, b: a * b, [ANY, ANY]),
    "a * 3": (lambda a: a * 3, [ANY]),
    "3 * a": (lambda a: 3 * a, [ANY]),
    "a / b": (lambda a, b: a / b, [ANY, NONZERO]),
    "a / 4": (lambda a: a / 4, [ANY]),
    "3 / a": (lambda a: 3 / a, [NONZERO]),
    "-a": (lambda a: -a, [ANY]),
    "a ** 2": (lambda a: a**2, [ANY]),
    "a ** 3": (lambda a: a**3, [ANY]),
    "a ** -1": (lambda a: a**-1, [NONZERO]),
    "a ** -2.0": (lambda a: a**-2.0, [NONZERO]),
    "a ** 0.5": (lambda a: a**0.5, [POSITIVE]),
    "a ** 1.7": (lambda a: a**1.7, [POSITIVE]),
    "a ** b": (lambda a, b: a**b, [POSITIVE, floats(-3, 3)]),
    "2 ** a": (lambda a: 2**a, [ANY]),
    "0.5 ** a": (lambda a: 0.5**a, [ANY]),
    "a.exp()": (lambda a: a.exp(), [floats(-20, 20)]),
    "a.log()": (lambda a: a.log(), [floats(1e-3, 1e3)]),
    "a.relu()": (lambda a: a.relu(), [ANY]),
    # tanh's gradient 1 - t**2 is computed from the rounded t, so it is only
    # as precise as 1 - t is: within 1e-12 of PyTorch's for |a| <= 4.
    "a.tanh()": (lambda a: a.tanh(), [floats(-4, 4)]),
    # Value.dot, chapter 12: a neuron's weighted sum as one value
    "dot([a, b], [c, d], e)": (lambda a, b, c, d, e: dot([a, b], [c, d], e), [ANY] * 5),
    "dot([a, 2], [-1.5, b], 0.5)": (lambda a, b: dot([a, 2.0], [-1.5, b], 0.5), [ANY, ANY]),
    "dot([a, b, a], [b, a, a], a)": (lambda a, b: dot([a, b, a], [b, a, a], a), [ANY, ANY]),
}


def on_drawn_inputs(
    name: str, examples: int, check: Callable[[Callable, list[float]], None]
) -> None:
    """check(f, numbers) for the operation `name` on `examples` inputs that
    Hypothesis draws from the operation's strategies."""
    f, strategies = OPERATIONS[name]

    @settings(max_examples=examples, deadline=None)
    @given(st.tuples(*strategies))
    def run(numbers: tuple[float, ...]) -> None:
        check(f, list(numbers))

    run()


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_matches_pytorch_float64(name):
    on_drawn_inputs(name, 60, assert_matches_torch)


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_matches_finite_differences(name):
    def check(f: Callable, numbers: list[float]) -> None:
        if name == "a.relu()":
            assume(abs(numbers[0]) > 1e-3)  # no slope at relu's corner
        check_gradient(f, numbers, tolerance=1e-5)

    on_drawn_inputs(name, 40, check)


@pytest.mark.parametrize("name", OPERATIONS)
def test_operation_builds_graph_with_children_and_op(name):
    f, strategies = OPERATIONS[name]
    inputs = [Value(1.5) for _ in strategies]
    out = f(*inputs)
    assert isinstance(out, Value)
    assert out._op and isinstance(out._prev, tuple)
    reachable = set(topological_order(out))
    assert all(v in reachable for v in inputs)


def test_micrograd_sanity_check_is_exactly_pytorch():
    """The expression of micrograd's own sanity test: equal with ==."""

    def expression(x):
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        return h + q + q * x

    x = Value(-4.0)
    y = expression(x)
    y.backward()
    tx = leaf(-4.0)
    ty = expression(tx)
    ty.backward()
    assert y.data == ty.item()
    assert x.grad == tx.grad.item()


def readme_example(a, b, relu):
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + relu(b + a)
    d = d + 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def test_readme_example_matches_pytorch_and_the_readme():
    a, b = Value(-4.0), Value(2.0)
    g = readme_example(a, b, lambda v: v.relu())
    g.backward()
    ta, tb = leaf(-4.0), leaf(2.0)
    tg = readme_example(ta, tb, torch.relu)
    tg.backward()
    assert close(g.data, tg.item())
    assert close(a.grad, ta.grad.item())
    assert close(b.grad, tb.grad.item())
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_tanh_rebuilt_from_exp_gives_the_same_gradients():
    def neuron(tanh):
        o, _, (x1, x2, w1, w2, b) = lecture_neuron(tanh)
        o.backward()
        return [o.data] + [v.grad for v in (x1, w1, x2, w2, b)]

    def from_exp(x):
        e = (2 * x).exp()
        return (e - 1) / (e + 1)

    for ours, rebuilt in zip(neuron(Value.tanh), neuron(from_exp), strict=True):
        assert abs(ours - rebuilt) <= 1e-15


def test_integer_data_stays_exact():
    """Ints are kept as ints (nothing is converted) and stay exact."""
    big = Value(2**60) + 1
    assert big.data == 2**60 + 1 and isinstance(big.data, int)
    assert (Value(3) * 2).data == 6 and isinstance((Value(3) * 2).data, int)


# -- the lecture's numbers -----------------------------------------------------


def test_lecture_expression_by_backward_and_one_step_uphill():
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert L.data == -8.0
    assert (a.grad, b.grad, c.grad, e.grad, d.grad, f.grad) == (6, -4, -2, -2, -2, 4)
    for v in (a, b, c, f):
        v.data += 0.01 * v.grad
    L2 = (a * b + c) * f
    assert round(L2.data, 2) == -7.29
    assert L2.data > L.data


def test_lecture_neuron():
    o, n, (x1, x2, w1, w2, _b) = lecture_neuron()
    o.backward()
    assert f"{o.data:.4f}" == "0.7071"
    assert math.isclose(n.grad, 0.5, rel_tol=1e-12)
    assert math.isclose(x1.grad, -1.5, rel_tol=1e-12)
    assert math.isclose(w1.grad, 1.0, rel_tol=1e-12)
    assert math.isclose(x2.grad, 0.5, rel_tol=1e-12)
    assert w2.grad == 0.0


def test_value_used_twice_accumulates():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    a, b = Value(-2.0), Value(3.0)
    f = (a * b) * (a + b)
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)
    a = Value(1.0)
    bb = a + a
    c = bb + bb
    c.backward()
    assert a.grad == 4.0


def test_float32_bias_explains_the_lectures_pytorch_number():
    b32 = torch.Tensor([6.8813735870195432]).double().item()
    x1 = Value(2.0)
    (x1 * Value(-3.0) + Value(0.0) * Value(1.0) + Value(b32)).tanh().backward()
    assert x1.grad == -1.5000003851533106


# -- random expression graphs with shared sub-expressions -------------------------

# Steps combine two earlier values; each is defined for every real input.
STEPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (1 + b * b),
    lambda a, b: 3 / (2 + a * a),
    lambda a, b: a.tanh() * b,
    lambda a, b: (a * a + 1).log(),
    lambda a, b: (a.tanh() - b.tanh()).exp(),
    lambda a, b: (a * a + 1) ** b.tanh(),
    lambda a, b: 2 ** a.tanh() - b,
    lambda a, b: a.relu() + b,
    lambda a, b: 2 - a.relu() * b,
    lambda a, b: a**2 - b**3,
    lambda a, b: -a * 0.5,
    lambda a, b: dot([a, b], [b, 2.0], a),
    lambda a, b: dot([a.tanh(), b], [b, a * a], 1.0).relu(),
]


@st.composite
def programs(draw):
    """(number of inputs, their values, steps): a random expression DAG."""
    n_inputs = draw(st.integers(1, 4))
    inputs = draw(st.lists(floats(-3, 3), min_size=n_inputs, max_size=n_inputs))
    n_steps = draw(st.integers(1, 14))
    steps = []
    for k in range(n_steps):
        available = n_inputs + k
        steps.append(
            (
                draw(st.integers(0, len(STEPS) - 1)),
                # favour recent values (deep graphs) but reach back (sharing)
                draw(st.integers(0, available - 1)),
                draw(st.integers(0, available - 1)),
            )
        )
    return inputs, steps


def run_program(steps, inputs):
    values = list(inputs)
    for op, i, j in steps:
        values.append(STEPS[op](values[i], values[j]))
    # the output uses the last value and, to share more, every input
    out = values[-1]
    for v in inputs:
        out = out + v * 0.25
    return out


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(programs())
def test_random_graphs_match_pytorch_and_finite_differences(program):
    numbers, steps = program
    values = [Value(x) for x in numbers]
    out = run_program(steps, values)
    graph = topological_order(out)
    assume(all(math.isfinite(v.data) and abs(v.data) < 1e4 for v in graph))
    out.backward()
    grads = [v.grad for v in values]

    tensors = [leaf(x) for x in numbers]
    tout = run_program(steps, tensors)
    tout.backward()
    scale = lambda *xs: max(1.0, *map(abs, xs))  # noqa: E731
    assert abs(out.data - tout.item()) <= 1e-10 * scale(out.data, tout.item())
    for g, t in zip(grads, tensors, strict=True):
        t_grad = 0.0 if t.grad is None else t.grad.item()
        assert abs(g - t_grad) <= 1e-9 * scale(g, t_grad), (g, t_grad)

    # Finite differences need a slope: stay clear of relu's corner.
    corners = [v._prev[0].data for v in graph if v._op == "ReLU"]
    if all(abs(x) > 1e-3 for x in corners):
        nudged = numerical_gradient(lambda *xs: run_program(steps, list(xs)), numbers)
        for g, n in zip(grads, nudged, strict=True):
            assert relative_difference(g, n) <= 1e-5 * scale(out.data), (g, n)


def test_shared_subexpressions_accumulate_like_pytorch():
    """A diamond repeated many times: every path's gradient adds up."""

    def diamonds(x, depth):
        for _ in range(depth):
            x = x * 0.5 + x.tanh() * x
        return x

    x = Value(0.3)
    diamonds(x, 30).backward()
    t = leaf(0.3)
    diamonds(t, 30).backward()
    assert close(x.grad, t.grad.item(), 1e-10)


# -- deep graphs -----------------------------------------------------------------


def test_a_million_step_chain_backpropagates():
    limit = sys.getrecursionlimit()
    start = time.perf_counter()
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + x
    y.backward()
    elapsed = time.perf_counter() - start
    assert x.grad == 1_000_001.0
    assert y.data == 1_000_001.0
    assert sys.getrecursionlimit() == limit  # no raising of the limit
    assert len(topological_order(y)) == 1_000_001
    del x, y
    gc.collect()
    assert elapsed < 120, f"a million-step chain took {elapsed:.1f} s"


def test_a_deep_chain_of_unary_operations():
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = (y * 1.0).tanh() * 0.0 + y  # gradient 1 through every step
    y.backward()
    assert x.grad == 1.0


# -- calling backward() twice -----------------------------------------------------


def test_backward_twice_doubles_the_inputs_and_recomputes_the_rest():
    o, n, inputs = lecture_neuron()
    o.backward()
    inputs_once = [v.grad for v in inputs]
    n_once = n.grad
    o.backward()
    assert [v.grad for v in inputs] == [2 * g for g in inputs_once]
    assert n.grad == n_once
    assert o.grad == 1.0


def test_backward_twice_matches_pytorch_with_retain_graph():
    x = Value(0.7)
    y = (x * x).tanh() * x
    y.backward()
    y.backward()
    t = leaf(0.7)
    ty = (t * t).tanh() * t
    ty.backward(retain_graph=True)
    ty.backward()
    assert close(x.grad, t.grad.item())


def test_backward_on_a_leaf_sets_its_gradient_to_one():
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 1.0


def test_two_outputs_sharing_an_input_add_up():
    x = Value(0.5)
    y1, y2 = x * x, x.tanh()
    y1.backward()
    y2.backward()
    assert close(x.grad, 2 * 0.5 + 1 - math.tanh(0.5) ** 2, 1e-15)


# -- refusals: every error path ------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["3", None, [1.0], (1.0,), True, False, 1 + 2j, Fraction(1, 3), np.float32(1.5), np.int64(2)],
)
def test_value_refuses_non_numbers(bad):
    with pytest.raises(TypeError) as error:
        Value(bad)
    message = str(error.value)
    assert type(bad).__name__ in message
    assert repr(bad) in message
    assert "int or a float" in message


def test_value_refuses_a_value():
    with pytest.raises(TypeError, match=r"not Value Value\(data=2.0\)"):
        Value(Value(2.0))


def test_value_accepts_ints_floats_and_numpy_float64_unchanged():
    assert Value(3).data == 3 and type(Value(3).data) is int
    assert type(Value(2.5).data) is float
    assert Value(np.float64(1.25)).data == 1.25
    assert math.isinf(Value(float("inf")).data)
    assert math.isnan(Value(float("nan")).data)


OPERATORS = {
    "+": [lambda v, o: v + o, lambda v, o: o + v],
    "-": [lambda v, o: v - o, lambda v, o: o - v],
    "*": [lambda v, o: v * o, lambda v, o: o * v],
    "/": [lambda v, o: v / o, lambda v, o: o / v],
    "**": [lambda v, o: o**v],
}


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("bad", ["1", None, [1.0], True, 1j, Fraction(1, 2)])
def test_operators_refuse_unsupported_operands(op, bad):
    if op == "**" and isinstance(bad, Fraction):
        pytest.skip("Fraction.__pow__ turns itself into a float first")
    for apply in OPERATORS[op]:
        with pytest.raises(TypeError) as error:
            apply(Value(2.0), bad)
        message = str(error.value)
        assert f"unsupported operand for {op}" in message
        assert type(bad).__name__ in message and repr(bad) in message
        assert "a Value, an int or a float" in message


@pytest.mark.parametrize("bad", ["2", None, True, [2]])
def test_pow_refuses_unsupported_exponents(bad):
    with pytest.raises(TypeError, match="unsupported exponent for \\*\\*") as error:
        Value(2.0) ** bad
    assert repr(bad) in str(error.value)


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300, 0])
def test_log_refuses_non_positive_numbers(x):
    with pytest.raises(ValueError, match="log needs a positive number") as error:
        Value(x).log()
    assert repr(x) in str(error.value)


@pytest.mark.parametrize("base, exponent", [(-8.0, 1 / 3), (-2.0, 0.5), (-1, 2.5)])
def test_pow_refuses_fractional_powers_of_negative_numbers(base, exponent):
    with pytest.raises(ValueError, match="fractional") as error:
        Value(base) ** exponent
    assert repr(base) in str(error.value) and repr(exponent) in str(error.value)


def test_pow_allows_whole_powers_of_negative_numbers():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** 2.0).data == 4.0
    assert not isinstance((Value(-8.0) ** 2.0).data, complex)


@pytest.mark.parametrize("base", [-2.0, 0.0, -2])
def test_value_exponent_needs_a_positive_base(base):
    with pytest.raises(ValueError, match="positive base") as error:
        Value(base) ** Value(0.5)
    assert repr(base) in str(error.value)
    with pytest.raises(ValueError, match="positive base"):
        base ** Value(2.0)


@pytest.mark.parametrize(
    "compute",
    [
        lambda: Value(1.0) / 0,
        lambda: Value(1.0) / Value(0.0),
        lambda: 1 / Value(0.0),
        lambda: Value(0.0) ** -1,
        lambda: Value(0) ** -0.5,
    ],
)
def test_division_by_zero_is_refused_clearly(compute):
    with pytest.raises(ZeroDivisionError, match="divides by zero"):
        compute()


def test_exp_overflow_is_an_error_not_a_wrong_number():
    with pytest.raises(OverflowError):
        Value(800.0).exp()


def test_infinite_slope_in_backward_is_an_error():
    with pytest.raises(ZeroDivisionError):
        (Value(0.0) ** 0.5).backward()


def test_backward_through_nan_names_where_it_appeared():
    infinity, zero = Value(float("inf")), Value(0.0)
    w = Value(2.0)
    out = ((infinity * zero).tanh() + w) * w
    w.grad = 5.0  # left untouched by a refused backward
    with pytest.raises(ValueError) as error:
        out.backward()
    message = str(error.value)
    assert "NaN" in message
    assert "'*'" in message and "Value(data=inf)" in message
    assert "Value(data=0.0)" in message
    assert w.grad == 5.0 and out.grad == 0.0


def test_backward_through_a_nan_input_says_it_is_an_input():
    x = Value(float("nan"))
    with pytest.raises(ValueError, match="an input of the graph"):
        (x * 2).backward()


def test_backward_through_nan_even_when_the_output_is_a_number():
    # nan ** 0 is 1.0 in Python: the output looks fine, its gradient would not
    out = Value(float("nan")) ** 0
    assert out.data == 1.0
    with pytest.raises(ValueError, match="NaN"):
        out.backward()
