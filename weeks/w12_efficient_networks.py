# %% [markdown]
# # Week 12 — Efficient networks
#
# The networks of weeks 4 to 10 were made to be *right*. This week is about making them **cheap** (fewer
# parameters, fewer multiply–adds, fewer bytes) and **deep** (gradients that still reach the first layer):
#
# 1. **depthwise-separable convolutions** (the idea behind MobileNet): split a convolution into a per-channel
#    filter and a 1×1 mix of the channels, count what it saves, and time both with our compiled kernels;
# 2. the **dilated causal convolution** (the idea behind WaveNet): a 1-D convolution that never looks into the
#    future and whose receptive field doubles with every layer;
# 3. **skip connections**: a residual block (ResNet) that keeps gradients alive through a deep stack, and the
#    channel count of a dense block (DenseNet);
# 4. **normalization over other axes**: batch, layer and instance norm as one formula over different axes, and
#    which of them still work on a batch of one;
# 5. **shrinking a trained network**: magnitude pruning, 8-bit (and fewer) quantization, and knowledge
#    distillation into a smaller network;
# 6. an explorer with a sparsity and a bits slider on a trained network.
#
# Conventions: batch-first, as in `helpers`. Images `x (N, C, H, W)`; sequences `x (N, C, T)` (channels first
# here, like images, so a 1-D convolution reads as week 4's 2-D one with one spatial axis); vectors are rows, so a
# layer is `x @ W`. "Convolution" is cross-correlation, as in week 4 and every library.
#
# Symbols that change meaning between weeks are listed in the [notation page](../NOTATION.md).

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import helpers
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)

# %% [markdown]
# ## 1. Depthwise-separable convolutions
#
# A standard convolution layer with $C$ input channels, $F$ filters of size $K \times K$ does two jobs at once:
# it looks at a **spatial** neighbourhood, and it **mixes the channels**. Every output channel $f$ sums over all
# $C$ input channels:
#
# $$\mathrm{out}[n, f, i, j] = b_f + \sum_{c=1}^{C} \sum_{p,q} w[f, c, p, q]\; x_{pad}[n, c, i s + p, j s + q].$$
#
# A **depthwise-separable** layer splits the two jobs:
#
# - a **depthwise** convolution: one $K \times K$ filter *per channel*, $w$ of shape $(C, K, K)$; channel $c$ of the
#   output reads channel $c$ of the input only, so there is **no sum over $c$**:
#   $\;\mathrm{out}[n, c, i, j] = b_c + \sum_{p,q} w[c, p, q]\, x_{pad}[n, c, i s + p, j s + q]$;
# - a **pointwise** (1×1) convolution, $w$ of shape $(F, C)$: at every pixel, a linear map of the channels,
#   $\;\mathrm{out}[n, f, i, j] = b_f + \sum_c w[f, c]\, x[n, c, i, j]$.
#
# ### Exercise 1 — the depthwise convolution (2 points)
#
# Write `depthwise_conv2d(x, w, b, stride, pad)` with `x (N, C, H, W)`, `w (C, HH, WW)`, `b (C,)`, returning
# `(N, C, H_out, W_out)` with week 4's $H_{out} = \lfloor (H + 2p - HH)/s \rfloor + 1$. One loop over the output
# positions is enough: each window `(N, C, HH, WW)` times `w[None]`, summed over the window's two axes only.

# %% solution="depthwise_conv2d"
def depthwise_conv2d(x, w, b, stride=1, pad=0):
    """out (N, C, H_out, W_out): channel c of x correlated with w[c], plus b[c]; channels never mixed."""
    ### BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    _, hh, ww = w.shape
    ho = (x.shape[2] + 2 * pad - hh) // stride + 1
    wo = (x.shape[3] + 2 * pad - ww) // stride + 1
    out = np.zeros((x.shape[0], x.shape[1], ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = xp[:, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
            out[:, :, i, j] = (window * w[None]).sum(axis=(2, 3)) + b
    return out
    ### END SOLUTION


# %% tests="test_depthwise_conv2d" points=2
x = np.arange(18.0).reshape(1, 2, 3, 3)                  # two channels: 0…8 and 9…17
w = np.array([[[1.0, 0.0], [0.0, 0.0]], [[0.0, 0.0], [0.0, -1.0]]])   # channel 0: top-left; channel 1: −bottom-right
out = depthwise_conv2d(x, w, np.array([0.5, 0.0]))
assert_close(out, [[[[0.5, 1.5], [3.5, 4.5]], [[-13.0, -14.0], [-16.0, -17.0]]]], name="depthwise_conv2d", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_depthwise_conv2d(depthwise_conv2d)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 — its backward (3 points)
#
# Given `dout = ∂L/∂out (N, C, H_out, W_out)`, return `(dx, dw, db)`. It is week 4's convolution backward with the
# channel sum taken out: over the same loop, `dw[c]` collects `dout[n, c, i, j]` times the window of channel `c`
# (summed over the batch), `dx_pad` gets `dout[n, c, i, j] · w[c]` added on each window, and the padding is cut off
# at the end; `db` is `dout` summed over everything but the channel.

# %% solution="depthwise_conv2d_backward"
def depthwise_conv2d_backward(dout, x, w, b, stride=1, pad=0):
    """(dx (N, C, H, W), dw (C, HH, WW), db (C,)) of depthwise_conv2d."""
    ### BEGIN SOLUTION
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    _, hh, ww = w.shape
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + hh), slice(j * stride, j * stride + ww)
            g = dout[:, :, i, j][:, :, None, None]
            dw += (g * xp[:, :, rows, cols]).sum(axis=0)
            dxp[:, :, rows, cols] += g * w[None]
    dx = dxp[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]
    return dx, dw, dout.sum(axis=(0, 2, 3))
    ### END SOLUTION


# %% tests="test_depthwise_conv2d_backward" points=3
rng = np.random.default_rng(0)
x, w, b = rng.normal(size=(2, 3, 5, 4)), rng.normal(size=(3, 3, 3)), rng.normal(size=3)
dout = rng.normal(size=(2, 3, 3, 2))                      # stride 2, pad 1: H_out = 3, W_out = 2
grads = depthwise_conv2d_backward(dout, x, w, b, stride=2, pad=1)
energy = lambda _: np.sum(dout * depthwise_conv2d(x, w, b, stride=2, pad=1))
for name, value, array in zip(["dx", "dw", "db"], grads, [x, w, b]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_depthwise_conv2d_backward(depthwise_conv2d_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — the pointwise convolution and its backward (2 points)
#
# A 1×1 convolution is a matrix product at every pixel: `np.einsum("fc,nchw->nfhw", w, x)` plus the bias. Its
# backward: $dx = \sum_f w[f, c]\, dout[n, f]$ at every pixel, $dw[f, c] = \sum_{n,i,j} dout[n, f, i, j]\, x[n, c, i, j]$,
# $db_f = \sum_{n,i,j} dout[n, f, i, j]$.

# %% solution="pointwise_conv2d"
def pointwise_conv2d(x, w, b):
    """out (N, F, H, W) = b[f] + Σ_c w[f, c] x[n, c]: x (N, C, H, W), w (F, C), b (F,)."""
    ### BEGIN SOLUTION
    return np.einsum("fc,nchw->nfhw", w, x) + b[None, :, None, None]
    ### END SOLUTION


def pointwise_conv2d_backward(dout, x, w, b):
    """(dx (N, C, H, W), dw (F, C), db (F,)) from dout (N, F, H, W)."""
    ### BEGIN SOLUTION
    return np.einsum("fc,nfhw->nchw", w, dout), np.einsum("nfhw,nchw->fc", dout, x), dout.sum(axis=(0, 2, 3))
    ### END SOLUTION


# %% tests="test_pointwise_conv2d" points=2
x = np.ones((1, 2, 1, 2))
assert_close(pointwise_conv2d(x, np.array([[1.0, 2.0]]), np.array([0.5])), [[[[3.5, 3.5]]]], name="pointwise_conv2d")
rng = np.random.default_rng(1)
x, w, b, dout = rng.normal(size=(2, 3, 2, 2)), rng.normal(size=(4, 3)), rng.normal(size=4), rng.normal(size=(2, 4, 2, 2))
energy = lambda _: np.sum(dout * pointwise_conv2d(x, w, b))
for name, value, array in zip(["dx", "dw", "db"], pointwise_conv2d_backward(dout, x, w, b), [x, w, b]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_pointwise_conv2d(pointwise_conv2d)
helpers.grading.check_pointwise_conv2d_backward(pointwise_conv2d_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### What it saves
#
# Count for a $K \times K$ layer from $C$ to $F$ channels with $P = H_{out} W_{out}$ output positions (biases
# included in the parameters, one per output channel of each layer):
#
# | | parameters | multiply–adds |
# |---|---|---|
# | standard | $F C K^2 + F$ | $P \cdot F C K^2$ |
# | depthwise-separable | $(C K^2 + C) + (F C + F)$ | $P \cdot C K^2 + P \cdot C F$ |
#
# The ratio of multiply–adds is $\frac{C K^2 + C F}{F C K^2} = \frac{1}{F} + \frac{1}{K^2}$: with $3 \times 3$
# filters and many channels, about 8 to 9 times fewer.
#
# ### Exercise 4 — the costs as formulas (2 points)
#
# Write `conv_costs(C, F, K, H_out, W_out)` returning the four integers
# `(params_standard, macs_standard, params_separable, macs_separable)`.

# %% solution="conv_costs"
def conv_costs(C, F, K, H_out, W_out):
    """(params_standard, macs_standard, params_separable, macs_separable) of a K×K layer from C to F channels."""
    ### BEGIN SOLUTION
    P = H_out * W_out
    return F * C * K * K + F, P * F * C * K * K, C * K * K + C + F * C + F, P * C * K * K + P * C * F
    ### END SOLUTION


# %% tests="test_conv_costs" points=2
assert conv_costs(1, 1, 1, 1, 1) == (2, 1, 4, 2), conv_costs(1, 1, 1, 1, 1)
ps, ms, pd, md = conv_costs(32, 64, 3, 56, 56)
print(f"standard {ps:,} parameters, {ms:,} multiply–adds; separable {pd:,}, {md:,}: {ms / md:.1f}× fewer")
assert abs(md / ms - (1 / 64 + 1 / 9)) < 1e-12
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_costs(conv_costs)
### END HIDDEN TESTS

# %% [markdown]
# ### Measured, with our compiled kernels
#
# Counting is one thing; time is another. `helpers.conv.conv2d` (week 4's im2col and a BLAS matrix product) and
# `helpers.efficient.depthwise_conv2d` (a direct loop per channel in numba) followed by
# `helpers.efficient.pointwise_conv2d` (one matrix product), on the same input; best of three runs each.

# %%
rng = np.random.default_rng(0)
N, C, F, K, H = 16, 64, 128, 3, 28
x = rng.normal(size=(N, C, H, H))
w_standard, b_standard = rng.normal(size=(F, C, K, K)), np.zeros(F)
w_depth, b_depth, w_point, b_point = rng.normal(size=(C, K, K)), np.zeros(C), rng.normal(size=(F, C)), np.zeros(F)


def best_of(run, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


standard = best_of(lambda: helpers.conv.conv2d(x, w_standard, b_standard, stride=1, pad=1))
separable = best_of(lambda: helpers.efficient.pointwise_conv2d(
    helpers.efficient.depthwise_conv2d(x, w_depth, b_depth, stride=1, pad=1), w_point, b_point))
_, macs_standard, _, macs_separable = conv_costs(C, F, K, H, H)
print(f"x {x.shape}, {K}×{K}, {C} → {F} channels")
print(f"standard:  {standard * 1000:6.1f} ms  ({macs_standard / 1e6:,.0f} M multiply–adds)")
print(f"separable: {separable * 1000:6.1f} ms  ({macs_separable / 1e6:,.0f} M multiply–adds)")
print(f"{macs_standard / macs_separable:.1f}× fewer multiply–adds, {standard / separable:.1f}× faster")

# %% [markdown]
# The separable layer is faster, but by far less than the count says. A matrix product of large blocks (the standard
# layer's im2col product, the pointwise layer) runs close to the processor's peak; a depthwise filter does only
# $K^2 = 9$ multiply–adds per output value, too little work per value read from memory to keep the arithmetic units
# busy. Counting multiply–adds is a good first guess of the cost, not a measurement: fast depthwise kernels are a
# craft of their own on every processor.
#
# ## 2. The dilated causal convolution
#
# For sequences, a 1-D convolution slides a filter along time. To generate audio one sample at a time (WaveNet), an
# output at time $t$ must not depend on any input after $t$: the convolution must be **causal**. Pad $(K-1)$ zeros
# on the **left** only, and the output keeps the input's length $T$. To see far back with few layers, **dilate** the
# filter: its $K$ taps are $d$ steps apart. With `x (N, C, T)`, `w (F, C, K)`, `b (F,)` and dilation $d$:
#
# $$\mathrm{out}[n, f, t] = b_f + \sum_{c} \sum_{k=0}^{K-1} w[f, c, k]\; x[n, c,\, t - (K-1-k)\, d], \qquad x[\cdot, \cdot, t'] = 0 \text{ for } t' < 0.$$
#
# The last tap, $k = K-1$, reads $x_t$ itself; tap 0 reads the oldest input, $(K-1) d$ steps back. In code: pad
# $(K-1)d$ zeros on the left, then `x_pad[:, :, k*d : k*d + T]` is what tap $k$ reads for all $T$ outputs at once.
#
# ### Exercise 5 — the causal convolution (2 points)

# %% solution="causal_conv1d"
def causal_conv1d(x, w, b, dilation=1):
    """out (N, F, T): x (N, C, T) left-padded by (K − 1)·dilation zeros, tap k reading x_pad[:, :, t + k·d]."""
    ### BEGIN SOLUTION
    K, T = w.shape[2], x.shape[2]
    xp = np.pad(x, ((0, 0), (0, 0), ((K - 1) * dilation, 0)))
    out = np.zeros((x.shape[0], w.shape[0], T)) + b[None, :, None]
    for k in range(K):
        out += np.einsum("fc,nct->nft", w[:, :, k], xp[:, :, k * dilation : k * dilation + T])
    return out
    ### END SOLUTION


# %% tests="test_causal_conv1d" points=2
x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0]]])             # N = C = 1, T = 5
w = np.array([[[10.0, 1.0]]])                           # F = 1, K = 2: out_t = 10·x_{t−d} + x_t
assert_close(causal_conv1d(x, w, np.zeros(1), dilation=2), [[[1.0, 2.0, 13.0, 24.0, 35.0]]],
             name="causal_conv1d, dilation 2", inputs=x)
# causality, by perturbation: changing the input from time 3 on must leave outputs 0, 1, 2 alone
rng = np.random.default_rng(2)
x, w, b = rng.normal(size=(2, 3, 9)), rng.normal(size=(4, 3, 3)), rng.normal(size=4)
later = x.copy()
later[:, :, 3:] += rng.normal(size=(2, 3, 6))
before, after = causal_conv1d(x, w, b, dilation=2), causal_conv1d(later, w, b, dilation=2)
assert_close(after[:, :, :3], before[:, :, :3], name="outputs before time 3 (they must not see the future)")
assert not np.allclose(after[:, :, 3], before[:, :, 3]), "output 3 should depend on input 3"
### BEGIN HIDDEN TESTS
helpers.grading.check_causal_conv1d(causal_conv1d)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 — its backward (3 points)
#
# With the same left-padded `x_pad`, tap $k$ is an ordinary product with the slice it read:
# `dw[:, :, k] = einsum("nft,nct->fc", dout, x_pad[:, :, k*d : k*d + T])`, and that slice's gradient gets
# `einsum("fc,nft->nct", w[:, :, k], dout)` added; cut the $(K-1)d$ padded steps off the left at the end.

# %% solution="causal_conv1d_backward"
def causal_conv1d_backward(dout, x, w, b, dilation=1):
    """(dx (N, C, T), dw (F, C, K), db (F,)) of causal_conv1d, from dout (N, F, T)."""
    ### BEGIN SOLUTION
    K, T = w.shape[2], x.shape[2]
    left = (K - 1) * dilation
    xp = np.pad(x, ((0, 0), (0, 0), (left, 0)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for k in range(K):
        window = slice(k * dilation, k * dilation + T)
        dw[:, :, k] = np.einsum("nft,nct->fc", dout, xp[:, :, window])
        dxp[:, :, window] += np.einsum("fc,nft->nct", w[:, :, k], dout)
    return dxp[:, :, left:], dw, dout.sum(axis=(0, 2))
    ### END SOLUTION


# %% tests="test_causal_conv1d_backward" points=3
rng = np.random.default_rng(3)
x, w, b, dout = rng.normal(size=(2, 3, 7)), rng.normal(size=(2, 3, 3)), rng.normal(size=2), rng.normal(size=(2, 2, 7))
energy = lambda _: np.sum(dout * causal_conv1d(x, w, b, dilation=2))
for name, value, array in zip(["dx", "dw", "db"], causal_conv1d_backward(dout, x, w, b, dilation=2), [x, w, b]):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_causal_conv1d_backward(causal_conv1d_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### How far back one output sees
#
# One output of one layer sees $1 + (K-1)d$ inputs. Stack layers: each output of layer $l$ sees $(K-1)d_l$ steps
# further back than the layer below it did, so a stack sees
#
# $$R = 1 + (K-1) \sum_l d_l .$$
#
# With $K = 2$ and $d_l = 1, 2, 4, \dots, 2^{L-1}$ this is $R = 2^L$: ten layers see 1024 steps, where ten
# undilated layers see 11.
#
# ### Exercise 7 — the receptive field (1 point)

# %% solution="receptive_field"
def receptive_field(kernel_size, dilations):
    """Input steps one output of a stack of causal convolutions sees: 1 + (K − 1)·Σ dilations."""
    ### BEGIN SOLUTION
    return 1 + (kernel_size - 1) * sum(dilations)
    ### END SOLUTION


# %% tests="test_receptive_field" points=1
assert receptive_field(2, [1]) == 2
# measured: a unit impulse at the last step shows every input the last output depends on, through a stack
x = np.zeros((1, 1, 40))
x[0, 0, -1] = 1.0
stack, dilations = x, [1, 2, 4, 8]
for d in dilations:
    stack = causal_conv1d_backward(stack, np.zeros((1, 1, 40)), np.ones((1, 1, 2)), np.zeros(1), dilation=d)[0]
print("inputs the last output depends on:", np.count_nonzero(stack), "; formula:", receptive_field(2, dilations))
assert np.count_nonzero(stack) == receptive_field(2, dilations)
### BEGIN HIDDEN TESTS
helpers.grading.check_receptive_field(receptive_field)
### END HIDDEN TESTS

# %% [markdown]
# The same impulse, drawn layer by layer: the orange steps are those the last output of the top layer depends on.
# Change the filter size, the depth, and switch the dilations off to see the field shrink to $1 + (K-1)L$. It runs
# your `causal_conv1d_backward` beside the reference one at every layer: steps that only one of the two reaches turn
# red, and the first value where they differ is framed and named in the title (until yours is written, the
# reference draws alone, and the picture says so).

# %%
from helpers.widgets.w12 import ReceptiveFieldExplorer

ReceptiveFieldExplorer(causal_conv1d_backward, kernel_size=2, layers=4)

# %% [markdown]
# ## 3. Skip connections
#
# ### A residual block
#
# A block that must *learn the identity* to do no harm is hard to train deep: in the ResNet paper, a plain network of
# 56 layers fitted its training set worse than one of 20. A residual block learns what to **add** to its input instead:
#
# $$\mathrm{out} = x + F(x), \qquad F(x) = \mathrm{relu}(x W_1 + b_1)\, W_2 + b_2, \qquad x\ (N, D),\ W_1\ (D, H),\ W_2\ (H, D).$$
#
# With $F = 0$ the block is exactly the identity. Backward, $x$ reaches the output twice, so its gradient is the
# sum of both paths: with $a = x W_1 + b_1$, $h = \mathrm{relu}(a)$ and $da = (dout\, W_2^\top) \odot [a > 0]$,
#
# $$dx = dout + da\, W_1^\top, \quad dW_1 = x^\top da, \quad db_1 = \textstyle\sum_n da, \quad dW_2 = h^\top dout, \quad db_2 = \textstyle\sum_n dout.$$
#
# The first term is the point: whatever the branch does, $dout$ passes down **unchanged**.
#
# ### Exercise 8 — the residual block forward (1 point) and backward (2 points)

# %% solution="residual_block"
def residual_block(x, W1, b1, W2, b2):
    """out (N, D) = x + relu(x W1 + b1) W2 + b2."""
    ### BEGIN SOLUTION
    return x + np.maximum(x @ W1 + b1, 0.0) @ W2 + b2
    ### END SOLUTION


def residual_block_backward(dout, x, W1, b1, W2, b2):
    """(dx, dW1, db1, dW2, db2) of residual_block, from dout (N, D)."""
    ### BEGIN SOLUTION
    a = x @ W1 + b1
    da = (dout @ W2.T) * (a > 0)
    return dout + da @ W1.T, x.T @ da, da.sum(axis=0), np.maximum(a, 0.0).T @ dout, dout.sum(axis=0)
    ### END SOLUTION


# %% tests="test_residual_block" points=1
x = np.array([[1.0, -2.0]])
zero = np.zeros((2, 2))
assert_close(residual_block(x, zero, np.zeros(2), zero, np.zeros(2)), x, name="with F = 0, the identity")
assert_close(residual_block(x, np.eye(2), np.zeros(2), np.eye(2), np.ones(2)), [[3.0, -1.0]], name="x + relu(x) + 1")
### BEGIN HIDDEN TESTS
helpers.grading.check_residual_block(residual_block)
### END HIDDEN TESTS

# %% tests="test_residual_block_backward" points=2
rng = np.random.default_rng(4)
x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
params = [rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(5, 4)), rng.normal(size=4)]
energy = lambda _: np.sum(dout * residual_block(x, *params))
grads = residual_block_backward(dout, x, *params)
for name, value, array in zip(["dx", "dW1", "db1", "dW2", "db2"], grads, [x] + params):
    assert_close(value, helpers.numerical_gradient(energy, array), name=f"{name} vs numerical", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_residual_block_backward(residual_block_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Gradients through 40 blocks, with and without the skip
#
# Stack 40 blocks with small random weights, send a gradient down from the top, and measure its norm at the input of
# every block. The plain stack is the same blocks without the skip, $\mathrm{out} = F(x)$; its backward is your
# `dx` without the identity term, `dx − dout`.

# %%
rng = np.random.default_rng(5)
depth, D = 40, 16
blocks = [(rng.normal(size=(D, D)) * 0.5 / np.sqrt(D), np.zeros(D), rng.normal(size=(D, D)) * 0.5 / np.sqrt(D),
           np.zeros(D)) for _ in range(depth)]
x0 = rng.normal(size=(8, D))


def gradient_norms(residual):
    """The norm of the gradient at the input of every block, from the first block to the last."""
    inputs, x = [], x0
    for params in blocks:
        inputs.append(x)
        x = residual_block(x, *params) if residual else residual_block(x, *params) - x
    grad, norms = np.ones_like(x), []
    for params, block_input in zip(blocks[::-1], inputs[::-1]):
        dx = residual_block_backward(grad, block_input, *params)[0]
        grad = dx if residual else dx - grad
        norms.append(np.linalg.norm(grad))
    return np.array(norms[::-1])


plain_norms, residual_norms = gradient_norms(False), gradient_norms(True)
fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.semilogy(np.arange(1, depth + 1), plain_norms, marker=".", label="plain: out = F(x)")
ax.semilogy(np.arange(1, depth + 1), residual_norms, marker=".", label="residual: out = x + F(x)")
ax.set_xlabel("block (1 = nearest the input)"); ax.set_ylabel("‖gradient at its input‖"); ax.legend()
ax.set_title("the same 40 blocks, with and without the skip")
plt.show()
print(f"at the first block: plain {plain_norms[0]:.1e}, residual {residual_norms[0]:.1e} "
      f"(at the top both start from ‖1‖ = {np.sqrt(x0.size):.1f})")

# %% [markdown]
# Each plain block multiplies the gradient by a matrix of small norm, so after 40 of them almost nothing reaches the
# first layers (they would not learn). In the residual stack the identity term hands every block at least the
# gradient of the block above, and the small branches only nudge it. This is why AlphaGo Zero's network and every
# deep image network since ResNet are built of residual blocks.
#
# ### A dense block
#
# DenseNet goes further: every layer of a **dense block** reads the concatenation of the block's input and of the
# feature maps of **every** layer before it, and adds $k$ new maps of its own, where $k$ is the **growth rate**. With
# $c_0$ input channels, layer $l + 1$ reads $c_0 + l\,k$ channels, and the block outputs $c_0 + L k$. A small $k$
# (12 or 32) keeps every layer narrow, because each can reuse everything computed before it.
#
# ### Exercise 9 — a dense block's channels (1 point)
#
# Return an integer array of length $L + 1$: entry $l$ for $l < L$ is how many channels layer $l + 1$ reads, and the
# last entry what the block outputs.

# %% solution="dense_block_channels"
def dense_block_channels(c0, growth_rate, n_layers):
    """[c0, c0 + k, …, c0 + L·k]: the channels each layer reads, then the block's output channels."""
    ### BEGIN SOLUTION
    return c0 + growth_rate * np.arange(n_layers + 1)
    ### END SOLUTION


# %% tests="test_dense_block_channels" points=1
assert list(dense_block_channels(16, 12, 4)) == [16, 28, 40, 52, 64], dense_block_channels(16, 12, 4)
### BEGIN HIDDEN TESTS
helpers.grading.check_dense_block_channels(dense_block_channels)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Normalization over other axes
#
# Week 9's **batch norm** normalizes every channel with the mean and variance of a batch. Those statistics come from
# the *other* examples: with small batches they are noisy, and with a batch of one there is nothing to average. Two
# relatives keep the same formula and change only the **axes** the statistics are taken over. For images
# `x (N, C, H, W)`, with $m$ the number of values averaged together,
#
# $$\mu = \frac{1}{m} \sum_{\text{axes}} x, \qquad \sigma^2 = \frac{1}{m} \sum_{\text{axes}} (x - \mu)^2, \qquad
#   \mathrm{out}[n, c, i, j] = \gamma_c\, \frac{x[n, c, i, j] - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta_c,$$
#
# with $\gamma, \beta$ of shape $(C,)$, one scale and shift per channel in all three:
#
# | norm | averages over | axes | $\mu$, $\sigma^2$ | $m$ | used in |
# |---|---|---|---|---|---|
# | batch (week 9) | the batch and the pixels, per channel | (0, 2, 3) | (1, C, 1, 1) | $N H W$ | image classifiers with large batches |
# | layer (week 11) | all of one example's values | (1, 2, 3) | (N, 1, 1, 1) | $C H W$ | Transformers, RNNs |
# | instance | the pixels of one channel of one example | (2, 3) | (N, C, 1, 1) | $H W$ | style transfer, image generation |
#
# Week 11's layer norm took `x (N, T, D)` over its last axis: each position's $D$ features are that position's values.
# For an image, an example's values are all $C H W$ of them. The variance is the biased one (divided by $m$, as
# `np.var` does by default), and $\varepsilon$ goes **inside** the square root: a constant input then gives $\beta$
# instead of $0/0$.
#
# ### Exercise 10 — normalize over given axes (2 points)
#
# Write `normalize(x, gamma, beta, axes, eps)` for any tuple of axes. Keep the averaged axes
# (`keepdims=True`) so that $\mu$ and $\sigma^2$ broadcast back against `x`, and reshape $\gamma, \beta$ to
# `(1, C, 1, 1)`.

# %% solution="normalize"
def normalize(x, gamma, beta, axes, eps=1e-5):
    """out (N, C, H, W) = γ_c (x − μ) / √(σ² + ε) + β_c, with μ and σ² (biased) taken over the tuple axes."""
    ### BEGIN SOLUTION
    mu = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return gamma[None, :, None, None] * (x - mu) / np.sqrt(var + eps) + beta[None, :, None, None]
    ### END SOLUTION


# %% tests="test_normalize" points=2
x = np.array([1.0, 3.0, 5.0, 7.0]).reshape(2, 1, 1, 2)   # two examples, one channel, a 1×2 image each
one, zero = np.ones(1), np.zeros(1)
assert_close(normalize(x, one, zero, (0, 2, 3), eps=1e-12), (x - 4.0) / np.sqrt(5.0),
             name="over (0, 2, 3): μ = 4, σ² = (9 + 1 + 1 + 9) / 4 = 5", inputs=x)
assert_close(normalize(x, one, zero, (2, 3), eps=1e-12), [[[[-1.0, 1.0]]], [[[-1.0, 1.0]]]],
             name="over (2, 3): each example alone, μ = 2 and 6, σ² = 1")
assert_close(normalize(x, 2 * one, 0.5 * one, (2, 3), eps=1e-12), [[[[-1.5, 2.5]]], [[[-1.5, 2.5]]]],
             name="γ = 2, β = 0.5")
assert_close(normalize(np.full((2, 3, 2, 2), 7.0), np.ones(3), np.arange(3.0), (1, 2, 3)),
             np.broadcast_to(np.arange(3.0)[:, None, None], (2, 3, 2, 2)), name="a constant input gives β")
### BEGIN HIDDEN TESTS
normalize_any_axes = helpers.norm.axes_as_tuple(normalize)
helpers.grading.check_normalize(normalize_any_axes)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 11 — batch, layer and instance norm (1 point)
#
# Each is one line: your `normalize` over its axes from the table. The test compares your batch norm with week 9's
# `helpers.norm.batchnorm_forward` (train mode) and your layer norm, with $\gamma = 1$, $\beta = 0$, with week 11's
# `helpers.transformer.layer_norm` on each example flattened into one row of $C H W$ features.

# %% solution="norms_over_axes"
def batch_norm(x, gamma, beta, eps=1e-5):
    """Each channel over the batch and the pixels: normalize over (0, 2, 3)."""
    ### BEGIN SOLUTION
    return normalize(x, gamma, beta, (0, 2, 3), eps)
    ### END SOLUTION


def layer_norm(x, gamma, beta, eps=1e-5):
    """Each example over all of its values: normalize over (1, 2, 3)."""
    ### BEGIN SOLUTION
    return normalize(x, gamma, beta, (1, 2, 3), eps)
    ### END SOLUTION


def instance_norm(x, gamma, beta, eps=1e-5):
    """Each channel of each example over its pixels: normalize over (2, 3)."""
    ### BEGIN SOLUTION
    return normalize(x, gamma, beta, (2, 3), eps)
    ### END SOLUTION


# %% tests="test_norms_over_axes" points=1
rng = np.random.default_rng(8)
x, gamma, beta = rng.normal(size=(4, 3, 5, 5)), rng.uniform(0.5, 2.0, size=3), rng.normal(size=3)
assert_close(batch_norm(x, gamma, beta), helpers.norm.batchnorm_forward(x, gamma, beta)[0],
             name="batch_norm vs week 9's batchnorm_forward", inputs=x)
rows = helpers.transformer.layer_norm(x.reshape(4, -1), np.ones(75), np.zeros(75))
assert_close(layer_norm(x, np.ones(3), np.zeros(3)), rows.reshape(x.shape),
             name="layer_norm vs week 11's layer_norm on rows of C·H·W")
out = instance_norm(x, gamma, beta)
assert_close(out.mean(axis=(2, 3)), np.broadcast_to(beta, (4, 3)), name="instance_norm: every (n, c) has mean β_c")
assert_close(out.std(axis=(2, 3)), np.broadcast_to(gamma, (4, 3)), name="… and spread γ_c", rtol=1e-4)
### BEGIN HIDDEN TESTS
helpers.grading.check_batch_norm_images(batch_norm)
helpers.grading.check_layer_norm_images(layer_norm)
helpers.grading.check_instance_norm_images(instance_norm)
### END HIDDEN TESTS

# %% [markdown]
# ### A batch of one, in numbers
#
# First, the output of a fully connected layer for **one** example: 4 features, seen as images of 1×1 pixels,
# `x (1, 4, 1, 1)`, with $\gamma = 1$, $\beta = 0$. Then an image of a batch of 8, normalized alone and inside its
# batch. Then one image alone, `x (1, 3, 5, 5)`, by batch norm and by instance norm.

# %%
rng = np.random.default_rng(9)
ones, zeros = np.ones(4), np.zeros(4)
norms = {"batch": batch_norm, "layer": layer_norm, "instance": instance_norm}
single = rng.normal(size=(1, 4, 1, 1))
print("one example of 4 features, x =", single.ravel())
for name, norm_fn in norms.items():
    print(f"  {name:>8} norm: {norm_fn(single, ones, zeros).ravel()}")
batch = rng.normal(size=(8, 4, 5, 5))
print("\nexample 0 alone and inside a batch of 8: largest difference of its output")
for name, norm_fn in norms.items():
    alone, inside = norm_fn(batch[:1], ones, zeros), norm_fn(batch, ones, zeros)[:1]
    print(f"  {name:>8} norm: {np.abs(alone - inside).max():.3f}")
image = batch[:1, :3]
print("\none image alone: batch norm − instance norm, largest difference:",
      f"{np.abs(batch_norm(image, ones[:3], zeros[:3]) - instance_norm(image, ones[:3], zeros[:3])).max():.1e}")

# %% [markdown]
# ### Exercise 12 — which work on a batch of one? (1 point)
#
# Answer each with 1 (yes) or 0 (no), in the order batch, layer, instance norm; the numbers above show them all.
#
# (a) On one example of a fully connected layer, `x (1, 4, 1, 1)` with $\gamma = 1$, $\beta = 0$, does the norm give an
#     output that is not all zeros?
#
# (b) Is an example's output the same whether it is normalized alone or inside a batch of other examples?

# %% solution="batch_of_one"
def batch_of_one_answers():
    """Six answers, 1 or 0: (a) for batch, layer, instance norm, then (b) for batch, layer, instance norm."""
    ### BEGIN SOLUTION
    return [0, 1, 0, 0, 1, 1]
    ### END SOLUTION


# %% tests="test_batch_of_one" points=1
answers = batch_of_one_answers()
assert len(answers) == 6, f"give exactly six answers, got {len(answers)}"
assert all(a in (0, 1) for a in answers), "every answer is 1 (yes) or 0 (no)"
print("six answers of 1 or 0: the grader checks them")
### BEGIN HIDDEN TESTS
helpers.grading.check_batch_of_one_answers(batch_of_one_answers)
### END HIDDEN TESTS

# %% [markdown]
# Batch norm of one example averages each value with itself, so $x - \mu = 0$ and everything is $\beta$: in training
# a batch of one learns nothing through it, and at test time week 9 had to keep running averages. On images it
# still computes something (over the pixels) but that is instance norm in disguise, and it changes when the batch
# changes. Layer norm never looks at axis 0: it does the same thing in training and at test time, on any batch size,
# which is why Transformers (week 11) and recurrent networks use it. Instance norm is independent of the batch too,
# but needs pixels to average over: on 1×1 maps it leaves only $\beta$ as well. (Between the two, **group norm**
# averages over groups of channels and the pixels, the usual choice for detectors trained on a few images per batch.)

# %% [markdown]
# ## 5. Shrinking a trained network
#
# `helpers.compress.teacher()` is a two-layer network trained on the digits of week 1 (64 pixels, 128 hidden ReLU
# units, 10 classes; 1347 training and 450 held-out images): `logits = relu(X W1 + b1) W2 + b2`. It has
# 64·128 + 128·10 = 9472 weights. Three ways to make it smaller: remove weights (**pruning**), store each in fewer
# bits (**quantization**), or train a smaller network to imitate it (**distillation**).

# %%
X_train, y_train, X_test, y_test = helpers.compress.digits()
teacher = helpers.compress.teacher()
print(f"teacher: {helpers.compress.accuracy(teacher, X_test, y_test):.1%} of the held-out digits, "
      f"{helpers.compress.model_bytes(teacher):,} bytes in float32")

# %% [markdown]
# ### Magnitude pruning
#
# The simplest rule: the weights closest to zero contribute least, so set the fraction $s$ (the **sparsity**) of the
# weights with the smallest **magnitude** $|w|$ to zero, and keep the others as they are. Count
# $\mathrm{round}(s \cdot n)$ weights out of $n$ (round, not truncate: `int(0.29 * 100)` is 28). Per layer, each
# matrix loses the same share; **globally**, the weights of all layers are ranked together, so a layer of small
# weights loses more.
#
# ### Exercise 13 — pruning per layer (2 points) and globally (1 point)

# %% solution="magnitude_prune"
def magnitude_prune(w, sparsity):
    """A copy of w with its round(sparsity · w.size) smallest |w| set to 0."""
    ### BEGIN SOLUTION
    flat = w.ravel().copy()
    flat[np.argsort(np.abs(flat), kind="stable")[: int(round(sparsity * flat.size))]] = 0.0
    return flat.reshape(w.shape)
    ### END SOLUTION


def magnitude_prune_global(w1, w2, sparsity):
    """(w1_pruned, w2_pruned): the round(sparsity · (w1.size + w2.size)) smallest |w| of both layers together set to 0."""
    ### BEGIN SOLUTION
    flat = magnitude_prune(np.concatenate([w1.ravel(), w2.ravel()]), sparsity)
    return flat[: w1.size].reshape(w1.shape), flat[w1.size :].reshape(w2.shape)
    ### END SOLUTION


# %% tests="test_magnitude_prune" points=2
w = np.array([[0.5, -3.0], [0.1, -0.2]])
assert_close(magnitude_prune(w, 0.5), [[0.5, -3.0], [0.0, 0.0]], name="half of the weights pruned", inputs=w)
assert_close(magnitude_prune(w, 0.0), w, name="sparsity 0")
### BEGIN HIDDEN TESTS
helpers.grading.check_magnitude_prune(magnitude_prune)
### END HIDDEN TESTS

# %% tests="test_magnitude_prune_global" points=1
small, large = np.array([[0.1, 0.2]]), np.array([[1.0], [2.0]])
got = magnitude_prune_global(small, large, 0.5)
assert_close(got[0], [[0.0, 0.0]], name="the small layer loses both")
assert_close(got[1], large, name="the large layer keeps both")
### BEGIN HIDDEN TESTS
helpers.grading.check_magnitude_prune_global(magnitude_prune_global)
### END HIDDEN TESTS

# %% [markdown]
# How much can go? The teacher's held-out accuracy with your pruning, per layer and global, as the sparsity grows
# (no retraining):

# %%
sparsities = np.array([0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98])
curves = {}
for scope in ("layer", "global"):
    curves[scope] = [helpers.compress.accuracy(
        helpers.compress.prune(teacher, s, scope, magnitude_prune=magnitude_prune,
                               magnitude_prune_global=magnitude_prune_global), X_test, y_test) for s in sparsities]
fig, ax = plt.subplots(figsize=(6.5, 3.2))
for scope, accuracies in curves.items():
    ax.plot(sparsities, accuracies, marker="o", label=f"pruned {'per layer' if scope == 'layer' else 'globally'}")
ax.set_xlabel("sparsity (share of weights set to 0)"); ax.set_ylabel("held-out accuracy"); ax.set_ylim(0, 1.02)
ax.legend(); ax.set_title("pruning the trained digits network, without retraining")
plt.show()
for s, a, g in zip(sparsities, curves["layer"], curves["global"]):
    print(f"sparsity {s:4.0%}: per layer {a:6.1%}, global {g:6.1%}")

# %% [markdown]
# Half of the weights go for free, and at 80% the network still gets most digits right: far more can be removed
# than one would think. Past that the accuracy falls off a cliff. Ranking globally does better at high sparsity: the
# output layer's weights are a little larger on average, so global pruning takes fewer of them (at 90% sparsity,
# 87% of the output layer against 90.5% of the first), and with only 1280 of them each one matters more. In practice
# a pruned network is retrained for a while (the survivors take over the work of the removed weights), and pruning
# and retraining alternate to go further.
#
# ### Affine quantization
#
# A float32 weight takes 4 bytes. **Quantization** stores each matrix as $b$-bit integer codes $q \in \{0, \dots,
# 2^b - 1\}$ plus two numbers, a **scale** and a **zero point**: the range $[lo, hi]$ of the weights, widened to
# contain 0 ($lo = \min(w_{min}, 0)$, $hi = \max(w_{max}, 0)$), is cut into $2^b - 1$ equal steps:
#
# $$\text{scale} = \frac{hi - lo}{2^b - 1}, \qquad z = \mathrm{round}\!\left(\frac{-lo}{\text{scale}}\right),
#   \qquad q = \mathrm{clip}\!\left(\mathrm{round}\!\left(\frac{w}{\text{scale}}\right) + z,\ 0,\ 2^b - 1\right),
#   \qquad \hat w = \text{scale}\,(q - z).$$
#
# The zero point $z$ is the code of $0.0$, which comes back exactly (so pruned weights stay 0), and every weight
# comes back within half a step, $|\hat w - w| \le \text{scale}/2$. If every weight is 0, use scale 1.
#
# ### Exercise 14 — quantize (2 points) and dequantize (1 point)

# %% solution="quantization"
def quantize(w, bits=8):
    """(q, scale, zero_point): integer codes in 0 … 2**bits − 1 (as floats), the step, and the code of 0.0."""
    ### BEGIN SOLUTION
    levels = 2**bits - 1
    lo, hi = min(w.min(), 0.0), max(w.max(), 0.0)
    scale = (hi - lo) / levels if hi > lo else 1.0
    zero_point = np.round(-lo / scale)
    return np.clip(np.round(w / scale) + zero_point, 0, levels), scale, zero_point
    ### END SOLUTION


def dequantize(q, scale, zero_point):
    """w_hat = scale · (q − zero_point)."""
    ### BEGIN SOLUTION
    return scale * (q - zero_point)
    ### END SOLUTION


# %% tests="test_quantize" points=2
w = np.array([-1.0, 0.0, 0.9, 2.0])
q, scale, zero_point = quantize(w, bits=2)                # 4 codes over [−1, 2]: steps of 1
assert_close(np.array([scale, zero_point]), [1.0, 1.0], name="scale, zero_point", inputs=w)
assert_close(q, [0.0, 1.0, 2.0, 3.0], name="q")
w = np.random.default_rng(6).normal(size=1000)
q, scale, zero_point = quantize(w, bits=8)
print(f"8 bits: scale {scale:.4f}, zero point {zero_point:.0f}, largest round-trip error "
      f"{np.abs(dequantize(q, scale, zero_point) - w).max():.4f} ≤ scale / 2 = {scale / 2:.4f}")
assert np.abs(dequantize(q, scale, zero_point) - w).max() <= scale / 2 + 1e-12
### BEGIN HIDDEN TESTS
helpers.grading.check_quantize(quantize)
### END HIDDEN TESTS

# %% tests="test_dequantize" points=1
assert_close(dequantize(np.array([0.0, 3.0, 5.0]), 0.5, 3.0), [-1.5, 0.0, 1.0], name="dequantize")
### BEGIN HIDDEN TESTS
helpers.grading.check_dequantize(dequantize)
### END HIDDEN TESTS

# %% [markdown]
# The teacher with its two weight matrices quantized by your functions (biases kept in float32), and the bytes it takes:

# %%
print(f"{'bits':>4}  {'held-out':>8}  {'bytes':>6}")
for bits in (32, 8, 6, 4, 3, 2):
    shrunk = teacher if bits == 32 else helpers.compress.quantize_weights(teacher, bits, quantize, dequantize)
    print(f"{bits:4d}  {helpers.compress.accuracy(shrunk, X_test, y_test):8.1%}  "
          f"{helpers.compress.model_bytes(teacher, bits):6,d}")

# %% [markdown]
# 8 bits cost nothing and divide the size by four; this network keeps its accuracy down to 4 bits, loses about a
# point at 3 and breaks at 2, where each matrix has four values to choose from. Pruning and quantization combine: the explorer at the end does
# both.
#
# ### Knowledge distillation
#
# A trained network knows more than its predicted class: for a 7 it gives the 1 a little probability and the 6 none.
# **Distillation** trains a small *student* to match the big *teacher*'s probabilities, softened by a
# **temperature** $T$ so that those small probabilities matter:
#
# $$p_k = \frac{e^{z_k / T}}{\sum_j e^{z_j / T}}, \qquad
#   L_{soft} = -\frac{T^2}{N} \sum_{n, k} p^{t}_{nk} \log p^{s}_{nk}.$$
#
# Its gradient with respect to the student's logits has a $1/T$ from the chain rule through $z^s / T$, and the $T^2$:
#
# $$\frac{\partial L_{soft}}{\partial z^s} = \frac{T}{N}\,(p^s - p^t) \qquad (N \times K).$$
#
# Without the $T^2$ the soft gradients would shrink as $1/T^2$ when $T$ grows; with it, the soft loss stays on the
# scale of the ordinary cross-entropy with the labels, to which it is added: the student minimises
# $\alpha L_{hard} + (1 - \alpha) L_{soft}$.
#
# ### Exercise 15 — the distillation loss and its gradient (3 points)

# %% solution="distillation_loss"
def distillation_loss(student_logits, teacher_logits, T):
    """(loss, dz): −T²/N Σ p_t log p_s at temperature T, and its gradient T (p_s − p_t) / N, both (N, K) in."""
    ### BEGIN SOLUTION
    n = student_logits.shape[0]
    s = student_logits / T
    s = s - s.max(axis=1, keepdims=True)
    log_ps = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    t = teacher_logits / T
    pt = np.exp(t - t.max(axis=1, keepdims=True))
    pt = pt / pt.sum(axis=1, keepdims=True)
    return -T * T * np.sum(pt * log_ps) / n, T * (np.exp(log_ps) - pt) / n
    ### END SOLUTION


# %% tests="test_distillation_loss" points=3
zs, zt = np.array([[0.0, 0.0]]), np.array([[0.0, 0.0]])
loss, dz = distillation_loss(zs, zt, 2.0)
assert_close(np.array([loss]), [4.0 * np.log(2.0)], name="loss at T = 2 (both uniform: T² log 2)")
assert_close(dz, [[0.0, 0.0]], name="dz when the student matches the teacher")
rng = np.random.default_rng(7)
zs, zt = rng.normal(size=(3, 4)) * 3, rng.normal(size=(3, 4)) * 3
for T in (1.0, 4.0):
    numerical = helpers.numerical_gradient(lambda _: distillation_loss(zs, zt, T)[0], zs)
    assert_close(distillation_loss(zs, zt, T)[1], numerical, name=f"dz vs numerical, T = {T}", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_distillation_loss(distillation_loss)
### END HIDDEN TESTS

# %% [markdown]
# ### A distilled student, measured
#
# The student has 16 hidden units (1210 weights, an eighth of the teacher's) and sees only the first 200 training
# digits. Trained twice from the same start, for 100 epochs of Adam: once on the labels alone, once with your
# `distillation_loss` against the teacher's logits on the same 200 digits ($T = 5$, $\alpha = 0.2$). The cell below
# is read-only.

# %% locked="train_students"
STUDENT = {"hidden": 16, "n_transfer": 200, "T": 5.0, "alpha": 0.2, "epochs": 100}


def train_students(seed=0):
    """(W1, b1, W2, b2 of the student trained on hard labels, then the same of the distilled student)."""
    X, y, _, _ = helpers.compress.digits()
    X, y = X[: STUDENT["n_transfer"]], y[: STUDENT["n_transfer"]]
    teacher_logits = helpers.compress.logits(helpers.compress.teacher(), X)
    common = {"hidden": STUDENT["hidden"], "seed": seed, "epochs": STUDENT["epochs"]}
    hard = helpers.compress.train(X, y, **common)
    soft = helpers.compress.train(X, y, **common, teacher_logits=teacher_logits, T=STUDENT["T"],
                                  alpha=STUDENT["alpha"], distillation_loss=distillation_loss)
    return tuple(hard[k] for k in ("W1", "b1", "W2", "b2")) + tuple(soft[k] for k in ("W1", "b1", "W2", "b2"))


# %% tests="test_distillation" points=2
margins = []
for seed in range(5):
    trained = train_students(seed)
    hard = dict(zip(("W1", "b1", "W2", "b2"), trained[:4]))
    soft = dict(zip(("W1", "b1", "W2", "b2"), trained[4:]))
    accuracies = [helpers.compress.accuracy(p, X_test, y_test) for p in (hard, soft)]
    margins.append(accuracies[1] - accuracies[0])
    print(f"seed {seed}: hard labels {accuracies[0]:.1%}, distilled {accuracies[1]:.1%}")
margins = np.array(margins)
print(f"margin over 5 seeds: mean {margins.mean():+.1%}, smallest {margins.min():+.1%}")
assert margins.mean() > 0, "the distilled student should beat the one trained on hard labels: does your loss pass?"
### BEGIN HIDDEN TESTS
helpers.grading.check_distilled_student_wins(train_students)
### END HIDDEN TESTS

# %% [markdown]
# With 200 examples, the labels say only "this is a 3"; the teacher's softened probabilities also say how much it
# looks like a 5 or an 8, which is information about the other 1147 images the student never saw, passed on through
# the teacher. The margin is a few points on every seed we tried (1.3 to 4.2 over 20 seeds, 2.5 on average).
#
# ## 6. Explore: pruning and quantization together
#
# Move the sparsity and the bits: the teacher is pruned globally, then its weights quantized, with your functions
# beside the reference ones (until yours are written, the reference ones alone, and the explorer says so). The
# histogram shows the weights that remain (on a log scale) with the reference's histogram dashed over it; if your
# functions differ from the reference, the title names the first weight that differs and a red line marks its value.
# Below the picture: the held-out accuracy and the bytes the network needs stored sparsely (the kept weights at that
# many bits, and one bit per weight to say which are kept).

# %%
from helpers.widgets.w12 import ShrinkExplorer

ShrinkExplorer(magnitude_prune_global=magnitude_prune_global, quantize=quantize, dequantize=dequantize)

# %% [markdown]
# ## Summary
#
# - A depthwise-separable layer (a $K \times K$ filter per channel, then a 1×1 mix) costs $\frac{1}{F} + \frac{1}{K^2}$
#   of a standard layer's multiply–adds; measured, the saving is smaller, because a depthwise filter does little
#   work per value it reads.
# - A causal convolution pads on the left only, so no output sees a later input; dilations $1, 2, 4, \dots$ make the
#   receptive field $1 + (K-1)\sum_l d_l$ grow exponentially with depth.
# - A residual block adds its input to its output, so its backward hands $dout$ down unchanged: gradients survive a
#   deep stack. A dense block concatenates instead: $c_0 + L k$ channels with growth rate $k$.
# - Batch, layer and instance norm are one formula over the axes (0, 2, 3), (1, 2, 3) and (2, 3) of `x (N, C, H, W)`;
#   only those that never average over the batch axis (layer norm, and instance norm when there are pixels) work
#   the same on a batch of one as on a large batch.
# - A trained network shrinks: most weights can be pruned by magnitude, 8-bit affine quantization costs nothing, and a
#   small student learns more from a teacher's softened probabilities ($T^2$ and all) than from the labels alone.
