"""The one place where a submission's kernel starts.

nbgrader's ``Execute`` preprocessor starts a Jupyter kernel for every notebook
it grades. The course's ``Execute`` (see :mod:`cnncourse.grading.preprocessors`)
starts it through :class:`GradingKernelManager`, so that whatever must hold for
student code — its share of the CPU cores, the sandbox of
:mod:`cnncourse.grading.sandbox` (no network, none of the instructor's files,
memory and process caps, nothing left running) — is decided here and nowhere
else, the same way serially, on parallel workers and on a Dask cluster.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading

from jupyter_client.manager import AsyncKernelManager

from . import sandbox

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
    """A kernel manager that starts every grading kernel through :func:`kernel_environment`, in a sandbox.

    Sandboxed (unless ``CNNCOURSE_SANDBOX=off``), the kernel has no network, so
    the two sides talk over unix sockets (the ``ipc`` transport) in the sandbox's
    own folder, and interrupts (a cell past its timeout) travel as messages, since
    a signal to the sandbox's process group would stop the sandbox itself.
    ``limits`` (memory, processes) are set by whoever knows the assignment
    (:class:`~cnncourse.grading.preprocessors.GradingExecute`); ``memory_exhausted``
    says, once the kernel is gone, whether the memory cgroup's OOM killer stopped it.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandboxed = sandbox.enabled()
        self.limits = sandbox.Limits()
        self.memory_exhausted = False
        self._sandbox: sandbox.KernelSandbox | None = None
        if self.sandboxed:
            self.transport = "ipc"

    async def _async_pre_start_kernel(self, **kw):
        if self.sandboxed:
            sandbox.require()
            self._sandbox = sandbox.KernelSandbox(self.limits)
            self.connection_file = str(self._sandbox.channel / "kernel.json")
            self.ip = str(self._sandbox.channel / "kernel-ipc")
        return await super()._async_pre_start_kernel(**kw)

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        kw["env"] = kernel_environment(kw.get("env") or dict(os.environ))
        # What the kernel writes to its own stdout and stderr (start-up chatter, C++
        # logs) is not the notebook's output, which travels over Jupyter's channels.
        kw.setdefault("stdout", subprocess.DEVNULL)
        kw.setdefault("stderr", subprocess.DEVNULL)
        if self._sandbox is not None:
            self.kernel_spec.interrupt_mode = "message"
            kernel_cmd, kw["env"] = self._sandbox.wrap(kernel_cmd, kw.get("cwd") or os.getcwd(), kw["env"])
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
        if self._sandbox is not None:
            self.memory_exhausted = self.memory_exhausted or self._sandbox.memory_exhausted()
            self._sandbox.close()  # whatever the kernel left running ends here
            self._sandbox = None

    # jupyter_client binds the public name to its own function, and nbclient calls that one
    # for a kernel that died: point it at this class's.
    cleanup_resources = _async_cleanup_resources
