"""How well `recur` links the labelled clause pairs (tests/data/recur_pairs.json): precision and
recall per language pair at the default thresholds, measured as the judges measure it: every
labelled clause goes through ``Archive.recur`` (what ``recur ID --format json`` prints), and a
pair counts as linked when either clause lists the other.

Run: .venv/bin/python bench/recur_eval.py [--grid]
It fetches the catalogued laws from ../shared/sources into a temporary copy of the corpus.
The model was fitted on these pairs: these figures guard against regressions; the held-out
(out-of-fold) figures are the ones bench/recur_train.py prints and writes into the model.
With --grid, it also scores every pair directly (no family rule) across a grid of thresholds.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "recur_pairs.json"
KINDS = ("en-en", "zh-zh", "en-zh")


def listed_pairs(archive, thresholds: dict[str, float] | None = None
                 ) -> list[tuple[dict, bool]]:
    """(pair, linked) for every labelled pair: linked when ``recur`` of either clause lists
    the other."""
    pairs = json.loads(PAIRS.read_text("utf-8"))
    listed = {}
    for clause_id in sorted({p[k] for p in pairs for k in ("a", "b")}):
        _, found = archive.recur(clause_id, thresholds)
        listed[clause_id] = {r.profile.clause.id for r in found}
    return [(p, p["b"] in listed[p["a"]] or p["a"] in listed[p["b"]]) for p in pairs]


def rates(linked: list[tuple[dict, bool]], kind: str | None = None) -> dict[str, float]:
    tp = fp = fn = 0
    for pair, link in linked:
        if kind and pair["kind"] != kind:
            continue
        tp += link and pair["label"] == 1
        fp += link and pair["label"] == 0
        fn += not link and pair["label"] == 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "tp": tp, "fp": fp,
            "fn": fn}


def scored_pairs(archive) -> list[tuple[dict, float, str]]:
    """(pair, score, 'zh'|'en'|'cross') for every labelled pair, scored directly."""
    from initiative_archive.recur import Meanings, related, similarity

    profiles = [p for ps in archive.profiles().values() for p in ps]
    by_id = {p.clause.id: p for p in profiles}
    near = Meanings(profiles)
    out = []
    for pair in json.loads(PAIRS.read_text("utf-8")):
        a, b = by_id[pair["a"]], by_id[pair["b"]]
        meaning = near.between(a, b)
        score = similarity(a, b, meaning)[0] if related(a, b, meaning) else 0.0
        out.append((pair, score, a.script if a.script == b.script else "cross"))
    return out


def shipped_archive(tmp: Path):
    from initiative_archive import Archive
    from initiative_archive.fetch import fetch

    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("external", ".*.lock"))
    fetch(corpus, mirror=str(ROOT.parent / "shared" / "sources"))
    return Archive(corpus, tmp / "index")


def main() -> int:
    from initiative_archive.recur import default_thresholds, model

    with tempfile.TemporaryDirectory() as tmp:
        archive = shipped_archive(Path(tmp))
        linked = listed_pairs(archive)
        scored = scored_pairs(archive) if "--grid" in sys.argv else []
    print(f"{len(linked)} labelled pairs through recur; thresholds {default_thresholds()}")
    for kind in (*KINDS, None):
        print(f"  {kind or 'all':6} {rates(linked, kind)}")
    print("out of fold (bench/recur_train.py, what to expect on unseen pairs):")
    for kind, figures in model()["out_of_fold"].items():
        print(f"  {kind:6} {figures}")
    if scored:
        for same in (0.3, 0.4, 0.5, 0.6):
            for cross in (0.3, 0.4, 0.5, 0.6):
                t = {"zh": same, "en": same, "cross": cross}
                r = {k: _direct(scored, t, k) for k in KINDS}
                print(same, cross, r)
    return 0


def _direct(scored, thresholds: dict[str, float], kind: str) -> tuple[float, float]:
    linked = [(p, s >= thresholds[g]) for p, s, g in scored if p["kind"] == kind]
    r = rates(linked)
    return r["precision"], r["recall"]


if __name__ == "__main__":
    sys.exit(main())
