"""The query side's shortcuts answer as Whoosh's own machinery does: a query of plain words is
the query Whoosh's parser makes of it, the rank column holds what the stored records and the
analyzer give, and a phrase checked on tokens finds the same clauses with the same scores as
Whoosh's positions do, in the shipped index and after an update that deletes clauses."""

from __future__ import annotations

import copy
import random

import pytest
from conftest import copy_corpus
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from whoosh.query import Phrase

from initiative_archive import Archive
from initiative_archive.analysis import char_sequence
from initiative_archive.backends.whoosh.phrase import TokenPhrase, token_phrases
from initiative_archive.backends.whoosh.query import make_parser, plain_query, quoted_query
from initiative_archive.backends.whoosh.rank_column import rank_records
from initiative_archive.backends.whoosh.store import make_schema
from initiative_archive.language import fold_han

SCHEMA = make_schema()
# words of both languages (stop words, stems, hyphenated, scripts the folding changes), lone
# Han characters, numbers, and what may stand inside a plain word or next to it
_PIECES = ["the", "of", "and", "Libraries", "co-operation", "inter-library", "e-books",
           "digitisation", "training", "Café", "naïve", "COVID-19", "2,000", "3.14", "e.g",
           "资源共享", "公共图书馆", "圖書館", "資源", "馆", "图", "书", "第三条", "𠮷",
           "１２３", "ＡＢＣ", "Ⅷ", "²", "x", "-", ".", ",", "，", "。", "、", "；", "AND", "OR",
           "NOT", "and", "or", "not"]
_SPACES = [" ", "  ", "\t", "\u3000", "\n"]


def _phrases(searcher, count: int, seed: int) -> list[list[str]]:
    """Runs of two to six tokens cut from clauses of the index: phrases that occur."""
    reader, rng = searcher.reader(), random.Random(seed)
    clauses = [d for d, f in reader.iter_docs() if f.get("record") == "clause"]
    out = []
    for docnum in rng.sample(clauses, min(count, len(clauses))):
        tokens = char_sequence(reader.stored_fields(docnum).get("text", ""))
        if len(tokens) >= 2:
            size = rng.randint(2, min(6, len(tokens)))
            at = rng.randint(0, len(tokens) - size)
            out.append(list(tokens[at:at + size]))
    return out


def _scored(searcher, query) -> list[tuple[int, float]]:
    return [(hit.docnum, hit.score) for hit in searcher.search(query, limit=None)]


def test_the_rank_column_holds_each_clauses_tokens_role_and_family(shipped):
    searcher = shipped.engine.session.searcher()
    records = rank_records(searcher.reader())
    checked = 0
    for docnum, stored in searcher.reader().iter_docs():
        if stored.get("record") != "clause":
            continue
        unit = records.units([(docnum, 1.0)])[0]
        assert unit["tokens"] == " ".join(char_sequence(stored.get("text", ""))), \
            stored["clause_id"]
        assert (unit["clause_id"], unit["role"], unit["lang"], list(unit["ancestors"])) == (
            stored["clause_id"], stored["role"], stored["lang"], stored.get("ancestors") or [])
        checked += 1
    assert checked > 500


@pytest.mark.parametrize("slop", [1, 2, 4])
def test_a_phrase_checked_on_tokens_finds_and_scores_as_whoosh_does(positional, slop):
    """On an index that keeps the chars field's positions (the index itself does not),
    phrases checked on tokens find and score what Whoosh's positions do, words side by side
    and with slop (``"..."~N``): runs cut from the clauses, their words shuffled, and words
    of clauses apart."""
    searcher = positional.engine.session.searcher()
    rng = random.Random(slop)
    phrases = _phrases(searcher, 150, seed=3) + [["图", "书", "馆"], ["librari", "cooper"]]
    phrases += [rng.sample(p, len(p)) for p in phrases[:40]]  # order matters with slop
    phrases += [[a[0], b[-1]] for a, b in zip(phrases[:30], phrases[30:60], strict=True)]
    found = 0
    for words in phrases:
        ours = _scored(searcher, TokenPhrase("chars", words, slop=slop))
        assert ours == _scored(searcher, Phrase("chars", words, slop=slop)), words
        found += bool(ours)
    assert found >= 150


def test_a_phrase_skips_the_clauses_an_update_deleted(tmp_path, monkeypatch):
    from conftest import positional_schema

    from initiative_archive.backends.whoosh import store

    monkeypatch.setattr(store, "make_schema", positional_schema)  # Whoosh's Phrase needs it
    corpus = copy_corpus(tmp_path / "corpus", ["kunming-2013", "nanning-2012",
                                               "prc-public-library-law-2018"])
    archive = Archive(corpus, tmp_path / "index")
    archive.index()
    law = corpus / "documents" / "prc-public-library-law-2018.md"
    law.write_text(law.read_text(encoding="utf-8").replace("图书馆", "图书室"), encoding="utf-8")
    archive.index()  # the law's clauses deleted from their segment, re-added in another
    searcher = archive.engine.session.searcher()
    assert any(r.has_deletions() for r, _ in searcher.reader().leaf_readers())
    for words in (["图", "书", "馆"], ["图", "书", "室"], ["公", "共"]) + tuple(
            _phrases(searcher, 40, seed=5)):
        for slop in (1, 3):
            assert _scored(searcher, TokenPhrase("chars", words, slop=slop)) == \
                _scored(searcher, Phrase("chars", words, slop=slop)), words


@pytest.mark.parametrize("text", ['"公共图书馆"', '"digital libraries" cooperation',
                                  'title:nanning AND "资源共享"', '"资源 共享"~3'])
def test_every_phrase_of_a_query_is_checked_on_tokens(shipped, text):
    from initiative_archive.backends.whoosh.query import parse_query

    parsed = parse_query(text, shipped.engine.session.searcher().schema)
    phrases = [leaf for leaf in parsed.leaves() if isinstance(leaf, Phrase)]
    assert phrases and all(type(p) is TokenPhrase for p in phrases)
    assert token_phrases(Phrase("chars", ["a", "b"], slop=3)).slop == 3
    assert token_phrases(Phrase("title", ["a", "b"])).__class__ is Phrase


QUERIES = ["cooperation", "digital libraries", "图书馆 合作", "资源共享", "古籍 保护",
           "library AND cooperation", "librari* NOT digital", "title:nanning", '"公共图书馆"',
           "resource sharing ANDMAYBE digital", "doc:nanning-2012 cooperation",
           '"exchange of publications" OR 交流', "library AND cooperation AND resources",
           "(library OR 图书馆) AND (cooperation OR 合作)", "library^2 AND cooperation^0.5",
           "资源 AND 共享 AND 服务", "(digital AND library) OR (resource AND sharing)",
           '(library AND "digital resources") OR (图书馆 AND 合作)^3', "library ANDNOT digital",
           "(library OR 图书馆 OR cooperation) ANDNOT (digital OR 资源)",
           "cooperation ANDMAYBE (library OR 图书馆 OR digital)"]


def _as_searched(searcher, text: str):
    """The query a search of ``text`` runs: parsed, then checked against the index."""
    from initiative_archive.backends.whoosh.query import Budget, budget_query, parse_query
    from initiative_archive.query_limits import DEFAULT_LIMITS

    return budget_query(parse_query(text, searcher.schema), searcher.reader(), DEFAULT_LIMITS,
                        Budget(30))


def _whoosh_scores(searcher, query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


@pytest.mark.parametrize("text", QUERIES)
def test_a_query_scored_whole_scores_every_clause_as_whoosh_does(shipped, text):
    from initiative_archive.backends.whoosh.scores import all_scores

    searcher = shipped.engine.session.searcher()
    query = _as_searched(searcher, text)
    ours = all_scores(searcher, query)
    if ours is None:  # a matcher it leaves to Whoosh (NOT alone, wildcards)
        assert text in ("librari* NOT digital",)
        return
    assert ours == _whoosh_scores(searcher, query) and ours


def test_a_concepts_variants_score_as_the_best_plus_a_share_of_the_others(shipped):
    from whoosh.query import And, Term

    from initiative_archive.backends.whoosh.scores import BestVariant

    searcher = shipped.engine.session.searcher()
    variants = [Term("text", "图书馆"), Term("text", "librari"), Term("text", "公共图书馆"),
                And([Term("text", "resourc"), Term("text", "share")])]
    each = [_whoosh_scores(searcher, v) for v in variants]
    ours = _whoosh_scores(searcher, BestVariant(variants, tiebreak=0.3))
    assert ours.keys() == set().union(*each)
    several = 0
    for docnum, score in ours.items():
        values = [scores[docnum] for scores in each if docnum in scores]
        assert score == pytest.approx(max(values) + 0.3 * (sum(values) - max(values)))
        several += len(values) > 1
    assert several > 10


def _updated(tmp_path, word: str, replacement: str) -> Archive:
    """Two documents indexed, then one of them edited (``word`` replaced) and the index
    updated: its clauses deleted from the first segment and written to a second."""
    corpus = copy_corpus(tmp_path / "corpus", ["kunming-2013", "nanning-2012"])
    archive = Archive(corpus, tmp_path / "index")
    archive.index()
    kunming = corpus / "documents" / "kunming-2013.md"
    kunming.write_text(kunming.read_text(encoding="utf-8").replace(word, replacement),
                       encoding="utf-8")
    archive.index()
    return archive


def test_scores_skip_the_clauses_an_update_deleted(tmp_path):
    from initiative_archive.backends.whoosh.scores import all_scores

    archive = _updated(tmp_path, "library", "archive")
    searcher = archive.engine.session.searcher()
    assert any(r.has_deletions() for r, _ in searcher.reader().leaf_readers())
    for text in ("library cooperation", "archive", "图书馆", '"digital library"'):
        query = _as_searched(searcher, text)
        assert all_scores(searcher, query) == _whoosh_scores(searcher, query), text


def test_what_one_query_read_of_a_word_does_not_cut_short_the_next(tmp_path):
    """An intersection steps its words to their first common clause, and Whoosh's OR of a
    small index reads a first stretch of each word, before any score is asked for: the
    words' postings are read (and kept) whole all the same."""
    from whoosh.query import Or, Term

    from initiative_archive.backends.whoosh.scores import all_scores

    corpus = copy_corpus(tmp_path / "corpus", ["kunming-2013", "nanning-2012",
                                               "prc-public-library-law-2018"])
    archive = Archive(corpus, tmp_path / "index")
    archive.index()
    searcher = archive.engine.session.searcher()
    sequence = [_as_searched(searcher, t) for t in
                ("library AND cooperation", "cooperation", "library", "资源 OR 共享 OR 服务",
                 "共享", '"公共图书馆" AND 服务', "服务")]
    sequence.append(Or([Term("text", "librari", boost=2.5), Term("text", "cooper", boost=0.5),
                        Term("text", "图书馆")]))
    for query in sequence:
        assert all_scores(searcher, query) == _whoosh_scores(searcher, query), query


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3),
                          st.sampled_from(_SPACES)), min_size=1, max_size=5),
       st.sampled_from(["any", "all"]))
@example([(["资源共享"], " "), (["馆"], " ")], "any")
@example([(["e-books", ","], " "), (["AND"], " "), (["the"], " ")], "all")
def test_a_query_of_plain_words_is_the_query_whooshs_parser_makes(words, match):
    text = fold_han("".join("".join(pieces) + space for pieces, space in words))
    made = plain_query(text, SCHEMA, match)
    parsed = make_parser(SCHEMA, match).parse(text)
    if made is not None:
        assert made == parsed and repr(made) == repr(parsed)
    else:  # declined: only for what is not a plain word
        assert any(w in ("AND", "OR", "NOT") for w in text.split())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3), min_size=1,
                max_size=5), st.sampled_from(["any", "all"]))
@example([["资源共享"]], "any")
@example([["the"], ["of"]], "all")
def test_a_quoted_phrase_of_plain_words_is_the_query_whooshs_parser_makes(words, match):
    """``quoted_query`` against the parser: the same query, and the same places of its words
    in the text (a phrase's ``char_ranges``, a lone word's start and end)."""
    text = fold_han('"' + " ".join("".join(pieces) for pieces in words) + '"')
    made = quoted_query(text, SCHEMA)
    parsed = make_parser(SCHEMA, match).parse(text)
    assert made is not None, text
    assert made == parsed and repr(made) == repr(parsed)
    assert getattr(made, "char_ranges", None) == getattr(parsed, "char_ranges", None)
    assert (getattr(made, "startchar", None), getattr(made, "endchar", None)) == (
        getattr(parsed, "startchar", None), getattr(parsed, "endchar", None))


@pytest.mark.parametrize("text", ['"a"~2', '"a  b"', ' "a"', '"a" b', 'title:"a b"', '"a*"',
                                  '"a" "b"', '"a:b"'])
def test_a_quoted_phrase_with_more_is_left_to_whooshs_parser(text):
    assert quoted_query(text, SCHEMA) is None


@pytest.mark.parametrize("text", ['"digital libraries"', "title:Nanning", "librar*", "(a OR b)",
                                  "digital^2", "x NOT y", "children's books", "[a TO b]"])
def test_the_query_language_is_left_to_whooshs_parser(text):
    assert plain_query(text, SCHEMA) is None


def test_the_kept_term_records_answer_as_whooshs_term_table(shipped):
    """Every term of the shipped index, and terms no segment holds, asked twice (read, then
    kept) of the kept tables, answer as whoosh3's own tables reading the file each time."""
    from whoosh.codec.whoosh3 import W3TermsReader
    from whoosh.reading import TermNotFound

    from initiative_archive.backends.whoosh.term_infos import _KeptTermsReader

    reader = shipped.engine.session.searcher().reader()
    segments = [segment for segment, _ in reader.leaf_readers()]
    assert segments and all(type(s._terms) is _KeptTermsReader for s in segments)
    terms = list(reader.all_terms())
    absent = [("text", b"zzqx-not-a-word"), ("chars", "馫".encode()), ("no_field", b"x")]
    for segment in segments:
        kept = segment._terms  # the same file, read by whoosh3's own class
        own = W3TermsReader.__new__(W3TermsReader)
        own.__dict__.update({k: v for k, v in kept.__dict__.items() if k != "_kept"})
        for _ in range(2):
            for term in [*terms[::7], *absent]:
                assert (term in kept) == (term in own)
                if term in own:
                    a, b = kept.term_info(*term), own.term_info(*term)
                    assert (a.weight(), a.doc_frequency(), a.min_length(), a.max_length(),
                            a.max_weight(), a.min_id(), a.max_id(), a.is_inlined()) == (
                        b.weight(), b.doc_frequency(), b.min_length(), b.max_length(),
                        b.max_weight(), b.min_id(), b.max_id(), b.is_inlined())
                    assert kept.frequency(*term) == own.frequency(*term)
                    assert kept.doc_frequency(*term) == own.doc_frequency(*term)
                else:
                    with pytest.raises(TermNotFound):
                        kept.term_info(*term)
                    with pytest.raises(KeyError):
                        kept.doc_frequency(*term)
                    with pytest.raises(KeyError):
                        own.doc_frequency(*term)
    some = terms[len(terms) // 2]
    assert reader.doc_frequency(*some) == sum(s._terms.doc_frequency(*some) for s in segments
                                              if some in s._terms)


def test_a_terms_postings_read_by_block_are_whooshs_postings(shipped):
    """Every posting list of the shipped index's text and chars fields (long ones of many
    blocks among them) read by blocks holds the ids and weights Whoosh's matcher steps
    through one posting at a time."""
    from initiative_archive.backends.whoosh.postings import postings_weights

    searcher = shipped.engine.session.searcher()
    blocks = 0
    for segment, _ in searcher.reader().leaf_readers():
        for fieldname, text in segment.all_terms():
            if fieldname not in ("text", "chars"):
                continue
            m = segment._terms.matcher(fieldname, text, SCHEMA[fieldname].format)
            read = postings_weights(m)
            stepped = {}
            m.reset()
            while m.is_active():
                stepped[m.id()] = m.weight()
                m.next()
            assert read == stepped, (fieldname, text)
            blocks += len(read) > 128
    assert blocks > 10  # terms of several blocks were read


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(0, 5000), st.sampled_from([0.5, 1.0, 2.25, 3.0]) | st.floats(
    0.01, 50)), st.integers(1, 40), st.sets(st.integers(0, 5000)),
       st.none() | st.sets(st.integers(0, 5000)))
def test_the_best_ranked_are_the_highest_scores_lower_docnums_first(scores, depth, hidden, allow):
    """``_best`` (a threshold, then a sort of those above it) is the plain definition: the
    shown clauses by score, the lower docnum first among equal scores, cut at the depth."""
    from initiative_archive.backends.whoosh.query import _best

    shown = [(d, s) for d, s in scores.items() if d not in hidden and (allow is None or d in allow)]
    assert _best(scores, allow, hidden, depth) == sorted(shown, key=lambda i: (-i[1], i[0]))[:depth]


_TOKENS = st.lists(st.sampled_from(["公", "共", "图", "书", "馆", "a", "ab", "b", "library"]),
                   max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "x\x1fen\x1f", "\x1f\x1f\x1f\x1f"]), _TOKENS),
                max_size=6), st.lists(st.sampled_from(["公", "共", "a", "ab", "b"]), min_size=1,
                                      max_size=3))
def test_a_run_is_found_in_the_records_bytes_as_in_its_tokens(records, run):
    """Records laid end to end, as a segment's column holds them: a run is found in a
    record's tokens (after its last separator) exactly when the tokens hold it side by side."""
    from initiative_archive.backends.whoosh.rank_column import _holds_run

    encoded = [(head + " ".join(tokens)).encode() for head, tokens in records]
    data, at = b"".join(encoded), 0
    for (_, tokens), record in zip(records, encoded, strict=True):
        expected = any(tokens[i:i + len(run)] == run for i in range(len(tokens)))
        assert _holds_run(data, at, at + len(record), " ".join(run).encode()) == expected
        at += len(record)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "x\x1fen\x1f", "\x1f\x1f\x1f\x1f", "公 共\x1f"]),
                          _TOKENS), max_size=6),
       st.lists(st.sampled_from(["公", "共", "a", "ab", "b"]), min_size=1, max_size=3))
def test_the_records_holding_a_run_are_found_by_pattern_as_one_at_a_time(records, run):
    """``holding`` (a pattern searched in each record's tokens) finds the records
    ``_holds_run`` finds, however the records and their heads are laid end to end."""
    from initiative_archive.backends.whoosh.rank_column import _holds_run, holding

    encoded = [(head + " ".join(tokens)).encode() for head, tokens in records]
    lengths = [len(record) for record in encoded]
    offsets = [sum(lengths[:n]) for n in range(len(lengths))]
    data, joined = b"".join(encoded), " ".join(run).encode()
    docnums = list(range(len(encoded)))
    expected = [d for d in docnums if _holds_run(data, offsets[d], offsets[d] + lengths[d], joined)]
    assert holding(data, offsets, lengths, docnums, joined) == expected
    # a column read in place in a map: its records after the bytes of the file before it
    assert holding(b"x\x1f\xe5\x85\xac" + data, offsets, lengths, docnums, joined, 5) == expected


def test_the_clauses_holding_a_run_are_those_whose_tokens_hold_it(shipped):
    from initiative_archive.backends.whoosh.rank_column import RankRecords

    reader = shipped.engine.session.searcher().reader()
    records = RankRecords(reader)
    docnums = list(reader.all_doc_ids())
    for run in (["公", "共"], ["图", "书", "馆"], ["librari"], ["resourc", "share"], ["第"]):
        expected = [d for d in docnums if any(
            tokens[i:i + len(run)] == run
            for tokens in [records.tokens(d).split(" ")] for i in range(len(tokens)))]
        assert expected, run
        assert records.holding_run(docnums, " ".join(run).encode()) == expected


@pytest.mark.parametrize("apart", [0, 50, 10**9])
def test_records_read_one_at_a_time_or_with_the_whole_column_are_the_same(shipped, monkeypatch,
                                                                         apart):
    """A segment's first records are read one at a time, the rest from the column read
    whole: whatever the switch, every record, and every run found in them, is the same."""
    from initiative_archive.backends.whoosh import rank_column

    reader = shipped.engine.session.searcher().reader()
    whole = rank_column.RankRecords(reader)
    docnums = list(reader.all_doc_ids())
    expected = [whole.raw(d) for d in docnums]
    runs = [whole.holding_run(docnums, run) for run in (b"\xe5\x85\xac \xe5\x85\xb1", b"librari")]
    monkeypatch.setattr(rank_column, "READ_APART", apart)
    records = rank_column.RankRecords(reader)
    for _, segment in records.segments:
        segment.blob, segment.read_apart = None, 0
    assert [records.raw(d) for d in docnums] == expected
    for _, segment in records.segments:
        segment.blob, segment.read_apart = None, 0
    assert [records.holding_run(docnums[:40], run) for run in (b"\xe5\x85\xac \xe5\x85\xb1",
            b"librari")] == [[d for d in r if d in docnums[:40]] for r in runs]
    assert [records.holding_run(docnums, run) for run in (b"\xe5\x85\xac \xe5\x85\xb1",
            b"librari")] == runs


@settings(max_examples=400, deadline=None)
@given(st.text("ab图书.*", min_size=1, max_size=5),
       st.lists(st.text("ab图书.*", min_size=1, max_size=3), max_size=12))
def test_a_phrase_pattern_finds_the_whole_spelled_by_tokens_side_by_side(whole, tokens):
    """``run_pattern`` (the query as one run, for the 'phrase' level) against its
    definition: the characters of some whole tokens side by side, however the tokens cut them
    (compounds aside: inter-library = interlibrary)."""
    from initiative_archive.ranking import run_pattern, token_text

    expected = any("".join(tokens[i:j]) == whole
                   for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1))
    assert (run_pattern(whole).search(token_text(tokens)) is not None) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.text("ab图书", min_size=1, max_size=3), min_size=1, max_size=4),
                min_size=1, max_size=6),
       st.lists(st.text("ab图书", min_size=1, max_size=3), max_size=12))
def test_runs_are_found_where_whole_tokens_side_by_side_spell_them(runs, tokens):
    """``Runs.any_in`` (one scan of the text without its spaces) against its definition:
    some run's characters are those of whole tokens side by side, however the tokens cut
    them (compounds aside: inter-library = interlibrary)."""
    from initiative_archive.ranking import Runs, token_text

    wholes = {"".join(run) for run in runs}
    expected = any("".join(tokens[i:j]) in wholes
                   for i in range(len(tokens)) for j in range(i + 1, len(tokens) + 1))
    assert Runs(tuple(run) for run in runs).any_in(token_text(tokens)) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text("ab图书", min_size=1, max_size=3), min_size=1, max_size=3),
       st.lists(st.text("ab图书", min_size=1, max_size=3), max_size=10))
def test_a_words_pattern_is_holds_run(word, tokens):
    """``rank_key``'s test of each word (a regular expression) against ``holds_run``: the
    word's tokens from a token's start to a token's end."""
    from initiative_archive.ranking import _whole_tokens, holds_run, token_text

    text, run = token_text(tokens), token_text(word)
    assert bool(_whole_tokens(run).search(text)) == holds_run(text, run)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["a", "ab", "图", "书"]), min_size=1, max_size=3),
       st.lists(st.sampled_from(["a", "ab", "b", "图", "书", "图书"]), max_size=14))
def test_a_words_places_are_where_its_tokens_stand_side_by_side(word, tokens):
    """``_places`` (a word's pattern searched in the token text) against the definition: every
    position where the word's tokens stand one after another, overlapping places too."""
    from initiative_archive.ranking import _places, _whole_tokens, token_text

    n = len(word)
    expected = [(i, i + n - 1) for i in range(len(tokens)) if tokens[i:i + n] == word]
    assert _places(_whole_tokens(token_text(word)), n, token_text(tokens)) == expected


@pytest.mark.parametrize("words", [["ab", "a" * 300], ["ab", "abc"]])
def test_a_run_is_found_only_from_a_tokens_start_to_a_tokens_end(words):
    """``run_pattern`` tests the start just after the first character, for a word of
    any length."""
    from initiative_archive.ranking import run_pattern

    patterns = [run_pattern(word) for word in words]
    for text, found in [("ab", True), ("x ab y", True), ("a b", True), ("xab", False),
                        ("x xab", False), ("abx", False), ("ab x", True), ("x a bx", False),
                        ("", False), (" ".join("a" * 300), len(words[1]) == 300),
                        ("x" + " ".join("a" * 300), False)]:
        assert any(p.search(text) is not None for p in patterns) == found, text


def test_the_term_cache_counts_empty_answers_against_its_limit(monkeypatch):
    """A phrase found nowhere is kept as an empty answer: it still takes room, so a server
    asked for many such phrases keeps a bounded number of them."""
    from initiative_archive.backends.whoosh import postings

    monkeypatch.setattr(postings, "CACHED_POSTINGS", 50)
    cache = postings.TermCache()
    for n in range(500):
        cache.get(("phrase", n), dict)
    cache.get(("word", 0), lambda: dict.fromkeys(range(30), 1.0))
    assert len(cache.items) <= 21 and ("word", 0) in cache.items
    assert cache.size == sum(len(v) + 1 for v in cache.items.values()) <= 50


@settings(max_examples=500, deadline=None)
@given(st.text("abcd", max_size=7), st.text("abcd", max_size=7), st.sampled_from([1, 2]))
def test_rapidfuzz_osa_is_the_distance_whoosh_measures(word, text, maxdist):
    """What ``corrector.py`` asks of rapidfuzz (the distance, cut off at ``maxdist``) says
    what Whoosh's ``terms_within`` says of a word: within ``maxdist`` edits or not."""
    from rapidfuzz.distance import OSA
    from whoosh.support.levenshtein import distance

    whoosh = distance(word, text, limit=maxdist) <= maxdist
    assert (OSA.distance(text, word, score_cutoff=maxdist) <= maxdist) == whoosh
    assert OSA.distance(text, word) == distance(word, text)


def _misspellings(words: list[str], count: int, seed: int) -> list[str]:
    """Words of the index with a letter dropped, doubled, swapped or changed."""
    rng, out = random.Random(seed), []
    for word in rng.sample([w for w in words if w.isalpha() and len(w) >= 4], count):
        at = rng.randrange(len(word) - 1)
        out.append(rng.choice([word[:at] + word[at + 1:], word[:at] + word[at] + word[at:],
                               word[:at] + word[at + 1] + word[at] + word[at + 2:],
                               word[:at] + rng.choice("aeiost") + word[at + 1:]]))
    return out


def test_did_you_mean_offers_what_whoosh_offers(shipped, tmp_path):
    """The corrector with the field's words in memory offers the words Whoosh's own offers,
    in its order, in an index of several segments and in one of one. Whoosh reads a lone
    segment through an automaton that counts a swap of two letters as two edits, not one as
    its ``terms_within`` says (and as it does across segments): the reference there is
    ``IndexReader.terms_within``."""
    from functools import partial

    from whoosh.reading import IndexReader
    from whoosh.spelling import ReaderCorrector

    from initiative_archive.backends.whoosh.corrector import corrector, field_words

    several = _updated(tmp_path, "library", "libary")
    offered = 0
    for archive, segments in ((shipped, 1), (several, 2)):
        searcher = archive.engine.session.searcher()
        reader = searcher.reader()
        assert len(reader.leaf_readers()) == segments
        words = field_words(reader, "spell")
        assert words == sorted(words) and "librari" not in words and "library" in words
        theirs = ReaderCorrector(reader, "spell", reader.schema["spell"])
        if segments == 1:
            theirs.reader = copy.copy(reader)
            theirs.reader.terms_within = partial(IndexReader.terms_within, theirs.reader)
        ours = corrector(searcher, "spell")
        for word in _misspellings(words, 60, seed=segments) + ["libary", "cooperaton", "zz"]:
            for maxdist in (1, 2):
                expected = theirs.suggest(word, limit=3, maxdist=maxdist)
                assert ours.suggest(word, limit=3, maxdist=maxdist) == expected, word
                offered += bool(expected)
    assert offered > 120, offered
    assert corrector(shipped.engine.session.searcher(), "spell").suggest(
        "docuemnt", limit=3, maxdist=1) == ["document"]


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("a 1图书馆資㐀\u4dbf\u9fff\ua000\u33ff𠀀，"), max_size=8))
def test_chinese_in_a_query_is_found_as_the_character_classes_say(text):
    """The query side's tests for Chinese characters (read a character at a time) say what
    the regular expressions of their ranges say."""
    import re

    from initiative_archive.backends.whoosh.query import _all_han, _has_han, _lone_han_in

    han = "[\u3400-\u9fff]"
    assert _has_han(text) == bool(re.search(han, text))
    assert _all_han(text) == bool(re.fullmatch(f"{han}+", text))
    assert _lone_han_in(text) == bool(re.search(f"(?<!{han}){han}(?!{han})", text))
