"""Request parameters -> the library's records, and text -> marked runs for the templates.

A search lives in its URL (``/?q=...&lang=zh&page=2``), so it can be bookmarked and shared;
the names follow the CLI's options (``doc``, ``kind``, ``lang``, ``role``, ``from``, ``to``,
``match``, ``group``, ``noexpand``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..corpus import ISO_DATE, KINDS
from ..engine import Filters
from ..errors import QueryError
from ..language import detect_lang

PER_PAGE = 20
MAX_PAGE = 50  # 1,000 hits deep is far enough for a reader; the index is not paged
KIND_CHOICES = (*KINDS, "meeting")
LANG_CHOICES = (("en", "English"), ("zh", "Chinese (both scripts)"),
                ("zh-Hans", "Chinese, simplified"), ("zh-Hant", "Chinese, traditional"))
ROLE_CHOICES = ("preamble", "note", "operative", "heading", "closing")
ROLE_NAMES = {"preamble": "Preamble", "note": "Notes", "operative": "Operative part",
              "heading": "Headings", "closing": "Closing"}


@dataclass
class SearchForm:
    """The search page's parameters, checked."""

    q: str = ""
    docs: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    match: str = "any"
    group: bool = False
    expand: bool = True
    page: int = 1

    @property
    def filters(self) -> Filters:
        return Filters(docs=list(self.docs), kinds=list(self.kinds), langs=list(self.langs),
                       roles=list(self.roles), date_from=self.date_from or None,
                       date_to=self.date_to or None)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this search, with changes (another page)."""
        data: dict[str, Any] = {"q": self.q, "doc": self.docs, "kind": self.kinds,
                                "lang": self.langs, "role": self.roles, "from": self.date_from,
                                "to": self.date_to, "match": "all" if self.match == "all" else "",
                                "group": "doc" if self.group else "",
                                "noexpand": "" if self.expand else "1", "page": self.page}
        data.update(changes)
        return {k: v for k, v in data.items() if v not in ("", [], None, 1) or k == "q"}


def search_form(args: Any) -> SearchForm:
    """Read a search from the query string; a value no option allows is a QueryError whose
    message the page shows."""
    def many(name: str, allowed: tuple[str, ...] | None = None) -> list[str]:
        values = [v.strip() for v in args.getlist(name) if v.strip()]
        for value in values:
            if allowed is not None and value not in allowed:
                raise QueryError(f"{name} {value!r} is not one of {', '.join(allowed)}")
        return values

    form = SearchForm(q=args.get("q", "").strip(), docs=many("doc"),
                      kinds=many("kind", KIND_CHOICES),
                      langs=many("lang", tuple(code for code, _ in LANG_CHOICES)),
                      roles=many("role", ROLE_CHOICES),
                      date_from=args.get("from", "").strip(), date_to=args.get("to", "").strip(),
                      match="all" if args.get("match") == "all" else "any",
                      group=args.get("group") == "doc", expand=not args.get("noexpand"))
    for name, value in (("from", form.date_from), ("to", form.date_to)):
        if value and not ISO_DATE.match(value):
            raise QueryError(f"the date {name} {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    if form.date_from and form.date_to and form.date_from[:len(form.date_to)] > form.date_to:
        raise QueryError(f"the date from {form.date_from} is after the date to {form.date_to}")
    page = args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= MAX_PAGE:
        raise QueryError(f"page {page!r} is not a page number from 1 to {MAX_PAGE}")
    form.page = int(page)
    return form


# -- marked runs ---------------------------------------------------------------------------------

def marked(text: str, spans: Any) -> list[tuple[str, bool]]:
    """``text`` cut into (piece, highlighted) runs at the hit's highlight spans; the template
    escapes each piece and wraps the highlighted ones in <mark>."""
    runs: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        if start < at or start >= end:
            continue
        if start > at:
            runs.append((text[at:start], False))
        runs.append((text[start:end], True))
        at = end
    if at < len(text):
        runs.append((text[at:], False))
    return runs


_DIFF = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def diff_runs(diff: str) -> list[tuple[str, str]]:
    """verify's diff (``[-source-]{+quotation+}``) as (kind, text) runs: same, del, ins."""
    runs: list[tuple[str, str]] = []
    at = 0
    for m in _DIFF.finditer(diff):
        if m.start() > at:
            runs.append(("same", diff[at:m.start()]))
        runs.append(("del", m.group(1)) if m.group(1) is not None else ("ins", m.group(2)))
        at = m.end()
    if at < len(diff):
        runs.append(("same", diff[at:]))
    return runs


def lang_of(text: str, default: str = "en") -> str:
    """The BCP 47 tag of a piece of text (``lang`` attributes, so Chinese gets its fonts)."""
    found = detect_lang(str(text or ""))
    return default if found == "und" else found
