"""Layers, checked: `core/` imports no web framework; only `api/` touches Starlette; the
workflow (`review/`) and Word files (`word/`) know nothing of the pages that show them
(`staff/`, `api/`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sop_platform"
WEB = ("fastapi", "starlette", "uvicorn", "jinja2")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


# Each package has its rules below; a new one needs its own.
PACKAGES = {"api", "core", "outbox", "reading", "render", "review", "staff", "word"}


def test_the_packages_are_the_layers_these_rules_know():
    assert {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").exists()} == PACKAGES


@pytest.mark.parametrize("path", _modules("core"), ids=lambda p: p.name)
def test_core_imports_no_web_framework_and_no_upper_layer(path: Path):
    imported = _imports(path)

    assert not {name for name in imported if name.split(".")[0] in WEB}
    assert not {
        name
        for name in imported
        if name.split(".")[:2] in [["sop_platform", upper] for upper in PACKAGES - {"core"}]
    }


@pytest.mark.parametrize(
    "path", _modules("review") + _modules("word"), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_the_workflow_and_word_files_import_no_staff_view_and_no_api(path: Path):
    assert not {
        name
        for name in _imports(path)
        if name.startswith(("sop_platform.staff", "sop_platform.api"))
    }


def test_nothing_outside_api_imports_starlette_or_fastapi():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "api" not in path.relative_to(PACKAGE).parts[:1]
        and path.name != "cli.py"
        and any(name.split(".")[0] in ("starlette", "fastapi") for name in _imports(path))
    ]

    assert offenders == []


def test_the_cli_reaches_the_web_app_only_to_serve_it():
    source = (PACKAGE / "cli.py").read_text("utf-8")
    top_level = _imports_at_top_level(PACKAGE / "cli.py")

    assert not {
        name
        for name in top_level
        if name.split(".")[0] in WEB or name.startswith("sop_platform.api")
    }
    assert "from sop_platform.api.app import create_app" in source


def _imports_at_top_level(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", _modules("render"), ids=lambda p: p.name)
def test_render_reads_no_database(path: Path):
    imported = _imports(path)

    assert not {name for name in imported if name.split(".")[0] in ("sqlmodel", "sqlalchemy")}
    assert "sop_platform.core.database" not in imported


@pytest.mark.parametrize("path", _modules("outbox"), ids=lambda p: p.name)
def test_the_outbox_sends_without_the_web_application(path: Path):
    """The channels and the worker run in `sop-platform worker` too, with no app server."""
    imported = _imports(path)

    assert not {name for name in imported if name.split(".")[0] in WEB}
    assert not {
        name
        for name in imported
        if name.startswith(
            ("sop_platform.api", "sop_platform.staff", "sop_platform.review", "sop_platform.word")
        )
    }


@pytest.mark.parametrize("path", _modules("reading"), ids=lambda p: p.name)
def test_reading_imports_nothing_of_the_api_or_the_staff_application(path: Path):
    imported = _imports(path)

    assert not {
        name for name in imported if name.startswith(("sop_platform.api", "sop_platform.staff"))
    }


def _route_modules() -> dict[str, Path]:
    """Every module of `api/routes` and `api/web` that makes a router, by its dotted name."""
    return {
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts): path
        for folder in ("api/routes", "api/web")
        for path in _modules(folder)
        if "APIRouter(" in path.read_text("utf-8")
    }


def _imports_with_submodules(path: Path) -> set[str]:
    """What `path` imports, `from package import module` named as `package.module` too."""
    names = _imports(path)
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


ROUTE_MODULES = _route_modules()


@pytest.mark.parametrize("module", sorted(ROUTE_MODULES), ids=lambda name: name.split(".", 2)[2])
def test_no_route_module_imports_another(module: str):
    imported = _imports_with_submodules(ROUTE_MODULES[module])

    assert not (imported & set(ROUTE_MODULES)) - {module}
