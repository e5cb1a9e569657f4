"""Finding a document by the name a researcher types: its id, title or an alias, in either
script, a unique prefix or part of one, or a near spelling.

Tried in order, each only when the one before finds nothing: the exact id; a title, then an
alias (script, case and book-title marks aside); names that begin with what was typed, then
names that contain it (at least two Chinese characters or four letters); then a near spelling
(a typo of a title or alias; an id is exact). Several documents at one step make the name
ambiguous: the candidates are listed, and nothing is guessed. A near spelling is taken only
when it is very near: ``昆明倡议`` shares ``倡议`` with ``东亚图书馆南宁倡议`` but names another
initiative, so it is listed as a candidate and never chosen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import AmbiguousNameError, NotFoundError
from .language import name_key

T = TypeVar("T")
NEAR_ENOUGH = 90  # rapidfuzz ratio (0-100) at which a typo is taken for the name
CANDIDATE = 55  # rapidfuzz WRatio (partial and token matches too) at which a name is suggested
MIN_PART = {"han": 2, "latin": 4}


def resolve(name: str, items: Sequence[T], names: Callable[[T], list[str]],
            ident: Callable[[T], str], what: str = "document") -> T:
    """The one item ``name`` means; NotFoundError (with near candidates) or
    AmbiguousNameError (with every candidate) otherwise."""
    for item in items:
        if ident(item) == name:
            return item
    wanted = name_key(name)
    keyed = [(item, [name_key(n) for n in names(item)]) for item in items]
    steps: list[Callable[[str, list[str]], bool]] = [
        lambda w, ns: w == ns[1] if len(ns) > 1 else False,  # the title (names: id, title, ...)
        lambda w, ns: w in ns,
        lambda w, ns: any(n.startswith(w) for n in ns),
        lambda w, ns: _long_enough(w) and any(w in n for n in ns),
    ]
    for step in steps:
        found = _unique([item for item, ns in keyed if step(wanted, ns)], ident)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousNameError(
                f"{name!r} names several {what}s: {', '.join(ident(i) for i in found)}",
                "give one of these ids")
    from rapidfuzz import fuzz  # only when no name fits as typed

    titles = [(item, keys[1:]) for item, keys in keyed]  # an id is exact, never a typo
    typos = _near(wanted, titles, ident, fuzz.ratio, NEAR_ENOUGH)
    if len(typos) == 1:
        return typos[0][0]
    near = _near(wanted, keyed, ident, fuzz.WRatio, CANDIDATE)
    hint = (f"near: {', '.join(ident(i) for i, _ in near[:3])}" if near
            else "run 'initiative-archive docs' to list them")
    raise NotFoundError(f"no {what} called {name!r}", hint)


def _unique(items: list[T], ident: Callable[[T], str]) -> list[T]:
    seen: dict[str, T] = {}
    for item in items:
        seen.setdefault(ident(item), item)
    return list(seen.values())


def _long_enough(key: str) -> bool:
    han = sum(1 for ch in key if "\u3400" <= ch <= "\u9fff")
    return han >= MIN_PART["han"] or (han == 0 and len(key) >= MIN_PART["latin"])


def _near(wanted: str, keyed: list[tuple[T, list[str]]], ident: Callable[[T], str],
          scorer: Callable[..., float], cutoff: float) -> list[tuple[T, float]]:
    """Items by their nearest name's similarity to ``wanted``, best first, from ``cutoff``."""
    from rapidfuzz import process

    best: dict[str, tuple[T, float]] = {}
    for item, keys in keyed:
        match = process.extractOne(wanted, keys, scorer=scorer)
        if match and match[1] >= cutoff:
            key = ident(item)
            if key not in best or best[key][1] < match[1]:
                best[key] = (item, match[1])
    return sorted(best.values(), key=lambda pair: -pair[1])


def name_clash(doc, other) -> str:
    """'' or what makes one of ``doc``'s aliases a name of ``other`` (its id, title, alias):
    ``show``, ``cite`` and ``--doc`` by that name would land on the wrong document. Most
    documents have no alias: then ``other``'s names are never keyed (ingest and ``check``
    compare every pair of documents)."""
    if not doc.aliases:
        return ""
    names = {name_key(n) for n in other.names()}
    for alias in doc.aliases:
        if name_key(alias) in names:
            return f"{doc.id}'s alias {alias!r} is a name of {other.id}"
    return ""
