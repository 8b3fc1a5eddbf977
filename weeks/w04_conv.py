# %% [markdown]
# # Week 4 — The convolutional layer, by hand
#
# Last week you slid one 3×3 kernel over one grey image. A convolutional layer does the same with
# three more ideas, and this week you build each of them, check it against the course's reference
# kernels, then train a small CNN:
#
# 1. **padding** and **stride**, and the output size $\lfloor (n + 2p - f)/s \rfloor + 1$;
# 2. **volumes**: images with $C$ channels, $F$ filters at once, a batch of $N$ images (shape `(N, C, H, W)`);
#    and how few **parameters** that takes;
# 3. **pooling** (max and average);
# 4. the **backward pass** of convolution and pooling;
# 5. your loops against the fast kernel in `helpers`, the same layer with one loop instead of four, and a
#    small CNN, built from your own layers, trained on handwritten digits.
#
# Conventions (the same as `helpers.conv`): images `x (N, C, H, W)`, filters `w (F, C, HH, WW)`, biases
# `b (F,)`, output `(N, F, H_out, W_out)`. As last week, "convolution" means cross-correlation: no kernel flip.
#
# Run the next cell first.
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
# ## 1. Padding
#
# A "valid" convolution shrinks the image by $f - 1$ pixels per side pair: a 6×6 image and a 3×3 filter
# give 4×4; ten such layers would eat a 32×32 image down to 12×12. And the pixels on the border take
# part in fewer windows than those in the middle (a corner pixel in exactly one), so what happens at the
# edges of the image is under-used.
#
# **Zero padding** adds $p$ rows and columns of zeros around the image: an $n \times n$ image becomes
# $(n + 2p) \times (n + 2p)$. With $f = 3$ and $p = 1$, the 6×6 image gives a 6×6 output.
#
# ### Exercise 1 — zero padding (1 point)
#
# Write `zero_pad(x, pad)` for a batch `x (N, C, H, W)`: pad only the two spatial axes, by `pad` on
# each side, with zeros; return `(N, C, H + 2 pad, W + 2 pad)`. `np.pad` with a `pad_width` per axis
# does it in one call; `pad = 0` returns an equal copy.

# %% solution="zero_pad"
def zero_pad(x, pad):
    """Pad the spatial axes of x (N, C, H, W) with `pad` zeros on every side -> (N, C, H + 2pad, W + 2pad)."""
    ### BEGIN SOLUTION
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    ### END SOLUTION


# %% tests="test_zero_pad" points=1
x = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])          # (1, 1, 2, 2)
assert_close(zero_pad(x, 1), [[[[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]]], name="zero_pad", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_zero_pad(zero_pad)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Output size, "valid" and "same", stride
#
# With **stride** $s$ the window jumps $s$ pixels at a time, horizontally and vertically. Along one axis,
# an input of size $n$, padding $p$ and a filter of size $f$: the window's first position starts at 0 of the
# padded input, the last one must still fit inside $n + 2p$, and the starts are $0, s, 2s, \dots$ So
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1.$$
#
# - **valid**: $p = 0$, so $n_\text{out} = n - f + 1$ when $s = 1$ (last week's formula);
# - **same**: choose $p$ so that $n_\text{out} = n$ with $s = 1$: $p = (f - 1)/2$, which is why filters have odd sizes;
# - when $s$ does not divide $n + 2p - f$, the floor drops the last positions: the window would stick out of
#   the image, and those rows or columns are simply never used.
#
# ### Exercise 2 — output size (1 point)

# %% solution="conv_output_size"
def conv_output_size(n, f, pad=0, stride=1):
    """Output length along one axis: floor((n + 2 pad - f) / stride) + 1, an int."""
    ### BEGIN SOLUTION
    return (n + 2 * pad - f) // stride + 1
    ### END SOLUTION


# %% tests="test_conv_output_size" points=1
for args, expected in [((6, 3), 4), ((5, 3, 1, 1), 5), ((7, 3, 0, 2), 3), ((10, 4, 0, 3), 3)]:
    assert_close(conv_output_size(*args), expected, name=f"conv_output_size{args}")
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_output_size(conv_output_size)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — a short drill (2 points)
#
# Work these out **by hand** first (the formula, then check against your function if you like), and
# return your six answers, in order, as whole numbers.
#
# 1. A 6×6 input, a 3×3 filter, padding 1, stride 2: the output is $k \times k$. What is $k$?
# 2. A 32×32 input, a 5×5 filter, no padding, stride 1: output size?
# 3. A 28×28 input and a 5×5 filter with stride 1: which padding $p$ gives a "same" (28×28) output?
# 4. A 7×7 input, a 3×3 filter, no padding, stride 3: output size?
# 5. A 227×227 input, an 11×11 filter, no padding, stride 4 (the first layer of AlexNet): output size?
# 6. A layer with 16 filters of size 5×5 on a 3-channel input, with one bias per filter: how many parameters?
#    (Section 3 below shows how to count them, if you want to come back to this one.)

# %% solution="drill"
def drill_answers():
    """Your six answers, in the order of the questions: a list of six whole numbers."""
    ### BEGIN SOLUTION
    return [3, 28, 2, 2, 55, 1216]
    ### END SOLUTION


# %% tests="test_drill" points=2
answers = drill_answers()
assert len(answers) == 6, f"give exactly six answers, got {len(answers)}"
assert all(float(a) == int(a) for a in answers), "every answer is a whole number"
# a self-check without the answers: questions 1, 2, 4 and 5 against your own conv_output_size
try:
    own = [conv_output_size(6, 3, 1, 2), conv_output_size(32, 5, 0, 1), None,
           conv_output_size(7, 3, 0, 3), conv_output_size(227, 11, 0, 4)]
except NotImplementedError:
    own = [None] * 5
for number, (mine, formula) in enumerate(zip(answers, own), start=1):
    if formula is not None and int(mine) != int(formula):
        print(f"question {number}: your answer {mine} and your conv_output_size ({formula}) disagree: one is wrong")
print("six whole numbers: the grader checks them")
### BEGIN HIDDEN TESTS
helpers.grading.check_output_size_drill(drill_answers)
### END HIDDEN TESTS

# %% [markdown]
# ### Explore: convolution arithmetic
#
# Move the sliders: input size $n$, filter size $f$, padding $p$, stride $s$, and the position of the window.
# The left panel is the padded input (padding in grey), the orange square the filter at the chosen
# position; the right panel is the output grid, with the cell that position writes to. The formula is
# filled in below; it says so when the stride does not fit.
#
# The dashed square on the output grid is the size **your** `conv_output_size` gives: orange while
# it agrees with the formula, red (with the grid widened to show it) where it does not. Strides that
# do not fit are where a missing floor shows.

# %%
from helpers.widgets.w04 import ConvArithmeticExplorer

ConvArithmeticExplorer(n=8, f=3, pad=0, stride=2, conv_output_size=conv_output_size)


# %% [markdown]
# ## 3. Volumes: channels, filters, a batch
#
# A colour image has $C = 3$ channels, and the feature maps inside a network have dozens. A filter
# always spans **all** the input channels: it has shape $(C, f, f)$, multiplies a $(C, f, f)$ block of the
# input element by element and sums everything, plus one bias, into **one number**. $F$ filters give $F$
# output channels. For sample $n$, filter $k$ and output position $(i, j)$, with $x_\text{pad}$ the padded input:
#
# $$\text{out}[n, k, i, j] = \sum_{c=0}^{C-1}\sum_{p=0}^{HH-1}\sum_{q=0}^{WW-1}
# x_\text{pad}[n, c,\; i s + p,\; j s + q]\; w[k, c, p, q] \;+\; b[k].$$
#
# ### Exercise 4 — one convolution step (1 point)
#
# The innermost piece: one window `x_slice (C, HH, WW)`, one filter `w (C, HH, WW)`, one bias `b` (a number).

# %% solution="conv_single_step"
def conv_single_step(x_slice, w, b):
    """sum(x_slice * w) + b: one output value. x_slice, w: (C, HH, WW); b: a number."""
    ### BEGIN SOLUTION
    return float(np.sum(x_slice * w) + b)
    ### END SOLUTION


# %% tests="test_conv_single_step" points=1
x_slice = np.arange(8.0).reshape(2, 2, 2)
w = np.array([[[1.0, 0.0], [0.0, -1.0]], [[0.5, 0.5], [0.5, 0.5]]])
assert_close(conv_single_step(x_slice, w, 0.25), 8.25, name="conv_single_step", inputs=x_slice)
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_single_step(conv_single_step)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 5 — convolution forward with loops (3 points)
#
# Write `conv_forward(x, w, b, stride=1, pad=0)`: pad `x` with your `zero_pad`, compute
# $H_\text{out} = \lfloor (H + 2p - HH)/s \rfloor + 1$ (and $W_\text{out}$ likewise; filters need not be
# square, images need not be square), then loop over samples, filters and output positions, calling
# `conv_single_step` on the window that starts at row $i s$, column $j s$ of the padded input.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="conv_forward"
def conv_forward(x, w, b, stride=1, pad=0):
    """Convolution (cross-correlation) of a batch, with loops.

    x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); stride, pad: ints.
    Returns out (N, F, H_out, W_out), H_out = (H + 2 pad - HH) // stride + 1 (W_out likewise).
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = zero_pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for k in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, k, i, j] = conv_single_step(window, w[k], b[k])
    return out
    ### END SOLUTION


# %% tests="test_conv_forward" points=3
x = np.arange(16.0).reshape(1, 1, 4, 4)
assert_close(conv_forward(x, np.ones((1, 1, 3, 3)), np.array([1.0])), [[[[46.0, 55.0], [82.0, 91.0]]]],
             name="3×3 box filter, stride 1, no padding", inputs=x)
x = np.arange(18.0).reshape(1, 2, 3, 3) / 10
w = np.array([[[[1.0, 0.0], [0.0, -1.0]], [[0.5, 0.5], [0.5, 0.5]]]])    # (1, 2, 2, 2)
assert_close(conv_forward(x, w, np.array([0.1]), stride=2, pad=1),
             [[[[0.55, 0.9500000000000001], [0.8500000000000001, 2.7]]]], name="2 channels, stride 2, pad 1", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_forward(conv_forward)
### END HIDDEN TESTS

# %% [markdown]
# ### Counting parameters
#
# A layer's parameters are its filters and biases: each filter has $f \cdot f \cdot C$ weights and one bias, so
# $F$ filters have $F\,(f^2 C + 1)$ parameters. For example **10 filters of 3×3 on a 3-channel image:
# $10 \times (3 \cdot 3 \cdot 3 + 1) = 280$ parameters**, and that does not depend on the image size: the same
# 280 numbers slide over a 32×32 thumbnail or a 1000×1000 photo. A fully connected layer from a 64×64×3
# image to just 10 units would need $12\,288 \times 10 + 10 = 122\,890$.
#
# Below, a LeNet-style network on 32×32 colour images, layer by layer (pooling layers have no parameters).

# %%
def conv_params(f, c_in, n_filters):
    return n_filters * (f * f * c_in + 1)

size, channels = 32, 3
rows = [("input", f"{size}×{size}×{channels}", 0)]
total = 0
for kind, f, stride, n_filters in [("conv 5×5", 5, 1, 6), ("max pool 2×2", 2, 2, None),
                                   ("conv 5×5", 5, 1, 16), ("max pool 2×2", 2, 2, None)]:
    params = conv_params(f, channels, n_filters) if n_filters else 0
    size = conv_output_size(size, f, 0, stride)
    channels = n_filters or channels
    rows.append((kind, f"{size}×{size}×{channels}", params))
units = size * size * channels
for n_out in (120, 84, 10):
    rows.append((f"dense {units}→{n_out}", f"{n_out}", units * n_out + n_out))
    units = n_out
print(f"{'layer':<16}{'output':>12}{'parameters':>12}")
for name, shape, params in rows:
    print(f"{name:<16}{shape:>12}{params:>12,}")
print(f"{'total':<16}{'':>12}{sum(r[2] for r in rows):>12,}")


# %% [markdown]
# The convolutions hold about 2 900 of the 62 000 parameters; the first dense layer alone holds 48 000.
# That is **parameter sharing** at work: a filter that detects a vertical edge is useful everywhere in the
# image, so it is learned once. The other reason convolutions work is **sparse connections**: each output
# depends on an $f \times f$ patch only.
#
# ## 4. Pooling
#
# A pooling layer shrinks each channel separately by summarising windows: **max pooling** keeps the largest
# value of each $f \times f$ window, **average pooling** its mean. It has **no parameters**, the output size
# follows the same formula (usually $p = 0$ and $f = s = 2$, which halves height and width), and the number
# of channels does not change. Max pooling keeps "was the feature detected somewhere in this window", and
# makes the result less sensitive to small shifts.
#
# ### Exercise 6 — max and average pooling forward (2 points)
#
# `x (N, C, H, W)` → `(N, C, H_out, W_out)`, $H_\text{out} = \lfloor (H - \text{size})/\text{stride} \rfloor + 1$.
# Loop over the output positions only; reduce each window over its two spatial axes
# (`axis=(2, 3)`) for all samples and channels at once.
#
# **Write it yourself.** The grader does not accept a call to `scipy.ndimage.maximum_filter`, `scipy.ndimage.uniform_filter` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="pool_forward"
def max_pool_forward(x, size=2, stride=2):
    """Max pooling of x (N, C, H, W) with size×size windows -> (N, C, H_out, W_out)."""
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(2, 3))
    return out
    ### END SOLUTION


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling of x (N, C, H, W) with size×size windows -> (N, C, H_out, W_out)."""
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    H_out, W_out = (H - size) // stride + 1, (W - size) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size].mean(axis=(2, 3))
    return out
    ### END SOLUTION


# %% tests="test_pool_forward" points=2
x = np.array([[[[1.0, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 0], [1, 2, 2, 4]]]])
assert_close(max_pool_forward(x), [[[[6.0, 5.0], [3.0, 4.0]]]], name="max_pool_forward", inputs=x)
assert_close(avg_pool_forward(x), [[[[3.5, 2.0], [1.75, 1.75]]]], name="avg_pool_forward")
### BEGIN HIDDEN TESTS
helpers.grading.check_max_pool_forward(max_pool_forward)
helpers.grading.check_avg_pool_forward(avg_pool_forward)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Backward
#
# Training needs the gradients of the loss $L$ with respect to the layer's input and parameters, given the
# upstream gradient `dout` $= \partial L/\partial \text{out}$ (same shape as `out`). Each output value is
# $\text{out}[n,k,i,j] = \sum_{c,p,q} x_\text{pad}[n,c,is+p,js+q]\,w[k,c,p,q] + b[k]$, so every term it contains
# receives `dout[n, k, i, j]` times its partner:
#
# - $\dfrac{\partial L}{\partial b[k]} = \sum_{n,i,j} \text{dout}[n,k,i,j]$;
# - $\dfrac{\partial L}{\partial w[k]} = \sum_{n,i,j} \text{dout}[n,k,i,j]\; x_\text{pad}[n,:,\,is:is+HH,\,js:js+WW]$ (the window it saw);
# - $\dfrac{\partial L}{\partial x_\text{pad}}$: for every $(n,k,i,j)$, **add** $\text{dout}[n,k,i,j]\; w[k]$ into the same window;
#   windows overlap when $s < HH$, so use `+=`. Then **remove the padding**: $dx$ is `dx_pad[:, :, p:p+H, p:p+W]`
#   (the padded zeros are not inputs).
#
# ### Exercise 7 — convolution backward (3 points)
#
# Return `(dx, dw, db)` with the shapes of `x`, `w`, `b`. Same loops as the forward pass.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="conv_backward"
def conv_backward(dout, x, w, b, stride=1, pad=0):
    """Gradients of a convolution layer.

    dout: (N, F, H_out, W_out) upstream gradient; x, w, b, stride, pad: as in conv_forward.
    Returns (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = zero_pad(x, pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for k in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dw[k] += dout[n, k, i, j] * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += dout[n, k, i, j] * w[k]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
    ### END SOLUTION


# %% tests="test_conv_backward" points=3
rng = np.random.default_rng(4)
x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
dout = rng.normal(size=(2, 4, 5, 5))                      # stride 1, pad 1: "same" output
dx, dw, db = conv_backward(dout, x, w, b, stride=1, pad=1)
loss = lambda: np.sum(helpers.conv.conv2d(x, w, b, stride=1, pad=1) * dout)
for name, mine, array in [("dx", dx, x), ("dw", dw, w), ("db", db, b)]:
    numerical = helpers.numerical_gradient(lambda _: loss(), array)
    assert_close(mine, numerical, name=f"{name} vs numerical gradient", rtol=1e-6)
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_backward(conv_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Pooling backward
#
# Pooling has no parameters, only `dx`:
#
# - **max**: only the largest value of each window reached the output, so `dout[n, c, i, j]` goes entirely to
#   that position (the **argmax** of the window) and the others get 0; where windows overlap (stride < size),
#   **add**. When the maximum appears twice in a window (a **tie**), the maximum has a corner and no derivative,
#   so a convention decides: the course, like `helpers.pool` and most frameworks, gives all of `dout` to the
#   **first** maximum in reading order, the position `np.argmax` of the flattened window returns. (A mask
#   `window == window.max()` would send it to every tied position and count it twice.) Ties are rare with random
#   real numbers but common after a ReLU: every negative input becomes exactly 0, so a window over an inactive
#   region is all zeros. For all images and channels at once, `first = window.reshape(N, C, -1).argmax(axis=2)`
#   is the flat index of each window's first maximum: row `first // size`, column `first % size` of the window.
# - **average**: every one of the $\text{size}^2$ positions contributed $1/\text{size}^2$ of the mean, so each gets
#   `dout / size**2`, again added up where windows overlap.
#
# ### Exercise 8 — pooling backward (2 points)

# %% solution="pool_backward"
def max_pool_backward(dout, x, size=2, stride=2):
    """dx (N, C, H, W) of max pooling, from dout (N, C, H_out, W_out) and the input x."""
    ### BEGIN SOLUTION
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")     # (N, C) index grids
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]
            first = window.reshape(N, C, -1).argmax(axis=2)             # the first maximum, in reading order
            dx[n, c, i * stride + first // size, j * stride + first % size] += dout[:, :, i, j]
    return dx
    ### END SOLUTION


def avg_pool_backward(dout, x, size=2, stride=2):
    """dx (N, C, H, W) of average pooling, from dout (N, C, H_out, W_out) and the input x."""
    ### BEGIN SOLUTION
    N, C, H_out, W_out = dout.shape
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            dx[:, :, i * stride:i * stride + size, j * stride:j * stride + size] += \
                dout[:, :, i, j][:, :, None, None] / size ** 2
    return dx
    ### END SOLUTION


# %% tests="test_pool_backward" points=2
x = np.array([[[[1.0, 3, 2, 1], [4, 6, 5, 0], [3, 1, 1, 0], [1, 2, 2, 4]]]])
dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
assert_close(max_pool_backward(dout, x), [[[[0, 0, 0, 0], [0, 1, 2, 0], [3, 0, 0, 0], [0, 0, 0, 4]]]],
             name="max_pool_backward", inputs=x)
assert_close(avg_pool_backward(dout, x), [[[[0.25, 0.25, 0.5, 0.5], [0.25, 0.25, 0.5, 0.5],
                                            [0.75, 0.75, 1.0, 1.0], [0.75, 0.75, 1.0, 1.0]]]], name="avg_pool_backward")
x_tie = np.array([[[[2.0, 2.0], [1.0, 2.0]], [[0.0, 0.0], [0.0, 0.0]]]])   # two channels, one 2×2 window each
assert_close(max_pool_backward(np.array([[[[5.0]], [[7.0]]]]), x_tie), [[[[5, 0], [0, 0]], [[7, 0], [0, 0]]]],
             name="max_pool_backward with ties: the first maximum takes all", inputs=x_tie)
### BEGIN HIDDEN TESTS
helpers.grading.check_max_pool_backward(max_pool_backward)
helpers.grading.check_avg_pool_backward(avg_pool_backward)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Your loops against `helpers.conv2d`
#
# Same input, same answer, very different cost. `helpers.conv.conv2d` is compiled with numba; it does the
# same multiply-and-add as your loops, without the Python interpreter in the inner loop. (It was compiled
# once when the course was installed, so no compilation is timed here.) Then you will close most of the gap
# yourself.

# %%
rng = np.random.default_rng(0)
x_big = rng.normal(size=(8, 3, 32, 32))
w_big = rng.normal(size=(8, 3, 3, 3))
b_big = rng.normal(size=8)
helpers.conv.conv2d(x_big[:1], w_big, b_big, stride=1, pad=1)                 # first call outside the timing

def best_of(repeats, fn):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result

t_loops, mine = best_of(1, lambda: conv_forward(x_big, w_big, b_big, stride=1, pad=1))
t_fast, fast = best_of(5, lambda: helpers.conv.conv2d(x_big, w_big, b_big, stride=1, pad=1))
print(f"conv_forward (your loops): {t_loops * 1000:.0f} ms; helpers.conv.conv2d: {t_fast * 1000:.2f} ms, "
      f"{t_loops / t_fast:.0f}× faster; largest difference {np.abs(mine - fast).max():.1e}")


# %% [markdown]
# ### Exercise 9 — one loop instead of four (4 points)
#
# Where does the time go? Your `conv_forward` runs the interpreter $N \cdot F \cdot H_\text{out} \cdot W_\text{out}$ times
# ($8 \cdot 8 \cdot 32 \cdot 32 = 65\,536$ calls of `conv_single_step` above), each on 27 numbers. The arithmetic is the
# same for every image and every filter, so hand those two loops to numpy. At the output position $(i, j)$, flatten
# the window of each of the $N$ images into one row of $C \cdot HH \cdot WW$ numbers: a matrix $X_{ij}$ of shape
# $(N, C\,HH\,WW)$. Flatten each filter the same way: $W_\text{rows}$ of shape $(F, C\,HH\,WW)$ (`w.reshape(F, -1)`).
# Then all $N \times F$ outputs at $(i, j)$ are one matrix product:
#
# $$\text{out}[:, :, i, j] = X_{ij}\, W_\text{rows}^\top + b \qquad (N, F).$$
#
# The backward pass is the same product read backwards. With $D_{ij}$ = `dout[:, :, i, j]` $(N, F)$:
#
# $$dW_\text{rows} \mathrel{+}= D_{ij}^\top X_{ij} \quad (F, C\,HH\,WW), \qquad dX_{ij} = D_{ij}\, W_\text{rows} \quad (N, C\,HH\,WW),$$
#
# where $dX_{ij}$, reshaped to $(N, C, HH, WW)$, is **added** into the window of the padded `dx` (windows overlap),
# and `db` sums `dout` over $n, i, j$ as before. Only the loop over the $H_\text{out} \cdot W_\text{out}$ positions is left.
# (One step further, all the windows of all positions in one matrix, is **im2col**: what `helpers.conv` does for
# most shapes.)
#
# Write `conv_forward_fast` and `conv_backward_fast`, with the arguments and results of your loop versions and
# no loop over images or filters. The tests compare them with the reference and count the lines of Python that
# run: that count must not grow with $N$ or $F$.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="conv_fast"
def conv_forward_fast(x, w, b, stride=1, pad=0):
    """Convolution with one loop over the output positions; same arguments and result as conv_forward.

    At position (i, j): out[:, :, i, j] = (windows of x_pad, (N, C·HH·WW)) @ w.reshape(F, -1).T + b.
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = zero_pad(x, pad)
    w_rows = w.reshape(F, -1)                                       # (F, C·HH·WW)
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
            out[:, :, i, j] = window.reshape(N, -1) @ w_rows.T + b
    return out
    ### END SOLUTION


def conv_backward_fast(dout, x, w, b, stride=1, pad=0):
    """Gradients of a convolution with one loop over the output positions; same as conv_backward.

    Returns (dx (N, C, H, W), dw (F, C, HH, WW), db (F,)).
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = zero_pad(x, pad)
    dx_pad = np.zeros_like(x_pad)
    w_rows = w.reshape(F, -1)
    dw_rows = np.zeros_like(w_rows)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            d = dout[:, :, i, j]                                    # (N, F)
            dw_rows += d.T @ x_pad[:, :, rows, cols].reshape(N, -1)
            dx_pad[:, :, rows, cols] += (d @ w_rows).reshape(N, C, HH, WW)
    db = dout.sum(axis=(0, 2, 3))
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw_rows.reshape(w.shape), db
    ### END SOLUTION


# %% tests="test_conv_forward_fast" points=2
rng = np.random.default_rng(9)
x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
assert_close(conv_forward_fast(x, w, b, stride=2, pad=1), helpers.conv.conv2d(x, w, b, stride=2, pad=1),
             name="conv_forward_fast: 7×6 images, 3×2 filters, stride 2, pad 1")
one = helpers.grading.count_python_lines(conv_forward_fast, x[:1], w[:1], b[:1], stride=1, pad=1)
many = helpers.grading.count_python_lines(conv_forward_fast, np.tile(x, (8, 1, 1, 1)), np.tile(w, (4, 1, 1, 1)),
                                          np.tile(b, 4), stride=1, pad=1)
print(f"lines of Python run: {one} for 1 image and 1 filter, {many} for 16 images and 16 filters")
assert many < 2 * one, "the Python work grows with the number of images or filters: loop over the output positions only"
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_forward_fast(conv_forward_fast)
### END HIDDEN TESTS

# %% tests="test_conv_backward_fast" points=2
rng = np.random.default_rng(10)
x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2)), rng.normal(size=4)
dout = rng.normal(size=(2, 4, 4, 4))                      # stride 2, pad 1
for name, got, expected in zip(["dx", "dw", "db"], conv_backward_fast(dout, x, w, b, stride=2, pad=1),
                                helpers.conv.conv2d_backward(dout, x, w, b, stride=2, pad=1)):
    assert_close(got, expected, name=f"conv_backward_fast {name}, stride 2, pad 1")
one = helpers.grading.count_python_lines(conv_backward_fast, dout[:1, :1], x[:1], w[:1], b[:1], stride=2, pad=1)
many = helpers.grading.count_python_lines(conv_backward_fast, np.tile(dout, (8, 4, 1, 1)), np.tile(x, (8, 1, 1, 1)),
                                          np.tile(w, (4, 1, 1, 1)), np.tile(b, 4), stride=2, pad=1)
print(f"lines of Python run: {one} for 1 image and 1 filter, {many} for 16 images and 16 filters")
assert many < 2 * one, "the Python work grows with the number of images or filters: loop over the output positions only"
### BEGIN HIDDEN TESTS
helpers.grading.check_conv_backward_fast(conv_backward_fast)
### END HIDDEN TESTS

# %%
# t_loops, mine and t_fast, fast: the loops and helpers.conv.conv2d, timed two cells above
t_yours, yours = best_of(3, lambda: conv_forward_fast(x_big, w_big, b_big, stride=1, pad=1))
print(f"x {x_big.shape}, w {w_big.shape}, pad 1 -> out {fast.shape}; largest differences "
      f"{np.abs(mine - fast).max():.1e} (loops), {np.abs(yours - fast).max():.1e} (one loop)\n")
print(f"{'implementation':<32}{'time':>12}{'relative':>10}")
print(f"{'conv_forward (four loops)':<32}{t_loops * 1000:>9.1f} ms{t_loops / t_fast:>9.0f}×")
print(f"{'conv_forward_fast (one loop)':<32}{t_yours * 1000:>9.2f} ms{t_yours / t_fast:>9.0f}×")
print(f"{'helpers.conv.conv2d':<32}{t_fast * 1000:>9.2f} ms{1:>9.0f}×")


# %% [markdown]
# Moving the loops over images and filters into one matrix product per position removes most of the
# interpreter's work; the rest of the gap is the loop over positions and the copying of windows, which
# `helpers.conv` does in compiled code. Fast enough, now, to train a network with your own layers.

# %% [markdown]
# ## 7. A small CNN on handwritten digits, with your layers
#
# Now put your layers together:
#
# `x (N, 1, 8, 8)` → **conv** 3×3, 8 filters, pad 1 → **ReLU** → **max pool** 2×2 → `(N, 8, 4, 4)` →
# flatten (128) → **affine** 128→10 → **softmax** cross-entropy.
#
# That is $8 \cdot (9 + 1) + 128 \cdot 10 + 10 = 1\,370$ parameters.
#
# ### Exercise 10 — the whole network's loss and gradients (3 points)
#
# Write `cnn_loss_and_grads(x, y, w1, b1, W2, b2)` returning `(loss, dw1, db1, dW2, db2)`, from your
# `conv_forward_fast`, `max_pool_forward`, `max_pool_backward` and `conv_backward_fast` (the loop versions give
# the same numbers but would make the training below take minutes), `np.maximum` for the ReLU, and
# `helpers.losses.softmax_cross_entropy(z, y)` for the last step: it returns the mean loss and
# $dz = (\text{softmax}(z) - \text{onehot}(y))/N$, as in week 1. The backward pass runs the chain in reverse:
#
# - the affine layer: $dW_2 = p_\text{flat}^\top\, dz$, $db_2 = \sum_n dz$, $dp = dz\, W_2^\top$ reshaped like $p$;
# - max pooling: `max_pool_backward(dp, h)`;
# - the ReLU passes the gradient where its input was positive: $da = dh \cdot [a > 0]$;
# - the convolution: `conv_backward_fast(da, x, w1, b1, stride=1, pad=1)` gives `dw1` and `db1` (its `dx` is not needed).
#
# Take the sizes from the arrays you are given, not from this network: the grader also tries other image sizes
# (even heights and widths), channels, filters and classes. The test compares each gradient with central
# differences of your own loss: a **gradient check of the whole network**.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve`, `scipy.ndimage.maximum_filter` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="cnn_loss_and_grads"
def cnn_loss_and_grads(x, y, w1, b1, W2, b2):
    """Loss and gradients of conv 3×3 (pad 1) → ReLU → max pool 2×2 → affine → softmax cross-entropy.

    x: (N, C, H, W), H and W even; y: (N,) labels; w1: (F, C, 3, 3); b1: (F,); W2: (F·H/2·W/2, K); b2: (K,).
    Returns (loss, dw1, db1, dW2, db2): the mean cross-entropy and its gradients, shaped like the parameters.
    """
    ### BEGIN SOLUTION
    a = conv_forward_fast(x, w1, b1, stride=1, pad=1)           # (N, F, H, W)
    h = np.maximum(a, 0)
    p = max_pool_forward(h)                                     # (N, F, H/2, W/2)
    p_flat = p.reshape(len(x), -1)
    loss, dz = helpers.losses.softmax_cross_entropy(p_flat @ W2 + b2, y)
    dW2 = p_flat.T @ dz
    db2 = dz.sum(axis=0)
    dp = (dz @ W2.T).reshape(p.shape)
    da = max_pool_backward(dp, h) * (a > 0)
    _, dw1, db1 = conv_backward_fast(da, x, w1, b1, stride=1, pad=1)
    return loss, dw1, db1, dW2, db2
    ### END SOLUTION


# %% tests="test_cnn_loss_and_grads" points=3
rng = np.random.default_rng(7)
x, y = rng.uniform(size=(3, 1, 6, 4)), np.array([0, 2, 1])           # 3 images of 6×4, 3 classes
net = [rng.normal(size=(2, 1, 3, 3)) * 0.5, rng.normal(size=2) * 0.1,  # 2 filters
       rng.normal(size=(2 * 3 * 2, 3)), rng.normal(size=3) * 0.1]
loss, *grads = cnn_loss_and_grads(x, y, *net)
print(f"loss {loss:.4f}")
for name, grad, param in zip(["dw1", "db1", "dW2", "db2"], grads, net):
    numerical = helpers.numerical_gradient(lambda _: cnn_loss_and_grads(x, y, *net)[0], param)
    assert_close(grad, numerical, name=f"{name} vs central differences of your loss", rtol=1e-5)
### BEGIN HIDDEN TESTS
helpers.grading.check_cnn_loss_and_grads(cnn_loss_and_grads)
### END HIDDEN TESTS

# %% [markdown]
# ### Training
#
# The given function below trains the network with mini-batch gradient descent plus three ideas that weeks 7
# and 8 explain properly. **Momentum** ($v \leftarrow 0.9\,v + 0.1\,g$, $\theta \leftarrow \theta - \mathrm{lr}\cdot v$,
# the form of `helpers.optim.momentum`) steps along an average of the recent gradients, which smooths the noise
# of small batches. **Decay** shrinks the learning rate by 20% after every epoch, so the steps settle as the
# loss flattens. **He initialization** draws the first layer's weights with standard deviation
# $\sqrt{2/\text{fan-in}}$ (fan-in $= 9$ inputs per filter) so that the signal keeps its size through the ReLU;
# the output layer, with no ReLU after it, uses $\sqrt{1/\text{fan-in}}$. Data: scikit-learn's 8×8 digits,
# 1 347 training and 450 test images. The cell is read-only: the grader trains with it too, and the test
# cell after the next one runs it for 15 epochs.

# %% locked="train_cnn"
def train_cnn(X, y, epochs=15, seed=0, lr=0.5, beta=0.9, batch_size=32):
    """Mini-batch gradient descent with momentum on cnn_loss_and_grads.

    X: (N, 1, 8, 8); y: (N,). Returns (params, losses): params = (w1 (8, 1, 3, 3), b1 (8,), W2 (128, 10),
    b2 (10,)), losses one value per mini-batch.
    """
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(8, 1, 3, 3)) * np.sqrt(2 / 9), np.zeros(8),       # He initialization
              rng.normal(size=(128, 10)) * np.sqrt(1 / 128), np.zeros(10)]
    velocity = [np.zeros_like(p) for p in params]
    losses = []
    for epoch in range(epochs):
        order = rng.permutation(len(X))
        for first in range(0, len(X), batch_size):
            batch = order[first:first + batch_size]
            loss, *grads = cnn_loss_and_grads(X[batch], y[batch], *params)
            for k, grad in enumerate(grads):
                velocity[k] = beta * velocity[k] + (1 - beta) * grad           # momentum: an average of gradients
                params[k] = params[k] - lr * velocity[k]
            losses.append(loss)
        lr *= 0.8                                                              # decay: smaller steps later
    return tuple(params), np.array(losses)


# %%
X_train, y_train, X_test, y_test = helpers.data.load_digits_split()
X_train, X_test = np.reshape(X_train, (-1, 1, 8, 8)), np.reshape(X_test, (-1, 1, 8, 8))   # images


def predict(params, x):
    """The class with the largest logit, through your forward layers."""
    w1, b1, W2, b2 = params
    p = max_pool_forward(np.maximum(conv_forward_fast(x, w1, b1, stride=1, pad=1), 0))
    return np.argmax(p.reshape(len(x), -1) @ W2 + b2, axis=1)


# %% tests="test_cnn_training" points=2
start = time.perf_counter()
params, losses = train_cnn(X_train, y_train, epochs=15, seed=0)
seconds = time.perf_counter() - start
test_accuracy = float(np.mean(predict(params, X_test) == y_test))
print(f"15 epochs ({len(losses)} mini-batches) in {seconds:.1f} s with your layers; "
      f"last epoch's mean loss {losses[-len(losses) // 15:].mean():.3f}, test accuracy {test_accuracy:.1%}")
assert test_accuracy >= 0.95, (f"test accuracy {test_accuracy:.1%}: a correct network reaches over 95% in 15 "
                               f"epochs. Does the gradient check above pass? predict() uses your conv_forward_fast and "
                               f"max_pool_forward: are their tests green?")
### BEGIN HIDDEN TESTS
helpers.grading.check_cnn_trains_digits(train_cnn)
### END HIDDEN TESTS

# %%
if "test_accuracy" not in globals():
    raise NotImplementedError("the network is not trained yet: run the test cell above once "
                              "cnn_loss_and_grads works")
per_epoch = losses.reshape(15, -1).mean(axis=1)
batches = len(losses) // 15
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(np.arange(1, len(losses) + 1) / batches, losses, lw=0.6, alpha=0.4, label="one mini-batch")
ax.plot(np.arange(1, 16), per_epoch, marker="o", ms=3, color="tab:blue", label="mean of the epoch")
ax.set_xlabel("epoch"); ax.set_ylabel("training loss"); ax.set_yscale("log")
ax.set_title(f"training loss; test accuracy after 15 epochs {test_accuracy:.1%}")
ax.legend()
plt.show()

# %% [markdown]
# **What did the filters learn?** Each of the eight 3×3 filters (top row, red positive, blue negative),
# and below, what each one makes of one test digit after the ReLU: its feature map. Some filters respond
# to strokes of one direction (compare them with last week's edge filters), others to the ink itself or to
# the background. A map that is black everywhere belongs to a **dead** filter: its response is negative on
# every input, so the ReLU passes nothing, its gradient is zero and it stops learning. That is one reason
# networks have more filters than strictly needed.

# %%
if "test_accuracy" not in globals():
    raise NotImplementedError("the network is not trained yet: run the test cell above once "
                              "cnn_loss_and_grads works")
digit = X_test[:1]
w1, b1, W2, b2 = params
h = np.maximum(conv_forward_fast(digit, w1, b1, stride=1, pad=1), 0)
p = max_pool_forward(h)
fig, axes = plt.subplots(3, 9, figsize=(12, 4.6))
axes[0, 0].imshow(digit[0, 0], cmap="gray_r"); axes[0, 0].set_title(f"digit {y_test[0]}", fontsize=9)
for k in range(8):
    limit = np.abs(w1[k, 0]).max()
    axes[0, k + 1].imshow(w1[k, 0], cmap="RdBu_r", vmin=-limit, vmax=limit)
    axes[0, k + 1].set_title(f"filter {k}", fontsize=9)
    axes[1, k + 1].imshow(h[0, k], cmap="magma")
    axes[2, k + 1].imshow(p[0, k], cmap="magma")
axes[1, 0].text(0.5, 0.5, "after conv\n+ ReLU\n8×8", ha="center", va="center", fontsize=9)
axes[2, 0].text(0.5, 0.5, "after max\npool\n4×4", ha="center", va="center", fontsize=9)
for ax in axes.flat:
    ax.set_xticks([]); ax.set_yticks([])
for ax in axes[1:, 0]:
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Summary
#
# - Output size $\lfloor (n + 2p - f)/s \rfloor + 1$: "valid" is $p = 0$, "same" is $p = (f-1)/2$ with $s = 1$.
# - A filter spans all input channels; $F$ filters make $F$ output channels; a layer has $F(f^2C + 1)$
#   parameters, whatever the image size.
# - Pooling has no parameters; max pooling routes the gradient to each window's (first) maximum, average pooling
#   spreads it.
# - In the backward pass, every window that was multiplied gets `dout` times its partner, added up where windows
#   overlap; remove the padding from `dx` at the end.
# - One matrix product per output position, instead of loops over images and filters, removes most of the
#   interpreter's work; compiled code (`helpers.conv`) removes the rest. Your own layers train a small CNN to over
#   95% on digits in a few seconds, and a gradient check of the whole network tells you the backward pass is right.
