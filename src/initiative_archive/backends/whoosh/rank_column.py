"""What ranking reads of a clause, in one small column value per clause.

A query ranks hundreds of clauses (``rank_depth``) to show ten: it needs each one's id, role,
language, ancestors and tokens (the ``chars`` field's terms in order: match levels, concepts
stated, phrases). Read from the stored record, that cost a clause about 60 µs to unpickle its
twenty fields and as much again to tokenize its text; this column holds just those five,
tokens made once at build time, and the record is read only for the hits shown.

The value is UTF-8: the five parts joined by ``\\x1f``, the ancestors by ``\\x1e`` and the
tokens by a space (no token holds one: they are Han characters and folded Latin words).
"""

from __future__ import annotations

import mmap
import re
from bisect import bisect_right
from functools import lru_cache

from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN

from ...analysis import indexed_terms
from ...ranking import holds_run, token_text
from .held import held
from .mapped import MappedPart

_PART, _ANCESTOR = "\x1f", "\x1e"
_PART_BYTES = _PART.encode()
_CHARS = 1  # indexed_terms' answer for the ``chars`` field


class RankColumn(COLUMN):
    """The schema's ``rank`` field: given (clause id, role, language, ancestors, text) it keeps
    the clause's ranking record; nothing is indexed. Pickled with the schema: keep this name
    and this module's path stable."""

    def __init__(self) -> None:
        # offsets written at any size: without them Whoosh works them out from the lengths,
        # a Python loop over every clause of a segment each time the index is opened
        super().__init__(VarBytesColumn(write_offsets_cutoff=0))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def to_column_value(self, value) -> bytes:
        clause_id, role, lang, ancestors, text = value
        tokens = indexed_terms(text)[_CHARS][1]  # what the chars field indexes (cached)
        return _PART.join((clause_id, role, lang, _ANCESTOR.join(ancestors),
                           token_text(tokens))).encode("utf-8")


def rank_value(clause_id: str, role: str, lang: str, ancestors: list[str], text: str) -> tuple:
    """The ``rank`` field's value in a record to index."""
    return (clause_id, role, lang, list(ancestors), text)


def rank_records(reader) -> RankRecords:
    """The ranking records of an open reader (the whole index's or one segment's, numbered as
    that reader numbers its clauses), made once per reader."""
    return held(reader, "_rank_records", lambda: RankRecords(reader))


class RankRecords:
    """docnum -> the ranking record of an open reader (a record without one, such as a
    file's, reads as an empty unit), decoded once. A segment's column (a few hundred bytes a
    clause) is read a record at a time at first, then whole (``_Segment``): a query reads
    hundreds of records, and a phrase thousands."""

    def __init__(self, reader) -> None:
        self.segments = [(offset, _segment(leaf)) for leaf, offset in reader.leaf_readers()]
        self.starts = [offset for offset, _ in self.segments]
        self.decoded: dict[int, dict] = {}

    def raw(self, docnum: int) -> bytes:
        at = bisect_right(self.starts, docnum) - 1
        offset, segment = self.segments[at]
        return segment[docnum - offset]

    def holding_run(self, docnums, run: bytes) -> list[int]:
        """Those of ``docnums`` whose tokens hold ``run`` (tokens joined by spaces:
        ``b"公 共"``) as a run of whole tokens, side by side; each segment's in the order
        given, segment after segment."""
        by_segment: list[list[int]] = [[] for _ in self.segments]
        for d in docnums:
            by_segment[bisect_right(self.starts, d) - 1].append(d)
        return [d + offset for (offset, segment), ours in zip(self.segments, by_segment,
                                                              strict=True)
                for d in segment.holding_run([d - offset for d in ours], run)]

    def units(self, found: list[tuple[int, float]]) -> list[dict]:
        """A fresh unit to rank (callers mark it) for each (docnum, score), from its record
        decoded once; in one pass, as a query makes hundreds."""
        decoded, made = self.decoded, self._decoded
        return [{**(decoded.get(docnum) or made(docnum)), "score": score, "docnum": docnum}
                for docnum, score in found]

    def tokens(self, docnum: int) -> str:
        """The clause's tokens joined by spaces (``ranking.token_text``)."""
        return self._decoded(docnum)["tokens"]

    def _decoded(self, docnum: int) -> dict:
        decoded = self.decoded.get(docnum)
        if decoded is None:
            if len(self.decoded) >= DECODED_RECORDS:
                self.decoded.clear()
            decoded = self.decoded[docnum] = _decode(self.raw(docnum))
        return decoded


DECODED_RECORDS = 100_000  # records kept decoded (a few hundred bytes each)


def _decode(raw: bytes) -> dict:
    """The record's parts; its tokens stay joined by spaces, as ranking reads them (split
    into a tuple, they cost most of a record's decoding)."""
    parts = raw.decode("utf-8").split(_PART) if raw else []
    if len(parts) != 5:
        return {"clause_id": "", "role": "", "lang": "", "ancestors": (), "tokens": ""}
    clause_id, role, lang, ancestors, tokens = parts
    return {"clause_id": clause_id, "role": role, "lang": lang,
            "ancestors": tuple(ancestors.split(_ANCESTOR)) if ancestors else (),
            "tokens": tokens}


def _segment(leaf) -> _Segment:
    """A segment's rank column, one per segment reader: the whole index's records and a
    phrase's (which reads a segment's) share its bytes."""
    return held(leaf, "_rank_segment", lambda: _Segment(leaf))


class _Segment:
    """One segment's rank column, while the index stays open. A column of a mapped file
    (mapped.py) is read in place in the map. Otherwise its first ``READ_APART`` records are
    read one at a time, and the column's bytes whole after that (or at once for a phrase's
    many clauses): a cold search ranks a few hundred clauses, and reading all of a
    100k-clause index's column (33 MB) cost it more than they did, where a session of many
    searches reads most of it."""

    def __init__(self, leaf) -> None:
        self.column = (leaf.column_reader("rank", translate=False) if leaf.has_column("rank")
                       else None)
        self.blob: bytes | mmap.mmap | None = None  # the column's bytes, from ``base`` on
        self.base = 0
        self.read_apart = 0
        part = getattr(self.column, "_dbfile", None)
        if isinstance(part, MappedPart) and hasattr(self.column, "_offsets"):
            self.blob, self.base = part.map, part.start + self.column._basepos

    def __getitem__(self, docnum: int) -> bytes:
        column = self.column
        if column is None:
            return b""
        if not hasattr(column, "_offsets"):
            return column[docnum]
        start, length = column._offsets[docnum], column._lengths[docnum]
        if self.blob is None and self.read_apart < READ_APART:
            self.read_apart += 1
            return column._dbfile.get(column._basepos + start, length)
        blob = self._blob()
        start += self.base
        return blob[start:start + length]

    def holding_run(self, docnums: list[int], run: bytes) -> list[int]:
        """``RankRecords.holding_run`` of this segment's clauses, read in place in the
        column's bytes (no record cut out of them: a phrase of common characters checks
        thousands of clauses)."""
        column = self.column
        if column is None or not hasattr(column, "_offsets") or (
                self.blob is None and len(docnums) <= READ_APART - self.read_apart):
            return [d for d in docnums if _holds_run(raw := self[d], 0, len(raw), run)]
        return holding(self._blob(), column._offsets, column._lengths, docnums, run,
                       self.base)

    def _blob(self) -> bytes | mmap.mmap:
        """The column's bytes, read whole on first use (a map's are there already)."""
        if self.blob is None:
            column = self.column
            count = len(column._lengths)
            end = column._offsets[-1] + column._lengths[-1] if count else 0
            self.blob = bytes(column._dbfile.get(column._basepos, end)) if end else b""
            self.base = 0
        return self.blob


READ_APART = 1000  # records of a segment read one at a time before its column is read whole


def holding(data, offsets, lengths, docnums: list[int], run: bytes, base: int = 0) -> list[int]:
    """Those of ``docnums`` whose record (``lengths[d]`` bytes of ``data``, bytes or a map,
    from ``base + offsets[d]``) holds ``run`` in its tokens, as ``_holds_run`` says: by one
    search in C a record, from its tokens' start (after its last part separator) to its
    end."""
    search, found = _run_in_tokens(run).search, []
    for d in docnums:
        start = base + offsets[d]
        end = start + lengths[d]
        tokens = data.rfind(_PART_BYTES, start, end) + 1
        if search(data, tokens, end) if tokens else _holds_run(data, start, end, run):
            found.append(d)
    return found


@lru_cache(maxsize=256)
def _run_in_tokens(run: bytes) -> re.Pattern:
    """``_holds_run`` as a pattern, searched from the start of a record's tokens, where the
    separator before them stands as a space would: ``run`` from a token's start to a token's
    end. The start is tested after the first byte, so that the pattern opens with it
    (``ranking._from_token_start``)."""
    return re.compile(b"(?s)" + re.escape(run[:1]) + b"(?<![^ \x1f].)" + re.escape(run[1:])
                      + b"(?![^ ])")


def _holds_run(data: bytes, start: int, end: int, run: bytes) -> bool:
    """Whether the record in ``data[start:end]`` has ``run`` in its tokens (after its last
    part separator) starting and ending on token boundaries."""
    return holds_run(data, run, data.rfind(_PART_BYTES, start, end) + 1 or start, end)
