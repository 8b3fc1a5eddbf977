"""Week 7's training run: a deep ReLU network trained with Adam on the digits, judged by its
parameters' shapes, its losses and its test accuracy."""

from __future__ import annotations

import numpy as np

from ... import optim
from ..._optim_record import UPDATE_FUNCTIONS
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


# --------------------------------------------------------------------------- the schedule the loop follows

SCHEDULE_SETTINGS = [
    # (label, n_updates, batch_size, lr, decay_rate): short runs that cross epochs, one ending mid-epoch
    ("batches of 64 (22 per epoch), 50 updates: into epoch 2", 50, 64, None, 0.2),
    ("batches of 500 (3 per epoch, the last of 347), 10 updates, decay_rate 0.5, lr 0.01", 10, 500, 0.01, 0.5),
    ("the whole set as one batch, 5 updates, decay_rate 1", 5, 1347, 0.002, 1.0),
    ("batches of 100 (14 per epoch), 30 updates", 30, 100, None, 0.2),
]


def schedule_cases(rng):
    from ...data import load_digits_split

    X_train, y_train, _, _ = load_digits_split(seed=0)
    seeds = [int(s) for s in rng.choice(100_000, size=len(SCHEDULE_SETTINGS), replace=False)]
    cases = []
    for (label, n, batch_size, lr, decay_rate), seed in zip(SCHEDULE_SETTINGS, seeds):
        settings = dict(optimizer="adam", n_updates=n, seed=seed, lr=lr, batch_size=batch_size, decay_rate=decay_rate)
        cases.append(Case(f"{label}, seed {seed}", (X_train, y_train), settings))
    return cases


LEARNING_RATE_ADAM = 0.003  # LEARNING_RATES["adam"] in the notebook: the default when lr is None


def verify_schedule(case, outputs, where):
    __tracebackhide__ = True
    settings = case.kwargs
    n, batch_size, decay_rate = settings["n_updates"], settings["batch_size"], settings["decay_rate"]
    lr0 = LEARNING_RATE_ADAM if settings["lr"] is None else settings["lr"]
    per_epoch = -(-len(case.args[0]) // batch_size)
    calls = as_output(outputs[2], "update calls", where)
    adam_index = UPDATE_FUNCTIONS.index("adam_update")
    adam = calls[calls[:, 2] == adam_index] if calls.ndim == 2 and calls.shape[1:] == (3,) else np.empty((0, 3))
    if not len(adam):
        raise CheckFailed(
            f"{where}: train_mlp never called adam_update. Step every parameter with "
            f"update(optimizer, param, grad, state, t, lr) (it calls your adam_update), so that Adam is trained "
            f"with your rule."
        )
    t, rates = adam[:, 0], adam[:, 1]
    if not np.all(np.isfinite(t)):
        raise CheckFailed(f"{where}: adam_update received a step number t that is not a number.")
    back = np.flatnonzero(np.diff(t) < 0)
    if back.size:
        i = int(back[0])
        raise CheckFailed(
            f"{where}: the step number t that adam_update receives goes back from {t[i]:g} to {t[i + 1]:g} "
            f"(after {int(t[i])} updates, {per_epoch} batches per epoch). t counts the updates of the whole run, "
            f"1, 2, ..., {n}: do not reset it at the start of an epoch, or Adam's bias correction starts over "
            f"and its steps jump back to lr."
        )
    steps, counts = np.unique(t, return_counts=True)
    if not np.array_equal(steps, np.arange(1, n + 1)) or np.any(counts != counts[0]):
        shown = ", ".join(f"{s:g}" for s in steps[:8]) + (", ..." if len(steps) > 8 else "")
        raise CheckFailed(
            f"{where}: over {n} updates adam_update received the step numbers t = {shown}; expected every "
            f"t = 1, 2, ..., {n}, once per parameter array each: count the updates from 1, one per batch."
        )
    epochs = (t - 1) // per_epoch
    expected = lr0 / (1.0 + decay_rate * epochs)
    with np.errstate(all="ignore"):
        bad = ~(np.abs(rates - expected) <= 1e-9 * np.abs(expected))
    if not bad.any():
        return
    i = int(np.flatnonzero(bad)[0])
    if np.allclose(rates, lr0, rtol=1e-9, atol=0):
        raise CheckFailed(
            f"{where}: adam_update received lr = {lr0:g} at every update, through {int(epochs[-1]) + 1} epochs: "
            f"the learning rate never decays. Each epoch e (0, 1, ...) trains with "
            f"inverse_time_decay(lr0, e, decay_rate) = lr0 / (1 + decay_rate·e)."
        )
    raise CheckFailed(
        f"{where}: at update t = {t[i]:g} (epoch {int(epochs[i])}, {per_epoch} batches per epoch) adam_update "
        f"received lr = {rates[i]:.10g}, expected inverse_time_decay(lr0, {int(epochs[i])}, {decay_rate:g}) = "
        f"{expected[i]:.10g} with lr0 = {lr0:g}: one learning rate per epoch, computed at its start from the "
        f"epoch number (0 for the first), lr0 = LEARNING_RATES[optimizer] unless lr is given."
    )


register(
    Check(
        "train_mlp_schedule",
        schedule_cases,
        reference=None,
        verify=verify_schedule,
        function="train_mlp",
        outputs=("params", "losses", "update calls"),
        guarded=guards_of(optim.adam),
        hint="t = 1, 2, ... over the whole run; the epoch's learning rate inverse_time_decay(lr0, epoch, "
        "decay_rate), epoch = 0, 1, ...; every parameter stepped with update(optimizer, ...).",
        compares_with="behaviour",
        doc="Run ``train_mlp`` (through ``helpers.optim.recording_updates``) for a few short runs that cross "
        "epochs, with batch sizes, learning rates and decay rates of the grader's choosing, and check the "
        "step number t and the learning rate that every call of adam_update received: t = 1, 2, ... over "
        "the whole run, and lr0 / (1 + decay_rate · epoch) within each epoch.",
    )
)
