"""Week 8 explorer: every control changes the boundary, the curves and the verdict; training runs in
bounded chunks, and a setting one comes back to keeps its training."""

import time

import numpy as np

from helpers.training import predict_proba
from helpers.widgets.w08 import CACHE_SIZE, GRID_VALUES, RegularizationExplorer


def picture(explorer):
    return np.asarray(explorer.map_image.get_array()).copy()


def train_to_the_end(explorer):
    for _ in range(500):
        if explorer.trainer.epoch >= explorer.epochs:
            return
        explorer.play.value += 1
    raise AssertionError("training never finished")


def test_the_first_picture_comes_after_one_bounded_chunk():
    explorer = RegularizationExplorer(epochs=300)
    assert 0 < explorer.trainer.epoch < 300
    assert explorer.panel.renders == 1 and explorer.panel.image.value
    assert "press ▶" in explorer.message.value
    epoch, renders = explorer.trainer.epoch, explorer.panel.renders
    explorer.play.value += 1  # one tick of the player: one more chunk
    assert explorer.trainer.epoch > epoch and explorer.panel.renders == renders + 1
    assert len(explorer.trainer.history) == 2


def test_unregularized_training_overfits_and_lambda_fixes_it():
    explorer = RegularizationExplorer(lam=0.0, epochs=600)
    train_to_the_end(explorer)
    train, dev = explorer.errors
    assert train < 8 and dev - train > 10 and "variance" in explorer.message.value
    overfit = picture(explorer)
    explorer.lam.value = 1.0
    assert not np.array_equal(picture(explorer), overfit)
    train_to_the_end(explorer)
    train, dev = explorer.errors
    assert dev < explorer.data.bayes_error + 3 and "press ▶" not in explorer.message.value
    explorer.lam.value = 10.0
    train_to_the_end(explorer)
    assert explorer.errors[0] > explorer.data.bayes_error + 5 and "bias" in explorer.message.value


def test_keep_prob_depth_and_init_each_change_the_network():
    explorer = RegularizationExplorer(epochs=200)
    seen = {explorer.setting(): picture(explorer)}
    for control, value in [(explorer.keep_prob, 0.5), (explorer.depth, 4), (explorer.init, "xavier")]:
        control.value = value
        assert explorer.setting() not in seen
        kinds = [layer["kind"] for layer in explorer.trainer.layers]
        assert kinds.count("affine") == explorer.depth.value + 1
        assert ("dropout" in kinds) == (explorer.keep_prob.value < 1)
        assert not any(np.array_equal(picture(explorer), p) for p in seen.values())
        seen[explorer.setting()] = picture(explorer)


def test_zero_initialization_never_learns_and_large_says_so():
    explorer = RegularizationExplorer(init="zeros", epochs=200)
    train_to_the_end(explorer)
    assert explorer.errors[0] > 40  # no better than guessing
    first = explorer.trainer.layers[0]["W"]
    assert np.all(first == 0)  # no gradient ever reached the first layer
    explorer.init.value = "large"
    explorer.depth.value = 6
    assert explorer.trainer.losses[0] > 1e6


def test_a_setting_seen_before_keeps_its_training_and_the_cache_is_bounded():
    explorer = RegularizationExplorer(epochs=200)
    train_to_the_end(explorer)
    trained = explorer.trainer
    explorer.lam.value = 0.1
    explorer.lam.value = 0.0
    assert explorer.trainer is trained and explorer.trainer.epoch == 200
    explorer.cache_size = 3
    for keep in (0.5, 0.6, 0.7, 0.8):
        explorer.keep_prob.value = keep
    assert len(explorer.cache) == 3 and (0.0, 1.0, 2, "he") not in explorer.cache  # the oldest went first
    assert CACHE_SIZE >= 24


def test_callback_cost(capsys):
    explorer = RegularizationExplorer()
    changes = (
        [(explorer.lam, v) for v in (0.01, 0.1, 1.0, 3.0)]
        + [(explorer.keep_prob, v) for v in (0.5, 0.8)]
        + [(explorer.depth, v) for v in (3, 1)]
        + [(explorer.init, v) for v in ("xavier", "lecun")]
    )
    wall, cpu = [], []
    for control, value in changes:
        start, start_cpu = time.perf_counter(), time.process_time()
        control.value = value
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    ticks = []
    for _ in range(5):
        start = time.perf_counter()
        explorer.play.value += 1
        ticks.append(time.perf_counter() - start)
    with capsys.disabled():  # reported, not asserted (docs/DESIGN.md, section 7)
        print(
            f"\nregularization explorer: per control change {1000 * np.mean(wall):.0f} ms wall "
            f"(max {1000 * max(wall):.0f}), {1000 * np.mean(cpu):.0f} ms CPU; per training tick "
            f"{1000 * np.mean(ticks):.0f} ms"
        )
    assert explorer.panel.renders >= 1 + len(changes) + 5


# ---------------------------------------------------------------- the student's model_forward


def student_model_forward(scale_at_test_time=False):
    """A plain model_forward as a student writes it; scale_at_test_time divides by keep_prob even
    when the layer has no mask (test time): the typical inverted-dropout slip."""

    def model_forward(x, layers):
        inputs = []
        for layer in layers:
            inputs.append(x)
            if layer["kind"] == "affine":
                x = x @ layer["W"] + layer["b"]
            elif layer["kind"] == "relu":
                x = np.maximum(x, 0.0)
            elif layer.get("mask") is not None:
                x = x * layer["mask"] / layer["keep_prob"]
            elif scale_at_test_time:
                x = x / layer["keep_prob"]
        return x, inputs

    return model_forward


def test_a_correct_model_forward_draws_with_no_difference():
    explorer = RegularizationExplorer(keep_prob=0.5, depth=3, epochs=200, model_forward=student_model_forward())
    explorer.play.value += 1
    assert explorer.marked is None and len(explorer.mark.get_xdata()) == 0
    assert explorer.outcome.yours and explorer.outcome.index is None
    assert explorer.caption.get_text().startswith("your model_forward agrees with the reference")
    assert not np.any(np.all(picture(explorer) == (0.95, 0.7, 0.0), axis=-1))  # no gold boundary


def test_dropout_scaled_at_test_time_is_marked_at_the_first_differing_point():
    wrong = student_model_forward(scale_at_test_time=True)
    explorer = RegularizationExplorer(keep_prob=1.0, epochs=200, model_forward=wrong)
    assert explorer.marked is None  # keep 1: no dropout layer, nothing to get wrong
    explorer.keep_prob.value = 0.5
    ours = wrong(explorer.grid, explorer.trainer.layers)[0]
    reference = student_model_forward()(explorer.grid, explorer.trainer.layers)[0]
    point = int(np.flatnonzero(np.any(~np.isclose(ours, reference, rtol=1e-7, atol=1e-12), axis=1))[0])
    assert explorer.marked == divmod(point, explorer.grid_shape[1])
    np.testing.assert_array_equal(explorer.mark.get_xydata()[0], explorer.grid[point])
    assert "differs first at grid point (row 0, column 0)" in explorer.caption.get_text()
    assert explorer.caption.get_color() == "#d62728" and "differs first" in explorer.message.value


def test_a_raising_function_shows_its_message_and_the_reference_keeps_drawing():
    def model_forward(x, layers):
        return layers[0]["W"] @ x, []  # the product the wrong way round

    explorer = RegularizationExplorer(epochs=200, model_forward=model_forward)
    assert "your model_forward raised ValueError: matmul" in explorer.caption.get_text()
    before = picture(explorer)
    explorer.lam.value = 1.0
    assert not np.array_equal(picture(explorer), before) and "raised ValueError" in explorer.message.value


def test_a_wrong_shape_and_a_missing_pair_are_reported():
    def hidden_only(x, layers):
        out, inputs = student_model_forward()(x, layers[:-1])
        return out, inputs

    def out_only(x, layers):
        return student_model_forward()(x, layers)[0]

    shape = RegularizationExplorer(epochs=100, model_forward=hidden_only).caption.get_text()
    assert "returned shape (6400, 64); the reference's is (6400, 2)" in shape
    assert "not (out, inputs)" in RegularizationExplorer(epochs=100, model_forward=out_only).caption.get_text()


def test_not_written_yet_falls_back_to_the_reference():
    def model_forward(x, layers):
        raise NotImplementedError()

    explorer = RegularizationExplorer(epochs=100, model_forward=model_forward)
    assert explorer.caption.get_text() == "model_forward is not written yet: the reference draws"
    assert explorer.caption.get_color() == "#555"
    expected = predict_proba(explorer.trainer.layers, explorer.grid)[:, 1].reshape(explorer.grid_shape)
    np.testing.assert_allclose(explorer.probabilities(), expected, rtol=1e-12, atol=1e-15)
    assert not np.any(np.all(picture(explorer) == (0.95, 0.7, 0.0), axis=-1))


def test_a_mistake_at_a_single_grid_point_is_marked_there():
    """The student's forward runs on the whole grid, a few rows at a time: a slip that touches one
    point of the 80 × 80 grid (here its last one) is still found, at that point."""
    right = student_model_forward()
    explorer = RegularizationExplorer(epochs=100, model_forward=right)
    corner = explorer.grid[-1].copy()

    def one_point_off(x, layers):
        out, inputs = right(x, layers)
        out = out.copy()
        out[np.all(x == corner, axis=1), 0] += 1.0
        return out, inputs

    explorer = RegularizationExplorer(epochs=100, model_forward=one_point_off)
    assert explorer.marked == (79, 79)
    assert "differs first at grid point (row 79, column 79), logit 0" in explorer.caption.get_text()


def test_the_grid_in_pieces_is_the_grid_in_one_call():
    explorer = RegularizationExplorer(depth=3, keep_prob=0.5, epochs=100)
    whole = student_model_forward()(explorer.grid, explorer.trainer.layers)[0]
    np.testing.assert_allclose(explorer._reference_logits(explorer.grid, explorer.trainer.layers), whole, rtol=1e-12)
    assert explorer.student.fn is None

    def ragged(x, layers):
        out, inputs = student_model_forward()(x, layers)
        return (out[:-1] if len(x) < 6400 else out), inputs

    caption = RegularizationExplorer(epochs=100, model_forward=ragged).caption.get_text()
    assert "your model_forward raised ValueError: returned out of shape" in caption


def test_a_network_not_trained_since_is_drawn_again_without_calling_the_student():
    calls, threads = [], []

    def counted(x, layers):
        from threadpoolctl import threadpool_info

        calls.append(len(x))
        threads.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return student_model_forward(scale_at_test_time=True)(x, layers)

    explorer = RegularizationExplorer(keep_prob=0.5, epochs=100, model_forward=counted)
    train_to_the_end(explorer)
    assert set(threads) == {1}  # one BLAS thread inside the explorer's calls
    image, marked, before = picture(explorer), explorer.marked, len(calls)
    explorer.play.value += 1  # trained to the end: nothing changes
    explorer.keep_prob.value = 0.6
    explorer.keep_prob.value = 0.5  # back to the trained network
    after = len(calls)
    assert np.array_equal(picture(explorer), image) and explorer.marked == marked is not None
    pieces = len(range(0, 80 * 80, GRID_VALUES // 64))  # one call per piece of the grid
    assert after - before == pieces  # keep 0.6 drawn once, after its first chunk of training
    explorer.keep_prob.value = 0.6  # drawn before, not trained since
    assert len(calls) == after
    explorer.play.value += 1  # one more chunk of training: drawn afresh
    assert len(calls) == after + pieces and set(threads) == {1}
