"""Week 10's decoder without attention, against ``helpers.seq2seq``: under teacher forcing (the logits
in training) and greedy decoding (the ids at test time, exact)."""

from __future__ import annotations

import numpy as np

from ... import rnn, seq2seq
from ..core import Check, NetworkCase, register
from ..mistakes import verify_with_mistakes

# (label, N, K, De, Hd, steps)
_SHAPES = [
    ("one step (steps = 1)", 3, 4, 2, 3, 1),
    ("a single sequence (N = 1)", 1, 5, 3, 4, 6),
    ("one hidden unit (Hd = 1), two symbols", 4, 2, 2, 1, 5),
    ("N = K = De = Hd = 3", 3, 3, 3, 3, 4),
    ("the date decoder's sizes: K = 12, Hd = 32, 10 steps", 5, 12, 8, 32, 10),
]


def _decoder(rng, n, k, de, hd, steps):
    # Weights large enough that the chosen character changes from step to step (and ties never happen).
    return dict(
        s0=np.tanh(rng.normal(size=(n, hd))),
        E_out=rng.normal(size=(k, de)) * 1.5,
        Wd_in=rng.normal(size=(de, hd)) * 1.5 / np.sqrt(de),
        Wd=rng.normal(size=(hd, hd)) * 0.8 / np.sqrt(hd),
        bd=rng.normal(size=hd) * 0.3,
        W_out=rng.normal(size=(hd, k)) * 2.0,
        b_out=rng.normal(size=k) * 0.3,
        steps=steps,
    )


NAMES = ("s0", "E_out", "Wd_in", "Wd", "bd", "W_out", "b_out", "steps")


def _cases(rng):
    shapes = list(_SHAPES)
    n, k, de, hd = (int(v) for v in rng.integers(2, 7, size=4))
    shapes.append((f"random N={n}, K={k}, De={de}, Hd={hd}", n, k, de, hd, int(rng.integers(2, 9))))
    cases = []
    for label, *sizes in shapes:
        net = _decoder(rng, *sizes)
        cases.append(NetworkCase(label, tuple(net[name] for name in NAMES), network=net))
    return cases


# --------------------------------------------------------------------------- teacher forcing

TF_NAMES = ("targets",) + NAMES[:-1]


def _teacher_forced_cases(rng):
    cases = []
    for case in _cases(rng):
        net = dict(case.network)
        n, steps, k = net["s0"].shape[0], net.pop("steps"), net["E_out"].shape[0]
        net["targets"] = rng.integers(0, k, size=(n, steps))
        cases.append(NetworkCase(case.label, tuple(net[name] for name in TF_NAMES), network=net))
    return cases


def _decoder_reading(net, previous_ids):
    s = rnn.rnn_forward(net["E_out"][previous_ids], net["s0"], net["Wd_in"], net["Wd"], net["bd"])
    return s @ net["W_out"] + net["b_out"]


def _not_shifted(case):
    """The mistake: step t reads target t, the very character it must predict."""
    return (_decoder_reading(case.network, case.network["targets"]),)


def _own_choices(case):
    """The mistake: each step reads the model's own previous choice (greedy decoding), not the target."""
    net = case.network
    s, previous = net["s0"], np.zeros(net["s0"].shape[0], dtype=np.int64)
    logits = []
    for _ in range(net["targets"].shape[1]):
        s = np.tanh(net["E_out"][previous] @ net["Wd_in"] + s @ net["Wd"] + net["bd"])
        logits.append(s @ net["W_out"] + net["b_out"])
        previous = np.argmax(logits[-1], axis=1)
    return (np.stack(logits, axis=1),)


TF_HINT = (
    "the inputs are the targets shifted right behind the start symbol: y_prev = [0, targets[:, 0], ..., "
    "targets[:, T-2]]; then s_t = tanh(E_out[y_prev[:, t]] @ Wd_in + s_{t-1} @ Wd + bd) from s0 (one RNN run, "
    "helpers.rnn.rnn_forward will do), and logits = s @ W_out + b_out."
)
NOT_SHIFTED = (
    "step t reads target t, the very character it must predict (a model trained so only learns to copy its "
    "input): shift the targets right, behind the start symbol (id 0)."
)
OWN_CHOICES = (
    "each step reads the model's own previous choice: that is greedy decoding, for test time. Under teacher "
    "forcing step t reads the correct character targets[:, t-1]."
)

register(
    Check(
        "teacher_forced_logits",
        _teacher_forced_cases,
        reference=None,
        verify=verify_with_mistakes(
            ("logits",),
            lambda case: (seq2seq.teacher_forced_logits.unguarded(*case.args),),
            TF_HINT,
            mistakes=((NOT_SHIFTED, _not_shifted), (OWN_CHOICES, _own_choices)),
        ),
        outputs=("logits",),
        guarded=(seq2seq.teacher_forced_logits,),
        hint=TF_HINT,
        compares_with=(seq2seq.teacher_forced_logits,),
        doc="Check ``teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out) -> logits`` "
        "(N, T, K) against helpers.seq2seq (T = 1, N = 1, Hd = 1 included).",
    )
)


# --------------------------------------------------------------------------- greedy decoding


def _always_start(case):
    """The mistake: every step reads the start symbol instead of the character chosen before."""
    net = case.network
    s = net["s0"]
    out = np.zeros((s.shape[0], net["steps"]), dtype=np.int64)
    for t in range(net["steps"]):
        s = np.tanh(net["E_out"][np.zeros(s.shape[0], dtype=np.int64)] @ net["Wd_in"] + s @ net["Wd"] + net["bd"])
        out[:, t] = np.argmax(s @ net["W_out"] + net["b_out"], axis=1)
    return (out,)


HINT = (
    "start with previous = zeros (the start symbol) and s = s0; at each step s = tanh(E_out[previous] @ Wd_in + "
    "s @ Wd + bd), previous = argmax(s @ W_out + b_out, axis=1), and store previous in column t."
)
ALWAYS_START = (
    "every step reads the start symbol: at test time each step must read the character chosen at the step "
    "before (previous = the argmax of the last step)."
)

register(
    Check(
        "greedy_decode",
        _cases,
        reference=None,
        verify=verify_with_mistakes(
            ("ids",),
            lambda case: (seq2seq.greedy_decode.unguarded(*case.args),),
            HINT,
            mistakes=((ALWAYS_START, _always_start),),
        ),
        outputs=("ids",),
        guarded=(seq2seq.greedy_decode,),
        hint=HINT,
        compares_with=(seq2seq.greedy_decode,),
        doc="Check ``greedy_decode(s0, E_out, Wd_in, Wd, bd, W_out, b_out, steps) -> ids`` (N, steps) against "
        "helpers.seq2seq (steps = 1, N = 1, Hd = 1 included).",
    )
)
