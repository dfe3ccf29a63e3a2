"""A sandbox for running a stranger's notebook: bubblewrap namespaces plus resource limits.

``tcpedu grade`` runs each submission's grading worker (and so its kernel) through
:func:`wrap`. What the sandboxed processes get:

- **no network**: a private network namespace holding only its own loopback;
- **a private file system**: the system (``/usr`` and the few ``/etc`` files programs need) and
  this Python (interpreter, virtual environment, the ``tcpedu`` package directory alone) read-only;
  a home directory holding the submission's own notebook and the lab's support files; private,
  size-limited ``/tmp`` and home (memory-backed). Other submissions, the course's solutions and
  instructor files, the scores file and the grader's home are simply not there;
- **no view of other processes** (a PID namespace) and the whole tree killed with it: when the
  worker ends or the grader stops it, every process left inside dies (``--die-with-parent``);
- **limits** (:class:`Limits`): processes (counted per sandbox, in its own user namespace),
  address space per process, CPU seconds, file size, open files;
- **no secrets**: the environment is cleared and rebuilt from a short list;
- when run as root: an unprivileged user (``nobody``) with no capabilities.

:func:`launch` is the small program that runs first inside the sandbox (``python -m
tcpedu.teach.sandbox --launch``): it drops root, enters a fresh user namespace, sets the limits
and execs the real command. Only the standard library is used here.
"""

from __future__ import annotations

import ctypes
import functools
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import PermissionNeeded

#: Where the submission lives inside the sandbox (its home and working directory).
HOME = "/home/student"
#: The unprivileged user a root grader runs submissions as, and the id they see inside.
NOBODY = 65534
INSIDE_UID = 1000
#: /etc files ordinary programs read (name lookup, dynamic linker, time zone, certificates).
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "passwd", "group", "nsswitch.conf", "hosts",
       "localtime", "timezone", "ssl", "ca-certificates", "mime.types", "fonts", "matplotlibrc")
#: Variables kept from the grader's environment (locale only); everything else is cleared.
KEEP_ENV = ("LANG", "LC_ALL", "TZ")
HOW_TO_ENABLE = ("install bubblewrap (Debian/Ubuntu: apt install bubblewrap) and allow user "
                 "namespaces (sysctl kernel.unprivileged_userns_clone=1 and "
                 "user.max_user_namespaces>0; or run as root), or pass --no-sandbox to run "
                 "submissions unconfined")

_CLONE_NEWUSER = 0x10000000
_PR_SET_DUMPABLE = 4


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandbox (sizes in MiB)."""

    memory_mb: int = 3072      # address space of each process (RLIMIT_AS)
    processes: int = 256       # tasks (processes and threads) in the sandbox (RLIMIT_NPROC)
    cpu_seconds: int = 600     # CPU time of each process (RLIMIT_CPU)
    file_mb: int = 64          # largest file a process may write (RLIMIT_FSIZE)
    open_files: int = 1024     # RLIMIT_NOFILE
    tmp_mb: int = 256          # size of each private tmpfs (/tmp and the home directory)

    def rlimits(self) -> dict[str, int]:
        """The limits as ``RLIMIT_*`` names and values, as :func:`launch` applies them."""
        mib = 1024 * 1024
        return {"RLIMIT_AS": self.memory_mb * mib, "RLIMIT_NPROC": self.processes,
                "RLIMIT_CPU": self.cpu_seconds, "RLIMIT_FSIZE": self.file_mb * mib,
                "RLIMIT_NOFILE": self.open_files, "RLIMIT_CORE": 0}


def bwrap_path() -> str | None:
    """The bubblewrap executable, if installed."""
    return shutil.which("bwrap")


def _python_paths() -> list[str]:
    """Directories this Python needs, read-only: interpreter, stdlib, environment, tcpedu."""
    import tcpedu

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(sys.executable).resolve().parent.parent),
             str(Path(tcpedu.__file__).resolve().parent)}
    usersite = os.path.expanduser("~/.local/lib")
    if any(p.startswith(usersite) for p in sys.path):
        import site

        paths.add(site.getusersitepackages())
    # /usr is bound whole; keep only the outermost of nested paths
    kept: list[str] = []
    for path in sorted(p for p in paths if os.path.isdir(p)):
        if path == "/usr" or path.startswith("/usr/"):
            continue
        if not any(path == k or path.startswith(k + "/") for k in kept):
            kept.append(path)
    return kept


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in KEEP_ENV if name in os.environ}
    env.update(HOME=HOME, USER="student", LOGNAME="student", TMPDIR="/tmp",
               PATH=f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
               PYDEVD_DISABLE_FILE_VALIDATION="1", JUPYTER_PLATFORM_DIRS="1")
    env.setdefault("LANG", "C.UTF-8")
    return env


def wrap(argv: Sequence[str], *, files: dict[str, str | Path] | None = None,
         limits: Limits = Limits()) -> list[str]:
    """The command line that runs ``argv`` inside a fresh sandbox.

    ``files`` maps names inside the sandbox's home directory to host files or folders bound
    there read-only (the submission's notebook, the lab's support files); nothing else of the
    host's own files is visible."""
    bwrap = bwrap_path()
    if bwrap is None:
        raise PermissionNeeded(f"cannot create a grading sandbox (bwrap not found): {HOW_TO_ENABLE}")
    root = os.geteuid() == 0
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--hostname", "sandbox"]
    if root:  # no user namespace: the launcher itself drops to nobody, then makes one
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user"]
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev"]
    mode = "1777"
    args += ["--size", str(limits.tmp_mb * 1024 * 1024), "--perms", mode, "--tmpfs", "/tmp"]
    args += ["--size", str(limits.tmp_mb * 1024 * 1024), "--perms", mode, "--tmpfs", HOME]
    # after the private /tmp, so an environment that lives under /tmp (a CI clone) stays visible
    made: set[str] = {"/tmp", HOME}
    for path in _python_paths():
        for parent in reversed(Path(path).parents[:-1]):  # readable parents (bwrap makes 0700)
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", path, path]
    for name, source in (files or {}).items():
        if "/" in name or name in ("", ".", ".."):
            raise ValueError(f"sandbox file names are plain names, not {name!r}")
        args += ["--ro-bind", str(source), f"{HOME}/{name}"]
    args += ["--chdir", HOME, "--clearenv"]
    for name, value in _environment().items():
        args += ["--setenv", name, value]
    limit_args = [f"{name}={value}" for name, value in limits.rlimits().items()]
    return [*args, "--", sys.executable, "-m", "tcpedu.teach.sandbox", "--launch", *limit_args,
            "--", *argv]


@functools.lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why no sandbox can be made here (``None``: one can). Tried once per process."""
    if bwrap_path() is None:
        return "bwrap not found"
    probe = wrap([sys.executable, "-c", "import os; os.setsid"], limits=Limits())
    try:
        done = subprocess.run(probe, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap could not start: {exc}"
    if done.returncode != 0:
        lines = (done.stderr or "").strip().splitlines()
        return lines[-1] if lines else f"bwrap exit status {done.returncode}"
    return None


def require() -> None:
    """Raise :class:`PermissionNeeded` (one line, saying how to enable one) if no sandbox can be
    created here."""
    reason = unavailable_reason()
    if reason is not None:
        raise PermissionNeeded(f"cannot create a grading sandbox ({reason}): {HOW_TO_ENABLE}")


# -- inside the sandbox --------------------------------------------------------------------------

def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def launch(argv: list[str]) -> None:
    """``--launch RLIMIT_X=N ... -- COMMAND...``: drop root, enter a new user namespace, set the
    limits and exec COMMAND. Runs inside the sandbox, before any submitted code."""
    split = argv.index("--")
    limits, command = argv[:split], argv[split + 1:]
    libc = ctypes.CDLL(None, use_errno=True)
    if os.getuid() == 0:  # a root grader: become nobody (no capabilities left after this)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
        libc.prctl(_PR_SET_DUMPABLE, 1, 0, 0, 0)  # so that we may write our own uid_map
    uid, gid = os.getuid(), os.getgid()
    # A user namespace of our own: the process limit then counts this sandbox's tasks only.
    if libc.unshare(_CLONE_NEWUSER) == 0:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{INSIDE_UID} {uid} 1")
        _write("/proc/self/gid_map", f"{INSIDE_UID} {gid} 1")
    for item in limits:
        name, value = item.split("=")
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))
    os.execv(command[0], command)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--launch"]:
        launch(sys.argv[2:])
    raise SystemExit("usage: python -m tcpedu.teach.sandbox --launch RLIMIT_X=N ... -- COMMAND")
