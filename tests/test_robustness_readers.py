"""Issue 9, items 4, 9 and 13: every reader works to a budget, counted as it goes, so a small
hostile file is refused in seconds with a one-line reason; entity references in Word runs keep
the text after them; a declared codec that is not a text encoding is ignored; text an HTML page
hides is not archived; jieba's cache is the user's own.

The hostile files are built here, byte by byte, in the shapes the issue reports: a 200 KB .docx
with 30,000 styles, a .docx of 200,000 empty paragraphs, a few-KB PDF whose page tree shares
one page (and one content stream) 90,000 times.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib

import pytest
from conftest import pdf_file

from initiative_archive.errors import IngestError
from initiative_archive.ingest import Limits
from initiative_archive.readers import Budget, read_source
from initiative_archive.readers.decode import decode_bytes, sniff_declared
from initiative_archive.readers.docx import docx_to_text
from initiative_archive.readers.html import html_to_text
from initiative_archive.readers.pdf import pdf_to_text

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
PKG = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml"
PARTS = {
    "[Content_Types].xml": (
        f'<Types xmlns="{PKG}/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{WORD_TYPE}.document.main+xml"/>'
        f'<Override PartName="/word/styles.xml" ContentType="{WORD_TYPE}.styles+xml"/></Types>'),
    "_rels/.rels": (f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
                    f'Type="{OFFICE}/officeDocument" Target="word/document.xml"/>'
                    f'</Relationships>'),
    "word/_rels/document.xml.rels": (f'<Relationships xmlns="{PKG}/relationships">'
                                     f'<Relationship Id="rId1" Type="{OFFICE}/styles" '
                                     f'Target="styles.xml"/></Relationships>'),
}


def docx(body: str, styles: str = "", doctype: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in PARTS.items():
            package.writestr(name, xml)
        package.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>{doctype}'
                         f'<w:document {W}><w:body>{body}</w:body></w:document>')
        package.writestr("word/styles.xml", f"<w:styles {W}>{styles}</w:styles>")
    return out.getvalue()


def para(text: str, style: str = "") -> str:
    pstyle = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{pstyle}<w:r><w:t>{text}</w:t></w:r></w:p>"


def many_styles(n: int = 30_000, paragraphs: int = 2_000) -> bytes:
    styles = "".join(f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="Style {i}"/>'
                     f"</w:style>" for i in range(n))
    return docx("".join(para(f"Paragraph {i}.", f"S{n - 1 - i}") for i in range(paragraphs)),
                styles)


def pdf(fan: int = 300, ops: int = 200) -> bytes:
    """A page tree of two levels, each node's Kids one object repeated ``fan`` times: fan**2
    pages in a few kilobytes, all drawing one shared content stream of ``ops`` operations."""
    content = b"BT /F1 12 Tf 72 712 Td " + b" ".join(b"(word%d) Tj" % i for i in range(ops))
    stream = zlib.compress(content + b" ET")
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Count %d /Kids [%s] >>" % (fan * fan, b"3 0 R " * fan),
        3: b"<< /Type /Pages /Parent 2 0 R /Count %d /Kids [%s] >>" % (fan, b"4 0 R " * fan),
        4: b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
           b"/Resources << /Font << /F1 6 0 R >> >> >>",
        5: b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream),
                                                                              stream),
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    return pdf_file([objects[n] for n in sorted(objects)])


def refused_quickly(read, data: bytes, *words: str, seconds: float = 3.0) -> str:
    started = time.monotonic()
    with pytest.raises(IngestError) as caught:
        read(data)
    assert time.monotonic() - started < seconds
    message = caught.value.message
    assert "\n" not in message and caught.value.hint.startswith("raise it with --max-")
    for word in words:
        assert word in message
    return message


# -- item 4: budgets -----------------------------------------------------------------------------

def test_a_small_docx_with_30000_styles_is_refused_in_seconds():
    data = many_styles()
    assert len(data) < 250_000
    refused_quickly(lambda d: docx_to_text(d, "styles.docx"), data, "5,000 styles")


def test_a_docx_of_200000_empty_paragraphs_is_refused_in_seconds():
    data = docx("<w:p/>" * 200_000 + para("1. The end."))
    assert len(data) < 60_000
    refused_quickly(lambda d: docx_to_text(d, "empty.docx"), data, "50,000 paragraphs")


def test_a_docx_within_the_budget_reads_in_linear_time():
    """Styles are looked up in a table: 4,000 styles and 4,000 styled paragraphs read fast
    (python-docx alone searched every style for every paragraph)."""
    started = time.monotonic()
    body, _, provenance, _ = docx_to_text(many_styles(4_000, 4_000), "fine.docx")
    assert time.monotonic() - started < 3
    assert provenance["paragraphs"] == 4_000 and "Paragraph 3999." in body


def test_headings_still_come_from_style_names():
    styles = ('<w:style w:type="paragraph" w:styleId="H1"><w:name w:val="heading 1"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="T"><w:name w:val="Title"/></w:style>')
    body, *_ = docx_to_text(docx(para("Minutes", "T") + para("Part one", "H1") + para("Text."),
                                 styles), "h.docx")
    assert body == "# Minutes\n\n# Part one\n\nText.\n"


def test_a_pdf_of_90000_pages_sharing_one_stream_is_refused_in_seconds():
    data = pdf(300)
    assert len(data) < 10_000
    refused_quickly(lambda d: pdf_to_text(d, "shared.pdf"), data, "2,000 pages")


def test_a_page_tree_of_27_million_pages_is_counted_without_walking_it():
    data = pdf(5_200)  # 27 million pages in one file of about 60 KB
    refused_quickly(lambda d: pdf_to_text(d, "deep.pdf"), data, "pages")


def test_content_stream_operations_are_charged_as_they_are_read():
    small = Budget(max_operations=5_000)
    refused_quickly(lambda d: pdf_to_text(d, "ops.pdf", small), pdf(10, 100),
                    "5,000 content-stream operations")
    refused_quickly(lambda d: pdf_to_text(d, "page.pdf", small), pdf(1, 2_000),
                    "content-stream operations on page 1")
    body, _, provenance, _ = pdf_to_text(pdf(3, 100), "fine.pdf", small)
    assert provenance["page_count"] == 9 and "word99" in body


def test_the_budget_reaches_the_readers_through_read_source(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf(5))
    assert read_source(path).provenance["page_count"] == 25
    with pytest.raises(IngestError, match="20 pages"):
        read_source(path, budget=Budget(max_pages=20))


def test_the_ingest_limits_default_to_the_reader_budget():
    limits, budget = Limits(), Budget()
    assert (limits.max_pages, limits.max_pdf_operations, limits.max_paragraphs,
            limits.max_styles) == (budget.max_pages, budget.max_operations,
                                   budget.max_paragraphs, budget.max_styles)


def test_ingest_refuses_each_hostile_file_in_one_line_within_seconds(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "styles.docx").write_bytes(many_styles())
    (inbox / "empty.docx").write_bytes(docx("<w:p/>" * 200_000))
    (inbox / "shared.pdf").write_bytes(pdf(300))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "initiative_archive", "ingest", str(inbox),
                           "--corpus", str(tmp_path / "corpus"), "--format", "json"],
                          capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 15
    assert "Traceback" not in done.stderr
    files = {os.path.basename(f["path"]): f for f in json.loads(done.stdout)["files"]}
    assert {name: f["status"] for name, f in files.items()} == dict.fromkeys(
        ("empty.docx", "shared.pdf", "styles.docx"), "rejected")
    assert "over the limit" in files["shared.pdf"]["reason"]


# -- item 13: smaller reader fixes -----------------------------------------------------------------

def test_text_after_an_entity_reference_in_a_docx_run_is_kept():
    doctype = ('<!DOCTYPE w:document [<!ENTITY co "the Company">'
               '<!ENTITY far SYSTEM "file:///etc/passwd">]>')
    data = docx(para("1. &co; agrees to lend &amp; borrow &far;books, every year."),
                doctype=doctype)
    body, *_ = docx_to_text(data, "entity.docx")
    assert body == "1. the Company agrees to lend & borrow books, every year.\n"
    assert "root:" not in body


@pytest.mark.parametrize("codec", ["unicode_escape", "raw_unicode_escape", "rot13", "base64",
                                   "hex", "zlib", "punycode", "utf-7", "idna"])
def test_a_declared_codec_that_is_not_a_text_encoding_never_rewrites_the_text(codec):
    data = (f'<meta charset="{codec}"><p>Caf\\u00e9 \\x41 +AGEAYgBj- rovgf, '.encode()
            + "图书馆".encode("gbk") + b"</p>")
    assert sniff_declared(data) is None
    text, encoding, _ = decode_bytes(data, "page.html", sniff_declared(data))
    assert "Caf\\u00e9 \\x41 +AGEAYgBj- rovgf" in text and "图书馆" in text
    assert encoding == "gbk"


def test_a_declared_real_encoding_is_still_used():
    assert sniff_declared(b'<meta charset="GB2312">') == "gb2312"
    assert sniff_declared(b'<?xml version="1.0" encoding="big5"?>') == "big5"


def test_html_text_the_page_hides_is_not_archived():
    body, _ = html_to_text(
        "<html><body><p>1. Shown first.</p><p hidden>Secret A</p>"
        '<div style="color: red; DISPLAY : none !important">Secret B<p>Secret C</p></div>'
        '<span style="visibility:hidden">Secret D</span><p style="display: block">'
        "2. Shown second.</p><section hidden><div hidden>Secret E</div></section></body></html>")
    assert body == "1. Shown first.\n\n2. Shown second.\n"


# -- item 9: jieba's cache is the user's own -----------------------------------------------------

JIEBA = """
from initiative_archive.analysis import jieba_tokenizer
print(jieba_tokenizer().tmp_dir)
"""


def test_jiebas_cache_is_written_in_a_folder_of_the_users_own(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(tmp_path / "t"))
    (tmp_path / "t").mkdir()
    done = subprocess.run([sys.executable, "-c", JIEBA], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "cache" / "initiative-archive"
    assert done.stdout.strip() == str(folder)
    assert (folder / "jieba.cache").is_file() and folder.stat().st_mode & 0o077 == 0
    assert not (tmp_path / "t" / "jieba.cache").exists()


def test_a_planted_link_for_the_cache_folder_is_not_followed(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "cache" / "initiative-archive").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "t").mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), TMPDIR=str(tmp_path / "t"))
    done = subprocess.run([sys.executable, "-c", JIEBA], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "t" / f"initiative-archive-{os.getuid()}")
    assert not list((tmp_path / "elsewhere").iterdir())
