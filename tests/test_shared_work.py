"""Saved searches shared with forked copies of the process (shared_work.py): the same answers
in the same order as one process gives, whatever the copies do."""

from __future__ import annotations

import os
import threading
import time

import pytest

from initiative_archive.shared_work import run_shared


def test_the_jobs_are_shared_and_answered_in_order():
    parent = os.getpid()

    def work(n: int) -> tuple[int, int]:
        time.sleep(0.02)  # long enough that the copy, started in a millisecond, takes some
        return n * n, os.getpid()

    answers = run_shared(list(range(12)), work, copies=1)
    assert [square for square, _ in answers] == [n * n for n in range(12)]
    workers = {pid for _, pid in answers}
    assert parent in workers and len(workers) == 2


@pytest.mark.parametrize("how", ["exits", "raises"])
def test_what_a_copy_did_not_send_back_is_done_here(how):
    parent = os.getpid()

    def work(n: int) -> int:
        if os.getpid() != parent:
            if how == "exits":
                os._exit(3)
            raise RuntimeError("a copy's own failure")
        time.sleep(0.01)
        return n + 1

    assert run_shared(list(range(8)), work, copies=1) == list(range(1, 9))


def test_each_process_does_the_jobs_of_its_own_kind_first():
    """Jobs given a kind: each process first takes a run of jobs of one kind (this process
    those that sort first), and takes the other kind's only after its own are done."""
    parent = os.getpid()
    jobs = ["a", "B", "c", "D", "e", "F", "g", "H", "i", "J"]

    def work(job: str) -> tuple[str, int, float]:
        time.sleep(0.02)
        return job, os.getpid(), time.monotonic()

    answers = run_shared(jobs, work, copies=1, kind=str.isupper)
    assert [job for job, _, _ in answers] == jobs
    by_process: dict[int, list[bool]] = {}
    for job, pid, _ in sorted(answers, key=lambda a: a[2]):
        by_process.setdefault(pid, []).append(job.isupper())
    assert parent in by_process and len(by_process) == 2
    assert by_process[parent][0] is False
    for kinds in by_process.values():  # one run of a kind, then perhaps one of the other
        assert kinds == sorted(kinds, reverse=kinds[0])
    assert {kinds[0] for kinds in by_process.values()} == {False, True}


def test_a_batch_longer_than_the_queue_is_claimed_a_few_jobs_at_a_time():
    from initiative_archive.shared_work import MAX_CLAIMS

    jobs = list(range(3 * MAX_CLAIMS + 5))
    assert run_shared(jobs, lambda n: n * 2, copies=1) == [n * 2 for n in jobs]
    assert run_shared(jobs, lambda n: n * 2, copies=3, kind=lambda n: -n) == [n * 2
                                                                                for n in jobs]


def test_what_is_prepared_before_the_fork_the_copies_inherit():
    """``prepare`` runs once, in this process, before the copies are forked: they see what
    it made. A batch that is not shared does not run it."""
    parent = os.getpid()
    prepared: list[int] = []

    def work(n: int) -> tuple[int, int]:
        time.sleep(0.02)
        return len(prepared), os.getpid()

    answers = run_shared(list(range(8)), work, copies=1,
                         prepare=lambda: prepared.append(os.getpid()))
    assert prepared == [parent]
    assert {count for count, _ in answers} == {1}
    assert len({pid for _, pid in answers}) == 2
    assert run_shared([1, 2], lambda n: n, copies=1, prepare=lambda: prepared.append(0)) == [1, 2]
    assert prepared == [parent]


def test_a_short_batch_is_not_shared():
    parent = os.getpid()
    assert run_shared([1, 2], lambda n: os.getpid(), copies=3) == [parent, parent]


def test_an_error_of_this_process_reaches_the_caller():
    def work(n: int) -> int:
        if n == 5:
            raise KeyError(n)
        return n

    with pytest.raises(KeyError):
        run_shared(list(range(6)), work, copies=1)


def test_saved_searches_give_the_same_answers_shared_or_not(shipped):
    """Through ``Archive.search_many``: the results and the failures of two processes are
    those of one, in the queries' order (an unbalanced quote is answered; a query that
    cannot be run is reported under its own text)."""
    queries = ["resource sharing", "资源共享", '"union catalogue"', "digitization training",
               "图书馆 合作", "**", "preservation AND NOT digital", '"exchange of',
               "staff training", "古籍保护"]
    assert threading.active_count() == 1, "a process with threads is not shared: nothing tested"

    def run(processes: int) -> tuple[list, list]:
        results, failed = shipped.search_many(queries, processes=processes, limit=5)
        return ([(r.query, r.total, r.suggestion, r.notices,
                  [(h.clause.id, h.score, h.match, h.via, h.highlights) for h in r.hits])
                 for r in results], [(q, type(e).__name__, e.message) for q, e in failed])

    alone, shared = run(1), run(2)
    assert shared == alone
    assert [q for q, _, _ in alone[1]] == ["**"] and len(alone[0]) == len(queries) - 1
    assert all(total > 0 for _, total, _, _, _ in alone[0])


def test_a_copy_stops_when_its_parent_is_killed(tmp_path):
    """A copy whose parent is gone takes no more jobs: no one would read its answers."""
    import subprocess
    import sys

    pids = tmp_path / "pids"
    script = ("import os, sys, time\n"
              "from initiative_archive.shared_work import run_shared\n"
              "def work(n):\n"
              "    with open(sys.argv[1], 'a') as f: f.write(f'{os.getpid()}\\n')\n"
              "    time.sleep(0.05)\n"
              "run_shared(list(range(400)), work, copies=1)\n")
    parent = subprocess.Popen([sys.executable, "-c", script, str(pids)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(set(_lines(pids))) < 2:
        time.sleep(0.05)
    copies = set(_lines(pids)) - {str(parent.pid)}
    assert copies, "the copy never took a job"
    parent.kill()
    parent.wait()
    copy = int(copies.pop())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _running(copy):
        time.sleep(0.05)
    assert not _running(copy)


def _lines(path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited process its new parent has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
