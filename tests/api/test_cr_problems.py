"""A broken cross-reference in a proposed text is reported on the CR when it is saved."""

from __future__ import annotations

from tests.support import Api, edited

LANE = "[lane procedure](manual-clearance#lane-procedure)"


def test_a_reference_to_a_missing_clause_is_reported_with_its_line(staff: dict[str, Api]):
    sarah = staff["sarah"]
    head = sarah.head_of("animal-detection")
    cr = sarah.open_cr("Point to the lane drill")
    broken = edited(head["markdown"], LANE, "[lane drill](manual-clearance#no-such-clause)")

    saved = sarah.put(cr["id"], broken, head["revision"], chapter="animal-detection")

    [problem] = saved["problems"]
    assert problem["kind"] == "broken_reference"
    assert problem["chapter"] == "animal-detection"
    assert "manual-clearance#no-such-clause" in problem["message"]
    line = broken.splitlines()[problem["line"] - 1]
    assert "no-such-clause" in line
    assert sarah.get(cr["id"])["problems"] == saved["problems"]


def test_a_reference_into_a_clause_the_same_cr_adds_is_not_broken(staff: dict[str, Api]):
    sarah = staff["sarah"]
    animal, manual = sarah.head_of("animal-detection"), sarah.head_of("manual-clearance")
    cr = sarah.open_cr("New drill and a pointer to it")
    sarah.put(
        cr["id"],
        edited(animal["markdown"], LANE, "[new drill](manual-clearance#night-drill)"),
        animal["revision"],
        chapter="animal-detection",
    )

    saved = sarah.put(
        cr["id"],
        manual["markdown"] + "\n## Night drill {#night-drill}\n\nNo work after dark.\n",
        manual["revision"],
    )

    assert saved["problems"] == []


def test_references_that_resolve_report_nothing(staff: dict[str, Api]):
    sarah = staff["sarah"]
    head = sarah.head_of()
    cr = sarah.open_cr()

    saved = sarah.put(cr["id"], head["markdown"] + "\nSee [marking](#marking).\n", head["revision"])

    assert saved["problems"] == []


def test_a_reference_into_a_chapter_only_in_english_is_not_broken(staff: dict[str, Api]):
    sarah = staff["sarah"]
    head = sarah.head_of(lang="az")
    cr = sarah.open_cr()

    saved = sarah._call(
        "PUT",
        f"/api/v1/change-requests/{cr['id']}/chapters/manual-clearance?lang=az",
        200,
        json={
            "markdown": head["markdown"] + "\nBax [EOD](eod#identification).\n",
            "base_revision": head["revision"],
        },
    )

    assert saved["problems"] == []
