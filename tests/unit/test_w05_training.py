"""Week 5: the binary-addition RNN, trained with the reference BPTT of the source notebook, reaches
100% on every held-out pair for several seeds, and clipping rescues the diverging run.

The notebook's own code is used: the solution cells and the cells that only define data and
training functions are executed here (plots, test cells and the widget are skipped).
"""

import time

import matplotlib
import nbformat
import numpy as np
import pytest

matplotlib.use("Agg")
from tests.support import REPO as ROOT


@pytest.fixture(scope="module")
def notebook():
    nb = nbformat.read(ROOT / "source" / "w05_rnn" / "w05_rnn.ipynb", as_version=4)
    namespace = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or meta.get("grade") or "plt." in cell.source or "widgets" in cell.source:
            continue
        exec("\n".join(line for line in cell.source.splitlines() if not line.startswith("%")), namespace)
    return namespace


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_adder_reaches_100_percent_on_held_out_pairs(notebook, seed, capsys):
    start = time.perf_counter()
    params, history = notebook["train_adder"](seed=seed)  # the notebook's defaults: 1000 SGD steps
    seconds = time.perf_counter() - start
    accuracy = notebook["adder_accuracy"](params, notebook["x_test"], notebook["d_test"])
    with capsys.disabled():
        print(f"\nseed {seed}: held-out accuracy {accuracy:.2%} in {seconds:.1f} s")
    assert accuracy == 1.0
    assert len(notebook["x_test"]) == 15384 and history["loss"][-1] < 0.05


def test_adder_is_right_on_every_sum(notebook):
    params, _ = notebook["train_adder"](seed=5)
    x, d = notebook["addition_data"](notebook["all_pairs"])
    assert notebook["adder_accuracy"](params, x, d) == 1.0


@pytest.mark.parametrize("seed", [0, 1])
def test_clipping_rescues_the_diverging_run(notebook, seed):
    train, accuracy = notebook["train_adder"], notebook["adder_accuracy"]
    x, d = notebook["x_test"], notebook["d_test"]
    wild, wild_history = train(seed=seed, activation="tanh", lr=2.0, steps=1000)
    tamed, _ = train(seed=seed, activation="tanh", lr=2.0, steps=1000, max_norm=1.0)
    assert accuracy(wild, x, d, "tanh") < 0.05 and np.mean(wild_history["loss"][-100:]) > 10
    assert accuracy(tamed, x, d, "tanh") >= 0.99


def test_gradient_norms_vanish_and_explode_as_the_text_says(notebook):
    norms = notebook["gradient_norms"]
    assert norms(scale=1.0, activation="sigmoid")[0] < 1e-20
    assert norms(scale=0.5, activation="tanh")[0] < 1e-15
    assert norms(scale=3.0, activation="relu")[0] > 1e10
    lstm = notebook["lstm_gradient_norms"]()
    assert lstm[0] > 1e3 * norms(scale=1.0, activation="tanh")[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gated_cells_remember_the_first_bit_where_the_plain_rnn_cannot(notebook, seed, capsys):
    # The notebook's claim in section 5: at T = 30, 400 Adam steps, the same for every seed.
    accuracy = {}
    for kind in ("rnn", "lstm", "gru"):
        start = time.perf_counter()
        params, history = notebook["train_first_bit"](kind, T=30, seed=seed)
        x, d = notebook["first_bit_data"](2000, 30, np.random.default_rng(99 + seed))
        accuracy[kind] = notebook["first_bit_accuracy"](kind, params, x, d)
        with capsys.disabled():
            print(f"\nfirst bit, T=30, seed {seed}: {kind} {accuracy[kind]:.1%} in {time.perf_counter() - start:.1f} s")
    assert accuracy["lstm"] == 1.0 and accuracy["gru"] == 1.0
    assert accuracy["rnn"] < 0.6
