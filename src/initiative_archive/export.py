"""The whole archive as one dataset: documents, clauses with ids and labels, meetings.

Every record carries the archive's version and the dataset's digest (a hash over every
document's text and every meeting record), so a study can cite the exact dataset it used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from . import __version__
from .corpus import Corpus, content_hash
from .meetings import load_records
from .render import json_safe

CSV_COLUMNS = ["record", "id", "doc_id", "parent", "label", "locator", "role", "unit", "lang",
               "date", "kind", "title", "text", "archive_version", "dataset"]


def dataset_digest(corpus: Corpus) -> str:
    digest = hashlib.sha256()
    for doc in sorted(corpus.documents(), key=lambda d: d.id):
        digest.update(f"{doc.id}:{content_hash(doc.body)}\n".encode())
    for record in sorted(load_records(corpus.root).meetings, key=lambda m: m.id):
        data = json_safe(record.data)  # YAML's sets, bytes and dates hash as their JSON
        digest.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def export_records(corpus: Corpus) -> Iterator[dict[str, Any]]:
    """The dataset as flat records, in a stable order: documents with their clauses, then
    meetings and series."""
    stamp = {"archive_version": __version__, "dataset": dataset_digest(corpus)}
    for doc in sorted(corpus.documents(), key=lambda d: d.id):
        yield {"record": "document", "id": doc.id, "doc_id": doc.id, "title": doc.title,
               "date": doc.date, "kind": doc.kind, "lang": doc.lang,
               "front_matter": doc.front_matter(), **stamp}
        for clause in corpus.clauses(doc):
            yield {"record": "clause", **clause.to_dict(), "id": clause.id, "date": doc.date,
                   "kind": doc.kind, "title": doc.title, **stamp}
    records = load_records(corpus.root)
    for meeting in sorted(records.meetings, key=lambda m: m.id):
        yield {"record": "meeting", **meeting.to_dict(), "title": meeting.title, **stamp}
    for series in sorted(records.series, key=lambda s: s.id):
        yield {"record": "series", **series.to_dict(), "title": series.title, **stamp}
