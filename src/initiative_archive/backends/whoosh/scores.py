"""Every matching clause's score, worked out a posting list at a time.

Whoosh scores a query by walking its tree of matchers one clause at a time, several Python
calls per clause and per word; a word found in thousands of clauses cost a word query most of
its time. Here the same matcher tree is read whole: each word's postings read and scored in
one pass (postings.py), and combined node by node as Whoosh's matchers combine them: a union adds
the scores of the sides that match, an intersection adds both, AND NOT keeps the left's.

A tree with any other kind of matcher is left to Whoosh (``None``). A concept's variants are
not Whoosh's ``DisjunctionMax`` but ``BestVariant``: Whoosh's ``DisjunctionMaxMatcher`` compares
one side's score for the current clause with the other side's for whatever clause it stands
on, and drops every remaining clause of one side once the other runs out.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import (
    AndMaybeMatcher,
    AndNotMatcher,
    ArrayUnionMatcher,
    FilterMatcher,
    IntersectionMatcher,
    ListMatcher,
    NullMatcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.query import And, AndMaybe, AndNot, DisjunctionMax, Or, Term
from whoosh.util import make_weighted_tree

from .postings import (
    Unsupported,
    reads_terms,
    scored_postings,
    searcher_weighting,
    term_cache,
    term_scores,
)


def all_scores(searcher, query, check=lambda: None) -> dict[int, float] | None:
    """docnum -> score of every clause ``query`` matches (deleted ones aside), as Whoosh's
    collectors would score it, or None for a query with a matcher not read here. ``check`` is
    called before each posting list is read (a deadline)."""
    context = searcher.context()  # what search_with_collector gives its collector
    found: dict[int, float] = {}
    try:
        for subsearcher, offset in searcher.leaf_searchers():
            segment = _Segment(subsearcher, check)
            scores = segment.query_scores(query, context)
            if offset:
                found.update({docnum + offset: s for docnum, s in scores.items()})
            else:
                found.update(scores)
    except Unsupported:
        return None
    return found


class _Segment:
    """One segment's query read whole."""

    def __init__(self, searcher, check) -> None:
        self.searcher, self.reader, self.check = searcher, searcher.reader(), check
        self.cache = term_cache(searcher)
        self.reads_terms = reads_terms(self.reader)

    def query_scores(self, q, context) -> dict[int, float]:
        """Every clause ``q`` matches. The boolean nodes are combined from their subqueries'
        scores as Whoosh's matchers would combine them, without making the matchers: an AND,
        and an OR Whoosh would make a tree of unions of, in that tree (``_tree``); an OR
        Whoosh would preload, summed; AND NOT and AND MAYBE, side by side. An intersection
        steps its sides to their first common clause as it is made, and an
        ``ArrayUnionMatcher`` scores a first stretch of each of its words' postings, a posting
        at a time, where the scores are worked out here anyway. Any other query is read from
        its matcher tree."""
        kind = type(q)
        if _preloaded_or(q, self.searcher, context):
            return _preloaded_sum([self.query_scores(sub, context) for sub in q.subqueries],
                                  q.boost)
        if kind is And or _union_tree(q):
            return self._tree(q, context)
        if kind is AndNot:  # Whoosh asks the left side's clauses of the right one unscored
            return _BINARY[AndNotMatcher](
                self.query_scores(q.a, context),
                self.query_scores(q.b, self.searcher.boolean_context()))
        if kind is AndMaybe:
            return _BINARY[AndMaybeMatcher](self.query_scores(q.a, context),
                                            self.query_scores(q.b, context))
        if kind is Term and not q.minquality and self.reads_terms:
            return self.term(q, context)
        return self.scores(q.matcher(self.searcher, context))

    def term(self, q: Term, context) -> dict[int, float]:
        """``Term.matcher`` and ``Searcher.postings`` on scores, without the matcher: the
        term's postings scored by the searcher's weighting (a boolean context has none),
        less the segment's deleted clauses (a ``FilterMatcher``), times the query's boost
        (a ``WrappingMatcher``)."""
        searcher, reader, fieldname = self.searcher, self.reader, q.fieldname
        if fieldname not in searcher.schema:
            return {}
        try:
            tbytes = searcher.schema[fieldname].to_bytes(q.text)
        except ValueError:
            return {}
        if (fieldname, tbytes) not in reader:
            return {}
        weighting = searcher_weighting(searcher, context)
        self.check()
        scores = term_scores(reader, fieldname, tbytes,
                             weighting.scorer(searcher, fieldname, tbytes), self.cache)
        if deleted := reader.deleted_docs_set:
            scores = {d: s for d, s in scores.items() if d not in deleted}
        boost = q.boost
        return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}

    def _tree(self, q, context) -> dict[int, float]:
        """``CompoundQuery.matcher`` and ``_tree_matcher`` of an AND or an OR, on scores: one
        subquery is itself (its boost alone counts), several are combined two at a time in
        Whoosh's weighted tree (the smaller first for an AND, the larger for an OR), then
        boosted."""
        subs = q.subqueries
        if not subs:
            return {}
        if len(subs) == 1:
            return self.query_scores(subs[0], context)
        reader = self.searcher.reader()
        if type(q) is And:
            weighted = [(0 - sub.estimate_size(reader), sub) for sub in subs]
            if any(weight == 0 and type(sub) is Term for weight, sub in weighted):
                return {}  # a word the segment lacks: no clause has them all (and none is read)
            combine = _BINARY[IntersectionMatcher]
        else:
            weighted = [(sub.estimate_size(reader), sub) for sub in subs]
            combine = _union
        scores = make_weighted_tree(
            lambda a, b: _Node(combine(a.scores, b.scores)),
            [(weight, _Node(self.query_scores(sub, context))) for weight, sub in weighted]).scores
        boost = q.boost
        return scores if boost == 1.0 else {d: s * boost for d, s in scores.items()}

    def scores(self, m) -> dict[int, float]:
        """Every clause ``m`` matches from the start of its words' postings, whatever it has
        read already (an intersection steps its sides to their first common clause as it is
        made, Whoosh's OR of a small index reads a first stretch): so no matcher is asked
        whether it is still active."""
        kind = type(m)
        if kind is W3LeafMatcher or (kind is ListMatcher and m._scorer is not None):
            self.check()
            return self.leaf(m)
        if kind is ListMatcher and not m._all_weights:  # phrase.py's: its weights are scores
            return dict(zip(m._ids, m._weights, strict=True))
        if kind is NullMatcherClass:
            return {}
        if kind is FilterMatcher:
            inner, ids, boost = self.scores(m.child), m._ids, m.boost
            return {d: s * boost for d, s in inner.items() if (d in ids) != m._exclude}
        if kind is WrappingMatcher:
            boost = m.boost
            return {d: s * boost for d, s in self.scores(m.child).items()}
        if kind is ArrayUnionMatcher and m._scored:
            return self.preloaded(m)
        if kind not in _BINARY:
            raise Unsupported(kind.__name__)
        a, b = self.scores(m.a), self.scores(m.b)
        return _BINARY[kind](a, b)

    def preloaded(self, m: ArrayUnionMatcher) -> dict[int, float]:
        return _preloaded_sum([self.scores(sub) for sub in m._submatchers], m._boost)

    def leaf(self, m) -> dict[int, float]:
        return scored_postings(self.reader, m, self.cache)


def _preloaded_or(q, searcher, context) -> bool:
    """Whether ``q`` is an OR whose matcher Whoosh makes an ``ArrayUnionMatcher`` of
    (``Or._matcher``'s choice: 1,024 subqueries or more; or more than two, in a segment of at
    most 5,000 clauses, with no coordination bonus and no need of the current clause)."""
    if type(q) is not Or or q.matcher_type != Or.AUTO_MATCHER:
        return False
    count = len(q.subqueries)
    needs_current = context.needs_current if context else True
    return 2 < count < Or.TOO_MANY_CLAUSES and not (
        needs_current or q.scale or searcher.doc_count_all() > 5000) or (
        count >= Or.TOO_MANY_CLAUSES)


def _union_tree(q) -> bool:
    """Whether ``q`` is an OR whose matcher Whoosh makes a weighted tree of
    ``UnionMatcher`` of (``Or._matcher``'s ``DefaultOr``), without coordination scaling
    (``_preloaded_or`` is asked first)."""
    return type(q) is Or and not q.scale and q.matcher_type in (Or.AUTO_MATCHER,
                                                                 Or.DEFAULT_MATCHER) and (
        q.matcher_type == Or.DEFAULT_MATCHER or len(q.subqueries) < Or.TOO_MANY_CLAUSES)


class _Node:
    """Scores as an item of Whoosh's ``make_weighted_tree``: two of equal weight compare as
    Whoosh's matchers do there (equal, neither less), so the tree has the same shape and the
    scores are added in the same order."""

    __slots__ = ("scores",)

    def __init__(self, scores: dict[int, float]) -> None:
        self.scores = scores

    def __eq__(self, other: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return False


def _preloaded_sum(scores: list[dict[int, float]], boost: float) -> dict[int, float]:
    """Whoosh's OR of a small index (``ArrayUnionMatcher``): each clause's score is the sum
    of its subqueries' (each times the boost), in their order, starting from zero; a clause
    whose sum is not above zero is no match."""
    out: dict[int, float] = {}
    for each in scores:
        for d, s in each.items():
            out[d] = (out[d] if d in out else 0) + s * boost
    return {d: s for d, s in out.items() if s > 0}


def _union(a: dict, b: dict) -> dict:
    out = dict(a)
    for d, s in b.items():
        out[d] = out[d] + s if d in out else s
    return out


def _intersection(a: dict, b: dict) -> dict:
    """The clauses of both, each scored the sum of its two scores (a + b is b + a to the
    bit, so the smaller side is the one walked)."""
    if len(b) < len(a):
        return {d: a[d] + s for d, s in b.items() if d in a}
    return {d: s + b[d] for d, s in a.items() if d in b}


_BINARY = {
    UnionMatcher: _union,
    IntersectionMatcher: _intersection,
    AndNotMatcher: lambda a, b: {d: s for d, s in a.items() if d not in b},
    AndMaybeMatcher: lambda a, b: {d: s + b[d] if d in b else s for d, s in a.items()},
}


class BestVariant(DisjunctionMax):
    """A concept's variants searched as one: a clause scores as its best-scoring variant, plus
    ``tiebreak`` times the sum of the others it states (Lucene's dis_max), so that no number
    of renderings of one concept outweighs another concept, yet a clause naming several of
    them comes before one naming a single one. Worked out whole for a segment; Whoosh's own
    way where a variant's matcher is not one read here."""

    def matcher(self, searcher, context=None):
        segment = _Segment(searcher, lambda: None)
        try:
            each = [segment.query_scores(q, context) for q in self.subqueries]
        except Unsupported:
            return super().matcher(searcher, context)
        best, total = _best_and_total(each)
        if not best:
            return NullMatcher()
        ids = sorted(best)
        tiebreak = self.tiebreak
        if not tiebreak:
            return ListMatcher(ids, weights=[best[d] for d in ids])
        return ListMatcher(ids, weights=[best[d] + tiebreak * (total[d] - best[d]) for d in ids])


def _best_and_total(each: list[dict[int, float]]) -> tuple[dict[int, float], dict[int, float]]:
    """For each clause, its best score among the variants' and the sum of them all, added
    one by one in the variants' order."""
    if not each:
        return {}, {}
    best, total = dict(each[0]), dict(each[0])
    for scores in each[1:]:
        for d, s in scores.items():
            if d in best:
                total[d] += s
                if s > best[d]:
                    best[d] = s
            else:
                best[d] = total[d] = s
    return best, total
