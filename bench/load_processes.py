"""Child processes, databases and Redis for the load script (``bench.load``): start and stop
servers as process groups, measure their CPU time, and make or drop the run's own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class SetupError(RuntimeError):
    """The servers, database or accounts could not be prepared (message says which)."""


# --- processes ------------------------------------------------------------------------------------


def _child_setup() -> None:  # runs in the child between fork and exec
    os.setsid()  # own process group: stopped as a whole, not hit by the terminal's Ctrl-C
    try:  # Linux: the child gets SIGTERM if this script dies without cleaning up
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort on other systems
        pass


class Processes:
    """Child processes started by this script; ``stop_all`` ends them (SIGTERM, then SIGKILL)."""

    def __init__(self) -> None:
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict, log_path: Path) -> subprocess.Popen:
        with open(log_path, "wb") as out:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_child_setup
            )
        self.procs.append((name, proc))
        return proc

    @staticmethod
    def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
        """SIGTERM to the process group of ``proc`` (it leads its own), SIGKILL after ``timeout`` s."""
        if proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            self.stop(proc)


def cpu_seconds(proc: subprocess.Popen) -> float:
    """User + system CPU seconds used so far by ``proc``, its live descendants and its reaped children."""
    import psutil

    try:
        root = psutil.Process(proc.pid)
        t = root.cpu_times()
        total = t.user + t.system + t.children_user + t.children_system
        for child in root.children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.NoSuchProcess:
                pass
        return total
    except psutil.NoSuchProcess:
        return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_has_setting(name: str) -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(setting.name == name for setting in KNOWN_SETTINGS)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- database and broker --------------------------------------------------------------------------


def database_urls(server_url: str, name: str) -> tuple[str, str]:
    """(URL of the maintenance database ``postgres``, URL of database ``name``) on the server of ``server_url``."""
    parts = urlsplit(server_url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SetupError(f"--database-url must be a PostgreSQL URL, not {parts.scheme}://")
    return (urlunsplit(parts._replace(path="/postgres", query="")), urlunsplit(parts._replace(path="/" + name)))


def recreate_database(admin_url: str, name: str, drop_only: bool = False) -> None:
    """Drop database ``name`` (closing its connections) and, unless ``drop_only``, create it empty."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redis_url(base: str, db: int) -> str:
    parts = urlsplit(base)
    if parts.scheme not in ("redis", "rediss"):
        raise SetupError(f"--redis-url must be a Redis URL, not {parts.scheme}://")
    return urlunsplit(parts._replace(path=f"/{db}", query=""))


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()
