"""The deployment of deploy/README.md, run for real: a PostgreSQL database of its own made by
`sop-platform init`, app servers started as `sop-platform serve` processes, and Debian's
nginx in front of them with deploy/nginx.conf, deploy/nginx-app.conf and
deploy/nginx-static.conf (ports and folders moved into the test's temporary folder, no TLS,
no root needed)."""

from __future__ import annotations

import grp
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from sop_platform.core import accounts
from sop_platform.core.database import Database
from tests.support import (
    PRODUCTION_DUMMY_HASH,
    PRODUCTION_HASHER,
    SECRET,
    add_attested_user,
)

POSTGRES_URL = os.environ.get("SOP_TEST_POSTGRES_URL")
NGINX = Path("/usr/sbin/nginx")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SOP_PLATFORM = Path(sys.executable).with_name("sop-platform")
ROLES = ("reader", "author", "reviewer", "approver", "admin")
# The two app servers of deploy/nginx.conf's upstream, replaced by the test's ports.
DEPLOYED_PORTS = ("127.0.0.1:8001", "127.0.0.1:8002")
DEPLOYED_CACHE = "/var/cache/nginx/sop-platform"
STARTUP_SECONDS = 30

NGINX_CONF = """\
{user}
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{
    worker_connections 512;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

{deployed}

    server {{
        listen 127.0.0.1:{port};
        access_log {prefix}/access.log sop_platform;
        include {deploy}/nginx-app.conf;
    }}

    server {{
        listen 127.0.0.1:{static_port};
        access_log {prefix}/static.log sop_platform;
        root {site};
        include {deploy}/nginx-static.conf;
    }}
}}
"""


@pytest.fixture(autouse=True)
def password_hashing() -> Iterator[PasswordHasher]:
    """Production's Argon2id parameters, as the servers this test starts hash with: the
    accounts added here are the deployment's own."""
    with patch.multiple(accounts, _HASHER=PRODUCTION_HASHER, _DUMMY_HASH=PRODUCTION_DUMMY_HASH):
        yield PRODUCTION_HASHER


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not answers(url):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} does not answer; its log:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)


def app_name(port: int) -> str:
    return f"sop-app-{port}"


def deployed_http_part(app_ports: list[int], cache: Path) -> str:
    """What deploy/nginx.conf sets before its first `server` block, with the test's app
    servers and cache folder."""
    conf = (DEPLOY / "nginx.conf").read_text("utf-8")
    head = re.split(r"^server \{", conf, maxsplit=1, flags=re.MULTILINE)[0]
    for deployed in (*DEPLOYED_PORTS, DEPLOYED_CACHE):
        assert deployed in head, f"deploy/nginx.conf no longer names {deployed}"
    for deployed, port in zip(DEPLOYED_PORTS, app_ports, strict=True):
        head = head.replace(deployed, f"127.0.0.1:{port}")
    return head.replace(DEPLOYED_CACHE, str(cache))


@dataclass
class AppServer:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def name(self) -> str:
        """Its connections' `application_name` in PostgreSQL."""
        return app_name(self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no graceful end, no answer to what it was doing."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deployment:
    database_url: str
    env: dict[str, str]
    servers: list[AppServer]
    url: str  # nginx in front of the app servers
    static_url: str  # nginx serving the static export
    folder: Path
    publisher: subprocess.Popen[str] | None = None

    def published(self) -> None:
        """Wait for `sop-platform publish`, which runs beside everything else."""
        assert self.publisher is not None
        _output, errors = self.publisher.communicate(timeout=120)
        assert self.publisher.returncode == 0, errors

    def sop_platform(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SOP_PLATFORM), *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def deploy_database() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own, dropped at the end."""
    if not POSTGRES_URL:
        pytest.skip("SOP_TEST_POSTGRES_URL is not set: several app servers need PostgreSQL")
    if not NGINX.is_file():
        pytest.fail(f"{NGINX} is missing: apt-get install nginx", pytrace=False)
    name = f"sop_deploy_{uuid.uuid4().hex[:12]}"
    admin_url = make_url(POSTGRES_URL).set(database="postgres")
    admin = create_engine(
        admin_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _nginx_command(folder: Path, app_ports: list[int], site: Path) -> tuple[list[str], int, int]:
    """nginx's command line, with its configuration written and checked, and its two ports."""
    prefix = folder / "nginx"
    prefix.mkdir()
    port, static_port = free_port(), free_port()
    # Started by root, nginx would run its workers as `nobody`: they run as we do instead.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name};"
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user=user,
            prefix=prefix,
            deployed=deployed_http_part(app_ports, prefix / "cache"),
            port=port,
            static_port=static_port,
            deploy=DEPLOY,
            site=site,
        ),
        encoding="utf-8",
    )
    # `-e`: nginx never opens the system's error log, even before reading `conf`.
    command = [str(NGINX), "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, f"nginx refuses the deployed configuration:\n{checked.stderr}"
    return command, port, static_port


@pytest.fixture
def deployment(deploy_database: str, tmp_path: Path) -> Iterator[Deployment]:
    """`sop-platform init`, one account per role, two app servers and nginx, as
    deploy/README.md sets them up, and the static export (`Deployment.published()` waits
    for it); everything stopped at the end."""
    env = {
        **os.environ,
        "SOP_DATABASE_URL": deploy_database,
        "SOP_SECRET_KEY": SECRET,
    }
    env.pop("SOP_CONTENT_DIR", None)
    started: list[subprocess.Popen[Any]] = []
    deployment = Deployment(deploy_database, env, [], "", "", tmp_path)
    try:
        # The app servers start while `init` migrates: they read nothing before a request.
        initialising = subprocess.Popen(
            [str(SOP_PLATFORM), "init"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        started.append(initialising)
        for _ in range(2):
            port = free_port()
            log = tmp_path / f"app-{port}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [str(SOP_PLATFORM), "serve", "--port", str(port)],
                    # libpq names the server's connections after it (pg_stat_activity).
                    env={**env, "PGAPPNAME": app_name(port)},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append(process)
            deployment.servers.append(AppServer(port, process, log))
        _output, errors = initialising.communicate(timeout=120)
        assert initialising.returncode == 0, errors
        site = tmp_path / "site"
        deployment.publisher = subprocess.Popen(
            [str(SOP_PLATFORM), "publish", "--out", str(site)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(deployment.publisher)
        database = Database(deploy_database)
        with database.session(write=True) as session:
            for role in ROLES:
                add_attested_user(session, role, full_name=f"The {role}", role=role)
        database.dispose()
        for server in deployment.servers:
            wait_until_answering(f"{server.url}/login", server.process, server.log)
        command, port, static_port = _nginx_command(
            tmp_path, [server.port for server in deployment.servers], site
        )
        nginx_log = tmp_path / "nginx" / "error.log"
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(nginx)
        deployment.url = f"http://127.0.0.1:{port}"
        deployment.static_url = f"http://127.0.0.1:{static_port}"
        wait_until_answering(f"{deployment.url}/login", nginx, nginx_log)
        yield deployment
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
