"""The analyzer: Chinese positions and offsets, script folding, English stemming and spelling,
stop words, the user dictionary, and jieba's lazy and silent loading."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from initiative_archive import analysis
from initiative_archive.analysis import ClauseTokenizer, analyze

LAW_TITLE = "中华人民共和国公共图书馆法"


def tokens(granularity: str, text: str, **kwargs) -> list[tuple[str, int, int, int]]:
    tokenizer = ClauseTokenizer(granularity)
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in tokenizer(text, positions=True, chars=True, **kwargs)]


@pytest.mark.parametrize("granularity", ["words", "chars", "precise"])
@pytest.mark.parametrize("start_pos, start_char", [(0, 0), (5, 10)])
def test_chinese_positions_are_ordinals_and_offsets_slice_the_text(granularity, start_pos,
                                                                   start_char):
    text = f"{LAW_TITLE} 第三十三条 馆际互借"
    got = tokens(granularity, text, start_pos=start_pos, start_char=start_char)
    assert [pos for _, pos, _, _ in got] == list(range(start_pos, start_pos + len(got)))
    for term, _, start, end in got:
        assert text[start - start_char:end - start_char] == term


def test_chars_granularity_gives_one_token_per_character():
    got = tokens("chars", "图书馆 loan", start_pos=5, start_char=10)
    assert got == [("图", 5, 10, 11), ("书", 6, 11, 12), ("馆", 7, 12, 13), ("loan", 8, 14, 18)]


def test_words_granularity_indexes_sub_words_of_a_compound():
    terms = {term for term, _, _, _ in tokens("words", LAW_TITLE)}
    assert {"中华人民共和国", "共和国", "公共图书馆", "图书馆"} <= terms


def test_tokenize_false_yields_the_whole_value():
    got = tokens("words", "图书馆 loan", tokenize=False, start_pos=3, start_char=7)
    assert got == [("图书馆 loan", 3, 7, 15)]


def test_unknown_granularity_is_refused():
    with pytest.raises(ValueError):
        ClauseTokenizer("bigrams")


@pytest.mark.parametrize("granularity", ["words", "chars", "precise"])
def test_traditional_folds_to_simplified_with_unchanged_offsets(granularity):
    assert analyze("圖書館資源共享", granularity) == analyze("图书馆资源共享", granularity)
    assert analyze("推動圖書館館際互借", granularity) == analyze("推动图书馆馆际互借", granularity)


@pytest.mark.parametrize("british, american", [
    ("digitisation", "digitization"),
    ("catalogue", "catalog"),
    ("organisation", "organization"),
    ("centre", "center"),
])
def test_british_and_american_spellings_meet(british, american):
    assert analyze(british) == [(analyze(american)[0][0], 0, len(british))]


@pytest.mark.parametrize("one, other", [
    ("publications", "public"),
    ("digitization", "digit"),
    ("organization", "organ"),
])
def test_over_stemming_is_avoided(one, other):
    assert analyze(one)[0][0] != analyze(other)[0][0]


def test_inflections_share_a_stem():
    assert {t for t, _, _ in analyze("library libraries Libraries")} == {"librari"}


def test_stop_words_are_removed():
    terms = [t for t, _, _ in analyze("the library of the people shall and its loans")]
    assert terms == ["librari", "peopl", "loan"]


def test_english_offsets_point_at_the_original_word():
    """A hyphenated compound is also one word, spanning both parts (interlibrary meets
    inter-library)."""
    text = "Public Libraries, inter-library LOAN"
    assert [text[s:e] for _, s, e in analyze(text)] == ["Public", "Libraries", "inter",
                                                        "inter-library", "library", "LOAN"]
    assert [t for t, _, _ in analyze(text)][3] == "interlibrari"


def test_full_width_latin_is_folded():
    assert analyze("ＡＳＥＡＮ libraries") == [("asean", 0, 5), ("librari", 6, 15)]


def test_user_dictionary_word_is_one_token_in_precise_mode():
    text = "推进馆际互借服务"
    assert ("馆际互借", 2, 6) in analyze(text, "precise")


def test_precise_mode_keeps_compounds_whole():
    terms = [t for t, _, _ in analyze(LAW_TITLE, "precise")]
    assert terms == ["中华人民共和国", "公共图书馆", "法"]


def _python(code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env)


def test_analysing_english_does_not_import_jieba():
    done = _python("import sys; from initiative_archive.analysis import analyze; "
                   "analyze('inter-library loan'); print('jieba' in sys.modules)")
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr


def test_analysing_chinese_prints_nothing_to_stderr():
    done = _python(
        "import sys\n"
        "from initiative_archive.analysis import analyze, WORDS\n"
        "analyze('图书馆资源共享，馆际互借', 'precise')\n"
        "list(WORDS('中华人民共和国公共图书馆法'))\n"
        "print('jieba' in sys.modules)\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"  # jieba really was loaded ...
    assert done.stderr == ""  # ... and said nothing


def test_loading_the_user_dictionary_leaves_no_file_open():
    analysis.jieba_tokenizer.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis.jieba_tokenizer()
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_the_schema_analyzers_are_importable_by_name():
    """Whoosh pickles the analyzers into the index: they must stay at a stable import path."""
    assert analysis.WORDS == analysis.make_analyzer("words")
    assert analysis.CHARS == analysis.make_analyzer("chars")


text_alphabet = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(list("圖書館資源共享图书馆馆际互借中华人民共和国 \n\t，。ＡＢlibrary-")),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
)


@given(st.text(alphabet=text_alphabet, max_size=60),
       st.sampled_from(["words", "chars", "precise"]))
def test_property_analyze_never_raises_and_offsets_lie_in_the_text(text, granularity):
    for term, start, end in analyze(text, granularity):
        assert term
        assert 0 <= start < end <= len(text)


def test_the_ranking_sequence_is_what_the_chars_analyzer_makes(shipped):
    """ranking.py reads char_sequence instead of running the Whoosh analyzer per clause: the
    two must agree token for token, on every shipped clause and on odd text."""
    from initiative_archive.analysis import CHARS, char_sequence

    texts = [c.text for d in shipped.documents() for c in shipped.clauses(d)]
    texts += ["ＡＳＥＡＮ Libraries, inter-library LOAN", "Café naïve 圖書館", "the of and", ""]
    for text in texts:
        assert list(char_sequence(text)) == [t.text for t in CHARS(text)], text


def test_jiebas_cache_read_whole_is_the_dictionary_jieba_reads():
    import jieba

    from initiative_archive.analysis import _load_jieba_cache, jieba_tokenizer
    from initiative_archive.cachedir import user_cache_dir

    jieba_tokenizer()  # the cache written if it was not there
    ours, theirs = jieba.Tokenizer(), jieba.Tokenizer()
    for segmenter in (ours, theirs):
        segmenter.tmp_dir, segmenter.cache_file = user_cache_dir(), "jieba.cache"
    assert _load_jieba_cache(ours, jieba.DEFAULT_DICT)
    theirs.initialize()
    assert ours.initialized and ours.total == theirs.total and ours.FREQ == theirs.FREQ
    assert not _load_jieba_cache(jieba.Tokenizer("/nonexistent/dict.txt"), jieba.DEFAULT_DICT)


def _analyzed(text: str, analyzer, mode: str = "") -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar)
            for t in analyzer(text, chars=True, positions=True, mode=mode)]


@given(st.one_of(st.text(alphabet=st.sampled_from("ab-图書馆 .,Ｌ｜é𠀀the"), max_size=40),
                 st.text(alphabet=text_alphabet, max_size=60)))
def test_query_spans_are_the_tokens_the_analyzers_give(text):
    """What highlighting reads of a hit's text: the ``WORDS`` analyzer as a query uses it and
    the ``CHARS`` analyzer, terms and offsets alike."""
    from initiative_archive.analysis import CHARS, WORDS, query_spans

    words, chars = query_spans(text)
    assert words == _analyzed(text, WORDS, "query")
    assert chars == _analyzed(text, CHARS)


@given(st.text(st.sampled_from("a图書館，’ \u3400\u4dbf\u4dc0\u9fff\ua000\uf900\ufaff\ufb00"
                               "\U00020000\U0002fa1f\U0002fa20가")))
def test_han_read_a_character_at_a_time_is_the_regular_expressions_reading(text):
    """The query side's ``has_han`` and ``han_runs`` (no regular expression of the Han ranges
    to compile) against ``han_re`` and ``han_run_re``, at the ranges' edges."""
    from initiative_archive.language import han_re, han_run_re, han_runs, has_han

    assert has_han(text) == bool(han_re().search(text))
    assert han_runs(text) == han_run_re().findall(text)
