"""The corpus folder, the archive's source of truth.

Layout::

    corpus/documents/<id>.md    one document: YAML front matter, then the text itself
    corpus/meetings/<id>.yaml   one meeting record
    corpus/series/<id>.yaml     one meeting series
    corpus/sources/             the files the documents were transcribed from
    corpus/catalog.yaml         third-party texts known by metadata only (see catalog.py)
    corpus/external/            those texts once fetched, and their transcriptions (git-ignored)

Files are human-readable and diffable; everything else (the index) is derived from them.
Writes go to a temporary file first and are renamed into place, so a crash never leaves half a
document.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .atomic import ensure_folder, write_atomic
from .catalog import CATALOG_FILE, EXTERNAL_DIR, Catalog, Entry, load_catalog
from .errors import AmbiguousNameError, CorpusError, NotFoundError
from .language import name_key
from .model import ISO_DATE, KINDS, Clause, Document  # noqa: F401 - corpus.KINDS too
from .names import resolve
from .textclean import strip_controls
from .yaml_text import load_yaml, yaml_events

LANG_TAG = re.compile(r"^(en|zh|zh-Hans|zh-Hant|und|[a-z]{2,3}(-[A-Za-z0-9]{2,8})*)$")  # BCP 47
DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
_CORE_KEYS = ("id", "title", "aliases", "date", "lang", "kind", "issuer", "source")


def valid_doc_id(doc_id: str) -> bool:
    """Ids name files: lower-case letters, digits, ``.-_``; never a path."""
    return bool(DOC_ID.match(doc_id)) and ".." not in doc_id


def normalise_date(value: Any) -> str:
    """YAML turns ``2012-09-11`` into a date and ``1979`` into an int: both back to ISO text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _plain(value: Any) -> Any:
    """YAML's values as plain data: dates as ISO text, and no control characters in any text
    (YAML's escapes, ``"\\e"`` among them, are decoded by now)."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return normalise_date(value)
    return value


def split_front_matter(text: str, where: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line number where the body starts). No front matter: ({}, text, 1)."""
    if not text.startswith("---"):
        return {}, text, 1
    import yaml  # PyYAML costs a search ~15 ms to import: only readers of YAML load it

    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            guard_yaml(raw, where)
            try:
                data = load_yaml(raw) or {}
            except ValueError as exc:  # e.g. date: 2012-02-30, which PyYAML cannot make a date
                raise CorpusError(f"{where}: broken front matter: {exc}",
                                  "fix the value (dates are YYYY-MM-DD)") from None
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = f" at line {mark.line + 2}" if mark is not None else ""
                problem = getattr(exc, "problem", None) or "not valid YAML"
                raise CorpusError(f"{where}: broken front matter{line}: {problem}",
                                  "fix the YAML between the '---' lines") from None
            if not isinstance(data, dict):
                raise CorpusError(f"{where}: front matter at line 2 is not a mapping of keys",
                                  "write it as 'key: value' lines")
            body = "\n".join(lines[i + 1:])
            return _plain(data), body, i + 2
    raise CorpusError(f"{where}: front matter opened at line 1 is never closed",
                      "end it with a line holding only '---'")


MAX_FRONT_MATTER_CHARS = 64 * 1024  # the largest shipped front matter is under 3 KiB
MAX_FRONT_MATTER_DEPTH = 20


def guard_yaml(raw: str, where: str) -> None:
    """Refuse front matter that would cost the loader more than a document's worth: too long
    (200,000 keys), aliases (a few lines that expand into gigabytes), deep nesting. Checked
    before loading, cheaply when the text has no alias or flow marks."""
    if len(raw) > MAX_FRONT_MATTER_CHARS:
        raise CorpusError(f"{where}: front matter of {len(raw):,} characters, over the limit "
                          f"of {MAX_FRONT_MATTER_CHARS:,}", "keep metadata short")
    if "*" not in raw and "&" not in raw and raw.count("[") + raw.count("{") < 50:
        indents = (len(line) - len(line.lstrip(" ")) for line in raw.split("\n"))
        if max(indents, default=0) < 2 * MAX_FRONT_MATTER_DEPTH:
            return
    import yaml

    depth = 0
    try:
        for event in yaml_events(raw):
            if isinstance(event, yaml.AliasEvent):
                raise CorpusError(f"{where}: front matter uses a YAML alias (*{event.anchor})",
                                  "write the value out instead of referring to an anchor")
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_FRONT_MATTER_DEPTH:
                    raise CorpusError(f"{where}: front matter is nested more than "
                                      f"{MAX_FRONT_MATTER_DEPTH} levels deep")
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the loader names the line of a syntax error


#: The YAML types each known key may take; anything else is a problem of that file alone.
DOCUMENT_TYPES: dict[str, tuple[type, ...]] = {
    "id": (str,), "title": (str, int, float), "aliases": (list, str), "date": (str, int),
    "lang": (str,), "kind": (str,), "issuer": (str,), "author": (str,), "source": (dict, str),
    "versions": (list,), "translation_of": (str,), "meeting": (str,), "place": (str,),
    "participants": (dict, list, str, int),
}


def expect_types(data: dict[str, Any], types: dict[str, tuple[type, ...]], where: str) -> None:
    """CorpusError for the first key whose value has a type the archive cannot use."""
    for key, allowed in types.items():
        value = data.get(key)
        if value is not None and not isinstance(value, allowed):
            names = " or ".join({list: "a list", dict: "a mapping", str: "text",
                                 int: "a number", float: "a number"}[t] for t in allowed)
            raise CorpusError(f"{where}: {key!r} should be {names}, not "
                              f"{type(value).__name__} {value!r}"[:200])
    for key in ("aliases", "versions", "adopted"):
        if isinstance(data.get(key), list) and not all(
                isinstance(v, str | int | float) for v in data[key]):
            raise CorpusError(f"{where}: {key!r} should be a list of names")


def document_from_text(text: str, where: str, fallback: dict[str, Any] | None = None) -> Document:
    """A document from Markdown with front matter; ``fallback`` fills keys it does not give."""
    front, body, _ = split_front_matter(text, where)
    data = {**(fallback or {}), **{k: v for k, v in front.items() if v not in (None, "")}}
    expect_types(data, DOCUMENT_TYPES, where)
    missing = [k for k in ("id", "title") if not data.get(k)]
    if missing:
        raise CorpusError(f"{where}: front matter lacks {', '.join(missing)}",
                          "add the missing keys")
    aliases = data.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    source = data.get("source") or {}
    if isinstance(source, str):
        source = {"note": source}
    return Document(
        id=str(data["id"]),
        title=str(data["title"]),
        body=body.strip("\n") + "\n",
        date=normalise_date(data.get("date")),
        lang=str(data.get("lang") or "und"),
        kind=str(data.get("kind") or "other"),
        issuer=str(data.get("issuer") or ""),
        aliases=[str(a) for a in aliases],
        source=source,
        meta={k: v for k, v in data.items() if k not in _CORE_KEYS},
        path=where,
    )


def render_document(doc: Document) -> str:
    """The corpus file for a document: front matter, a blank line, the body."""
    from .yaml_text import dump_yaml

    front = dump_yaml(doc.front_matter(), allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{front}---\n\n{doc.body.strip(chr(10))}\n"


def content_hash(body: str) -> str:
    """The identity of a text for 'unchanged' and duplicate checks: whitespace folded."""
    folded = " ".join(body.split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class CorpusFile:
    """A document file's name and stat, the cheap half of 'has it changed?'."""

    relpath: str
    mtime_ns: int
    size: int

    def stat_is(self, recorded) -> bool:
        """Whether ``recorded`` (an index's ``file_stat``: mtime_ns, size) is this stat."""
        return tuple(recorded or ()) == (self.mtime_ns, self.size)


class Corpus:
    """Reads and writes the corpus folder."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()  # once, here: every path below is compared to it
        self._loaded: tuple[list[CorpusFile], list[Document], list[CorpusError]] | None = None
        self._clauses: dict[tuple[str, str, str], list[Clause]] = {}
        self._catalog: tuple[tuple[int, int] | None, Catalog] | None = None

    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def folders(self) -> tuple[Path, ...]:
        """Where documents are: the committed ones, then the fetched catalogued texts."""
        return self.documents_dir, self.root / EXTERNAL_DIR / "documents"

    def files(self) -> list[CorpusFile]:
        """Every document file with its stat. Every search checks them all, so through
        os.scandir rather than Path.glob (the same files, in the same order, at a quarter of
        the cost)."""
        out = []
        for folder in self.folders:
            if not folder.is_dir():
                continue
            try:
                with os.scandir(folder) as entries:
                    names = sorted(e.name for e in entries if e.name.endswith(".md"))
            except PermissionError:  # as Path.glob: a folder that cannot be listed holds none
                continue
            prefix = folder.relative_to(self.root).as_posix()
            for name in names:
                stat = os.stat(os.path.join(folder, name))
                out.append(CorpusFile(f"{prefix}/{name}", stat.st_mtime_ns, stat.st_size))
        return out

    def read_file(self, relpath: str) -> Document:
        path = self.root / relpath
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{relpath}: not UTF-8 at byte {exc.start}",
                              "corpus files are UTF-8; re-ingest the original") from None
        except OSError as exc:
            raise CorpusError(f"{relpath}: cannot read: {exc.strerror}") from None
        return document_from_text(text.replace("\r\n", "\n"), relpath)

    def load(self) -> tuple[list[Document], list[CorpusError]]:
        """Every readable document, and a problem for each file that is not. Read once while
        the files stay as they are (a stat of each tells)."""
        files = self.files()
        if self._loaded is not None and self._loaded[0] == files:
            return list(self._loaded[1]), list(self._loaded[2])
        docs, problems = [], []
        for f in files:
            try:
                docs.append(self.read_file(f.relpath))
            except CorpusError as exc:
                problems.append(exc)
        self._loaded = (files, docs, problems)
        return list(docs), list(problems)

    def documents(self) -> list[Document]:
        docs, _ = self.load()
        return docs

    def find(self, name: str) -> Document:
        """A document by id, title or alias, a unique prefix or part of one, or a near
        spelling, in either script (see names.py)."""
        try:
            return resolve(name, self.documents(), Document.names, lambda d: d.id)
        except AmbiguousNameError:
            raise
        except NotFoundError as exc:
            entry = self.catalogued(name)
            if entry is not None:
                raise NotFoundError(f"{entry.id} ({entry.title}) is catalogued but not "
                                    "fetched yet", f"run 'initiative-archive fetch {entry.id}'"
                                    ) from None
            raise NotFoundError(f"{exc.message} in {self.root}", exc.hint) from None

    def catalog(self) -> Catalog:
        """The corpus's catalogue, read again only when its file changes."""
        path = self.root / CATALOG_FILE
        try:
            stat = path.stat()
            key: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        if self._catalog is None or self._catalog[0] != key:
            self._catalog = (key, load_catalog(self.root))
        return self._catalog[1]

    def catalogued(self, name: str) -> Entry | None:
        """The catalogue entry a name (id, title or alias) means, fetched or not."""
        wanted = name_key(name)
        for entry in self.catalog().entries:
            names = [entry.id, entry.title, *(entry.get("aliases") or [])]
            if name == entry.id or any(name_key(str(n)) == wanted for n in names):
                return entry
        return None

    def resolve_ids(self, names: list[str]) -> list[str]:
        return [self.find(name).id for name in names]

    def path_for(self, doc_id: str) -> Path:
        if not valid_doc_id(doc_id):
            raise CorpusError(f"invalid document id {doc_id!r}",
                              "use lower-case letters, digits, '.', '-' and '_'")
        path = (self.documents_dir / f"{doc_id}.md").resolve()
        if path.parent != self.documents_dir.resolve():
            raise CorpusError(f"document id {doc_id!r} would write outside {self.documents_dir}")
        return path

    def write(self, doc: Document, original: bytes | None = None, suffix: str = "") -> Path:
        """Write a document, with the copy of the file it was read from if given, as one
        revision: the copy lands under a name no other revision uses, then the record of the
        clause ids the revision retires, then the document itself. A failure on the way undoes
        what was written, so a document never loses its text or its source to half a
        revision."""
        from .history import history_path, revision_history

        path = self.path_for(doc.id)
        for folder in (path.parent, self.root / "sources", self.root / "history"):
            ensure_folder(folder, self.root)
        old = self.read_file(path.relative_to(self.root).as_posix()) if path.is_file() else None
        source, created = None, False
        if original is not None:
            source, created = self._source_copy(doc.id, original, suffix.lower())
            doc.source["file"] = source.relative_to(self.root).as_posix()
        record = history_path(self.root, doc.id)
        before = record.read_bytes() if record.is_file() else None
        try:
            if old is not None:
                after = revision_history(self.root, old, doc)
                if after is not None:
                    write_atomic(record, after)
            write_atomic(path, render_document(doc).encode("utf-8"))
        except BaseException:
            if source is not None and created:
                source.unlink(missing_ok=True)
            if before is None:
                record.unlink(missing_ok=True)
            elif record.read_bytes() != before:
                write_atomic(record, before)
            raise
        return path

    def _source_copy(self, doc_id: str, original: bytes, suffix: str) -> tuple[Path, bool]:
        """Where the copy of an ingested file goes, written there if new: ``sources/<id>``,
        or, when an earlier revision's copy holds that name, ``sources/<id>.<digest>``, so
        the earlier copy stays. Returns the path and whether this call created it."""
        digest = hashlib.sha256(original).hexdigest()[:12]
        plain = self.root / "sources" / f"{doc_id}{suffix}"
        for target in (plain, plain.with_name(f"{doc_id}.{digest}{suffix}")):
            held = target.read_bytes() if target.is_file() and not target.is_symlink() else None
            if held == original:
                return target, False
            if held is None:
                write_atomic(target, original)
                return target, True
        write_atomic(target, original)  # a digest-named copy with other bytes: replaced
        return target, True

    def clauses(self, doc: Document) -> list[Clause]:
        """A document's clauses, split once per text (citing many hits asks again and again)."""
        key = (doc.id, doc.lang, doc.body)
        if key not in self._clauses:
            from .clauses import split_clauses  # its patterns compile in ~10 ms

            self._clauses[key] = split_clauses(doc.body, doc.id, doc.lang)
        return list(self._clauses[key])
