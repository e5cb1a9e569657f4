"""How much work one file may ask of a reader, counted as the reader goes.

A few kilobytes can unfold into hours of work: a .docx with 30,000 styles, or 200,000 empty
paragraphs; a PDF whose page tree shares one page 90,000 times. Bytes alone do not bound that,
so each reader charges what it does (paragraphs, styles, pages, content-stream operations)
to a ``Meter`` and stops with a one-line refusal naming the limit as soon as one is spent.

The defaults come from measurement (pypdf extracts 12,000-50,000 content-stream operations a
second; real text pages hold 150-400 of them; python-docx reads about 70,000 paragraphs a
second), so a file is answered or refused within about ten seconds. Every limit is a field of
``ingest.Limits`` too, so the command line can raise it for a genuine file.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import IngestError


@dataclass(frozen=True)
class Budget:
    """The work one file may ask of its reader."""

    max_pages: int = 2_000  # PDF pages, counted in the page tree before any is read
    max_operations: int = 200_000  # PDF content-stream operations, over all pages
    max_paragraphs: int = 50_000  # Word paragraphs, empty ones and table cells included
    max_styles: int = 5_000  # Word styles and list definitions

    def meter(self, what: str, where: str) -> Meter:
        limit, option, noun = _LIMITS[what](self)
        return Meter(limit, noun, option, where)


DEFAULT_BUDGET = Budget()

_LIMITS = {
    "pages": lambda b: (b.max_pages, "--max-pages", "pages"),
    "operations": lambda b: (b.max_operations, "--max-pdf-operations",
                             "content-stream operations"),
    "paragraphs": lambda b: (b.max_paragraphs, "--max-paragraphs", "paragraphs"),
    "styles": lambda b: (b.max_styles, "--max-styles", "styles and list definitions"),
}


class Meter:
    """A running count against one limit; ``charge`` refuses the file once it is spent."""

    def __init__(self, limit: int, noun: str, option: str, where: str) -> None:
        self.limit, self.noun, self.option, self.where = limit, noun, option, where
        self.used = 0

    def charge(self, n: int = 1) -> None:
        self.used += n
        if self.used > self.limit:
            raise IngestError(f"{self.where}: more than {self.limit:,} {self.noun}, over the "
                              f"limit", f"raise it with {self.option} if the file is genuine")

    def __call__(self, *_: object) -> None:
        """pypdf calls a visitor once per content-stream operation."""
        self.charge()
