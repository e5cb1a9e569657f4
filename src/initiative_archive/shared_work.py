"""A batch of independent jobs shared with forked copies of this process, one a core.

Saved searches (``search --queries``) are many small jobs over one open index: Python runs one
of them at a time, so a second core halves a long batch's wall time. The copies are forked
after the index is brought up to date and the glossary read, so they start warm; each opens
the index's files anew (a forked copy must not move the file positions it shares with this
process). Jobs are handed out one at a time, whoever is free taking the next, through a pipe
of job numbers, and each copy sends back what it did when it runs out. What a copy did not
send back (it crashed, was killed, or met an error it could not report) is done here, so a
batch's answers never depend on the copies: the same jobs, in the same order, with the same
errors, as one process would give.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

_JOB = struct.Struct("<I")  # a job number in the pipe: reads of this size are never split
SHARED_FROM = 4  # jobs in a batch before copies are worth forking (each costs ~10 ms to start)


def run_shared(jobs: Sequence[Any], work: Callable[[Any], Any], copies: int,
               start_copy: Callable[[], None] = lambda: None) -> list[Any]:
    """``[work(job) for job in jobs]``, shared with up to ``copies`` forked copies of this
    process (none where fork is missing or the batch is short). ``start_copy`` runs first in
    each copy (to reopen files); ``work``'s answers must pickle. An exception ``work`` raises
    here reaches the caller as it would from the list comprehension."""
    copies = min(copies, len(jobs) - 1) if len(jobs) >= SHARED_FROM else 0
    if copies < 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(job) for job in jobs]  # forking a process with threads may deadlock
    queue_read, queue_write = os.pipe()
    os.write(queue_write, b"".join(_JOB.pack(n) for n in range(len(jobs))))
    os.close(queue_write)  # an empty queue then reads as the end
    sys.stdout.flush()
    sys.stderr.flush()
    children: list[tuple[int, int]] = []  # (pid, the read end of its answers)
    done: dict[int, Any] = {}
    finished = False
    try:
        for _ in range(copies):
            answers_read, answers_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the copy: never returns
                os.close(answers_read)
                _copy(queue_read, answers_write, jobs, work, start_copy)
            os.close(answers_write)
            children.append((pid, answers_read))
        for n in iter(lambda: _claim(queue_read), None):
            done[n] = work(jobs[n])
        for _, answers in children:
            done.update(_answers(answers))
        finished = True
    finally:
        os.close(queue_read)
        for pid, answers in children:
            _end(pid, answers, stop=not finished)
    return [done[n] if n in done else work(jobs[n]) for n in range(len(jobs))]


def _claim(queue: int) -> int | None:
    """The next job number no one has taken, or None when there is none left."""
    data = os.read(queue, _JOB.size)
    return _JOB.unpack(data)[0] if len(data) == _JOB.size else None


def _copy(queue: int, answers: int, jobs: Sequence[Any], work: Callable[[Any], Any],
          start_copy: Callable[[], None]) -> None:
    """A forked copy's life: take jobs until none is left, send back what was done, and
    leave without running this process's exit handlers or flushing its buffers (they belong
    to the parent). Whatever goes wrong, the parent does the rest."""
    code = 1
    done: dict[int, Any] = {}
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the copy quietly
        start_copy()
        for n in iter(lambda: _claim(queue), None):
            done[n] = work(jobs[n])
        code = 0
    except BaseException:  # noqa: B036 - the parent redoes what this copy did not send
        pass
    try:
        data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(answers, "wb") as out:
            out.write(data)
    except BaseException:  # noqa: B036 - an answer that cannot be sent is redone
        code = 1
    os._exit(code)


def _answers(answers: int) -> dict[int, Any]:
    """What a copy sent back, read to its end (nothing if it died first or sent what cannot
    be read)."""
    with os.fdopen(os.dup(answers), "rb") as source:
        data = source.read()
    try:
        found = pickle.loads(data) if data else {}
    except Exception:  # a copy killed while writing: its jobs are redone
        return {}
    return found if isinstance(found, dict) else {}


def _end(pid: int, answers: int, stop: bool) -> None:
    """Close a copy's pipe and reap it; ``stop`` it first when this process was interrupted
    before reading all it sent."""
    os.close(answers)
    try:
        if stop:
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass
