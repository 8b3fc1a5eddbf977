"""helpers.transformer: masked attention, multi-head attention, positional encoding, layer norm and the block,
against the plain-numpy references and central differences; and helpers.reverser, the model trained on them."""

import numpy as np
import pytest

from helpers import reverser, transformer
from helpers.gradcheck import rel_error
from tests.unit import plain_numpy as ref

RNG = np.random.default_rng(11)


def masks(n, t, lengths=None):
    mask = transformer.causal_mask(t, n)
    if lengths is not None:
        real = (np.arange(t)[None, :] < np.array(lengths)[:, None]).astype(np.float64)
        mask = mask * transformer.padding_mask(real)
    return mask


# --------------------------------------------------------------------------- masked attention


@pytest.mark.parametrize(
    "mask",
    [masks(1, 1), masks(2, 4), masks(3, 5, [5, 2, 3]), transformer.padding_mask(np.array([[1.0, 1, 0], [1, 1, 1]]))],
    ids=["T=1", "causal", "causal+padding", "padding"],
)
def test_masked_attention_matches_the_per_query_loops_and_zeroes_masked_pairs(mask):
    n, tq, s = mask.shape
    Q, K, V = RNG.normal(size=(n, tq, 3)), RNG.normal(size=(n, s, 3)), RNG.normal(size=(n, s, 2))
    before = ref.snapshot(Q, K, V, mask)
    out, weights = transformer.masked_attention(Q, K, V, mask)
    want_out, want_weights = ref.masked_attention(Q, K, V, mask)
    ref.assert_close(out, want_out)
    ref.assert_close(weights, want_weights)
    assert np.all(weights[mask == 0] == 0.0)
    ref.assert_close(weights.sum(axis=2), np.ones((n, tq)))
    ref.assert_unchanged(before, [Q, K, V, mask])


def test_masked_attention_backward_matches_numerical_gradients_and_masked_keys_get_nothing():
    mask = masks(2, 5, [5, 3])
    Q, K, V, dout = (
        RNG.normal(size=(2, 5, 4)),
        RNG.normal(size=(2, 5, 4)),
        RNG.normal(size=(2, 5, 2)),
        RNG.normal(size=(2, 5, 2)),
    )
    dQ, dK, dV = transformer.masked_attention_backward(dout, Q, K, V, mask)
    num = ref.numeric_grads(lambda: ref.masked_attention(Q, K, V, mask)[0], {"dQ": Q, "dK": K, "dV": V}, dout)
    for name, got in (("dQ", dQ), ("dK", dK), ("dV", dV)):
        assert rel_error(got, num[name]) <= 1e-8, name
    assert np.all(dK[1, 3:] == 0) and np.all(dV[1, 3:] == 0)


def test_attention_scale_keeps_the_score_variance_near_one():
    q, k = RNG.normal(size=(20000, 1, 64)), RNG.normal(size=(20000, 1, 64))
    scores = (q @ k.transpose(0, 2, 1))[:, 0, 0]
    assert 50 < scores.var() < 80 and 0.8 < (scores / 8).var() < 1.25


def test_masked_attention_float32_and_errors():
    mask = masks(2, 3)
    Q, K, V = (RNG.normal(size=(2, 3, 2)) for _ in range(3))
    out32, _ = transformer.masked_attention(Q.astype(np.float32), K.astype(np.float32), V.astype(np.float32), mask)
    ref.close_float32(out32, transformer.masked_attention(Q, K, V, mask)[0])
    with pytest.raises(ValueError, match="masked_attention: mask has shape"):
        transformer.masked_attention(Q, K, V, np.ones((2, 3)))
    with pytest.raises(ValueError, match="a query may look at no key"):
        transformer.masked_attention(Q, K, V, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="masked_attention: K has shape"):
        transformer.masked_attention(Q, K[..., :1], V, mask)
    with pytest.raises(ValueError, match="masked_attention_backward: dout has shape"):
        transformer.masked_attention_backward(np.zeros((2, 3, 5)), Q, K, V, mask)


# --------------------------------------------------------------------------- multi-head attention


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_multi_head_attention_matches_head_by_head_slices_and_numerical_gradients(heads):
    x = RNG.normal(size=(2, 4, 4))
    W = [RNG.normal(size=(4, 4)) * 0.5 for _ in range(4)]
    mask, dout = masks(2, 4, [4, 2]), RNG.normal(size=(2, 4, 4))
    out, weights = transformer.multi_head_attention(x, mask, *W, heads)
    want_out, want_weights = ref.multi_head_attention(x, mask, *W, heads)
    ref.assert_close(out, want_out)
    ref.assert_close(weights, want_weights)
    grads = transformer.multi_head_attention_backward(dout, x, mask, *W, heads)
    arrays = dict(zip(("dx", "dWq", "dWk", "dWv", "dWo"), [x] + W))
    num = ref.numeric_grads(lambda: ref.multi_head_attention(x, mask, *W, heads)[0], arrays, dout)
    for name, got in zip(arrays, grads):
        assert rel_error(got, num[name]) <= 1e-7, name


def test_split_and_merge_heads_are_inverse_and_slice_columns():
    x = RNG.normal(size=(2, 3, 6))
    heads = transformer.split_heads(x, 3)
    assert heads.shape == (6, 3, 2)
    ref.assert_close(heads[1], x[0][:, 2:4])  # sequence 0, head 1: columns 2..3
    ref.assert_close(transformer.merge_heads(heads, 3), x)


def test_multi_head_attention_rejects_bad_heads_and_weights():
    x, W = np.zeros((1, 2, 4)), [np.eye(4)] * 4
    with pytest.raises(ValueError, match="not a multiple of heads = 3"):
        transformer.multi_head_attention(x, masks(1, 2), *W, 3)
    with pytest.raises(ValueError, match="Wo has shape"):
        transformer.multi_head_attention(x, masks(1, 2), *W[:3], np.eye(3), 2)
    with pytest.raises(ValueError, match="heads must be ≥ 1"):
        transformer.multi_head_attention(x, masks(1, 2), *W, 0)


# --------------------------------------------------------------------------- positional encoding and layer norm


@pytest.mark.parametrize("T, D", [(1, 1), (4, 5), (30, 16)])
def test_positional_encoding_matches_the_entrywise_formula(T, D):
    ref.assert_close(transformer.positional_encoding(T, D), ref.positional_encoding(T, D))


def test_positional_encoding_of_a_shift_is_a_fixed_linear_map():
    pe = transformer.positional_encoding(40, 8)
    A, *_ = np.linalg.lstsq(pe[:30], pe[3:33], rcond=None)  # PE[t + 3] = PE[t] A for every t
    ref.assert_close(pe[30:37] @ A, pe[33:40], rtol=1e-8)


@pytest.mark.parametrize("shape", [(1, 5), (4, 3), (2, 3, 4)])
def test_layer_norm_forward_and_backward(shape):
    x, dout = RNG.normal(size=shape) * 3 + 1, RNG.normal(size=shape)
    gamma, beta = RNG.normal(size=shape[-1]), RNG.normal(size=shape[-1])
    before = ref.snapshot(x, gamma, beta)
    ref.assert_close(transformer.layer_norm(x, gamma, beta), ref.layer_norm(x, gamma, beta))
    grads = transformer.layer_norm_backward(dout, x, gamma, beta)
    arrays = {"dx": x, "dgamma": gamma, "dbeta": beta}
    num = ref.numeric_grads(lambda: ref.layer_norm(x, gamma, beta), arrays, dout)
    for name, got in zip(arrays, grads):
        assert rel_error(got, num[name]) <= 1e-7, name
    ref.assert_unchanged(before, [x, gamma, beta])


def test_layer_norm_keeps_a_batch_of_one_where_batch_norm_loses_it():
    from helpers import norm

    x = np.array([[2.0, -1.0, 0.5, 4.0]])
    ones, zeros = np.ones(4), np.zeros(4)
    assert np.allclose(norm.batchnorm_forward(x, ones, zeros)[0], 0.0)
    out = transformer.layer_norm(x, ones, zeros)
    assert abs(out.mean()) < 1e-12 and abs(out.std() - 1) < 1e-5


def test_layer_norm_errors_name_the_argument():
    with pytest.raises(ValueError, match="layer_norm: gamma has shape"):
        transformer.layer_norm(np.zeros((2, 3)), np.ones(4), np.zeros(3))
    with pytest.raises(ValueError, match="layer_norm_backward: dout has shape"):
        transformer.layer_norm_backward(np.zeros((2, 2)), np.zeros((2, 3)), np.ones(3), np.zeros(3))


# --------------------------------------------------------------------------- the block and the model


def test_block_matches_the_plain_numpy_block_and_its_parameter_count():
    D, F, h = 6, 12, 3
    args = [RNG.normal(size=(2, 4, D)), masks(2, 4)] + [RNG.normal(size=(D, D)) * 0.4 for _ in range(4)]
    args += [RNG.normal(size=D), RNG.normal(size=D), RNG.normal(size=(D, F)), RNG.normal(size=F)]
    args += [RNG.normal(size=(F, D)), RNG.normal(size=D), RNG.normal(size=D), RNG.normal(size=D), h]
    ref.assert_close(transformer.transformer_block(*args), ref.transformer_block(*args))
    learned = sum(np.size(a) for a in args[2:-1])
    assert transformer.block_parameter_count(D, h, F) == learned
    assert transformer.block_parameter_count(512, 8, 2048) == 3_150_336


def test_the_reverser_gradient_matches_central_differences():
    params = reverser.init_params(0, d_model=8, heads=2, d_ff=8, layers=2)
    tokens = reverser.make_sequences(3, np.random.default_rng(0), length=3)
    _, grads = reverser.loss_and_grads(params, tokens, heads=2)
    from helpers.gradcheck import numerical_gradient

    for name in ("E", "Wq0", "Wk1", "g11", "W20", "gf", "W_out"):
        num = numerical_gradient(lambda _: reverser.loss_and_grads(params, tokens, heads=2)[0], params[name])
        assert rel_error(grads[name], num) <= 1e-6, name


def test_the_reverser_learns_and_a_model_without_positions_does_not():
    tests = reverser.test_sequences(300)
    params, losses = reverser.train(seed=3)
    assert losses[-1] < losses[0] / 20
    assert reverser.accuracy(params, tests) >= 0.9
    blind = reverser.ops(**{**vars(reverser.REFERENCE_OPS), "positional_encoding": lambda T, D: np.zeros((T, D))})
    params, _ = reverser.train(seed=3, steps=100, ops=blind)
    assert reverser.accuracy(params, tests, ops=blind) < 0.3


def test_feed_forward_backward_matches_numerical_gradients_and_rejects_bad_shapes():
    x, dout = RNG.normal(size=(2, 3, 4)), RNG.normal(size=(2, 3, 4))
    W1, b1, W2, b2 = RNG.normal(size=(4, 6)), RNG.normal(size=6), RNG.normal(size=(6, 4)), RNG.normal(size=4)
    grads = transformer.feed_forward_backward(dout, x, W1, b1, W2, b2)
    arrays = dict(zip(("dx", "dW1", "db1", "dW2", "db2"), (x, W1, b1, W2, b2)))
    num = ref.numeric_grads(lambda: np.maximum(x @ W1 + b1, 0) @ W2 + b2, arrays, dout)
    for name, got in zip(arrays, grads):
        assert rel_error(got, num[name]) <= 1e-7, name
    with pytest.raises(ValueError, match="feed_forward: W2 has shape"):
        transformer.feed_forward(x, W1, b1, W2.T, b2)
    with pytest.raises(ValueError, match="block_parameter_count: heads must be ≥ 1"):
        transformer.block_parameter_count(8, 0, 16)
