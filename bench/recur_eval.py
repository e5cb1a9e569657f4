"""How well `recur` links the labelled clause pairs (tests/data/recur_pairs.json): precision and
recall per language pair at the default thresholds, and across a grid of thresholds.

Run: .venv/bin/python bench/recur_eval.py [--grid]
It fetches the catalogued laws from ../shared/sources into a temporary copy of the corpus.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT / "tests" / "data" / "recur_pairs.json"


def scored_pairs(archive) -> list[tuple[dict, float, str]]:
    """(pair, score, 'same'|'cross') for every labelled pair."""
    from initiative_archive.recur import related, similarity

    by_id = {p.clause.id: p for ps in archive.profiles().values() for p in ps}
    out = []
    for pair in json.loads(PAIRS.read_text("utf-8")):
        a, b = by_id[pair["a"]], by_id[pair["b"]]
        score = similarity(a, b)[0] if related(a, b) else 0.0  # as recur links them
        out.append((pair, score, "same" if a.script == b.script else "cross"))
    return out


def rates(scored, thresholds: dict[str, float], kind: str | None = None) -> dict[str, float]:
    tp = fp = fn = 0
    for pair, score, side in scored:
        if kind and pair["kind"] != kind:
            continue
        linked = score >= thresholds[side]
        tp += linked and pair["label"] == 1
        fp += linked and pair["label"] == 0
        fn += not linked and pair["label"] == 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "tp": tp, "fp": fp,
            "fn": fn}


def shipped_archive(tmp: Path):
    from initiative_archive import Archive
    from initiative_archive.fetch import fetch

    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns("external", ".*.lock"))
    fetch(corpus, mirror=str(ROOT.parent / "shared" / "sources"))
    return Archive(corpus, tmp / "index")


def main() -> int:
    from initiative_archive.recur import default_thresholds

    THRESHOLD = default_thresholds()  # noqa: N806

    with tempfile.TemporaryDirectory() as tmp:
        scored = scored_pairs(shipped_archive(Path(tmp)))
    print(f"{len(scored)} labelled pairs; thresholds {THRESHOLD}")
    for kind in ("en-en", "zh-zh", "en-zh", None):
        print(f"  {kind or 'all':6} {rates(scored, THRESHOLD, kind)}")
    if "--grid" in sys.argv:
        for same in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            for cross in (0.3, 0.4, 0.5, 0.6, 0.7):
                t = {"same": same, "cross": cross}
                r = {k: rates(scored, t, k) for k in ("zh-zh", "en-zh", "en-en")}
                print(same, cross, {k: (v["precision"], v["recall"]) for k, v in r.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
