"""The Whoosh index of clauses: schema, format version, atomic rebuild, incremental update.

Layout of the index folder::

    .initiative-archive-index  the marker: this folder is ours, and the generations we made
    live -> gen-<ns>-<pid>/    the current generation (a relative symbolic link)
    gen-*/                     a Whoosh index plus FORMAT (the format it was built with)
    .lock                      held by whoever writes

The folder is the user's to name (``--index``), so it may hold things that are not ours: a
writer claims only an empty or new folder (or one an earlier version built: ``live`` pointing at
a ``gen-*`` with FORMAT), refuses any other, and garbage collection removes only what the marker
lists. A generation is listed before it is made, so what a killed rebuild leaves is known.

A rebuild writes a new generation beside the live one and swaps the link with one rename, so a
reader sees the old index or the new one, never half of one; a killed rebuild leaves only a stray
folder, removed by the next writer, and a failed one removes its own. An incremental update
writes into the live generation through Whoosh's own commit (segments first, then a new table of
contents); segment files a killed writer left are removed by the next. One writer at a time: the
others wait for the lock or, for a search, answer from the last committed index.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import CorruptIndexError

from ... import __version__
from ...analysis import ANALYSIS_VERSION, CHARS, SPELL, WORDS, analysis_fingerprint, jieba_tokenizer
from ...atomic import fsync_folder, write_atomic
from ...cores import usable_cores
from ...corpus import Corpus, CorpusFile, content_hash
from ...engine import Progress, UpdateReport
from ...engine import quiet as _quiet
from ...errors import CorpusError, IndexMissingError
from ...locking import LOCK_WAIT_SECONDS, file_lock
from ...model import Document
from .mapped import MappedStorage
from .rank_column import RankColumn, rank_value
from .term_infos import kept_terms

SCHEMA_VERSION = 8  # 5: rank column; 6: names on file records; 7, 8: no positions in text, chars
#: What a damaged index raises when Whoosh reads it: truncated or missing files, bad pickles.
DAMAGE = (OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError,
          whoosh_index.EmptyIndexError, CorruptIndexError)
#: Raised by Whoosh's own code on bad bytes, but by ours on a bug: damage only from Whoosh.
_DAMAGE_IF_WHOOSH = (ValueError, KeyError, IndexError)


def is_damage(exc: BaseException) -> bool:
    """Whether an error reading the index means its files are damaged, rather than a bug of
    ours (which must reach the 'please report it' line, not rebuild the index every time)."""
    if isinstance(exc, DAMAGE):
        return True
    if not isinstance(exc, _DAMAGE_IF_WHOOSH):
        return False
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith(
        "whoosh")


def index_format() -> str:
    """The schema, our analysis and what analysis depends on (see analysis_fingerprint)."""
    return f"{SCHEMA_VERSION}.{ANALYSIS_VERSION}.{analysis_fingerprint()}"
MARKER = ".initiative-archive-index"
OWNER = "initiative-archive index folder"
#: How long a search with no index at all waits for another process building the first one.
FIRST_BUILD_WAIT = 30.0
MAX_BUILD_PROCESSES = 4
PARALLEL_BUILD_FILES = 40  # below this a build is quicker in one process than in several
BUILD_POOL_MB = 256  # a build worker's postings held in memory; past it they go to disk
_GENERATION = re.compile(r"gen-\d+-\d+")
_WHOOSH_FILE = re.compile(r"FORMAT|FILES-\d+\.json|_?MAIN[_.][\w.-]*")  # ours, Whoosh's
_WHOOSH_TEMP = "MAIN.tmp"  # the folder of a Whoosh writer's pool, left when it is killed
_TOC_TEMP = re.compile(r"_MAIN_\d+\.toc\.\w+")  # a table of contents a killed commit left
# A marker's temporary file: atomic.py's name (``.<name>.<random>.tmp``), or an earlier
# version's (``<name>.<pid>.tmp``).
_MARKER_TEMP = re.compile(r"\.?" + re.escape(MARKER) + r"\.[A-Za-z0-9_]+\.tmp")

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
        doc_aliases=STORED,  # on a file's record, with doc_title: what ingest checks names by
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
        # no positions: a quoted phrase is a run of the chars field (query.py), and writing
        # the positions of every word and bigram cost a build a sixth of its time
        text=TEXT(analyzer=WORDS, stored=True, phrase=False, multitoken_query="or"),
        # no positions either: a phrase of the chars field is checked on the clause's tokens
        # in the rank column (phrase.py), and the positions cost a build a twelfth of its time
        # and the index a seventh of its size
        chars=TEXT(analyzer=CHARS, phrase=False, multitoken_query="phrase"),
        spell=TEXT(analyzer=SPELL, phrase=False),
        rank=RankColumn(),  # what ranking reads of a clause (rank_column.py)
    )


def indexed_files(corpus: Corpus) -> list[CorpusFile]:
    """What the index holds: the documents, and the meeting records (searched with
    ``--kind meeting``)."""
    meetings = corpus.root / "meetings"
    records = []
    for path in sorted(meetings.glob("*.yaml")) if meetings.is_dir() else []:
        stat = path.stat()
        records.append(CorpusFile(path.relative_to(corpus.root).as_posix(), stat.st_mtime_ns,
                                  stat.st_size))
    return corpus.files() + records


def read_indexed(corpus: Corpus, relpath: str) -> Document:
    if relpath.startswith("meetings/"):
        from ...meetings import meeting_document

        return meeting_document(corpus.root, relpath)
    return corpus.read_file(relpath)


def clause_records(doc: Document, corpus: Corpus, relpath: str) -> Iterator[dict]:
    if doc.kind == "meeting":
        yield meeting_record(doc, relpath)
        return
    from ...clauses import ancestors as family  # the clause splitter: a build's, not a search's

    names = " ".join(doc.names())
    clauses = corpus.clauses(doc)
    parents = {c.id: c.parent for c in clauses}
    for clause in clauses:
        lineage = family(clause.id, parents)
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
            "ancestors": lineage,
            "order": clause.order,
            "span": list(clause.span),
            "own_end": clause.own_end,
            "locator": clause.locator,
            "text": clause.text,
            "chars": clause.text,
            "spell": clause.text,
            "rank": rank_value(clause.id, clause.role, clause.lang, lineage, clause.text),
        }


def meeting_record(doc: Document, relpath: str) -> dict:
    """A meeting as one hit whose id is the meeting's id."""
    return {"key": f"meeting:{doc.id}", "record": "clause", "file": relpath,
            "clause_id": doc.id, "doc_id": doc.id, "doc_title": doc.title, "title": doc.title,
            "date": doc.date, "lang": doc.lang, "kind": "meeting", "role": "meeting",
            "unit": "meeting", "label": "", "parent": "", "ancestors": [], "order": 0,
            "span": [0, len(doc.body)], "own_end": len(doc.body), "locator": "",
            "text": doc.body.strip(), "chars": doc.body, "spell": doc.body,
            "rank": rank_value(doc.id, "meeting", doc.lang, [], doc.body)}


class IndexStore:
    """The index folder: open the live generation, rebuild it, update it, lock it."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.first_build_wait = FIRST_BUILD_WAIT  # a search's wait when there is no index

    @property
    def live(self) -> Path:
        return self.root / "live"

    def exists(self) -> bool:
        return (self.live / "FORMAT").is_file()

    def readable(self) -> bool:
        """Whether there is an index in the format this version reads and writes."""
        return self.exists() and self.format() == index_format()

    def format(self) -> str | None:
        try:
            return json.loads((self.live / "FORMAT").read_text("utf-8")).get("format")
        except (OSError, ValueError):
            return None

    def open(self, mapped: bool = False):
        """The live Whoosh index (its files mapped for a reading session: ``open_generation``);
        IndexMissingError when there is none or it is damaged."""
        if not self.exists():
            raise IndexMissingError(f"no index in {self.root}",
                                    "run 'initiative-archive index' to build it")
        try:
            ix = open_generation(os.path.realpath(self.live), mapped)
            with ix.reader() as reader:  # reads the table of contents and the segments' headers
                reader.doc_count()
        except Exception as exc:
            if not is_damage(exc):
                raise
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
        """file -> its stored document record, from the live index: read from the list the
        last writer left beside this version of the index, else from the index itself."""
        ix = ix or self.open()
        listed = _read_file_list(ix)
        if listed is not None:
            return listed
        return self._records_in(ix)

    def _records_in(self, ix) -> dict[str, dict]:
        try:
            with ix.searcher() as searcher:
                return {f["file"]: dict(f) for f in searcher.documents(record="document")}
        except Exception as exc:
            if not is_damage(exc):
                raise
            raise IndexMissingError(f"the index in {self.root} is damaged ({exc})",
                                    "run 'initiative-archive index --rebuild'") from None

    def _list_files(self, gen: Path, records: dict[str, dict] | None = None) -> None:
        """Leave beside a committed version of the index the records of the files it holds,
        so that a search sees whether the corpus changed without reading the index. Named by
        Whoosh's generation, so a list never describes another version. ``records`` are those
        the writer wrote and kept, which the index holds; else they are read from it."""
        ix = open_generation(str(gen))
        number = ix.latest_generation()
        if records is None:
            records = self._records_in(ix)
        try:
            write_atomic(gen / f"FILES-{number}.json", json.dumps(records).encode("utf-8"))
        except OSError:
            return  # a full disk, say: readers read the records from the index instead
        for old in gen.glob("FILES-*.json"):
            if old.name != f"FILES-{number}.json" and not old.is_symlink():
                old.unlink(missing_ok=True)

    @staticmethod
    def stale_files(corpus: Corpus, indexed: dict[str, dict]
                    ) -> tuple[list[CorpusFile], list[str]]:
        """(corpus files whose stat differs from the index's record, indexed files now gone).
        A file refused as broken has a record too, so it is not re-read until it changes."""
        files = indexed_files(corpus)
        changed = [f for f in files
                   if not f.stat_is((indexed.get(f.relpath) or {}).get("file_stat"))]
        gone = sorted(set(indexed) - {f.relpath for f in files})
        return changed, gone

    def is_fresh(self, corpus: Corpus, records: Callable[[], dict[str, dict]] | None = None
                 ) -> bool:
        """Whether every corpus file is indexed as it is now, told by a stat of each (no file
        is read); ``records`` gives the index's records of its files (``ReadSession`` keeps
        them while the index is the same)."""
        if not self.readable():
            return False
        try:
            changed, gone = self.stale_files(corpus, (records or self.indexed_files)())
        except IndexMissingError:
            return False
        return not changed and not gone

    # -- ownership ---------------------------------------------------------------------------

    def check_ours(self) -> None:
        """Refuse, before anything is written, a folder that holds what is not ours."""
        if self._read_marker() is None:
            self._adoptable()

    def _read_marker(self) -> _Marker | None:
        path = self.root / MARKER
        if path.is_symlink() or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("owner") != OWNER:
            return None
        listed = [g for g in data.get("generations") or []
                  if isinstance(g, str) and _GENERATION.fullmatch(g)]
        previous = data.get("previous")
        return _Marker(listed, previous if isinstance(previous, str) else "")

    def _adoptable(self) -> list[str]:
        """The generations to list when claiming a folder without a marker: a new or empty
        one, or one an earlier version built. Any other folder is refused, untouched."""
        if not self.root.exists() and not self.root.is_symlink():
            return []
        if not self.root.is_dir():
            raise IndexMissingError(f"the index folder {self.root} is not a folder",
                                    "give --index (or INITIATIVE_ARCHIVE_INDEX) a folder")
        entries = sorted(self.root.iterdir())
        ours = [e for e in entries if _looks_ours(e)]
        if len(ours) < len(entries) and not self._built_by_earlier_version():
            others = [e.name for e in entries if e not in ours]
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more"
                                             if len(others) > 3 else "")
            raise IndexMissingError(
                f"{self.root} is not an initiative-archive index folder (it holds {shown}): "
                "left untouched", "give --index (or INITIATIVE_ARCHIVE_INDEX) an empty or new "
                "folder for the index")
        return [e.name for e in ours if _GENERATION.fullmatch(e.name)]

    def _built_by_earlier_version(self) -> bool:
        """Indexes from before the marker: ``live`` links to a ``gen-*`` holding FORMAT."""
        if not self.live.is_symlink():
            return False
        target = os.readlink(self.live)
        return bool(_GENERATION.fullmatch(target)) and (self.root / target / "FORMAT").is_file()

    def _claim(self) -> _Marker:
        """The marker, written first when the folder is new, empty or an earlier version's."""
        marker = self._read_marker()
        if marker is None:
            marker = _Marker(self._adoptable(), "")
            self.root.mkdir(parents=True, exist_ok=True)
            self._write_marker(marker)
        return marker

    def _write_marker(self, marker: _Marker) -> None:
        """Written as every file is (atomic.py): never through a link, whole or not at all."""
        write_atomic(self.root / MARKER, marker.to_json().encode("utf-8"))

    # -- writing -----------------------------------------------------------------------------

    def rebuild(self, corpus: Corpus, progress: Progress = _quiet) -> UpdateReport:
        """Write a whole new generation aside, then swap it in."""
        self.check_ours()
        with self.lock():
            return self._rebuild_locked(corpus, progress, self._claim())

    def _rebuild_locked(self, corpus: Corpus, progress: Progress,
                        marker: _Marker) -> UpdateReport:
        gen = self.root / f"gen-{time.time_ns()}-{os.getpid()}"
        marker.generations.append(gen.name)
        self._write_marker(marker)  # listed before it exists: what a kill leaves is known
        try:
            gen.mkdir()
            report = self._build(gen, corpus, progress)
        except BaseException:  # a full disk, say: the partial generation goes at once
            shutil.rmtree(gen, ignore_errors=True)
            self._forget(marker, gen.name)
            raise
        previous = self._swap(gen)
        marker.previous = previous
        self._collect_garbage(marker, keep={gen.name, previous})
        return report

    def _build(self, gen: Path, corpus: Corpus, progress: Progress) -> UpdateReport:
        report = UpdateReport(rebuilt=True)
        ix = whoosh_index.create_in(str(gen), make_schema())
        files = indexed_files(corpus)
        owners: dict[str, str] = {}
        records: dict[str, dict] = {}
        with _bulk_writer(ix, len(files)) as writer:
            for n, f in enumerate(files, 1):
                progress(f"indexing {f.relpath} ({n}/{len(files)})")
                try:
                    doc = read_indexed(corpus, f.relpath)
                    _claim(owners, doc, f.relpath)
                except CorpusError as exc:
                    report.problems.append(exc)
                    records[f.relpath] = _refused(writer, f, None)
                    continue
                records[f.relpath] = self._add(writer, corpus, doc, f)
                report.added.append(doc.id)
        (gen / "FORMAT").write_text(json.dumps({"format": index_format(), "built_by": __version__}))
        self._list_files(gen, records)
        _fsync_tree(gen)
        return report

    def _forget(self, marker: _Marker, name: str) -> None:
        """Unlist a generation removed after a failed build; if even the marker cannot be
        written (the disk is full), it stays listed and the next writer tries again."""
        if (self.root / name).exists():
            return
        marker.generations = [g for g in marker.generations if g != name]
        try:
            self._write_marker(marker)
        except OSError:
            pass

    def update(self, corpus: Corpus, progress: Progress = _quiet,
               wait: float | None = LOCK_WAIT_SECONDS) -> UpdateReport:
        """Re-index only what changed; a missing, damaged or other-format index is rebuilt.
        What killed writers left (generations, segment files) is removed first."""
        self.check_ours()
        with self.lock(wait):
            marker = self._claim()
            self._tidy(marker)
            if not self.exists():
                progress(f"building the index in {self.root}")
                return self._rebuild_locked(corpus, progress, marker)
            reason = self._why_not_usable()
            if reason:
                report = self._rebuild_locked(corpus, progress, marker)
                report.notices.append(f"the index in {self.root} {reason}: rebuilt it")
                return report
            return self._update_locked(corpus, progress)

    def _tidy(self, marker: _Marker) -> None:
        live = os.readlink(self.live) if self.live.is_symlink() else ""
        self._collect_garbage(marker, keep={live, marker.previous})
        if live and self.exists():
            self._clean_orphans()

    def _why_not_usable(self) -> str | None:
        if self.format() != index_format():
            return f"has format {self.format()}, this version reads {index_format()}"
        try:
            self._records_in(self.open())
        except IndexMissingError:
            return "was damaged"
        return None

    def _update_locked(self, corpus: Corpus, progress: Progress) -> UpdateReport:
        report = UpdateReport()
        ix = self.open()
        indexed = self.indexed_files(ix)
        changed, gone = self.stale_files(corpus, indexed)
        report.unchanged = len(indexed_files(corpus)) - len(changed)
        if not changed and not gone:
            if _read_file_list(ix) is None:  # an index built before the lists were kept
                self._list_files(Path(os.path.realpath(self.live)))
            return report
        stale = {f.relpath for f in changed} | set(gone)
        owners = {r["doc_id"]: path for path, r in indexed.items()
                  if path not in stale and r.get("doc_id")}
        records = dict(indexed)  # what the index will hold: the list left beside it
        writer = _bulk_writer(ix, len(changed))
        try:
            for f in changed:
                old = indexed.get(f.relpath)
                try:
                    doc = read_indexed(corpus, f.relpath)
                    _claim(owners, doc, f.relpath)
                except CorpusError as exc:
                    report.problems.append(exc)  # keep what the index had for this file
                    records[f.relpath] = _refused(writer, f, old)
                    continue
                writer.delete_by_term("file", f.relpath)
                new = records[f.relpath] = self._add(writer, corpus, doc, f)
                if old is None or not old.get("doc_id"):
                    report.added.append(doc.id)
                elif old.get("doc_hash") != new["doc_hash"] or old.get("doc_id") != doc.id:
                    report.changed.append(doc.id)
                else:
                    report.unchanged += 1  # touched, same text: only its stat is refreshed
                progress(f"indexed {f.relpath}")
            for relpath in gone:
                writer.delete_by_term("file", relpath)
                report.removed.append(indexed[relpath].get("doc_id") or relpath)
                records.pop(relpath, None)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._list_files(Path(os.path.realpath(self.live)), records)
        return report

    @staticmethod
    def _add(writer, corpus: Corpus, doc: Document, f: CorpusFile) -> dict:
        """Index a document's file record and its clauses; returns the file record."""
        record = _file_record(f, content_hash(doc.body), doc.id, doc_title=doc.title,
                              doc_aliases=list(doc.aliases))
        writer.add_document(**record)
        for clause in clause_records(doc, corpus, f.relpath):
            writer.add_document(**clause)
        return record

    def _swap(self, gen: Path) -> str:
        """Point ``live`` at ``gen`` with one rename; returns the generation it pointed at."""
        previous = os.readlink(self.live) if self.live.is_symlink() else ""
        tmp = self.root / f".live-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.live)
        fsync_folder(self.root)
        return previous

    def _collect_garbage(self, marker: _Marker, keep: set[str]) -> None:
        """Remove the generations the marker lists but the live one and the one it replaced
        (kept a while for searches that opened it just before the swap): what killed or
        failed rebuilds left goes too. Nothing the marker does not list is touched."""
        kept = []
        for name in marker.generations:
            path = self.root / name
            if name not in keep:
                if path.is_symlink():
                    path.unlink(missing_ok=True)
                elif path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
            if path.exists() or path.is_symlink():
                kept.append(name)  # kept, or could not be removed: the next writer tries again
        for path in self.root.glob(".live-*"):
            if path.is_symlink():
                path.unlink(missing_ok=True)
        for path in self.root.glob(f"*{MARKER}.*.tmp"):
            if _MARKER_TEMP.fullmatch(path.name) and not path.is_symlink():
                path.unlink(missing_ok=True)
        if kept != marker.generations:
            marker.generations = kept
            try:
                self._write_marker(marker)
            except OSError:
                pass  # a marker listing too much is harmless: the next writer tries again

    def _clean_orphans(self) -> None:
        """Segment files and tables of contents that killed writers left in the live
        generation: Whoosh removes them only at its next commit there, which may never come.
        Safe under the lock, since no Whoosh writer is then running."""
        gen = Path(os.path.realpath(self.live))
        if gen.parent != Path(os.path.realpath(self.root)):
            return
        try:
            ix = open_generation(str(gen))
            whoosh_index.clean_files(ix.storage, ix.indexname, ix.latest_generation(),
                                     ix._segments())
        except Exception as exc:
            if not is_damage(exc):
                raise
            return
        for path in gen.iterdir():
            if _TOC_TEMP.fullmatch(path.name) and not path.is_symlink():
                path.unlink(missing_ok=True)
            elif path.name == _WHOOSH_TEMP and path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)


@dataclass
class _Marker:
    """What the marker file says: the generations we made, and the one ``live`` replaced."""

    generations: list[str]
    previous: str = ""

    def to_json(self) -> str:
        return json.dumps({"owner": OWNER,
                           "note": "only the generations listed here are ever removed",
                           "generations": self.generations, "previous": self.previous},
                          indent=1) + "\n"


def _looks_ours(path: Path) -> bool:
    """Something this program makes in an index folder, by its name and kind."""
    name = path.name
    if name in (".lock", MARKER) or _MARKER_TEMP.fullmatch(name):
        return path.is_file() and not path.is_symlink()
    if name == "live" or name.startswith(".live-"):
        return path.is_symlink() and bool(_GENERATION.fullmatch(os.readlink(path)))
    if _GENERATION.fullmatch(name) and path.is_dir() and not path.is_symlink():
        return all(_WHOOSH_FILE.fullmatch(p.name) and not p.is_symlink()
                   and (p.is_file() or p.name == _WHOOSH_TEMP) for p in path.iterdir())
    return False


def _refused(writer, f: CorpusFile, old: dict | None) -> dict:
    """Remember a file that could not be read, with its stat, so it is not read again until
    it changes; what the index had from it before stays. Returns the record (no names: a
    file that cannot be read names no document)."""
    record = _file_record(f, (old or {}).get("doc_hash", ""), (old or {}).get("doc_id", ""))
    writer.update_document(**record)
    return record


def _file_record(f: CorpusFile, doc_hash: str, doc_id: str, **names) -> dict:
    """The index's record of a corpus file (``record: document``): its stat, for incremental
    updates, and what it holds."""
    return {"key": f"document:{f.relpath}", "record": "document", "file": f.relpath,
            "file_stat": [f.mtime_ns, f.size], "doc_hash": doc_hash, "doc_id": doc_id, **names}


def _bulk_writer(ix, files: int):
    """The writer of many files: one worker process a core (``bulk_writer``); a few files
    are written quicker in this process (``FastWriter``, what ``ix.writer()`` gives but
    cheaper) than by starting workers. jieba's dictionary is loaded here first, so that the
    workers, forked from this process, have it (each loading it for itself cost a second of
    CPU apiece)."""
    processes = usable_cores(MAX_BUILD_PROCESSES)
    if processes < 2 or files < PARALLEL_BUILD_FILES:
        from .fast_writer import FastWriter

        return FastWriter(ix)
    from .bulk_writer import bulk_writer

    jieba_tokenizer()
    return bulk_writer(ix, processes, limitmb=BUILD_POOL_MB)


def open_generation(folder: str, mapped: bool = False):
    """A generation's Whoosh index, its files read as needed: through maps of our own for a
    reading session (``mapped``: mapped.py), else as Whoosh reads a file, a seek and a read at
    a time. Never through Whoosh's own maps, since it copies each mapped file it opens into
    memory whole (a ``BytesIO`` over the map): opening a 100k-clause index that way read
    190 MB and took 0.2 s before the first search."""
    storage = MappedStorage if mapped else FileStorage
    return storage(folder, supports_mmap=False).open_index()


def _read_file_list(ix) -> dict[str, dict] | None:
    """The records ``IndexStore._list_files`` left for this version of ``ix``, or None."""
    try:
        path = Path(ix.storage.folder) / f"FILES-{ix.latest_generation()}.json"
        listed = json.loads(path.read_bytes())
    except (OSError, ValueError, AttributeError):
        return None
    return listed if isinstance(listed, dict) else None


def _fsync_tree(gen: Path) -> None:
    """A new generation reaches the disk before ``live`` points at it."""
    for path in gen.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_folder(gen)


def _claim(owners: dict[str, str], doc: Document, relpath: str) -> None:
    """Two files may not share a document id: the second is refused, the first kept."""
    holder = owners.setdefault(doc.id, relpath)
    if holder != relpath:
        raise CorpusError(f"{relpath}: document id {doc.id!r} is already used by {holder}",
                          "give one of them another id")


class ReadSession:
    """A reader's hold on the index: opened once and reused while the index stays as it
    was, reopened when ``live`` points at another generation or a writer committed to it.
    It keeps one searcher (and what it worked out once, such as the files the index holds)
    for as long as the index is the same. Reading never writes."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store
        self._open: tuple[tuple[str, int], object] | None = None
        self._searcher = None
        self._records: dict[str, dict] | None = None

    def index(self):
        """The live Whoosh index, current as of this call."""
        try:
            target = os.readlink(self.store.live)
        except OSError:
            target = ""
        if self._open is not None and self._open[0][0] == target:
            ix = self._open[1]
            try:
                if ix.latest_generation() == self._open[0][1]:
                    return ix
            except Exception as exc:
                if not is_damage(exc):
                    raise
        ix = self.store.open(mapped=True)
        self.close()
        self._open = ((target, ix.latest_generation()), ix)
        return ix

    def searcher(self):
        """A searcher of the live index, kept open while the index stays as it was."""
        ix = self.index()
        if self._searcher is None:
            self._searcher = ix.searcher()
            _lengths_in_memory(self._searcher)
            kept_terms(self._searcher)
        return self._searcher

    def indexed_files(self) -> dict[str, dict]:
        """file -> its stored document record (``IndexStore.indexed_files``), read once per
        version of the index."""
        ix = self.index()  # first: a new version of the index drops the records kept
        if self._records is None:
            self._records = self.store.indexed_files(ix)
        return self._records

    def shared_safely(self) -> bool:
        """Whether a forked copy of this process may go on reading through this session:
        nothing is open, or the open index reads only through its maps (mapped.py)."""
        if self._open is None:
            return True
        storage = getattr(self._open[1], "storage", None)
        return isinstance(storage, MappedStorage) and storage.reads_only_maps()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher, self._records = None, None

    __del__ = close  # the searcher holds the index's files open


class _Lengths:
    """A field's length column (one byte a clause) read whole: BM25 asks for the length of
    every clause it scores, and Whoosh reads each from the file (a seek and a read, a sixth of
    a word query's time at 10k clauses); a segment's column is one read of a byte a clause."""

    def __init__(self, data: bytes, default: int) -> None:
        self.data, self.default = data, default

    def __getitem__(self, docnum: int) -> int:
        return self.data[docnum] if docnum < len(self.data) else self.default

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def load(self):
        return array("B", self.data)


def _lengths_in_memory(searcher) -> None:
    """Swap each segment's length columns (whoosh3's per-document reader keeps them in
    ``_readers`` by ``_<field>_len``) for ``_Lengths``; anything else is left as it is."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    for reader, _ in searcher.reader().leaf_readers():
        perdoc = getattr(reader, "_perdoc", None)
        if perdoc is None or not hasattr(perdoc, "_cached_reader"):
            continue
        for name in searcher.schema.scorable_names():
            lenfield = f"_{name}_len"
            column = perdoc._cached_reader(lenfield, LENGTHS_COLUMN)
            if column is None or not hasattr(column, "_dbfile"):
                continue
            data = column._dbfile.get(column._basepos, column._count * column._fixedlen)
            perdoc._readers[lenfield] = _Lengths(bytes(data), column._default)
