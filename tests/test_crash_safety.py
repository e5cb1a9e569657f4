"""Crashes and concurrency, with real processes: a rebuild killed with SIGKILL leaves the last
index answering, searches answer while a rebuild runs, two writers never corrupt the archive,
and an ingest killed half-way leaves corpus and index readable.

Each test works on its own copy of one synthetic archive (200 documents, English and Chinese)
built once for the module; every command runs as ``python -m initiative_archive``.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from initiative_archive import Archive
from initiative_archive.corpus import Corpus
from initiative_archive.model import Document

DOCS = 200
EN_WORDS = ("library libraries cooperation catalogue exchange training preservation digital "
            "resources sharing readers loans union").split()
ZH_WORDS = "图书馆 合作 资源 共享 数字化 培训 交流 保护 古籍 借阅 目录 读者 服务".split()
TIMEOUT = 60


def synthetic_document(n: int, rng: random.Random) -> Document:
    if n % 2:
        body = "\n\n".join(f"{k}. " + " ".join(rng.choice(EN_WORDS) for _ in range(25)) + "."
                           for k in range(1, 5))
        return Document(id=f"en-{n:03d}", title=f"English {n}", body=body + "\n", lang="en")
    body = "\n\n".join(f"第{k}条 " + "".join(rng.choice(ZH_WORDS) for _ in range(20)) + "。"
                       for k in range(1, 5))
    return Document(id=f"zh-{n:03d}", title=f"中文文件 {n}", body=body + "\n", lang="zh-Hans")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A corpus of 200 documents and its index, built once (read-only: tests copy it)."""
    root = tmp_path_factory.mktemp("synthetic")
    corpus = Corpus(root / "corpus")
    rng = random.Random(20240501)
    for n in range(DOCS):
        corpus.write(synthetic_document(n, rng))
    corpus.write(Document(id="marker", title="Marker",
                          body="1. The zebrafinch protocol binds every member library.\n",
                          lang="en"))
    report = Archive(root / "corpus", root / "index").index()
    assert len(report.added) == DOCS + 1
    return root


@pytest.fixture
def archive(built, tmp_path) -> Path:
    """This test's own copy of the synthetic archive (the index's 'live' link kept a link)."""
    shutil.copytree(built, tmp_path / "a", symlinks=True)
    return tmp_path / "a"


def command(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "initiative_archive", *args, "--corpus", str(root / "corpus"),
            "--index", str(root / "index")]


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(root, *args), capture_output=True, text=True, timeout=TIMEOUT,
                          env=_env())


def start(root: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(command(root, *args), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("INITIATIVE_ARCHIVE_DEBUG", None)
    return env


def search_ids(root: Path, query: str) -> list[str]:
    """Every clause id a search finds, sorted (new documents shift the ranking, not the set),
    searched in this process (quicker than a new one)."""
    result = Archive(root / "corpus", root / "index").search(query, limit=None)
    return sorted(hit.clause.id for hit in result.hits)


def cli_search_ids(root: Path, query: str) -> list[str]:
    done = run(root, "search", query, "--format", "json", "--limit", "50")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return [hit["clause_id"] for hit in json.loads(done.stdout)["hits"]]


def generations(root: Path) -> set[str]:
    return {p.name for p in (root / "index").glob("gen-*")}


def wait_for(condition, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the process ended before {what}: {process.returncode} {err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=TIMEOUT)
    return process.returncode, out, err


def kill(process: subprocess.Popen) -> None:
    assert process.poll() is None, "the process had already finished: nothing was interrupted"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=TIMEOUT)
    assert process.returncode == -signal.SIGKILL


QUERIES = ("zebrafinch", "union catalogue", "古籍保护")


def test_a_rebuild_killed_mid_way_leaves_the_last_index_answering(archive):
    before = {q: search_ids(archive, q) for q in QUERIES}
    assert all(before.values())
    old = generations(archive)
    live = os.readlink(archive / "index" / "live")
    rebuild = start(archive, "index", "--rebuild")
    wait_for(lambda: generations(archive) - old, "a new generation folder", rebuild)
    time.sleep(0.3)  # let it write some of the new generation
    kill(rebuild)

    assert os.readlink(archive / "index" / "live") == live
    assert generations(archive) - old, "the killed rebuild's folder is left for the next writer"
    assert cli_search_ids(archive, "zebrafinch") == before["zebrafinch"]
    assert {q: search_ids(archive, q) for q in QUERIES} == before

    Archive(archive / "corpus", archive / "index").index(rebuild=True)  # the next writer
    assert len(generations(archive)) <= 2  # tidied up what the killed rebuild left
    assert {q: search_ids(archive, q) for q in QUERIES} == before


def test_three_searches_during_a_rebuild_all_answer(archive):
    expected = search_ids(archive, "zebrafinch")
    old = generations(archive)
    rebuild = start(archive, "index", "--rebuild")
    wait_for(lambda: generations(archive) - old, "the rebuild to start", rebuild)
    searches = [start(archive, "search", query, "--format", "json") for query in QUERIES]
    results = [finish(s) for s in searches]
    code, out, err = finish(rebuild)
    assert code == 0, err
    for (code, out, err), query in zip(results, QUERIES, strict=True):
        assert code == 0, (query, err)
        assert "Traceback" not in err
        assert json.loads(out)["hits"], query
    assert json.loads(results[0][1])["hits"][0]["clause_id"] == expected[0]
    assert search_ids(archive, "zebrafinch") == expected


def test_two_writers_at_once_never_corrupt_the_archive(archive, tmp_path):
    expected = {q: search_ids(archive, q) for q in QUERIES}
    new = tmp_path / "aardvark.txt"
    new.write_text("1. Member libraries shall lend their aardvark collections.\n", "utf-8")
    old = generations(archive)
    rebuild = start(archive, "index", "--rebuild")
    wait_for(lambda: generations(archive) - old, "the rebuild to hold the lock", rebuild)
    ingest = start(archive, "ingest", str(new))  # writes the corpus, then waits for the index
    code_r, _, err_r = finish(rebuild)
    code_i, out_i, err_i = finish(ingest)
    assert code_r == 0, err_r
    if code_i == 1:  # allowed: a busy archive, said in one line
        lines = err_i.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ") and "busy" in lines[0]
    else:
        assert code_i == 0, err_i
        assert out_i.startswith("archived")
    assert "Traceback" not in err_r + err_i
    assert {q: search_ids(archive, q) for q in QUERIES} == expected
    assert search_ids(archive, "aardvark") == ["aardvark/op_1"]


def test_two_ingests_of_one_id_at_once_archive_one_and_refuse_the_other(archive, tmp_path):
    """Each ingest checks and writes under the corpus lock: never two 'archived' for one id,
    the second overwriting the first."""
    folders = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        for n in range(40):
            (folder / f"shared-{n:02d}.txt").write_text(
                f"1. The {name} batch says clause {n} about reading rooms.\n", "utf-8")
        folders.append(folder)
    ingests = [start(archive, "ingest", str(folder), "--format", "json") for folder in folders]
    results = [finish(i) for i in ingests]
    reports = [json.loads(out) for _, out, _ in results]
    for n in range(40):
        statuses = sorted(r["files"][n]["status"] for r in reports)
        assert statuses == ["archived", "rejected"], (n, statuses)
        stored = (archive / "corpus" / "documents" / f"shared-{n:02d}.md").read_text("utf-8")
        winner = next(i for i, r in enumerate(reports) if r["files"][n]["status"] == "archived")
        assert f"The {('first', 'second')[winner]} batch says clause {n} " in stored
    assert sorted(code for code, _, _ in results) == [0, 1]  # one batch wins it all


def test_an_ingest_killed_mid_way_leaves_corpus_and_index_answering(archive, tmp_path):
    expected = {q: search_ids(archive, q) for q in QUERIES}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = random.Random(7)
    for n in range(60):  # words of their own, so the queries' answers stay the same
        words = " ".join(rng.choice(("okapi", "tapir", "quokka", "ibis")) for _ in range(30))
        (inbox / f"new-{n:02d}.txt").write_text(f"1. Clause {n}: {words}.\n", "utf-8")
    documents = archive / "corpus" / "documents"
    before = {p.name for p in documents.glob("*.md")}
    ingest = start(archive, "ingest", str(inbox))
    wait_for(lambda: len({p.name for p in documents.glob("*.md")} - before) >= 5,
             "the ingest to write documents", ingest)
    kill(ingest)

    for path in documents.glob("*.md"):  # every document file whole, none half-written
        assert path.read_text("utf-8").startswith("---\n"), path
    listed = run(archive, "docs", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert cli_search_ids(archive, "zebrafinch") == expected["zebrafinch"]
    assert {q: search_ids(archive, q) for q in QUERIES} == expected
    again = run(archive, "ingest", str(inbox), "--format", "json")
    assert again.returncode == 0, again.stderr
    statuses = {f["status"] for f in json.loads(again.stdout)["files"]}
    assert statuses <= {"archived", "unchanged"}
    assert search_ids(archive, "okapi")


def test_an_ingest_killed_while_it_updates_the_index_leaves_it_answering(archive, tmp_path):
    expected = {q: search_ids(archive, q) for q in QUERIES}
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rng = random.Random(11)
    # large enough that the index update outlasts the pause below (a build of this size is
    # about ten times quicker than it was; 40 files of 20 clauses were indexed within it)
    for n in range(40):
        clauses = "\n\n".join(
            f"{k}. " + " ".join(rng.choice(("okapi", "tapir", "quokka", "ibis", "dugong"))
                                for _ in range(40)) + "." for k in range(1, 151))
        (inbox / f"big-{n:02d}.txt").write_text(f"{clauses}\n", "utf-8")
    documents = archive / "corpus" / "documents"
    ingest = start(archive, "ingest", str(inbox))
    wait_for(lambda: len(list(documents.glob("big-*.md"))) == 40, "every document written",
             ingest)
    time.sleep(0.3)  # into the index update that follows the corpus writes
    kill(ingest)

    assert cli_search_ids(archive, "dugong")  # the search catches the index up
    assert {q: search_ids(archive, q) for q in QUERIES} == expected
    again = run(archive, "index")
    assert again.returncode == 0, again.stderr
    assert "0 added, 0 changed, 0 removed" in again.stdout
