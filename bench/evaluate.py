"""Retrieval quality on the shipped corpus: top-1, top-5, MRR@10 and nDCG@10 per language over
the graded judgements of bench/relevance.json (see bench/relevance.py for the definitions),
and across the languages: cross-zh-en (a Chinese query, an English answer) and cross-en-zh (an
English query, an answer among the Chinese laws), searched with the defaults.

Run: .venv/bin/python bench/evaluate.py [--mirror DIR] [--corpus DIR] [--lang LANG] [--quiet]
(``--lang cross-zh-en --lang cross-en-zh`` for the cross-language categories alone)

The catalogued laws are not in the repository: by default the committed corpus is copied to a
temporary folder and the laws are fetched into it from ../shared/sources (or --mirror, a folder
or an http(s) base address), as the tests do; --corpus names a corpus that already holds them.
Prints each query whose first hit is not a judged clause, then the scores and the thresholds;
exit 1 when a score is under its threshold or the judgements name clauses the corpus lacks.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from relevance import evaluate_archive, load, problems, report, shortfalls, summarise  # noqa: E402, I001

from initiative_archive import Archive  # noqa: E402
from initiative_archive.fetch import fetch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def shipped_corpus(dest: Path, mirror: str) -> Path:
    """The committed corpus copied to ``dest`` (without its fetched texts), the catalogued
    texts fetched into it from ``mirror``."""
    shutil.copytree(ROOT / "corpus", dest, ignore=shutil.ignore_patterns("external", ".*.lock"))
    refused = [f"{o.doc_id}: {o.reason}" for o in fetch(dest, mirror=mirror)
               if o.status == "refused"]
    if refused:
        sys.exit("cannot fetch the catalogued texts: " + "; ".join(refused))
    return dest


def judgement_problems(archive: Archive, judgements: list) -> list[str]:
    """What ``relevance.problems`` finds, against this archive's clauses and fetched texts."""
    ids, texts = set(), []
    for doc in archive.documents():
        for clause in archive.clauses(doc):
            ids.add(clause.id)
            if archive.corpus.catalogued(doc.id):
                texts.append(clause.text)
    return problems(judgements, ids, texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirror", default=str(ROOT.parent / "shared" / "sources"),
                        help="where the catalogued texts are fetched from")
    parser.add_argument("--corpus", type=Path, help="a corpus that already holds them")
    parser.add_argument("--lang", action="append", help="only queries of this language")
    parser.add_argument("--quiet", action="store_true", help="scores only, no misses")
    args = parser.parse_args()
    judgements, thresholds = load()
    if args.lang:
        judgements = [j for j in judgements if j.lang in args.lang]
        thresholds = {lang: t for lang, t in thresholds.items() if lang in args.lang}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        corpus = args.corpus or shipped_corpus(Path(tmp) / "corpus", args.mirror)
        archive = Archive(corpus, Path(tmp) / "index")
        archive.index(rebuild=True)
        built = time.perf_counter()
        wrong = judgement_problems(archive, judgements)
        outcomes = evaluate_archive(archive, judgements)
        done = time.perf_counter()
    for line in wrong:
        print(f"judgement problem: {line}")
    print(report(outcomes, thresholds, misses=not args.quiet))
    print(f"\n{len(outcomes)} queries in {done - built:.1f} s "
          f"(corpus and index {built - start:.1f} s)")
    return 1 if wrong or shortfalls(summarise(outcomes), thresholds) else 0


if __name__ == "__main__":
    sys.exit(main())
