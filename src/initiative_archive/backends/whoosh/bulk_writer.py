"""A build on every core: Whoosh's multi-process writer, with workers that die with the build.

Whoosh's ``MpWriter`` hands batches of documents to worker processes, each of which analyses
them and writes a segment of its own; with ``multisegment`` the segments are kept as they are
rather than merged. A worker outlives a build that is killed (it holds the same pipes and
queues), so each worker asks Linux to kill it when its parent dies: an interrupted build leaves
no process behind, writing into a folder being removed.

A worker writes its segment with ``fast_writer.FastWriter``: the postings Whoosh would, but
cheaper.
"""

from __future__ import annotations

import ctypes
import os
import signal

from whoosh.multiproc import MpWriter, SubWriterTask

from .fast_writer import FastWriter

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def bulk_writer(ix, processes: int, **options) -> MpWriter:
    """A writer that spreads documents over ``processes`` workers, one segment each."""
    return _BuildWriter(ix, procs=processes, multisegment=True, **options)


class _BuildWriter(MpWriter):
    def _new_task(self):
        task = _Worker(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                       self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


class _Worker(SubWriterTask):
    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.parent = os.getpid()

    def run(self) -> None:
        """Whoosh's loop for ``multisegment`` (the only way ``bulk_writer`` builds), with
        ``_WorkerWriter`` as the writer: index each job file, then hand back the segment."""
        _die_with(self.parent)
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = _WorkerWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


def _die_with(parent: int) -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: a killed build may leave a worker behind
        return
    if os.getppid() != parent:  # the build died before the request took effect
        os._exit(1)


class _WorkerWriter(FastWriter):
    """A worker's writer. It never writes a table of contents (the parent does, with the
    real schema), so its schema is the prepared one throughout."""

    def __init__(self, ix, limitmb: int = 128, **options) -> None:
        super().__init__(ix, limitmb=limitmb, **options)
        self.schema = self.prepared
