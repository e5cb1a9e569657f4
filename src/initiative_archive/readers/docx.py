"""Word (.docx) -> body text with python-docx: paragraphs and tables in document order.

Headings become Markdown headings and Word's automatic list numbers are written out
(``1.``, ``(a)``, ``一、`` as the list defines them), so the clause splitter sees the structure a
reader sees. Headers, footers and comments stay out, like an HTML page's furniture.

A Word document has no fixed pages (they depend on the printer and fonts), so the provenance
records paragraphs, never page numbers.

The work is budgeted (``budget.Budget``): paragraphs, styles and list definitions are counted in
the package's XML, streamed, before python-docx builds anything, and styles and list levels are
looked up in tables built once (python-docx searches every style for each paragraph, which made
30,000 styles take forty minutes). An entity reference in a run (``&co;``, declared in the
document's own DTD) keeps the text after it: simple internal entities are spelled out, any other
is dropped, and nothing is fetched.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from ..errors import IngestError
from ..numerals import int_to_chinese
from .budget import DEFAULT_BUDGET, Budget, Meter
from .decode import clean_text, tidy_body, what_it_is

MAX_UNPACKED = 200 * 1024 * 1024  # a .docx is a ZIP: refuse one that unpacks to more (a bomb)
NO_PAGES = "a Word document has no fixed pages: clauses are located by paragraph, not page"
_W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_WNS = "{" + _W["w"] + "}"
_MAX_ENTITY_CHARS = 1_000  # an internal entity longer than this is dropped, not spelled out
_CHINESE_FORMATS = {"chineseCounting", "chineseCountingThousand", "chineseLegalSimplified",
                    "ideographTraditional", "ideographDigital", "japaneseCounting",
                    "taiwaneseCounting", "taiwaneseCountingThousand"}


def docx_to_text(data: bytes, where: str, budget: Budget = DEFAULT_BUDGET
                 ) -> tuple[str, dict[str, Any], dict[str, Any], list[str]]:
    """(body, metadata such as the title, provenance with ``paragraphs``, notes)."""
    _check_package(data, where, budget)
    try:
        blocks, title = _read(data)
    except IngestError:
        raise
    except Exception as exc:  # python-docx and lxml raise assorted errors on damaged files
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise IngestError(f"{where}: a damaged Word (.docx) document that cannot be read "
                          f"({first})", "open and save it again in Word") from None
    text, notes = clean_text("\n\n".join(blocks), where)
    if not text.strip():
        raise IngestError(f"{where}: no text in the Word document")
    meta = {"title": title} if title else {}
    return tidy_body(text), meta, {"paragraphs": len(blocks)}, [*notes, NO_PAGES]


def _check_package(data: bytes, where: str, budget: Budget) -> None:
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
    _count_parts(data, where, budget)


def _count_parts(data: bytes, where: str, budget: Budget) -> None:
    """Count paragraphs, styles and list definitions by streaming the parts' XML, before
    python-docx builds anything from them; the first count over its limit refuses the file."""
    paragraphs = budget.meter("paragraphs", where)
    styles = budget.meter("styles", where)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = set(package.namelist())
        for name, tags, meter in (
                ("word/styles.xml", ("style",), styles),
                ("word/numbering.xml", ("abstractNum", "num"), styles),
                ("word/document.xml", ("p",), paragraphs)):
            if name in names:
                with package.open(name) as part:
                    _count_elements(part, {_WNS + t for t in tags}, meter)


def _count_elements(part, tags: set[str], meter: Meter) -> None:
    from lxml import etree

    try:
        for _, element in etree.iterparse(part, events=("end",), resolve_entities=False,
                                          no_network=True, load_dtd=False, huge_tree=False):
            if element.tag in tags:
                meter.charge()
            if element.getparent() is not None and element.tag != _WNS + "body":
                element.clear(keep_tail=True)  # memory stays flat however long the part
    except etree.XMLSyntaxError:
        return  # a damaged part: python-docx's own error names it


def _read(data: bytes) -> tuple[list[str], str]:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    _spell_out_entities(document.element)
    styles = _Styles(document)
    numbering = _Numbering(document, styles)
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks += _table_rows(item)
            continue
        text = item.text.strip()
        if text:
            blocks.append(_heading_prefix(styles.name(item)) + numbering.label(item) + text)
    title = " ".join((document.core_properties.title or "").split())
    return blocks, title if len(title) <= 200 else ""


def _spell_out_entities(root) -> None:
    """python-docx keeps an entity reference (``&co;``) as a node of its own inside ``w:t``,
    and a run's text then ends before it. Fold each into the text: an internal entity of plain
    text is spelled out, any other dropped, and the text after it kept."""
    from lxml import etree

    values: dict[str, str] = {}
    dtd = root.getroottree().docinfo.internalDTD
    for entity in dtd.iterentities() if dtd is not None else ():
        content = entity.content or ""
        if len(content) <= _MAX_ENTITY_CHARS and not any(c in content for c in "&<%"):
            values[entity.name] = content
    for t in root.iter(_WNS + "t"):
        nodes = [n for n in t if isinstance(n, etree._Entity)]
        if not nodes:
            continue
        text = t.text or ""
        for node in nodes:
            text += values.get(node.name, "") + (node.tail or "")
            t.remove(node)
        t.text = text


class _Styles:
    """Style id -> (name as Word shows it, element), built once: python-docx looks a style up
    by searching them all, for every paragraph."""

    def __init__(self, document) -> None:
        from docx.styles import BabelFish

        self.by_id: dict[str, tuple[str, Any]] = {}
        self.default: tuple[str, Any] = ("", None)
        try:
            root = document.part.styles.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for style in root.iterchildren(_WNS + "style"):
            name = style.find(_WNS + "name")
            entry = (BabelFish.internal2ui(name.get(_WNS + "val") or "")
                     if name is not None else "", style)
            self.by_id.setdefault(style.get(_WNS + "styleId") or "", entry)
            if style.get(_WNS + "type") == "paragraph" and style.get(_WNS + "default") in (
                    "1", "true", "on"):
                self.default = entry

    def of(self, paragraph) -> tuple[str, Any]:
        return self.by_id.get(paragraph._p.style or "", self.default)

    def name(self, paragraph) -> str:
        return self.of(paragraph)[0]

    def element(self, paragraph) -> Any:
        return self.of(paragraph)[1]


def _heading_prefix(name: str) -> str:
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

    def __init__(self, document, styles: _Styles) -> None:
        try:
            self.root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            self.root = None
        self.styles = styles
        self.counters: dict[tuple[str, int], int] = {}
        self.levels: dict[tuple[str, int], tuple[str, str, int] | None] = {}

    def label(self, paragraph) -> str:
        if self.root is None:
            return ""
        num_id, level = _num_pr(paragraph._p, self.styles.element(paragraph))
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
        """Looked up once per list and level: XPath searches the whole numbering part."""
        if (num_id, level) not in self.levels:
            self.levels[(num_id, level)] = self._find_level(num_id, level)
        return self.levels[(num_id, level)]

    def _find_level(self, num_id: str, level: int) -> tuple[str, str, int] | None:
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


def _num_pr(p, style) -> tuple[str | None, int]:
    """The list a paragraph belongs to: its own numbering, or its style's."""
    for element in (p, style):
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
