"""Expected autograded scores of week 11's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (28: 7 for the word vectors, 21 for the Transformer).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial:
  negative_sampling_loss adds the gradients with fancy-index assignment (dV[centers] += …). Its visible test
  uses the same pair twice (centre 0 repeated): numpy writes row 0 once, so dV[0] is half the expected value and
  the assertion on dV fails: test_negative_sampling_loss 0. The read-only train_word_vectors first compares the
  loss with the training loop's on a batch with a repeated centre, raises ValueError before training, so
  test_word_vectors 0. sampling_distribution and keep_probability are the reference: 1 + 1.
  block_parameter_count multiplies the attention's 4D² by the number of heads. Its visible test passes the
  first assertion (heads = 1) and fails the second (4·2·16 ≠ 4·16 for heads = 2): test_block_parameter_count 0.
  multi_head_attention_backward is left as released (NotImplementedError): 0; the training cell's
  train_with_losses calls it at the first step and raises: test_reverser 0.
  Everything else is the reference: 1 + 1 (word vectors) + 2 + 3 + 2 + 1 + 2 + 2 + 2 = 16.
- norm_over_batch: keep_probability is inverted, min(1, √(f / t)). Its visible case (counts 9900, 50, 30, 20,
  t = 0.0099) gives 1, 0.71, 0.55, 0.45 instead of 0.1, 1, 1, 1: test_keep_probability 0. On the planted corpus
  every word's share is above t = 1e-3, so the inverted formula keeps every word (probability 1): training runs
  without subsampling, slower (5-7 s instead of under 1 s at load average 9) but as well, 100% analogies and
  neighbours on seeds 0, 1, 2 (measured): test_word_vectors 2, graded by what the vectors know.
  negative_sampling_loss and sampling_distribution are the reference: 3 + 1.
  layer_norm and layer_norm_backward take their statistics over axis 0 (week 9's batch norm).
  test_layer_norm: its visible case is a batch of one, [[1, 3]]: x − mean over the batch is 0, so the sample
  returns β = [0, 10], not [−1/s, 10 + 2/s]: 0.
  test_layer_norm_backward: the visible case is a batch of one, x (1, 3, 5): the sample's forward is the
  constant β there and its backward gives dx = 0, dγ = 0 (x̂ = 0), dβ = Σ dout, which agree with the central
  differences of that forward, so the visible cell passes; the hidden check's first case is a batch of one,
  where the reference's dx is not 0: 0.
  test_transformer_block: the visible test builds its expected value with the sample's own layer_norm and a
  zero feed-forward, so it passes; the hidden check's first case (N = 1, T = 1) compares with the reference
  block, whose layer norm of one position is not β: 0.
  test_reverser: the model trains with a layer norm over the 32 sequences of each mini-batch and is scored by
  greedy decoding, one token at a time on the 1000 test strings at once; the features each position sees are
  its deviation from the batch, never its own code, and the loss stays near 1.5 (measured: 0.0% of the strings
  reversed on seeds 0, 1 and 2, with the sample's functions and with the reference ones the hidden check uses):
  the visible assertion (≥ 50%) fails: 0.
  Masked attention, its backward, multi-head attention and its backward, the count and the positional encoding
  are the reference: 2 + 3 + 2 + 3 + 1 + 1 = 12; with the word vectors' 3 + 1 + 2 = 6, 18.
"""

FULL = {
    "test_negative_sampling_loss": 3,
    "test_sampling_distribution": 1,
    "test_keep_probability": 1,
    "test_word_vectors": 2,
    "test_masked_attention": 2,
    "test_masked_attention_backward": 3,
    "test_multi_head_attention": 2,
    "test_multi_head_attention_backward": 3,
    "test_block_parameter_count": 1,
    "test_positional_encoding": 1,
    "test_layer_norm": 2,
    "test_layer_norm_backward": 2,
    "test_transformer_block": 2,
    "test_reverser": 3,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_negative_sampling_loss": 0,
        "test_word_vectors": 0,
        "test_block_parameter_count": 0,
        "test_multi_head_attention_backward": 0,
        "test_reverser": 0,
    },
    "norm_over_batch": {
        **FULL,
        "test_keep_probability": 0,
        "test_layer_norm": 0,
        "test_layer_norm_backward": 0,
        "test_transformer_block": 0,
        "test_reverser": 0,
    },
}
