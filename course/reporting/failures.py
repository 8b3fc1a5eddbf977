"""Why points were lost, across a class: one line per mistake, with how many students made it.

Each lost point has a reason in autograded/<student>/<week>/.course-grade.json (course/grading/record.py).
The same mistake reads differently for each student (the values, the random cases and the shapes
differ), so a reason is first reduced to what it says about the code: the function, the output,
the kind of failure and the case it first showed on. For example

    "CheckFailed: softmax_cross_entropy, case 5 of 14 (large logits around 1000, integer labels;
     inputs array(3, 5), int64 array(3,)): `loss` is wrong (1 of 1 values differ): expected
     1.580277891, got nan. Your result overflowed or divided by zero here."

becomes  softmax_cross_entropy · `loss` overflowed or divided by zero · at "large logits around
1000, integer labels". Reasons that cost no point (a restored cell, a note) are not failures.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

# "<function>, case k of n (<label>; inputs <shapes>)[ vs numerical gradient]: <what>"
CASE = re.compile(
    r"^(?P<subject>[^,:]+?), case \d+ of \d+ \((?P<label>.*?); inputs .*?\)"
    r"(?P<numerical> vs numerical(?: gradient)?)?: (?P<what>.*)$",
    re.S,
)
# "<where>: `<name>` ..." (a visible test's assert_close, or a check named after its output)
NAMED = re.compile(r"^(?P<subject>[^`]+?): (?P<what>`.*)$", re.S)
EXCEPTION = re.compile(r"^(?P<name>[A-Z]\w*(?:Error|Exception|Failed|Warning)|[A-Z]\w*Interrupt): (?P<rest>.*)$", re.S)
# Notes appended to a reason (course/grading/cells.py) that say how the problem was graded, not what is wrong.
GRADED_NOTE = re.compile(r"(?:; )?its (?:cell|test cell|points)\b.*?(?:and graded)$")
NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?(?![\w])", re.I)
RANDOM_LABEL = re.compile(r"\d+\.\d{3,}")  # a case drawn at random names its values (x0 = 1.234)


@dataclass(frozen=True)
class Failure:
    """What one lost point says about the code, reduced so that equal mistakes compare equal."""

    kind: str  # what went wrong, without values ("overflowed or divided by zero")
    function: str = ""  # the student's function, when the reason names it
    output: str = ""  # which of its outputs, when it has several
    case: str = ""  # the case it first showed on ("" when the case says nothing shared)


@dataclass
class Group:
    """One mistake (the same kind of failure of the same problem) and everyone who made it."""

    week: str
    problem: str
    kind: str
    subject: str = ""  # the function (or the problem) it is about
    output: str = ""
    case: str = ""  # the case it showed on most often
    students: list[str] = field(default_factory=list)
    example: str = ""  # one full reason, as a student reads it

    @property
    def count(self) -> int:
        return len(self.students)

    @property
    def what(self) -> str:
        output = f"`{self.output}` " if self.output else ""
        return output + self.kind + (f" at {self.case}" if self.case else "")

    def line(self) -> str:
        plural = "student" if self.count == 1 else "students"
        return f"{self.subject}: {self.what} — {self.count} {plural}"


def strip_grading_note(reason: str) -> str:
    """The reason without the note on a restored cell that course/grading/verdict.py may append."""
    return GRADED_NOTE.sub("", reason).strip()


def numbers_out(text: str) -> str:
    return NUMBER.sub("…", text)


def first_sentence(text: str, limit: int = 90) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    cut = re.split(r"(?<=[^\s.])\.(?:\s|$)", text, maxsplit=1)[0]
    return cut if len(cut) <= limit else cut[: limit - 1].rstrip() + "…"


def kind_of(what: str) -> str:
    """What went wrong, in a few words that do not depend on a student's values."""
    prefix = ""
    if "overflowed or divided by zero" in what:
        return prefix + "overflowed or divided by zero"
    if "opposite sign" in what:
        return prefix + "has the wrong sign"
    if "transpose" in what:
        return prefix + "is transposed"
    factor = re.search(r"exactly ([\d.e+-]+) × the expected one: ([^.]*)", what)
    if factor:
        return prefix + f"is off by a constant factor ({factor.group(2).rstrip('?')}?)"
    if re.match(r"`[^`]+` is wrong\b", what):
        return prefix + "gives wrong values"
    if re.match(r"`[^`]+` has shape\b", what):
        return prefix + "has the wrong shape"
    returned = re.match(r"`[^`]+` is a (?P<type>[\w.]+)", what)
    if returned:
        kind = (
            "returned None (a missing `return`?)"
            if returned.group("type") == "NoneType"
            else f"returned a {returned.group('type')}, not numbers"
        )
        return kind
    if re.match(r"`[^`]+` has dtype", what):
        return prefix + "is not floating-point"
    if "could not be read as an array" in what:
        return prefix + "is a ragged list"
    raised = re.match(r"raised (?P<name>\w+)", what)
    if raised:
        return f"raised {raised.group('name')}"
    if "changed its input array in place" in what:
        return "changed its input in place"
    tuple_ = re.match(r"expected a tuple \((?P<outputs>[^)]*)\), got (?P<type>[\w.]+)", what)
    if tuple_:
        return f"returned {tuple_.group('type')} instead of a tuple ({tuple_.group('outputs')})"
    answers = re.match(r"\d+ of \d+ answers? (?:is|are) not right yet", what)
    if answers:
        return "answers worked out by hand are not right yet"
    if "not implemented yet" in what:
        return "not implemented yet"
    if re.search(r"calls \S+, the reference", what):
        return "calls the reference it is graded against"
    if re.search(r"calls \S+, which does the exercise itself", what):
        return "calls a library function that does the exercise itself"
    return numbers_out(first_sentence(what))


def output_of(what: str, function: str) -> str:
    named = re.match(r"`(?P<name>[^`]+)`", what)
    return named.group("name") if named and named.group("name") != function else ""


def classify(reason: str) -> Failure:
    """Reduce one lost point's reason (see the module docstring) to a :class:`Failure`."""
    text = strip_grading_note(reason)
    exception = EXCEPTION.match(text)
    ours = not exception or exception.group("name") in ("CheckFailed", "AssertionError")
    body = exception.group("rest") if exception and ours else text
    case = CASE.match(body) if ours else None
    if case:
        function, what = case.group("subject").strip(), case.group("what")
        kind = kind_of(what) + (" (against the numerical gradient)" if case.group("numerical") else "")
        label = case.group("label").strip()
        return Failure(kind, function, output_of(what, function), "" if RANDOM_LABEL.search(label) else label)
    named = NAMED.match(body) if ours else None
    if named:  # a visible test: "<what it checks>: `<what it checks>` is wrong ..."
        numerical = " vs numerical" in named.group("subject")
        return Failure(kind_of(named.group("what")) + (" (against the numerical gradient)" if numerical else ""))
    own = re.match(
        r"^(?P<function>\w+) "
        r"(?P<what>(?:is not implemented yet|calls \S+, (?:the reference|which does the exercise)).*)$",
        body,
        re.S,
    )
    if own:
        return Failure(kind_of(own.group("what")), own.group("function"))
    if text.startswith("not implemented yet"):
        return Failure("not implemented yet")
    if exception:
        message = first_sentence(exception.group("rest"), 70)
        detail = numbers_out(message) if exception.group("name") != "NameError" else message
        return Failure(f"{exception.group('name')}: {detail}" if detail else exception.group("name"))
    return Failure(numbers_out(first_sentence(text)))


def group_failures(lost: list[tuple[str, str, str, str]]) -> list[Group]:
    """Group (week, student, problem, reason) by mistake: the same kind of failure of the same
    problem, whichever case showed it and whether the visible test or the grader's cases caught
    it. Largest groups first within a week; each student counts once."""
    groups: dict[tuple[str, str, str], Group] = {}
    seen: dict[tuple[str, str, str], dict[str, Counter]] = {}
    for week, student, problem, reason in lost:
        failure = classify(reason)
        key = (week, problem, failure.kind)
        group = groups.setdefault(key, Group(week, problem, failure.kind, example=strip_grading_note(reason)))
        counts = seen.setdefault(key, {"function": Counter(), "output": Counter(), "case": Counter()})
        for name in counts:
            if getattr(failure, name):
                counts[name][getattr(failure, name)] += 1
        if student not in group.students:
            group.students.append(student)
    for key, group in groups.items():
        counts = seen[key]
        common = {name: counts[name].most_common(1)[0][0] if counts[name] else "" for name in counts}
        group.subject = common["function"] or group.problem.removeprefix("test_")
        group.output = common["output"] if common["output"] != group.subject else ""
        group.case = common["case"]
        group.students.sort()
    return sorted(groups.values(), key=lambda g: (g.week, -g.count, g.subject, g.kind))


def group_notes(noted: list[tuple[str, str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(note with its values taken out, [(week, student), ...]) for notes that cost no point."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for week, student, note in noted:
        grouped.setdefault(numbers_out(note), []).append((week, student))
    return sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))
