"""`GET .../readership`: the JSON the route writes straight from the core's rows is the
report, field for field, in the shape its OpenAPI schema documents."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sop_platform.api.schemas.reading import ReadershipOut, ReadershipRowOut
from sop_platform.core.chapters import document_by_slug
from sop_platform.core.database import Database
from sop_platform.core.readership_report import ReportRow, readership
from tests.support import DOCUMENT, AuthFor, MakeUser


def test_report_rows_have_the_fields_of_the_documented_row():
    assert ReportRow._fields == tuple(ReadershipRowOut.model_fields)


def test_the_json_report_is_the_core_report(
    client: TestClient, loaded: Database, make_user: MakeUser, auth_for: AuthFor
):
    make_user("ilkin", "reader", "İlkin Məmmədov")
    make_user("samir", "reader", "Samir Huseynov")
    headers = auth_for("approver")

    response = client.get(f"/api/v1/documents/{DOCUMENT}/editions/1/readership", headers=headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    answer = ReadershipOut.model_validate(response.json())
    with loaded.session(write=False) as session:
        report = readership(session, document_by_slug(session, DOCUMENT), 1)
    assert [tuple(row.model_dump().values()) for row in answer.rows] == [
        tuple(row) for row in report.rows
    ]
    assert "İlkin Məmmədov" in response.text  # UTF-8, not escaped
    assert answer.totals.total == len(report.rows) > 0
    assert answer.totals.pending == answer.totals.total
    assert [team.team for team in answer.teams] == [""]
    assert answer.team is None


def test_a_reader_who_leads_no_team_is_refused(client: TestClient, auth_for: AuthFor):
    response = client.get(
        f"/api/v1/documents/{DOCUMENT}/editions/1/readership", headers=auth_for("reader")
    )

    assert response.status_code == 403
