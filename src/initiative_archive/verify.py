"""Quotation checks: is a quotation the source's words, a misquotation, or not in the archive?

The index proposes candidate clauses; rapidfuzz aligns the quotation with each and scores it.
Both sides are normalised first, so that what a writer may legitimately change does not count:
whitespace, quotation-mark styles, full- and half-width punctuation, letter case, traditional and
simplified characters. An ellipsis (``...``, ``…``, ``……``) stands for omitted words: the pieces
around it must appear in order.

A label the quotation carries (``1. ``, ``第三十三条 ``, ``（一）``, a bullet) is not part of the
words: clause texts do not hold their labels either.

Verdicts: ``exact`` (every piece is in one clause, in order, or runs on from one clause into the
next clauses of the same document: all of them are named), ``differs`` (close enough to be a
misquotation: the clause and a diff are given), ``not-found``.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .language import HAN, fold_han, han_re
from .model import Clause

SIMILAR_ENOUGH = 0.8
_ELLIPSIS = re.compile(r"\s*(?:\.\s*\.\s*\.|…+|⋯+)\s*")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "‘": "'", "’": "'",
                         "「": '"', "」": '"', "『": '"', "』": '"', "《": "<", "》": ">",
                         "〈": "<", "〉": ">"})
_PUNCT = str.maketrans({"，": ",", "。": ".", "；": ";", "：": ":", "！": "!", "？": "?",
                        "、": ",", "（": "(", "）": ")", "—": "-", "–": "-"})
_LABEL = re.compile(r"^\s*(?:\d{1,3}[.)、]\s+"
                    r"|[（(](?:\d{1,3}|[a-z]|[一二三四五六七八九十]{1,3})[）)]\s*"
                    r"|第[一二三四五六七八九十百千零〇\d]+条(?:之[一二三四五六七八九十]+)?[\s\u3000]*"
                    r"|[-*•]\s+)")
_QUERY_NOISE = re.compile(r"[“”‘’「」『』\"'()\[\]{}:*?~^+\-!&|\\/<>]|\b(?:AND|OR|NOT|TO)\b")


def normalise(text: str) -> str:
    """The form both sides are compared in."""
    text = unicodedata.normalize("NFKC", text.translate(_QUOTES).translate(_PUNCT))
    text = fold_han(text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(rf"(?<=[{HAN}]) | (?=[{HAN}])", "", text)  # spaces by Chinese mean nothing


def pieces(quotation: str) -> list[str]:
    """The quotation's runs of words between ellipses, normalised; its own quotation marks
    are not part of it."""
    inner = without_label(quotation.strip().strip("\"'“”‘’「」『』"))
    return [p for p in (normalise(x) for x in _ELLIPSIS.split(inner)) if p]


def without_label(quotation: str) -> str:
    """The quotation without a leading label (``1. ``, ``第三十三条 ``, ``（一）``, ``- ``)."""
    return _LABEL.sub("", quotation, count=1)


def is_empty(quotation: str) -> bool:
    """No words to check: nothing but spaces, quotation marks, punctuation or ellipses."""
    return not any(ch.isalnum() for ch in quotation)


def in_order(parts: list[str], text: str) -> bool:
    at = 0
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


@dataclass
class Verdict:
    """The answer for one quotation."""

    quotation: str
    status: str
    clause: Clause | None = None
    doc_title: str = ""
    similarity: float = 0.0
    diff: str = ""
    clauses: list[Clause] = field(default_factory=list)  # every clause an exact quotation spans

    def to_dict(self) -> dict[str, Any]:
        c = self.clause
        return {
            "quotation": self.quotation,
            "status": self.status,
            "clause_id": c.id if c else None,
            "doc_id": c.doc_id if c else None,
            "doc_title": self.doc_title or None,
            "label": c.label if c else None,
            "locator": c.locator if c else None,
            "text": c.text if c else None,
            "clause_ids": [x.id for x in self.clauses] or ([c.id] if c else []),
            "similarity": round(self.similarity, 3),
            "diff": self.diff,
        }


CANDIDATE_CHARS = 500  # enough words to find a clause; a whole law would exceed the budget


def candidate_query(quotation: str) -> str:
    """A ranked any-word query for the quotation's first words, free of query syntax."""
    words = " ".join(_QUERY_NOISE.sub(" ", _ELLIPSIS.sub(" ", quotation)).split())
    return words[:CANDIDATE_CHARS].rsplit(" ", 1)[0] if len(words) > CANDIDATE_CHARS else words


def score(quotation: str, clause_text: str) -> float:
    """How much of the quotation the clause holds, 0 to 1 (best alignment of each piece)."""
    from rapidfuzz import fuzz

    parts = pieces(quotation)
    text = normalise(clause_text)
    if not parts or not text:
        return 0.0
    total = sum(len(p) for p in parts)
    return sum(fuzz.partial_ratio(p, text) * len(p) for p in parts) / (100 * total)


def diff(quotation: str, clause_text: str) -> str:
    """Where the quotation departs from the clause: ``[-source words-]{+quoted words+}``,
    by word for alphabetic text and by character for Chinese."""
    from rapidfuzz import fuzz

    quoted = " … ".join(pieces(quotation))
    text = normalise(clause_text)
    window = fuzz.partial_ratio_alignment(quoted, text)
    start, end = (window.dest_start, window.dest_end) if window else (0, len(text))
    chinese = bool(han_re().search(quoted))
    if not chinese:  # widen to whole words
        start = text.rfind(" ", 0, start) + 1
        end = len(text) if text.find(" ", end) < 0 else text.find(" ", end)
    source = text[start:end]
    a = list(source) if chinese else source.split()
    b = list(quoted) if chinese else quoted.split()
    sep = "" if chinese else " "
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    while ops and ops[0][0] == "delete":  # source words before the quotation starts
        ops.pop(0)
    while ops and ops[-1][0] == "delete":  # and after it ends
        ops.pop()
    if ops and ops[-1][0] == "replace":  # a changed last word: not the rest of the clause
        op, i1, i2, j1, j2 = ops[-1]
        ops[-1] = (op, i1, min(i2, i1 + j2 - j1), j1, j2)
    out = []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            out.append(sep.join(a[i1:i2]))
            continue
        if i2 > i1:
            out.append("[-" + sep.join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + sep.join(b[j1:j2]) + "+}")
    return sep.join(out)


def judge(quotation: str, candidates: list[tuple[Clause, str]]) -> Verdict:
    """The verdict for a quotation given candidate (clause, document title) pairs."""
    parts = pieces(quotation)
    if not parts:
        return Verdict(quotation, "not-found")
    exact = [(c, t) for c, t in candidates if in_order(parts, normalise(c.text))]
    if exact:
        clause, title = min(exact, key=lambda pair: len(pair[0].text))  # the smallest unit
        return Verdict(quotation, "exact", clause, title, 1.0, clauses=[clause])
    scored = sorted(((score(quotation, c.text), -len(c.text), c, t) for c, t in candidates),
                    key=lambda s: (s[0], s[1]), reverse=True)
    if not scored or scored[0][0] < SIMILAR_ENOUGH:
        best = scored[0][0] if scored else 0.0
        return Verdict(quotation, "not-found", similarity=best)
    similarity, _, clause, title = scored[0]
    return Verdict(quotation, "differs", clause, title, similarity, diff(quotation, clause.text))


_QUOTED = re.compile(r"“([^”]+)”|\"([^\"\n]+)\"|「([^」]+)」|『([^』]+)』")


def across(quotation: str, runs: list[tuple[list[Clause], str]], most: int = 4) -> Verdict | None:
    """An ``exact`` verdict for a quotation that runs from one clause into the next ones of the
    same document (``runs``: each document's clauses that hold no other clause, in order), or
    None. The shortest run that holds the whole quotation is named, clause by clause."""
    parts = pieces(quotation)
    if not parts:
        return None
    best: tuple[int, list[Clause], str] | None = None
    for clauses, title in runs:
        texts = [normalise(c.text) for c in clauses]
        for start in range(len(clauses)):
            if not texts[start] or parts[0][:12] not in " ".join(texts[start:start + most]):
                continue
            for size in range(2, most + 1):
                if start + size > len(clauses):
                    break
                run = clauses[start:start + size]
                bare = " ".join(texts[start:start + size])
                # the quotation may keep the labels of the clauses it runs into ("… loan.
                # 2. Strengthen …"), or leave them out
                labelled = " ".join([texts[start]] + [normalise(f"{c.label} {c.text}")
                                                      for c in run[1:]])
                if any(in_order(parts, joined) for joined in (bare, labelled)) and not \
                        in_order(parts, " ".join(texts[start + 1:start + size])):
                    if best is None or size < best[0]:
                        best = (size, clauses[start:start + size], title)
                    break
    if best is None:
        return None
    _, spanned, title = best
    return Verdict(quotation, "exact", spanned[0], title, 1.0, clauses=spanned)


#: Why a quotation in a draft is not checked.
TOO_SHORT = "shorter than 8 words or 8 Chinese characters"


def scan_quotations(text: str, min_words: int = 8, min_chars: int = 8
                    ) -> tuple[list[str], list[tuple[str, str]]]:
    """The quotations of a draft worth checking, and those skipped with the reason."""
    checked, skipped = [], []
    for match in _QUOTED.finditer(text):
        quote = next(g for g in match.groups() if g is not None).strip()
        if is_empty(quote):
            skipped.append((quote, "no words"))
        elif len(quote.split()) >= min_words or len(han_re().findall(quote)) >= min_chars:
            checked.append(quote)
        else:
            skipped.append((quote, TOO_SHORT))
    return checked, skipped
