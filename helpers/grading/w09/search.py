"""Week 9's random search, run on toy objectives the check defines (``helpers.tuning.toy_scores``) and
judged by what ``helpers.tuning.on_objective`` recorded: the budget, the space, the best of the
configurations tried, and values spread on each hyperparameter's scale."""

from __future__ import annotations

import numpy as np

from ... import tuning
from ..core import Case, Check, CheckFailed, as_output, register

SPACE_2 = {"lr": [1e-4, 1.0, "log"], "units": [16.0, 256.0, "linear"]}


SPACE_3 = {"lr": [1e-5, 0.1, "log"], "momentum": [0.8, 0.99, "linear"], "decay": [1e-3, 1.0, "log"]}


def search_cases(rng):
    def bump(weight, width=0.12):
        return [weight, float(rng.uniform(0.15, 0.85)), width]

    seeds = [int(s) for s in rng.choice(100_000, size=5, replace=False)]
    return [
        Case(
            "budget 200: lr matters, units does not (log and linear scales)",
            (np.array([bump(0.85), bump(0.0)]), 200, seeds[0]),
            {"space": SPACE_2},
        ),
        Case(
            "budget 25: a 5 × 5 grid would try only 5 learning rates",
            (np.array([bump(0.85, 0.08), bump(0.0)]), 25, seeds[1]),
            {"space": SPACE_2},
        ),
        Case("budget 1", (np.array([bump(0.85), bump(0.0)]), 1, seeds[2]), {"space": SPACE_2}),
        Case(
            "three hyperparameters, two matter, budget 150",
            (np.array([bump(0.5), bump(0.3, 0.3), bump(0.0)]), 150, seeds[3]),
            {"space": SPACE_3},
        ),
        Case(
            "the best learning rate at the edge of the range, budget 60",
            (np.array([[0.85, 0.98, 0.1], bump(0.0)]), 60, seeds[4]),
            {"space": SPACE_2},
        ),
    ]


SEARCH_HINT = (
    "rng = np.random.default_rng(seed); repeat budget times: draw each hyperparameter on its scale "
    "(log: 10 ** rng.uniform(np.log10(low), np.log10(high)); linear: rng.uniform(low, high)), call "
    "objective(config) once, and keep the config with the HIGHEST score. Return (best_config, best_score)."
)


def verify_search(case, got, where):
    __tracebackhide__ = True
    coefs, budget, _ = case.args
    space = case.kwargs["space"]
    names = list(space)
    tried = as_output(got[0], "tried configurations", where).reshape(-1, len(names))
    scores = as_output(got[1], "scores", where).ravel()
    best = as_output(got[2], "best_config", where).ravel()
    best_score = as_output(got[3], "best_score", where)
    k = tried.shape[0]
    if k != budget:
        raise CheckFailed(
            f"{where}: your search called the objective {k} times; the budget is {budget}: evaluate "
            f"exactly `budget` configurations.\nHint: {SEARCH_HINT}"
        )
    for p, (name, (low, high, _scale)) in enumerate(space.items()):
        outside = (tried[:, p] < low * (1 - 1e-12)) | (tried[:, p] > high * (1 + 1e-12))
        if outside.any():
            raise CheckFailed(
                f"{where}: the objective was asked about {name} = {tried[outside, p][0]:.6g}, outside "
                f"[{low:g}, {high:g}].\nHint: {SEARCH_HINT}"
            )
    recomputed = tuning.toy_scores(tried, coefs, space)
    if not np.allclose(recomputed, scores, rtol=1e-12, atol=0):
        raise CheckFailed(
            f"{where}: the scores recorded do not match the configurations; call the check on "
            f"helpers.tuning.on_objective(random_search)."
        )
    matches = np.flatnonzero(np.all(np.isclose(tried, best, rtol=1e-12, atol=0), axis=1))
    if matches.size == 0:
        raise CheckFailed(f"{where}: best_config is not one of the configurations you evaluated.\nHint: {SEARCH_HINT}")
    top = int(np.argmax(scores))
    if scores[matches].max() < scores[top]:
        lower = (
            " (the LOWEST score: the objective is a dev accuracy, higher is better)"
            if np.isclose(scores[matches].max(), scores.min())
            else ""
        )
        raise CheckFailed(
            f"{where}: best_config scored {scores[matches].max():.6g}{lower}, but configuration "
            f"{top + 1} of the {k} you tried scored {scores[top]:.6g}.\nHint: {SEARCH_HINT}"
        )
    if not np.isclose(float(best_score), scores[top], rtol=1e-12, atol=0):
        raise CheckFailed(
            f"{where}: best_score is {float(best_score):.6g}, but best_config scored {scores[top]:.6g}: "
            f"return the score of the configuration you return.\nHint: {SEARCH_HINT}"
        )
    if budget < 100:
        return
    for p, (name, (low, high, scale)) in enumerate(space.items()):
        distinct = np.unique(tried[:, p]).size
        if distinct < 0.95 * k:
            raise CheckFailed(
                f"{where}: {name} takes only {distinct} different values in {k} trials: that is a grid. "
                f"Random search draws a new value for every trial.\nHint: {SEARCH_HINT}"
            )
        t = tuning.unit_position(tried[:, p], low, high, scale)
        share = float(np.mean(t < 0.5))
        if not 0.35 <= share <= 0.65:
            middle = 10 ** ((np.log10(low) + np.log10(high)) / 2) if scale == "log" else (low + high) / 2
            raise CheckFailed(
                f"{where}: {share:.0%} of your values of {name} lie below {middle:.3g}, the middle of "
                f"[{low:g}, {high:g}] on its {scale} scale; expected about half."
                + (" Sample its exponent uniformly." if scale == "log" else "")
                + f"\nHint: {SEARCH_HINT}"
            )


register(
    Check(
        "random_search_finds_best",
        search_cases,
        reference=None,
        outputs=("tried", "scores", "best_config", "best_score"),
        function="random_search",
        guarded=(tuning.random_search, tuning.sample_log_uniform),
        verify=verify_search,
        hint=SEARCH_HINT,
        compares_with="behaviour",
        doc="Run ``random_search(objective, space, budget, seed) -> (best_config, best_score)`` on objectives "
        "the check defines (one or two hyperparameters matter, one does not; log and linear scales; "
        "budgets 1 to 200): it must evaluate exactly `budget` configurations inside the space and return "
        "the best of them with its score; with a budget of 100 or more, every hyperparameter takes a new "
        "value in every trial, half of them below the middle of its range on its scale. Call it on "
        "``helpers.tuning.on_objective(random_search)``.",
    )
)
