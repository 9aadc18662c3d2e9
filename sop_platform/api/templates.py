"""Jinja2 templates from `frontend/`, autoescaped."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from sop_platform.resources import shipped_dir


@cache
def _templates() -> Jinja2Templates:
    loader = FileSystemLoader(shipped_dir("frontend") / "templates")
    return Jinja2Templates(env=Environment(loader=loader, autoescape=True))


def templates(_request: Request) -> Jinja2Templates:
    return _templates()
