"""Query -> hits: parsing, filters, BM25F ranking, the smallest matching unit, highlights.

A query is Whoosh's query language (AND, OR, NOT, "phrases", field:value, wildcards). A bare
word is looked up in ``text`` (jieba's sub-words and every Han bigram, stemmed English); a quoted
phrase in ``chars`` (one token per Han character), where it must match as a contiguous string.
By default any word may match; a plain query's hits are ranked in match levels (ranking.py).
Only the best-scoring ``rank_depth`` clauses are read; the others are counted.

An article and its paragraphs and items are all indexed; when several units of one family match,
the best-scoring one stands for the family, so the reader sees the smallest unit that says it.

Every query has a budget (``QueryLimits``), checked as the query is read and run: its length,
the terms it names, what its wildcards expand to, the postings it would read and the time it
takes. A wildcard such as ``**`` asks Whoosh to score every word of the index against every
clause; past a limit the query is refused with a hint rather than holding the terminal.
"""

from __future__ import annotations

import copy as _copy
import heapq
import re
import time
from dataclasses import replace
from functools import lru_cache
from operator import itemgetter

from whoosh.query import (
    And,
    Every,
    MultiTerm,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
    Wildcard,
)

from ...analysis import STOP, analyze, char_sequence, query_spans
from ...engine import Explanation, Filters
from ...errors import IndexMissingError, NotFoundError, QueryError
from ...language import fold_han, load_folds
from ...model import Clause, Hit, SearchResult
from ...query_limits import DEFAULT_LIMITS, QueryLimits
from ...ranking import LEVELS, Runs, query_shape, rank_keys
from .held import held
from .phrase import token_phrases
from .rank_column import rank_records
from .scores import BestVariant, all_scores
from .store import DAMAGE

TRANSLATION_DEPTH = 50  # clauses found through the glossary read even below the rank depth
# a concept's other variants a clause states add this share of their scores to its best one
# (Lucene's dis_max tie breaker, at the value Elasticsearch's multi_match examples use; 0.3
# and 0.5 scored alike on bench/relevance.json, 0 to 0.2 lower: see CHANGELOG.md)
CONCEPT_TIEBREAK = 0.3
MAX_SUGGESTED_WORDS = 12  # 'did you mean' looks at this many distinct words at most
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_FIELD_OR_OPERATOR = re.compile(r"\b\w+:|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|[()*?~^]")
_ASCII_WORDS = re.compile(r"[a-z]+")
_FIELD_VALUE = re.compile(r"\b\w+:(?:\([^)]*\)|\"[^\"]*\"|\S+)")  # never corrected
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_FIELD_ALIASES = {"doc_id": ["doc"], "text": ["clause"], "label": [], "title": ["alias"]}


_NARROW = "narrow it: fewer words, more letters before a * or ?, or a filter such as --doc"


def _han(ch: str) -> bool:
    """A character of CJK Unified Ideographs or its Extension A: what these tests read as
    Chinese in a query or a concept's name (short texts: a character class of these ranges
    costs milliseconds to compile, more than a short text costs to read)."""
    return "\u3400" <= ch <= "\u9fff"


def _lone_han_in(text: str) -> bool:
    """Whether ``text`` holds a Chinese character with none on either side."""
    return not text.isascii() and any(
        _han(ch) and not (at and _han(text[at - 1])) and not _han(text[at + 1:at + 2] or " ")
        for at, ch in enumerate(text))


def _has_han(text: str) -> bool:
    return not text.isascii() and any(map(_han, text))


def _all_han(text: str) -> bool:
    return not text.isascii() and all(map(_han, text))


class Budget:
    """A deadline for one query, checked between steps of work."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> bool:
        return time.monotonic() < self.deadline

    def check(self) -> None:
        if not self.left():
            raise QueryError(f"the query took longer than {self.seconds:g} s and was stopped",
                             _NARROW)


@lru_cache(maxsize=1)
def _deadline_collector() -> type:
    """A Whoosh collector that checks the budget every 64 matching clauses, before scoring
    them. Made when first needed: most queries never reach Whoosh's collectors, whose module
    costs a cold search 5 ms to import."""
    from whoosh.collectors import WrappingCollector

    class DeadlineCollector(WrappingCollector):
        def __init__(self, child, budget: Budget) -> None:
            super().__init__(child)
            self.budget = budget

        def collect_matches(self) -> None:
            for n, sub_docnum in enumerate(self.child.matches()):
                if not n & 63:
                    self.budget.check()
                self.collect(sub_docnum)

    return DeadlineCollector


def filter_query(filters: Filters) -> Query:
    """The clauses ``filters`` let through, as a Whoosh query."""
    parts: list[Query] = [Term("record", "clause")]
    if filters.docs:
        parts.append(Or([Term("doc_id", d) for d in filters.docs]))
    if filters.kinds:
        parts.append(Or([Term("kind", k) for k in filters.kinds]))
    else:  # meeting records are searched only when asked for
        parts.append(Not(Term("kind", "meeting")))
    if filters.langs:
        parts.append(Or([q for lang in filters.langs
                         for q in (Term("lang", lang), Prefix("lang", lang + "-"))]))
    if filters.roles:
        parts.append(Or([Term("role", r) for r in filters.roles]))
    if filters.date_from or filters.date_to:
        end = f"{filters.date_to}\uffff" if filters.date_to else None
        parts.append(TermRange("date", filters.date_from, end))
    return And(parts)


@lru_cache(maxsize=1)
def _words_and_phrases() -> type:
    """The parser plugin that says which field each word is looked up in (a class made when
    first needed: Whoosh's query parser costs a cold search 14 ms to import, and a query of
    plain words never needs it, see ``plain_query``)."""
    from whoosh import qparser

    class WordsAndPhrases(qparser.MultifieldPlugin):
        """A bare word is looked up in ``text`` (jieba's words and every bigram of a Han run,
        so its parts are found), a lone Han character in ``chars`` as well (it need not be a
        word of its own), and a quoted phrase in ``chars``, where it must stand as one
        contiguous run: a phrase asked of ``text`` (``clause:"..."``) too, since ``text``
        keeps no positions. Each lookup in a field costs a pass over its postings, so none
        is made twice."""

        def __init__(self) -> None:
            super().__init__(["text", "chars"])

        def do_multifield(self, parser, group):
            for i, node in enumerate(group):
                if isinstance(node, qparser.syntax.GroupNode):
                    group[i] = self.do_multifield(parser, node)
                elif isinstance(node, qparser.PhrasePlugin.PhraseNode) and (
                        node.fieldname == "text"):
                    node.set_fieldname("chars", override=True)
                elif node.has_fieldname and node.fieldname is None:
                    copies = []
                    for name in _fields_of(node):
                        copy = _copy.copy(node)
                        copy.set_fieldname(name)
                        copies.append(copy)
                    group[i] = copies[0] if len(copies) == 1 else self.group(copies)
            return group

    return WordsAndPhrases


def _fields_of(node) -> tuple[str, ...]:
    from whoosh import qparser

    if isinstance(node, qparser.PhrasePlugin.PhraseNode):
        return ("chars",)
    return _word_fields(getattr(node, "text", "") or "")


def _word_fields(word: str) -> tuple[str, ...]:
    return ("text", "chars") if _lone_han_in(word) else ("text",)


def make_parser(schema, match: str = "any"):
    from whoosh import qparser

    group = qparser.AndGroup if match == "all" else qparser.OrGroup.factory(COORDINATION)
    parser = qparser.QueryParser(None, schema, group=group)
    parser.add_plugin(_words_and_phrases()())
    parser.add_plugin(qparser.FieldAliasPlugin(_FIELD_ALIASES))
    return parser


COORDINATION = 0.9  # the parser's OR group's scale (normalising drops it; see plain_query)
_PLAIN_WORD = re.compile(r"(?:[^\W_]|[-.,，。、；])+")
_QUOTED_PLAIN = re.compile(r'"((?:[^\W_]|[-.,，。、；])+(?: (?:[^\W_]|[-.,，。、；])+)*)"')
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})


def plain_query(text: str, schema, match: str = "any") -> Query | None:
    """The query Whoosh's parser makes of ``text`` when it is only words (letters and digits
    of any script, hyphens, full stops, commas, and 、，。；) between spaces, made without the
    parser; None for anything else (quotes, fields, operators, wildcards, brackets), which
    the parser reads. Most queries are plain words, and the parser costs a cold search 14 ms
    to import and a warm one half a millisecond to run. The parser's steps: each word analysed
    for its fields (``_word_fields``, ``multitoken_query``), the words grouped by ``match``,
    then normalised as Whoosh normalises a parsed query (tested to be equal)."""
    words = text.split()
    if not words or any(w in _OPERATORS or not _PLAIN_WORD.fullmatch(w) for w in words):
        return None
    nodes: list[Query] = []
    for word in words:
        fields = _word_fields(word)
        found = [q for q in (_word_query(schema[name], name, word) for name in fields)
                 if q is not None]
        if len(fields) > 1:
            nodes.append(Or(found))
        elif found:
            nodes.append(found[0])
    group = And(nodes) if match == "all" else Or(nodes, scale=COORDINATION)
    return (group if group else NullQuery).normalize()


def quoted_query(text: str, schema) -> Query | None:
    """The query Whoosh's parser makes of ``text`` when it is one quoted phrase of plain words
    (as ``plain_query`` reads them, one space apart) and nothing else, made without the parser
    (a search of a phrase costs a process's first one ~6 ms to import and build it): the
    phrase's tokens in the ``chars`` field (``do_multifield``), side by side, with their
    places in ``text``, normalised (no token is nothing, one is its term); None for anything
    else (tested to be equal)."""
    found = _QUOTED_PLAIN.fullmatch(text)
    if found is None:
        return None
    at = found.start(1)
    tokens = [(t.text, at + t.startchar, at + t.endchar) for t in
              schema["chars"].tokenize(found.group(1), mode="query", chars=True)]
    return Phrase("chars", [word for word, _, _ in tokens], slop=1,
                  char_ranges=[(start, end) for _, start, end in tokens]).normalize()


def _word_query(field, name: str, word: str) -> Query | None:
    """What Whoosh's ``QueryParser.term_query`` makes of one word in one field."""
    tokens = list(field.process_text(word, mode="query", tokenize=True, removestops=True))
    if not tokens:
        return None
    if len(tokens) == 1:
        return Term(name, tokens[0])
    if field.multitoken_query == "phrase":
        return Phrase(name, tokens)
    return Or([Term(name, t) for t in tokens])


def parse_query(text: str, schema, match: str = "any",
                limits: QueryLimits = DEFAULT_LIMITS) -> Query:
    """The Whoosh query for a researcher's query string; QueryError for what cannot be read or
    names more than ``limits`` allow before the index is even opened."""
    if len(text) > limits.max_chars:
        raise QueryError(f"the query is {len(text)} characters long; the limit is "
                         f"{limits.max_chars}", "search for a shorter passage")
    if not text.strip():
        raise QueryError("the query is empty", "give a word or a phrase to search for")
    text = _LONE_SURROGATE.sub("\ufffd", balance_quotes(text)[0])  # undecodable argv bytes
    try:
        folded = fold_han(text)
        query = plain_query(folded, schema, match)
        if query is None:
            query = quoted_query(folded, schema)
        if query is None:
            query = make_parser(schema, match).parse(folded)
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot read the query: {exc}",
                         'quote unusual characters, e.g. "title:("') from None
    query = token_phrases(query)
    check_wildcards(query, limits)
    named = sum(len(leaf.words) if isinstance(leaf, Phrase) else 1 for leaf in _leaves(query))
    _check_terms(named, limits)
    return query


def check_wildcards(query: Query, limits: QueryLimits) -> None:
    """A wildcard needs a few real characters: ``**`` or ``??`` stands for most of the index."""
    for leaf in _leaves(query):
        if isinstance(leaf, Wildcard | Prefix):
            literal = len(leaf.text.replace("*", "").replace("?", ""))
            if literal < limits.min_literal:
                pattern = leaf.text + ("*" if isinstance(leaf, Prefix) else "")
                raise QueryError(f"the wildcard {pattern!r} needs at least "
                                 f"{limits.min_literal} character(s) besides * and ?",
                                 "give the start of the word, e.g. librar*")


def _check_terms(count: int, limits: QueryLimits) -> None:
    if count > limits.max_terms:
        raise QueryError(f"the query names {count} terms; the limit is {limits.max_terms}",
                         "search for a shorter passage")


def budget_query(query: Query, reader, limits: QueryLimits, budget: Budget) -> Query:
    """The query as it will run, checked against the index: what wildcards expand to, how many
    terms and postings it reads. A bare ``*`` becomes 'every clause', which costs nothing,
    instead of a walk through every posting of a field."""
    expansions = postings = terms = 0
    for leaf in _leaves(query):
        budget.check()
        if isinstance(leaf, MultiTerm):
            words = _expand(leaf, reader, limits.max_expansions - expansions)
            expansions += len(words)
        elif isinstance(leaf, Phrase):
            words = list(leaf.words)
        elif isinstance(leaf, Term):
            words = [leaf.text]
        else:
            continue
        terms += len(words)
        _check_terms(terms, limits)
        postings += sum(reader.doc_frequency(leaf.fieldname, w) for w in words)
        if postings > limits.max_postings:
            raise QueryError(f"the query would read more than {limits.max_postings} postings "
                             "of the index", _NARROW)
    return query.accept(_cheap_every)


def _expand(leaf: MultiTerm, reader, room: int) -> list:
    words = []
    for word in leaf._btexts(reader):  # Whoosh's own expansion, stopped at the limit
        words.append(word)
        if len(words) > room:
            raise QueryError(f"the wildcard or range {leaf} matches too many words of the "
                             "index", "give more characters before the * or ? (e.g. librar*)")
    return words


def _cheap_every(query: Query) -> Query:
    if isinstance(query, Every) and query.fieldname in ("text", "chars"):
        return Every(boost=query.boost)  # every clause has text: no need to read postings
    return query


def balance_quotes(text: str) -> tuple[str, list[str]]:
    """Chinese quotation marks as phrase quotes; an unpaired quote (a snippet pasted with its
    own quotation mark) is dropped rather than refused."""
    text = text.translate(_QUOTES)
    if text.count('"') % 2 == 0:
        return text, []
    at = text.rfind('"')
    return text[:at] + " " + text[at + 1:], ["ignored an unpaired quotation mark in the query"]


def smallest_units(ranked: list[dict]) -> list[dict]:
    """Keep, for each family of nested units, only the best-scoring one: a clause is dropped
    when one of its ancestors or descendants is already kept."""
    kept: list[dict] = []
    kept_ids: set[str] = set()
    kept_ancestors: set[str] = set()
    for hit in ranked:
        cid, ancestors = hit["clause_id"], hit.get("ancestors") or ()
        if cid in kept_ancestors or not kept_ids.isdisjoint(ancestors):
            continue
        kept.append(hit)
        kept_ids.add(cid)
        kept_ancestors.update(ancestors)
    return kept


class Highlighter:
    """What a query marks in a hit's text, read off the query once for all the hits shown (a
    query with a concept carries dozens of phrases): ``spans`` of a text are the words of the
    ``text`` field and the runs of the ``chars`` field's phrases it holds."""

    def __init__(self, query: Query) -> None:
        leaves = _leaves(query)
        self.terms = {field: {leaf.text for leaf in leaves
                              if isinstance(leaf, Term) and leaf.fieldname == field}
                      for field in ("text", "chars")}
        self.phrases = [(leaf.fieldname, list(leaf.words)) for leaf in leaves
                        if isinstance(leaf, Phrase) and leaf.fieldname in self.terms
                        and leaf.words]
        self.firsts = {field: {words[0] for f, words in self.phrases if f == field}
                       for field in self.terms}

    def spans(self, text: str) -> tuple[tuple[int, int], ...]:
        word_tokens, char_tokens = query_spans(text)
        spans = [(s, e) for term, s, e in word_tokens if term in self.terms["text"]]
        spans += [(s, e) for term, s, e in char_tokens if term in self.terms["chars"]]
        if self.phrases:
            runs = {field: _TokenIndex(tokens, self.firsts[field]) for field, tokens
                    in (("chars", char_tokens), ("text", word_tokens)) if self.firsts[field]}
            for field, words in self.phrases:
                spans += runs[field].spans(words)
        return _merge(spans)


class _TokenIndex:
    """A text's tokens, indexed by term: a query may carry dozens of phrases (a concept's
    variants), each looked up where its first word stands rather than at every token (only
    the phrases' first words are indexed)."""

    def __init__(self, tokens: list[tuple[str, int, int]], firsts: set[str]) -> None:
        self.tokens = tokens
        self.terms = [t for t, _, _ in tokens]
        self.where: dict[str, list[int]] = {}
        for i, term in enumerate(self.terms):
            if term in firsts:
                self.where.setdefault(term, []).append(i)

    def spans(self, words: list[str]) -> list[tuple[int, int]]:
        """Spans where ``words`` stand one after another."""
        n = len(words)
        return [(self.tokens[i][1], self.tokens[i + n - 1][2])
                for i in self.where.get(words[0], ()) if self.terms[i:i + n] == words] \
            if words else []


def _leaves(query: Query) -> list[Query]:
    if query.is_leaf():
        return [query]
    return [leaf for child in query.children() for leaf in _leaves(child)]


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def clause_from_stored(stored: dict) -> Clause:
    return Clause(
        id=stored["clause_id"], doc_id=stored["doc_id"], label=stored.get("label", ""),
        role=stored.get("role", ""), unit=stored.get("unit", ""), text=stored.get("text", ""),
        span=tuple(stored.get("span") or (0, 0)), parent=stored.get("parent") or None,
        lang=stored.get("lang", ""), order=stored.get("order", 0),
        own_end=stored.get("own_end", 0), locator=stored.get("locator", ""),
    )


def suggest(searcher, text: str, budget: Budget | None = None) -> str | None:
    """'Did you mean': each query word the index does not know, replaced by its nearest
    neighbour among the index's words, when there is one. Optional, so it stops quietly when
    the query's time is up."""
    reader = searcher.reader()
    spell = None  # made for the first word the index does not know (rapidfuzz loads then)
    suggestion, changed = text, False
    plain = _FIELD_OR_OPERATOR.sub(" ", _FIELD_VALUE.sub(" ", text)).lower()
    words = list(dict.fromkeys(_ASCII_WORDS.findall(plain)))[:MAX_SUGGESTED_WORDS]
    for word in words:
        if budget is not None and not budget.left():
            break
        if not 3 <= len(word) <= 30 or word in STOP or reader.frequency("spell", word) > 0:
            continue
        if spell is None:
            from .corrector import corrector

            spell = corrector(searcher, "spell")
        options = [o for o in spell.suggest(word, limit=3, maxdist=1 if len(word) <= 6
                                            else 2) if o not in STOP]
        if options:
            suggestion = _replace_word(suggestion, word, options[0])
            changed = True
    return suggestion if changed else None


def _replace_word(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text, count=1)


def warm(searcher, filters: Filters, glossary=None) -> None:
    """Load what the first search with ``filters`` loads, whatever its words: the clauses
    the filters let through, each segment's rank column and where its stored records lie,
    the Han fold table, and the glossary's tables for mentions in either language. Best
    effort: what cannot be loaded here, each search meets (and reports) itself."""
    try:
        allowed(searcher, filters)
        records = rank_records(searcher.reader())
        for offset, _ in records.segments:
            records.raw(offset)
            searcher.stored_fields(offset)
    except Exception:  # noqa: BLE001 - the searches report it as they meet it
        pass
    load_folds()
    if glossary is not None:
        glossary.load_tables()


def run_search(searcher, text: str, filters: Filters, limit: int | None = 10, match: str = "any",
               nested: bool = False, limits: QueryLimits = DEFAULT_LIMITS,
               glossary=None) -> SearchResult:
    """Search with an open Whoosh ``searcher``; ``limit=None`` returns every hit. Answers or
    raises QueryError within about ``limits.seconds``. A ``glossary`` expands the query across
    languages."""
    budget = Budget(limits.seconds)
    notices = balance_quotes(text)[1]
    # every hit is read when every hit is asked for; a long page reads deeper than its length
    depth = searcher.doc_count_all() if limit is None else max(limits.rank_depth, 2 * limit)
    limits = replace(limits, rank_depth=max(depth, 1))
    units, query, unread = _matching_units(searcher, text, filters, match, nested, limits,
                                           budget, glossary)
    shown = units if limit is None else units[:limit]
    hits, highlighter = [], Highlighter(query)
    for u in shown:
        budget.check()
        hits.append(_hit(searcher, u, highlighter))
    suggestion = None
    if not any(u.get("match", "some") != "some" for u in units):
        suggestion = _better_suggestion(searcher, text, filters, units, limits, budget)
    return SearchResult(query=text, total=len(units) + unread, hits=hits, suggestion=suggestion,
                        notices=notices)


def _hit(searcher, unit: dict, highlighter: Highlighter) -> Hit:
    """The hit of a ranked unit: its stored record, read now (ranking read only its
    ranking record), with its score and match level."""
    unit = {**searcher.stored_fields(unit["docnum"]), **unit}
    return Hit(clause=clause_from_stored(unit), doc_title=unit.get("doc_title", ""),
               date=unit.get("date", ""), kind=unit.get("kind", ""),
               score=float(unit["score"] or 0.0),
               highlights=highlighter.spans(unit.get("text", "")),
               match=unit.get("match", ""), via=unit.get("via", ""))


def more_like(searcher, clause_id: str, limit: int, filters: Filters,
              limits: QueryLimits = DEFAULT_LIMITS, words: int = 30) -> list[Hit]:
    """The clauses whose words are most like those of ``clause_id``: its ``words`` most
    distinctive index words (Whoosh's Bo1 key terms, weighted) searched as one query. The
    clause itself and the units of its family (which hold its words) are left out."""
    docnum = searcher.document_number(key=clause_id)
    if docnum is None:
        raise NotFoundError(f"no clause {clause_id!r} in the index",
                            "see 'initiative-archive show DOC' for its clauses' ids")
    stored = searcher.stored_fields(docnum)
    family = {clause_id, *(stored.get("ancestors") or [])}
    terms = searcher.key_terms([docnum], "text", numterms=words)
    if not terms:
        return []
    query = Or([Term("text", term, boost=weight) for term, weight in terms])
    ranked, _ = _ranked(searcher, query, filters, Budget(limits.seconds),
                        2 * limit + len(family) + 20, count=False)
    alike = [u for u in ranked if u["clause_id"] not in family and u.get("role") != "heading"
             and clause_id not in (u.get("ancestors") or [])]
    highlighter = Highlighter(query)
    return [_hit(searcher, u, highlighter) for u in smallest_units(alike)[:limit]]


def _matching_units(searcher, text: str, filters: Filters, match: str, nested: bool,
                    limits: QueryLimits, budget: Budget, glossary=None
                    ) -> tuple[list[dict], Query, int]:
    """The matching units, best first, the query that ran, and how many more clauses match
    below the ranked depth (``limits.rank_depth``: counted, not read). A plain query is read with
    any-word recall, then ranked in match levels (ranking.py); ``match="all"`` keeps the
    units holding every word. Headings stand as context, not as hits, unless asked for.

    With a ``glossary``, a plain query's concepts are searched too, on their own (see
    ``_concept_query`` for which variants), one synonym group per concept (Pirkola's structured
    translation: the many renderings of one word never outweigh the others): the best
    ``TRANSLATION_DEPTH`` clauses they find join those the query's own words found. Scoring
    them inside the query's own search cost a pass over every posting of every variant for
    every matching clause (2.4 s for 资源共享 at 100k clauses). A unit found only that way, or
    ranked higher that way, is marked ``via: glossary`` and comes after direct hits of its
    level."""
    shape = query_shape(text, lambda word: searcher.reader().doc_frequency("text", word) > 0)
    query = parse_query(text, searcher.schema, "any" if shape else match, limits)
    mentions = _outermost(glossary.mentions(text)) if glossary is not None and shape else []
    concepts = list({m.concept.id: m.concept for m in mentions}.values())
    try:
        query = budget_query(query, searcher.reader(), limits, budget)
    except (UnicodeError, ValueError, TypeError) as exc:  # Whoosh on odd terms
        raise QueryError(f"cannot run the query: {exc}", "simplify the query") from None
    ranked, unread = _ranked(searcher, query, filters, budget, limits.rank_depth)
    if concepts:  # the translations' own best, which the query's own words may outnumber
        chinese = _has_han(text)
        groups = [_concept_query([c, *_related(c, glossary)], searcher.reader(), chinese)
                  for c in concepts]
        seen = {u["docnum"] for u in ranked}
        extra = _concept_hits(searcher, Or(groups), filters, budget)
        added = [u for u in extra if u["docnum"] not in seen]
        ranked += added
        unread = max(0, unread - len(added))
        query = Or([query, _stated_runs(concepts, glossary)])  # for the highlights
    if not ("heading" in filters.roles or "title:" in text.lower()):
        ranked = [u for u in ranked if u.get("role") != "heading"]
    if shape is not None:
        covered = _covered_words(shape, text, mentions) / len(shape.words)
        other = _other_language(text)
        key = rank_keys(shape)
        for u in ranked:
            u["match"], u["held"] = key(u["tokens"])
            u["via"] = ""
        # concept id -> the clauses below 'near' that state it, or one it includes (read off
        # their tokens, not the index); those a concept may raise or mark
        weaker = [u for u in ranked if u["match"] in ("some", "all")]
        finders = {c.id: _stating((c, *_related(c, glossary))) for c in concepts}
        stating = {cid: {u["docnum"] for u in weaker if runs.any_in(u["tokens"])}
                   for cid, runs in finders.items()}
        if stating:
            for u in weaker:
                _through_concepts(u, stating, covered, other)
        # the clauses raised or marked that state a query concept itself, not a related one
        own = _stating(tuple(concepts))
        itself = {u["docnum"] for u in ranked if u["via"] and own.any_in(u["tokens"])}
        if match == "all":
            ranked = [u for u in ranked if u["match"] != "some"]
        # stable: by score within a level; direct before translated, and the query's concept
        # itself before a concept it includes; more words held first
        ranked.sort(key=lambda u: (-LEVELS.index(u["match"]), bool(u["via"]),
                                   bool(u["via"]) and u["docnum"] not in itself, -u["held"]))
        ranked = _alternate_translations(ranked, other)
    units = ranked if nested else smallest_units(ranked)
    return units, query, (unread if match != "all" else 0)


def _concept_hits(searcher, groups: Query, filters: Filters, budget: Budget) -> list[dict]:
    """The best ``TRANSLATION_DEPTH`` clauses stating a query's concepts, kept per open index:
    they depend on the concepts and filters alone, not on the query's other words, so another
    query naming the same concepts reads them from here (each is a fresh copy to mark)."""
    hits = _per_index(searcher, "_concept_hits", (repr(groups), repr(filters)), 256,
                      lambda: _ranked(searcher, groups, filters, budget, TRANSLATION_DEPTH,
                                      count=False)[0])
    return [dict(u) for u in hits]


def _per_index(searcher, name: str, key, size: int, make):
    """``make()``, kept in the open index's reader under ``name`` and ``key`` (at most
    ``size`` answers; a new version of the index has a new reader, so nothing goes stale).
    The answer is held here, not read back: another thread may clear the cache meanwhile."""
    cache = held(searcher.reader(), name, dict)
    found = cache.get(key)
    if found is None:
        if len(cache) >= size:
            cache.clear()
        found = cache[key] = make()
    return found


def _related(concept, glossary) -> list:
    return [glossary[r] for r in concept.related if r in glossary]


def _concept_query(concepts, reader, chinese_query: bool) -> Query:
    """One synonym group for a concept (with the concepts it includes): its variants, of which
    the best-scoring counts, not their sum. Every variant in the other language; in the
    query's own language only those that are one word of the index (an English stem, a Chinese
    word jieba gave), since the query's own words already find the rest. A variant of several
    words asks for all of them in the ``text`` field, which is far cheaper than a phrase; which
    clauses state it as a run is read off their tokens afterwards (``_stating``)."""
    variants: list[Query] = []
    own, other = ("zh_hans", "en") if chinese_query else ("en", "zh_hans")
    names = {**{v: True for c in concepts for v in getattr(c, other)},
             **{v: False for c in concepts for v in getattr(c, own)}}
    for name, any_form in names.items():
        words = char_sequence(name)
        joined = "".join(words)
        if not words:
            continue
        if len(words) == 1:
            variants.append(Term("text", words[0]))
        elif _all_han(joined) and reader.doc_frequency("text", joined):
            variants.append(Term("text", joined))
        elif any_form:
            # the words the WORDS analyzer gives a query (query_spans: without Whoosh's
            # token machinery, a tenth of the time of building and running the analyzer)
            terms = list(dict.fromkeys(t for t, _, _ in query_spans(name)[0]))
            variants.append(And([Term("text", t) for t in terms]))
    return BestVariant(_fewest(variants), tiebreak=CONCEPT_TIEBREAK) if variants else NullQuery


def _fewest(variants: list[Query]) -> list[Query]:
    """The variants less those that cost a pass over postings and find nothing new: the
    same terms again (spellings that read alike), or every term of a shorter variant and
    more (what 'resource sharing' finds, 'sharing of library resources' adds nothing to)."""
    kept: list[tuple[frozenset, Query]] = []
    for variant in sorted(variants, key=lambda q: len(_terms_of(q))):
        terms = _terms_of(variant)
        if not any(seen <= terms for seen, _ in kept):
            kept.append((terms, variant))
    return [variant for _, variant in kept]


def _terms_of(query: Query) -> frozenset:
    return frozenset((leaf.fieldname, leaf.text) for leaf in _leaves(query))


def _stated_runs(concepts, glossary) -> Query:
    """Every variant of the query's concepts (and those they include) as a run of the
    ``chars`` field: what a hit's highlights show of a concept is where it is stated whole."""
    runs = {tokens for c in concepts for related in ([c, *_related(c, glossary)])
            for tokens in _variant_tokens(related)}
    return Or([Term("chars", t[0]) if len(t) == 1 else Phrase("chars", list(t))
               for t in sorted(runs)])


@lru_cache(maxsize=1024)
def _stating(concepts: tuple) -> Runs:
    """What finds a clause naming one of ``concepts`` in either language, in its tokens
    (``runs.any_in(unit["tokens"])``), as a run of tokens (inter-library = interlibrary, as
    ``phrase`` reads it)."""
    return Runs(variant for c in concepts for variant in _variant_tokens(c))


@lru_cache(maxsize=4096)
def _variant_tokens(concept) -> tuple[tuple[str, ...], ...]:
    names = dict.fromkeys(concept.en + concept.zh_hans + concept.zh_hant)
    return tuple(t for t in (char_sequence(n) for n in names) if t)


def _outermost(mentions: list) -> list:
    """The mentions not inside a longer one: 亚洲图书馆联盟 is one concept, not also 亚洲 and
    图书馆联盟, which a clause stating the whole need not name apart."""
    return [m for m in mentions
            if not any(o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start
                       for o in mentions)]


def _other_language(text: str) -> str:
    """The language a query's translations are in: ``en`` for a Chinese query, ``zh`` for
    an English one, nothing for a query in both."""
    chinese, latin = _has_han(text), bool(_ASCII_WORDS.search(text.lower()))
    return "en" if chinese and not latin else "zh" if latin and not chinese else ""


def _in_language(unit: dict, lang: str) -> bool:
    return bool(lang) and str(unit.get("lang", "")).split("-")[0] == lang


def _alternate_translations(ranked: list[dict], other: str) -> list[dict]:
    """Hits in the other language that state every concept of the query take every other
    place among the direct hits ranked above them: in the query's own language the corpus may
    hold hundreds of clauses sharing a word with it, which would otherwise push the clauses
    of the other language out of sight."""
    translated = [u for u in ranked if u["via"] and _in_language(u, other)
                  and (u["match"] != "some" or u.get("translates"))]
    if not translated:
        return ranked
    chosen = {id(u) for u in translated}
    direct = [u for u in ranked if id(u) not in chosen]
    order = {id(u): n for n, u in enumerate(ranked)}
    out: list[dict] = []
    while direct or translated:
        if translated and (not direct or order[id(translated[0])] < order[id(direct[0])]):
            out.append(translated.pop(0))
            continue
        out.append(direct.pop(0))
        if translated:
            out.append(translated.pop(0))
    return out


def _covered_words(shape, text: str, mentions) -> int:
    """How many of the query's words its concept mentions cover."""
    tokens = {t for m in mentions for t in char_sequence(text[m.start:m.end])}
    return sum(1 for word in shape.words if set(word) <= tokens)


def _through_concepts(unit: dict, stating: dict[str, set[int]], covered: float,
                      other: str) -> None:
    """Raise a unit that states every concept of a query its concepts cover (each variant a
    run of words, so the concept stated as a unit: 'near'), or through a concept it includes.
    Mark a unit that holds none of the query's words but some of its concepts, which then
    counts as holding one; in the other language, where the words no concept covers cannot be
    found at all, one stating every concept of a query they cover at least a third of is a
    translation of it (``translates``: it shares the places of ``_alternate_translations``)."""
    found = [cid for cid, docs in stating.items() if unit["docnum"] in docs]
    if len(found) == len(stating) and covered == 1:
        unit["match"], unit["via"] = "near", "glossary"
    elif found and unit["held"] == 0:
        unit["via"], unit["held"] = "glossary", 1
        unit["translates"] = (len(found) == len(stating) and covered >= 1 / 3
                              and _in_language(unit, other))


def _better_suggestion(searcher, text: str, filters: Filters, units: list[dict],
                       limits: QueryLimits, budget: Budget) -> str | None:
    """'Did you mean', offered only when no clause holds every word of the query, and only a
    spelling whose every word some clause holds."""
    suggestion = suggest(searcher, text, budget)
    if suggestion is None or not budget.left():
        return None
    try:
        better, _, _ = _matching_units(searcher, suggestion, filters, "all", False, limits,
                                       budget)
    except QueryError:
        return None
    return suggestion if better else None


def _ranked(searcher, query: Query, filters: Filters, budget: Budget, depth: int,
            count: bool = True) -> tuple[list[dict], int]:
    """The ``depth`` best-scoring matching clauses' ranking records (rank_column.py) and
    scores, best first, and how many more clauses match (counted, never read), within the
    budget. Most queries are scored whole, a posting list at a time (scores.py), which counts
    them too. Others go through Whoosh's collectors, which may skip blocks of postings that
    cannot reach the top and drop a word from an OR once no clause it alone finds can: so
    their count is taken apart, from the words' postings, where the query is words ORed, and
    any other query is scored to its end (without ``count``, the count is 0)."""
    allow, hidden = allowed(searcher, filters)
    if allow is not None and not allow:  # Whoosh reads an empty allowed set as no filter
        return [], 0
    try:
        scores = all_scores(searcher, query, budget.check)
        if scores is not None:
            found = _best(scores, allow, hidden, depth)
            total = len(scores) - len(hidden & scores.keys()) if allow is None else sum(
                1 for d in scores if d in allow and d not in hidden)
        else:
            found, total = _collected(searcher, query, allow, hidden, budget, depth, count)
        records = rank_records(searcher.reader())
        best = records.units(found)
        return best, (max(0, total - len(best)) if count else 0)
    except QueryError:
        raise
    except Exception as exc:  # Whoosh raises assorted errors on odd queries; I/O is damage
        if not isinstance(exc, DAMAGE):
            raise QueryError(f"cannot run the query: {exc}", "simplify the query") from None
        raise IndexMissingError(f"the index is damaged ({type(exc).__name__}: {exc})",
                                "run 'initiative-archive index --rebuild'") from None


def _best(scores: dict[int, float], allow: set[int] | None, hidden: set[int],
          depth: int) -> list[tuple[int, float]]:
    """The ``depth`` best (docnum, score) of those shown, in Whoosh's order: the higher
    score first, the lower docnum first among equal scores."""
    if allow is not None:
        scores = {d: s for d, s in scores.items() if d in allow and d not in hidden}
    elif not hidden.isdisjoint(scores):  # the records never shown rarely match: not copied
        scores = {d: s for d, s in scores.items() if d not in hidden}
    if len(scores) > depth:  # those scoring at least the depth-th best score
        least = _least_of_best(scores, depth)
        scores = {d: s for d, s in scores.items() if s >= least}
    ranked = sorted(scores.items())  # by docnum (each is once), then by score: a stable sort
    ranked.sort(key=itemgetter(1), reverse=True)  # keeps equal scores in docnum order
    return ranked[:depth]


def _least_of_best(scores: dict[int, float], depth: int) -> float:
    """The ``depth``-th best score (of more): read off the scores sorted, in C, where there
    are up to ``SORTED_UP_TO`` times as many as the depth (three times faster at 2,000 than a
    heap of the best, which a Python loop feeds one score at a time), else off that heap
    (floats compared without a key: a tenth the time)."""
    if len(scores) <= SORTED_UP_TO * depth:
        return sorted(scores.values(), reverse=True)[depth - 1]
    return heapq.nlargest(depth, scores.values())[-1]


SORTED_UP_TO = 16  # see _least_of_best: the two ways took the same time at 8,000 of 500


def _collected(searcher, query: Query, allow: set[int] | None, hidden: set[int],
               budget: Budget, depth: int, count: bool) -> tuple[list[tuple[int, float]], int]:
    """The ``depth`` best (docnum, score) and the count, through Whoosh's collectors."""
    from whoosh.collectors import FilterCollector, TopCollector

    counted = _disjunct_terms(query) if count else None
    exhaustive = count and counted is None
    top = TopCollector(limit=max(depth, 1), usequality=not exhaustive,
                       **({"replace": 0} if exhaustive else {}))
    # the deadline outermost: a collector that wraps another walks its matches itself
    collector = _deadline_collector()(FilterCollector(top, allow=allow, restrict=hidden),
                                      budget)
    searcher.search_with_collector(query, collector)
    found = [(docnum, score) for score, docnum in collector.results().top_n[:depth]]
    if not count:
        return found, 0
    total = top.total if exhaustive else _count(searcher.reader(), counted, allow, hidden,
                                                budget)
    return found, total


def _disjunct_terms(query: Query) -> list[Term] | None:
    """The words of a query that matches a clause holding any one of them (a word, or words
    under OR), or None for any other query."""
    if type(query) is Term:
        return [query]
    if type(query) is Or and not query.minmatch:
        parts = [_disjunct_terms(child) for child in query.children()]
        if all(p is not None for p in parts):
            return [t for p in parts for t in p]
    return None


def _count(reader, terms: list[Term], allow: set[int] | None, hidden: set[int],
           budget: Budget) -> int:
    """How many shown clauses hold one of ``terms``: the union of their postings (deleted
    clauses are not in them), without scoring any."""
    found: set[int] = set()
    for term in terms:
        budget.check()
        if (term.fieldname, term.text) in reader:
            found.update(reader.postings(term.fieldname, term.text).all_ids())
    found -= hidden
    return len(found & allow if allow is not None else found)


def allowed(searcher, filters: Filters) -> tuple[set[int] | None, set[int]]:
    """The clauses ``filters`` let through (None: any clause) and the records never shown
    (files' records, and meetings unless asked for), as sets of document numbers worked out
    once per open index: each query then tests membership instead of intersecting posting
    lists, and the common case, no filter, reads only the few records to leave out."""
    def work_out() -> tuple[set[int] | None, set[int]]:
        narrowed = filters.narrowed()
        allow = set(searcher.docs_for_query(filter_query(filters))) if narrowed else None
        hidden = [Term("record", "document")] + ([] if filters.kinds else [Term("kind", "meeting")])
        return allow, set(searcher.docs_for_query(Or(hidden)))  # Whoosh takes sets

    return _per_index(searcher, "_allowed_by_filters", repr(filters), 32, work_out)


def explain(text: str, schema, match: str = "any",
            limits: QueryLimits = DEFAULT_LIMITS) -> Explanation:
    query = parse_query(text, schema, match, limits)
    return Explanation(
        query=text,
        folded=fold_han(text),
        segmented=[t for t, _, _ in analyze(text, "precise", stem=False)],
        index_terms=[t for t, _, _ in analyze(text, "words")],  # as a query reads them
        phrase_terms=[t for t, _, _ in analyze(text, "chars")],
        parsed=str(query),
    )

