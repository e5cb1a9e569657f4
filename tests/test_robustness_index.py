"""Issue 9, items 1 and 8: the index folder is ours before anything in it is removed, and a
search keeps answering from the last good index whenever the index cannot be written.

Attacks are real: folders built in tmp_path, real Whoosh, and real subprocesses for what needs
a process of its own (a writer killed with SIGKILL, a writer that holds the lock, a process
with a file-size limit standing in for a full disk, a process of another user for a read-only
folder when the tests run as root).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from initiative_archive import Archive
from initiative_archive.backends.whoosh.store import MARKER, IndexStore
from initiative_archive.corpus import Corpus
from initiative_archive.errors import ArchiveBusyError, IndexMissingError
from initiative_archive.model import Document

TIMEOUT = 60
WORDS = "library cooperation catalogue exchange training preservation digital loans".split()


def make_corpus(root: Path, n: int = 3) -> Path:
    corpus = Corpus(root)
    for k in range(n):
        body = "\n\n".join(f"{c}. Member libraries share {WORDS[(k + c) % len(WORDS)]} "
                           f"number {k} clause {c}." for c in range(1, 4))
        corpus.write(Document(id=f"doc-{k:03d}", title=f"Document {k}", body=body + "\n",
                              lang="en"))
    corpus.write(Document(id="marker", title="Marker", lang="en",
                          body="1. The zebrafinch protocol binds every member library.\n"))
    return root


@pytest.fixture
def archive(tmp_path) -> Archive:
    archive = Archive(make_corpus(tmp_path / "corpus"), tmp_path / "index")
    archive.index()
    return archive


def tree(root: Path) -> dict[str, bytes | str]:
    """Everything under a folder: file contents, link targets, folder names."""
    out: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            out[key] = "-> " + os.readlink(path)
        elif path.is_file():
            out[key] = path.read_bytes()
        else:
            out[key] = "dir"
    return out


def marker(index: Path) -> dict:
    return json.loads((index / MARKER).read_text("utf-8"))


def edit_marker_doc(archive: Archive, text: str) -> None:
    path = archive.corpus.documents_dir / "marker.md"
    path.write_text(path.read_text("utf-8").replace("zebrafinch", text), "utf-8")


def python(code: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=TIMEOUT, **kwargs)


# -- item 1: ownership -------------------------------------------------------------------------

def test_a_folder_that_is_not_ours_is_refused_and_left_untouched(tmp_path):
    """The attack: --index at a folder of the user's with gen-* subfolders of its own."""
    theirs = tmp_path / "photos"
    (theirs / "gen-2019-01").mkdir(parents=True)
    (theirs / "gen-2019-01" / "beach.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    (theirs / "gen-1-2").mkdir()
    (theirs / "gen-1-2" / "notes.txt").write_text("mine", "utf-8")
    (theirs / "todo.txt").write_text("buy milk", "utf-8")
    before = tree(theirs)
    archive = Archive(make_corpus(tmp_path / "corpus"), theirs)
    for attempt in (archive.index, lambda: archive.index(rebuild=True),
                    lambda: archive.search("zebrafinch")):
        with pytest.raises(IndexMissingError) as caught:
            attempt()
        assert "not an initiative-archive index folder" in caught.value.message
        assert "\n" not in caught.value.message and caught.value.hint
    assert tree(theirs) == before  # not even a .lock


def test_the_cli_refuses_a_folder_that_is_not_ours_in_one_line(tmp_path):
    theirs = tmp_path / "work"
    (theirs / "gen-7-7").mkdir(parents=True)
    (theirs / "gen-7-7" / "thesis.tex").write_text("chapter 1", "utf-8")
    before = tree(theirs)
    done = subprocess.run([sys.executable, "-m", "initiative_archive", "index", "--corpus",
                           str(make_corpus(tmp_path / "corpus")), "--index", str(theirs)],
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("Error: ") and "not an initiative-archive index" in lines[0]
    assert "Traceback" not in done.stderr
    assert tree(theirs) == before


def test_an_empty_or_new_folder_is_claimed_with_a_marker(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    (tmp_path / "empty").mkdir()
    for index in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        store = Archive(corpus, index).engine.store
        Archive(corpus, index).index()
        listed = marker(index)
        assert listed["owner"] == "initiative-archive index folder"
        assert listed["generations"] == [os.readlink(store.live)]


def test_garbage_collection_removes_only_the_generations_the_marker_lists(archive):
    root = archive.engine.store.root
    planted = root / "gen-5-5"  # named like ours, not listed: someone else's
    planted.mkdir()
    (planted / "keep.txt").write_text("precious", "utf-8")
    for _ in range(3):
        archive.index(rebuild=True)
    assert (planted / "keep.txt").read_text("utf-8") == "precious"
    listed = set(marker(root)["generations"])
    assert listed == {p.name for p in root.glob("gen-*")} - {"gen-5-5"}
    assert len(listed) <= 2


def test_an_index_of_the_previous_version_is_recognised_as_ours(archive):
    """Built before the marker existed: live -> gen-* with FORMAT, plus what a killed rebuild
    of that version left (a generation with Whoosh files and no FORMAT)."""
    root = archive.engine.store.root
    (root / MARKER).unlink()
    stray = root / "gen-1-1"
    stray.mkdir()
    (stray / "_MAIN_0.toc").write_bytes(b"partial")
    (stray / "MAIN_WRITELOCK").write_bytes(b"")
    assert archive.search("zebrafinch").total == 1
    edit_marker_doc(archive, "zebrafinch okapi")
    assert archive.search("okapi").total == 1  # updated: the folder was claimed
    assert (root / MARKER).is_file()
    assert not stray.exists()  # listed on adoption, removed as a stray


def test_a_file_where_the_folder_should_be_is_refused(tmp_path):
    where = tmp_path / "index"
    where.write_text("not a folder", "utf-8")
    with pytest.raises(IndexMissingError, match="not a folder"):
        Archive(make_corpus(tmp_path / "corpus"), where).index()
    assert where.read_text("utf-8") == "not a folder"


# -- item 8: reads stay up ---------------------------------------------------------------------

def test_a_stray_generation_of_a_killed_rebuild_is_removed_by_the_next_update(tmp_path):
    archive = Archive(make_corpus(tmp_path / "corpus", 150), tmp_path / "index")
    archive.index()
    root = archive.engine.store.root
    old = {p.name for p in root.glob("gen-*")}
    rebuild = subprocess.Popen([sys.executable, "-m", "initiative_archive", "index",
                                "--rebuild", "--corpus", str(tmp_path / "corpus"), "--index",
                                str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while not {p.name for p in root.glob("gen-*")} - old:
        assert rebuild.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait(TIMEOUT)
    stray = {p.name for p in root.glob("gen-*")} - old
    assert stray and stray <= set(marker(root)["generations"])  # listed before it was made
    edit_marker_doc(archive, "zebrafinch okapi")
    assert archive.search("okapi").total == 1  # an incremental update: the next writer
    assert not stray & {p.name for p in root.glob("gen-*")}


def test_orphan_segment_files_of_a_killed_writer_are_removed_by_the_next_writer(archive):
    """A Whoosh writer killed after writing its segment, before its table of contents."""
    gen = Path(os.path.realpath(archive.engine.store.live))
    before = set(os.listdir(gen))
    killed = python(f"""
        import os, signal
        from whoosh import index
        ix = index.open_dir({str(gen)!r})
        writer = ix.writer()
        for n in range(200):
            writer.add_document(key=f"k{{n}}", record="clause", text="orphan words " * 50)
        writer._finalize_segment()  # the segment's files are written here
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert killed.returncode == -signal.SIGKILL
    orphans = set(os.listdir(gen)) - before
    assert orphans and any(name.startswith("MAIN_") for name in orphans)
    archive.index()  # nothing changed in the corpus: still the next writer
    assert not (set(os.listdir(gen)) - before) - {"MAIN_WRITELOCK"}
    assert archive.search("zebrafinch").total == 1
    assert archive.search("orphan").total == 0


def _hold_lock(index: Path) -> subprocess.Popen:
    """A writer that takes the index lock and never lets go (until killed)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from initiative_archive.backends.whoosh.store import IndexStore
            with IndexStore({str(index)!r}).lock():
                print("locked", flush=True)
                time.sleep(600)
        """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_stuck_writer_leaves_the_last_index_answering_with_a_notice(archive):
    holder = _hold_lock(archive.engine.store.root)
    try:
        edit_marker_doc(archive, "zebrafinch okapi")
        started = time.monotonic()
        result = archive.search("zebrafinch")
        assert time.monotonic() - started < 5
        assert result.total == 1 and "another process" in result.notices[0]
    finally:
        holder.kill()
        holder.communicate()


def test_with_no_index_a_stuck_writer_is_a_busy_error_after_a_bounded_wait(tmp_path):
    archive = Archive(make_corpus(tmp_path / "corpus"), tmp_path / "index")
    archive.engine.store.first_build_wait = 1.0
    holder = _hold_lock(archive.engine.store.root)
    try:
        started = time.monotonic()
        with pytest.raises(ArchiveBusyError) as caught:
            archive.search("zebrafinch")
        assert 1.0 <= time.monotonic() - started < 5
        assert "no index" in caught.value.message and "\n" not in caught.value.message
    finally:
        holder.kill()
        holder.communicate()


def _limited(limit: int):
    """In the child: writes past ``limit`` bytes fail with EFBIG, as on a full disk."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


SEARCH = """
    import json, sys
    from initiative_archive import Archive
    from initiative_archive.errors import ArchiveError
    try:
        result = Archive(sys.argv[1], sys.argv[2]).search(sys.argv[3])
    except ArchiveError as exc:
        print(json.dumps({"error": exc.message}))
    else:
        print(json.dumps({"total": result.total, "notices": result.notices}))
"""


def search_in_child(corpus: Path, index: Path, query: str, prefix: list[str] = (),
                    **kwargs) -> dict:
    done = subprocess.run([*prefix, sys.executable, "-c", textwrap.dedent(SEARCH), str(corpus),
                           str(index), query], capture_output=True, text=True, timeout=TIMEOUT,
                          **kwargs)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_failed_first_build_on_a_full_disk_leaves_no_generation(tmp_path):
    corpus, index = make_corpus(tmp_path / "corpus", 40), tmp_path / "index"
    for _ in range(2):  # a retry adds nothing either
        answer = search_in_child(corpus, index, "zebrafinch", preexec_fn=_limited(4096))
        assert answer["error"].startswith("cannot build the index in")
        assert "File too large" in answer["error"]
        assert not list(index.glob("gen-*"))
        assert marker(index)["generations"] == []
    assert Archive(corpus, index).search("zebrafinch").total == 1  # space again: it builds


def test_a_full_disk_during_an_update_answers_from_the_last_index(archive):
    edit_marker_doc(archive, "zebrafinch " + "okapi " * 2000)
    answer = search_in_child(archive.corpus.root, archive.engine.store.root, "zebrafinch",
                             preexec_fn=_limited(4096))
    assert answer["total"] == 1
    assert answer["notices"][0].startswith("cannot update the index")
    assert "last good index" in answer["notices"][0]
    assert archive.search("okapi").total == 1  # space again: brought up to date


#: Root writes anything: drop the capabilities that let it ignore permissions.
AS_PLAIN_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner",
                 "--inh-caps=-all"] if os.geteuid() == 0 else []


@pytest.fixture
def read_only():
    """Make folders read-only; their modes are restored afterwards for pytest's clean-up."""
    made: list[Path] = []

    def apply(folder: Path) -> None:
        for path in [*folder.rglob("*"), folder]:
            if not path.is_symlink():
                path.chmod(0o555 if path.is_dir() else 0o444)
        made.append(folder)
    yield apply
    for folder in made:
        for path in [folder, *folder.rglob("*")]:
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_read_only_index_still_answers_after_the_corpus_changed(archive, read_only):
    edit_marker_doc(archive, "zebrafinch okapi")
    read_only(archive.engine.store.root)
    answer = search_in_child(archive.corpus.root, archive.engine.store.root, "zebrafinch",
                             prefix=AS_PLAIN_USER)
    assert answer["total"] == 1
    assert answer["notices"][0].startswith("cannot update the index")
    assert "Permission denied" in answer["notices"][0]


def test_a_read_only_folder_with_no_index_is_a_one_line_error(tmp_path, read_only):
    corpus, index = make_corpus(tmp_path / "corpus"), tmp_path / "index"
    index.mkdir()
    read_only(index)
    answer = search_in_child(corpus, index, "zebrafinch", prefix=AS_PLAIN_USER)
    assert answer["error"].startswith("cannot build the index in")
    assert "Permission denied" in answer["error"]
    assert not list(index.iterdir())


def test_an_index_store_with_a_marker_of_another_program_is_not_ours(tmp_path):
    where = tmp_path / "index"
    where.mkdir()
    (where / MARKER).write_text('{"owner": "someone else"}', "utf-8")
    (where / "data.bin").write_bytes(b"x")
    with pytest.raises(IndexMissingError):
        IndexStore(where).check_ours()


@pytest.mark.parametrize("part", ["header", "postings"])
def test_a_damaged_postings_block_is_a_damaged_index_in_one_line(archive, run_main, part):
    """Bytes of a word's postings block overwritten on disk (its header, or the postings
    after it): a search of the word says the index is damaged and how to mend it, in one
    line, and the mend works."""
    from conftest import assert_one_error_line

    searcher = archive.engine.session.searcher()
    (segment, _), = searcher.reader().leaf_readers()
    word = next(t for f, t in segment.all_terms()
                if f == "text" and segment.doc_frequency(f, t) >= 3)
    m = segment._terms.matcher("text", word, searcher.schema["text"].format)
    length = abs(int.from_bytes(m._postfile.get(m._baseoffset, 4), "big", signed=True))
    block = m._postfile.get(m._baseoffset, 4 + length)
    archive.engine.close()
    live = archive.engine.store.live.resolve()
    (seg_file,) = live.glob("*.seg")
    data = seg_file.read_bytes()
    at = m._postfile.file._offset + m._baseoffset  # where the compound file holds the block
    assert data[at:at + 4 + length] == block
    at += 4
    span = (at, at + 3) if part == "header" else (at + length - 3, at + length)
    seg_file.write_bytes(data[:span[0]] + b"\x00\xff\x00" + data[span[1]:])

    corpus, index = archive.corpus.root, archive.engine.store.root
    with pytest.raises(IndexMissingError, match="damaged") as raised:
        Archive(corpus, index).search(word.decode())
    assert "index --rebuild" in raised.value.hint
    run = run_main("--corpus", str(corpus), "--index", str(index), "search", word.decode())
    assert_one_error_line(run)
    assert "damaged" in run.stderr and "index --rebuild" in run.stderr
    assert run_main("--corpus", str(corpus), "--index", str(index), "index", "--rebuild").code == 0
    assert Archive(corpus, index).search(word.decode()).total >= 3
