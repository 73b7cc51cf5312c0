"""Real PostgreSQL, Redis and SMTP for the tests: use the machine's, or start throwaway ones.

On CI (``CI=true``) a service that cannot be found or started is an error,
never a skip.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

PG_HOST, PG_PORT = "127.0.0.1", int(os.environ.get("TEST_PG_PORT", "5432"))
REDIS_PORT = int(os.environ.get("TEST_REDIS_PORT", "6379"))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start on port {port}")


def postgres_server_url() -> str:
    """A PostgreSQL server URL (maintenance database ``postgres``)."""
    if os.environ.get("TEST_PG_URL"):
        return os.environ["TEST_PG_URL"]
    if port_open(PG_PORT):
        return f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bindirs:
        raise RuntimeError(
            "PostgreSQL is not running and not installed (apt-get install postgresql)"
        )
    bindir = bindirs[-1]
    port = free_port()
    datadir = tempfile.mkdtemp(prefix="dv-pg-")
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(datadir, "postgres", "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    subprocess.run(
        [*prefix, f"{bindir}/initdb", "-D", datadir, "-A", "trust", "-U", "postgres"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            *prefix,
            f"{bindir}/pg_ctl",
            "-D",
            datadir,
            "-l",
            f"{datadir}/log",
            "-o",
            f"-p {port} -k {datadir} -c listen_addresses=127.0.0.1",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    atexit.register(
        lambda: subprocess.run(
            [*prefix, f"{bindir}/pg_ctl", "-D", datadir, "stop", "-m", "immediate"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )
    _wait(port, "PostgreSQL")
    return f"postgresql://postgres@{PG_HOST}:{port}/postgres"


def redis_url() -> str:
    """A Redis server URL (database 0 of the machine's server, or a throwaway server)."""
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    if port_open(REDIS_PORT):
        return f"redis://127.0.0.1:{REDIS_PORT}/0"
    exe = shutil.which("redis-server")
    if not exe:
        raise RuntimeError("Redis is not running and not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    atexit.register(proc.terminate)
    _wait(port, "Redis")
    return f"redis://127.0.0.1:{port}/0"
