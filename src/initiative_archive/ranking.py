"""Which hits say what the researcher typed: match levels above the BM25F score.

A plain query (words, no operators, fields, quotes or wildcards) ranks its hits in levels, and
by BM25F within a level:

* ``phrase``: the whole query as one contiguous run: Chinese characters in order, English
  words one after another, hyphens and compounds aside (inter-library = interlibrary =
  inter library);
* ``near``: every query word, close together;
* ``all``: every query word, anywhere in the clause;
* ``some``: some of the words.

A Chinese query's words are the segmenter's words, read off the index's own vocabulary (what
jieba produced when the texts were indexed), so the query side never loads jieba: ``资源共享``
is one unit for ``phrase``, and its parts ``资源`` and ``共享`` are the words for ``near`` and
``all``. English words are stemmed, stop words aside, exactly as indexing does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .analysis import char_sequence
from .language import fold_han, han_runs, is_han

LEVELS = ("some", "all", "near", "phrase")  # worst to best
_OPERATORS = re.compile(r'["*?:()\[\]{}^~]|\b(?:AND|OR|NOT|ANDNOT|ANDMAYBE|TO)\b')
MAX_WORD = 4  # the longest Chinese word looked up in the vocabulary
NEAR_SLACK = 4  # tokens a 'near' match may spread beyond twice the query's length


@dataclass(frozen=True)
class QueryShape:
    """What a plain query asks for: its tokens in order, and its words."""

    tokens: tuple[str, ...]  # Han characters and English stems, in order, stop words out
    words: tuple[tuple[str, ...], ...]  # each word as its tokens: ("资", "源"), ("librari",)


def is_plain(text: str) -> bool:
    return not _OPERATORS.search(text)


def query_shape(text: str, known: Callable[[str], bool]) -> QueryShape | None:
    """The shape of a plain query (None for one with operators, fields, quotes, wildcards,
    or no words). ``known(word)`` says whether a Chinese word is in the index's vocabulary."""
    if not is_plain(text):
        return None
    tokens = char_sequence(text)
    if not tokens:
        return None
    words: list[tuple[str, ...]] = []
    for token in tokens:
        if not is_han(token[0]):  # a token is one Han character or a word with none
            words.append((token,))
    for run in han_runs(fold_han(text)) if not text.isascii() else ():
        words += [tuple(w) for w in segment(run, known)]
    return QueryShape(tokens, tuple(dict.fromkeys(words)))


def segment(run: str, known: Callable[[str], bool]) -> list[str]:
    """A Chinese run as its parts: the longest known words from the left, never the whole run
    (that is the phrase); a run of one or two characters is its own word."""
    if len(run) <= 2:
        return [run]
    out, i = [], 0
    longest = min(MAX_WORD, len(run) - 1)
    while i < len(run):
        size = next((n for n in range(min(longest, len(run) - i), 1, -1)
                     if known(run[i:i + n])), 1)
        out.append(run[i:i + size])
        i += size
    return out


def rank_key(shape: QueryShape, tokens: str) -> tuple[str, int]:
    """How well a clause's tokens (``char_sequence`` of its text, joined by spaces: see
    ``token_text``) match the query (phrase, near, all or some), and how many of the query's
    words it holds: more of them come first within a level."""
    return rank_keys(shape)(tokens)


def rank_keys(shape: QueryShape) -> Callable[[str], tuple[str, int]]:
    """``rank_key`` of ``shape`` for one clause's tokens after another (a query ranks
    hundreds): read on the joined text by regular expressions, each word's places too (for a
    clause holding every word, whose words' distance is measured)."""
    compiled = _compiled(shape)
    phrase, patterns, words = compiled.phrase, compiled.words, shape.words
    word_patterns = list(zip(patterns, words, strict=True))
    every, window = len(words), 2 * len(shape.tokens) + NEAR_SLACK

    def key(tokens: str) -> tuple[str, int]:
        if phrase is not None and phrase.search(tokens):
            return "phrase", every
        held = sum(1 for word in patterns if word.search(tokens))
        if held < every:
            return "some", held
        places = [_places(pattern, len(word), tokens) for pattern, word in word_patterns]
        return ("near" if _within(places, window) else "all"), held

    return key


def token_text(tokens) -> str:
    """Tokens as ``rank_key`` and ``Runs`` read them: joined by spaces (no token holds one:
    they are Han characters and folded Latin words)."""
    return " ".join(tokens)


@dataclass(frozen=True)
class _Compiled:
    phrase: re.Pattern | None  # the whole query as one run, compounds aside
    words: tuple[re.Pattern, ...]  # each word's tokens as a run of whole tokens


@lru_cache(maxsize=256)
def _compiled(shape: QueryShape) -> _Compiled:
    whole = "".join(shape.tokens)
    return _Compiled(run_pattern(whole) if whole else None,
                     tuple(_whole_tokens(token_text(word)) for word in shape.words))


def _whole_tokens(run: str) -> re.Pattern:
    """``holds_run(text, run)`` as a regular expression (a search in C, where a clause's
    every word is tested)."""
    return _from_token_start(run[0], re.escape(run[1:]))


def holds_run(text, run, start: int = 0, end: int | None = None) -> bool:
    """Whether ``text[start:end]`` (tokens joined by spaces, as ``str`` or UTF-8 ``bytes``)
    holds ``run`` (tokens joined the same way) starting and ending on token boundaries."""
    end = len(text) if end is None else end
    space = " " if isinstance(text, str) else b" "
    size = len(run)
    at = text.find(run, start, end)
    while at >= 0:
        if (at == start or text[at - 1:at] == space) and (
                at + size == end or text[at + size:at + size + 1] == space):
            return True
        at = text.find(run, at + 1, end)
    return False


class Runs:
    """Many runs of tokens, any of which may stand in a clause's token text, compounds aside
    (the run's concatenation equals that of whole tokens side by side: inter-library =
    interlibrary). Read on the text with its spaces taken out, where each run is a plain
    string: one regular-expression scan of it for every run at once (a concept and those it
    includes have dozens of variants, tested against hundreds of clauses a query). Where one
    stands, whether it stands from a token's start to a token's end is the search of its own
    pattern (``run_pattern``) in the text itself: only the few runs a query's clauses hold are
    compiled that way, where working out the token boundaries of every text a run stands in
    cost a Chinese query more than the rest of its concept's tests. Plain strings compile in
    a fifth of the time of runs that allow a space between any two characters, and a query
    compiles a set of runs for each of its concepts."""

    def __init__(self, runs) -> None:
        wholes = sorted({"".join(run) for run in runs if run}, key=lambda w: (-len(w), w))
        self.by_first: dict[str, list[str]] = {}
        for whole in wholes:
            self.by_first.setdefault(whole[0], []).append(whole)
        self.pattern = re.compile("|".join(map(re.escape, wholes))) if wholes else None

    def any_in(self, tokens: str) -> bool:
        if self.pattern is None:
            return False
        squeezed = tokens.replace(" ", "")
        found = self.pattern.search(squeezed)
        tried: set[str] = set()
        while found is not None:  # every place where some run stands, left to right
            at = found.start()
            for whole in self.by_first[squeezed[at]]:
                if whole not in tried and squeezed.startswith(whole, at):
                    if run_pattern(whole).search(tokens):
                        return True
                    tried.add(whole)  # nowhere from a token's start to a token's end
            found = self.pattern.search(squeezed, at + 1)
        return False


@lru_cache(maxsize=4096)
def run_pattern(whole: str) -> re.Pattern:
    """A regular expression finding ``whole`` in a token text as a run of whole tokens: a
    space may stand between any two of its characters (where one token ends and the next
    begins), and it starts and ends where a token does."""
    return _from_token_start(whole[0], "".join(" ?" + re.escape(ch) for ch in whole[1:]))


def _from_token_start(first: str, rest: str) -> re.Pattern:
    """``first`` (a character) then the pattern ``rest``, from a token's start to a token's
    end. The start is tested just after the first character, not before it, so that the
    pattern opens with that character, which the regular-expression engine skips ahead to
    (eight to twenty times faster on a clause's tokens)."""
    return re.compile(f"(?s){re.escape(first)}(?<![^ ].){rest}(?![^ ])")


def _places(pattern: re.Pattern, size: int, tokens: str) -> list[tuple[int, int]]:
    """(first, last) token positions of each occurrence of a word of ``size`` tokens, read off
    the token text by the word's pattern (``_whole_tokens``): each place it matches,
    overlapping ones too, its first token's position the spaces before it. A search in C for
    each place, where a tuple of the clause's tokens cost the time of them all."""
    found: list[tuple[int, int]] = []
    first, counted = 0, 0
    match = pattern.search(tokens)
    while match is not None:
        at = match.start()
        first += tokens.count(" ", counted, at)
        counted = at
        found.append((first, first + size - 1))
        match = pattern.search(tokens, at + 1)
    return found


def _within(places: list[list[tuple[int, int]]], limit: int) -> bool:
    """Whether at most ``limit`` tokens hold one occurrence of every word: a sweep over the
    occurrences sorted by position, each word's latest so far making a window, stopped at the
    first window short enough."""
    events = sorted((start, end, w) for w, spans in enumerate(places) for start, end in spans)
    last: dict[int, tuple[int, int]] = {}
    for start, end, w in events:
        last[w] = (start, end)
        if len(last) == len(places) and (max(e for _, e in last.values())
                                         - min(s for s, _ in last.values()) < limit):
            return True
    return False
