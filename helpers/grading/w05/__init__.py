"""Week 5 checks: a recurrent network forward, BPTT piece by piece, clipping, LSTM and GRU steps.

The network (batch-first, row vectors) is

    u_t = x_t W_in + z_{t-1} W + b,   z_t = f(u_t),   v_t = z_t W_out + c,

with x (N, T, D), z (N, T, H), W_in (D, H), W (H, H), b (H,), W_out (H, K), c (K,), z_0 = h0.
Every backward check uses the scalar E = Σ dh ⊙ z (or Σ dv ⊙ v for the output layer), so a
case's upstream gradient ``dh`` (N, T, H) is the gradient arriving at every hidden state.

One module per topic, each holding its checks' cases, references or verify functions, hints and
``register(Check(...))`` calls; ``networks`` holds the random networks and the central differences
that the forward and backward checks share.
"""

from ... import rnn
from . import backprop, cells, clipping, forward  # noqa: F401  (registers)

# Public constants of the week, at their former address helpers.grading.w05.<name>:
from .networks import ACTIVATIONS

RNN_FORWARD = rnn.rnn_forward
RNN_BACKWARD = rnn.rnn_backward

__all__ = ["ACTIVATIONS", "RNN_BACKWARD", "RNN_FORWARD"]
