"""The Whoosh analyzers for mixed Chinese and English clause text.

One tokenizer, four granularities for Chinese (English words are the same in all four):

* ``words``: jieba's search mode, every dictionary sub-word of a compound as well as the
  compound (``中华人民共和国`` also gives ``共和国``), plus every character bigram it did not
  give (``馆际互借`` also gives ``馆际``): recall for ranked search.
* ``chars``: one token per Han character, positions a plain sequence: exact phrase search
  across any compound boundary (``共和国公共图书馆`` inside ``中华人民共和国公共图书馆法``).
* ``precise``: jieba's default mode, shown by ``--explain``.
* ``latin``: no Han at all: the ``spell`` field, where 'did you mean' finds Latin words.

Positions are ordinals and offsets are characters in the original string, shifted by
``start_char`` (the contract Whoosh's ``RegexTokenizer`` documents); Han characters are folded
traditional -> simplified one by one, so offsets never move. English words are lower-cased,
stopped, spelled American and Porter-stemmed. jieba loads on the first Han run it sees, with a
shipped user dictionary, and never logs to the terminal.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Composable, Filter, StopFilter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem as porter_stem

from .cachedir import user_cache_dir as jieba_cache_dir
from .language import HAN, fold_han, is_han
from .package_data import shipped_bytes
from .spelling import american

#: Bumped whenever analysis changes what is indexed: an index of another version is rebuilt.
ANALYSIS_VERSION = 5
USERDICT = "data/userdict.txt"  # jieba's user dictionary: the domain's words


@lru_cache(maxsize=1)
def analysis_fingerprint() -> str:
    """Everything besides our code that decides the index: the versions of the engine, jieba
    and OpenCC, and the user dictionary's hash. An index built with others is rebuilt. The
    versions are read from the installed metadata without importing importlib.metadata or
    the packages (see ``installed_version``)."""
    import hashlib

    from .config import installed_version

    def version(name: str) -> str:
        found = installed_version(name)
        return "none" if found is None else found

    digest = hashlib.sha256(shipped_bytes(USERDICT)).hexdigest()[:8]
    return (f"whoosh-{version('whoosh3')}.jieba-{version('jieba')}.opencc-{version('opencc')}"
            f".dict-{digest}")

# a Han run, or a run of the other word characters (the class is \w less _ and Han: a
# lookahead per character cost a build a tenth of its tokenizing, and start-up 3 ms)
_TOKEN_RE = re.compile(f"([{HAN}]+)|([^\\W_{HAN}]+)")
_ASCII_WORD = re.compile(r"^[a-z]+$")
STOP = frozenset(STOP_WORDS | {"s", "t", "shall", "such", "its", "their", "our", "would"})


@lru_cache(maxsize=1)
def jieba_tokenizer():
    """jieba's segmenter with the domain dictionary, made on first use (it costs a second)."""
    import logging  # here: 4 ms to import, and only jieba logs

    import jieba

    logging.getLogger("jieba").setLevel(logging.ERROR)
    segmenter = jieba.Tokenizer()
    segmenter.tmp_dir, segmenter.cache_file = jieba_cache_dir(), "jieba.cache"
    if not _load_jieba_cache(segmenter, jieba.DEFAULT_DICT):
        segmenter.initialize()  # builds the dictionary and writes the cache
    segmenter.load_userdict(io.BytesIO(shipped_bytes(USERDICT)))
    return segmenter


def _load_jieba_cache(segmenter, default_dict: str) -> bool:
    """What ``initialize`` does when the default dictionary's cache is there, but reading the
    file whole first: ``marshal.load`` on the open file (jieba's way) takes a second where
    ``marshal.loads`` of its bytes takes a third, and a build's every worker pays it."""
    import marshal
    import os

    if segmenter.dictionary != default_dict:
        return False
    try:
        with open(os.path.join(segmenter.tmp_dir, segmenter.cache_file), "rb") as cache:
            segmenter.FREQ, segmenter.total = marshal.loads(cache.read())
    except (OSError, EOFError, ValueError, TypeError):  # none yet, or another Python's
        return False
    segmenter.initialized = True
    return True


def han_pieces(run: str, granularity: str, mode: str = "") -> Iterator[tuple[str, int, int]]:
    """(word, start, end) for a run of Han characters, already folded to simplified.

    A query against the ``words`` field needs no jieba: every bigram of an indexed run is in
    the index (as a jieba word or as a bigram), so the query's bigrams find it."""
    if granularity == "chars" or (granularity == "words" and mode == "query" and len(run) == 1):
        for i, ch in enumerate(run):
            yield ch, i, i + 1
        return
    if granularity == "words" and mode == "query":
        for i in range(len(run) - 1):
            yield run[i:i + 2], i, i + 2
        return
    if granularity == "latin":  # 'did you mean' corrects Latin words only
        return
    if granularity == "precise":
        yield from jieba_tokenizer().tokenize(run, mode="default", HMM=True)
        return
    seen = set()
    for word, start, end in jieba_tokenizer().tokenize(run, mode="search", HMM=True):
        seen.add((start, end))
        yield word, start, end
    for i in range(len(run) - 1):  # bigrams: recall where segmentations disagree
        if (i, i + 2) not in seen:
            yield run[i:i + 2], i, i + 2


def hyphen_compound(value: str, previous, match) -> str | None:
    """Two Latin words joined by a hyphen (``previous`` and ``match`` of ``_TOKEN_RE`` in
    ``value``), as one word for the ``words`` field: so that interlibrary finds
    inter-library, and inter-library finds interlibrary."""
    if (previous is None or not previous.group(2) or not match.group(2)
            or value[previous.end():match.start()] != "-"):
        return None
    return previous.group(2) + match.group(2)


class ClauseTokenizer(Tokenizer):
    """Han runs through jieba (or per character), everything else as words."""

    def __init__(self, granularity: str = "words") -> None:
        if granularity not in ("words", "chars", "precise", "latin"):
            raise ValueError(f"unknown granularity {granularity!r}")
        self.granularity = granularity

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClauseTokenizer) and other.granularity == self.granularity

    def __hash__(self) -> int:
        return hash(("ClauseTokenizer", self.granularity))

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            yield from self._whole(token, value, positions, chars, keeporiginal, start_pos,
                                   start_char)
            return
        pos = start_pos
        previous = None
        for match in _TOKEN_RE.finditer(value):
            if match.group(1):
                pieces = han_pieces(fold_han(match.group(1)), self.granularity, mode)
            else:
                pieces = iter([(match.group(2), 0, len(match.group(2)))])
                joined = (hyphen_compound(value, previous, match)
                          if self.granularity == "words" else None)
                if joined is not None:  # inter-library also as interlibrary, between the two
                    token.text, token.boost, token.stopped = joined, 1.0, False
                    if keeporiginal:
                        token.original = joined
                    if positions:
                        token.pos = pos
                        pos += 1
                    if chars:
                        token.startchar = start_char + previous.start()
                        token.endchar = start_char + match.end()
                    yield token
            previous = match
            for word, start, end in pieces:
                token.text = word
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = word
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + match.start() + start
                    token.endchar = start_char + match.start() + end
                yield token

    @staticmethod
    def _whole(token, value, positions, chars, keeporiginal, start_pos, start_char):
        token.text = value
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = value
        if positions:
            token.pos = start_pos
        if chars:
            token.startchar = start_char
            token.endchar = start_char + len(value)
        yield token


class _StatelessFilter(Filter):
    """A filter without settings: any two of a class are equal (Whoosh compares analyzers
    when it checks a pickled schema)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self).__name__)


class FoldFilter(_StatelessFilter):
    """Lower case and full-width -> half-width Latin (``ＡＳＥＡＮ`` is ``asean``)."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_token(token.text)
            yield token


@lru_cache(maxsize=100_000)
def fold_token(text: str) -> str:
    """What ``FoldFilter`` makes of a token (cached: a build folds the same words over and
    over)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text) if _is_latin(text) else text
    return text.lower()


def _is_latin(text: str) -> bool:
    return not any(map(is_han, text))


#: Porter over-stems these families into unrelated words ("publications" -> "public",
#: "digitization" -> "digit", "organization" -> "organ"); they keep a longer stem instead.
_PROTECTED_STEMS = ("publicat", "digitiz", "organiz", "communicat", "universit")


@lru_cache(maxsize=100_000)
def english_stem(word: str) -> str:
    if not _ASCII_WORD.match(word):
        return word
    word = american(word)
    for stem in _PROTECTED_STEMS:
        if word.startswith(stem):
            return stem
    return porter_stem(word)


class EnglishStemFilter(_StatelessFilter):
    """American spelling, then the Porter stem, for ASCII words only; Chinese passes through."""

    is_morph = True

    def __call__(self, tokens):
        for token in tokens:
            if not token.stopped:
                token.text = english_stem(token.text)
            yield token


@lru_cache(maxsize=8192)
def char_sequence(text: str) -> tuple[str, ...]:
    """What the ``chars`` analyzer makes of ``text`` (Han characters folded one by one,
    English words folded, stopped and stemmed), without Whoosh's token machinery: ranking
    reads it for every matching clause (tests check it equals ``CHARS``)."""
    out: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        if match.group(1):
            out.extend(fold_han(match.group(1)))
            continue
        term = _kept(match.group(2), True)
        if term is not None:
            out.append(term)
    return tuple(out)


def query_spans(text: str) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """(term, start, end) of each token ``WORDS`` (as a query reads it: a Han run's
    bigrams) and ``CHARS`` make of ``text``, in one pass and without Whoosh's token
    machinery: a search marks the words of every hit it shows (tests compare them)."""
    words: list[tuple[str, int, int]] = []
    chars: list[tuple[str, int, int]] = []
    latin, latin_start, latin_end = None, 0, -2  # the Latin word just before, if any
    for match in _TOKEN_RE.finditer(text):
        at, end = match.span()
        run, word = match.groups()
        if run:  # han_pieces of the run, "words" as a query reads them and "chars", inline
            run = fold_han(run)
            if len(run) == 1:
                words.append((run, at, end))
            else:
                words += [(run[i:i + 2], at + i, at + i + 2) for i in range(len(run) - 1)]
            chars += [(ch, at + i, at + i + 1) for i, ch in enumerate(run)]
            latin = None
            continue
        if latin is not None and latin_end == at - 1 and text[latin_end] == "-":
            joined = _kept(latin + word, True)  # hyphen_compound's word, inline
            if joined is not None:
                words.append((joined, latin_start, end))
        term = _kept(word, True)
        if term is not None:
            words.append((term, at, end))
            chars.append((term, at, end))
        latin, latin_start, latin_end = word, at, end
    return words, chars


def make_analyzer(granularity: str, stem: bool = True) -> Composable:
    analyzer = ClauseTokenizer(granularity) | FoldFilter() | StopFilter(stoplist=STOP, minsize=1)
    return analyzer | EnglishStemFilter() if stem else analyzer


#: The analyzers the schema pickles; keep these names and this module's path stable.
WORDS = make_analyzer("words")
CHARS = make_analyzer("chars")
SPELL = make_analyzer("latin", stem=False)  # no Han: spelling is corrected for Latin words


@lru_cache(maxsize=100_000)
def _kept(text: str, stem: bool) -> str | None:
    """A token through FoldFilter, StopFilter and (with ``stem``) EnglishStemFilter: the
    term indexed, or None for a stop word."""
    text = fold_token(text)
    if not text or text in STOP:
        return None
    return english_stem(text) if stem else text


@lru_cache(maxsize=65_536)
def _search_words(run: str) -> tuple[str, ...]:
    """The ``words`` pieces of a folded Han run: cached, since clauses repeat phrases and
    jieba is the dearest step of a build."""
    return tuple(word for word, _, _ in han_pieces(run, "words"))


#: The analyzers ``indexed_terms`` stands in for, in the order of its answer.
INDEXED = (WORDS, CHARS, SPELL)


@lru_cache(maxsize=8)
def indexed_terms(value: str) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """What ``WORDS``, ``CHARS`` and ``SPELL`` index of ``value``, in one pass over it: for
    each, the position of its first term and its terms in order (StopFilter renumbers, so
    the rest follow one by one). The same as the analyzers give (tests compare them), without
    a Token through five generators for each term of each field: the index build's hot loop.
    Cached for the few fields of one clause that hold the same text."""
    # each field's tokens in position order, a stop word as None
    words: list[str | None] = []
    chars: list[str | None] = []
    latin: list[str | None] = []
    previous = None
    for match in _TOKEN_RE.finditer(value):
        run = match.group(1)
        if run:
            run = fold_han(run)
            words += [_kept(piece, True) for piece in _search_words(run)]
            chars += [_kept(ch, True) for ch in run]
        else:
            word = match.group(2)
            joined = hyphen_compound(value, previous, match)
            if joined is not None:
                words.append(_kept(joined, True))
            term = _kept(word, True)
            words.append(term)
            chars.append(term)
            latin.append(_kept(word, False))
        previous = match
    return tuple(_first_and_terms(tokens) for tokens in (words, chars, latin))


def _first_and_terms(tokens: list[str | None]) -> tuple[int, tuple[str, ...]]:
    """The position of the first term kept (0 for none), and the terms kept."""
    first = next((i for i, term in enumerate(tokens) if term is not None), 0)
    return first, tuple(term for term in tokens if term is not None)


def analyze(text: str, granularity: str = "words", stem: bool = True) -> list[tuple[str, int, int]]:
    """(term, start, end) for each token of ``text``: what the index sees."""
    analyzer = make_analyzer(granularity, stem)
    return [(t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True, mode="query")]
