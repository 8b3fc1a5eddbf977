"""What every week's check tests share."""
import pytest

import helpers
from helpers.grading import CheckFailed


def fails(check_name, fn, *fragments):
    """Assert that ``helpers.grading.check_<check_name>(fn)`` fails with every fragment in its message."""
    with pytest.raises(CheckFailed) as info:
        getattr(helpers.grading, f"check_{check_name}")(fn)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)
