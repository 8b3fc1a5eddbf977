"""Expected autograded scores of week 10's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (21).
- blank: every function raises NotImplementedError, so every test cell errors: 0.
- partial:
  embed and embed_backward are the reference: 1 + 2.
  birnn_forward reverses the whole padded array (x[:, ::-1]): in the visible test (x = 1, 2, then the
  padding 7; L = 2) its backward direction starts at the 7, so g at the last real character is
  tanh(2 + tanh 7), not tanh 2: test_birnn_forward 0.
  birnn_backward is the reference, but its visible test compares it with central differences of the
  sample's birnn_forward, whose real states read the padding of the second sequence: the numerical dx is
  not 0 at those padded positions, the correct backward's is: test_birnn_backward 0.
  sequence_loss is not attempted (NotImplementedError): 0, and the training cell, which calls it: 0.
  teacher_forced_logits, greedy_decode, attention and attention_backward are the reference: 2 + 2 + 2 + 3.
  Total 1 + 2 + 2 + 2 + 2 + 3 = 12.
- wrong_axis: the attention softmax runs over the queries (axis 1). In the visible test (Tq = 1, one padded
  position) the masked score is −inf − (−inf) = NaN and the real weights are 1: test_attention 0.
  attention_backward is the reference but recomputes the weights with the sample's attention: NaN at the
  padded positions of the visible test's second sequence, so it disagrees with the central differences:
  test_attention_backward 0. The training cell calls the sample's attention on padded batches: the NaN
  reaches the gradients and clip_by_norm raises: test_date_translator 0. Everything else
  (teacher_forced_logits and greedy_decode included: they do not attend) is the reference:
  21 − 2 − 3 − 3 = 13.
"""

FULL = {
    "test_embed": 1,
    "test_embed_backward": 2,
    "test_birnn_forward": 2,
    "test_birnn_backward": 2,
    "test_sequence_loss": 2,
    "test_teacher_forced_logits": 2,
    "test_greedy_decode": 2,
    "test_attention": 2,
    "test_attention_backward": 3,
    "test_date_translator": 3,
}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {
        **FULL,
        "test_birnn_forward": 0,
        "test_birnn_backward": 0,
        "test_sequence_loss": 0,
        "test_date_translator": 0,
    },
    "wrong_axis": {**FULL, "test_attention": 0, "test_attention_backward": 0, "test_date_translator": 0},
}
