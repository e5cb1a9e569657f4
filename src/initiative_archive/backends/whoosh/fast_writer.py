"""Whoosh's segment writer, writing the postings Whoosh would, but cheaper.

Whoosh spends most of a build on Python work per token and per posting. Here the text fields'
postings come from ``analysis.indexed_terms`` (one pass over a clause for all its fields, not a
Token through five generators for each term of each field), an ID field's postings are made
once per value, a field's postings go to the pool in one call, the pool keeps them by term and
writes them by term (a block at a time: the same bytes as whoosh3's writer), and the field
lengths that writing the postings looks up once per posting are read once per field.

``FastWriter`` is the writer of a build or an update in this process; a build's worker
processes (``bulk_writer.py``) write their segments with it too.
"""

from __future__ import annotations

import copy
import heapq
import pickle
from collections.abc import Iterator
from functools import partial
from itertools import chain
from operator import itemgetter, sub

from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.fields import Schema
from whoosh.formats import Existence, Frequency, Positions
from whoosh.system import pack_uint
from whoosh.util.text import utf8encode
from whoosh.writing import PostingPool, SegmentWriter

from ...analysis import INDEXED, indexed_terms

_MEMO_VALUES = 4096  # per ID field: its repeated values (kind, language, file, ...)


class FastWriter(SegmentWriter):
    """Whoosh's segment writer, with the prepared schema's fields making the postings (the
    table of contents keeps the real schema), a pool by term, field lengths read once and
    postings written by term: the same index."""

    def __init__(self, ix, limitmb: int = 128, **options) -> None:
        super().__init__(ix, limitmb=limitmb, **options)
        self.prepared = prepared_schema(self.schema)
        # spelling or vector fields, which add_document below does not write: Whoosh's way
        self._whoosh_adds = any(f.separate_spelling() or f.vector for f in self.schema)
        self.pool = _TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)

    def per_document_reader(self):
        return _FieldLengths(super().per_document_reader())

    def add_document(self, **fields) -> None:
        """Whoosh's ``add_document``, with each field's postings handed to the pool in one
        call rather than one call a posting (a schema with spelling or vector fields, which
        this does not write, goes Whoosh's way)."""
        if self._whoosh_adds:
            super().add_document(**fields)
            return
        schema = self.prepared
        self._check_state()
        perdocwriter, docnum = self.perdocwriter, self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    postings = list(field.index(value))
                    if field.scorable:
                        length = sum(posting[1] for posting in postings)
                    self.pool.add_field(fieldname, docnum, postings,
                                        self._field_boost(fields, fieldname, docboost))
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None,
                                       length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(stored))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        """Whoosh's, but the postings are written term by term (``_TermPool.by_term``):
        Whoosh's ``add_postings`` compares each posting with the one before to find where a
        field or a term starts."""
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        _write_by_term(self.fieldwriter, self.schema, lengths, self.pool.by_term())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


def _write_by_term(writer, schema: Schema, lengths, terms) -> None:
    """What ``FieldWriter.add_postings`` does with the same postings, given them by term."""
    current = None
    length = _no_length
    for (fieldname, text), postings in terms:
        if fieldname != current:
            if current is not None:
                writer.finish_field()
            writer.start_field(fieldname, schema[fieldname])
            block_writer(writer._postwriter)
            length = lengths.doc_field_length_reader(fieldname) if lengths else _no_length
            current = fieldname
        if postings[0][0] == -1:  # spelling words (document -1) sort first: not postings
            postings = [p for p in postings if p[0] != -1]
            if not postings:
                continue
        writer.start_term(text)
        _add_by_block(writer._postwriter, postings, length)
        writer.finish_term()
    if current is not None:
        writer.finish_field()


class _BlockWriter(W3PostingsWriter):
    """whoosh3's postings writer, with the loops it runs over each posting of a block as it
    writes it (delta-encoding the ids, checking whether the weights are all one or all alike)
    done by builtins: the same tuples, so the same bytes."""

    def _mini_ids(self):
        if self._byteids:
            return super()._mini_ids()
        ids = self._ids
        return tuple(map(sub, ids, chain((0,), ids)))

    def _mini_weights(self):
        weights, count = self._weights, len(self._weights)
        if weights.count(1.0) == count:
            return None
        if weights.count(weights[0]) == count:
            return weights[0]
        return tuple(weights)


def block_writer(postwriter: W3PostingsWriter) -> None:
    """Make a field writer's new postings writer a ``_BlockWriter`` (it adds no state)."""
    if type(postwriter) is W3PostingsWriter:
        postwriter.__class__ = _BlockWriter


def _add_by_block(postwriter, postings: list[tuple], length) -> None:
    """What whoosh3's ``add_posting`` does with each of one term's postings ((document,
    weight, value), in document order), a block of ``_blocklimit`` at a time: the same blocks
    and block statistics, with no Python call per posting (a build writes a million and
    more)."""
    limit = postwriter._blocklimit
    for start in range(0, len(postings), limit):
        if start:  # add_posting writes a full block when the next posting comes
            postwriter._write_block()
        block = postings[start:start + limit]
        ids = [p[0] for p in block]
        weights = [p[1] for p in block]
        postwriter._ids.extend(ids)
        postwriter._weights.extend(weights)
        postwriter._maxweight = max(postwriter._maxweight, *weights)
        postwriter._values.extend(p[2] for p in block if p[2])
        lengths = [n for n in map(length, ids) if n]
        if lengths:
            shortest = min(lengths)
            if postwriter._minlength is None or shortest < postwriter._minlength:
                postwriter._minlength = shortest
            postwriter._maxlength = max(postwriter._maxlength, *lengths)


def _no_length(docnum: int) -> int:
    return 0


class _TermPool(PostingPool):
    """Whoosh's pool, keeping the postings by term as they come rather than in one list that
    is sorted whole at the end: a writer's terms are sorted instead of its postings (a few
    percent as many); those of one term are in document order already. Without Whoosh's
    per-posting type assertions (our postings are made right). A term's postings are held
    as (document, weight, value): the field and term are its key.

    Past ``limitmb`` the terms held go to a run on disk, by term in order, and the runs are
    merged by term at the end. Whoosh writes a run a posting at a time and merges runs a
    posting at a time, which made a 100k-clause build (whose workers spill) take twice as
    long a clause as a 10k one."""

    def __init__(self, *args, **options) -> None:
        super().__init__(*args, **options)
        self.terms: dict[tuple[str, bytes], list[tuple]] = {}

    def add(self, item) -> None:
        """A posting as Whoosh gives it: (field, term, document, weight, value)."""
        self.add_field(item[0], item[2], [(item[1], None, item[3], item[4])], 1.0)

    def add_field(self, fieldname: str, docnum: int, postings: list[tuple],
                  boost: float) -> None:
        """``add`` of each of a field's postings ((term, frequency, weight, value), as
        ``field.index`` gives them) in one document; past ``limitmb`` after the field, rather
        than at a posting, the pool writes a run to disk (the same postings in the end)."""
        if not postings:
            return
        self.fieldnames.add(fieldname)
        terms, size = self.terms, 150 + len(fieldname)
        added = 0
        for text, _, weight, value in postings:
            key, posting = (fieldname, text), (docnum, weight * boost, value)
            added += size + 2 * len(text) + len(value or b"")
            held = terms.get(key)
            if held is None:
                terms[key] = [posting]
            else:
                held.append(posting)
        self.currentsize += added
        if self.currentsize > self.limit:
            self.save()

    def by_term(self) -> Iterator[tuple[tuple[str, bytes], list[tuple]]]:
        """((field, term), its postings) for each term, in the order Whoosh's sort gives,
        the runs on disk merged with what is held; the pool is empty after."""
        if not self.runs:
            return self._held_by_term()
        return _merged([*map(self._read_terms, self.runs), self._held_by_term()])

    def _held_by_term(self) -> Iterator[tuple[tuple[str, bytes], list[tuple]]]:
        terms, self.terms = self.terms, {}
        self.currentsize = 0
        for key in sorted(terms):
            postings = terms[key]
            postings.sort()  # mostly in order already (documents ascend), save spelling words
            yield key, postings

    def save(self) -> None:
        """Write the terms held to a run, in pickled chunks of about ``_RUN_CHUNK``
        postings (not terms: a few thousand terms hold most postings, and a merge holds a
        chunk of every run at once)."""
        if not self.terms:
            return
        path, run = self._new_run()
        with run:
            chunk: list = []
            size = 0
            for item in self._held_by_term():
                chunk.append(item)
                size += len(item[1])
                if size >= _RUN_CHUNK:
                    pickle.dump(chunk, run, pickle.HIGHEST_PROTOCOL)
                    chunk, size = [], 0
            if chunk:
                pickle.dump(chunk, run, pickle.HIGHEST_PROTOCOL)
        self.runs.append(path)

    def _read_terms(self, path: str) -> Iterator[tuple[tuple[str, bytes], list[tuple]]]:
        """A run's terms in order, read a chunk at a time; the run is removed once read."""
        run = self.tempstore.open_file(path)
        try:
            while True:
                try:
                    chunk = pickle.load(run)
                except EOFError:
                    return
                yield from chunk
        finally:
            run.close()
            self.tempstore.delete_file(path)

    def items(self, maxfiles: int = 128) -> list[tuple]:
        """Every posting as Whoosh's pool gives it (field, term, document, weight, value), in
        the order Whoosh's sort gives (Whoosh's own writing path)."""
        return [(*key, *posting) for key, postings in self.by_term() for posting in postings]

    def cleanup(self) -> None:
        for path in self.runs:
            if self.tempstore.file_exists(path):
                self.tempstore.delete_file(path)


_RUN_CHUNK = 20_000  # postings a pickle of a run holds: a merge holds one chunk a run


def _merged(runs: list[Iterator[tuple[tuple, list]]]) -> Iterator[tuple[tuple, list[tuple]]]:
    """(term, postings) of runs each in term order, a term's postings from every run that
    holds it, in the order of the runs (which is document order: a worker numbers its
    documents as they come)."""
    current, postings, parts = None, [], 0
    for key, held in heapq.merge(*runs, key=itemgetter(0)):  # stable: equal keys by run
        if key == current:
            postings += held
            parts += 1
            continue
        if current is not None:
            yield current, _sorted(postings, parts)
        current, postings, parts = key, held, 1
    if current is not None:
        yield current, _sorted(postings, parts)


def _sorted(postings: list[tuple], parts: int) -> list[tuple]:
    """A term's postings gathered from ``parts`` runs, put in order: documents ascend from
    run to run already, but a later run's spelling word (document -1) would not."""
    if parts > 1:
        postings.sort()
    return postings


class _FieldLengths:
    """A segment's per-document reader whose field lengths come from a list read once per
    field: writing the postings asks for the length of a posting's document at each one."""

    def __init__(self, reader) -> None:
        self._reader = reader

    def __getattr__(self, name):
        return getattr(self._reader, name)

    def doc_field_length_reader(self, fieldname: str, default: int = 0):
        length = self._reader.doc_field_length_reader(fieldname, default)
        return [length(docnum) for docnum in range(self._reader.doc_count_all())].__getitem__


def prepared_schema(schema: Schema) -> Schema:
    """A copy of ``schema`` whose text fields make their postings from ``indexed_terms``, and
    whose ID fields make them once per value: what ``FastWriter`` indexes with (never the
    schema an index keeps)."""
    fields = {}
    for name, field in schema.items():
        which = _indexed_by(field)
        if which is not None:
            field = copy.copy(field)
            field.index = partial(prepared_postings, field, which)
        elif type(field.format) is Existence and not field.unique:
            field = copy.copy(field)
            field.index = partial(_memoised_postings, field, {})
        fields[name] = field
    return Schema(**fields)


def _indexed_by(field) -> int | None:
    """Which of ``indexed_terms``' answers is this field's, if its analyzer and format are
    ones ``prepared_postings`` knows."""
    if type(field.format) not in (Positions, Frequency):
        return None
    for which, analyzer in enumerate(INDEXED):
        if getattr(field, "analyzer", None) == analyzer:
            return which
    return None


def prepared_postings(field, which: int, value, **options) -> list[tuple]:
    """(term bytes, frequency, weight, encoded value) for each term of ``value``, as
    ``field.index`` gives them (see ``Positions.word_values`` and ``Frequency.word_values``)."""
    if options or not isinstance(value, str):
        return list(type(field).index(field, value, **options))
    first, terms = indexed_terms(value)[which]
    fmt = field.format
    boost = fmt.field_boost
    if type(fmt) is Frequency:
        counts: dict[str, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        return [(utf8encode(t)[0], n, float(n) * boost, pack_uint(n)) for t, n in counts.items()]
    positions: dict[str, list[int]] = {}
    for pos, term in enumerate(terms, first):
        if term in positions:
            positions[term].append(pos)
        else:
            positions[term] = [pos]
    return [(utf8encode(t)[0], len(p), float(len(p)) * boost,
             _one_position(fmt, p[0]) if len(p) == 1 else fmt.encode(p))
            for t, p in positions.items()]


_ONE_POSITION: dict[int, bytes] = {}


def _one_position(fmt: Positions, pos: int) -> bytes:
    """``fmt.encode([pos])``, made once: most terms occur once in a clause."""
    encoded = _ONE_POSITION.get(pos)
    if encoded is None:
        encoded = _ONE_POSITION[pos] = fmt.encode([pos])
    return encoded


def _memoised_postings(field, memo: dict, value, **options) -> list[tuple]:
    """``field.index(value)`` of an ID field, made once for each of its first values."""
    if options or not isinstance(value, str):
        return list(type(field).index(field, value, **options))
    postings = memo.get(value)
    if postings is None:
        postings = list(type(field).index(field, value))
        if len(memo) < _MEMO_VALUES:
            memo[value] = postings
    return postings
