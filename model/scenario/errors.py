"""Located scenario errors: file, line, key path, what was expected, a suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ScenarioError(Exception):
    """Bad scenario input, located: file, line, key path, what was expected, a suggestion."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        path: str | None = None,
    ):
        self.message, self.file, self.line, self.path = message, file, line, path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = shown(self.file, 200) if self.file else "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        key = f" {shown(self.path, 120)}:" if self.path else ""
        message = " ".join(str(self.message).splitlines())
        return f"{where}:{key} {message}"


MAX_SHOWN_ERRORS = 20
"""Errors printed at once; the rest are counted (a file of 100k unknown keys)."""


class ScenarioErrors(ScenarioError):
    """Several located errors found at once (the first :data:`MAX_SHOWN_ERRORS` are shown)."""

    def __init__(self, errors: list[ScenarioError]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, first.file, first.line, first.path)

    def __str__(self) -> str:
        lines = [str(e) for e in self.errors[:MAX_SHOWN_ERRORS]]
        if len(self.errors) > MAX_SHOWN_ERRORS:
            lines.append(f"... and {len(self.errors) - MAX_SHOWN_ERRORS:,} more errors")
        return "\n".join(lines)


def shown(text: object, limit: int = 60) -> str:
    """``text`` as it may appear in a message: one line, at most ``limit`` characters."""
    flat = repr(str(text))[1:-1] if any(c < " " or c == "\x7f" for c in str(text)) else str(text)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def suggest(word: str, options: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), [str(o) for o in options], n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
