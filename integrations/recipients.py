"""The one check every document share, calendar invite and message passes before it leaves:
its recipients are the plan's parties allowed at its phase, and nobody else.

The workflow already chooses the roles to tell; this gate is the last word, in the activities
that both the local and the Google integrations sit behind, so a mistake upstream (a role
list, a hand-built attendee list, a reader kept by the sweep) cannot reach an outsider, nor
the team member before the skip-level has approved.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from enum import StrEnum

from coaching.org import Parties
from coaching.plan import Role
from coaching.status import Phase
from integrations.failures import IntegrationFailure

REFUSED = "RecipientRefused"
"""The kind of a refusal. It needs a fix, not a retry: the plan's step is held (HR sees why)
and nothing is sent, rather than the plan failing."""
BEFORE_APPROVAL = frozenset({Role.manager, Role.skip_level, Role.hr})

log = logging.getLogger(__name__)


class Purpose(StrEnum):
    """What the recipients would get: named in the refusal and its log line."""

    share = "document share"
    invite = "calendar invite"
    message = "message"
    kept_readers = "readers the sweep keeps"


def allowed_roles(phase: Phase, team_member_included: bool | None = None) -> frozenset[Role]:
    """The manager, the skip-level and HR always; the team member once the skip-level has
    approved. A plan cancelled in alignment never included them, so callers that know say so
    (`team_member_included`); otherwise only alignment keeps them out."""
    if team_member_included is None:
        team_member_included = phase is not Phase.alignment
    return frozenset(Role) if team_member_included else BEFORE_APPROVAL


class RecipientGate:
    """`hr_group`: the Google group through which HR reads documents, where one is set; it
    counts as HR."""

    def __init__(self, hr_group: str | None = None) -> None:
        self.hr_group = hr_group.strip().lower() if hr_group else None

    def allowed(
        self, parties: Parties, phase: Phase, team_member_included: bool | None = None
    ) -> frozenset[str]:
        emails = {
            person.email
            for role in allowed_roles(phase, team_member_included)
            for person in parties.person(role)
        }
        if self.hr_group is not None:
            emails.add(self.hr_group)
        return frozenset(emails)

    def admit(
        self,
        plan_id: str,
        parties: Parties,
        phase: Phase,
        recipients: Iterable[str],
        purpose: Purpose,
        *,
        team_member_included: bool | None = None,
    ) -> None:
        """Returns when every recipient may receive the plan now; else raises an
        `IntegrationFailure` of kind `REFUSED` that needs a fix, and logs a warning. Neither
        names a recipient: logs and Temporal's failures carry no emails."""
        allowed = self.allowed(parties, phase, team_member_included)
        refused = {email.strip().lower() for email in recipients} - allowed
        if not refused:
            return
        team_member = parties.team_member.email in refused
        outsiders = len(refused) - team_member
        log.warning(
            "plan %s: %s refused in %s for %d recipient(s) (%d outside the plan's parties)",
            plan_id,
            purpose.value,
            phase.value,
            len(refused),
            outsiders,
        )
        reasons = []
        if team_member:
            reasons.append(
                "the team member may not receive it until the manager's manager has approved"
            )
        if outsiders:
            reasons.append(f"{outsiders} recipient(s) are none of the plan's four parties")
        raise IntegrationFailure(
            f"plan {plan_id} in {phase.value}: {purpose.value} refused: {'; '.join(reasons)}",
            kind=REFUSED,
            retryable=False,
        )
