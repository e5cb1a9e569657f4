"""What ``show`` tells a reader (issue 10): an item with the words that introduce its list, and
a document with where its text comes from."""

from __future__ import annotations

import json

ITEM = "prc-public-library-law-2018/art_33/para_2/item_1"


def test_an_item_is_shown_under_the_lead_in_of_its_list(run_main, shipped_args, shipped):
    paragraph = shipped.clause("prc-public-library-law-2018/art_33/para_2").clause
    lead_in = paragraph.text.split("\n")[0]  # the paragraph's words before its first item
    assert lead_in.endswith("：")
    text = run_main(*shipped_args, "show", ITEM)
    lines = text.stdout.splitlines()
    assert lines[3] == lead_in and lines[4].startswith("  （一）")
    data = json.loads(run_main(*shipped_args, "show", ITEM, "--format", "json").stdout)
    assert data["lead_in"] == lead_in


def test_an_article_of_one_paragraph_has_no_lead_in(run_main, shipped_args):
    data = json.loads(run_main(*shipped_args, "show", "kunming-2013/op_1", "--format",
                               "json").stdout)
    assert data["lead_in"] == ""


def test_a_document_is_shown_with_its_provenance(run_main, shipped_args):
    shown = run_main(*shipped_args, "show", "kunming-2013").stdout
    assert "source: Strengthening Regional Exchanges and Cooperation" in shown
    assert "  in: sources/nlc-2017-regional-cooperation.txt" in shown
    law = run_main(*shipped_args, "show", "prc-public-library-law-2018").stdout
    assert "  SHA-256: b3ee49861c98d252b003222d647684a1f7ce365f79d35c71a2215a0eb3f8039d" in law
    assert "  official page: https://flk.npc.gov.cn/" in law
