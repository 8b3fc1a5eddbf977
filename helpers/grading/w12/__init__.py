"""Week 12 checks: depthwise and pointwise convolutions and their costs, the dilated causal convolution and its
receptive field, skip connections (a residual block, a dense block's channels), normalization over other axes
(batch, layer and instance norm of images, and which of them work on a batch of one), and shrinking a network
(magnitude pruning, affine quantization, the distillation loss).

One module per topic, each holding its checks' cases, references, hints and ``register(Check(...))`` calls.
They share ``diagnosis.verify_with_mistakes``: when an answer is wrong, it
computes what each known mistake would have returned on the same case and names the one that matches.
"""

from . import causal, convolutions, normalization, shrinking, skip  # noqa: F401  (registers)
