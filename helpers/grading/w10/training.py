"""Week 10's date translator, trained by the notebook's read-only ``train_date_model`` with the student's
own embed, embed_backward, sequence_loss, attention and attention_backward; judged by what it learned.

The grader draws a seed, the student's kernel trains, and this module decodes the held-out dates with
the returned parameters and the reference kernels (``helpers.translator.accuracy``): the exact-match
accuracy must reach :data:`TRAINING_MIN_ACCURACY`.
"""

from __future__ import annotations

import functools

import numpy as np

from ... import dates, seq2seq, translator
from ..core import Case, Check, CheckFailed, register
from ..trained import trained_parameters

PARAMETER_NAMES = translator.PARAMETER_NAMES
# Exact-match accuracy on the 1000 held-out dates after the notebook's training (6 epochs, Adam 0.02):
# reference functions, seeds 0-19: mean 94.6%, min 90.5%, max 96.7%; another honest implementation
# (one-hot lookup, looped scatter-add, einsum attention with -1e300, log-sum-exp loss), seeds 100-119:
# mean 94.0%, min 87.5%, max 96.7%. Without attention: 0.0-0.6%. The floor sits 27 points below the
# worst of those 40 honest runs and 59 above the model without attention: a false zero would need a
# seed far worse than any seen, and a model that learned nothing cannot pass.
TRAINING_MIN_ACCURACY = 0.60
DATASET = dict(n_train=4000, n_test=1000, seed=0)


@functools.lru_cache(maxsize=1)
def _test_set():
    data = dates.date_dataset(**DATASET)
    return data["test_ids"], data["test_mask"], data["test_targets"]


def training_cases(rng) -> list[Case]:
    seed = int(rng.integers(1, 100_000))
    return [Case(f"the date translator with attention, seed {seed}", (), {"seed": seed})]


def verify_training(case, outputs, where):
    """The parameters train_date_model returned: the right shapes, then the held-out exact-match accuracy of
    greedy decoding with the reference kernels."""
    __tracebackhide__ = True
    params = trained_parameters(
        outputs[0],
        translator.init_params(0, True),
        "train_date_model",
        ", ".join(PARAMETER_NAMES),
        where,
        "Does check_sequence_loss pass (large logits), and check_attention (peaked weights)?",
    )
    with np.errstate(all="ignore"):
        accuracy = translator.accuracy(params, *_test_set())
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(
            f"{where}: {accuracy:.1%} of the 1000 held-out dates come out exactly right, below the floor of "
            f"{TRAINING_MIN_ACCURACY:.0%} (correct functions reach 87-97% on every seed we tried). If the "
            f"checks of embed_backward, sequence_loss, attention and attention_backward pass, run this cell "
            f"again from a fresh kernel."
        )


register(
    Check(
        "date_translator_trains",
        training_cases,
        reference=None,
        verify=verify_training,
        function="train_date_model",
        outputs=("params",),
        guarded=(
            seq2seq.embed,
            seq2seq.embed_backward,
            seq2seq.sequence_loss,
            seq2seq.attention,
            seq2seq.attention_backward,
        ),
        hint="train_date_model(seed) returns the tuple of trained parameters.",
        compares_with="behaviour",
        doc=f"Train the date translator with attention with ``train_date_model(seed=s)`` for a seed the grader "
        f"draws; it passes when greedy decoding gets at least {TRAINING_MIN_ACCURACY:.0%} of the 1000 held-out "
        f"dates exactly right.",
    )
)
