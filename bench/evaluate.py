"""Retrieval quality on the shipped corpus: top-1 and top-5 rates over bench/queries.json.

Run: .venv/bin/python bench/evaluate.py   (prints each miss, then the rates)
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from initiative_archive import Archive

ROOT = Path(__file__).resolve().parents[1]


def matches(hit_id: str, expected: str) -> bool:
    return hit_id == expected or hit_id.startswith(expected + "/")


def main() -> int:
    queries = json.loads((ROOT / "bench" / "queries.json").read_text("utf-8"))["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        archive = Archive(ROOT / "corpus", Path(tmp) / "index")
        archive.index(rebuild=True)
        top1 = top5 = 0
        for item in queries:
            ids = [h.clause.id for h in archive.search(item["q"], limit=5).hits]
            rank = next((i for i, cid in enumerate(ids) if matches(cid, item["expect"])), None)
            top1 += rank == 0
            top5 += rank is not None
            if rank != 0:
                print(f"rank {rank if rank is None else rank + 1}: {item['q']!r} -> "
                      f"{item['expect']} (got {ids[:3]})")
    n = len(queries)
    print(f"{n} queries: top-1 {top1 / n:.0%}, top-5 {top5 / n:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
