"""Records that cross module boundaries: documents, clauses and search hits.

No I/O here. A ``Document`` is one file of the corpus (front matter plus body); a ``Clause`` is one
unit the document's own structure makes (a preambular paragraph, a numbered proposal, an article,
its paragraphs and items); a ``Hit`` is a clause found by a search, with its score.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

#: A document's kinds, and the form of its dates (here, not in corpus.py, so that the command
#: line can offer them without loading the corpus reader).
KINDS = ("initiative", "declaration", "resolution", "law", "regulation", "minutes", "report",
         "presentation", "other")
ISO_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


@dataclass(frozen=True)
class Clause:
    """One structural unit of a document.

    ``id`` is ``<doc_id>/<path>`` where the path follows Akoma Ntoso eIds (``op_2``,
    ``art_33/para_2/item_1``). ``text`` is the source's words without the unit's own label;
    a parent's text includes its children's. ``span`` indexes the document body.
    """

    id: str
    doc_id: str
    label: str
    role: str  # preamble, note (a law's title notes, 题注), operative, heading, closing
    unit: str  # article, paragraph, item, clause, chapter, section, heading, paragraph
    text: str
    span: tuple[int, int]
    parent: str | None
    lang: str
    order: int
    own_end: int  # where the clause's own words end in the body (its first child's start)
    locator: str = ""  # the pinpoint a citation gives: "art. 33, para. 2", "第三十三条第二款"

    @property
    def path(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def depth(self) -> int:
        return self.path.count("/")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["clause_id"] = data.pop("id")
        data["span"] = list(self.span)
        return data


@dataclass
class Document:
    """A corpus document: metadata from its front matter and its body text."""

    id: str
    title: str
    body: str
    date: str = ""
    lang: str = "und"
    kind: str = "other"
    issuer: str = ""
    aliases: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # every other front-matter key
    path: str = ""  # the corpus file it was read from

    def names(self) -> list[str]:
        """Every name the document goes by: its id, title and aliases."""
        return [self.id, self.title, *self.aliases]

    def front_matter(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "aliases": list(self.aliases),
            "date": self.date,
            "lang": self.lang,
            "kind": self.kind,
            "issuer": self.issuer,
        }
        data.update(self.meta)
        data["source"] = dict(self.source)
        return {k: v for k, v in data.items() if v not in ("", [], {}, None)}


@dataclass(frozen=True)
class Hit:
    """A clause found by a search, with what is needed to read and cite it."""

    clause: Clause
    doc_title: str
    date: str
    kind: str
    score: float
    highlights: tuple[tuple[int, int], ...] = ()
    match: str = ""  # phrase, near, all or some (plain queries; see ranking.py)
    via: str = ""  # "glossary" when found (or raised) through the query's concepts

    def to_dict(self) -> dict[str, Any]:
        c = self.clause
        return {
            "clause_id": c.id,
            "doc_id": c.doc_id,
            "doc_title": self.doc_title,
            "date": self.date,
            "label": c.label,
            "role": c.role,
            "lang": c.lang,
            "text": c.text,
            "score": round(self.score, 4),
            "unit": c.unit,
            "kind": self.kind,
            "parent": c.parent,
            "locator": c.locator,
            "highlights": [list(h) for h in self.highlights],
            "match": self.match,
            "via": self.via,
        }


@dataclass
class SearchResult:
    """What a search returns: the hits shown and how many clauses matched in all."""

    query: str
    total: int
    hits: list[Hit]
    suggestion: str | None = None
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
        }
        if self.suggestion:
            data["did_you_mean"] = self.suggestion
        return data
