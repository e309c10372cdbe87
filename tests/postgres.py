"""A real PostgreSQL for the storage tests: an external server, or a throwaway local cluster.

`NEWSBOT_TEST_POSTGRES_URL` (a superuser or CREATEDB role) wins when set. Otherwise the server
binaries (`/usr/lib/postgresql/*/bin`, or `initdb` on PATH) start a cluster in a temporary folder
on a free 127.0.0.1 port, stopped and deleted at the end. PostgreSQL refuses to run as root, so
as root the cluster runs as the `postgres` system user (created when missing). Each test gets its
own database, so tests never see each other's rows.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

ENV_URL = "NEWSBOT_TEST_POSTGRES_URL"
ENV_REQUIRE = "NEWSBOT_REQUIRE_POSTGRES"
SERVER_USER = "postgres"
_TIMEOUT_S = 120


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL could be reached or started; the message says why."""


def postgres_required() -> bool:
    return os.environ.get(ENV_REQUIRE, "").strip() == "1"


def find_bindir() -> Path | None:
    """The newest installed server's bin folder (Debian keeps them off PATH)."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in match.group(1).split(".") if p) if match else ()

    if candidates:
        return Path(max(candidates, key=version)).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _server_user() -> str | None:
    """None when not root; otherwise a non-root user to own and run the cluster."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        result = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", SERVER_USER],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 and result.returncode != 9:  # 9: created meanwhile
            raise PostgresUnavailable(
                f"running as root and cannot create the {SERVER_USER!r} user: "
                f"{result.stderr.strip()}"
            ) from None
    return SERVER_USER


class _Cluster:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="newsbot-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self.root.chmod(0o700)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user is not None:
            if shutil.which("runuser"):
                command = ["runuser", "-u", self.user, "--", *command]
            else:
                command = ["su", "-s", "/bin/sh", self.user, "-c", shlex.join(command)]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        env.pop("PGDATA", None)
        return subprocess.run(
            command,
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            check=False,
        )

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-2000:]
        return ""

    def start(self) -> str:
        result = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise PostgresUnavailable(f"initdb failed: {(result.stderr or result.stdout)[-2000:]}")
        for _attempt in range(3):  # another process may take the free port before we do
            self.port = free_port()
            options = (
                f"-p {self.port} -h 127.0.0.1 -k {self.root} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            )
            result = self._run(
                "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                "-o", options, "start",
            )  # fmt: skip
            if result.returncode == 0:
                return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"
        raise PostgresUnavailable(
            f"pg_ctl start failed: {result.stderr.strip()}\n{self._log_tail()}"
        )

    def stop(self) -> None:
        if self.data.exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a server URL (`postgresql+asyncpg://...`); raise PostgresUnavailable if none."""
    external = os.environ.get(ENV_URL, "").strip()
    if external:
        yield external
        return
    bindir = find_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries (initdb) found; install PostgreSQL "
            f"(apt-get install postgresql) or set {ENV_URL}"
        )
    cluster = _Cluster(bindir)
    try:
        url = cluster.start()
    except BaseException:
        cluster.stop()
        raise
    try:
        yield url
    finally:
        cluster.stop()


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    """asyncpg wants a plain libpq URL (and `str(URL)` would mask the password)."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def create_database(server_url: str) -> str:
    """A fresh, empty database on the server; returns its SQLAlchemy URL."""
    name = f"newsbot_test_{secrets.token_hex(6)}"
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(server_url), timeout=30)
    except (OSError, asyncpg.PostgresError) as exc:
        raise PostgresUnavailable(f"cannot connect to the test PostgreSQL: {exc}") from exc
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    conn = await asyncpg.connect(_asyncpg_dsn(database_url, "postgres"), timeout=30)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
