"""The kernel's replies reach the grader only as display outputs of the harness cell (course/sandbox/kernel/wire.py):
plain JSON and numeric arrays under size caps; anything else reads as an error or a foreign value."""

import base64
import io
import json

import numpy as np

from course.sandbox.kernel.wire import MAX_ARRAY_BYTES, REPLY_MIME, encode, read_replies, reply_output


def as_output(bundle):
    return {"output_type": "display_data", "data": json.loads(json.dumps(bundle)), "metadata": {}}


def reply_for(index, value):
    arrays = {}
    return as_output(reply_output(index, {"got": encode(value, f"r{index}", arrays), "args_after": []}, arrays))


def test_replies_round_trip_and_missing_ones_are_errors():
    got = read_replies([reply_for(0, np.arange(6.0).reshape(2, 3)), reply_for(2, (np.ones(2), np.zeros(1)))], 3)
    assert np.array_equal(got[0]["got"], np.arange(6.0).reshape(2, 3))
    assert "no answer" in got[1]["error"]
    assert isinstance(got[2]["got"], tuple) and np.array_equal(got[2]["got"][1], np.zeros(1))


def test_the_last_reply_for_an_index_wins_and_junk_is_ignored():
    junk = [
        {"output_type": "stream", "name": "stdout", "text": "hi"},
        as_output({REPLY_MIME: {"index": "0", "reply": {}, "arrays": {}}}),
        as_output({REPLY_MIME: {"index": 7, "reply": {}, "arrays": {}}}),
        as_output({REPLY_MIME: ["not", "a", "dict"]}),
    ]
    got = read_replies([reply_for(0, np.ones(1))] + junk + [reply_for(0, np.full(1, 2.0))], 1)
    assert np.array_equal(got[0]["got"], [2.0])


def test_pickles_objects_and_oversized_arrays_never_load():
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    pickled = base64.b64encode(buffer.getvalue()).decode()
    huge = "A" * (MAX_ARRAY_BYTES * 4 // 3 + 100)
    bundle = {
        REPLY_MIME: {
            "index": 0,
            "reply": {"got": {"array": "p"}, "args_after": [{"array": "h"}]},
            "arrays": {"p": pickled, "h": huge},
        }
    }
    got = read_replies([as_output(bundle)], 1)[0]
    assert type(got["got"]).__name__ == "Foreign" and type(got["args_after"][0]).__name__ == "Foreign"
