"""What the grader and the student's kernel exchange, in one place for both sides.

Grader -> kernel: before the notebook runs, the grader writes the calls it wants into the run's
``requests/`` folder, which the kernel sees read-only: ``requests.npz`` (the array arguments)
and ``requests.json`` (for each call: the test cell's grade_id, the check, the student's object,
the case label, which arguments are arrays, the plain ones and the keyword arguments; and, per
test cell, the adapters its hidden tests apply to the student's object, as data).

Kernel -> grader: course/sandbox/kernel/harness.py sends one reply per call as a display output of the
harness cell, MIME type :data:`REPLY_MIME`: ``{"index": i, "reply": {...}, "arrays": {key:
base64 of np.save}}``, where the reply is ``{"error": message}`` or ``{"got": node,
"args_after": [node, ...]}`` and a node is ``{"array": key}``, ``{"tuple": [node, ...]}`` or
``{"foreign": type name}``. Nothing travels through a file the kernel controls, so nothing it
makes (a FIFO, a link, a huge file) can hold or fool the grader's reads; a reply is plain JSON
and arrays read back with ``allow_pickle=False`` under size caps, and the judge decides.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from pathlib import Path

import numpy as np

REQUESTS = "requests"
REPLY_MIME = "application/vnd.course.reply+json"
MAX_ARRAY_BYTES = 64 << 20  # one array in a reply
MAX_REPLY_BYTES = 256 << 20  # every reply of a notebook together (base64 text)


# --------------------------------------------------------------------------- grader -> kernel


def write_requests(requests: list, directory: Path, adapters: dict | None = None) -> None:
    """``requests``: course.grading.payload.Request objects; ``adapters``: {grade_id: {name: adapter}}."""
    arrays, described = {}, []
    for i, request in enumerate(requests):
        array_args, plain_args = [], []
        for j, arg in enumerate(request.case.args):
            if isinstance(arg, np.ndarray):
                arrays[f"q{i}_{j}"] = arg
                array_args.append(f"q{i}_{j}")
                plain_args.append(None)
            else:
                array_args.append(None)
                plain_args.append(arg.item() if isinstance(arg, np.generic) else arg)
        described.append(
            {
                "grade_id": request.grade_id,
                "check": request.check,
                "function": request.function,
                "label": request.case.label,
                "array_args": array_args,
                "plain_args": plain_args,
                "kwargs": request.case.kwargs,
            }
        )
    np.savez(Path(directory) / f"{REQUESTS}.npz", **arrays)
    (Path(directory) / f"{REQUESTS}.json").write_text(json.dumps({"calls": described, "adapters": adapters or {}}))


def read_requests(directory: str) -> tuple[list[tuple[str, str, str, object]], dict]:
    """([(grade_id, check name, function name, Case)] in the order the grader asked, adapters) (kernel side)."""
    from helpers.grading import Case

    with open(f"{directory}/{REQUESTS}.json") as handle:
        described = json.load(handle)
    inputs = np.load(f"{directory}/{REQUESTS}.npz", allow_pickle=False)
    calls = []
    for request in described["calls"]:
        args = tuple(
            inputs[key] if key is not None else value
            for key, value in zip(request["array_args"], request["plain_args"])
        )
        calls.append(
            (
                request["grade_id"],
                request["check"],
                request["function"],
                Case(request["label"], args, request.get("kwargs", {})),
            )
        )
    return calls, described["adapters"]


# --------------------------------------------------------------------------- kernel -> grader


def encode(value, prefix: str, arrays: dict) -> dict:
    """Describe ``value`` as a node; numeric arrays go into ``arrays`` (kernel side)."""
    if isinstance(value, tuple):
        return {"tuple": [encode(v, f"{prefix}_{i}", arrays) for i, v in enumerate(value)]}
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, (str, bytes, dict, set)):
        return {"foreign": type(value).__name__}
    try:
        array = np.asarray(value)
    except Exception:
        return {"foreign": type(value).__name__}
    if array.dtype.kind not in "biuf":
        return {"foreign": type(value).__name__}
    arrays[prefix] = np.array(array, copy=True)
    return {"array": prefix}


def reply_output(index: int, reply: dict, arrays: dict) -> dict:
    """The MIME bundle that carries one reply (kernel side)."""
    packed = {}
    for key, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        packed[key] = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {REPLY_MIME: {"index": index, "reply": reply, "arrays": packed}}


def read_replies(outputs: list, count: int) -> list[dict]:
    """The decoded replies in the harness cell's ``outputs``, one per request (grader side):
    ``{"error": message}`` or ``{"got": value, "args_after": (value, ...)}`` with values decoded to
    arrays, tuples or :class:`helpers.grading.Foreign`. A call with no readable reply (the kernel
    stopped first, or sent junk) gets an error; the last reply for an index wins."""
    from helpers.grading import Foreign

    found: dict[int, tuple[dict, dict]] = {}
    budget = MAX_REPLY_BYTES
    for output in outputs:
        bundle = output.get("data") if isinstance(output, dict) else None
        message = bundle.get(REPLY_MIME) if isinstance(bundle, dict) else None
        if not isinstance(message, dict):
            continue
        index, reply, packed = message.get("index"), message.get("reply"), message.get("arrays")
        if not (isinstance(index, int) and 0 <= index < count and isinstance(reply, dict) and isinstance(packed, dict)):
            continue
        arrays = {}
        for key, text in packed.items():
            if not isinstance(text, str) or len(text) > min(budget, MAX_ARRAY_BYTES * 4 // 3 + 4):
                continue
            budget -= len(text)
            array = _load_array(text)
            if array is not None:
                arrays[str(key)] = array
        found[index] = (reply, arrays)

    def decode(node, arrays):
        if not isinstance(node, dict):
            return Foreign("unreadable")
        if isinstance(node.get("tuple"), list):
            return tuple(decode(n, arrays) for n in node["tuple"][:64])
        if isinstance(node.get("array"), str) and node["array"] in arrays:
            return arrays[node["array"]]
        return Foreign(str(node.get("foreign", "unreadable"))[:40])

    decoded = []
    for index in range(count):
        if index not in found:
            decoded.append({"error": "no answer from the kernel for this call (it stopped or ran out of time)"})
            continue
        reply, arrays = found[index]
        if "error" in reply:
            decoded.append({"error": str(reply["error"])[:500]})
        else:
            after = reply.get("args_after", [])
            decoded.append(
                {
                    "got": decode(reply.get("got"), arrays),
                    "args_after": tuple(decode(a, arrays) for a in (after if isinstance(after, list) else [])),
                }
            )
    return decoded


def _load_array(text: str) -> np.ndarray | None:
    """One array from its base64 ``.npy`` text; None when it is not a plain numeric array."""
    try:
        array = np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)
    except (ValueError, OSError, EOFError, binascii.Error):
        return None
    return array if isinstance(array, np.ndarray) and array.dtype.kind in "biuf" else None
