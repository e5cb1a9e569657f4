"""``check``: validate the corpus before anyone relies on it.

Front matter against the schema (required keys, ISO dates, known kinds and languages), unique
document and clause ids, no empty clause, every link (a document's meeting, a meeting's adopted
documents, a series' meetings, translation_of) resolving, every source file named in provenance
present. Each problem is one line naming the file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, audit_catalog
from .corpus import ISO_DATE, KINDS, LANG_TAG, Corpus, valid_doc_id
from .errors import CorpusError
from .meetings import load_records
from .names import name_clash

_REPEATED = re.compile(r"^(.*/[a-z]+_\d+)_\d+$")  # op_1_2: the splitter's second op_1
DOC_REQUIRED = ("id", "title", "lang", "kind", "source")  # a date may be unknown
#: The keys a document's front matter may have (corpus/README.md), and which hold text.
_DATES = ("date", "adopted", "promulgated", "amended", "in_force")
_TEXT = ("id", "title", "title_en", "title_en_note", "lang", "kind", "issuer", "issuer_en",
         "author", "author_family", "author_given", "place", "meeting", "official_page",
         "translation_of")
DOC_KEYS = {*_TEXT, *_DATES, "aliases", "versions", "participants", "source", "catalogued"}
_SOURCE_TEXT = ("file", "locator", "title", "author", "date", "url", "upstream_origin",
                "retrieved", "rights", "official_page", "repository", "commit", "upstream_path",
                "sha256", "encoding", "format", "original_name", "previous_file")
SOURCE_KEYS = {*_SOURCE_TEXT, "notes", "citation", "pages", "page_count", "paragraphs"}
_CITATION_TEXT = ("id", "title", "title_sentence", "author_family", "author_given", "publisher",
                  "medium", "locator", "part")
_PARTICIPANTS_TEXT = ("count_qualifier", "description", "note")
PARTICIPANTS_KEYS = {*_PARTICIPANTS_TEXT, "count", "nations", "delegations"}
MEETING_REQUIRED = ("id", "series", "title")  # a date may be unknown to every source


@dataclass
class CheckReport:
    """What ``check`` found: every problem, one line each, and how many documents and
    meeting records it read."""

    problems: list[str] = field(default_factory=list)
    documents: int = 0
    meetings: int = 0


def check_corpus(root: Path) -> list[str]:
    """Every problem found, one line each; an empty list means the corpus is sound."""
    return audit_corpus(root).problems


def audit_corpus(root: Path) -> CheckReport:
    """Every problem found, and what was read: the corpus is sound when there is no
    problem."""
    corpus = Corpus(root)
    problems: list[str] = []
    if not corpus.documents_dir.is_dir():
        return CheckReport([f"{root}: no documents/ folder"])
    docs = []
    for f in corpus.files():
        try:
            doc = corpus.read_file(f.relpath)
        except CorpusError as exc:
            problems.append(exc.message)
            continue
        docs.append(doc)
    catalog_found, catalog = audit_catalog(root)
    problems += catalog_found + _fetched_problems(root, catalog)
    records = load_records(root)
    problems += [p.message for p in records.problems]
    meeting_ids = {m.id for m in records.meetings}
    doc_ids: dict[str, str] = {}
    for doc in docs:
        problems += _check_document(corpus, doc, meeting_ids)
        if doc.id in doc_ids:
            problems.append(f"{doc.path}: document id {doc.id!r} is also used by "
                            f"{doc_ids[doc.id]}")
        doc_ids.setdefault(doc.id, doc.path)
    for n, doc in enumerate(docs):
        for other in docs[n + 1:]:
            clash = name_clash(doc, other) or name_clash(other, doc)
            if clash:
                problems.append(f"{doc.path}: {clash} (the names of two documents collide)")
    for doc in docs:
        target = doc.meta.get("translation_of")
        if target and target not in doc_ids:
            problems.append(f"{doc.path}: translation_of {target!r} is not a document")
    seen: dict[str, str] = {}
    for record in records.meetings + records.series:
        if record.id in seen:
            problems.append(f"{record.path}: id {record.id!r} is also used by {seen[record.id]}")
        seen.setdefault(record.id, record.path)
        if Path(record.path).stem != record.id:
            problems.append(f"{record.path}: file name does not match id {record.id!r}")
        problems += _check_statements(record.path, record.data)
    for meeting in records.meetings:
        problems += _check_meeting(meeting.path, meeting.data, doc_ids)
    for series in records.series:
        for mid in series.data.get("meetings") or []:
            if mid not in meeting_ids:
                problems.append(f"{series.path}: meeting {mid!r} is not a meeting record")
    return CheckReport(problems, len(docs), len(records.meetings))


def _check_document(corpus: Corpus, doc, meeting_ids: set[str]) -> list[str]:
    where = doc.path
    front = doc.front_matter()
    out = [f"{where}: front matter lacks {key!r}" for key in DOC_REQUIRED if not front.get(key)]
    out += _schema_problems(where, front)
    if not valid_doc_id(doc.id):
        out.append(f"{where}: invalid document id {doc.id!r}")
    if Path(where).stem != doc.id:
        out.append(f"{where}: file name does not match id {doc.id!r}")
    if doc.date and not ISO_DATE.match(doc.date):
        out.append(f"{where}: date {doc.date!r} is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD)")
    for key in (k for k in _DATES if k != "date"):  # date has its own line above
        value = doc.meta.get(key)
        if value and not ISO_DATE.match(str(value)):
            out.append(f"{where}: {key} {value!r} is not an ISO 8601 date")
    if doc.kind not in KINDS:
        out.append(f"{where}: unknown kind {doc.kind!r} (one of {', '.join(KINDS)})")
    if not LANG_TAG.match(doc.lang):
        out.append(f"{where}: language {doc.lang!r} is not a BCP 47 tag such as en or zh-Hans")
    source_file = doc.source.get("file")
    if source_file and not (corpus.root / str(source_file)).is_file():
        out.append(f"{where}: source file {source_file!r} is not in the corpus")
    meeting = doc.meta.get("meeting")
    if meeting and meeting not in meeting_ids:
        out.append(f"{where}: meeting {meeting!r} is not a meeting record")
    clauses = corpus.clauses(doc)
    if not clauses:
        out.append(f"{where}: no clauses found in the body")
    ids: set[str] = set()
    for clause in clauses:
        if clause.id in ids:
            out.append(f"{where}: clause id {clause.id!r} occurs twice")
        ids.add(clause.id)
        repeat = _REPEATED.match(clause.id)
        if repeat and repeat.group(1) in ids:
            out.append(f"{where}: numbering repeats: {clause.label or 'a label'} occurs again; "
                       f"the second is {clause.id!r}")
        if not clause.text.strip():
            out.append(f"{where}: clause {clause.id!r} is empty")
    return out


def _fetched_problems(root: Path, catalog: Catalog) -> list[str]:
    """A fetched text whose bytes are no longer the catalogue's, or a transcription whose text
    is gone: fetch again. ``catalog`` holds the sound entries only (audit_catalog names the
    others)."""
    out = []
    for entry in catalog.entries:
        source, document = catalog.source_path(entry), catalog.document_path(entry)
        if not source.is_file():
            if document.is_file():
                out.append(f"{document.relative_to(root)}: its source {entry.file} is missing "
                           f"(run 'initiative-archive fetch {entry.id}')")
            continue
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != entry.sha256:
            out.append(f"{source.relative_to(root)}: SHA-256 {digest} is not the catalogue's "
                       f"(run 'initiative-archive fetch {entry.id}')")
    return out


def _check_meeting(where: str, data: dict, doc_ids: dict[str, str]) -> list[str]:
    out = [f"{where}: lacks {key!r}" for key in MEETING_REQUIRED if not data.get(key)]
    for key in ("date", "end_date"):
        if data.get(key) and not ISO_DATE.match(str(data[key])):
            out.append(f"{where}: {key} {data[key]!r} is not an ISO 8601 date")
    for doc_id in data.get("adopted") or []:
        if doc_id not in doc_ids:
            out.append(f"{where}: adopted document {doc_id!r} is not in the corpus")
    return out


def _check_statements(where: str, data: dict) -> list[str]:
    out = []
    for n, statement in enumerate(data.get("statements") or [], 1):
        if not isinstance(statement, dict):
            out.append(f"{where}: statement {n} is not a mapping")
            continue
        missing = [k for k in ("about", "says", "source") if not statement.get(k)]
        if missing:
            out.append(f"{where}: statement {n} lacks {', '.join(missing)}")
    return out


def _schema_problems(where: str, front: dict) -> list[str]:
    """Unknown keys, and text fields (titles, names, notes, ...) that YAML did not read as
    text: an unquoted note with ": " in it is a mapping, a bare number is a number."""
    out = [f"{where}: unknown key {key!r} in the front matter" for key in front
           if key not in DOC_KEYS]
    out += _text_problems(where, front, _TEXT, "")
    for key in ("aliases", "versions"):
        out += _list_problems(where, front.get(key), key)
    participants = front.get("participants")
    if isinstance(participants, dict):
        out += [f"{where}: unknown key 'participants.{k}'" for k in participants
                if k not in PARTICIPANTS_KEYS]
        out += _text_problems(where, participants, _PARTICIPANTS_TEXT, "participants.")
        out += _list_problems(where, participants.get("nations"), "participants.nations")
    elif participants is not None:
        out.append(f"{where}: 'participants' is not a mapping")
    source = front.get("source")
    if not isinstance(source, dict):
        return out + ([f"{where}: 'source' is not a mapping"] if source is not None else [])
    out += [f"{where}: unknown key 'source.{k}'" for k in source if k not in SOURCE_KEYS]
    out += _text_problems(where, source, tuple(k for k in _SOURCE_TEXT if k != "url"),
                          "source.")
    if source.get("url") is not None and not isinstance(source.get("url"), str):
        out.append(f"{where}: 'source.url' is not text (null or an address)")
    out += _list_problems(where, source.get("notes"), "source.notes")
    citation = source.get("citation")
    if isinstance(citation, dict):
        out += [f"{where}: unknown key 'source.citation.{k}'" for k in citation
                if k not in _CITATION_TEXT]
        out += _text_problems(where, citation, _CITATION_TEXT, "source.citation.")
    elif citation is not None:
        out.append(f"{where}: 'source.citation' is not a mapping")
    return out


def _text_problems(where: str, data: dict, keys: tuple[str, ...], prefix: str) -> list[str]:
    return [f"{where}: '{prefix}{key}' is {_what(data[key])}, not text (quote it in YAML)"
            for key in keys if key in data and data[key] is not None
            and not isinstance(data[key], str)]


def _list_problems(where: str, value, key: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [f"{where}: '{key}' is {_what(value)}, not a list"]
    return [f"{where}: '{key}' entry {n} is {_what(v)}, not text (quote it in YAML: a "
            "': ' inside unquoted text makes a mapping)"
            for n, v in enumerate(value, 1) if not isinstance(v, str)]


def _what(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return f"a {type(value).__name__}"
