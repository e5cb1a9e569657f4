"""'Did you mean': Whoosh's ``ReaderCorrector``, its field's words kept in memory and their
distances measured in C.

Whoosh finds a word's neighbours by walking every word of the field (merged across the
segments) and measuring each one's distance to it in Python: about 13 ms a word at 10k
clauses, paid by every query no clause holds whole. Here the words are read once per open
index and measured by rapidfuzz's ``OSA`` (optimal string alignment: the Damerau-Levenshtein
distance ``whoosh.support.levenshtein`` computes); which neighbours are offered, and in what
order (the most frequent first), is Whoosh's own ``Corrector.suggest``. (Whoosh reads an index
of one segment through an automaton that counts two swapped letters as two edits; here a swap
is one edit whatever the segments, as ``IndexReader.terms_within`` documents.)
"""

from __future__ import annotations

from collections.abc import Iterator

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.spelling import ReaderCorrector

from .held import held


def corrector(searcher, fieldname: str) -> WordsCorrector:
    """The corrector of a field of the open index ``searcher``."""
    reader = searcher.reader()
    return WordsCorrector(reader, fieldname, reader.schema[fieldname])


class WordsCorrector(ReaderCorrector):
    """``ReaderCorrector`` with the field's words read once per open index."""

    def _suggestions(self, text: str, maxdist: int, prefix: int
                     ) -> Iterator[tuple[float, str]]:
        """Each word of the field within ``maxdist`` edits of ``text`` (sharing its first
        ``prefix`` characters), scored as ``ReaderCorrector`` scores it."""
        frequency = self.reader.frequency
        words = field_words(self.reader, self.fieldobj.spelling_fieldname(self.fieldname))
        if prefix:
            words = [w for w in words if w.startswith(text[:prefix])]
        for word, _, _ in process.extract_iter(text, words, scorer=OSA.distance,
                                               score_cutoff=maxdist):
            yield 0 - (maxdist + (1.0 / (frequency(self.fieldname, word) or 1) * 0.5)), word


def field_words(reader, fieldname: str) -> list[str]:
    """Every word of a field of ``reader``, read once while the index stays open."""
    def read() -> list[str]:
        field = reader.schema[fieldname]
        return [field.from_bytes(word) for word in reader.lexicon(fieldname)]

    return held(reader, f"_words_of_{fieldname}", read)
