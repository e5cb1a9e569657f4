"""Which language and script a text is in, and folding traditional to simplified characters.

Chinese is told from English by its script; simplified from traditional by what OpenCC's
character table changes. OpenCC loads on first use only.
"""

from __future__ import annotations

import re
from functools import lru_cache

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_LATIN_RE = re.compile(r"[A-Za-z]")


def is_han(ch: str) -> bool:
    """Whether one character is in ``HAN``. Range tests: folding runs this for every character
    a search ranks, and a class of these ranges costs milliseconds to compile at start-up."""
    return ("\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
            or "\U00020000" <= ch <= "\U0002fa1f")


@lru_cache(maxsize=1)
def han_re() -> re.Pattern[str]:
    """``[HAN]``, compiled when first needed (not by a search that meets no Chinese)."""
    return re.compile(f"[{HAN}]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The simplified form of one character (itself when OpenCC maps it to more than one)."""
    folded = _t2s().convert(ch)
    return folded if len(folded) == 1 else ch


def fold_han(text: str) -> str:
    """Traditional -> simplified, character by character, so offsets stay the same."""
    return "".join(fold_char(ch) if is_han(ch) else ch for ch in text)


def name_key(name: str) -> str:
    """How names are compared: script-folded, case-folded, book-title marks and spacing
    aside (《东亚图书馆南宁倡议》 = 东亚圖書館南寧倡議)."""
    return " ".join(fold_han(name).casefold().replace("《", "").replace("》", "").split())


def detect_lang(text: str) -> str:
    """``en``, ``zh-Hans`` or ``zh-Hant`` (BCP 47) by script; ``und`` for text with neither."""
    han = han_re().findall(text)
    latin = len(_LATIN_RE.findall(text))
    if not han and not latin:
        return "und"
    if len(han) * 2 < latin:
        return "en"
    changed = sum(1 for ch in han if fold_char(ch) != ch)
    return "zh-Hant" if changed * 10 > len(han) else "zh-Hans"


def clause_lang(text: str, doc_lang: str) -> str:
    """A clause is in its document's language unless its script plainly says otherwise (an
    English report with a Chinese heading)."""
    han = len(han_re().findall(text))
    latin = len(_LATIN_RE.findall(text))
    if doc_lang.startswith("zh") and latin > 2 * han:
        return "en"
    if not doc_lang.startswith("zh") and han * 2 > latin and han:
        return detect_lang(text)
    return doc_lang
