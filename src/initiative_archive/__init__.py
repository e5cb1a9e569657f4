"""initiative-archive: clause-level search, recurrence and citation for the texts of
international library cooperation.

The public API: open an ``Archive`` over a corpus folder and an index folder, then ``search``,
``show``, ``documents`` and ``ingest``. Records are ``Document``, ``Clause``, ``Hit``.
"""

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any  # noqa: E402

from .errors import ArchiveError  # noqa: E402
from .model import Clause, Document, Hit, SearchResult  # noqa: E402

if TYPE_CHECKING:
    from .archive import Archive, Filters


def __getattr__(name: str) -> Any:
    """``Archive`` and ``Filters`` load Whoosh: import them when first asked for, so that
    ``initiative-archive --help`` does not pay for it."""
    if name in ("Archive", "Filters"):
        from . import archive

        return getattr(archive, name)
    raise AttributeError(f"module 'initiative_archive' has no attribute {name!r}")

__all__ = ["Archive", "ArchiveError", "Clause", "Document", "Filters", "Hit", "SearchResult",
           "__version__"]
