"""Phrases of the ``chars`` field, checked on each clause's tokens: the field keeps no positions.

Whoosh matches a phrase by intersecting its words' postings one clause at a time and then
comparing their positions (``SpanNear2``): in Python, per clause and per word, so a phrase of
common characters (``"公共文化服务"``: thousands of clauses hold all six) took a third of a
second at 10k clauses. Here each word's postings are read a block at a time, the clauses
holding every word are found by intersecting sets, and each is kept if its tokens (the rank
column) hold the phrase side by side: the same clauses, since the tokens are the field's terms
in position order. A phrase with slop (``"..."~N``) is checked on the same tokens as
Whoosh reads positions. Each kept clause is scored as Whoosh scores the phrase (the sum of its
words' BM25F scores, added in the same order), so ranking is unchanged.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import add

from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import Phrase, Query
from whoosh.scoring import WeightLengthScorer

from .postings import (
    reads_terms,
    score_listed,
    scoring_model,
    searcher_weighting,
    term_cache,
    term_weights,
)
from .rank_column import rank_records

FIELD = "chars"  # the field whose terms the rank column's tokens are


class TokenPhrase(Phrase):
    """A ``Phrase`` of the ``chars`` field: its words side by side (slop 1), or in order with
    at most ``slop - 1`` tokens between one and the next (``"..."~N``, as Whoosh's
    ``SpanNear2`` with ``ordered`` and ``mindist=1`` reads positions)."""

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        field = searcher.schema[self.fieldname]
        words = [field.to_bytes(word) for word in self.words]
        if any((self.fieldname, word) not in reader for word in words):
            return NullMatcher()
        # the scorers Term.matcher would give its words' matchers
        weighting = searcher_weighting(searcher, context)
        scorers = [weighting.scorer(searcher, self.fieldname, word) for word in words]
        if not reads_terms(reader) or not all(isinstance(s, WeightLengthScorer)
                                               for s in scorers):
            # not what this module reads (another codec or weighting): Whoosh's own, which
            # says the field has no positions
            return super().matcher(searcher, context)
        cache = term_cache(searcher)
        run = " ".join(self.words).encode("utf-8")
        scores = cache.get((id(reader), self.fieldname, run, self.slop,
                            scoring_model(scorers[0])),
                           lambda: _run_scores(reader, self.fieldname, words, scorers,
                                               self.words, run, self.slop, cache))
        if not scores:
            return NullMatcher()
        ids = list(scores)  # in document order
        return ListMatcher(ids, weights=[scores[d] * self.boost for d in ids])


def _run_scores(reader, fieldname: str, terms: list[bytes], scorers: list, words: list[str],
                run: bytes, slop: int, cache) -> dict[int, float]:
    """docnum -> score, in document order, of the clauses of a segment whose tokens hold the
    phrase: those holding every word (their postings' weights, kept for the next phrase that
    names a word), less the segment's deleted clauses, then the phrase checked on their
    tokens; each scored as the sum of its words' BM25F scores, only for the clauses found."""
    weights = [term_weights(reader, fieldname, term, cache) for term in terms]
    common = _held_by_all(weights).difference(reader.deleted_docs_set)
    records = rank_records(reader)
    side_by_side = set(records.holding_run(common, run))
    if slop > 1:  # side by side is near enough; the others are read token by token
        side_by_side.update(d for d in common - side_by_side
                            if near_in_order(records.tokens(d).split(" "), words, slop))
    ids = sorted(side_by_side)
    scores = _tree_sum([score_listed(reader, fieldname, scorer, ids, list(map(w.__getitem__, ids)))
                        for scorer, w in zip(scorers, weights, strict=True)])
    return dict(zip(ids, scores, strict=True))


def _held_by_all(weights: list[dict[int, float]]) -> set[int]:
    """The docnums in every one of ``weights``: from the shortest on, each step reading the
    smaller of what is left and the next (a dict's keys and a set intersect that way)."""
    shortest, *others = sorted(weights, key=len)
    common = set(shortest)
    for w in others:
        common = w.keys() & common
    return common


def near_in_order(tokens: list[str], words: list[str], slop: int) -> bool:
    """Whether ``tokens`` hold ``words`` in order, each one to ``slop`` tokens after the one
    before (Whoosh's ``SpanNear2(ordered=True, mindist=1)`` on positions)."""
    reached = [i for i, token in enumerate(tokens) if token == words[0]]
    for word in words[1:]:
        if not reached:
            return False
        first = reached[0]
        # a place is reached if one reached before stands 1 to slop tokens ahead of it
        reached = [i for i, token in enumerate(tokens[first + 1:], first + 1) if token == word
                   and bisect_left(reached, i - slop) < bisect_left(reached, i)]
    return bool(reached)


def _tree_sum(scores: list[list[float]]) -> list[float]:
    """The words' scores (lists side by side) added as Whoosh's intersection of their matchers
    adds them: halves added recursively (``make_binary_tree``), so each sum is the same to
    the last bit."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return list(map(add, _tree_sum(scores[:half]), _tree_sum(scores[half:])))


def token_phrases(query: Query) -> Query:
    """``query`` with each phrase of the ``chars`` field as a ``TokenPhrase`` (a query
    without one is returned as it is): the field keeps no positions. A slop below 1 (which
    Whoosh's parser never gives) is read as 1, the words side by side."""
    if not any(_of_chars(leaf) for leaf in query.leaves()):
        return query
    if _of_chars(query):
        return TokenPhrase(query.fieldname, query.words, slop=max(1, query.slop),
                           boost=query.boost, char_ranges=query.char_ranges)
    return query.apply(token_phrases)


def _of_chars(query: Query) -> bool:
    return type(query) is Phrase and query.fieldname == FIELD
