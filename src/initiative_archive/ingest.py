"""Files -> corpus documents: read, decode, give metadata, refuse what cannot be archived.

Each file is judged on its own: a bad file is refused with its reason and never stops the
others, and a document already archived changes only with ``replace``. The same text under
another name is refused as a duplicate. Accepted documents are written to the corpus
(atomically, one ingest at a time); the caller updates the index once at the end.

Limits keep one hostile file from holding an ingest for minutes (each refusal names its limit):
a file of at most ``max_bytes`` (20 MB), a document of at most 10,000 non-blank lines and 5,000
clauses, and no line of more than 100,000 characters.

Ids come from ``--id``, the front matter, or the file name: its ASCII letters and digits, with a
short hash of the name when it is written in another script (``doc-1a2b3c4d`` for a Chinese
name), so every name gives a valid id and the same name always gives the same one.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corpus import (
    ISO_DATE,
    KINDS,
    LANG_TAG,
    Corpus,
    content_hash,
    document_from_text,
    normalise_date,
    render_document,
    valid_doc_id,
)
from .errors import ArchiveError, CorpusError, IngestError
from .language import detect_lang
from .limits import DEFAULT_INGEST_LIMITS, Limits
from .locking import LOCK_WAIT_SECONDS, file_lock
from .model import Clause, Document
from .names import name_clash
from .readers import SourceText, read_source, tidy_body, unsupported
from .textclean import strip_controls

_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LABELS_ONLY = re.compile(r"^[\W\d_第条章节款项编一二三四五六七八九十百千零〇两]*$")


@dataclass
class Overrides:
    """Metadata given on the command line; it wins over what the file says."""

    id: str | None = None
    title: str | None = None
    date: str | None = None
    lang: str | None = None
    kind: str | None = None

    def given(self) -> dict[str, str]:
        """The options given, without control characters (a terminal would obey them)."""
        return {k: strip_controls(v) for k, v in self.__dict__.items() if v}


@dataclass
class Outcome:
    """What happened to one file: archived, replaced, unchanged or rejected (with the reason
    and a hint of what to do). ``notes`` say what was cleaned on the way in."""

    path: str
    status: str
    doc_id: str = ""
    reason: str = ""
    hint: str = ""
    clauses: int = 0
    encoding: str = ""
    format: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


HIDDEN = "a hidden"  # dot-files and dot-folders of an ingested folder: skipped, and said so


def _candidates(paths: list[Path]) -> list[tuple[Path, str]]:
    """Each file with the reason it will not be read ('' when it may be). Inside a folder,
    links are not followed out of it and folders that are links are not entered."""
    out: list[tuple[Path, str]] = []
    seen: set[str] = set()
    for path in paths:
        if not path.is_dir():
            out.append((path, ""))  # a link named on the command line is the user's choice
            continue
        root = Path(os.path.realpath(path))  # realpath: a link loop is no error
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            out += [(here / d, f"{HIDDEN} folder (not entered)") for d in sorted(dirs)
                    if d.startswith(".")]
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(dirs):
                if (here / name).is_symlink():
                    out.append((here / name, "a link to a folder (not followed)"))
            for name in sorted(files):
                hidden = name.startswith(".")
                out.append((here / name, f"{HIDDEN} file (not read)" if hidden
                            else _link_escape(here / name, root)))
    real = {os.path.realpath(p) for p, reason in out if not reason and not p.is_symlink()}
    unique = []
    for path, reason in out:  # each file once: a link to a file also given is dropped
        key = os.path.realpath(path) if not reason else str(path)
        if key in seen or (path.is_symlink() and not reason and key in real):
            continue
        seen.add(key)
        unique.append((Path(key) if path.is_symlink() and not reason else path, reason))
    return unique  # links resolved here, once: a file swapped for a link later is not read


def _link_escape(path: Path, root: Path) -> str:
    if not path.is_symlink():
        return ""
    target = Path(os.path.realpath(path))
    if target != root and root not in target.parents:
        return "a link to a file outside the folder (not followed)"
    return ""


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by '-' (accents folded: 'é' -> 'e')."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:60].strip("-")


def id_from_name(stem: str) -> str:
    """A valid document id for a file name; a name in another script keeps a short hash of
    itself so that two Chinese names never share an id."""
    base = slug(stem)
    folded = unicodedata.normalize("NFKD", stem)
    lost = any(ch.isalnum() and not ch.isascii() for ch in folded
               if not unicodedata.combining(ch))
    if base and not lost:
        return base
    digest = hashlib.sha256(stem.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{base}-{digest}" if base else f"doc-{digest}"


def printable_name(name: str) -> str:
    """A file name fit to print and store: undecodable bytes as U+FFFD, control characters
    escaped, so no name can forge a line of a report."""
    name = os.fsencode(name).decode("utf-8", errors="replace")
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", name)


def build_document(path: Path, overrides: Overrides,
                   limits: Limits = DEFAULT_INGEST_LIMITS) -> tuple[Document, SourceText]:
    """Read one file into a Document; IngestError says why it cannot be."""
    where = path.name
    source = read_source(path, limits.max_bytes, limits.budget())
    meta = {k: v for k, v in source.meta.items() if v not in (None, "")}
    meta.update(overrides.given())
    body = tidy_body(source.body)
    if body != source.body and source.provenance.get("pages"):
        raise IngestError(f"{where}: page ranges do not match the text (a reader bug)")
    if not any(ch.isalnum() for ch in body):
        raise IngestError(f"{where}: no words in it after reading it as {source.format}")
    check_shape(body, where, limits)
    doc_id = str(meta.get("id") or id_from_name(path.stem))
    if not valid_doc_id(doc_id):
        raise IngestError(f"{where}: invalid id {doc_id!r}",
                          "use lower-case letters, digits, '.', '-' and '_' (no '/' or '..')")
    title = " ".join(str(meta.get("title") or _first_line_title(body) or path.stem).split())
    date = normalise_date(meta.get("date"))
    if date and not ISO_DATE.match(date):
        raise IngestError(f"{where}: date {date!r} is not ISO 8601 (YYYY, YYYY-MM or "
                          "YYYY-MM-DD)")
    lang = str(meta.get("lang") or detect_lang(body))
    if not LANG_TAG.match(lang):
        raise IngestError(f"{where}: language {lang!r} is not a language tag",
                          "use en, zh-Hans or zh-Hant")
    kind = str(meta.get("kind") or "other")
    if kind not in KINDS:
        raise IngestError(f"{where}: unknown kind {kind!r}", f"use one of {', '.join(KINDS)}")
    doc = Document(id=doc_id, title=title, body=body, date=date, lang=lang, kind=kind,
                   issuer=str(meta.get("issuer") or ""), aliases=_aliases(meta.get("aliases")),
                   source=_provenance(path, meta, source), meta=_extra(meta))
    return doc, source


def check_shape(body: str, where: str, limits: Limits) -> None:
    """Refuse a body too long in lines, or with a line too long, before it is split."""
    lines = 0
    for n, line in enumerate(body.split("\n"), 1):
        if len(line) > limits.max_line_chars:
            raise IngestError(f"{where}: line {n} has {len(line):,} characters, over the limit "
                              f"of {limits.max_line_chars:,} per line",
                              "is it text? break it into paragraphs")
        if line.strip():
            lines += 1
    if lines > limits.max_lines:
        raise IngestError(f"{where}: {lines:,} lines, over the limit of {limits.max_lines:,} "
                          "lines per document", "split it into several documents")


def _provenance(path: Path, meta: dict[str, Any], source: SourceText) -> dict[str, Any]:
    given = meta.get("source")
    provenance = dict(given) if isinstance(given, dict) else {}
    provenance.setdefault("file", printable_name(path.name))
    if source.encoding:
        provenance["encoding"] = source.encoding
    provenance["format"] = source.format
    provenance.update(source.provenance)
    return provenance


def _aliases(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    values = value if isinstance(value, list) else [value]
    return [str(v) for v in values if v not in (None, "")]


def _extra(meta: dict[str, Any]) -> dict[str, Any]:
    core = ("id", "title", "date", "lang", "kind", "source", "aliases", "issuer")
    return {k: v for k, v in meta.items() if k not in core}


def _first_line_title(body: str) -> str:
    for line in body.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 120 else ""
    return ""


@dataclass(frozen=True)
class Archived:
    """What a new document is checked against of one already archived: its id and names
    (``names.name_clash``), the hash of its text (a copy under another id is refused), and
    its file (read whole only when the new document would revise it)."""

    id: str
    title: str
    aliases: tuple[str, ...]
    body_hash: str
    relpath: str

    @classmethod
    def of(cls, doc: Document, relpath: str) -> Archived:
        return cls(doc.id, doc.title, tuple(doc.aliases), content_hash(doc.body), relpath)

    def names(self) -> list[str]:
        return [self.id, self.title, *self.aliases]


def archived_documents(corpus: Corpus, indexed: dict[str, dict] | None = None
                       ) -> dict[str, Archived]:
    """Every readable document of the corpus by id (the last file wins, as in
    ``Corpus.documents``). A file whose stat is what the index recorded (``indexed``:
    ``Engine.indexed_files``) is known from that record; any other is read: ingesting one
    file into an archive of thousands then reads one file, not every one."""
    found: dict[str, Archived] = {}
    for f in corpus.files():
        record = (indexed or {}).get(f.relpath) or {}
        if (f.stat_is(record.get("file_stat")) and record.get("doc_id")
                and isinstance(record.get("doc_aliases"), list)):
            found[record["doc_id"]] = Archived(
                record["doc_id"], str(record.get("doc_title") or ""),
                tuple(record["doc_aliases"]), str(record.get("doc_hash") or ""), f.relpath)
            continue
        try:
            doc = corpus.read_file(f.relpath)
        except CorpusError:
            continue  # as Corpus.documents: a file that cannot be read holds no document
        found[doc.id] = Archived.of(doc, f.relpath)
    return found


def ingest_files(corpus: Corpus, paths: list[Path], overrides: Overrides,
                 replace: bool = False, limits: Limits = DEFAULT_INGEST_LIMITS,
                 indexed: Callable[[], dict[str, dict]] | None = None) -> list[Outcome]:
    """Archive each file into the corpus; the caller updates the index afterwards.
    ``indexed`` gives the index's records of the corpus files (``archived_documents``)."""
    files = _candidates(paths)
    if overrides.id and len(files) > 1:
        raise IngestError("--id names one document, but several files were given",
                          "ingest them one at a time, or leave --id out")
    check_corpus_folder(corpus)
    with corpus_lock(corpus.root):
        existing = archived_documents(corpus, indexed() if indexed is not None else None)
        by_hash = {d.body_hash: d.id for d in existing.values()}
        outcomes = []
        for path, refusal in files:
            if refusal:
                status = "skipped" if refusal.startswith(HIDDEN) else "rejected"
                outcomes.append(Outcome(printable_name(str(path)), status, reason=refusal))
                continue
            outcomes.append(_ingest_one(corpus, path, overrides, replace, limits, existing,
                                        by_hash))
    return outcomes


def _ingest_one(corpus: Corpus, path: Path, overrides: Overrides, replace: bool, limits: Limits,
                existing: dict[str, Archived], by_hash: dict[str, str]) -> Outcome:
    outcome = Outcome(printable_name(str(path)), "rejected")
    try:
        refusal = unsupported(path)
        if refusal is not None:
            raise refusal
        doc, source = build_document(path, overrides, limits)
        outcome.encoding, outcome.format = source.encoding or "", source.format
        outcome.notes = list(source.notes)
        clauses = _clauses(corpus, doc, limits, path.name)
        outcome.doc_id, outcome.clauses = doc.id, len(clauses)
        digest = content_hash(doc.body)
        known = existing.get(doc.id)
        old = corpus.read_file(known.relpath) if known is not None else None
        if old is not None and same_revision(old, doc):
            outcome.status = "unchanged"
            return outcome
        _check_free(corpus, doc, old, replace, by_hash.get(digest))
        _check_names(doc, existing)
        _check_readable(doc, path.name)
        doc.source["original_name"] = doc.source.get("file", printable_name(path.name))
        written = corpus.write(doc, source.raw, path.suffix)
    except ArchiveError as exc:
        outcome.reason = exc.message.removeprefix(f"{path.name}: ")
        outcome.hint = exc.hint
        return outcome
    except OSError as exc:
        outcome.reason = f"cannot read or write it: {exc.strerror or exc}"
        return outcome
    except RecursionError:
        outcome.reason = "nested too deeply to read"
        return outcome
    except Exception as exc:  # one file's surprise must not stop the others: say what it was
        outcome.reason = f"unexpected {type(exc).__name__}: {exc}"
        outcome.hint = "please report it"
        return outcome
    existing[doc.id] = Archived.of(doc, written.relative_to(corpus.root).as_posix())
    by_hash[digest] = doc.id
    outcome.status = "replaced" if old is not None else "archived"
    return outcome


def _clauses(corpus: Corpus, doc: Document, limits: Limits, where: str) -> list[Clause]:
    clauses = corpus.clauses(doc)
    if not clauses:
        raise IngestError(f"{where}: no clauses found")
    if all(_LABELS_ONLY.match(c.text) for c in clauses):
        raise IngestError(f"{where}: no clauses found: only numbering labels, no text")
    if len(clauses) > limits.max_clauses:
        raise IngestError(f"{where}: {len(clauses):,} clauses, over the limit of "
                          f"{limits.max_clauses:,} per document",
                          "split it into several documents")
    return clauses


def _check_free(corpus: Corpus, doc: Document, old: Document | None, replace: bool,
                twin: str | None) -> None:
    """May ``doc`` be written? Not over other content without ``replace``, not over a file
    the corpus cannot read, not as a copy of another document, not under the id of a
    catalogued third-party text (which only ``fetch`` brings in)."""
    entry = corpus.catalog().find(doc.id)
    if entry is not None:
        raise IngestError(f"id {doc.id!r} is a catalogued text ({entry.title})",
                          f"run 'initiative-archive fetch {doc.id}' for it, or give another id")
    if old is not None and not replace:
        raise IngestError(f"id {doc.id!r} is already taken by other content",
                          "give another id (--id, or 'id:' in front matter), or --replace to "
                          "revise it")
    if old is None and corpus.path_for(doc.id).exists():
        raise IngestError(f"documents/{doc.id}.md exists but cannot be read",
                          "fix or remove it first ('initiative-archive check' says what is "
                          "wrong)")
    if twin is not None and twin != doc.id:
        raise IngestError(f"same text as the archived document {twin!r} (a duplicate)")


def same_revision(old: Document, new: Document) -> bool:
    """Same words and same metadata: where the copy of the source is kept aside."""
    return content_hash(old.body) == content_hash(new.body) and _metadata(old) == _metadata(new)


def _metadata(doc: Document) -> dict[str, Any]:
    front = doc.front_matter()
    source = {k: v for k, v in front.pop("source", {}).items()
              if k not in ("file", "original_name")}
    return {**front, "source": source}


def _check_names(doc: Document, existing: dict[str, Archived]) -> None:
    """An alias may not be another document's name, nor a name another document's alias:
    ``show``, ``cite`` and ``--doc`` would then land on the wrong one."""
    for other in existing.values():
        if other.id == doc.id:
            continue
        clash = name_clash(doc, other) or name_clash(other, doc)
        if clash:
            raise IngestError(f"{clash}: the names of two documents would collide",
                              "choose another alias")


def _check_readable(doc: Document, where: str) -> None:
    """The corpus reader must accept what ingest writes: read the rendered file back."""
    try:
        document_from_text(render_document(doc), where)
    except CorpusError as exc:
        raise IngestError(exc.message.removeprefix(f"{where}: "), exc.hint) from None


def check_corpus_folder(corpus: Corpus) -> None:
    """Refuse to write through a documents/ folder that leads outside the corpus."""
    documents = corpus.documents_dir
    if not (documents.exists() or documents.is_symlink()):
        return
    root = corpus.root.resolve()
    target = documents.resolve()
    if root not in target.parents or not target.is_dir():
        raise IngestError(f"{documents} leads to {target}, outside the corpus: refusing to "
                          "write there", "make documents/ a real folder inside the corpus")


def corpus_lock(root: Path, wait: float = LOCK_WAIT_SECONDS):
    """One ingest at a time writes to a corpus (the index has its own lock)."""
    return file_lock(root / ".ingest.lock",
                     f"the corpus in {root} is busy: another ingest is writing to it", wait)
