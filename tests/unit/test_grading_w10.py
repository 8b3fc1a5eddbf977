"""Week 10 checks: correct implementations pass, and the mistakes students make fail with a message naming them.

The correct implementations here are plain numpy written independently of helpers.seq2seq (loops, einsum,
one-hot products), so the checks' comparisons with the reference and with central differences are
exercised for real.
"""

import numpy as np
import pytest

import helpers
from helpers import translator
from helpers.grading import CHECKS
from tests.unit.check_helpers import fails

# --------------------------------------------------------------------------- correct, in several styles


def embed_rows(ids, E):
    return E[ids]


def embed_one_hot(ids, E):
    return np.eye(E.shape[0])[ids] @ E


def embed_backward_add_at(dout, ids, vocab_size):
    dE = np.zeros((vocab_size, dout.shape[-1]))
    np.add.at(dE, ids, dout)
    return dE


def embed_backward_loop(dout, ids, vocab_size):
    dE = np.zeros((vocab_size, dout.shape[-1]))
    for i, row in zip(np.ravel(ids), dout.reshape(-1, dout.shape[-1])):
        dE[i] += row
    return dE


def embed_backward_overwrites(dout, ids, vocab_size):
    dE = np.zeros((vocab_size, dout.shape[-1]))
    dE[ids] += dout
    return dE


def _rnn(x, W_in, W, b, lengths, backwards):
    n, t, _ = x.shape
    out = np.zeros((n, t, W.shape[0]))
    for i in range(n):
        state = np.zeros(W.shape[0])
        order = range(lengths[i] - 1, -1, -1) if backwards else range(lengths[i])
        for k in order:
            state = np.tanh(x[i, k] @ W_in + state @ W + b)
            out[i, k] = state
    return out


def birnn_forward_loops(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    lengths = mask.sum(axis=1).astype(int)
    return np.concatenate([_rnn(x, Wf_in, Wf, bf, lengths, False), _rnn(x, Wb_in, Wb, bb, lengths, True)], axis=2)


def birnn_forward_whole_reversal(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    n, H = x.shape[0], Wf.shape[0]
    f = helpers.rnn.rnn_forward(x, np.zeros((n, H)), Wf_in, Wf, bf)
    g = helpers.rnn.rnn_forward(x[:, ::-1], np.zeros((n, H)), Wb_in, Wb, bb)[:, ::-1]
    return np.concatenate([f, g], axis=2) * mask[..., None]


def birnn_forward_unmasked(x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
    n, t, _ = x.shape
    full = np.ones((n, t))
    return birnn_forward_loops(x, full, Wf_in, Wf, bf, Wb_in, Wb, bb) + 0 * mask[..., None]


def birnn_backward_from(whole_reversal=False):
    def birnn_backward(dh, x, mask, Wf_in, Wf, bf, Wb_in, Wb, bb):
        n, t, _ = x.shape
        H = Wf.shape[0]
        lengths = mask.sum(axis=1).astype(int)
        rows = np.arange(n)[:, None]
        if whole_reversal:
            rev = np.tile(np.arange(t)[::-1], (n, 1))
        else:
            steps = np.arange(t)[None, :]
            rev = np.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
        keep = mask[..., None]
        zeros = np.zeros((n, H))
        dx_f, _, dWf_in, dWf, dbf = helpers.rnn.rnn_backward(dh[..., :H] * keep, x, zeros, Wf_in, Wf, bf)
        dx_b, _, dWb_in, dWb, dbb = helpers.rnn.rnn_backward(
            (dh[..., H:] * keep)[rows, rev], x[rows, rev], zeros, Wb_in, Wb, bb
        )
        return dx_f + dx_b[rows, rev], dWf_in, dWf, dbf, dWb_in, dWb, dbb

    return birnn_backward


def sequence_loss_from(over_every_position=False):
    def sequence_loss(logits, targets, mask):
        m = logits.max(axis=2, keepdims=True)
        lse = m[..., 0] + np.log(np.exp(logits - m).sum(axis=2))
        one_hot = np.eye(logits.shape[2])[np.where(mask > 0, targets, 0)]
        count = mask.size if over_every_position else mask.sum()
        loss = np.sum(mask * (lse - np.sum(one_hot * logits, axis=2))) / count
        return loss, (np.exp(logits - lse[..., None]) - one_hot) * mask[..., None] / count

    return sequence_loss


def attention_from(axis=2, masked=True, scaled=True):
    def attention(q, K, V, mask):
        scores = np.einsum("nqd,nsd->nqs", q, K) / (np.sqrt(q.shape[2]) if scaled else 1.0)
        if masked:
            scores = np.where(mask[:, None, :] > 0, scores, -np.inf)
        e = np.exp(scores - scores.max(axis=axis, keepdims=True))
        weights = e / e.sum(axis=axis, keepdims=True)
        return np.einsum("nqs,nsv->nqv", weights, V), weights

    return attention


def attention_loops(q, K, V, mask):
    n, tq, d = q.shape
    weights = np.zeros((n, tq, K.shape[1]))
    for i in range(n):
        real = mask[i] > 0
        for k in range(tq):
            scores = K[i, real] @ q[i, k] / np.sqrt(d)
            e = np.exp(scores - scores.max())
            weights[i, k, real] = e / e.sum()
    return weights @ V, weights


def attention_backward_from(masked=True, second_term=True):
    forward = attention_from(masked=masked)

    def attention_backward(dcontext, q, K, V, mask):
        _, a = forward(q, K, V, mask)
        dV = np.einsum("nqs,nqv->nsv", a, dcontext)
        da = np.einsum("nqv,nsv->nqs", dcontext, V)
        ds = a * (da - (np.sum(a * da, axis=2, keepdims=True) if second_term else 0.0))
        d = np.sqrt(q.shape[2])
        return np.einsum("nqs,nsd->nqd", ds, K) / d, np.einsum("nqs,nqd->nsd", ds, q) / d, dV

    return attention_backward


def greedy_decode_from(feed_back=True):
    def greedy_decode(s0, E_out, Wd_in, Wd, bd, W_out, b_out, steps):
        s, previous, ids = s0, np.zeros(len(s0), dtype=int), []
        for _ in range(steps):
            s = np.tanh(E_out[previous if feed_back else np.zeros(len(s0), dtype=int)] @ Wd_in + s @ Wd + bd)
            previous = np.argmax(s @ W_out + b_out, axis=1)
            ids.append(previous)
        return np.stack(ids, axis=1)

    return greedy_decode


def teacher_forced_from(shift=True, own_choices=False):
    def teacher_forced_logits(targets, s0, E_out, Wd_in, Wd, bd, W_out, b_out):
        n, t = targets.shape
        previous = np.concatenate([np.zeros((n, 1), dtype=int), targets[:, :-1]], axis=1) if shift else targets
        if not own_choices:
            s = helpers.rnn.rnn_forward(E_out[previous], s0, Wd_in, Wd, bd)
            return np.einsum("nth,hk->ntk", s, W_out) + b_out
        s, choice, logits = s0, np.zeros(n, dtype=int), []
        for _ in range(t):
            s = np.tanh(E_out[choice] @ Wd_in + s @ Wd + bd)
            logits.append(s @ W_out + b_out)
            choice = logits[-1].argmax(axis=1)
        return np.stack(logits, axis=1)

    return teacher_forced_logits


REFERENCE = {
    "embed": embed_rows,
    "embed_backward": embed_backward_add_at,
    "birnn_forward": birnn_forward_loops,
    "birnn_backward": birnn_backward_from(),
    "sequence_loss": sequence_loss_from(),
    "teacher_forced_logits": teacher_forced_from(),
    "greedy_decode": greedy_decode_from(),
    "attention": attention_from(),
    "attention_backward": attention_backward_from(),
}
WEEK10 = {name for name in CHECKS if CHECKS[name].cases.__module__.startswith("helpers.grading.w10.")}


def test_every_week10_check_is_covered():
    assert WEEK10 == set(REFERENCE) | {"date_translator_trains"}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_correct_implementations_pass_with_edge_cases_first(name, capsys):
    cases = CHECKS[name].cases(np.random.default_rng(0))
    assert len(cases) >= 5
    assert getattr(helpers.grading, f"check_{name}")(REFERENCE[name]) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name, fn",
    [
        ("embed", embed_one_hot),
        ("embed_backward", embed_backward_loop),
        ("attention", attention_loops),
    ],
)
def test_other_correct_styles_pass(name, fn):
    getattr(helpers.grading, f"check_{name}")(fn, seed=7)


def test_edge_cases_come_first():
    labels = [case.label for case in CHECKS["birnn_forward"].cases(np.random.default_rng(0))]
    assert labels[0].startswith("one time step (T = 1)")
    assert any("N = 1" in label for label in labels[:3]) and any("H = 1" in label for label in labels[:3])
    assert any("padded" in label for label in labels)


# --------------------------------------------------------------------------- mistakes the checks must catch


def test_repeated_words_not_accumulated_is_named():
    fails("embed_backward", embed_backward_overwrites, "repeated words are not accumulated", "np.add.at")


def test_a_column_lookup_is_named():
    fails("embed", lambda ids, E: E.T[:, ids], "column lookup")


def test_backward_direction_reversed_over_the_padding_is_named():
    fails("birnn_forward", birnn_forward_whole_reversal, "reversed over the whole padded sequence", "own length")
    fails("birnn_backward", birnn_backward_from(whole_reversal=True), "reversed over the whole padded sequence")


def test_padded_states_left_nonzero_are_named():
    fails("birnn_forward", birnn_forward_unmasked, "padded positions are not 0")


def test_adding_the_two_directions_fails_on_the_shape():
    def added(x, mask, *weights):
        both = birnn_forward_loops(x, mask, *weights)
        return both[..., : weights[1].shape[0]] + both[..., weights[1].shape[0] :]

    fails("birnn_forward", added, "shape")


def test_loss_averaged_over_padding_is_named():
    fails("sequence_loss", sequence_loss_from(over_every_position=True), "padding included", "mask.sum()")


def test_decoding_that_never_reads_its_previous_choice_is_named():
    fails("greedy_decode", greedy_decode_from(feed_back=False), "reads the start symbol", "step before")


def test_teacher_forcing_that_reads_the_answer_is_named():
    fails("teacher_forced_logits", teacher_forced_from(shift=False), "reads target t", "shift the targets right")


def test_teacher_forcing_that_reads_its_own_choices_is_named():
    fails("teacher_forced_logits", teacher_forced_from(own_choices=True), "own previous choice", "greedy decoding")


def test_attention_softmax_over_the_wrong_axis_is_named():
    fails("attention", attention_from(axis=1), "wrong axis", "INPUT positions")


def test_attention_padding_not_masked_is_named():
    fails("attention", attention_from(masked=False), "padding is not masked", "-inf")
    fails("attention_backward", attention_backward_from(masked=False), "padding is not masked")


def test_attention_without_the_scale_is_named():
    fails("attention", attention_from(scaled=False), "sqrt(d)")


def test_softmax_backward_without_its_second_term_is_named():
    fails("attention_backward", attention_backward_from(second_term=False), "second term")


def test_calling_the_reference_is_caught():
    fails("attention", lambda q, K, V, mask: helpers.seq2seq.attention(q, K, V, mask), "the reference")


# --------------------------------------------------------------------------- the training check


def _student_ops(**changes):
    functions = dict(
        embed=embed_rows,
        embed_backward=embed_backward_add_at,
        sequence_loss=sequence_loss_from(),
        attention=attention_from(),
        attention_backward=attention_backward_from(),
    )
    functions.update(changes)
    return translator.ops(**functions)


@pytest.fixture(scope="module")
def data():
    return helpers.dates.date_dataset(n_train=4000, n_test=1000, seed=0)


def test_training_with_honest_functions_passes_the_floor(data):
    ops = _student_ops()

    def train_date_model(seed=0, use_attention=True):
        return tuple(translator.train(data, use_attention, seed=seed, ops=ops)[0].values())

    helpers.grading.check_date_translator_trains(train_date_model)


def test_training_that_returns_the_wrong_thing_is_told_so():
    fails("date_translator_trains", lambda seed=0: {"E_in": 1}, "returns the tuple")


def test_an_untrained_model_is_below_the_floor():
    fails(
        "date_translator_trains",
        lambda seed=0, use_attention=True: tuple(translator.init_params(seed, True).values()),
        "below the floor",
    )


def test_the_training_floor_has_a_wide_margin():
    # Measured (helpers/grading/w10/training.py): with attention 90.5-96.7% over 20 seeds (reference
    # functions) and 87.5-96.7% over 20 more (one-hot lookup, looped scatter-add, einsum attention).
    assert helpers.grading.w10.TRAINING_MIN_ACCURACY <= 0.6
