"""Setup shared by the soak batteries (not a battery itself): a scratch database of either
kind, the environment a `sop-platform` command runs in, the operator's integrity check
run as a command after each blow, and the figures both print.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _workflow import postgres_database
from storage import percentile

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The console script of the interpreter running this, so a battery runs the venv's command.
SOP_PLATFORM = str(Path(sys.executable).with_name("sop-platform"))
SECRET = "soak-battery-secret-key-long-enough-for-hs256"
PASSWORD = "soak battery password, long enough"


@contextmanager
def scratch_database(kind: str, postgres_url: str = POSTGRES_URL) -> Iterator[str]:
    """The URL of an empty database of `kind` (sqlite or postgres), gone at the end."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="sop-soak-") as folder:
            yield f"sqlite:///{Path(folder) / 'sop.db'}"
    elif kind == "postgres":
        with postgres_database(postgres_url) as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")


def command_env(url: str, **settings: str) -> dict[str, str]:
    """The environment of a `sop-platform` command on `url`, with more SOP_* `settings`."""
    env = dict(os.environ, SOP_DATABASE_URL=url)
    env.update({f"SOP_{name.upper()}": value for name, value in settings.items()})
    return env


def sop_platform(url: str, *arguments: str, stdin: str = "", **settings: str) -> str:
    """Run `sop-platform ARGUMENTS` on `url`; its output, or SystemExit with its errors."""
    done = subprocess.run(
        [SOP_PLATFORM, *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env=command_env(url, **settings),
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"sop-platform {' '.join(arguments)}: {done.stderr or done.stdout}")
    return done.stdout


def check_command() -> list[str]:
    """`sop-platform check` (every stored hash and the audit chain) where this install has
    it; otherwise `audit verify`, the chain alone, which the caller must complete with its
    own hash checks."""
    probe = subprocess.run([SOP_PLATFORM, "check", "--help"], capture_output=True, check=False)
    return [SOP_PLATFORM, "check"] if probe.returncode == 0 else [SOP_PLATFORM, "audit", "verify"]


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    seconds: float
    output: str


class IntegrityCheck:
    """One run of the check command, started now and waited for later, so that the caller
    can do its own checks meanwhile."""

    def __init__(self, command: list[str], url: str) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            env=command_env(url),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def outcome(self) -> CheckOutcome:
        output, _ = self.process.communicate()
        seconds = time.perf_counter() - self.started
        return CheckOutcome(self.process.returncode == 0, seconds, output.strip())


def spread(values: Sequence[float], unit: str = "s") -> str:
    """`median x  p95 y  max z` of `values`, or `-` when there are none."""
    if not values:
        return "-"
    return (
        f"median {percentile(values, 0.5):.3f} {unit}  p95 {percentile(values, 0.95):.3f} "
        f"{unit}  max {max(values):.3f} {unit}"
    )
