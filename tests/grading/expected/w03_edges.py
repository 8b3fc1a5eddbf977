"""Expected autograded scores of week 3's samples, per problem, reasoned from each sample's code.

- reference: the solutions, full marks (8).
- blank: every function raises NotImplementedError (predicted_bands too): every test cell
  errors: 0.
- partial:
  - correlate2d_loops is the reference: 2.
  - correlate2d takes kw from k.shape[0]: the visible test's 3×2 kernel gives a (2, 3)
    output instead of (2, 4): 0.
  - predicted_bands: `band` is right but `band_flipped` has +30 where the dark-to-bright
    edge gives −30; the visible test only checks the shapes (4×4, passes), the hidden
    check_edge_bands fails on `band_flipped`: 0 (a cell's points are all or nothing).
  - sobel_edges uses arctan(gy / gx) (warnings silenced): the visible test has gx = 0 and
    gy = 4 on the edge, arctan(+inf) = π/2, so it passes; the hidden case "bright right"
    has gx = −40, gy = 0, where atan2 gives π and arctan gives 0: 0.
  Total 2. (correlate2d's bug does not reach sobel_edges: its kernels are 3×3.)
"""

FULL = {"test_correlate2d_loops": 2, "test_correlate2d": 2, "test_edge_predictions": 2, "test_sobel_edges": 2}

EXPECTED = {
    "reference": FULL,
    "blank": {k: 0 for k in FULL},
    "partial": {**{k: 0 for k in FULL}, "test_correlate2d_loops": 2},
}
