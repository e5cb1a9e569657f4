"""Attacks on the query (issue 9, item 5): every query is answered or refused within seconds.

Measured before the budget, on the six documents then shipped (228 clauses; 36 documents in
brackets, a synthetic corpus of perturbed copies, 1,102 clauses): ``**`` 1.0 s (52 s), ``?*``
1.1 s (49 s), ``*?`` 0.9 s (52 s), ``??`` 0.5 s (44 s), a 4,999-character Chinese query 1.7 s
(1.5 s), a 2,499-character phrase of common characters 3.5 s (13 s). With the budget each is
refused in under 0.3 s, and a real 2,000-character Chinese passage is answered in 0.2 s (0.9 s).

The fuzz target throws arbitrary strings at the parser. CI runs ~100 examples; for a longer run:
    QUERY_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_robustness_query.py -k fuzz
"""

from __future__ import annotations

import os
import time

import pytest
from conftest import assert_one_error_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from initiative_archive.backends.whoosh.query import QueryLimits, explain
from initiative_archive.backends.whoosh.store import make_schema
from initiative_archive.engine import Filters
from initiative_archive.errors import QueryError

QUICK = 3.0  # seconds: a refusal or an answer on the shipped corpus, with room for slow CI


def _answered_or_refused(shipped, query: str, **kwargs) -> str:
    start = time.monotonic()
    try:
        shipped.search(query, **kwargs)
        outcome = "answered"
    except QueryError as exc:
        assert exc.hint, exc
        assert "\n" not in str(exc)
        outcome = "refused"
    assert time.monotonic() - start < QUICK, (query[:40], time.monotonic() - start)
    return outcome


@pytest.mark.parametrize("query", ["**", "?*", "*?", "??", "???", "*?*", "title:??", "l**",
                                   "text:[a TO zzzz]", "*"])
def test_wildcards_that_stand_for_the_whole_index_are_quick(shipped, query):
    _answered_or_refused(shipped, query)


@pytest.mark.parametrize("query", ["**", "?*", "*?", "??"])
def test_bare_wildcards_are_refused_with_a_hint(shipped, query):
    with pytest.raises(QueryError) as caught:
        shipped.search(query)
    assert "wildcard" in str(caught.value) and "*" in caught.value.hint


def test_ordinary_wildcards_still_work(shipped):
    assert shipped.search("librar*").total > 0
    assert shipped.search("as?a").total > 0
    assert shipped.search("*", limit=None).total > 0  # every clause


def test_long_chinese_queries_are_quick(shipped):
    for query in [("图书馆资源共享合作" * 600)[:4999], ("图书馆的" * 700)[:2499],
                  '"' + ("图书馆的公共" * 700)[:1600] + '"', " ".join("图书馆的" * 400)]:
        _answered_or_refused(shipped, query)


def test_a_refusal_is_one_error_line(run_main, shipped_args):
    run = run_main("search", "??", *shipped_args)
    assert_one_error_line(run)
    assert "wildcard" in run.stderr


def test_limits_are_parameters(shipped):
    from initiative_archive.backends.whoosh.query import run_search

    ix = shipped.engine.store.open()
    with ix.searcher() as searcher:
        with pytest.raises(QueryError, match="expands|matches too many"):
            run_search(searcher, "l*", Filters(), limits=QueryLimits(max_expansions=2))
        with pytest.raises(QueryError, match="terms"):
            run_search(searcher, "library cooperation asia", Filters(),
                       limits=QueryLimits(max_terms=2))
        with pytest.raises(QueryError, match="postings"):
            run_search(searcher, "library", Filters(), limits=QueryLimits(max_postings=1))
        with pytest.raises(QueryError, match="longer than"):
            run_search(searcher, "library", Filters(), limits=QueryLimits(seconds=1e-9))
    with pytest.raises(QueryError, match="characters long"):
        explain("library", make_schema(), limits=QueryLimits(max_chars=3))
    with pytest.raises(ValueError):
        QueryLimits(seconds=0)


def test_did_you_mean_stops_when_time_is_up(shipped):
    from initiative_archive.backends.whoosh.query import Budget, suggest

    ix = shipped.engine.store.open()
    with ix.searcher() as searcher:
        assert suggest(searcher, "libary", Budget(60)) == "library"
        assert suggest(searcher, "libary", Budget(0)) is None


# -- fuzz target ----------------------------------------------------------------------------

SYNTAX = st.sampled_from(['"', "*", "?", "**", "??", "(", ")", ":", "~", "^", "[", "]", " TO ",
                          " AND ", " OR ", " NOT ", "title:", "text:", "doc:", "chars:", "\x1b",
                          "\x00", "\u202e", "\ud800", "图书馆", "資源共享", "library", "lib*",
                          "*图*", "「", "」", "\\", "'", "{", "}", "/", "-", "+", " "])
QUERIES = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(SYNTAX, st.text(max_size=6)), max_size=25).map("".join),
    st.lists(st.sampled_from(list("图书馆资源共享的合作*? ")), max_size=3000).map("".join),
)
FUZZ_EXAMPLES = int(os.environ.get("QUERY_FUZZ_EXAMPLES", "100"))


@settings(max_examples=FUZZ_EXAMPLES, suppress_health_check=list(HealthCheck))
@given(query=QUERIES, match=st.sampled_from(["any", "all"]))
def test_fuzz_any_query_is_answered_or_refused_quickly(shipped, query, match):
    _answered_or_refused(shipped, query, match=match)


@pytest.mark.parametrize("query", ["**", "?*", "*?", "??"])
def test_the_cli_refuses_wildcards_without_letters_in_one_line(run_main, shipped_args, query):
    started = time.monotonic()
    result = run_main(*shipped_args, "search", query)
    assert time.monotonic() - started < 10
    assert_one_error_line(result)


def test_every_query_limit_is_a_search_option(run_main, shipped_args):
    long = run_main(*shipped_args, "search", "inter-library loan", "--max-query-chars", "5")
    assert_one_error_line(long)
    assert "5" in long.stderr
    wild = run_main(*shipped_args, "search", "l*", "--max-expansions", "2")
    assert_one_error_line(wild)
    loose = run_main(*shipped_args, "search", "l*", "--max-expansions", "100000", "--limit", "1")
    assert loose.code == 0 and "clauses match" in loose.stdout
    bad = run_main(*shipped_args, "search", "x", "--query-timeout", "0")
    assert bad.code == 2
