"""Week 7's training run: a deep ReLU network trained with Adam on the digits, judged by its
parameters' shapes, its losses and its test accuracy."""

from __future__ import annotations

import numpy as np

from ... import optim
from ..core import Case, Check, CheckFailed, as_output, register
from .update_rules import guards_of

TRAINING_UPDATES = 500


def training_cases(rng):
    from ...data import load_digits_split

    X_train, y_train, _, _ = load_digits_split(seed=0)
    seeds = [int(s) for s in rng.choice(100_000, size=3, replace=False)]
    return [
        Case(
            f"digits, Adam, {TRAINING_UPDATES} updates, seed {seed}",
            (X_train, y_train),
            dict(optimizer="adam", n_updates=TRAINING_UPDATES, seed=seed),
        )
        for seed in seeds
    ]


TRAINING_MIN_ACCURACY = 0.95


def relu_net_forward(params, X):
    h = X
    for W, b in zip(params[0:-2:2], params[1:-2:2]):
        h = np.maximum(h @ W + b, 0.0)
    return h @ params[-2] + params[-1]


def verify_training(case, outputs, where):
    __tracebackhide__ = True
    from ...data import load_digits_split

    raw, n = outputs[0], case.kwargs["n_updates"]
    if not isinstance(raw, tuple):
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(
            f"{where}: `params` is a {kind}; return the parameters as a tuple of arrays "
            f"(W1, b1, W2, b2, ...), e.g. tuple(params)."
        )
    params = [as_output(p, f"params[{i}]", where) for i, p in enumerate(raw)]
    shapes = [p.shape for p in params]
    chain_ok = len(params) >= 8 and len(params) % 2 == 0 and shapes[0][:1] == (64,) and shapes[-1] == (10,)
    for W, b in zip(params[0::2], params[1::2]):
        chain_ok = chain_ok and W.ndim == 2 and b.shape == (W.shape[1],)
    for W, W_next in zip(params[0:-2:2], params[2::2]):
        chain_ok = chain_ok and W.shape[1] == W_next.shape[0]
    if not chain_ok:
        raise CheckFailed(
            f"{where}: `params` has shapes {shapes}; expected (W1, b1, ..., Wk, bk) with W1 (64, ·), "
            f"at least three hidden layers (k ≥ 4) and a last layer with 10 outputs."
        )
    losses = as_output(outputs[1], "losses", where).ravel()
    if losses.size != n:
        raise CheckFailed(
            f"{where}: `losses` holds {losses.size} values; record exactly one loss per update "
            f"({n} updates: the budget)."
        )
    if not np.all(np.isfinite(losses)) or not losses[-50:].mean() < losses[:10].mean():
        raise CheckFailed(
            f"{where}: the losses must be finite and go down (mean of the last 50 below the mean of the first 10)."
        )
    _, _, X_test, y_test = load_digits_split(seed=0)
    with np.errstate(all="ignore"):
        accuracy = float(np.mean(np.argmax(relu_net_forward(params, X_test), axis=1) == y_test))
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(
            f"{where}: test accuracy {accuracy:.1%} after {n} updates is below "
            f"{TRAINING_MIN_ACCURACY:.0%}. Check that every parameter array keeps its own Adam "
            f"state, that t counts the updates from 1, and that the learning rate decays per epoch."
        )


register(
    Check(
        "adam_trains_digits",
        training_cases,
        reference=None,
        verify=verify_training,
        function="train_mlp",
        outputs=("params", "losses"),
        guarded=guards_of(optim.adam),
        hint="train_mlp(X, y, optimizer, n_updates, seed) must return (params, losses): params a tuple "
        "(W1, b1, ..., W4, b4), losses one value per update.",
        compares_with="behaviour",
        doc=f"Train with ``train_mlp(X_train, y_train, optimizer='adam', n_updates={TRAINING_UPDATES}, "
        f"seed=s)`` "
        f"for three seeds the grader draws; each run passes when params chain 64 → ... → 10 through at "
        f"least three hidden ReLU layers, one loss per update went down, and the test accuracy is at "
        f"least {TRAINING_MIN_ACCURACY:.0%}.",
    )
)
