"""Fault injection for crash tests (off unless the environment asks for it).

With ``FAILPOINT=<name>`` and ``FAILPOINTS_DIR=<dir>`` in a worker's environment, the process kills itself with
SIGKILL the first time it passes the named point for a given key, as a power cut or an OOM kill would. The
marker file makes the redelivered task pass the point, so the test sees what recovery does.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def failpoint(name: str, key: str) -> None:
    if os.environ.get("FAILPOINT") != name:
        return
    marker = Path(os.environ["FAILPOINTS_DIR"]) / f"{name}-{key}"
    if marker.exists():
        return
    marker.touch()
    os.kill(os.getpid(), signal.SIGKILL)
