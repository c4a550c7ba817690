"""The org directory: parties are looked up, never typed in, and only for direct reports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from coaching.org import DirectoryError, OrgDirectory
from coaching.plan import Role

EXAMPLE_ORG = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"


@pytest.fixture(scope="module")
def org() -> OrgDirectory:
    return OrgDirectory.load(EXAMPLE_ORG)


def person(person_id: str, manager: str | None = None, hr: bool = False) -> dict[str, Any]:
    return {
        "id": person_id,
        "name": person_id.title(),
        "email": f"{person_id}@example.com",
        "manager": manager,
        "hr": hr,
    }


def test_example_org_is_a_small_company(org: OrgDirectory) -> None:
    top = [p for p in org.people if p.manager is None]
    assert len(top) == 1, "one CEO"
    assert len(org.reports_of(top[0].email)) >= 2
    assert len(org.hr_people) == 2
    assert all(p.email.endswith("@example.com") for p in org.people)
    assert 14 <= len(org.people) <= 20


def test_skip_level_is_the_managers_manager(org: OrgDirectory) -> None:
    parties = org.parties_for("priya.raman@example.com", "kwame.mensah@example.com")

    assert parties.manager.id == "priya.raman"
    assert parties.team_member.id == "kwame.mensah"
    assert parties.skip_level.id == "marcus.okafor"
    assert {p.id for p in parties.hr} == {"grace.liu", "omar.farouk"}
    assert parties.roles_of("MARCUS.OKAFOR@example.com") == {Role.skip_level}


def test_lookups_ignore_case_and_spaces(org: OrgDirectory) -> None:
    parties = org.parties_for(" Priya.Raman@Example.com ", "KWAME.MENSAH@example.com")

    assert parties.team_member.email == "kwame.mensah@example.com"


def test_someone_elses_report_is_refused(org: OrgDirectory) -> None:
    with pytest.raises(DirectoryError, match=r"david\.kim@example\.com does not report to priya"):
        org.parties_for("priya.raman@example.com", "david.kim@example.com")


def test_skip_level_cannot_start_a_plan_for_an_indirect_report(org: OrgDirectory) -> None:
    with pytest.raises(DirectoryError, match="only start a plan for a direct report"):
        org.parties_for("marcus.okafor@example.com", "kwame.mensah@example.com")


def test_a_manager_cannot_start_a_plan_for_themselves(org: OrgDirectory) -> None:
    with pytest.raises(DirectoryError, match="for themselves"):
        org.parties_for("priya.raman@example.com", "priya.raman@example.com")


def test_without_a_skip_level_there_is_no_plan(org: OrgDirectory) -> None:
    with pytest.raises(DirectoryError, match="no skip-level"):
        org.parties_for("helena.brandt@example.com", "marcus.okafor@example.com")


@pytest.mark.parametrize(
    ("manager", "member"),
    [
        ("nobody@example.com", "kwame.mensah@example.com"),
        ("priya.raman@example.com", "nobody@example.com"),
    ],
)
def test_unknown_email_is_refused(org: OrgDirectory, manager: str, member: str) -> None:
    with pytest.raises(DirectoryError, match=r"nobody@example\.com is not in the Northwind Labs"):
        org.parties_for(manager, member)


def test_unknown_id_is_refused(org: OrgDirectory) -> None:
    with pytest.raises(DirectoryError, match="'ghost' is not in the Northwind Labs directory"):
        org.by_id("ghost")


@pytest.mark.parametrize(
    ("people", "message"),
    [
        (
            [person("ann", hr=True), person("bob", "ann"), person("bob", "ann")],
            "each id must be unique: bob",
        ),
        (
            [person("ann", hr=True), {**person("bob", "ann"), "email": "ann@example.com"}],
            "each email must be unique: ann@example.com",
        ),
        (
            [person("ann", hr=True), person("bob", "carl")],
            "bob's manager 'carl' is not in the directory",
        ),
        ([person("ann"), person("bob", "ann")], "at least one person must be marked hr: true"),
    ],
)
def test_inconsistent_directory_is_refused(people: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        OrgDirectory.model_validate({"company": "Acme", "people": people})
