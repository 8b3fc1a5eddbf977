"""Week 8 checks: each passes correct variants, and fails on the mistakes students make, with a message
that says what to fix.

The solutions here are plain numpy (the notebook's), not helpers.layers, so the checks' comparisons with the
reference kernels and with central differences are exercised for real. The last tests send every case through
the grader's own transport (course/sandbox/kernel/wire.py), as `course grade` does.
"""

import numpy as np
import pytest

import helpers
from helpers import training as T
from helpers.grading import CHECKS
from helpers.grading.core import DEFAULT_SEED, Case
from helpers.grading.w08 import regularization
from helpers.grading.w08.regularization import STUDY_LAMBDAS
from helpers.layers import on_arrays
from tests.unit.check_helpers import fails, through_the_grader_wire

# --------------------------------------------------------------------------- plain numpy solutions


def affine_forward(x, W, b):
    return x @ W + b


def affine_backward(dout, x, W, b):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def activation_forward(z, kind):
    return {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh, "sigmoid": sig}[kind](z)


def activation_backward(dout, z, kind):
    return dout * {
        "relu": lambda v: (v > 0).astype(float),
        "tanh": lambda v: 1 - np.tanh(v) ** 2,
        "sigmoid": lambda v: sig(v) * (1 - sig(v)),
    }[kind](z)


def dropout_forward(x, mask, keep_prob, train=True):
    return x * mask / keep_prob if train else x.copy()


def dropout_backward(dout, mask, keep_prob):
    return dout * mask / keep_prob


def layer_forward(x, layer):
    if layer["kind"] == "affine":
        return affine_forward(x, layer["W"], layer["b"])
    if layer["kind"] == "dropout":
        return dropout_forward(x, layer["mask"], layer["keep_prob"], layer["mask"] is not None)
    return activation_forward(x, layer["kind"])


def model_forward(x, layers):
    inputs = []
    for layer in layers:
        inputs.append(x)
        x = layer_forward(x, layer)
    return x, inputs


def layer_backward(dout, x, layer):
    if layer["kind"] == "affine":
        dx, dW, db = affine_backward(dout, x, layer["W"], layer["b"])
        return dx, {"W": dW, "b": db}
    if layer["kind"] == "dropout":
        return (dout if layer["mask"] is None else dropout_backward(dout, layer["mask"], layer["keep_prob"])), {}
    return activation_backward(dout, x, layer["kind"]), {}


def model_backward(dout, inputs, layers):
    grads = [None] * len(layers)
    for i in reversed(range(len(layers))):
        dout, grads[i] = layer_backward(dout, inputs[i], layers[i])
    return dout, grads


def l2_cost(layers, lam, m):
    return lam / (2 * m) * sum(np.sum(layer["W"] ** 2) for layer in layers if layer["kind"] == "affine")


def l2_grads(layers, lam, m):
    return [
        {"W": lam / m * layer["W"], "b": np.zeros_like(layer["b"])} if layer["kind"] == "affine" else {}
        for layer in layers
    ]


def normalize_splits(X_train, X_dev, X_test):
    mu, sigma = X_train.mean(axis=0), X_train.std(axis=0)
    sigma = np.where(sigma > 0, sigma, 1.0)
    return tuple((X - mu) / sigma for X in (X_train, X_dev, X_test))


STD = {
    "zeros": lambda i, o: 0.0,
    "large": lambda i, o: 10.0,
    "lecun": lambda i, o: 1 / np.sqrt(i),
    "xavier": lambda i, o: np.sqrt(2 / (i + o)),
    "he": lambda i, o: np.sqrt(2 / i),
}


def init_weights(n_in, n_out, method, rng=None):
    return np.random.default_rng(rng).normal(0.0, STD[method](n_in, n_out), size=(n_in, n_out))


def early_stopping(dev_errors, snapshots, patience):
    best, waited = 0, 0
    for epoch in range(1, len(dev_errors)):
        if dev_errors[epoch] < dev_errors[best]:
            best, waited = epoch, 0
        else:
            waited += 1
            if waited == patience:
                break
    return best, snapshots[best]


def choose_lambda(X_train, y_train, X_dev, y_dev, lambdas, seed):
    """The study with helpers.training.Trainer (not a guarded kernel): the notebook's procedure."""
    train_errors, dev_errors = [], []
    for lam in lambdas:
        start = helpers.layers.init_layers(T.STUDY["sizes"], rng=np.random.default_rng(seed))
        net = (
            T.Trainer(start, X_train, y_train, lam=lam, lr=T.STUDY["lr"], rng=np.random.default_rng([seed, 1]))
            .run(T.STUDY["epochs"])
            .layers
        )
        train_errors.append(T.error_rate(net, X_train, y_train))
        dev_errors.append(T.error_rate(net, X_dev, y_dev))
    return float(lambdas[int(np.argmin(dev_errors))]), np.array(train_errors), np.array(dev_errors)


REFERENCE = {
    "affine_forward": affine_forward,
    "affine_backward": affine_backward,
    "activation_forward": activation_forward,
    "activation_backward": activation_backward,
    "inverted_dropout_forward": dropout_forward,
    "inverted_dropout_backward": dropout_backward,
    "model_forward": on_arrays(model_forward, "model_forward"),
    "model_backward": on_arrays(model_backward, "model_backward"),
    "l2_cost": on_arrays(l2_cost, "l2_cost"),
    "l2_grads": on_arrays(l2_grads, "l2_grads"),
    "normalize_with_train_statistics": normalize_splits,
    "init_variances": init_weights,
    "early_stopping": early_stopping,
}
FAST = sorted(REFERENCE)


@pytest.mark.parametrize("name", FAST)
def test_reference_passes_with_at_least_five_cases_and_returns_none(name, capsys):
    assert len(CHECKS[name].cases(np.random.default_rng(0))) >= 5
    assert getattr(helpers.grading, f"check_{name}")(REFERENCE[name]) is None
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("name", FAST)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_reference_passes_for_other_seeds(name, seed):
    getattr(helpers.grading, f"check_{name}")(REFERENCE[name], seed=seed)


def test_the_study_passes_for_the_notebooks_procedure(capsys):
    helpers.grading.check_lambda_beats_no_regularization(choose_lambda)
    assert "all 3 checks passed" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [4986, 8444])
def test_the_study_accepts_lambda_0_where_the_data_set_does_not_reward_regularization(seed):
    """Seeds the grader drew for two honest submissions: λ = 0 has the lowest dev error there (21.3%
    against 21.9% at 0.3; 19.0% against 20.3% at 1), and choosing it is right."""
    data = T.make_moons_data(
        seed, n_train=T.STUDY["n_train"], n_dev=T.STUDY["n_dev"], n_test=1, noise=T.STUDY["noise"], flip=T.STUDY["flip"]
    )
    case = Case("noisy moons", (data.X_train, data.y_train, data.X_dev, data.y_dev, np.array(STUDY_LAMBDAS), seed))
    answer = choose_lambda(*case.args)
    assert answer[0] == 0.0
    regularization.verify_study(case, answer, "choose_lambda")


def test_model_cases_cover_depths_one_to_four_odd_widths_dropout_and_n_1():
    labels = [c.label for c in CHECKS["model_backward"].cases(np.random.default_rng(0))]
    for fragment in [
        "depth 1",
        "depth 2",
        "depth 3",
        "depth 4",
        "N=1",
        "dropout",
        "mask None",
        "every width 5",
        "sigmoid",
        "tanh",
        "relu",
    ]:
        assert any(fragment in label for label in labels), fragment


@pytest.mark.parametrize(
    "name,fn",
    [
        ("affine_forward", lambda x, W, b: np.dot(x, W) + b[None, :]),
        (
            "affine_backward",
            lambda dout, x, W, b: (
                np.einsum("nm,dm->nd", dout, W),
                np.einsum("nd,nm->dm", x, dout),
                np.ones(len(dout)) @ dout,
            ),
        ),
        (
            "activation_forward",
            lambda z, kind: {"relu": z * (z > 0), "tanh": np.tanh(z), "sigmoid": 0.5 + 0.5 * np.tanh(z / 2)}[kind],
        ),
        ("inverted_dropout_forward", lambda x, mask, p, train=True: np.where(mask, x / p, 0.0) if train else x),
        (
            "l2_cost",
            on_arrays(
                lambda layers, lam, m: (
                    lam / (2 * m) * sum(np.linalg.norm(layer["W"]) ** 2 for layer in layers if "W" in layer)
                ),
                "l2_cost",
            ),
        ),
        (
            "normalize_with_train_statistics",
            lambda a, b, c: tuple(
                (X - a.mean(0)) / np.where(np.sqrt(a.var(0)) > 0, np.sqrt(a.var(0)), 1.0) for X in (a, b, c)
            ),
        ),
        (
            "init_variances",
            lambda n_in, n_out, method, rng: (
                np.random.default_rng(rng).uniform(-1, 1, (n_in, n_out)) * np.sqrt(3) * STD[method](n_in, n_out)
            ),
        ),  # uniform with the same variance
    ],
)
def test_other_correct_variants_pass(name, fn):
    getattr(helpers.grading, f"check_{name}")(fn)


# --------------------------------------------------------------------------- classic mistakes


def forward_with(input_after=False, skip_dropout=False, with_output=False):
    def model_forward_wrong(x, layers):
        inputs = []
        for layer in layers:
            if skip_dropout and layer["kind"] == "dropout":
                inputs.append(x)
                continue
            if not input_after:
                inputs.append(x)
            x = layer_forward(x, layer)
            if input_after:  # records each layer's output instead of its input
                inputs.append(x)
        return x, inputs + ([x] if with_output else [])

    return on_arrays(model_forward_wrong, "model_forward")


def backward_with(in_order=False, no_b=False, in_place=False, no_dropout_scale=False):
    def model_backward_wrong(dout, inputs, layers):
        grads = [None] * len(layers)
        for i in range(len(layers)) if in_order else reversed(range(len(layers))):
            if no_dropout_scale and layers[i]["kind"] == "dropout" and layers[i]["mask"] is not None:
                dout, grads[i] = dout * layers[i]["mask"], {}
                continue
            dout, grads[i] = layer_backward(dout, inputs[i], layers[i])
            if no_b and "b" in grads[i]:
                del grads[i]["b"]
            if in_place and layers[i]["kind"] == "affine":
                layers[i]["W"] -= 0.1 * grads[i]["W"]
        return dout, grads

    return on_arrays(model_backward_wrong, "model_backward")


@pytest.mark.parametrize(
    "name,wrong,fragment",
    [
        ("affine_forward", lambda x, W, b: x @ W, "is wrong"),  # no bias
        ("affine_backward", lambda dout, x, W, b: (dout @ W.T, x.T @ dout, dout.mean(axis=0)), "db"),  # a mean
        ("affine_backward", lambda dout, x, W, b: (dout @ W.T, x.T @ dout / len(x), dout.sum(axis=0)), "dW"),
        ("affine_backward", lambda dout, x, W, b: (dout @ W, x.T @ dout, dout.sum(axis=0)), "raised ValueError"),
        ("activation_forward", lambda z, kind: np.maximum(z, 0), "is wrong"),  # relu only
        (
            "activation_backward",
            lambda dout, z, kind: {
                "relu": (z > 0) * 1.0,
                "tanh": 1 - np.tanh(z) ** 2,
                "sigmoid": sig(z) * (1 - sig(z)),
            }[kind],
            "multiply by dout",
        ),
        (
            "activation_backward",
            lambda dout, z, kind: dout * {"relu": (z > 0) * 1.0, "tanh": 1 - z**2, "sigmoid": z * (1 - z)}[kind],
            "INPUT",
        ),  # week 5's habit
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask if train else x, "not divided by keep"),
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask / p if train else p * x, "original conv"),
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask / p, "ignore the mask"),
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask / (1 - p) if train else x, "is wrong"),
        ("inverted_dropout_backward", lambda dout, mask, p: dout * mask, "divide by keep_prob too"),
        ("model_forward", forward_with(input_after=True), "inputs[0]"),
        ("model_forward", forward_with(skip_dropout=True), "dropout"),
        ("model_forward", forward_with(with_output=True), "one per layer"),
        ("model_backward", backward_with(in_order=True), "raised ValueError"),  # shapes do not chain
        ("model_backward", backward_with(no_dropout_scale=True), "REVERSE"),
        ("model_backward", backward_with(no_b=True), "has no 'b'"),
        ("l2_cost", on_arrays(lambda layers, lam, m: 2 * l2_cost(layers, lam, m), "l2_cost"), "the 1/2"),
        (
            "l2_cost",
            on_arrays(
                lambda layers, lam, m: (
                    l2_cost(layers, lam, m)
                    + lam / (2 * m) * sum(np.sum(layer["b"] ** 2) for layer in layers if "b" in layer)
                ),
                "l2_cost",
            ),
            "not regularized",
        ),
        (
            "l2_grads",
            on_arrays(
                lambda layers, lam, m: [
                    {"W": lam / m * layer["W"], "b": lam / m * layer["b"]} if "W" in layer else {} for layer in layers
                ],
                "l2_grads",
            ),
            "['b']",
        ),
        (
            "l2_grads",
            on_arrays(
                lambda layers, lam, m: [
                    {"W": lam / (2 * m) * layer["W"], "b": 0 * layer["b"]} if "W" in layer else {} for layer in layers
                ],
                "l2_grads",
            ),
            "['W']",
        ),
        (
            "l2_grads",
            on_arrays(lambda layers, lam, m: [g for g in l2_grads(layers, lam, m) if g], "l2_grads"),
            "one dict per layer",
        ),
        (
            "normalize_with_train_statistics",
            lambda a, b, c: tuple((X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0) for X in (a, b, c)),
            "its own mean and spread",
        ),
        (
            "normalize_with_train_statistics",
            lambda a, b, c: tuple(
                (X - a.mean(0)) / np.where(a.std(0, ddof=1) > 0, a.std(0, ddof=1), 1.0) for X in (a, b, c)
            ),
            "ddof 0",
        ),
        (
            "normalize_with_train_statistics",
            lambda a, b, c: tuple((X - a.mean(0)) / (a.std(0) + 1e-8) for X in (a, b, c)),
            "a constant feature is divided by 1",
        ),
        (
            "init_variances",
            lambda n_in, n_out, method, rng: init_weights(n_in, n_out, "lecun" if method == "xavier" else method, rng),
            "variance of 'lecun'",
        ),
        (
            "init_variances",
            lambda n_in, n_out, method, rng: np.random.default_rng(rng).normal(
                0, STD[method](n_in, n_out) ** 2, (n_in, n_out)
            ),
            "variance",
        ),  # variance used as a std
        ("init_variances", lambda n_in, n_out, method, rng: init_weights(n_out, n_in, method, rng), "shape"),
        ("init_variances", lambda n_in, n_out, method, rng: np.abs(init_weights(n_in, n_out, method, rng)), "centred"),
        ("early_stopping", lambda e, s, p: (len(e) - 1, s[-1]), "is wrong"),
        ("early_stopping", lambda e, s, p: (int(np.argmin(e)), s[int(np.argmin(e))]), "after training stopped"),
        ("early_stopping", lambda e, s, p: (early_stopping(e, s, p)[0], s[-1]), "best_weights"),
    ],
)
def test_typical_mistakes_fail(name, wrong, fragment):
    fails(name, wrong, fragment)


def test_ties_keep_the_first_epoch():
    def last_of_ties(dev_errors, snapshots, patience):
        best, waited = 0, 0
        for epoch in range(1, len(dev_errors)):
            if dev_errors[epoch] <= dev_errors[best]:
                best, waited = epoch, 0
            else:
                waited += 1
                if waited == patience:
                    break
        return best, snapshots[best]

    fails("early_stopping", last_of_ties, "best_epoch", "wrong")


def test_zeros_must_be_exact_and_the_week5_name_for_xavier_is_named():
    fails("init_variances", lambda n_in, n_out, method, rng: init_weights(n_in, n_out, method, rng) + 1e-9, "exactly 0")
    message = fails(
        "init_variances",
        lambda n_in, n_out, method, rng: init_weights(n_in, n_out, "lecun" if method == "xavier" else method, rng),
        "xavier",
    )
    assert "sqrt(2/(n_in + n_out))" in message


def test_model_mistakes_in_place_and_reference_calls_are_caught():
    fails("model_backward", backward_with(in_place=True), "changed its input")
    fails(
        "model_forward",
        on_arrays(lambda x, layers: helpers.layers.model_forward(x, layers), "model_forward"),
        "helpers.layers.model_forward",
    )
    fails("affine_backward", lambda *args: helpers.layers.affine_backward(*args), "helpers.layers.affine_backward")
    fails(
        "inverted_dropout_backward",
        lambda dout, mask, p: helpers.norm.dropout_backward(dout, mask, 1 - p),
        "helpers.norm.dropout_backward",
    )


def test_model_backward_with_the_output_instead_of_the_input_fails():
    def output_based(dout, inputs, layers):
        grads = [None] * len(layers)
        for i in reversed(range(len(layers))):
            layer = layers[i]
            if layer["kind"] == "tanh":
                a = np.tanh(inputs[i])
                dout, grads[i] = dout * (1 - np.tanh(a) ** 2), {}  # f'(f(x)) instead of f'(x)
            else:
                dout, grads[i] = layer_backward(dout, inputs[i], layer)
        return dout, grads

    fails("model_backward", on_arrays(output_based, "model_backward"), "is wrong")


@pytest.fixture(scope="module")
def study_truth():
    """{seed: (train_errors, dev_errors)}: the notebook's procedure on each case of the study check."""
    truth = {}
    for case in CHECKS["lambda_beats_no_regularization"].cases(np.random.default_rng(DEFAULT_SEED)):
        *data, lambdas, seed = case.args
        truth[seed] = choose_lambda(*data, lambdas, seed)[1:]
    return truth


def test_study_mistakes_fail_with_their_reason(study_truth):
    def told(choose, lists=lambda train, dev: (train, dev)):
        def choose_lambda(X, y, Xd, yd, lambdas, seed):
            train, dev = lists(*study_truth[seed])
            return choose(lambdas, train, dev), train, dev

        return choose_lambda

    name = "lambda_beats_no_regularization"
    fails(name, told(lambda lams, tr, dv: float(lams[np.argmax(dv)])), "another λ is better", "DEV")
    fails(name, told(lambda lams, tr, dv: 0.5), "not one of the λ")
    # the lists are checked too: made up, swapped, fractions, or the errors of one network for every λ
    made_up = told(lambda lams, tr, dv: 1.0, lambda tr, dv: (tr, np.array([25.0, 20.0, 18.0, 28.0])))
    fails(name, made_up, "`dev_errors`[0] (λ = 0)", "has a dev error of")
    fails(name, told(lambda lams, tr, dv: 1.0, lambda tr, dv: (np.zeros(4), dv)), "`train_errors`[0]")
    fails(name, told(lambda lams, tr, dv: 1.0, lambda tr, dv: (dv, tr)), "swapped")
    fails(name, told(lambda lams, tr, dv: 1.0, lambda tr, dv: (tr / 100, dv / 100)), "fractions")
    one_network = told(lambda lams, tr, dv: 0.0, lambda tr, dv: (np.full(4, tr[0]), np.full(4, dv[0])))
    fails(name, one_network, "trained with λ = 0.3")
    fails(name, lambda *a: (1.0, np.zeros(3), np.zeros(4)), "one per λ")
    fails(name, lambda *a: (1.0, np.zeros(4), np.full(4, 0.2) * 1000), "percent")


def test_study_choices_judged_by_retraining(monkeypatch):
    """With the lists taken on trust (a tolerance no list can miss), the choice itself is judged."""
    monkeypatch.setattr(regularization, "STUDY_TOLERANCE", {"train_errors": 1e9, "dev_errors": 1e9})

    def told(best, dev):
        return lambda X, y, Xd, yd, lams, seed: (best, np.zeros(len(lams)), np.array(dev, dtype=float))

    fails("lambda_beats_no_regularization", told(0.0, [20, 20, 20, 20]), "you chose λ = 0", "l2_grads")
    fails("lambda_beats_no_regularization", told(10.0, [30, 30, 30, 10]), "at least 2 points lower")


def test_messages_name_case_shapes_and_never_dump_inputs():
    message = fails(
        "model_backward", backward_with(no_dropout_scale=True), "case", "array(", "expected", "got", "Hint:"
    )
    assert len(message) < 2000
    message = fails("normalize_with_train_statistics", lambda a, b, c: (a, b, c), "case", "expected", "got")
    assert len(message) < 2000


# --------------------------------------------------------------------------- through the grader's transport


@pytest.mark.parametrize("name", FAST + ["lambda_beats_no_regularization"])
def test_every_case_survives_the_grader_wire(name, tmp_path):
    """Cases written by course.sandbox.kernel.wire as the grader does, read back as the kernel does, answered by the
    student's function, sent back as arrays and judged: only plain arrays and JSON cross."""
    cases = CHECKS[name].cases(np.random.default_rng(7))
    if name == "lambda_beats_no_regularization":
        cases = cases[:1]
    through_the_grader_wire(name, REFERENCE.get(name, choose_lambda), cases, tmp_path)


@pytest.mark.parametrize(
    "name, wrong",
    [
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask if train else x),
        ("inverted_dropout_forward", lambda x, mask, p, train=True: x * mask / p if train else p * x),
        ("inverted_dropout_backward", lambda dout, mask, p: dout * mask),
    ],
)
def test_dropout_scaling_mistakes_are_named_before_any_guess_from_the_numbers(name, wrong):
    message = fails(name, wrong)
    assert "where a sum was wanted" not in message and "where a mean was wanted" not in message, message
    assert message.index("keep_prob") < message.index("Hint:")
