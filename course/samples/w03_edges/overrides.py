"""Sample submissions for week 3 beyond `reference` and `blank` (see course/make_samples.py).

Each maps grade_id -> the whole cell as the "student" wrote it (None: left as released).
Expected scores, reasoned per problem, are in tests/grading/expected/w03_edges.py.
"""

SAMPLES = {
    # Right loops; mistakes that students really make in the other three.
    "partial": {
        # assumes a square kernel: kw is taken from k.shape[0]
        "correlate2d": '''def correlate2d(x, k):
    """Vectorized 'valid' cross-correlation: loops over the kernel entries only."""
    H, W = x.shape
    kh = kw = k.shape[0]
    Ho, Wo = H - kh + 1, W - kw + 1
    out = np.zeros((Ho, Wo))
    for p in range(kh):
        for q in range(kw):
            out += k[p, q] * x[p:p + Ho, q:q + Wo]
    return out
''',
        # the first prediction is right; the second forgets that the sign flips
        "edge_predictions": '''def predicted_bands():
    """Return (band, band_flipped): your two predicted 4×4 outputs, typed by hand."""
    band = np.array([[0.0, 30.0, 30.0, 0.0]] * 4)
    band_flipped = np.array([[0.0, 30.0, 30.0, 0.0]] * 4)
    return band, band_flipped
''',
        # arctan(gy / gx) instead of arctan2: right for gx > 0 and on vertical gradients, wrong for gx < 0
        "sobel_edges": '''def sobel_edges(image):
    """Sobel edge strength and direction of a grey-scale image (H, W)."""
    kx = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    gx = correlate2d(image, kx)
    gy = correlate2d(image, kx.T)
    with np.errstate(all="ignore"):
        orientation = np.arctan(gy / gx)
    return np.sqrt(gx ** 2 + gy ** 2), orientation
''',
    },
}
