"""The baseline: SQLite FTS5 with jieba pre-segmentation, as a peer would build it.

Chinese text is segmented with ``jieba.cut_for_search`` and joined with spaces, English is
lower-cased; the result goes into an FTS5 table with the ``unicode61`` tokenizer (which then
splits on spaces and punctuation). Queries are segmented the same way: a word query is the OR of
its tokens (as the archive's default ``--match any``), a query in double quotes is an FTS5 phrase
query; results are ordered by ``bm25`` with ``LIMIT``. jieba is imported only when a text or query
has Chinese in it, so an English search never loads its dictionary.

Used by bench/compare.py as a child process, so that its time and peak memory are its own:

    python bench/fts5.py build DB CLAUSES.jsonl     create the table, segment and insert
    python bench/fts5.py insert DB CLAUSES.jsonl    add clauses to an existing table
    python bench/fts5.py search DB QUERY [--limit N]
    python bench/fts5.py search-many DB FILE [--limit N]

``build`` and ``insert`` print one JSON line with their own timings. ``search-many`` is saved
searches as ours run them (``search --queries FILE --format jsonl``): every query of the file
(one a line) in this one process, each hit a JSON line with its query on stdout, and on stderr
a JSON line with the seconds its queries took once jieba's dictionary was loaded (loaded first,
whatever the queries).
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import time

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TOKEN = re.compile(r"\w+")
SCHEMA = ("CREATE VIRTUAL TABLE clauses USING fts5("
          "body, clause_id UNINDEXED, doc_id UNINDEXED, text UNINDEXED, tokenize='unicode61')")


def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def segment(text: str) -> str:
    """Text as FTS5 sees it: jieba words separated by spaces, lower-cased."""
    text = text.lower()
    if CJK.search(text):
        return " ".join(t for t in _jieba().cut_for_search(text) if not t.isspace())
    return text


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression: a phrase for a quoted query, otherwise the OR of the tokens."""
    tokens = TOKEN.findall(segment(query.strip().strip('"')))
    if query.strip().startswith('"'):
        return '"' + " ".join(tokens) + '"'
    return " OR ".join(f'"{t}"' for t in tokens)


def search(db: sqlite3.Connection, query: str, limit: int = 10) -> list[tuple[str, str, float]]:
    sql = ("SELECT clause_id, text, bm25(clauses) AS rank FROM clauses WHERE clauses MATCH ? "
           "ORDER BY rank LIMIT ?")
    return db.execute(sql, (match_expression(query), limit)).fetchall()


def insert(db: sqlite3.Connection, path: str) -> dict:
    start = time.perf_counter()
    segmented = 0.0
    rows = 0
    with open(path, encoding="utf-8") as lines, db:
        batch = []
        for line in lines:
            record = json.loads(line)
            t0 = time.perf_counter()
            body = segment(record["text"])
            segmented += time.perf_counter() - t0
            batch.append((body, record["clause_id"], record["doc_id"], record["text"]))
            rows += 1
            if len(batch) >= 1000:
                db.executemany("INSERT INTO clauses VALUES (?, ?, ?, ?)", batch)
                batch.clear()
        db.executemany("INSERT INTO clauses VALUES (?, ?, ?, ?)", batch)
    return {"rows": rows, "seconds": time.perf_counter() - start, "segmentation": segmented}


def search_many(db: sqlite3.Connection, path: str, limit: int = 10) -> dict:
    """Every query of the file, each hit a JSON line; the seconds after jieba's load (whose
    own time, a second give or take a tenth, would drown the queries' in the difference of
    two runs)."""
    _jieba().initialize()
    start = time.perf_counter()
    with open(path, encoding="utf-8") as lines:
        queries = [line.strip() for line in lines if line.strip()]
    out = sys.stdout
    for query in queries:
        for clause_id, text, rank in search(db, query, limit):
            out.write(json.dumps({"query": query, "clause_id": clause_id, "score": rank,
                                  "text": text}, ensure_ascii=False) + "\n")
    out.flush()
    return {"queries": len(queries), "seconds": time.perf_counter() - start}


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("build", "insert", "search", "search-many"):
        print(__doc__, file=sys.stderr)
        return 2
    command, path, arg = argv[0], argv[1], argv[2]
    db = sqlite3.connect(path)
    limit = int(argv[argv.index("--limit") + 1]) if "--limit" in argv else 10
    if command == "search":
        for clause_id, text, rank in search(db, arg, limit):
            print(f"{rank:8.3f}  {clause_id}  {text[:80]}")
        return 0
    if command == "search-many":
        print(json.dumps(search_many(db, arg, limit)), file=sys.stderr)
        return 0
    if command == "build":
        db.execute(SCHEMA)
    print(json.dumps(insert(db, arg)))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
