"""Text -> clauses: the structure a document gives itself, with stable ids.

A body is cut into *blocks* (paragraphs, headings, labelled lines), each block is classified by
its label (``第三条``, ``（一）``, ``1.``, ``(a)``, ``Article 5``, a bullet, none), and the blocks
are nested into a tree:

* Chinese laws: chapters and sections are headings and stay out of the id path; an article
  (``art_N``) holds paragraphs (``para_N``, only where it has more than one) which hold items
  (``item_N``).
* Declarations, initiatives, minutes: unlabelled paragraphs before the first numbered clause are
  ``preamble_N``; numbered or bulleted clauses are ``op_N`` with nested ``item_N``; paragraphs
  after the last one are ``closing_N``.
* Laws laid out as LawRefBook does: the paragraphs above a ``<!-- INFO END -->`` line are the
  title notes (题注: when the law was adopted and amended), ``note_N``, not a preamble.

Ids follow the spirit of Akoma Ntoso eIds and depend only on the document id and the structure,
so they survive re-indexing and re-chaptering. A clause's text is the source's words without its
own label; a parent's text includes its children's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .language import clause_lang
from .model import Clause
from .numerals import (
    CN_NUMERAL_CHARS,
    chinese_to_int,
    int_to_chinese,
    letter_to_int,
    roman_to_int,
)

_CN = f"[{CN_NUMERAL_CHARS}\\d]+"
_SP = r"[ \t\u3000]"
_MD_HEADING = re.compile(rf"^(#{{1,6}}){_SP}+(.*)$")
_DIVISION = re.compile(rf"^(第({_CN})(编|編|章|节|節))(?:{_SP}+(.*)|(.{{0,30}}))$")
_ARTICLE_CN = re.compile(rf"^(第({_CN})[条條](?:之({_CN}))?){_SP}*")
_ARTICLE_EN = re.compile(r"^((?:Article|ARTICLE|Art\.)\s+(\d+))(?:[.:]\s*|\s+|$)")
_ENUMS: list[tuple[str, re.Pattern[str]]] = [
    ("cn-dun", re.compile(rf"^(([{CN_NUMERAL_CHARS}]+)、){_SP}*")),
    ("cn-paren", re.compile(rf"^([（(]([{CN_NUMERAL_CHARS}]+)[)）]){_SP}*")),
    ("circled", re.compile(rf"^(([\u2460-\u2473])){_SP}*")),
    ("arabic-paren", re.compile(rf"^([（(](\d{{1,3}})[)）]){_SP}*")),
    ("decimal", re.compile(rf"^((\d{{1,3}}(?:\.\d{{1,3}})+)\.?){_SP}+")),
    ("arabic-dot", re.compile(rf"^((\d{{1,3}})[.．]){_SP}+")),
    ("arabic-dun", re.compile(rf"^((\d{{1,3}})、){_SP}*")),
    ("arabic-rparen", re.compile(rf"^((\d{{1,3}})[)）]){_SP}+")),
    ("roman-paren", re.compile(rf"^(\(([ivxlc]{{1,6}})\)){_SP}+")),
    ("alpha-paren", re.compile(rf"^(\(([a-z])\)){_SP}+")),
    ("ALPHA-paren", re.compile(rf"^(\(([A-Z])\)){_SP}+")),
    ("roman-dot", re.compile(rf"^(([ivxlc]{{1,6}})[.)]){_SP}+")),
    ("alpha-dot", re.compile(rf"^(([a-z])[.)]){_SP}+")),
    ("ROMAN-dot", re.compile(rf"^(([IVXLC]{{1,6}})\.){_SP}+")),
    ("bullet", re.compile(rf"^(([-*•·▪●◦‣])(?:{_SP}+[-*•·▪●◦‣])*){_SP}+")),
]
_COMMENT = re.compile(r"^<!--.*-->$")
#: The line that closes a law's title notes (题注) in the LawRefBook layout.
NOTES_END = "<!-- INFO END -->"
_BLANK_LINE = re.compile(r"\n[ \t\u3000]*\n")
_FORMAT_MARKS = re.compile(r"\*\*|__|`")
_CJK_PARAGRAPH_END = ("。", "！", "？", "；", "：", "”", "」")
_PARAGRAPH_END = (*_CJK_PARAGRAPH_END, ".", ";", ":", "!", "?", '"', "'", "’")
_TERMINAL = (".", "。", ";", "；", "!", "！", "?", "？", ":", "：", ",", "，")


@dataclass
class _Block:
    start: int
    end: int
    kind: str  # heading, division, article, enum, para, comment
    label: str = ""
    text_start: int = 0
    style: str = ""
    value: str = ""
    level: int = 0


@dataclass
class _Node:
    block: _Block
    segment: str
    role: str
    unit: str
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    extra_blocks: list[_Block] = field(default_factory=list)  # merged continuation lines
    style: str = ""
    run: int = 0  # a bullet's place in its run of bullets

    def blocks(self) -> list[_Block]:
        return [self.block, *self.extra_blocks]

    def last_end(self) -> int:
        end = max(b.end for b in self.blocks())
        for child in self.children:
            end = max(end, child.last_end())
        return end

    def path(self) -> str:
        return self.segment if self.parent is None else f"{self.parent.path()}/{self.segment}"


def split_blocks(body: str) -> list[_Block]:
    """Cut a body into blocks. A line that starts with a label or a heading always starts a
    block. Where the text uses blank lines, they separate paragraphs (a Chinese line ending a
    sentence does too); where it does not, a line ends a paragraph when it ends a sentence, so
    hard-wrapped lines are joined again."""
    blank_separated = bool(_BLANK_LINE.search(body.strip()))
    blocks: list[_Block] = []
    offset = 0
    previous_blank = True
    for raw in body.splitlines(keepends=True):
        line = raw.rstrip("\r\n")
        start, offset = offset, offset + len(raw)
        stripped = line.strip(" \t\u3000")
        if not stripped:
            previous_blank = True
            continue
        lead = start + len(line) - len(line.lstrip(" \t\u3000"))
        if _COMMENT.match(stripped):  # invisible in Markdown: no words, but it may mark a place
            blocks.append(_Block(lead, lead + len(stripped), "comment", stripped))
            previous_blank = True
            continue
        block = _classify(stripped, lead)
        block.end = lead + len(stripped)
        ends = _CJK_PARAGRAPH_END if blank_separated else _PARAGRAPH_END
        joins = (
            blocks
            and not previous_blank
            and block.kind == "para"
            and blocks[-1].kind not in ("heading", "division")
            and not body[: blocks[-1].end].endswith(ends)
            and not stripped.startswith(("（", "(", "【", "[", "《"))
        )
        if joins:
            blocks[-1].end = block.end
        else:
            blocks.append(block)
        previous_blank = False
    return blocks


def _classify(line: str, start: int) -> _Block:
    m = _MD_HEADING.match(line)
    if m:
        inner = m.group(2).strip()
        offset = start + m.start(2)
        division = _DIVISION.match(inner)
        if division:
            return _division_block(division, offset)
        return _Block(start, 0, "heading", "", offset, level=len(m.group(1)))
    m = _DIVISION.match(line)
    if m and not line.endswith(("。", "；", "：")):
        return _division_block(m, start)
    m = _ARTICLE_CN.match(line)
    if m:
        value = str(chinese_to_int(m.group(2)))
        if m.group(3):
            value += f"_{chinese_to_int(m.group(3))}"
        return _Block(start, 0, "article", m.group(1), start + m.end(), value=value)
    m = _ARTICLE_EN.match(line)
    if m:
        return _Block(start, 0, "article", m.group(1), start + m.end(), value=m.group(2))
    for style, pattern in _ENUMS:
        m = pattern.match(line)
        if m and m.end() < len(line):
            label = "" if style == "bullet" else m.group(1)
            return _Block(start, 0, "enum", label, start + m.end(), style=style, value=m.group(2))
    return _Block(start, 0, "para", "", start)


def _division_block(m: re.Match[str], start: int) -> _Block:
    kind = {"编": "part", "編": "part", "章": "chapter", "节": "section", "節": "section"}[
        m.group(3)]
    value = str(chinese_to_int(m.group(2)))
    return _Block(start, 0, "division", m.group(1), start + m.end(1), style=kind, value=value)


class _TreeBuilder:
    """Nests classified blocks. State: the current article and paragraph, and the stack of
    enumeration styles open under them (a style seen again closes the deeper ones)."""

    def __init__(self) -> None:
        self.roots: list[_Node] = []
        self.article: _Node | None = None
        self.paragraph: _Node | None = None
        self.stack: list[_Node] = []
        self.chapter: _Node | None = None
        self.headings = 0
        self.run_counts: dict[tuple[int, str], int] = {}
        self.saw_structure = False
        self.last_article = 0

    def add(self, block: _Block) -> None:
        getattr(self, f"_add_{block.kind}")(block)

    def _add_comment(self, block: _Block) -> None:
        """``<!-- INFO END -->`` before any article or numbered clause: the paragraphs above
        it are title notes, not a preamble."""
        if block.label != NOTES_END or self.saw_structure:
            return
        for node in self.roots:
            if node.segment == "preamble":
                node.segment = node.role = "note"

    def _add_heading(self, block: _Block) -> None:
        self._close_all()
        if block.level == 1 and not self.roots:
            self.roots.append(_Node(block, "title", "heading", "title"))
            return
        self.headings += 1
        self.roots.append(_Node(block, f"sec_{self.headings}", "heading", "heading"))

    def _add_division(self, block: _Block) -> None:
        self._close_all()
        unit = block.style
        prefix = {"part": "part", "chapter": "chp", "section": "sec"}[unit]
        segment = f"{prefix}_{block.value}"
        if unit == "section" and self.chapter is not None:
            segment = f"{self.chapter.segment}/{segment}"
        node = _Node(block, segment, "heading", unit)
        if unit == "chapter":
            self.chapter = node
        self.roots.append(node)

    def _add_article(self, block: _Block) -> None:
        number = int(block.value.split("_")[0])
        glued = block.text_start == block.start + len(block.label)
        if self.article is not None and number <= self.last_article and glued:
            # "第十条规定的……" opening a paragraph cites an earlier article; it starts none
            self._add_para(_Block(block.start, block.end, "para", "", block.start))
            return
        self.last_article = max(self.last_article, number)
        self._close_all()
        self.saw_structure = True
        article = _Node(block, f"art_{block.value}", "operative", "article")
        self.roots.append(article)
        self.article = article
        self.paragraph = _Node(block, "para_1", "operative", "paragraph", parent=article)
        article.children.append(self.paragraph)

    def _add_para(self, block: _Block) -> None:
        if self.article is not None:
            assert self.paragraph is not None
            if not self._article_text_started():
                self.paragraph.extra_blocks.append(block)  # "第五条" alone on its line
                return
            self.stack = []
            number = len(self.article.children) + 1
            self.paragraph = _Node(block, f"para_{number}", "operative", "paragraph",
                                   parent=self.article)
            self.article.children.append(self.paragraph)
            return
        if self.stack:
            owner = self.stack[0]
            del self.stack[1:]  # a paragraph closes the nested lists above it
            number = sum(1 for c in owner.children if c.unit == "paragraph") + 1
            node = _Node(block, f"para_{number}", "operative", "paragraph", parent=owner)
            owner.children.append(node)
            return
        role = "closing" if self.saw_structure else "preamble"
        self.roots.append(_Node(block, role, role, "paragraph"))

    def _article_text_started(self) -> bool:
        assert self.article is not None and self.paragraph is not None
        b = self.paragraph.block
        return len(self.paragraph.children) > 0 or b.text_start < b.end or bool(
            self.paragraph.extra_blocks) or self.paragraph is not self.article.children[0]

    def _add_enum(self, block: _Block) -> None:
        style = _resolve_style(block, self.stack)
        levels = [n.style for n in self.stack]
        if style in levels:
            del self.stack[levels.index(style):]
        parent = self.stack[-1] if self.stack else self.paragraph
        top_level = parent is None
        if top_level:
            self.saw_structure = True
        value = _enum_value(block, style, parent, self)
        kind = "op" if top_level else "item"
        node = _Node(block, f"{kind}_{value}", "operative", "clause" if top_level else "item",
                     parent=parent, style=style, run=int(value) if style == "bullet" else 0)
        if parent is None:
            self.roots.append(node)
        else:
            parent.children.append(node)
        self.stack.append(node)

    def _close_all(self) -> None:
        self.article = None
        self.paragraph = None
        self.stack = []


def _resolve_style(block: _Block, stack: list[_Node]) -> str:
    """``(i)`` after ``(h)`` is a letter; ``(i)`` elsewhere is a roman numeral, and so on."""
    style = block.style
    if style.startswith("roman") and len(block.value) == 1:
        alpha = "alpha-paren" if style == "roman-paren" else "alpha-dot"
        for node in stack:
            if node.style == alpha and letter_to_int(node.block.value) + 1 == letter_to_int(
                block.value
            ):
                return alpha
        if block.value not in ("i",) and not any(n.style == style for n in stack):
            return alpha
    return style


def _enum_value(block: _Block, style: str, parent: _Node | None, builder: _TreeBuilder) -> str:
    value = block.value
    if style in ("cn-dun", "cn-paren"):
        return str(chinese_to_int(value))
    if style == "circled":
        return str(ord(value) - 0x2460 + 1)
    if style.startswith(("roman", "ROMAN")):
        return str(roman_to_int(value))
    if style.startswith(("alpha", "ALPHA")):
        return str(letter_to_int(value))
    if style == "decimal":
        return value.replace(".", "_")
    if style == "bullet":  # bullets are numbered by their place in an unbroken run
        siblings = parent.children if parent is not None else builder.roots
        last = siblings[-1] if siblings else None
        return str(last.run + 1 if last is not None and last.style == "bullet" else 1)
    return value


def _heading_like(node: _Node, body: str) -> bool:
    text = body[node.block.text_start:node.block.end].strip()
    return len(text) < 80 and not text.endswith(_TERMINAL)


def _detach_closing(roots: list[_Node], body: str) -> list[_Node]:
    """Paragraphs after the document's last numbered clause are its closing, not part of it
    (unless that clause is a heading-like agenda item, as in minutes)."""
    last = max((i for i, n in enumerate(roots) if n.unit in ("clause", "article")), default=None)
    if last is None or roots[last].unit != "clause" or _heading_like(roots[last], body):
        return roots
    node = roots[last]
    trailing: list[_Node] = []
    while node.children and node.children[-1].unit == "paragraph":
        trailing.insert(0, node.children.pop())
    for para in trailing:
        para.parent, para.segment, para.role = None, "closing", "closing"
    return roots[: last + 1] + trailing + roots[last + 1:]


def _number_roots(roots: list[_Node]) -> None:
    counters: dict[str, int] = {}
    for node in roots:
        if node.segment in ("preamble", "note", "closing"):
            counters[node.segment] = counters.get(node.segment, 0) + 1
            node.segment = f"{node.segment}_{counters[node.segment]}"


def _collapse_single_paragraphs(roots: list[_Node]) -> None:
    for node in roots:
        if node.unit == "article" and len(node.children) == 1:
            (para,) = node.children
            node.extra_blocks.extend(para.extra_blocks)
            node.children = para.children
            for child in node.children:
                child.parent = node


def _walk(nodes: list[_Node]) -> list[_Node]:
    out: list[_Node] = []
    for node in nodes:
        out.append(node)
        out.extend(_walk(node.children))
    return out


def _make_unique(nodes: list[_Node], roots: list[_Node]) -> None:
    """Numbering that restarts (two lists under two headings) is qualified by its heading; any
    remaining clash gets an ordinal suffix, so every id is unique."""
    if len({n.path() for n in nodes}) < len(nodes):
        heading = None
        for root in roots:
            if root.unit == "heading":
                heading = root
            elif heading is not None and root.unit == "clause":
                root.segment = f"{heading.segment}/{root.segment}"
    seen: dict[str, int] = {}
    for node in nodes:
        path = node.path()
        if path in seen:
            seen[path] += 1
            node.segment = f"{node.segment}_{seen[path]}"
        else:
            seen[path] = 1


def _han_or_cjk_punct(ch: str) -> bool:
    """Whether one character is Han or CJK punctuation (full-width forms included). Range
    tests rather than a character class, which costs every start-up milliseconds to compile."""
    return ("\u3000" <= ch <= "\u303f" or "\u3400" <= ch <= "\u9fff"
            or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef")


def clean_text(raw: str) -> str:
    """A block's words as a reader quotes them: formatting marks dropped, wrapped lines joined
    (with a space between Latin words, with nothing between Chinese characters)."""
    lines = [line.strip(" \t\u3000") for line in _FORMAT_MARKS.sub("", raw).splitlines()]
    out = ""
    for line in lines:
        if not line:
            continue
        if out and not (_han_or_cjk_punct(out[-1]) and _han_or_cjk_punct(line[0])):
            out += " "
        out += line
    return out


def _node_text(node: _Node, body: str) -> str:
    shares_block = bool(node.children) and node.children[0].block is node.block
    own = "" if shares_block else "\n".join(
        filter(None, (clean_text(body[(b.text_start if b is node.block else b.start):b.end])
                      for b in node.blocks()))
    )
    parts = [own] if own else []
    for child in node.children:
        child_text = _node_text(child, body)
        label = "" if child.unit == "paragraph" else child.block.label
        if label and child.block.text_start > child.block.start + len(label):
            label += " "  # "(a) exchange", but "（一）章程" and "(一)未按照" as written
        parts.append(f"{label}{child_text}" if label else child_text)
    return "\n".join(p for p in parts if p)


_EN_PINPOINT = {"art": "art. {n}", "para": "para. {n}", "item": "item {n}", "op": "para. {n}",
                "preamble": "preambular para. {n}",
                "note": "title note {n}", "closing": "closing para. {n}",
                "chp": "ch. {n}", "sec": "section {n}", "part": "part {n}"}
_ZH_PINPOINT = {"art": "第{cn}条", "chp": "第{cn}章", "part": "第{cn}编", "para": "第{cn}款",
                "item": "第{cn}项", "preamble": "序言第{cn}段", "note": "题注第{cn}段",
                "closing": "结尾第{cn}段", "sec": "第{cn}节", "op": "第{cn}点"}


def pinpoint(path: str, chinese: bool = False, article_label: str = "") -> str:
    """The pinpoint a citation gives, from a clause path: ``art. 33, para. 2, item 1`` in
    English, ``第三十三条第二款第一项`` in Chinese (the forms each tradition cites). An article's
    own label (``第五条之一``) is used as written when given."""
    parts = []
    for segment in path.split("/"):
        kind, _, number = segment.partition("_")
        if kind == "title":
            parts.append("标题" if chinese else "title")
        elif chinese and kind == "art" and article_label:
            parts.append(article_label)
        elif chinese and number.isdigit() and kind in _ZH_PINPOINT:
            parts.append(_ZH_PINPOINT[kind].format(cn=int_to_chinese(int(number))))
        elif kind in _EN_PINPOINT:
            parts.append(_EN_PINPOINT[kind].format(n=number.replace("_", ".")))
    return ("" if chinese else ", ").join(parts)


def locator(node: _Node, lang: str) -> str:
    article: _Node | None = node
    while article is not None and article.unit != "article":
        article = article.parent
    label = article.block.label if article is not None else ""
    return pinpoint(node.path(), lang.startswith("zh"), label)


def split_clauses(body: str, doc_id: str, lang: str) -> list[Clause]:
    """Every clause of a document body, in document order, parents before their children."""
    builder = _TreeBuilder()
    for block in split_blocks(body):
        builder.add(block)
    roots = _detach_closing(builder.roots, body)
    _number_roots(roots)
    _collapse_single_paragraphs(roots)
    nodes = _walk(roots)
    _make_unique(nodes, roots)
    clauses = []
    for order, node in enumerate(nodes):
        text = _node_text(node, body)
        if not text and node.unit != "heading":
            continue
        own_end = node.children[0].block.start if node.children else node.last_end()
        parent = f"{doc_id}/{node.parent.path()}" if node.parent else None
        paragraph_of_article = node.unit == "paragraph" and node.block.kind == "article"
        start = node.block.text_start if paragraph_of_article else node.block.start
        clauses.append(
            Clause(
                id=f"{doc_id}/{node.path()}",
                doc_id=doc_id,
                label="" if node.unit == "paragraph" else node.block.label,
                role=node.role,
                unit=node.unit,
                text=text,
                span=(start, node.last_end()),
                parent=parent,
                lang=clause_lang(text, lang),
                order=order,
                own_end=own_end,
                locator=locator(node, lang),
            )
        )
    return [c for c in clauses if c.text]


def own_words(body: str, clause: Clause) -> str:
    """A clause's own words, before its first child and without its label: an article's
    lead-in (公共图书馆应当免费向社会公众提供下列服务：), a heading's title."""
    own = clean_text(body[clause.span[0]:clause.own_end])
    if clause.label and own.startswith(clause.label):
        own = own[len(clause.label):].lstrip()
    if clause.unit in ("heading", "title"):
        own = own.lstrip("#").strip()
    return own


def ancestors(clause_id: str, parents: dict[str, str | None]) -> list[str]:
    """A clause's parent, grandparent, ...: ids alone do not say (``sec_2/op_1``)."""
    chain, parent = [], parents.get(clause_id)
    while parent:
        chain.append(parent)
        parent = parents.get(parent)
    return chain
