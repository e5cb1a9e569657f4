"""Retired clause ids: what an id meant before a document was revised.

A clause id depends only on the document and its structure, so it is stable across rebuilds and
re-ingests of the same text. When a revision (``ingest --replace``) removes a clause or puts other
words under an id, the old words are recorded in ``corpus/history/<doc_id>.yaml`` with where they
went, so that ``show OLD_ID`` can say so instead of silently showing another clause.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .model import Clause, Document


def history_path(corpus_root: Path, doc_id: str) -> Path:
    return corpus_root / "history" / f"{doc_id}.yaml"


def retired_clauses(old: Document, new: Document) -> list[dict[str, Any]]:
    """Ids whose words the revision removed or changed, and where those words are now."""
    from .clauses import split_clauses  # loaded by ingest, not by every search

    before = split_clauses(old.body, old.id, old.lang)
    after_clauses = split_clauses(new.body, new.id, new.lang)
    after = {c.id: c.text for c in after_clauses}
    retired = []
    for clause in before:
        cid, text = clause.id, clause.text
        if after.get(cid) == text:
            continue
        retired.append({"id": cid, "status": "changed" if cid in after else "removed",
                        "text": text, "now_at": _where_now(clause, after_clauses)})
    return retired


def _where_now(clause: Clause, after: list[Clause]) -> str | None:
    """Where a clause's words are after a revision: a clause with the same words, preferring
    one of the same kind (a bullet's words, not a heading that repeats them)."""
    same = [c for c in after if c.text == clause.text]
    alike = [c for c in same if (c.role, c.unit) == (clause.role, clause.unit)]
    return (alike or same)[0].id if same else None


def revision_history(corpus_root: Path, old: Document, new: Document) -> bytes | None:
    """The history file once this revision is recorded (the ids it retires, and the copy of
    the source the old text came from); None when it retires nothing."""
    retired = retired_clauses(old, new)
    if not retired:
        return None
    data = load_history(corpus_root, new.id)
    data.setdefault("doc_id", new.id)
    revision: dict[str, Any] = {"date": dt.date.today().isoformat(), "retired": retired}
    if old.source.get("file"):
        revision["previous_source"] = old.source["file"]
    data.setdefault("revisions", []).append(revision)
    import yaml  # loaded when a history is written, not by every search

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def load_history(corpus_root: Path, doc_id: str) -> dict[str, Any]:
    path = history_path(corpus_root, doc_id)
    if not path.is_file():
        return {}
    import yaml  # loaded when a history is read, not by every search

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, ValueError) as exc:
        raise CorpusError(f"{path.name}: the revision history cannot be read: "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                          "fix or remove the file in corpus/history/") from None
    return data if isinstance(data, dict) else {}


def retirements(corpus_root: Path, clause_id: str) -> list[dict[str, Any]]:
    """Every recorded retirement of this id, oldest first, each with its revision date."""
    doc_id = clause_id.split("/", 1)[0]
    out = []
    for revision in load_history(corpus_root, doc_id).get("revisions") or []:
        for entry in revision.get("retired") or []:
            if entry.get("id") == clause_id:
                out.append({**entry, "date": revision.get("date")})
    return out
