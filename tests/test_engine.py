"""The seam between the archive and its search engine (engine.py, backends/)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from initiative_archive.engine import Engine, Filters
from initiative_archive.errors import NotFoundError

SRC = Path(__file__).resolve().parents[1] / "src" / "initiative_archive"
PAIRS = Path(__file__).parent / "data" / "recur_pairs.json"


def test_the_whoosh_engine_has_every_method_of_the_interface(shipped):
    wanted = {name for name in vars(Engine) if not name.startswith("_")}
    missing = {name for name in wanted if not hasattr(shipped.engine, name)}
    assert wanted >= {"refresh", "rebuild", "search", "suggest", "more_like_this"}
    assert not missing


def test_only_the_backend_package_imports_whoosh():
    """Whoosh's types stay behind the seam; analysis.py borrows only Whoosh's Porter stemmer
    and stop list (plain functions and data that decide the tokens) and its tokenizer base
    classes, which the schema pickles."""
    importers = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "whoosh" or n.startswith("whoosh.") for n in names):
                importers.add(path.relative_to(SRC).as_posix())
    outside = {p for p in importers if not p.startswith("backends/whoosh/")}
    assert importers and outside <= {"analysis.py"}


def test_a_search_leaves_the_callers_filters_as_given(shipped):
    filters = Filters(docs=["Kunming Initiative"], langs=["en"])
    result = shipped.search("library cooperation", filters)
    assert result.hits and {h.clause.doc_id for h in result.hits} == {"kunming-2013"}
    assert filters == Filters(docs=["Kunming Initiative"], langs=["en"])


def test_more_like_this_finds_the_regulation_that_restates_a_law(shipped):
    """Labelled pairs of the Shanghai regulations and the national law (ids only): the
    word-based neighbours of one clause hold its restatement for most of them."""
    pairs = [p for p in json.loads(PAIRS.read_text(encoding="utf-8"))
             if p["label"] == 1 and p["kind"] == "zh-zh"]
    found = 0
    for pair in pairs:
        view, hits = shipped.similar(pair["a"], limit=10)
        ids = [h.clause.id for h in hits]
        assert view.clause.id not in ids
        assert not any(a.id in ids for a in view.ancestors)
        found += pair["b"] in ids
    assert len(pairs) > 100 and found / len(pairs) >= 0.75


def test_more_like_this_keeps_to_the_filters(shipped):
    _, hits = shipped.similar("kunming-2013/op_1", limit=5, filters=Filters(docs=["nanning"]))
    assert hits and {h.clause.doc_id for h in hits} == {"nanning-2012"}


def test_more_like_this_of_an_unknown_clause_says_so(shipped):
    with pytest.raises(NotFoundError):
        shipped.similar("kunming-2013/op_999")


def test_similar_on_the_command_line(run_main, shipped_args):
    run = run_main(*shipped_args, "similar", "kunming-2013/op_3", "--doc", "nanning-2012",
                   "--limit", "2", "--format", "json")
    data = json.loads(run.stdout)
    assert run.code == 0 and data["total"] == 2
    assert {h["doc_id"] for h in data["hits"]} == {"nanning-2012"}
    missing = run_main(*shipped_args, "similar", "kunming-2013/op_99")
    assert missing.code != 0 and "no clause" in missing.stderr


def test_warming_loads_what_a_first_search_loads(shipped_index):
    """What copies forked for a batch of searches inherit rather than each load again: the
    clauses the filters let through, the rank column, the glossary's tables of both
    languages."""
    from initiative_archive.backends.whoosh import WhooshEngine
    from initiative_archive.glossary import Glossary, load_glossary

    engine = WhooshEngine(shipped_index)
    glossary = Glossary(load_glossary().concepts)
    filters = Filters(langs=["en"])
    assert glossary._chinese is None
    engine.warm(filters, glossary)
    reader = engine.session.searcher().reader()
    assert repr(filters) in reader.__dict__["_allowed_by_filters"]
    assert "_rank_records" in reader.__dict__
    assert glossary._chinese
    assert filters == Filters(langs=["en"])
    engine.close()
