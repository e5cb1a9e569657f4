"""Benchmarks: index build, search latency, CLI start-up. Prints medians.

Run: .venv/bin/python bench/run.py [--repeat N]
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

from initiative_archive import Archive

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ["inter-library loan", "exchange of publications", "digital libraries", "staff training"]
CHINESE = ["资源共享", "圖書館合作", "古籍保护", "国际交流与合作"]


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def timed(func) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        archive = Archive(ROOT / "corpus", index)
        builds = [timed(lambda: archive.index(rebuild=True)) for _ in range(args.repeat)]
        print(f"rebuild of the shipped corpus        {median_ms(builds)}")
        print(f"incremental update, nothing changed  "
              f"{median_ms([timed(lambda: archive.index()) for _ in range(args.repeat)])}")
        for label, queries in (("English", ENGLISH), ("Chinese", CHINESE)):
            archive.search(queries[0])  # warm: jieba's dictionary, OpenCC
            samples = [timed(lambda q=q: archive.search(q)) for q in queries
                       for _ in range(args.repeat)]
            print(f"search, {label}, in process          {median_ms(samples)}")
        env = {**os.environ, "INITIATIVE_ARCHIVE_INDEX": str(index)}
        cli = [sys.executable, "-m", "initiative_archive"]
        for label, query in (("English", ENGLISH[0]), ("Chinese", CHINESE[0])):
            samples = [timed(lambda q=query: subprocess.run(
                [*cli, "search", q, "--limit", "3"], env=env, check=True,
                capture_output=True)) for _ in range(args.repeat)]
            print(f"CLI search, {label}, cold process    {median_ms(samples)}")
        samples = [timed(lambda: subprocess.run([*cli, "--version"], env=env, check=True,
                                                capture_output=True)) for _ in range(args.repeat)]
        print(f"CLI --version                        {median_ms(samples)}")


if __name__ == "__main__":
    main()
