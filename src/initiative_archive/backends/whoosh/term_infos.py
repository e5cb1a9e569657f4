"""A segment's term records, each read from the file once per open index.

A query asks the term table about one term several times: whether a segment holds it
(``__contains__``), how many clauses (``doc_frequency``, for the query's shape and its
budget), its weight, and its record for the matcher. whoosh3 answers each by a lookup in its
on-disk hash table, a few seeks and small reads (22 saved searches at 10k clauses asked 2,173
times for 418 terms). Here the first answer's record is kept and the others read from it.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import W3TermInfo, W3TermsReader
from whoosh.reading import TermNotFound

KEPT_TERMS = 65_536  # per segment; past it the records kept are dropped and read anew


class _KeptTermsReader(W3TermsReader):
    """whoosh3's term table of a segment, answering from each term's record read once. It
    adds no state to the class (``kept_terms`` swaps the class of a reader already open): the
    records are kept in the instance's ``_kept`` dict, made on first use."""

    def _record(self, fieldname: str, tbytes: bytes) -> W3TermInfo | None:
        kept = self.__dict__.get("_kept")
        if kept is None:
            kept = self.__dict__.setdefault("_kept", {})
        key = (fieldname, tbytes)
        if key in kept:
            return kept[key]
        try:
            record = W3TermInfo.from_bytes(self._tindex[self._keycoder(fieldname, tbytes)])
        except KeyError:
            record = None
        if len(kept) >= KEPT_TERMS:
            kept.clear()
        kept[key] = record
        return record

    def __contains__(self, term) -> bool:
        return self._record(*term) is not None

    def term_info(self, fieldname, tbytes):
        record = self._record(fieldname, tbytes)
        if record is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return record

    def frequency(self, fieldname, tbytes):
        return self._held(fieldname, tbytes).weight()

    def doc_frequency(self, fieldname, tbytes):
        return self._held(fieldname, tbytes).doc_frequency()

    def _held(self, fieldname: str, tbytes: bytes) -> W3TermInfo:
        """The record, or KeyError as whoosh3's ``frequency`` raises (its reader catches it)."""
        record = self._record(fieldname, tbytes)
        if record is None:
            raise KeyError((fieldname, tbytes))
        return record


def kept_terms(searcher) -> None:
    """Make each segment's term table of ``searcher`` keep the records it reads (whoosh3's
    own tables only; any other is left as it is)."""
    for reader, _ in searcher.reader().leaf_readers():
        terms = getattr(reader, "_terms", None)
        if type(terms) is W3TermsReader:
            terms.__class__ = _KeptTermsReader
