"""Where else a proposal is made (issue 12): recur, compare and themes through the real
commands on the shipped corpus, and saved searches (--queries)."""

from __future__ import annotations

import json

import pytest


def run_json(run_main, shipped_args, *args: str) -> dict:
    result = run_main(*shipped_args, *args, "--format", "json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_regulation_restating_the_national_law_is_found(run_main, shipped_args):
    """The Shanghai regulations restate the Public Library Law: its article on free services
    (art. 33) recurs there, and never in the law itself."""
    data = run_json(run_main, shipped_args, "recur", "prc-public-library-law-2018/art_33")
    assert data["clause"]["clause_id"] == "prc-public-library-law-2018/art_33"
    docs = [r["doc_id"] for r in data["recurrences"]]
    assert "shanghai-public-library-regulations-2024" in docs
    assert "prc-public-library-law-2018" not in docs
    first = data["recurrences"][0]
    assert set(first) >= {"clause_id", "doc_id", "doc_title", "date", "label", "text", "score",
                          "shared"}
    assert first["shared"] and 0 < first["score"] <= 1


@pytest.mark.parametrize("clause_id", ["kunming-2013/op_1", "nanning-2012/op_1",
                                       "beijing-library-regulations-2002/art_34"])
def test_recur_never_links_a_clause_to_its_own_document(run_main, shipped_args, clause_id):
    data = run_json(run_main, shipped_args, "recur", clause_id, "--threshold", "0.1",
                    "--cross-threshold", "0.1")
    own = clause_id.split("/")[0]
    assert all(r["doc_id"] != own for r in data["recurrences"])
    scores = [r["score"] for r in data["recurrences"]]
    assert scores == sorted(scores, reverse=True)


def test_recur_of_a_heading_is_a_clear_error(run_main, shipped_args):
    result = run_main(*shipped_args, "recur", "prc-public-library-law-2018/chp_1")
    assert result.code == 1 and "not a proposal" in result.stderr


def test_compare_shows_every_clause_of_the_first_document(run_main, shipped_args, shipped):
    data = run_json(run_main, shipped_args, "compare", "nanning-2012", "kunming-2013")
    nanning = [c.id for c in shipped.clauses(shipped.document("nanning-2012"))
               if c.parent is None and c.role in ("preamble", "operative", "closing")]
    assert [row["nanning-2012"]["clause_id"] for row in data["rows"]] == nanning
    for row in data["rows"]:
        match = row["kunming-2013"]
        assert match == "new" or match["clause_id"].startswith("kunming-2013/")
    assert set(data["unmatched"]) == {"kunming-2013"}
    text = run_main(*shipped_args, "compare", "nanning-2012", "kunming-2013")
    assert text.code == 0 and "Nanning Initiative" in text.stdout


def test_compare_needs_two_to_four_documents(run_main, shipped_args):
    assert run_main(*shipped_args, "compare", "nanning-2012").code == 2


def test_themes_group_clauses_of_several_documents(run_main, shipped_args, tmp_path):
    plot = tmp_path / "themes.png"
    data = run_json(run_main, shipped_args, "themes", "--plot", str(plot))
    assert data["themes"]
    for theme in data["themes"]:
        assert len(set(theme["documents"])) >= 2
        assert theme["first"] <= theme["last"]
        assert {c["doc_id"] for c in theme["clauses"]} == set(theme["documents"])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_saved_searches_run_every_query_in_one_process(run_main, shipped_args, tmp_path):
    saved = tmp_path / "saved.txt"
    saved.write_text("# my searches\nunion catalogue\n\n资源共享\n", encoding="utf-8")
    data = json.loads(run_main(*shipped_args, "search", "--queries", str(saved),
                               "--format", "json", "--limit", "3").stdout)
    assert [r["query"] for r in data] == ["union catalogue", "资源共享"]
    assert all(r["total"] >= len(r["hits"]) > 0 for r in data)
    lines = run_main(*shipped_args, "search", "--queries", str(saved), "--format", "jsonl",
                     "--limit", "2").stdout.splitlines()
    assert [json.loads(line)["query"] for line in lines] == ["union catalogue"] * 2 + [
        "资源共享"] * 2
    both = run_main(*shipped_args, "search", "x", "--queries", str(saved))
    assert both.code == 2


def test_recur_links_the_labelled_pairs_precision_first(shipped):
    """The pair model on the labelled pairs (tests/data/recur_pairs.json, clause ids only), at
    its default thresholds. The model was fitted on these pairs, so this guards against
    regressions; bench/recur_train.py reports the held-out (out-of-fold) figures."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from recur_eval import rates, scored_pairs

    from initiative_archive.recur import default_thresholds

    scored = scored_pairs(shipped)
    overall = rates(scored, default_thresholds())
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.65, overall
    assert rates(scored, default_thresholds(), "zh-zh")["precision"] >= 0.9
    assert rates(scored, default_thresholds(), "en-zh")["recall"] >= 0.35


def test_themes_text_shows_chinese_clauses_not_just_an_ellipsis(run_main, shipped_args):
    text = run_main(*shipped_args, "themes").stdout
    rows = [line for line in text.splitlines() if line.startswith("    ")]
    assert rows and all(not line.rstrip().endswith("  …") for line in rows)


def test_themes_refuses_a_plot_name_before_doing_the_work(run_main, shipped_args):
    result = run_main(*shipped_args, "themes", "--plot", "timeline.txt")
    assert result.code == 2 and ".png or .svg" in result.stderr


def test_a_plot_never_writes_through_a_link(run_main, shipped_args, tmp_path):
    target = tmp_path / "precious.txt"
    target.write_text("keep me", "utf-8")
    link = tmp_path / "timeline.svg"
    link.symlink_to(target)
    assert run_main(*shipped_args, "themes", "--plot", str(link), "--format", "json").code == 0
    assert target.read_text("utf-8") == "keep me"
    assert not link.is_symlink() and link.read_text("utf-8").lstrip().startswith("<?xml")


def test_saved_searches_keep_their_notices_and_refuse_single_query_options(run_main, tmp_path):
    import shutil

    from conftest import REPO_CORPUS

    corpus = tmp_path / "corpus"  # the committed corpus alone: the laws not fetched
    shutil.copytree(REPO_CORPUS, corpus, ignore=shutil.ignore_patterns("external", ".*.lock"))
    saved = tmp_path / "saved.txt"
    saved.write_text("union catalogue\nresource sharing\n", "utf-8")
    args = ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "search", "--queries",
            str(saved)]
    result = run_main(*args, "--format", "json")
    assert result.code == 0
    assert result.stderr.count("catalogued texts are not fetched yet") == 1
    assert run_main(*args, "--cite", "apa").code == 2
