"""The bilingual concept glossary (package data) and the labelled clause pairs for ``recur``.

The glossary must validate, be large enough and bilingual throughout, and find the concepts that
real clauses of the shipped corpus state, in English, simplified and traditional Chinese. The
pairs file must be well formed and cite only clause ids that exist in the shipped corpus.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import COMMITTED_IDS, SHIPPED_IDS
from hypothesis import given
from hypothesis import strategies as st

from initiative_archive.glossary import (
    Concept,
    Glossary,
    concepts_in,
    english_key,
    load_glossary,
    validate,
)

PAIRS = Path(__file__).parent / "data" / "recur_pairs.json"
ENGLISH_DOCS = COMMITTED_IDS


def ids(text: str) -> set[str]:
    return {c.id for c in concepts_in(text)}


# -- the glossary itself ---------------------------------------------------------------------


def test_the_shipped_glossary_validates():
    assert [str(p) for p in validate()] == []


def test_at_least_200_concepts_each_in_both_languages():
    glossary = load_glossary()
    assert len(glossary) >= 200
    for concept in glossary:
        assert concept.en and concept.zh_hans and concept.zh_hant, concept.id
        assert concept.source, concept.id


def test_the_glossary_is_read_once():
    assert load_glossary() is load_glossary()


def test_core_concepts_of_the_domain_are_there():
    glossary = load_glossary()
    for concept_id in ("resource-sharing", "inter-library-loan", "union-catalogue",
                       "legal-deposit", "ancient-books", "digitization", "volunteer-service",
                       "branch-library-system", "staff-training", "exchange-of-publications",
                       "collection-preservation", "secretariat", "reading-promotion", "minors",
                       "persons-with-disabilities", "free-opening", "funding", "donation",
                       "personal-information", "digital-library"):
        assert concept_id in glossary, concept_id
    assert "资源共享" in glossary["resource-sharing"].zh_hans
    assert "資源共享" in glossary["resource-sharing"].zh_hant
    assert {"交存", "缴送"} <= set(glossary["legal-deposit"].zh_hans)


def test_no_concept_is_a_bare_library():
    glossary = load_glossary()
    for concept in glossary:
        assert not {"library", "libraries"} & {v.lower() for v in concept.en}, concept.id
        assert "图书馆" not in concept.zh_hans, concept.id


# -- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "concept_id"), [
    ("actively promote inter-library loan", "inter-library-loan"),
    ("Interlibrary loans between members", "inter-library-loan"),
    ("an inter library loan service", "inter-library-loan"),
    ("INTERLENDING", "inter-library-loan"),
    ("co-building union catalogue data", "union-catalogue"),
    ("a union catalog", "union-catalogue"),
    ("digitisation of manuscripts", "digitization"),
    ("Digital Libraries", "digital-library"),
    ("readers’ personal information", "personal-information"),
    ("set up a secretariat", "secretariat"),
    ("馆际互借", "inter-library-loan"),
    ("館際互借", "inter-library-loan"),
    ("圖書館資源共享", "resource-sharing"),
    ("數位化", "digitization"),
    ("出版单位送缴出版物", "legal-deposit"),
    ("總分館制", "branch-library-system"),
    ("未成年人", "minors"),
])
def test_a_variant_finds_its_concept(text, concept_id):
    assert concept_id in ids(text)


@pytest.mark.parametrize(("text", "concept_id"), [
    ("fine traditional Chinese culture", "monetary-fines"),
    ("free of charge", "fees"),
    ("senior directors of libraries", "elderly"),
    ("the library's public. Library staff", "public-library"),
    ("librarianship", "library-staff"),
    ("应急处置措施", "disposal-of-documents"),
])
def test_no_match_across_words_or_meanings(text, concept_id):
    assert concept_id not in ids(text)


def test_english_keys_fold_spelling_and_plural():
    assert english_key("Catalogues") == english_key("catalog")
    assert english_key("libraries") == "library"
    assert english_key("branches") == "branch"
    assert english_key("access") == "access"


def test_mentions_give_offsets_in_the_original_text():
    text = "Strengthen cooperation; actively promote Inter-Library Loans. 馆際互借也是。"
    glossary = load_glossary()
    found = [text[m.start:m.end] for m in glossary.mentions(text)
             if m.concept.id == "inter-library-loan"]
    assert found == ["Inter-Library Loans", "馆際互借"]


def test_concepts_come_once_in_order_of_first_mention():
    found = [c.id for c in concepts_in("union catalogue, then resource sharing, "
                                       "then a union catalogue again")]
    assert found.index("union-catalogue") < found.index("resource-sharing")
    assert found.count("union-catalogue") == 1


def test_the_validator_reports_problems():
    bad = Glossary([
        Concept("a", ("union catalogue",), ("联合目录",), ("聯合目錄",), "our rendering"),
        Concept("a", ("union catalog",), ("联合目录",), ("联合目录",), ""),
        Concept("Bad Id", (), ("數字化",), (), "x"),
    ])
    messages = [str(p) for p in bad.validate()]
    assert any("duplicate id" in m for m in messages)
    assert any("also a variant of a" in m and "union catalog" in m for m in messages)
    assert any("also a variant of a" in m and "联合目录" in m for m in messages)
    assert any("source is empty" in m for m in messages)
    assert any("lacks '聯合目錄'" in m for m in messages)
    assert any("not an ascii slug" in m for m in messages)
    assert any("en is empty" in m for m in messages)
    assert any("has traditional characters" in m for m in messages)


def test_the_glossary_loads_neither_jieba_nor_whoosh():
    code = ("import sys; from initiative_archive.glossary import concepts_in; "
            "concepts_in('inter-library loan'); concepts_in('館際互借'); "
            "print(sorted(m for m in ('jieba', 'whoosh') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


# -- real clauses of the shipped corpus ------------------------------------------------------


@pytest.mark.parametrize(("clause_id", "expected"), [
    ("kunming-2013/op_1", {"inter-library-loan", "exchange-of-publications",
                           "collection-development"}),
    ("kunming-2013/op_2", {"ancient-books-protection", "restoration", "digitization",
                           "collection-preservation"}),
    ("kunming-2013/op_3", {"union-catalogue", "digitization", "digital-library",
                           "resource-sharing"}),
    ("kunming-2013/op_4", {"staff-training", "mutual-visits", "training-exchange-centre"}),
    ("nanning-2012/op_1", {"co-construction-and-sharing", "personnel-exchange",
                           "information-technology"}),
    ("nanning-2012/op_2", {"acquisition", "collection-preservation", "digital-library",
                           "library-services"}),
    ("prc-public-library-law-2018/art_26", {"legal-deposit", "national-library", "publishers"}),
    ("prc-public-library-law-2018/art_30", {"inter-library-cooperation",
                                            "cooperative-cataloguing",
                                            "co-construction-and-sharing"}),
    ("prc-public-library-law-2018/art_31", {"branch-library-system",
                                            "universal-borrowing-return", "service-point"}),
    ("prc-public-library-law-2018/art_41", {"ancient-books", "digitization", "lectures"}),
    ("prc-public-library-law-2018/art_43", {"personal-information", "reader-privacy"}),
    ("prc-public-library-law-2018/art_46", {"volunteer-service"}),
    ("prc-public-library-law-2018/art_33/para_2", {"free-of-charge", "reading-promotion",
                                                   "reading-room", "study-room"}),
    ("shanghai-public-library-regulations-2024/art_31/para_1", {
        "inter-library-loan", "document-delivery", "cooperative-reference", "joint-services"}),
    ("shanghai-public-library-regulations-2024/art_17/para_1", {"legal-deposit",
                                                                "shanghai-library"}),
    ("beijing-library-regulations-2002/art_40/para_1", {"legal-deposit", "capital-library"}),
    ("beijing-library-regulations-2002/art_34", {"resource-sharing", "digital-library",
                                                 "national-library"}),
    ("prc-public-cultural-services-law-2016/art_9", {"minors", "elderly",
                                                     "persons-with-disabilities",
                                                     "migrant-population"}),
    ("prc-public-cultural-services-law-2016/art_43/para_2", {"cultural-volunteering",
                                                             "volunteer-service"}),
    ("prc-public-cultural-sports-facilities-regulations-2003/art_20", {"fees"}),
])
def test_concepts_of_real_clauses(shipped, clause_id, expected):
    doc_id = clause_id.split("/")[0]
    clauses = {c.id: c for c in shipped.clauses(shipped.document(doc_id))}
    found = ids(clauses[clause_id].text)
    assert expected <= found, sorted(expected - found)


def test_the_same_concept_across_languages(shipped):
    """Kunming's English proposal and the Shanghai article name inter-library loan alike."""
    def text(clause_id):
        doc = shipped.document(clause_id.split("/")[0])
        return next(c.text for c in shipped.clauses(doc) if c.id == clause_id)

    english = ids(text("kunming-2013/op_1"))
    chinese = ids(text("shanghai-public-library-regulations-2024/art_31/para_1"))
    assert "inter-library-loan" in english & chinese


def test_lookup_is_fast_over_the_whole_corpus(shipped):
    texts = [c.text for doc_id in sorted(SHIPPED_IDS)
             for c in shipped.clauses(shipped.document(doc_id))]
    glossary = load_glossary()
    glossary.concepts_in("预热 warm-up")  # the Chinese tables are built on first use
    start = time.perf_counter()
    found = [glossary.concepts_in(t) for t in texts]
    per_clause = (time.perf_counter() - start) / len(texts)
    assert per_clause < 0.002, f"{per_clause * 1000:.2f} ms per clause"
    assert sum(1 for f in found if f) > 0.9 * len(texts)


# -- labelled clause pairs for recur ---------------------------------------------------------


@pytest.fixture(scope="module")
def pairs():
    return json.loads(PAIRS.read_text(encoding="utf-8"))


def test_pairs_are_well_formed(pairs):
    assert isinstance(pairs, list) and len(pairs) >= 250
    for pair in pairs:
        assert set(pair) == {"a", "b", "label", "kind", "why"}, pair
        assert pair["label"] in (0, 1), pair
        assert pair["kind"] in ("en-en", "zh-zh", "en-zh"), pair
        assert isinstance(pair["why"], str) and pair["why"].strip(), pair
        assert pair["a"] != pair["b"]
    assert {p["label"] for p in pairs} == {0, 1}
    assert {p["kind"] for p in pairs} == {"en-en", "zh-zh", "en-zh"}
    assert Counter((p["kind"], p["label"]) for p in pairs).keys() == {
        (k, lab) for k in ("en-en", "zh-zh", "en-zh") for lab in (0, 1)}
    keys = [frozenset((p["a"], p["b"])) for p in pairs]
    assert len(keys) == len(set(keys)), "a pair is labelled twice"


def test_pairs_cite_existing_clauses_of_other_documents(pairs, shipped):
    lang = {}
    for doc_id in SHIPPED_IDS:
        for clause in shipped.clauses(shipped.document(doc_id)):
            lang[clause.id] = "en" if doc_id in ENGLISH_DOCS else "zh"
    missing = sorted({i for p in pairs for i in (p["a"], p["b"]) if i not in lang})
    assert missing == []
    for pair in pairs:
        assert pair["a"].split("/")[0] != pair["b"].split("/")[0], pair
        langs = sorted((lang[pair["a"]], lang[pair["b"]]))
        expected = {("en", "en"): "en-en", ("zh", "zh"): "zh-zh", ("en", "zh"): "en-zh"}
        assert pair["kind"] == expected[tuple(langs)], pair


def test_pairs_quote_no_law_text():
    """Clause ids only: the notes are our own words, with no Chinese run of five characters."""
    text = PAIRS.read_text(encoding="utf-8")
    assert not re.search(r"[\u3400-\u9fff]{5,}", text)


@given(st.text(st.sampled_from("圖书館資源aZ ，。ＡＢ１İ𠮷①ß-"), max_size=12))
def test_a_chinese_key_folds_each_character_on_its_own(text):
    """``chinese_key`` (one ``str.translate``) is the text's characters folded one by one:
    simplified, half-width, lower-case, offsets kept where a character folds to one."""
    from initiative_archive.glossary import _fold_zh_char, chinese_key

    assert chinese_key(text) == "".join(_fold_zh_char(ch) for ch in text)
    assert chinese_key("圖書館ＡＢ，") == "图书馆ab,"
