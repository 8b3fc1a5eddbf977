# %% [markdown]
# # Week 9 — Batch normalization and hyperparameter search
#
# Week 8 built networks of any depth from a list of layers and made them generalize. This week makes them
# **easy to train** and shows how to **choose their settings**:
#
# 1. **batch normalization**: normalize every layer's pre-activations over the mini-batch, then let the network
#    rescale them with two learned vectors γ and β; forward in training and at test time, and backward in its compact
#    form;
# 2. batch norm **inside week 8's network**: no bias before it, running averages for test time, a learning rate at
#    which the plain network fails while the normalized one learns the digits in a few dozen steps, and **why it
#    works**: each layer's input stops drifting while the layers below learn, and the noise of the batch statistics
#    regularizes a little (an explorer shows one unit's input over training, with and without it);
# 3. **hyperparameter search**: which settings matter, random values instead of a grid, coarse to fine, and the right
#    **scale** for each (log-uniform learning rates, momentum's weight through 1 minus it);
# 4. a **real search** over the week's network, run on every core of this machine (or on a Dask cluster), with a
#    results table and a plot of dev accuracy against the learning rate.
#
# Conventions, as in week 8: arrays are batch-first, `x (N, D)` holds N examples of D features, and a layer computes
# `x @ W + b`. The cost is the softmax cross-entropy **averaged** over the mini-batch, so the gradient of the logits is
# $(\hat y - y)/N$ (the [notation page](../NOTATION.md) lists what each letter means in each week). A network is
# week 8's list of layer dicts, run by `helpers.layers`; this week adds one kind of layer to it.
#
# Run the next cell first.

# %%
import time

import numpy as np
import matplotlib.pyplot as plt
from threadpoolctl import threadpool_limits

import helpers
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=4, suppress=True)
threadpool_limits(1, user_api="blas")   # our matrices are small: one BLAS thread is the fastest

# %% [markdown]
# The data of the week: scikit-learn's 8 × 8 handwritten digits (bundled with it, nothing is downloaded), pixel values
# scaled to [0, 1], split into 1347 training and 450 dev images.

# %%
X_train, y_train, X_dev, y_dev = helpers.data.load_digits_split(seed=0)
print(f"digits: train {X_train.shape}, dev {X_dev.shape}, pixel values in [0, 1]")


# %% [markdown]
# ## 1. Normalizing the activations of a layer
#
# Week 8 normalized the **inputs** of a network: every feature centred and scaled to unit variance, so that the cost
# is a round bowl rather than a long valley and one learning rate suits every weight. A deep network is a stack of
# such learners, each fed by the layer below. Why normalize only the first one? **Batch normalization** (Ioffe and
# Szegedy, 2015) normalizes the input of every layer, during training, with statistics of the current mini-batch.
#
# It normalizes the pre-activations $z = aW$ (before the activation function) rather than the activations
# $a = g(z)$. Both are seen in practice; normalizing $z$ is the common choice, and the one we use. For one layer,
# with $z$ `(N, D)`: N examples of the mini-batch, D units, every operation per unit (per column):
#
# $$\mu = \frac{1}{N}\sum_{n=1}^{N} z_n, \qquad \sigma^2 = \frac{1}{N}\sum_{n=1}^{N} (z_n - \mu)^2, \qquad
# \hat z_n = \frac{z_n - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad \tilde z_n = \gamma \odot \hat z_n + \beta .$$
#
# - $\hat z$ has mean 0 and variance 1 in every column (a little less than 1: the small $\varepsilon$, 1e-5 by default,
#   keeps the division safe when a unit's variance is 0, as it is for a batch of one example).
# - Mean 0 and variance 1 is not always what a unit needs (a sigmoid would stay in its linear middle). So the layer
#   gives the spread and the centre back to the network: $\gamma$ and $\beta$, both `(D,)`, are **learned** like weights.
#   With $\gamma = \sqrt{\sigma^2 + \varepsilon}$ and $\beta = \mu$ the layer would undo itself; training decides.
# - $\sigma^2$ divides by $N$ (the biased variance), as `x.var(axis=0)` does.
#
# | array | shape | meaning |
# |---|---|---|
# | `x` | `(N, D)` | the layer's input, the pre-activations $z$ of a mini-batch |
# | `gamma`, `beta` | `(D,)` | learned scale and shift |
# | `running_mean`, `running_var` | `(D,)` | averages over many batches, for test time (below) |
# | `out` | `(N, D)` | $\tilde z$, what the activation function receives |
#
# **Test time.** A trained network classifies one image at a time, and one example has no batch statistics (its own
# mean is itself, its variance 0: $\hat z = 0$ whatever the input). So during training the layer also keeps
# **exponentially weighted averages** of the batch means and variances, week 7's tool. Their weight (the one week 7
# called β) is the argument `momentum` here, written $m$:
#
# $$\text{running\_mean} \leftarrow m \cdot \text{running\_mean} + (1 - m)\,\mu, \qquad
# \text{running\_var} \leftarrow m \cdot \text{running\_var} + (1 - m)\,\sigma^2,$$
#
# starting from 0 and 1. With $m = 0.9$ they average roughly the last ten batches. At test time ("inference" mode) the
# layer normalizes with these running statistics instead of the batch's, and leaves them unchanged. (Libraries differ
# on this name: Keras's `momentum` is our $m$, while PyTorch's `BatchNorm1d(momentum=0.1)` is the weight of the **new**
# batch, $1 - m$: PyTorch's 0.1 is our 0.9.)
#
# ### Exercise 1 — batch norm forward (2 + 1 + 1 points)
#
# Write `batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5)`
# returning `(out, running_mean, running_var)`:
#
# - `mode="train"`: normalize with the batch's $\mu$ and $\sigma^2$ and return the **updated** running averages
#   (zeros and ones when they are `None`, as on the very first step);
# - `mode="inference"`: normalize with `running_mean` and `running_var`, and return them unchanged;
# - if `gamma` or `beta` does not have shape `(D,)`, raise a `ValueError` whose message names the argument
#   (`"gamma has shape (3,), expected (2,) ..."`). numpy alone would broadcast a `gamma` of shape `(1,)` without a
#   word, or fail with a message about "operands" that names nothing you wrote.
#
# Compute the variance from $x - \mu$: the textbook identity $\sigma^2 = E[x^2] - \mu^2$ subtracts two huge numbers
# when the mean is large (a feature near 10 000 with a spread of 0.01 keeps almost no correct digit), and the check
# has such a feature. Do not modify the inputs.

# %% solution="batchnorm_forward"
def batchnorm_forward(x, gamma, beta, mode="train", running_mean=None, running_var=None, momentum=0.9, eps=1e-5):
    """Batch norm of x (N, D) per column. Returns (out (N, D), running_mean (D,), running_var (D,)).

    mode "train": batch statistics, running averages updated with momentum (zeros and ones when None).
    mode "inference": running statistics, returned unchanged.
    """
    ### BEGIN SOLUTION
    D = x.shape[1]
    for name, value in (("gamma", gamma), ("beta", beta)):
        if np.shape(value) != (D,):
            raise ValueError(f"batchnorm_forward: {name} has shape {np.shape(value)}, expected ({D},) "
                             f"for x of shape {x.shape}")
    if running_mean is None:
        running_mean = np.zeros(D)
    if running_var is None:
        running_var = np.ones(D)
    if mode == "train":
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, running_mean, running_var
    ### END SOLUTION


# %% tests="test_batchnorm_forward_train" points=2
x = np.array([[2.0, 0.0], [2.0, 4.0], [6.0, 0.0], [6.0, 4.0]])   # both columns: mean 4 and 2, variance 4
gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
out, running_mean, running_var = batchnorm_forward(x, gamma, beta, "train", None, None, momentum=0.9, eps=0.0)
assert_close(out, [[-1.0, -1.5], [-1.0, -0.5], [3.0, -1.5], [3.0, -0.5]], name="out = γ (x − μ)/σ + β", inputs=x)
assert_close(running_mean, [0.4, 0.2], name="running_mean = 0.9 · 0 + 0.1 · μ")
assert_close(running_var, [1.3, 1.3], name="running_var = 0.9 · 1 + 0.1 · σ²")
### BEGIN HIDDEN TESTS
helpers.grading.check_batchnorm_forward_train(batchnorm_forward)
### END HIDDEN TESTS

# %% tests="test_batchnorm_forward_inference" points=1
one = np.array([[5.0, 1.0]])                                      # one example at test time
stats = (np.array([4.0, 2.0]), np.array([4.0, 1.0]))              # running mean and variance
out, m, v = batchnorm_forward(one, gamma, beta, "inference", *stats, eps=0.0)
assert_close(out, [[2.0, -1.5]], name="out = γ (x − running_mean)/sqrt(running_var) + β", inputs=one)
assert_close(m, stats[0], name="running_mean (unchanged)")
assert_close(v, stats[1], name="running_var (unchanged)")
### BEGIN HIDDEN TESTS
helpers.grading.check_batchnorm_forward_inference(batchnorm_forward)
### END HIDDEN TESTS

# %% tests="test_batchnorm_bad_shapes" points=1
try:
    batchnorm_forward(x, np.ones(3), beta)                        # x has 2 features, gamma 3 entries
except ValueError as err:
    assert "gamma" in str(err), f"gamma of shape (3,) for x {x.shape}: the message must name gamma, got: {err}"
    print("gamma (3,) for x (4, 2) ->", err)
else:
    raise AssertionError(f"gamma of shape (3,) for x of shape {x.shape}: expected a ValueError, got a result")
### BEGIN HIDDEN TESTS
bad_shapes_outcome = helpers.batchnorm_layer.bad_shape_outcome(batchnorm_forward)
helpers.grading.check_batchnorm_rejects_bad_shapes(bad_shapes_outcome)
### END HIDDEN TESTS

# %% [markdown]
# What the layer does to a batch, column by column: whatever the mean and spread of its input, its output has mean
# $\beta$ and standard deviation $|\gamma|$ (up to $\varepsilon$).

# %%
rng = np.random.default_rng(0)
z = rng.normal(size=(256, 3)) * [0.1, 5.0, 30.0] + [3.0, -20.0, 100.0]     # three units on wildly different scales
out, _, _ = batchnorm_forward(z, np.array([1.0, 1.0, 2.0]), np.array([0.0, 0.5, -1.0]))
print("input  mean", z.mean(axis=0), " std", z.std(axis=0))
print("output mean", out.mean(axis=0), "       std", out.std(axis=0), "  (β = [0, 0.5, -1], γ = [1, 1, 2])")


# %% [markdown]
# ### Exercise 2 — batch norm backward, the compact form (2 points)
#
# Every output $\tilde z_i$ depends on every input of its column, through $\mu$ and $\sigma^2$. Write
# $\sigma = \sqrt{\sigma^2 + \varepsilon}$ and $d\hat z = \text{dout} \odot \gamma$. The two parameters are easy, sums
# over the batch:
#
# $$\frac{\partial J}{\partial \beta} = \sum_n \text{dout}_n, \qquad \frac{\partial J}{\partial \gamma} = \sum_n
# \text{dout}_n \odot \hat z_n .$$
#
# For $x$, differentiate $\hat z_i = (x_i - \mu)/\sigma$ with respect to $x_j$ (one column; $\partial\mu/\partial x_j
# = 1/N$ and $\partial\sigma/\partial x_j = \hat z_j / N$):
#
# $$\frac{\partial \hat z_i}{\partial x_j} = \frac{1}{\sigma}\Big(\delta_{ij} - \frac{1}{N}\Big) -
# \frac{\hat z_i\, \hat z_j}{N\sigma},$$
#
# and sum $d\hat z_i\, \partial\hat z_i/\partial x_j$ over $i$. Three terms come out: the direct path, the path
# through the mean and the path through the variance. Multiplied by $N$ and written with the two sums above:
#
# $$dx = \frac{\gamma}{N\sigma}\Big(N\,\text{dout} \;-\; \sum_n \text{dout}_n \;-\; \hat z \odot \sum_n
# \big(\text{dout}_n \odot \hat z_n\big)\Big) = \frac{\gamma}{N\sigma}\big(N\,\text{dout} - d\beta - \hat z \odot
# d\gamma\big).$$
#
# Write `batchnorm_backward(dout, x, gamma, beta, eps=1e-5)` returning `(dx, dgamma, dbeta)` for the training mode
# (batch statistics). As in week 8, the backward function takes the forward function's inputs and recomputes
# $\mu$, $\sigma$ and $\hat z$ itself. A batch of one example makes a good test of your formula: its output is
# $\beta$ whatever $x$ is, so $dx$ must be 0.

# %% solution="batchnorm_backward"
def batchnorm_backward(dout, x, gamma, beta, eps=1e-5):
    """Gradients of batchnorm_forward in training mode. dout, x: (N, D). Returns (dx, dgamma, dbeta)."""
    ### BEGIN SOLUTION
    N = x.shape[0]
    mean = x.mean(axis=0)
    sigma = np.sqrt(((x - mean) ** 2).mean(axis=0) + eps)
    x_hat = (x - mean) / sigma
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / (N * sigma) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
    ### END SOLUTION


# %% tests="test_batchnorm_backward" points=2
rng = np.random.default_rng(4)
xs, g, b = rng.normal(size=(5, 3)) * 2 + 1, rng.normal(size=3), rng.normal(size=3)
dout = rng.normal(size=(5, 3))
dx, dgamma, dbeta = batchnorm_backward(dout, xs, g, b)
energy = lambda _: np.sum(dout * batchnorm_forward(xs, g, b)[0])          # E = Σ dout ⊙ out
assert_close(dx, helpers.numerical_gradient(energy, xs), name="dx vs numerical", inputs=xs, rtol=1e-6)
assert_close(dgamma, helpers.numerical_gradient(energy, g), name="dgamma vs numerical", rtol=1e-6)
assert_close(dbeta, helpers.numerical_gradient(energy, b), name="dbeta vs numerical", rtol=1e-6)
assert_close(batchnorm_backward(dout[:1], xs[:1], g, b)[0], np.zeros((1, 3)), name="dx for a batch of one example")
### BEGIN HIDDEN TESTS
helpers.grading.check_batchnorm_backward(batchnorm_backward)
### END HIDDEN TESTS

# %% [markdown]
# One consequence to keep for the next section. The columns of $dx$ sum to zero over the batch (sum the formula over
# $n$: $N\sum\text{dout} - N\,d\beta - d\gamma\sum_n \hat z_n = 0$, because $\hat z$ has mean 0). Whatever comes
# before batch norm, a constant added to every example is removed by the mean, so it receives no gradient:

# %%
dx, _, _ = batchnorm_backward(dout, xs, g, b)
print("Σ_n dx_n per column:", dx.sum(axis=0), " <- the gradient of a bias b added just before batch norm")

# %% [markdown]
# ## 2. Batch norm in week 8's network
#
# A network with batch norm puts a batch-norm layer between every affine layer and its activation. The bias $b$ of
# that affine layer is useless: the layer's mean is subtracted right away (its gradient is the zero you just saw), and
# $\beta$ does its job. So the layer computes $z = aW$, and its learned parameters are $W$, $\gamma$ and $\beta$:
#
# | layer | dict |
# |---|---|
# | affine | `{"kind": "affine", "W": (D, M), "b": (M,)}`, with `b` kept at 0 before a batch-norm layer |
# | batch norm | `{"kind": "batchnorm", "gamma": (M,), "beta": (M,), "running_mean": (M,), "running_var": (M,), "momentum": 0.9, "eps": 1e-5, "mode": "train"}` |
# | activation | `{"kind": "relu"}` |
#
# `helpers.batchnorm_layer.init_bn_layers(sizes, batchnorm=True, rng=seed)` builds `affine, batchnorm, relu, …, affine`
# (He initialization, every $b = 0$; with `batchnorm=False` the same weights without the batch-norm layers), and
# `helpers.batchnorm_layer.set_mode(layers, "inference")` returns a copy of the list whose batch-norm layers use their
# running statistics. The cells below run such lists with **your** batch norm: `layer_forward` and `layer_backward`
# call your two functions for a batch-norm layer and week 8's kernels (`helpers.layers.KINDS`) for the others. Read
# them, you will use them in the next exercise.

# %%
KINDS = helpers.layers.KINDS        # week 8's layer kinds: forward(x, layer), backward(dout, x, layer)


def layer_forward(x, layer):
    """The output of one layer for its input x; batch-norm layers run your batchnorm_forward."""
    if layer["kind"] == "batchnorm":
        out, _, _ = batchnorm_forward(x, layer["gamma"], layer["beta"], layer["mode"], layer["running_mean"],
                                      layer["running_var"], layer["momentum"], layer["eps"])
        return out
    return KINDS[layer["kind"]].forward(x, layer)


def layer_backward(dout, x, layer):
    """(dx, grads of the layer's parameters); batch-norm layers run your batchnorm_backward (training mode)."""
    if layer["kind"] == "batchnorm":
        dx, dgamma, dbeta = batchnorm_backward(dout, x, layer["gamma"], layer["beta"], layer["eps"])
        return dx, {"gamma": dgamma, "beta": dbeta}
    return KINDS[layer["kind"]].backward(dout, x, layer)


def model_forward(x, layers):
    """(out, inputs), inputs[i] the input of layers[i], as in week 8."""
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = layer_forward(x, layer)
    return x, inputs


def model_backward(dout, inputs, layers):
    """(dx, grads), grads[i] a dict with the gradient of every parameter of layers[i], as in week 8."""
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        dout, grads[i] = layer_backward(dout, inputs[i], layers[i])
    return dout, grads


def accuracy(layers, X, y):
    """Fraction of the rows of X classified as their label, batch norm in inference mode."""
    out, _ = model_forward(X, helpers.batchnorm_layer.set_mode(layers, "inference"))
    return float(np.mean(out.argmax(axis=1) == y))


SIZES = (64, 64, 64, 64, 10)        # 64 pixels, three hidden layers of 64 ReLU units, 10 classes
plain = helpers.batchnorm_layer.init_bn_layers(SIZES, batchnorm=False, rng=0)
normed = helpers.batchnorm_layer.init_bn_layers(SIZES, batchnorm=True, rng=0)
for name, net in (("without batch norm", plain), ("with batch norm", normed)):
    trained = sum(layer[p].size for i, layer in enumerate(net) for p in helpers.layers.parameter_names(layer)
                  if not (p == "b" and i + 1 < len(net) and net[i + 1]["kind"] == "batchnorm"))
    print(f"{name:18s}: {' -> '.join(layer['kind'] for layer in net)}\n{'':20s}{trained} trained parameters")


# %% [markdown]
# (The network with batch norm has 13 322 trained parameters against 13 130: it loses the 192 hidden biases and gains
# a $\gamma$ and a $\beta$ for each of the 192 hidden units.)
#
# ### Exercise 3 — training with batch norm (3 points)
#
# Write `train(layers, X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum=0.0, batch_size=64, seed=0, eval_every=10)`,
# mini-batch gradient descent that returns `(trained_layers, dev_accuracy)`:
#
# 1. work on a copy: `layers = [dict(layer) for layer in layers]`, and give every parameter a new array
#    (`layer["W"] = layer["W"] - ...`), never an update in place, so that the caller's network is untouched;
# 2. shuffle with `rng = np.random.default_rng(seed)`: each epoch takes `rng.permutation(len(X_train))` and cuts it
#    into batches of `batch_size`; skip an incomplete last batch (a batch of three makes poor statistics);
# 3. each step: forward in training mode (`model_forward`), loss and `dout` with
#    `helpers.losses.softmax_cross_entropy(out, y)`, backward (`model_backward`), then for every layer
#    - a batch-norm layer moves its running averages towards the mean and variance of the input it received this step
#      (`inputs[i]`), with the layer's `momentum`;
#    - every parameter in `grads[i]` takes a momentum step, $v \leftarrow \rho v + (1 - \rho)\,g$ and
#      $p \leftarrow p - \text{lr}\cdot v$ with $\rho$ = `sgd_momentum` (week 7's momentum, whose weight week 7
#      called $\beta$; $\rho = 0$ is plain gradient descent), except the $b$ of an affine layer followed by batch
#      norm, which stays 0;
# 4. after every `eval_every` steps, append the dev accuracy (a fraction, `accuracy(layers, X_dev, y_dev)`: inference
#    mode) to `dev_accuracy`, and return it as an array.
#
# **Three names, three meanings.** This week $\beta$ is batch norm's learned shift, `layer["beta"]`, one of the
# parameters the momentum step updates; so the optimizer's weight is $\rho$, the argument `sgd_momentum`. And
# `layer["momentum"]` (the `momentum` of exercise 1) is the weight $m$ of the running averages, not the optimizer's.
#
# The check trains the network above with batch norm at a learning rate of 1.0 for 100 steps, for three seeds, and
# wants a dev accuracy of at least **90%**, reached in fewer steps than the same network without batch norm (which at
# this rate never gets there).

# %% solution="train"
def train(layers, X_train, y_train, X_dev, y_dev, lr, steps, sgd_momentum=0.0, batch_size=64, seed=0, eval_every=10):
    """Mini-batch gradient descent with momentum. Returns (trained layers, dev accuracy every eval_every steps)."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    layers = [dict(layer) for layer in layers]
    velocity = []
    for i, layer in enumerate(layers):
        names = list(helpers.layers.parameter_names(layer))
        if layer["kind"] == "affine" and i + 1 < len(layers) and layers[i + 1]["kind"] == "batchnorm":
            names.remove("b")
        velocity.append({name: np.zeros_like(layer[name]) for name in names})
    dev_accuracy = []
    order, start = rng.permutation(len(X_train)), 0
    for step in range(steps):
        if start + batch_size > len(X_train):
            order, start = rng.permutation(len(X_train)), 0
        batch = order[start:start + batch_size]
        start += batch_size
        out, inputs = model_forward(X_train[batch], layers)
        _, dout = helpers.losses.softmax_cross_entropy(out, y_train[batch])
        _, grads = model_backward(dout, inputs, layers)
        for layer, x, grad, v in zip(layers, inputs, grads, velocity):
            if layer["kind"] == "batchnorm":
                m = layer["momentum"]
                layer["running_mean"] = m * layer["running_mean"] + (1 - m) * x.mean(axis=0)
                layer["running_var"] = m * layer["running_var"] + (1 - m) * x.var(axis=0)
            for name in v:
                v[name] = sgd_momentum * v[name] + (1 - sgd_momentum) * grad[name]
                layer[name] = layer[name] - lr * v[name]
        if (step + 1) % eval_every == 0:
            dev_accuracy.append(accuracy(layers, X_dev, y_dev))
    return layers, np.array(dev_accuracy)
    ### END SOLUTION


# %% tests="test_train" points=3
small = helpers.batchnorm_layer.init_bn_layers((64, 32, 10), batchnorm=True, rng=0)
trained, curve = train(small, X_train, y_train, X_dev, y_dev, lr=0.5, steps=20, seed=0)
assert len(curve) == 2, f"20 steps, eval_every 10: expected 2 dev accuracies, got {len(curve)}: {curve}"
assert not np.any(small[1]["running_mean"]), "train changed the network it was given: work on a copy"
assert np.any(trained[1]["running_mean"]), f"the running mean of layers[1] never moved: {trained[1]['running_mean']}"
assert not np.any(trained[0]["b"]), "the b of the affine layer before batch norm must stay 0"
assert curve[-1] > 0.8, f"64-32-10 with batch norm, lr 0.5, 20 steps: expected a dev accuracy above 0.8, got {curve}"
print(f"dev accuracy after 10 and 20 steps: {curve}")
### BEGIN HIDDEN TESTS
train_arrays = helpers.batchnorm_layer.on_arrays(train)
helpers.grading.check_batchnorm_reaches_target_in_fewer_steps(train_arrays)
### END HIDDEN TESTS

# %% [markdown]
# ### A learning rate where the plain network fails
#
# Both networks from the same starting weights, trained with plain gradient descent at a learning rate of 1.0 for three
# seeds. Without batch norm the steps are too large for it: the cost jumps up instead of down, many ReLU units of the
# upper layers end up with a negative input for every image (a "dead" unit passes nothing and receives no gradient),
# and the cost hovers around that of guessing, $\ln 10 \approx 2.3$, for the whole run (with jumps far above it); the
# dev accuracy, plotted below, never passes 50%. With batch norm the same steps are harmless:

# %%
def steps_to(curve, target=0.9, every=10):
    """The first step at which the dev accuracy reached target, or None."""
    hit = np.flatnonzero(np.asarray(curve) >= target)
    return int((hit[0] + 1) * every) if hit.size else None


start = time.perf_counter()
curves = {}
with np.errstate(all="ignore"):                          # the plain network overflows on its way down
    for seed in (0, 1, 2):
        for batchnorm in (False, True):
            net = helpers.batchnorm_layer.init_bn_layers(SIZES, batchnorm, rng=seed)
            curves[seed, batchnorm] = train(net, X_train, y_train, X_dev, y_dev, lr=1.0, steps=100, seed=seed)[1]
print(f"6 runs in {time.perf_counter() - start:.1f} s")
for seed in (0, 1, 2):
    print(f"seed {seed}: steps to 90% dev accuracy without batch norm {steps_to(curves[seed, False])}, "
          f"with batch norm {steps_to(curves[seed, True])}")

fig, ax = plt.subplots(figsize=(7, 3.4))
for seed in (0, 1, 2):
    ax.plot(np.arange(10, 101, 10), curves[seed, False], "o-", color="tab:red", ms=3, label="without" if seed == 0 else None)
    ax.plot(np.arange(10, 101, 10), curves[seed, True], "o-", color="tab:blue", ms=3, label="with batch norm" if seed == 0 else None)
ax.axhline(0.9, color="gray", ls=":", lw=1)
ax.set_xlabel("step"); ax.set_ylabel("dev accuracy"); ax.set_ylim(0, 1)
ax.set_title("learning rate 1.0, three seeds", fontsize=10); ax.legend(fontsize=8, loc="center right")
plt.show()

# %% [markdown]
# At a learning rate both can handle, 0.1, batch norm still gets there sooner; the normalized network also tolerates a
# much wider range of learning rates, which section 4 measures.

# %%
with np.errstate(all="ignore"):
    slow = {bn: train(helpers.batchnorm_layer.init_bn_layers(SIZES, bn, rng=0), X_train, y_train, X_dev, y_dev,
                      lr=0.1, steps=100, seed=0)[1] for bn in (False, True)}
print(f"learning rate 0.1: steps to 90% without batch norm {steps_to(slow[False])}, with {steps_to(slow[True])}")
print("dev accuracy without:", slow[False].round(3))
print("dev accuracy with:   ", slow[True].round(3))

# %% [markdown]
# ### Test time: the running averages
#
# Take the trained network of seed 0 and classify the dev images three ways: with the running averages (inference
# mode, what a deployed network does), in training mode with the whole dev set as one batch (its own statistics: it
# works, but then the answer for one image depends on which other images came with it), and in training mode one image
# at a time, where $\hat z = 0$ for every unit and every image looks the same to the layers above.

# %%
net_bn, _ = train(helpers.batchnorm_layer.init_bn_layers(SIZES, True, rng=0), X_train, y_train, X_dev, y_dev,
                  lr=1.0, steps=100, seed=0)
one_by_one = np.array([model_forward(X_dev[n:n + 1], net_bn)[0][0].argmax() for n in range(len(X_dev))])
print(f"inference mode (running averages):     {accuracy(net_bn, X_dev, y_dev):.1%}")
print(f"training mode, the dev set as a batch:  {np.mean(model_forward(X_dev, net_bn)[0].argmax(axis=1) == y_dev):.1%}")
print(f"training mode, one image at a time:     {np.mean(one_by_one == y_dev):.1%}  "
      f"(every image gets class {np.bincount(one_by_one).argmax()})")

# %% [markdown]
# Inference mode is the one to use; it may score a little below the whole-batch figure here, because the running
# averages lag behind the weights (they average the last ten or so batches, seen while the weights were still moving
# fast at this learning rate). A longer training at a smaller rate closes the gap.
#
# ### Why does it work?
#
# **Each layer's input stops drifting.** While the network learns, the weights of the lower layers change, and so does
# the distribution of what every upper layer receives: an upper layer chases a moving target (the name for it is
# *internal covariate shift*). Batch norm pins the mean and the spread of every unit's input to $\beta$ and $\gamma$,
# which change slowly and only when the loss asks for it. The layers become more independent of one another, deep
# layers are robust to what happens below, and large learning rates stop being dangerous. (Later work argues that the
# main effect is a smoother cost surface rather than the covariate shift itself; either way, the explorer below shows
# the drift that batch norm removes.)
#
# **A slight regularization.** The mean and variance come from a mini-batch, so they are noisy, and each example's
# normalized value depends on which other examples share its batch: a little noise on every activation, as dropout
# adds. The smaller the batch, the more noise. It is a side effect, not a regularizer to rely on (use L2 or dropout
# for that), and large batches make it small. One unit of the network with batch norm, one image, 200 random batches
# around it:

# %%
rng = np.random.default_rng(3)
image = X_dev[:1]
for size in (8, 64, 512):
    values = []
    for _ in range(200):
        others = X_train[rng.choice(len(X_train), size - 1, replace=False)]
        _, inputs = model_forward(np.vstack([image, others]), normed)
        values.append(inputs[2][0, 0])                  # the input of the first ReLU, unit 0, for our image
    print(f"batch size {size:3d}: that unit's input for the same image varies with a std of {np.std(values):.3f}")

# %% [markdown]
# ### Explore: one unit's input over training
#
# The explorer trains the network above, without and with batch norm, at a learning rate of 0.1 or 1.0, and shows what
# one unit receives as its ReLU input over 256 dev images at each training step (dashed: at step 0). Without batch norm
# the mean and the spread of a unit wander as the layers below learn; at 1.0 many units of the upper layers die (all
# their inputs negative). With batch norm the mean and spread stay at that unit's $\beta$ and $|\gamma|$, even when the
# un-normalized $xW$ (tick the box) moves a lot. Things to try: layer 3 at learning rate 1.0, several units; the same
# unit at both rates.
#
# Your `batchnorm_forward` normalizes the same inputs too (training mode, with that step's $\gamma$ and $\beta$): its
# histogram of the unit is the dashed black outline on the right. If your output differs from the reference's, a red
# line marks your value for the first image that differs, and a red line of text under the figure gives both values.
# Until you have written `batchnorm_forward`, the reference draws alone and the picture says so.

# %%
from helpers.widgets.w09 import PreactivationExplorer

PreactivationExplorer(lr=0.1, layer=2, unit=0, step=100, batchnorm_forward=batchnorm_forward)


# %% [markdown]
# ## 3. Hyperparameter search
#
# A network comes with many settings that training does not learn. Not all of them matter equally; a useful order,
# from the one to tune first:
#
# | how much it matters | hyperparameters |
# |---|---|
# | most | the learning rate α |
# | next | momentum's weight ρ (week 7's β), the number of hidden units, the mini-batch size |
# | then | the number of layers, the learning-rate decay |
# | hardly ever tuned | Adam's β₁, β₂ and ε (0.9, 0.999 and 1e-8 work almost always) |
#
# **Random values, not a grid.** Say the budget is 25 trainings and two hyperparameters are searched. A 5 × 5 grid tries
# only **5** values of each. If one of the two turns out not to matter (often the case, and you cannot know which in
# advance), 20 of the 25 trainings were wasted: they repeat the same 5 values of the one that matters. Random
# configurations try **25** different values of every hyperparameter for the same budget.
#
# **Coarse to fine.** Search the whole space coarsely, find the region where the good configurations cluster, then
# spend the rest of the budget sampling more densely inside that region.
#
# **The right scale.** "Random" needs a scale. The number of hidden units between 50 and 100 can be drawn uniformly. A
# learning rate between 0.0001 and 1 cannot: uniform values put 90% of the samples between 0.1 and 1 and only 10% in
# the three decades below, where the best rate often lies. Draw the **exponent** uniformly instead, $\alpha = 10^r$ with
# $r \sim U(-4, 0)$, and each decade gets a quarter of the samples.
#
# Momentum's weight ρ (exercise 3's `sgd_momentum`) between 0.9 and 0.999 needs the same care in another form. What
# matters is $1/(1-\rho)$, the number of steps the average spans (week 7): ρ = 0.9 averages about 10 steps, 0.99 about
# 100, 0.999 about 1000. The step from 0.9 to 0.9005 changes almost nothing, from 0.999 to 0.9995 it doubles the span.
# So sample $1 - \rho$ on a log scale, $\rho = 1 - 10^r$ with $r \sim U(-3, -1)$.
#
# ### Exercise 4 — sampling on the right scale (1 + 1 points)
#
# Write `sample_hyperparameters(n, seed)` returning `(learning_rates, momenta)`, two arrays of `n` values: learning
# rates log-uniform in $[10^{-4}, 1]$ and momentum weights $\rho = 1 - 10^{U(-3, -1)}$, both drawn from **one** generator,
# `rng = np.random.default_rng(seed)`, the learning rates first. The same seed must give the same samples (that is what
# makes a search repeatable).

# %% solution="sample_hyperparameters"
def sample_hyperparameters(n, seed):
    """(learning_rates (n,), momenta (n,)): 10^U(-4, 0) and 1 - 10^U(-3, -1), from one seeded generator."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    learning_rates = 10.0 ** rng.uniform(-4, 0, size=n)
    momenta = 1.0 - 10.0 ** rng.uniform(-3, -1, size=n)
    return learning_rates, momenta
    ### END SOLUTION


# %% tests="test_learning_rates" points=1
lrs, momenta = sample_hyperparameters(4000, seed=0)
assert lrs.shape == (4000,), f"expected 4000 learning rates, got shape {np.shape(lrs)}"
assert lrs.min() >= 1e-4 and lrs.max() <= 1, f"learning rates must lie in [1e-4, 1], got {lrs.min():.3g} to {lrs.max():.3g}"
shares = np.histogram(np.log10(lrs), bins=[-4, -3, -2, -1, 0])[0] / len(lrs)
assert np.all(np.abs(shares - 0.25) < 0.04), f"expected about 25% per decade, got {np.round(shares, 3)}"
assert np.array_equal(lrs, sample_hyperparameters(4000, seed=0)[0]), "the same seed must give the same samples"
print("share of the learning rates per decade:", np.round(shares, 3))
### BEGIN HIDDEN TESTS
helpers.grading.check_learning_rates_log_uniform(sample_hyperparameters)
sample_hyperparameters_twice = helpers.tuning.drawn_twice(sample_hyperparameters, "sample_hyperparameters")
helpers.grading.check_samples_reproducible(sample_hyperparameters_twice)
### END HIDDEN TESTS

# %% tests="test_momenta" points=1
lrs, momenta = sample_hyperparameters(4000, seed=0)
assert momenta.shape == (4000,), f"expected 4000 momentum weights, got shape {np.shape(momenta)}"
assert momenta.min() >= 0.9 and momenta.max() <= 0.999, f"ρ must lie in [0.9, 0.999], got {momenta.min():.4g} to {momenta.max():.4g}"
above = np.mean(momenta > 0.99)
assert abs(above - 0.5) < 0.04, f"1 − ρ log-uniform puts half of the ρ above 0.99; you have {above:.1%}"
assert not np.array_equal(momenta, sample_hyperparameters(4000, seed=1)[1]), "another seed must give other samples"
print(f"share of ρ above 0.99: {above:.1%}")
### BEGIN HIDDEN TESTS
helpers.grading.check_momenta_log_scale(sample_hyperparameters)
sample_hyperparameters_twice = helpers.tuning.drawn_twice(sample_hyperparameters, "sample_hyperparameters")
helpers.grading.check_samples_reproducible(sample_hyperparameters_twice)
### END HIDDEN TESTS

# %% [markdown]
# The same 2000 samples drawn both ways, on a linear axis and on a log axis:

# %%
rng = np.random.default_rng(1)
uniform_lr, uniform_rho = rng.uniform(1e-4, 1, 2000), rng.uniform(0.9, 0.999, 2000)
lrs, momenta = sample_hyperparameters(2000, seed=1)
fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
axes[0].hist([uniform_lr, lrs], bins=20, label=["uniform", "log-uniform"], color=["tab:gray", "tab:blue"])
axes[0].set_xlabel("learning rate (linear axis)")
axes[1].hist([uniform_lr, lrs], bins=np.logspace(-4, 0, 21), label=["uniform", "log-uniform"],
             color=["tab:gray", "tab:blue"])
axes[1].set_xscale("log"); axes[1].set_xlabel("learning rate (log axis)")
axes[2].hist([1 - uniform_rho, 1 - momenta], bins=np.logspace(-3, -1, 21), label=["ρ uniform", "1 − ρ log-uniform"],
             color=["tab:gray", "tab:orange"])
axes[2].set_xscale("log"); axes[2].set_xlabel("1 − ρ (log axis): 0.001 is ρ = 0.999")
for ax, where in zip(axes, ("upper right", "upper left", "upper left")):
    ax.legend(fontsize=8, loc=where)
axes[0].set_ylabel("samples of 2000")
plt.show()
print(f"uniform: {np.mean(uniform_lr >= 0.1):.0%} of the learning rates in [0.1, 1]; "
      f"log-uniform: {np.mean(lrs >= 0.1):.0%}")


# %% [markdown]
# ### Exercise 5 — random search (2 points)
#
# A search space is a dict `{name: (low, high, scale)}` with scale `"linear"` or `"log"`, and a configuration a dict
# `{name: value}`. Write `random_search(objective, space, budget, seed)`: with `rng = np.random.default_rng(seed)`, draw
# `budget` configurations, each hyperparameter on its own scale (log: `10 ** rng.uniform(np.log10(low), np.log10(high))`,
# linear: `rng.uniform(low, high)`), call `objective(config)` **once** for each (it stands for training a network and
# measuring its dev accuracy: expensive, and the budget is the number of trainings), and return
# `(best_config, best_score)`, the configuration with the **highest** score.
#
# The check runs your search on objectives it defines, where one or two hyperparameters matter and one does not, and
# records every configuration your search asks about.

# %% solution="random_search"
def random_search(objective, space, budget, seed):
    """(best_config, best_score) among `budget` random configurations of `space`, each on its scale."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    best_config, best_score = None, -np.inf
    for _ in range(budget):
        config = {}
        for name, (low, high, scale) in space.items():
            if scale == "log":
                config[name] = 10.0 ** rng.uniform(np.log10(low), np.log10(high))
            else:
                config[name] = rng.uniform(low, high)
        score = objective(config)
        if score > best_score:
            best_config, best_score = config, score
    return best_config, best_score
    ### END SOLUTION


# %% tests="test_random_search" points=2
def score_of(config):                                      # best at lr = 0.01, whatever the number of units
    return -(np.log10(config["lr"]) + 2.0) ** 2

calls = []
def bowl(config):
    calls.append(config)
    return score_of(config)

space = {"lr": (1e-4, 1.0, "log"), "units": (16, 256, "linear")}
best, score = random_search(bowl, space, budget=50, seed=0)
assert len(calls) == 50, f"budget 50: the objective must be called 50 times, it was called {len(calls)} times"
assert all(1e-4 <= c["lr"] <= 1 and 16 <= c["units"] <= 256 for c in calls), "a configuration left the space"
assert score == max(map(score_of, calls)), f"best_score {score} is not the highest score of the 50 tried"
assert 10 ** -2.5 < best["lr"] < 10 ** -1.5, f"the best of 50 learning rates should be near 0.01, got {best['lr']:.3g}"
print(f"best of 50: lr {best['lr']:.4f}, units {best['units']:.0f}, score {score:.1e} (the highest possible is 0)")
### BEGIN HIDDEN TESTS
random_search_on_objective = helpers.tuning.on_objective(random_search)
helpers.grading.check_random_search_finds_best(random_search_on_objective)
### END HIDDEN TESTS

# %% [markdown]
# **Random against grid, the same budget.** `helpers.tuning.toy_objective` makes a stand-in for "train and measure the
# dev accuracy": here it depends on the learning rate only, and the number of units does not matter at all. Left: 25
# grid points and 25 random points over the score. Right: the same comparison on 300 such problems, each with its best
# learning rate somewhere else; the gap is the best score possible minus the best score found (lower is better).

# %%
space = {"lr": (1e-4, 1.0, "log"), "units": (16, 256, "linear")}
objective = helpers.tuning.toy_objective(np.array([[0.85, 0.45, 0.08], [0.0, 0.5, 0.3]]), space)
_, _, grid = helpers.tuning.grid_search(objective, space, 25)
random_points = []
random_search(lambda c: random_points.append(c) or objective(c), space, 25, seed=0)

lr_axis, unit_axis = np.logspace(-4.15, 0.15, 200), np.linspace(6, 266, 100)     # a little beyond the space
scores = helpers.tuning.toy_scores(np.stack(np.meshgrid(lr_axis, unit_axis), -1).reshape(-1, 2),
                                   np.array([[0.85, 0.45, 0.08], [0.0, 0.5, 0.3]]), space).reshape(100, 200)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
axes[0].pcolormesh(lr_axis, unit_axis, scores, cmap="Greens", shading="auto")
axes[0].scatter([c["lr"] for c in grid], [c["units"] for c in grid], marker="s", color="k", s=18, label="grid")
axes[0].scatter([c["lr"] for c in random_points], [c["units"] for c in random_points], color="tab:orange", s=18,
                label="random")
axes[0].set_xscale("log"); axes[0].set_xlabel("learning rate"); axes[0].set_ylabel("hidden units")
axes[0].set_title("25 grid points (black) and 25 random ones (orange); darker is a better score", fontsize=9)

rng = np.random.default_rng(5)
gaps = {"grid": [], "random": []}
for problem in range(300):
    coefs = np.array([[0.85, rng.uniform(0.05, 0.95), 0.08], [0.0, 0.5, 0.3]])
    f = helpers.tuning.toy_objective(coefs, space)
    best_possible = helpers.tuning.TOY_BASE + 0.85
    gaps["grid"].append(best_possible - helpers.tuning.grid_search(f, space, 25)[1])
    gaps["random"].append(best_possible - random_search(f, space, 25, seed=problem)[1])
axes[1].hist([gaps["grid"], gaps["random"]], bins=np.linspace(0, 0.85, 18), color=["k", "tab:orange"],
             label=[f"grid: mean gap {np.mean(gaps['grid']):.3f}", f"random: mean gap {np.mean(gaps['random']):.3f}"])
axes[1].set_xlabel("best possible − best found (25 trainings)"); axes[1].set_ylabel("problems of 300")
axes[1].legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# The grid tries five learning rates, one per decade; when the best rate falls between two of them, all 25 trainings
# miss it. Random search samples 25 learning rates and almost always lands close.
#
# **Coarse to fine** with `helpers.tuning.coarse_to_fine(objective, space, budget, seed, search=random_search)`: half of
# the budget at random on the whole space (your `random_search`), then the other half on a space four times smaller on
# each axis (on its own scale), centred on the best configuration of the first half:

# %%
tried = []
def recorded(config):
    tried.append(config)
    return objective(config)

best, score, fine_space = helpers.tuning.coarse_to_fine(recorded, space, 40, seed=2, search=random_search)
coarse_best = max(tried[:20], key=objective)
print(f"coarse: best lr {coarse_best['lr']:.4f} (score {objective(coarse_best):.3f});  "
      f"fine: best lr {best['lr']:.4f} (score {score:.3f})")
print("fine space:", {k: (round(lo, 5), round(hi, 5), s) for k, (lo, hi, s) in fine_space.items()})
fig, ax = plt.subplots(figsize=(6.5, 3.3))
ax.pcolormesh(lr_axis, unit_axis, scores, cmap="Greens", shading="auto")
ax.scatter([c["lr"] for c in tried[:20]], [c["units"] for c in tried[:20]], color="tab:orange", s=16, label="coarse")
ax.scatter([c["lr"] for c in tried[20:]], [c["units"] for c in tried[20:]], color="tab:purple", s=16, label="fine")
(lo, hi, _), (ulo, uhi, _) = fine_space["lr"], fine_space["units"]
ax.add_patch(plt.Rectangle((lo, ulo), hi - lo, uhi - ulo, fill=False, ls="--"))
ax.set_xscale("log"); ax.set_xlabel("learning rate"); ax.set_ylabel("hidden units"); ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# ## 4. A real search: many models at once
#
# How to search depends on the computing power at hand. With little of it, **babysit one model** (the panda approach:
# a panda raises one cub at a time): start one training, watch its cost day after day, and nudge the learning rate up
# or down as it goes. With many machines, **train many models in parallel** (the caviar approach: a fish lays millions
# of eggs and does not look after any one of them), each with its own configuration, and keep the best.
#
# This machine has several cores, so we take the caviar route on a small scale: learning rates and momentum weights ρ
# drawn by your `sample_hyperparameters`, each configuration trained by your `train` for 100 steps, with and without
# batch norm, and the dev accuracy after the last step recorded. `helpers.tuning.run_trials` runs the trainings in one worker
# process per core and shows a progress bar. Given the address of a **Dask** scheduler (`SCHEDULER = "tcp://host:8786"`,
# a cluster whose workers have this course's packages), the same call sends the trainings to the cluster instead, which
# is how a search of thousands of configurations would run. It is kept small here so that the cell stays under ten
# seconds.

# %%
SCHEDULER = None          # or the address of a Dask scheduler, e.g. "tcp://10.0.0.5:8786"
SEARCH_STEPS = 100


def dev_accuracy_of(config):
    """Train the week's network with one configuration; its dev accuracy after SEARCH_STEPS steps."""
    net = helpers.batchnorm_layer.init_bn_layers(SIZES, config["batchnorm"], rng=0)
    with np.errstate(all="ignore"):
        _, curve = train(net, X_train, y_train, X_dev, y_dev, config["lr"], SEARCH_STEPS,
                         sgd_momentum=config["sgd_momentum"], seed=0)
    return float(curve[-1])


learning_rates, momenta = sample_hyperparameters(10, seed=4)
configs = [{"lr": float(lr), "sgd_momentum": float(rho), "batchnorm": bn} for bn in (False, True)
           for lr, rho in zip(learning_rates, momenta)]
results, info = helpers.tuning.run_trials(dev_accuracy_of, configs, scheduler=SCHEDULER)
print(f"{len(configs)} trainings in {info['seconds']:.1f} s on {info['where']}\n")

rows = sorted(({**c, "1 - sgd_momentum": 1 - c["sgd_momentum"], "dev accuracy": r,
                "batch norm": "yes" if c["batchnorm"] else "no"}
               for c, r in zip(configs, results)), key=lambda row: -row["dev accuracy"])
print(helpers.tuning.format_table(rows[:10], ["lr", "sgd_momentum", "1 - sgd_momentum", "batch norm", "dev accuracy"],
                                  {"lr": ".4f", "sgd_momentum": ".4f", "1 - sgd_momentum": ".4f",
                                   "dev accuracy": ".3f"}))
print(f"... and {len(rows) - 10} more")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for bn, color, label in ((False, "tab:red", "without batch norm"), (True, "tab:blue", "with batch norm")):
    picked = [(c["lr"], 1 - c["sgd_momentum"], r) for c, r in zip(configs, results) if c["batchnorm"] == bn]
    lr_values, one_minus_rho, accuracies = zip(*picked)
    axes[0].scatter(lr_values, accuracies, color=color, label=label)
    good = np.array(lr_values) >= 0.1
    axes[1].scatter(np.array(one_minus_rho)[good], np.array(accuracies)[good], color=color, label=label)
axes[0].set_xlim(1e-4, 1); axes[0].set_xlabel("learning rate (log axis)")
axes[1].set_xlim(1e-3, 1e-1); axes[1].set_xlabel("1 − ρ (log axis): 0.001 is ρ = 0.999, 0.1 is ρ = 0.9")
axes[1].set_title("the runs with a learning rate of 0.1 or more", fontsize=9)
axes[0].set_ylabel(f"dev accuracy after {SEARCH_STEPS} steps"); axes[0].set_ylim(0, 1)
for ax in axes:
    ax.set_xscale("log"); ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% [markdown]
# Read the left panel first: the learning rate decides most, as the table at the start of section 3 said. Below about
# 0.01 neither network learns much in 100 steps (the steps are too small); from about 0.1 up both do well, and the
# network with batch norm does better at every rate (by 4 to 10 points from 0.1 up). The right panel takes the runs with a good learning rate and looks at
# their ρ: the closer ρ is to 0.999 (1 − ρ near 0.001), the worse, because such an average spans about 1000 steps, ten
# times the run, and still weighs its zero start heavily (week 7's bias). A real search would now zoom in: learning rates
# between 0.1 and 1, ρ below 0.99, with more steps and more samples.
#
# ## Summary
#
# - Batch norm normalizes each unit's pre-activation over the mini-batch, $\hat z = (z - \mu)/\sqrt{\sigma^2 +
#   \varepsilon}$, then rescales it, $\tilde z = \gamma\hat z + \beta$, with γ and β learned. Before it, an affine layer
#   needs no bias.
# - Its backward pass in compact form: $d\beta = \sum \text{dout}$, $d\gamma = \sum \text{dout}\,\hat z$,
#   $dx = \frac{\gamma}{N\sigma}(N\,\text{dout} - d\beta - \hat z\, d\gamma)$; the columns of $dx$ sum to zero.
# - At test time it uses exponentially weighted running averages of the batch means and variances, kept during
#   training; one example has no statistics of its own.
# - It keeps each layer's input from drifting while the layers below learn, makes training fast and tolerant of large
#   learning rates, and regularizes slightly through the noise of the batch statistics.
# - Tune the learning rate first. Sample at random rather than on a grid, go from coarse to fine, and sample on the
#   right scale: $\alpha = 10^{U(-4, 0)}$ for the learning rate, $\rho = 1 - 10^{U(-3, -1)}$ for momentum's weight.
# - With little computing power, babysit one model; with plenty, train many in parallel and keep the best.
