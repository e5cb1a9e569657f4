"""Relevance of the search, measured on graded judgements: top-1, top-5, MRR@10, nDCG@10.

``bench/relevance.json`` holds the judgements: each query (``q``) with its language (``lang``:
en, zh-Hans, zh-Hant or mixed), the clause that answers it best (``best``, grade 2) and the
other clauses that answer it too (``acceptable``, grade 1), by clause id only: the Chinese laws
are third-party texts that the repository never holds, so no file here quotes them. A clause of
another document that states the same thing (a Shanghai article restating the national law) is
acceptable. The file also holds the thresholds under which ``tests/test_relevance.py`` fails.

Two categories measure search across the languages, with the defaults (glossary expansion on):
``cross-zh-en``, Chinese queries (simplified and traditional) whose answer is an English clause
of the initiatives, and ``cross-en-zh``, English queries whose answer is an article of the
Chinese laws. Their judged clauses are all in the other language than the query: a clause in
the query's own language that states the same thing is found directly, not through translation,
so it is not credited, and a top-5 there means translation brought the answer into the first
five. The same query may be judged once per category (``馆际互借`` in zh-Hans has its Chinese
articles, in cross-zh-en its English clause); within a category, once.

A hit counts as a judged clause when its id is the judged id or lies inside it (judged id +
``/``): a paragraph of a judged article is that article. The best clause may lie inside an
acceptable one: a paragraph judged best, its whole article acceptable (a hit on the article, or
on its other paragraphs, then earns grade 1). A hit inside several judged clauses earns the
highest grade not yet credited; each judged clause is credited once, at its first hit. Per
query:

- top-1: the first hit is judged (grade 1 or 2); top-5: a judged hit is among the first five;
- MRR@10: 1 / rank of the first judged hit among the first ten (0 when there is none);
- nDCG@10: DCG of the first ten hits, gain 2**grade - 1 (3 for the best clause, 1 for an
  acceptable one) discounted by log2(rank + 1), over the DCG of the ideal ranking.

Scores are means over the queries of a language. Everything here is plain Python: the search is
a function from a query to the ranked clause ids, so the test and ``bench/evaluate.py`` share it.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

JUDGEMENTS = Path(__file__).resolve().with_name("relevance.json")
LANGS = ("en", "zh-Hans", "zh-Hant", "mixed", "cross-zh-en", "cross-en-zh")
METRICS = ("top1", "top5", "mrr10", "ndcg10")
K = 10
BEST, ACCEPTABLE = 2, 1
LONGEST_QUOTE = 16  # a run this long shared with a third-party clause is a quotation, not a query

Search = Callable[[str], list[str]]


@dataclass(frozen=True)
class Judgement:
    """One query and the clauses that answer it, by id."""

    q: str
    lang: str
    best: str
    acceptable: tuple[str, ...] = ()

    def grades(self) -> dict[str, int]:
        return {self.best: BEST, **{cid: ACCEPTABLE for cid in self.acceptable}}


@dataclass(frozen=True)
class Outcome:
    """What the search returned for one judged query, graded."""

    judgement: Judgement
    ids: tuple[str, ...]
    grades: tuple[int, ...]

    @property
    def rank(self) -> int | None:
        """1-based rank of the first judged hit within the first K, or None."""
        return next((i + 1 for i, g in enumerate(self.grades[:K]) if g), None)

    @property
    def best_rank(self) -> int | None:
        return next((i + 1 for i, g in enumerate(self.grades[:K]) if g == BEST), None)

    def score(self, metric: str) -> float:
        rank = self.rank
        if metric == "top1":
            return float(rank == 1)
        if metric == "top5":
            return float(rank is not None and rank <= 5)
        if metric == "mrr10":
            return 1.0 / rank if rank else 0.0
        if metric == "ndcg10":
            ideal = dcg(sorted(self.judgement.grades().values(), reverse=True))
            return dcg(self.grades) / ideal
        raise ValueError(f"unknown metric {metric!r}")


@dataclass(frozen=True)
class Scores:
    """Mean scores over the queries of one language (or of all: lang 'all')."""

    lang: str
    n: int
    top1: float
    top5: float
    mrr10: float
    ndcg10: float


def load(path: Path = JUDGEMENTS) -> tuple[list[Judgement], dict[str, dict[str, float]]]:
    """The judgements and the thresholds ({lang: {metric: minimum}}) of ``path``."""
    data = json.loads(Path(path).read_text("utf-8"))
    judgements = [Judgement(q=item["q"], lang=item["lang"], best=item["best"],
                            acceptable=tuple(item.get("acceptable", ())))
                  for item in data["queries"]]
    return judgements, data.get("thresholds", {})


def matches(hit_id: str, judged: str) -> bool:
    return hit_id == judged or hit_id.startswith(judged + "/")


def grade(ids: Iterable[str], judgement: Judgement) -> tuple[int, ...]:
    """Each hit's grade; a judged clause is credited once, at its first hit."""
    grades = judgement.grades()
    credited: set[str] = set()
    out = []
    for hit_id in ids:
        found = [j for j in grades if j not in credited and matches(hit_id, j)]
        if found:
            judged = max(found, key=grades.__getitem__)
            credited.add(judged)
            out.append(grades[judged])
        else:
            out.append(0)
    return tuple(out)


def dcg(grades: Iterable[int]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(list(grades)[:K]))


def evaluate(search: Search, judgements: list[Judgement]) -> list[Outcome]:
    """Run every judged query through ``search`` and grade the first K ids it returns."""
    outcomes = []
    for j in judgements:
        ids = tuple(search(j.q)[:K])
        outcomes.append(Outcome(j, ids, grade(ids, j)))
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, Scores]:
    """Scores per language, in LANGS order, then 'all'."""
    groups = {lang: [o for o in outcomes if o.judgement.lang == lang] for lang in LANGS}
    groups["all"] = outcomes
    return {lang: Scores(lang, len(group),
                         *(sum(o.score(m) for o in group) / len(group) for m in METRICS))
            for lang, group in groups.items() if group}


def shortfalls(scores: dict[str, Scores], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Each score under its threshold, as 'lang metric: score < threshold'."""
    out = []
    for lang, minimums in thresholds.items():
        for metric, minimum in minimums.items():
            got = getattr(scores[lang], metric) if lang in scores else 0.0
            if got < minimum:
                out.append(f"{lang} {metric}: {got:.3f} < {minimum:.3f}")
    return out


def archive_search(archive, k: int = K) -> Search:
    """The ``search`` of an ``initiative_archive.Archive``, as ranked clause ids."""
    return lambda q: [h.clause.id for h in archive.search(q, limit=k).hits]


def evaluate_archive(archive, judgements: list[Judgement]) -> list[Outcome]:
    """``evaluate`` through ``Archive.search``, the catalogue read once for the run."""
    with catalogue_read_once(archive):
        return evaluate(archive_search(archive), judgements)


@contextmanager
def catalogue_read_once(archive) -> Iterator[None]:
    """Archive.search parses corpus/catalog.yaml on every call, only to say which texts are
    not fetched yet (about 60 ms of pure-Python YAML, more than the search itself): parse it
    once while the judged queries run. What is searched and how it ranks is untouched."""
    corpus = archive.corpus
    if not inspect.isfunction(getattr(type(corpus), "catalog", None)):
        yield  # not the method this works around: leave it alone
        return
    catalogue = corpus.catalog()
    corpus.catalog = lambda *args, **kwargs: catalogue
    try:
        yield
    finally:
        del corpus.catalog


# -- the judgements themselves ---------------------------------------------------------------

def problems(judgements: list[Judgement], clause_ids: set[str],
             third_party_texts: Iterable[str] = ()) -> list[str]:
    """What is wrong with the judgements: unknown languages or clause ids (a retired id must be
    followed to its new one), a clause judged twice or, except the best inside an acceptable
    one, inside another judged clause of the same query, a query judged twice in one language
    category, or a query that quotes a third-party clause at length."""
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    texts = [t for t in third_party_texts if t]
    for j in judgements:
        where = f"{j.q!r}"
        if j.lang not in LANGS:
            out.append(f"{where}: unknown lang {j.lang!r}")
        if (j.lang, j.q) in seen:
            out.append(f"{where}: judged twice in {j.lang}")
        seen.add((j.lang, j.q))
        ids = [j.best, *j.acceptable]
        out += [f"{where}: {cid} is not a clause id" for cid in ids if cid not in clause_ids]
        if len(set(ids)) != len(ids):
            out.append(f"{where}: a clause is judged twice")
        # the best clause may lie inside an acceptable one (a paragraph, and its article as a
        # lesser answer); any other nesting would never change a grade
        out += [f"{where}: {a} lies inside {b}" for a in ids for b in ids
                if a != b and matches(a, b) and not (a == j.best and b in j.acceptable)]
        quoted = longest_shared_run(j.q, texts)
        if quoted >= LONGEST_QUOTE:
            out.append(f"{where}: quotes {quoted} characters of a third-party clause")
    return out


_SPACE = re.compile(r"\s+")


def longest_shared_run(query: str, texts: list[str]) -> int:
    """The longest run of the query's characters (spaces aside) found as is in one of texts."""
    q = _SPACE.sub("", query)
    best = 0
    for start in range(len(q)):
        length = best + 1
        while start + length <= len(q) and any(q[start:start + length] in t for t in texts):
            best = length
            length += 1
    return best


# -- report ----------------------------------------------------------------------------------

def report(outcomes: list[Outcome], thresholds: dict[str, dict[str, float]] | None = None,
           misses: bool = True) -> str:
    """The scores per language, the thresholds they are held to, and the queries whose first
    hit is not a judged clause (with the first judged hit's rank and what came first)."""
    scores = summarise(outcomes)
    lines = []
    if misses:
        for o in outcomes:
            if o.rank == 1:
                continue
            j = o.judgement
            rank = f"rank {o.rank}" if o.rank else f"not in top {K}"
            first = o.ids[0] if o.ids else "no hits"
            lines.append(f"[{j.lang}] {j.q!r}: {rank}; first {first}; best {j.best}")
        if lines:
            lines.append("")
    lines.append(f"{'lang':11} {'n':>4} {'top-1':>7} {'top-5':>7} {'MRR@10':>7} {'nDCG@10':>8}")
    for s in scores.values():
        lines.append(f"{s.lang:11} {s.n:4d} {s.top1:7.3f} {s.top5:7.3f} {s.mrr10:7.3f} "
                     f"{s.ndcg10:8.3f}")
    if thresholds:
        below = shortfalls(scores, thresholds)
        lines.append("")
        lines += [f"below threshold: {b}" for b in below] or ["every score meets its threshold"]
    return "\n".join(lines)
