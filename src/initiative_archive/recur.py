"""Where else a proposal is made: clauses of other documents that state the same thing, in the
same language or the other one.

Each clause is profiled by what it can be compared on:

* its wording: Chinese as character bigrams (traditional folded to simplified), English as word
  stems without stop words, so a regulation restating a law article shares most of them;
* its concepts: the glossary's concepts it mentions (glossary.py), in either language, which is
  what links an English initiative to a Chinese article.

Two clauses of one language are as similar as the larger of their wording's overlap and their
concepts' overlap; across languages only concepts count. A link needs a score at or above the
threshold, which was chosen on labelled pairs (tests/data/recur_pairs.json) for precision first.
A clause is never linked to itself or to its own document; of an article and its paragraphs, the
best-scoring unit stands for the family, as in search.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .analysis import STOP, english_stem
from .language import HAN, fold_han
from .model import Clause, Document

#: Scores at or above which two clauses are said to state the same thing (see the docstring).
THRESHOLD = {"same": 0.5, "cross": 0.6}
MIN_SHARED_CONCEPTS = 2  # a link through concepts alone needs at least this many in common
COMPARED_ROLES = ("preamble", "operative")
_HAN_RUN = re.compile(f"[{HAN}]+")
_WORD = re.compile(r"[A-Za-z]+")

ConceptFinder = Callable[[str], Iterable[str]]


@dataclass(frozen=True)
class Profile:
    """What a clause is compared on."""

    clause: Clause
    document: Document
    script: str  # "zh" or "en"
    grams: frozenset[str]
    concepts: frozenset[str]
    ancestors: tuple[str, ...] = ()


@dataclass
class Recurrence:
    """A clause of another document that states the same thing, and why it was linked."""

    profile: Profile
    score: float
    shared: list[str] = field(default_factory=list)  # concepts, then a few shared terms
    by: str = "wording"  # wording or concepts

    def to_dict(self) -> dict:
        c, d = self.profile.clause, self.profile.document
        return {"clause_id": c.id, "doc_id": d.id, "doc_title": d.title, "date": d.date,
                "label": c.label, "locator": c.locator, "lang": c.lang, "text": c.text,
                "score": round(self.score, 4), "by": self.by, "shared": self.shared}


def script_of(text: str) -> str:
    han = sum(len(run) for run in _HAN_RUN.findall(text))
    return "zh" if han * 2 >= len(_WORD.findall(text)) and han else "en"


def wording(text: str, script: str) -> frozenset[str]:
    """Chinese character bigrams, or English stems without stop words."""
    if script == "zh":
        grams = set()
        for run in _HAN_RUN.findall(fold_han(text)):
            grams.update(run[i:i + 2] for i in range(len(run) - 1))
        return frozenset(grams)
    words = (w.lower() for w in _WORD.findall(text))
    return frozenset(english_stem(w) for w in words if w not in STOP and len(w) > 2)


def profile(clause: Clause, document: Document, concepts: ConceptFinder,
            ancestors: tuple[str, ...] = ()) -> Profile:
    script = script_of(clause.text)
    return Profile(clause, document, script, wording(clause.text, script),
                   frozenset(concepts(clause.text)), ancestors)


def similarity(a: Profile, b: Profile) -> tuple[float, str, list[str]]:
    """(score, what linked them, what they share)."""
    shared_concepts = sorted(a.concepts & b.concepts)
    by_concepts = 0.0
    if len(shared_concepts) >= MIN_SHARED_CONCEPTS or (
            shared_concepts and min(len(a.concepts), len(b.concepts)) == 1):
        by_concepts = len(shared_concepts) / math.sqrt(len(a.concepts) * len(b.concepts))
    by_wording = 0.0
    shared_terms: list[str] = []
    if a.script == b.script and a.grams and b.grams:
        common = a.grams & b.grams
        dice = 2 * len(common) / (len(a.grams) + len(b.grams))
        containment = len(common) / min(len(a.grams), len(b.grams))
        by_wording = (dice + containment) / 2
        shared_terms = sorted(common, key=len, reverse=True)[:8]
    if by_wording >= by_concepts:
        return by_wording, "wording", shared_concepts + shared_terms
    return by_concepts, "concepts", shared_concepts


def threshold_for(a: Profile, b: Profile, thresholds: dict[str, float] | None = None) -> float:
    return (thresholds or THRESHOLD)["same" if a.script == b.script else "cross"]


def comparable(clause: Clause) -> bool:
    return clause.role in COMPARED_ROLES and bool(clause.text.strip())


def links(target: Profile, pool: Iterable[Profile],
          thresholds: dict[str, float] | None = None) -> list[Recurrence]:
    """The clauses of other documents that state what ``target`` states, best first; of
    nested units, the best-scoring one of each family."""
    found = []
    for other in pool:
        if other.document.id == target.document.id:
            continue
        score, by, shared = similarity(target, other)
        if score >= threshold_for(target, other, thresholds):
            found.append(Recurrence(other, score, shared, by))
    found.sort(key=lambda r: (-r.score, r.profile.clause.order))
    return _best_of_each_family(found)


def _best_of_each_family(found: list[Recurrence]) -> list[Recurrence]:
    kept, kept_ids, kept_ancestors = [], set(), set()
    for r in found:
        cid = r.profile.clause.id
        if cid in kept_ancestors or any(a in kept_ids for a in r.profile.ancestors):
            continue
        kept.append(r)
        kept_ids.add(cid)
        kept_ancestors.update(r.profile.ancestors)
    return kept


# -- compare: documents side by side ------------------------------------------------------------


@dataclass
class Row:
    """One clause of the first document and its best match in each other document."""

    profile: Profile
    matches: dict[str, Recurrence | None]  # doc id -> best match, None: new


@dataclass
class Comparison:
    """``compare A B ...``: A's clauses with their matches, then what the others add."""

    documents: list[Document]
    rows: list[Row]
    unmatched: dict[str, list[Profile]]  # doc id -> its clauses that match nothing in A


def top_level(profiles: Iterable[Profile]) -> list[Profile]:
    """The units a reader compares: proposals, preambular paragraphs, articles."""
    return [p for p in profiles if p.clause.parent is None]


def best_match(target: Profile, pool: list[Profile],
               thresholds: dict[str, float] | None = None) -> Recurrence | None:
    found = links(target, pool, thresholds)
    return found[0] if found else None


def compare(by_doc: dict[str, list[Profile]], doc_ids: list[str],
            thresholds: dict[str, float] | None = None) -> Comparison:
    first, others = doc_ids[0], doc_ids[1:]
    rows = [Row(p, {d: best_match(p, by_doc[d], thresholds) for d in others})
            for p in top_level(by_doc[first])]
    unmatched = {d: [p for p in top_level(by_doc[d])
                     if best_match(p, by_doc[first], thresholds) is None] for d in others}
    documents = [by_doc[d][0].document for d in doc_ids if by_doc[d]]
    return Comparison(documents, rows, unmatched)


# -- themes: what recurs across the archive -----------------------------------------------------


@dataclass
class Theme:
    """Clauses of several documents that state the same thing."""

    members: list[Profile]
    concepts: list[str]
    first: str  # the earliest date it appears
    last: str

    @property
    def documents(self) -> list[str]:
        return sorted({p.document.id for p in self.members},
                      key=lambda d: next(p.document.date for p in self.members
                                         if p.document.id == d))


def themes(profiles: list[Profile], dated: Callable[[Document], str],
           thresholds: dict[str, float] | None = None, min_documents: int = 2) -> list[Theme]:
    """Groups of top-level clauses linked to each other across documents (each clause joins
    the group of the clause it is most similar to, so a chain never drifts through weak
    links), with the concepts most of them share and the first and last date they appear."""
    units = top_level(profiles)
    parent = list(range(len(units)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, unit in enumerate(units):
        best, best_score = None, 0.0
        for j, other in enumerate(units):
            if other.document.id == unit.document.id:
                continue
            score, _, _ = similarity(unit, other)
            if score >= threshold_for(unit, other, thresholds) and score > best_score:
                best, best_score = j, score
        if best is not None:
            parent[find(i)] = find(best)
    groups: dict[int, list[Profile]] = {}
    for i, unit in enumerate(units):
        groups.setdefault(find(i), []).append(unit)
    out = []
    for members in groups.values():
        if len({p.document.id for p in members}) < min_documents:
            continue
        dates = sorted(d for d in (dated(p.document) for p in members) if d)
        counts: dict[str, int] = {}
        for p in members:
            for c in p.concepts:
                counts[c] = counts.get(c, 0) + 1
        concepts = [c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
                    if n >= 2][:6]
        out.append(Theme(sorted(members, key=lambda p: (dated(p.document), p.clause.order)),
                         concepts, dates[0] if dates else "", dates[-1] if dates else ""))
    return sorted(out, key=lambda t: (-len({p.document.id for p in t.members}),
                                      -len(t.members), t.first))
