"""Our archive beside SQLite FTS5 + jieba, on the same generated clauses and queries.

For each size (1k, 10k, 100k clauses), in a work folder outside the repository:

1. generate the corpus (bench/generate.py): documents of 50 numbered clauses, English and Chinese;
2. build: ours is ``initiative-archive ingest DIR`` into an empty archive, then
   ``index --rebuild`` timed on its own (each the median of --build-repeat); FTS5 is
   segmentation and inserts (bench/fts5.py build), in a child process as well. Clauses/s and
   index size;
3. warm queries, in this process: ours through ``Archive(corpus, index).search(q)``, FTS5
   through a MATCH query ordered by bm25, LIMIT 10; p50 and p95 per kind of query (English or
   Chinese, words or a phrase), each query run --repeat times after one warm-up;
4. cold CLI search: a fresh process per search, median of 5 after one discarded run (ours is
   the ``initiative-archive`` console script, FTS5 is ``python bench/fts5.py search``);
5. incremental update: one more document (ours ``ingest FILE``, FTS5 an insert of its clauses);
6. peak memory: ``ru_maxrss`` of each child process (``os.wait4`` in a small launcher).

Every child's wall time includes its interpreter's start-up, as a user would see it. Prints a
table (ours, FTS5, ours/FTS5) and writes everything as JSON. Run through bench/run.py.
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import fts5  # noqa: E402
import generate  # noqa: E402

CODE: Path | None = None  # the snapshot of src/ being measured (see snapshot())

QUERIES = {
    "en_words": ["cooperation", "digitization training", "librarianship",
                 "preservation collections", "partnership", "consensus"],
    "en_phrases": ['"inter-library loan"', '"digital libraries"', '"exchange of publications"',
                   '"union catalogue data"', '"mutual trust"'],
    "zh_words": ["资源共享", "古籍 保护", "阅读推广", "志愿服务", "数字资源", "流动服务"],
    "zh_phrases": ['"公共文化服务"', '"文献信息"', '"免费开放"', '"公共图书馆"', '"基层服务点"'],
}
COLD = {"en": "digitization training", "zh": "资源共享"}
COLD_RUNS = 5
SAVED_RUNS = 5  # runs of each saved-search command, alternated; their medians are quoted
MEASURED_SECONDS = 600.0  # a warm query's budget here: measured to its end, not stopped


# A small process starts each measured command and waits for it. On Linux a child's ru_maxrss
# includes the memory of the process it was forked from (the copy before exec), so a command
# forked straight from this process (Whoosh and jieba loaded) would report at least our size.
LAUNCHER = """import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    json.dump({"seconds": seconds, "code": os.waitstatus_to_exitcode(status),
               "maxrss_kib": usage.ru_maxrss}, report)
"""


class Child:
    """One finished command: wall seconds, exit code, peak memory (MiB), output."""

    def __init__(self, cmd: list[str], env: dict | None = None) -> None:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                tempfile.TemporaryDirectory() as tmp:
            report = Path(tmp) / "report.json"
            subprocess.run([sys.executable, "-S", "-c", LAUNCHER, str(report), *cmd],
                           stdout=out, stderr=err, env=env, check=False)
            out.seek(0)
            err.seek(0)
            self.stdout = out.read().decode("utf-8", "replace")
            self.stderr = err.read().decode("utf-8", "replace")
            if not report.exists():
                raise RuntimeError(f"{' '.join(cmd)} did not start: {self.stderr[-2000:]}")
            measured = json.loads(report.read_text())
        self.seconds, self.code = measured["seconds"], measured["code"]
        self.maxrss_mib = measured["maxrss_kib"] / 1024  # Linux: KiB
        if self.code != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {self.code}: {self.stderr[-2000:]}")


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def revision() -> dict:
    return {"commit": git("rev-parse", "HEAD"),
            "src_uncommitted": git("status", "--porcelain", "--", "src").splitlines(),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def snapshot(base: Path) -> dict:
    """Copy src/ as it is now into the work folder and measure that copy, in this process and
    in every child (PYTHONPATH comes before the editable install's path): others may edit the
    working tree during a run, and one run must measure one state of the code."""
    global CODE
    CODE = base / "code" / "src"
    if CODE.exists():
        shutil.rmtree(CODE)
    state = revision()
    shutil.copytree(ROOT / "src", CODE, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    digest = hashlib.sha256()
    for path in sorted(CODE.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(CODE)).encode() + b"\0" + path.read_bytes())
    # compiled as pip compiles an installed package: with PYTHONDONTWRITEBYTECODE set, every
    # fresh process would otherwise compile the whole package again (~0.1 s of each cold run)
    compileall.compile_dir(str(CODE), quiet=1)
    sys.path.insert(0, str(CODE))
    return {**state, "src_sha256": digest.hexdigest(), "snapshot": str(CODE)}


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    from importlib.metadata import version

    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "sqlite": fts5.sqlite3.sqlite_version,
            "jieba": version("jieba"), "whoosh": _version("whoosh", "whoosh3",
                                                          "whoosh-reloaded", "Whoosh"),
            "loadavg_at_start": load}


def _version(*names: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in names:
        try:
            return f"{name} {version(name)}"
        except PackageNotFoundError:
            continue
    return ""


class Run:
    """Everything measured at one size."""

    def __init__(self, size: int, work: Path, repeat: int, build_repeat: int, seed: int,
                 log=print) -> None:
        self.size, self.work, self.repeat, self.build_repeat = size, work, repeat, build_repeat
        self.seed, self.log = seed, log
        self.gen = work / "generated"
        self.corpus, self.index = work / "ours" / "corpus", work / "ours" / "index"
        self.db = work / "fts5" / "clauses.db"
        self.cli = str(Path(sys.executable).parent / "initiative-archive")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("INITIATIVE_ARCHIVE_", "PYTHONPATH"))}
        if CODE:
            self.env["PYTHONPATH"] = str(CODE)
        self.result: dict = {"size": size, "workdir": str(work)}

    def ours(self, *args: str) -> Child:
        return Child([self.cli, "--corpus", str(self.corpus), "--index", str(self.index), *args],
                     env=self.env)

    def fts(self, *args: str) -> Child:
        return Child([sys.executable, str(BENCH / "fts5.py"), *args], env=self.env)

    def run(self) -> dict:
        self.log(f"[{self.size}] generating in {self.gen}")
        self.result["corpus"] = generate.generate(self.size, self.gen, self.seed)
        self.build()
        self.warm()
        self.cold()
        self.incremental()
        return self.result

    def build(self) -> None:
        clauses = self.result["corpus"]["clauses"]
        ingests = []
        for i in range(self.build_repeat):  # each into an empty archive; the last one stays
            self.log(f"[{self.size}] ours: ingest {self.gen / 'documents'} "
                     f"({i + 1}/{self.build_repeat})")
            shutil.rmtree(self.corpus.parent, ignore_errors=True)
            ingests.append(self.ours("ingest", str(self.gen / "documents")))
        ingest = ingests[-1]
        ingest_s = statistics.median(c.seconds for c in ingests)
        archived = sum(int(n) for n in __import__("re").findall(r"\((\d+) clauses\)",
                                                                 ingest.stdout))
        rebuilds = []
        for i in range(self.build_repeat):
            self.log(f"[{self.size}] ours: index --rebuild ({i + 1}/{self.build_repeat})")
            rebuilds.append(self.ours("index", "--rebuild"))
        fts_builds = []
        for i in range(self.build_repeat):
            self.log(f"[{self.size}] fts5: build ({i + 1}/{self.build_repeat})")
            shutil.rmtree(self.db.parent, ignore_errors=True)
            self.db.parent.mkdir(parents=True)
            child = self.fts("build", str(self.db), str(self.gen / "clauses.jsonl"))
            child.report = json.loads(child.stdout.strip().splitlines()[-1])
            fts_builds.append(child)
        rebuild_s = statistics.median(c.seconds for c in rebuilds)
        fts_s = statistics.median(c.seconds for c in fts_builds)
        self.result["build"] = {
            "clauses": clauses, "ours_clauses_archived": archived,
            "ours_ingest_s": ingest_s, "ours_ingest_samples_s": [c.seconds for c in ingests],
            "ours_ingest_clauses_per_s": clauses / ingest_s,
            "ours_ingest_maxrss_mib": max(c.maxrss_mib for c in ingests),
            "ours_rebuild_s": rebuild_s, "ours_rebuild_samples_s": [c.seconds for c in rebuilds],
            "ours_rebuild_clauses_per_s": clauses / rebuild_s,
            "ours_rebuild_maxrss_mib": max(c.maxrss_mib for c in rebuilds),
            "ours_index_bytes": tree_bytes(self.index),
            "ours_corpus_bytes": tree_bytes(self.corpus),
            "fts5_s": fts_s, "fts5_samples_s": [c.seconds for c in fts_builds],
            "fts5_in_process_s": statistics.median(c.report["seconds"] for c in fts_builds),
            "fts5_segmentation_s": statistics.median(c.report["segmentation"]
                                                     for c in fts_builds),
            "fts5_clauses_per_s": clauses / fts_s,
            "fts5_maxrss_mib": max(c.maxrss_mib for c in fts_builds),
            "fts5_index_bytes": self.db.stat().st_size,
        }

    def warm(self) -> None:
        from initiative_archive import Archive
        from initiative_archive.query_limits import QueryLimits

        archive = Archive(self.corpus, self.index)
        # time every query to its end; how many the default budget would have stopped is kept
        limits = QueryLimits(seconds=MEASURED_SECONDS)
        budget = QueryLimits().seconds
        db = fts5.sqlite3.connect(self.db)
        warm: dict = {}
        archive.search("warm-up", limits=limits)  # the index opened, the glossary read
        for kind, queries in QUERIES.items():
            ours, theirs, hits, firsts = [], [], {}, []
            for query in queries:
                self.log(f"[{self.size}] warm {kind}: {query}")
                start = time.perf_counter()
                first = archive.search(query, limits=limits)  # its first run: nothing cached
                firsts.append(time.perf_counter() - start)
                found = fts5.search(db, query)
                hits[query] = {"ours_total": first.total, "ours_hits": len(first.hits),
                               "fts5_hits": len(found)}
                for _ in range(self.repeat):
                    start = time.perf_counter()
                    archive.search(query, limits=limits)
                    ours.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    fts5.search(db, query)
                    theirs.append(time.perf_counter() - start)
            warm[kind] = {"ours_first_p50_ms": 1000 * statistics.median(firsts),
                          "ours_p50_ms": 1000 * statistics.median(ours),
                          "ours_p95_ms": 1000 * quantile(ours, 0.95),
                          "fts5_p50_ms": 1000 * statistics.median(theirs),
                          "fts5_p95_ms": 1000 * quantile(theirs, 0.95),
                          "samples": len(ours), "hits": hits,
                          "ours_over_default_budget": sum(t > budget for t in ours)}
        db.close()
        self.result["warm"] = warm
        self.result["saved_searches"] = self.saved_searches()

    def saved_searches(self) -> dict:
        """Every query of QUERIES once, through ``search --queries FILE`` in one fresh command
        as a researcher runs saved searches: the cost per query is the time beyond that of a
        file of one query (start-up, opening the index, the first query's warm-up). Measured
        as a user runs it (the queries shared among a process for each core) and in one
        process (``--jobs 1``); and FTS5's the same way (``fts5.py search-many``, one process),
        the runs of both alternated, so that a slow spell of the machine falls on each alike."""
        queries = [q for qs in QUERIES.values() for q in qs]
        folder = Path(tempfile.mkdtemp(prefix="saved-", dir=self.index.parent))
        every, one = folder / "every.txt", folder / "one.txt"
        every.write_text("\n".join(queries) + "\n", encoding="utf-8")
        one.write_text(queries[0] + "\n", encoding="utf-8")
        self.log(f"[{self.size}] search --queries: {len(queries)} queries")
        commands = {
            "every": lambda: self.ours("search", "--queries", str(every), "--format", "jsonl"),
            "every_one_process": lambda: self.ours("search", "--queries", str(every),
                                                   "--format", "jsonl", "--jobs", "1"),
            "one": lambda: self.ours("search", "--queries", str(one), "--format", "jsonl"),
            "fts5_every": lambda: self.fts("search-many", str(self.db), str(every)),
            "fts5_one": lambda: self.fts("search-many", str(self.db), str(one))}
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(SAVED_RUNS):
            for name, command in commands.items():
                child = command()
                # FTS5's own count starts once jieba is loaded (see fts5.search_many)
                runs[name].append(json.loads(child.stderr.strip().splitlines()[-1])["seconds"]
                                  if name.startswith("fts5") else child.seconds)
        shutil.rmtree(folder, ignore_errors=True)
        median = {name: statistics.median(seconds) for name, seconds in runs.items()}
        per_query = {name: 1000 * (median[name] - median[base]) / (len(queries) - 1)
                     for name, base in (("every", "one"), ("every_one_process", "one"),
                                        ("fts5_every", "fts5_one"))}
        return {"queries": len(queries), "every_s": median["every"], "one_s": median["one"],
                "every_one_process_s": median["every_one_process"],
                "per_query_ms": per_query["every"],
                "per_query_one_process_ms": per_query["every_one_process"],
                "fts5_every_s": median["fts5_every"], "fts5_one_s": median["fts5_one"],
                "fts5_per_query_ms": per_query["fts5_every"]}

    def cold(self) -> None:
        cold: dict = {}
        for lang, query in COLD.items():
            self.log(f"[{self.size}] cold {lang}: {query}")
            ours = [self.ours("search", query, "--limit", "10") for _ in range(COLD_RUNS + 1)][1:]
            theirs = [self.fts("search", str(self.db), query, "--limit", "10")
                      for _ in range(COLD_RUNS + 1)][1:]
            cold[lang] = {"query": query,
                          "ours_s": statistics.median(c.seconds for c in ours),
                          "ours_samples_s": [c.seconds for c in ours],
                          "ours_maxrss_mib": max(c.maxrss_mib for c in ours),
                          "fts5_s": statistics.median(c.seconds for c in theirs),
                          "fts5_samples_s": [c.seconds for c in theirs],
                          "fts5_maxrss_mib": max(c.maxrss_mib for c in theirs)}
        version = [Child([self.cli, "--version"], env=self.env) for _ in range(COLD_RUNS)]
        cold["ours_version_s"] = statistics.median(c.seconds for c in version)
        self.result["cold"] = cold

    def incremental(self) -> None:
        extra = next((self.gen / "extra").glob("*.md"))
        self.log(f"[{self.size}] incremental: ingest {extra.name}")
        ours = self.ours("ingest", str(extra))
        theirs = self.fts("insert", str(self.db), str(self.gen / "extra.jsonl"))
        self.result["incremental"] = {
            "document": extra.stem, "ours_s": ours.seconds, "ours_maxrss_mib": ours.maxrss_mib,
            "fts5_s": theirs.seconds, "fts5_in_process_s": json.loads(theirs.stdout)["seconds"],
            "fts5_maxrss_mib": theirs.maxrss_mib}


def rows(r: dict) -> list[tuple[str, float, float | None, str]]:
    """(label, ours, fts5 or None, unit) for the table."""
    b, c, i = r["build"], r["cold"], r["incremental"]
    out = [("ingest DIR (ours) / build (FTS5)", b["ours_ingest_s"], b["fts5_s"], "s"),
           ("index --rebuild (ours) / build (FTS5)", b["ours_rebuild_s"], b["fts5_s"], "s"),
           ("  clauses/s, rebuild vs build", b["ours_rebuild_clauses_per_s"],
            b["fts5_clauses_per_s"], "/s"),
           ("  peak memory, rebuild vs build", b["ours_rebuild_maxrss_mib"],
            b["fts5_maxrss_mib"], "MiB"),
           ("  peak memory, ingest", b["ours_ingest_maxrss_mib"], None, "MiB"),
           ("index size", b["ours_index_bytes"] / 2**20, b["fts5_index_bytes"] / 2**20, "MiB"),
           ("  per 1,000 clauses", b["ours_index_bytes"] / b["clauses"] * 1000 / 2**20,
            b["fts5_index_bytes"] / b["clauses"] * 1000 / 2**20, "MiB")]
    for kind, w in r["warm"].items():
        label = kind.replace("_", " ")
        out.append((f"warm {label} p50", w["ours_p50_ms"], w["fts5_p50_ms"], "ms"))
        out.append((f"warm {label} p95", w["ours_p95_ms"], w["fts5_p95_ms"], "ms"))
        if "ours_first_p50_ms" in w:
            out.append((f"  {label}, first run p50", w["ours_first_p50_ms"], None, "ms"))
    if "saved_searches" in r:
        fts5_p50 = statistics.median(w["fts5_p50_ms"] for w in r["warm"].values())
        out.append((f"search --queries: per query ({r['saved_searches']['queries']})",
                    r["saved_searches"]["per_query_ms"], fts5_p50, "ms"))
        if "per_query_one_process_ms" in r["saved_searches"]:
            out.append(("  the same with --jobs 1 (one process)",
                        r["saved_searches"]["per_query_one_process_ms"], fts5_p50, "ms"))
        if "fts5_per_query_ms" in r["saved_searches"]:
            out.append(("  against FTS5's saved searches (search-many)",
                        r["saved_searches"]["per_query_ms"],
                        r["saved_searches"]["fts5_per_query_ms"], "ms"))
    for lang in ("en", "zh"):
        out.append((f"cold CLI search {lang} (median of {COLD_RUNS})", c[lang]["ours_s"],
                    c[lang]["fts5_s"], "s"))
        out.append((f"  peak memory, cold {lang}", c[lang]["ours_maxrss_mib"],
                    c[lang]["fts5_maxrss_mib"], "MiB"))
    out.append(("  start-up: initiative-archive --version", c["ours_version_s"], None, "s"))
    out.append(("incremental: one document (50 clauses)", i["ours_s"], i["fts5_s"], "s"))
    out.append(("  peak memory, incremental", i["ours_maxrss_mib"], i["fts5_maxrss_mib"], "MiB"))
    return out


def table(r: dict) -> str:
    def fmt(value: float | None, unit: str) -> str:
        if value is None:
            return ""
        if unit == "/s":
            return f"{value:,.0f} {unit}"
        return f"{value:.3f} {unit}" if value < 10 else f"{value:,.1f} {unit}"

    lines = [f"{r['size']:,} clauses ({r['corpus']['documents']} documents), "
             f"commit {r['revision']['commit'][:10]}"
             f"{' + uncommitted src' if r['revision']['src_uncommitted'] else ''}",
             f"{'':44} {'ours':>14} {'FTS5+jieba':>14} {'ours/FTS5':>10}"]
    for label, ours, theirs, unit in rows(r):
        ratio = f"{ours / theirs:.2f}x" if theirs else ""
        lines.append(f"{label:44} {fmt(ours, unit):>14} {fmt(theirs, unit):>14} {ratio:>10}")
    return "\n".join(lines)


def compare(sizes: list[str], out: Path | None, workdir: Path | None, repeat: int,
            build_repeat: int | None, seed: int, keep: bool) -> dict:
    base = workdir or Path(tempfile.mkdtemp(prefix="initiative-bench-"))
    if base.resolve().is_relative_to(ROOT):
        sys.exit(f"Error: the work folder {base} is inside the repository; choose another")
    results = {"benchmark": "initiative-archive vs SQLite FTS5 + jieba", "machine": machine(),
               "revision": snapshot(base), "seed": seed, "repeat": repeat, "sizes": {}}
    try:
        for label in sizes:
            size = generate.parse_size(label)
            work = base / label
            if work.exists():
                shutil.rmtree(work)
            work.mkdir(parents=True)
            runs = build_repeat if build_repeat else (3 if size <= 10_000 else 1)
            result = Run(size, work, repeat, runs, seed,
                         log=lambda m: print(m, file=sys.stderr, flush=True)).run()
            result["build_repeat"] = runs
            result["revision"] = results["revision"]
            results["sizes"][label] = result
            print(table(result), flush=True)
            print(flush=True)
            if out:
                out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
            if not keep:
                shutil.rmtree(work, ignore_errors=True)
    finally:
        if not keep and workdir is None:
            shutil.rmtree(base, ignore_errors=True)
    return results
