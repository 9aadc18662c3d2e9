"""A clause mapping that names no standard clause, no valid relation, or deviates without a
justification is reported on the CR when it is saved, and blocks submission until fixed."""

from __future__ import annotations

import pytest

from sop_platform.core.clauses import clauses_of
from tests.support import Api, edited

DEPTH_HEADING = '{#clearance-depth imas="09.10#6.2" relation=stricter}'


@pytest.mark.parametrize(
    ("attributes", "says"),
    [
        ('imas="09.10#6.9" relation=stricter', "standard 09.10 has no clause 6.9"),
        ('imas="09.10#6.2" relation=tighter', "relation 'tighter' is not one of"),
        ('imas="09.10#6.2" relation=deviates', "relation 'deviates' needs justification"),
    ],
)
def test_a_wrong_mapping_blocks_submission_until_a_new_iteration_fixes_it(
    staff: dict[str, Api], attributes: str, says: str
) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr("Map the depth clause")
    wrong = edited(head["markdown"], DEPTH_HEADING, f"{{#clearance-depth {attributes}}}")
    [depth] = [c for c in clauses_of(wrong) if c.anchor == "clearance-depth"]
    name = f'clause {depth.number} "Clearance depth" (#clearance-depth)'

    saved = sarah.put(cr["id"], wrong, head["revision"])

    [problem] = saved["problems"]
    assert (problem["kind"], problem["blocking"]) == ("mapping", True)
    assert (problem["chapter"], problem["language"]) == ("manual-clearance", "en")
    assert wrong.splitlines()[problem["line"] - 1].startswith("## Clearance depth {#clearance")
    assert name in problem["message"] and says in problem["message"]
    refused = sarah.client.post(f"/api/v1/change-requests/{cr['id']}/submit", headers=sarah.headers)
    assert refused.status_code == 422
    assert name in refused.json()["detail"] and says in refused.json()["detail"]
    assert sarah.get(cr["id"])["state"] == "draft"

    fixed = sarah.put(
        cr["id"],
        edited(
            wrong,
            f"{{#clearance-depth {attributes}}}",
            '{#clearance-depth imas="09.10#6.2 09.10#6.3" relation=stricter}',
        ),
        head["revision"],
    )

    assert fixed["problems"] == []
    assert sarah.act(cr["id"], "submit")["state"] == "submitted"


def test_an_unknown_standard_is_reported_by_its_id(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()
    wrong = edited(head["markdown"], DEPTH_HEADING, '{#clearance-depth imas="99.99#6.2"}')

    [problem] = sarah.put(cr["id"], wrong, head["revision"])["problems"]

    assert problem["kind"] == "mapping" and problem["blocking"] is True
    assert "there is no standard 99.99" in problem["message"]
    assert "(#clearance-depth)" in problem["message"]


def test_the_problem_of_an_azerbaijani_chapter_names_its_clause(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of(lang="az")
    cr = sarah.open_cr()
    wrong = edited(
        head["markdown"],
        '{#handover imas="09.10#8" relation=deviates justification="',
        '{#handover imas="09.10#8" relation=deviates dummy="',
    )

    saved = sarah._call(
        "PUT",
        f"/api/v1/change-requests/{cr['id']}/chapters/manual-clearance?lang=az",
        200,
        json={"markdown": wrong, "base_revision": head["revision"]},
    )

    [problem] = saved["problems"]
    assert (problem["kind"], problem["language"], problem["blocking"]) == ("mapping", "az", True)
    assert '"Təmizlənmiş torpağın təhvil verilməsi" (#handover)' in problem["message"]
    assert wrong.splitlines()[problem["line"] - 1].startswith("## Təmizlənmiş torpağın")
    sarah.act(cr["id"], "submit", expect=422)


def test_a_warning_alone_does_not_block_submission(staff: dict[str, Api]) -> None:
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()
    text = head["markdown"] + "\nSee [the night drill](#night-drill).\n"

    [problem] = sarah.put(cr["id"], text, head["revision"])["problems"]

    assert (problem["kind"], problem["blocking"]) == ("broken_reference", False)
    assert sarah.act(cr["id"], "submit")["state"] == "submitted"
