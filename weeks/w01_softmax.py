# %% [markdown]
# # Week 1 — Activations, softmax and cross-entropy
#
# This week you build the last layer of every classifier in this course:
#
# 1. the **activation functions** (step, sigmoid, tanh, ReLU) and their derivatives;
# 2. a **numerically stable softmax**, which turns scores into probabilities;
# 3. the **cross-entropy** loss and its gradient, $\partial J/\partial z = \hat y - y$;
# 4. **softmax regression** trained with mini-batch SGD on real handwritten digits.
#
# How each exercise works: read the short explanation, fill in the function between
# `# YOUR CODE HERE` and the end of the cell, then run the test cell below it. The test
# prints what it expected and what it got when something is off. The grader later runs
# more cases than you see (large values, single samples, other shapes), so make your
# code general, not just right for the example.
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


# %% [markdown]
# ## 1. Activation functions
#
# A unit computes a weighted sum $u = w^\top x + b$ and passes it through an
# **activation** $f$. Without a non-linear $f$, a stack of layers collapses into a single
# linear map: $W_2(W_1x) = (W_2W_1)x$. Four classic choices, all applied element by element:
#
# | name | $f(z)$ | $f'(z)$ | output range |
# |---|---|---|---|
# | step | $1$ if $z>0$ else $0$ | $0$ (undefined at 0) | $\{0, 1\}$ |
# | sigmoid | $\sigma(z) = \dfrac{1}{1+e^{-z}}$ | $\sigma(z)\,(1-\sigma(z))$ | $(0, 1)$ |
# | tanh | $\tanh z$ | $1-\tanh^2 z$ | $(-1, 1)$ |
# | ReLU | $\max(0, z)$ | $1$ if $z>0$ else $0$ | $[0, \infty)$ |
#
# The step function is what the first perceptrons used; its derivative is zero
# everywhere, so gradient descent cannot learn through it. That is why we use smooth
# (or almost smooth) activations. It is written for you:

# %%
def step(z):
    """Unit step, element-wise: 1.0 where z > 0, else 0.0."""
    return (np.asarray(z) > 0).astype(float)

step(np.array([-1.0, 0.0, 2.0]))


# %% [markdown]
# ### Exercise 1.1 — sigmoid and its derivative (1 point)
#
# Implement `sigmoid(z)` and `sigmoid_grad(z)` for an array `z` of **any shape**; return
# an array of the same shape. `sigmoid_grad` takes $z$ (not $\sigma(z)$) and returns
# $\sigma(z)(1-\sigma(z))$.

# %% solution="sigmoid"
def sigmoid(z):
    """Logistic sigmoid 1 / (1 + exp(-z)), element-wise. z: array of any shape."""
    ### BEGIN SOLUTION
    return 1.0 / (1.0 + np.exp(-z))
    ### END SOLUTION


def sigmoid_grad(z):
    """Derivative of the sigmoid at z: sigmoid(z) * (1 - sigmoid(z))."""
    ### BEGIN SOLUTION
    s = sigmoid(z)
    return s * (1.0 - s)
    ### END SOLUTION


# %% tests="test_sigmoid" points=1
z = np.array([-1.0, 0.0, 2.0])
assert_close(sigmoid(z), [0.2689414213699951, 0.5, 0.8807970779778823], name="sigmoid", inputs=z)
assert_close(sigmoid_grad(z), [0.19661193324148185, 0.25, 0.10499358540350662], name="sigmoid_grad", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_sigmoid(sigmoid)
helpers.grading.check_sigmoid_grad(sigmoid_grad)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 1.2 — ReLU and its derivative (1 point)
#
# `relu(z)` is $\max(0, z)$ element-wise (use `np.maximum`, not Python's `max`).
# `relu_grad(z)` is 1 where $z > 0$ and 0 elsewhere. At exactly $z = 0$ ReLU has no
# derivative; this course uses **0** there, like most libraries.

# %% solution="relu"
def relu(z):
    """Rectified linear unit max(0, z), element-wise."""
    ### BEGIN SOLUTION
    return np.maximum(z, 0.0)
    ### END SOLUTION


def relu_grad(z):
    """1.0 where z > 0, else 0.0 (also 0.0 at z == 0)."""
    ### BEGIN SOLUTION
    return (z > 0).astype(float)
    ### END SOLUTION


# %% tests="test_relu" points=1
z = np.array([[-2.0, 0.0], [0.5, 3.0]])
assert_close(relu(z), [[0.0, 0.0], [0.5, 3.0]], name="relu", inputs=z)
assert_close(relu_grad(z), [[0.0, 0.0], [1.0, 1.0]], name="relu_grad", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_relu(relu)
helpers.grading.check_relu_grad(relu_grad)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 1.3 — the derivative of tanh (1 point)
#
# `np.tanh` is given. Implement its derivative $\frac{d}{dz}\tanh z = 1 - \tanh^2 z$.

# %% solution="tanh_grad"
def tanh_grad(z):
    """Derivative of tanh at z, element-wise."""
    ### BEGIN SOLUTION
    t = np.tanh(z)
    return 1.0 - t * t
    ### END SOLUTION


# %% tests="test_tanh_grad" points=1
z = np.array([0.0, 1.0])
assert_close(tanh_grad(z), [1.0, 0.41997434161402614], name="tanh_grad", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_tanh_grad(tanh_grad)
### END HIDDEN TESTS

# %% [markdown]
# Look at the four functions and their derivatives side by side. Notice how small the
# sigmoid's derivative is: at most $0.25$, and almost $0$ once $|z| > 5$. A signal that is
# multiplied by such a factor in every layer fades away: the *vanishing gradient* you
# will meet again in week 5.

# %%
z = np.linspace(-5, 5, 401)
fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(10, 3.5))
for name, f, df in [("step", step, lambda v: np.zeros_like(v)), ("sigmoid", sigmoid, sigmoid_grad),
                    ("tanh", np.tanh, tanh_grad), ("ReLU", relu, relu_grad)]:
    ax_f.plot(z, f(z), label=name)
    ax_d.plot(z, df(z), label=name)
ax_f.set_title("activation f(z)"); ax_d.set_title("derivative f'(z)")
for ax in (ax_f, ax_d):
    ax.axhline(0, color="gray", lw=0.5); ax.set_xlabel("z"); ax.legend()
plt.show()

# %% [markdown]
# ## 2. Softmax
#
# For $K$ classes the output layer produces one score (**logit**) per class,
# $z \in \mathbb{R}^K$. Softmax turns them into probabilities:
#
# $$\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}}, \qquad k = 1,\dots,K.$$
#
# Every output is positive and they sum to 1. With a batch, `z` has shape `(N, K)`:
# one row per sample, and softmax is applied to each row.
#
# **The overflow trap.** `np.exp(1000)` is larger than the largest float64 (about
# $1.8\times10^{308}$), so it becomes `inf`, and `inf / inf` is `nan`. Run the cell:

# %%
big = np.array([1000.0, 1001.0, 1002.0])
with np.errstate(over="ignore", invalid="ignore"):     # silence the warnings; look at the values
    print("np.exp(big)   =", np.exp(big))
    print("naive softmax =", np.exp(big) / np.exp(big).sum())


# %% [markdown]
# The fix is one line of algebra. For any constant $m$,
#
# $$\frac{e^{z_k}}{\sum_j e^{z_j}} = \frac{e^{-m}\,e^{z_k}}{e^{-m}\sum_j e^{z_j}} = \frac{e^{z_k - m}}{\sum_j e^{z_j - m}}.$$
#
# Choose $m = \max_j z_j$: now every exponent is $\le 0$, so no term overflows, and the
# largest term is exactly $e^0 = 1$, so the sum never underflows to zero either.
#
# ### Exercise 2 — stable softmax (2 points)
#
# Implement `softmax(z)` for `z` of shape `(N, K)` (or a single row `(K,)`): subtract each
# row's maximum, exponentiate, divide by the row sum. Use `axis=-1, keepdims=True` so the
# shapes broadcast. Do not modify `z` in place.
#
# **Write it yourself.** The grader does not accept a call to `scipy.special.softmax`, `scipy.special.log_softmax`, `sklearn.utils.extmath.softmax`, `helpers.training.predict_proba`, `helpers.losses.log_softmax`, `helpers.losses.softmax_cross_entropy` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="softmax"
def softmax(z):
    """Row-wise softmax of logits z, shape (N, K) or (K,); returns the same shape."""
    ### BEGIN SOLUTION
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
    ### END SOLUTION


# %% tests="test_softmax" points=2
z = np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 1002.0]])
p = [0.09003057317038046, 0.24472847105479764, 0.6652409557748218]
assert_close(softmax(z), [p, p], name="softmax", inputs=z)
### BEGIN HIDDEN TESTS
helpers.grading.check_softmax(softmax)
### END HIDDEN TESTS

# %% [markdown]
# Both rows give the same probabilities: softmax only depends on the *differences*
# between logits. Adding a constant to every logit changes nothing.
#
# ## 3. Cross-entropy
#
# A classifier outputs probabilities $\hat y_n = \operatorname{softmax}(z_n)$. If the true class
# of sample $n$ is $c_n$, the probability the model gave to the truth is $\hat y_{n,c_n}$.
# Maximising the likelihood $\prod_n \hat y_{n,c_n}$ is the same as minimising the mean negative log:
#
# $$J = -\frac{1}{N}\sum_{n=1}^{N}\sum_{k=1}^{K} y_{n,k}\,\log \hat y_{n,k}
#     = -\frac{1}{N}\sum_{n=1}^{N} \log \hat y_{n,c_n},$$
#
# where $y_n$ is the **one-hot** vector of the label ($y_{n,k} = 1$ if $k = c_n$, else $0$).
# Labels come in two forms: integer classes, shape `(N,)`, e.g. `[0, 2]`, or one-hot rows,
# shape `(N, K)`. Your function must accept both (`y.ndim` tells them apart).
#
# ### Exercise 3 — cross-entropy (2 points)
#
# **Write it yourself.** The grader does not accept a call to `sklearn.metrics.log_loss`, `scipy.stats.entropy`, `helpers.losses.softmax_cross_entropy` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="cross_entropy"
def cross_entropy(y_hat, y):
    """Mean cross-entropy. y_hat: (N, K) probabilities; y: (N,) integer labels or (N, K) one-hot."""
    ### BEGIN SOLUTION
    y_hat = np.asarray(y_hat, dtype=float)
    y = np.asarray(y)
    n = y_hat.shape[0]
    if y.ndim == 1:
        return -np.mean(np.log(y_hat[np.arange(n), y]))
    return -np.sum(y * np.log(y_hat)) / n
    ### END SOLUTION


# %% tests="test_cross_entropy" points=2
y_hat = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
expected = 0.2899092476264711          # = -(log 0.7 + log 0.8) / 2
assert_close(cross_entropy(y_hat, np.array([0, 2])), expected, name="integer labels", inputs=y_hat)
assert_close(cross_entropy(y_hat, np.array([[1, 0, 0], [0, 0, 1]])), expected, name="one-hot labels")
### BEGIN HIDDEN TESTS
helpers.grading.check_cross_entropy(cross_entropy)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The gradient of softmax + cross-entropy: $\hat y - y$
#
# Training needs $\partial J/\partial z$. For one sample, write $p = \operatorname{softmax}(z)$ and
# $L = -\sum_k y_k \log p_k$. The softmax Jacobian is
# $\partial p_k/\partial z_j = p_k(\delta_{kj} - p_j)$, so
#
# $$\frac{\partial L}{\partial z_j} = -\sum_k \frac{y_k}{p_k}\,p_k(\delta_{kj} - p_j)
#   = -y_j + p_j\sum_k y_k = p_j - y_j,$$
#
# because $\sum_k y_k = 1$. For the batch mean, divide by $N$:
# $\partial J/\partial z = (\hat y - y)/N$, an `(N, K)` array. The model is pushed
# down on every wrong class in proportion to its probability, and up on the true class by
# $1 - p$.
#
# Computing the loss as `log(softmax(z))` breaks for large logits: a probability that
# underflows to `0.0` gives `log(0) = -inf`. Compute the **log-softmax** directly instead:
#
# $$\log \operatorname{softmax}(z)_k = (z_k - m) - \log \sum_j e^{z_j - m}, \qquad m = \max_j z_j .$$
#
# ### Exercise 4 — fused softmax cross-entropy (2 points)
#
# Return `(loss, dz)`: the mean cross-entropy (a float) and its gradient (shape `(N, K)`).
# `z` is `(N, K)`; `y` is integer labels `(N,)` or one-hot `(N, K)`. It must stay finite for
# logits like $\pm 1000$.
#
# **Write it yourself.** The grader does not accept a call to `scipy.special.softmax`, `scipy.special.log_softmax`, `sklearn.utils.extmath.softmax`, `helpers.training.predict_proba`, `sklearn.metrics.log_loss`, `scipy.stats.entropy` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="softmax_cross_entropy"
def softmax_cross_entropy(z, y):
    """Return (loss, dz) for logits z (N, K) and labels y ((N,) integers or (N, K) one-hot)."""
    ### BEGIN SOLUTION
    n, k = z.shape
    y = np.asarray(y)
    one_hot = np.eye(k)[y] if y.ndim == 1 else y.astype(float)
    shifted = z - np.max(z, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(one_hot * log_p) / n
    dz = (np.exp(log_p) - one_hot) / n
    return loss, dz
    ### END SOLUTION


# %% tests="test_softmax_cross_entropy" points=2
z = np.array([[2.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
loss, dz = softmax_cross_entropy(z, np.array([0, 1]))
assert_close(loss, 0.7531091265562451, name="loss", inputs=z)
assert_close(dz, [[-0.1673795221125891, 0.12236423552739882, 0.04501528658519022],
                  [0.16666666666666666, -0.33333333333333337, 0.16666666666666666]], name="dz")
### BEGIN HIDDEN TESTS
helpers.grading.check_softmax_cross_entropy(softmax_cross_entropy)
### END HIDDEN TESTS

# %% [markdown]
# ### Check the gradient numerically
#
# Never trust a hand-derived gradient until it agrees with a numerical one. The central
# difference $\frac{J(z + h e_i) - J(z - h e_i)}{2h}$ has an error of order $h^2$;
# `helpers.numerical_gradient` computes it for every entry, and `helpers.rel_error` gives
# the largest relative difference. Below about $10^{-7}$ means "the same".

# %%
rng = np.random.default_rng(0)
z = rng.normal(size=(5, 4))
y = rng.integers(0, 4, size=5)
_, dz = softmax_cross_entropy(z, y)
dz_numerical = helpers.numerical_gradient(lambda v: softmax_cross_entropy(v, y)[0], z.copy())
print("relative error:", helpers.rel_error(dz, dz_numerical))

# %% [markdown]
# ## 5. Why not mean squared error?
#
# MSE, $\tfrac12\lVert \hat y - y\rVert^2$, is the natural loss for regression. For
# classification it learns slowly exactly when the model is confidently wrong. Take two
# classes, the truth is class 0, and let the logit of class 0 be $s$ (class 1 has logit 0).
# The plot shows $\partial L/\partial s$ for both losses.

# %%
s = np.linspace(-10, 10, 401)
z = np.stack([s, np.zeros_like(s)], axis=1)          # (401, 2) logits
y = np.zeros(len(s), dtype=int)                      # the truth is class 0 everywhere
p0 = helpers.losses.softmax(z)[:, 0]
grad_ce = p0 - 1                                     # from y_hat - y
grad_mse = (p0 - 1) * p0 * (1 - p0) * 2              # chain rule through softmax for MSE
plt.figure(figsize=(6, 3.5))
plt.plot(s, grad_ce, label="cross-entropy")
plt.plot(s, grad_mse, label="MSE on probabilities")
plt.axvspan(-10, -3, color="red", alpha=0.08, label="confidently wrong")
plt.xlabel("logit of the true class, s"); plt.ylabel("dL/ds"); plt.legend(); plt.show()


# %% [markdown]
# When the model is confidently wrong ($s \ll 0$), cross-entropy still pushes with a
# gradient close to $-1$, while the MSE gradient has almost vanished: the softmax's
# own derivative $p(1-p)$ multiplies it. Cross-entropy's $\log$ cancels that factor.

# %% [markdown] id="726fb695"
# ### Two more output layers: a yes/no answer, and a number
#
# Softmax with cross-entropy is the output layer for $K$ classes. Two other pairs come up all the time
# (and week 5 uses the first):
#
# | task | output $\hat y$ | loss per example | gradient with respect to the logit |
# |---|---|---|---|
# | two classes | $\sigma(z)$, the probability of class 1 | $-[y\log\hat y + (1-y)\log(1-\hat y)]$ (binary cross-entropy) | $\hat y - y$ |
# | regression | $z$ itself (the identity) | $\tfrac12\lVert\hat y - y\rVert^2$ (squared error) | $\hat y - y$ |
#
# The same "prediction minus target" again, and for the same reason: each loss is the natural partner of its
# output. For binary cross-entropy, $\partial L/\partial\hat y = \frac{\hat y - y}{\hat y(1-\hat y)}$ and
# $\sigma'(z) = \hat y(1-\hat y)$ cancel. Averaged over a batch of $N$, both gradients get a factor $1/N$.
#
# ### Exercise 5 — binary cross-entropy and mean squared error (2 points)
#
# `binary_cross_entropy(z, y)` takes logits `z` of shape `(N,)` and targets `y` (0 or 1) and returns
# `(loss, dz)`; it must stay finite for logits like $\pm1000$, so use
# $-\log\sigma(z) = \log(1 + e^{-z})$ written stably: $\max(z, 0) - zy + \log(1 + e^{-|z|})$ per example.
# `mse(y_hat, y)` takes `(N, D)` arrays and returns `(loss, dy_hat)` with
# $\text{loss} = \frac1N\sum_n \tfrac12\lVert\hat y_n - y_n\rVert^2$.
#
# **Write it yourself.** The grader does not accept a call to `sklearn.metrics.log_loss`, `scipy.stats.entropy`, `sklearn.metrics.mean_squared_error` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% id="2661e57c" solution="output_layers"
def binary_cross_entropy(z, y):
    """Sigmoid output + binary cross-entropy, mean over the batch. z (N,), y (N,) -> (loss, dz (N,))."""
    ### BEGIN SOLUTION
    n = z.shape[0]
    loss = np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))
    y_hat = np.exp(-np.logaddexp(0, -z))     # σ(z), without overflow
    return loss, (y_hat - y) / n
    ### END SOLUTION


def mse(y_hat, y):
    """Identity output + mean squared error. y_hat, y (N, D) -> (loss, dy_hat (N, D))."""
    ### BEGIN SOLUTION
    n = y_hat.shape[0]
    return 0.5 * np.sum((y_hat - y) ** 2) / n, (y_hat - y) / n
    ### END SOLUTION


# %% id="0b4b953c" tests="test_output_layers" points=2
loss, dz = binary_cross_entropy(np.array([0.0, 2.0, -1000.0]), np.array([1.0, 1.0, 0.0]))
assert_close(loss, (np.log(2) + np.log1p(np.exp(-2.0))) / 3, name="binary cross-entropy loss")
assert_close(dz, [-1 / 6, (1 / (1 + np.exp(-2.0)) - 1) / 3, 0.0], name="dz")
loss, dy = mse(np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 2.0], [0.0, 4.0]]))
assert_close(loss, (0.5 * 1 + 0.5 * 16) / 2, name="mse loss")
assert_close(dy, [[0.5, 0.0], [0.0, -2.0]], name="dy_hat")
### BEGIN HIDDEN TESTS
helpers.grading.check_binary_cross_entropy(binary_cross_entropy)
helpers.grading.check_regression_mse(mse)
### END HIDDEN TESTS

# %% [markdown] id="1d222944"
# ## 6. Softmax regression on handwritten digits
#
# Time to train. The data set is scikit-learn's bundled 8×8 digits (no download):
# 1 797 images, 64 pixels each, scaled to $[0, 1]$. The model is a single layer:
# $z = XW + b$ with $W$ `(64, 10)` and $b$ `(10,)`, trained by **mini-batch SGD**:
#
# for each epoch, shuffle the training set; for each batch of `batch_size` rows,
# compute `loss, dz = softmax_cross_entropy(X_b @ W + b, y_b)`, then
# $\;dW = X_b^\top dz,\; db = \sum_n dz_n,\;$ and step $W \leftarrow W - \eta\,dW$, $b \leftarrow b - \eta\,db$.

# %%
X_train, y_train, X_test, y_test = helpers.data.load_digits_split()
print("train", X_train.shape, "test", X_test.shape)
fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for digit, ax in enumerate(axes):
    ax.imshow(X_train[y_train == digit][0].reshape(8, 8), cmap="gray_r"); ax.set_title(digit); ax.axis("off")
plt.show()


# %% [markdown]
# ### Exercise 6 — train softmax regression (2 points)
#
# Implement the loop. Start from `W = 0.01 * rng.normal(size=(D, n_classes))` and
# `b = zeros`, with `rng = np.random.default_rng(seed)`; use `rng.permutation` to shuffle.
# Record the **mean training loss of each epoch** in `losses`. Return `(W, b, losses)`.
# The grader trains your function on the same data and needs at least 90% test accuracy.
#
# **Write it yourself.** The grader does not accept a call to `sklearn.linear_model.LogisticRegression.fit`, `sklearn.linear_model.SGDClassifier.fit` here: they do the exercise itself. Building blocks such as `np.exp`, `np.max` or `np.einsum` are fine.

# %% solution="train_softmax_regression"
def train_softmax_regression(X, y, n_classes, lr=0.5, epochs=30, batch_size=32, seed=0):
    """Mini-batch SGD for softmax regression. X: (N, D), y: (N,) ints. Returns (W, b, losses)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    W = 0.01 * rng.normal(size=(d, n_classes))
    b = np.zeros(n_classes)
    losses = []
    ### BEGIN SOLUTION
    for epoch in range(epochs):
        order = rng.permutation(n)
        epoch_loss = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            loss, dz = softmax_cross_entropy(X[batch] @ W + b, y[batch])
            W = W - lr * (X[batch].T @ dz)
            b = b - lr * dz.sum(axis=0)
            epoch_loss += loss * len(batch)
        losses.append(epoch_loss / n)
    ### END SOLUTION
    return W, b, losses


# %% tests="test_train_softmax_regression" points=2
W, b, losses = train_softmax_regression(X_train, y_train, 10)
accuracy = np.mean(np.argmax(X_test @ W + b, axis=1) == y_test)
print(f"test accuracy: {accuracy:.1%} after {len(losses)} epochs")
assert W.shape == (64, 10) and b.shape == (10,), "W must be (64, 10) and b (10,)"
assert losses[-1] < losses[0], "the loss should go down"
assert accuracy >= 0.90, f"test accuracy {accuracy:.1%} is below 90%"
### BEGIN HIDDEN TESTS
helpers.grading.check_softmax_regression(train_softmax_regression)
### END HIDDEN TESTS

# %% [markdown]
# ### What did it learn, and where does it fail?
#
# The loss curve should fall fast, then flatten. Each column of $W$ is a template
# the model matches against the image: plotted as 8×8 images, they look like blurry digits.
# The misclassified test digits are often ones a person would hesitate over too.

# %%
W, b, losses = train_softmax_regression(X_train, y_train, 10)
predicted = np.argmax(X_test @ W + b, axis=1)
wrong = np.flatnonzero(predicted != y_test)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(np.arange(1, len(losses) + 1), losses, marker="o", ms=3)
axes[0].set_xlabel("epoch"); axes[0].set_ylabel("mean training loss"); axes[0].set_title("loss curve")
limit = np.abs(W).max()   # a diverging map centred on 0: white means "no evidence either way"
axes[1].imshow(np.hstack([W[:, k].reshape(8, 8) for k in range(10)]), cmap="RdBu_r", vmin=-limit, vmax=limit)
axes[1].set_title("columns of W, digits 0 to 9 (red: evidence for the class, blue: against)"); axes[1].axis("off")
plt.show()

print(f"{len(wrong)} of {len(y_test)} test digits misclassified")
fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for ax, i in zip(axes.flat, wrong[:16]):
    ax.imshow(X_test[i].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"true {y_test[i]}, said {predicted[i]}", fontsize=8)
for ax in axes.flat:
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 7. Explore: temperature
#
# Dividing the logits by a **temperature** $T$ before the softmax keeps the ranking of the
# classes but changes how sure the model sounds: small $T$ sharpens the distribution
# towards one-hot, large $T$ flattens it towards uniform. Type your own logits and move the
# slider. (Language models use the same knob when they sample text.)
#
# The explorer also runs **your** `softmax` on the same logits: its probabilities are the orange
# marks on top of the reference's blue bars, and the line above the plot says whether they agree.
# Type large logits such as `800, 1, 0`, or push $T$ down to 0.01: a softmax that forgets to
# subtract the maximum overflows there, and the explorer boxes the class where it broke.

# %%
from helpers.widgets.w01 import SoftmaxExplorer

SoftmaxExplorer(logits=(2.0, 1.0, 0.1, -1.0), softmax=softmax)

# %% [markdown]
# ## Summary
#
# - Non-linear activations make depth useful; sigmoid and tanh saturate, ReLU does not (for $z > 0$).
# - Softmax is stable once you subtract the maximum logit; compute log-probabilities with log-softmax.
# - The gradient of softmax + cross-entropy is simply $(\hat y - y)/N$.
# - Cross-entropy keeps learning when the model is confidently wrong; MSE on probabilities stalls.
#
# Next week: a hidden layer, and backpropagation through it by hand.
