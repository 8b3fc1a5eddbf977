# %% [markdown]
# # Week 6 — Error analysis and ML strategy, by the numbers
#
# A model is 80% right. What next: a bigger network, more data, regularization, cleaner
# labels, different data? Trying each idea for a week is the slow way. This week you learn to
# read the answer off a handful of error rates, on data where we *know* the true error floor
# because this notebook made it.
#
# 1. **Bias and variance** against human-level (Bayes) error, the **train-dev** set and
#    **data mismatch**, and a function `diagnose` that names the problems to work on;
# 2. a data set with a **known Bayes error** and a **shifted deployment distribution**: you split
#    it the right way, train models of different capacity, check the diagnosis, shrink a data mismatch
#    with synthesized data, and pick the knobs that act on one problem alone (**orthogonalization**);
# 3. **error analysis by hand**: counting tagged mistakes, the **ceiling** on each fix, and when
#    relabelling is worth it;
# 4. **metrics**: F1 as a single number, satisficing vs optimizing, how big dev and test sets must be,
#    and a **weighted error** for when the plain one ranks models the wrong way;
# 5. **end-to-end or a pipeline**: from how much data a model learned end to end pays;
# 6. an explorer where a model's capacity and the training-set size move the three gaps.
#
# All error rates in this notebook are **percentages** (`8.0` means 8%).
# Shares and precision/recall are fractions between 0 and 1.
#
# Run the next cell first.
#
# Symbols that change meaning between weeks are listed in the [notation page](../NOTATION.md).

# %%
import numpy as np
import matplotlib.pyplot as plt
from sklearn.neighbors import KNeighborsClassifier
from sklearn.linear_model import LogisticRegression

import helpers
from helpers import strategy
from helpers.grading import assert_close

# %matplotlib inline
np.set_printoptions(precision=3, suppress=True)
PROBLEMS = strategy.PROBLEMS        # ('avoidable bias', 'variance', 'data mismatch', 'overfitting to dev')


# %% [markdown]
# ## 1. Bias, variance and the error you cannot avoid
#
# ### Human-level error as a stand-in for Bayes error
#
# No classifier can beat the **Bayes error**: the error left when the input simply does not
# determine the label (a blurry photo, a label that is itself wrong). We rarely know it, but
# humans are very good at perception tasks, so the best human performance is a useful
# *upper bound* on it.
#
# An example: reading X-rays for fractures,
#
# | who | error |
# |---|---|
# | a typical person | 1.0% |
# | a typical radiologist | 0.5% |
# | an experienced radiologist | 0.4% |
# | a team of experienced radiologists | 0.3% |
#
# If you want a proxy for the Bayes error, which number do you take? Bayes error is the lowest
# error *anything* can reach, so it is at most the best of these.
#
# ### Exercise 1.1 — human-level error (1 point)
#
# `human_level(errors)` takes the error rates of several human readers (or teams) and returns
# the single number you would use as the proxy for Bayes error, as a float.

# %% solution="human_level"
def human_level(errors):
    """Proxy for Bayes error from human error rates. errors: (M,) percentages. Returns a float."""
    ### BEGIN SOLUTION
    return float(np.min(errors))
    ### END SOLUTION


# %% tests="test_human_level" points=1
errors = np.array([1.0, 0.5, 0.4, 0.3])
proxy = human_level(errors)
assert isinstance(proxy, (float, np.floating)), f"return a float, got {type(proxy).__name__}"
assert proxy == 0.3, f"errors {errors}: expected 0.3, got {proxy} (which of the rates is closest to what no one can beat?)"
print("human_level returns", proxy, "for the fracture example")
### BEGIN HIDDEN TESTS
helpers.grading.check_human_level(human_level)
### END HIDDEN TESTS

# %% [markdown]
# ### Four gaps, four problems
#
# Measure the error on each data set and look at the **gaps between consecutive numbers**:
#
# | gap | name | what it means | typical fixes |
# |---|---|---|---|
# | train − human | **avoidable bias** | the model does not even fit its training data as well as possible | bigger model, train longer, better optimizer, other architecture |
# | train-dev − train | **variance** | it does not generalize to new data *from the training distribution* | more data, regularization (L2, dropout), data augmentation |
# | dev − train-dev | **data mismatch** | it generalizes, but the deployment data look different | study the differences, collect or *synthesize* training data like the dev set |
# | test − dev | **overfitting to dev** | choices tuned on dev do not carry over to fresh data | a bigger dev set |
#
# The **train-dev** set is the key: a random slice of the *training distribution* that the model
# never trains on. Without it, a model at 1% train and 10% dev error might have a variance problem
# or a data-mismatch problem; with it you can tell:
#
# | train | train-dev | dev | diagnosis |
# |---|---|---|---|
# | 1 | 9 | 10 | variance (8 points between train and train-dev) |
# | 1 | 1.5 | 10 | data mismatch (8.5 points between train-dev and dev) |
# | 10 | 11 | 12 | avoidable bias, if humans reach ≈ 0 |
# | 10 | 11 | 20 | avoidable bias **and** data mismatch (train-dev is only 1 point above train, so the 9-point jump comes at dev, not from variance) |
#
# Human-level error matters as much. With train 8% and dev 10%, a human-level error of 1% means
# 7 points of avoidable bias against 2 of variance: work on bias. If humans only reach 7.5%, the
# avoidable bias is 0.5 and variance (2) is the problem.
#
# ### Exercise 1.2 — the gaps (2 points)
#
# Return the four gaps as a float array of shape `(4,)`, in the order of the table:
# `[train − human, train_dev − train, dev − train_dev, test − dev]`. The test error is optional;
# when `test` is `None`, the last entry is `np.nan`.

# %% solution="error_gaps"
def error_gaps(human, train, train_dev, dev, test=None):
    """Gaps between consecutive error rates (percent). Returns a float array of shape (4,)."""
    ### BEGIN SOLUTION
    last = np.nan if test is None else test - dev
    return np.array([train - human, train_dev - train, dev - train_dev, last], dtype=float)
    ### END SOLUTION


# %% tests="test_error_gaps" points=2
assert_close(error_gaps(0.0, 1.0, 9.0, 10.0), [1.0, 8.0, 1.0, np.nan], name="error_gaps(0, 1, 9, 10)")
assert_close(error_gaps(0.5, 10.0, 11.0, 20.0, 22.0), [9.5, 1.0, 9.0, 2.0], name="error_gaps(0.5, 10, 11, 20, 22)")
### BEGIN HIDDEN TESTS
helpers.grading.check_error_gaps(error_gaps)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 1.3 — diagnose (2 points)
#
# One gap usually dominates, but sometimes two are about as large (10 / 11 / 20 above). The rule
# this course uses, precisely:
#
# > A problem is **flagged** when its gap is **positive** and **at least half of the largest gap**.
# > The overfitting-to-dev gap only counts when a test error is given. If no gap is positive,
# > nothing is flagged.
#
# `diagnose` returns the flags as 0/1 integers in the order of `PROBLEMS`, an array of shape `(4,)`.
# For 10 / 11 / 20 with human-level 0 the gaps are `[10, 1, 9, nan]`; half of the largest is 5, so
# the flags are `[1, 0, 1, 0]`: avoidable bias and data mismatch. `strategy.problem_names(flags)`
# turns flags into names for printing. The grader runs the worked cases below and many random ones,
# including ties and gaps of exactly half the largest.

# %% solution="diagnose"
def diagnose(human, train, train_dev, dev, test=None):
    """0/1 flags over PROBLEMS: gap > 0 and gap >= largest gap / 2. Returns an int array (4,)."""
    ### BEGIN SOLUTION
    gaps = error_gaps(human, train, train_dev, dev, test)
    if test is None:
        gaps = gaps[:3]
    largest = gaps.max()
    flags = np.zeros(4, dtype=int)
    flags[:len(gaps)] = (gaps > 0) & (gaps >= largest / 2)
    return flags
    ### END SOLUTION


# %% tests="test_diagnose" points=2
worked = [((0, 1, 9, 10), ["variance"]),
          ((0, 1, 1.5, 10), ["data mismatch"]),
          ((0, 10, 11, 12), ["avoidable bias"]),
          ((0, 10, 11, 20), ["avoidable bias", "data mismatch"]),
          ((1, 8, 10, 10), ["avoidable bias"]),
          ((7.5, 8, 10, 10), ["variance"])]
for args, names in worked:
    flags = diagnose(*args)
    assert_close(flags, [int(p in names) for p in PROBLEMS], name=f"diagnose{args} -> {names}")
### BEGIN HIDDEN TESTS
helpers.grading.check_diagnose_bias_variance(diagnose)
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Data with a known Bayes error, and a shifted deployment distribution
#
# A classic scenario: you build a recognizer for photos taken by users' phones, but most of your
# labelled data comes from somewhere else (the web). Here is a small version with handwritten
# digits (scikit-learn's bundled 8×8 images, no download):
#
# - **source** (1 097 images): clean digits, like the data you can collect cheaply;
# - **target** (700 images): the deployment data, digits rotated by 8–15°, blurred and noisy
#   (each effect on a random part of the images);
# - in both, **10% of the labels are wrong**: flipped to a random other digit, like careless
#   annotation.
#
# A reader who knows the true digit is wrong on every flipped label, so the **Bayes error is at least
# 10%** on both distributions, and on the deployment images it may be higher: a blurred, rotated digit can be
# truly ambiguous. Keep that in mind when you read the mismatch gap below: part of it may be Bayes error that
# no amount of training data removes. `data.y` holds the labels as recorded, `data.y_clean` the true
# digits, `data.is_target` marks the deployment images, `data.tags` records which effects each
# image got.

# %%
data = strategy.make_digit_shift()
HUMAN = 100 * data.label_noise          # Bayes error in percent: 10.0
print("images:", data.X.shape, " target images:", data.is_target.sum())
print(f"recorded labels that are wrong: {100 * np.mean(data.y != data.y_clean):.1f}%")

fig, axes = plt.subplots(2, 10, figsize=(10, 2.6))
source_idx = np.flatnonzero(data.is_target == 0)[:10]
target_idx = np.flatnonzero(data.is_target == 1)[:10]
for row, chosen in enumerate([source_idx, target_idx]):
    for ax, i in zip(axes[row], chosen):
        ax.imshow(data.X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        wrong = "*" if data.y[i] != data.y_clean[i] else ""
        ax.set_title(f"{data.y[i]}{wrong}", fontsize=9); ax.axis("off")
axes[0, 0].text(-12, 4, "source", fontsize=10); axes[1, 0].text(-12, 4, "target", fontsize=10)
fig.suptitle("recorded labels (* = wrong label)", fontsize=10)
plt.show()


# %% [markdown]
# ### Exercise 2.1 — train, train-dev, dev and test, the right way (2 points)
#
# The tempting split, shuffling everything together and cutting it into three, puts mostly web
# images into dev and test: you would tune for data you will never deploy on. The rules:
#
# - **dev and test come from the target distribution only**, from the same source as each other, so
#   that what you tune on dev is what test measures: draw `n_dev` and `n_test` target examples at random;
# - **train-dev** is a random slice of `n_train_dev` **source** examples, never trained on;
# - **train** gets everything else: the rest of the source *and* the target examples left over
#   (a little deployment data in training helps).
#
# Return one split id per example, an integer array of shape `(N,)` with
# `strategy.TRAIN = 0`, `strategy.TRAIN_DEV = 1`, `strategy.DEV = 2`, `strategy.TEST = 3`.
# Use `rng = np.random.default_rng(seed)` and `rng.permutation`.

# %% solution="assign_splits"
def assign_splits(is_target, n_dev, n_test, n_train_dev, seed=0):
    """Split ids (N,) int: dev/test drawn from the target, train-dev from the source, the rest train."""
    rng = np.random.default_rng(seed)
    ### BEGIN SOLUTION
    is_target = np.asarray(is_target).astype(bool)
    target = rng.permutation(np.flatnonzero(is_target))
    source = rng.permutation(np.flatnonzero(~is_target))
    split = np.full(len(is_target), strategy.TRAIN, dtype=int)
    split[target[:n_dev]] = strategy.DEV
    split[target[n_dev:n_dev + n_test]] = strategy.TEST
    split[source[:n_train_dev]] = strategy.TRAIN_DEV
    return split
    ### END SOLUTION


# %% tests="test_assign_splits" points=2
is_target = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
split = assign_splits(is_target, n_dev=2, n_test=3, n_train_dev=2, seed=0)
print("split ids:", split)
assert np.shape(split) == (12,), "one split id per example"
assert np.bincount(split, minlength=4).tolist() == [5, 2, 2, 3], "sizes: train 5, train-dev 2, dev 2, test 3"
assert np.all(is_target[(split == 2) | (split == 3)] == 1), "dev and test must hold target examples only"
assert np.all(is_target[split == 1] == 0), "train-dev must hold source examples only"
print("assign_splits: OK")
### BEGIN HIDDEN TESTS
helpers.grading.check_assign_splits(assign_splits)
### END HIDDEN TESTS

# %% [markdown]
# ### Exercise 2.2 — error rate on each split (1 point)
#
# Given the recorded labels `y`, a model's predictions `y_pred` (both `(N,)`) and the split ids,
# return the error rate **in percent** on each split, `[train, train-dev, dev, test]`, shape `(4,)`.
# A split with no examples gets `np.nan`.

# %% solution="error_by_split"
def error_by_split(y, y_pred, split):
    """Percent errors per split, a float array (4,) [train, train-dev, dev, test]; nan if empty."""
    ### BEGIN SOLUTION
    wrong = (np.asarray(y) != np.asarray(y_pred)).astype(float)
    out = np.full(4, np.nan)
    for s in range(4):
        chosen = np.asarray(split) == s
        if chosen.any():
            out[s] = 100 * wrong[chosen].mean()
    return out
    ### END SOLUTION


# %% tests="test_error_by_split" points=1
y      = np.array([3, 1, 4, 1, 5, 9, 2, 6])
y_pred = np.array([3, 1, 4, 0, 5, 0, 0, 6])
split  = np.array([0, 0, 0, 0, 1, 1, 2, 2])
assert_close(error_by_split(y, y_pred, split), [25.0, 50.0, 50.0, np.nan], name="error_by_split")
### BEGIN HIDDEN TESTS
helpers.grading.check_error_by_split(error_by_split)
### END HIDDEN TESTS

# %% [markdown]
# ### Three models, three diagnoses
#
# Now train three models of very different capacity on the training split and measure:
#
# - **1-nearest neighbour**: predicts the label of the closest training image. It memorizes every
#   training example, wrong labels included: maximal capacity.
# - **9-nearest neighbours**: a majority vote of the 9 closest images, which outvotes most wrong labels.
# - **logistic regression with strong L2 regularization** (`C=0.003`): a linear model held
#   close to zero weights: low capacity.
#
# Before you run it, predict what `diagnose` will say for each. (The test set is left out of the
# diagnosis: we have not tuned anything on dev yet, so test − dev is only sampling noise here.
# With 250 examples, an error rate $p$ has a standard error of $\sqrt{p(1-p)/250}$, about 2 to 3 points for
# the rates here; a 95% interval is about twice that, ±4 to ±5 points.)

# %%
def fit_predict(model, split):
    """Fit on the training split (recorded labels), predict every image."""
    train = split == strategy.TRAIN
    model.fit(data.X[train], data.y[train])
    return model.predict(data.X)


MODELS = {"1-NN": lambda: KNeighborsClassifier(n_neighbors=1),
          "9-NN": lambda: KNeighborsClassifier(n_neighbors=9),
          "logistic, C=0.003": lambda: LogisticRegression(C=0.003, max_iter=300)}

# %%
split = assign_splits(data.is_target, n_dev=250, n_test=250, n_train_dev=200, seed=0)
print(f"human-level (Bayes) error {HUMAN:.1f}%")
print(f"{'model':<18}{'train':>7}{'tr-dev':>8}{'dev':>7}{'test':>7}   diagnosis")
measured = {}
for name, make in MODELS.items():
    errors = error_by_split(data.y, fit_predict(make(), split), split)
    measured[name] = errors
    flags = diagnose(HUMAN, *errors[:3])
    print(f"{name:<18}" + "".join(f"{e:7.1f}" for e in errors) + "   " + ", ".join(strategy.problem_names(flags)))

fig, ax = plt.subplots(figsize=(7, 3.4))
positions = np.arange(4)
for offset, (name, errors) in zip((-0.27, 0, 0.27), measured.items()):
    ax.bar(positions + offset, errors, width=0.26, label=name)
ax.axhline(HUMAN, color="k", ls="--", lw=1, label="Bayes error (10%)")
ax.set_xticks(positions, strategy.SPLITS); ax.set_ylabel("error (%)"); ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The measured numbers line up with how the data were made:
#
# - **1-NN** reaches 0% on train (it memorized the wrong labels too) but about 23% on train-dev:
#   a textbook **variance** problem. More data or more smoothing (larger $k$) is the cure.
# - **9-NN** sits near the 10% Bayes error on train and train-dev, so neither bias nor variance
#   is the problem, but dev is 14 points worse: **data mismatch**. More clean web digits will not
#   help; data that look like the deployment images will.
# - **Strongly regularized logistic regression** is far above 10% already on train: **avoidable
#   bias**. Weaken the regularization or use a richer model before anything else.
#
# ### Fixing a data mismatch by synthesis
#
# Error analysis on the dev set shows *how* the target differs (rotated, blurred, noisy), so we
# can **synthesize** training data like it: rotate, blur and add noise to copies of the source
# training images, and train 9-NN on the original plus the synthetic images. (A caution: if the
# synthetic variety is too small, say always the same noise clip, the model can
# overfit to it.)

# %%
from scipy import ndimage

split = assign_splits(data.is_target, n_dev=250, n_test=250, n_train_dev=200, seed=0)
rng = np.random.default_rng(1)
train_source = np.flatnonzero((split == strategy.TRAIN) & (data.is_target == 0))
synthetic = []
for i in train_source:
    image = ndimage.rotate(data.X[i].reshape(8, 8), rng.uniform(8, 15) * rng.choice([-1, 1]),
                           reshape=False, order=1)
    if rng.random() < 0.5:
        image = ndimage.gaussian_filter(image, 0.6)
    if rng.random() < 0.4:
        image = image + rng.normal(0, 0.1, image.shape)
    synthetic.append(np.clip(image, 0, 1).ravel())
train = split == strategy.TRAIN
X_aug = np.vstack([data.X[train], synthetic])
y_aug = np.concatenate([data.y[train], data.y[train_source]])
model = KNeighborsClassifier(n_neighbors=9).fit(X_aug, y_aug)
before = error_by_split(data.y, fit_predict(KNeighborsClassifier(n_neighbors=9), split), split)
after = error_by_split(data.y, model.predict(data.X), split)
print("9-NN errors [train, train-dev, dev, test]")
print("  original training set :", before)
print("  + synthetic images    :", after)
print("gaps after:", error_gaps(HUMAN, *after), "->", strategy.problem_names(diagnose(HUMAN, *after[:3])))


# %% [markdown]
# The dev error drops by about 10 points while train-dev barely moves: the synthetic images closed
# most of the mismatch. What is left between dev and the 10% floor is partly mismatch still and
# partly sampling noise.

# %% [markdown]
# ### One knob per problem: orthogonalization
#
# Each problem above has its own remedies. The point of telling them apart is to turn **one knob at a time**, a knob
# that moves the gap you want to close and leaves the others alone, like the separate steering and speed controls
# of a car: first fit the training set (bias), then generalize to train-dev (variance), then to dev (mismatch), then
# to test (overfitting to dev). Some knobs move two gaps at once. Stronger regularization cuts variance but adds
# bias; early stopping (training for less or more time) trades one against the other. They are not wrong, but they
# make the next decision harder: after turning one, you no longer know which gap you changed.
#
# Measure it: write down, for each knob, how many points each of the four gaps moved when you tried it (negative: the
# gap shrank). A knob **moves** a gap when it changes it by at least `tol` points. For a diagnosis, the orthogonal
# knobs are those that move **exactly one** gap, and that gap is **flagged** and **shrinks**. An example table
# (points, columns in the order of `PROBLEMS`):
#
# | knob | bias | variance | mismatch | dev overfit |
# |---|---|---|---|---|
# | a bigger network | −4 | +0.5 | 0 | 0 |
# | more training data | 0 | −3 | 0 | 0 |
# | stronger L2 regularization | +2 | −3 | 0 | 0 |
# | training longer (later early stopping) | −2.5 | +2.5 | 0 | 0 |
# | a better architecture | −3 | −1.5 | 0 | 0 |
# | synthesized deployment-like data | 0 | 0 | −5 | 0 |
# | a bigger dev set | 0 | 0 | 0 | −2 |
#
# With bias and variance flagged and `tol = 1`, the bigger network (its +0.5 on variance is below `tol`) and more data
# qualify; the better architecture helps both, but as one knob on two problems, so it does not.
#
# ### Exercise 2.3 — orthogonal knobs (2 points)
#
# `flags` is `diagnose`'s `(4,)` output, `deltas` an `(A, 4)` table like the one above, `tol` in points. Return an
# integer array `(A,)` of 0/1, 1 for the knobs to turn.

# %% solution="orthogonal_actions"
def orthogonal_actions(flags, deltas, tol=1.0):
    """0/1 per knob (A,): it moves exactly one gap by |Δ| ≥ tol, and that gap is flagged and shrinks."""
    ### BEGIN SOLUTION
    flags, deltas = np.asarray(flags).astype(bool), np.asarray(deltas, dtype=float)
    moved = np.abs(deltas) >= tol
    shrinks_flagged = (moved & (deltas < 0) & flags[None, :]).any(axis=1)
    return (shrinks_flagged & (moved.sum(axis=1) == 1)).astype(int)
    ### END SOLUTION


# %% tests="test_orthogonal_actions" points=2
KNOB_NAMES = ["a bigger network", "more training data", "stronger L2", "training longer", "a better architecture",
              "synthesized deployment-like data", "a bigger dev set"]
KNOB_TABLE = np.array([[-4.0, 0.5, 0, 0], [0, -3.0, 0, 0], [2.0, -3.0, 0, 0], [-2.5, 2.5, 0, 0], [-3.0, -1.5, 0, 0],
                       [0, 0, -5.0, 0], [0, 0, 0, -2.0]])
assert_close(orthogonal_actions(np.array([1, 1, 0, 0]), KNOB_TABLE), [1, 1, 0, 0, 0, 0, 0],
             name="bias and variance flagged")
assert_close(orthogonal_actions(np.array([0, 0, 1, 0]), KNOB_TABLE), [0, 0, 0, 0, 0, 1, 0], name="mismatch flagged")
assert_close(orthogonal_actions(np.array([1, 1, 0, 0]), KNOB_TABLE, tol=0.5), [0, 1, 0, 0, 0, 0, 0],
             name="bias and variance flagged, tol 0.5: the bigger network's +0.5 on variance now counts as a move")
### BEGIN HIDDEN TESTS
helpers.grading.check_orthogonal_actions(orthogonal_actions)
### END HIDDEN TESTS

# %% [markdown]
# Now on this week's data: start from 9-NN (diagnosed with data mismatch above) and turn real knobs one at a time,
# measuring the three gaps each time (the test set stays out of it, as before). The synthesized images are the ones
# made above.

# %%
split = assign_splits(data.is_target, n_dev=250, n_test=250, n_train_dev=200, seed=0)
train = split == strategy.TRAIN
half = np.random.default_rng(2).permutation(np.flatnonzero(train))[: train.sum() // 2]


def measured_gaps(X, y, k):
    """The gaps [bias, variance, mismatch, nan] of k-NN trained on (X, y), measured on this week's splits."""
    errors = error_by_split(data.y, KNeighborsClassifier(n_neighbors=k).fit(X, y).predict(data.X), split)
    return error_gaps(HUMAN, *errors[:3])


baseline = measured_gaps(data.X[train], data.y[train], 9)
knobs = {"k: 9 → 1 (more capacity)": (data.X[train], data.y[train], 1),
         "k: 9 → 25 (less capacity)": (data.X[train], data.y[train], 25),
         "half of the training set": (data.X[half], data.y[half], 9),
         "+ synthesized images": (X_aug, y_aug, 9)}
measured_deltas = np.array([measured_gaps(*knob) - baseline for knob in knobs.values()])
measured_deltas[:, 3] = 0.0                      # no test error in this diagnosis
flags_9nn = diagnose(HUMAN, *error_by_split(data.y, fit_predict(KNeighborsClassifier(n_neighbors=9), split), split)[:3])
chosen = orthogonal_actions(flags_9nn, measured_deltas, tol=2.0)
print("9-NN:", ", ".join(strategy.problem_names(flags_9nn)), "| gaps", np.round(baseline[:3], 1))
print(f"{'knob':<28}{'Δ bias':>8}{'Δ var':>8}{'Δ mism.':>8}   orthogonal?")
for name, row, pick in zip(knobs, measured_deltas, chosen):
    print(f"{name:<28}" + "".join(f"{v:8.1f}" for v in row[:3]) + ("   yes" if pick else ""))

# %% [markdown]
# More capacity (1-NN) closes the bias gap and opens a 21-point variance gap: two gaps at once. Less capacity and a
# smaller training set move the mismatch gap the wrong way. Only the synthesized images close the flagged gap and
# leave the other two within 2 points.
#
# ## 3. Error analysis by hand
#
# Before spending a month on a fix, look at the mistakes. Take a random sample of about 100
# misclassified dev examples, tag what is special about each one (a spreadsheet is enough), and
# count. If 5 of 100 sampled errors are dogs taken for cats, then even a perfect fix for dogs
# removes only 5% of the errors: with a 10% dev error, the **ceiling** on the gain is
# $10 \times 5/100 = 0.5$ points. If 50 of 100 are blurry, fixing blur could win up to 5 points.
#
# $$\text{ceiling}_j = \text{dev error} \times \frac{\#\{\text{sampled errors tagged } j\}}{\#\{\text{sampled errors}\}}$$
#
# An example can carry several tags, so the ceilings do not have to add up to the dev error.
#
# ### Exercise 3.1 — ceilings (2 points)
#
# `tags` is an `(n, k)` array of 0/1: one row per sampled error, one column per category.
# Return the `k` ceilings in percentage points, a float array of shape `(k,)`.

# %% solution="ceilings"
def ceilings(tags, dev_error):
    """Ceiling on the dev-error reduction (points) from fixing each tagged category. Returns (k,)."""
    ### BEGIN SOLUTION
    return dev_error * np.asarray(tags, dtype=float).mean(axis=0)
    ### END SOLUTION


# %% tests="test_ceilings" points=2
tags = np.array([[1, 0, 0],
                 [1, 1, 0],
                 [0, 0, 1],
                 [1, 0, 0],
                 [0, 1, 1]])
assert_close(ceilings(tags, 12.0), [7.2, 4.8, 4.8], name="ceilings(tags, 12.0)", inputs=tags)
### BEGIN HIDDEN TESTS
helpers.grading.check_error_analysis_ceilings(ceilings)
### END HIDDEN TESTS

# %% [markdown]
# Now on real mistakes: a random sample of up to 100 dev images that 9-NN gets wrong (it gets
# only about 70 wrong, so here the sample is all of them), with the tags recorded when the images
# were made (`rotated`, `blurred`, `noisy`, `mislabeled`).

# %%
split = assign_splits(data.is_target, n_dev=250, n_test=250, n_train_dev=200, seed=0)
predictions = fit_predict(KNeighborsClassifier(n_neighbors=9), split)
tags, dev_error = strategy.misclassified_tags(data, predictions, split, size=100)
limits = ceilings(tags, dev_error)
print(f"dev error {dev_error:.1f}%, {len(tags)} errors sampled")
for name, count, limit in zip(strategy.TAGS, tags.sum(axis=0), limits):
    print(f"  {name:<11} {count:3d} of {len(tags)}   ceiling {limit:4.1f} points")


# %% [markdown]
# Rotation is behind the largest share of the mistakes, so it has the highest ceiling:
# that is where the synthesis above helped most. Notice the mislabeled row too: about a third of
# these errors are not errors of the model at all but wrong labels, roughly 10 points of the dev
# error, exactly the 10% floor we built in.
#
# ### Mislabeled examples: worth fixing?
#
# Wrong labels in the **dev/test** sets blur the numbers you decide with.
#
# An example: the dev error is 10% and 6% of the sampled errors are mislabeled, so wrong
# labels cost $10 \times 0.06 = 0.6$ points; the other 9.4 points are where the work is. Later
# the dev error is 2% and the same 0.6 points are now 30% of the errors, while you must choose
# between a model at 2.1% and one at 1.9%: a 0.2-point difference, smaller than the label noise.
# Now the dev set can no longer tell the two apart, and relabelling is worth it. (Fix dev *and*
# test together, so they stay from the same distribution.)
#
# ### Exercise 3.2 — relabel or not (1 point)
#
# Return the **integer** `1` when the dev error due to wrong labels, `dev_error × mislabeled_share`
# (in points), is **strictly larger** than `model_gap`, the difference in dev error between the
# models you must tell apart; otherwise `0`. (`mislabeled_share` is the fraction of the sampled
# errors that are mislabeled, between 0 and 1.)

# %% solution="relabel_worth_it"
def relabel_worth_it(dev_error, mislabeled_share, model_gap):
    """1 if dev_error * mislabeled_share > model_gap (points), else 0 (an int)."""
    ### BEGIN SOLUTION
    return int(dev_error * mislabeled_share > model_gap)
    ### END SOLUTION


# %% tests="test_relabel_worth_it" points=1
assert_close(relabel_worth_it(10.0, 0.06, 1.0), 0, name="dev 10%, 6% mislabeled, models 1 point apart")
assert_close(relabel_worth_it(2.0, 0.3, 0.2), 1, name="dev 2%, 30% mislabeled, models 2.1% vs 1.9%")
### BEGIN HIDDEN TESTS
helpers.grading.check_relabel_worth_it(relabel_worth_it)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Choosing what to optimize
#
# ### A single-number metric: F1
#
# Iterating fast needs one number that says "better" or "worse". A classifier with precision 95%
# and recall 90% against one with 98% and 85%: which is better? Combine the two into their
# harmonic mean, the **F1 score**, which is only high when both are:
#
# $$P = \frac{TP}{TP + FP}, \qquad R = \frac{TP}{TP + FN}, \qquad F_1 = \frac{2PR}{P + R}.$$
#
# $P$ is the fraction of predicted positives that are right; $R$ the fraction of actual positives
# that are found.
#
# ### Exercise 4.1 — precision, recall, F1 (2 points)
#
# `y_true` and `y_pred` are `(N,)` arrays of 0/1. Return the tuple `(precision, recall, f1)`.
# When a denominator is 0 (nothing predicted positive, no actual positives, or $P + R = 0$), that
# value is `0.0`.

# %% solution="precision_recall_f1"
def precision_recall_f1(y_true, y_pred):
    """(precision, recall, f1) of binary predictions; 0.0 wherever a denominator is 0."""
    ### BEGIN SOLUTION
    y_true = np.asarray(y_true) == 1
    y_pred = np.asarray(y_pred) == 1
    tp = np.sum(y_true & y_pred)
    precision = tp / y_pred.sum() if y_pred.sum() > 0 else 0.0
    recall = tp / y_true.sum() if y_true.sum() > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return float(precision), float(recall), float(f1)
    ### END SOLUTION


# %% tests="test_precision_recall_f1" points=2
y_true = np.array([1, 1, 1, 1, 1, 0, 0, 0])
y_pred = np.array([1, 1, 1, 0, 0, 1, 0, 0])
p, r, f1 = precision_recall_f1(y_true, y_pred)
assert_close([p, r, f1], [0.75, 0.6, 0.6666666666666666], name="(precision, recall, f1)")
assert_close(precision_recall_f1(y_true, np.zeros(8, dtype=int)), [0.0, 0.0, 0.0], name="no positive predictions")
### BEGIN HIDDEN TESTS
helpers.grading.check_precision_recall_f1(precision_recall_f1)
### END HIDDEN TESTS

# %% [markdown]
# ### Satisficing and optimizing metrics
#
# Often you care about several things at once: accuracy, but also running time, memory, false
# alarms per day. Turning them into one formula (accuracy − 0.5 × milliseconds?) is arbitrary.
# The usual way out: **optimize** one metric, and require the others only to be **good enough**
# (**satisficing**: a hard limit each).
#
# An example, with a 100 ms limit on running time:
#
# | model | accuracy | running time |
# |---|---|---|
# | A | 90% | 80 ms |
# | B | 92% | 95 ms |
# | C | 95% | 1 500 ms |
#
# ### Exercise 4.2 — choose a model (2 points)
#
# Return the **index** of the model with the highest `score` among those with
# `latency ≤ max_latency` (the index into the full list; the first one if several tie), or `-1`
# when no model is fast enough.

# %% solution="choose_model"
def choose_model(score, latency, max_latency):
    """Index of the best score among models with latency <= max_latency; -1 if none."""
    ### BEGIN SOLUTION
    score, latency = np.asarray(score, dtype=float), np.asarray(latency, dtype=float)
    feasible = np.flatnonzero(latency <= max_latency)
    if len(feasible) == 0:
        return -1
    return int(feasible[np.argmax(score[feasible])])
    ### END SOLUTION


# %% tests="test_choose_model" points=2
accuracy = np.array([90.0, 92.0, 95.0])
running_ms = np.array([80.0, 95.0, 1500.0])
chosen = choose_model(accuracy, running_ms, 100.0)
print("chosen:", "ABC"[chosen] if chosen in (0, 1, 2) else chosen)
assert_close(chosen, 1, name="A, B, C under 100 ms: B")
assert_close(choose_model(accuracy, running_ms, 50.0), -1, name="nothing under 50 ms")
### BEGIN HIDDEN TESTS
helpers.grading.check_choose_model(choose_model)
### END HIDDEN TESTS

# %% [markdown]
# ### How big should dev and test sets be?
#
# With 100 to 10 000 examples, the old rule of thumb is 60% train, 20% dev, 20% test. With a
# million examples, 20% would be 200 000 dev images, far more than needed to tell two models
# apart: 10 000 each (1%) is plenty, and 98% goes to training. (If you never need an unbiased
# estimate of the final system, you can even skip the test set, and call what remains "dev".)
#
# The rule this course uses covers both regimes: **dev = test = min(n // 5, 10 000)**, and train
# gets the rest.
#
# ### Exercise 4.3 — split sizes (1 point)
#
# Return the tuple `(n_train, n_dev, n_test)` of Python or numpy integers.

# %% solution="dev_test_sizes"
def dev_test_sizes(n):
    """(n_train, n_dev, n_test): dev = test = min(n // 5, 10000), train = the rest."""
    ### BEGIN SOLUTION
    held_out = min(n // 5, 10_000)
    return n - 2 * held_out, held_out, held_out
    ### END SOLUTION


# %% tests="test_dev_test_sizes" points=1
assert_close(dev_test_sizes(10_000), [6_000, 2_000, 2_000], name="dev_test_sizes(10 000)")
assert_close(dev_test_sizes(1_000_000), [980_000, 10_000, 10_000], name="dev_test_sizes(1 000 000)")
### BEGIN HIDDEN TESTS
helpers.grading.check_dev_test_sizes(dev_test_sizes)
### END HIDDEN TESTS

# %% [markdown]
# ### When to change the dev/test set or the metric
#
# A metric and a dev set are a target to aim at. When they stop ranking models the way users would, change them;
# do not keep optimizing the wrong target. Two signs: the model that wins on dev is worse in use (the dev/test images
# differ from what users send: change the dev/test set), or the metric misses what matters.
#
# The classic case: a cat-photo app where a few uploads are **unacceptable** (say violent or explicit images) and must
# never be shown as cats. Model A has a lower error but lets some of those through; model B makes more mistakes, all
# harmless. Plain error prefers A; the users prefer B. Give every example a **weight**, large for the mistakes that
# must not happen, and use the **weighted error** (in percent):
#
# $$\text{weighted error} = 100 \cdot \frac{\sum_i w_i\, [\hat y_i \ne y_i]}{\sum_i w_i}.$$
#
# Dividing by $\sum_i w_i$ keeps it between 0 and 100, and with every weight 1 it is the plain error. A weight per
# class is a weight per example: `class_weight[y]`.
#
# ### Exercise 4.4 — a weighted error (2 points)
#
# `y`, `y_pred` and `weights` are `(N,)`; return the weighted error in percent as a float.

# %% solution="weighted_error"
def weighted_error(y, y_pred, weights):
    """100 · Σ w_i [y_pred_i ≠ y_i] / Σ w_i (percent)."""
    ### BEGIN SOLUTION
    wrong = (np.asarray(y) != np.asarray(y_pred)).astype(float)
    weights = np.asarray(weights, dtype=float)
    return float(100.0 * np.sum(weights * wrong) / np.sum(weights))
    ### END SOLUTION


# %% tests="test_weighted_error" points=2
y = np.array([0, 1, 1, 0])
assert_close(weighted_error(y, np.array([0, 1, 0, 0]), np.ones(4)), 25.0, name="every weight 1: the plain error")
assert_close(weighted_error(y, np.array([0, 1, 0, 0]), np.array([1.0, 1.0, 10.0, 1.0])), 100 * 10 / 13,
             name="the mistake weighs 10 of the 13")
### BEGIN HIDDEN TESTS
helpers.grading.check_weighted_error(weighted_error)
### END HIDDEN TESTS

# %% [markdown]
# The two models on a dev set of 1 000 uploads, 50 of them unacceptable (weight 10, the others 1). Label 1 means
# "show as a cat"; an unacceptable image has label 0.

# %%
rng = np.random.default_rng(3)
unacceptable = np.zeros(1000, dtype=bool)
unacceptable[rng.choice(1000, size=50, replace=False)] = True
y_upload = np.where(unacceptable, 0, rng.integers(0, 2, size=1000))
harmless = np.flatnonzero(~unacceptable)


def predictions(n_harmless_mistakes, n_unacceptable_shown):
    """A model's predictions: some harmless mistakes, and some unacceptable images shown as cats."""
    pred = y_upload.copy()
    wrong = rng.choice(harmless, size=n_harmless_mistakes, replace=False)
    pred[wrong] = 1 - pred[wrong]
    pred[rng.choice(np.flatnonzero(unacceptable), size=n_unacceptable_shown, replace=False)] = 1
    return pred


model_a, model_b = predictions(18, 12), predictions(50, 0)
upload_weights = np.where(unacceptable, 10.0, 1.0)
for name, pred in (("A", model_a), ("B", model_b)):
    print(f"model {name}: plain error {weighted_error(y_upload, pred, np.ones(1000)):4.1f}%, "
          f"unacceptable shown {np.sum(pred[unacceptable] == 1):2d}, "
          f"weighted error {weighted_error(y_upload, pred, upload_weights):4.1f}%")

# %% [markdown]
# A wins on plain error (3.0% against 5.0%), B on the weighted one (about 3.4% against 9.5%): the ranking flips, and the
# weighted metric now points where the users do. Changing the metric does not mean changing the training: first
# define the target that ranks models right, then worry about how to hit it (here the same weights could go into
# the training loss).
#
# %% [markdown]
# ## 5. When end-to-end learning pays
#
# A speech recognizer used to be a **pipeline**: audio → hand-designed features → phonemes → words → transcript, each
# stage built or trained on its own. **End-to-end** learning trains one network from the audio straight to the
# transcript. It needs no hand-designed stage, and nothing a designer got wrong limits it; but everything must be
# learned from the data, so it needs much more of it. A pipeline's hand-made parts are knowledge put in by people:
# they help most when data are scarce, and cap the accuracy when data are plentiful. (A middle road: split the task
# into steps that each have plenty of data, like finding a face in a door camera's image, then telling whose face it
# is.)
#
# A model of this, with error in percent after $n$ training examples (a power-law **learning curve**,
# `strategy.learning_curve(n, floor, scale)`):
#
# $$e(n) = e_\infty + \frac{a}{\sqrt n}: \qquad \text{pipeline } e_\infty = 6,\ a = 40; \qquad
#   \text{end-to-end } e_\infty = 2,\ a = 300.$$
#
# The two are equal where $6 + 40/\sqrt n = 2 + 300/\sqrt n$, at $\sqrt n = 260/4 = 65$, $n = 4\,225$. Measured curves
# are noisy, though: end-to-end may dip below the pipeline at one size and come back above at the next. The question
# is from which size on it **stays** ahead.
#
# ### Exercise 5.1 — from how much data does end-to-end pay? (1 point)
#
# `sizes` is an increasing `(S,)` array of training-set sizes, the two error arrays `(S,)` are measured at those sizes.
# Return the smallest size from which the end-to-end error is **lower** (a tie is not) at that size and every larger
# one, as an int; `-1` if it is not lower at the largest size.

# %% solution="end_to_end_pays"
def end_to_end_pays(sizes, pipeline_error, end_to_end_error):
    """The size from which end_to_end_error < pipeline_error at every larger size too; −1 if none."""
    ### BEGIN SOLUTION
    ahead = np.asarray(end_to_end_error) < np.asarray(pipeline_error)
    behind = np.flatnonzero(~ahead)
    start = 0 if len(behind) == 0 else behind[-1] + 1
    return int(sizes[start]) if start < len(sizes) else -1
    ### END SOLUTION


# %% tests="test_end_to_end_pays" points=1
sizes = np.array([100, 300, 1000, 3000, 10000])
assert end_to_end_pays(sizes, np.full(5, 5.0), np.array([9.0, 6.0, 4.0, 3.0, 2.0])) == 1000, "ahead from 1000 on"
assert end_to_end_pays(sizes, np.full(5, 5.0), np.array([9.0, 4.0, 6.0, 3.0, 2.0])) == 3000, \
    "ahead at 300, behind again at 1000: it stays ahead only from 3000"
assert end_to_end_pays(sizes, np.full(5, 5.0), np.array([9.0, 8.0, 7.0, 6.0, 5.0])) == -1, "a tie is not ahead"
### BEGIN HIDDEN TESTS
helpers.grading.check_end_to_end_pays(end_to_end_pays)
### END HIDDEN TESTS

# %% [markdown]
# The two learning curves, each "measured" on a test set of 2 000 examples (so each point has a standard error of about
# half a point), and where your function says end-to-end starts to pay:

# %%
rng = np.random.default_rng(4)
sizes = np.unique(np.round(np.logspace(2, 5, 25)).astype(int))
measured = {}
for name, floor, scale in (("pipeline", 6.0, 40.0), ("end-to-end", 2.0, 300.0)):
    true_error = strategy.learning_curve(sizes, floor, scale)
    measured[name] = 100 * rng.binomial(2000, np.minimum(true_error / 100, 1.0)) / 2000
pays_from = end_to_end_pays(sizes, measured["pipeline"], measured["end-to-end"])
fig, ax = plt.subplots(figsize=(7, 3.4))
for name, errors in measured.items():
    ax.semilogx(sizes, errors, marker=".", label=name)
if pays_from > 0:
    ax.axvline(pays_from, color="k", ls="--", lw=1, label=f"end-to-end stays ahead from n = {pays_from:,}")
ax.set_xlabel("training examples n"); ax.set_ylabel("test error (%)"); ax.set_ylim(0, 30); ax.legend(fontsize=8)
ax.set_title("a pipeline learns fast; end-to-end learns further")
plt.show()
print(f"end-to-end stays ahead from n = {pays_from:,}; the noise-free curves cross at n = 4,225")

# %% [markdown]
# Below a few thousand examples the pipeline's hand-made stages are worth more than anything the end-to-end model can
# learn; far above, the end-to-end model's lower floor wins by 4 points. The right choice depends on how much data
# you have **for the whole task** (audio with transcripts), not for its parts.
#
# ## 6. Explore: capacity, data size and the three gaps
#
# The explorer trains $k$-nearest-neighbour models on this week's data for many values of $k$
# (small $k$ = high capacity) and several training-set sizes, and plots the train, train-dev and
# dev errors against capacity, with the 10% Bayes error as a dashed line. At the capacity you
# choose, the three gaps are shaded and labelled.
#
# Things to try: at the highest capacity, watch the variance band shrink as the training set grows;
# at the lowest capacity, watch the avoidable-bias band; notice that the mismatch band hardly
# depends on either slider, because neither more source data nor another $k$ makes the
# training data look like the deployment data.
#
# Your `error_gaps` and `diagnose` read the same errors (with the Bayes error as human-level): your three gaps are
# the thin bars stacked left of the shaded bands, and your diagnosis is the second line under the figure. Where
# yours differs from the reference, the band's label gets a red box and a red line of text says what differs.
# Functions you have not written yet leave the reference drawing alone, and the text says so.

# %%
from helpers.widgets.w06 import ErrorCurveExplorer

ErrorCurveExplorer(error_gaps=error_gaps, diagnose=diagnose)

# %% [markdown]
# ## Summary
#
# - Human-level error is a proxy (an upper bound) for the Bayes error; the gap from it to the
#   training error is the **avoidable bias**.
# - Train → train-dev → dev → test: each gap names one problem (bias, variance, data mismatch,
#   overfitting to dev), and each has its own remedies. Work on the biggest one first.
# - Dev and test come from the deployment distribution; a train-dev set separates variance from mismatch.
# - Error analysis: count tagged mistakes in a sample; dev error × share is the ceiling on each fix.
#   Fix dev/test labels when the error they cause is larger than the differences you need to see.
# - Turn one knob at a time, one that moves the flagged gap and no other (orthogonalization).
# - One metric to optimize, the others as limits; dev and test just big enough to decide. When the metric or the
#   dev set stops ranking models the way users would, change it: a weighted error counts the mistakes that matter.
# - End-to-end learning needs data for the whole task; with little of it, a pipeline of hand-designed stages wins.
