"""Query -> hits: parsing, filters, BM25F ranking, the smallest matching unit, highlights.

A query is Whoosh's query language (AND, OR, NOT, "phrases", field:value, wildcards). Each bare
word is looked up in two fields: ``text`` (jieba's sub-words, stemmed English) for recall and
``chars`` (one token per Han character) where a Chinese word or a quoted phrase must match as a
contiguous string. By default any word may match and clauses matching more words rank higher
(``match="all"`` asks for every word).

An article and its paragraphs and items are all indexed; when several units of one family match,
the best-scoring one stands for the family, so the reader sees the smallest unit that says it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.query import And, Or, Phrase, Prefix, Query, Term, TermRange

from .analysis import CHARS, STOP, WORDS, analyze
from .errors import QueryError
from .language import fold_han
from .model import Clause, Hit, SearchResult

MAX_QUERY_CHARS = 5000
MAX_SUGGESTED_WORDS = 12  # 'did you mean' looks at this many distinct words at most
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_FIELD_OR_OPERATOR = re.compile(r"\b\w+:|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE)\b|[()*?~^]")
_ASCII_WORDS = re.compile(r"[a-z]+")
_FIELD_ALIASES = {"doc_id": ["doc"], "text": ["clause"], "label": [], "title": ["alias"]}


@dataclass
class Filters:
    """Restrictions on where to search; empty means everywhere."""

    docs: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None

    def query(self) -> Query:
        parts: list[Query] = [Term("record", "clause")]
        if self.docs:
            parts.append(Or([Term("doc_id", d) for d in self.docs]))
        if self.kinds:
            parts.append(Or([Term("kind", k) for k in self.kinds]))
        if self.langs:
            parts.append(Or([q for lang in self.langs
                             for q in (Term("lang", lang), Prefix("lang", lang + "-"))]))
        if self.roles:
            parts.append(Or([Term("role", r) for r in self.roles]))
        if self.date_from or self.date_to:
            end = f"{self.date_to}\uffff" if self.date_to else None
            parts.append(TermRange("date", self.date_from, end))
        return And(parts)


def make_parser(schema, match: str = "any") -> qparser.QueryParser:
    group = qparser.AndGroup if match == "all" else qparser.OrGroup.factory(0.9)
    parser = qparser.MultifieldParser(["text", "chars"], schema, group=group)
    parser.add_plugin(qparser.FieldAliasPlugin(_FIELD_ALIASES))
    return parser


def parse_query(text: str, schema, match: str = "any") -> Query:
    """The Whoosh query for a researcher's query string; QueryError for what cannot be read."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is {len(text)} characters long; the limit is "
                         f"{MAX_QUERY_CHARS}", "search for a shorter passage")
    if not text.strip():
        raise QueryError("the query is empty", "give a word or a phrase to search for")
    text = balance_quotes(text)[0]
    try:
        query = make_parser(schema, match).parse(fold_han(text))
    except Exception as exc:  # Whoosh's parser raises assorted errors on odd input
        raise QueryError(f"cannot read the query: {exc}",
                         'quote unusual characters, e.g. "title:("') from None
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
        cid, ancestors = hit["clause_id"], hit.get("ancestors") or []
        if cid in kept_ancestors or any(a in kept_ids for a in ancestors):
            continue
        kept.append(hit)
        kept_ids.add(cid)
        kept_ancestors.update(ancestors)
    return kept


def highlight_spans(text: str, query: Query) -> tuple[tuple[int, int], ...]:
    """Character spans of ``text`` that the query matched: words of the ``text`` field, and
    runs of the ``chars`` field's phrases."""
    leaves = _leaves(query)
    word_terms = {leaf.text for leaf in leaves
                  if isinstance(leaf, Term) and leaf.fieldname == "text"}
    word_tokens = _tokens(text, WORDS, "query")
    spans = [(s, e) for term, s, e in word_tokens if term in word_terms]
    char_tokens = _tokens(text, CHARS)
    for leaf in leaves:
        if isinstance(leaf, Phrase) and leaf.fieldname in ("chars", "text"):
            tokens = char_tokens if leaf.fieldname == "chars" else word_tokens
            spans += _runs(tokens, list(leaf.words))
        elif isinstance(leaf, Term) and leaf.fieldname == "chars":
            spans += _runs(char_tokens, [leaf.text])
    return _merge(spans)


def _runs(tokens: list[tuple[str, int, int]], words: list[str]) -> list[tuple[int, int]]:
    """Spans where ``words`` stand one after another among ``tokens``."""
    n = len(words)
    return [(tokens[i][1], tokens[i + n - 1][2]) for i in range(len(tokens) - n + 1)
            if [t for t, _, _ in tokens[i:i + n]] == words]


def _tokens(text: str, analyzer, mode: str = "") -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar)
            for t in analyzer(text, chars=True, positions=True, mode=mode)]


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


def suggest(searcher, text: str) -> str | None:
    """'Did you mean': each query word the index does not know, replaced by its nearest
    neighbour among the index's words, when there is one."""
    corrector = searcher.corrector("spell")
    reader = searcher.reader()
    suggestion, changed = text, False
    plain = _FIELD_OR_OPERATOR.sub(" ", text).lower()
    words = list(dict.fromkeys(_ASCII_WORDS.findall(plain)))[:MAX_SUGGESTED_WORDS]
    for word in words:
        if not 3 <= len(word) <= 30 or word in STOP or reader.frequency("spell", word) > 0:
            continue
        options = corrector.suggest(word, limit=1, maxdist=2)
        if options:
            suggestion = _replace_word(suggestion, word, options[0])
            changed = True
    return suggestion if changed else None


def _replace_word(text: str, word: str, replacement: str) -> str:
    return re.sub(rf"(?i)\b{re.escape(word)}\b", replacement, text, count=1)


def run_search(ix, text: str, filters: Filters, limit: int | None = 10, match: str = "any",
               nested: bool = False) -> SearchResult:
    """Search the index ``ix``; ``limit=None`` returns every hit."""
    query = parse_query(text, ix.schema, match)
    notices = balance_quotes(text)[1]
    with ix.searcher() as searcher:
        try:
            results = searcher.search(query, filter=filters.query(), limit=None)
            ranked = [dict(hit.fields(), score=hit.score) for hit in results]
        except Exception as exc:  # e.g. a wildcard that expands past Whoosh's limits
            raise QueryError(f"cannot run the query: {exc}", "simplify the query") from None
        units = ranked if nested else smallest_units(ranked)
        shown = units if limit is None else units[:limit]
        hits = [
            Hit(clause=clause_from_stored(u), doc_title=u.get("doc_title", ""),
                date=u.get("date", ""), kind=u.get("kind", ""), score=float(u["score"] or 0.0),
                highlights=highlight_spans(u.get("text", ""), query))
            for u in shown
        ]
        suggestion = suggest(searcher, text) if not units else None
    return SearchResult(query=text, total=len(units), hits=hits, suggestion=suggestion,
                        notices=notices)


@dataclass
class Explanation:
    """How a query was read: folded, segmented, stemmed, and the query Whoosh runs."""

    query: str
    folded: str
    segmented: list[str]
    index_terms: list[str]
    phrase_terms: list[str]
    parsed: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def explain(text: str, schema, match: str = "any") -> Explanation:
    query = parse_query(text, schema, match)
    return Explanation(
        query=text,
        folded=fold_han(text),
        segmented=[t for t, _, _ in analyze(text, "precise", stem=False)],
        index_terms=[t for t, _, _ in analyze(text, "words")],  # as a query reads them
        phrase_terms=[t for t, _, _ in analyze(text, "chars")],
        parsed=str(query),
    )

