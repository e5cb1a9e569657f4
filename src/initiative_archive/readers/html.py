"""HTML -> body text with beautifulsoup4: the page's words, without its furniture.

Script, style, navigation, header, footer and form text never enter the archive. Headings
become Markdown headings and ordered-list items get their visible numbers, so the clause
splitter sees the structure a reader sees.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # bs4 costs a tenth of a second to import: only when HTML is read
    from bs4 import Tag

_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "form", "button",
         "iframe", "svg", "canvas", "select", "aside", "menu")
_BLOCKS = {"p", "div", "section", "article", "main", "blockquote", "li", "dd", "dt", "tr",
           "table", "ul", "ol", "dl", "pre", "address", "figure", "figcaption", "br", "hr",
           "h1", "h2", "h3", "h4", "h5", "h6", "body", "center", "td", "th"}


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or ("<body" in head and "</" in head)


def html_to_text(markup: str) -> tuple[str, dict[str, Any]]:
    """(body text with blank lines between blocks, metadata found in the page)."""
    from bs4 import BeautifulSoup, Tag

    soup = BeautifulSoup(markup, "html.parser")
    meta: dict[str, Any] = {}
    if soup.title and soup.title.get_text(strip=True):
        meta["title"] = " ".join(soup.title.get_text().split())
    lang = soup.html.get("lang") if isinstance(soup.html, Tag) else None
    if lang:
        meta["lang"] = str(lang)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    if soup.head:
        soup.head.decompose()
    blocks: list[str] = []
    _collect(soup, blocks, [""])
    text = "\n\n".join(b for b in (" ".join(x.split()) for x in blocks) if b)
    if "title" not in meta:
        h1 = soup.find("h1")
        if h1 is not None and h1.get_text(strip=True):
            meta["title"] = " ".join(h1.get_text().split())
    return text + "\n", meta


def _collect(node: Tag, blocks: list[str], current: list[str]) -> None:
    """Walk without recursion limits: deep nesting in hostile pages must not overflow."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    skipped = (Comment, Declaration, Doctype, ProcessingInstruction)
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        item, closing = stack.pop()
        if closing:
            _flush(blocks, current)
            continue
        if isinstance(item, skipped):
            continue
        if isinstance(item, NavigableString):
            current[0] += str(item)
            continue
        if not isinstance(item, Tag):
            continue
        if item.name in _BLOCKS:
            _flush(blocks, current)
            current[0] = _prefix(item)
            stack.append((item, True))
        stack.extend((child, False) for child in reversed(item.contents))


def _flush(blocks: list[str], current: list[str]) -> None:
    if current[0].strip() and current[0].strip() not in ("#", "##", "###", "-"):
        blocks.append(current[0])
    current[0] = ""


def _prefix(tag: Tag) -> str:
    from bs4 import Tag

    if re.fullmatch(r"h[1-6]", tag.name):
        return "#" * int(tag.name[1]) + " "
    if tag.name == "li":
        parent = tag.parent
        if isinstance(parent, Tag) and parent.name == "ol":
            items = [li for li in parent.find_all("li", recursive=False)]
            start_attr = str(parent.get("start") or "1")
            start = int(start_attr) if start_attr.isdigit() else 1
            if _has_own_number(tag):
                return ""
            return f"{start + items.index(tag)}. "
        return "- "
    return ""


def _has_own_number(tag: Tag) -> bool:
    text = tag.get_text(" ", strip=True)[:8]
    return bool(re.match(r"^(\(?\d+[.)]|[（(][一二三四五六七八九十]+[)）]|第)", text))
