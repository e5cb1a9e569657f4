"""Train recur's pair model on the labelled pairs, choose its thresholds on held-out folds, and
write src/initiative_archive/data/recur_model.json.

Run: .venv/bin/python bench/recur_train.py   (needs scikit-learn: pip install -e '.[dev]')

A logistic regression over recur.features (wording overlap, shared concepts, penalty / may-shall
/ free-fee disagreement, length ratio), class-balanced. Five stratified folds give every pair an
out-of-fold probability; for each language pair (same script, across scripts) the threshold is
the lowest that keeps out-of-fold precision at or above TARGET_PRECISION, so that precision comes
first. The final weights are fitted on every pair; the figures written beside them are the
out-of-fold ones, which is what to expect on pairs the model has not seen.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from recur_eval import PAIRS, shipped_archive

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "initiative_archive" / "data" / "recur_model.json"
TARGET_PRECISION = 0.92
SEED = 7


def main() -> int:
    import numpy as np
    import sklearn
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from initiative_archive.recur import FEATURES, features

    pairs = json.loads(PAIRS.read_text("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        archive = shipped_archive(Path(tmp))
        by_id = {p.clause.id: p for ps in archive.profiles().values() for p in ps}
        rows = [features(by_id[p["a"]], by_id[p["b"]]) for p in pairs]
    x = np.array([[r[f] for f in FEATURES] for r in rows])
    y = np.array([p["label"] for p in pairs])
    side = np.array(["same" if p["kind"] != "en-zh" else "cross" for p in pairs])
    kinds = np.array([p["kind"] for p in pairs])

    def fit(xs, ys):
        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(xs, ys)

    oof = np.zeros(len(y))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(x, [f"{k}{label}" for k, label in zip(kinds, y, strict=True)]):
        oof[test] = fit(x[train], y[train]).predict_proba(x[test])[:, 1]

    thresholds = {s: choose(oof[side == s], y[side == s]) for s in ("same", "cross")}
    predicted = np.array([oof[i] >= thresholds[side[i]] for i in range(len(y))])
    report = {k: rates(predicted[kinds == k], y[kinds == k]) for k in ("en-en", "zh-zh", "en-zh")}
    report["all"] = rates(predicted, y)
    final = fit(x, y)
    model = {
        "about": "recur's pair model: logistic regression over recur.FEATURES, trained by "
                 "bench/recur_train.py on tests/data/recur_pairs.json; thresholds and figures "
                 "are from 5-fold out-of-fold probabilities (precision first).",
        "features": list(FEATURES),
        "weights": {f: round(float(w), 6) for f, w in zip(FEATURES, final.coef_[0], strict=True)},
        "intercept": round(float(final.intercept_[0]), 6),
        "thresholds": {k: round(float(v), 4) for k, v in thresholds.items()},
        "out_of_fold": report,
        "pairs": len(y),
        "trained_with": f"scikit-learn {sklearn.__version__}",
    }
    OUT.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: model[k] for k in ("weights", "thresholds", "out_of_fold")}, indent=1))
    return 0


def choose(scores, labels) -> float:
    """The lowest threshold whose precision on these held-out scores reaches the target."""
    for t in sorted(set(scores.tolist())):
        chosen = scores >= t
        if chosen.sum() and labels[chosen].mean() >= TARGET_PRECISION:
            return float(t)
    return 1.0


def rates(predicted, labels) -> dict[str, float]:
    tp = int((predicted & (labels == 1)).sum())
    fp = int((predicted & (labels == 0)).sum())
    fn = int((~predicted & (labels == 1)).sum())
    return {"precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0, "tp": tp, "fp": fp,
            "fn": fn}


if __name__ == "__main__":
    sys.exit(main())
