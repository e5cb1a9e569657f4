"""The archive: a corpus folder and its index, behind one object.

``Archive`` is what the CLI and other programs use: it keeps the index in step with the corpus
before a search (building it when missing, updating what changed), resolves document names and
aliases, and reads documents and clauses back for ``show``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .corpus import Corpus
from .errors import ArchiveBusyError, NotFoundError
from .index import IndexStore, UpdateReport
from .model import Clause, Document, SearchResult
from .search import Explanation, Filters, explain, run_search

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class ClauseView:
    """A clause with its document and its neighbours: what ``show CLAUSE_ID`` prints."""

    document: Document
    clause: Clause
    ancestors: list[Clause] = field(default_factory=list)
    children: list[Clause] = field(default_factory=list)


class Archive:
    """A corpus and the index derived from it."""

    def __init__(self, corpus: Path | str, index: Path | str) -> None:
        self.corpus = Corpus(corpus)
        self.store = IndexStore(index)

    # -- index -----------------------------------------------------------------------------

    def index(self, rebuild: bool = False, progress: Progress = _quiet) -> UpdateReport:
        if rebuild:
            return self.store.rebuild(self.corpus, progress)
        return self.store.update(self.corpus, progress)

    def ensure_index(self, progress: Progress = _quiet) -> list[str]:
        """Bring the index up to date before a read; if another process is writing, answer
        from the last committed index. Returns notices worth telling the reader."""
        if self.store.is_fresh(self.corpus):
            return []
        wait = 0.0 if self.store.exists() else None
        try:
            report = self.store.update(self.corpus, progress, wait=wait)
        except ArchiveBusyError:
            return ["another process is writing the index: answering from the last committed "
                    "index"]
        return [f"warning: {p.message}" for p in report.problems]

    # -- reading ---------------------------------------------------------------------------

    def search(self, query: str, filters: Filters | None = None, limit: int | None = 10,
               match: str = "any", nested: bool = False,
               progress: Progress = _quiet) -> SearchResult:
        notices = self.ensure_index(progress)
        filters = filters or Filters()
        filters.docs = self.corpus.resolve_ids(filters.docs) if filters.docs else []
        result = run_search(self.store.open(), query, filters, limit, match, nested)
        result.notices = notices
        return result

    def explain(self, query: str, match: str = "any") -> Explanation:
        from .index import make_schema

        return explain(query, make_schema(), match)

    def documents(self) -> list[Document]:
        return self.corpus.documents()

    def document(self, name: str) -> Document:
        return self.corpus.find(name)

    def clauses(self, doc: Document) -> list[Clause]:
        return self.corpus.clauses(doc)

    def clause(self, clause_id: str) -> ClauseView:
        doc_id, _, path = clause_id.partition("/")
        doc = self.document(doc_id)
        clauses = self.clauses(doc)
        wanted = f"{doc.id}/{path}"
        by_id = {c.id: c for c in clauses}
        if wanted not in by_id:
            raise NotFoundError(f"no clause {clause_id!r} in {doc.id}",
                                f"run 'initiative-archive show {doc.id}' to list its clauses")
        clause = by_id[wanted]
        ancestors: list[Clause] = []
        parent = clause.parent
        while parent:
            ancestors.insert(0, by_id[parent])
            parent = by_id[parent].parent
        children = [c for c in clauses if c.parent == clause.id]
        return ClauseView(doc, clause, ancestors, children)
