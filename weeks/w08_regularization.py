# %% [markdown]
# # Week 8 — Practical aspects: deep networks, regularization, initialization, normalized inputs
#
# Until now every network had one or two layers, each written out by hand. This week you build networks of
# **any depth** from layers written once, watch one of them learn its training set by heart, and fix it:
#
# 1. **modular layers**: affine, activation and dropout layers, each a forward and a backward function, and a
#    whole network as a **list of layers** that one loop runs forwards and one loop runs backwards;
# 2. **a network that learns its training set by heart**: train/dev/test sets, bias and variance and the basic
#    recipe for each, then three cures: the L2 penalty (weight decay), **dropout** (and why it is an ensemble), and
#    **early stopping**;
# 3. what makes a deep network trainable at all: **normalized inputs**, **vanishing and exploding** signals,
#    and **weight initialization** (zeros, too large, LeCun, Xavier/Glorot, He);
# 4. a **regularization study**: week 6's diagnosis says "variance", and you choose λ on the dev set;
# 5. **more on regularization**: data augmentation on handwritten digits, a keep probability per layer, why the
#    cost means little while dropout is on, and a gradient check that includes the L2 term;
# 6. an explorer where λ, the keep probability, the depth and the initialization move the decision boundary.
#
# Conventions, as in every week: arrays are batch-first, `x (N, D)` holds N examples of D features, vectors are
# **rows** and a layer computes `x @ W + b`. The cost is the softmax cross-entropy **averaged** over the $m$ training
# examples (week 1), so the gradient with respect to the logits is $(\hat y - y)/m$, plus the L2 term of section 2.
# The layer functions you write are the same as the reference kernels of `helpers.layers` (which week 9 builds on),
# so read their docstrings whenever a shape is unclear.
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
# ## 1. Layers written once, composed into a network of any depth
#
# Week 2's network had its forward and backward formulas written out for exactly two layers; a third layer would
# have meant new formulas. Deep networks are built the other way round. Each **kind** of layer is written once, as a
# pair of functions:
#
# - `forward`: `out = f(x; parameters)`;
# - `backward`: given `dout` $= \partial J/\partial\,\text{out}$ (the same shape as `out`), return `dx` $= \partial J/\partial x$,
#   which goes on to the layer before, and the gradient of each of the layer's parameters.
#
# A network is then a list of layers, and a loop runs through it. Our backward functions take the forward
# function's **inputs** again, for example `affine_backward(dout, x, W, b)`, and recompute whatever they need from
# them. (Many libraries, CS231n's assignments among them, pass an opaque "cache" object from the forward to the
# backward call instead; explicit inputs say exactly what each gradient depends on.)
#
# ### Exercise 1 — the affine layer (1 + 2 points)
#
# An affine (fully connected) layer multiplies by a weight matrix and adds a bias:
#
# $$\text{out} = x W + b, \qquad x\ (N \times D),\quad W\ (D \times M),\quad b\ (M),\quad \text{out}\ (N \times M).$$
#
# Its gradients follow from the chain rule, one example (row) at a time, summed over the batch:
#
# $$dx = \text{dout}\; W^\top\ (N \times D), \qquad dW = x^\top\, \text{dout}\ (D \times M), \qquad db = \sum_{n} \text{dout}_n\ (M).$$
#
# The sums are not means: the loss already divides by $N$, so `dout` carries the $1/N$. A quick way to get the
# products right: each gradient has the shape of what it is the gradient of, and there is only one way to multiply
# `dout` `(N, M)` by `W` or `x` that gives that shape.

# %% solution="affine"
def affine_forward(x, W, b):
    """out = x W + b. x: (N, D), W: (D, M), b: (M,) -> out (N, M)."""
    ### BEGIN SOLUTION
    return x @ W + b
    ### END SOLUTION


def affine_backward(dout, x, W, b):
    """Gradients of out = x W + b. dout: (N, M) -> (dx (N, D), dW (D, M), db (M,))."""
    ### BEGIN SOLUTION
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)
    ### END SOLUTION


# %% tests="test_affine_forward" points=1
x = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])             # N=3, D=2
W = np.array([[1.0, -1.0, 0.5], [2.0, 0.0, -1.0]])               # M=3
b = np.array([0.5, 0.0, -0.5])
assert_close(affine_forward(x, W, b), [[5.5, -1.0, -2.0], [-1.5, 0.0, 0.5], [4.5, -3.0, 0.5]],
             name="affine_forward", inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_affine_forward(affine_forward)
### END HIDDEN TESTS

# %% tests="test_affine_backward" points=2
dout = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, -1.0, 1.0]])
dx, dW, db = affine_backward(dout, x, W, b)
assert_close(dx, [[0.5, 3.0], [-1.5, 1.0], [1.5, -1.0]], name="dx", inputs=dout)
assert_close(dW, [[1.0, -3.0, 2.0], [1.5, -2.5, -1.5]], name="dW", inputs=dout)
assert_close(db, [1.5, 1.0, 0.0], name="db", inputs=dout)
### BEGIN HIDDEN TESTS
helpers.grading.check_affine_backward(affine_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2 — activation layers (1 + 1 points)
#
# An activation layer applies the same function to every entry and has no parameters:
#
# | kind | $f(z)$ | $f'(z)$ |
# |---|---|---|
# | `"relu"` | $\max(0, z)$ | $1$ where $z > 0$, else $0$ (also at $z = 0$) |
# | `"tanh"` | $\tanh z$ | $1 - \tanh^2 z$ |
# | `"sigmoid"` | $\sigma(z) = 1/(1 + e^{-z})$ | $\sigma(z)\,(1 - \sigma(z))$ |
#
# and its backward pass is `dz = dout * f'(z)`, element by element. Here `z` is the layer's **input**, as for every
# backward function this week (week 5's `activation_grad` took the output instead; both work, but this one keeps the
# rule "backward takes the forward's inputs").

# %% solution="activation"
def activation_forward(z, kind):
    """f(z) element by element, for kind "relu", "tanh" or "sigmoid". z: any shape."""
    ### BEGIN SOLUTION
    if kind == "relu":
        return np.maximum(z, 0.0)
    if kind == "tanh":
        return np.tanh(z)
    if kind == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    raise ValueError(f"unknown activation {kind!r}")
    ### END SOLUTION


def activation_backward(dout, z, kind):
    """dz = dout * f'(z), with z the layer's input (the same shape as dout)."""
    ### BEGIN SOLUTION
    if kind == "relu":
        return dout * (z > 0)
    if kind == "tanh":
        return dout * (1.0 - np.tanh(z) ** 2)
    if kind == "sigmoid":
        s = 1.0 / (1.0 + np.exp(-z))
        return dout * s * (1.0 - s)
    raise ValueError(f"unknown activation {kind!r}")
    ### END SOLUTION


# %% tests="test_activation_forward" points=1
z = np.array([[-2.0, 0.0, 0.5, 3.0]])
assert_close(activation_forward(z, "relu"), [[0.0, 0.0, 0.5, 3.0]], name="relu", inputs=z)
assert_close(activation_forward(z, "tanh"), [[-0.9640275800758169, 0.0, 0.46211715726000974, 0.9950547536867305]],
             name="tanh", inputs=z)
assert_close(activation_forward(z, "sigmoid"), [[0.11920292202211755, 0.5, 0.6224593312018546, 0.9525741268224334]],
             name="sigmoid", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_activation_forward(activation_forward)
### END HIDDEN TESTS

# %% tests="test_activation_backward" points=1
ones = np.ones_like(z)
assert_close(activation_backward(ones, z, "relu"), [[0.0, 0.0, 1.0, 1.0]], name="relu'", inputs=z)
assert_close(activation_backward(ones, z, "tanh"), [[0.07065082485316443, 1.0, 0.7864477329659274, 0.009866037165440211]],
             name="tanh'", inputs=z)
assert_close(activation_backward(2 * ones, z, "sigmoid"), [[0.209987170807013, 0.5, 0.470007424403189, 0.090353319461824]],
             name="2 * sigmoid'", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_activation_backward(activation_backward)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 3 — dropout, a layer that regularizes (1 + 1 points)
#
# **Dropout** switches units off at random during training. In every training step, each unit of a layer is kept
# with probability $p$ (the **keep probability**) and set to 0 otherwise, independently for every example. Every
# step therefore trains a different, thinner network. Two ways to see why that fights overfitting:
#
# - a thinner network is a smaller model, and small models overfit less;
# - a unit can no longer rely on any one of its inputs, which may vanish at the next step, so it spreads its weight
#   over many inputs. No single weight grows large: the effect is much like L2 regularization (section 2).
#
# The original formulation (Srivastava et al., 2014) trains with units kept with probability $p$ and
# **predicts** with every unit present and every weight multiplied by $p$, to make up for the units that were
# missing during training. It also explains dropout as an **ensemble**: every mask is a network of a different
# structure, and predicting with the scaled network approximates the average of all of them, much as bagging
# averages many weak learners.
#
# Modern code uses **inverted dropout**, which moves the scaling to training time. With a mask
# $m_{ij} \in \{0, 1\}$, $P(m_{ij} = 1) = p$:
#
# $$\text{training: } \text{out} = \frac{x \odot m}{p}, \qquad \text{test: } \text{out} = x, \qquad
# \text{backward: } dx = \frac{\text{dout} \odot m}{p}.$$
#
# Dividing by $p$ keeps the expected value unchanged, $E[\text{out}] = x$, so at test time there is nothing to rescale.
# A warning on names: we use the keep probability $p$; Keras's `Dropout(0.25)` and `helpers.norm.dropout_forward`
# take the **drop** probability $1 - p$ instead.
#
# Write `dropout_forward(x, mask, keep_prob, train=True)` and `dropout_backward(dout, mask, keep_prob)`. The mask
# is an **input** (a boolean array, `True` where a unit is kept): whoever trains the network draws a fresh one for
# every step (`rng.random(x.shape) < keep_prob`), and a test can fix it. With `train=False` return `x` unchanged
# and ignore the mask.

# %% solution="dropout"
def dropout_forward(x, mask, keep_prob, train=True):
    """Inverted dropout. x: (N, D); mask: bool (N, D), True where a unit is kept; keep_prob: p in (0, 1].

    Training: x * mask / keep_prob. Test (train=False): x unchanged (the mask is ignored).
    """
    ### BEGIN SOLUTION
    if not train:
        return x.copy()
    return x * mask / keep_prob
    ### END SOLUTION


def dropout_backward(dout, mask, keep_prob):
    """Gradient of inverted dropout in training: dout * mask / keep_prob."""
    ### BEGIN SOLUTION
    return dout * mask / keep_prob
    ### END SOLUTION


# %% tests="test_dropout_forward" points=1
x = np.array([[1.0, 2.0, 3.0, 4.0]])
mask = np.array([[True, False, True, True]])
assert_close(dropout_forward(x, mask, 0.75), [[4 / 3, 0.0, 4.0, 16 / 3]], name="dropout_forward (training)", inputs=x)
assert_close(dropout_forward(x, mask, 0.75, train=False), [[1.0, 2.0, 3.0, 4.0]], name="dropout_forward (test)",
             inputs=x)
### BEGIN HIDDEN TESTS
helpers.grading.check_inverted_dropout_forward(dropout_forward)
### END HIDDEN TESTS

# %% tests="test_dropout_backward" points=1
assert_close(dropout_backward(np.ones((1, 4)), mask, 0.75), [[4 / 3, 0.0, 4 / 3, 4 / 3]], name="dropout_backward",
             inputs=mask)
### BEGIN HIDDEN TESTS
helpers.grading.check_inverted_dropout_backward(dropout_backward)
### END HIDDEN TESTS

# %% [markdown]
# The two conventions agree **in expectation**. Average the training-time output of one example over 100 000 masks
# with $p = 0.6$: inverted dropout averages to $x$ itself (so the test-time network is $x \mapsto x$), while the
# original rule, which only drops units, averages to $p\,x$, which is why it multiplies by $p$ at test time.

# %%
rng = np.random.default_rng(0)
x = np.array([[1.0, -2.0, 3.0, 0.5]])
p = 0.6
masks = rng.random((100_000, 4)) < p
inverted = dropout_forward(np.repeat(x, len(masks), axis=0), masks, p).mean(axis=0)
original = (x * masks).mean(axis=0)           # the original rule's training pass: units dropped, nothing rescaled
print("x                                   ", x[0])
print("inverted dropout, mean in training  ", inverted, " -> at test time use x")
print("original dropout, mean in training  ", original, " -> at test time use p * x =", p * x[0])


# %% [markdown]
# ### Exercise 4 — a network as a list of layers (2 + 2 points)
#
# A network is a Python **list of layers**, applied in order. Each layer is a dict whose `"kind"` says what it does;
# its other entries are its parameters and settings:
#
# | layer | dict | computes |
# |---|---|---|
# | affine | `{"kind": "affine", "W": (D, M), "b": (M,)}` | `x @ W + b` |
# | activation | `{"kind": "relu"}`, `{"kind": "tanh"}`, `{"kind": "sigmoid"}` | `f(x)` |
# | dropout | `{"kind": "dropout", "keep_prob": p, "mask": bool (N, D) or None}` | `x * mask / p`, or `x` when `mask` is None (test time) |
#
# An **L-layer network** with sizes $[n_0, n_1, \dots, n_L]$ is `affine, relu, [dropout,] affine, relu, [dropout,] …,
# affine`: $L$ affine layers, the last one producing the logits `(N, K)`. The loss (softmax cross-entropy, week 1)
# stays outside the list.
#
# **Forward**: `model_forward(x, layers)` returns `(out, inputs)`, where `inputs[i]` is the array that `layers[i]`
# received (`inputs[0]` is `x`, so `len(inputs) == len(layers)`). That list is the explicit record the backward pass needs.
#
# **Backward**: `model_backward(dout, inputs, layers)` walks the list **in reverse**. Layer $i$ turns the gradient of
# its output into the gradient of its input, `dout, grads[i] = backward of layers[i] (dout, inputs[i])`, and returns
# `(dx, grads)`, where `grads` is a list aligned with `layers`: `{"W": dW, "b": db}` for an affine layer and `{}` for the
# others. The keys are the parameters' own names, so an update step reads `layer["W"] = layer["W"] - lr * grads[i]["W"]`.
# A dropout layer whose `mask` is None (test time) computes `x` unchanged in forward, so in backward it passes `dout`
# through unchanged too (`dx = dout`, no division by $p$).
#
# Write the two functions with the layer functions above, one small `layer_forward` / `layer_backward` each that
# looks at `layer["kind"]`. Do not modify the layers or the inputs. (The reference, `helpers.layers.model_forward`,
# keeps a table of kinds instead of an `if` chain, so that week 9 can add batch normalization as one more entry.)

# %% solution="model_forward"
def layer_forward(x, layer):
    """The output of one layer (a dict with a "kind", see the table) for its input x."""
    ### BEGIN SOLUTION
    kind = layer["kind"]
    if kind == "affine":
        return affine_forward(x, layer["W"], layer["b"])
    if kind == "dropout":
        mask = layer.get("mask")
        return dropout_forward(x, mask, layer["keep_prob"], train=mask is not None)
    return activation_forward(x, kind)
    ### END SOLUTION


def model_forward(x, layers):
    """Run x (N, D) through the layers in order. Returns (out, inputs), inputs[i] the input of layers[i]."""
    ### BEGIN SOLUTION
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = layer_forward(x, layer)
    return x, inputs
    ### END SOLUTION


# %% tests="test_model_forward" points=2
x = np.array([[1.0, -1.0]])
tiny = [{"kind": "affine", "W": np.array([[1.0, 2.0], [0.0, 1.0]]), "b": np.array([0.0, -2.0])},
        {"kind": "relu"},
        {"kind": "dropout", "keep_prob": 0.5, "mask": np.array([[True, True]])},
        {"kind": "affine", "W": np.array([[1.0], [3.0]]), "b": np.array([0.5])}]
out, inputs = model_forward(x, tiny)
assert_close(out, [[2.5]], name="out: [1, -1] -> affine [1, -1] -> relu [1, 0] -> dropout [2, 0] -> 2.5", inputs=x)
assert len(inputs) == 4, f"expected one input per layer (4), got {len(inputs)}"
assert_close(inputs[2], [[1.0, 0.0]], name="inputs[2], the dropout layer's input")
### BEGIN HIDDEN TESTS
model_forward_arrays = helpers.layers.on_arrays(model_forward, "model_forward")
helpers.grading.check_model_forward(model_forward_arrays)
### END HIDDEN TESTS

# %% solution="model_backward"
def layer_backward(dout, x, layer):
    """(dx, grads) of one layer: x is its input, grads a dict of its parameters' gradients."""
    ### BEGIN SOLUTION
    kind = layer["kind"]
    if kind == "affine":
        dx, dW, db = affine_backward(dout, x, layer["W"], layer["b"])
        return dx, {"W": dW, "b": db}
    if kind == "dropout":
        if layer.get("mask") is None:
            return dout, {}
        return dropout_backward(dout, layer["mask"], layer["keep_prob"]), {}
    return activation_backward(dout, x, kind), {}
    ### END SOLUTION


def model_backward(dout, inputs, layers):
    """Back-propagate dout through the layers in reverse. Returns (dx, grads), grads aligned with layers."""
    ### BEGIN SOLUTION
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        dout, grads[i] = layer_backward(dout, inputs[i], layers[i])
    return dout, grads
    ### END SOLUTION


# %% tests="test_model_backward" points=2
rng = np.random.default_rng(3)
x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
net = [{"kind": "affine", "W": rng.normal(size=(3, 5)), "b": rng.normal(size=5)}, {"kind": "tanh"},
       {"kind": "dropout", "keep_prob": 0.8, "mask": rng.random((4, 5)) < 0.8},
       {"kind": "affine", "W": rng.normal(size=(5, 4)), "b": rng.normal(size=4)}, {"kind": "sigmoid"},
       {"kind": "affine", "W": rng.normal(size=(4, 2)), "b": rng.normal(size=2)}]
out, inputs = model_forward(x, net)
dx, grads = model_backward(dout, inputs, net)
energy = lambda _: np.sum(dout * model_forward(x, net)[0])        # E = Σ dout ⊙ out
assert_close(dx, helpers.numerical_gradient(energy, x), name="dx vs numerical", rtol=1e-6)
for i in (0, 3, 5):
    for name in ("W", "b"):
        assert_close(grads[i][name], helpers.numerical_gradient(energy, net[i][name]),
                     name=f"grads[{i}]['{name}'] vs numerical", rtol=1e-6)
assert grads[1] == {} and grads[2] == {}, "layers without parameters get an empty dict"
at_test_time = [{"kind": "dropout", "keep_prob": 0.8, "mask": None}]        # mask None: test time
dx_test, grads_test = model_backward(dout, model_forward(dout, at_test_time)[1], at_test_time)
assert_close(dx_test, dout, name="dropout with mask None: dx = dout, unchanged", inputs=dout)
assert grads_test == [{}], f"a dropout layer has no parameters: expected grads [{{}}], got {grads_test!r}"
### BEGIN HIDDEN TESTS
model_backward_arrays = helpers.layers.on_arrays(model_backward, "model_backward")
helpers.grading.check_model_backward(model_backward_arrays)
### END HIDDEN TESTS

# %% [markdown]
# Your two functions now run networks of any depth. `helpers.layers.init_layers` builds the layer list of an
# L-layer network (its weights drawn by one of the initialization methods of section 3), and `helpers.layers.draw_dropout_masks`
# gives each dropout layer a fresh mask for one training step. Here is a 5-layer network with dropout, one
# forward and one backward pass:

# %%
def build_network(sizes, activation="relu", init="he", keep_prob=1.0, seed=0):
    """The layer list of an L-layer network with sizes [n_0, ..., n_L] (helpers.layers.init_layers)."""
    return helpers.layers.init_layers(sizes, activation, init, keep_prob, np.random.default_rng(seed))


deep = build_network([2, 16, 16, 16, 16, 2], keep_prob=0.8)
batch = np.random.default_rng(1).normal(size=(8, 2))
step_layers = helpers.layers.draw_dropout_masks(deep, len(batch), np.random.default_rng(2))
out, inputs = model_forward(batch, step_layers)
dx, grads = model_backward(np.ones_like(out) / len(batch), inputs, step_layers)
for layer, x_in, grad in zip(step_layers, inputs, grads):
    shapes = ", ".join(f"d{name} {g.shape}" for name, g in grad.items())
    print(f"{layer['kind']:8s} input {str(x_in.shape):8s} {shapes}")
print("out", out.shape, " dx", dx.shape)

# %% [markdown]
# ## 2. A network that learns its training set by heart
#
# ### Train, dev and test sets
#
# Choosing a learning rate, a depth or a regularization strength is trial and error: train, measure, adjust. To measure
# honestly, split the data three ways: the **training set** fits the weights, the **dev set** (development, or
# hold-out) compares settings and chooses among them, and the **test set**, used once at the end, estimates the error
# of the final choice. No example belongs to two sets. With a few hundred to ten thousand examples a 60/20/20 split
# is common; with a million, 1% each for dev and test (10 000 examples) is already plenty, so 98/1/1 is fine.
#
# ### Bias and variance
#
# Compare the training error with the best error possible (the **Bayes error**; for a perception task, human-level
# error is a stand-in):
#
# - a training error far above it means **high bias**: the model underfits, its decision boundary is too simple;
# - a dev error far above the training error means **high variance**: the model fits the training set, noise
#   included, and does not generalize. Too few training examples and an unnecessarily large model both cause it.
#
# Week 6 computed these gaps and named them (`helpers.strategy.diagnose`). The **basic recipe** acts on the answer:
#
# | diagnosis | try |
# |---|---|
# | high bias (train error too high) | a bigger network, training longer, another architecture |
# | high variance (dev ≫ train) | more data, **regularization**, another architecture |
#
# and repeats until both are low. More data does nothing for a bias problem, and regularization trades a little bias
# for less variance.
#
# ### This week's data: noisy two moons
#
# Two interleaving half circles (scikit-learn's `make_moons`, blurred by a little noise), with **each label flipped
# with probability 0.15**, in every split, as a careless annotator would. No classifier can be right about a flipped
# label, so the Bayes error is known. Without flips, the best classifier would still be wrong on a share
# $e_0 \approx 0.94\%$ of the points, where the noise makes the moons overlap. With flips it is wrong on a flipped
# label outside that share and on an unflipped one inside it (a flip there turns its wrong guess right):
# $0.15\,(1 - e_0) + 0.85\, e_0 = 15\% + (1 - 2 \cdot 0.15)\, e_0 \approx 15\% + 0.7 \times 0.94\% \approx 15.7\%$.
# The training set has only 100 points; the dev and test sets have 1000 each.

# %%
data = helpers.training.make_moons_data(seed=0)
X_train, y_train, X_dev, y_dev, X_test, y_test = (data.X_train, data.y_train, data.X_dev, data.y_dev,
                                                  data.X_test, data.y_test)
bayes = data.bayes_error
print(f"train {X_train.shape}, dev {X_dev.shape}, test {X_test.shape}; Bayes error {bayes:.1f}%")

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharex=True, sharey=True)
for ax, X, y, title in [(axes[0], X_train, y_train, "the 100 training points"),
                        (axes[1], X_dev, y_dev, "the 1000 dev points")]:
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", vmin=-0.25, vmax=1.25, s=14, edgecolors="k", linewidths=0.3)
    ax.set_title(title + " (each label flipped with probability 0.15)", fontsize=10)
plt.show()


# %% [markdown]
# ### Exercise 5 — L2 regularization (1 + 1 points)
#
# High variance means an overly wiggly decision boundary, and wiggles need large weights. **L2 regularization** adds
# a penalty on the size of the weights to the cost, so that training must trade fitting the data against keeping
# $W$ small. With $m$ training examples and the Frobenius norm $\lVert W \rVert_F^2 = \sum_{ij} W_{ij}^2$ of every
# affine layer's weight matrix:
#
# $$J = \frac{1}{m}\sum_{n=1}^{m} \mathcal{L}(\hat y_n, y_n) \;+\; \frac{\lambda}{2m}\sum_{l=1}^{L} \lVert W^{[l]} \rVert_F^2,
# \qquad \frac{\partial}{\partial W^{[l]}}\Big(\frac{\lambda}{2m}\lVert W^{[l]} \rVert_F^2\Big) = \frac{\lambda}{m} W^{[l]}.$$
#
# $\lambda \ge 0$ is a hyperparameter, chosen on the dev set. The biases are not penalized (there are few of them,
# and they do not make the boundary wiggle). Why it helps: the larger λ, the more the cost cares about small weights,
# the closer the weights stay to 0, and the simpler the function the network computes; with tanh units, small
# weights keep every unit in its nearly linear middle range, and a network of nearly linear units is nearly linear.
#
# Write `l2_cost(layers, lam, m)` (the penalty term only) and `l2_grads(layers, lam, m)`, which returns its gradient in
# the format of `model_backward`'s `grads`: `{"W": (lam / m) * W, "b": zeros like b}` for every affine layer and `{}`
# for the others, so that the two lists add up key by key.

# %% solution="l2"
def l2_cost(layers, lam, m):
    """lam / (2 m) * sum over the affine layers of sum(W ** 2)."""
    ### BEGIN SOLUTION
    return lam / (2 * m) * sum(np.sum(layer["W"] ** 2) for layer in layers if layer["kind"] == "affine")
    ### END SOLUTION


def l2_grads(layers, lam, m):
    """Gradient of l2_cost in the format of model_backward's grads: {"W": lam/m W, "b": 0} or {}."""
    ### BEGIN SOLUTION
    return [{"W": lam / m * layer["W"], "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
            for layer in layers]
    ### END SOLUTION


# %% tests="test_l2_cost" points=1
small = [{"kind": "affine", "W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([5.0, 6.0])}, {"kind": "relu"},
         {"kind": "affine", "W": np.array([[1.0], [-1.0]]), "b": np.array([7.0])}]
assert_close(l2_cost(small, 0.5, 10), 0.8, name="l2_cost: 0.5 / 20 * (1 + 4 + 9 + 16 + 1 + 1)")
### BEGIN HIDDEN TESTS
l2_cost_arrays = helpers.layers.on_arrays(l2_cost, "l2_cost")
helpers.grading.check_l2_cost(l2_cost_arrays)
### END HIDDEN TESTS

# %% tests="test_l2_grads" points=1
reg = l2_grads(small, 0.5, 10)
assert_close(reg[0]["W"], [[0.05, 0.1], [0.15, 0.2]], name="grads[0]['W'] = lam / m * W")
assert_close(reg[0]["b"], [0.0, 0.0], name="grads[0]['b']: biases are not regularized")
assert reg[1] == {}, f"the relu layer has no parameters: expected {{}}, got {reg[1]!r}"
### BEGIN HIDDEN TESTS
l2_grads_arrays = helpers.layers.on_arrays(l2_grads, "l2_grads")
helpers.grading.check_l2_grads(l2_grads_arrays)
### END HIDDEN TESTS

# %% [markdown]
# **Weight decay.** Add the penalty's gradient to the loss gradient `dW` and take one step of gradient descent with
# learning rate $\alpha$:
#
# $$W \leftarrow W - \alpha\Big(dW + \frac{\lambda}{m} W\Big) = \Big(1 - \frac{\alpha\lambda}{m}\Big) W - \alpha\, dW.$$
#
# Since $\alpha$, $\lambda$ and $m$ are positive, $1 - \alpha\lambda/m$ is slightly below 1: every step first shrinks
# the weights a little, then takes the usual step. That is why L2 regularization is also called **weight decay**.
# Other texts write the penalty as $\frac{\lambda}{2}\lVert w\rVert^2$ with gradient $\lambda w$: their λ is our
# $\lambda/m$, and the step is the same; and when a text calls a learning rate that shrinks over the epochs "weight
# decay", it means learning-rate decay (week 7), which shrinks the steps, not the weights.

# %%
W = small[0]["W"]
dW = np.array([[0.2, -0.1], [0.0, 0.3]])
alpha, lam, m = 0.1, 0.5, 10
print("step with the L2 gradient:", (W - alpha * (dW + l2_grads(small, lam, m)[0]["W"])).ravel())
print("decay, then a plain step: ", ((1 - alpha * lam / m) * W - alpha * dW).ravel(), f"(decay factor {1 - alpha * lam / m})")


# %% [markdown]
# ### Training with your functions
#
# The function below trains a network with **your** `model_forward`, `model_backward`, `l2_cost` and `l2_grads`: the
# softmax cross-entropy of week 1 (`helpers.losses.softmax_cross_entropy`), the L2 term, fresh dropout masks every
# epoch, and full-batch **Adam** from week 7 (`optimizer="gd"` takes plain gradient-descent steps instead). Adam's
# update is written out in the loop, with β₁ = 0.9, β₂ = 0.999 and ε = 1e-8 as in `helpers.optim.adam`: calling that
# kernel, which checks its arguments on every call, would double the cost of these small networks. `train` returns the
# trained copy of the network and a history: the cost of every epoch, the dev error of every epoch when a dev set is
# given, and, on request, a snapshot of every parameter after each epoch.

# %%
def error_rate(layers, X, y):
    """Percentage of examples whose largest logit is not the label (dropout masks None: test time)."""
    out, _ = model_forward(X, layers)
    return 100.0 * np.mean(out.argmax(axis=1) != y)


def parameters_of(layers):
    """Every parameter of the network as one flat vector (a snapshot)."""
    return np.concatenate([layer[name].ravel() for layer in layers for name in ("W", "b") if name in layer])


def with_parameters(layers, vector):
    """A copy of the network whose parameters are read back from a flat vector made by parameters_of."""
    result, start = [], 0
    for layer in layers:
        layer = dict(layer)
        for name in ("W", "b"):
            if name in layer:
                size = layer[name].size
                layer[name] = vector[start:start + size].reshape(layer[name].shape)
                start += size
        result.append(layer)
    return result


def train(layers, X, y, lam=0.0, epochs=200, lr=0.03, seed=0, optimizer="adam", X_dev=None, y_dev=None,
          snapshots=False):
    """Full-batch training of a copy of `layers`. Returns (trained layers, history)."""
    rng = np.random.default_rng([seed, 1])               # draws the dropout masks
    layers = [dict(layer) for layer in layers]           # new dicts; updates assign new arrays, never in place
    averages = [{name: [np.zeros_like(layer[name]), np.zeros_like(layer[name])] for name in ("W", "b") if name in layer}
                for layer in layers]                     # Adam's averages of g and g² for every parameter
    m = len(X)
    history = {"cost": [], "dev_error": [], "snapshots": []}
    for epoch in range(epochs):
        step_layers = helpers.layers.draw_dropout_masks(layers, m, rng)
        out, inputs = model_forward(X, step_layers)
        loss, dout = helpers.losses.softmax_cross_entropy(out, y)
        history["cost"].append(float(loss) + l2_cost(layers, lam, m))
        _, grads = model_backward(dout, inputs, step_layers)
        t = epoch + 1
        for layer, grad, reg, average in zip(layers, grads, l2_grads(layers, lam, m), averages):
            for name in grad:
                g = grad[name] + reg[name]
                if optimizer == "adam":                  # the update of helpers.optim.adam, written inline
                    mean, square = average[name]
                    mean = 0.9 * mean + 0.1 * g
                    square = 0.999 * square + 0.001 * g * g
                    average[name] = [mean, square]
                    m_hat, v_hat = mean / (1.0 - 0.9 ** t), square / (1.0 - 0.999 ** t)
                    layer[name] = layer[name] - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
                else:
                    layer[name] = layer[name] - lr * g
        if X_dev is not None:
            history["dev_error"].append(error_rate(layers, X_dev, y_dev))
        if snapshots:
            history["snapshots"].append(parameters_of(layers))
    return layers, history


GRID = np.stack(np.meshgrid(np.linspace(-1.6, 2.6, 120), np.linspace(-1.2, 1.7, 90)), axis=-1).reshape(-1, 2)


def plot_boundary(ax, layers, title):
    """The network's decision regions (test time) with the training points."""
    out, _ = model_forward(GRID, layers)
    ax.contourf(GRID[:, 0].reshape(90, 120), GRID[:, 1].reshape(90, 120), (out.argmax(axis=1)).reshape(90, 120),
                levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fcbba1"])
    ax.scatter(X_train[:, 0], X_train[:, 1], c=y_train, cmap="RdBu_r", vmin=-0.25, vmax=1.25, s=14,
               edgecolors="k", linewidths=0.3)
    ax.set_title(title, fontsize=9)


# %% [markdown]
# Train the study network of this week, 2 inputs → 100 → 100 → 2 ReLU units, for 200 epochs, once without
# regularization and once with λ = 1, and diagnose each run with week 6's `diagnose`. There is no separate train-dev
# set here, because the training and dev sets come from the same distribution (no data mismatch), so the dev error
# stands in for the train-dev error, and the Bayes error for human-level error.

# %%
SIZES = (2, 100, 100, 2)
start = time.perf_counter()
overfit, _ = train(build_network(SIZES), X_train, y_train, lam=0.0)
regularized, _ = train(build_network(SIZES), X_train, y_train, lam=1.0)
print(f"two runs in {time.perf_counter() - start:.1f} s")

errors = {}
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, (name, net) in zip(axes, [("λ = 0", overfit), ("λ = 1", regularized)]):
    errors[name] = (error_rate(net, X_train, y_train), error_rate(net, X_dev, y_dev))
    plot_boundary(ax, net, f"{name}: train error {errors[name][0]:.0f}%, dev error {errors[name][1]:.1f}% "
                           f"(Bayes {bayes:.1f}%)")
plt.show()

for name, (train_error, dev_error) in errors.items():
    flags = helpers.strategy.diagnose(bayes, train_error, dev_error, dev_error)
    gaps = helpers.strategy.error_gaps(bayes, train_error, dev_error, dev_error)
    print(f"{name}: avoidable bias {gaps[0]:+5.1f}, variance {gaps[1]:+5.1f} points -> "
          f"{', '.join(helpers.strategy.problem_names(flags)) or 'nothing to fix'}")

# %% [markdown]
# Without regularization the network draws islands around the flipped training points: a training error far below
# the Bayes error (it has learned flipped labels by heart), far more dev error than the Bayes error, and `diagnose`
# says **variance**. The recipe says: more data or regularization. We have no more data, so we regularize: with λ = 1
# the variance gap shrinks to a third and the dev error comes within about a point of the Bayes error. The training
# error went **up**, which is right: a perfect classifier gets about 15% of these training labels wrong (the flipped
# ones), and the regularized network has stopped learning most of them by heart.
#
# **Dropout** regularizes the same network. Give every hidden layer a dropout layer with keep probability 0.5
# (`build_network(..., keep_prob=0.5)`), train as before, and predict at test time with the masks off. The last lines
# check the ensemble view: the average of the softmax outputs of 200 thinned networks (200 random masks) and the one
# test-time network predict the same class on almost every dev point.

# %%
dropped, _ = train(build_network(SIZES, keep_prob=0.5), X_train, y_train)
print(f"keep_prob 0.5: train error {error_rate(dropped, X_train, y_train):.0f}%, "
      f"dev error {error_rate(dropped, X_dev, y_dev):.1f}%")

rng = np.random.default_rng(5)
average = np.zeros((len(X_dev), 2))
for _ in range(200):
    thinned = helpers.layers.draw_dropout_masks(dropped, len(X_dev), rng)
    average += helpers.losses.softmax(model_forward(X_dev, thinned)[0]) / 200
single = model_forward(X_dev, dropped)[0]
print(f"the ensemble of 200 thinned networks and the test-time network agree on "
      f"{np.mean(average.argmax(axis=1) == single.argmax(axis=1)):.1%} of the dev points")


# %% [markdown]
# ### Other regularization: more data, and early stopping
#
# **Data augmentation** makes more training data out of the data you have: flipped, slightly rotated, cropped or
# distorted images are still images of the same object, and each one is a new training example that costs nothing to
# label. It does not fit our flipped-label moons; section 5 tries it on handwritten digits.
#
# **Early stopping** watches the dev error while training: it usually falls, reaches a minimum, and rises again as the
# network starts to learn the noise. Stop there and keep the weights of the best epoch. Its drawback is that one knob
# now does two jobs: stopping early also stops the optimization of the cost, so the two can no longer be tuned
# separately, as L2 allows (at the price of trying several λ).
#
# ### Exercise 6 — early stopping (2 points)
#
# Write `early_stopping(dev_errors, snapshots, patience)`. `dev_errors` `(E,)` holds the dev error after each epoch,
# and `snapshots` `(E, ...)` the weights saved after each epoch. Go through the epochs in order, keeping the best
# (strictly lowest) dev error so far; training **stops** at the epoch that ends `patience` epochs in a row without a new
# best, or at the last epoch. Return `(best_epoch, snapshots[best_epoch])`, the epoch (a 0-based index) with the lowest
# dev error seen **before the stop**. Epochs after the stop were never trained, even if their dev error is lower, and on
# a tie the earlier epoch stays the best.

# %% solution="early_stopping"
def early_stopping(dev_errors, snapshots, patience):
    """(best_epoch, its snapshot): the lowest dev error before `patience` epochs pass without improvement."""
    ### BEGIN SOLUTION
    best, waited = 0, 0
    for epoch in range(1, len(dev_errors)):
        if dev_errors[epoch] < dev_errors[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best, snapshots[best]
    ### END SOLUTION


# %% tests="test_early_stopping" points=2
curve = np.array([30.0, 20.0, 15.0, 16.0, 14.0, 17.0, 18.0, 19.0, 13.0])
saved = np.arange(9.0)[:, None] * np.ones((1, 2))                     # the snapshot of epoch e is [e, e]
epoch, weights = early_stopping(curve, saved, 3)
assert epoch == 4, (f"input {curve}, patience 3: expected best_epoch 4 (training stops at epoch 7, so the 13.0 at "
                    f"epoch 8 is never seen), got {epoch}")
assert_close(weights, [4.0, 4.0], name="best_weights = snapshots[4]")
### BEGIN HIDDEN TESTS
helpers.grading.check_early_stopping(early_stopping)
### END HIDDEN TESTS

# %% [markdown]
# Apply it to the unregularized network of above, trained again with its dev error and its weights recorded after
# every epoch:

# %%
overfit, overfit_history = train(build_network(SIZES), X_train, y_train, X_dev=X_dev, y_dev=y_dev, snapshots=True)
curve = np.array(overfit_history["dev_error"])
best_epoch, best_weights = early_stopping(curve, np.array(overfit_history["snapshots"]), patience=30)
stopped = with_parameters(overfit, best_weights)
print(f"best epoch {best_epoch}: dev error {curve[best_epoch]:.1f}% (train {error_rate(stopped, X_train, y_train):.0f}%); "
      f"after all {len(curve)} epochs: {curve[-1]:.1f}% (train {error_rate(overfit, X_train, y_train):.0f}%)")

fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(np.arange(len(curve)), curve, color="tab:red", label="dev error after each epoch")
ax.axvline(best_epoch, color="k", ls="--", lw=1, label=f"kept: epoch {best_epoch}")
ax.axhline(bayes, color="gray", ls=":", lw=1, label=f"Bayes error {bayes:.1f}%")
ax.set_xlabel("epoch"); ax.set_ylabel("error (%)"); ax.legend(fontsize=8)
plt.show()


# %% [markdown]
# ## 3. Making deep networks trainable
#
# ### Exercise 7 — normalized inputs (2 points)
#
# When one feature is measured in thousands and another in hundredths, the cost is a long, narrow valley in weight
# space, and gradient descent must take tiny steps to avoid bouncing from one wall to the other. Normalizing each
# feature to mean 0 and variance 1 makes the valley round, and one learning rate suits every direction. For each
# feature $j$ of the **training** set:
#
# $$\mu_j = \frac{1}{m}\sum_{n} x_{nj}, \qquad \sigma_j^2 = \frac{1}{m}\sum_{n} (x_{nj} - \mu_j)^2, \qquad
# x_{nj} \leftarrow \frac{x_{nj} - \mu_j}{\sigma_j}.$$
#
# Keep $\mu$ and $\sigma$: the dev and test sets (and every example the network ever predicts for) must be transformed
# with the **same** $\mu$ and $\sigma$, those of the training set. Normalizing the dev set with its own statistics would
# feed the network inputs measured with a different ruler from the one it learned with, and a single example has no
# spread at all. A feature that is constant in the training set ($\sigma_j = 0$) keeps $\sigma_j = 1$: it is only
# centred.
#
# Write `normalize_splits(X_train, X_dev, X_test)` returning the three normalized arrays (`np.std` divides by $m$, as above).
#
# **Write it yourself.** The grader does not accept a call to `sklearn.preprocessing.StandardScaler.fit`, `sklearn.preprocessing.StandardScaler.partial_fit` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="normalize"
def normalize_splits(X_train, X_dev, X_test):
    """(X_train, X_dev, X_test), each normalized with the training set's mean and standard deviation."""
    ### BEGIN SOLUTION
    mu = X_train.mean(axis=0)
    sigma = X_train.std(axis=0)
    sigma = np.where(sigma > 0, sigma, 1.0)
    return (X_train - mu) / sigma, (X_dev - mu) / sigma, (X_test - mu) / sigma
    ### END SOLUTION


# %% tests="test_normalize" points=2
A_train = np.array([[1.0, 100.0], [3.0, 300.0]])        # mu = [2, 200], sigma = [1, 100]
A_dev, A_test = np.array([[2.0, 400.0]]), np.array([[5.0, 200.0]])
got_train, got_dev, got_test = normalize_splits(A_train, A_dev, A_test)
assert_close(got_train, [[-1.0, -1.0], [1.0, 1.0]], name="train", inputs=A_train)
assert_close(got_dev, [[0.0, 2.0]], name="dev (with the TRAINING mean and spread)", inputs=A_dev)
assert_close(got_test, [[3.0, 0.0]], name="test (with the TRAINING mean and spread)", inputs=A_test)
### BEGIN HIDDEN TESTS
helpers.grading.check_normalize_with_train_statistics(normalize_splits)
### END HIDDEN TESTS

# %% [markdown]
# See the difference on our moons, with the first feature delivered in other units: centred near 500 with a spread of
# about 100 ($100\,x_1 + 500$), the second feature unchanged. A small 2 → 32 → 32 → 2 network is trained with **plain**
# gradient descent (Adam would hide part of the effect, because it rescales every parameter's step) at three learning
# rates, on the raw and on the normalized inputs:

# %%
raw = [X * [100.0, 1.0] + [500.0, 0.0] for X in (X_train, X_dev, X_test)]
normalized = normalize_splits(*raw)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), sharey=True)
for ax, (name, inputs_) in zip(axes, [("raw inputs", raw), ("normalized inputs", normalized)]):
    for lr in (1e-3, 1e-2, 0.5):
        with np.errstate(all="ignore"):
            net, history = train(build_network((2, 32, 32, 2)), inputs_[0], y_train, epochs=300, lr=lr, optimizer="gd")
        ax.plot(history["cost"], label=f"lr {lr:g}: dev error {error_rate(net, inputs_[1], y_dev):.0f}%")
    ax.axhline(np.log(2), color="gray", ls=":", lw=1)
    ax.set_yscale("log"); ax.set_ylim(0.1, 1e3); ax.set_xlabel("epoch"); ax.set_title(name, fontsize=10)
    ax.legend(fontsize=8)
axes[0].set_ylabel("training cost")
plt.show()

# %% [markdown]
# On the raw inputs the first layer's pre-activations are in the hundreds: the cost starts huge, and at every learning
# rate the run ends stuck at $\ln 2 \approx 0.69$ (the dotted line), the cost of guessing, with its ReLU units dead or
# its gradients useless. After normalization the same network learns at every rate (slowly at 0.001), the larger the
# faster.
#
# ### Vanishing and exploding signals
#
# Deep networks multiply. Take a deep network with linear activations $g(z) = z$ and no biases,
# so that $\hat y = W^{[L]} W^{[L-1]} \cdots W^{[1]} x$, and let every hidden weight matrix be a multiple of the identity,
# $W^{[l]} = 1.5\,I$ or $0.5\,I$. Then $\hat y = W^{[L]}\, 1.5^{L-1} x$ or $W^{[L]}\, 0.5^{L-1} x$: the signal grows or shrinks
# **exponentially with the depth**, and the gradients, products of the same matrices on the way back, do the same.

# %%
for L in (10, 30, 50):
    print(f"L = {L:2d}:  1.5^(L-1) = {1.5 ** (L - 1):10.4g}    0.5^(L-1) = {0.5 ** (L - 1):10.4g}")


# %% [markdown]
# A factor of 1.5 per layer makes a 50-layer network's output four hundred million times its input; a factor of 0.5
# shrinks it to about $10^{-15}$ times its input. Nothing of that size trains (and with many layers even 1.1 per layer, or 0.9, is
# far too much or too little: $1.1^{49} \approx 107$, $0.9^{49} \approx 0.006$). Real networks are not linear and their weights are random, but
# the lesson holds: the **spread of the weights** decides whether the signal survives many layers.
#
# ### Exercise 8 — weight initialization (2 points)
#
# Draw $W$ `(n_in, n_out)` with mean 0 and a standard deviation chosen from the number of inputs of a unit, $n_{in}$
# (its fan-in), so that $\operatorname{Var}(xW)$ stays about $\operatorname{Var}(x)$ from layer to layer:
#
# | method | standard deviation | meant for |
# |---|---|---|
# | `"zeros"` | $0$ | nothing: see below |
# | `"large"` | $10$ | nothing: see below |
# | `"lecun"` | $1/\sqrt{n_{in}}$ | tanh and sigmoid (LeCun, 1998) |
# | `"xavier"` | $\sqrt{2/(n_{in} + n_{out})}$ | tanh and sigmoid: keeps the forward **and** the backward variance (Glorot and Bengio, 2010) |
# | `"he"` | $\sqrt{2/n_{in}}$ | ReLU: the factor 2 makes up for the half of the units that ReLU sets to 0 (He et al., 2015) |
#
# **A note on names.** Xavier (or Glorot) initialization is $\sqrt{2/(n_{in} + n_{out})}$. The variant $1/\sqrt{n_{in}}$ is
# LeCun's; many texts call it "Xavier" too, and so does week 5's code (`method="xavier"`), because for its square
# recurrent matrix ($n_{in} = n_{out}$) the two are equal. They differ whenever $n_{in} \ne n_{out}$. This week uses the
# names of the table.
#
# Write `init_weights(n_in, n_out, method, rng)` returning a float array `(n_in, n_out)` drawn from the normal
# distribution with the method's standard deviation. `rng` may be a numpy `Generator` or an integer seed:
# `np.random.default_rng(rng)` accepts both.

# %% solution="init_weights"
def init_weights(n_in, n_out, method, rng=None):
    """W (n_in, n_out) drawn N(0, s^2), s from the method: zeros, large, lecun, xavier or he."""
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    std = {"zeros": 0.0, "large": 10.0, "lecun": np.sqrt(1.0 / n_in), "xavier": np.sqrt(2.0 / (n_in + n_out)),
           "he": np.sqrt(2.0 / n_in)}[method]
    return rng.normal(0.0, std, size=(n_in, n_out))
    ### END SOLUTION


# %% tests="test_init_weights" points=2
for method in ("zeros", "large", "lecun", "xavier", "he"):
    shape = init_weights(3, 5, method, rng=0).shape
    assert shape == (3, 5), f"{method}: expected shape (n_in, n_out) = (3, 5), got {shape}"
assert not init_weights(4, 4, "zeros", rng=0).any(), "zeros: every weight must be 0"
for method, n_in, n_out, expected in [("he", 800, 200, np.sqrt(2 / 800)), ("xavier", 800, 200, np.sqrt(2 / 1000)),
                                      ("lecun", 800, 200, np.sqrt(1 / 800))]:
    got = init_weights(n_in, n_out, method, rng=1).std()
    assert abs(got / expected - 1) < 0.03, f"{method} ({n_in}, {n_out}): expected a std near {expected:.4f}, got {got:.4f}"
print("init_weights: OK")
### BEGIN HIDDEN TESTS
helpers.grading.check_init_variances(init_weights)
### END HIDDEN TESTS

# %% [markdown]
# **The signal through ten layers.** Build ten layers of 100 units with your `init_weights`, feed them 500 random
# examples, and measure the spread (standard deviation) of the activations after every layer; then send a random
# gradient back from the top and measure the spread of the gradient that reaches each layer's input (your
# `model_backward` on the layers from there up). The ten hidden layers are square (100 → 100), so here LeCun and
# Xavier coincide. All-zero weights give exactly 0 everywhere, which a log scale cannot show: they are left out.

# %%
def ten_layers(method, activation, width=100, seed=0):
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(10):
        layers += [{"kind": "affine", "W": init_weights(width, width, method, rng), "b": np.zeros(width)},
                   {"kind": activation}]
    return layers


probe = np.random.default_rng(1).normal(size=(500, 100))
fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
for column, activation in enumerate(("relu", "tanh")):
    for method, style in [("large", ":"), ("lecun", "-"), ("xavier", "--"), ("he", "-.")]:
        net = ten_layers(method, activation)
        with np.errstate(all="ignore"):
            out, inputs = model_forward(probe, net)
            top = np.random.default_rng(2).normal(size=out.shape)
            spread = [inputs[i].std() for i in range(2, len(net), 2)] + [out.std()]
            back = [model_backward(top, inputs[i:], net[i:])[0].std() for i in range(0, len(net), 2)]
        axes[0, column].plot(range(1, 11), spread, style, marker="o", ms=3, label=method)
        axes[1, column].plot(range(1, 11), back, style, marker="o", ms=3, label=method)
    axes[0, column].set_title(f"{activation}: spread of the activations after layer l", fontsize=10)
    axes[1, column].set_title(f"{activation}: spread of the gradient reaching layer l", fontsize=10)
    axes[1, column].set_xlabel("layer l")
for ax in axes.ravel():
    ax.set_yscale("log"); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Read the four panels:
#
# - **large** (σ = 10): with ReLU the activations grow about seventy-fold per layer ($10\sqrt{100/2} \approx 70$) and
#   reach $10^{18}$ after ten layers, and the gradient explodes the same way on its way down. With tanh every unit
#   saturates at ±1 (a spread of almost exactly 1 that says nothing about the input), and the gradient still grows
#   about six-fold per layer on its way down (from 7 at the top to about $10^8$ at the bottom): a few units per layer
#   are not saturated, and their weights are huge.
# - **LeCun / Xavier** with ReLU: half of the units are zero, so each layer halves the variance; after ten layers the
#   signal is a few percent of what it was, and so is the gradient at the bottom. With tanh the decline is slow (from
#   0.62 to 0.22 over ten layers): tanh squeezes every value a little towards 0.
# - **He** with ReLU: the factor 2 compensates exactly; the spread stays near 1 in both directions. (With tanh it also
#   holds the spread steady, near 0.55: tanh needs a little more than LeCun's scale, which is why PyTorch's
#   recommended gain for tanh is 5/3.)
# - **zeros** (not drawn): every activation and every gradient of the weights below the top layer is 0. Worse, all
#   the units of a layer compute the same thing and receive the same gradient, so even a nonzero start that is
#   symmetric would stay symmetric: random initialization is what breaks the symmetry.
#
# Which of them train? Ten hidden layers of 32 ReLU units, each initialization, 150 epochs of Adam on our training
# set:

# %%
fig, ax = plt.subplots(figsize=(7, 3.4))
for method in ("zeros", "large", "lecun", "xavier", "he"):
    rng = np.random.default_rng(0)
    sizes = [2] + [32] * 10 + [2]
    net = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        net.append({"kind": "affine", "W": init_weights(n_in, n_out, method, rng), "b": np.zeros(n_out)})
        if i < len(sizes) - 2:
            net.append({"kind": "relu"})
    with np.errstate(all="ignore"):
        trained, history = train(net, X_train, y_train, epochs=150, lr=0.01)
        label = (f"{method}: final cost {history['cost'][-1]:.3g}, "
                 f"train error {error_rate(trained, X_train, y_train):.0f}%")
    ax.plot(history["cost"], label=label)
ax.set_yscale("log"); ax.set_ylim(0.03, 3); ax.set_xlabel("epoch"); ax.set_ylabel("training cost")
ax.set_title("ten hidden ReLU layers of 32 units", fontsize=10); ax.legend(fontsize=8)
plt.show()


# %% [markdown]
# All-zero weights never leave the cost of guessing ($\ln 2$): nothing below the top layer ever receives a gradient.
# The too-large start is off the chart: its cost is still about $5 \times 10^{13}$ after 150 epochs (the logits are
# astronomically large), because Adam, which rescales every step, drags it down only slowly. LeCun and Xavier train,
# but through a signal that has faded in the deep layers, and end at two to four times He's cost; He's initialization,
# made for ReLU, fits the training set best.
#
# ## 4. The regularization study
#
# The recipe, applied: diagnose first (section 2 said **variance**), then tune the fix on the dev set. L2's strength λ
# is the knob here. Too small and the islands remain; too large and the weights are pushed so close to 0 that the
# network cannot even draw the two moons (high bias).
#
# ### Exercise 9 — choose λ on the dev set (2 points)
#
# Write `choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed)`. For every λ in `lambdas`: build the study
# network `build_network(SIZES, seed=seed)` (the same starting weights for every λ), train it with
# `train(network, X_train, y_train, lam=lam, seed=seed)` (200 epochs of Adam, as above), and record its training and
# dev errors with `error_rate`. Return `(best_lambda, train_errors, dev_errors)`: the λ with the **lowest dev error**
# (the first one on a tie) and the two lists of errors, one per λ, in percent.
#
# The check runs your function on three new noisy-moons data sets, with λ ∈ {0, 0.3, 1, 10}, and retrains the study
# network with your chosen λ with the reference code: the λ you choose must lower the dev error by at least 2
# percentage points compared with λ = 0 (on a rare data set where no λ of the grid gains 4 points, by at least half of
# what the best one gains). It takes a few seconds.

# %% solution="choose_lambda"
def choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed):
    """(best_lambda, train_errors, dev_errors): the study network trained once per lambda, judged on dev."""
    ### BEGIN SOLUTION
    train_errors, dev_errors = [], []
    for lam in lambdas:
        net, _ = train(build_network(SIZES, seed=seed), X_train, y_train, lam=lam, seed=seed)
        train_errors.append(error_rate(net, X_train, y_train))
        dev_errors.append(error_rate(net, X_dev, y_dev))
    best = lambdas[int(np.argmin(dev_errors))]
    return float(best), np.array(train_errors), np.array(dev_errors)
    ### END SOLUTION


# %% tests="test_choose_lambda" points=2
best, train_errors, dev_errors = choose_lambda(X_train, y_train, X_dev, y_dev, np.array([0.0, 1.0]), seed=0)
assert_close(train_errors, [5.0, 11.0], name="train errors for λ = 0 and 1 (seed 0)", rtol=0.02)
assert_close(dev_errors, [21.1, 16.5], name="dev errors for λ = 0 and 1 (seed 0)", rtol=0.02)
assert best == 1.0, f"λ = 1 has the lower dev error: expected best_lambda 1.0, got {best}"
### BEGIN HIDDEN TESTS
helpers.grading.check_lambda_beats_no_regularization(choose_lambda)
### END HIDDEN TESTS

# %% [markdown]
# Now the whole curve: train and dev error against λ (from your `choose_lambda`), and against the keep probability of
# dropout (with λ = 0). Read each from left to right as less regularization: the dev error is high at both ends and
# lowest in between, where the variance is gone and the bias has not yet set in.
#
# Only after the choice is made does the cell look at the **test set**, once. Its error estimates how the chosen
# network will do on new data; had we also chosen λ by the test error, that estimate would be optimistic.

# %%
start = time.perf_counter()
lambdas = np.array([0.0, 0.03, 0.3, 1.0, 3.0, 10.0])
best_lambda, lambda_train, lambda_dev = choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed=0)
keeps = [0.3, 0.5, 0.7, 1.0]
keep_errors = []
for keep in keeps:
    net, _ = train(build_network(SIZES, keep_prob=keep), X_train, y_train)
    keep_errors.append((error_rate(net, X_train, y_train), error_rate(net, X_dev, y_dev)))
keep_errors = np.array(keep_errors)
print(f"{len(lambdas) + len(keeps)} networks trained in {time.perf_counter() - start:.1f} s")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5), sharey=True)
positions = np.arange(len(lambdas))[::-1]                 # right: λ = 0, the least regularized
axes[0].plot(positions, lambda_train, "o-", label="train")
axes[0].plot(positions, lambda_dev, "o-", color="tab:red", label="dev")
axes[0].set_xticks(positions, [f"{lam:g}" for lam in lambdas]); axes[0].set_xlabel("λ (L2), decreasing")
axes[1].plot(keeps, keep_errors[:, 0], "o-", label="train")
axes[1].plot(keeps, keep_errors[:, 1], "o-", color="tab:red", label="dev")
axes[1].set_xlabel("keep probability (dropout)")
for ax in axes:
    ax.axhline(bayes, color="gray", ls=":", lw=1, label="Bayes error")
    ax.legend(fontsize=8)
axes[0].set_ylabel("error (%)")
plt.show()

final, _ = train(build_network(SIZES), X_train, y_train, lam=best_lambda)    # the choice, made on dev
print(f"chosen on dev: λ = {best_lambda:g}. Train {error_rate(final, X_train, y_train):.0f}%, dev "
      f"{error_rate(final, X_dev, y_dev):.1f}%, and, looked at once, test {error_rate(final, X_test, y_test):.1f}% "
      f"(Bayes error {bayes:.1f}%)")

# %% [markdown]
# ## 5. More on regularization
#
# ### Data augmentation: new training examples that cost nothing
#
# A digit moved by one pixel is still the same digit. Every such change of an image that **keeps its label** is a new
# training example for free, and a network trained on them learns that the change does not matter. That is a
# regularizer: it adds no parameter and no penalty, it makes the training set harder to learn by heart.
#
# Our images are scikit-learn's handwritten digits, 8×8 pixels of ink in [0, 1] on a background of 0
# (`helpers.data.load_digits_split`). A **shift** moves the picture and fills the row or column it uncovers with 0,
# the background; the row or column pushed over the edge is lost. Nothing wraps around to the other side (which
# `np.roll` would do). With `images (N, H, W)`, moving **up** by one pixel is
#
# $$\text{out}[n, i, j] = \text{images}[n, i + 1, j] \text{ for } i < H - 1, \qquad \text{out}[n, H - 1, j] = 0,$$
#
# and down, left and right are the same idea along the other side or the other axis.
#
# ### Exercise 10 — augment a batch with one-pixel shifts (2 points)
#
# Write `augment_with_shifts(images, labels)`. Return `(images_out, labels_out)`: `images_out (5N, H, W)` stacks
# five blocks of N images, in this order: the batch itself, then the batch moved one pixel **up**, **down**,
# **left** and **right** (zero fill); `labels_out (5N,)` gives every image its label, so `labels_out[k * N + n]`
# is `labels[n]`. Do not modify the inputs; any H and W, 1 included, must work.

# %% solution="augment"
def augment_with_shifts(images, labels):
    """The batch and its one-pixel shifts up, down, left, right (zero fill). images (N, H, W), labels (N,)
    -> (images (5N, H, W), labels (5N,))."""
    ### BEGIN SOLUTION
    up, down, left, right = (np.zeros_like(images) for _ in range(4))
    up[:, :-1] = images[:, 1:]
    down[:, 1:] = images[:, :-1]
    left[:, :, :-1] = images[:, :, 1:]
    right[:, :, 1:] = images[:, :, :-1]
    return np.concatenate([images, up, down, left, right]), np.tile(labels, 5)
    ### END SOLUTION


# %% tests="test_augment" points=2
tiny_images = np.arange(1.0, 10.0).reshape(1, 3, 3)                 # one 3×3 image: rows [1 2 3], [4 5 6], [7 8 9]
got_images, got_labels = augment_with_shifts(tiny_images, np.array([7]))
assert got_images.shape == (5, 3, 3), f"expected 5 images of 3×3, got shape {got_images.shape}"
assert_close(got_images[1], [[4, 5, 6], [7, 8, 9], [0, 0, 0]], name="moved up (the bottom row becomes 0)",
             inputs=tiny_images)
assert_close(got_images[4], [[0, 1, 2], [0, 4, 5], [0, 7, 8]], name="moved right (the left column becomes 0)",
             inputs=tiny_images)
assert list(got_labels) == [7] * 5, f"every shifted copy keeps the label 7: expected [7, 7, 7, 7, 7], got {got_labels}"
### BEGIN HIDDEN TESTS
helpers.grading.check_augment_with_shifts(augment_with_shifts)
### END HIDDEN TESTS

# %% [markdown]
# **Does it help?** Train a 64 → 32 → 10 ReLU network with your functions (`train`, 100 epochs of Adam) on 300 digits,
# once as they are and once augmented to 1500, and measure the error on two dev sets of 450 digits: the digits as
# scikit-learn ships them (cut out and **centred** by hand), and the same digits as a camera that does not centre
# them would deliver them, each moved by one pixel in a random direction (four in five of them;
# `helpers.augment.random_shifts`).

# %%
start = time.perf_counter()
digits_train, digits_y, digits_dev, digits_dev_y = helpers.data.load_digits_split(test_fraction=0.25, seed=0)
few = np.random.default_rng(0).permutation(len(digits_train))[:300]
few_images, few_labels = digits_train[few].reshape(-1, 8, 8), digits_y[few]
dev_centred = digits_dev
dev_moved = helpers.augment.random_shifts(digits_dev.reshape(-1, 8, 8), rng=1).reshape(-1, 64)
plain_net, _ = train(build_network((64, 32, 10)), few_images.reshape(-1, 64), few_labels, epochs=100)
more_images, more_labels = augment_with_shifts(few_images, few_labels)
augmented_net, _ = train(build_network((64, 32, 10)), more_images.reshape(-1, 64), more_labels, epochs=100)
for name, net in [("300 digits as they are", plain_net), ("the same, augmented to 1500", augmented_net)]:
    print(f"{name:28s} train error {error_rate(net, few_images.reshape(-1, 64), few_labels):4.1f}%   "
          f"dev error: centred {error_rate(net, dev_centred, digits_dev_y):4.1f}%, "
          f"moved {error_rate(net, dev_moved, digits_dev_y):4.1f}%")
print(f"({time.perf_counter() - start:.1f} s)")

fig, axes = plt.subplots(1, 6, figsize=(9, 1.9))
for ax, image, title in zip(axes, list(more_images[::300][:5]) + [dev_moved[0].reshape(8, 8)],
                            ["original", "up", "down", "left", "right", "a 'moved' dev digit"]):
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=1); ax.set_title(title, fontsize=8); ax.axis("off")
plt.show()

# %% [markdown]
# Read the two dev errors separately. On digits that are off-centre by one pixel, the network trained on the 300
# digits as they are gets close to half of them wrong: it never saw a digit anywhere else. Trained on the augmented
# set, it gets most of them right. On the centred digits, which is what scikit-learn's data set contains, the
# augmentation brings nothing here, and at the same 100 epochs it even costs a little: the network spends part of its
# capacity on variations the centred dev set never shows. That is the rule for choosing an augmentation: it pays
# exactly as far as the change it teaches happens in the data the network will meet (the dev and test sets).
#
# **Only changes that keep the label.** A mirror image (a horizontal flip) is the favourite augmentation for photos:
# a cat looking left is still a cat. A mirrored 2 is not a 2, though, and a mirrored 7 is no digit at all. Which
# digits survive a flip? Ask the network trained on the plain 300 digits to read the mirror images of the dev digits,
# class by class:

# %%
if "plain_net" not in globals():
    raise NotImplementedError("the network on the plain digits is not trained yet: run the cell above once "
                              "your network's functions work")
flipped_dev = helpers.augment.flip_horizontal(digits_dev.reshape(-1, 8, 8)).reshape(-1, 64)
read_flipped = model_forward(flipped_dev, plain_net)[0].argmax(axis=1)
print("digit                      ", "  ".join(f"{d:4d}" for d in range(10)))
print("read correctly when flipped", "  ".join(f"{np.mean(read_flipped[digits_dev_y == d] == d):4.0%}"
                                               for d in range(10)))

fig, axes = plt.subplots(2, 10, figsize=(9, 2.2))
for d in range(10):
    first = np.flatnonzero(digits_dev_y == d)[0]
    axes[0, d].imshow(digits_dev[first].reshape(8, 8), cmap="gray_r"); axes[0, d].axis("off")
    axes[1, d].imshow(flipped_dev[first].reshape(8, 8), cmap="gray_r"); axes[1, d].axis("off")
axes[0, 0].set_title("dev digits (top) and their mirror images (bottom)", fontsize=8, loc="left")
plt.show()

# %% [markdown]
# The 0s are all still read as 0s, and most 4s and 8s as themselves: in 8×8 pixels their mirror images are close to
# the originals. About half of the 1s and 9s survive, and a quarter of the 2s. The 3s, 5s, 6s and 7s almost never do
# (one in ten at most), because their mirror images are not those digits any more. Adding flipped copies with their old labels would teach the network that a
# backwards 3 is a 3, which no dev digit shows, and would push the classes into each other's shapes. A flip is a fine
# augmentation for cats or cars, and for a few nearly symmetric digits; for the digit classes as a whole it is a
# wrong one.
#
# ### A keep probability per layer
#
# Dropout need not be the same everywhere. A layer with many units (and so many weights into and out of it) is
# where overfitting lives: give it a lower keep probability. A small layer has little to overfit and loses a lot when
# half of its units vanish: keep it at 1.0, no dropout at all. The input layer is usually kept at 1.0 or close to it.
# `build_network` (through `helpers.layers.init_layers`) takes either one keep probability for every hidden layer or a
# list with one per hidden layer; an entry of 1.0 adds no dropout layer there.
#
# A network with a big hidden layer and a very small one, 2 → 200 → 4 → 2, on the moons: no dropout, dropout with
# keep probability 0.5 on both hidden layers, and on the big layer only:

# %%
per_layer = {}
for keeps in [(1.0, 1.0), (0.5, 0.5), (0.5, 1.0)]:
    trained, _ = train(build_network((2, 200, 4, 2), keep_prob=keeps), X_train, y_train)
    per_layer[keeps] = (error_rate(trained, X_train, y_train), error_rate(trained, X_dev, y_dev))
print("layers with keep_prob=(0.5, 1.0):", [layer["kind"] for layer in build_network((2, 200, 4, 2), keep_prob=(0.5, 1.0))])
for keeps, (train_error, dev_error) in per_layer.items():
    print(f"keep probabilities {keeps}: train error {train_error:4.1f}%, dev error {dev_error:4.1f}% (Bayes {bayes:.1f}%)")

# %% [markdown]
# Without dropout the training error ends below the Bayes error: the big layer has learned some of the flipped points
# by heart. Dropout on both layers also thins the layer of 4 units, where losing half of the units at every step leaves
# too little to draw the moons with: the dev error gets worse. Dropout on the big layer alone brings the dev error down.
# (Over three seeds of the network, 0, 1 and 2, trained by `helpers.training`, the dev errors averaged 18.4%, 18.9% and 16.5%
# for these three settings.)

# %% [markdown]
# ### While dropout is on, the cost says little
#
# Gradient descent on a fixed cost with a small enough step lowers the cost at every step, and a cost curve that goes
# up is a sign of a bug or of too large a step. With dropout, every epoch draws new masks: the cost of epoch $t$ is the
# cost of one random thinned network and the cost of epoch $t+1$ that of another. There is no single function being
# minimized step by step, so the curve is noisy and rises often, whether the code is right or not. Debug with dropout
# **off** (keep probability 1): the cost must then fall at every step of plain gradient descent. Once it does, turn
# dropout back on and judge the training by the dev error instead.

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
for keep in (1.0, 0.5):
    _, history = train(build_network(SIZES, keep_prob=keep), X_train, y_train, epochs=150, lr=0.03, optimizer="gd")
    cost_curve = np.array(history["cost"])
    rises = int(np.sum(np.diff(cost_curve) > 0))
    ax.plot(cost_curve, lw=1, label=f"keep probability {keep}: the cost rose in {rises} of "
                                           f"{len(cost_curve) - 1} epochs")
ax.set_xlabel("epoch"); ax.set_ylabel("training cost"); ax.legend(fontsize=8)
ax.set_title("plain gradient descent, learning rate 0.03, the study network", fontsize=10)
plt.show()

# %% [markdown]
# With dropout off, plain gradient descent lowered the cost at every one of the 149 steps: that is the test to run
# when the code is in doubt. With dropout on, the same code at the same learning rate sees the cost rise in about half
# of the epochs, and at a higher level: each point is the cost of another thinned network on the training set, not
# the cost of the network you will use.

# %% [markdown]
# ### Gradient checking with the regularization term
#
# Week 2 proved gradients right with central differences. Three rules make that work for this week's networks:
#
# 1. **Differentiate the cost you train**, L2 term included: $J = \frac{1}{m}\sum_n \mathcal{L}_n +
#    \frac{\lambda}{2m}\sum_l \lVert W^{[l]}\rVert_F^2$. A `dW` that forgets $\frac{\lambda}{m}W$ is the gradient of
#    another cost, and only a check that includes the penalty notices.
# 2. **Turn dropout off** (every mask None) while checking: with masks drawn in every call, $J$ is not a function of
#    the parameters (week 2 showed the noise this gives). The gradients you check are then those of the network with
#    dropout off; the masked backward pass is the same code with the masks in.
# 3. **Check again after some training.** Some bugs hide at the start: with small random weights a term can be tiny,
#    or a stale value can still be right. Check once before training and once after a while.
#
# ### Exercise 11 — check the gradients of the regularized cost (2 points)
#
# Write `gradient_check(X, y, layers, grads, lam)`. `grads` is a list aligned with `layers`, as `model_backward`
# returns it (`{"W": ..., "b": ...}` for affine layers, `{}` for the others), holding someone's gradients of the
# regularized cost. Work on a copy of the layers (copy every array: `helpers.numerical_gradient` perturbs the array
# it is given) with every dropout mask set to None; let $J$ be the softmax cross-entropy of your `model_forward`'s
# logits (`helpers.losses.softmax_cross_entropy`) plus your `l2_cost(layers, lam, m)`; return a list aligned with
# `layers`: for every affine layer `{"W": e_W, "b": e_b}` with
# `e = helpers.rel_error(grads[i][name], helpers.numerical_gradient(lambda _: J(), layer[name]))`, and `{}` for the
# other layers. Rules of thumb from week 2: below $10^{-7}$ the gradient is right, above $10^{-2}$ it is wrong.

# %% solution="gradient_check"
def gradient_check(X, y, layers, grads, lam):
    """Relative error of every parameter's gradient against central differences of the regularized cost,
    dropout off. Returns a list aligned with layers: {"W": e_W, "b": e_b} or {}."""
    ### BEGIN SOLUTION
    layers = [{key: (value.copy() if isinstance(value, np.ndarray) else value) for key, value in layer.items()}
              for layer in layers]
    for layer in layers:
        if layer["kind"] == "dropout":
            layer["mask"] = None
    m = len(X)

    def cost():
        out, _ = model_forward(X, layers)
        return helpers.losses.softmax_cross_entropy(out, y)[0] + l2_cost(layers, lam, m)

    return [{name: helpers.rel_error(grad[name], helpers.numerical_gradient(lambda _: cost(), layer[name]))
             for name in ("W", "b")} if layer["kind"] == "affine" else {}
            for layer, grad in zip(layers, grads)]
    ### END SOLUTION


# %% [markdown]
# The test below builds the gradients with your `model_backward` and `l2_grads`, then hands `gradient_check` a
# correct set and one whose `dW` misses $\frac{\lambda}{m}W$.

# %%
def cost_gradients(X, y, layers, lam, with_l2=True):
    """model_backward's gradients of the cross-entropy, plus l2_grads when with_l2 (dropout as the layers say)."""
    out, inputs = model_forward(X, layers)
    _, dout = helpers.losses.softmax_cross_entropy(out, y)
    _, grads = model_backward(dout, inputs, layers)
    if with_l2:
        grads = [{name: g[name] + r[name] for name in g} for g, r in zip(grads, l2_grads(layers, lam, len(X)))]
    return grads


# %% tests="test_gradient_check" points=2
rng = np.random.default_rng(4)
X_check, y_check = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
small_net = helpers.layers.init_layers((3, 5, 2), "tanh", "xavier", 1.0, rng)
small_net[0]["b"] = rng.normal(size=5)
right = gradient_check(X_check, y_check, small_net, cost_gradients(X_check, y_check, small_net, 1.5), 1.5)
no_l2 = gradient_check(X_check, y_check, small_net, cost_gradients(X_check, y_check, small_net, 1.5, False), 1.5)
assert len(right) == 3 and right[1] == {}, f"expected one entry per layer, {{}} for the tanh layer, got {right}"
assert max(right[0]["W"], right[2]["W"], right[0]["b"], right[2]["b"]) < 1e-7, f"right gradients: errors {right}"
assert no_l2[0]["W"] > 1e-2 and no_l2[2]["W"] > 1e-2, f"dW without (λ/m) W must fail the check: errors {no_l2}"
assert no_l2[0]["b"] < 1e-7, f"the biases are not regularized, so their gradients are still right: {no_l2[0]['b']}"
print("right gradients:", right)
print("without λ/m W:  ", no_l2)
### BEGIN HIDDEN TESTS
gradient_check_arrays = helpers.layers.on_arrays(gradient_check, "gradient_check")
helpers.grading.check_gradient_check_regularized(gradient_check_arrays)
### END HIDDEN TESTS

# %% [markdown]
# **Check again after training.** A classic slip: computing the L2 gradients **once**, before the training loop, and
# adding that stale list at every step. Before the first step it is exactly right, so a check at the start passes.
# Train a small network that way for 150 steps of gradient descent (dropout on, as in real training), then check
# again, with dropout off, against the gradients the slip would use now:

# %%
rng = np.random.default_rng(5)
X_small, y_small = X_train[:20], y_train[:20]
slip_net = build_network((2, 8, 8, 2), keep_prob=(0.8, 1.0), seed=5)
lam_small = 2.0
stale = l2_grads(slip_net, lam_small, len(X_small))              # the slip: computed once, outside the loop
for when in ("at the start", "after 150 steps"):
    if when == "after 150 steps":
        for step in range(150):
            step_net = helpers.layers.draw_dropout_masks(slip_net, len(X_small), rng)
            grads = cost_gradients(X_small, y_small, step_net, lam_small, with_l2=False)
            slip_net = [{**layer, **{name: layer[name] - 0.5 * (grads[i][name] + stale[i][name]) for name in grads[i]}}
                        for i, layer in enumerate(slip_net)]
    slip_grads = [{name: g[name] + r[name] for name in g}
                  for g, r in zip(cost_gradients(X_small, y_small, slip_net, 0.0, with_l2=False), stale)]
    errors = gradient_check(X_small, y_small, slip_net, slip_grads, lam_small)
    worst = max(e for entry in errors for e in entry.values())
    print(f"{when:16s} largest relative error {worst:.1e}: {'right' if worst < 1e-7 else 'WRONG'}")


# %% [markdown]
# ## 6. Explore: regularization, depth and initialization
#
# The explorer trains a ReLU network of `hidden layers` × 64 units on the same 100 noisy points (with the reference
# kernels of `helpers.layers` and `helpers.training`) and draws its decision boundary and its training and dev errors.
# Move λ, the keep probability, the depth and the initialization; press ▶ (train) to keep training in short chunks up
# to 600 epochs (a setting you come back to keeps its training). Things to try:
#
# - λ = 0, keep 1: islands around the flipped points, dev error far above train. Raise λ until they vanish, then
#   further, until the boundary is too simple to follow the moons.
# - The same with dropout alone (λ = 0, keep 0.5).
# - Six hidden layers with `zeros`, `large`, `lecun` and `he`: which ones learn anything?
#
# Your `model_forward` draws too: on every redraw it runs the trained network over the map's grid. Where your
# decision boundary is not the reference's (black), it shows in gold; if your logits differ from the reference's
# anywhere, a red square marks the first grid point that differs and a red line of text under the figure gives both
# values (try keep 0.5: dropout must do nothing at test time). Until you have written `model_forward`, the reference
# draws alone and the picture says so.

# %%
from helpers.widgets.w08 import RegularizationExplorer

RegularizationExplorer(lam=0.0, keep_prob=1.0, depth=2, init="he", model_forward=model_forward)

# %% [markdown]
# ## Summary
#
# - A layer is a forward and a backward function; the backward takes the forward's inputs. A network of any depth is
#   a list of layer dicts (`affine`, `relu`/`tanh`/`sigmoid`, `dropout`): `model_forward` keeps every layer's input,
#   `model_backward` walks the list in reverse and returns `grads` aligned with the layers.
# - Split data into train, dev and test sets. Training error far above the Bayes error: bias (bigger network, train
#   longer). Dev error far above training error: variance (more data, regularization).
# - L2 adds $\frac{\lambda}{2m}\sum\lVert W\rVert_F^2$ to the cost and $\frac{\lambda}{m}W$ to each gradient: every step
#   decays the weights by $(1 - \alpha\lambda/m)$.
# - Inverted dropout keeps each unit with probability $p$ and divides by $p$ during training, so the test-time network
#   is used as it is; the original rule multiplies by $p$ at test time instead. Both agree in expectation, and the
#   test-time network approximates the average of the ensemble of thinned networks.
# - Early stopping keeps the weights of the best dev epoch; data augmentation adds training data for free, but only
#   changes that keep the label (a shift of a digit, not the mirror image of a 2) and that the dev data really shows.
# - Dropout can differ by layer: a lower keep probability for the big layers, 1 for the small ones. While it is on,
#   the cost of an epoch is the cost of a random network: check that the cost falls with dropout off.
# - Gradient-check the cost you train, L2 term included, with dropout off, at the start and again after some training.
# - Normalize inputs with the **training** set's mean and standard deviation, for every set.
# - Deep networks multiply: signals and gradients vanish or explode exponentially with depth. Initialize with
#   standard deviation $\sqrt{2/n_{in}}$ (He) for ReLU, $1/\sqrt{n_{in}}$ (LeCun) or $\sqrt{2/(n_{in}+n_{out})}$
#   (Xavier/Glorot) for tanh; never all zeros, never too large.
