"""Whether an action may happen now: the person, the phase, and the data, in that order.

Each rule raises `Refused` (whose kind clients answer by: 404, 403, 409, 422) before anything
changes, or returns. The workflow's Update validators run them; the CLI and the web answer
with their message, so it names the field and the rule.
"""

from __future__ import annotations

from datetime import datetime, time

from coaching.actions import (
    SIGNING_INTENT,
    Action,
    AddCheckInNote,
    ApproveAlignment,
    CancelPlan,
    CommentOnReview,
    DeclineToSign,
    ExtendPlan,
    MarkReady,
    MoveCheckIn,
    ProposeActivities,
    RecordCheckIn,
    RequestChanges,
    RevisePlan,
    SignPlan,
    SkipCheckIn,
    SubmitReview,
)
from coaching.plan import Role
from coaching.plan_state import AUTHORS, PlanState, role_names
from coaching.status import CheckIn, CheckInStatus, Phase, RefusalKind, Refused


class PlanRules:
    def __init__(self, plan: PlanState) -> None:
        self._plan = plan

    def approve(self, action: ApproveAlignment) -> None:
        self._require(action, "approve the plan", {Role.skip_level}, {Phase.alignment})
        if self._plan.changes_requested is not None:
            raise Refused(
                RefusalKind.WrongPhase, "the manager is revising the draft you asked changes for"
            )

    def request_changes(self, action: RequestChanges) -> None:
        self._require(action, "request changes", {Role.skip_level}, {Phase.alignment})
        if self._plan.changes_requested is not None:
            raise Refused(
                RefusalKind.WrongPhase,
                "changes are already requested; wait for the manager's revision",
            )

    def revise(self, action: RevisePlan) -> None:
        self._require(action, "revise the draft", {Role.manager}, {Phase.alignment})

    def propose(self, action: ProposeActivities) -> None:
        self._require(action, "propose activities", AUTHORS, {Phase.co_authoring, Phase.signing})
        self._plan.proposed_content(action, self._plan.author_role(action.actor))

    def mark_ready(self, action: MarkReady) -> None:
        self._require(action, "mark the plan ready", AUTHORS, {Phase.co_authoring})
        self._require_current_version(action.version)
        if self._plan.author_role(action.actor) in self._plan.ready:
            raise Refused(
                RefusalKind.WrongPhase, f"you already marked version {action.version} ready"
            )

    def sign(self, action: SignPlan) -> None:
        plan = self._plan
        self._require(action, "sign the plan", AUTHORS, {Phase.signing})
        self._require_current_version(action.version)
        if action.sha256 != self._plan.version.sha256:
            raise Refused(
                RefusalKind.BadData,
                f"the SHA-256 you signed ({action.sha256[:12]}...) is not version "
                f"{action.version}'s ({plan.version.sha256[:12]}...): read the document again",
            )
        if action.intent != SIGNING_INTENT:
            raise Refused(RefusalKind.BadData, f"intent must be exactly: {SIGNING_INTENT}")
        self._require_evidence(action)
        if self._plan.author_role(action.actor) not in self._plan.unsigned():
            raise Refused(RefusalKind.WrongPhase, f"you already signed version {action.version}")

    @staticmethod
    def _require_evidence(action: SignPlan) -> None:
        """What makes a signature hold up later: what was read, who it was, their consent."""
        needed = {
            "document_sha256": "the SHA-256 of the signing copy you read",
            "identified_by": "how you were identified",
            "consent": "your consent to sign electronically",
        }
        missing = [
            f"{name}: required ({why})"
            for name, why in needed.items()
            if getattr(action, name) is None
        ]
        if missing:
            raise Refused(RefusalKind.BadData, "; ".join(missing))
        assert action.consent is not None
        if action.consent.email != action.actor:
            raise Refused(
                RefusalKind.BadData,
                f"consent: it was given by {action.consent.email}, not by the signer",
            )

    def decline(self, action: DeclineToSign) -> None:
        self._require(action, "decline to sign", {Role.team_member}, {Phase.signing})

    def record_check_in(self, action: RecordCheckIn) -> None:
        self._require(action, "record a check-in", {Role.manager}, {Phase.active, Phase.review})
        if self._plan.review is not None:
            raise Refused(RefusalKind.WrongPhase, "the review is submitted; check-ins are closed")
        check_in = self._open_check_in(action.number)
        if check_in.status is CheckInStatus.scheduled and self._plan.now() < self._day_of(check_in):
            raise Refused(
                RefusalKind.WrongPhase,
                f"number: check-in {action.number} can be recorded from "
                f"{self._plan.local_time(self._day_of(check_in))}, the start of its day",
            )
        content = self._plan.version.content
        for progress in action.progress:
            if content.activity(progress.activity_id) is None:
                raise Refused(
                    RefusalKind.BadData, f"progress: there is no activity {progress.activity_id}"
                )
        known_support = {s.id for s in content.support}
        for delivery in action.support:
            if delivery.support_id not in known_support:
                raise Refused(
                    RefusalKind.BadData,
                    f"support: there is no support commitment {delivery.support_id}",
                )

    def move_check_in(self, action: MoveCheckIn) -> None:
        self._require(action, "move a check-in", {Role.manager}, {Phase.active})
        if self._open_check_in(action.number).status is not CheckInStatus.scheduled:
            raise Refused(
                RefusalKind.WrongPhase,
                f"number: check-in {action.number} is already due; record it or skip it",
            )
        now = self._plan.now()
        earliest = (
            max(now, self._plan.check_in(action.number - 1).due_at) if action.number > 1 else now
        )
        latest = (
            self._plan.check_in(action.number + 1).due_at
            if action.number < len(self._plan.check_ins)
            else self._plan.review_due_at
        )
        if not (earliest < action.to and (latest is None or action.to < latest)):
            raise Refused(
                RefusalKind.BadData,
                f"to: check-in {action.number} must be after {self._plan.local_time(earliest)}"
                + (f" and before {self._plan.local_time(latest)}" if latest is not None else "")
                + ", so the check-ins keep their order",
            )

    def skip_check_in(self, action: SkipCheckIn) -> None:
        self._require(action, "skip a check-in", {Role.manager}, {Phase.active})
        if self._open_check_in(action.number).status is CheckInStatus.missed:
            raise Refused(
                RefusalKind.WrongPhase,
                f"number: check-in {action.number} was missed; record it late instead",
            )

    def add_check_in_note(self, action: AddCheckInNote) -> None:
        self._require(
            action, "add a check-in note", {Role.team_member}, {Phase.active, Phase.review}
        )
        self._due_check_in(action.number)

    def submit_review(self, action: SubmitReview) -> None:
        self._require(action, "submit the review", {Role.manager}, {Phase.review})
        if self._plan.review is not None:
            raise Refused(RefusalKind.WrongPhase, "the review is already submitted")

    def comment_on_review(self, action: CommentOnReview) -> None:
        self._require(action, "comment on the review", {Role.team_member}, {Phase.review})
        if self._plan.review is None:
            raise Refused(RefusalKind.WrongPhase, "the manager has not submitted the review yet")
        if self._plan.review.team_member_comment is not None:
            raise Refused(RefusalKind.WrongPhase, "you already commented on the review")

    def extend(self, action: ExtendPlan) -> None:
        self._require(action, "extend the plan", {Role.manager}, {Phase.review})
        if self._plan.review is not None:
            raise Refused(RefusalKind.WrongPhase, "the review is already submitted")
        if self._plan.extended_to is not None:
            raise Refused(
                RefusalKind.WrongPhase,
                f"the plan was already extended once (to {self._plan.extended_to})",
            )
        end = self._plan.version.content.timeline.end
        latest = end + self._plan.policy.max_extension
        if not end < action.new_end <= latest:
            raise Refused(
                RefusalKind.BadData,
                f"new_end must be after the current end date {end} and at most "
                f"{self._plan.policy.max_extension.days} days later ({latest})",
            )

    def cancel(self, action: CancelPlan) -> None:
        self._require(
            action, "cancel the plan", {Role.manager, Role.hr}, {p for p in Phase if not p.is_final}
        )
        if self._plan.cancellation is not None:
            raise Refused(RefusalKind.WrongPhase, "the plan is already being cancelled")

    def _require(
        self, action: Action, what: str, roles: set[Role] | frozenset[Role], phases: set[Phase]
    ) -> None:
        """Refuses the wrong person first (a stranger learns nothing), then the wrong phase."""
        actor_roles = self._plan.parties.roles_of(action.actor)
        if not actor_roles:
            raise Refused(
                RefusalKind.NotAParty, f"{action.actor} is not a party to this coaching plan"
            )
        if not actor_roles & roles:
            raise Refused(RefusalKind.WrongPerson, f"only the {role_names(roles)} may {what}")
        if self._plan.phase not in phases:
            raise Refused(
                RefusalKind.WrongPhase,
                f"cannot {what} while the plan is in {self._plan.phase.value}; "
                f"possible in: {', '.join(sorted(p.value for p in phases))}",
            )

    def _require_current_version(self, version: int) -> None:
        if version != self._plan.version.number:
            raise Refused(
                RefusalKind.WrongPhase,
                f"version {version} is not the current version ({self._plan.version.number}): "
                "read the latest document first",
            )

    def _existing_check_in(self, number: int) -> CheckIn:
        if not 1 <= number <= len(self._plan.check_ins):
            raise Refused(
                RefusalKind.BadData,
                f"number: there is no check-in {number}; this plan has {len(self._plan.check_ins)}",
            )
        return self._plan.check_in(number)

    def _open_check_in(self, number: int) -> CheckIn:
        """A check-in still to take place or to be written up (a missed one may be, late)."""
        check_in = self._existing_check_in(number)
        if check_in.status is CheckInStatus.recorded:
            raise Refused(RefusalKind.WrongPhase, f"check-in {number} is already recorded")
        if check_in.status is CheckInStatus.skipped:
            raise Refused(
                RefusalKind.WrongPhase,
                f"number: check-in {number} was skipped ({check_in.skipped_because})",
            )
        return check_in

    def _day_of(self, check_in: CheckIn) -> datetime:
        """The start of the check-in's day where the team member works: from then on the
        manager may record it."""
        zone = self._plan.version.content.cadence.zone
        return datetime.combine(check_in.due_at.astimezone(zone).date(), time(), zone)

    def _due_check_in(self, number: int) -> CheckIn:
        check_in = self._existing_check_in(number)
        if check_in.status is CheckInStatus.scheduled:
            raise Refused(
                RefusalKind.WrongPhase,
                f"number: check-in {number} is not due until "
                f"{self._plan.local_time(check_in.due_at)}",
            )
        return check_in
