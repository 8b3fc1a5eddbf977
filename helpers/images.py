"""Photos that ship inside installed packages, as grey-scale float arrays. Nothing is downloaded.

- ``"grace_hopper"``: matplotlib's sample portrait (600 × 512), ``matplotlib.cbook.get_sample_data``;
- ``"china"`` and ``"flower"``: scikit-learn's two sample photos (427 × 640),
  ``sklearn.datasets.load_sample_image``.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["PHOTOS", "load_photo", "step_image"]

PHOTOS = ("grace_hopper", "china", "flower")


@functools.lru_cache(maxsize=8)
def _rgb(name: str) -> np.ndarray:
    if name == "grace_hopper":
        from matplotlib import cbook
        from matplotlib.image import imread

        return imread(cbook.get_sample_data("grace_hopper.jpg"))
    if name in ("china", "flower"):
        from .data import sklearn_file

        path = sklearn_file("datasets", "images", f"{name}.jpg")
        if path is None:  # a scikit-learn that keeps its images elsewhere
            from sklearn.datasets import load_sample_image

            return load_sample_image(f"{name}.jpg")
        from PIL import Image

        with Image.open(path) as image:  # what load_sample_image returns, without importing scikit-learn
            return np.asarray(image)
    raise ValueError(f"load_photo: unknown photo {name!r}; choose one of {', '.join(PHOTOS)}")


def load_photo(name: str = "grace_hopper", size: int | None = 256) -> np.ndarray:
    """A grey-scale photo, shape (H, W), float64 in [0, 1].

    size: the length of the longer side after an area-averaging resize (None keeps the
    original). Luminance is 0.299 R + 0.587 G + 0.114 B.
    """
    rgb = _rgb(name)
    if size is not None:
        from PIL import Image

        h, w = rgb.shape[:2]
        scale = size / max(h, w)
        new = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(new, Image.Resampling.BOX))
    gray = rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114]) / 255.0
    return np.ascontiguousarray(gray)


def step_image(n: int = 6, bright: float = 10.0, dark: float = 0.0, bright_left: bool = True) -> np.ndarray:
    """The n × n image with a bright half and a dark half (left/right), float64.

    With the defaults: the columns 0..2 are 10 and the columns 3..5 are 0.
    """
    image = np.full((n, n), dark, dtype=np.float64)
    half = n // 2
    if bright_left:
        image[:, :half] = bright
    else:
        image[:, half:] = bright
    return image
