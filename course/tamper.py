"""Spot code that attacks the grading run instead of answering the exercise.

The trusted comparison already stops forged results from earning points; this scan
names the attack, so the instructor reads "tampering: rewrites how the notebook runs"
rather than a bare zero, and zeroes the whole notebook, since such code attacks every
problem at once. Tricks that only fool one comparison (an object whose ``==`` is always
true, NaN) are left to the judge, so the honest problems beside them keep their points.
A static scan cannot see every dynamic route (``getattr`` with built strings); those
meet the sandbox and the judge instead. It reads only code the student wrote (solution cells, and cells
that are not in the release), with comments removed.
"""
from __future__ import annotations

import io
import re
import tokenize

PATTERNS = [
    (r"input_transformers|ast_transformers|\.events\.register|register_magic|set_custom_exc|"
     r"run_cell|showtraceback|InteractiveShell|get_ipython", "rewrites how the notebook runs"),
    (r"\bsys\.modules\b|importlib|__import__|__builtins__|\bimport\s+builtins\b|\bbuiltins\.", "tampers with modules or builtins"),
    (r"helpers\s*\.\s*(grading|tripwire)|\bfrom\s+helpers\.(grading|tripwire)\b|\btripwire\b|\.unguarded\b|"
     r"\bCHECKS\b|\bcourse\.(harness|worker)\b|\bharness\b", "tampers with the grader"),
    (r"__closure__|__wrapped__|__globals__|__code__|__dict__|cell_contents|\bvars\(|\bglobals\(\)\s*\[",
     "reaches into other code's internals"),
    (r"\b(np|numpy)(\.\w+)+\s*=[^=]|setattr\(\s*(np|numpy)\b", "monkeypatches numpy"),
    (r"\bos\._exit\b|\bos\.kill\b|\bsys\.exit\b|\bsignal\.|\bexit\(\)|\bquit\(\)|\bos\.abort\b", "stops the kernel"),
    (r"gradebook|submitted|autograded|\bsource/|\.\./|os\.walk|['\"]/", "reaches outside its own folder"),
    (r"\bctypes\b|\bsubprocess\b|\bos\.system\b|\bos\.popen\b|\bsocket\b|\bos\.exec|\bpty\b", "runs code outside Python"),
]
COMPILED = [(re.compile(p), reason) for p, reason in PATTERNS]


def strip_comments(source: str) -> str:
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type != tokenize.COMMENT]
        return tokenize.untokenize(tokens)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return "\n".join(line.split("#", 1)[0] for line in source.splitlines())


def scan(source: str) -> str | None:
    """The first reason this code looks like an attack, or None."""
    code = strip_comments(source)
    for pattern, reason in COMPILED:
        match = pattern.search(code)
        if match:
            return f"{reason} ({match.group(0).strip()!r})"
    return None
