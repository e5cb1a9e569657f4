"""How much one file may ask of an ingest: a record of its own, light enough for the CLI to
print the limits in ``--help`` without loading the readers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .readers.budget import Budget

MAX_BYTES = 20 * 1024 * 1024  # the readers refuse larger files before reading them


@dataclass(frozen=True)
class Limits:
    """How much one file may ask of an ingest."""

    max_bytes: int = MAX_BYTES
    max_lines: int = 10_000
    max_line_chars: int = 100_000
    max_clauses: int = 5_000
    # Work a reader may do (readers.budget.Budget has the same defaults, and the reasons)
    max_pages: int = 2_000
    max_pdf_operations: int = 200_000
    max_paragraphs: int = 50_000
    max_styles: int = 5_000

    def budget(self) -> Budget:
        from .readers.budget import Budget

        return Budget(self.max_pages, self.max_pdf_operations, self.max_paragraphs,
                      self.max_styles)


DEFAULT_INGEST_LIMITS = Limits()
