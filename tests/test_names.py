"""Names a researcher types (issue 10): a document by id, title, alias, a unique prefix or part
of one, or a near spelling, in either script; ambiguity lists the candidates (exit 2); a meeting
by the library that hosted or organised it, by name, abbreviation or country."""

from __future__ import annotations

import json

import pytest
from conftest import assert_one_error_line


@pytest.mark.parametrize("name, doc_id", [
    ("Nanning", "nanning-2012"),
    ("nanning-2012", "nanning-2012"),
    ("Public Library Law", "prc-public-library-law-2018"),
    ("南宁倡议", "nanning-2012"),
    ("東亞圖書館南寧倡議", "nanning-2012"),
    ("公共图书馆法", "prc-public-library-law-2018"),
    ("Kunmig Initiative", "kunming-2013"),  # a typo
    ("上海市公共图书馆条例", "shanghai-public-library-regulations-2024"),
])
def test_show_docs_and_doc_filter_accept_the_names_a_researcher_types(run_main, shipped_args,
                                                                       name, doc_id):
    shown = run_main(*shipped_args, "show", name, "--format", "json")
    assert shown.code == 0, shown.stderr
    assert json.loads(shown.stdout)["doc_id"] == doc_id
    listed = run_main(*shipped_args, "docs", name, "--format", "json")
    assert [r["doc_id"] for r in json.loads(listed.stdout)["documents"]] == [doc_id]
    found = run_main(*shipped_args, "search", "library", "--doc", name, "--format", "json")
    assert found.code == 0
    assert {h["doc_id"] for h in json.loads(found.stdout)["hits"]} <= {doc_id}


def test_a_chinese_name_of_another_initiative_is_not_taken_for_nanning(run_main, shipped_args):
    """No source gives a Chinese name of the Kunming Initiative; 昆明倡议 shares only 倡议 with
    东亚图书馆南宁倡议."""
    result = run_main(*shipped_args, "show", "昆明倡议")
    assert_one_error_line(result)
    assert "no document called '昆明倡议'" in result.stderr
    assert "near: nanning-2012" in result.stderr


def test_an_ambiguous_name_lists_the_candidates_with_exit_2(run_main, shipped_args):
    result = run_main(*shipped_args, "show", "prc-public-cultural")
    assert result.code == 2
    assert ("prc-public-cultural-services-law-2016, "
            "prc-public-cultural-sports-facilities-regulations-2003") in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("who", ["NDL", "National Diet Library", "Japan",
                                 "national diet library of japan"])
def test_meetings_by_library_name_abbreviation_or_country(run_main, shipped_args, who):
    result = run_main(*shipped_args, "meetings", "--participant", who, "--format", "json")
    ids = {m["id"] for m in json.loads(result.stdout)["meetings"]}
    assert {"cjkdli-02", "nlc-ndl-business-exchange-35"} <= ids
    assert "cdnlao-19" not in ids  # hosted by the National Library of Korea


def test_an_abbreviation_matches_whole_words_only(run_main, shipped_args):
    result = run_main(*shipped_args, "meetings", "--participant", "NL", "--format", "json")
    assert json.loads(result.stdout)["meetings"] == []


def test_meeting_records_are_searched_when_asked_for(run_main, shipped_args):
    asked = run_main(*shipped_args, "search", "Wellington", "--kind", "meeting", "--format",
                     "json")
    hits = json.loads(asked.stdout)["hits"]
    assert [h["clause_id"] for h in hits] == ["cdnlao-24"]
    assert hits[0]["kind"] == "meeting" and "National Library of New Zealand" in hits[0]["text"]
    plain = run_main(*shipped_args, "search", "Wellington", "--format", "json")
    assert json.loads(plain.stdout)["total"] == 0  # clause searches are unchanged
    hosted = run_main(*shipped_args, "search", "National Diet Library", "--kind", "meeting",
                      "--format", "json")
    assert {"cjkdli-02", "nlc-ndl-business-exchange-35"} <= {
        h["clause_id"] for h in json.loads(hosted.stdout)["hits"]}
