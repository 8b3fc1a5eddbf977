# %% [markdown]
# # Week 3 — Edges: cross-correlation by hand
#
# A convolutional network starts with small filters that slide over an image and light up
# where a pattern appears. This week you write that sliding operation yourself and use it to
# find **edges**, first in a 6×6 toy image whose answer you can work out on paper, then in
# real photographs.
#
# 1. **2-D cross-correlation** of one channel: with loops, then vectorized;
# 2. the **vertical-edge filter** on a 6×6 image: predict its output, then compute it; what the sign means;
# 3. **horizontal, Sobel and Scharr** filters; edge **magnitude and orientation**;
# 4. real photos, side by side, and an interactive kernel explorer.
#
# Each exercise: read the explanation, fill in the function, run the test cell below it. The
# grader runs more cases than you see (non-square kernels, one-row images, a kernel as large as
# the image), so write general code.
#
# Run the next cell first.
#
# Symbols that change meaning between weeks are listed in the [notation page](../NOTATION.md).

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import helpers
from helpers import images
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# ## 1. Cross-correlation
#
# Take a grey-scale image $x$ of shape $(H, W)$ and a small **kernel** (or **filter**) $k$ of
# shape $(k_h, k_w)$. Put the kernel on top of the image with its top-left corner at pixel
# $(i, j)$, multiply the overlapping numbers, and add them up:
#
# $$\text{out}[i, j] = \sum_{p=0}^{k_h-1}\sum_{q=0}^{k_w-1} x[i+p,\; j+q]\; k[p, q].$$
#
# The kernel must fit entirely inside the image ("valid" positions only), so the output has shape
#
# $$(H - k_h + 1,\; W - k_w + 1).$$
#
# A 6×6 image and a 3×3 kernel give a 4×4 output: the image shrinks by $k-1$ in each direction.
#
# **"Convolution" in deep learning is this cross-correlation.** In signal processing, a
# convolution flips the kernel first (rows and columns reversed: `k[::-1, ::-1]`) before
# sliding it. Deep-learning libraries skip the flip and still call the layer "convolutional".
# For a learned kernel the difference does not matter (the network simply learns the flipped
# weights), but when you type a kernel by hand, as you will this week, it decides the **sign**
# of the answer. In this course, "convolve" means the formula above, with no flip.
#
# ### Exercise 1.1 — cross-correlation with loops (2 points)
#
# Write `correlate2d_loops(x, k)` with two Python loops over the output positions $(i, j)$; inside
# the loop, take the window `x[i:i+kh, j:j+kw]`, multiply it element-wise by `k` and sum. The kernel
# need not be square. Return a new float array; do not modify `x` or `k`.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="correlate2d_loops"
def correlate2d_loops(x, k):
    """'Valid' cross-correlation of one channel, with loops.

    x: (H, W) image; k: (kh, kw) kernel.
    Returns out (H - kh + 1, W - kw + 1) with out[i, j] = sum(x[i:i+kh, j:j+kw] * k).
    """
    ### BEGIN SOLUTION
    H, W = x.shape
    kh, kw = k.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * k)
    return out
    ### END SOLUTION


# %% tests="test_correlate2d_loops" points=2
x = np.arange(12.0).reshape(3, 4)
k = np.array([[1.0, 2.0], [0.0, -1.0]])
assert_close(correlate2d_loops(x, k), [[-3.0, -1.0, 1.0], [5.0, 7.0, 9.0]], name="correlate2d_loops", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_correlate2d_loops(correlate2d_loops)
### END HIDDEN TESTS

# %% [markdown]
# Check the flip remark on the same numbers: a true convolution equals a cross-correlation with
# the kernel rotated by 180°. The two results differ, so always say which one you mean.

# %%
x = np.arange(12.0).reshape(3, 4)
k = np.array([[1.0, 2.0], [0.0, -1.0]])
print("cross-correlation (deep learning):\n", correlate2d_loops(x, k))
print("convolution (kernel flipped):\n", correlate2d_loops(x, k[::-1, ::-1]))


# %% [markdown]
# ### Exercise 1.2 — vectorized cross-correlation (2 points)
#
# The loop version runs one small multiply-and-sum per output pixel: for a 256×256 photo that is
# more than 60 000 trips through the Python interpreter. Turn the loops around. The kernel has only
# $k_h k_w$ entries, and entry $k[p, q]$ multiplies the **shifted block**
# `x[p:p+Ho, q:q+Wo]` (shape $(H_o, W_o)$, the output's shape) as a whole:
#
# $$\text{out} = \sum_{p, q} k[p, q]\; x[p : p+H_o,\; q : q+W_o].$$
#
# Write `correlate2d(x, k)` with a loop over the kernel entries only (9 iterations for a 3×3
# kernel), each one a whole-array operation.
#
# **Write it yourself.** The grader does not accept a call to `scipy.signal.correlate2d`, `scipy.signal.correlate`, `scipy.signal.convolve2d`, `scipy.signal.convolve`, `scipy.signal.fftconvolve`, `scipy.signal.oaconvolve`, `scipy.ndimage.correlate`, `scipy.ndimage.convolve` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="correlate2d"
def correlate2d(x, k):
    """Vectorized 'valid' cross-correlation: loops over the kernel entries only.

    x: (H, W); k: (kh, kw). Returns (H - kh + 1, W - kw + 1), the same as correlate2d_loops.
    """
    ### BEGIN SOLUTION
    H, W = x.shape
    kh, kw = k.shape
    Ho, Wo = H - kh + 1, W - kw + 1
    out = np.zeros((Ho, Wo))
    for p in range(kh):
        for q in range(kw):
            out += k[p, q] * x[p:p + Ho, q:q + Wo]
    return out
    ### END SOLUTION


# %% tests="test_correlate2d" points=2
x = np.array([[1.0, 2, 0, 3, 1], [0, 1, 4, 1, 2], [2, 2, 1, 0, 0], [1, 3, 0, 2, 5]])
k = np.array([[1.0, -1.0], [0.5, 2.0], [0.0, -1.0]])
assert_close(correlate2d(x, k), [[-1.0, 9.5, 1.0, 6.5], [1.0, 0.0, 1.5, -6.0]], name="correlate2d", inputs=x)
# vectorized: the Python-level work grows with the kernel (6 entries here), not with the 58 × 79 outputs
lines = helpers.grading.count_python_lines(correlate2d, np.ones((60, 80)), k)
assert lines < 300, (f"correlate2d ran {lines} lines of Python on a 60×80 image: loop over the kernel's "
                     f"entries and slice whole blocks of x, instead of looping over output positions")
print(f"vectorized: {lines} lines of Python for 4 740 outputs")
### BEGIN HIDDEN TESTS
helpers.grading.check_correlate2d(correlate2d)
### END HIDDEN TESTS

# %% [markdown]
# How much faster? Both versions on the same 256-pixel photo and 3×3 kernel:

# %%
photo = images.load_photo("grace_hopper", size=256)
kernel = np.array([[1.0, 0.0, -1.0]] * 3)
timings = {}
for name, fn in [("loops", correlate2d_loops), ("vectorized", correlate2d)]:
    start = time.perf_counter()
    result = fn(photo, kernel)
    timings[name] = time.perf_counter() - start
print(f"photo {photo.shape}, output {result.shape}")
for name, seconds in timings.items():
    print(f"{name:>10}: {seconds * 1000:8.1f} ms")
print(f"speed-up: {timings['loops'] / timings['vectorized']:.0f}×")

# %% [markdown]
# ## 2. A vertical edge, by hand
#
# Here is the classic example. A 6×6 image whose left half is bright (10) and right half dark (0),
# and the **vertical-edge kernel**: each row is $[1, 0, -1]$.
#
# $$x = \begin{bmatrix} 10&10&10&0&0&0\\ 10&10&10&0&0&0\\ \vdots&&&&&\vdots\\ 10&10&10&0&0&0 \end{bmatrix},
# \qquad k = \begin{bmatrix} 1&0&-1\\ 1&0&-1\\ 1&0&-1 \end{bmatrix}.$$
#
# The kernel computes "(left column) minus (right column)" of each 3×3 window: zero where the
# window sees a flat region, large where the left side is brighter than the right.

# %%
bright_left = images.step_image(6, bright=10.0, bright_left=True)
vertical = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax, array, title in [(axes[0], bright_left, "image 6×6"), (axes[1], vertical, "kernel 3×3")]:
    ax.imshow(array, cmap="gray", vmin=min(array.min(), 0), vmax=max(array.max(), 1))
    for (r, c), v in np.ndenumerate(array):
        ax.text(c, r, f"{v:g}", ha="center", va="center", color="tab:red", fontsize=9)
    ax.set_title(title); ax.set_xticks([]); ax.set_yticks([])
plt.show()


# %% [markdown]
# ### Exercise 2 — predict before you compute (2 points)
#
# Without running your function, work out the 4×4 output **on paper**: that is `band`.
# Then do the same for the mirror image, `band_flipped`: dark on the left (0), bright on the right (10),
# with the same kernel. Type the numbers into `predicted_bands`, as `np.array([[...], ...])`.
#
# Hints: how many output columns have a window that straddles the edge? What does each of those
# windows see in its left column and in its right column?

# %% solution="edge_predictions"
def predicted_bands():
    """Return (band, band_flipped): your two predicted 4×4 outputs, typed by hand."""
    ### BEGIN SOLUTION
    band = np.array([[0.0, 30.0, 30.0, 0.0]] * 4)
    band_flipped = np.array([[0.0, -30.0, -30.0, 0.0]] * 4)
    return band, band_flipped
    ### END SOLUTION


# %% tests="test_edge_predictions" points=2
band, band_flipped = predicted_bands()
for name, value in [("band", band), ("band_flipped", band_flipped)]:
    assert np.shape(value) == (4, 4), f"{name} must be a 4×4 array, got shape {np.shape(value)}"
print("both predictions are 4×4; the grader checks the numbers")
### BEGIN HIDDEN TESTS
helpers.grading.check_edge_bands(predicted_bands)
### END HIDDEN TESTS

# %% [markdown]
# Now compute both with your `correlate2d` and compare with what you predicted.

# %%
bright_right = images.step_image(6, bright=10.0, bright_left=False)
for name, image in [("bright left, dark right", bright_left), ("dark left, bright right", bright_right)]:
    print(name, "->\n", correlate2d(image, vertical))

# %% [markdown]
# Three things to notice.
#
# - **The edge becomes a band.** The output is bright exactly in the two middle columns, whose
#   windows straddle the edge; the flat regions give 0. In a 6×6 image the band looks fat (half the
#   output); in a 1000-pixel-wide photo the same two columns are a thin line right on the edge.
# - **The sign says which way the edge goes.** Bright-to-dark (left to right) gives $+30$;
#   dark-to-bright gives $-30$. Take the absolute value if you only care *whether* there is an edge.
# - **The size of the number** is the contrast (10) times the kernel's weight on each side (3).
#
# ## 3. Horizontal edges, Sobel and Scharr
#
# Transpose the kernel and it finds **horizontal** edges (bright above, dark below gives a positive
# response). Giving the centre row more weight makes the filter less sensitive to noise:
#
# | filter | $x$-direction kernel (vertical edges) | centre weight |
# |---|---|---|
# | vertical (Prewitt) | $\begin{bmatrix}1&0&-1\\1&0&-1\\1&0&-1\end{bmatrix}$ | 1 |
# | Sobel | $\begin{bmatrix}1&0&-1\\2&0&-2\\1&0&-1\end{bmatrix}$ | 2 |
# | Scharr | $\begin{bmatrix}3&0&-3\\10&0&-10\\3&0&-3\end{bmatrix}$ | 10/3 |
#
# Each $y$-direction kernel is the transpose. In a CNN nobody types these numbers: the first layer
# *learns* kernels, and after training many of them look like these. Below, the four kernels on an
# image with a bright square, where all four kinds of edges appear.

# %%
square = np.zeros((12, 12)); square[3:9, 3:9] = 1.0
sobel_x = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
scharr_x = np.array([[3.0, 0.0, -3.0], [10.0, 0.0, -10.0], [3.0, 0.0, -3.0]])
kernels = {"vertical": vertical, "horizontal": vertical.T, "Sobel x": sobel_x, "Scharr y": scharr_x.T}
fig, axes = plt.subplots(1, 5, figsize=(12, 2.6))
axes[0].imshow(square, cmap="gray"); axes[0].set_title("image")
for ax, (name, k) in zip(axes[1:], kernels.items()):
    response = correlate2d(square, k)
    limit = np.abs(response).max()
    ax.imshow(response, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"{name}: [{response.min():g}, {response.max():g}]", fontsize=9)
for ax in axes:
    ax.set_xticks([]); ax.set_yticks([])
plt.show()


# %% [markdown]
# Red is positive, blue negative. The vertical filter finds the left and right sides with opposite
# signs and ignores the top and bottom; the horizontal filter does the opposite.
#
# ### Edge magnitude and orientation
#
# Two responses per pixel, $g_x$ (from the $x$ kernel) and $g_y$ (from its transpose), form a vector.
# Its length is the **edge strength**, whatever the direction; its angle is the edge's **orientation**:
#
# $$\text{magnitude} = \sqrt{g_x^2 + g_y^2}, \qquad \text{orientation} = \operatorname{atan2}(g_y, g_x) \in [-\pi, \pi].$$
#
# Use `np.arctan2(gy, gx)`, not `np.arctan(gy / gx)`: the latter divides by zero on horizontal
# edges and cannot tell $(g_x, g_y)$ from $(-g_x, -g_y)$, i.e. a bright-to-dark edge from a
# dark-to-bright one (they differ by $\pi$).
#
# ### Exercise 3 — Sobel edges (2 points)
#
# Write `sobel_edges(image)`: compute $g_x$ with the Sobel $x$ kernel above (`sobel_x`, rows
# $[1,0,-1], [2,0,-2], [1,0,-1]$) and $g_y$ with its transpose, both with **your** `correlate2d`;
# return `(magnitude, orientation)`, each of shape $(H-2, W-2)$.
#
# **Write it yourself.** The grader does not accept a call to `scipy.ndimage.sobel` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="sobel_edges"
def sobel_edges(image):
    """Sobel edge strength and direction of a grey-scale image (H, W).

    Returns (magnitude, orientation), each (H - 2, W - 2): sqrt(gx² + gy²) and arctan2(gy, gx),
    where gx uses [[1, 0, -1], [2, 0, -2], [1, 0, -1]] and gy its transpose.
    """
    ### BEGIN SOLUTION
    kx = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    gx = correlate2d(image, kx)
    gy = correlate2d(image, kx.T)
    return np.hypot(gx, gy), np.arctan2(gy, gx)
    ### END SOLUTION


# %% tests="test_sobel_edges" points=2
top_bright = np.zeros((5, 5)); top_bright[:2] = 1.0      # a horizontal edge between rows 1 and 2
magnitude, orientation = sobel_edges(top_bright)
assert_close(magnitude, [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0], [0.0, 0.0, 0.0]], name="magnitude", inputs=top_bright)
assert_close(orientation[:2], np.full((2, 3), np.pi / 2), name="orientation on the edge")
### BEGIN HIDDEN TESTS
helpers.grading.check_sobel_edges(sobel_edges)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Real photographs
#
# Three photos that ship inside installed packages (matplotlib and scikit-learn; nothing is
# downloaded), converted to grey levels in $[0, 1]$. For each: the photo, $|g_x|$ (vertical edges),
# $|g_y|$ (horizontal edges) and the magnitude.

# %%
fig, axes = plt.subplots(3, 4, figsize=(12, 8.5))
for row, name in zip(axes, images.PHOTOS):
    photo = images.load_photo(name, size=256)
    gx = correlate2d(photo, sobel_x)
    gy = correlate2d(photo, sobel_x.T)
    magnitude, _ = sobel_edges(photo)
    for ax, array, title in zip(row, [photo, np.abs(gx), np.abs(gy), magnitude],
                                [name, "|gx|: vertical edges", "|gy|: horizontal edges", "magnitude"]):
        ax.imshow(array, cmap="gray" if ax is row[0] else "magma")
        ax.set_title(title, fontsize=9); ax.axis("off")
plt.show()

# %% [markdown]
# Look at the Grace Hopper portrait: $|g_x|$ picks up the stars of the flag and the slanted edges of
# the collar and lapels; $|g_y|$ the brim of the cap, the glasses, the mouth and the row of ribbons.
# Oblique edges appear in both.
#
# **Orientation as colour.** Below, the hue of each pixel is its orientation and the brightness its
# magnitude. Edges that run the same way share a colour; the two sides of a thin bright line get
# opposite colours (they differ by $\pi$).

# %%
from matplotlib.colors import hsv_to_rgb

photo = images.load_photo("china", size=256)
magnitude, orientation = sobel_edges(photo)
hsv = np.stack([(orientation + np.pi) / (2 * np.pi), np.ones_like(orientation),
                np.clip(magnitude / np.percentile(magnitude, 99), 0, 1)], axis=-1)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].imshow(photo, cmap="gray"); axes[0].set_title("photo")
axes[1].imshow(hsv_to_rgb(hsv)); axes[1].set_title("orientation (hue) × magnitude (brightness)")
for ax in axes:
    ax.axis("off")
plt.show()

# %% [markdown]
# ### From edge strength to an edge map
#
# An **edge map** keeps the pixels whose magnitude is above a threshold. The threshold trades
# missed edges (too high) against texture and noise (too low). A simple rule: a fixed fraction of the
# largest magnitude.

# %%
photo = images.load_photo("grace_hopper", size=256)
magnitude, _ = sobel_edges(photo)
fractions = [0.05, 0.15, 0.3]
fig, axes = plt.subplots(1, len(fractions), figsize=(10, 3.8))
for ax, fraction in zip(axes, fractions):
    edges = magnitude > fraction * magnitude.max()
    ax.imshow(edges, cmap="gray_r"); ax.axis("off")
    ax.set_title(f"threshold {fraction:.0%} of max: {edges.mean():.1%} of pixels", fontsize=9)
plt.show()

# %% [markdown]
# ## 5. Explore: design your own kernel
#
# Pick a preset or set the nine weights yourself, and watch the filtered photo and the edge map change.
# Try to predict the result first:
#
# - *identity* (a single 1 in the centre) leaves the photo unchanged;
# - all weights equal (*box blur*) smooths; their sum decides the brightness;
# - weights that **sum to zero** (every edge filter) give 0 on flat regions;
# - swap the $+1$ and $-1$ columns of the vertical filter and every sign flips, but the edge map of the
#   absolute value does not change.
#
# The panel "your correlate2d" is the photo filtered by **your** function, beside the reference's.
# Where the two differ, a red square marks the first pixel that does, in both. A kernel that is
# symmetric (identity, Laplacian, box blur) cannot tell cross-correlation from convolution; the
# Sobel filters can.

# %%
from helpers.widgets.w03 import KernelExplorer

KernelExplorer(photo="grace_hopper", preset="Sobel x", correlate2d=correlate2d)

# %% [markdown]
# ## Summary
#
# - A deep-learning "convolution" is a cross-correlation: slide, multiply, sum, no kernel flip.
#   A valid output has shape $(H - k_h + 1, W - k_w + 1)$.
# - Loop over the kernel entries, not the pixels: the same result, orders of magnitude faster.
# - An edge filter's weights sum to zero; the sign of its output gives the direction of the edge
#   (bright-to-dark $+$, dark-to-bright $-$).
# - Sobel and Scharr weight the centre row more; $\sqrt{g_x^2 + g_y^2}$ and $\operatorname{atan2}(g_y, g_x)$
#   give an edge's strength and orientation.
#
# Next week: padding and stride, several channels and many filters at once, pooling, backpropagation
# through a convolution, and a small CNN trained on digits.
