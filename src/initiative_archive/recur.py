"""Where else a proposal is made: clauses of other documents that state the same thing, in the
same language or the other one.

Each clause is profiled by what it can be compared on:

* its wording: Chinese as character bigrams (traditional folded to simplified), English as word
  stems without stop words, so a regulation restating a law article shares most of them;
* its concepts: the glossary's concepts it mentions (glossary.py), in either language, which is
  what links an English initiative to a Chinese article.

Two clauses are judged on features of the pair (wording overlap, shared concepts, and signs
that one topic is obliged differently: a duty and its penalty, may and shall, free and fee) by
a logistic model trained on labelled pairs (tests/data/recur_pairs.json, bench/recur_train.py),
whose weights ship in data/recur_model.json. A link needs a probability at or above the
threshold for its language pair, chosen on held-out folds for precision first.
A clause is never linked to itself or to its own document; of an article and its paragraphs, the
best-scoring unit stands for the family, as in search.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .analysis import STOP, english_stem
from .language import HAN, fold_han
from .model import Clause, Document

COMPARED_ROLES = ("preamble", "operative", "closing")
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
    vector: dict[str, float] = field(default_factory=dict, compare=False)  # tf-idf, unit length


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
            ancestors: tuple[str, ...] = (), idf: dict[str, float] | None = None) -> Profile:
    script = script_of(clause.text)
    grams = wording(clause.text, script)
    return Profile(clause, document, script, grams, frozenset(concepts(clause.text)), ancestors,
                   _unit_vector(grams, idf or {}))


def inverse_frequencies(gram_sets: Iterable[frozenset[str]]) -> dict[str, float]:
    """How rare each bigram or stem is across the archive's clauses: 公共 or library says
    little, 馆际 or interlending much."""
    counts: dict[str, int] = {}
    n = 0
    for grams in gram_sets:
        n += 1
        for g in grams:
            counts[g] = counts.get(g, 0) + 1
    return {g: math.log((n + 1) / (c + 0.5)) for g, c in counts.items()}


def _unit_vector(grams: frozenset[str], idf: dict[str, float]) -> dict[str, float]:
    weights = {g: idf.get(g, 1.0) for g in grams}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {g: w / norm for g, w in weights.items()}


# Signs that two clauses on one topic oblige differently: a duty and its penalty, may and
# shall, free and fee. Learned weights (data/recur_model.json) make them count against a link.
_PENALTY = re.compile(r"违反|处罚|罚款|责令|追究.{0,8}责任|处分|penalt|violat|\bfine[sd]?\b",
                      re.IGNORECASE)
_MAY = re.compile(r"可以|鼓励|支持|\bmay\b|\bencourag", re.IGNORECASE)
_SHALL = re.compile(r"应当|必须|不得|\bshall\b|\bmust\b|\bshould\b", re.IGNORECASE)
_FREE = re.compile(r"免费|free of charge|\bfree\b", re.IGNORECASE)
_FEE = re.compile(r"收费|费用|\bfees?\b|\bcharges?\b", re.IGNORECASE)
FEATURES = ("wording_dice", "wording_containment", "wording_weighted", "concepts_cosine",
            "concepts_shared", "same_script", "penalty_differs", "both_penalty",
            "modality_differs", "fee_differs", "length_ratio")


def features(a: Profile, b: Profile) -> dict[str, float]:
    """What a link between two clauses is judged on (symmetric in a and b)."""
    same = a.script == b.script and bool(a.grams) and bool(b.grams)
    common = a.grams & b.grams if same else frozenset()
    shared = len(a.concepts & b.concepts)
    sizes = len(a.concepts) * len(b.concepts)
    ta, tb = a.clause.text, b.clause.text

    def differs(pattern: re.Pattern[str]) -> float:
        return float(bool(pattern.search(ta)) != bool(pattern.search(tb)))

    la, lb = len(ta), len(tb)
    weighted = sum(w * b.vector.get(g, 0.0) for g, w in a.vector.items()) if same else 0.0
    return {
        "wording_weighted": weighted,
        "wording_dice": 2 * len(common) / (len(a.grams) + len(b.grams)) if same else 0.0,
        "wording_containment": len(common) / min(len(a.grams), len(b.grams)) if same else 0.0,
        "concepts_cosine": shared / math.sqrt(sizes) if sizes else 0.0,
        "concepts_shared": min(shared, 5) / 5,
        "same_script": float(a.script == b.script),
        "penalty_differs": differs(_PENALTY),
        "both_penalty": float(bool(_PENALTY.search(ta)) and bool(_PENALTY.search(tb))),
        "modality_differs": float(bool(_MAY.search(ta)) != bool(_MAY.search(tb))
                                  and bool(_SHALL.search(ta)) != bool(_SHALL.search(tb))),
        "fee_differs": differs(_FREE) if _FREE.search(ta + tb) else differs(_FEE),
        "length_ratio": min(la, lb) / max(la, lb) if max(la, lb) else 0.0,
    }


@lru_cache(maxsize=1)
def model() -> dict:
    """The learned weights and thresholds (bench/recur_train.py writes them)."""
    path = resources.files("initiative_archive").joinpath("data/recur_model.json")
    return json.loads(path.read_text(encoding="utf-8"))


def similarity(a: Profile, b: Profile) -> tuple[float, str, list[str]]:
    """(probability that the two state the same thing, what linked them, what they share)."""
    values = features(a, b)
    weights = model()["weights"]
    z = model()["intercept"] + sum(weights[name] * values[name] for name in FEATURES)
    score = 1 / (1 + math.exp(-z))
    shared = sorted(a.concepts & b.concepts)
    by = "wording" if values["wording_containment"] >= values["concepts_cosine"] else "concepts"
    if a.script == b.script:
        shared += sorted(a.grams & b.grams, key=len, reverse=True)[:8]
    return score, by, shared


def related(a: Profile, b: Profile) -> bool:
    """Worth scoring at all (a cheap test, so that themes need not score every pair): across
    languages, a concept in common; in one language, a fifth of the wording, or two concepts
    and a tenth of the wording. Pairs below these never reached the threshold on the labelled
    pairs."""
    shared = len(a.concepts & b.concepts)
    if a.script != b.script:
        return shared > 0
    if not a.grams or not b.grams:
        return False
    overlap = len(a.grams & b.grams) / min(len(a.grams), len(b.grams))
    return overlap >= 0.2 or (shared >= 2 and overlap >= 0.1)


def threshold_for(a: Profile, b: Profile, thresholds: dict[str, float] | None = None) -> float:
    return (thresholds or default_thresholds())["same" if a.script == b.script else "cross"]


def default_thresholds() -> dict[str, float]:
    """Chosen on held-out folds of the labelled pairs, for precision first."""
    return dict(model()["thresholds"])


def comparable(clause: Clause) -> bool:
    return clause.role in COMPARED_ROLES and bool(clause.text.strip())


def links(target: Profile, pool: Iterable[Profile],
          thresholds: dict[str, float] | None = None) -> list[Recurrence]:
    """The clauses of other documents that state what ``target`` states, best first; of
    nested units, the best-scoring one of each family."""
    found = []
    for other in pool:
        if other.document.id == target.document.id or not related(target, other):
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


def compare(by_doc: dict[str, list[Profile]], documents: list[Document],
            thresholds: dict[str, float] | None = None) -> Comparison:
    doc_ids = [d.id for d in documents]
    first, others = doc_ids[0], doc_ids[1:]
    rows = [Row(p, {d: best_match(p, by_doc[d], thresholds) for d in others})
            for p in top_level(by_doc[first])]
    unmatched = {d: [p for p in top_level(by_doc[d])
                     if best_match(p, by_doc[first], thresholds) is None] for d in others}
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
            if other.document.id == unit.document.id or not related(unit, other):
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
