"""The bilingual concept glossary: the notions of library cooperation and cultural-services law,
each with its English, simplified and traditional Chinese names.

A :class:`Concept` is one notion (``inter-library-loan``): its English variants (spellings,
plurals, phrasings), its simplified Chinese variants, their traditional forms, and the source of
the pairing. The glossary ships as package data (``data/glossary.yaml``, whose header explains
the format) and is read once per process.

:meth:`Glossary.mentions` finds where a text names a concept:

* English: case-insensitive, whole words, British spellings read as American (``catalogue`` is
  ``catalog``), simple plurals read as singular (``libraries`` is ``library``), and a hyphen as a
  space (``inter-library loan``); a hyphenated variant also matches its joined form
  (``interlibrary loan``). Sentence punctuation between two words breaks a phrase.
* Chinese: substrings, after folding traditional characters to simplified and full-width
  punctuation to half-width, one character at a time (offsets never move), so ``館際互借``
  finds ``馆际互借``.

Overlapping mentions are all kept (``数字图书馆合作`` names both ``digital-library`` and
``digital-library-cooperation``). Lookup tables are built once; the Chinese ones only when a
Chinese text is first seen, so English lookups never load OpenCC. Neither jieba nor Whoosh is
imported here.

:meth:`Glossary.validate` lists problems: duplicate or malformed ids, empty sides, a variant
shared by two concepts, simplified variants that are not simplified, and traditional variants
that are not OpenCC's conversion of a simplified one unless listed in ``zh_hant_unconverted``.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .language import fold_han, han_re, has_han, is_han
from .package_data import shipped_bytes
from .spelling import american

GLOSSARY_RESOURCE = "data/glossary.yaml"

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: An English word: Latin letters and digits, half- or full-width.
_WORD_RE = re.compile(r"[A-Za-z0-9\u00c0-\u024f\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]+")
#: What may stand between two words of one phrase: spaces, hyphens, apostrophes, slashes,
#: commas and ampersands; anything else (a full stop, a semicolon, a bracket) ends the phrase.
_JOINER_RE = re.compile(r"^[\s\-\u2010-\u2014'\u2019/,&]*$")


@dataclass(frozen=True)
class Concept:
    """One notion of the domain with its names in both languages."""

    id: str
    en: tuple[str, ...]
    zh_hans: tuple[str, ...]
    zh_hant: tuple[str, ...]
    source: str
    group: str = ""
    #: Traditional variants deliberately not OpenCC's ``s2t`` conversion of a simplified one
    #: (Taiwan or Hong Kong usage such as 數位化, or the common form of a character).
    zh_hant_unconverted: tuple[str, ...] = ()
    #: Narrower or overlapping concepts that also state this one (共建共享 is a way of
    #: 资源共享): a clause naming one of them counts as naming this concept in a search.
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """Where a text names a concept: ``text[start:end]`` matched ``variant``."""

    concept: Concept
    start: int
    end: int
    variant: str
    lang: str  # "en" or "zh"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the glossary, for :meth:`Glossary.validate`."""

    concept_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.concept_id}: {self.message}"


class GlossaryError(ValueError):
    """The glossary file cannot be read as a glossary at all."""


# -- normalisation ---------------------------------------------------------------------------


@lru_cache(maxsize=50_000)
def english_key(word: str) -> str:
    """How an English word is compared: NFKC, lower case, American spelling, singular."""
    word = unicodedata.normalize("NFKC", word).lower()
    word = american(word)
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
            word = word[:-2]
        else:
            word = word[:-1]
    return word


def _english_sequences(variant: str) -> list[tuple[str, ...]]:
    """The word sequences a variant matches: as written, and with its hyphenated words joined
    (``inter-library loan`` also as ``interlibrary loan``)."""
    spaced = tuple(english_key(w) for w in _WORD_RE.findall(variant))
    out = [spaced] if spaced else []
    if re.search(r"\w-\w", variant):
        joined = tuple(english_key(w) for w in
                       _WORD_RE.findall(re.sub(r"(?<=\w)-(?=\w)", "", variant)))
        if joined and joined != spaced:
            out.append(joined)
    return out


def _fold_zh_char(ch: str) -> str:
    if is_han(ch):
        return fold_han(ch)
    if ch.isascii():
        return ch.lower()
    folded = unicodedata.normalize("NFKC", ch)
    return folded.lower() if len(folded) == 1 else ch


class _ZhFolds(dict):
    """Code point -> ``_fold_zh_char`` of its character, worked out when first met: a text
    is then folded by one ``str.translate`` (the glossary's Chinese table folds thousands of
    characters on a search's first Chinese query)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_zh_char(chr(code))
        return folded


_ZH_FOLDS = _ZhFolds()


def chinese_key(text: str) -> str:
    """How Chinese text is compared: simplified characters, half-width punctuation, one
    character for one character (so offsets in the key are offsets in the text)."""
    return text.translate(_ZH_FOLDS)


# -- the glossary ----------------------------------------------------------------------------


class Glossary:
    """The concepts, with lookup tables built once."""

    def __init__(self, concepts: Iterable[Concept]):
        self.concepts: tuple[Concept, ...] = tuple(concepts)
        self._by_id = {c.id: c for c in self.concepts}
        # English: first word -> [(word sequence, concept, variant)], longest first.
        english: dict[str, list[tuple[tuple[str, ...], Concept, str]]] = {}
        seen: set[tuple[tuple[str, ...], str]] = set()
        for concept in self.concepts:
            for variant in concept.en:
                for seq in _english_sequences(variant):
                    if (seq, concept.id) not in seen:  # "union catalog(ue)(s)": one entry
                        seen.add((seq, concept.id))
                        english.setdefault(seq[0], []).append((seq, concept, variant))
        for entries in english.values():
            entries.sort(key=lambda e: -len(e[0]))
        self._english = english
        self._chinese: dict[str, list[tuple[str, Concept, str]]] | None = None

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts)

    def __contains__(self, concept_id: object) -> bool:
        return concept_id in self._by_id

    def __getitem__(self, concept_id: str) -> Concept:
        return self._by_id[concept_id]

    def _chinese_table(self) -> dict[str, list[tuple[str, Concept, str]]]:
        """First two characters of a folded variant -> [(folded variant, concept, variant)]."""
        if self._chinese is None:
            table: dict[str, list[tuple[str, Concept, str]]] = {}
            seen: set[tuple[str, str]] = set()
            for concept in self.concepts:
                for variant in concept.zh_hans + concept.zh_hant:
                    key = chinese_key(variant)
                    if len(key) < 2 or (key, concept.id) in seen:
                        continue
                    seen.add((key, concept.id))
                    table.setdefault(key[:2], []).append((key, concept, variant))
            self._chinese = table
        return self._chinese

    def load_tables(self) -> None:
        """Make now the table of Chinese variants ``mentions`` reads (made on first use
        otherwise: an English search never reads it); the English one is made with the
        glossary."""
        self._chinese_table()

    def mentions(self, text: str) -> list[Mention]:
        """Every place ``text`` names a concept, in text order (overlaps kept)."""
        found = self._english_mentions(text)
        if has_han(text):
            found += self._chinese_mentions(text)
        found.sort(key=lambda m: (m.start, -m.end, m.concept.id))
        return found

    def concepts_in(self, text: str) -> list[Concept]:
        """The concepts ``text`` names, each once, in order of first mention."""
        return list(dict.fromkeys(m.concept for m in self.mentions(text)))

    def _english_mentions(self, text: str) -> list[Mention]:
        words = [(m.start(), m.end(), english_key(m.group())) for m in _WORD_RE.finditer(text)]
        # joins[i]: whether a phrase may continue from word i to word i + 1
        joins = [bool(_JOINER_RE.match(text[words[i][1]:words[i + 1][0]]))
                 for i in range(len(words) - 1)]
        out: list[Mention] = []
        for i, (start, _end, key) in enumerate(words):
            for seq, concept, variant in self._english.get(key, ()):
                n = len(seq)
                if i + n > len(words) or not all(joins[i:i + n - 1]):
                    continue
                if all(words[i + k][2] == seq[k] for k in range(1, n)):
                    out.append(Mention(concept, start, words[i + n - 1][1], variant, "en"))
        return out

    def _chinese_mentions(self, text: str) -> list[Mention]:
        table = self._chinese_table()
        key = chinese_key(text)
        out: list[Mention] = []
        for i in range(len(key) - 1):
            for folded, concept, variant in table.get(key[i:i + 2], ()):
                if key.startswith(folded, i):
                    out.append(Mention(concept, i, i + len(folded), variant, "zh"))
        return out

    def validate(self) -> list[Problem]:
        """Everything wrong with the glossary; an empty list when it is sound."""
        return _validate(self.concepts)


# -- reading ---------------------------------------------------------------------------------


def _strings(value: object, field: str, concept_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GlossaryError(f"{concept_id}: {field} must be a list of strings")
    return tuple(v.strip() for v in value)


def parse_glossary(data: object) -> Glossary:
    """A glossary from the parsed YAML (``{"concepts": [...]}``)."""
    return Glossary(_concepts(data))


def _concepts(data: object) -> list[Concept]:
    if not isinstance(data, dict) or not isinstance(data.get("concepts"), list):
        raise GlossaryError("a glossary is a mapping with a list of concepts under 'concepts'")
    concepts = []
    for n, entry in enumerate(data["concepts"], 1):
        if not isinstance(entry, dict):
            raise GlossaryError(f"concept {n} is not a mapping")
        cid = str(entry.get("id", "")).strip()
        concepts.append(Concept(
            id=cid,
            en=_strings(entry.get("en"), "en", cid),
            zh_hans=_strings(entry.get("zh_hans"), "zh_hans", cid),
            zh_hant=_strings(entry.get("zh_hant"), "zh_hant", cid),
            source=str(entry.get("source") or "").strip(),
            group=str(entry.get("group") or "").strip(),
            zh_hant_unconverted=_strings(entry.get("zh_hant_unconverted"),
                                         "zh_hant_unconverted", cid),
            related=_strings(entry.get("related"), "related", cid),
        ))
    return concepts


def _parse_text(text: str) -> Glossary:
    import yaml  # for its errors (load_yaml imports it anyway)

    from .yaml_text import load_yaml

    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise GlossaryError(f"the glossary is not valid YAML: {exc}") from exc
    return parse_glossary(data)


@lru_cache(maxsize=1)
def load_glossary() -> Glossary:
    """The shipped glossary, read once per process. Parsing its YAML and building its lookup
    tables cost a search more than the search itself, so the glossary is kept built (both
    tables) in this user's cache folder, under a hash of the YAML and of the code that builds
    it, and read from there (a few milliseconds) while neither changes. The folder is this
    user's own (``cachedir``): the pickle is read only from there."""
    raw = shipped_bytes(GLOSSARY_RESOURCE)
    cached = _cache_path(_cache_key(raw))
    try:
        with open(cached, "rb") as source:
            found = pickle.load(source)
        if type(found) is Glossary:
            return found
    except Exception:  # noqa: BLE001 - no cache, or a damaged one: the YAML is read instead
        pass
    glossary = _parse_text(raw.decode("utf-8"))
    glossary.load_tables()
    _write_cache(cached, glossary)
    return glossary


#: Bumped when Glossary's or Concept's layout changes: a cache of others is not read.
_CACHE_SCHEMA = 4
#: The modules whose code makes the tables: the cache's key covers their source.
_TABLE_CODE = ("glossary.py", "spelling.py", "language.py")


def _cache_key(raw: bytes) -> str:
    """The cache's name: the YAML, this version, the cache's layout, the code that builds the
    tables, and OpenCC's version (the Chinese table folds through it)."""
    from . import __version__
    from .config import installed_version

    code = b"".join(_source(name) for name in _TABLE_CODE)
    facts = f"|{__version__}|{_CACHE_SCHEMA}|{installed_version('opencc')}|".encode()
    return hashlib.sha256(raw + facts + code).hexdigest()[:16]


def _source(name: str) -> bytes:
    """A module's source, for the cache key (nothing when it cannot be read: the key then
    holds only the version, as before)."""
    try:
        return Path(__file__).with_name(name).read_bytes()
    except OSError:
        return b""


def _cache_path(digest: str) -> Path:
    from .cachedir import user_cache_dir

    return Path(user_cache_dir()) / f"glossary-{digest}.pickle"


def _write_cache(path: Path, glossary: Glossary) -> None:
    """Best effort: a cache that cannot be written is simply not used. The caches of other
    versions of the glossary or its code are removed (another version in use makes its own
    again)."""
    from .atomic import write_atomic

    try:
        write_atomic(path, pickle.dumps(glossary, protocol=pickle.HIGHEST_PROTOCOL))
        for old in path.parent.glob("glossary-*"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def concepts_in(text: str) -> list[Concept]:
    """The shipped glossary's concepts that ``text`` names, in order of first mention."""
    return load_glossary().concepts_in(text)


def validate() -> list[Problem]:
    """The shipped glossary's problems (an empty list when it is sound)."""
    return load_glossary().validate()


# -- validation ------------------------------------------------------------------------------


def _validate(concepts: tuple[Concept, ...]) -> list[Problem]:
    import opencc

    s2t = opencc.OpenCC("s2t.json")
    problems: list[Problem] = []
    seen_ids: set[str] = set()
    owner_en: dict[tuple[str, ...], tuple[int, str]] = {}
    owner_zh: dict[str, tuple[int, str]] = {}
    for n, c in enumerate(concepts):
        def problem(message: str, c: Concept = c) -> None:
            problems.append(Problem(c.id or "?", message))

        if not _ID_RE.match(c.id):
            problem("the id is not an ascii slug (a-z, 0-9, single hyphens)")
        if c.id in seen_ids:
            problem("duplicate id")
        seen_ids.add(c.id)
        for field in ("en", "zh_hans", "zh_hant", "source"):
            if not getattr(c, field):
                problem(f"{field} is empty")
        for variant in c.en:
            if not variant or han_re().search(variant) or not _WORD_RE.search(variant):
                problem(f"English variant {variant!r} is not English words")
        for variant in c.zh_hans + c.zh_hant:
            if not han_re().search(variant):
                problem(f"Chinese variant {variant!r} has no Chinese characters")
        for variant in c.zh_hans:
            if fold_han(variant) != variant:
                problem(f"simplified variant {variant!r} has traditional characters")
        converted = [s2t.convert(v) for v in c.zh_hans]
        for v, t in zip(c.zh_hans, converted, strict=True):
            if t not in c.zh_hant:
                problem(f"zh_hant lacks {t!r}, OpenCC's conversion of {v!r}")
        for t in c.zh_hant:
            if t not in converted and t not in c.zh_hant_unconverted:
                problem(f"traditional variant {t!r} is not OpenCC's conversion of a simplified "
                        "variant and is not listed in zh_hant_unconverted")
        for t in c.zh_hant_unconverted:
            if t not in c.zh_hant:
                problem(f"zh_hant_unconverted lists {t!r}, which is not in zh_hant")
        for variant in c.en:
            for seq in _english_sequences(variant):
                other = owner_en.setdefault(seq, (n, c.id))
                if other[0] != n:
                    problem(f"English variant {variant!r} is also a variant of {other[1]}")
        for variant in c.zh_hans + c.zh_hant:
            other = owner_zh.setdefault(chinese_key(variant), (n, c.id))
            if other[0] != n:
                problem(f"Chinese variant {variant!r} is also a variant of {other[1]}")
    ids = {c.id for c in concepts}
    for c in concepts:
        problems += [Problem(c.id, f"related concept {r!r} is not in the glossary")
                     for r in c.related if r not in ids]
    return problems
