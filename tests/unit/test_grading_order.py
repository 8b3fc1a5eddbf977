"""`course grade` hands the pool the heaviest weeks' submissions first, so that a batch ends on short
notebooks rather than on one long one while the other workers idle."""

from __future__ import annotations

from course.grading.grade import longest_first
from course.grading.payload import Payload
from course.grading.time_limits import METADATA_KEY


def payload(student: str, week: str, reference_seconds: float | None) -> tuple[str, Payload]:
    metadata = {} if reference_seconds is None else {"course": {METADATA_KEY: {"reference_total": reference_seconds}}}
    key = {"notebooks": {f"{week}.ipynb": {"metadata": metadata, "cells": []}}}
    return f"digest of {student}/{week}", Payload(student, week, {}, key, 0)


def test_heaviest_weeks_first_and_each_weeks_order_kept():
    todo = [
        payload("ada", "w01", 4.7),
        payload("ada", "w05", 15.2),
        payload("ben", "w01", 4.7),
        payload("ben", "w05", 15.2),
        payload("cy", "w03", 5.2),
    ]
    order = [(p.student, p.week) for _, p in longest_first(todo)]
    assert order == [("ada", "w05"), ("ben", "w05"), ("cy", "w03"), ("ada", "w01"), ("ben", "w01")]


def test_a_week_built_before_limits_were_measured_goes_last():
    todo = [payload("ada", "w00", None), payload("ada", "w01", 4.7)]
    assert [p.week for _, p in longest_first(todo)] == ["w01", "w00"]
