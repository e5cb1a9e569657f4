"""Bytes -> text: decoding Chinese in every encoding people send, refusing what is not text,
and reading HTML without its page furniture."""

from __future__ import annotations

import codecs

import pytest

from initiative_archive.errors import IngestError
from initiative_archive.readers import read_source
from initiative_archive.readers.decode import decode_bytes
from initiative_archive.readers.html import html_to_text

REGULATION = ("北京市图书馆条例\n\n第一条 为了保障图书馆事业的发展，"
              "满足人民群众对科学文化知识的需求，制定本条例。\n\n"
              "第二条 本条例适用于本市的公共图书馆及其他各类图书馆。\n")
TRADITIONAL = ("圖書館法\n\n第一條 為促進圖書館之健全發展，提供完善之圖書資訊服務，特制定本法。\n\n"
               "第二條 本法所稱圖書館，指蒐集、整理及保存圖書資訊之機構。\n")


@pytest.mark.parametrize("text, data, encodings", [
    (REGULATION, REGULATION.encode("utf-8"), {"utf-8"}),
    (REGULATION, codecs.BOM_UTF8 + REGULATION.encode("utf-8"), {"utf-8-sig"}),
    (REGULATION, REGULATION.encode("utf-16"), {"utf-16"}),
    (REGULATION, REGULATION.encode("gbk"), {"gbk", "gb2312", "gb18030"}),
    (REGULATION, REGULATION.encode("gb18030"), {"gbk", "gb2312", "gb18030"}),
    (TRADITIONAL, TRADITIONAL.encode("big5"), {"big5", "big5hkscs", "cp950"}),
    (TRADITIONAL, TRADITIONAL.encode("utf-8"), {"utf-8"}),
], ids=["utf-8", "utf-8-bom", "utf-16-bom", "gbk", "gb18030", "big5", "utf-8-traditional"])
def test_chinese_is_decoded_and_the_encoding_recorded(text, data, encodings):
    decoded, encoding, notes = decode_bytes(data, "f.txt")
    assert decoded == text
    assert encoding.lower().replace("_", "-") in encodings
    assert notes == []


@pytest.mark.parametrize("text, codec", [
    ("馆际互借服务办法\n", "gbk"),
    ("館際互借服務辦法\n\n讀者可以申請館際互借服務。\n", "big5"),
    ("東亞圖書館合作倡議\n\n加強資源共享。\n", "big5"),
], ids=["gbk-title-line", "big5-notice", "big5-two-lines"])
def test_short_chinese_files_are_not_turned_into_mojibake(text, codec):
    decoded, _, _ = decode_bytes(text.encode(codec), "f.txt")
    assert decoded == text


def test_utf8_chinese_is_never_taken_for_another_encoding():
    """The fallback loop must stop at the first decoding that works (STYLE.md point 6)."""
    for text in ("图书馆", "館", "第一条", REGULATION[:7]):
        assert decode_bytes(text.encode("utf-8"), "f.txt")[:2] == (text, "utf-8")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b" \n\t\n", "whitespace"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
    (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
    (bytes(range(256)) * 4, "not text"),
])
def test_what_is_not_text_is_refused_with_its_reason(data, reason):
    with pytest.raises(IngestError) as caught:
        decode_bytes(data, "f.txt")
    assert reason in caught.value.message
    assert caught.value.message.startswith("f.txt: ")


def test_a_few_stray_control_characters_are_removed_and_noted():
    text, _, notes = decode_bytes("第一条\x07 图书馆。\n".encode(), "f.txt")
    assert text == "第一条 图书馆。\n"
    assert notes and "control" in notes[0]


def test_windows_line_endings_are_normalised():
    assert decode_bytes(b"a\r\nb\rc\n", "f.txt")[0] == "a\nb\nc\n"


PAGE = """<!DOCTYPE html>
<html lang="zh-Hans"><head><title>馆际互借倡议</title>
<style>.x { color: red; }</style><script>var tracking = "scriptword";</script></head>
<body>
<header>headerword</header>
<nav><ul><li>navword</li><li>About</li></ul></nav>
<h1>馆际互借倡议</h1>
<p>各成员馆：</p>
<ol><li>推进馆际互借；</li><li>共建联合目录。</li></ol>
<ul><li>附件一</li></ul>
<form><button>buttonword</button></form>
<aside>asideword</aside>
<footer>footerword</footer>
<!-- commentword -->
</body></html>
"""


def test_html_keeps_the_words_and_structure_and_drops_the_furniture():
    body, meta = html_to_text(PAGE)
    for furniture in ("scriptword", "tracking", "color", "headerword", "navword", "About",
                      "buttonword", "asideword", "footerword", "commentword"):
        assert furniture not in body
    assert meta == {"title": "馆际互借倡议", "lang": "zh-Hans"}
    assert body.split("\n\n") == ["# 馆际互借倡议", "各成员馆：", "1. 推进馆际互借；",
                                  "2. 共建联合目录。", "- 附件一\n"]


def test_ordered_lists_keep_their_own_numbers_and_start():
    body, _ = html_to_text('<ol start="3"><li>Third</li><li>Fourth</li></ol>'
                           "<ol><li>(1) own number</li></ol>")
    assert body.split("\n\n") == ["3. Third", "4. Fourth", "(1) own number\n"]


def test_deeply_nested_html_does_not_overflow():
    body, _ = html_to_text("<div>" * 5000 + "deep words" + "</div>" * 5000)
    assert body.strip() == "deep words"


def test_read_source_takes_metadata_from_markdown_front_matter(tmp_path):
    path = tmp_path / "doc.md"
    path.write_text("---\ntitle: A title\ndate: 2020-01-02\n---\n\n1. A clause.\n", "utf-8")
    source = read_source(path)
    assert (source.format, source.encoding) == ("markdown", "utf-8")
    assert source.meta["title"] == "A title"
    assert source.body.strip() == "1. A clause."


def test_read_source_reads_html_in_a_txt_file_as_html(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE, "utf-8")
    source = read_source(path)
    assert source.format == "html"
    assert "footerword" not in source.body


def test_read_source_refuses_other_formats(tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(IngestError) as caught:
        read_source(path)
    assert ".docx" in caught.value.message
