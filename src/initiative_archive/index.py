"""The Whoosh index of clauses: schema, format version, atomic rebuild, incremental update.

Layout of the index folder::

    live -> gen-<ns>-<pid>/   the current generation (a relative symbolic link)
    gen-*/                    a Whoosh index plus FORMAT (the format it was built with)
    .lock                     held by whoever writes

A rebuild writes a new generation beside the live one and swaps the link with one rename, so a
reader sees the old index or the new one, never half of one; a killed rebuild leaves only a stray
folder, removed by the next writer. An incremental update writes into the live generation through
Whoosh's own commit (segments first, then a new table of contents). One writer at a time: the
others wait for the lock or, for a search, answer from the last committed index.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from . import __version__
from .analysis import ANALYSIS_VERSION, CHARS, SPELL, WORDS
from .corpus import Corpus, CorpusFile, content_hash
from .errors import CorpusError, IndexMissingError
from .locking import LOCK_WAIT_SECONDS, file_lock
from .model import Document

SCHEMA_VERSION = 3
#: What a damaged index raises when Whoosh reads it: truncated or missing files, bad pickles.
DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error,
          pickle.UnpicklingError, whoosh_index.EmptyIndexError)
INDEX_FORMAT = f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}"

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def make_schema() -> Schema:
    """One Whoosh document per clause, plus one per corpus file (``record: document``) that
    remembers the file's stat and hash, for incremental updates."""
    return Schema(
        key=ID(stored=True, unique=True),
        record=ID(stored=True),
        file=ID(stored=True),
        file_stat=STORED,
        doc_hash=ID(stored=True),
        clause_id=ID(stored=True),
        doc_id=ID(stored=True),
        doc_title=STORED,
        title=TEXT(analyzer=WORDS),
        date=ID(stored=True),
        lang=ID(stored=True),
        kind=ID(stored=True),
        role=ID(stored=True),
        unit=ID(stored=True),
        label=ID(stored=True),
        parent=ID(stored=True),
        ancestors=STORED,  # parent, grandparent, ...: ids alone do not say (sec_2/op_1)
        order=NUMERIC(stored=True, sortable=True),
        span=STORED,
        own_end=STORED,
        locator=STORED,
        text=TEXT(analyzer=WORDS, stored=True, phrase=True, multitoken_query="or"),
        chars=TEXT(analyzer=CHARS, phrase=True, multitoken_query="phrase"),
        spell=TEXT(analyzer=SPELL, phrase=False),
    )


@dataclass
class UpdateReport:
    """What an index run did, in documents."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    rebuilt: bool = False
    problems: list[CorpusError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # worth telling the reader, e.g. why rebuilt

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt)


def clause_records(doc: Document, corpus: Corpus, relpath: str) -> Iterator[dict]:
    names = " ".join(doc.names())
    clauses = corpus.clauses(doc)
    parents = {c.id: c.parent for c in clauses}
    for clause in clauses:
        yield {
            "key": clause.id,
            "record": "clause",
            "file": relpath,
            "clause_id": clause.id,
            "doc_id": doc.id,
            "doc_title": doc.title,
            "title": names,
            "date": doc.date,
            "lang": clause.lang,
            "kind": doc.kind,
            "role": clause.role,
            "unit": clause.unit,
            "label": clause.label,
            "parent": clause.parent or "",
            "ancestors": _ancestors(clause.id, parents),
            "order": clause.order,
            "span": list(clause.span),
            "own_end": clause.own_end,
            "locator": clause.locator,
            "text": clause.text,
            "chars": clause.text,
            "spell": clause.text,
        }


class IndexStore:
    """The index folder: open the live generation, rebuild it, update it, lock it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def live(self) -> Path:
        return self.root / "live"

    def exists(self) -> bool:
        return (self.live / "FORMAT").is_file()

    def format(self) -> str | None:
        try:
            return json.loads((self.live / "FORMAT").read_text("utf-8")).get("format")
        except (OSError, ValueError):
            return None

    def open(self):
        """The live Whoosh index; IndexMissingError when there is none or it is damaged."""
        if not self.exists():
            raise IndexMissingError(f"no index in {self.root}",
                                    "run 'initiative-archive index' to build it")
        try:
            ix = whoosh_index.open_dir(os.path.realpath(self.live))
            ix.doc_count()  # reads the table of contents and the segments' headers
        except DAMAGE as exc:
            raise IndexMissingError(f"the index in {self.root} is damaged "
                                    f"({type(exc).__name__}: {exc})",
                                    "run 'initiative-archive index --rebuild'") from None
        return ix

    # -- locking ---------------------------------------------------------------------------

    def lock(self, wait: float | None = LOCK_WAIT_SECONDS):
        """The index's write lock; ``wait=0`` fails at once, ``None`` waits forever."""
        return file_lock(self.root / ".lock",
                         f"the archive in {self.root} is busy: another process is writing", wait)

    # -- what changed ------------------------------------------------------------------------

    def indexed_files(self, ix=None) -> dict[str, dict]:
        """file -> its stored document record, from the live index."""
        ix = ix or self.open()
        try:
            with ix.searcher() as searcher:
                return {f["file"]: dict(f) for f in searcher.documents(record="document")}
        except DAMAGE as exc:
            raise IndexMissingError(f"the index in {self.root} is damaged ({exc})",
                                    "run 'initiative-archive index --rebuild'") from None

    @staticmethod
    def stale_files(corpus: Corpus, indexed: dict[str, dict]
                    ) -> tuple[list[CorpusFile], list[str]]:
        """(corpus files whose stat differs from the index's record, indexed files now gone).
        A file refused as broken has a record too, so it is not re-read until it changes."""
        files = corpus.files()
        changed = [f for f in files
                   if tuple((indexed.get(f.relpath) or {}).get("file_stat") or ())
                   != (f.mtime_ns, f.size)]
        gone = sorted(set(indexed) - {f.relpath for f in files})
        return changed, gone

    def is_fresh(self, corpus: Corpus) -> bool:
        if not self.exists() or self.format() != INDEX_FORMAT:
            return False
        try:
            changed, gone = self.stale_files(corpus, self.indexed_files())
        except IndexMissingError:
            return False
        return not changed and not gone

    # -- writing -----------------------------------------------------------------------------

    def rebuild(self, corpus: Corpus, progress: Progress = _quiet) -> UpdateReport:
        """Write a whole new generation aside, then swap it in."""
        with self.lock():
            return self._rebuild_locked(corpus, progress)

    def _rebuild_locked(self, corpus: Corpus, progress: Progress) -> UpdateReport:
        report = UpdateReport(rebuilt=True)
        gen = self.root / f"gen-{time.time_ns()}-{os.getpid()}"
        gen.mkdir(parents=True)
        ix = whoosh_index.create_in(str(gen), make_schema())
        files = corpus.files()
        owners: dict[str, str] = {}
        with ix.writer() as writer:
            for n, f in enumerate(files, 1):
                progress(f"indexing {f.relpath} ({n}/{len(files)})")
                try:
                    doc = corpus.read_file(f.relpath)
                    _claim(owners, doc, f.relpath)
                except CorpusError as exc:
                    report.problems.append(exc)
                    _refused(writer, f, None)
                    continue
                self._add(writer, corpus, doc, f)
                report.added.append(doc.id)
        (gen / "FORMAT").write_text(json.dumps({"format": INDEX_FORMAT, "built_by": __version__}))
        _fsync_tree(gen)
        previous = self._swap(gen)
        self._collect_garbage(keep={gen.name, previous})
        return report

    def update(self, corpus: Corpus, progress: Progress = _quiet,
               wait: float | None = LOCK_WAIT_SECONDS) -> UpdateReport:
        """Re-index only what changed; a missing, damaged or other-format index is rebuilt."""
        with self.lock(wait):
            if not self.exists():
                progress(f"building the index in {self.root}")
                return self._rebuild_locked(corpus, progress)
            reason = self._why_not_usable()
            if reason:
                report = self._rebuild_locked(corpus, progress)
                report.notices.append(f"the index in {self.root} {reason}: rebuilt it")
                return report
            return self._update_locked(corpus, progress)

    def _why_not_usable(self) -> str | None:
        if self.format() != INDEX_FORMAT:
            return f"has format {self.format()}, this version reads {INDEX_FORMAT}"
        try:
            self.indexed_files()
        except IndexMissingError:
            return "was damaged"
        return None

    def _update_locked(self, corpus: Corpus, progress: Progress) -> UpdateReport:
        report = UpdateReport()
        ix = self.open()
        indexed = self.indexed_files(ix)
        changed, gone = self.stale_files(corpus, indexed)
        report.unchanged = len(corpus.files()) - len(changed)
        if not changed and not gone:
            return report
        stale = {f.relpath for f in changed} | set(gone)
        owners = {r["doc_id"]: path for path, r in indexed.items()
                  if path not in stale and r.get("doc_id")}
        writer = ix.writer()
        try:
            for f in changed:
                old = indexed.get(f.relpath)
                try:
                    doc = corpus.read_file(f.relpath)
                    _claim(owners, doc, f.relpath)
                except CorpusError as exc:
                    report.problems.append(exc)  # keep what the index had for this file
                    _refused(writer, f, old)
                    continue
                writer.delete_by_term("file", f.relpath)
                self._add(writer, corpus, doc, f)
                if old is None or not old.get("doc_id"):
                    report.added.append(doc.id)
                elif old.get("doc_hash") != content_hash(doc.body) or old.get("doc_id") != doc.id:
                    report.changed.append(doc.id)
                else:
                    report.unchanged += 1  # touched, same text: only its stat is refreshed
                progress(f"indexed {f.relpath}")
            for relpath in gone:
                writer.delete_by_term("file", relpath)
                report.removed.append(indexed[relpath].get("doc_id") or relpath)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return report

    @staticmethod
    def _add(writer, corpus: Corpus, doc: Document, f: CorpusFile) -> None:
        writer.add_document(
            key=f"document:{f.relpath}", record="document", file=f.relpath,
            file_stat=[f.mtime_ns, f.size], doc_hash=content_hash(doc.body), doc_id=doc.id,
        )
        for record in clause_records(doc, corpus, f.relpath):
            writer.add_document(**record)

    def _swap(self, gen: Path) -> str:
        """Point ``live`` at ``gen`` with one rename; returns the generation it pointed at."""
        previous = os.readlink(self.live) if self.live.is_symlink() else ""
        tmp = self.root / f".live-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.live)
        _fsync_dir(self.root)
        return previous

    def _collect_garbage(self, keep: set[str]) -> None:
        """Remove every generation but the live one and the one it replaced (kept a while for
        searches that opened it just before the swap): what killed rebuilds left goes too."""
        for path in self.root.glob("gen-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
        for path in self.root.glob(".live-*"):
            path.unlink(missing_ok=True)


def _ancestors(clause_id: str, parents: dict[str, str | None]) -> list[str]:
    chain, parent = [], parents.get(clause_id)
    while parent:
        chain.append(parent)
        parent = parents.get(parent)
    return chain


def _refused(writer, f: CorpusFile, old: dict | None) -> None:
    """Remember a file that could not be read, with its stat, so it is not read again until
    it changes; what the index had from it before stays."""
    writer.update_document(
        key=f"document:{f.relpath}", record="document", file=f.relpath,
        file_stat=[f.mtime_ns, f.size], doc_hash=(old or {}).get("doc_hash", ""),
        doc_id=(old or {}).get("doc_id", ""))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(gen: Path) -> None:
    """A new generation reaches the disk before ``live`` points at it."""
    for path in gen.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(gen)


def _claim(owners: dict[str, str], doc: Document, relpath: str) -> None:
    """Two files may not share a document id: the second is refused, the first kept."""
    holder = owners.setdefault(doc.id, relpath)
    if holder != relpath:
        raise CorpusError(f"{relpath}: document id {doc.id!r} is already used by {holder}",
                          "give one of them another id")
