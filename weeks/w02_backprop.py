# %% [markdown]
# # Week 2 — Backpropagation by hand for a two-layer network
#
# Last week's classifier was a single layer: a straight line (a hyperplane) between classes.
# This week you add a **hidden layer** and train it by computing every gradient yourself:
#
# 1. **gradient descent** on a function you can solve by hand, and what the learning rate does;
# 2. the **chain rule** on a small computation graph, one node at a time;
# 3. the **forward pass** and the **cost** of a two-layer network;
# 4. the **four gradients** $\partial J/\partial V$, $\partial J/\partial c$, $\partial J/\partial W$, $\partial J/\partial b$, each graded on its own;
# 5. the hidden activation swapped for **tanh** and **ReLU**;
# 6. **gradient checking**: how to prove a gradient right with finite differences;
# 7. **training** on the two-moons data set, where a linear model cannot succeed;
# 8. an explorer that trains the network while you watch.
#
# Each exercise has a solution cell to fill in and a test cell below it. The visible test runs
# one small case and prints what it expected when something is off; the grader runs more cases
# (a single sample, odd sizes, other activations), so write general code.
#
# Run the next cell first.
#
# Symbols that change meaning between weeks are listed in the [notation page](../NOTATION.md).

# %%
import numpy as np
import matplotlib.pyplot as plt

import helpers
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)


def one_hot(y, n_classes):
    """Integer labels y (N,) -> indicator matrix T (N, n_classes): T[n, y[n]] = 1, else 0."""
    return np.eye(n_classes)[y]


one_hot(np.array([0, 2, 1]), 3)


# %% [markdown]
# ## 1. Warm-up: gradient descent on $J(x) = x^2 + x$
#
# A network has no closed-form best weights: we cannot set the derivative to zero and solve.
# Instead we **descend**: compute the gradient, take a small step against it, repeat.
#
# $$x_{t+1} = x_t - \eta\,\frac{dJ}{dx}(x_t)$$
#
# $\eta$ is the **learning rate**. Try it first on a function whose answer we know:
# $J(x) = x^2 + x$ has $dJ/dx = 2x + 1$, which is zero at $x^\star = -\tfrac12$ (where $J = -\tfrac14$).
#
# ### Exercise 1 — gradient descent (1 point)
#
# Return the whole trajectory: an array of `n_steps + 1` positions that starts with `x0`
# and applies the update `n_steps` times.

# %% solution="gradient_descent"
def gradient_descent(x0, lr, n_steps):
    """Minimise J(x) = x**2 + x from x0 with step size lr.

    Returns a float array of shape (n_steps + 1,): x0, x1, ..., x_{n_steps}.
    """
    ### BEGIN SOLUTION
    xs = [float(x0)]
    for _ in range(n_steps):
        xs.append(xs[-1] - lr * (2 * xs[-1] + 1))
    return np.array(xs)
    ### END SOLUTION


# %% tests="test_gradient_descent" points=1
# x1 = 3 - 0.25 * (2*3 + 1) = 1.25, and so on
assert_close(gradient_descent(3.0, 0.25, 3), [3.0, 1.25, 0.375, -0.0625], name="gradient_descent")
### BEGIN HIDDEN TESTS
helpers.grading.check_gradient_descent(gradient_descent)
### END HIDDEN TESTS

# %% [markdown]
# ### How the learning rate changes the path
#
# Write $e_t = x_t - x^\star$ for the distance to the minimum. The update gives
# $e_{t+1} = (1 - 2\eta)\,e_t$: every step multiplies the error by $1 - 2\eta$. So
#
# - $\eta$ small (0.02): the factor is 0.96; the path creeps towards $-\tfrac12$;
# - $\eta = 0.5$: the factor is 0, one step lands exactly on the minimum;
# - $0.5 < \eta < 1$: the factor is negative, the path jumps over the minimum, back and forth, and still converges;
# - $\eta > 1$: $|1 - 2\eta| > 1$, every jump is longer than the last: it **diverges**.
#
# The same three regimes appear when you train a network, only you cannot compute the
# boundaries in advance. Each panel starts at $x_0 = 2$:

# %%
settings = [(0.02, "too small"), (0.3, "about right"), (0.9, "overshoots, converges"), (1.05, "diverges")]
fig, axes = plt.subplots(1, 5, figsize=(16, 3.2))
for ax, (lr, verdict) in zip(axes, settings):
    xs = gradient_descent(2.0, lr, 15)
    reach = max(3.0, np.abs(xs).max() + 0.5)
    x_grid = np.linspace(-reach, reach, 200)
    ax.plot(x_grid, x_grid ** 2 + x_grid, color="gray", lw=1)
    ax.plot(xs, xs ** 2 + xs, "o-", ms=3, lw=0.8)
    ax.plot(xs[0], xs[0] ** 2 + xs[0], "ks", ms=5)
    ax.set_title(f"η = {lr}: {verdict}", fontsize=9); ax.set_xlabel("x")
    axes[-1].plot(np.abs(xs + 0.5), marker="o", ms=3, label=f"η = {lr}")
axes[0].set_ylabel("J(x) = x² + x  (square: start)")
axes[-1].set_yscale("log"); axes[-1].set_xlabel("step t"); axes[-1].set_title("|x_t − x*| (log scale)", fontsize=9)
axes[-1].legend(fontsize=7)
plt.show()


# %% [markdown]
# ## 2. The chain rule on a computation graph
#
# Backpropagation is the chain rule applied node by node. Take
# $f(x, y, z) = \sigma\big((x + y)\,z\big)$ and name every intermediate value:
#
# ```
# x ──┐
#     (+) ── q ──┐
# y ──┘          (×) ── r ── (σ) ── f
# z ─────────────┘
# ```
#
# $q = x + y$, $\quad r = q\,z$, $\quad f = \sigma(r)$.
#
# **Forward**, left to right, compute $q$, $r$, $f$. **Backward**, right to left, each node
# multiplies the gradient arriving from its output by its own local derivative:
#
# | node | local derivatives | what it sends back |
# |---|---|---|
# | $f = \sigma(r)$ | $\partial f/\partial r = \sigma(r)(1 - \sigma(r)) = f(1 - f)$ | $\dfrac{\partial f}{\partial r}$ |
# | $r = q\,z$ | $\partial r/\partial q = z$, $\;\partial r/\partial z = q$ | $\dfrac{\partial f}{\partial q} = \dfrac{\partial f}{\partial r}\,z$, $\;\dfrac{\partial f}{\partial z} = \dfrac{\partial f}{\partial r}\,q$ |
# | $q = x + y$ | $\partial q/\partial x = \partial q/\partial y = 1$ | $\dfrac{\partial f}{\partial x} = \dfrac{\partial f}{\partial y} = \dfrac{\partial f}{\partial q}$ |
#
# Three patterns to remember: an **add** node copies its incoming gradient to both inputs; a
# **multiply** node sends each input the gradient times the *other* input; a **sigmoid**
# node multiplies by $f(1-f)$, computed from its own output.
#
# ### Exercise 2 — fill in the numbers (2 points)
#
# Use $x = -1$, $y = 3$, $z = -0.5$. Compute the forward values, then the backward ones.
# You may compute them with Python expressions (recommended) or by hand; the grader accepts
# 4 significant digits.

# %% solution="graph_answers"
def graph_answers():
    """The forward and backward values of f = sigmoid((x + y) * z) at x = -1, y = 3, z = -0.5.

    Returns a list of 8 numbers, in this order:
    [q, r, f, df_dr, df_dz, df_dq, df_dx, df_dy]
    """
    x, y, z = -1.0, 3.0, -0.5
    ### BEGIN SOLUTION
    q = x + y
    r = q * z
    f = 1.0 / (1.0 + np.exp(-r))
    df_dr = f * (1.0 - f)
    df_dz = df_dr * q
    df_dq = df_dr * z
    df_dx = df_dq
    df_dy = df_dq
    ### END SOLUTION
    return [q, r, f, df_dr, df_dz, df_dq, df_dx, df_dy]


# %% tests="test_graph_answers" points=2
answers = np.asarray(graph_answers(), dtype=float)
assert answers.shape == (8,), f"return 8 numbers, got shape {answers.shape}"
assert np.all(np.isfinite(answers)), "every answer must be a finite number"
assert_close(answers[:2], [2.0, -1.0], name="q and r")
### BEGIN HIDDEN TESTS
helpers.grading.check_graph_answers(graph_answers)
### END HIDDEN TESTS

# %% [markdown]
# The visible test checks only $q$ and $r$. Check your backward values yourself the way every
# gradient in this course is checked: nudge one input by a tiny $h$ in both directions and
# look at how much $f$ moves, $\;\partial f/\partial x \approx \dfrac{f(x + h) - f(x - h)}{2h}$.

# %%
def f_graph(x, y, z):
    return 1.0 / (1.0 + np.exp(-(x + y) * z))


q, r, f, df_dr, df_dz, df_dq, df_dx, df_dy = graph_answers()
h = 1e-6
x, y, z = -1.0, 3.0, -0.5
print("df/dx: yours", df_dx, " numerical", (f_graph(x + h, y, z) - f_graph(x - h, y, z)) / (2 * h))
print("df/dy: yours", df_dy, " numerical", (f_graph(x, y + h, z) - f_graph(x, y - h, z)) / (2 * h))
print("df/dz: yours", df_dz, " numerical", (f_graph(x, y, z + h) - f_graph(x, y, z - h)) / (2 * h))


# %% [markdown]
# ## 3. The two-layer network and its forward pass
#
# The network maps $D$ input features to $K$ class probabilities through $M$ hidden units:
#
# $$Z = \sigma(XW + b), \qquad Y = \operatorname{softmax}(ZV + c)$$
#
# | symbol | shape | meaning |
# |---|---|---|
# | $X$ | $(N, D)$ | a batch of $N$ inputs, one per row |
# | $W$, $b$ | $(D, M)$, $(M,)$ | input → hidden weights and biases |
# | $Z$ | $(N, M)$ | hidden activations |
# | $V$, $c$ | $(M, K)$, $(K,)$ | hidden → output weights and biases |
# | $Y$ | $(N, K)$ | predicted probabilities; every row sums to 1 |
# | $T$ | $(N, K)$ | targets, one-hot: $T_{nk} = 1$ when sample $n$ is in class $k$ |
#
# Adding `b` of shape `(M,)` to `X @ W` of shape `(N, M)` broadcasts it over the rows:
# the same bias for every sample.
#
# ### Exercise 3 — forward pass (2 points)
#
# Return `(Z, Y)`. The hidden activation is chosen by `activation`: `"sigmoid"` (the
# default), `"tanh"` or `"relu"` (all three from week 1; use `np.tanh` and `np.maximum`).
# The softmax must be the stable one: subtract each row's maximum before `np.exp`. This cell
# is graded with the sigmoid; section 6 grades the tanh and ReLU branches.

# %% solution="forward"
def forward(X, W, b, V, c, activation="sigmoid"):
    """Forward pass of the two-layer network.

    X (N, D), W (D, M), b (M,), V (M, K), c (K,); activation: "sigmoid", "tanh" or "relu".
    Returns Z (N, M), the hidden activations, and Y (N, K), the softmax probabilities.
    """
    ### BEGIN SOLUTION
    a = X @ W + b
    if activation == "sigmoid":
        Z = 1.0 / (1.0 + np.exp(-a))
    elif activation == "tanh":
        Z = np.tanh(a)
    elif activation == "relu":
        Z = np.maximum(a, 0.0)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    logits = Z @ V + c
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    Y = e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION
    return Z, Y


# %% [markdown]
# The visible tests use the same tiny network: $N = 3$ samples, $D = 2$ inputs, $M = 3$ hidden
# units, $K = 2$ classes.

# %%
Xs = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.5]])
Ws = np.array([[0.1, -0.3, 0.2], [0.4, 0.0, -0.1]])
bs = np.array([0.0, 0.1, -0.2])
Vs = np.array([[0.5, -0.5], [0.3, 0.2], [-0.4, 0.1]])
cs = np.array([0.1, -0.1])
Ts = one_hot(np.array([0, 1, 1]), 2)

# %% tests="test_forward" points=2
Z, Y = forward(Xs, Ws, bs, Vs, cs)
assert_close(Z, [[0.3318122278318339, 0.45016600268752216, 0.549833997312478],
                 [0.5124973964842103, 0.4875026035157896, 0.47502081252106],
                 [0.6224593312018546, 0.598687660112452, 0.36586440898919936]], name="Z")
assert_close(Y, [[0.574909812761319, 0.4250901872386811],
                 [0.6280212444133285, 0.3719787555866716],
                 [0.6680538202010982, 0.3319461797989018]], name="Y")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_forward(forward)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The cost
#
# The likelihood of the targets under the model is $\prod_n \prod_k Y_{nk}^{T_{nk}}$ (only the
# true class of each sample contributes). Its negative logarithm is the cost we minimise:
#
# $$J = -\sum_{n=1}^{N}\sum_{k=1}^{K} T_{nk}\,\log Y_{nk}.$$
#
# Note: this week $J$ is the **sum** over the batch, not the mean of week 1. Every gradient
# below is then a sum over samples too, with no $1/N$; the price is that the learning rate
# must shrink when the batch grows.
#
# ### Exercise 4 — cost (1 point)
#
# **Write it yourself.** The grader does not accept a call to `sklearn.metrics.log_loss`, `scipy.stats.entropy` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="cost"
def cost(T, Y):
    """Cross-entropy summed over the batch: -sum_n sum_k T[n, k] log Y[n, k].

    T (N, K) one-hot targets, Y (N, K) probabilities. Returns a float.
    """
    ### BEGIN SOLUTION
    return float(-np.sum(T * np.log(Y)))
    ### END SOLUTION


# %% tests="test_cost" points=1
Ys_given = np.array([[0.574909812761319, 0.4250901872386811],
                     [0.6280212444133285, 0.3719787555866716],
                     [0.6680538202010982, 0.3319461797989018]])
assert_close(cost(Ts, Ys_given), 2.6452430650821626, name="cost")  # -(log 0.5749 + log 0.3720 + log 0.3319)
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_cost(cost)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The four gradients
#
# ### The output layer: $\partial J/\partial V$ and $\partial J/\partial c$
#
# Write $A = ZV + c$ for the output logits. Week 1 showed that for softmax with
# cross-entropy the gradient with respect to the logits is simply "prediction minus target";
# with a summed cost there is no $1/N$:
#
# $$\frac{\partial J}{\partial A_{nk}} = Y_{nk} - T_{nk}.$$
#
# $A_{nk} = \sum_m Z_{nm}V_{mk} + c_k$, so $\partial A_{nk}/\partial V_{mk} = Z_{nm}$ and
# $\partial A_{nk}/\partial c_k = 1$. Every sample $n$ uses the same $V$ and $c$, so their
# contributions add up:
#
# $$\frac{\partial J}{\partial V_{mk}} = \sum_{n=1}^{N} (Y_{nk} - T_{nk})\,Z_{nm},
# \qquad \frac{\partial J}{\partial c_k} = \sum_{n=1}^{N} (Y_{nk} - T_{nk}).$$
#
# **Vectorise.** A sum over $n$ of a product of two arrays that both have $n$ as their first
# index is a matrix product with the first one transposed: $\partial J/\partial V = Z^\top (Y - T)$,
# shape $(M, N)(N, K) = (M, K)$, the shape of $V$. A gradient always has the shape of the
# thing it is the gradient of: that is the quickest check of a transpose.
#
# The next cell computes $Z$ and $Y$ of the tiny network with the course's reference kernel,
# so that the gradient tests do not depend on your forward pass.

# %%
Zs, Ys = helpers.mlp.two_layer_forward(Xs, Ws, bs, Vs, cs)
print("Z =\n", Zs, "\nY =\n", Ys)


# %% [markdown]
# ### Exercise 5 — $\partial J/\partial V$ (1 point)

# %% solution="grad_V"
def grad_V(Z, Y, T):
    """dJ/dV for the summed cost. Z (N, M), Y (N, K), T (N, K) -> (M, K)."""
    ### BEGIN SOLUTION
    return Z.T @ (Y - T)
    ### END SOLUTION


# %% tests="test_grad_V" points=1
assert_close(grad_V(Zs, Ys, Ts), [[0.5966454647707062, -0.5966454647707061],
                                  [0.5147564197891765, -0.5147564197891764],
                                  [0.3090112410348045, -0.3090112410348044]], name="dJ/dV")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_grad_V(grad_V)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 6 — $\partial J/\partial c$ (1 point)
#
# A sum over the samples: which axis is that?

# %% solution="grad_c"
def grad_c(Y, T):
    """dJ/dc for the summed cost. Y (N, K), T (N, K) -> (K,)."""
    ### BEGIN SOLUTION
    return (Y - T).sum(axis=0)
    ### END SOLUTION


# %% tests="test_grad_c" points=1
assert_close(grad_c(Ys, Ts), [0.8709848773757457, -0.8709848773757455], name="dJ/dc")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_grad_c(grad_c)
### END HIDDEN TESTS

# %% [markdown]
# ### Through the hidden layer: $\partial J/\partial W$ and $\partial J/\partial b$
#
# Now go one layer further back. Write $a = XW + b$ for the hidden pre-activations, so $Z = \sigma(a)$.
# Three links of the chain:
#
# 1. $A_{nk}$ depends on $Z_{nm}$ through $V_{mk}$: $\;\partial A_{nk}/\partial Z_{nm} = V_{mk}$.
#    Hidden unit $m$ feeds **every** output $k$, so its gradient sums over $k$:
#    $\;\partial J/\partial Z_{nm} = \sum_k (Y_{nk} - T_{nk})\,V_{mk}$, i.e. $(Y - T)V^\top$.
# 2. Through the activation: $\partial Z_{nm}/\partial a_{nm} = Z_{nm}(1 - Z_{nm})$ for the sigmoid.
# 3. $a_{nm} = \sum_d X_{nd}W_{dm} + b_m$: $\;\partial a_{nm}/\partial W_{dm} = X_{nd}$ and $\partial a_{nm}/\partial b_m = 1$.
#
# Multiplying the links and summing over every path (every $n$ and every $k$):
#
# $$\frac{\partial J}{\partial W_{dm}} = \sum_{n=1}^{N}\sum_{k=1}^{K} (Y_{nk} - T_{nk})\,V_{mk}\,Z_{nm}(1 - Z_{nm})\,X_{nd},
# \qquad \frac{\partial J}{\partial b_m} = \sum_{n=1}^{N}\sum_{k=1}^{K} (Y_{nk} - T_{nk})\,V_{mk}\,Z_{nm}(1 - Z_{nm}).$$
#
# Look at the pattern: the error at the hidden layer, $\delta = \big((Y - T)V^\top\big) \odot Z(1-Z)$,
# shape $(N, M)$, plays exactly the role that $Y - T$ played for $V$ and $c$:
# $\partial J/\partial W = X^\top\delta$, $\;\partial J/\partial b = \sum_n \delta_n$. The error at each layer is
# computed from the error of the layer to its right: that recursion is what "backpropagation" means,
# and why libraries can do it automatically for any depth.
#
# **Other activations.** Only link 2 depends on the activation, and for all three it can be written
# with the output $Z$ alone:
#
# | activation | $Z = f(a)$ | $\partial Z/\partial a$ written with $Z$ |
# |---|---|---|
# | sigmoid | $1/(1 + e^{-a})$ | $Z(1 - Z)$ |
# | tanh | $\tanh a$ | $1 - Z^2$ |
# | ReLU | $\max(0, a)$ | $1$ where $Z > 0$, else $0$ (the unit step of $Z$) |
#
# ### Exercise 7 — the error at the hidden layer, $\delta$ (2 points)
#
# Write the recursion itself: $\delta = \big((Y - T)V^\top\big) \odot \partial Z/\partial a$, shape $(N, M)$,
# with $\partial Z/\partial a$ written with $Z$ as in the table. Implement all three activations (all
# three are graded here). The next two exercises use it.

# %% id="2916f6ab" solution="hidden_delta"
def hidden_delta(Z, Y, T, V, activation="sigmoid"):
    """δ = dJ/da at the hidden layer, for the summed cost.

    Z (N, M), Y (N, K), T (N, K), V (M, K); activation: "sigmoid", "tanh" or "relu".
    Returns an array of shape (N, M).
    """
    ### BEGIN SOLUTION
    if activation == "sigmoid":
        dZ_da = Z * (1.0 - Z)
    elif activation == "tanh":
        dZ_da = 1.0 - Z * Z
    elif activation == "relu":
        dZ_da = (Z > 0).astype(float)
    else:
        raise ValueError(f"unknown activation {activation!r}")
    return ((Y - T) @ V.T) * dZ_da
    ### END SOLUTION


# %% id="1e20d4a2" tests="test_hidden_delta" points=2
assert_close(hidden_delta(Zs, Ys, Ts, Vs),
             [[-0.0942479668213937, -0.010521686623876108, 0.05260843311938058],
              [0.15690722365621626, 0.015690722365621627, -0.07830672554440413],
              [0.15699512769771462, 0.016050710903699326, -0.0774967961858845]], name="delta")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_hidden_delta(hidden_delta)
### END HIDDEN TESTS

# %% [markdown] id="c6cd8f76"
# ### Exercise 8 — $\partial J/\partial W$ (2 points)
#
# With $\delta$ in hand, $\partial J/\partial W = X^\top\delta$: call your `hidden_delta` (the sigmoid is graded
# here, tanh and ReLU in section 6).

# %% solution="grad_W"
def grad_W(X, Z, Y, T, V, activation="sigmoid"):
    """dJ/dW for the summed cost.

    X (N, D), Z (N, M), Y (N, K), T (N, K), V (M, K); activation: "sigmoid", "tanh" or "relu".
    Returns an array of shape (D, M).
    """
    ### BEGIN SOLUTION
    return X.T @ hidden_delta(Z, Y, T, V, activation)
    ### END SOLUTION


# %% tests="test_grad_W" points=2
assert_close(grad_W(Xs, Zs, Ys, Ts, Vs),
             [[-0.1727894826910002, -0.018727036344764622, 0.09095186653306303],
              [0.4239886251893593, 0.0451194396033012, -0.22146206051758793]], name="dJ/dW")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_grad_W(grad_W)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 9 — $\partial J/\partial b$ (1 point)

# %% solution="grad_b"
def grad_b(Z, Y, T, V, activation="sigmoid"):
    """dJ/db for the summed cost.

    Z (N, M), Y (N, K), T (N, K), V (M, K); activation: "sigmoid", "tanh" or "relu".
    Returns an array of shape (M,).
    """
    ### BEGIN SOLUTION
    return hidden_delta(Z, Y, T, V, activation).sum(axis=0)
    ### END SOLUTION


# %% tests="test_grad_b" points=1
assert_close(grad_b(Zs, Ys, Ts, Vs), [0.2196543845325372, 0.021219746645444845, -0.10319508861090806],
             name="dJ/db")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_grad_b(grad_b)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Other hidden activations: tanh and ReLU
#
# Why swap the sigmoid? Its derivative $Z(1-Z)$ is at most $0.25$, and almost zero once a
# unit saturates near 0 or 1: the gradient reaching $W$ is multiplied by that small factor.
# $\tanh$ has the same S shape but is centred on zero and its derivative reaches 1; ReLU's
# derivative is exactly 1 for every active unit and never saturates for $a > 0$ (but a unit
# with $a < 0$ for every sample gets no gradient at all: a "dead" unit).
#
# Nothing else in the backward pass changes: only the factor $\partial Z/\partial a$. The next two
# test cells grade the tanh and ReLU branches of your `forward`, `grad_W` and `grad_b`.

# %% tests="test_forward_activations" points=1
Z, Y = forward(Xs, Ws, bs, Vs, cs, activation="tanh")
assert_close(Z, [[-0.6043677771171635, -0.19737532022490398, 0.197375320224904],
                 [0.04995837495787997, -0.049958374957879956, -0.09966799462495582],
                 [0.46211715726000974, 0.3799489622552249, -0.5005202111902353]], name="Z (tanh)")
Z, Y = forward(Xs, Ws, bs, Vs, cs, activation="relu")
assert_close(Z, [[0.0, 0.0, 0.2], [0.05, 0.0, 0.0], [0.5, 0.4, 0.0]], name="Z (relu)")
assert_close(Y, [[0.5249791874789399, 0.47502081252106],
                 [0.5621765008857981, 0.4378234991142019],
                 [0.676995856238523, 0.323004143761477]], name="Y (relu)")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_forward_activations(forward)
### END HIDDEN TESTS

# %% tests="test_grad_activations" points=2
Z, Y = helpers.mlp.two_layer_forward(Xs, Ws, bs, Vs, cs, activation="tanh")
assert_close(grad_W(Xs, Z, Y, Ts, Vs, activation="tanh"),
             [[-0.6797984354901727, -0.09345518058183121, 0.43006119182093117],
              [1.6477472006709188, 0.2132303992973465, -1.0087312434001792]], name="dJ/dW (tanh)")
assert_close(grad_b(Z, Y, Ts, Vs, activation="tanh"),
             [0.7404277989850143, 0.05854742220718062, -0.2523250270392465], name="dJ/db (tanh)")
Z, Y = helpers.mlp.two_layer_forward(Xs, Ws, bs, Vs, cs, activation="relu")
assert_close(grad_W(Xs, Z, Y, Ts, Vs, activation="relu"),
             [[-0.3959076057956239, -0.0676995856238523, 0.23751040626053005],
              [1.0154937843577845, 0.10154937843577844, -0.4750208125210601]], name="dJ/dW (relu)")
assert_close(grad_b(Z, Y, Ts, Vs, activation="relu"),
             [1.2391723571243212, 0.0676995856238523, 0.23751040626053005], name="dJ/db (relu)")
### BEGIN HIDDEN TESTS
helpers.grading.check_two_layer_grad_W_activations(grad_W)
helpers.grading.check_two_layer_grad_b_activations(grad_b)
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Gradient checking
#
# A gradient derived by hand is wrong more often than not on the first try, and a wrong
# gradient does not crash: training just goes badly, and you will blame the learning rate.
# So prove every gradient against a **numerical** one before you train.
#
# **Central differences.** For each entry $\theta_i$ of a parameter array,
#
# $$\frac{\partial J}{\partial \theta_i} \approx \frac{J(\theta + h\,e_i) - J(\theta - h\,e_i)}{2h},$$
#
# where $e_i$ is 1 at position $i$ and 0 elsewhere. Its error is of order $h^2$ (the
# one-sided $(J(\theta + h e_i) - J(\theta))/h$ is only of order $h$). It costs two forward
# passes per parameter, so it is a test, never a way to train.
#
# **Relative error.** "Close" must not depend on the scale of the gradient, so compare
#
# $$\text{rel\_error}(g, \hat g) = \max_i \frac{|g_i - \hat g_i|}{|g_i| + |\hat g_i|}$$
#
# (`helpers.rel_error`, with a floor of $10^{-8}$ on the denominator). Rules of thumb in
# float64: below $10^{-7}$ the gradient is right; $10^{-4}$ to $10^{-7}$ deserves a look
# (a ReLU kink between $\theta - h$ and $\theta + h$ can cause it); above $10^{-2}$ it is wrong,
# and exactly 1 means an entry with the wrong sign.
#
# `helpers.numerical_gradient(f, theta, h)` perturbs `theta` in place (and restores it), so
# `f` must read the parameters from that array. Check all four of your gradients, for all three
# activations, on a random network:

# %%
rng = np.random.default_rng(0)
N, D, M, K = 5, 4, 6, 3
X = rng.normal(size=(N, D))
T = one_hot(rng.integers(0, K, size=N), K)
W, b = rng.normal(size=(D, M)), rng.normal(size=M)
V, c = rng.normal(size=(M, K)), rng.normal(size=K)

for activation in ["sigmoid", "tanh", "relu"]:
    Z, Y = forward(X, W, b, V, c, activation)
    J = lambda: cost(T, forward(X, W, b, V, c, activation)[1])   # reads W, b, V, c as they are now
    errors = {
        "W": helpers.rel_error(grad_W(X, Z, Y, T, V, activation), helpers.numerical_gradient(lambda _: J(), W)),
        "b": helpers.rel_error(grad_b(Z, Y, T, V, activation), helpers.numerical_gradient(lambda _: J(), b)),
        "V": helpers.rel_error(grad_V(Z, Y, T), helpers.numerical_gradient(lambda _: J(), V)),
        "c": helpers.rel_error(grad_c(Y, T), helpers.numerical_gradient(lambda _: J(), c)),
    }
    print(f"{activation:8s}", "   ".join(f"dJ/d{name}: {err:.1e}" for name, err in errors.items()))

# %% [markdown]
# ### Why $h \approx 10^{-5}$ to $10^{-7}$?
#
# Two errors pull in opposite directions. The **truncation** error of the central difference
# shrinks like $h^2$. But $J(\theta + h e_i)$ and $J(\theta - h e_i)$ are computed in float64,
# with a relative round-off of about $\varepsilon \approx 10^{-16}$; their difference loses
# that much of $J$, and dividing by $2h$ amplifies it: the **round-off** error grows like
# $\varepsilon/h$. For a cost and derivatives of order 1 the total $h^2 + \varepsilon/h$ is smallest
# near $h \approx \varepsilon^{1/3} \approx 10^{-5}$; down to $h \approx 10^{-7}$ the round-off part is still
# only about $10^{-9}$, so $10^{-5}$ to $10^{-7}$ is the safe range. A larger $h$ measures a secant, not
# a tangent; a smaller one measures noise.
#
# The plot shows two ways to summarise the error. The **entry-wise** maximum (`helpers.rel_error`)
# is the strictest: an entry of the gradient that is close to 0 keeps few correct digits relative to
# itself. The **norm** version $\lVert g - \hat g\rVert / (\lVert g\rVert + \lVert \hat g\rVert)$, common in
# tutorials with the threshold $10^{-7}$, is dominated by the large entries.

# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(5, 4))
T = one_hot(rng.integers(0, 3, size=5), 3)
W, b, V, c = rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=(6, 3)), rng.normal(size=3)
Z, Y = forward(X, W, b, V, c)
analytic = grad_W(X, Z, Y, T, V)
steps = np.logspace(-1, -13, 25)
entrywise, by_norm = [], []
for h in steps:
    numerical = helpers.numerical_gradient(lambda _: cost(T, forward(X, W, b, V, c)[1]), W, h=h)
    entrywise.append(helpers.rel_error(analytic, numerical))
    by_norm.append(np.linalg.norm(analytic - numerical) / (np.linalg.norm(analytic) + np.linalg.norm(numerical)))
plt.figure(figsize=(6.5, 3.6))
plt.loglog(steps, entrywise, "o-", ms=4, label="largest entry-wise relative error")
plt.loglog(steps, by_norm, "s-", ms=4, label="relative error of the norm")
plt.axvspan(1e-7, 1e-5, color="green", alpha=0.1, label="h from 1e-5 to 1e-7")
plt.axhline(1e-7, color="gray", lw=0.8, ls=":")
plt.gca().invert_xaxis()
plt.xlabel("step h (smaller to the right)"); plt.ylabel("error of the numerical dJ/dW")
plt.title("truncation error (left) vs round-off error (right)", fontsize=10); plt.legend(fontsize=8)
plt.show()

# %% [markdown]
# ### What a failing check looks like
#
# Here are three classic mistakes in $\partial J/\partial W$ and $\partial J/\partial c$, checked the same
# way. A forgotten or wrong factor gives a relative error far above $10^{-2}$; a flipped sign gives exactly 1
# (so does a single entry with the wrong sign: the error is the largest over the entries).
# The check also tells you *which* gradient is wrong, which is why each one is checked (and
# graded) on its own.

# %%
rng = np.random.default_rng(1)
X = rng.normal(size=(6, 3))
T = one_hot(rng.integers(0, 3, size=6), 3)
W, b, V, c = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=3)
Z, Y = forward(X, W, b, V, c)
numerical_W = helpers.numerical_gradient(lambda _: cost(T, forward(X, W, b, V, c)[1]), W)
numerical_c = helpers.numerical_gradient(lambda _: cost(T, forward(X, W, b, V, c)[1]), c)
candidates = {
    "dJ/dW, yours": (grad_W(X, Z, Y, T, V), numerical_W),
    "dJ/dW without the sigmoid factor Z(1 - Z)": (X.T @ ((Y - T) @ V.T), numerical_W),
    "dJ/dW with the tanh factor 1 - Z**2": (X.T @ (((Y - T) @ V.T) * (1 - Z ** 2)), numerical_W),
    "dJ/dc, yours": (grad_c(Y, T), numerical_c),
    "dJ/dc with T - Y instead of Y - T": ((T - Y).sum(axis=0), numerical_c),
}
for name, (analytic, numerical) in candidates.items():
    err = helpers.rel_error(analytic, numerical)
    print(f"{name:45s} relative error {err:.1e}   {'OK' if err < 1e-7 else 'WRONG'}")

# %% [markdown]
# ### Turn dropout (and any other randomness) off while checking
#
# In week 8 you will meet **dropout**, which zeroes a random half of the hidden units at every
# forward pass. A numerical gradient assumes that $J$ is a *function* of $\theta$: the same
# $\theta$ gives the same $J$. With a fresh random mask in every call, $J(\theta + h e_i)$ and
# $J(\theta - h e_i)$ differ by $O(1)$ because of the masks, and dividing by $2h = 2\cdot10^{-5}$
# turns that into "gradients" of order $10^4$. Check with dropout off (or with one fixed mask
# used by every call), then turn it back on to train.

# %%
rng = np.random.default_rng(2)
X = rng.normal(size=(6, 3))
T = one_hot(rng.integers(0, 2, size=6), 2)
W, b, V, c = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(4, 2)), rng.normal(size=2)
mask_rng = np.random.default_rng(3)


def cost_with_dropout(keep=0.5, fixed_mask=None):
    Z = 1.0 / (1.0 + np.exp(-(X @ W + b)))
    mask = fixed_mask if fixed_mask is not None else (mask_rng.random(Z.shape) < keep)
    Z = Z * mask / keep
    A = Z @ V + c
    A = A - A.max(axis=1, keepdims=True)
    return -np.sum(T * (A - np.log(np.exp(A).sum(axis=1, keepdims=True))))


fresh = helpers.numerical_gradient(lambda _: cost_with_dropout(), W)
one_mask = mask_rng.random((6, 4)) < 0.5
fixed = helpers.numerical_gradient(lambda _: cost_with_dropout(fixed_mask=one_mask), W)
Z, Y = forward(X, W, b, V, c)
print("numerical dJ/dW with a new dropout mask in every call (noise):\n", fresh)
print("\nnumerical dJ/dW with one fixed mask (a real gradient, of that masked network):\n", fixed)
print("\nrelative error of your dJ/dW (no dropout) against the noisy estimate:",
      f"{helpers.rel_error(grad_W(X, Z, Y, T, V), fresh):.2f}")

# %% [markdown]
# ## 8. Training on two moons
#
# Two interleaving half circles, 200 training and 200 test points, generated offline with a
# fixed seed (`helpers.data.make_moons`: the numbers of scikit-learn's `make_moons`, without the
# second it takes to import scikit-learn). No straight line separates them.

# %%
X_all, y_all = helpers.data.make_moons(n_samples=400, noise=0.2, seed=0)
X_train, y_train, X_test, y_test = X_all[:200], y_all[:200], X_all[200:], y_all[200:]
print("train", X_train.shape, "test", X_test.shape, "class counts", np.bincount(y_train))


def plot_boundary(ax, prob_class1, X, y, title=""):
    """Shade P(class 1) over the plane, draw the 0.5 contour, and the points coloured by class."""
    g0, g1 = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.5, 2, 120))
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    p = prob_class1(grid).reshape(g0.shape)
    ax.contourf(g0, g1, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.4)
    ax.contour(g0, g1, p, levels=[0.5], colors="k", linewidths=1.5)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=-0.6, vmax=1.6, edgecolors="k", s=18,
               linewidths=0.5)
    ax.set_title(title, fontsize=9); ax.set_xlim(-2, 3); ax.set_ylim(-1.5, 2)


fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", vmin=-0.6, vmax=1.6, edgecolors="k", s=18,
           linewidths=0.5)
ax.set_title("two moons: training set"); plt.show()


# %% [markdown]
# The training loop uses your functions: full-batch gradient descent, every step
# $\theta \leftarrow \theta - \eta\,\partial J/\partial\theta$ for all four parameters. Because $J$ is a sum over
# the 200 samples, $\eta = 0.003$ here is like $0.6$ for the mean cost.
#
# $W$ starts with random normal entries (if every hidden unit started equal, they would get
# equal gradients and stay copies of each other forever); $V$ is scaled by $1/\sqrt{M}$ so that the
# first logits are of order 1.

# %%
def train_two_layer(X, y, hidden=10, lr=0.003, steps=3000, activation="tanh", seed=0):
    """Full-batch gradient descent with your forward, cost and gradients.

    Returns (params, losses): params = (W, b, V, c), losses = the cost J before each step.
    """
    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1
    T = one_hot(y, n_classes)
    W = rng.normal(size=(X.shape[1], hidden))
    b = np.zeros(hidden)
    V = rng.normal(size=(hidden, n_classes)) / np.sqrt(hidden)
    c = np.zeros(n_classes)
    losses = []
    for _ in range(steps):
        Z, Y = forward(X, W, b, V, c, activation)
        losses.append(cost(T, Y))
        dW, db = grad_W(X, Z, Y, T, V, activation), grad_b(Z, Y, T, V, activation)
        dV, dc = grad_V(Z, Y, T), grad_c(Y, T)
        W, b, V, c = W - lr * dW, b - lr * db, V - lr * dV, c - lr * dc
    return (W, b, V, c), losses


def accuracy(params, X, y, activation):
    return float(np.mean(forward(X, *params, activation)[1].argmax(axis=1) == y))


# %%
fig, axes = plt.subplots(1, 4, figsize=(17, 3.6))
for activation, color in [("sigmoid", "tab:green"), ("tanh", "tab:blue"), ("relu", "tab:orange")]:
    params, losses = train_two_layer(X_train, y_train, hidden=10, activation=activation)
    axes[0].plot(losses, color=color, label=f"{activation}: test accuracy {accuracy(params, X_test, y_test, activation):.1%}")
    if activation != "sigmoid":
        index = 1 if activation == "tanh" else 2
        plot_boundary(axes[index], lambda P, p=params, a=activation: forward(P, *p, a)[1][:, 1], X_test, y_test,
                      f"{activation}, 10 hidden units: test set, accuracy {accuracy(params, X_test, y_test, activation):.1%}")
axes[0].set_yscale("log"); axes[0].set_xlabel("step"); axes[0].set_ylabel("cost J (sum over 200)")
axes[0].set_title("loss curves", fontsize=9); axes[0].legend(fontsize=7)
params, losses = train_two_layer(X_train, y_train, hidden=3, activation="tanh")
plot_boundary(axes[3], lambda P: forward(P, *params, "tanh")[1][:, 1], X_test, y_test,
              f"tanh, only 3 hidden units: accuracy {accuracy(params, X_test, y_test, 'tanh'):.1%}")
plt.show()


# %% [markdown]
# All three activations reach a curved boundary that follows the moons; the sigmoid is the
# slowest to get there (its small derivative again). With 3 hidden units the boundary is
# built from only 3 straight pieces, smoothly joined.
#
# ## 9. Why a linear model fails here
#
# Logistic (softmax) regression is the network without its hidden layer: $Y = \operatorname{softmax}(XW + c)$.
# Its decision boundary, where the two logits are equal, is the set of points with
# $x^\top(w_1 - w_0) + (c_1 - c_0) = 0$: always a straight line, whatever it learns. This cell
# trains it with the same summed cost (and runs even before you have written anything):

# %%
def train_logistic(X, y, lr=0.003, steps=3000):
    T = one_hot(y, 2)
    W, c = np.zeros((X.shape[1], 2)), np.zeros(2)
    for _ in range(steps):
        A = X @ W + c
        Y = np.exp(A - A.max(axis=1, keepdims=True))
        Y = Y / Y.sum(axis=1, keepdims=True)
        W, c = W - lr * X.T @ (Y - T), c - lr * (Y - T).sum(axis=0)
    return W, c


def logistic_prob(W, c, X):
    A = X @ W + c
    return 1.0 / (1.0 + np.exp(A[:, 0] - A[:, 1]))      # softmax of two logits, class 1


W_lin, c_lin = train_logistic(X_train, y_train)
wrong = (logistic_prob(W_lin, c_lin, X_test) > 0.5) != y_test
fig, ax = plt.subplots(figsize=(5.5, 3.8))
plot_boundary(ax, lambda P: logistic_prob(W_lin, c_lin, P), X_test, y_test,
              f"logistic regression: test accuracy {1 - wrong.mean():.1%}")
ax.scatter(X_test[wrong, 0], X_test[wrong, 1], s=90, facecolors="none", edgecolors="gold", linewidths=1.5,
           label=f"{wrong.sum()} misclassified")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# The best straight line cuts through both moons: the tip of each moon reaches into the
# other's hollow, and every point there (circled) is on the wrong side. No amount of training
# fixes it: the model *cannot* bend.
#
# The hidden layer is what bends it. Each hidden unit is itself a linear model of the input: it
# switches on along a line $x^\top W_{:,m} + b_m = 0$ (dashed below). The output layer adds the
# units' switches with the weights $V$, and a sum of several soft steps along different lines
# is a curved boundary.

# %%
params, losses = train_two_layer(X_train, y_train, hidden=5, activation="tanh")
W_net, b_net, _, _ = params
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
plot_boundary(axes[0], lambda P: logistic_prob(W_lin, c_lin, P), X_test, y_test, "linear: one straight line")
plot_boundary(axes[1], lambda P: forward(P, *params, "tanh")[1][:, 1], X_test, y_test,
              f"5 tanh hidden units (dashed: where each one switches), accuracy {accuracy(params, X_test, y_test, 'tanh'):.1%}")
x0 = np.linspace(-2, 3, 2)
for m in range(W_net.shape[1]):
    w0, w1 = W_net[:, m]
    axes[1].plot(x0, -(w0 * x0 + b_net[m]) / w1, "--", color="dimgray", lw=1.2)
axes[1].set_xlim(-2, 3); axes[1].set_ylim(-1.5, 2)
plt.show()

# %% [markdown]
# ## 10. Explore: watch it learn
#
# Choose the number of hidden units, the learning rate and the activation, then press
# **train** to run a fixed number of gradient-descent steps (the course's reference kernels,
# on the same 200 training points); press it again to continue. Changing the width or the
# activation starts a new network. Things to try:
#
# - 1 or 2 hidden units: how many straight pieces can the boundary have?
# - a learning rate of 0.03 or more: the loss curve jumps instead of falling;
# - ReLU with a large learning rate: some units die (the boundary stops changing);
# - sigmoid against tanh with the same budget of steps.
#
# A second network starts from the same weights and is trained with **your** `forward`, `grad_W`,
# `grad_b`, `grad_V` and `grad_c`: its loss curve is dashed and its boundary dotted over the
# reference's. If one of your functions ever gives a different result from the reference on the
# same weights, a red line marks the step on the loss plot and the line above the figure names the
# function; the first one named is the one to fix first.

# %%
from helpers.widgets.w02 import BackpropExplorer

BackpropExplorer(
    X_train, y_train, forward=forward, grad_W=grad_W, grad_b=grad_b, grad_V=grad_V, grad_c=grad_c
)

# %% [markdown]
# ## Summary
#
# - Gradient descent steps against the gradient; too small a learning rate crawls, too large diverges.
# - Backpropagation is the chain rule, node by node: add copies, multiply swaps, an activation multiplies by its own derivative.
# - For softmax + summed cross-entropy the output error is $Y - T$; the hidden error is $\big((Y - T)V^\top\big)\odot \partial Z/\partial a$;
#   each weight gradient is (input of the layer)$^\top$ × (error of the layer), each bias gradient the sum of the error over the batch.
# - Swapping the activation changes only $\partial Z/\partial a$: $Z(1-Z)$, $1 - Z^2$, or the step of $Z$.
# - Always check a gradient numerically (central differences, $h \approx 10^{-5}$, relative error below $10^{-7}$), with dropout off.
# - One hidden layer bends the decision boundary; a linear model never can.
#
# Next week: edges in real photos by cross-correlation, the operation inside every convolutional network.
