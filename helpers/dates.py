"""Human-written dates and their ISO form, for the character-level translator of week 10.

Every date is drawn from Python's ``datetime`` with a fixed seed and written in one of
:data:`FORMATS` ("25th of December 2026", "dec 25 26", "Friday, 25/12/2026", ...); the target is
always ``date.isoformat()`` ("2026-12-25", 10 characters). Some formats are held out of training
(:data:`HELD_OUT_FORMATS`) to see how far the model generalises. Nothing is downloaded.

Characters become integer ids through :data:`INPUT_CHARS` (id 0 is padding) and
:data:`OUTPUT_CHARS` (id 0 is the start symbol the decoder reads first).
"""

from __future__ import annotations

import datetime
import string

import numpy as np

__all__ = [
    "FORMATS",
    "HELD_OUT_FORMATS",
    "TRAINING_FORMATS",
    "INPUT_CHARS",
    "OUTPUT_CHARS",
    "OUTPUT_LENGTH",
    "write_date",
    "make_dates",
    "encode_inputs",
    "encode_outputs",
    "decode_outputs",
    "date_dataset",
]

FIRST, LAST = datetime.date(1950, 1, 1), datetime.date(2049, 12, 31)
MONTHS = [datetime.date(2000, m, 1).strftime("%B") for m in range(1, 13)]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


# name -> writer of a date; the names are what the notebook and the explorer show.
FORMATS = {
    "25th of December 2026": lambda d: f"{_ordinal(d.day)} of {MONTHS[d.month - 1]} {d.year}",
    "dec 25 26": lambda d: f"{MONTHS[d.month - 1][:3].lower()} {d.day} {d.year % 100:02d}",
    "Friday, 25/12/2026": lambda d: f"{DAYS[d.weekday()]}, {d.day}/{d.month}/{d.year}",
    "25/12/2026": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "25.12.2026": lambda d: f"{d.day}.{d.month}.{d.year}",
    "25.12.26": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",
    "2026/12/25": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    "December 25, 2026": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "Dec 25, 2026": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "25 Dec 2026": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "25 December 2026": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "25 december 26": lambda d: f"{d.day} {MONTHS[d.month - 1].lower()} {d.year % 100:02d}",
    "Fri 25 Dec 2026": lambda d: f"{DAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "Friday 25 December 2026": lambda d: f"{DAYS[d.weekday()]} {d.day} {MONTHS[d.month - 1]} {d.year}",
    "friday, december 25, 2026": lambda d: (
        f"{DAYS[d.weekday()].lower()}, {MONTHS[d.month - 1].lower()} {d.day}, {d.year}"
    ),
    "the 25th of december, 2026": lambda d: f"the {_ordinal(d.day)} of {MONTHS[d.month - 1].lower()}, {d.year}",
    "DECEMBER 25 2026": lambda d: f"{MONTHS[d.month - 1].upper()} {d.day} {d.year}",
    "25 DEC 2026": lambda d: f"{d.day} {MONTHS[d.month - 1][:3].upper()} {d.year}",
    "dec 25th 2026": lambda d: f"{MONTHS[d.month - 1][:3].lower()} {_ordinal(d.day)} {d.year}",
    "December 25th, 26": lambda d: f"{MONTHS[d.month - 1]} {_ordinal(d.day)}, {d.year % 100:02d}",
    "25-Dec-2026": lambda d: f"{d.day:02d}-{MONTHS[d.month - 1][:3]}-{d.year}",
    "2026 December 25": lambda d: f"{d.year} {MONTHS[d.month - 1]} {d.day}",
    "Fri, Dec 25, 2026": lambda d: f"{DAYS[d.weekday()][:3]}, {MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "25/12/26": lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}",
    "25 of december 2026": lambda d: f"{d.day} of {MONTHS[d.month - 1].lower()} {d.year}",
    "december 2026, the 25th": lambda d: f"{MONTHS[d.month - 1].lower()} {d.year}, the {_ordinal(d.day)}",
}
HELD_OUT_FORMATS = ("25 DEC 2026", "dec 25th 2026", "25-Dec-2026", "december 2026, the 25th")
TRAINING_FORMATS = tuple(name for name in FORMATS if name not in HELD_OUT_FORMATS)

INPUT_CHARS = "\0" + string.ascii_letters + string.digits + " ,./-"  # id 0: padding
OUTPUT_CHARS = "^0123456789-"  # id 0: the start symbol "^"
OUTPUT_LENGTH = 10  # "2026-12-25"
_IN = {c: i for i, c in enumerate(INPUT_CHARS)}


def write_date(date: datetime.date, fmt: str) -> str:
    """``date`` written in the format named ``fmt`` (a key of :data:`FORMATS`)."""
    return FORMATS[fmt](date)


def make_dates(n: int, seed: int, formats=TRAINING_FORMATS):
    """n (text, iso) pairs: uniform random days in 1950..2049, each in a random format of ``formats``."""
    rng = np.random.default_rng(seed)
    span = (LAST - FIRST).days + 1
    days = rng.integers(0, span, size=n)
    which = rng.integers(0, len(formats), size=n)
    pairs = []
    for day, k in zip(days, which):
        date = FIRST + datetime.timedelta(days=int(day))
        pairs.append((write_date(date, formats[k]), date.isoformat()))
    return pairs


def encode_inputs(texts, length=None):
    """(ids (N, T) int64, mask (N, T) float64): characters as ids of :data:`INPUT_CHARS`, padded with 0
    to the longest text (or ``length``). A character outside the alphabet raises ValueError."""
    texts = list(texts)
    longest = max(len(t) for t in texts) if length is None else int(length)
    ids = np.zeros((len(texts), longest), dtype=np.int64)
    for i, text in enumerate(texts):
        if not 1 <= len(text) <= longest:
            raise ValueError(f"text {text!r} must have 1 to {longest} characters")
        for j, c in enumerate(text):
            if c not in _IN or c == "\0":
                raise ValueError(f"character {c!r} of {text!r} is not in the input alphabet")
            ids[i, j] = _IN[c]
    return ids, (ids > 0).astype(np.float64)


def encode_outputs(isos):
    """(decoder_inputs, targets), both (N, 10) int64: targets the ids of the ISO characters, decoder
    inputs the same shifted right behind the start symbol (teacher forcing)."""
    targets = np.array([[OUTPUT_CHARS.index(c) for c in iso] for iso in isos], dtype=np.int64)
    inputs = np.concatenate([np.zeros((len(targets), 1), dtype=np.int64), targets[:, :-1]], axis=1)
    return inputs, targets


def decode_outputs(ids) -> list[str]:
    """Output ids (N, T) back to strings."""
    return ["".join(OUTPUT_CHARS[int(i)] for i in row) for row in np.asarray(ids)]


def date_dataset(n_train=6000, n_test=1000, seed=0, length=None):
    """A dict of arrays: train_ids, train_mask, train_inputs, train_targets, test_ids, ... and
    ``*_texts``/``*_isos`` lists. Training and test dates come from different seeds (a test pair that
    also occurs in training is possible but rare: 36,525 days × 22 formats)."""
    data = {}
    for part, n, part_seed in (("train", n_train, seed), ("test", n_test, seed + 10_000)):
        pairs = make_dates(n, part_seed)
        texts, isos = [p[0] for p in pairs], [p[1] for p in pairs]
        data[f"{part}_ids"], data[f"{part}_mask"] = encode_inputs(texts, length)
        data[f"{part}_inputs"], data[f"{part}_targets"] = encode_outputs(isos)
        data[f"{part}_texts"], data[f"{part}_isos"] = texts, isos
    return data
