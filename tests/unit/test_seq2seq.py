"""helpers.seq2seq: embeddings, the bidirectional RNN over padded sequences, the sequence loss and attention,
against the plain-numpy references and central differences; helpers.dates and helpers.translator."""

import numpy as np
import pytest

from helpers import dates, seq2seq, translator
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(10)


def padded_mask(lengths):
    t = max(lengths)
    return (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.float64)


def birnn_arrays(lengths, d=3, h=4, dtype=np.float64, rng=RNG):
    mask = padded_mask(lengths)
    x = rng.normal(size=mask.shape + (d,))
    weights = [rng.normal(size=(d, h)) * 0.6, rng.normal(size=(h, h)) * 0.4, rng.normal(size=h) * 0.2] * 2
    weights = [rng.normal(size=w.shape) * 0.5 for w in weights]
    return x.astype(dtype), mask, [w.astype(dtype) for w in weights]


def attention_arrays(lengths, tq=3, d=4, dv=2, rng=RNG):
    mask = padded_mask(lengths)
    n, s = mask.shape
    return rng.normal(size=(n, tq, d)), rng.normal(size=(n, s, d)), rng.normal(size=(n, s, dv)), mask


# --------------------------------------------------------------------------- embeddings


def test_embed_is_a_one_hot_product_and_keeps_the_shape_of_ids():
    E = RNG.normal(size=(7, 3))
    ids = RNG.integers(0, 7, size=(4, 5))
    ref.assert_close(seq2seq.embed(ids, E), ref.embed(ids, E))
    assert seq2seq.embed(np.array([2, 2]), E).shape == (2, 3)


def test_embed_backward_adds_repeated_ids_and_matches_numerical_gradient():
    E = RNG.normal(size=(5, 2))
    ids = np.array([[1, 3, 1], [1, 0, 4]])
    dout = RNG.normal(size=(2, 3, 2))
    dE = seq2seq.embed_backward(dout, ids, 5)
    ref.assert_close(dE, ref.embed_backward(dout, ids, 5))
    ref.assert_close(dE[1], dout[0, 0] + dout[0, 2] + dout[1, 0])
    num = ref.numeric_grads(lambda: ref.embed(ids, E), {"dE": E}, dout)["dE"]
    assert rel_error(dE, num) <= 1e-8


def test_embed_rejects_bad_ids():
    with pytest.raises(ValueError, match="embed: id 9 is outside the vocabulary of 4 rows"):
        seq2seq.embed(np.array([[9]]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="ids must be integers"):
        seq2seq.embed(np.array([0.5]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="embed_backward: dout has shape"):
        seq2seq.embed_backward(np.zeros((2, 3)), np.array([[0, 1]]), 4)


# --------------------------------------------------------------------------- bidirectional RNN


@pytest.mark.parametrize("lengths", [[1], [1, 1, 1], [5, 2, 1, 4], [3, 3], [6]])
def test_birnn_forward_matches_the_per_sequence_loops(lengths):
    x, mask, weights = birnn_arrays(lengths)
    h = seq2seq.birnn_forward(x, mask, *weights)
    assert h.shape == mask.shape + (8,)
    ref.assert_close(h, ref.birnn_forward(x, mask, *weights))
    assert np.all(h[mask == 0] == 0)


def test_birnn_padding_never_reaches_a_real_state():
    x, mask, weights = birnn_arrays([4, 2])
    other = x.copy()
    other[mask == 0] = 100.0
    ref.assert_close(seq2seq.birnn_forward(other, mask, *weights), seq2seq.birnn_forward(x, mask, *weights))


@pytest.mark.parametrize("lengths", [[1, 1], [4, 2, 3], [5]])
def test_birnn_backward_matches_numerical_gradient(lengths):
    x, mask, weights = birnn_arrays(lengths)
    dh = RNG.normal(size=mask.shape + (8,))
    grads = seq2seq.birnn_backward(dh, x, mask, *weights)
    names = ("dx", "dWf_in", "dWf", "dbf", "dWb_in", "dWb", "dbb")
    num = ref.numeric_grads(lambda: ref.birnn_forward(x, mask, *weights), dict(zip(names, [x] + weights)), dh)
    for name, got in zip(names, grads):
        assert rel_error(got, num[name]) <= 1e-7, name


def test_birnn_float32_and_inputs_unchanged():
    x, mask, weights = birnn_arrays([3, 1], dtype=np.float32)
    before = ref.snapshot(x, mask, *weights)
    h = seq2seq.birnn_forward(x, mask, *weights)
    ref.close_float32(h, ref.birnn_forward(x.astype(np.float64), mask, *[w.astype(np.float64) for w in weights]))
    ref.assert_unchanged(before, [x, mask, *weights])


def test_birnn_rejects_a_mask_with_holes_and_wrong_shapes():
    x, mask, weights = birnn_arrays([3, 2])
    with pytest.raises(ValueError, match="real tokens first"):
        seq2seq.birnn_forward(x, np.array([[1, 0, 1], [1, 1, 0]]), *weights)
    with pytest.raises(ValueError, match="Wb has shape"):
        seq2seq.birnn_forward(x, mask, *weights[:4], np.zeros((2, 2)), weights[5])


def test_reverse_within_lengths_is_its_own_inverse():
    mask = padded_mask([4, 1, 3])
    rev = seq2seq.reverse_within_lengths(mask)
    assert rev.tolist() == [[3, 2, 1, 0], [0, 1, 2, 3], [2, 1, 0, 3]]
    rows = np.arange(3)[:, None]
    assert np.array_equal(rev[rows, rev], np.tile(np.arange(4), (3, 1)))


# --------------------------------------------------------------------------- the sequence loss


def test_sequence_loss_counts_real_tokens_only():
    logits = RNG.normal(size=(3, 4, 5)) * 3
    targets = RNG.integers(0, 5, size=(3, 4))
    mask = padded_mask([4, 1, 2])
    loss, dlogits = seq2seq.sequence_loss(logits, targets, mask)
    assert abs(loss - ref.sequence_loss(logits, targets, mask)) <= 1e-12
    num = ref.numeric_grads(lambda: np.array(ref.sequence_loss(logits, targets, mask)), {"d": logits}, 1.0)["d"]
    assert rel_error(dlogits, num) <= 1e-5  # tiny entries: a central difference is only so good
    assert np.all(dlogits[mask == 0] == 0)


def test_sequence_loss_is_stable_for_large_logits():
    loss, dlogits = seq2seq.sequence_loss(np.array([[[1000.0, -1000.0]]]), np.array([[1]]), np.ones((1, 1)))
    assert loss == pytest.approx(2000.0) and np.all(np.isfinite(dlogits))


# --------------------------------------------------------------------------- attention


@pytest.mark.parametrize("lengths", [[1], [4, 2, 1], [3, 5]])
def test_attention_matches_the_per_query_loops(lengths):
    q, K, V, mask = attention_arrays(lengths)
    context, weights = seq2seq.attention(q, K, V, mask)
    want_context, want_weights = ref.attention(q, K, V, mask)
    ref.assert_close(context, want_context)
    ref.assert_close(weights, want_weights)
    assert np.allclose(weights.sum(axis=2), 1.0) and np.all(
        weights[np.broadcast_to(mask[:, None] == 0, weights.shape)] == 0
    )


@pytest.mark.parametrize("lengths", [[1, 1], [4, 2, 1], [5]])
def test_attention_backward_matches_numerical_gradient(lengths):
    q, K, V, mask = attention_arrays(lengths)
    dcontext = RNG.normal(size=(q.shape[0], q.shape[1], V.shape[2]))
    grads = seq2seq.attention_backward(dcontext, q, K, V, mask)
    num = ref.numeric_grads(lambda: ref.attention(q, K, V, mask)[0], {"dq": q, "dK": K, "dV": V}, dcontext)
    for name, got in zip(("dq", "dK", "dV"), grads):
        assert rel_error(got, num[name]) <= 1e-7, name


def test_attention_rejects_mismatched_shapes_and_empty_rows():
    q, K, V, mask = attention_arrays([2, 3])
    with pytest.raises(ValueError, match="attention: V has shape"):
        seq2seq.attention(q, K, V[:, :2], mask)
    with pytest.raises(ValueError, match="at least one real token"):
        seq2seq.attention(q, K, V, np.zeros_like(mask))


# --------------------------------------------------------------------------- the dates and the translator


def test_dates_are_reproducible_and_iso():
    assert dates.make_dates(5, seed=3) == dates.make_dates(5, seed=3)
    for _text, iso in dates.make_dates(200, seed=1):
        assert len(iso) == 10 and iso[4] == iso[7] == "-"
    import datetime

    day = datetime.date(2026, 12, 25)
    assert dates.write_date(day, "25th of December 2026") == "25th of December 2026"
    assert dates.write_date(day, "dec 25 26") == "dec 25 26"
    assert dates.write_date(day, "Friday, 25/12/2026") == "Friday, 25/12/2026"
    assert len(dates.FORMATS) >= 24 and set(dates.HELD_OUT_FORMATS) <= set(dates.FORMATS)


def test_translator_gradients_match_numerical_ones():
    data = dates.date_dataset(n_train=3, n_test=1, seed=0)
    params = translator.init_params(0, True, embedding=2, hidden=2)
    ids, mask = translator.trim(data["train_ids"], data["train_mask"])
    args = (ids, mask, data["train_inputs"], data["train_targets"])
    _, grads = translator.loss_and_grads(params, *args)
    for name in ("W_out", "Wd", "W_init", "Wf", "Wb_in", "E_out"):
        num = ref.numeric_grads(
            lambda: np.array(translator.loss_and_grads(params, *args)[0]), {name: params[name]}, 1.0
        )
        assert rel_error(grads[name], num[name]) <= 1e-6, name


def test_digit_copy_data_and_masked_targets():
    data = translator.digit_copy_dataset(n_train=4, n_test=3, shortest=2, longest=5, seed=1)
    assert data["train_targets"].shape == (4, 5) and np.array_equal(data["train_target_mask"], data["train_mask"])
    for text, row, real in zip(data["train_texts"], data["train_targets"], data["train_target_mask"]):
        assert "".join(dates.OUTPUT_CHARS[i] for i in row[: int(real.sum())]) == text
    params = translator.init_params(0, False, embedding=2, hidden=2)
    ids, mask = translator.trim(data["train_ids"], data["train_mask"])
    args = (ids, mask, data["train_inputs"], data["train_targets"])
    _, grads = translator.loss_and_grads(params, *args, target_mask=data["train_target_mask"])
    num = ref.numeric_grads(
        lambda: np.array(translator.loss_and_grads(params, *args, target_mask=data["train_target_mask"])[0]),
        {"W_out": params["W_out"]},
        1.0,
    )
    assert rel_error(grads["W_out"], num["W_out"]) <= 1e-6


def test_greedy_decode_is_the_translators_decoder_without_attention():
    data = dates.date_dataset(n_train=2, n_test=5, seed=2)
    params = translator.init_params(3, False)
    ids, mask = data["test_ids"], data["test_mask"]
    _, s0, _, _ = translator.encode(params, ids, mask)
    names = ("E_out", "Wd_in", "Wd", "bd", "W_out", "b_out")
    got = seq2seq.greedy_decode(s0, *(params[name] for name in names), dates.OUTPUT_LENGTH)
    assert np.array_equal(got, translator.greedy_decode(params, ids, mask)[0])
    with pytest.raises(ValueError, match="steps must be >= 1"):
        seq2seq.greedy_decode(s0, *(params[name] for name in names), 0)


def decoder_arrays(n=3, t=4, k=5, de=2, hd=3, rng=RNG):
    return (
        rng.integers(0, k, size=(n, t)),
        np.tanh(rng.normal(size=(n, hd))),
        rng.normal(size=(k, de)),
        rng.normal(size=(de, hd)),
        rng.normal(size=(hd, hd)) * 0.5,
        rng.normal(size=hd) * 0.2,
        rng.normal(size=(hd, k)),
        rng.normal(size=k) * 0.2,
    )


@pytest.mark.parametrize("sizes", [dict(t=1), dict(n=1), dict(hd=1), dict(n=4, t=7, k=12, de=8, hd=6)])
def test_teacher_forced_logits_match_the_step_by_step_reference(sizes):
    args = decoder_arrays(**sizes)
    got = seq2seq.teacher_forced_logits(*args)
    assert got.shape == args[0].shape + (args[2].shape[0],)
    assert rel_error(got, ref.teacher_forced_logits(*args)) <= 1e-10


def test_teacher_forcing_on_the_models_own_choices_is_greedy_decoding():
    # When the "correct" characters are the ones the model chose, the two decoders take the same steps.
    targets, s0, *weights = decoder_arrays(n=4, t=6, k=5, de=3, hd=4)
    chosen = seq2seq.greedy_decode(s0, *weights, 6)
    logits = seq2seq.teacher_forced_logits(chosen, s0, *weights)
    assert np.array_equal(np.argmax(logits, axis=2), chosen)


def test_teacher_forced_logits_name_bad_targets():
    targets, s0, *weights = decoder_arrays()
    with pytest.raises(ValueError, match="targets must be"):
        seq2seq.teacher_forced_logits(targets[:2], s0, *weights)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        seq2seq.teacher_forced_logits(targets + 5, s0, *weights)
