"""Jinja2 templates from `frontend/`, autoescaped."""

from __future__ import annotations

from functools import cache

from fastapi import Request
from fastapi.templating import Jinja2Templates

from sop_platform.resources import shipped_dir


@cache
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=shipped_dir("frontend") / "templates", autoescape=True)


def templates(_request: Request) -> Jinja2Templates:
    return _templates()
