"""How much work one query may ask for: a record of its own so that the CLI can offer every
limit as an option without loading the search engine to print ``--help``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class QueryLimits:
    """How much work one query may ask for. The defaults keep every query on the shipped corpus
    under a second and refuse, within a second, the ones that would take minutes on a larger
    archive (measured figures in tests/test_robustness_query.py)."""

    max_chars: int = 5000  # characters of the query string
    max_terms: int = 5000  # terms after expansion, each word of a phrase counted
    max_expansions: int = 1000  # index terms all wildcards, prefixes and ranges may stand for
    min_literal: int = 1  # characters other than * and ? that a wildcard must have
    max_postings: int = 600_000  # postings its terms may read (a long phrase of common words)
    seconds: float = 5.0  # time to read, run and highlight; 'did you mean' stops quietly
    #: The best-scoring clauses (BM25F) that are read and ranked in match levels; the others
    #: are only counted. Deep enough that a clause holding the whole query is among them.
    rank_depth: int = 500

    def __post_init__(self) -> None:
        numbers = (self.max_chars, self.max_terms, self.max_expansions, self.max_postings,
                   self.seconds, self.rank_depth)
        if min(numbers) <= 0 or self.min_literal < 0:
            raise ValueError("query limits must be positive")


DEFAULT_LIMITS = QueryLimits()
