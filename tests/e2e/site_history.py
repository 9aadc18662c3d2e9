"""A published document with a history, for the reader's stories: the seed's edition 1, an
edition 2 in force that changed the clearance depth from 20 to 30 cm in both languages
through a reviewed change request, an edition 3 withdrawn before it took effect, and an
edition 4 that takes effect next week."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from sop_platform.api.app import create_app
from sop_platform.core.accounts import issue_token
from sop_platform.core.clock import utc_today
from sop_platform.core.database import Database
from sop_platform.settings import Settings
from tests.support import CHAPTER, PASSWORD, SECRET, Api, add_attested_user, edited

# The clause edition 2 changed, in each language: (old, new).
DEPTH = {
    "en": ("shall be **20 cm** below", "shall be **30 cm** below"),
    "az": ("səthindən **20 sm** olmalıdır", "səthindən **30 sm** olmalıdır"),
}
CLAUSE = "clearance-depth"
# What editions 3 (withdrawn) and 4 (next week) change, in both languages.
LATER = [
    {"en": ("**30 degrees**", "**25 degrees**"), "az": ("**30 dərəcədən**", "**25 dərəcədən**")},
    {"en": ("about 2 cm", "about 3 cm"), "az": ("təxminən 2 sm", "təxminən 3 sm")},
]
PEOPLE = {"sarah": "author", "elvin": "approver", "leyla": "approver"}


def history_database(folder: Path, loaded_template: Path) -> Settings:
    """A copy of the loaded seed under `folder`, given the history above; the settings that
    serve it (the site looks for a new edition on every request)."""
    path = folder / "history.db"
    shutil.copyfile(loaded_template, path)
    settings = Settings(
        database_url=f"sqlite:///{path}", secret_key=SECRET, site_refresh_seconds=0, worker=False
    )
    database = Database(settings.database_url)
    try:
        with database.session(write=True) as session:
            for username, role in PEOPLE.items():
                add_attested_user(session, username, full_name=username.title(), role=role)
    finally:
        database.dispose()
    with TestClient(create_app(settings)) as client:
        staff = {
            name: Api(client, {"Authorization": f"Bearer {issue_token(name, SECRET, 30)}"}, name)
            for name in PEOPLE
        }
        today = utc_today()
        _merged(staff, "Clearance depth to 30 cm", DEPTH)
        staff["elvin"].issue("Clearance depth 30 cm", today)
        _merged(staff, "Prodding angle", LATER[0])
        staff["elvin"].issue("Edition 3", today + timedelta(days=3))
        staff["elvin"]._call(
            "POST",
            "/api/v1/documents/anama-sop/editions/3/withdraw",
            200,
            json={"password": PASSWORD, "reason": "Issued by mistake"},
        )
        _merged(staff, "Vegetation height", LATER[1])
        staff["elvin"].issue("Edition 4", today + timedelta(days=7))
    assert CHAPTER == "manual-clearance"
    return settings


def _merged(staff: dict[str, Api], title: str, edits: dict[str, tuple[str, str]]) -> None:
    """A change request of sarah's, one edit per language of the manual clearance chapter,
    approved by elvin and leyla and merged."""
    sarah = staff["sarah"]
    cr = sarah.open_cr(title)
    for language, (old, new) in edits.items():
        head = sarah.head_of(lang=language)
        sarah.put(cr["id"], edited(head["markdown"], old, new), head["revision"], lang=language)
    sarah.act(cr["id"], "submit")
    staff["elvin"].approve(cr["id"])
    staff["leyla"].approve(cr["id"])
    staff["elvin"].act(cr["id"], "merge")
