"""Named exceptions and the `Problem` record every check reports.

The library raises; only the CLI turns an exception into a message and an exit code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data: what, where, what was expected, how to fix it.

    `code` is stable (tests and users rely on it); `file` is relative to the repository root.
    """

    file: str
    article_id: str
    annotation_id: str
    region_id: str
    code: str
    message: str
    expected: str = ""
    field: str = ""
    hint: str = ""
    line: int = 0  # 1-based line in `file` when known (GitHub annotations point there)

    def location(self) -> str:
        parts = [self.file or "-"]
        if self.article_id:
            parts.append(f"article {self.article_id}")
        if self.annotation_id:
            parts.append(f"annotation {self.annotation_id}")
        if self.region_id:
            parts.append(f"region {self.region_id}")
        return ", ".join(parts)

    def render(self) -> str:
        text = f"{self.location()}: [{self.code}] {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.field:
            text += f" [schema: {self.field}]"
        if self.hint:
            text += f" — {self.hint}"
        return text

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def problem(code: str, message: str, *, file: str = "", article_id: str = "",
            annotation_id: object = "", region_id: object = "", expected: str = "",
            field: str = "", hint: str = "", line: int = 0) -> Problem:
    """Build a `Problem`, turning ids of any type into strings."""
    return Problem(
        file=str(file), article_id=str(article_id or ""),
        annotation_id="" if annotation_id is None else str(annotation_id),
        region_id="" if region_id is None else str(region_id),
        code=code, message=message, expected=expected, field=field, hint=hint, line=line,
    )


class PourparlersError(Exception):
    """Base of every error the CLI reports as `Error: …` with exit code 1."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.hint = hint


class IngestError(PourparlersError):
    """An article could not be ingested (unreadable, duplicate, bad metadata)."""


class InvalidData(PourparlersError):
    """The data failed validation; `problems` lists every failure found."""

    def __init__(self, problems: list[Problem], hint: str = "run `pourparlers validate` for details"):
        super().__init__(f"{len(problems)} problem(s) found in the data", hint)
        self.problems = problems


class BuildError(PourparlersError):
    """A release could not be built."""
