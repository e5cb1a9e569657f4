"""The benchmark: our archive beside SQLite FTS5 + jieba on generated bilingual corpora.

Run: .venv/bin/python bench/run.py [--sizes 1k,10k[,100k]] [--out bench/results.json]
                                   [--workdir DIR] [--keep] [--shipped]

For each size it generates a corpus (bench/generate.py), builds both engines, times warm and
cold searches, an incremental update and peak memory (bench/compare.py), prints a table (ours,
FTS5, ratio; medians) and writes JSON. --shipped also times the shipped corpus (the earlier
micro-benchmark: rebuild, in-process and CLI searches). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ["inter-library loan", "exchange of publications", "digital libraries", "staff training"]
CHINESE = ["资源共享", "圖書館合作", "古籍保护", "国际交流与合作"]


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def shipped(repeat: int) -> None:
    """The shipped corpus: rebuild, no-op update, searches in process and from the CLI."""
    from initiative_archive import Archive

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        archive = Archive(ROOT / "corpus", index)
        builds = [timed(lambda: archive.index(rebuild=True)) for _ in range(repeat)]
        print(f"rebuild of the shipped corpus        {median_ms(builds)}")
        print(f"incremental update, nothing changed  "
              f"{median_ms([timed(lambda: archive.index()) for _ in range(repeat)])}")
        for label, queries in (("English", ENGLISH), ("Chinese", CHINESE)):
            archive.search(queries[0])  # warm: jieba's dictionary, OpenCC
            samples = [timed(lambda q=q: archive.search(q)) for q in queries
                       for _ in range(repeat)]
            print(f"search, {label}, in process          {median_ms(samples)}")
        env = {**os.environ, "INITIATIVE_ARCHIVE_INDEX": str(index)}
        cli = [sys.executable, "-m", "initiative_archive"]
        for label, query in (("English", ENGLISH[0]), ("Chinese", CHINESE[0])):
            samples = [timed(lambda q=query: subprocess.run(
                [*cli, "search", q, "--limit", "3"], env=env, check=True,
                capture_output=True)) for _ in range(repeat)]
            print(f"CLI search, {label}, cold process    {median_ms(samples)}")
        samples = [timed(lambda: subprocess.run([*cli, "--version"], env=env, check=True,
                                                capture_output=True)) for _ in range(repeat)]
        print(f"CLI --version                        {median_ms(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1k,10k",
                        help="corpus sizes in clauses, comma-separated [1k,10k]; 100k is long")
    parser.add_argument("--out", type=Path, help="write the figures as JSON to this file")
    parser.add_argument("--workdir", type=Path,
                        help="where corpora and indexes go [a temporary folder]")
    parser.add_argument("--keep", action="store_true", help="keep the corpora and indexes")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each warm query [5]")
    parser.add_argument("--build-repeat", type=int,
                        help="rebuilds per engine, median [3 up to 10k, 1 above]")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--shipped", action="store_true",
                        help="also time the shipped corpus (rebuild, searches, CLI start-up)")
    args = parser.parse_args()
    sizes = [s for s in args.sizes.split(",") if s.strip()]
    if sizes:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import compare

        compare.compare(sizes, args.out, args.workdir, args.repeat, args.build_repeat,
                        args.seed, args.keep)
    if args.shipped:
        shipped(args.repeat)


if __name__ == "__main__":
    main()
