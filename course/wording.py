"""How the command's messages say a count: "1 submission", "3 submissions"."""


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, with an s unless the count is 1."""
    return f"{count} {noun}{'s' * (count != 1)}"
