"""Every shipped clause is the source's words: a typo in the corpus fails here.

Whitespace and page breaks are folded on both sides and Markdown bold marks are dropped from the
source; nothing else is forgiven.
"""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS  # noqa: E402  (the shipped corpus, with the catalogued texts fetched)

from initiative_archive.corpus import Corpus


def fold(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def source_text(corpus: Corpus, doc) -> str:
    raw = (corpus.root / doc.source["file"]).read_text(encoding="utf-8")
    for marker in ("=== END HEADER ===", "\n----\n"):
        if marker in raw:
            raw = raw.split(marker, 1)[1]
            break
    return fold(raw)


DOCS = Corpus(CORPUS).documents()


@pytest.mark.parametrize("doc", DOCS, ids=[d.id for d in DOCS])
def test_every_clause_is_verbatim_in_its_source(doc):
    corpus = Corpus(CORPUS)
    source = source_text(corpus, doc)
    clauses = corpus.clauses(doc)
    assert clauses
    missing = [c.id for c in clauses if fold(c.text) not in source]
    assert missing == []


@pytest.mark.parametrize("doc", DOCS, ids=[d.id for d in DOCS])
def test_every_source_file_named_in_provenance_is_a_copy_of_the_shared_original(doc):
    copy = CORPUS / doc.source["file"]
    shared = CORPUS.parents[1] / "shared" / "sources" / copy.name
    assert copy.is_file()
    if shared.is_file():  # shared/ sits beside the clone in CI and in development
        assert copy.read_bytes() == shared.read_bytes()


def test_the_page_breaks_the_sources_readme_names_are_joined():
    corpus = Corpus(CORPUS)
    kunming = {c.id: c for c in corpus.clauses(corpus.find("kunming-2013"))}
    assert "in order to further cooperation in the restoration of documents and digitization." \
        in kunming["kunming-2013/op_2"].text
    nanning = corpus.clauses(corpus.find("nanning-2012"))
    aware = [c for c in nanning if c.text.startswith("Aware that")]
    assert len(aware) == 1
    assert "the libraries of East Asian nations could make greater contributions" in aware[0].text


def test_a_changed_word_would_be_caught():
    corpus = Corpus(CORPUS)
    doc = corpus.find("kunming-2013")
    source = source_text(corpus, doc)
    clause = corpus.clauses(doc)[2]
    altered = re.sub(r"\bcooperation\b", "co-operation", clause.text, count=1)
    assert altered != clause.text
    assert fold(altered) not in source
