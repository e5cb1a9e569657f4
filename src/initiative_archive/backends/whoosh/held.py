"""What a search works out once per open index and keeps on its reader: the rank records, a
segment's rank column, the scored postings, concept and filter answers. A new version of the
index has a new reader, so nothing kept there goes stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def held(reader, name: str, make: Callable[[], T]) -> T:
    """``make()``, made the first time it is asked of ``reader`` and kept on it under
    ``name`` (two threads making it at once keep the same one)."""
    found = reader.__dict__.get(name)
    if found is None:
        found = reader.__dict__.setdefault(name, make())
    return found
