"""The command line: every command's happy path and output formats, errors with their exit
codes, and ingesting files of every kind into a corpus of the test's own."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, SHIPPED_IDS, assert_one_error_line

from initiative_archive.backends.whoosh.store import IndexStore
from initiative_archive.cli import cli

CONTRACT_KEYS = {"clause_id", "doc_id", "doc_title", "date", "label", "role", "lang", "text",
                 "score"}


def invoke(*args: str) -> str:
    """A happy path: exit 0, and what the command printed on stdout."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


# -- leaving -----------------------------------------------------------------------------------

# The console script's ``run`` in a fresh interpreter that says whether its exit handlers ran.
_EXIT_PROBE = """
import atexit, sys
atexit.register(lambda: print("exit handlers ran", file=sys.stderr))
from initiative_archive.cli import run
run()
"""


def _console(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _EXIT_PROBE, *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_a_read_only_command_ends_without_tearing_the_interpreter_down(shipped_args):
    """After a search has answered, the process ends at once (no exit handler runs) with its
    output whole and its status kept; a command that may write ends as Python ends it."""
    done = _console("search", "inter-library loan", "--format", "jsonl", *shipped_args)
    assert done.returncode == 0 and "exit handlers ran" not in done.stderr
    assert done.stdout == invoke("search", "inter-library loan", "--format", "jsonl",
                                 *shipped_args)
    done = _console("index", *shipped_args)
    assert done.returncode == 0 and "exit handlers ran" in done.stderr


def test_a_read_only_command_that_fails_keeps_its_exit_status(shipped_args, tmp_path):
    saved = tmp_path / "saved.txt"
    saved.write_text("cooperation\n**\n", encoding="utf-8")
    done = _console("search", "--queries", str(saved), "--format", "jsonl", *shipped_args)
    assert done.returncode == 1
    assert "error: '**'" in done.stderr
    assert all(json.loads(line)["query"] == "cooperation" for line in done.stdout.splitlines())
    assert done.stdout
    done = _console("show", "no-such-document", *shipped_args)
    assert done.returncode == 1 and done.stderr.startswith("Error: ")


# -- search ------------------------------------------------------------------------------------

def test_search_json_hits_keep_the_contract(shipped_args):
    data = json.loads(invoke("search", "inter-library loan", "--format", "json", *shipped_args))
    assert data["query"] == "inter-library loan"
    assert data["total"] >= len(data["hits"]) > 0
    for hit in data["hits"]:
        assert CONTRACT_KEYS <= set(hit), CONTRACT_KEYS - set(hit)
        assert all(isinstance(hit[k], str) for k in CONTRACT_KEYS - {"score"})
        assert isinstance(hit["score"], float) and hit["score"] > 0
        assert hit["clause_id"].startswith(hit["doc_id"] + "/")
    assert data["hits"][0]["clause_id"] == "kunming-2013/op_1"
    assert data["hits"][0]["label"] == "1."


def test_search_jsonl_gives_one_hit_per_line_with_its_query(shipped_args):
    out = invoke("search", "资源共享", "--format", "jsonl", "--limit", "4", *shipped_args)
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    for line in lines:
        assert line["query"] == "资源共享"
        assert CONTRACT_KEYS <= set(line)


def test_search_csv_parses_and_has_a_header(shipped_args):
    out = invoke("search", "cooperation", "--format", "csv", "--limit", "3", *shipped_args)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3
    assert {"clause_id", "doc_id", "text", "score"} <= set(rows[0])
    assert all(row["clause_id"].startswith(row["doc_id"] + "/") for row in rows)


def test_search_text_shows_title_date_label_and_clause_id(shipped_args):
    hit = json.loads(invoke("search", '"union catalogue"', "--format", "json",
                            *shipped_args))["hits"][0]
    out = invoke("search", '"union catalogue"', *shipped_args)
    assert hit["doc_title"] in out
    assert hit["date"] in out
    assert hit["clause_id"] in out
    assert any(name and name in out for name in (hit.get("locator"), hit["label"]))
    assert "launch the program of co-building union catalogue data" in out


def test_search_with_no_match_exits_0(shipped_args):
    assert "No clause matches" in invoke("search", "xyzzyqq", *shipped_args)


def test_search_filters_from_the_command_line(shipped_args):
    data = json.loads(invoke("search", "cooperation 合作", "--lang", "zh", "--kind", "law",
                             "--format", "json", "--limit", "50", *shipped_args))
    assert data["hits"]
    assert {h["lang"] for h in data["hits"]} == {"zh-Hans"}
    assert {h["doc_id"] for h in data["hits"]} <= {"prc-public-library-law-2018",
                                                   "prc-public-cultural-services-law-2016"}


def test_search_explain_adds_how_the_query_was_read(shipped_args):
    data = json.loads(invoke("search", "圖書館", "--explain", "--format", "json", "--limit", "1",
                             *shipped_args))
    assert data["explain"]["folded"] == "图书馆"
    assert data["hits"]


def test_search_group_by_doc(shipped_args):
    data = json.loads(invoke("search", "cooperation", "--group-by", "doc", "--format", "json",
                             *shipped_args))
    grouped = [cid for group in data["groups"] for cid in group["clause_ids"]]
    assert sorted(grouped) == sorted(h["clause_id"] for h in data["hits"])
    for group in data["groups"]:
        assert all(cid.startswith(group["doc_id"] + "/") for cid in group["clause_ids"])


def test_search_output_has_no_colour_codes_unless_asked(shipped_args):
    assert "\x1b[" not in invoke("search", '"union catalogue"', *shipped_args)
    assert "\x1b[" not in invoke("search", '"union catalogue"', "--no-color", *shipped_args)


def test_search_color_marks_the_matches_even_through_a_pipe(shipped_args):
    out = invoke("search", '"union catalogue"', "--color", *shipped_args)
    assert "\x1b[1;33munion catalogue\x1b[0m" in out


def test_version():
    assert "initiative-archive" in invoke("--version")


def test_options_before_the_command_name_the_corpus(shipped_index):
    out = invoke("--corpus", str(CORPUS), "--index", str(shipped_index), "docs", "--format",
                 "json")
    assert {d["doc_id"] for d in json.loads(out)["documents"]} == SHIPPED_IDS


def test_environment_variables_name_the_corpus_and_index(monkeypatch, shipped_index):
    monkeypatch.setenv("INITIATIVE_ARCHIVE_CORPUS", str(CORPUS))
    monkeypatch.setenv("INITIATIVE_ARCHIVE_INDEX", str(shipped_index))
    data = json.loads(invoke("search", "inter-library loan", "--format", "json"))
    assert data["hits"][0]["clause_id"] == "kunming-2013/op_1"


@pytest.mark.parametrize("query", [
    '"unbalanced', "AND", "title:(", "*", "NOT", "(((", ")", '"', "doc:", "~", "lib*",
    "图书馆 AND", '"资源共享', ("library cooperation 图书馆 " * 200)[:3000],
])
def test_odd_queries_exit_cleanly(run_main, shipped_args, query):
    run = run_main("search", query, *shipped_args)
    assert run.code in (0, 1, 2), run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    if run.code == 1:
        assert_one_error_line(run)


@pytest.mark.parametrize("option", [["--limit", "0"], ["--limit", "-1"], ["--from", "2013-13"],
                                    ["--to", "yesterday"], ["--kind", "poem"],
                                    ["--format", "xml"]])
def test_bad_search_options_are_usage_errors(run_main, shipped_args, option):
    run = run_main("search", "library", *option, *shipped_args)
    assert run.code == 2
    assert "Error" in run.stderr and "Traceback" not in run.stderr
    assert run.stdout == ""


def test_search_without_a_query_is_a_usage_error(run_main, shipped_args):
    assert run_main("search", *shipped_args).code == 2


def test_unknown_doc_filter_is_one_error_line(run_main, shipped_args):
    run = run_main("search", "library", "--doc", "no-such-document", *shipped_args)
    assert_one_error_line(run)
    assert "no-such-document" in run.stderr


# -- show and docs -----------------------------------------------------------------------------

def test_show_document_json_lists_its_clauses_flat_in_document_order(shipped_args):
    data = json.loads(invoke("show", "prc-public-library-law-2018", "--format", "json",
                             *shipped_args))
    clauses = data["clauses"]
    ids = [c["clause_id"] for c in clauses]
    assert len(ids) == len(set(ids)) > 55
    assert [c["order"] for c in clauses] == sorted(c["order"] for c in clauses)
    assert [c["span"][0] for c in clauses] == sorted(c["span"][0] for c in clauses)
    for c in clauses:
        assert "parent" in c
        if c["parent"] is not None:
            assert ids.index(c["parent"]) < ids.index(c["clause_id"])
    item = clauses[ids.index("prc-public-library-law-2018/art_33/para_2/item_1")]
    assert item["parent"] == "prc-public-library-law-2018/art_33/para_2"


def test_show_document_by_alias(shipped_args):
    out = invoke("show", "Kunming Initiative", *shipped_args)
    assert "kunming-2013" in out
    assert "op_4" in out


def test_show_clause(shipped_args):
    out = invoke("show", "prc-public-library-law-2018/art_33/para_2/item_1", *shipped_args)
    assert "文献信息查询、借阅；" in out
    data = json.loads(invoke("show", "prc-public-library-law-2018/art_33/para_2/item_1",
                             "--format", "json", *shipped_args))
    assert data["clause_id"] == "prc-public-library-law-2018/art_33/para_2/item_1"
    assert data["text"] == "文献信息查询、借阅；"
    assert [a["clause_id"] for a in data["ancestors"]] == [
        "prc-public-library-law-2018/art_33", "prc-public-library-law-2018/art_33/para_2"]


@pytest.mark.parametrize("item_id", ["no-such-document", "kunming-2013/op_99",
                                     "no-such-document/art_1"])
def test_show_unknown_id_is_one_error_line(run_main, shipped_args, item_id):
    run = run_main("show", item_id, *shipped_args)
    assert_one_error_line(run)
    assert run.stdout == ""


def test_show_of_a_mistyped_document_id_points_at_the_documents(run_main, shipped_args):
    run = run_main("show", "kunming-2031", *shipped_args)
    assert_one_error_line(run)
    assert "document" in run.stderr


def test_docs_json_lists_the_six_shipped_documents(shipped_args):
    data = json.loads(invoke("docs", "--format", "json", *shipped_args))
    assert {d["doc_id"] for d in data["documents"]} == SHIPPED_IDS
    counts = {d["doc_id"]: d["clauses"] for d in data["documents"]}
    assert counts["kunming-2013"] == 8


def test_docs_filters_by_kind(shipped_args):
    data = json.loads(invoke("docs", "--kind", "law", "--format", "json", *shipped_args))
    assert {d["doc_id"] for d in data["documents"]} == {
        "prc-public-library-law-2018", "prc-public-cultural-services-law-2016"}


def test_docs_text_lists_ids_and_titles(shipped_args):
    out = invoke("docs", *shipped_args)
    for doc_id in SHIPPED_IDS:
        assert doc_id in out
    assert "中华人民共和国公共图书馆法" in out


def _commands() -> list[list[str]]:
    return [[]] + [[name] for name in sorted(cli.commands)]


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c[0] if c else "group")
def test_every_command_help_gives_an_example(command):
    out = invoke(*command, "--help")
    assert "Example" in out


def test_the_five_commands_exist():
    assert {"search", "show", "docs", "ingest", "index"} <= set(cli.commands)


# -- ingest ------------------------------------------------------------------------------------

NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]


def regulation_text(articles: int = 12) -> str:
    """A plain-text regulation: a title, two chapters, articles with one or two paragraphs,
    and items."""
    lines = ["某市图书馆服务条例", ""]
    for n in range(1, articles + 1):
        if n == 1:
            lines += ["第一章 总则", ""]
        if n == 7:
            lines += ["第二章 服务", ""]
        label = f"第{NUMERALS[n - 1]}条"
        if n % 4 == 0:
            lines += [f"{label} 图书馆应当提供第{n}类服务：", "", f"（一）借阅第{n}类文献；", "",
                      f"（二）咨询第{n}类问题。", ""]
        elif n % 3 == 0:
            lines += [f"{label} 图书馆应当开放第{n}号阅览室。", "",
                      f"第{n}号阅览室的开放时间由馆长确定。", ""]
        else:
            lines += [f"{label} 本条例第{n}条规定图书馆事业的第{n}项原则。", ""]
    return "\n".join(lines)


@pytest.fixture
def archive_args(tmp_path) -> list[str]:
    """An empty corpus and index of this test's own."""
    return ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]


def ingest_json(run_main, *args: str) -> tuple[int, dict]:
    run = run_main("ingest", *args, "--format", "json")
    assert "Traceback" not in run.stderr
    return run.code, json.loads(run.stdout)


def test_ingest_a_chinese_regulation_and_show_its_articles(tmp_path, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(12), encoding="utf-8")
    out = invoke("ingest", str(source), "--id", "x", "--title", "某市图书馆服务条例",
                 "--date", "2020-01-01", "--kind", "regulation", *archive_args)
    assert "archived" in out
    data = json.loads(invoke("show", "x", "--format", "json", *archive_args))
    assert (data["title"], data["date"], data["kind"]) == ("某市图书馆服务条例", "2020-01-01",
                                                           "regulation")
    articles = [c for c in data["clauses"] if c["unit"] == "article"]
    assert [a["label"] for a in articles] == [f"第{n}条" for n in NUMERALS]
    assert [a["clause_id"] for a in articles] == [f"x/art_{n}" for n in range(1, 13)]
    body = regulation_text(12)
    for n, article in enumerate(articles, 1):
        own_text = body.split(f"第{NUMERALS[n - 1]}条 ", 1)[1].split("\n", 1)[0]
        assert article["text"].startswith(own_text)
    ids = {c["clause_id"] for c in data["clauses"]}
    assert {"x/art_3/para_2", "x/art_4/item_2", "x/chp_2"} <= ids
    assert not any("/chp_" in i for i in ids - {"x/chp_1", "x/chp_2"})


def test_ingested_document_is_searchable_at_once(tmp_path, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(12), encoding="utf-8")
    invoke("ingest", str(source), "--id", "x", "--title", "条例", *archive_args)
    data = json.loads(invoke("search", '"第9号阅览室"', "--format", "json", *archive_args))
    assert data["total"] > 0
    assert all(h["clause_id"].startswith("x/art_9") for h in data["hits"])


def test_reingesting_the_same_file_is_unchanged(tmp_path, run_main, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(5), encoding="utf-8")
    first = run_main("ingest", str(source), "--id", "x", *archive_args)
    again = run_main("ingest", str(source), "--id", "x", *archive_args)
    assert (first.code, again.code) == (0, 0)
    assert again.stdout.startswith("unchanged")


def test_new_content_under_a_taken_id_needs_replace(tmp_path, run_main, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(5), encoding="utf-8")
    assert run_main("ingest", str(source), "--id", "x", *archive_args).code == 0
    source.write_text(regulation_text(6), encoding="utf-8")

    code, data = ingest_json(run_main, str(source), "--id", "x", *archive_args)
    assert code == 1
    assert data["files"][0]["status"] == "rejected"
    assert "x" in data["files"][0]["reason"]
    shown = json.loads(invoke("show", "x", "--format", "json", *archive_args))
    assert "x/art_6" not in {c["clause_id"] for c in shown["clauses"]}

    code, data = ingest_json(run_main, str(source), "--id", "x", "--replace", *archive_args)
    assert (code, data["files"][0]["status"]) == (0, "replaced")
    shown = json.loads(invoke("show", "x", "--format", "json", *archive_args))
    assert "x/art_6" in {c["clause_id"] for c in shown["clauses"]}
    hits = json.loads(invoke("search", '"第6号阅览室"', "--format", "json", *archive_args))["hits"]
    assert hits and all(h["clause_id"].startswith("x/art_6") for h in hits)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>Declaration on Reading</title>
<script>var trackingsecret = "scriptword";</script><style>p { color: stylecolour; }</style>
</head><body>
<nav><a href="/">navlinkword</a> <a href="/about">About us</a></nav>
<h1>Declaration on Reading</h1>
<p>We, the librarians of the region, agree on the following.</p>
<ol><li>Promote reading for children.</li><li>Share catalogue records.</li></ol>
<footer>Copyright footerword 2020</footer>
<script>alert("scriptword2")</script>
</body></html>
"""


def test_ingest_html_archives_the_text_without_the_page_furniture(tmp_path, archive_args):
    page = tmp_path / "declaration.html"
    page.write_text(PAGE, encoding="utf-8")
    out = invoke("ingest", str(page), "--id", "reading", *archive_args)
    assert "archived" in out
    stored = (tmp_path / "corpus" / "documents" / "reading.md").read_text("utf-8")
    for furniture in ("scriptword", "trackingsecret", "stylecolour", "navlinkword", "About us",
                      "footerword", "Copyright"):
        assert furniture not in stored
        assert json.loads(invoke("search", furniture, "--format", "json",
                                 *archive_args))["total"] == 0
    data = json.loads(invoke("show", "reading", "--format", "json", *archive_args))
    assert data["title"] == "Declaration on Reading"
    texts = {c["clause_id"]: c["text"] for c in data["clauses"]}
    assert texts["reading/op_1"] == "Promote reading for children."
    assert texts["reading/op_2"] == "Share catalogue records."


GBK_TEXT = ("第一条 为了促进数字图书馆建设，制定本办法。\n\n"
            "第二条 本办法适用于本省公共图书馆的古籍保护工作。\n")
BIG5_TEXT = ("圖書館館際互借辦法\n\n為了促進圖書館館際互借，制定本辦法。\n\n"
             "本辦法適用於臺灣地區公共圖書館之資源共享。\n")


@pytest.mark.parametrize("name, text, codec, decoders, own_script, other_script, lang", [
    ("gbk", GBK_TEXT, "gbk", {"gbk", "gb2312", "gb18030"}, "古籍保护", "古籍保護", "zh-Hans"),
    ("big5", BIG5_TEXT, "big5", {"big5", "big5hkscs", "cp950"}, "館際互借", "馆际互借",
     "zh-Hant"),
])
def test_legacy_chinese_encodings_are_decoded_and_searchable(tmp_path, archive_args, name, text,
                                                             codec, decoders, own_script,
                                                             other_script, lang):
    source = tmp_path / f"{name}.txt"
    source.write_bytes(text.encode(codec))
    invoke("ingest", str(source), "--id", name, *archive_args)
    data = json.loads(invoke("show", name, "--format", "json", *archive_args))
    assert data["lang"] == lang
    assert data["source"]["encoding"].replace("-", "").lower() in decoders
    stored = (tmp_path / "corpus" / "documents" / f"{name}.md").read_text("utf-8")
    assert text.strip() in stored  # kept in its own script, not folded
    for query in (own_script, other_script):
        hits = json.loads(invoke("search", query, "--format", "json", *archive_args))["hits"]
        assert hits and all(h["doc_id"] == name for h in hits)
        assert own_script in hits[0]["text"]


def test_bad_files_are_rejected_with_a_reason_and_good_ones_still_archived(tmp_path, run_main,
                                                                            archive_args):
    good = tmp_path / "good.txt"
    good.write_text(regulation_text(3), encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    binary = tmp_path / "blob.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(GBK_TEXT.encode("gbk"))

    code, data = ingest_json(run_main, str(empty), str(good), str(binary), str(gbk),
                             *archive_args)
    assert code == 1
    status = {Path(f["path"]).name: f for f in data["files"]}
    assert status["good.txt"]["status"] == "archived"
    assert status["gbk.txt"]["status"] == "archived"
    for bad in ("empty.txt", "blob.txt"):
        assert status[bad]["status"] == "rejected"
        assert status[bad]["reason"].strip()
    assert data["summary"]["archived"] == 2 and data["summary"]["rejected"] == 2
    docs = json.loads(invoke("docs", "--format", "json", *archive_args))["documents"]
    assert {d["doc_id"] for d in docs} == {"good", "gbk"}
    assert json.loads(invoke("search", "古籍保护", "--format", "json",
                             *archive_args))["total"] > 0


def test_rejections_are_named_in_text_output(tmp_path, run_main, archive_args):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    run = run_main("ingest", str(empty), *archive_args)
    assert run.code == 1
    assert "rejected" in run.stdout and "empty.txt" in run.stdout
    assert "Traceback" not in run.stderr


def test_one_id_for_several_files_is_one_error_line(tmp_path, run_main, archive_args):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"{name} text.\n", encoding="utf-8")
    run = run_main("ingest", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--id", "x",
                   *archive_args)
    assert_one_error_line(run)
    assert not (tmp_path / "corpus" / "documents").exists()


@pytest.mark.parametrize("option", [["--date", "2020-02-31x"], ["--kind", "poem"]])
def test_bad_ingest_options_are_usage_errors(tmp_path, run_main, archive_args, option):
    source = tmp_path / "a.txt"
    source.write_text("Some text.\n", encoding="utf-8")
    run = run_main("ingest", str(source), *option, *archive_args)
    assert run.code == 2 and "Traceback" not in run.stderr


def test_csv_neutralises_cells_a_spreadsheet_would_run(tmp_path, archive_args):
    source = tmp_path / "formulas.md"
    source.write_text('---\ntitle: Formulas\n---\n\n=HYPERLINK("http://x") library\n\n'
                      "@SUM(1) library\n\n+1 library\n", encoding="utf-8")
    invoke("ingest", str(source), *archive_args)
    rows = list(csv.DictReader(io.StringIO(invoke("search", "library", "--format", "csv",
                                                  *archive_args))))
    assert sorted(row["text"] for row in rows) == [
        "'+1 library", "'=HYPERLINK(\"http://x\") library", "'@SUM(1) library"]


def test_ingest_of_a_missing_path_is_a_usage_error(tmp_path, run_main, archive_args):
    assert run_main("ingest", str(tmp_path / "nowhere.txt"), *archive_args).code == 2


# -- index -------------------------------------------------------------------------------------

def _indexed_clause_ids(index: Path) -> list[str]:
    ix = IndexStore(index).open()
    with ix.searcher() as searcher:
        return sorted(d["clause_id"] for d in searcher.documents(record="clause"))


def test_index_rebuild_keeps_clause_ids(tmp_path, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(12), encoding="utf-8")
    page = tmp_path / "declaration.html"
    page.write_text(PAGE, encoding="utf-8")
    invoke("ingest", str(source), str(page), *archive_args)
    before = _indexed_clause_ids(tmp_path / "index")
    out = invoke("index", "--rebuild", *archive_args)
    assert "Rebuilt" in out
    assert _indexed_clause_ids(tmp_path / "index") == before
    assert len(before) > 20


def test_index_reports_an_up_to_date_index(tmp_path, archive_args):
    source = tmp_path / "regulation.txt"
    source.write_text(regulation_text(3), encoding="utf-8")
    invoke("ingest", str(source), *archive_args)
    out = invoke("index", *archive_args)
    assert "0 added, 0 changed, 0 removed, 1 unchanged" in out


def test_index_with_a_broken_document_exits_1_with_a_warning(tmp_path, run_main, archive_args):
    documents = tmp_path / "corpus" / "documents"
    documents.mkdir(parents=True)
    (documents / "broken.md").write_text("---\nid: broken\ntitle: [unclosed\n---\n\nText.\n",
                                         encoding="utf-8")
    run = run_main("index", *archive_args)
    assert run.code == 1
    assert "broken.md" in run.stderr and "Traceback" not in run.stderr
