"""The files the grader and the student's kernel exchange, in one place for both sides.

The grader writes the calls it wants into the submission's scratch directory:
``requests.npz`` (the array arguments) and ``requests.json`` (for each call: the check,
the student's function, the case label, which arguments are arrays, the plain ones and
the keyword arguments). After the notebook has run, course/harness.py (inside the
kernel) makes the calls and writes ``responses.npz`` and ``responses.json``: for each
call either ``{"error": message}`` or ``{"got": node, "args_after": [node, ...]}``,
where a node is ``{"array": key}``, ``{"tuple": [node, ...]}`` or ``{"foreign": type
name}``. The grader reads the arrays with ``allow_pickle=False``: no object made by
student code ever reaches it.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REQUESTS, RESPONSES = "requests", "responses"


# --------------------------------------------------------------------------- grader -> kernel

def write_requests(requests: list, directory: Path) -> None:
    """``requests``: course.types.Request objects."""
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
        described.append({"check": request.check, "function": request.function, "label": request.case.label,
                          "array_args": array_args, "plain_args": plain_args, "kwargs": request.case.kwargs})
    np.savez(Path(directory) / f"{REQUESTS}.npz", **arrays)
    (Path(directory) / f"{REQUESTS}.json").write_text(json.dumps(described))


def read_requests(directory: str) -> list[tuple[str, str, object]]:
    """[(check name, function name, Case)] in the order the grader asked (kernel side)."""
    from helpers.grading import Case

    with open(f"{directory}/{REQUESTS}.json") as handle:
        described = json.load(handle)
    inputs = np.load(f"{directory}/{REQUESTS}.npz", allow_pickle=False)
    calls = []
    for request in described:
        args = tuple(inputs[key] if key is not None else value
                     for key, value in zip(request["array_args"], request["plain_args"]))
        calls.append((request["check"], request["function"],
                      Case(request["label"], args, request.get("kwargs", {}))))
    return calls


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


def write_responses(replies: list[dict], arrays: dict, directory: str) -> None:
    np.savez(f"{directory}/{RESPONSES}.npz", **arrays)
    with open(f"{directory}/{RESPONSES}.json", "w") as handle:
        json.dump(replies, handle)


def read_responses(directory: Path, count: int) -> list[dict] | None:
    """[{"error": message} or {"got": value, "args_after": (value, ...)}], values decoded to arrays,
    tuples or :class:`helpers.grading.Foreign`; None when the files are missing or malformed."""
    from helpers.grading import Foreign

    try:
        replies = json.loads((Path(directory) / f"{RESPONSES}.json").read_text())
        arrays = dict(np.load(Path(directory) / f"{RESPONSES}.npz", allow_pickle=False))
    except Exception:
        return None
    if not isinstance(replies, list) or len(replies) != count:
        return None

    def decode(node):
        if not isinstance(node, dict):
            return Foreign("unreadable")
        if "tuple" in node and isinstance(node["tuple"], list):
            return tuple(decode(n) for n in node["tuple"])
        if "array" in node and node["array"] in arrays:
            return arrays[node["array"]]
        return Foreign(str(node.get("foreign", "unreadable"))[:40])

    decoded = []
    for reply in replies:
        if not isinstance(reply, dict):
            decoded.append({"error": "the harness reply was unreadable"})
        elif "error" in reply:
            decoded.append({"error": str(reply["error"])[:500]})
        else:
            decoded.append({"got": decode(reply.get("got")),
                            "args_after": tuple(decode(a) for a in reply.get("args_after", []))})
    return decoded
