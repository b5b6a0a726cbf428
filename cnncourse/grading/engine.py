"""Grade many submissions at once: one Dask task per submission.

By default a local cluster of single-threaded worker processes, one per core
(``workers`` sets how many); with ``scheduler`` an existing Dask cluster
(``dask scheduler`` and ``dask worker`` on other machines that have the
course's environment installed). The tasks are :func:`~cnncourse.grading.job.grade_one`
and carry everything they need, so the two behave the same.

A submission whose kernel died is graded once more on another worker; if it
dies again, or if the worker itself died twice under it, it is reported as
failed with that reason. Results arrive as they are done, for the caller to
record one by one.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator

from .job import Job, Result, grade_one, worker_threads

# A task whose worker died is tried on one more worker, then given up.
DASK_SETTINGS = {
    "distributed.scheduler.allowed-failures": 1,
    "distributed.scheduler.work-stealing": False,  # a task is minutes of one core: never move it mid-queue
    "distributed.worker.daemon": False,
    "distributed.admin.tick.limit": "60s",  # a long cell blocks nothing, but it need not be warned about
}


def default_workers() -> int:
    return os.cpu_count() or 1


@contextlib.contextmanager
def cluster(workers: int | None = None, scheduler: str | None = None):
    """A Dask client: connected to ``scheduler``, or to a local cluster of ``workers`` processes."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set(DASK_SETTINGS):
        if scheduler:
            with Client(scheduler, timeout="30s") as client:
                yield client
            return
        count = workers or default_workers()
        with LocalCluster(n_workers=count, threads_per_worker=1, processes=True, dashboard_address=None,
                          env=worker_threads(count), silence_logs=logging.CRITICAL,
                          memory_limit=0) as local, Client(local) as client:
            yield client


def run(client, jobs: list[Job]) -> Iterator[Result]:
    """Grade every job on the client's cluster; yield each Result as soon as it is done."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    pending = {}
    tries: dict[str, list[str]] = {}
    for job in jobs:
        pending[client.submit(grade_one, job, pure=False, key=f"grade-{job.key}-0")] = job
    queue = as_completed(list(pending))
    for future in queue:
        job = pending.pop(future)
        try:
            result = future.result()
        except KilledWorker:
            result = Result(job.assignment, job.student, "failed",
                            reason="its worker died twice while grading it (the notebook may kill its grader)")
        except Exception as error:  # a bug in the grading task itself: report it, grade the rest
            result = Result(job.assignment, job.student, "failed", reason=f"{type(error).__name__}: {error}")
        seen = tries.setdefault(job.key, [])
        seen.append(result.worker)
        if result.retry and len(seen) == 1:
            retry = client.submit(grade_one, job, pure=False, key=f"grade-{job.key}-1",
                                  workers=_other_workers(client, result.worker), allow_other_workers=True)
            pending[retry] = job
            queue.add(retry)
            continue
        if result.retry:
            result.reason += " (twice, on two workers)"
        yield result


def _other_workers(client, worker: str) -> list[str] | None:
    """Addresses of the workers other than the one (host:pid) that just failed, if there are any."""
    pid = worker.rsplit(":", 1)[-1]
    info = client.scheduler_info().get("workers", {})
    others = [address for address, w in info.items() if str(w.get("pid")) != pid]
    return others or None
