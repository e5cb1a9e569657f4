"""The clause splitter: small documents of each shape with their expected clauses, the shipped
corpus at the places people cite, and properties over generated bodies."""

from __future__ import annotations

import re

import pytest
from conftest import CORPUS, MIRROR, SOURCES
from hypothesis import example, given
from hypothesis import strategies as st

from initiative_archive.clauses import split_clauses
from initiative_archive.corpus import Corpus

REGULATION = """\
# 示例图书馆条例

## 第一章 总则

第一条 为了促进图书馆事业发展，制定本条例。

第二条 本条例适用于本市的公共图书馆。

本条例所称公共图书馆，是指面向社会开放的图书馆。

## 第二章 服务

第三条 公共图书馆应当免费提供下列服务：

（一）文献信息查询、借阅；

（二）公益性讲座、阅读推广。

第四条 图书馆应当公示开放时间。

图书馆应当提供下列服务：

（一）馆际互借；

（二）参考咨询。
"""

DECLARATION = """\
We, the participants, gathered in Kunming.

Recognizing the value of sharing;

We propose the following:

1. Strengthen cooperation on collections, including:

(a) exchange of publications;

(b) inter-library loan.

2. Establish a training center.

This declaration is adopted on 1 May 2020.
"""

MINUTES = """\
Minutes of the meeting

1. Opening of the meeting

The chair welcomed the delegates.

The agenda was adopted.

2. Reports of the members

Each library reported on its work.
"""

CHINESE_NUMBERING = """\
关于区域合作的建议

一、加强资源共享

（一）推进联合编目；

（二）开展馆际互借。

二、加强人员交流

定期举办培训班。
"""

ARTICLE_ALONE = """\
第五条
公共图书馆应当免费开放。

第六条 图书馆应当公示开放时间。
"""

NO_BLANK_LINES = """\
First line of the text.
Second line of the text.
1. A numbered line.
Last line.
"""

NO_BLANK_LINES_ZH = """\
第一条 为了促进图书馆事业发展，制定本条例。
第二条 本条例适用于本市。
本条例所称图书馆，是指公共图书馆。
"""

BULLETS_UNDER_HEADINGS = """\
## Cooperation

- Set up a secretariat

- Funding

## Digital libraries

- Share resources
- Build union catalogues
"""

# (path, label, role, text) of every clause, in document order.
CASES = {
    "regulation": (REGULATION, "zh-Hans", [
        ("title", "", "heading", "示例图书馆条例"),
        ("chp_1", "第一章", "heading", "总则"),
        ("art_1", "第一条", "operative", "为了促进图书馆事业发展，制定本条例。"),
        ("art_2", "第二条", "operative",
         "本条例适用于本市的公共图书馆。\n本条例所称公共图书馆，是指面向社会开放的图书馆。"),
        ("art_2/para_1", "", "operative", "本条例适用于本市的公共图书馆。"),
        ("art_2/para_2", "", "operative", "本条例所称公共图书馆，是指面向社会开放的图书馆。"),
        ("chp_2", "第二章", "heading", "服务"),
        ("art_3", "第三条", "operative",
         "公共图书馆应当免费提供下列服务：\n（一）文献信息查询、借阅；\n（二）公益性讲座、阅读推广。"),
        ("art_3/item_1", "（一）", "operative", "文献信息查询、借阅；"),
        ("art_3/item_2", "（二）", "operative", "公益性讲座、阅读推广。"),
        ("art_4", "第四条", "operative",
         "图书馆应当公示开放时间。\n图书馆应当提供下列服务：\n（一）馆际互借；\n（二）参考咨询。"),
        ("art_4/para_1", "", "operative", "图书馆应当公示开放时间。"),
        ("art_4/para_2", "", "operative",
         "图书馆应当提供下列服务：\n（一）馆际互借；\n（二）参考咨询。"),
        ("art_4/para_2/item_1", "（一）", "operative", "馆际互借；"),
        ("art_4/para_2/item_2", "（二）", "operative", "参考咨询。"),
    ]),
    "declaration": (DECLARATION, "en", [
        ("preamble_1", "", "preamble", "We, the participants, gathered in Kunming."),
        ("preamble_2", "", "preamble", "Recognizing the value of sharing;"),
        ("preamble_3", "", "preamble", "We propose the following:"),
        ("op_1", "1.", "operative", None),  # a parent: see test_english_parent_text_*
        ("op_1/item_1", "(a)", "operative", "exchange of publications;"),
        ("op_1/item_2", "(b)", "operative", "inter-library loan."),
        ("op_2", "2.", "operative", "Establish a training center."),
        ("closing_1", "", "closing", "This declaration is adopted on 1 May 2020."),
    ]),
    "minutes": (MINUTES, "en", [
        ("preamble_1", "", "preamble", "Minutes of the meeting"),
        ("op_1", "1.", "operative",
         "Opening of the meeting\nThe chair welcomed the delegates.\nThe agenda was adopted."),
        ("op_1/para_1", "", "operative", "The chair welcomed the delegates."),
        ("op_1/para_2", "", "operative", "The agenda was adopted."),
        ("op_2", "2.", "operative", "Reports of the members\nEach library reported on its work."),
        ("op_2/para_1", "", "operative", "Each library reported on its work."),
    ]),
    "chinese-numbering": (CHINESE_NUMBERING, "zh-Hans", [
        ("preamble_1", "", "preamble", "关于区域合作的建议"),
        ("op_1", "一、", "operative", "加强资源共享\n（一）推进联合编目；\n（二）开展馆际互借。"),
        ("op_1/item_1", "（一）", "operative", "推进联合编目；"),
        ("op_1/item_2", "（二）", "operative", "开展馆际互借。"),
        ("op_2", "二、", "operative", "加强人员交流\n定期举办培训班。"),
        ("op_2/para_1", "", "operative", "定期举办培训班。"),
    ]),
    "article-alone-on-its-line": (ARTICLE_ALONE, "zh-Hans", [
        ("art_5", "第五条", "operative", "公共图书馆应当免费开放。"),
        ("art_6", "第六条", "operative", "图书馆应当公示开放时间。"),
    ]),
    "no-blank-lines": (NO_BLANK_LINES, "en", [
        ("preamble_1", "", "preamble", "First line of the text."),
        ("preamble_2", "", "preamble", "Second line of the text."),
        ("op_1", "1.", "operative", "A numbered line."),
        ("closing_1", "", "closing", "Last line."),
    ]),
    "no-blank-lines-zh": (NO_BLANK_LINES_ZH, "zh-Hans", [
        ("art_1", "第一条", "operative", "为了促进图书馆事业发展，制定本条例。"),
        ("art_2", "第二条", "operative", "本条例适用于本市。\n本条例所称图书馆，是指公共图书馆。"),
        ("art_2/para_1", "", "operative", "本条例适用于本市。"),
        ("art_2/para_2", "", "operative", "本条例所称图书馆，是指公共图书馆。"),
    ]),
    "bullets-under-headings": (BULLETS_UNDER_HEADINGS, "en", [
        ("sec_1", "", "heading", "Cooperation"),
        ("sec_1/op_1", "", "operative", "Set up a secretariat"),
        ("sec_1/op_2", "", "operative", "Funding"),
        ("sec_2", "", "heading", "Digital libraries"),
        ("sec_2/op_1", "", "operative", "Share resources"),
        ("sec_2/op_2", "", "operative", "Build union catalogues"),
    ]),
}


def split(body: str, lang: str = "en"):
    return split_clauses(body, "d", lang)


def by_path(body: str, lang: str = "en"):
    return {c.path: c for c in split(body, lang)}


@pytest.mark.parametrize("name", CASES)
def test_splits_into_the_expected_clauses(name):
    body, lang, expected = CASES[name]
    clauses = split(body, lang)
    got = [(c.path, c.label, c.role, c.text) for c in clauses]
    texts = {c.path: c.text for c in clauses}
    want = [(p, label, role, texts.get(p) if text is None else text)
            for p, label, role, text in expected]
    assert got == want


@pytest.mark.parametrize("name", CASES)
def test_ids_parents_and_order_agree(name):
    body, lang, _ = CASES[name]
    clauses = split(body, lang)
    ids = [c.id for c in clauses]
    assert all(i.startswith("d/") for i in ids)
    assert [c.order for c in clauses] == sorted(c.order for c in clauses)
    for c in clauses:
        if c.parent is not None:
            assert c.id.startswith(c.parent + "/")
            assert ids.index(c.parent) < ids.index(c.id)  # parents before their children


def test_chapters_stay_out_of_article_ids():
    clauses = split(REGULATION, "zh-Hans")
    chapters = [c for c in clauses if c.unit == "chapter"]
    assert [c.path for c in chapters] == ["chp_1", "chp_2"]
    assert all(c.parent is None for c in chapters)
    assert not any("chp_" in c.path for c in clauses if c.unit != "chapter")


def test_an_article_with_one_paragraph_has_no_para_children():
    clauses = by_path(REGULATION, "zh-Hans")
    assert clauses["art_1"].unit == "article"
    assert not any(p.startswith("art_1/") for p in clauses)
    assert not any(p.startswith("art_3/para_") for p in clauses)  # one paragraph with items


def test_article_label_alone_on_its_line_spans_its_text():
    clause = by_path(ARTICLE_ALONE, "zh-Hans")["art_5"]
    start, end = clause.span
    assert ARTICLE_ALONE[start:end] == "第五条\n公共图书馆应当免费开放。"


def test_units_name_what_each_clause_is():
    units = {c.path: c.unit for c in split(REGULATION, "zh-Hans")}
    assert units["art_2"] == "article"
    assert units["art_2/para_1"] == "paragraph"
    assert units["art_4/para_2/item_1"] == "item"
    assert units["chp_2"] == "chapter"


def test_english_parent_text_keeps_the_space_after_a_child_label():
    op_1 = by_path(DECLARATION)["op_1"]
    assert op_1.text == ("Strengthen cooperation on collections, including:\n"
                         "(a) exchange of publications;\n(b) inter-library loan.")


def test_traditional_chinese_articles_and_chapters_are_structure():
    body = ("## 第一章 總則\n\n第一條 為了促進圖書館事業發展，制定本條例。\n\n"
            "## 第一節 設立\n\n第二條 本條例適用於本市的公共圖書館。\n")
    clauses = split(body, "zh-Hant")
    assert [(c.path, c.label) for c in clauses] == [
        ("chp_1", "第一章"), ("art_1", "第一條"), ("chp_1/sec_1", "第一節"), ("art_2", "第二條")]


NESTED_THEN_PARAGRAPH = """\
1. Collections

(a) Exchange of publications:

The delegates agreed as follows.

(i) duplicates are offered first;
"""


def test_paragraph_between_nested_items_stays_in_document_order():
    clauses = split(NESTED_THEN_PARAGRAPH)
    starts = [c.span[0] for c in sorted(clauses, key=lambda c: c.order)]
    assert starts == sorted(starts), [(c.path, c.span) for c in clauses]
    op_1 = next(c for c in clauses if c.path == "op_1")
    assert op_1.text.index("The delegates agreed") < op_1.text.index("duplicates")


# -- the shipped corpus ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_clauses():
    corpus = Corpus(CORPUS)
    return {doc.id: {c.path: c for c in corpus.clauses(doc)} for doc in corpus.documents()}


def test_kunming_op_2_is_one_clause_across_the_page_break(shipped_clauses):
    source = (SOURCES / "nlc-2017-regional-cooperation.txt").read_text("utf-8").splitlines()
    first = next(i for i, line in enumerate(source) if line.startswith("2. Strengthen the coop"))
    continued = next(line for line in source[first + 1:] if line.strip())
    expected = f"{source[first].removeprefix('2. ')} {continued}"
    op_2 = shipped_clauses["kunming-2013"]["op_2"]
    assert op_2.text == expected
    assert op_2.text.endswith("in order to further cooperation in the restoration of documents "
                              "and digitization.")
    assert not any(p.startswith("op_2/") for p in shipped_clauses["kunming-2013"])


def test_nanning_third_preambular_paragraph(shipped_clauses):
    preamble_3 = shipped_clauses["nanning-2012"]["preamble_3"]
    assert preamble_3.role == "preamble"
    assert preamble_3.text.startswith("Recognizing that cooperation and communication")


def test_library_law_items_are_addressable(shipped_clauses):
    law = shipped_clauses["prc-public-library-law-2018"]
    item = law["art_33/para_2/item_1"]
    assert (item.label, item.unit, item.text) == ("（一）", "item", "文献信息查询、借阅；")
    assert item.parent == "prc-public-library-law-2018/art_33/para_2"
    assert law["art_15/item_6"].text == "安全保障设施、制度及应急预案。"
    assert law["art_33/para_2"].label == ""


def test_library_law_has_its_55_articles_in_order(shipped_clauses):
    source = (MIRROR / "prc-public-library-law-2018-zh.md").read_text("utf-8")
    in_source = re.findall(r"(?m)^(第[一二三四五六七八九十百]+条)", source)
    assert len(in_source) == 55
    articles = [c for c in shipped_clauses["prc-public-library-law-2018"].values()
                if c.unit == "article"]
    assert [c.path for c in articles] == [f"art_{n}" for n in range(1, 56)]
    assert [c.label for c in articles] == in_source


def test_shipped_clauses_are_in_document_order(shipped_clauses):
    for clauses in shipped_clauses.values():
        ordered = sorted(clauses.values(), key=lambda c: c.order)
        starts = [c.span[0] for c in ordered]
        assert starts == sorted(starts)


# -- properties --------------------------------------------------------------------------------

EN_WORDS = ["library", "loan", "cooperation", "digital", "the", "of", "and", "Asia", "shall",
            "promote", "catalogue", "resources"]
ZH_WORDS = ["图书馆", "资源", "共享", "合作", "应当", "公共", "文献", "服务",
            "，", "。", "；", "："]
LABELS = ["1. ", "2. ", "12. ", "(a) ", "(b) ", "(i) ", "第三条 ", "第十二条", "（二）", "一、",
          "二、", "## ", "# ", "### ", "- ", "* ", "第一章 ", "Article 3 "]

english = st.lists(st.sampled_from(EN_WORDS), min_size=1, max_size=8).map(" ".join)
chinese = st.lists(st.sampled_from(ZH_WORDS), min_size=1, max_size=8).map("".join)
words = st.one_of(english, chinese, english.map(lambda t: f"**{t}**"),
                  chinese.map(lambda t: f"`{t}`"))
label = st.one_of(st.just(""), st.sampled_from(LABELS))
separator = st.sampled_from(["\n", "\n\n", "\n\n\n", "\n \n", "\n\u3000\n"])


def bodies(text=words):
    line = st.tuples(label, text).map("".join)
    return st.lists(st.tuples(line, separator), min_size=1, max_size=12).map(
        lambda lines: "".join(a + b for a, b in lines))


#: Lines may also be a bare label ("第三条" with no text yet).
any_bodies = bodies(st.one_of(words, st.just("")))


def squash(text: str) -> str:
    return re.sub(r"\s|\*\*|`", "", text)


def in_order(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(ch in rest for ch in needle)


@given(any_bodies)
def test_property_clauses_are_well_formed(body):
    clauses = split_clauses(body, "d", "en")
    ids = [c.id for c in clauses]
    assert len(ids) == len(set(ids))
    for c in clauses:
        assert c.text.strip()
        assert 0 <= c.span[0] <= c.span[1] <= len(body)
        if c.parent is not None:
            assert c.parent in ids and c.id.startswith(c.parent + "/")


@given(bodies())
def test_property_no_words_are_lost(body):
    covered = [False] * len(body)
    for c in split_clauses(body, "d", "en"):
        covered[c.span[0]:c.span[1]] = [True] * (c.span[1] - c.span[0])
    lost = [ch for ch, hit in zip(body, covered, strict=True)
            if not hit and not ch.isspace() and ch != "#"]
    assert not lost


@example(NESTED_THEN_PARAGRAPH)
@given(any_bodies)
def test_property_clauses_follow_the_body_in_order(body):
    clauses = sorted(split_clauses(body, "d", "en"), key=lambda c: c.order)
    starts = [c.span[0] for c in clauses]
    assert starts == sorted(starts)
    for c in clauses:
        assert in_order(squash(c.text), squash(body[c.span[0]:c.span[1]])), c.id


# Realistic shapes: laws with chapters, articles, paragraphs and items; declarations with a
# preamble, numbered clauses, lettered items, continuation paragraphs and a closing.
def _law(draw) -> str:
    out, n = [], 0
    for chapter in range(1, draw(st.integers(1, 3)) + 1):
        if draw(st.booleans()):
            out.append(f"## 第{'一二三'[chapter - 1]}章 总则")
        for _ in range(draw(st.integers(1, 3))):
            n += 1
            out.append(f"第{'一二三四五六七八九'[n - 1]}条 {draw(chinese)}")
            for k in range(draw(st.integers(0, 2))):
                out.append(f"（{'一二'[k]}）{draw(chinese)}")
            if draw(st.booleans()):
                out.append(draw(chinese))
    return "\n\n".join(out) + "\n"


def _declaration(draw) -> str:
    out = [draw(words) for _ in range(draw(st.integers(0, 3)))]
    for n in range(1, draw(st.integers(1, 4)) + 1):
        out.append(f"{n}. {draw(words)}")
        for k in range(draw(st.integers(0, 3))):
            out.append(f"({'abc'[k]}) {draw(words)}")
        if draw(st.booleans()):
            out.append(draw(words))
    out += [draw(words) for _ in range(draw(st.integers(0, 2)))]
    return draw(st.sampled_from(["\n\n", "\n"])).join(out) + "\n"


@st.composite
def documents(draw) -> str:
    return _law(draw) if draw(st.booleans()) else _declaration(draw)


@given(documents())
def test_property_real_shapes_follow_the_body_in_order(body):
    clauses = sorted(split_clauses(body, "d", "en"), key=lambda c: c.order)
    assert clauses
    starts = [c.span[0] for c in clauses]
    assert starts == sorted(starts)
    for c in clauses:
        assert c.text.strip()
        assert in_order(squash(c.text), squash(body[c.span[0]:c.span[1]])), c.id
