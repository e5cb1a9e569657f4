"""verify: quotations across adjacent clauses, leading labels, empty input, drafts in any
encoding with skipped quotations reported, a draft without quotations; check names broken
notes; the prospects document's retired ids."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner
from conftest import CORPUS

from initiative_archive import Archive
from initiative_archive.check import check_corpus
from initiative_archive.cli import cli


def verify(args: list[str], *words: str):
    return CliRunner().invoke(cli, ["verify", *words, *args])


def test_a_quotation_across_two_clauses_is_exact_and_names_both(shipped_args):
    result = verify(shipped_args, "actively promote inter-library loan. Strengthen the "
                    "cooperation and communication on the preservation", "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == "exact" and result.exit_code == 0
    assert data["clause_ids"] == ["kunming-2013/op_1", "kunming-2013/op_2"]
    text = verify(shipped_args, "actively promote inter-library loan. 2. Strengthen the "
                  "cooperation and communication on the preservation")
    assert "runs across kunming-2013/op_1, kunming-2013/op_2" in text.stdout


def test_a_leading_label_is_ignored(shipped_args):
    for quotation, clause_id in (
            ("1. Strengthen cooperation on the building of library collections, with a "
             "special focus", "kunming-2013/op_1"),
            ("第三十条 公共图书馆应当加强馆际交流与合作", "prc-public-library-law-2018/art_30")):
        data = json.loads(verify(shipped_args, quotation, "--format", "json").stdout)
        assert (data["status"], data["clause_id"]) == ("exact", clause_id)


def test_empty_input_is_a_usage_error(shipped_args):
    for empty in ("", "  ", "“”", "..."):
        result = verify(shipped_args, empty)
        assert result.exit_code == 2 and "empty" in result.output


def test_a_gbk_draft_is_decoded_and_skipped_quotations_reported(shipped_args, tmp_path):
    draft = tmp_path / "draft.txt"
    draft.write_bytes("法律规定「公共图书馆应当加强馆际交流与合作」，又说“太短了”。".encode("gbk"))
    result = verify(shipped_args, "--file", str(draft), "--format", "json")
    data = json.loads(result.stdout)
    assert [r["status"] for r in data["quotations"]] == ["exact"]
    assert data["skipped"] == [{"quotation": "太短了",
                                "reason": "shorter than 8 words or 8 Chinese characters"}]
    assert "skipped “太短了”" in result.stderr
    assert result.exit_code == 0


def test_a_draft_without_quotations_exits_1(shipped_args, tmp_path):
    draft = tmp_path / "draft.md"
    draft.write_text("No quotation here at all.\n", encoding="utf-8")
    result = verify(shipped_args, "--file", str(draft))
    assert result.exit_code == 1
    assert "no quotation to check" in result.stderr


def test_check_names_notes_that_are_not_text(tmp_path):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    path = root / "documents" / "kunming-2013.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    - 'date follows the slide (\"Date : 2013-11\")",
                        "    - date follows the slide (\"Date : 2013-11\")", 1)
    text = text.replace("''s closing line", "'s closing line", 1).replace(
        "no day is given.'\n", "no day is given.\n", 1)
    text = text.replace("kind: initiative\n", "kind: initiative\nsignatories: 80\n", 1)
    path.write_text(text, encoding="utf-8")
    problems = check_corpus(root)
    assert ("documents/kunming-2013.md: 'source.notes' entry 5 is a mapping, not text (quote "
            "it in YAML: a ': ' inside unquoted text makes a mapping)") in problems
    assert "documents/kunming-2013.md: unknown key 'signatories' in the front matter" in problems


def test_the_prospects_document_keeps_the_slides_nesting(shipped):
    view = shipped.clause("nlc-2017-prospects/sec_3/op_2")
    assert view.clause.text.startswith("Enhance exchanges among national libraries")
    assert view.clause.locator == "section 3, para. 2"
    gone = shipped.clause("nlc-2017-prospects/sec_4/op_2")
    assert gone.notices and "now at nlc-2017-prospects/sec_3/op_2" in gone.notices[0]


def test_every_retired_prospects_id_says_where_its_words_are(shipped):
    from initiative_archive.history import load_history

    history = load_history(shipped.corpus.root, "nlc-2017-prospects")
    retired = history["revisions"][0]["retired"]
    ids = {c.id for c in shipped.clauses(shipped.document("nlc-2017-prospects"))}
    assert len(retired) == 19 and all(r["now_at"] in ids for r in retired)


def test_citation_of_a_retired_id_says_so(shipped_args):
    result = CliRunner().invoke(cli, ["cite", "nlc-2017-prospects/sec_5/op_1", *shipped_args])
    assert result.exit_code == 1 and "now at nlc-2017-prospects/sec_4/op_1" in result.stderr


def test_archive_citable_names_the_secondary_source(shipped: Archive):
    target = shipped.citable("kunming-2013/op_2")
    assert target.secondary is not None and target.secondary.document.id == \
        "nlc-2017-regional-cooperation"
