"""The recipient gate: only the plan's parties allowed at its phase, refused and logged, and
the log line names nobody."""

from __future__ import annotations

import logging

import pytest

from coaching.org import Parties, Person
from coaching.plan import Role
from coaching.status import Phase
from integrations.failures import IntegrationFailure
from integrations.recipients import REFUSED, Purpose, RecipientGate, allowed_roles

MANAGER = Person(id="mara", name="Mara Keller", email="mara.keller@acme.example")
MEMBER = Person(id="tom", name="Tom Nguyen", email="tom.nguyen@acme.example")
SKIP = Person(id="sofia", name="Sofia Brandt", email="sofia.brandt@acme.example")
HR = Person(id="hana", name="Hana Ito", email="hana.ito@acme.example")
OUTSIDER = "eve@elsewhere.example"
HR_GROUP = "hr-coaching@acme.example"
PARTIES = Parties(manager=MANAGER, team_member=MEMBER, skip_level=SKIP, hr=[HR])
LATER = [p for p in Phase if p is not Phase.alignment]


def admit(
    recipients: list[str],
    phase: Phase = Phase.active,
    gate: RecipientGate | None = None,
    team_member_included: bool | None = None,
) -> None:
    (gate or RecipientGate()).admit(
        "p1a2b3c4",
        PARTIES,
        phase,
        recipients,
        Purpose.message,
        team_member_included=team_member_included,
    )


def test_an_outsider_is_refused_and_logged_without_their_address(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(IntegrationFailure) as refused:
        admit([MANAGER.email, OUTSIDER])

    assert refused.value.kind == REFUSED
    assert not refused.value.retryable
    assert "none of the plan's four parties" in refused.value.message
    (line,) = caplog.records
    assert line.levelno == logging.WARNING
    assert line.getMessage() == (
        "plan p1a2b3c4: message refused in active for 1 recipient(s) (1 outside the plan's parties)"
    )
    for said in (line.getMessage(), refused.value.message):
        assert OUTSIDER not in said
        assert MANAGER.email not in said


def test_in_alignment_the_manager_skip_level_and_hr_may_receive_it() -> None:
    assert allowed_roles(Phase.alignment) == {Role.manager, Role.skip_level, Role.hr}
    admit([MANAGER.email, SKIP.email, HR.email], Phase.alignment)


def test_in_alignment_the_team_member_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(IntegrationFailure, match="team member may not receive it") as refused:
        admit([SKIP.email, MEMBER.email], Phase.alignment)

    assert refused.value.kind == REFUSED
    assert MEMBER.email not in caplog.text
    assert "(0 outside the plan's parties)" in caplog.text


@pytest.mark.parametrize("phase", LATER)
def test_after_alignment_all_four_parties_may_receive_it_and_nobody_else(phase: Phase) -> None:
    admit([p.email for p in PARTIES.everyone], phase)

    with pytest.raises(IntegrationFailure, match="none of the plan's four parties"):
        admit([*(p.email for p in PARTIES.everyone), OUTSIDER], phase)


def test_a_plan_that_never_included_the_team_member_keeps_them_out_when_it_ends() -> None:
    """Cancelled during alignment: the phase alone would let them in."""
    admit([MEMBER.email], Phase.cancelled)

    with pytest.raises(IntegrationFailure, match="team member"):
        admit([MEMBER.email], Phase.cancelled, team_member_included=False)


def test_addresses_are_compared_as_the_directory_keeps_them() -> None:
    admit(["  Mara.Keller@ACME.example "], Phase.alignment)


def test_hr_s_group_counts_as_hr_where_one_is_set() -> None:
    admit([HR_GROUP], Phase.alignment, RecipientGate("HR-Coaching@acme.example"))

    with pytest.raises(IntegrationFailure, match="none of the plan's four parties"):
        admit([HR_GROUP], Phase.alignment)
