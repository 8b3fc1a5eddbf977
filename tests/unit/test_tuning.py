"""helpers.tuning: sampling on the right scale, random and grid search, coarse to fine, the toy
objective and its plain-data form, and running trials in processes or on a Dask cluster."""

import numpy as np
import pytest

from helpers import tuning as T

SPACE = {"lr": (1e-4, 1.0, "log"), "units": (16.0, 256.0, "linear")}
COEFS = np.array([[0.85, 0.4, 0.1], [0.0, 0.5, 0.3]])  # lr matters (best at 10^-2.4), units does not


def test_log_uniform_puts_a_quarter_in_every_decade():
    values = T.sample_log_uniform(1e-4, 1.0, 40_000, rng=0)
    shares = np.histogram(np.log10(values), bins=[-4, -3, -2, -1, 0])[0] / values.size
    np.testing.assert_allclose(shares, 0.25, atol=0.01)
    assert values.min() >= 1e-4 and values.max() <= 1.0
    np.testing.assert_array_equal(values, T.sample_log_uniform(1e-4, 1.0, 40_000, rng=0))
    with pytest.raises(ValueError, match="low must lie in"):
        T.sample_log_uniform(0.0, 1.0, 3)


def test_sample_hyperparameters_scales_and_seed():
    lr, beta = T.sample_hyperparameters(20_000, seed=1)
    assert lr.shape == beta.shape == (20_000,)
    assert 1e-4 <= lr.min() and lr.max() <= 1 and 0.9 <= beta.min() and beta.max() <= 0.999
    assert abs(np.mean(beta > 0.99) - 0.5) < 0.02  # 1 − β log-uniform: half on each side of 0.99
    assert abs(np.mean(lr > 0.1) - 0.25) < 0.02
    again = T.sample_hyperparameters(20_000, seed=1)
    np.testing.assert_array_equal(again[0], lr)
    assert not np.array_equal(T.sample_hyperparameters(20_000, seed=2)[1], beta)


def test_random_search_keeps_the_best_within_the_budget():
    objective = T.toy_objective(COEFS, SPACE)
    seen = []
    best, score = T.random_search(lambda c: seen.append(c) or objective(c), SPACE, 60, seed=0)
    assert len(seen) == 60 and score == max(map(objective, seen)) and best in seen
    assert abs(np.log10(best["lr"]) + 2.4) < 0.3
    assert T.random_search(objective, SPACE, 1, seed=0)[0]["lr"] == pytest.approx(seen[0]["lr"])


def test_grid_search_spends_the_budget_on_k_values_per_axis():
    objective = T.toy_objective(COEFS, SPACE)
    _, _, tried = T.grid_search(objective, SPACE, 25)
    assert len(tried) == 25
    assert sorted({round(c["lr"], 12) for c in tried}) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert len(T.grid_search(objective, SPACE, 24)[2]) == 16  # 4 x 4 ≤ 24 < 5 x 5


def test_zoom_and_coarse_to_fine():
    fine = T.zoom(SPACE, {"lr": 1e-2, "units": 250.0}, factor=4)
    assert fine["lr"][0] == pytest.approx(10**-2.5) and fine["lr"][1] == pytest.approx(10**-1.5)
    assert fine["units"] == pytest.approx((196.0, 256.0, "linear"))  # kept inside the bounds
    objective = T.toy_objective(COEFS, SPACE)
    best, score, space = T.coarse_to_fine(objective, SPACE, 40, seed=3)
    assert space["lr"][0] <= best["lr"] <= space["lr"][1] or score == T.random_search(objective, SPACE, 20, 3)[1]
    assert score >= T.random_search(objective, SPACE, 20, seed=3)[1]


def test_toy_scores_and_bad_spaces():
    scores = T.toy_scores([[10**-2.4, 16.0], [10**-2.4, 256.0], [1.0, 100.0]], COEFS, SPACE)
    np.testing.assert_allclose(scores[:2], T.TOY_BASE + 0.85)  # units does not matter
    assert scores[2] < 0.2
    with pytest.raises(ValueError, match="scale must be 'linear' or 'log'"):
        T.toy_scores([[1.0]], COEFS[:1], {"lr": (1e-4, 1.0, "ln")})
    with pytest.raises(ValueError, match="low must be > 0"):
        T.toy_scores([[1.0]], COEFS[:1], {"lr": (0.0, 1.0, "log")})
    with pytest.raises(ValueError, match="needs low < high"):
        T.toy_scores([[1.0]], COEFS[:1], {"lr": (1.0, 0.1, "linear")})


def test_on_objective_records_every_call_and_reads_the_result():
    space = {k: list(v) for k, v in SPACE.items()}  # as JSON brings it
    tried, scores, best, best_score = T.on_objective(T.random_search.unguarded)(COEFS, 30, 5, space=space)
    assert tried.shape == (30, 2) and scores.shape == (30,)
    np.testing.assert_allclose(scores, T.toy_scores(tried, COEFS, SPACE))
    assert float(best_score) == scores.max() and np.allclose(tried[scores.argmax()], best)
    with pytest.raises(ValueError, match="best_config as a dict"):
        T.on_objective(lambda objective, space, budget, seed: ([1, 2], 0.0))(COEFS, 3, 0, space=space)
    with pytest.raises(ValueError, match="best_config has no 'units'"):
        T.on_objective(lambda objective, space, budget, seed: ({"lr": 0.1}, 0.0))(COEFS, 3, 0, space=space)
    with pytest.raises(ValueError, match="the objective takes a dict"):
        T.on_objective(lambda objective, space, budget, seed: objective({"lr": 0.1}))(COEFS, 3, 0, space=space)


def test_run_trials_in_order_serially_and_in_processes():
    offset = 10.0  # a closure: sent by value to the workers

    def fn(config):
        return config["x"] ** 2 + offset

    configs = [{"x": float(i)} for i in range(7)]
    expected = [fn(c) for c in configs]
    results, info = T.run_trials(fn, configs, workers=1, progress=False)
    assert results == expected and info["where"] == "this process"
    results, info = T.run_trials(fn, configs, workers=2, progress=False)
    assert results == expected and "worker processes" in info["where"] and info["seconds"] >= 0


def test_run_trials_raises_the_trial_s_own_error():
    def fn(config):
        raise NotImplementedError("not yet")

    with pytest.raises(NotImplementedError):
        T.run_trials(fn, [{}, {}], workers=2, progress=False)


def test_run_trials_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster:
        results, info = T.run_trials(
            lambda c: c["x"] * 3, [{"x": i} for i in range(5)], scheduler=cluster.scheduler_address, progress=False
        )
    assert results == [0, 3, 6, 9, 12] and "Dask cluster" in info["where"]


def test_format_table():
    text = T.format_table([{"lr": 0.01, "acc": 0.9}, {"lr": 0.5, "acc": 0.75}], ["lr", "acc"], {"acc": ".2f"})
    lines = text.splitlines()
    assert lines[0].split() == ["lr", "acc"] and lines[2].split() == ["0.01", "0.90"] and len(lines) == 4
