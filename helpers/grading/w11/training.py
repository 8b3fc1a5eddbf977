"""Week 11's digit reverser, trained by the notebook's read-only ``train_reverser`` with the student's own
multi_head_attention, multi_head_attention_backward, positional_encoding, layer_norm and
layer_norm_backward; judged by what it learned.

The grader draws a seed, the student's kernel trains, and this module decodes 1000 held-out strings with
the returned parameters and the reference kernels (``helpers.reverser.accuracy``): the exact-match accuracy
must reach :data:`TRAINING_MIN_ACCURACY`.
"""

from __future__ import annotations

import functools

import numpy as np

from ... import reverser, transformer
from ..core import Case, Check, CheckFailed, as_output, register

LAYERS, HEADS = 2, 4
PARAMETER_NAMES = tuple(reverser.parameter_names(LAYERS))
# Exact-match accuracy on the 1000 held-out strings after the notebook's training (300 Adam steps of 32
# fresh strings, 2 blocks, D = 32, 4 heads): see tests/unit/test_grading_w11.py and the notebook; reference
# functions, seeds 0-9: 96.7-100%; the honest einsum/loop variant of the tests, seeds 100-109: in the same
# range. Without positional encoding the same model gets ~0% (it cannot tell where it is). The floor sits far
# below every honest run and far above a model that did not learn.
TRAINING_MIN_ACCURACY = 0.70


@functools.lru_cache(maxsize=1)
def _test_set():
    return reverser.test_sequences()


def training_cases(rng) -> list[Case]:
    seed = int(rng.integers(1, 100_000))
    return [Case(f"the digit reverser, seed {seed}", (), {"seed": seed})]


def verify_training(case, outputs, where):
    """The parameters train_reverser returned: the right shapes, then the held-out exact-match accuracy of
    greedy decoding with the reference kernels."""
    __tracebackhide__ = True
    raw = outputs[0]
    if not isinstance(raw, tuple) or len(raw) != len(PARAMETER_NAMES):
        kind = getattr(raw, "type_name", type(raw).__name__)
        raise CheckFailed(
            f"{where}: train_reverser returned a {kind}; it returns the tuple of the {len(PARAMETER_NAMES)} "
            f"parameters in the order of helpers.reverser.parameter_names(2). Did you edit the read-only cell?"
        )
    expected = reverser.init_params(0, layers=LAYERS)
    params = {}
    for name, value in zip(PARAMETER_NAMES, raw):
        array = as_output(value, name, where)
        if array.shape != expected[name].shape:
            raise CheckFailed(f"{where}: {name} has shape {array.shape}, expected {expected[name].shape}.")
        params[name] = array
    if not all(np.all(np.isfinite(p)) for p in params.values()):
        raise CheckFailed(
            f"{where}: the trained parameters contain inf or NaN: a gradient blew up. Do the checks of "
            f"masked_attention (peaked weights) and layer_norm_backward pass?"
        )
    with np.errstate(all="ignore"):
        accuracy = reverser.accuracy(params, _test_set(), HEADS)
    if not accuracy >= TRAINING_MIN_ACCURACY:
        raise CheckFailed(
            f"{where}: {accuracy:.1%} of the 1000 held-out strings come out exactly reversed, below the floor of "
            f"{TRAINING_MIN_ACCURACY:.0%} (correct functions reach 96-100% on every seed we tried). If the checks "
            f"of multi_head_attention, its backward, positional_encoding, layer_norm and its backward pass, run "
            f"this cell again from a fresh kernel."
        )


register(
    Check(
        "reverser_trains",
        training_cases,
        reference=None,
        verify=verify_training,
        function="train_reverser",
        outputs=("params",),
        guarded=(
            transformer.masked_attention,
            transformer.masked_attention_backward,
            transformer.multi_head_attention,
            transformer.multi_head_attention_backward,
            transformer.positional_encoding,
            transformer.layer_norm,
            transformer.layer_norm_backward,
        ),
        hint="train_reverser(seed) returns the tuple of trained parameters.",
        compares_with="behaviour",
        doc=f"Train the digit reverser with ``train_reverser(seed=s)`` for a seed the grader draws; it passes when "
        f"greedy decoding reverses at least {TRAINING_MIN_ACCURACY:.0%} of 1000 held-out 6-digit strings exactly.",
    )
)
