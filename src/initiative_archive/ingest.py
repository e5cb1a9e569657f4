"""Files -> corpus documents: read, decode, give metadata, refuse what cannot be archived.

Each file is judged on its own: a bad file is refused with its reason and never stops the
others, and a document already archived changes only with ``replace``. Accepted documents are
written to the corpus (atomically) and the index is updated once at the end.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import KINDS, Corpus, content_hash, normalise_date, valid_doc_id
from .errors import ArchiveError, IngestError
from .language import detect_lang
from .model import Document
from .readers import HTML, MARKDOWN, PLAIN, read_source

ISO_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LANGS = re.compile(r"^(en|zh|zh-Hans|zh-Hant|und|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")


@dataclass
class Overrides:
    """Metadata given on the command line; it wins over what the file says."""

    id: str | None = None
    title: str | None = None
    date: str | None = None
    lang: str | None = None
    kind: str | None = None

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}


@dataclass
class Outcome:
    """What happened to one file: archived, replaced, unchanged or rejected."""

    path: str
    status: str
    doc_id: str = ""
    reason: str = ""
    clauses: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and the readable files inside folders (sorted, hidden ones skipped)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path)))
        else:
            out.append(path)
    return out


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return s


def build_document(path: Path, overrides: Overrides) -> tuple[Document, list[str]]:
    """Read one file into a Document; IngestError says why it cannot be."""
    source = read_source(path)
    meta = {k: v for k, v in source.meta.items() if v not in (None, "")}
    meta.update(overrides.given())
    body = _tidy(source.body)
    if not body.strip():
        raise IngestError(f"{path.name}: no text after reading it as {source.format}")
    doc_id = str(meta.get("id") or slug(path.stem) or f"doc-{_short_hash(body)}")
    if not valid_doc_id(doc_id):
        raise IngestError(f"{path.name}: invalid id {doc_id!r}",
                          "use lower-case letters, digits, '.', '-' and '_' (no '/' or '..')")
    title = str(meta.get("title") or _first_line_title(body) or path.stem)
    date = normalise_date(meta.get("date"))
    if date and not ISO_DATE.match(date):
        raise IngestError(f"{path.name}: date {date!r} is not ISO 8601 (YYYY, YYYY-MM or "
                          "YYYY-MM-DD)")
    lang = str(meta.get("lang") or detect_lang(body))
    kind = str(meta.get("kind") or "other")
    if kind not in KINDS:
        raise IngestError(f"{path.name}: unknown kind {kind!r}", f"use one of {', '.join(KINDS)}")
    source_meta = dict(meta.get("source") or {}) if isinstance(meta.get("source"), dict) else {}
    source_meta.setdefault("file", path.name)
    source_meta["encoding"] = source.encoding
    source_meta["format"] = source.format
    extra = {k: v for k, v in meta.items()
             if k not in ("id", "title", "date", "lang", "kind", "source", "aliases", "issuer")}
    doc = Document(id=doc_id, title=title, body=body, date=date, lang=lang, kind=kind,
                   issuer=str(meta.get("issuer") or ""), aliases=list(meta.get("aliases") or []),
                   source=source_meta, meta=extra)
    return doc, source.notes


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\ufeff", "").split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _first_line_title(body: str) -> str:
    for line in body.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else ""
    return ""


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def ingest_files(corpus: Corpus, paths: list[Path], overrides: Overrides,
                 replace: bool = False) -> list[Outcome]:
    """Archive each file into the corpus; the caller updates the index afterwards."""
    files = expand_paths(paths)
    if overrides.id and len(files) > 1:
        raise IngestError("--id names one document, but several files were given",
                          "ingest them one at a time, or leave --id out")
    existing = {d.id: d for d in corpus.documents()}
    by_hash = {content_hash(d.body): d.id for d in existing.values()}
    outcomes = []
    for path in files:
        outcomes.append(_ingest_one(corpus, path, overrides, replace, existing, by_hash))
    return outcomes


def _ingest_one(corpus: Corpus, path: Path, overrides: Overrides, replace: bool,
                existing: dict[str, Document], by_hash: dict[str, str]) -> Outcome:
    shown = str(path)
    if path.suffix.lower() not in MARKDOWN + PLAIN + HTML and path.is_file():
        return Outcome(shown, "rejected", reason=f"{path.suffix} files are not read "
                       "(give .md, .txt or .html)")
    try:
        doc, notes = build_document(path, overrides)
        clauses = corpus.clauses(doc)
        if not clauses:
            raise IngestError(f"{path.name}: no clauses found")
        digest = content_hash(doc.body)
        old = existing.get(doc.id)
        if old is not None and content_hash(old.body) == digest:
            return Outcome(shown, "unchanged", doc.id, clauses=len(clauses))
        if old is not None and not replace:
            raise IngestError(f"id {doc.id!r} is already taken by other content",
                              "give another --id, or --replace to revise it")
        twin = by_hash.get(digest)
        if twin is not None and twin != doc.id:
            raise IngestError(f"same text as the archived document {twin!r} (duplicate)")
        corpus.write(doc)
    except ArchiveError as exc:
        return Outcome(shown, "rejected", reason=exc.message.removeprefix(f"{path.name}: "))
    except (OSError, ValueError, RecursionError) as exc:
        return Outcome(shown, "rejected", reason=f"cannot read: {exc}")
    existing[doc.id] = doc
    by_hash[digest] = doc.id
    status = "replaced" if old is not None else "archived"
    return Outcome(shown, status, doc.id, clauses=len(clauses), notes=notes)
