"""Which language and script a text is in, and folding traditional to simplified characters.

Chinese is told from English by its script; simplified from traditional by what OpenCC's
character table changes. What OpenCC makes of each Han character of the Basic Multilingual Plane
is kept in this user's cache folder under OpenCC's version (made once, in ~50 ms), so that a
search reads a small file instead of loading OpenCC; OpenCC itself loads only to make that file
and for characters beyond the BMP.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_LATIN_RUN_RE = re.compile(r"[A-Za-z]+")


def is_han(ch: str) -> bool:
    """Whether one character is in ``HAN``. Range tests: folding runs this for every character
    a search ranks, and a class of these ranges costs milliseconds to compile at start-up."""
    return ("\u3400" <= ch <= "\u4dbf" or "\u4e00" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
            or "\U00020000" <= ch <= "\U0002fa1f")


def has_han(text: str) -> bool:
    """Whether ``text`` holds a ``HAN`` character, read without ``han_re`` (which costs
    milliseconds to compile, once a process: more than a search's texts cost to read)."""
    return not text.isascii() and max(text) >= "\u3400" and any(map(is_han, text))


def han_runs(text: str) -> list[str]:
    """``han_run_re().findall(text)``, read a character at a time (for a query's few
    characters: see ``has_han``)."""
    runs: list[str] = []
    start = -1
    for at, ch in enumerate(text):
        if is_han(ch):
            if start < 0:
                start = at
        elif start >= 0:
            runs.append(text[start:at])
            start = -1
    if start >= 0:
        runs.append(text[start:])
    return runs


@lru_cache(maxsize=1)
def han_re() -> re.Pattern[str]:
    """``[HAN]``, compiled when first needed (not by a search that meets no Chinese)."""
    return re.compile(f"[{HAN}]")


@lru_cache(maxsize=1)
def han_run_re() -> re.Pattern[str]:
    """``[HAN]+``, compiled when first needed."""
    return re.compile(f"[{HAN}]+")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """The simplified form of one character (itself when OpenCC maps it to more than one)."""
    if "\u3400" <= ch <= "\ufaff" and is_han(ch):
        table = _bmp_folds()
        if table is not None:
            return table.get(ch, ch)
    folded = _t2s().convert(ch)
    return folded if len(folded) == 1 else ch


_BMP_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # HAN's ranges in the BMP
_FOLDS_SCHEMA = 2  # bumped if what the file holds changes


@lru_cache(maxsize=1)
def _bmp_folds() -> dict[str, str] | None:
    """``fold_char`` of every Han character of the BMP that it changes, as OpenCC makes it,
    from the cache folder (made there on first use). None when OpenCC's installed version is
    unknown: the cache could not tell one version's table from another's."""
    pair = _bmp_fold_strings()
    return None if pair is None else dict(zip(*pair, strict=True))


@lru_cache(maxsize=1)
def _bmp_fold_strings() -> tuple[str, str] | None:
    """``_bmp_folds`` as two strings, the characters and their folds, as the cache file keeps
    them: read in a tenth of the time of a JSON object of 4,000 entries (a process's first
    Chinese query reads it)."""
    import json

    from .atomic import write_atomic
    from .cachedir import user_cache_dir
    from .config import installed_version

    version = installed_version("opencc")
    if version is None:
        return None
    path = Path(user_cache_dir()) / f"opencc-t2s-{version}-{_FOLDS_SCHEMA}.json"
    try:
        chars, folds = json.loads(path.read_text(encoding="utf-8"))
        if type(chars) is str and type(folds) is str and len(chars) == len(folds):
            return chars, folds
    except (OSError, ValueError, TypeError):
        pass
    convert = _t2s().convert
    table = {}
    for low, high in _BMP_HAN:
        for code in range(low, high + 1):
            folded = convert(chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[chr(code)] = folded
    pair = "".join(table), "".join(table.values())
    try:
        write_atomic(path, json.dumps(pair, ensure_ascii=False).encode("utf-8"))
        for old in path.parent.glob("opencc-t2s-*.json"):  # other versions' or layouts'
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written is made again next time
    return pair


def fold_han(text: str) -> str:
    """Traditional -> simplified, character by character, so offsets stay the same."""
    if text.isascii() or max(text) < "\u3400":  # no Han: the table is not even loaded
        return text
    table = _fold_table() if max(text) <= "\uffff" else None
    if table is not None:
        return text.translate(table)
    return "".join(fold_char(ch) if is_han(ch) else ch for ch in text)


def load_folds() -> None:
    """Read now the fold table that the first Chinese text folded reads."""
    _fold_table()


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, int] | None:
    """``_bmp_folds`` as ``str.translate`` reads it: a text of the BMP folded in one call
    rather than a call a character (a hit's highlights fold its every character)."""
    pair = _bmp_fold_strings()
    return None if pair is None else str.maketrans(*pair)


def name_key(name: str) -> str:
    """How names are compared: script-folded, case-folded, book-title marks and spacing
    aside (《东亚图书馆南宁倡议》 = 东亚圖書館南寧倡議)."""
    return " ".join(fold_han(name).casefold().replace("《", "").replace("》", "").split())


def detect_lang(text: str) -> str:
    """``en``, ``zh-Hans`` or ``zh-Hant`` (BCP 47) by script; ``und`` for text with neither."""
    han = han_re().findall(text)
    latin = sum(map(len, _LATIN_RUN_RE.findall(text)))
    if not han and not latin:
        return "und"
    if len(han) * 2 < latin:
        return "en"
    changed = sum(1 for ch in han if fold_char(ch) != ch)
    return "zh-Hant" if changed * 10 > len(han) else "zh-Hans"


def clause_lang(text: str, doc_lang: str) -> str:
    """A clause is in its document's language unless its script plainly says otherwise (an
    English report with a Chinese heading)."""
    han = sum(map(len, han_run_re().findall(text)))  # by runs, not a list of characters
    chinese = doc_lang.startswith("zh")
    # where the Latin letters (which cost more to count) cannot change the answer
    if not chinese and not han:
        return doc_lang
    if chinese and len(text) - han <= 2 * han:
        return doc_lang
    latin = sum(map(len, _LATIN_RUN_RE.findall(text)))
    if chinese and latin > 2 * han:
        return "en"
    if not chinese and han * 2 > latin:
        return detect_lang(text)
    return doc_lang
