"""Where else a proposal is made: clauses of other documents that state the same thing, in the
same language or the other one.

Each clause is profiled by what it can be compared on:

* its wording: Chinese as character bigrams (traditional folded to simplified), English as word
  stems without stop words, so a regulation restating a law article shares most of them;
* its concepts: the glossary's concepts it mentions (glossary.py), in either language, which is
  what links an English initiative to a Chinese article; each with the broader concepts it
  implies through the glossary's ``related`` links (共建共享 states resource sharing);
* its meaning: a multilingual sentence embedding (embedding.py), computed only for recur,
  compare and themes and cached outside the index, so that two clauses saying one thing in
  other words, or in the other language, are near each other.

Candidates are the clauses of other documents that share enough wording or concepts, or whose
meaning is near (``related``). Two clauses are judged on features of the pair (wording overlap,
shared concepts, how near their meanings are, and signs that one topic is obliged differently:
a duty and its penalty, may and shall, free and fee) by a logistic model trained on labelled
pairs (tests/data/recur_pairs.json, bench/recur_train.py), whose weights ship in
data/recur_model.json. A link needs a probability at or above the threshold for its
language pair (Chinese, English, across), chosen on held-out folds for precision first.
A clause is never linked to itself or to its own document. An article and its paragraph are
both listed when both pass: a reader (or a labelled pair) may cite either, and keeping only the
best of each family lost a tenth of the labelled links.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .analysis import STOP, english_stem
from .language import fold_han, han_run_re
from .model import Clause, Document
from .package_data import shipped_bytes

if TYPE_CHECKING:
    from .embedding import Progress

COMPARED_ROLES = ("preamble", "operative", "closing")
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
    vector: dict[str, float] = field(default_factory=dict, compare=False)  # tf-idf, unit length
    #: the concepts with the broader ones they imply (see ``widen``)
    wide: frozenset[str] = frozenset()


@dataclass
class Recurrence:
    """A clause of another document that states the same thing, and why it was linked."""

    profile: Profile
    score: float
    shared: list[str] = field(default_factory=list)  # concepts, then a few shared terms
    by: str = "wording"  # wording, concepts or meaning

    def to_dict(self) -> dict:
        c, d = self.profile.clause, self.profile.document
        return {"clause_id": c.id, "doc_id": d.id, "doc_title": d.title, "date": d.date,
                "label": c.label, "locator": c.locator, "lang": c.lang, "text": c.text,
                "score": round(self.score, 4), "by": self.by, "shared": self.shared}


def script_of(text: str) -> str:
    han = sum(len(run) for run in han_run_re().findall(text))
    return "zh" if han * 2 >= len(_WORD.findall(text)) and han else "en"


def wording(text: str, script: str) -> frozenset[str]:
    """Chinese character bigrams, or English stems without stop words."""
    if script == "zh":
        grams = set()
        for run in han_run_re().findall(fold_han(text)):
            grams.update(run[i:i + 2] for i in range(len(run) - 1))
        return frozenset(grams)
    words = (w.lower() for w in _WORD.findall(text))
    return frozenset(english_stem(w) for w in words if w not in STOP and len(w) > 2)


def profile(clause: Clause, document: Document, concepts: ConceptFinder,
            idf: dict[str, float] | None = None) -> Profile:
    script = script_of(clause.text)
    grams = wording(clause.text, script)
    named = frozenset(concepts(clause.text))
    return Profile(clause, document, script, grams, named, _unit_vector(grams, idf or {}),
                   widen(named))


@lru_cache(maxsize=1)
def _broader() -> dict[str, frozenset[str]]:
    """Each concept's broader concepts: those that list it as ``related`` in the glossary
    (inter-library loan is a way of resource sharing and of inter-library cooperation)."""
    from .glossary import load_glossary

    up: dict[str, set[str]] = {}
    for concept in load_glossary():
        for narrower in concept.related:
            up.setdefault(narrower, set()).add(concept.id)
    return {k: frozenset(v) for k, v in up.items()}


def widen(concepts: frozenset[str]) -> frozenset[str]:
    """The concepts a clause names with the broader ones they imply, one step up: an
    initiative's "collaborative resource building and sharing" states resource sharing, as a
    law's 资源共享 does, though neither names the other's term."""
    broader = _broader()
    return concepts.union(*(broader.get(c, frozenset()) for c in concepts))


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
            "modality_differs", "fee_differs", "length_ratio", "meaning", "meaning_cross",
            "nearest_min", "nearest_max", "nearest_cross", "wide_cosine", "wide_containment")


@dataclass(frozen=True)
class Meaning:
    """How near two clauses' meanings are: the cosine of their embeddings, and how it
    compares with the best each finds in the other's document (1.0: nothing there is nearer).
    A regulation restating a law article is usually that article's nearest, and it its own."""

    cosine: float = 0.0
    nearest_a: float = 0.0  # cosine / a's best cosine in b's document
    nearest_b: float = 0.0  # cosine / b's best cosine in a's document


_MARKS = {"penalty": _PENALTY, "may": _MAY, "shall": _SHALL, "free": _FREE, "fee": _FEE}


@lru_cache(maxsize=16_384)
def _marks(text: str) -> dict[str, bool]:
    """Which of the marks ``features`` compares a clause's text bears (penalties, modality,
    fees): found once per clause, not again for every pair it is in."""
    return {name: bool(pattern.search(text)) for name, pattern in _MARKS.items()}


def features(a: Profile, b: Profile, meaning: Meaning | None = None) -> dict[str, float]:
    """What a link between two clauses is judged on (symmetric in a and b)."""
    meaning = meaning or Meaning()
    same = a.script == b.script and bool(a.grams) and bool(b.grams)
    common = a.grams & b.grams if same else frozenset()
    shared = len(a.concepts & b.concepts)
    sizes = len(a.concepts) * len(b.concepts)
    ta, tb = a.clause.text, b.clause.text
    ma, mb = _marks(ta), _marks(tb)

    def differs(mark: str) -> float:
        return float(ma[mark] != mb[mark])

    la, lb = len(ta), len(tb)
    weighted = sum(w * b.vector.get(g, 0.0) for g, w in a.vector.items()) if same else 0.0
    one_script = a.script == b.script
    near = sorted((meaning.nearest_a, meaning.nearest_b))
    wide = len(a.wide & b.wide)
    smaller = min(len(a.wide), len(b.wide))
    cross = a.script != b.script and smaller > 0
    return {
        "wording_weighted": weighted,
        "wording_dice": 2 * len(common) / (len(a.grams) + len(b.grams)) if same else 0.0,
        "wording_containment": len(common) / min(len(a.grams), len(b.grams)) if same else 0.0,
        "concepts_cosine": shared / math.sqrt(sizes) if sizes else 0.0,
        "concepts_shared": min(shared, 5) / 5,
        "same_script": float(one_script),
        "penalty_differs": differs("penalty"),
        "both_penalty": float(ma["penalty"] and mb["penalty"]),
        "modality_differs": float(bool(differs("may")) and bool(differs("shall"))),
        "fee_differs": differs("free") if ma["free"] or mb["free"] else differs("fee"),
        "length_ratio": min(la, lb) / max(la, lb) if max(la, lb) else 0.0,
        "meaning": meaning.cosine,
        "meaning_cross": 0.0 if one_script else meaning.cosine,
        # Within one language a restatement is mostly one-to-one: each the other's nearest.
        # Across languages an initiative's proposal is restated by many articles: only
        # whether it is near the best one counts.
        "nearest_min": near[0] if one_script else 0.0,
        "nearest_max": near[1] if one_script else 0.0,
        "nearest_cross": 0.0 if one_script else near[1],
        # Across languages, where no wording is shared: concepts with the broader ones they
        # imply, and containment, because a broad proposal (Nanning's fields of cooperation)
        # is restated piece by piece by narrower articles. (Within one language they added
        # nothing out of fold: the wording already says it.)
        "wide_cosine": wide / math.sqrt(len(a.wide) * len(b.wide)) if cross else 0.0,
        "wide_containment": wide / smaller if cross else 0.0,
    }


@lru_cache(maxsize=1)
def model() -> dict:
    """The learned weights and thresholds (bench/recur_train.py writes them)."""
    return json.loads(shipped_bytes("data/recur_model.json").decode("utf-8"))


def similarity(a: Profile, b: Profile, meaning: Meaning | None = None
               ) -> tuple[float, str, list[str]]:
    """(probability that the two state the same thing, what linked them, what they share)."""
    values = features(a, b, meaning)
    weights = model()["weights"]
    z = model()["intercept"] + sum(weights[name] * values[name] for name in FEATURES)
    score = 1 / (1 + math.exp(-z))
    shared = sorted(a.wide & b.wide)
    by = _strongest(values, a.script == b.script)
    if a.script == b.script:
        shared += sorted(a.grams & b.grams, key=len, reverse=True)[:8]
    return score, by, shared


def _strongest(values: dict[str, float], same: bool) -> str:
    """What mostly linked two clauses, for a reader: the words they share, the concepts, or,
    where neither says much, what the two mean."""
    wording, concepts = values["wording_containment"], values["concepts_cosine"]
    if max(wording if same else 0.0, concepts) < 0.3:
        return "meaning"
    return "wording" if same and wording >= concepts else "concepts"


def related(a: Profile, b: Profile, meaning: Meaning | None = None) -> bool:
    """Worth scoring at all (a cheap test, so that themes need not score every pair): meanings
    near each other (the model's ``candidates`` cosine for the language pair); or, across
    languages, a concept in common; in one language, a fifth of the wording, or two concepts
    and a tenth of the wording. Pairs below these never reached the threshold on the labelled
    pairs."""
    if meaning and meaning.cosine >= model()["candidates"][_side(a, b)]:
        return True
    shared = len(a.wide & b.wide)
    if a.script != b.script:
        return shared > 0
    if not a.grams or not b.grams:
        return False
    overlap = len(a.grams & b.grams) / min(len(a.grams), len(b.grams))
    return overlap >= 0.2 or (shared >= 2 and overlap >= 0.1)


def _side(a: Profile, b: Profile) -> str:
    return "same" if a.script == b.script else "cross"


def threshold_for(a: Profile, b: Profile, thresholds: dict[str, float] | None = None) -> float:
    """The threshold for the pair's languages: ``zh`` or ``en`` within one, ``cross`` across."""
    return (thresholds or default_thresholds())[a.script if a.script == b.script else "cross"]


def default_thresholds() -> dict[str, float]:
    """Chosen on held-out folds of the labelled pairs, for precision first."""
    return dict(model()["thresholds"])


def comparable(clause: Clause) -> bool:
    return clause.role in COMPARED_ROLES and bool(clause.text.strip())


# -- meanings: sentence embeddings of the profiled clauses ---------------------------------------


def unembedded(profiles: Sequence[Profile]) -> int:
    """How many of these clauses have no cached embedding yet (what a first run computes)."""
    from .embedding import default

    return default().missing([p.clause.text for p in profiles])


class Meanings:
    """The embeddings of a pool of clauses (embedding.py), with each clause's best cosine in
    every document of the pool, so that a pair's ``Meaning`` costs a lookup."""

    def __init__(self, profiles: Sequence[Profile], progress: Progress | None = None) -> None:
        import numpy as np

        from .embedding import default

        self.profiles = list(profiles)
        self.row = {p.clause.id: i for i, p in enumerate(self.profiles)}
        vectors = default().vectors([p.clause.text for p in self.profiles], progress)
        self.cosines = vectors @ vectors.T
        docs: dict[str, list[int]] = {}
        for i, p in enumerate(self.profiles):
            docs.setdefault(p.document.id, []).append(i)
        self.column = {d: k for k, d in enumerate(docs)}
        self.best = np.stack([self.cosines[:, rows].max(axis=1) for rows in docs.values()],
                             axis=1) if docs else np.zeros((0, 0))

    def __contains__(self, p: Profile) -> bool:
        return p.clause.id in self.row

    def between(self, a: Profile, b: Profile) -> Meaning:
        i, j = self.row[a.clause.id], self.row[b.clause.id]
        cosine = float(self.cosines[i, j])
        best_a = float(self.best[i, self.column[b.document.id]])
        best_b = float(self.best[j, self.column[a.document.id]])
        return Meaning(cosine, _ratio(cosine, best_a), _ratio(cosine, best_b))


def _ratio(cosine: float, best: float) -> float:
    return min(1.0, max(0.0, cosine) / best) if best > 0 else 0.0


def _link(a: Profile, b: Profile, meanings: Meanings, thresholds: dict[str, float] | None):
    """(score, by, shared) when clauses of two documents state the same thing, else None:
    the one test that ``links``, ``compare`` and ``themes`` share."""
    if a.document.id == b.document.id:
        return None
    meaning = meanings.between(a, b)
    if not related(a, b, meaning):
        return None
    score, by, shared = similarity(a, b, meaning)
    return (score, by, shared) if score >= threshold_for(a, b, thresholds) else None


def links(target: Profile, pool: Iterable[Profile],
          thresholds: dict[str, float] | None = None,
          meanings: Meanings | None = None) -> list[Recurrence]:
    """The clauses of other documents that state what ``target`` states, best first.
    ``meanings`` covers the pool and the target (made here when not given: a caller asking
    again and again keeps one, as ``Archive`` does)."""
    pool = list(pool)
    if meanings is None or target not in meanings:
        meanings = Meanings(pool if any(p.clause.id == target.clause.id for p in pool)
                            else [*pool, target])
    found = []
    for other in pool:
        link = _link(target, other, meanings, thresholds)
        if link is not None:
            score, by, shared = link
            found.append(Recurrence(other, score, shared, by))
    found.sort(key=lambda r: (-r.score, r.profile.clause.order))
    return found


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
               thresholds: dict[str, float] | None = None,
               meanings: Meanings | None = None) -> Recurrence | None:
    found = links(target, pool, thresholds, meanings)
    return found[0] if found else None


def compare(by_doc: dict[str, list[Profile]], documents: list[Document],
            thresholds: dict[str, float] | None = None,
            meanings: Meanings | None = None) -> Comparison:
    """The clauses of the archive (``by_doc``) are all embedded, so that a clause's nearest in
    a document is judged as ``recur`` judges it (``meanings`` of them all, made here when not
    given)."""
    doc_ids = [d.id for d in documents]
    first, others = doc_ids[0], doc_ids[1:]
    near = meanings or Meanings([p for ps in by_doc.values() for p in ps])
    rows = [Row(p, {d: best_match(p, by_doc[d], thresholds, near) for d in others})
            for p in top_level(by_doc[first])]
    unmatched = {d: [p for p in top_level(by_doc[d])
                     if best_match(p, by_doc[first], thresholds, near) is None]
                 for d in others}
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
           thresholds: dict[str, float] | None = None, min_documents: int = 2,
           meanings: Meanings | None = None) -> list[Theme]:
    """Groups of top-level clauses linked to each other across documents, with the concepts
    most of them share and the first and last date they appear (``meanings`` of the
    profiles, made here when not given).

    Groups grow by majority linkage: two groups join only when at least half of the pairs
    between them (clauses of different documents) are links, the best-linked first. Joining
    on any one link (single linkage) let a clause on funding chain a volunteer clause to a
    commendation clause, and the largest group became a bag of everything."""
    units = top_level(profiles)
    near = meanings or Meanings(profiles)
    linked: dict[tuple[int, int], float] = {}
    for i, unit in enumerate(units):
        for j in range(i + 1, len(units)):
            link = _link(unit, units[j], near, thresholds)
            if link is not None:
                linked[i, j] = link[0]
    out = []
    for members in _majority_groups(units, linked):
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


def _majority_groups(units: list[Profile], linked: dict[tuple[int, int], float]
                     ) -> list[list[Profile]]:
    """The groups of average linkage over links (1) and non-links (0), joined while some two
    are linked by at least half their cross-document pairs (ties go to the higher mean
    probability); each group's units in their order in ``units``, the groups in the order of
    their first unit."""
    members = {i: [i] for i in range(len(units))}
    while True:
        tally: dict[tuple[int, int], list[float]] = {}
        owner = {m: g for g, ms in members.items() for m in ms}
        for (i, j), score in linked.items():
            a, b = sorted((owner[i], owner[j]))
            if a != b:
                tally.setdefault((a, b), [0, 0.0])
                tally[a, b][0] += 1
                tally[a, b][1] += score
        best, best_key = None, (0.5, 0.0)
        for (a, b), (count, total) in tally.items():
            pairs = sum(units[x].document.id != units[y].document.id
                        for x in members[a] for y in members[b])
            key = (count / pairs, total / count)
            if key >= best_key:
                best, best_key = (a, b), key
        if best is None:
            return [[units[i] for i in sorted(group)] for group in members.values()]
        a, b = best
        members[a] += members.pop(b)
