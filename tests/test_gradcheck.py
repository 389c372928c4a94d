"""The gradient checker (micrograd/gradcheck.py, book/08-gradient-check.md):
it passes a correct backward rule, catches a wrong one and names the input,
and refuses what it cannot check. test_engine.py uses it on every operation."""

from __future__ import annotations

import pytest

from micrograd.engine import Value
from micrograd.gradcheck import (
    GradientMismatch,
    backward_gradient,
    check_gradient,
    numerical_gradient,
    relative_difference,
)


def test_gradcheck_passes_a_correct_gradient():
    worst = check_gradient(lambda a, b: (a * b).tanh() + a**2, [0.3, -1.2])
    assert worst < 1e-8
    assert backward_gradient(lambda a: a * a, [3.0]) == [6.0]
    assert numerical_gradient(lambda a: a * a, [3.0])[0] == pytest.approx(6.0)


def test_gradcheck_catches_a_wrong_rule():
    def wrong_slope(out):
        out._left.grad += 2 * out._left.data**2 * out.grad  # should be 3 * ...

    def cube_with_wrong_slope(x):
        out = Value(x.data**3, (x,), "cube")
        out._rule = wrong_slope
        return out

    with pytest.raises(GradientMismatch) as error:
        check_gradient(cube_with_wrong_slope, [1.5])
    assert "input 0 = 1.5" in str(error.value)
    assert isinstance(error.value, AssertionError)


def test_gradcheck_cannot_check_relu_at_its_corner():
    with pytest.raises(GradientMismatch):
        check_gradient(lambda x: x.relu(), [0.0])


def test_gradcheck_refuses_functions_that_do_not_return_a_value():
    with pytest.raises(TypeError, match="f must return a Value, got float"):
        check_gradient(lambda x: x.data * 2, [1.0])


def test_relative_difference_is_absolute_for_small_numbers():
    assert relative_difference(0.0, 1e-11) == 1e-11
    assert relative_difference(1e6, 1e6 + 1) == pytest.approx(1e-6)
