"""Week 2 explorer: every control changes the network, the figure and the numbers it shows."""

import time

import numpy as np
import pytest
from sklearn.datasets import make_moons

pytest.importorskip("helpers.mlp")

from helpers.widgets.w02 import BackpropExplorer


@pytest.fixture(scope="module")
def moons():
    return make_moons(n_samples=200, noise=0.2, random_state=0)


def test_train_button_runs_a_bounded_chunk_and_updates_the_artists(moons):
    explorer = BackpropExplorer(*moons, hidden=8, lr=0.003, activation="tanh", steps=200)
    image = explorer.panel.image.value
    probabilities = explorer.probability_image.get_array().copy()
    assert explorer.losses == [] and explorer.loss_line.get_xdata().size == 0
    explorer.train_button.click()
    assert len(explorer.losses) == 200  # exactly one chunk, then it stops
    assert explorer.panel.image.value != image
    assert not np.allclose(explorer.probability_image.get_array(), probabilities)
    np.testing.assert_allclose(explorer.loss_line.get_ydata(), explorer.losses)
    assert explorer.losses[-1] < explorer.losses[0]
    explorer.steps.value = 1000
    explorer.train_button.click()  # continues from where it stopped
    assert len(explorer.losses) == 1200
    assert explorer.accuracy() > 0.9
    assert f"{explorer.accuracy():.1%}" in explorer.message.value
    assert "1200 steps" in explorer.message.value
    assert explorer.boundary_image.get_array()[..., 3].any()  # a boundary is drawn


def test_the_loss_shown_is_the_summed_cost_of_the_network(moons):
    import helpers.mlp as mlp

    X, y = moons
    explorer = BackpropExplorer(X, y, steps=10)
    W, b, V, c = explorer.params
    _, Y = mlp.two_layer_forward(X, W, b, V, c, activation="tanh")
    explorer.train()
    np.testing.assert_allclose(explorer.losses[0], -np.log(Y[np.arange(len(y)), y]).sum())


def test_width_and_activation_start_a_new_network(moons):
    explorer = BackpropExplorer(*moons, steps=50)
    explorer.train()
    renders = explorer.panel.renders
    explorer.hidden.value = 3
    assert explorer.params[0].shape == (2, 3) and explorer.losses == []
    assert explorer.panel.renders == renders + 1
    assert "3 tanh hidden units" in explorer.message.value
    explorer.activation.value = "relu"
    assert "relu" in explorer.message.value and explorer.losses == []
    explorer.train()
    assert len(explorer.losses) == 50
    explorer.activation.value = "sigmoid"
    explorer.train()
    assert "sigmoid units" in explorer.ax_boundary.get_title()


def test_learning_rate_keeps_the_network_and_applies_to_the_next_chunk(moons):
    explorer = BackpropExplorer(*moons, steps=50)
    explorer.train()
    params = explorer.params
    explorer.lr.value = 0.01
    assert explorer.params is params and len(explorer.losses) == 50
    assert "next click" in explorer.message.value


def test_too_large_a_learning_rate_gives_a_message_not_an_exception(moons):
    explorer = BackpropExplorer(*moons, hidden=20, lr=0.3, activation="relu", steps=1000)
    explorer.train()
    assert "learning rate" in explorer.message.value and "#b00" in explorer.message.value
    assert all(np.all(np.isfinite(p)) for p in explorer.params)
    explorer.reset_button.click()
    assert explorer.losses == [] and not explorer.diverged


def test_bad_data_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        BackpropExplorer(np.zeros((5, 3)), np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="integer labels"):
        BackpropExplorer(np.zeros((5, 2)), np.zeros(4, dtype=int))


def test_callback_cost(moons, capsys):
    explorer = BackpropExplorer(*moons, steps=50)
    start = time.perf_counter()
    for _ in range(3):
        explorer.train()
    per_click = (time.perf_counter() - start) / 3
    start = time.perf_counter()
    explorer.panel.refresh()
    render = time.perf_counter() - start
    print(f"backprop explorer: {per_click * 1000:.0f} ms per click of 50 steps, {render * 1000:.0f} ms to render")
    assert explorer.panel.renders >= 4


def test_loss_axes_are_sensible_before_any_training(moons):
    explorer = BackpropExplorer(*moons, steps=200)
    start = explorer.cost()
    low, high = explorer.ax_loss.get_ylim()
    assert explorer.ax_loss.get_xlim() == (0, 200)  # the steps one click will take
    assert 0 < low <= start / 30 and start * 1.3 <= high <= start * 13  # J from its start, log decades
    assert np.log10(low) == int(np.log10(low)) and np.log10(high) == int(np.log10(high))
    assert f"{start:.3g}" in explorer.ax_loss.get_title()
    explorer.train()
    assert explorer.ax_loss.get_ylim() == (low, high)  # the first click keeps the axes
    np.testing.assert_allclose(explorer.losses[0], start)


# ---------------------------------------------------------------- a second network trained with the student's functions


def _derivative(Z, activation):
    return {"sigmoid": Z * (1 - Z), "tanh": 1 - Z**2, "relu": (Z > 0).astype(float)}[activation]


def student_functions():
    def forward(X, W, b, V, c, activation="sigmoid"):
        a = X @ W + b
        Z = {"sigmoid": lambda: 1 / (1 + np.exp(-a)), "tanh": lambda: np.tanh(a), "relu": lambda: np.maximum(a, 0)}[
            activation
        ]()
        logits = Z @ V + c
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return Z, e / e.sum(axis=1, keepdims=True)

    def grad_W(X, Z, Y, T, V, activation="sigmoid"):
        return X.T @ (((Y - T) @ V.T) * _derivative(Z, activation))

    def grad_b(Z, Y, T, V, activation="sigmoid"):
        return (((Y - T) @ V.T) * _derivative(Z, activation)).sum(axis=0)

    def grad_V(Z, Y, T):
        return Z.T @ (Y - T)

    def grad_c(Y, T):
        return (Y - T).sum(axis=0)

    return {"forward": forward, "grad_W": grad_W, "grad_b": grad_b, "grad_V": grad_V, "grad_c": grad_c}


def test_correct_functions_train_a_second_network_that_agrees(moons):
    explorer = BackpropExplorer(*moons, steps=50, **student_functions())
    assert explorer.first_difference is None and not explorer.your_problem
    explorer.train_button.click()
    assert len(explorer.your_losses) == len(explorer.losses) == 50
    np.testing.assert_allclose(explorer.your_losses, explorer.losses, rtol=1e-9)
    np.testing.assert_allclose(explorer.your_loss_line.get_ydata(), explorer.your_losses)
    assert not explorer.difference_line.get_visible()
    assert explorer.your_boundary_image.get_array()[..., 3].any()  # your boundary, dotted
    assert explorer.caption.get_text() == (
        "your forward, grad_W, grad_b, grad_V, grad_c agree with the reference at every step (dashed: yours)"
    )


def test_the_sigmoid_derivative_under_tanh_is_marked_at_step_0_in_grad_W(moons):
    functions = student_functions()

    def grad_W(X, Z, Y, T, V, activation="sigmoid"):
        return X.T @ (((Y - T) @ V.T) * Z * (1 - Z))  # the sigmoid's derivative, whatever the activation

    functions["grad_W"] = grad_W
    explorer = BackpropExplorer(*moons, activation="tanh", steps=50, **functions)
    step, name, index, got, expected = explorer.first_difference  # found before any training
    assert (step, name) == (0, "grad_W")
    X, T = explorer.X, explorer.T
    W, b, V, c = explorer.params
    Z = np.tanh(X @ W + b)
    e = np.exp(Z @ V + c)
    Y = e / e.sum(axis=1, keepdims=True)
    right, wrong = X.T @ (((Y - T) @ V.T) * (1 - Z**2)), grad_W(X, Z, Y, T, V)
    assert index == tuple(np.argwhere(~np.isclose(wrong, right, rtol=1e-6, atol=1e-12))[0])
    explorer.train_button.click()
    assert explorer.difference_line.get_visible() and explorer.difference_line.get_xdata()[0] == 0
    assert explorer.caption.get_text().startswith(f"your grad_W differs first at step 0 (red line), element {index}")
    assert "your grad_W differs first at step 0" in explorer.message.value
    assert len(explorer.your_losses) == 50  # it trains on with its own gradients
    assert explorer.your_losses[-1] != pytest.approx(explorer.losses[-1], rel=1e-6)


def test_a_wrong_forward_is_named_before_the_gradients_it_spoils(moons):
    functions = student_functions()
    plain = functions["forward"]

    def forward(X, W, b, V, c, activation="sigmoid"):
        Z, Y = plain(X, W, b, V, c, activation)
        return Z, Y[:, ::-1]  # the classes swapped

    functions["forward"] = forward
    explorer = BackpropExplorer(*moons, **functions)
    assert explorer.first_difference[:2] == (0, "forward (its Y)")


def test_a_raising_function_stops_only_the_second_network(moons):
    functions = student_functions()

    def grad_c(Y, T):
        return (Y - T).sum(axis=2)

    functions["grad_c"] = grad_c
    explorer = BackpropExplorer(*moons, steps=10, **functions)
    assert explorer.your_problem.startswith("your grad_c raised AxisError: axis 2 is out of bounds")
    explorer.train_button.click()
    assert len(explorer.losses) == 10 and explorer.your_losses == []
    assert explorer.caption.get_text().endswith("(step 0): the reference trains alone")


def test_unwritten_functions_fall_back_to_the_reference(moons):
    def not_written(*args, **kwargs):
        raise NotImplementedError()

    functions = dict.fromkeys(student_functions(), not_written)
    explorer = BackpropExplorer(*moons, steps=10, **functions)
    assert explorer.caption.get_text() == "your functions are not written yet: the reference trains alone"
    explorer.train_button.click()
    assert len(explorer.losses) == 10 and explorer.your_losses == []

    functions["forward"] = student_functions()["forward"]  # forward written, the gradients not yet
    explorer = BackpropExplorer(*moons, steps=10, **functions)
    explorer.train_button.click()
    assert explorer.student.in_use == ["forward"] and len(explorer.your_losses) == 10
    assert explorer.caption.get_text().startswith("your forward agrees with the reference at every step")
