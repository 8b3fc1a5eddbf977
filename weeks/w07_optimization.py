# %% [markdown]
# # Week 7 — Optimization: from mini-batches to Adam
#
# Training a network is a loop: compute a gradient, take a step, repeat, often for hours. Projects move by
# trying an idea, training, looking at the result and trying again, so how fast (and how reliably) the loop
# converges decides how many ideas you can try. This week you build the pieces that every modern optimizer is
# made of, and race them against each other:
#
# 1. **mini-batch gradient descent**: a step per small batch instead of per pass over the data, with
#    stochastic gradient descent (batch size 1) and batch gradient descent (batch size $N$) as the two ends;
# 2. **exponentially weighted averages**, the tool behind the rest, and their **bias correction**;
# 3. the **update rules**: momentum, RMSprop, Adam and AdaGrad, each a small pure function;
# 4. **learning-rate decay**: three schedules;
# 5. why plain gradient descent is slow in a **ravine** and near a **saddle**, worked out by hand;
# 6. a network with **three hidden layers** on the digits, trained with each of your optimizers;
# 7. an explorer: an optimizer race on a 2-D surface.
#
# Conventions. A parameter array `param` may have any shape and its gradient `grad` has the same shape. Every
# update rule is a pure function `(param, grad, state, ...) -> (param, state)`: `state` is what the rule
# remembers between steps (`None` before the first step, meaning zeros), and nothing is changed in place. A
# network keeps one state per parameter array. The cost is week 1's cross-entropy, the **mean** over the
# (mini-)batch, so its gradient carries the $1/N$. The reference versions of this week's rules live in
# `helpers.optim`.
#
# Run the next cell first. Symbols that change meaning between weeks are listed in the
# [notation page](../NOTATION.md).

# %%
import time

import numpy as np
import matplotlib.pyplot as plt

import helpers
from helpers.grading import assert_close
from helpers.losses import softmax_cross_entropy

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)


# %% [markdown]
# ## 1. Mini-batch gradient descent
#
# Gradient descent as we ran it so far (**batch** gradient descent) computes the gradient on all $N$ training
# examples before it takes one step. Vectorized, that is fast per example, but each step still costs a full
# pass over the data: with millions of examples, the first step waits for the last example.
#
# **Mini-batch** gradient descent cuts the shuffled training set into small batches and takes a step after
# each one. With $N = 50\,000$ examples and batches of $B = 1\,000$, one pass over the data (an **epoch**)
# makes 50 steps instead of 1; with 100 000 images in batches of 500 it makes 200. Each step sees only part
# of the data, so its gradient is a noisy estimate of the full one: the cost no longer falls at every step,
# only on average.
#
# The batch size $B$ has two ends:
#
# | $B$ | name | one step costs | behaviour |
# |---|---|---|---|
# | $N$ | batch gradient descent | a pass over all the data | smooth, but slow for large $N$ |
# | $1$ | **stochastic** gradient descent (SGD) | one example | very noisy, and loses the speed of vectorized code |
# | in between | mini-batch gradient descent | $B$ examples | both: vectorized, and many steps per epoch |
#
# Taking one example at a time also allows **online learning**: updating the model as data arrives, without
# ever holding the whole data set. Rules of thumb: with a small training set (up to about 2 000 examples) use
# the whole batch; otherwise try $B$ = 64, 128, 256 or 512 (powers of two often suit how memory is laid out),
# and make sure one batch fits in memory.
#
# In symbols: draw a random permutation $\pi$ of $0, \dots, N-1$ once per epoch; batch $k$ holds the examples
# $\pi_{kB}, \dots, \pi_{(k+1)B-1}$, for $k = 0, \dots, \lceil N/B \rceil - 1$. The last batch has the
# $N - (\lceil N/B \rceil - 1)B$ examples left over, fewer than $B$ when $B$ does not divide $N$.
#
# ### Exercise 1 — mini-batches (2 points)
#
# Write `minibatches(X, y, batch_size, rng)`. `X` has shape `(N, ...)` (any trailing shape, images too) and `y`
# has `N` rows; `rng` is a numpy random `Generator`. Return a list of `(X_batch, y_batch)` pairs:
#
# - shuffled with **the generator you are given** (`rng.permutation`), so the same seed gives the same batches;
# - `X` and `y` shuffled **together** (the same permutation);
# - every example exactly once per call, the last, smaller batch **kept**;
# - the inputs not modified.

# %% solution="minibatches"
def minibatches(X, y, batch_size, rng):
    """Shuffle (X, y) with the generator rng and cut them into batches of batch_size rows.

    X: (N, ...), y: (N, ...), rng: a numpy Generator. Returns a list of (X_batch, y_batch): every example
    exactly once, full batches first, the last one smaller when batch_size does not divide N.
    """
    ### BEGIN SOLUTION
    order = rng.permutation(len(X))
    return [(X[order[start:start + batch_size]], y[order[start:start + batch_size]])
            for start in range(0, len(X), batch_size)]
    ### END SOLUTION


# %% tests="test_minibatches" points=2
def minibatch_layouts(X, y, batch_size, seed):
    """Three runs of your minibatches (seed, the same seed again, seed + 1), each as plain arrays:
    (X rows in batch order, y in batch order, batch sizes). The grader moves only arrays between your
    notebook and itself, so the check reads your batches through this adapter."""
    runs = []
    for s in (seed, seed, seed + 1):
        batches = list(minibatches(X, y, batch_size, np.random.default_rng(s)))
        runs.append((np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches]),
                     np.array([len(b[1]) for b in batches])))
    return tuple(runs)


X_small, y_small = np.arange(20.0).reshape(10, 2), np.arange(10)      # row i is [2i, 2i + 1], label i
batches = minibatches(X_small, y_small, 4, np.random.default_rng(0))
print("labels, batch by batch:", [b[1].tolist() for b in batches])
rows, labels = np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
assert_close([len(b[1]) for b in batches], [4, 4, 2], name="batch sizes for N = 10, batch_size = 4")
assert_close(np.sort(labels), np.arange(10), name="every label exactly once (sorted)")
assert_close(rows[:, 0], 2 * labels, name="each X row still beside its label", inputs=labels)
again = minibatches(X_small, y_small, 4, np.random.default_rng(0))
assert_close(np.concatenate([b[1] for b in again]), labels, name="the same seed gives the same batches")
### BEGIN HIDDEN TESTS
helpers.grading.check_minibatches(minibatch_layouts)
### END HIDDEN TESTS

# %% [markdown]
# ### What the batch size changes
#
# Week 1's softmax regression on the 8×8 digits (1 347 training images) makes the difference visible. Left: the
# cost of each step's own batch during the same 8 passes over the data, with batches of 64 and with the whole
# training set. Right: the time of one epoch for batch sizes from 1 to $N$, measured here, with your
# `minibatches` doing the shuffling.

# %%
X_train, y_train, X_test, y_test = helpers.data.load_digits_split()


def softmax_regression_step(W, b, X, y, lr):
    """One gradient-descent step of softmax regression on a batch; returns (W, b, the batch's cost)."""
    cost, dz = softmax_cross_entropy(X @ W + b, y)           # dz = (ŷ − y) / B
    return W - lr * (X.T @ dz), b - lr * dz.sum(axis=0), cost


def run_softmax_regression(batch_size, steps=None, epochs=1, lr=0.5, seed=0):
    """Costs of every step (on its own batch) and the seconds per epoch."""
    rng = np.random.default_rng(seed)
    W, b, costs = np.zeros((64, 10)), np.zeros(10), []
    start = time.perf_counter()
    for epoch in range(epochs):
        for X_batch, y_batch in minibatches(X_train, y_train, batch_size, rng):
            W, b, cost = softmax_regression_step(W, b, X_batch, y_batch, lr)
            costs.append(cost)
            if steps is not None and len(costs) == steps:
                return np.array(costs), (time.perf_counter() - start) / (epoch + 1)
    return np.array(costs), (time.perf_counter() - start) / epochs


fig, (ax_cost, ax_time) = plt.subplots(1, 2, figsize=(11, 3.6))
for batch_size, colour, style in [(64, "tab:orange", "-"), (len(X_train), "tab:blue", "o-")]:
    costs, _ = run_softmax_regression(batch_size, epochs=8)
    steps_per_epoch = -(-len(X_train) // batch_size)
    label = (f"batch gradient descent: {len(costs)} steps" if batch_size == len(X_train)
             else f"mini-batches of {batch_size}: {len(costs)} steps")
    ax_cost.plot(np.arange(1, len(costs) + 1) / steps_per_epoch, costs, style, color=colour, lw=1, ms=4, label=label)
ax_cost.set_xlabel("epochs (passes over the training set)"); ax_cost.set_ylabel("cost of the step's batch")
ax_cost.legend(fontsize=8); ax_cost.set_title("the same 8 epochs: more steps, each a little noisy")

sizes = [1, 4, 16, 64, 256, len(X_train)]
seconds = [min(run_softmax_regression(size, lr=0.05 if size == 1 else 0.5, seed=repeat)[1] for repeat in range(3))
           for size in sizes]                                        # the best of 3: timings are noisy
ax_time.loglog(sizes, seconds, "o-")
for size, s in zip(sizes, seconds):
    ax_time.annotate(f"{-(-len(X_train) // size)} steps", (size, s), textcoords="offset points", xytext=(4, 4),
                     fontsize=7)
ax_time.set_xlabel("batch size B"); ax_time.set_ylabel("seconds per epoch"); ax_time.margins(x=0.12, y=0.2)
ax_time.set_title("one epoch: many small steps cost more in total")
plt.show()
print("seconds per epoch:", {size: round(s, 4) for size, s in zip(sizes, seconds)})


# %% [markdown]
# With $B = N$ each epoch is one step, on the same data every time, and the cost goes down at every step, slowly.
# With batches of 64 an epoch makes 22 steps, each for about 1/21 of the work of a full-batch step; each step is
# judged on a different batch, so the curve jitters and falls only on average, but after the same 8 epochs it is
# far lower (so the rule of thumb above is a starting point, not a law: 1 347 examples is a small training set,
# and mini-batches still win here). On the right, one epoch of SGD ($B = 1$) is the slowest: it makes 1 347 small steps, each paying
# Python's and numpy's overhead for one example, while larger batches let one matrix product do the work. The
# useful sizes sit in between.

# %% [markdown]
# ## 2. Exponentially weighted averages
#
# Momentum, RMSprop and Adam all smooth a noisy sequence (the gradients) with the same tool. Take a year of daily
# temperatures $\theta_1, \theta_2, \dots$ (ours are made up, with a season and day-to-day noise). The
# **exponentially weighted average** keeps one number and updates it with each new value:
#
# $$v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1 - \beta)\, \theta_t, \qquad 0 \le \beta < 1.$$
#
# Unrolled, for $t = 100$:
# $v_{100} = (1-\beta)\big(\theta_{100} + \beta\,\theta_{99} + \beta^2 \theta_{98} + \dots + \beta^{99}\theta_1\big)$:
# every past value counts, with a weight that shrinks by a factor $\beta$ per day back. Since
# $\beta^{1/(1-\beta)} \approx 1/e$ (for example $0.9^{10} \approx 0.35$), the average is mostly over the last
# $\approx 1/(1-\beta)$ values: about 2 days for $\beta = 0.5$, 10 days for $\beta = 0.9$, 50 days for
# $\beta = 0.98$. A larger $\beta$ gives a smoother curve that reacts later to change. It costs one number of
# memory, whatever the length of the series.
#
# **Bias correction.** Starting from $v_0 = 0$ pulls the first averages towards zero: $v_1 = (1-\beta)\theta_1$,
# only 2% of the first temperature for $\beta = 0.98$. The weights of $v_t$ add up to
# $(1-\beta)(1 + \beta + \dots + \beta^{t-1}) = 1 - \beta^t$, not to 1, so dividing by that sum repairs the start:
#
# $$\hat v_t = \frac{v_t}{1 - \beta^t}.$$
#
# For large $t$, $\beta^t \to 0$ and the correction fades away; it matters only while $t$ is small compared with
# $1/(1-\beta)$.
#
# ### Exercise 2 — the average, then its correction (1 + 1 points)
#
# Write `ewa(values, beta, bias_correction=True)` returning all $T$ averages $v_1, \dots, v_T$ (or
# $\hat v_1, \dots, \hat v_T$) in an array shaped like `values`. `values` is `(T,)` or `(T, ...)`: several series
# side by side, averaged along the first axis. A loop over $t$ is fine (each $v_t$ needs $v_{t-1}$); start from
# `v = np.zeros(values.shape[1:])`. Keep the uncorrected $v$ in the recursion and correct only what you store.

# %% solution="ewa"
def ewa(values, beta, bias_correction=True):
    """Exponentially weighted averages v_t = beta v_{t-1} + (1 - beta) values[t-1], v_0 = 0, along axis 0.

    values: (T,) or (T, ...). Returns (T, ...): v_1..v_T, each divided by (1 - beta**t) if bias_correction.
    """
    ### BEGIN SOLUTION
    out = np.empty(values.shape)
    v = np.zeros(values.shape[1:])
    for t in range(1, len(values) + 1):
        v = beta * v + (1.0 - beta) * values[t - 1]
        out[t - 1] = v / (1.0 - beta ** t) if bias_correction else v
    return out
    ### END SOLUTION


# %% tests="test_ewa" points=1
three_days = np.array([10.0, 20.0, 30.0])
assert_close(ewa(three_days, 0.5, bias_correction=False), [5.0, 12.5, 21.25], name="ewa, β = 0.5", inputs=three_days)
assert_close(ewa(np.array([[1.0, 100.0], [3.0, 300.0]]), 0.5, bias_correction=False), [[0.5, 50.0], [1.75, 175.0]],
             name="two series side by side")
### BEGIN HIDDEN TESTS
helpers.grading.check_ewa(ewa)
### END HIDDEN TESTS

# %% tests="test_ewa_bias_corrected" points=1
assert_close(ewa(three_days, 0.5, bias_correction=True), [10.0, 50 / 3, 170 / 7], name="bias-corrected ewa, β = 0.5",
             inputs=three_days)
assert_close(ewa(np.full(5, 20.0), 0.98), np.full(5, 20.0), name="a constant stays constant once corrected")
### BEGIN HIDDEN TESTS
helpers.grading.check_ewa_bias_corrected(ewa)
### END HIDDEN TESTS

# %%
rng = np.random.default_rng(7)
day = np.arange(1, 366)
temperature = 12.0 - 9.0 * np.cos(2 * np.pi * (day - 20) / 365) + rng.normal(scale=3.0, size=365)

fig, ax = plt.subplots(figsize=(11, 3.6))
ax.plot(day, temperature, ".", ms=3, color="grey", label="daily temperature")
for beta, colour in [(0.5, "tab:green"), (0.9, "tab:red"), (0.98, "tab:blue")]:
    ax.plot(day, ewa(temperature, beta), color=colour, lw=1.5,
            label=f"β = {beta}: about the last {1 / (1 - beta):.0f} days")
ax.set_xlabel("day"); ax.set_ylabel("°C"); ax.legend(fontsize=8, loc="upper left")
ax.set_title("exponentially weighted averages of a year of temperatures (bias-corrected)")
plt.show()

# %% [markdown]
# The green line ($\beta = 0.5$) follows every jump; the blue one ($\beta = 0.98$) is smooth but late: it peaks on
# day 246, about 44 days (some six weeks) after the season itself (its cosine peaks on day 202), because it still
# remembers the spring. The weights and the start, next to each other: on the left, the weight $(1-\beta)\beta^k$
# that $v_{100}$ gives to the temperature $k$ days earlier; on the right, the first two months with $\beta = 0.98$,
# without and with the correction.

# %%
fig, (ax_weights, ax_start) = plt.subplots(1, 2, figsize=(11, 3.4))
k = np.arange(100)
for beta, colour in [(0.9, "tab:red"), (0.98, "tab:blue")]:
    ax_weights.bar(k, (1 - beta) * beta ** k, width=1.0, alpha=0.6, color=colour, label=f"β = {beta}")
    ax_weights.axvline(1 / (1 - beta), color=colour, ls="--", lw=1)
ax_weights.set_xlabel("days back, k"); ax_weights.set_ylabel("weight (1 − β) β^k in $v_{100}$")
ax_weights.set_title("dashed: k = 1/(1 − β), where the weight has fallen to ≈ 1/e", fontsize=9)
ax_weights.legend(fontsize=8)

first = slice(0, 60)
ax_start.plot(day[first], temperature[first], ".", color="grey", label="daily temperature")
ax_start.plot(day[first], ewa(temperature, 0.98, bias_correction=False)[first], color="tab:purple",
              label="β = 0.98, no correction: starts near 0")
ax_start.plot(day[first], ewa(temperature, 0.98)[first], color="tab:blue", label="β = 0.98, corrected")
ax_start.set_xlabel("day"); ax_start.set_ylabel("°C"); ax_start.legend(fontsize=8)
ax_start.set_title("the start-up bias that the correction removes", fontsize=9)
plt.show()


# %% [markdown]
# ## 3. Update rules
#
# Plain gradient descent forgets everything between steps. The rules below remember an average of past gradients
# (and of their squares), as a `state` they return and take back at the next step. The pattern is the same for
# all of them:
#
# ```python
# state = None                                   # one state per parameter array
# for step in range(steps):
#     grad = gradient_of_the_cost(param)
#     param, state = momentum_update(param, grad, state, lr=0.1)
# ```
#
# For reference, plain gradient descent in this form (it needs no state):

# %%
def sgd_update(param, grad, state=None, lr=0.1):
    """θ ← θ − lr·g. Returns (new_param, None): plain gradient descent remembers nothing."""
    return param - lr * grad, None


# %% [markdown]
# ### Momentum
#
# Picture a long, narrow valley (a **ravine**): across it the walls are steep, along it the floor slopes gently
# towards the minimum. The gradient points mostly across, so gradient descent zig-zags from wall to wall and
# creeps along the floor. **Momentum** steps along the *average* of the recent gradients instead of the latest
# one:
#
# $$v \leftarrow \beta v + (1 - \beta)\, g, \qquad \theta \leftarrow \theta - \mathrm{lr}\cdot v \qquad
# (v, g, \theta \text{ all of the parameter's shape}).$$
#
# Across the ravine the gradient changes sign at every step, so its average is small: the zig-zag is damped.
# Along the floor it keeps its sign, so the average keeps it too and the steps keep their size. $\beta = 0.9$
# (an average over about 10 gradients) is the usual choice; the start-up bias is usually left uncorrected, since
# after about 10 steps it no longer matters.
#
# **Two ways to write momentum.** Many texts and lecture notes write it with a velocity that is added to the
# weights:
#
# $$u \leftarrow \mu\, u - \eta\, g, \qquad \theta \leftarrow \theta + u
# \qquad \big(\text{or } \theta^{(t+1)} = \theta^{(t)} - \eta\, g + \mu\, \Delta\theta^{(t-1)}\big).$$
#
# It is the same rule: with $\mu = \beta$ and $\eta = \mathrm{lr}\,(1 - \beta)$, the velocity is
# $u = -\mathrm{lr}\cdot v$ at every step. What differs is what the learning rate means. In our **averaging
# form** a constant gradient gives $v = g$, a step of $\mathrm{lr}\cdot g$: the same size as plain gradient
# descent with the same lr. In the other form the steady step is $\eta\, g/(1-\mu)$, ten times
# $\eta\, g$ for $\mu = 0.9$. So when you switch forms, convert the learning rate: $\eta = \mathrm{lr}\,(1-\beta)$.
# This course uses the averaging form everywhere, as `helpers.optim.momentum` does; week 4's CNN trains with
# $\mathrm{lr} = 0.5$, $\beta = 0.9$, which is $\eta = 0.05$, $\mu = 0.9$ in the other form.
#
# ### Exercise 3 — momentum (2 points)
#
# Write `momentum_update(param, grad, v, lr=0.01, beta=0.9)` returning `(new_param, new_v)`; `v` is `None` on
# the first step (zeros).

# %% solution="momentum_update"
def momentum_update(param, grad, v, lr=0.01, beta=0.9):
    """Momentum, averaging form: v = beta v + (1 - beta) grad, param - lr v. v: None (zeros) or like param."""
    ### BEGIN SOLUTION
    v = np.zeros_like(param) if v is None else v
    v = beta * v + (1.0 - beta) * grad
    return param - lr * v, v
    ### END SOLUTION


# %% tests="test_momentum_update" points=2
param, grad = np.array([1.0, -1.0]), np.array([0.5, -2.0])
param1, v1 = momentum_update(param, grad, None, lr=0.5, beta=0.9)
assert_close(v1, [0.05, -0.2], name="v after one step: (1 − β)·g, the averaging form", inputs=grad)
assert_close(param1, [0.975, -0.9], name="param after one step: param − lr·v")
param2, v2 = momentum_update(param1, grad, v1, lr=0.5, beta=0.9)
assert_close(v2, [0.095, -0.38], name="v after a second, equal gradient")
assert_close(param2, [0.9275, -0.71], name="param after two steps")
### BEGIN HIDDEN TESTS
helpers.grading.check_momentum_update(momentum_update)
helpers.grading.check_momentum_constant_gradient(momentum_update)
### END HIDDEN TESTS

# %% [markdown]
# The two forms, side by side on the ravine $f(w) = \tfrac12 (w_1^2 + 20\, w_2^2)$ of section 5 (its gradient is
# $(w_1, 20\,w_2)$): 30 steps of your `momentum_update` with lr = 0.09, and 30 steps of the other form with
# $\eta = 0.09 \cdot (1 - 0.9)$.

# %%
def ravine_gradient(w):
    return np.array([w[0], 20.0 * w[1]])


lr, beta = 0.09, 0.9
ours, v = [np.array([-4.0, 0.9])], None
other, u = [np.array([-4.0, 0.9])], np.zeros(2)
for _ in range(30):
    point, v = momentum_update(ours[-1], ravine_gradient(ours[-1]), v, lr=lr, beta=beta)
    ours.append(point)
    u = beta * u - lr * (1 - beta) * ravine_gradient(other[-1])      # η = lr (1 − β)
    other.append(other[-1] + u)
print(f"largest distance between the two paths over 30 steps: {np.abs(np.array(ours) - np.array(other)).max():.1e}")


# %% [markdown]
# ### RMSprop
#
# Momentum averages the gradient; **RMSprop** (root mean square propagation) averages its *square*, coordinate by
# coordinate, and divides each step by the root of that average:
#
# $$s \leftarrow \beta s + (1 - \beta)\, g^2, \qquad \theta \leftarrow \theta - \mathrm{lr}\cdot\frac{g}{\sqrt{s} + \varepsilon}
# \qquad (g^2, \sqrt{s} \text{ and the division element-wise}).$$
#
# A coordinate whose gradients are large (the steep walls of the ravine) is divided by a large $\sqrt{s}$ and
# takes small steps; a coordinate with small gradients (the gentle floor) is divided by a small one and takes
# larger steps. The size of the gradient cancels: once $s$ has averaged a steady gradient for a while, each
# coordinate moves by about lr per step. Not at first: $s$ starts at zero and RMSprop has no bias correction, so
# after $t$ steps of the same gradient $s = (1 - \beta^t)\, g^2$ and the step is $\mathrm{lr}/\sqrt{1 - \beta^t}$:
# $\mathrm{lr}/\sqrt{1-\beta} \approx 3.2\,\mathrm{lr}$ on the first step for $\beta = 0.9$, still 1.24 lr after 10
# steps and 1.07 lr after 20. $\varepsilon$ (say $10^{-8}$) only prevents a division by zero; it sits **outside**
# the root. $\beta = 0.9$ is the usual choice.
#
# ### Exercise 4 — RMSprop (2 points)
#
# Write `rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8)` returning `(new_param, new_s)`.

# %% solution="rmsprop_update"
def rmsprop_update(param, grad, s, lr=0.001, beta=0.9, eps=1e-8):
    """RMSprop: s = beta s + (1 - beta) grad², param - lr grad / (sqrt(s) + eps). s: None (zeros) or like param."""
    ### BEGIN SOLUTION
    s = np.zeros_like(param) if s is None else s
    s = beta * s + (1.0 - beta) * grad * grad
    return param - lr * grad / (np.sqrt(s) + eps), s
    ### END SOLUTION


# %% tests="test_rmsprop_update" points=2
param, grad = np.array([1.0, -1.0]), np.array([0.5, -2.0])
param1, s1 = rmsprop_update(param, grad, None, lr=0.01, beta=0.9)
assert_close(s1, [0.025, 0.4], name="s after one step: (1 − β) g²", inputs=grad)
assert_close(param1, [0.968377225398316, -0.9683772238983162], name="param after one step")
print("both coordinates moved by the same amount, although their gradients differ by 4x:", param - param1)
print("that amount is lr / sqrt(1 - beta) = 0.01 / sqrt(0.1), not lr: s started at zero, uncorrected")
### BEGIN HIDDEN TESTS
helpers.grading.check_rmsprop_update(rmsprop_update)
helpers.grading.check_rmsprop_scale_invariance(rmsprop_update)
### END HIDDEN TESTS

# %% [markdown]
# ### Adam
#
# **Adam** (adaptive moment estimation) is momentum and RMSprop together, with both averages bias-corrected. At
# step $t = 1, 2, \dots$:
#
# $$
# \begin{aligned}
# m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, &\qquad v &\leftarrow \beta_2 v + (1 - \beta_2)\, g^2,\\
# \hat m &= \frac{m}{1 - \beta_1^t}, & \hat v &= \frac{v}{1 - \beta_2^t},\\
# \theta &\leftarrow \theta - \mathrm{lr}\cdot\frac{\hat m}{\sqrt{\hat v} + \varepsilon}.
# \end{aligned}
# $$
#
# | hyperparameter | usual value |
# |---|---|
# | lr (α) | to be tuned (0.001 is a common start) |
# | $\beta_1$ (average of $g$, the first moment) | 0.9 |
# | $\beta_2$ (average of $g^2$, the second moment) | 0.999 |
# | $\varepsilon$ | $10^{-8}$ |
#
# Only the learning rate usually needs tuning. The correction matters most for $v$: with $\beta_2 = 0.999$ the
# uncorrected $v$ would stay far too small for hundreds of steps, and the steps far too large. With it, the very
# first step has $\hat m = g$ and $\hat v = g^2$, so every coordinate moves by about lr, whatever the size of its
# gradient.
#
# ### Exercise 5 — Adam (2 points)
#
# Write `adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8)` returning
# `(new_param, (m, v))`. `state` is `None` on the first step, later the pair `(m, v)` you returned (unpack it with
# `m, v = state`); `t` is the number of this step, 1 on the first. Return the averages **without** the correction:
# the correction is recomputed from $t$ at every step.

# %% solution="adam_update"
def adam_update(param, grad, state, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam step number t (1, 2, ...). state: None (zeros) or (m, v), each like param. Returns (param, (m, v))."""
    ### BEGIN SOLUTION
    m, v = (np.zeros_like(param), np.zeros_like(param)) if state is None else state
    m = beta1 * m + (1.0 - beta1) * grad
    v = beta2 * v + (1.0 - beta2) * grad * grad
    m_hat = m / (1.0 - beta1 ** t)
    v_hat = v / (1.0 - beta2 ** t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), (m, v)
    ### END SOLUTION


# %% tests="test_adam_update" points=2
param, grad = np.array([1.0, -1.0, 0.5]), np.array([0.5, -2.0, 1e-3])
param1, state1 = adam_update(param, grad, None, 1, lr=0.01)
assert_close(param1 - param, [-0.01, 0.01, -0.01], name="first step: every coordinate moves by lr", inputs=grad,
             rtol=1e-4)
assert_close(state1[0], [0.05, -0.2, 1e-4], name="m after one step (uncorrected)")
param2, state2 = adam_update(param1, np.array([-0.5, -1.0, 1e-3]), state1, 2, lr=0.01)
assert_close(param2, [0.9905263159789474, -0.980678203720851, 0.4800001999980001], name="param after two steps")
### BEGIN HIDDEN TESTS
helpers.grading.check_adam_update(adam_update)
helpers.grading.check_adam_first_step(adam_update)
### END HIDDEN TESTS

# %% [markdown]
# ### AdaGrad
#
# **AdaGrad** (2011) came before RMSprop and Adam, and already gave every coordinate its own step size. Instead of
# an average it keeps the **sum** of all squared gradients so far:
#
# $$G \leftarrow G + g^2, \qquad \theta \leftarrow \theta - \mathrm{lr}\cdot\frac{g}{\sqrt{G} + \varepsilon}.$$
#
# $G$ only grows, so every coordinate's step only shrinks: after $t$ gradients of the same size the step is
# $\mathrm{lr}/\sqrt t$. A coordinate that has seen few or small gradients keeps a larger step than one that has
# seen many large ones, which suits networks whose layers learn at different speeds. The price: in a long run
# the steps shrink towards zero even when there is still far to go. RMSprop replaces the sum by an average that
# forgets, and so avoids that.
#
# You may meet the rule printed as $\theta_i \leftarrow \theta_i - \eta\, g_i / \sqrt{\sum_{t'} g_{i}^{(t')} + \varepsilon}$,
# with the gradients summed **without the square**. That cannot be what is meant: a sum of signed gradients can
# be negative (no square root) or cancel to nearly zero (a huge step). The sum is of squares. (That version also
# puts $\varepsilon$ inside the root; outside, as in RMSprop and Adam, the difference is negligible.)
#
# ### Exercise 6 — AdaGrad (1 point)
#
# Write `adagrad_update(param, grad, G, lr=0.01, eps=1e-8)` returning `(new_param, new_G)`.

# %% solution="adagrad_update"
def adagrad_update(param, grad, G, lr=0.01, eps=1e-8):
    """AdaGrad: G = G + grad², param - lr grad / (sqrt(G) + eps). G: None (zeros) or like param."""
    ### BEGIN SOLUTION
    G = np.zeros_like(param) if G is None else G
    G = G + grad * grad
    return param - lr * grad / (np.sqrt(G) + eps), G
    ### END SOLUTION


# %% tests="test_adagrad_update" points=1
param = np.array([1.0, -1.0])
param1, G1 = adagrad_update(param, np.array([0.5, -2.0]), None, lr=0.1)
param2, G2 = adagrad_update(param1, np.array([1.5, 2.0]), G1, lr=0.1)
assert_close(G2, [2.5, 8.0], name="G after gradients [0.5, −2] and [1.5, 2]: the sum of SQUARES")
assert_close(param2, [0.8051316727949486, -0.9707106783686548], name="param after two steps")
### BEGIN HIDDEN TESTS
helpers.grading.check_adagrad_update(adagrad_update)
helpers.grading.check_adagrad_step_shrinks(adagrad_update)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Learning-rate decay
#
# With a fixed learning rate, mini-batch gradient descent never settles: near the minimum the noisy batches keep
# pushing it around, in a cloud whose size grows with lr. Large steps early (to get close fast) and small steps
# late (to settle) need a learning rate that shrinks with the epoch number $e = 0, 1, 2, \dots$. Three common
# schedules:
#
# | schedule | learning rate at epoch $e$ | arguments | example |
# |---|---|---|---|
# | inverse time ($1/t$) | $\dfrac{\mathrm{lr}_0}{1 + d\, e}$ | $d$ = `decay_rate` | halved once $d\,e = 1$ |
# | exponential | $\mathrm{lr}_0 \cdot r^{\,e}$ | $r$ = `rate` | $r = 0.95$: 5% less every epoch |
# | staircase | $\mathrm{lr}_0 \cdot q^{\lfloor e / k \rfloor}$ | $q$ = `drop`, $k$ = `epochs_per_drop` | $q = 0.5$, $k = 10$: halved every 10 epochs |
#
# (Others exist, such as $\mathrm{lr}_0 \cdot k/\sqrt{e}$, or lowering the rate by hand when the cost stops
# falling.) Section 6 trains with the first one.
#
# ### Exercise 7 — three schedules (1 + 1 + 1 points)
#
# Write the three functions. `epoch` is a number or an array of epoch numbers (any shape, fractions allowed:
# `step / steps_per_epoch` gives a schedule per step); return the learning rates in the same shape. No loops:
# numpy's arithmetic works element by element.

# %% solution="lr_schedules"
def inverse_time_decay(lr0, epoch, decay_rate=1.0):
    """lr0 / (1 + decay_rate * epoch), element-wise over an array of epochs."""
    ### BEGIN SOLUTION
    return lr0 / (1.0 + decay_rate * np.asarray(epoch, dtype=float))
    ### END SOLUTION


def exponential_decay(lr0, epoch, rate=0.95):
    """lr0 * rate ** epoch."""
    ### BEGIN SOLUTION
    return lr0 * rate ** np.asarray(epoch, dtype=float)
    ### END SOLUTION


def staircase_decay(lr0, epoch, drop=0.5, epochs_per_drop=10):
    """lr0 * drop ** floor(epoch / epochs_per_drop): constant for epochs_per_drop epochs, then one step down."""
    ### BEGIN SOLUTION
    return lr0 * drop ** np.floor(np.asarray(epoch, dtype=float) / epochs_per_drop)
    ### END SOLUTION


# %% tests="test_inverse_time_decay" points=1
epochs = np.array([0, 1, 2, 3])
assert_close(inverse_time_decay(0.2, epochs, decay_rate=1.0), [0.2, 0.1, 0.2 / 3, 0.05], name="inverse time decay",
             inputs=epochs)
### BEGIN HIDDEN TESTS
helpers.grading.check_inverse_time_decay(inverse_time_decay)
### END HIDDEN TESTS

# %% tests="test_exponential_decay" points=1
assert_close(exponential_decay(0.2, np.array([0, 1, 2]), rate=0.5), [0.2, 0.1, 0.05], name="exponential decay")
### BEGIN HIDDEN TESTS
helpers.grading.check_exponential_decay(exponential_decay)
### END HIDDEN TESTS

# %% tests="test_staircase_decay" points=1
stairs = np.array([0, 9, 10, 25])
assert_close(staircase_decay(0.2, stairs, drop=0.5, epochs_per_drop=10), [0.2, 0.2, 0.1, 0.05],
             name="staircase decay", inputs=stairs)
### BEGIN HIDDEN TESTS
helpers.grading.check_staircase_decay(staircase_decay)
### END HIDDEN TESTS

# %%
epochs = np.arange(61)
plt.figure(figsize=(7, 3.4))
plt.plot(epochs, inverse_time_decay(0.1, epochs, decay_rate=0.2), label="inverse time, decay_rate = 0.2")
plt.plot(epochs, exponential_decay(0.1, epochs, rate=0.95), label="exponential, rate = 0.95")
plt.plot(epochs, staircase_decay(0.1, epochs, drop=0.5, epochs_per_drop=10), label="staircase, halved every 10")
plt.xlabel("epoch"); plt.ylabel("learning rate"); plt.title("three schedules from lr₀ = 0.1"); plt.legend(fontsize=8)
plt.show()


# %% [markdown]
# ## 5. Ravines, saddles and plateaus
#
# Two small surfaces show what the rules are for. The **ravine** is the quadratic
#
# $$f(w_1, w_2) = \tfrac12\,(\lambda_1 w_1^2 + \lambda_2 w_2^2), \qquad \lambda_1 = 1,\ \lambda_2 = 20,
# \qquad \nabla f = (\lambda_1 w_1,\ \lambda_2 w_2),$$
#
# 20 times steeper across ($w_2$) than along ($w_1$). The **saddle** is
# $f(x, y) = \tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2$: a minimum along $x$, a maximum along $y$ at the origin,
# and two minima at $y = \pm 1$. Start just off its ridge, at $y = 0.001$, and the gradient pushing you off is
# tiny: a **plateau**.
#
# The next cell runs your rules from the same start on both (60 steps on the ravine, 80 on the saddle). The helper
# `update` does one step of any of them with your functions; section 6 uses it again.

# %%
def update(optimizer, param, grad, state, t, lr):
    """One step of optimizer ("sgd", "momentum", "rmsprop", "adagrad" or "adam") with YOUR update functions
    and their default β's and ε; t counts the steps from 1 (only Adam needs it). Returns (param, state)."""
    if optimizer == "sgd":
        return sgd_update(param, grad, state, lr=lr)
    if optimizer == "momentum":
        return momentum_update(param, grad, state, lr=lr)
    if optimizer == "rmsprop":
        return rmsprop_update(param, grad, state, lr=lr)
    if optimizer == "adagrad":
        return adagrad_update(param, grad, state, lr=lr)
    if optimizer == "adam":
        return adam_update(param, grad, state, t, lr=lr)
    raise ValueError(f"unknown optimizer {optimizer!r}")


def ravine(x, y):
    return 0.5 * (x ** 2 + 20.0 * y ** 2), np.array([x, 20.0 * y])


def saddle(x, y):
    return 0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2, np.array([x, y ** 3 - y])


def descend(surface, optimizer, start, steps, lr):
    """The path (steps + 1, 2) of one optimizer on a surface(x, y) -> (f, gradient)."""
    path, state = [np.array(start, dtype=float)], None
    for t in range(1, steps + 1):
        point, state = update(optimizer, path[-1], surface(*path[-1])[1], state, t, lr)
        path.append(point)
    return np.array(path)


RACE = [("sgd", 0.09, "tab:blue"), ("momentum", 0.09, "tab:orange"), ("rmsprop", 0.1, "tab:green"),
        ("adam", 0.1, "tab:red")]
fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
for ax, surface, start, steps, box in [(axes[0], ravine, (-4.0, 0.9), 60, (-5, 1.5, -1.3, 1.3)),
                                       (axes[1], saddle, (-2.0, 1e-3), 80, (-2.5, 1.5, -1.6, 1.6))]:
    xs, ys = np.meshgrid(np.linspace(box[0], box[1], 200), np.linspace(box[2], box[3], 200))
    ax.contour(xs, ys, surface(xs, ys)[0], levels=30, colors="lightgrey", linewidths=0.7)
    for optimizer, lr, colour in RACE:
        path = descend(surface, optimizer, start, steps, lr)
        ax.plot(path[:, 0], path[:, 1], ".-", color=colour, ms=2.5, lw=1, label=f"{optimizer}, lr {lr}")
    ax.plot(*start, "ks", ms=5)
    ax.set_xlim(box[:2]); ax.set_ylim(box[2:]); ax.set_xlabel("$w_1$ / x"); ax.set_ylabel("$w_2$ / y")
axes[0].set_title(f"ravine, 60 steps from (−4, 0.9)", fontsize=9)
axes[1].set_title(f"saddle, 80 steps from (−2, 0.001)", fontsize=9)
axes[0].legend(fontsize=8, loc="lower right")
plt.show()
for optimizer, lr, _ in RACE:
    y = descend(saddle, optimizer, (-2.0, 1e-3), 80, lr)[:, 1]
    print(f"{optimizer:8s} leaves the saddle's plateau (|y| > 0.5) at step {int(np.argmax(np.abs(y) > 0.5)) or 'never'}")


# %% [markdown]
# On the ravine, gradient descent zig-zags across while it moves along; momentum trades the zig-zag for a slow
# swing (its velocity carries it past the floor and back, and past the minimum). RMSprop and Adam rescale the two
# coordinates so that both take steps of the same size: they leave the start diagonally rather than down the steep
# gradient. The size is lr only where the averages are warm: Adam's bias correction makes its first steps exactly lr
# (0.1), while RMSprop, whose $s$ starts at zero uncorrected, starts with steps of $\mathrm{lr}/\sqrt{1-\beta}
# \approx 0.32$ that shrink as $s$ catches up (and as the gradient shrinks). RMSprop reaches the floor without a
# zig-zag; Adam, which has momentum too, swings across it and back with a shrinking amplitude ($w_2$ turns at 0.9,
# −0.265, +0.105, −0.045). On the saddle, gradient descent and momentum first slide down the $x$ direction and then
# sit on the ridge: the push off it, $|y^3 - y| \approx 10^{-3}$, grows by a factor of only about $1 + \mathrm{lr}$
# per step. RMSprop and Adam divide that tiny gradient by its own tiny size and leave the plateau within a few steps.
#
# This is today's view of "local optima": in a network with many thousands of weights, a point where the gradient
# vanishes is seldom a minimum in every direction at once; it is usually a saddle, and the slow part is the
# plateau around it. Rules that normalize the gradient, like Adam, cross plateaus faster. The price shows too:
# with a constant lr they keep moving near the minimum, where gradient descent settles (on the ravine, after about
# 200 steps, RMSprop bounces across the minimum with steps of exactly lr); that is what learning-rate decay is for.
#
# ### Exercise 8 — worked out by hand (2 points)
#
# On the ravine each coordinate evolves on its own: one gradient-descent step multiplies it by $(1 - \mathrm{lr}\,\lambda_i)$.
# Work these out on paper (a calculator is fine, a simulation too) and return six numbers:
#
# 1. The largest learning rate for which gradient descent does not diverge on the ravine (the boundary value).
# 2. The learning rate that sends the steep coordinate $w_2$ to zero in a single step.
# 3. With that learning rate, the factor by which each step multiplies the flat coordinate $w_1$.
# 4. With that learning rate, how many steps it takes until $|w_1|$ falls below 0.04, starting from $w_1 = 4$.
# 5. Momentum in our averaging form with $\beta = 0.9$: its largest stable learning rate on the ravine. Use this fact:
#    the other form $u \leftarrow \mu u - \eta g,\ \theta \leftarrow \theta + u$ is stable on a direction of
#    curvature $\lambda$ exactly when $0 < \eta\lambda < 2(1 + \mu)$.
# 6. Near the saddle, $f \approx \tfrac12 (x^2 - y^2)$. Starting at $y = 0.001$ with lr = 0.1, after how many
#    gradient-descent steps does $|y|$ first reach 1?

# %% solution="ravine_saddle_answers"
def ravine_saddle_answers():
    """Your six answers, in the order of the questions."""
    ### BEGIN SOLUTION
    return [0.1, 0.05, 0.95, 90, 1.9, 73]
    ### END SOLUTION


# %% tests="test_ravine_saddle_answers" points=2
answers = np.asarray(ravine_saddle_answers(), dtype=float)
assert answers.shape == (6,), f"give exactly six numbers, got {answers.shape}"
assert np.all(np.isfinite(answers)), "every answer is a finite number"
print("six numbers: the grader checks them")
### BEGIN HIDDEN TESTS
helpers.grading.check_ravine_saddle_answers(ravine_saddle_answers)
### END HIDDEN TESTS

# %% [markdown]
# Item 5 is the reason momentum is worth its extra memory: on the same ravine it stays stable with learning rates
# many times larger than gradient descent tolerates, although a constant gradient gives both the same step. Check
# items 1 and 5 against the explorer at the end: on the ravine, gradient descent diverges as soon as lr passes
# your item 1.

# %% [markdown]
# ## 6. A deep network on the digits
#
# Now the rules on a real network: the 8×8 digits (1 347 training and 450 test images, 64 pixels each), a
# network with **three hidden layers** of 64 ReLU units and a softmax output,
#
# $$x\ (N, 64) \to \text{ReLU}(xW_1 + b_1)\ (N, 64) \to \text{ReLU}(\cdot\, W_2 + b_2) \to \text{ReLU}(\cdot\, W_3 + b_3)
# \to \cdot\, W_4 + b_4\ (N, 10) \to \text{softmax},$$
#
# with He initialisation ($W_\ell \sim \mathcal N(0, 2/n_{in})$, week 5) and week 1's mean cross-entropy. The
# parameters are one flat list `[W1, b1, W2, b2, W3, b3, W4, b4]`; the forward and backward passes are given
# (week 2 derived them for one hidden layer; more layers repeat the same two lines). Each optimizer gets a
# learning rate from a coarse grid (factors of 2, a few seeds): good, not the best possible.

# %%
LAYER_SIZES = (64, 64, 64, 64, 10)          # three hidden layers of 64 ReLU units
LEARNING_RATES = {"sgd": 0.2, "momentum": 0.4, "rmsprop": 0.002, "adagrad": 0.05, "adam": 0.003}


def init_mlp(sizes, rng):
    """[W1, b1, W2, b2, ...] with W_l (sizes[l], sizes[l+1]) ~ N(0, 2 / sizes[l]) (He) and zero biases."""
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.normal(size=(fan_in, fan_out)) * np.sqrt(2.0 / fan_in), np.zeros(fan_out)]
    return params


def mlp_logits(params, X):
    h = X
    for W, b in zip(params[0:-2:2], params[1:-2:2]):
        h = np.maximum(h @ W + b, 0.0)
    return h @ params[-2] + params[-1]


def mlp_loss_and_grads(params, X, y):
    """The mean cross-entropy on (X, y) and its gradient for every parameter, in the order of params."""
    activations = [X]
    for W, b in zip(params[0:-2:2], params[1:-2:2]):
        activations.append(np.maximum(activations[-1] @ W + b, 0.0))
    loss, dz = softmax_cross_entropy(activations[-1] @ params[-2] + params[-1], y)
    grads = [None] * len(params)
    for layer in reversed(range(len(params) // 2)):
        a = activations[layer]                                   # this layer's input
        grads[2 * layer], grads[2 * layer + 1] = a.T @ dz, dz.sum(axis=0)
        if layer > 0:
            dz = (dz @ params[2 * layer].T) * (a > 0)           # back through the ReLU that made a
    return loss, grads


def mlp_accuracy(params, X, y):
    return float(np.mean(np.argmax(mlp_logits(params, X), axis=1) == y))


# the backward pass, checked against central differences on a small network
tiny = init_mlp((5, 4, 4, 4, 3), np.random.default_rng(1))
X_tiny, y_tiny = np.random.default_rng(2).normal(size=(6, 5)), np.array([0, 1, 2, 0, 1, 2])
_, tiny_grads = mlp_loss_and_grads(tiny, X_tiny, y_tiny)
worst = max(helpers.rel_error(g, helpers.numerical_gradient(lambda _: mlp_loss_and_grads(tiny, X_tiny, y_tiny)[0], p))
            for g, p in zip(tiny_grads, tiny))
print(f"largest relative error of the 8 gradients: {worst:.1e}")


# %% [markdown]
# ### Exercise 9 — train it (3 points)
#
# Write `train_mlp(X, y, optimizer="adam", n_updates=500, seed=0, lr=None, batch_size=64, decay_rate=0.2)`:
#
# 1. `rng = np.random.default_rng(seed)`; initialise with `init_mlp(LAYER_SIZES, rng)`; the learning rate
#    `lr0` is `LEARNING_RATES[optimizer]` unless `lr` is given;
# 2. one state per parameter array, all `None` at first;
# 3. epoch after epoch: the epoch's learning rate `inverse_time_decay(lr0, epoch, decay_rate)`, then for each
#    batch of **your** `minibatches(X, y, batch_size, rng)`: count the update ($t = 1, 2, \dots$), compute the loss
#    and gradients with `mlp_loss_and_grads`, step every parameter with `update(optimizer, ...)`, record the loss;
# 4. stop after exactly `n_updates` updates (in the middle of an epoch if need be), the **budget**;
# 5. return `(tuple(params), np.array(losses))`: the parameters as a tuple of arrays, and one loss per update.
#
# The check trains your Adam with three seeds of its own choosing and 500 updates each (about 23 epochs of 22
# batches), and asks for at least 95% test accuracy every time. The decay is what makes that reliable: without it, 2
# of the 200 seeds we tried ended below 95% (the worst at 92.9%), because Adam's last steps are still large enough
# to land on a bad spot; with it, the worst of the 200 ended at 96.2%. Since one run can reach 95% without the decay,
# the check also runs a few short trainings with other batch sizes, learning rates and decay rates, and looks at what
# every call of your `adam_update` receives: the step number $t = 1, 2, \dots$, counted over the whole run (never
# reset at an epoch), and the learning rate of the update's epoch.

# %% solution="train_mlp"
def train_mlp(X, y, optimizer="adam", n_updates=500, seed=0, lr=None, batch_size=64, decay_rate=0.2):
    """Train the LAYER_SIZES network with `optimizer` for n_updates mini-batch updates.

    Returns (params, losses): params the tuple (W1, b1, ..., W4, b4), losses (n_updates,) one per update.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    lr0 = LEARNING_RATES[optimizer] if lr is None else lr
    params = init_mlp(LAYER_SIZES, rng)
    states = [None] * len(params)
    losses, t, epoch = [], 0, 0
    while t < n_updates:
        rate = inverse_time_decay(lr0, epoch, decay_rate)
        for X_batch, y_batch in minibatches(X, y, batch_size, rng):
            if t == n_updates:
                break
            t += 1
            loss, grads = mlp_loss_and_grads(params, X_batch, y_batch)
            for i, grad in enumerate(grads):
                params[i], states[i] = update(optimizer, params[i], grad, states[i], t, rate)
            losses.append(loss)
        epoch += 1
    return tuple(params), np.array(losses)
    ### END SOLUTION


# %% tests="test_train_mlp" points=3
start = time.perf_counter()
params, losses = train_mlp(X_train, y_train, optimizer="adam", n_updates=500, seed=0)
accuracy = mlp_accuracy(params, X_test, y_test)
print(f"Adam, 500 updates: test accuracy {accuracy:.1%}, final loss {losses[-20:].mean():.3f} "
      f"({time.perf_counter() - start:.1f} s)")
assert len(params) == 8 and len(losses) == 500, "return (tuple of 8 arrays, 500 losses)"
assert accuracy >= 0.95, f"test accuracy {accuracy:.1%} is below 95%"
### BEGIN HIDDEN TESTS
helpers.grading.check_adam_trains_digits(train_mlp)
train_mlp_recorded = helpers.optim.recording_updates(train_mlp, "train_mlp")
helpers.grading.check_train_mlp_schedule(train_mlp_recorded)
### END HIDDEN TESTS

# %% [markdown]
# ### Every optimizer, the same budget
#
# The same network, the same seed and the same 500 updates for each of your five rules. Left: the training loss,
# smoothed with your bias-corrected `ewa` ($\beta = 0.95$; the raw mini-batch losses are much noisier); right: the
# test accuracy at the end.

# %%
results = {}
for optimizer in LEARNING_RATES:
    start = time.perf_counter()
    trained, curve = train_mlp(X_train, y_train, optimizer=optimizer, n_updates=500, seed=1)
    results[optimizer] = (curve, mlp_accuracy(trained, X_test, y_test), time.perf_counter() - start)

COLOURS = {"sgd": "tab:blue", "momentum": "tab:orange", "rmsprop": "tab:green", "adagrad": "tab:purple",
           "adam": "tab:red"}
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 3.8), width_ratios=[1.6, 1])
for optimizer, (curve, accuracy, seconds) in results.items():
    ax_loss.plot(np.arange(1, 501), ewa(curve, 0.95), lw=1.4, color=COLOURS[optimizer],
                 label=f"{optimizer} (lr {LEARNING_RATES[optimizer]:g}): {accuracy:.1%} test, {seconds:.1f} s")
ax_loss.set_yscale("log"); ax_loss.set_xlabel("update"); ax_loss.set_ylabel("training loss (smoothed)")
ax_loss.legend(fontsize=8); ax_loss.set_title("500 updates of batches of 64, lr decayed as 1/(1 + 0.2 epoch)")
names = list(results)
ax_acc.bar(names, [results[n][1] for n in names], color=[COLOURS[n] for n in names])
ax_acc.tick_params(axis="x", labelsize=8)
ax_acc.axhline(0.95, color="grey", ls="--", lw=0.8)
ax_acc.set_ylim(0.9, 1.0); ax_acc.set_ylabel("test accuracy"); ax_acc.set_title("after the budget")
plt.show()

# %% [markdown]
# On this small, easy data set every rule passes 95% with its learning rate, so the accuracies end close together;
# the differences are in the loss. Plain SGD ends with the highest loss, two to three times the others', with bumps
# where a batch pushed it uphill. AdaGrad is the fastest in the first hundred updates (its steps are largest at the
# start) and the other three end near it. Do not read this as a ranking of the rules in general: the learning rates
# come from a coarse grid, and a learning rate four times off changes the picture. In our runs (three seeds), four
# times smaller or larger cost plain SGD about two points of test accuracy either way, while momentum, RMSprop and
# Adam ended with a *lower* loss at four times our rates. Try it: `train_mlp(X_train, y_train, "sgd", lr=0.8)`, then
# `"adam"` with `lr=0.012`, and compare `mlp_accuracy` and the last losses. Tuning the learning rate matters more
# than the choice between the adaptive rules.

# %% [markdown]
# ## 7. Explore: an optimizer race
#
# The four rules of section 5 (as in `helpers.optim`) race on a 2-D surface. Choose the **surface** (the ravine, the
# saddle, or Rosenbrock's curved valley), the learning rates (one for gradient descent and momentum, one for the
# adaptive RMSprop and Adam, whose steps are about lr long once their averages are warm) and the β's; move **step** (or press play) to watch
# the paths grow. The right panel is $f - f^*$ on a log scale.
#
# Things to try:
#
# - On the ravine, raise lr just past your answer to item 1: gradient descent diverges, while momentum stays stable
#   until lr passes your item 5.
# - On the saddle, count the steps gradient descent spends on the plateau and compare with RMSprop and Adam; then
#   divide their lr by 10 and count again.
# - On the banana, gradient descent bounces between the walls at lr = 0.09: lower lr until it stops bouncing, and
#   see how close to the minimum it gets in 150 steps.
#
# Your `momentum_update`, `rmsprop_update` and `adam_update` race too: each draws its path and loss dashed beside
# the reference's, in the same colour. Every step of yours is compared with the reference rule taken from your own
# previous point and state; the first step where they part is marked with a red cross on your path, a red line on
# the loss panel and a red line of text under the figure. Functions you have not written yet leave the reference
# racing alone, and the text says so.

# %%
from helpers.widgets.w07 import OptimizerRaceExplorer

OptimizerRaceExplorer(
    surface="ravine",
    lr=0.09,
    lr_adaptive=0.1,
    momentum_update=momentum_update,
    rmsprop_update=rmsprop_update,
    adam_update=adam_update,
)

# %% [markdown]
# ## Summary
#
# - Mini-batch gradient descent takes a step per batch: many cheap, noisy steps per epoch. $B = N$ is batch gradient
#   descent, $B = 1$ is SGD; sizes like 64–512 keep both the vectorization and the many steps. Shuffle every epoch,
#   with a generator you control.
# - An exponentially weighted average $v_t = \beta v_{t-1} + (1-\beta)\theta_t$ averages over about $1/(1-\beta)$
#   values; dividing by $1 - \beta^t$ removes the pull towards its zero start.
# - Momentum averages the gradient (damping zig-zags, and stable with much larger learning rates), RMSprop divides
#   by the root of the average squared gradient (a step of about lr per coordinate once the average is warm, up to
#   $\mathrm{lr}/\sqrt{1-\beta}$ before), Adam does both with bias correction, and AdaGrad divides by the root of the
#   *sum* of squared gradients
#   (steps that shrink like $1/\sqrt t$).
# - Learning-rate decay (inverse time, exponential, staircase) gives large steps early and small steps late.
# - Gradient descent's learning rate is limited by the steepest direction, and it crawls along the flattest; near
#   saddles it sits on plateaus, which the normalizing rules cross quickly.
