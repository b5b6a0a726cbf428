"""The one place where a submission's kernel starts.

nbgrader's ``Execute`` preprocessor starts a Jupyter kernel for every notebook
it grades. The course's ``Execute`` (see :mod:`cnncourse.grading.preprocessors`)
starts it through :class:`GradingKernelManager`, so that whatever must hold for
student code — its share of the CPU cores today, a sandbox tomorrow — is decided
here and nowhere else, the same way serially, on parallel workers and on a Dask
cluster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading

from jupyter_client.manager import AsyncKernelManager

THREADS_VARIABLE = "CNNCOURSE_GRADING_THREADS"
# Libraries that size a thread pool from these (BLAS back-ends, OpenMP, TensorFlow).
THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
)

_running: set[int] = set()
_lock = threading.Lock()


def thread_settings(threads: int) -> dict[str, str]:
    """Environment that keeps a kernel's numeric libraries to ``threads`` cores.

    TensorFlow also gets a single inter-op thread: with one core or two, running
    independent operations side by side only adds contention.
    """
    settings = dict.fromkeys(THREAD_VARIABLES, str(threads))
    settings["TF_NUM_INTEROP_THREADS"] = "1" if threads <= 2 else str(max(1, threads // 2))
    return settings


def kernel_environment(base: dict[str, str]) -> dict[str, str]:
    """The environment a grading kernel gets: ``base``, with its share of the cores where one is set."""
    env = dict(base)
    threads = env.get(THREADS_VARIABLE) or os.environ.get(THREADS_VARIABLE)
    if threads:
        env.update(thread_settings(int(threads)))
    return env


def running_kernels() -> set[int]:
    """Process ids of the kernels this process started and that have not been reaped."""
    with _lock:
        return set(_running)


def kill_running_kernels() -> int:
    """Kill every kernel this process started (a submission out of time); returns how many."""
    killed = 0
    for pid in running_kernels():
        try:
            os.killpg(pid, signal.SIGKILL)  # the kernel leads its own process group
            killed += 1
        except ProcessLookupError:
            pass
        except PermissionError:
            os.kill(pid, signal.SIGKILL)
            killed += 1
    return killed


class GradingKernelManager(AsyncKernelManager):
    """A kernel manager that starts every grading kernel through :func:`kernel_environment`."""

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = kernel_environment(kw.get("env") or dict(os.environ))
        # What the kernel writes to its own stdout and stderr (start-up chatter, C++
        # logs) is not the notebook's output, which travels over Jupyter's channels.
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        await super()._async_launch_kernel(kernel_cmd, **kw)
        pid = self.provisioner.process.pid
        with _lock:
            _running.add(pid)
        self._grading_pid = pid

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        pid = getattr(self, "_grading_pid", None)
        await super()._async_cleanup_resources(restart=restart)
        with _lock:
            _running.discard(pid)
