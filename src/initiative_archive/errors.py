"""The archive's own exceptions.

Library code raises these; only the CLI turns them into an ``Error: ...`` line and an exit
status. Each carries a ``hint``: what the reader can do next.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base of every error the archive reports to a user (exit status 1, unless a subclass
    says otherwise)."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class CorpusError(ArchiveError):
    """A corpus file is malformed (front matter, encoding, fields)."""


class IngestError(ArchiveError):
    """A file offered to ``ingest`` cannot be archived."""


class QueryError(ArchiveError):
    """A search query cannot be parsed or run."""


class NotFoundError(ArchiveError):
    """A document or clause id is not in the archive."""


class IndexMissingError(ArchiveError):
    """There is no usable index and none could be built."""


class ArchiveBusyError(ArchiveError):
    """Another process holds the archive's write lock."""


class AmbiguousNameError(NotFoundError):
    """A name fits several documents: the user must say which (exit status 2, as for a usage
    error)."""

    exit_code = 2
