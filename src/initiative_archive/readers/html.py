"""HTML -> body text with beautifulsoup4: the page's words, without its furniture.

Script, style, navigation, header, footer and form text never enter the archive, nor does text
the page hides (the ``hidden`` attribute, ``display: none``, ``visibility: hidden``). Headings
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
_HIDING_STYLE = re.compile(r"(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse))"
                           r"\s*(?:!\s*important\s*)?(?:;|$)", re.IGNORECASE)
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
    if soup.title:
        meta["title"] = _title(soup.title.get_text())
    lang = _lang(soup.html.get("lang")) if isinstance(soup.html, Tag) else ""
    if lang:
        meta["lang"] = lang
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for tag in soup.find_all(_is_hidden):
        if not tag.decomposed:
            tag.decompose()
    if soup.head:
        soup.head.decompose()
    blocks: list[str] = []
    _collect(soup, blocks, [""])
    text = "\n\n".join(b for b in (" ".join(x.split()) for x in blocks) if b)
    if not meta.get("title"):
        h1 = soup.find("h1")
        meta["title"] = _title(h1.get_text()) if h1 is not None else ""
    return text + "\n", {k: v for k, v in meta.items() if v}


def _is_hidden(tag: Tag) -> bool:
    """Text a browser does not show: ``hidden`` or an inline style that hides it."""
    if tag.has_attr("hidden"):
        return True
    style = tag.get("style")
    return isinstance(style, str) and bool(_HIDING_STYLE.search(style))


def _title(text: str) -> str:
    """A page title worth keeping: one line, not a paragraph's length."""
    title = " ".join(text.split())
    return title if len(title) <= 200 else ""


def _lang(value: Any) -> str:
    """The page's language as the archive tags it (en, zh-Hans, zh-Hant, another two- or
    three-letter code); '' when it says nothing usable, so the text's script decides."""
    tag = str(value or "").strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        if any(mark in tag for mark in ("hant", "-tw", "-hk", "-mo")):
            return "zh-Hant"
        return "zh-Hans" if any(mark in tag for mark in ("hans", "-cn", "-sg")) else ""
    primary = tag.split("-")[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def _collect(node: Tag, blocks: list[str], current: list[str]) -> None:
    """Walk without recursion limits: deep nesting in hostile pages must not overflow.

    Ordered lists number their items as the page shows them: a counter per open list, so an
    item left unclosed (``<li>a<li>b``, which the parser nests) still takes the next number,
    and identical items still get their own numbers."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction

    skipped = (Comment, Declaration, Doctype, ProcessingInstruction)
    lists: list[list[Any]] = []  # [is ordered, next number] per open <ol>/<ul>
    stack: list[tuple[Any, str]] = [(node, "open")]
    while stack:
        item, action = stack.pop()
        if action == "close-block":
            _flush(blocks, current)
            continue
        if action == "close-list":
            lists.pop()
            continue
        if isinstance(item, skipped):
            continue
        if isinstance(item, NavigableString):
            current[0] += str(item)
            continue
        if not isinstance(item, Tag):
            continue
        if item.name in ("ol", "ul"):
            lists.append([item.name == "ol", _start(item)])
            stack.append((item, "close-list"))
        if item.name in _BLOCKS:
            _flush(blocks, current)
            current[0] = _prefix(item, lists)
            stack.append((item, "close-block"))
        stack.extend((child, "open") for child in reversed(item.contents))
    _flush(blocks, current)  # words after the last block, or in a page with no blocks


def _flush(blocks: list[str], current: list[str]) -> None:
    if current[0].strip() and current[0].strip() not in ("#", "##", "###", "-"):
        blocks.append(current[0])
    current[0] = ""


def _start(tag: Tag) -> int:
    start = str(tag.get("start") or "1").strip()
    return int(start) if start.isdigit() and len(start) < 7 else 1


def _prefix(tag: Tag, lists: list[list[Any]]) -> str:
    if re.fullmatch(r"h[1-6]", tag.name):
        return "#" * int(tag.name[1]) + " "
    if tag.name != "li":
        return ""
    if not lists or not lists[-1][0]:
        return "- "
    number = lists[-1][1]
    lists[-1][1] += 1
    return "" if _has_own_number(tag) else f"{number}. "


def _has_own_number(tag: Tag) -> bool:
    """Does the item's text begin with a number of its own ('(1)', '第一条', '（一）')? Only its
    first few characters are read, however deep the item (bs4's ``strings`` first walks to
    the end of the subtree, which is quadratic over nested items)."""
    from bs4 import NavigableString, Tag
    from bs4.element import Comment

    head = ""
    stack: list[Any] = list(reversed(tag.contents))
    while stack and len(head.strip()) < 8:
        item = stack.pop()
        if isinstance(item, NavigableString) and not isinstance(item, Comment):
            head += str(item)
        elif isinstance(item, Tag):
            stack.extend(reversed(item.contents))
    return bool(re.match(r"^(\(?\d+[.)]|[（(][一二三四五六七八九十]+[)）]|第)", head.strip()[:8]))
