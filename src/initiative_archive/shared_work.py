"""A batch of independent jobs shared with forked copies of this process, one a core.

Saved searches (``search --queries``) are many small jobs over one open index, and Python runs
one of them at a time: a second core cuts a long batch's wall time by a third to a half. The
copies are forked when the caller has loaded what every job needs (``prepare``; for
``Archive.search_many``: the index brought up to date and open, the glossary, and what a first
search loads), which they inherit rather than each load again; each then makes its own what it
must not share (``start_copy``: a forked copy must not move a file position it shares with this
process). Jobs are handed out one at a time (a few at a time in a batch of thousands) through
pipes of their numbers, a queue for each process: each takes the next job of its own queue,
then, when that is empty, the next of another's, so that none waits while jobs are left; each
copy sends back what it did when none is left. Jobs of a kind (a saved search's script) go to
one queue where they can: two processes that each read a word's postings or a clause's record
that one of them could have read for both do that work twice. What a copy did not send back (it
crashed, was killed, or met an error it could not report) is done here, so a batch's answers
never depend on the copies: the same answers, in the same order, with the same errors, as one
process gives. Where a copy cannot be forked, this process does the jobs; a copy whose parent
is killed takes no more.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any

_JOB = struct.Struct("<I")  # a claim's number in the pipe: reads of this size are never split
SHARED_FROM = 4  # jobs in a batch before copies are worth forking (each costs ~10 ms to start)
MAX_CLAIMS = 1024  # claims in all the queues (4 KiB): a longer batch is claimed a few at a time


def run_shared(jobs: Sequence[Any], work: Callable[[Any], Any], copies: int,
               start_copy: Callable[[], None] = lambda: None,
               kind: Callable[[Any], Any] | None = None,
               prepare: Callable[[], None] = lambda: None) -> list[Any]:
    """``[work(job) for job in jobs]``, shared with up to ``copies`` forked copies of this
    process (none where fork is missing or the batch is short). ``start_copy`` runs first in
    each copy (to reopen files); ``work``'s answers must pickle. An exception ``work`` raises
    here reaches the caller as it would from the list comprehension. ``kind(job)`` (a sort
    key) groups the jobs that read the same things: each process is given a share of jobs of
    one kind where it can (its own queue), and takes another's only when its own are done, so
    that two processes seldom both read what one of them could have read for both.
    ``prepare`` runs here, once, just before the copies are forked (not when none is)."""
    copies = min(copies, len(jobs) - 1) if len(jobs) >= SHARED_FROM else 0
    if copies < 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [work(job) for job in jobs]  # forking a process with threads may deadlock
    order = sorted(range(len(jobs)), key=lambda n: kind(jobs[n])) if kind else range(len(jobs))
    size = -(-len(jobs) // MAX_CLAIMS)  # jobs a claim: the queues fit pipes of one page
    claims = [order[start:start + size] for start in range(0, len(jobs), size)]
    queues = _queues(len(claims), copies + 1)
    if queues is None:
        return [work(job) for job in jobs]
    children: list[tuple[int, int]] = []  # (pid, the read end of its answers)
    done: dict[int, Any] = {}
    finished = False
    try:
        prepare()
        for copy in range(1, copies + 1):
            try:
                children.append(_fork(queues[copy:] + queues[:copy], claims, jobs, work,
                                      start_copy))
            except OSError:  # no more processes or pipes: those forked share the jobs
                break
        for claim in _claims(queues):
            done.update((n, work(jobs[n])) for n in claims[claim])
        for _, answers in children:
            done.update(_answers(answers))
        finished = True
    finally:
        for queue in queues:
            os.close(queue)
        for pid, answers in children:
            _end(pid, answers, stop=not finished)
    return [done[n] if n in done else work(jobs[n]) for n in range(len(jobs))]


def _queues(count: int, shares: int) -> list[int] | None:
    """The read ends of ``shares`` queues holding the claims ``0 .. count - 1`` between
    them, a run of them each (their write ends closed, so an empty queue reads as the end);
    None where a pipe cannot be had or cannot hold its share."""
    queues: list[int] = []
    try:
        for share in range(shares):
            data = b"".join(_JOB.pack(n) for n in range(count * share // shares,
                                                        count * (share + 1) // shares))
            read, write = os.pipe()
            queues.append(read)
            try:
                os.set_blocking(write, False)
                written = os.write(write, data) if data else 0
            finally:
                os.close(write)
            if written < len(data):
                raise OSError("a pipe too small for its share")
    except OSError:  # no pipe to be had (too many open files), or too small: nothing shared
        for queue in queues:
            os.close(queue)
        return None
    return queues


def _fork(queues: list[int], claims: list[Sequence[int]], jobs: Sequence[Any],
          work: Callable[[Any], Any], start_copy: Callable[[], None]) -> tuple[int, int]:
    """A copy taking jobs from ``queues`` (its own first): (its pid, the read end of its
    answers)."""
    answers_read, answers_write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(answers_read)
        os.close(answers_write)
        raise
    if pid == 0:  # the copy: never returns
        os.close(answers_read)
        _copy(queues, answers_write, claims, jobs, work, start_copy)
    os.close(answers_write)
    return pid, answers_read


def _claims(queues: list[int]):
    """The claims no one has taken yet: from the first queue until it is empty, then from
    the next (another process's share)."""
    for queue in queues:
        while (data := os.read(queue, _JOB.size)) and len(data) == _JOB.size:
            yield _JOB.unpack(data)[0]


def _copy(queues: list[int], answers: int, claims: list[Sequence[int]], jobs: Sequence[Any],
          work: Callable[[Any], Any], start_copy: Callable[[], None]) -> None:
    """A forked copy's life: take jobs until none is left, send back what was done, and
    leave without running this process's exit handlers or flushing its buffers (they belong
    to the parent). Whatever goes wrong, the parent does the rest."""
    code = 1
    done: dict[int, Any] = {}
    parent = os.getppid()
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends the copy quietly
        start_copy()
        for claim in _claims(queues):
            if os.getppid() != parent:  # the parent was killed: no one awaits the answers
                os._exit(1)
            for n in claims[claim]:
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
