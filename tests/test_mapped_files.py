"""A reading session reads the index's files through maps (mapped.py), and reads there what
Whoosh reads from the files themselves: the same bytes, the same hits and records, and no
file left open when the session closes."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.filedb.compound import SubFile
from whoosh.filedb.structfile import StructFile
from whoosh.qparser import QueryParser

from initiative_archive.backends.whoosh import WhooshEngine
from initiative_archive.backends.whoosh.mapped import MappedFile, MappedPart
from initiative_archive.backends.whoosh.store import IndexStore, ReadSession, open_generation


def _live(index: Path) -> str:
    return os.path.realpath(IndexStore(index).live)


def _segment_file(index: Path) -> Path:
    return max(Path(_live(index)).glob("*.seg"), key=lambda p: p.stat().st_size)


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@settings(max_examples=200)
@given(data=st.data())
def test_a_part_of_a_mapped_file_reads_as_whooshs_sub_file(shipped_index, data):
    """``get`` of a part cut from the map is what Whoosh's ``SubFile`` reads at the same
    place: within the part, across its end, and past it."""
    path = _segment_file(shipped_index)
    size = path.stat().st_size
    offset = data.draw(st.integers(0, size - 1))
    length = data.draw(st.integers(0, size - offset))
    position = data.draw(st.integers(0, length + 8))
    count = data.draw(st.integers(0, length + 8))
    with open(path, "rb") as plain, open(path, "rb") as real:
        mapped = MappedFile(real)
        expected = StructFile(SubFile(plain, offset, length)).get(position, count)
        part = mapped.subset(offset, length)
        assert isinstance(part, MappedPart)
        assert part.get(position, count) == expected
        part.seek(position)  # the part's other readings go through Whoosh's SubFile, on the map
        assert part.read(count) == expected
        assert mapped.get(offset, count) == StructFile(plain).get(offset, count)
        mapped.close()


def test_a_mapped_file_reads_and_seeks_in_its_map_not_in_the_file(shipped_index):
    """Every reading of a mapped file, ``read`` and ``seek`` too, goes through the map: the
    position the file shares with a forked copy of the process never moves."""
    path = _segment_file(shipped_index)
    data = path.read_bytes()
    with open(path, "rb") as real:
        mapped = MappedFile(real)
        mapped.seek(len(data) // 2)
        assert mapped.read(64) == data[len(data) // 2:len(data) // 2 + 64]
        assert mapped.tell() == len(data) // 2 + 64
        assert os.lseek(real.fileno(), 0, os.SEEK_CUR) == 0
        mapped.close()
        assert real.closed


def test_an_empty_file_is_read_without_a_map(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with open(empty, "rb") as f:
        unmapped = MappedFile(f)
        assert unmapped.map is None
        assert unmapped.get(0, 4) == b""
        assert type(unmapped.subset(0, 0).file) is SubFile


def test_a_mapped_index_answers_as_whoosh_reading_its_files(shipped_index):
    """Every stored record, and the hits and scores of queries on both fields, read through
    maps and through Whoosh's own file reading, are the same."""
    plain = open_generation(_live(shipped_index)).searcher()
    mapped = open_generation(_live(shipped_index), mapped=True).searcher()
    try:
        assert any(isinstance(f, MappedPart) for f in _files_of(mapped))
        assert not any(isinstance(f, MappedPart) for f in _files_of(plain))
        assert list(mapped.reader().iter_docs()) == list(plain.reader().iter_docs())
        for field, text in (("text", "library cooperation"), ("text", "资源 共享"),
                            ("chars", "图 书 馆"), ("text", "digit*")):
            query = QueryParser(field, plain.schema).parse(text)
            expected = [(h.docnum, h.score) for h in plain.search(query, limit=None)]
            assert expected, text
            assert [(h.docnum, h.score) for h in mapped.search(query, limit=None)] == expected
    finally:
        plain.close()
        mapped.close()


def test_a_read_session_maps_its_files_and_closing_it_lets_them_go(shipped_index):
    before = _open_files()
    session = ReadSession(IndexStore(shipped_index))
    searcher = session.searcher()
    assert any(isinstance(f, MappedPart) for f in _files_of(searcher))
    assert searcher.doc_count() > 0
    assert _open_files() > before
    session.close()
    assert _open_files() == before


def test_a_session_reading_only_through_maps_may_be_shared_with_a_fork(shipped_index):
    """A forked copy goes on with the open session (and all it loaded) where every file of
    it is read through a map; a file read without one (the system refused the map) makes
    the copy open the index anew."""
    engine = WhooshEngine(shipped_index)
    session = engine.session
    assert session.shared_safely()  # nothing open yet
    session.searcher()
    storage = session.index().storage
    assert storage.reads_only_maps() and session.shared_safely()
    engine.reopen()
    assert engine.session is session
    storage.unmapped.append("a file read without a map")
    assert not session.shared_safely()
    engine.reopen()
    assert engine.session is not session
    assert engine.session.searcher().doc_count() == session.searcher().doc_count()
    engine.close()
    session.close()


def _files_of(searcher) -> list:
    """The open files of each segment's stored records and term table."""
    found = []
    for reader, _ in searcher.reader().leaf_readers():
        found.append(reader._perdoc._colfile if hasattr(reader._perdoc, "_colfile") else None)
        found.append(getattr(reader._terms, "_postfile", None))
    return [f for f in found if f is not None]
