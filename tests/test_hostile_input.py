"""Hostile input: legacy encodings, files that are not what they claim, PDF and Word, HTML
that fights its parser, limits, paths that try to leave the corpus, and output that must stay
valid. Every fixture is built here, in the test, from real encoded bytes.

The bar (issue 5): a folder of good and bad files is ingested without a traceback; the good
files are archived and found in their own script, each bad one is named with its reason, and
the document archived before is still found.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import random
import re
import time
import zipfile
from pathlib import Path

import pytest
from conftest import Run, assert_one_error_line, pdf_file
from hypothesis import given
from hypothesis import strategies as st

from initiative_archive import Archive
from initiative_archive.cli import main
from initiative_archive.corpus import Corpus, valid_doc_id
from initiative_archive.errors import ArchiveError, IngestError
from initiative_archive.ingest import Limits, id_from_name, printable_name
from initiative_archive.model import Document
from initiative_archive.readers import pages_of, read_source
from initiative_archive.readers.decode import chinese_score, decode_bytes
from initiative_archive.readers.html import html_to_text

BOUND = 10.0  # seconds any single hostile input may take on a 2-core machine


def cli(*args: str) -> Run:
    """The console entry point, as a user runs it (usable inside Hypothesis tests)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue(), err.getvalue())


def ok(*args: str) -> str:
    run = cli(*args)
    assert run.code == 0, (run.stdout, run.stderr)
    return run.stdout


@pytest.fixture
def where(tmp_path) -> list[str]:
    """--corpus/--index of an archive of this test's own."""
    return ["--corpus", str(tmp_path / "corpus"), "--index", str(tmp_path / "index")]


def ingest_json(*args: str) -> tuple[int, dict[str, dict]]:
    """Exit code and each file's outcome by file name."""
    run = cli("ingest", *args, "--format", "json")
    assert "Traceback" not in run.stderr and "unexpected" not in run.stdout + run.stderr
    data = json.loads(run.stdout)
    return run.code, {Path(f["path"]).name: f for f in data["files"]}


def hits(query: str, where: list[str]) -> list[dict]:
    return json.loads(ok("search", query, "--format", "json", "--limit", "50", *where))["hits"]


# -- fixtures built from bytes -------------------------------------------------------------------

def make_pdf(pages: list[list[str] | None], title: str | None = None) -> bytes:
    """A minimal valid PDF, one page per entry: a list of lines, or None for a page with no
    text content stream (what a scan gives). Latin lines are set in Helvetica; Chinese ones in
    a Type0 font whose ToUnicode CMap maps each 2-byte code to the same Unicode value."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in at the end

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    helvetica = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                    b"/Encoding /WinAnsiEncoding >>")
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CMapName /UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            b"1 beginbfrange <0000> <FFFF> <0000> endbfrange\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end\n")
    to_unicode = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap))
    cid = add(b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo "
              b"<< /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    chinese = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H "
                  b"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>" % (cid, to_unicode))
    kids = []
    for lines in pages:
        contents = b""
        if lines is not None:
            ops = [b"BT", b"14 TL", b"72 720 Td"]
            for line in lines:
                if line.isascii():
                    escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
                    ops.append(b"/F1 12 Tf (%s) Tj T*" % escaped.encode("latin-1"))
                else:
                    ops.append(b"/F2 12 Tf <%s> Tj T*" % line.encode("utf-16-be").hex().encode())
            stream = b"\n".join([*ops, b"ET"])
            contents = b" /Contents %d 0 R" % add(
                b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                        b"<< /Font << /F1 %d 0 R /F2 %d 0 R >> >>%s >>"
                        % (helvetica, chinese, contents)))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    info = add(b"<< /Title (%s) >>" % title.encode("latin-1")) if title else None
    return pdf_file(objects, b" /Info %d 0 R" % info if info else b"")


def make_docx(title: str = "") -> bytes:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("Minutes of the Third Meeting", level=1)
    document.add_paragraph("The delegates agreed as follows.")
    document.add_paragraph("Exchange catalogue records every quarter.", style="List Number")
    document.add_paragraph("Train cataloguers together.", style="List Number")
    document.add_paragraph("各成员馆应当加强古籍保护合作。")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Library", (0, 1): "Country", (1, 0): "NLC",
                             (1, 1): "China"}.items():
        table.cell(row, col).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# -- 1. decoding ---------------------------------------------------------------------------------

SHORT_SIMPLIFIED = [
    "馆际互借服务办法",
    "各成员馆应当加强古籍保护合作。",
    "图书馆应当免费向社会公众开放。读者可以申请借阅。",
    "为了促进数字图书馆建设，制定本办法。本办法自公布之日起施行。各馆应当遵守。",
    "第一条 为了保障图书馆事业的发展，制定本条例。",
]
SHORT_TRADITIONAL = [
    "館際互借服務辦法",
    "東亞圖書館合作倡議\n\n加強資源共享。",
    "圖書館應當推動館際互借，促進資源共享。",
    "讀者可以申請館際互借服務。本辦法自公布日施行。各館應當遵守。",
    "第一條 為促進圖書館之健全發展，特制定本法。",
]


@pytest.mark.parametrize("text", SHORT_SIMPLIFIED)
def test_short_gbk_chinese_decodes_right(text):
    for codec in ("gbk", "gb18030"):
        decoded, encoding, notes = decode_bytes(text.encode(codec), "f.txt")
        assert (decoded, encoding, notes) == (text, "gbk", [])


@pytest.mark.parametrize("text", SHORT_TRADITIONAL)
def test_short_big5_chinese_decodes_right(text):
    decoded, encoding, notes = decode_bytes(text.encode("big5"), "f.txt")
    assert (decoded, encoding, notes) == (text, "big5", [])


def test_gb18030_only_characters_are_decoded_as_gb18030():
    text = "㐀㐁 are in CJK extension A, which GBK lacks: 图书馆。"
    assert decode_bytes(text.encode("gb18030"), "f.txt")[:2] == (text, "gb18030")


def test_the_right_reading_has_the_higher_share_of_common_characters():
    for text, codec, other in (("各成员馆应当加强古籍保护合作。", "gbk", "big5"),
                               ("圖書館應當推動館際互借，促進資源共享。", "big5", "gbk")):
        data = text.encode(codec)
        wrong = data.decode(other, errors="replace")
        assert chinese_score(text) > 0.95 and chinese_score(wrong) < 0.7


ENGLISH = "Libraries of the region shall exchange catalogue records.\n"


@pytest.mark.parametrize("data, text, encoding", [
    (ENGLISH.encode("utf-8"), ENGLISH, "utf-8"),
    (codecs.BOM_UTF8 + "第一条 图书馆。\n".encode(), "第一条 图书馆。\n", "utf-8-sig"),
    (ENGLISH.encode("utf-16"), ENGLISH, "utf-16"),
    ("图书馆合作。\n".encode("utf-16"), "图书馆合作。\n", "utf-16"),
    (ENGLISH.encode("utf-16-le"), ENGLISH, "utf-16-le"),
    (ENGLISH.encode("utf-16-be"), ENGLISH, "utf-16-be"),
    ("Libraries 图书馆 share.\n".encode("utf-16-le"), "Libraries 图书馆 share.\n", "utf-16-le"),
    (ENGLISH.encode("utf-32"), ENGLISH, "utf-32"),
    ("Les bibliothèques coopèrent à l'échelle régionale.\n".encode("latin-1"),
     "Les bibliothèques coopèrent à l'échelle régionale.\n", "latin-1"),
    ("“Smart” quotes – a café.\n".encode("cp1252"), "“Smart” quotes – a café.\n", "cp1252"),
    ("Nanning 南宁 Initiative\n".encode("gbk"), "Nanning 南宁 Initiative\n", "gbk"),
], ids=["utf-8", "utf-8-bom", "utf-16-bom", "utf-16-bom-chinese", "utf-16-le", "utf-16-be",
        "utf-16-le-mixed", "utf-32-bom", "latin-1", "cp1252", "gbk-mostly-ascii"])
def test_each_encoding_is_decoded_and_named(data, text, encoding):
    assert decode_bytes(data, "f.txt") == (text, encoding, [])


@pytest.mark.parametrize("text, codec, encodings", [
    ("도서관은 서로 협력한다. 자료를 공유한다. " * 6, "euc_kr", {"cp949", "euc_kr"}),
    ("日本の図書館は協力します。資料を共有する。" * 5, "euc_jp", {"euc_jp", "euc_jis_2004"}),
    ("Библиотеки сотрудничают друг с другом. " * 6, "koi8_r", {"koi8_r"}),
], ids=["korean", "japanese", "russian"])
def test_other_legacy_encodings_of_some_length_are_not_taken_for_chinese(text, codec,
                                                                         encodings):
    decoded, encoding, _ = decode_bytes(text.encode(codec), "f.txt")
    assert decoded == text and encoding in encodings


def test_utf8_chinese_stops_at_utf8():
    for text in ("图", "图书馆", "館", "第一条"):
        assert decode_bytes(text.encode(), "f.txt")[:2] == (text, "utf-8")


@pytest.mark.parametrize("data, text, note", [
    (b"Members shall meet\x00 every year.\n", "Members shall meet every year.\n",
     "removed 1 NUL byte"),
    ("第一条\x07 图书馆。\n".encode(), "第一条 图书馆。\n", "removed 1 control character"),
    ("图书馆合作交流".encode("gbk")[:-1], "图书馆合作交\ufffd",
     "replaced 1 undecodable byte sequence with U+FFFD (not gb18030)"),
    ("图书馆合作交流。".encode()[:-1], "图书馆合作交流\ufffd",
     "replaced 1 undecodable byte sequence with U+FFFD (not utf-8)"),
], ids=["stray-nul", "stray-control", "truncated-gbk", "truncated-utf-8"])
def test_clearly_recoverable_text_is_cleaned_with_a_note(data, text, note):
    decoded, _, notes = decode_bytes(data, "f.txt")
    assert (decoded, notes) == (text, [note])


def test_page_breaks_become_line_breaks():
    assert decode_bytes(b"page one\x0cpage two\r\n", "f.txt")[0] == "page one\npage two\n"


@pytest.mark.parametrize("data, reason", [
    (b"", "f.txt: empty file"),
    (b" \r\n\t ", "f.txt: whitespace only"),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "f.txt: the file is a PNG image, not text"),
    (b"%PDF-1.4\n1 0 obj", "f.txt: the file is a PDF, not text"),
    (b"PK\x03\x04\x14\x00", "f.txt: the file is a ZIP archive (or a Word .docx), not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8),
     "f.txt: the file is an old Microsoft Office file (.doc, .xls), not text"),
    (b"\x7fELF\x02\x01", "f.txt: the file is a program, not text"),
    (b"abc\x00\x00\x00" * 50, "f.txt: not text (150 NUL bytes)"),
    (bytes(range(1, 32)) * 20, "f.txt: not text (520 control characters)"),
], ids=["empty", "whitespace", "png", "pdf", "zip", "ole2", "elf", "nuls", "controls"])
def test_what_is_not_text_is_refused_with_its_reason(data, reason):
    with pytest.raises(IngestError) as caught:
        decode_bytes(data, "f.txt")
    assert caught.value.message == reason


def test_random_binary_is_refused():
    for seed in range(20):
        with pytest.raises(IngestError, match="not text"):
            decode_bytes(random.Random(seed).randbytes(2048), "f.txt")


@given(st.binary(max_size=600))
def test_decoding_raises_nothing_but_ingest_error(data):
    try:
        text, encoding, notes = decode_bytes(data, "f.txt")
    except IngestError as exc:
        assert exc.message.startswith("f.txt: ")
        return
    assert text.strip()
    assert codecs.lookup(encoding)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    assert all(isinstance(n, str) for n in notes)


@given(st.text(max_size=300), st.sampled_from(["gbk", "big5", "utf-16", "utf-16-le",
                                               "latin-1", "cp1252", "utf-8", "gb18030"]),
       st.integers(0, 8), st.binary(max_size=4))
def test_decoding_damaged_legacy_text_raises_nothing_but_ingest_error(text, codec, cut, junk):
    data = text.encode(codec, errors="ignore")
    data = data[: len(data) - cut] + junk  # truncated, with stray bytes after
    try:
        decoded, _, _ = decode_bytes(data, "f.txt")
    except IngestError:
        return
    assert decoded.strip()


@given(st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200))
def test_any_utf8_text_decodes_to_itself(text):
    try:
        decoded, encoding, notes = decode_bytes(text.encode("utf-8"), "f.txt")
    except IngestError as exc:
        assert not text.strip() and "whitespace" in exc.message
        return
    assert (decoded, encoding, notes) == (text, "utf-8", [])


@given(st.sampled_from(SHORT_SIMPLIFIED + SHORT_TRADITIONAL), st.sampled_from(["\n", "\r\n"]),
       st.integers(1, 3))
def test_legacy_chinese_paragraphs_round_trip(sentence, newline, repeat):
    text = newline.join([sentence] * repeat) + newline
    codec = "gbk" if sentence in SHORT_SIMPLIFIED else "big5"
    decoded, encoding, _ = decode_bytes(text.encode(codec), "f.txt")
    assert (decoded, encoding) == (text.replace("\r\n", "\n"), codec)


# -- a file that is not what it claims ------------------------------------------------------------

@pytest.mark.parametrize("name, data, reason", [
    ("fake.pdf", b"Just some words.\n", "not a PDF, it is text"),
    ("photo.pdf", b"\x89PNG\r\n\x1a\n" + bytes(40), "not a PDF, it is a PNG image"),
    ("junk.pdf", bytes(range(256)) * 4, "not a PDF, it is binary data"),
    ("cut.pdf", make_pdf([["A page of text."]])[:60], "a damaged PDF that cannot be read"),
    ("notes.docx", b"Just some words.\n", "not a Word .docx document, it is text"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an old Word .doc file"),
    ("cut.docx", make_docx()[:300], "not a readable .docx document (a damaged ZIP"),
    ("image.txt", b"\x89PNG\r\n\x1a\n" + bytes(40), "the file is a PNG image, not text"),
    ("report.txt", make_pdf([["Text."]]), "the file is a PDF, not text"),
    ("sheet.xlsx", b"PK\x03\x04", ".xlsx files are not read"),
    ("letter.doc", b"\xd0\xcf\x11\xe0", ".doc files are not read"),
], ids=lambda v: v if isinstance(v, str) and "." in v and len(v) < 12 else "")
def test_a_file_that_is_not_what_it_claims_is_refused(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError) as caught:
        read_source(path)
    assert caught.value.message.startswith(f"{name}: {reason}")


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("readme.txt", "hello")
    path = tmp_path / "archive.docx"
    path.write_bytes(out.getvalue())
    with pytest.raises(IngestError, match="a ZIP archive, but not a Word .docx document"):
        read_source(path)


# -- 2. PDF and Word ------------------------------------------------------------------------------

REPORT_PAGES = [
    ["Regional Library Cooperation Report", "1. Libraries shall digitise rare books."],
    None,
    ["2. Libraries shall train staff together.", "第三条 图书馆应当加强古籍保护合作。"],
]


def test_a_pdf_is_read_page_by_page(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(REPORT_PAGES, title="Cooperation Report 2020"))
    source = read_source(path)
    assert (source.format, source.encoding) == ("pdf", None)
    assert source.meta == {"title": "Cooperation Report 2020"}
    assert source.body == ("Regional Library Cooperation Report\n"
                           "1. Libraries shall digitise rare books.\n"
                           "2. Libraries shall train staff together.\n"
                           "第三条 图书馆应当加强古籍保护合作。\n")
    pages = source.provenance["pages"]
    assert [p[0] for p in pages] == [1, 3] and source.provenance["page_count"] == 3
    assert source.body[pages[0][1]:pages[0][2]].endswith("rare books.")
    assert source.body[pages[1][1]:pages[1][2]].startswith("2. Libraries shall train")
    assert source.notes == ["no text on page 2 (scanned? OCR is not done here)"]


def test_an_ingested_pdf_cites_the_page_of_each_clause(tmp_path, where):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(REPORT_PAGES))
    ok("ingest", str(path), *where)
    doc = json.loads(ok("show", "report", "--format", "json", *where))
    assert doc["source"]["format"] == "pdf" and "encoding" not in doc["source"]
    pages = doc["source"]["pages"]
    page = {c["clause_id"]: pages_of(pages, c["span"]) for c in doc["clauses"]}
    train = next(c["clause_id"] for c in doc["clauses"] if "train staff" in c["text"])
    assert page[train] == [3]
    assert any(p == [1] for p in page.values())
    found = hits("古籍保护", where)
    assert found and found[0]["doc_id"] == "report"


def test_control_codes_in_a_pdf_text_layer_are_removed_not_fatal(tmp_path):
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(make_pdf([["Text with \x01\x02\x03\x04 unmapped glyphs."], ["Clean."]]))
    source = read_source(path)
    assert source.body == "Text with  unmapped glyphs.\nClean.\n"
    assert source.notes == ["removed control characters (unmapped glyphs?) on page 1"]


def test_a_scanned_pdf_is_refused_with_that_reason(tmp_path, where):
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([None, None]))
    code, files = ingest_json(str(path), *where)
    assert code == 1
    assert files["scan.pdf"]["reason"] == "no text layer in its 2 pages (a scanned PDF?)"
    assert "OCR" in files["scan.pdf"]["hint"]


def test_an_encrypted_pdf_is_refused(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(make_pdf([["Secret text."]])))
    writer.encrypt("secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "secret.pdf"
    path.write_bytes(out.getvalue())
    with pytest.raises(IngestError, match="an encrypted PDF that needs a password"):
        read_source(path)


def test_a_word_document_keeps_headings_numbers_tables_and_no_pages(tmp_path, where):
    path = tmp_path / "minutes.docx"
    path.write_bytes(make_docx(title="Minutes of the Third Meeting"))
    source = read_source(path)
    assert (source.format, source.encoding) == ("docx", None)
    assert source.body.split("\n\n") == [
        "# Minutes of the Third Meeting", "The delegates agreed as follows.",
        "1. Exchange catalogue records every quarter.", "2. Train cataloguers together.",
        "各成员馆应当加强古籍保护合作。", "Library | Country", "NLC | China\n"]
    assert source.provenance == {"paragraphs": 7}
    assert "no fixed pages" in source.notes[-1]
    ok("ingest", str(path), *where)
    doc = json.loads(ok("show", "minutes", "--format", "json", *where))
    assert doc["title"] == "Minutes of the Third Meeting"
    assert "pages" not in doc["source"] and doc["source"]["paragraphs"] == 7
    ids = {c["clause_id"] for c in doc["clauses"]}
    assert {"minutes/op_1", "minutes/op_2"} <= ids
    assert hits("古籍保护", where)[0]["doc_id"] == "minutes"


# -- 4. HTML --------------------------------------------------------------------------------------

def test_html_furniture_never_enters_and_entities_decode():
    page = ("<html><head><title>Reading &amp; Libraries</title><style>p{}</style></head><body>"
            "<header>headerword</header><nav><a>navword</a></nav>"
            "<script>var scriptword = 1;</script>"
            "<p>Caf&eacute; &lt;reading&gt; &#x4e2d;&#25991; &nbsp;rooms.</p>"
            "<footer>footerword</footer></body></html>")
    body, meta = html_to_text(page)
    assert body == "Café <reading> 中文 rooms.\n"
    assert meta == {"title": "Reading & Libraries"}


def test_html_title_comes_from_the_first_heading_when_the_page_has_none():
    assert html_to_text("<body><h1>东亚 图书馆</h1><p>text</p>")[1] == {"title": "东亚 图书馆"}


def test_unclosed_tags_keep_every_word_and_list_numbers():
    body, _ = html_to_text("<p>one<p>two<div>three<ol><li>first<li>second<li>third</ol>"
                           "<b>trailing <i>words")
    assert body.split("\n\n") == ["one", "two", "three", "1. first", "2. second", "3. third",
                                  "trailing words\n"]


def test_identical_list_items_keep_their_own_numbers():
    body, _ = html_to_text("<ol>" + "<li>Same.</li>" * 3 + "</ol>")
    assert body.split("\n\n") == ["1. Same.", "2. Same.", "3. Same.\n"]


@pytest.mark.parametrize("markup", [
    "<div>" * 10_000 + "deep words" + "</div>" * 10_000,
    "<div>" * 10_000 + "deep words",
    "<b><i>" * 10_000 + "deep words",
    "<nav>" + "<div>" * 10_000 + "navword</nav><p>deep words</p>",
    "<ol>" + "<li>deep words" * 10_000,
], ids=["closed", "unclosed", "inline", "in-nav", "unclosed-items"])
def test_ten_thousand_levels_parse_without_recursion_error(markup):
    started = time.monotonic()
    body, _ = html_to_text(markup)
    assert "deep words" in body and "navword" not in body
    assert time.monotonic() - started < BOUND


@given(st.text(st.sampled_from(list("<>/=\"' &;#abdilopnrstvx中文\n")), max_size=300))
def test_any_markup_reads_without_error(markup):
    body, meta = html_to_text(markup)
    assert body.endswith("\n") and all(isinstance(v, str) for v in meta.values())


def test_html_in_a_declared_legacy_encoding(tmp_path):
    page = ('<html><head><meta charset="gbk"><title>馆际互借</title></head>'
            "<body><p>各成员馆应当推进馆际互借。</p></body></html>")
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gbk"))
    source = read_source(path)
    assert (source.encoding, source.meta["title"]) == ("gbk", "馆际互借")
    assert source.body == "各成员馆应当推进馆际互借。\n"


# -- 3. a mixed folder: each file archived or rejected with its reason ---------------------------

GBK_TEXT = "各成员馆应当加强古籍保护合作，共享数字化成果。"
BIG5_TEXT = "圖書館應當推動館際互借，促進資源共享。"
UTF16_TEXT = "Libraries shall exchange duplicate periodicals.\n"


def mixed_folder(folder: Path) -> None:
    folder.mkdir()
    files = {
        "good gbk.txt": GBK_TEXT.encode("gbk"),
        "繁體 big5.txt": BIG5_TEXT.encode("big5"),
        "english utf16.txt": UTF16_TEXT.encode("utf-16"),
        "latin1.txt": "Les bibliothèques échangent leurs catalogues.\n".encode("latin-1"),
        "nul.txt": b"Members shall meet\x00 every year.\n",
        "report.pdf": make_pdf(REPORT_PAGES),
        "minutes.docx": make_docx(),
        "empty.txt": b"",
        "blank.txt": b" \n\t \r\n",
        "binary.txt": bytes(range(256)) * 16,
        "fake.pdf": b"Just some words, not a PDF.\n",
        "image.txt": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "broken.md": b"---\ntitle: Broken\ndate: [2020\n---\n\nText.\n",
        "labels.txt": "第一条\n".encode() * 5,
        "sheet.xlsx": b"PK\x03\x04",
        "scan.pdf": make_pdf([None, None]),
        "taken.txt": b"1. Different content under a taken id.\n",
        "zz copy.txt": (GBK_TEXT + "\n").encode("utf-8"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)


MIXED_OUTCOMES = {
    "good gbk.txt": ("archived", "good-gbk", "gbk"),
    "繁體 big5.txt": ("archived", id_from_name("繁體 big5"), "big5"),
    "english utf16.txt": ("archived", "english-utf16", "utf-16"),
    "latin1.txt": ("archived", "latin1", "latin-1"),
    "nul.txt": ("archived", "nul", "utf-8"),
    "report.pdf": ("archived", "report", ""),
    "minutes.docx": ("archived", "minutes", ""),
    "empty.txt": ("rejected", "empty file"),
    "blank.txt": ("rejected", "whitespace only"),
    "binary.txt": ("rejected", "not text (16 NUL bytes and 432 other control bytes)"),
    "fake.pdf": ("rejected", "not a PDF, it is text"),
    "image.txt": ("rejected", "the file is a PNG image, not text"),
    "broken.md": ("rejected",
                  "broken front matter at line 3: expected ',' or ']', but got '<stream end>'"),
    "labels.txt": ("rejected", "no clauses found: only numbering labels, no text"),
    "sheet.xlsx": ("rejected", ".xlsx files are not read"),
    "scan.pdf": ("rejected", "no text layer in its 2 pages (a scanned PDF?)"),
    "taken.txt": ("rejected", "id 'taken' is already taken by other content"),
    "zz copy.txt": ("rejected", "same text as the archived document 'good-gbk' (a duplicate)"),
}


def test_a_mixed_folder_archives_the_good_and_names_each_bad_file(tmp_path, where):
    before = tmp_path / "taken.txt"
    before.write_text("1. The zebrafinch accord binds every member library.\n", "utf-8")
    ok("ingest", str(before), *where)
    stored_before = (tmp_path / "corpus" / "documents" / "taken.md").read_bytes()
    mixed_folder(tmp_path / "inbox")

    code, files = ingest_json(str(tmp_path / "inbox"), *where)
    assert code == 1
    assert set(files) == set(MIXED_OUTCOMES)
    for name, expected in MIXED_OUTCOMES.items():
        got = files[name]
        if expected[0] == "archived":
            assert (got["status"], got["doc_id"], got["encoding"]) == expected, name
            assert valid_doc_id(got["doc_id"])
        else:
            assert (got["status"], got["reason"]) == expected, name
    assert files["nul.txt"]["notes"] == ["removed 1 NUL byte"]

    assert hits("zebrafinch", where)[0]["doc_id"] == "taken"  # archived before: still found
    assert (tmp_path / "corpus" / "documents" / "taken.md").read_bytes() == stored_before
    found = {h["doc_id"]: h["text"] for h in hits("古籍保护", where)}
    assert found["good-gbk"] == GBK_TEXT  # in its own script, decoded right
    assert "good-gbk" in {h["doc_id"] for h in hits("古籍保護", where)}
    big5 = hits("館際互借", where)[0]
    assert big5["doc_id"] == id_from_name("繁體 big5") and "館際互借" in big5["text"]
    assert hits("馆际互借", where)[0]["doc_id"] == big5["doc_id"]
    assert hits("duplicate periodicals", where)[0]["doc_id"] == "english-utf16"
    assert hits("bibliothèques", where)[0]["doc_id"] == "latin1"


def test_the_text_report_names_each_file_with_its_reason_and_a_summary(tmp_path, where):
    mixed_folder(tmp_path / "inbox")
    run = cli("ingest", str(tmp_path / "inbox"), *where)
    assert run.code == 1 and "Traceback" not in run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == len(MIXED_OUTCOMES) + 1
    assert lines[-1] == "8 archived, 10 rejected"  # taken.txt is free here
    by_name = {Path(line.split(" -> ")[0].split(": ")[0][10:]).name: line for line in lines[:-1]}
    assert by_name["empty.txt"] == f"rejected  {tmp_path / 'inbox' / 'empty.txt'}: empty file"
    assert by_name["nul.txt"].endswith("-> nul (1 clause); note: removed 1 NUL byte")
    assert by_name["good gbk.txt"].endswith("-> good-gbk (1 clause, gbk)")
    assert "(OCR is not done here" in by_name["scan.pdf"]


def test_a_second_run_finds_everything_unchanged_and_exits_0(tmp_path, where):
    mixed_folder(tmp_path / "inbox")
    for name in [n for n, e in MIXED_OUTCOMES.items() if e[0] == "rejected"]:
        (tmp_path / "inbox" / name).unlink()
    assert cli("ingest", str(tmp_path / "inbox"), *where).code == 0
    code, files = ingest_json(str(tmp_path / "inbox"), *where)
    assert code == 0
    assert {f["status"] for f in files.values()} == {"unchanged"}


def test_a_bad_revision_never_changes_the_archived_document(tmp_path, where):
    path = tmp_path / "accord.md"
    path.write_text("---\ntitle: Accord\n---\n\n1. Libraries lend books.\n", "utf-8")
    ok("ingest", str(path), *where)
    stored = (tmp_path / "corpus" / "documents" / "accord.md").read_bytes()
    for broken in (b"", b"\x89PNG\r\n\x1a\n", b"---\ntitle: [x\n---\n\nNew text.\n",
                   b"---\nid: accord\n---\n\n1. Libraries lend maps.\n"):
        path.write_bytes(broken)
        assert cli("ingest", str(path), *where).code == 1
        assert cli("ingest", str(path), "--replace", *where).code in (0, 1)
        if broken.endswith(b"maps.\n"):
            break  # the only valid revision: with --replace it is archived
        assert (tmp_path / "corpus" / "documents" / "accord.md").read_bytes() == stored
    assert hits("maps", where)[0]["doc_id"] == "accord"


def test_file_names_with_spaces_and_chinese_give_valid_stable_ids(tmp_path, where):
    names = ["2013 昆明倡议.txt", "2013 南宁倡议.txt", "东亚图书馆合作.txt", "Résumé of talks.txt",
             "a  b   c.txt", "---.txt"]
    for n, name in enumerate(names):
        (tmp_path / name).write_text(f"1. Clause number {n} of its own.\n", "utf-8")
    code, files = ingest_json(*(str(tmp_path / name) for name in names), *where)
    assert code == 0
    ids = [files[name]["doc_id"] for name in names]
    assert all(valid_doc_id(i) for i in ids) and len(set(ids)) == len(ids)
    assert ids[0].startswith("2013-") and ids[2].startswith("doc-")
    assert ids[3:5] == ["resume-of-talks", "a-b-c"]
    assert id_from_name("东亚图书馆合作") == ids[2]  # the same name, the same id


def test_the_same_text_under_another_name_is_a_duplicate(tmp_path, where):
    (tmp_path / "one.txt").write_text("1. Libraries share.\n", "utf-8")
    (tmp_path / "two.txt").write_text("1.   Libraries   share.\r\n\r\n", "utf-8")
    code, files = ingest_json(str(tmp_path / "one.txt"), str(tmp_path / "two.txt"), *where)
    assert code == 1
    assert files["two.txt"]["reason"] == "same text as the archived document 'one' (a duplicate)"


def test_front_matter_errors_and_tricks_are_refused_quickly(tmp_path, where):
    bomb = "---\ntitle: Bomb\n" + "".join(
        f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 10)
    ).replace("*l0", "x") + "---\n\n1. Text.\n"
    cases = {
        "bomb.md": (bomb, "front matter uses a YAML alias (*l1)"),
        "deep.md": ("---\nx: " + "[" * 500 + "]" * 500 + "\n---\n\n1. Text.\n",
                    "front matter is nested more than 20 levels deep"),
        "date.md": ("---\ndate: 2020-02-30\n---\n\n1. Text.\n", "broken front matter: "),
        "unclosed.md": ("---\ntitle: T\n\n1. Text.\n", "front matter opened at line 1 is never "
                        "closed"),
        "lang.md": ("---\nlang: English\n---\n\n1. Text.\n", "language 'English' is not a "
                    "language tag"),
        "kind.md": ("---\nkind: poem\n---\n\n1. Text.\n", "unknown kind 'poem'"),
        "id.md": ("---\nid: ../../outside\n---\n\n1. Text.\n", "invalid id '../../outside'"),
        "abs.md": ("---\nid: /etc/passwd\n---\n\n1. Text.\n", "invalid id '/etc/passwd'"),
    }
    for name, (text, _) in cases.items():
        (tmp_path / name).write_text(text, "utf-8")
    started = time.monotonic()
    code, files = ingest_json(*(str(tmp_path / name) for name in cases), *where)
    assert time.monotonic() - started < BOUND
    assert code == 1
    for name, (_, reason) in cases.items():
        assert files[name]["status"] == "rejected"
        assert files[name]["reason"].startswith(reason), (name, files[name]["reason"])
    assert not (tmp_path / "outside.md").exists() and not (tmp_path.parent / "outside.md").exists()


# -- 5. limits ------------------------------------------------------------------------------------

PATHOLOGICAL = {
    "long-line.txt": ("x" * 1_000_000, "line 1 has 1,000,000 characters, over the limit of "
                      "100,000 per line"),
    "dots-one-line.txt": ("1. " * 100_000, "line 1 has 299,999 characters"),
    "dots-lines.txt": ("1. \n" * 100_000, "100,000 lines, over the limit of 10,000 lines"),
    "cn-paren-one-line.txt": ("（一）" * 100_000, "line 1 has 300,000 characters"),
    "cn-paren-lines.txt": ("（一）\n" * 100_000, "100,000 lines"),
    "articles-one-line.txt": ("第一条" * 100_000, "line 1 has 300,000 characters"),
    "articles-lines.txt": ("第一条\n" * 100_000, "100,000 lines"),
    "bullets.txt": ("- a\n" * 100_000, "100,000 lines"),
    "few-labels.txt": ("1.\n\n（一）\n\n第一条\n" * 300, "no clauses found: only numbering"),
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_input_is_refused_in_bounded_time(tmp_path, where, name):
    text, reason = PATHOLOGICAL[name]
    (tmp_path / name).write_text(text, "utf-8")
    started = time.monotonic()
    code, files = ingest_json(str(tmp_path / name), *where)
    assert time.monotonic() - started < BOUND
    assert code == 1 and files[name]["reason"].startswith(reason), files[name]["reason"]


def test_a_long_line_of_real_text_within_the_limit_is_archived_in_bounded_time(tmp_path, where):
    words = random.Random(3).choices(["library", "cooperation", "图书馆", "合作", "资源"], k=14_000)
    (tmp_path / "long.txt").write_text(" ".join(words) + " quagga.\n", "utf-8")
    started = time.monotonic()
    ok("ingest", str(tmp_path / "long.txt"), *where)
    assert time.monotonic() - started < BOUND
    assert hits("quagga", where)[0]["doc_id"] == "long"


def test_a_file_over_the_size_limit_names_the_limit_and_the_option(tmp_path, where):
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:  # sparse: over the default limit without writing 20 MB
        handle.truncate(Limits().max_bytes + 1)
    code, files = ingest_json(str(big), *where)
    assert code == 1
    assert files["big.txt"]["reason"] == "20,971,521 bytes is over the limit of 20,971,520 bytes"
    assert files["big.txt"]["hint"] == "raise it with --max-bytes"
    small = tmp_path / "small.txt"
    small.write_text("1. Libraries share.\n" * 100, "utf-8")
    run = cli("ingest", str(small), "--max-bytes", "1000", *where)
    assert run.code == 1
    assert run.stdout.startswith(f"rejected  {small}: 2,000 bytes is over the limit of 1,000 "
                                 "bytes (raise it with --max-bytes)")
    assert cli("ingest", str(small), "--max-bytes", "2000", *where).code == 0
    assert cli("ingest", str(small), "--max-bytes", "0", *where).code == 2


def test_the_limits_are_documented_in_the_ingest_help():
    text = ok("ingest", "--help")
    for words in ("--max-bytes", "20,971,520 bytes", "10,000 non-blank lines", "5,000",
                  "100,000 characters on one line", "Scanned PDFs", "GBK", "Big5", "UTF-16"):
        assert words in " ".join(text.split()), words


@pytest.fixture(scope="module")
def small_archive(tmp_path_factory) -> list[str]:
    """Two documents, English and Chinese, with a formula-like and a control-character source,
    indexed once for the module."""
    root = tmp_path_factory.mktemp("small")
    corpus = Corpus(root / "corpus")
    corpus.write(Document(id="formulas", title="Formulas", lang="en",
                          body="=1+2 library cells\n\n+SUM(A1) library sums\n\n"
                               "-2 library minus\n\n@cmd library at\n",
                          source={"note": "bell\x07 and escape\x1b[0m in a source"}))
    corpus.write(Document(id="zh", title="合作", lang="zh-Hans",
                          body="第一条 图书馆应当加强合作，共享资源。\n"))
    Archive(root / "corpus", root / "index").index()
    return ["--corpus", str(root / "corpus"), "--index", str(root / "index")]


@pytest.mark.parametrize("query", [
    " ".join(["library"] * 600),
    "图书馆合作资源共享" * 330,
    " OR ".join(f"word{n}" for n in range(700)),
    "(" * 2000 + "library",
    '"' + "合作 " * 1500 + '"',
], ids=["english-words", "chinese", "many-ors", "parentheses", "long-phrase"])
def test_a_query_of_thousands_of_characters_answers_in_bounded_time(small_archive, query):
    started = time.monotonic()
    run = cli("search", query, "--format", "json", *small_archive)
    assert time.monotonic() - started < BOUND
    assert run.code in (0, 1) and "Traceback" not in run.stderr
    assert "unexpected" not in run.stderr
    if run.code == 0:
        json.loads(run.stdout)
    else:
        assert_one_error_line(run)


def test_a_query_over_the_limit_is_one_error_line(small_archive):
    run = cli("search", "library " * 1000, *small_archive)
    assert_one_error_line(run)
    assert "the limit is 5000" in run.stderr


@given(st.text(max_size=40))
def test_any_query_answers_or_is_refused_never_crashes(small_archive, query):
    archive = Archive(small_archive[1], small_archive[3])
    try:
        result = archive.search(query)
    except ArchiveError:
        pass
    else:
        assert result.total >= len(result.hits)
    run = cli("search", "--format", "json", *small_archive, "--", query)  # '--index' is a query
    assert run.code in (0, 1, 2), run
    assert "Traceback" not in run.stderr and "unexpected" not in run.stderr
    if run.code == 0:
        json.loads(run.stdout)
    elif run.code == 1:
        assert run.stderr.startswith("Error: ") and run.stderr.count("\n") == 1


# -- 7. safety of what is written ----------------------------------------------------------------

def test_an_id_cannot_write_outside_the_corpus(tmp_path, where):
    source = tmp_path / "a.txt"
    source.write_text("1. Libraries share.\n", "utf-8")
    for bad in ("../escape", "/tmp/escape", "a/../../escape", "..", "x/y", "UPPER", " "):
        run = cli("ingest", str(source), "--id", bad, "--format", "json", *where)
        assert run.code == 1, bad
        assert json.loads(run.stdout)["files"][0]["reason"] == f"invalid id {bad!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "corpus"]
    assert not list((tmp_path / "corpus").rglob("*.md"))


def test_a_documents_folder_linking_outside_the_corpus_is_refused(tmp_path, where):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "documents").symlink_to(outside)
    source = tmp_path / "a.txt"
    source.write_text("1. Libraries share.\n", "utf-8")
    run = cli("ingest", str(source), *where)
    assert_one_error_line(run)
    assert "outside the corpus: refusing to write there" in run.stderr
    assert not list(outside.iterdir())


def test_a_document_file_linking_outside_is_never_written_through(tmp_path, where):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nid: victim\ntitle: Victim\n---\n\n1. Original words.\n", "utf-8")
    (tmp_path / "corpus" / "documents").mkdir(parents=True)
    (tmp_path / "corpus" / "documents" / "victim.md").symlink_to(outside)
    source = tmp_path / "new.txt"
    source.write_text("1. Replacement words.\n", "utf-8")
    code, files = ingest_json(str(source), "--id", "victim", "--replace", *where)
    assert code == 1
    assert files["new.txt"]["reason"].startswith("document id 'victim' would write outside")
    assert outside.read_text("utf-8").endswith("1. Original words.\n")


def test_links_out_of_an_ingested_folder_are_not_followed(tmp_path, where):
    secret = tmp_path / "secret.txt"
    secret.write_text("1. Private key material.\n", "utf-8")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").symlink_to(secret)
    (inbox / "sub").symlink_to(tmp_path)
    (inbox / "inside.txt").write_text("1. Public words.\n", "utf-8")
    (inbox / "alias.txt").symlink_to(inbox / "inside.txt")
    code, files = ingest_json(str(inbox), *where)
    assert code == 1
    assert files["notes.txt"]["reason"] == "a link to a file outside the folder (not followed)"
    assert files["sub"]["reason"] == "a link to a folder (not followed)"
    assert files["inside.txt"]["status"] == "archived"
    assert "alias.txt" not in files  # the same file once
    assert json.loads(ok("search", "private", "--format", "json", *where))["total"] == 0


def test_an_unreadable_archived_document_is_not_overwritten(tmp_path, where):
    documents = tmp_path / "corpus" / "documents"
    documents.mkdir(parents=True)
    broken = documents / "accord.md"
    broken.write_text("---\nid: accord\ntitle: [unclosed\n---\n\n1. Precious words.\n", "utf-8")
    source = tmp_path / "accord.txt"
    source.write_text("1. Other words.\n", "utf-8")
    code, files = ingest_json(str(source), *where)
    assert code == 1
    assert files["accord.txt"]["reason"] == "documents/accord.md exists but cannot be read"
    assert "Precious words" in broken.read_text("utf-8")


def test_csv_output_neutralises_formula_cells(small_archive):
    rows = list(csv.DictReader(io.StringIO(ok("search", "library", "--format", "csv",
                                              *small_archive))))
    assert sorted(row["text"] for row in rows) == ["'+SUM(A1) library sums", "'-2 library minus",
                                                   "'=1+2 library cells", "'@cmd library at"]


def test_json_output_stays_valid_with_control_characters_in_a_source(small_archive):
    """The corpus reader drops control characters from front matter (issue 9): the JSON is
    valid and holds the words without them."""
    doc = json.loads(ok("show", "formulas", "--format", "json", *small_archive))
    assert doc["source"]["note"] == "bell and escape[0m in a source"
    json.loads(ok("docs", "--format", "json", *small_archive))


def test_control_characters_and_bad_bytes_in_file_names_cannot_forge_report_lines(tmp_path,
                                                                                  where):
    forged = tmp_path / "evil\narchived  fake.txt"
    forged.write_text("1. Libraries share.\n", "utf-8")
    undecodable = Path(os.fsdecode(bytes(tmp_path) + b"/bad\xffname.txt"))
    undecodable.write_text("1. Libraries lend.\n", "utf-8")
    run = cli("ingest", str(forged), str(undecodable), *where)
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 3 and lines[-1] == "2 archived"
    assert "evil\\x0aarchived  fake.txt" in lines[0] and "bad\ufffdname.txt" in lines[1]
    data = json.loads(cli("ingest", str(forged), "--format", "json", *where).stdout)
    assert data["files"][0]["status"] == "unchanged"
    shown = json.loads(ok("show", data["files"][0]["doc_id"], "--format", "json", *where))
    assert shown["source"]["original_name"] == printable_name(forged.name) \
        == "evil\\x0aarchived  fake.txt"
    assert shown["source"]["file"].startswith("sources/")


@pytest.mark.parametrize("separator", [" ", "\t"])
def test_front_matter_guards_hold_whichever_parser_loads_it(separator):
    """libyaml accepts a tab PyYAML refuses: the alias and depth guards read the events of
    the parser that loads the text, so a tab cannot switch them off."""
    from initiative_archive.corpus import split_front_matter
    from initiative_archive.errors import CorpusError

    levels = ["&l0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"&l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 8)]
    bomb = (f"---\nid:{separator}demo\n" + "\n".join(f"k{i}: {v}" for i, v in enumerate(levels))
            + "\n---\nbody\n")
    with pytest.raises(CorpusError, match="alias"):
        split_front_matter(bomb, "bomb.md")
    deep = f"---\nid:{separator}x\nk: " + "[" * 600 + "]" * 600 + "\n---\nbody\n"
    with pytest.raises(CorpusError, match="nested"):
        split_front_matter(deep, "deep.md")
