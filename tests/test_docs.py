"""README.md stays true: two quick-start commands, every setting and command documented,
and CI running the very test command that README gives."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from sop_platform.cli import app
from sop_platform.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text("utf-8")


def _quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_quick_start_is_exactly_two_commands():
    commands = _quick_start_commands()

    assert len(commands) == 2
    assert commands[0].endswith("sop-platform demo")
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text("utf-8")

    assert _quick_start_commands()[1] in ci.splitlines()


def test_ci_fails_on_lint_and_type_findings_before_the_tests():
    lines = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    tests = lines.index(_quick_start_commands()[1])

    for check in (".venv/bin/ruff check .", ".venv/bin/ruff format --check .", ".venv/bin/mypy"):
        assert lines.index(check) < tests
    assert "set -euo pipefail" in lines


def test_every_setting_is_documented():
    for name in Settings.model_fields:
        assert f"`SOP_{name.upper()}`" in README


def test_every_command_is_documented():
    root = get_command(app)
    names: list[str] = []
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        sub = getattr(command, "commands", None)
        names += [f"{name} {child}" for child in sub] if sub else [name]

    for name in names:
        assert f"`sop-platform {name}" in README, name
