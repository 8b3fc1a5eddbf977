"""helpers.optim: EWA and the update rules, against the formulas written out step by step."""

import numpy as np
import pytest

from helpers import optim
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(8)


def test_ewa_matches_the_recursion_with_and_without_bias_correction():
    theta = RNG.normal(size=12) * 5 + 10
    beta = 0.9
    v, plain, corrected = 0.0, [], []
    for t, value in enumerate(theta, start=1):
        v = beta * v + (1 - beta) * value
        plain.append(v)
        corrected.append(v / (1 - beta**t))
    ref.assert_close(optim.ewa(theta, beta, bias_correction=False), np.array(plain))
    ref.assert_close(optim.ewa(theta, beta), np.array(corrected))
    # the first corrected value is the first observation itself
    assert optim.ewa(theta, beta)[0] == pytest.approx(theta[0], rel=1e-14)


def test_ewa_of_a_constant_is_the_constant_only_with_bias_correction():
    values = np.full(5, 20.0)
    np.testing.assert_allclose(optim.ewa(values, 0.98), 20.0, rtol=1e-13)
    assert optim.ewa(values, 0.98, bias_correction=False)[0] == pytest.approx(0.4)


def test_ewa_over_arrays_dtype_and_no_mutation():
    values = RNG.normal(size=(6, 2, 3))
    before = ref.snapshot(values)
    out = optim.ewa(values, 0.5)
    ref.assert_unchanged(before, [values])
    for k in range(2):
        ref.assert_close(out[:, k, 1], optim.ewa(values[:, k, 1], 0.5))
    ref.close_float32(optim.ewa(values.astype(np.float32), 0.5), out)
    ref.assert_close(optim.ewa(values[::-1], 0.5), optim.ewa(np.ascontiguousarray(values[::-1]), 0.5))


def run(rule, steps, **kwargs):
    """Run a rule on the quadratic f(θ) = ½‖θ − θ*‖² (gradient θ − θ*) from the same start."""
    target = np.array([1.0, -2.0, 0.5])
    theta, state = np.zeros(3), None
    for _ in range(steps):
        theta, state = rule(theta, theta - target, state, **kwargs)
    return theta, state, target


def test_one_step_of_each_rule_by_hand():
    theta, g = np.array([1.0, -1.0]), np.array([0.5, -2.0])
    p, s = optim.sgd(theta, g, lr=0.1)
    ref.assert_close(p, theta - 0.1 * g)
    assert s == {}
    p, s = optim.momentum(theta, g, lr=0.1, beta=0.9)
    ref.assert_close(s["v"], 0.1 * g)
    ref.assert_close(p, theta - 0.1 * 0.1 * g)
    p, s = optim.rmsprop(theta, g, lr=0.1, beta=0.9, eps=1e-8)
    ref.assert_close(s["s"], 0.1 * g * g)
    ref.assert_close(p, theta - 0.1 * g / (np.sqrt(0.1 * g * g) + 1e-8))
    p, s = optim.adam(theta, g, lr=0.1)
    # after bias correction the first Adam step is lr · sign(g) (up to ε)
    ref.assert_close(p, theta - 0.1 * np.sign(g), rtol=1e-7)
    assert s["t"] == 1


def test_two_steps_of_adam_and_momentum_by_hand():
    theta = np.array([0.3, -0.7])
    g1, g2 = np.array([1.0, 2.0]), np.array([-0.5, 1.0])
    b1, b2, lr, eps = 0.8, 0.95, 0.05, 1e-8
    p1, s1 = optim.adam(theta, g1, lr=lr, beta1=b1, beta2=b2, eps=eps)
    p2, s2 = optim.adam(p1, g2, s1, lr=lr, beta1=b1, beta2=b2, eps=eps)
    m = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v = b2 * (1 - b2) * g1**2 + (1 - b2) * g2**2
    ref.assert_close(s2["m"], m)
    ref.assert_close(s2["v"], v)
    ref.assert_close(p2, p1 - lr * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps))
    assert s2["t"] == 2
    q1, r1 = optim.momentum(theta, g1, lr=lr, beta=b1)
    q2, r2 = optim.momentum(q1, g2, r1, lr=lr, beta=b1)
    ref.assert_close(r2["v"], b1 * (1 - b1) * g1 + (1 - b1) * g2)
    ref.assert_close(q2, q1 - lr * r2["v"])


@pytest.mark.parametrize(
    "rule, kwargs",
    [
        (optim.sgd, dict(lr=0.1)),
        (optim.momentum, dict(lr=0.1, beta=0.9)),
        (optim.rmsprop, dict(lr=0.01)),
        (optim.adam, dict(lr=0.05)),
        (optim.adagrad, dict(lr=0.5)),
    ],
)
def test_every_rule_minimises_a_quadratic(rule, kwargs):
    theta, _, target = run(rule, 400, **kwargs)
    assert np.abs(theta - target).max() < 0.05


@pytest.mark.parametrize("rule", [optim.sgd, optim.momentum, optim.rmsprop, optim.adam, optim.adagrad])
def test_rules_never_mutate_and_follow_the_dtype(rule):
    theta, g = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
    _, state = rule(theta, g, None)
    state_before = {k: (np.array(v, copy=True) if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    before = ref.snapshot(theta, g)
    p64, s64 = rule(theta, g, state)
    ref.assert_unchanged(before, [theta, g])
    for k, v in state.items():
        assert np.array_equal(v, state_before[k]), k
    view = np.asfortranarray(theta)
    ref.assert_close(rule(view, g, state)[0], p64, rtol=0)
    state32 = {k: (v.astype(np.float32) if isinstance(v, np.ndarray) else v) for k, v in state.items()}
    p32, s32 = rule(theta.astype(np.float32), g.astype(np.float32), state32)
    ref.close_float32(p32, p64)
    for k, v in s32.items():
        if isinstance(v, np.ndarray):
            ref.close_float32(v, s64[k])


def test_optim_bad_input():
    theta = np.zeros(3)
    with pytest.raises(ValueError, match=r"sgd: param has shape \(3,\) but grad has shape \(2,\)"):
        optim.sgd(theta, np.zeros(2))
    with pytest.raises(ValueError, match=r"momentum: mixed dtypes \(param is float64, grad is float32\)"):
        optim.momentum(theta, np.zeros(3, dtype=np.float32))
    with pytest.raises(ValueError, match=r"momentum: beta must lie in \[0, 1\), got 1.0"):
        optim.momentum(theta, theta, beta=1.0)
    with pytest.raises(ValueError, match=r"rmsprop: eps must lie in \(0, inf\]"):
        optim.rmsprop(theta, theta, eps=0.0)
    with pytest.raises(ValueError, match=r"adam: state must be None or the dict returned"):
        optim.adam(theta, theta, {"m": theta})
    with pytest.raises(ValueError, match=r"adam: state\['v'\] has shape \(2,\) but param has shape \(3,\)"):
        optim.adam(theta, theta, {"m": theta, "v": np.zeros(2), "t": 1})
    with pytest.raises(ValueError, match=r"adam: state\['t'\] must be the step count"):
        optim.adam(theta, theta, {"m": theta, "v": theta, "t": -1})
    with pytest.raises(ValueError, match="sgd: lr must be a finite number"):
        optim.sgd(theta, theta, lr="0.1")
    with pytest.raises(ValueError, match=r"ewa: values is empty"):
        optim.ewa(np.zeros(0), 0.9)
    with pytest.raises(ValueError, match=r"ewa: beta must lie in \[0, 1\)"):
        optim.ewa(np.ones(3), -0.1)


# --------------------------------------------------------------------------- AdaGrad


def test_adagrad_adds_up_squared_gradients_step_by_step():
    theta = RNG.normal(size=(2, 3))
    grads = RNG.normal(size=(5, 2, 3)) * [[[1.0], [100.0]]]
    lr, eps = 0.1, 1e-8
    total, expected, state, p = np.zeros((2, 3)), theta.copy(), None, theta
    for g in grads:
        total = total + g * g  # the square: a negative gradient adds to G too
        expected = expected - lr * g / (np.sqrt(total) + eps)
        p, state = optim.adagrad(p, g, state, lr=lr, eps=eps)
        ref.assert_close(state["G"], total)
        ref.assert_close(p, expected)


def test_adagrad_step_shrinks_like_one_over_sqrt_t_whatever_the_gradient_size():
    for scale in (1e-3, 1.0, 1e3):
        g = np.full(3, scale)
        p, state, moves = np.zeros(3), None, []
        for _ in range(16):
            q, state = optim.adagrad(p, g, state, lr=0.5)
            moves.append(float(p[0] - q[0]))
            p = q
        np.testing.assert_allclose(moves, 0.5 / np.sqrt(np.arange(1, 17)), rtol=1e-4)


def test_adagrad_bad_input():
    theta = np.zeros(3)
    with pytest.raises(ValueError, match=r"adagrad: state\['G'\] has shape \(2,\) but param has shape \(3,\)"):
        optim.adagrad(theta, theta, {"G": np.zeros(2)})
    with pytest.raises(ValueError, match=r"adagrad: state must be None or the dict returned"):
        optim.adagrad(theta, theta, {"s": theta})
    with pytest.raises(ValueError, match=r"adagrad: eps must lie in \(0, inf\]"):
        optim.adagrad(theta, theta, eps=0.0)


# --------------------------------------------------------------------------- learning-rate schedules

EPOCHS = np.array([0, 1, 2, 5, 9, 10, 11, 30, 1000])


def test_schedules_match_their_formulas_on_vectors_of_epochs():
    lr0 = 0.2
    ref.assert_close(
        optim.inverse_time_decay(lr0, EPOCHS, decay_rate=0.5), np.array([lr0 / (1 + 0.5 * e) for e in EPOCHS])
    )
    ref.assert_close(optim.exponential_decay(lr0, EPOCHS, rate=0.95), np.array([lr0 * 0.95**e for e in EPOCHS]))
    ref.assert_close(
        optim.staircase_decay(lr0, EPOCHS, drop=0.5, epochs_per_drop=10),
        np.array([lr0 * 0.5 ** (e // 10) for e in EPOCHS]),
    )
    # worked numbers: halved once decay_rate·epoch = 1; staircase constant within a stair
    assert optim.inverse_time_decay(1.0, 2, decay_rate=0.5) == pytest.approx(0.5)
    assert optim.staircase_decay(1.0, 9, drop=0.1, epochs_per_drop=10) == 1.0
    assert optim.staircase_decay(1.0, 10, drop=0.1, epochs_per_drop=10) == pytest.approx(0.1)


def test_schedules_at_epoch_zero_give_lr0_and_keep_shape_and_dtype():
    grid = np.arange(12).reshape(3, 4)
    for schedule in (optim.inverse_time_decay, optim.exponential_decay, optim.staircase_decay):
        assert schedule(0.3, 0) == 0.3
        assert np.ndim(schedule(0.3, 7)) == 0
        out = schedule(0.3, grid)
        assert out.shape == (3, 4) and out.dtype == np.float64
        assert np.all(np.diff(out.ravel()) <= 0)  # never grows
        out32 = schedule(0.3, grid.astype(np.float32))
        ref.close_float32(out32, out)
        before = ref.snapshot(grid)
        schedule(0.3, grid)
        ref.assert_unchanged(before, [grid])
    # fractional epochs (a schedule per update: epoch = step / steps_per_epoch)
    ref.assert_close(optim.staircase_decay(1.0, np.array([9.99, 10.0, 10.5]), 0.5, 10), np.array([1.0, 0.5, 0.5]))


def test_schedules_bad_input():
    with pytest.raises(ValueError, match=r"inverse_time_decay: epoch must be ≥ 0 and finite, got -1.0"):
        optim.inverse_time_decay(0.1, np.array([0, -1]))
    with pytest.raises(ValueError, match=r"exponential_decay: rate must lie in \(0, 1\], got 1.5"):
        optim.exponential_decay(0.1, EPOCHS, rate=1.5)
    with pytest.raises(ValueError, match=r"staircase_decay: epochs_per_drop must be an integer, got 2.5"):
        optim.staircase_decay(0.1, EPOCHS, epochs_per_drop=2.5)
    with pytest.raises(ValueError, match=r"staircase_decay: epochs_per_drop must be ≥ 1, got 0"):
        optim.staircase_decay(0.1, EPOCHS, epochs_per_drop=0)
    with pytest.raises(ValueError, match=r"inverse_time_decay: lr0 must lie in \(0, inf\]"):
        optim.inverse_time_decay(0.0, EPOCHS)
    with pytest.raises(ValueError, match=r"exponential_decay: epoch has dtype <U1"):
        optim.exponential_decay(0.1, np.array(["1"]))
