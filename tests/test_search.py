"""Searching the shipped corpus: ranking, scripts, phrases, highlights, filters, totals,
suggestions and the smallest matching unit. One index, built once for the session."""

from __future__ import annotations

import signal
from contextlib import contextmanager
from functools import cache
from itertools import accumulate, product

import pytest

from initiative_archive import Filters
from initiative_archive.analysis import analyze
from initiative_archive.errors import NotFoundError, QueryError
from initiative_archive.language import fold_han

LAW = "prc-public-library-law-2018"


def ids(result) -> list[str]:
    return [h.clause.id for h in result.hits]


def test_inter_library_loan_finds_kunming_clause_1_first(shipped):
    result = shipped.search("inter-library loan")
    assert ids(result)[0] == "kunming-2013/op_1"


@pytest.mark.parametrize("simplified, traditional", [
    ("资源共享", "資源共享"),
    ("图书馆资源共享", "圖書館資源共享"),
    ('"公共图书馆"', '"公共圖書館"'),
])
def test_traditional_queries_find_what_simplified_ones_find(shipped, simplified, traditional):
    expected = shipped.search(simplified, limit=None)
    got = shipped.search(traditional, limit=None)
    assert expected.total > 0
    assert ids(got) == ids(expected)


def test_chinese_phrase_inside_a_compound_finds_the_law_title(shipped):
    """The phrase crosses jieba's compound 中华人民共和国; the title is a heading, a hit only
    when headings are asked for."""
    result = shipped.search('"共和国公共图书馆"', Filters(roles=["heading"]))
    assert f"{LAW}/title" in ids(result)
    assert f"{LAW}/title" not in ids(shipped.search('"共和国公共图书馆"'))


@pytest.mark.parametrize("query", [
    '"共和国公共图书馆"',
    '"共和國公共圖書館"',
    '"资源共享"',  # also stands alone as 资源 in some hits: only the phrase is marked
    '"inter-library loan"',  # 'library' also stands alone in the hit
])
def test_phrase_highlights_slice_exactly_the_phrase_out_of_the_hit(shipped, query):
    phrase = fold_han(query.strip('"'))  # the shipped laws are in simplified characters
    result = shipped.search(query, limit=None)
    assert result.hits
    for hit in result.hits:
        assert phrase in hit.clause.text, hit.clause.id
        assert hit.highlights, hit.clause.id
        assert [hit.clause.text[s:e] for s, e in hit.highlights] == \
            [phrase] * len(hit.highlights)


@pytest.mark.parametrize("query", ['"union catalogue"', '"union catalog"'])
def test_english_phrase_finds_kunming_clause_3(shipped, query):
    result = shipped.search(query)
    assert ids(result) == ["kunming-2013/op_3"]
    text = result.hits[0].clause.text
    assert [text[s:e] for s, e in result.hits[0].highlights] == ["union catalogue"]


def test_english_phrase_does_not_match_the_words_apart(shipped):
    assert shipped.search('"catalogue union"').total == 0


@pytest.mark.parametrize("phrase", ['"union catalogue"', '"公共图书馆"', '"资源共享"~2'])
def test_a_phrase_asked_of_the_clause_text_is_the_plain_phrase(shipped, phrase):
    """The text field keeps no positions: ``clause:"..."`` is read as the phrase it quotes,
    a run of characters, with the same hits and highlights."""
    plain = shipped.search(phrase, limit=None)
    assert plain.total > 0
    for field in ("clause", "text"):
        asked = shipped.search(f"{field}:{phrase}", limit=None)
        assert [(h.clause.id, h.highlights) for h in asked.hits] == \
            [(h.clause.id, h.highlights) for h in plain.hits]


@pytest.mark.parametrize("name", ["kunming-2013", "Kunming Initiative",
                                  "Kunming Initiative of 2013 Forum for Asia Library Directors"])
def test_doc_filter_takes_an_id_a_title_or_an_alias(shipped, name):
    result = shipped.search("library cooperation", Filters(docs=[name]), limit=None)
    assert result.total > 0
    assert {h.clause.doc_id for h in result.hits} == {"kunming-2013"}


def test_doc_filter_takes_a_chinese_alias(shipped):
    result = shipped.search("library", Filters(docs=["东亚图书馆南宁倡议"]), limit=None)
    assert result.total > 0
    assert {h.clause.doc_id for h in result.hits} == {"nanning-2012"}


def test_doc_filter_with_an_unknown_name_is_an_error(shipped):
    with pytest.raises(NotFoundError):
        shipped.search("library", Filters(docs=["no-such-document"]))


def test_kind_filter(shipped):
    everything = shipped.search("图书馆 library", limit=None)
    laws = shipped.search("图书馆 library", Filters(kinds=["law"]), limit=None)
    assert 0 < laws.total < everything.total
    assert {h.kind for h in laws.hits} == {"law"}


@pytest.mark.parametrize("lang, expected", [("zh", {"zh-Hans"}), ("zh-Hans", {"zh-Hans"}),
                                            ("en", {"en"})])
def test_lang_filter_matches_the_language_and_its_scripts(shipped, lang, expected):
    result = shipped.search("cooperation 合作", Filters(langs=[lang]), limit=None)
    assert result.total > 0
    assert {h.clause.lang for h in result.hits} == expected


def test_role_filter(shipped):
    everything = shipped.search("cooperation", limit=None)
    preamble = shipped.search("cooperation", Filters(roles=["preamble"]), limit=None)
    assert 0 < preamble.total < everything.total
    assert {h.clause.role for h in preamble.hits} == {"preamble"}


@pytest.mark.parametrize("date_from, date_to, docs", [
    ("2013", "2013-12", {"kunming-2013"}),
    ("2012-09-11", "2012-09-11", {"nanning-2012"}),
    (None, "2012", {"nanning-2012"}),
    ("2013-01", None, {"kunming-2013", "nlc-2017-prospects"}),
])
def test_date_filters_are_inclusive(shipped, date_from, date_to, docs):
    result = shipped.search("cooperation", Filters(date_from=date_from, date_to=date_to),
                            limit=None)
    assert {h.clause.doc_id for h in result.hits} == docs


def test_total_counts_every_match_beyond_the_limit(shipped):
    limited = shipped.search("图书馆", limit=3)
    everything = shipped.search("图书馆", limit=None)
    assert len(limited.hits) == 3
    assert limited.total == everything.total == len(everything.hits)
    assert ids(limited) == ids(everything)[:3]


def test_a_nonsense_word_finds_nothing(shipped):
    result = shipped.search("xyzzyqq")
    assert (result.total, result.hits) == (0, [])


def test_a_misspelling_gets_a_did_you_mean(shipped):
    result = shipped.search("libary")
    assert result.total == 0
    assert "library" in (result.suggestion or "")


def test_did_you_mean_leaves_stop_words_alone(shipped):
    assert shipped.search("the libary").suggestion == "the library"


def test_match_all_narrows_the_results(shipped):
    any_word = shipped.search("digital cooperation", limit=None)
    every_word = shipped.search("digital cooperation", match="all", limit=None)
    assert 0 < every_word.total < any_word.total
    for hit in every_word.hits:
        assert {"digit", "cooper"} <= {t for t, _, _ in analyze(hit.clause.text)}, hit.clause.id


def _nested_pairs(result) -> list[tuple[str, str]]:
    found = ids(result)
    return [(a, b) for a in found for b in found if b.startswith(a + "/")]


def test_only_the_smallest_matching_unit_of_a_family_is_shown(shipped):
    result = shipped.search("公共图书馆", limit=None)
    assert result.total > 0
    assert _nested_pairs(result) == []


def test_nested_shows_every_matching_unit(shipped):
    result = shipped.search("公共图书馆", limit=None, nested=True)
    assert _nested_pairs(result)
    assert result.total > shipped.search("公共图书馆", limit=None).total


def test_hits_carry_what_is_needed_to_cite_them(shipped):
    hit = shipped.search('"union catalogue"').hits[0]
    assert hit.doc_title == "Kunming Initiative of 2013 Forum for Asia Library Directors"
    assert hit.date == "2013-11"
    assert (hit.clause.label, hit.clause.role) == ("3.", "operative")
    assert hit.score > 0


@pytest.mark.parametrize("query", ["", "   ", "x" * 5001])
def test_unreadable_queries_raise_query_error(shipped, query):
    with pytest.raises(QueryError):
        shipped.search(query)


def test_an_unpaired_quote_is_ignored_with_a_notice(shipped):
    result = shipped.search('"inter-library loan')
    assert ids(result)[0] == "kunming-2013/op_1"
    assert any("quotation mark" in notice for notice in result.notices)


class _TookTooLong(BaseException):
    pass


@contextmanager
def _time_limit(seconds: float):
    def on_alarm(signum, frame):
        raise _TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


PASTED_PASSAGE = ("The committee reviewed the quarterly statements of the regional museums, noting "
                  "that visitor numbers recovered after the renovation of exhibition halls. ")


@pytest.mark.parametrize("query, match, seconds", [
    ((PASTED_PASSAGE * 30)[:3000], "all", 5.0),  # a pasted passage: each word looked up once
    ("x" * 4999, "any", 2.0),
])
def test_a_long_query_with_no_match_answers_quickly(shipped, query, match, seconds):
    try:
        with _time_limit(seconds):
            result = shipped.search(query, match=match)
    except _TookTooLong as exc:
        pytest.fail(str(exc))
    assert result.total == 0


@pytest.mark.parametrize("query", ["cooperation xylographic", "library cooperation digital",
                                   "图书馆 合作 古籍"])
def test_the_count_beyond_the_ranked_depth_is_every_match(shipped, query):
    """Whoosh drops a common word from an OR once the best few are found; the count must not."""
    from whoosh.query import Or, Term

    from initiative_archive.backends.whoosh.query import Budget, _ranked, allowed, parse_query
    searcher = shipped.engine.session.searcher()
    parsed = parse_query(query, searcher.schema, "any")
    words = [leaf for leaf in parsed.leaves() if isinstance(leaf, Term)]
    _, hidden = allowed(searcher, Filters())
    every = set(searcher.docs_for_query(Or(words))) - hidden
    for depth in (3, 1000):
        best, unread = _ranked(searcher, parsed, Filters(), Budget(30), depth)
        assert len(best) + unread == len(every) > 3


def _contiguous(run: tuple[str, ...], tokens: tuple[str, ...]) -> bool:
    """The plain definition ``ranking`` reads faster: the run's characters are those of some
    whole tokens side by side (compounds aside: inter-library = interlibrary)."""
    whole = "".join(run)
    joined, bounds = _joined(tokens)
    at = joined.find(whole) if whole else -1
    while at >= 0 and not (at in bounds and at + len(whole) in bounds):
        at = joined.find(whole, at + 1)
    return at >= 0


@cache
def _joined(tokens: tuple[str, ...]) -> tuple[str, frozenset[int]]:
    return "".join(tokens), frozenset(accumulate(map(len, tokens), initial=0))


def _clause_tokens(archive, step: int) -> list[tuple[str, ...]]:
    from initiative_archive.analysis import char_sequence
    from initiative_archive.clauses import split_clauses

    return [char_sequence(c.text) for doc in archive.documents()
            for c in split_clauses(doc.body, doc.id, doc.lang)][::step]


def test_a_concepts_runs_are_found_as_one_by_one(shipped):
    """``Runs`` (one scan for all of a concept's variants) says what the plain definition
    says of each variant, for every concept of the glossary against clauses of the corpus."""
    from initiative_archive.backends.whoosh.query import _variant_tokens
    from initiative_archive.glossary import load_glossary
    from initiative_archive.ranking import Runs, token_text
    texts = _clause_tokens(shipped, 4)
    found = 0
    for concept in load_glossary():
        runs, variants = Runs(_variant_tokens(concept)), _variant_tokens(concept)
        for tokens in texts:
            expected = any(_contiguous(v, tokens) for v in variants)
            assert runs.any_in(token_text(tokens)) == expected, (concept.id, tokens)
            found += expected
    assert found > 500, found


@pytest.mark.parametrize("query", ["inter-library loan", "interlibrary loan", "资源共享",
                                   "公共图书馆 服务", "digital library cooperation", "图书",
                                   "the exchange of publications", "古籍保护", "文化 服务 设施"])
def test_match_levels_are_read_as_their_plain_definition(shipped, query):
    """``rank_key`` (regular expressions on the joined tokens) gives each clause the level
    the definitions in ranking.py give: the query as one run, else every word within a
    window, else every word, else some; and how many words it holds."""
    from initiative_archive.ranking import NEAR_SLACK, query_shape, rank_key, token_text

    reader = shipped.engine.session.searcher().reader()
    shape = query_shape(query, lambda word: reader.doc_frequency("text", word) > 0)
    levels = set()
    for tokens in _clause_tokens(shipped, 1):
        places = [[(i, i + len(word) - 1) for i in range(len(tokens))
                   if tokens[i:i + len(word)] == word] for word in shape.words]
        held = sum(1 for p in places if p)
        if _contiguous(shape.tokens, tokens):
            expected = ("phrase", len(shape.words))
        elif held < len(places):
            expected = ("some", held)
        else:  # the fewest tokens holding one occurrence of each word
            window = min(max(e for _, e in chosen) - min(s for s, _ in chosen) + 1
                         for chosen in product(*places))
            near = window <= 2 * len(shape.tokens) + NEAR_SLACK
            expected = ("near" if near else "all", held)
        assert rank_key(shape, token_text(tokens)) == expected, tokens
        levels.add(expected[0])
    assert "some" in levels and len(levels) >= 2, levels


@pytest.mark.parametrize("filters", [Filters(date_from="2099-01-01"), Filters(langs=["fr"]),
                                     Filters(kinds=["law"], langs=["en"])])
def test_a_filter_no_clause_passes_finds_nothing(shipped, filters):
    """Whoosh reads an empty set of allowed clauses as no filter at all."""
    result = shipped.search("cooperation", filters)
    assert (result.total, result.hits) == (0, [])


def test_a_search_past_its_time_stops_while_scoring(shipped):
    from whoosh.query import And, Term

    from initiative_archive.backends.whoosh.query import Budget, _ranked
    searcher = shipped.engine.session.searcher()
    query = And([Term("text", "librari"), Term("text", "cooper")])
    with pytest.raises(QueryError, match="took longer"):
        _ranked(searcher, query, Filters(), Budget(0), 10)
