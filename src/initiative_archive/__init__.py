"""initiative-archive: clause-level search, recurrence and citation for the texts of
international library cooperation.

The public API: open an ``Archive`` over a corpus folder and an index folder, then ``search``,
``show``, ``documents`` and ``ingest``. Records are ``Document``, ``Clause``, ``Hit``.
"""

__version__ = "0.1.0"

from .archive import Archive, Filters  # noqa: E402
from .errors import ArchiveError  # noqa: E402
from .model import Clause, Document, Hit, SearchResult  # noqa: E402

__all__ = ["Archive", "ArchiveError", "Clause", "Document", "Filters", "Hit", "SearchResult",
           "__version__"]
