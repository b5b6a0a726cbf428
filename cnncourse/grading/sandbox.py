"""The sandbox a submission's kernel runs in: Linux namespaces (bubblewrap), cgroups and rlimits.

:class:`~cnncourse.grading.kernel.GradingKernelManager` wraps every kernel it
starts in a :class:`KernelSandbox`, so the same holds serially (``nbgrader
autograde``), on parallel workers and on a Dask cluster. Inside it the kernel

* runs under an unprivileged user id: ``nobody`` when the grader is root (the
  launcher drops to it before any student code runs), the instructor's own id,
  mapped in a user namespace, when the grader is an ordinary user;
* has a network namespace of its own with nothing but loopback, and talks to
  the grader over unix sockets (jupyter_client's ``ipc`` transport) in a
  folder of its own;
* sees the system (``/usr``, ``/etc``, ...), the Python installation, the
  course's environment and the ``cnncourse`` package read-only, and nothing
  else of the disk: not the course folder, the gradebook, ``source_notebooks/``,
  ``release/``, other students' folders or the instructor's home. The one
  writable place on disk is the folder the notebook runs in (nbgrader's
  ``autograded/<student>/<assignment>/``), plus a private ``/tmp`` in memory;
* is capped in memory (course.yml's ``memory`` of the assignment; RLIMIT_DATA,
  so that an allocation past it fails in the cell with ``MemoryError: memory
  limit of N GiB reached``, and a memory cgroup where one can be made, so that
  nothing gets past it) and in processes (a pids cgroup, or RLIMIT_NPROC);
* is in a PID namespace of its own whose first process dies with the grader
  (``--die-with-parent``): when the kernel ends, every process it started ends
  with it, and the cgroups are emptied once more before they are removed.

``CNNCOURSE_SANDBOX=off`` (``make autograde NO_SANDBOX=1``, ``--no-sandbox``)
grades without one; where none can be made and it is not off, starting a kernel
fails with :class:`SandboxError` saying why, so nothing is graded unprotected
by accident.

This module imports only the standard library: its launcher runs first inside
every sandboxed kernel (see :func:`launch`).
"""

from __future__ import annotations

import errno
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

SWITCH = "CNNCOURSE_SANDBOX"  # "off": grade without a sandbox (an explicit choice, printed in the report)
DEFAULT_MEMORY = "4 GiB"
DEFAULT_PROCESSES = 256  # tasks (processes and threads): TensorFlow needs a few dozen
SANDBOX_UID = 65534  # nobody: the kernel's user id when the grader is root
TMP_SIZE = 512 * 2**20  # the private /tmp (memory, counted in the memory cgroup too)
_SIZE = re.compile(r"\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>GiB|MiB)\s*")
_UNITS = {"MiB": 2**20, "GiB": 2**30}
# Not /opt, /srv, /home: a course (or its solutions) may live there; a Python installed in
# one of those comes in through sys.base_prefix.
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
CGROUP_ROOT = Path("/sys/fs/cgroup")
# The kernel gets these of the grader's environment and nothing else (no tokens, no paths into the home).
PASSED = ("CNNCOURSE_", "TF_", "OMP_", "OPENBLAS_", "MKL_", "BLIS_", "NUMEXPR_", "KMP_", "CUDA_", "NVIDIA_", "XLA_",
          "LC_", "JPY_", "PYDEVD_")
PASSED_NAMES = ("PATH", "LANG", "TZ", "PYTHONPATH", "PYTHONHASHSEED", "LD_LIBRARY_PATH", "MPLBACKEND",
                "SOURCE_DATE_EPOCH")
# The launcher's first line: nothing of the kernel's folder (the student's files) is importable
# while it still runs as root; `launch` puts the folder back on sys.path once it does not.
_BOOT = "import sys; del sys.path[0]; from cnncourse.grading.sandbox import launch; launch(sys.argv[1:])"


class SandboxError(RuntimeError):
    """No sandbox can be made here; the message says why and what to do."""


def parse_size(text: str) -> int:
    """Bytes of '4 GiB' or '512 MiB'; ValueError for anything else."""
    match = _SIZE.fullmatch(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a size such as '4 GiB' or '512 MiB'")
    return int(float(match.group("number")) * _UNITS[match.group("unit")])


@dataclass(frozen=True)
class Limits:
    memory: int = parse_size(DEFAULT_MEMORY)  # bytes
    memory_text: str = DEFAULT_MEMORY
    processes: int = DEFAULT_PROCESSES

    def memory_message(self) -> str:
        return f"memory limit of {self.memory_text} reached"


def enabled(env: dict[str, str] | None = None) -> bool:
    """False only where the instructor asked for grading without a sandbox."""
    return (env if env is not None else os.environ).get(SWITCH, "").lower() != "off"


# ---------------------------------------------------------------- can one be made here?


def problem() -> str:
    """Why no sandbox can be made on this machine, or '' when one can."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux namespaces; this machine runs {sys.platform}"
    if shutil.which("bwrap") is None:
        return ("bubblewrap is not installed (`make sandbox`, or `apt-get install bubblewrap` as root); "
                "it makes the namespaces the kernel runs in")
    return _probe()


@functools.lru_cache(maxsize=1)
def _probe() -> str:
    """Start the smallest sandbox of the kind kernels get; '' if it works, bwrap's complaint if not."""
    command = ["bwrap", *_namespace_options(), "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap does not start: {error}"
    if done.returncode != 0:
        hint = ("in a container, root needs CAP_SYS_ADMIN and a seccomp profile that allows unshare "
                "(docker run --cap-add SYS_ADMIN --security-opt seccomp=unconfined)") if _as_root() else \
            ("user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, or an AppArmor rule "
             "such as Ubuntu's kernel.apparmor_restrict_unprivileged_userns)")
        return f"bubblewrap cannot make namespaces here ({done.stderr.strip() or done.returncode}); {hint}"
    return ""


def require() -> None:
    """Raise SandboxError unless a sandbox can be made (or the instructor turned it off)."""
    if not enabled():
        return
    why = problem()
    if why:
        raise SandboxError(f"cannot grade in a sandbox: {why}. To grade without one, knowing that student code "
                           f"then runs with your permissions, ask for it: --no-sandbox (make autograde "
                           f"NO_SANDBOX=1, or {SWITCH}=off for nbgrader itself)")


def _as_root() -> bool:
    return os.geteuid() == 0


def _namespace_options() -> list[str]:
    # Root makes the namespaces itself and the launcher drops to SANDBOX_UID; anyone
    # else needs a user namespace to be allowed to make them.
    user = [] if _as_root() else ["--unshare-user"]
    return [*user, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]


# ---------------------------------------------------------------- cgroups


class Cgroups:
    """A memory and a pids cgroup for one kernel, below the grader's own (where it may make them).

    cgroups v1 (one hierarchy per controller) and v2 (one unified hierarchy with
    the controllers enabled for children) are both handled; where neither can be
    written (an ordinary user without a delegated cgroup), ``paths`` stays empty
    and the rlimits alone hold.
    """

    def __init__(self, limits: Limits):
        self.limits = limits
        self.paths: dict[str, Path] = {}  # controller -> the folder made
        name = f"cnncourse-kernel-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        own = _own_cgroups()
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2 only
            self._make_v2(CGROUP_ROOT / own.get("", "/").lstrip("/"), name)
        else:
            for controller, setting, optional in (
                    ("memory", ("memory.limit_in_bytes", limits.memory), ("memory.memsw.limit_in_bytes", limits.memory)),
                    ("pids", ("pids.max", limits.processes), None)):
                if controller in own:
                    folder = CGROUP_ROOT / controller / own[controller].lstrip("/") / name
                    _sweep(folder.parent, os.rmdir)
                    self._make(controller, folder, [setting], [optional] if optional else [])

    def _make(self, controller: str, folder: Path, settings, optional=()) -> None:
        """Make ``folder`` with ``settings`` (or nothing at all), and ``optional`` ones where the kernel has them."""
        try:
            folder.mkdir()
        except OSError:
            return
        try:
            for file, value in settings:
                (folder / file).write_text(str(value))
        except OSError:
            folder.rmdir()
            return
        for file, value in optional:  # swap accounting, where it is compiled in and turned on
            try:
                (folder / file).write_text(str(value))
            except OSError:
                pass
        self.paths[controller] = folder

    def _make_v2(self, parent: Path, name: str) -> None:
        enabled_here = set((parent / "cgroup.subtree_control").read_text().split()) \
            if (parent / "cgroup.subtree_control").exists() else set()
        if not {"memory", "pids"} <= enabled_here:
            return
        _sweep(parent, os.rmdir)
        self._make("unified", parent / name, [("memory.max", self.limits.memory), ("pids.max", self.limits.processes)],
                   [("memory.swap.max", 0)])

    @property
    def memory_capped(self) -> bool:
        return "memory" in self.paths or "unified" in self.paths

    @property
    def processes_capped(self) -> bool:
        return "pids" in self.paths or "unified" in self.paths

    def join_command(self) -> list[str]:
        """A shell prefix that moves itself into the cgroups, then runs the rest of the command."""
        if not self.paths:
            return []
        procs = [str(path / "cgroup.procs") for path in self.paths.values()]
        script = 'for f in ' + " ".join(f'"{p}"' for p in procs) + '; do echo $$ > "$f" || exit 125; done; exec "$@"'
        return ["/bin/sh", "-c", script, "cnncourse-sandbox"]

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer stopped in the memory cgroup."""
        for controller, file in (("memory", "memory.oom_control"), ("unified", "memory.events")):
            path = self.paths.get(controller)
            if path is not None:
                try:
                    for line in (path / file).read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill":
                            return int(value)
                except OSError:
                    pass
        return 0

    def close(self) -> None:
        """Kill every process still in the cgroups, then remove them."""
        for path in self.paths.values():
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                pids = _read_pids(path / "cgroup.procs")
                if not pids:
                    break
                if (path / "cgroup.kill").exists():
                    (path / "cgroup.kill").write_text("1")
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                time.sleep(0.02)
            try:
                path.rmdir()
            except OSError:
                pass
        self.paths = {}


def _sweep(folder: Path, remove) -> None:
    """Remove what a grader that was killed outright (SIGKILL: no clean-up) left in ``folder``.

    Names are ``cnncourse-kernel-<pid of the grader>-...``; only those of a pid that no
    longer runs are removed (an empty cgroup, a socket folder).
    """
    try:
        entries = list(folder.glob("cnncourse-kernel-*-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name.split("-")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            try:
                remove(entry)
            except OSError:
                pass  # still has processes, or not ours to remove


def _own_cgroups() -> dict[str, str]:
    """controller -> this process's cgroup path ('' for the v2 hierarchy)."""
    found = {}
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            for controller in controllers.split(",") if controllers else [""]:
                found[controller] = path
    except OSError:
        pass
    return found


def _read_pids(file: Path) -> list[int]:
    try:
        return [int(line) for line in file.read_text().split()]
    except OSError:
        return []


# ---------------------------------------------------------------- one kernel's sandbox


class KernelSandbox:
    """Everything one sandboxed kernel needs: its folders, its cgroups and the command that starts it."""

    def __init__(self, limits: Limits):
        self.limits = limits
        # The unix sockets and the connection file: a folder of this kernel's own, short
        # enough for a socket path (108 bytes), that the grader and the kernel both see.
        _sweep(Path(tempfile.gettempdir()), shutil.rmtree)
        self.channel = Path(tempfile.mkdtemp(prefix=f"cnncourse-kernel-{os.getpid()}-"))
        self.cgroups = Cgroups(limits)
        self.uid = SANDBOX_UID if _as_root() else os.getuid()

    def wrap(self, kernel_cmd: list[str], cwd: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The command and environment that start ``kernel_cmd`` in the sandbox, in folder ``cwd``."""
        workdir = Path(cwd).resolve()
        if _as_root():
            _give(workdir, self.uid)
            _give(self.channel, self.uid)  # the connection file is written by now
        env = {name: value for name, value in env.items() if name.startswith(PASSED) or name in PASSED_NAMES}
        cache = Path(env.get("CNNCOURSE_CACHE") or Path.home() / ".cache" / "cnncourse")
        for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
                     "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "KERAS_HOME", "PYTHONSTARTUP"):
            env.pop(name, None)
        env.update(HOME="/tmp", TMPDIR="/tmp", USER="sandbox", LOGNAME="sandbox")
        if cache.is_dir():
            env["CNNCOURSE_CACHE"] = str(cache)
        args = ["bwrap", *_namespace_options()]
        for top in SYSTEM:
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/tmp",
                 "--perms", "1777", "--size", str(TMP_SIZE), "--tmpfs", "/dev/shm"]
        for device in gpu_devices():  # a GPU worker's kernels train on its GPU (nothing on a CPU machine)
            args += ["--dev-bind", device, device]
        read_only = _environment_folders(cache)
        writable = [self.channel, workdir]
        args += _folders_leading_to([*read_only, *writable])
        for folder in read_only:
            args += ["--ro-bind", str(folder), str(folder)]
        for folder in writable:
            args += ["--bind", str(folder), str(folder)]
        # jupyter_client adds the grader's pid after this; it means nothing in another PID namespace,
        # and ipykernel would take it for a dead parent (bwrap's --die-with-parent does that job).
        # The launcher goes to the kernel's folder once it is the sandbox user (the folder is that
        # user's, 0700: root without capabilities may not enter it).
        args += ["--chdir", "/", "--unsetenv", "JPY_PARENT_PID"]
        if _as_root():  # only what the launcher needs to become SANDBOX_UID
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        processes = 0 if self.cgroups.processes_capped and _as_root() else self.limits.processes
        launcher = [*_interpreter(kernel_cmd), "-c", _BOOT, str(self.uid), str(self.limits.memory),
                    self.limits.memory_text, str(processes), str(self.limits.processes), str(workdir),
                    "--", *kernel_cmd]
        return [*self.cgroups.join_command(), *args, "--", *launcher], env

    def memory_exhausted(self) -> bool:
        return self.cgroups.oom_kills() > 0

    def close(self) -> None:
        self.cgroups.close()
        shutil.rmtree(self.channel, ignore_errors=True)


def gpu_devices() -> list[str]:
    """The NVIDIA device files of this machine (``/dev/nvidia0``, ``/dev/nvidiactl``, ``/dev/nvidia-uvm``...).

    The sandbox's own ``/dev`` holds only the basic devices; these are bound
    into it so that TensorFlow in a kernel finds the GPU, as it does unsandboxed.
    """
    import glob

    return sorted(path for path in glob.glob("/dev/nvidia*") if not os.path.isdir(path))


def _interpreter(kernel_cmd: list[str]) -> list[str]:
    """The kernel's Python and its options (``-Xfrozen_modules=off``), without what it runs."""
    options = [kernel_cmd[0]]
    for arg in kernel_cmd[1:]:
        if arg in ("-m", "-c") or not arg.startswith("-"):
            break
        options.append(arg)
    return options


def _folders_leading_to(folders: list[Path]) -> list[str]:
    """bwrap options that make every folder above ``folders`` traversable (bwrap's own are 0700)."""
    above = {parent for folder in folders for parent in folder.parents if parent != Path("/")}
    above = [p for p in above if not any(str(p) == s or str(p).startswith(s + "/") for s in SYSTEM)]
    options = []
    for parent in sorted(above, key=lambda p: len(p.parts)):
        options += ["--perms", "0755", "--dir", str(parent)]
    return options


def _give(folder: Path, uid: int) -> None:
    """Make the kernel's folder (and what nbgrader put in it) the sandbox user's, so it can write there."""
    for path in (folder, *folder.rglob("*")):
        os.lchown(path, uid, uid)


def _environment_folders(cache: Path) -> list[Path]:
    """The Python installation, the course's environment, the cnncourse package and the data cache.

    Only these folders themselves: a package installed from the course folder
    (``pip install -e .``) brings its package folder, never the course folder.
    """
    package = Path(__file__).resolve().parents[1]
    folders = [Path(sys.base_prefix), Path(sys.prefix), Path(sys.prefix).resolve(), package]
    if cache.is_dir():
        folders.append(cache)
    unique: list[Path] = []
    for folder in sorted(folders, key=lambda p: len(p.parts)):
        inside = [s for s in (*SYSTEM, *map(str, unique)) if str(folder) == s or str(folder).startswith(s + "/")]
        if folder.is_dir() and not inside:
            unique.append(folder)
    return unique


# ---------------------------------------------------------------- inside the sandbox


def _become(uid: int) -> None:
    if os.getuid() == 0 and uid != 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _limit(memory: int, processes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def _limit_handler(memory_text: str, processes: int):
    """An IPython handler that names the sandbox's limit in the cell that hit it.

    A MemoryError is the memory cap. A BlockingIOError (EAGAIN), or an
    interrupt (the cell's timeout), while the sandbox is at its process cap is
    the process cap: the processes the cell left behind are stopped, so that the next cells (and the kernel's own
    threads) can run, as they do after a memory bomb. Any other error is shown
    as IPython shows it.
    """
    kernel = os.getpid()

    def handler(shell, etype, value, tb, tb_offset=None):
        if os.getpid() != kernel:  # a copy of the kernel that a fork bomb made: it waits to be stopped,
            while True:            # keeping its place, so that the kernel itself meets the cap at once
                time.sleep(3600)
        if issubclass(etype, MemoryError):
            detail = str(value) or "an allocation failed"
            value = MemoryError(f"memory limit of {memory_text} reached ({detail})")
        elif getattr(value, "errno", None) == errno.EAGAIN and _tasks() >= 0.9 * processes:
            stopped = _stop_other_processes()
            value = BlockingIOError(errno.EAGAIN, f"process limit of {processes} reached; the {stopped} "
                                                  "process(es) this notebook started were stopped")
        elif issubclass(etype, KeyboardInterrupt) and _tasks() >= 0.9 * processes:  # out of time at the cap
            stopped = _stop_other_processes()
            value = KeyboardInterrupt(f"process limit of {processes} reached; the {stopped} process(es) "
                                      "this notebook started were stopped")
        shell.showtraceback((type(value), value, tb), tb_offset=tb_offset)

    return handler


def _tasks() -> int:
    """Processes and threads in this sandbox (its PID namespace): what the process cap counts."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def _stop_other_processes() -> int:
    """SIGKILL every process of the sandbox but its first one and this kernel; how many there were."""
    mine, stopped = os.getpid(), set()
    for _ in range(50):  # a bomb may still be forking: until none is left
        others = [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) not in (1, mine)]
        if not others:
            break
        for pid in others:
            try:
                os.kill(pid, signal.SIGKILL)
                stopped.add(pid)
            except OSError:
                pass
        while True:  # reap the kernel's own children
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        time.sleep(0.02)
    return len(stopped)


def launch(argv: list[str]) -> None:
    """Become the sandbox user, set the rlimits, start the kernel (inside the sandbox; see ``_BOOT``).

    ``argv``: UID MEMORY_BYTES MEMORY_TEXT NPROC CAP FOLDER -- KERNEL_CMD...; NPROC 0 leaves
    RLIMIT_NPROC alone (a pids cgroup holds the cap of CAP tasks instead).
    """
    uid, memory, text, processes, cap, folder = int(argv[0]), int(argv[1]), argv[2], int(argv[3]), int(argv[4]), argv[5]
    kernel_cmd = argv[argv.index("--") + 1:]
    _become(uid)
    _limit(memory, processes)
    os.chdir(folder)
    sys.path.insert(0, os.getcwd())  # as `python -m ipykernel_launcher` has it: the student's own modules
    start = len(_interpreter(kernel_cmd))
    if kernel_cmd[start:start + 2] != ["-m", "ipykernel_launcher"]:
        os.execv(kernel_cmd[0], kernel_cmd)  # another kernel: the same limits, Python's own messages
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = ["ipykernel_launcher", *kernel_cmd[start + 2:]]
    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    app.shell.set_custom_exc((MemoryError, BlockingIOError, KeyboardInterrupt), _limit_handler(text, cap))
    app.start()


