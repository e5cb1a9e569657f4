"""The index as a derived artefact: incremental updates, removals, broken files, atomic
rebuilds, format versions and the write lock. Each test has a small corpus of its own (the three
English shipped documents: no jieba needed, quick to index)."""

from __future__ import annotations

import json
import os

import pytest
from conftest import copy_corpus

from initiative_archive import Archive
from initiative_archive.backends.whoosh.store import _read_file_list, index_format
from initiative_archive.errors import ArchiveBusyError
from initiative_archive.ingest import archived_documents

DOCS = ["kunming-2013", "nanning-2012", "nlc-2017-prospects"]


@pytest.fixture
def archive(tmp_path) -> Archive:
    """A freshly indexed copy of three shipped documents."""
    archive = Archive(copy_corpus(tmp_path / "corpus", DOCS), tmp_path / "index")
    report = archive.index()
    assert sorted(report.added) == sorted(DOCS)
    return archive


def doc_path(archive: Archive, doc_id: str):
    return archive.corpus.documents_dir / f"{doc_id}.md"


def edit(archive: Archive, doc_id: str, old: str, new: str) -> None:
    path = doc_path(archive, doc_id)
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def clause_ids(archive: Archive, query: str) -> list[str]:
    return [h.clause.id for h in archive.search(query, limit=None).hits]


def test_a_first_update_builds_the_index(archive):
    assert archive.engine.store.exists()
    assert archive.engine.store.format() == index_format()
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]


def test_an_update_with_nothing_changed_touches_nothing(archive):
    report = archive.index()
    assert not report.touched
    assert report.unchanged == len(DOCS)


def test_an_update_reindexes_only_the_changed_document(archive):
    edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
    report = archive.index()
    assert report.changed == ["kunming-2013"]
    assert (report.added, report.removed, report.unchanged) == ([], [], len(DOCS) - 1)
    assert clause_ids(archive, "maps") == ["kunming-2013/op_1"]
    assert "kunming-2013/op_1" not in clause_ids(archive, '"inter-library loan"')
    assert archive.index().touched is False


def test_a_touched_but_unchanged_file_is_not_reported_as_changed(archive):
    path = doc_path(archive, "nanning-2012")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = archive.index()
    assert report.changed == [] and report.unchanged == len(DOCS)


def test_removing_a_file_removes_its_clauses(archive):
    assert clause_ids(archive, "secretariat")
    doc_path(archive, "nlc-2017-prospects").unlink()
    report = archive.index()
    assert report.removed == ["nlc-2017-prospects"]
    assert clause_ids(archive, "secretariat") == []
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]


def test_a_new_file_is_added(archive, tmp_path):
    doc_path(archive, "extra").write_text(
        "---\nid: extra\ntitle: Extra\n---\n\n1. Digitize the zebra collection.\n",
        encoding="utf-8")
    report = archive.index()
    assert report.added == ["extra"]
    assert clause_ids(archive, "zebra") == ["extra/op_1"]


def test_a_broken_file_is_a_problem_and_its_indexed_version_is_kept(archive):
    edit(archive, "nanning-2012", "title: Nanning", "title: [Nanning")  # broken YAML
    edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
    report = archive.index()
    assert [p.message.split(":")[0] for p in report.problems] == ["documents/nanning-2012.md"]
    assert report.changed == ["kunming-2013"]  # the rest is indexed
    assert clause_ids(archive, "maps") == ["kunming-2013/op_1"]
    assert "nanning-2012/op_1" in clause_ids(archive, '"mutual trust"')  # earlier version kept


def test_an_impossible_date_in_front_matter_is_a_problem_of_that_file_only(archive):
    edit(archive, "nanning-2012", "date: '2012-09-11'", "date: 2012-02-30")
    edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
    report = archive.index()
    assert [p.message.split(":")[0] for p in report.problems] == ["documents/nanning-2012.md"]
    assert clause_ids(archive, "maps") == ["kunming-2013/op_1"]


def test_a_search_reports_a_broken_file_as_a_warning(archive):
    edit(archive, "nanning-2012", "title: Nanning", "title: [Nanning")
    result = archive.search("library")
    assert any("nanning-2012.md" in notice for notice in result.notices)
    assert result.total > 0


def test_the_file_list_an_update_leaves_is_what_the_index_holds(archive):
    """The list a search reads instead of the index is written from what the update wrote,
    not read back from the index: it must say the same, after a build and for every kind of
    change."""
    store = archive.engine.store
    built = store.open()
    assert _read_file_list(built) == store._records_in(built)
    edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
    edit(archive, "nanning-2012", "title: Nanning", "title: [Nanning")  # refused
    doc_path(archive, "nlc-2017-prospects").unlink()
    doc_path(archive, "extra").write_text(
        "---\nid: extra\ntitle: Extra\naliases: [Zebra paper]\n---\n\n1. Digitize the zebra "
        "collection.\n", encoding="utf-8")
    report = archive.index()
    assert (report.added, report.changed, report.removed) == (
        ["extra"], ["kunming-2013"], ["nlc-2017-prospects"])
    ix = store.open()
    listed = _read_file_list(ix)
    assert listed == store._records_in(ix)
    assert listed["documents/extra.md"]["doc_aliases"] == ["Zebra paper"]
    assert "doc_aliases" not in listed["documents/nanning-2012.md"]  # it names no document now


def test_ingest_knows_unchanged_documents_from_the_index_without_reading_them(archive,
                                                                            monkeypatch):
    edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
    corpus = archive.corpus
    every_file_read = archived_documents(corpus)
    read = []
    read_file = corpus.read_file
    monkeypatch.setattr(corpus, "read_file", lambda path: read.append(path) or read_file(path))
    known = archived_documents(corpus, archive.engine.indexed_files())
    assert read == ["documents/kunming-2013.md"]  # edited since it was indexed
    assert known == every_file_read
    assert known["nanning-2012"].names()[:2] == ["nanning-2012", corpus.read_file(
        "documents/nanning-2012.md").title]


def test_two_files_claiming_one_id_keep_the_first(archive):
    doc_path(archive, "zz-copy").write_text(
        doc_path(archive, "kunming-2013").read_text("utf-8"), encoding="utf-8")
    report = archive.index()
    assert any("kunming-2013" in p.message for p in report.problems)
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]


def test_rebuild_swaps_the_live_link_and_leaves_a_usable_index(archive):
    live = archive.engine.store.live
    assert live.is_symlink()
    before = os.readlink(live)
    report = archive.index(rebuild=True)
    after = os.readlink(live)
    assert report.rebuilt and sorted(report.added) == sorted(DOCS)
    assert after != before
    assert not os.path.isabs(after)  # relative: the folder can move
    assert (archive.engine.store.root / after / "FORMAT").is_file()
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]
    generations = list(archive.engine.store.root.glob("gen-*"))
    assert 1 <= len(generations) <= 2  # the new one, and at most the previous one


def test_rebuilds_do_not_pile_up_generations(archive):
    for _ in range(3):
        archive.index(rebuild=True)
    assert len(list(archive.engine.store.root.glob("gen-*"))) <= 2
    assert not list(archive.engine.store.root.glob(".live-*"))


def test_an_index_of_another_format_is_rebuilt_on_the_next_update(archive):
    live = archive.engine.store.live
    (live / "FORMAT").write_text(json.dumps({"format": "0.0"}), encoding="utf-8")
    assert archive.engine.store.format() == "0.0"
    report = archive.index()
    assert report.rebuilt
    assert archive.engine.store.format() == index_format()
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]


def test_a_search_rebuilds_an_index_of_another_format(archive):
    live = archive.engine.store.live
    (live / "FORMAT").write_text(json.dumps({"format": "0.0"}), encoding="utf-8")
    assert archive.search('"union catalogue"').total == 1
    assert archive.engine.store.format() == index_format()


def test_a_missing_index_is_built_by_the_first_search(tmp_path):
    archive = Archive(copy_corpus(tmp_path / "corpus", DOCS), tmp_path / "index")
    assert not archive.engine.store.exists()
    assert clause_ids(archive, '"union catalogue"') == ["kunming-2013/op_3"]
    assert archive.engine.store.exists()


def test_an_update_fails_at_once_while_another_writer_holds_the_lock(archive):
    with archive.engine.store.lock():
        with pytest.raises(ArchiveBusyError):
            archive.engine.store.update(archive.corpus, wait=0)


def test_a_search_answers_from_the_last_index_while_the_lock_is_held(archive):
    with archive.engine.store.lock():
        edit(archive, "kunming-2013", "inter-library loan", "interlibrary lending of rare maps")
        result = archive.search('"inter-library loan"')
        assert [h.clause.id for h in result.hits] == ["kunming-2013/op_1"]  # last committed
        assert result.notices and "another process" in result.notices[0]
    result = archive.search('"inter-library loan"')  # the lock is free: brought up to date
    assert result.total == 0 and result.notices == []
    assert clause_ids(archive, "maps") == ["kunming-2013/op_1"]


def test_the_lock_is_released_after_a_failed_write(archive):
    with pytest.raises(RuntimeError), archive.engine.store.lock():
        raise RuntimeError("writer crashed")
    with archive.engine.store.lock(wait=0):
        pass


def test_the_format_covers_what_decides_the_tokens(archive):
    """The engine, jieba and OpenCC versions and the user dictionary's hash are in the format: an
    index built with another jieba (or dictionary) is rebuilt, with a message."""
    import hashlib
    from importlib import metadata, resources

    fmt = index_format()
    userdict = resources.files("initiative_archive").joinpath("data/userdict.txt").read_bytes()
    assert f"whoosh-{metadata.version('whoosh3')}" in fmt
    assert f"jieba-{metadata.version('jieba')}" in fmt
    assert f"opencc-{metadata.version('opencc')}" in fmt
    assert f"dict-{hashlib.sha256(userdict).hexdigest()[:8]}" in fmt
    older = fmt.replace(f"jieba-{metadata.version('jieba')}", "jieba-0.39")
    live = archive.engine.store.live
    (live / "FORMAT").write_text(json.dumps({"format": older}), encoding="utf-8")
    report = archive.index()
    assert report.rebuilt
    assert any("jieba-0.39" in n and "rebuilt" in n for n in report.notices)


def test_a_reader_keeps_one_open_index_and_sees_every_change(archive):
    """The read session reuses its open index while nothing changes, and reopens it after an
    update (a new commit in the live generation) and after a rebuild (a new generation)."""
    assert archive.search('"union catalogue"').total == 1
    first = archive.engine.session.index()
    assert archive.engine.session.index() is first  # unchanged: the same open index
    new = archive.corpus.documents_dir / "accord.md"
    new.write_text("---\nid: accord\ntitle: Accord\n---\n\n1. A union catalogue of maps.\n",
                   encoding="utf-8")
    assert archive.search('"union catalogue"').total == 2  # updated, and seen
    assert archive.engine.session.index() is not first
    archive.index(rebuild=True)
    assert archive.search('"union catalogue"').total == 2  # a new generation, and seen


def test_an_open_session_scores_an_update_as_a_fresh_one_does(archive, tmp_path):
    """What an open session keeps of its scoring (each word's scores, worked out with the
    idf and the average length of the whole index) is not carried across an update: after
    one, a search scores as a fresh session does."""
    def scored(result) -> list[tuple[str, float]]:
        return [(h.clause.id, h.score) for h in result.hits]

    before = scored(archive.search("union catalogue"))
    new = archive.corpus.documents_dir / "accord.md"
    new.write_text("---\nid: accord\ntitle: Accord\n---\n\n1. A union catalogue of maps.\n"
                   "\n2. A union of libraries.\n", encoding="utf-8")
    after = scored(archive.search("union catalogue"))
    fresh = scored(Archive(tmp_path / "corpus", tmp_path / "index").search("union catalogue"))
    assert after == fresh
    assert dict(before).keys() & dict(after).keys()  # the same clauses, scored anew
    assert all(dict(after)[c] != s for c, s in before if c in dict(after))


AUDITED_SEARCH = """
import os, sys
corpus, index = (os.path.realpath(p) for p in sys.argv[1:3])
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        mode, flags = args[1] or "", args[2] or 0
        writes = any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR)
        opened.append((path, bool(writes)))
    elif event in ("os.rename", "os.replace", "os.remove", "os.unlink", "os.mkdir",
                   "shutil.rmtree", "os.rmdir", "os.symlink"):
        opened.append((os.path.realpath(os.fsdecode(args[0])), True))
sys.addaudithook(hook)
from initiative_archive import Archive
result = Archive(corpus, index).search(sys.argv[3])
assert result.hits
for path, writes in opened:
    if path.startswith((corpus, index)):
        root = corpus if path.startswith(corpus) else index
        print("write" if writes else "read", os.path.relpath(path, root))
"""


@pytest.mark.parametrize("query", ["resource sharing", "资源共享"])
def test_a_search_of_an_unchanged_corpus_writes_nothing_and_reads_no_document(
        tmp_path, query):
    """What the issue watches with strace, watched with Python's audit hooks: nothing opened
    for writing, made, renamed or removed in the corpus or the index, and no document read
    (file stats tell the index is fresh)."""
    import subprocess
    import sys

    corpus = copy_corpus(tmp_path / "corpus", ["kunming-2013", "nanning-2012"])
    index = tmp_path / "index"
    Archive(corpus, index).index()
    run = subprocess.run([sys.executable, "-c", AUDITED_SEARCH, str(corpus), str(index), query],
                         capture_output=True, text=True, timeout=120, check=True)
    events = run.stdout.split("\n")
    assert not [e for e in events if e.startswith("write")]
    assert not [e for e in events if e.startswith("read documents/")]
    assert [e for e in events if e.startswith("read gen-")]  # the index itself was read
