"""A pytest plugin: nbval starts its kernels on Unix sockets (the ``ipc`` transport) in a folder
of this process, not on TCP ports.

jupyter_client picks a TCP kernel's five ports by binding port 0 and closing it, and the kernel
binds them only once it has started, seconds later on a busy machine; any other process (another
worker's kernel, a browser's or a server's connection) may take such a port meanwhile, and the
kernel, unable to bind it, exits: "Kernel died before replying to kernel_info"
(jupyter/jupyter_client#487; the ports it caches against this are cached per process only). A
socket file in a private folder has no such race.

Used by tests/conftest.py for the main run, and copied beside the nbval run inside the Binder
environment by tests/test_binder.py (``-p nbval_unix_kernels``).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile

import pytest


def use_unix_sockets() -> None:
    """Make nbval start its kernels on the ``ipc`` transport, in a folder of this process."""
    try:
        import nbval.kernel
    except ImportError:
        return
    base = nbval.kernel.KernelManager
    if getattr(base, "tcpedu_ipc", False):
        return
    folder = tempfile.mkdtemp(prefix="tcpedu-kernels-")
    numbers = itertools.count()

    class UnixSocketKernelManager(base):
        tcpedu_ipc = True

        def __init__(self, **kwargs: object) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(folder, f"k{next(numbers)}"))
            super().__init__(**kwargs)

    nbval.kernel.KernelManager = UnixSocketKernelManager
    atexit.register(shutil.rmtree, folder, True)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("nbval"):
        use_unix_sockets()
