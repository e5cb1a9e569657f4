"""A term's postings read whole and scored, and kept while the index stays open.

Whoosh reads a posting at a time through its matchers, several Python calls each; here a
term's postings are read a block at a time (whoosh3's blocks of ids and weights), and scored
in one pass with Whoosh's own BM25F arithmetic (the same operations in the same order, so the
same floats). What one query read, the next one that names the term reads from memory.
"""

from __future__ import annotations

import io
import pickle
import threading
import zlib
from array import array
from collections import OrderedDict
from functools import lru_cache
from itertools import accumulate

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermsReader
from whoosh.matching import ListMatcher
from whoosh.reading import CorruptIndexError
from whoosh.scoring import BM25FScorer, WeightLengthScorer, WeightScorer
from whoosh.system import _INT_SIZE, unpack_int
from whoosh.util.numeric import byte_to_length

from .held import held

_LENGTH = [byte_to_length(b) for b in range(256)]  # a length column's byte -> the length


class Unsupported(Exception):
    """A matcher or scorer not read here (scores.py, phrase.py): Whoosh's own way is taken."""


def score_weights(reader, fieldname: str | None, scorer, weights: dict[int, float]
                  ) -> dict[int, float]:
    """docnum -> score of the postings ``weights`` of a term of ``fieldname`` (in a segment
    of ``reader``), as ``scorer`` scores each."""
    lengths = _length_bytes(reader, fieldname) if fieldname is not None else None
    if type(scorer) is BM25FScorer and lengths is not None:
        # bm25() of whoosh.scoring: the same operations in the same order, the length's
        # part worked out once for each of the 256 lengths (and, for a long list, the whole
        # score of a word found once: most postings), not once a posting
        idf, k1_plus_1, norms = _bm25_parts(scorer)
        if len(weights) < len(norms):
            return {d: idf * ((w * k1_plus_1) / (w + norms[lengths[d]]))
                    for d, w in weights.items()}
        once = [idf * ((1.0 * k1_plus_1) / (1.0 + norm)) for norm in norms]
        return {d: once[lengths[d]] if w == 1.0 else
                idf * ((w * k1_plus_1) / (w + norms[lengths[d]])) for d, w in weights.items()}
    if type(scorer) is WeightScorer:  # a field without lengths: the weight is the score
        return weights
    if isinstance(scorer, WeightLengthScorer):
        return {d: scorer._score(w, scorer.dfl(d)) for d, w in weights.items()}
    raise Unsupported(type(scorer).__name__)


def score_listed(reader, fieldname: str, scorer, ids: list[int], weights: list[float]
                 ) -> list[float]:
    """``score_weights`` of postings given as two lists side by side (a phrase's words, for
    the clauses that hold it): the scores in the same order."""
    lengths = _length_bytes(reader, fieldname)
    if type(scorer) is BM25FScorer and lengths is not None:
        idf, k1_plus_1, norms = _bm25_parts(scorer)
        return [idf * ((w * k1_plus_1) / (w + norms[lengths[d]]))
                for d, w in zip(ids, weights, strict=True)]
    return list(score_weights(reader, fieldname, scorer,
                              dict(zip(ids, weights, strict=True))).values())


def _bm25_parts(scorer: BM25FScorer) -> tuple[float, float, tuple[float, ...]]:
    """What bm25() of whoosh.scoring computes of a term's scorer alone: its idf, ``k1 + 1``,
    and the length part for each length byte."""
    return scorer.idf, scorer.K1 + 1, _length_norms(scorer.avgfl, scorer.B, scorer.K1)


def searcher_weighting(searcher, context):
    """The weighting a term's matcher is given: the context's (a boolean context has none:
    the searcher's is used), as ``Term.matcher`` takes it."""
    return (context.weighting if context is not None else None) or searcher.weighting


@lru_cache(maxsize=64)
def _length_norms(avgfl: float, b: float, k1: float) -> tuple[float, ...]:
    """``k1 * (1 - b + b * length / avgfl)`` of BM25F for each length byte, as bm25()
    computes it."""
    one_minus_b = 1 - b
    return tuple(k1 * (one_minus_b + b * length / avgfl) for length in _LENGTH)


def _length_bytes(reader, fieldname: str) -> bytes | None:
    """A segment's length column of a field, when store.py holds it in memory
    (``_Lengths``)."""
    perdoc = getattr(reader, "_perdoc", None)
    column = getattr(perdoc, "_readers", {}).get(f"_{fieldname}_len")
    data = getattr(column, "data", None)
    return data if isinstance(data, bytes) else None


CACHED_POSTINGS = 1_000_000  # a term's postings cost a query ~1 µs each to read and score


class TermCache:
    """What was read of a term's postings (its scores, or its weights), and a phrase's
    answer, kept for the queries that follow while the index stays open: saved searches and
    concepts share many words. The least recently used go past ``CACHED_POSTINGS`` postings
    held, each entry counting one more than it holds (an empty answer is not free). What it
    holds is never changed by those who read it."""

    def __init__(self) -> None:
        self.items: OrderedDict[tuple, dict] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key: tuple, make) -> dict:
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found
        found = make()
        with self.lock:
            if key not in self.items:
                self.items[key] = found
                self.size += len(found) + 1
            while self.size > CACHED_POSTINGS and len(self.items) > 1:
                _, old = self.items.popitem(last=False)
                self.size -= len(old) + 1
        return found


def scored_postings(reader, m, cache: TermCache) -> dict[int, float]:
    """docnum -> score of each posting of the term of leaf matcher ``m`` (of a segment of
    ``reader``), as ``m.score()`` scores it: kept in ``cache`` for the next query that names
    the term."""
    scorer = scorer_of(m)
    if m._term is None:
        return score_weights(reader, None, scorer, postings_weights(m))
    return cache.get((id(reader), *m._term, scoring_model(scorer)),
                     lambda: score_weights(reader, m._term[0], scorer, postings_weights(m)))


def term_scores(reader, fieldname: str, tbytes: bytes, scorer, cache: TermCache
                ) -> dict[int, float]:
    """``scored_postings`` of a term of a segment of ``reader`` (whoosh3's, which
    ``reads_terms``) without its matcher: whoosh3's matcher reads the term's first block as it
    is made, which the postings read whole read again, and a term another query read is then
    not read at all."""
    return cache.get((id(reader), fieldname, tbytes, scoring_model(scorer)),
                     lambda: score_weights(reader, fieldname, scorer,
                                           _term_weights(reader, fieldname, tbytes)))


def reads_terms(reader) -> bool:
    """Whether ``term_scores`` reads this segment's terms (whoosh3's term table)."""
    return isinstance(getattr(reader, "_terms", None), W3TermsReader)


def term_weights(reader, fieldname: str, tbytes: bytes, cache: TermCache
                 ) -> dict[int, float]:
    """docnum -> weight of every posting of a term of a segment of ``reader`` (whoosh3's),
    kept in ``cache`` for the next phrase that names it."""
    return cache.get((id(reader), fieldname, tbytes, "weights"),
                     lambda: _term_weights(reader, fieldname, tbytes))


def _term_weights(reader, fieldname: str, tbytes: bytes) -> dict[int, float]:
    """The weights ``postings_weights`` reads from the matcher whoosh3 would make: inlined in
    the term's record, or in blocks after the postings' header tag."""
    terms = reader._terms
    info = terms.term_info(fieldname, tbytes)
    if info.is_inlined():
        ids, weights, _ = info.inlined_postings()
        return dict(zip(ids, weights, strict=True)) if weights else dict.fromkeys(ids, 1.0)
    offset, _ = info.extent()
    if terms._postfile.get(offset, len(WHOOSH3_HEADER_MAGIC)) != WHOOSH3_HEADER_MAGIC:
        raise CorruptIndexError(f"bad postings header at offset {offset}")
    return _blocks(terms._postfile, offset + len(WHOOSH3_HEADER_MAGIC))


def scorer_of(m):
    """A leaf matcher's scorer (a ``ListMatcher`` keeps it under another name)."""
    return m._scorer if type(m) is ListMatcher else m.scorer


def scoring_model(scorer) -> tuple:
    """What a term's scores depend on besides the term and the index: its scorer's kind and
    parameters (a cache key)."""
    return (type(scorer), getattr(scorer, "B", None), getattr(scorer, "K1", None))


def term_cache(searcher) -> TermCache:
    """The term cache of the open index ``searcher`` (or one of its segments) belongs to."""
    return held(searcher.get_parent().reader(), "_term_cache", TermCache)


def postings_weights(m) -> dict[int, float]:
    """docnum -> weight of every posting of a term (a ``W3LeafMatcher``, read from its first
    block, however far the matcher had read, or an inlined ``ListMatcher``)."""
    if type(m) is ListMatcher:
        if m._all_weights:
            return dict.fromkeys(m._ids, m._all_weights)
        if not m._weights:
            return dict.fromkeys(m._ids, 1.0)
        return dict(zip(m._ids, m._weights, strict=True))
    if m._byteids:
        raise Unsupported("a posting list of byte ids")
    return _blocks(m._postfile, m._baseoffset)


def _blocks(postfile, position: int) -> dict[int, float]:
    """The postings of whoosh3's blocks from ``position`` on, each block read whole: its
    length (negative for the last), its pickled header (count, max id, max weight,
    compression, lengths), then its pickled (id gaps, weights, values), compressed or not.
    What ``W3LeafMatcher`` reads a posting at a time: the ids added up from their gaps, and
    weights of None (all one) or one float (all alike) read as whoosh3 reads them (as
    float32, which the writer's weights already are)."""
    found: dict[int, float] = {}
    while True:
        length = unpack_int(postfile.get(position, _INT_SIZE))[0]
        block = io.BytesIO(postfile.get(position + _INT_SIZE, abs(length)))
        try:
            compression = pickle.load(block)[3]
            data = block.read()
            gaps, weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
            if weights is None:
                found.update(dict.fromkeys(accumulate(gaps), 1.0))
            elif isinstance(weights, float):
                found.update(dict.fromkeys(accumulate(gaps), array("f", (weights,))[0]))
            else:
                found.update(zip(accumulate(gaps), weights, strict=True))
        except Exception as exc:  # bytes that are not a block: pickle raises many kinds
            raise CorruptIndexError(f"damaged postings block at offset {position} "
                                    f"({type(exc).__name__}: {exc})") from None
        if length < 0:
            return found
        position += _INT_SIZE + length
