"""The student's function inside an explorer (helpers/widgets/_yours.py): a call over its time limit is
abandoned, and its thread is asked to stop until it has."""

from __future__ import annotations

import numpy as np

from helpers.widgets._yours import YourFunction


def swallows_the_first_stop(x):
    """An endless loop whose first stop request lands where it is swallowed (as in a gc callback that ran
    in this thread), then another endless loop."""
    try:
        while True:
            pass
    except BaseException:
        pass
    while True:
        pass


def test_a_swallowed_stop_is_sent_again_by_the_next_redraw():
    yours = YourFunction(swallows_the_first_stop, np.negative, name="negate", time_limit=0.2)
    first = yours(np.ones(3))
    assert first.unfinished and "too slow to redraw" in first.problem
    thread = yours._running
    thread.join(1.0)
    assert thread.is_alive(), "the first stop was swallowed: the call runs on"
    second = yours(np.ones(3))
    assert second.unfinished and "still running from an earlier redraw" in second.problem
    np.testing.assert_array_equal(second.reference, -np.ones(3))
    thread.join(5.0)
    assert not thread.is_alive(), "the second redraw asked the thread to stop again"
