"""Index files read through a memory map: a read is a slice of the map, not a seek and a
read of the file.

A query reads hundreds of small pieces of a segment's one compound file: ranking records,
term records, postings blocks, stored records. Through Whoosh's ``SubFile`` each one was a
seek and a read of the shared file (system calls, the buffer thrown away at every seek): a
tenth of a saved search's time at 10k clauses. whoosh3's own mapping is no help, since it
copies each part of the file into a ``BytesIO`` as it opens it (190 MB read before a
100k-clause index answered). Here the map is only read where a query reads, and a piece is
cut from it when asked for (``get``), which is how Whoosh's readers take most of theirs.

The files of an index version are never changed once written (a new version is written
beside the old one), so a map never sees its file shrink under it. Only reading sessions map
files (``MappedStorage``); writers read as Whoosh does. Every reading of a mapped file goes
through its map, whose position belongs to the process: a forked copy of it (shared_work.py)
may go on reading a session opened before the fork, which a file's shared position forbids.
"""

from __future__ import annotations

import mmap
import os

from whoosh.filedb.compound import SubFile
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class MappedStorage(FileStorage):
    """A folder of index files, each opened as a ``MappedFile``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.unmapped: list[str] = []  # files of some bytes read from the file, not a map

    def open_file(self, name, **kwargs):
        opened = MappedFile(open(self._fpath(name), "rb"), name=name, **kwargs)
        if opened.map is None and opened.size():
            self.unmapped.append(name)
        return opened

    def reads_only_maps(self) -> bool:
        """Whether every file opened here with bytes in it is read through its map: a
        forked copy of this process then moves no file position its parent shares (a map's
        position is the process's own) and may go on reading what it inherited."""
        return not self.unmapped


class MappedFile(StructFile):
    """A whole index file, read through a map of it where one can be made (not of an empty
    file, nor where the system refuses), else as Whoosh reads it. Its parts (``subset``: a
    compound file's members) read through the same map."""

    def __init__(self, fileobj, name=None, onclose=None) -> None:
        super().__init__(fileobj, name=name, onclose=onclose)
        self.real = fileobj
        try:
            self.map: mmap.mmap | None = mmap.mmap(fileobj.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # an empty file, or no map to be had
            self.map = None
        if self.map is not None:  # reads and seeks too go through the map
            self.file = self.map

    def size(self) -> int:
        return os.fstat(self.real.fileno()).st_size

    def get(self, position: int, length: int) -> bytes:
        if self.map is None:
            return super().get(position, length)
        return self.map[position:position + length]

    def subset(self, offset: int, length: int, name: str | None = None) -> StructFile:
        if self.map is None:
            return super().subset(offset, length, name=name)
        return MappedPart(self.map, offset, length, name or self._name)

    def close(self) -> None:
        super().close()  # the map, where there is one (its parts are closed with it: their
        if self.map is not None:  # storage closes first)
            self.real.close()


class MappedPart(StructFile):
    """``length`` bytes of a mapped file from ``offset`` on, as Whoosh's ``SubFile`` reads
    them (``read``, ``seek``: the map's own position, not the file's), and cut straight from
    the map by ``get``."""

    def __init__(self, whole: mmap.mmap, offset: int, length: int, name: str | None) -> None:
        super().__init__(SubFile(whole, offset, length, name=name), name=name)
        self.map, self.start, self.end = whole, offset, offset + length

    def get(self, position: int, length: int) -> bytes:
        start = self.start + position
        return self.map[start:min(start + length, self.end)] if start < self.end else b""
