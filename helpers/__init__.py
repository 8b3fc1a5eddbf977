"""Reference kernels, checks and widgets for the course notebooks.

Every week's notebook does ``import helpers``. The topic modules hold the
reference implementations (forward and backward side by side); ``grading`` holds
the public checks that hidden tests call and self-learners can run themselves.

Submodules load on first use (``helpers.conv.conv2d`` imports ``helpers.conv``
then), so ``import helpers`` stays cheap.
"""

import importlib

from .gradcheck import numerical_gradient, rel_error

__version__ = "0.1.0"

_SUBMODULES = {
    "activations",
    "augment",
    "losses",
    "gradcheck",
    "grading",
    "data",
    "tripwire",
    "widgets",
    "conv",
    "efficient",
    "compress",
    "pool",
    "mlp",
    "rnn",
    "optim",
    "norm",
    "strategy",
    "images",
    "layers",
    "init",
    "training",
    "batchnorm_layer",
    "tuning",
    "seq2seq",
    "dates",
    "translator",
    "transformer",
    "reverser",
    "word2vec",
}

__all__ = sorted(_SUBMODULES) + ["numerical_gradient", "rel_error"]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'helpers' has no attribute {name!r}")


def __dir__():
    return __all__
