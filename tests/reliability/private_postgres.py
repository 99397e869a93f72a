"""A private PostgreSQL cluster for one test, in a temporary directory: ``initdb``, ``pg_ctl start``,
``pg_ctl stop -m immediate`` (the crash) and start again, then removed. It listens on a free port on
127.0.0.1 with its unix socket in its own directory, so the machine's shared server is never touched.

``initdb`` refuses to run as root: as root the cluster is run as the ``postgres`` OS user
(``runuser -u postgres --``). (Importable from the tests: conftest.py puts this directory on ``sys.path``.)
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from bridge_processes import free_port

#: Where PostgreSQL's programs are looked for, after PATH.
SEARCH = ("/usr/local/bin", "/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/bin")


def find_program(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in SEARCH:
        for candidate in sorted(glob.glob(os.path.join(pattern, name)), reverse=True):
            if os.access(candidate, os.X_OK):
                return candidate
    return None


def unavailable() -> str | None:
    """Why a private cluster cannot be made here, or ``None`` if it can."""
    for program in ("initdb", "pg_ctl"):
        if find_program(program) is None:
            return f"{program} is not installed (looked on PATH and in {', '.join(SEARCH)})"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root, and runuser (to run initdb as the postgres user) is not available"
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, and there is no postgres OS user to run initdb as"
    return None


class PrivateCluster:
    """One PostgreSQL cluster of this test's own."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sharewise-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.user = None if os.geteuid() != 0 else "postgres"
        if self.user:
            os.chmod(self.root, 0o700)
            shutil.chown(self.root, self.user, self.user)
        self.running = False
        self.databases = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database in this cluster (one per test); its URL."""
        from sqlalchemy import create_engine, text

        if not self.running:  # a test that failed mid-crash left it stopped
            self.start()
        self.databases += 1
        name = f"sharewise_{self.databases}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        return self.url(name)

    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        command = [find_program(program) or program, *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False, cwd=self.root)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise AssertionError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n{done.stdout.decode()}{done.stderr.decode()}\n{log}"
            )

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "-t", "60", "start")
        self.running = True

    def crash(self) -> None:
        """``pg_ctl stop -m immediate``: every server process quits at once, without a checkpoint;
        committed work survives only through the write-ahead log (replayed at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False

    def remove(self) -> None:
        if self.running:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            except (AssertionError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.running = False
        shutil.rmtree(self.root, ignore_errors=True)
