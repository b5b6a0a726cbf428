"""Grade many submissions at once: one Dask task per submission.

By default a local cluster of single-threaded worker processes, one per core
(``workers`` sets how many); with ``scheduler`` an existing Dask cluster
(``dask scheduler`` and ``dask worker`` on other machines that have the
course's environment installed). The tasks are :func:`~cnncourse.grading.job.grade_one`
and carry everything they need, so the two behave the same.

A submission whose kernel died is graded once more; if it dies again, or if
the worker itself died twice under it (Dask then restarts the worker and
gives the task to another one), it is reported as failed with that reason. Results arrive as they are done, for the caller to
record one by one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterator

from .job import Job, Result, grade_one, worker_threads

# A task whose worker died is tried on one more worker, then given up; a worker is
# sent one task at a time, so only the submission that killed it is suspected.
DASK_SETTINGS = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.worker-saturation": 1.0,
    "distributed.scheduler.work-stealing": False,  # a task is minutes of one core: never move it mid-queue
    "distributed.worker.daemon": False,
    "distributed.admin.tick.limit": "60s",  # a long cell blocks nothing, but it need not be warned about
}


NO_WORKER_LIMIT_S = 180.0  # seconds without any worker before the rest is reported as failed
POLL_S = 0.2


def default_workers() -> int:
    return os.cpu_count() or 1


@contextlib.contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None):
    """(client, local cluster or None): connected to ``scheduler``, or to a local cluster of ``workers`` processes.

    The local workers start in the background (nbgrader imported in each), while
    the caller prepares the jobs: a run does not wait for them before it has to.
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(DASK_SETTINGS):
        if scheduler:
            with Client(scheduler, timeout="30s") as client:
                yield client, None
            return
        count = workers or default_workers()
        with LocalCluster(n_workers=0, threads_per_worker=1, processes=True, dashboard_address=None,
                          env=worker_threads(count), silence_logs=logging.CRITICAL, memory_limit=0,
                          preload=["cnncourse.grading.job"]) as local:
            local.scale(count)
            with Client(local.scheduler_address) as client:
                yield client, local


def run(client, jobs: list[Job], local=None, no_worker_limit: float = NO_WORKER_LIMIT_S) -> Iterator[Result]:
    """Grade every job on the client's cluster; yield each Result as soon as it is done.

    A cluster left without any worker (all killed, none restarted) for
    ``no_worker_limit`` seconds first gets its local workers back; if none come,
    what is left is reported as failed rather than waited for.
    """
    from distributed import as_completed

    pending = {client.submit(grade_one, job, pure=False, key=f"grade-{job.key}-0"): job for job in jobs}
    attempts: dict[str, int] = {}
    queue = as_completed(list(pending))
    watch = WorkerWatch(client, local, no_worker_limit)
    while pending:
        done = queue.next_batch(block=False) if queue.has_ready() else []
        if not done:
            if watch.gave_up():
                for job in pending.values():
                    yield Result(job.assignment, job.student, "failed",
                                 reason=f"the cluster had no worker for {no_worker_limit:g} s")
                return
            time.sleep(POLL_S)
            continue
        for future in done:
            job = pending.pop(future)
            result = _result_of(future, job)
            future.release()  # a result kept on a worker is lost, and recomputed, if that worker dies
            attempts[job.key] = attempts.get(job.key, 0) + 1
            if result.retry and attempts[job.key] == 1:
                # Not pinned to a worker: a pinned task waits for ever if that worker dies.
                retry = client.submit(grade_one, job, pure=False, key=f"grade-{job.key}-1")
                pending[retry] = job
                queue.add(retry)
                continue
            if result.retry:
                result.reason += " (again when graded a second time)"
            yield result


def _result_of(future, job: Job) -> Result:
    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return Result(job.assignment, job.student, "failed",
                      reason="its worker died twice while grading it (the notebook may kill its grader)")
    except Exception as error:  # a bug in the grading task itself: report it, grade the rest
        return Result(job.assignment, job.student, "failed", reason=f"{type(error).__name__}: {error}")


class WorkerWatch:
    """Notices a cluster that has lost every worker; asks a local one to start its workers again."""

    def __init__(self, client, local, limit: float):
        self.client, self.local, self.limit = client, local, limit
        self.since: float | None = None
        self.rescaled = False

    def gave_up(self) -> bool:
        if self.client.scheduler_info().get("workers"):
            self.since = None
            return False
        now = time.monotonic()
        self.since = self.since or now
        if self.local is not None and not self.rescaled and now - self.since > self.limit / 4:
            self.rescaled = True
            target = len(self.local.worker_spec) or 1
            self.local.scale(0)
            self.local.scale(target)
        return now - self.since > self.limit
