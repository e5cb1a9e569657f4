"""Word (.docx) -> body text with python-docx: paragraphs and tables in document order.

Headings become Markdown headings and Word's automatic list numbers are written out
(``1.``, ``(a)``, ``一、`` as the list defines them), so the clause splitter sees the structure a
reader sees. Headers, footers and comments stay out, like an HTML page's furniture.

A Word document has no fixed pages (they depend on the printer and fonts), so the provenance
records paragraphs, never page numbers.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from ..errors import IngestError
from ..numerals import int_to_chinese
from .decode import clean_text, tidy_body, what_it_is

MAX_UNPACKED = 200 * 1024 * 1024  # a .docx is a ZIP: refuse one that unpacks to more (a bomb)
NO_PAGES = "a Word document has no fixed pages: clauses are located by paragraph, not page"
_W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_CHINESE_FORMATS = {"chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
                    "ideographTraditional", "ideographDigital", "japaneseCounting",
                    "taiwaneseCounting", "taiwaneseCountingThousand"}


def docx_to_text(data: bytes, where: str) -> tuple[str, dict[str, Any], dict[str, Any],
                                                   list[str]]:
    """(body, metadata such as the title, provenance with ``paragraphs``, notes)."""
    _check_package(data, where)
    try:
        blocks, title = _read(data)
    except Exception as exc:  # python-docx and lxml raise assorted errors on damaged files
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise IngestError(f"{where}: a damaged Word (.docx) document that cannot be read "
                          f"({first})", "open and save it again in Word") from None
    text, notes = clean_text("\n\n".join(blocks), where)
    if not text.strip():
        raise IngestError(f"{where}: no text in the Word document")
    meta = {"title": title} if title else {}
    return tidy_body(text), meta, {"paragraphs": len(blocks)}, [*notes, NO_PAGES]


def _check_package(data: bytes, where: str) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise IngestError(f"{where}: an old Word .doc file, not .docx", "save it as .docx")
    if not data.startswith(b"PK\x03\x04"):
        raise IngestError(f"{where}: not a Word .docx document, {what_it_is(data)}",
                          "give the file the suffix of what it is")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise IngestError(f"{where}: not a readable .docx document (a damaged ZIP: {exc})",
                          "open and save it again in Word") from None
    if "word/document.xml" not in {m.filename for m in members}:
        raise IngestError(f"{where}: a ZIP archive, but not a Word .docx document")
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:
        raise IngestError(f"{where}: the .docx unpacks to {unpacked:,} bytes, over the limit "
                          f"of {MAX_UNPACKED:,}")


def _read(data: bytes) -> tuple[list[str], str]:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    numbering = _Numbering(document)
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks += _table_rows(item)
            continue
        text = item.text.strip()
        if text:
            blocks.append(_heading_prefix(item) + numbering.label(item) + text)
    title = " ".join((document.core_properties.title or "").split())
    return blocks, title if len(title) <= 200 else ""


def _heading_prefix(paragraph) -> str:
    name = paragraph.style.name if paragraph.style is not None else ""
    if name == "Title":
        return "# "
    if name.startswith("Heading ") and name[8:].isdigit():
        return "#" * min(6, int(name[8:])) + " "
    return ""


def _table_rows(table) -> list[str]:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:  # a merged cell is listed once per grid column it spans
            text = " ".join(cell.text.split())
            if text and (not cells or cells[-1] != text):
                cells.append(text)
        if cells:
            rows.append(" | ".join(cells))
    return rows


class _Numbering:
    """Word's automatic list numbers: each list level's format and text (``%1.``, ``（%1）``)
    from the numbering part, and a counter per list and level."""

    def __init__(self, document) -> None:
        try:
            self.root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            self.root = None
        self.counters: dict[tuple[str, int], int] = {}

    def label(self, paragraph) -> str:
        if self.root is None:
            return ""
        num_id, level = _num_pr(paragraph)
        if num_id is None or num_id == "0":
            return ""
        lvl = self._level(num_id, level)
        if lvl is None:
            return ""
        fmt, text, start = lvl
        self.counters[(num_id, level)] = self.counters.get((num_id, level), start - 1) + 1
        for key in [k for k in self.counters if k[0] == num_id and k[1] > level]:
            del self.counters[key]  # a new item restarts the levels below it
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""
        for n in range(level + 1, 0, -1):
            value = self.counters.get((num_id, n - 1), 1)
            text = text.replace(f"%{n}", _format(value, fmt if n - 1 == level else "decimal"))
        return text.strip() + " " if text.strip() else ""

    def _level(self, num_id: str, level: int) -> tuple[str, str, int] | None:
        abstract = _xpath(self.root, f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not abstract:
            return None
        lvl = _xpath(self.root, f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]'
                                f'/w:lvl[@w:ilvl="{level}"]')
        if not lvl:
            return None
        fmt = _xpath(lvl[0], "./w:numFmt/@w:val")
        text = _xpath(lvl[0], "./w:lvlText/@w:val")
        start = _xpath(lvl[0], "./w:start/@w:val")
        return (fmt[0] if fmt else "decimal", text[0] if text else f"%{level + 1}.",
                int(start[0]) if start and start[0].isdigit() else 1)


def _num_pr(paragraph) -> tuple[str | None, int]:
    """The list a paragraph belongs to: its own numbering, or its style's."""
    for element in (paragraph._p, getattr(paragraph.style, "element", None)):
        if element is None:
            continue
        num = _xpath(element, "./w:pPr/w:numPr/w:numId/@w:val")
        if num:
            ilvl = _xpath(element, "./w:pPr/w:numPr/w:ilvl/@w:val")
            return num[0], int(ilvl[0]) if ilvl and ilvl[0].isdigit() else 0
    return None, 0


def _xpath(element, path: str) -> list:
    """XPath with Word's namespace, on python-docx's elements and plain lxml ones alike (ids
    are quoted from the file itself: a quote in one simply matches nothing)."""
    from lxml import etree

    try:
        return etree._Element.xpath(element, path, namespaces=_W)
    except etree.XPathError:
        return []


def _format(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman if fmt == "lowerRoman" else roman.upper()
    if fmt in _CHINESE_FORMATS:
        return int_to_chinese(n)
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    return str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while n >= value:
            out += letters
            n -= value
    return out
