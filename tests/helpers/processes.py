"""The application's real processes (`python -m bot serve`, `python -m bot worker`) started
by a test on a free port, their output in a log file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    """`python -m bot <args>` from the repository, stdout and stderr into `log`."""
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT,
                                env=dict(os.environ, **env), stdout=out,
                                stderr=subprocess.STDOUT)


def wait_healthy(base: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> dict:
    """/healthz once it answers; fails with the end of the log if the process exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited {process.returncode}: {log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{base}/healthz", timeout=5).json()
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"no /healthz in {timeout} s: {log.read_text()[-3000:]}")


def stop(*processes: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL for those still there after 30 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
