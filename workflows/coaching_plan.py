"""CoachingPlanWorkflow: the story of one coaching plan, from alignment to closure.

Read `run` top to bottom: align with the skip-level, co-author with the team member, sign,
hold the check-ins, review, close. People act through Updates whose validators refuse the
wrong person, the wrong phase or bad data before anything changes. An Update's answer is the
truth: the action that moves the plan on (approving, the second "ready", the last signature,
declining, extending, cancelling) moves its phase inside the Update, and the story in `run`
follows with the side effects (documents, messages, the calendar), telling every phase the
plan entered even when people act faster than those side effects run. Every wait has a timer
from the plan's `PlanPolicy`, so silence turns into reminders and escalations, never a stall.
Beside the story, two keepers follow every change: one writes HR's records, one shows the
phase and next deadline to operators in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from pydantic import ValidationError

    from activities.calendar import CalendarActivities
    from activities.documents import DocumentActivities, PlanDocumentRequest
    from activities.notifications import Notice, NoticeKind, NotificationActivities
    from activities.records import RecordActivities
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
        ProposeActivities,
        RecordCheckIn,
        RequestChanges,
        RevisePlan,
        SignPlan,
        StartPlan,
        SubmitReview,
    )
    from coaching.plan import PlanContent, Role
    from coaching.records import AuditEntry, PlanRecord, Refusal, VersionRecord
    from coaching.review import prefill_review_form
    from coaching.schedule import check_in_times, plan_starts_at, review_due_at
    from coaching.status import (
        ActionResult,
        CheckIn,
        CheckInStatus,
        Note,
        Obligation,
        Outcome,
        Phase,
        PlanEvent,
        PlanStatus,
        PlanVersion,
        RefusalKind,
        Review,
        ReviewForm,
        Signature,
        next_deadline,
    )
    from coaching.validation import explain
    from coaching.visibility import NEXT_DEADLINE, PLAN_PHASE
    from integrations.calendar import CheckInSeries

ActivityInput = TypeVar("ActivityInput")
ActivityOutput = TypeVar("ActivityOutput")

AUTHORS = {Role.manager, Role.team_member}
BEFORE_TEAM_MEMBER = [Role.manager, Role.skip_level]
"""During alignment the team member sees nothing yet: the opportunity is agreed first."""
ALL_PARTIES = [Role.manager, Role.team_member, Role.skip_level, Role.hr]
RECORDS_PATCH = "hr-records-and-visibility"
"""Plans started before HR's records existed replay without them."""
PHASE_IN_UPDATE_PATCH = "phase-moves-in-update-handler"
"""Plans started before an Update moved the phase itself replay with `run` moving it, after
the side effects."""


class PlanCancelled(Exception):
    """Unwinds whatever phase the plan is in when someone cancels it."""


@dataclass(frozen=True)
class PhaseEntry:
    """One move into a phase, kept so that the story tells each move in turn."""

    phase: Phase
    version: int
    declined: Note | None = None
    """The team member's decline, when that is what reopened co-authoring."""


@workflow.defn
class CoachingPlanWorkflow:
    @workflow.init
    def __init__(self, start: StartPlan) -> None:
        self._plan_id = start.plan_id
        self._parties = start.parties
        self._policy = start.policy
        self._moves_in_updates = workflow.patched(PHASE_IN_UPDATE_PATCH)
        """Here, not in `run`: an Update delivered with the start runs before `run` does."""
        self._phase = Phase.alignment
        self._outcome: Outcome | None = None
        self._versions: list[PlanVersion] = []
        self._add_version(start.content, start.parties.manager.email, "First draft")
        self._entered = [PhaseEntry(Phase.alignment, version=1)]
        self._told = 1
        """How many of the phases entered the story in `run` has taken up."""
        self._events: list[PlanEvent] = []
        self._documents: list[str] = []
        self._notices_sent = 0
        self._respond_by: datetime | None = None
        self._alignment_approved = False
        self._changes_requested: Note | None = None
        self._ready: set[Role] = set()
        self._signatures: list[Signature] = []
        self._declined: Note | None = None
        self._check_ins: list[CheckIn] = []
        self._series: CheckInSeries | None = None
        self._review_due_at: datetime | None = None
        self._review: Review | None = None
        self._extended_to: str | None = None
        self._cancellation: Note | None = None
        self._started_at = workflow.now()
        self._closed_at: datetime | None = None
        self._refusals: list[AuditEntry] = []
        self._revision = 0
        self._recorded_state: Hashable = None
        self._audited = (0, 0)
        """How many events and refusals a stored record already carries."""
        self._shown_to_operators: Hashable = None

    @workflow.run
    async def run(self, start: StartPlan) -> Outcome:
        self._event(start.parties.manager.email, "started", "Draft version 1")
        keepers = (
            [asyncio.create_task(self._keep_records()), asyncio.create_task(self._keep_visible())]
            if workflow.patched(RECORDS_PATCH)
            else []
        )
        try:
            await self._align_with_skip_level()
            while True:
                await self._co_author_with_team_member()
                if await self._sign():
                    break
            await self._go_live()
            while True:
                await self._hold_check_ins()
                if await self._review_plan():
                    break
            await self._close()
        except PlanCancelled:
            await self._cancel()
        await workflow.wait_condition(workflow.all_handlers_finished)
        if keepers:
            await workflow.wait_condition(self._kept_up)
            for keeper in keepers:
                keeper.cancel()
            await asyncio.gather(*keepers, return_exceptions=True)
        assert self._outcome is not None
        return self._outcome

    # The phases, in the order a plan lives them.

    async def _align_with_skip_level(self) -> None:
        """The manager and their manager agree on the opportunity before the team member sees it."""
        await self._publish(BEFORE_TEAM_MEMBER)
        if self._caught_up():
            await self._notify(
                [Role.skip_level],
                NoticeKind.action_needed,
                "Please align on a coaching plan",
                f"{self._parties.manager.name} drafted a coaching plan for "
                f"{self._parties.team_member.name} and asks you to align on it: approve it or "
                "request changes.",
            )
        await self._until_moved_on(
            lambda: self._alignment_approved,
            lambda: (self._alignment_approved, self._changes_requested),
            remind_after=self._policy.alignment_reminder_after,
            escalate_after=self._policy.alignment_escalation_after,
            escalate_to=[Role.hr],
        )

    async def _co_author_with_team_member(self) -> None:
        """Both sides shape the activities, version by version, until both mark one ready."""
        self._tell(Phase.co_authoring)
        await self._publish(ALL_PARTIES)
        if self._caught_up():
            await self._notify(
                [Role.team_member, Role.manager],
                NoticeKind.action_needed,
                "Your coaching plan is ready to shape together",
                "The plan is now shared with both of you. Propose, edit or accept activities; "
                "the manager's list is only a proposal. Mark the version ready when it is right "
                "for you.",
            )
        await self._until_moved_on(
            lambda: self._ready == AUTHORS,
            lambda: (self._version.number, frozenset(self._ready)),
            remind_after=self._policy.co_authoring_reminder_after,
        )

    async def _sign(self) -> bool:
        """Both sign the exact final version; False if the team member declines."""
        self._tell(Phase.signing)
        await self._publish(ALL_PARTIES)
        if self._caught_up():
            await self._notify(
                [Role.manager, Role.team_member],
                NoticeKind.action_needed,
                "Please sign the coaching plan",
                f"Version {self._version.number} is final. Its SHA-256 is "
                f"{self._version.sha256}. Sign that exact version, or decline with a comment.",
            )
        await self._until_moved_on(
            lambda: self._fully_signed() or self._declined is not None,
            lambda: (self._version.number, self._fully_signed(), self._declined),
            remind_after=self._policy.signing_reminder_after,
            escalate_after=self._policy.signing_escalation_after,
            escalate_to=[Role.skip_level, Role.hr],
        )
        after = self._after_signing()
        if after.declined is None:
            return True
        await self._notify(
            [Role.hr, Role.manager, Role.skip_level],
            NoticeKind.escalation,
            "The team member declined to sign",
            f"{self._parties.team_member.name} declined to sign version "
            f"{after.version}: {after.declined.text}\nThe plan is back in co-authoring.",
        )
        return False

    async def _go_live(self) -> None:
        """Signed: one calendar series for the check-ins, everyone told, then the start date."""
        self._tell(Phase.active)
        content = self._version.content
        await self._publish_calendar()
        await self._publish(ALL_PARTIES)
        await self._notify(
            [Role.hr, Role.skip_level],
            NoticeKind.milestone,
            "A coaching plan is signed and active",
            f"Both signed version {self._signatures[-1].version}. The plan runs from "
            f"{content.timeline.start} to {content.timeline.end}.",
        )
        await self._sleep_until(plan_starts_at(content))

    async def _hold_check_ins(self) -> None:
        """From the start date to the end date: one durable timer per check-in."""
        for check_in in list(self._check_ins):
            if check_in.status is not CheckInStatus.scheduled:
                continue
            await self._sleep_until(check_in.due_at)
            self._mark_missed_before(check_in.number)
            self._set_check_in_status(check_in.number, CheckInStatus.due)
            recorded = await self._wait(
                self._recorded(check_in.number), self._policy.check_in_grace
            )
            if not recorded:
                self._set_check_in_status(check_in.number, CheckInStatus.overdue)
                await self._notify(
                    [Role.manager],
                    NoticeKind.reminder,
                    f"Check-in {check_in.number} has no notes yet",
                    f"Check-in {check_in.number} was due {check_in.due_at:%Y-%m-%d %H:%M} UTC. "
                    "Record progress per activity, whether the promised support happened, "
                    "and your feedback.",
                )
        assert self._review_due_at is not None
        await self._sleep_until(self._review_due_at)
        self._mark_missed_before(len(self._check_ins) + 1)

    async def _review_plan(self) -> bool:
        """The review is due at the end date; False when the manager extends the plan instead."""
        self._tell(Phase.review)
        await self._notify(
            [Role.manager],
            NoticeKind.action_needed,
            "The coaching plan's review is due",
            "The plan has reached its end date. The review form is pre-filled from the "
            "check-ins; submit the outcome, or extend the plan once.",
        )
        extended_to = self._extended_to
        answered = await self._await_response(
            lambda: self._review is not None or self._extended_to != extended_to or self._behind(),
            remind_after=self._policy.review_reminder_after,
            escalate_after=self._policy.review_escalation_after,
            escalate_to=[Role.skip_level, Role.hr],
            give_up_after=self._policy.review_closure_after,
        )
        if not answered:
            self._outcome = Outcome.closed_without_review
            self._event("system", "closed_without_review", "No review was submitted in time")
            return True
        if self._review is None:
            self._tell(Phase.active)
            return False
        await self._notify(
            [Role.team_member],
            NoticeKind.action_needed,
            "Your manager submitted the review",
            "You may add your comment to the review before the plan closes.",
        )
        self._respond_by = workflow.now() + self._policy.review_comment_window
        await self._wait(
            lambda: self._review is not None and self._review.team_member_comment is not None,
            self._policy.review_comment_window,
        )
        self._outcome = Outcome(self._review.outcome.value)
        return True

    async def _close(self) -> None:
        self._tell(Phase.closed)
        await self._finish(
            "The coaching plan is closed",
            f"Outcome: {self._outcome}. The final document carries the review and the "
            "signature record.",
        )

    async def _cancel(self) -> None:
        assert self._cancellation is not None
        if self._phase is not Phase.cancelled:
            self._enter(Phase.cancelled)
        await self._finish(
            "The coaching plan was cancelled",
            f"Cancelled by {self._cancellation.author}: {self._cancellation.text}",
        )

    async def _finish(self, subject: str, body: str) -> None:
        """Closing and cancelling clean up alike: final document, calendar, everyone told."""
        if self._series is not None and workflow.now() < self._series.until:
            self._series = self._series.model_copy(update={"sequence": self._series.sequence + 1})
            await _act(CalendarActivities.cancel_check_ins, self._series)
        readers = self._readers()
        await self._publish(readers)
        await self._notify(readers, NoticeKind.milestone, subject, body)

    # Moving between phases: an Update moves the plan, the story follows with the side effects.

    def _enter(self, phase: Phase) -> None:
        """Moves the plan into `phase`, with the state that the phase's actions rely on."""
        previous, self._phase = self._phase, phase
        declined = self._declined if phase is Phase.co_authoring else None
        self._entered.append(PhaseEntry(phase, self._version.number, declined))
        match phase:
            case Phase.co_authoring:
                self._ready.clear()
                self._event("system", "co_authoring", f"Version {self._version.number} shared")
            case Phase.signing:
                self._declined = None
                self._event("system", "signing", f"Version {self._version.number} is final")
            case Phase.active if previous is Phase.signing:
                self._event("system", "active", f"Signed version {self._version.number}")
                self._schedule_check_ins()
                self._review_due_at = review_due_at(self._version.content)
            case Phase.review:
                self._event("system", "review", "The review is due")
            case Phase.closed:
                self._closed_at = workflow.now()
                self._event("system", "closed", f"Outcome: {self._outcome}")
            case Phase.cancelled:
                self._outcome = Outcome.cancelled
                self._closed_at = workflow.now()

    def _move_on(self, phase: Phase) -> None:
        """An Update's move: the plan is in `phase` before the Update answers, so whoever acts
        next is judged by it. Its deadline comes when the story starts waiting there.
        Plans started before the patch leave the move to the story."""
        if self._moves_in_updates:
            self._enter(phase)
            self._respond_by = None

    def _tell(self, phase: Phase) -> None:
        """The story takes up its next phase: entered already by an Update, or entered now."""
        if self._phase is Phase.cancelled:
            raise PlanCancelled
        if not self._behind():
            self._enter(phase)
        entry = self._entered[self._told]
        assert entry.phase is phase, f"the story is at {phase}, the plan entered {entry.phase}"
        self._told += 1

    def _behind(self) -> bool:
        """The plan has entered a phase that the story has not taken up yet."""
        return self._told < len(self._entered)

    def _caught_up(self) -> bool:
        """Whether the phase the story tells is still the plan's: nobody is asked to do a
        step they have already taken."""
        return not self._behind()

    def _after_signing(self) -> PhaseEntry:
        """Where a signing round led: the Update's move (with the patch), or the move due now,
        which the story makes once HR has heard of a decline (before it)."""
        if self._behind():
            return self._entered[self._told]
        declined = self._declined
        return PhaseEntry(
            Phase.active if declined is None else Phase.co_authoring,
            self._version.number,
            declined,
        )

    async def _until_moved_on(
        self,
        due: Callable[[], bool],
        key: Callable[[], Hashable],
        *,
        remind_after: timedelta,
        escalate_after: timedelta | None = None,
        escalate_to: Sequence[Role] = (),
    ) -> None:
        """Waits until the plan leaves the phase the story tells (before the patch: until the
        move is `due`), reminding afresh whenever `key` shows that someone acted."""

        def moved_on() -> bool:
            return self._behind() or due()

        while not moved_on():
            await self._await_response(
                self._changed(lambda: (moved_on(), key())),
                remind_after=remind_after,
                escalate_after=escalate_after,
                escalate_to=escalate_to,
            )
        if self._phase is Phase.cancelled:
            raise PlanCancelled

    # Human actions: each an Update, refused by its validator before anything changes.

    @workflow.update
    async def approve(self, action: ApproveAlignment) -> ActionResult:
        self._alignment_approved = True
        self._event(action.actor, "approved", action.comment)
        self._move_on(Phase.co_authoring)
        return self._result("Aligned: the team member is brought in to co-author the plan.")

    @approve.validator
    def _validate_approve(self, action: ApproveAlignment) -> None:
        self._require(action, "approve the plan", {Role.skip_level}, {Phase.alignment})
        if self._changes_requested is not None:
            raise _refusal(
                RefusalKind.WrongPhase, "the manager is revising the draft you asked changes for"
            )

    @workflow.update
    async def request_changes(self, action: RequestChanges) -> ActionResult:
        self._changes_requested = Note(author=action.actor, text=action.comment, at=workflow.now())
        self._event(action.actor, "changes_requested", action.comment)
        await self._notify(
            [Role.manager],
            NoticeKind.action_needed,
            "Changes requested on your coaching plan draft",
            f"{self._parties.skip_level.name} asks for changes: {action.comment}",
        )
        return self._result("The manager is asked to revise the draft.")

    @request_changes.validator
    def _validate_request_changes(self, action: RequestChanges) -> None:
        self._require(action, "request changes", {Role.skip_level}, {Phase.alignment})
        if self._changes_requested is not None:
            raise _refusal(
                RefusalKind.WrongPhase,
                "changes are already requested; wait for the manager's revision",
            )

    @workflow.update
    async def revise(self, action: RevisePlan) -> ActionResult:
        self._add_version(action.content, action.actor, action.summary)
        self._changes_requested = None
        self._event(action.actor, "revised", action.summary)
        await self._publish(BEFORE_TEAM_MEMBER)
        await self._notify(
            [Role.skip_level],
            NoticeKind.action_needed,
            "The coaching plan draft was revised",
            f"Version {self._version.number}: {action.summary}. Please approve it or request "
            "changes.",
        )
        return self._result(f"Version {self._version.number} is ready for the skip-level.")

    @revise.validator
    def _validate_revise(self, action: RevisePlan) -> None:
        self._require(action, "revise the draft", {Role.manager}, {Phase.alignment})

    @workflow.update
    async def propose_activities(self, action: ProposeActivities) -> ActionResult:
        role = self._author_role(action.actor)
        content = self._proposed_content(action, role)
        voided = self._void_signatures(f"version {self._version.number + 1} changed the plan")
        self._add_version(content, action.actor, action.note or "Activities proposed")
        self._ready = {role}
        self._event(action.actor, "proposed", action.note or "Activities proposed")
        await self._publish(ALL_PARTIES)
        other = Role.manager if role is Role.team_member else Role.team_member
        await self._notify(
            [other],
            NoticeKind.action_needed,
            "New proposal on your coaching plan",
            f"Version {self._version.number} proposes changes to the activities. Accept it by "
            "marking it ready, or counter with your own proposal."
            + (" The earlier signature is void: sign the new version." if voided else ""),
        )
        return self._result(f"Version {self._version.number} proposed; you marked it ready.")

    @propose_activities.validator
    def _validate_propose_activities(self, action: ProposeActivities) -> None:
        self._require(action, "propose activities", AUTHORS, {Phase.co_authoring, Phase.signing})
        self._proposed_content(action, self._author_role(action.actor))

    @workflow.update
    async def mark_ready(self, action: MarkReady) -> ActionResult:
        self._ready.add(self._author_role(action.actor))
        self._event(action.actor, "ready", f"Version {action.version}")
        waiting = AUTHORS - self._ready
        if not waiting:
            self._move_on(Phase.signing)
        return self._result(
            "Both are ready: the plan moves to signing."
            if not waiting
            else f"Marked ready; waiting for the {_role_names(waiting)}."
        )

    @mark_ready.validator
    def _validate_mark_ready(self, action: MarkReady) -> None:
        self._require(action, "mark the plan ready", AUTHORS, {Phase.co_authoring})
        self._require_current_version(action.version)
        if self._author_role(action.actor) in self._ready:
            raise _refusal(
                RefusalKind.WrongPhase, f"you already marked version {action.version} ready"
            )

    @workflow.update
    async def sign(self, action: SignPlan) -> ActionResult:
        role = self._author_role(action.actor)
        person = self._parties.person(role)[0]
        self._signatures.append(
            Signature(
                role=role,
                email=person.email,
                name=person.name,
                intent=action.intent,
                version=action.version,
                sha256=action.sha256,
                signed_at=workflow.now(),
            )
        )
        self._event(action.actor, "signed", f"Version {action.version} ({action.sha256[:12]})")
        if self._fully_signed():
            self._move_on(Phase.active)
        return self._result(f"Signed version {action.version}.")

    @sign.validator
    def _validate_sign(self, action: SignPlan) -> None:
        self._require(action, "sign the plan", AUTHORS, {Phase.signing})
        self._require_current_version(action.version)
        if action.sha256 != self._version.sha256:
            raise _refusal(
                RefusalKind.BadData,
                f"the SHA-256 you signed ({action.sha256[:12]}...) is not version "
                f"{action.version}'s ({self._version.sha256[:12]}...): read the document again",
            )
        if action.intent != SIGNING_INTENT:
            raise _refusal(RefusalKind.BadData, f"intent must be exactly: {SIGNING_INTENT}")
        if self._author_role(action.actor) not in self._unsigned():
            raise _refusal(RefusalKind.WrongPhase, f"you already signed version {action.version}")

    @workflow.update
    async def decline(self, action: DeclineToSign) -> ActionResult:
        self._declined = Note(author=action.actor, text=action.comment, at=workflow.now())
        self._void_signatures("the team member declined to sign")
        self._event(action.actor, "declined", action.comment)
        self._move_on(Phase.co_authoring)
        return self._result("Declined: HR and your manager are told, and co-authoring reopens.")

    @decline.validator
    def _validate_decline(self, action: DeclineToSign) -> None:
        self._require(action, "decline to sign", {Role.team_member}, {Phase.signing})

    @workflow.update
    async def record_check_in(self, action: RecordCheckIn) -> ActionResult:
        statuses = {p.activity_id: p.status for p in action.progress}
        self._replace_check_in(
            action.number,
            status=CheckInStatus.recorded,
            progress=action.progress,
            support=action.support,
            feedback=action.feedback,
            adjustments=action.adjustments,
            recorded_at=workflow.now(),
        )
        content = self._version.content
        activities = [
            a.model_copy(update={"status": statuses.get(a.id, a.status)})
            for a in content.activities
        ]
        if activities != content.activities:
            self._add_version(
                content.model_copy(update={"activities": activities}),
                action.actor,
                f"Check-in {action.number}: activity progress",
            )
        self._event(action.actor, "checked_in", f"Check-in {action.number}")
        await self._publish(ALL_PARTIES)
        return self._result(f"Check-in {action.number} recorded.")

    @record_check_in.validator
    def _validate_record_check_in(self, action: RecordCheckIn) -> None:
        self._require(action, "record a check-in", {Role.manager}, {Phase.active, Phase.review})
        if self._review is not None:
            raise _refusal(RefusalKind.WrongPhase, "the review is submitted; check-ins are closed")
        check_in = self._due_check_in(action.number)
        if check_in.recorded_at is not None:
            raise _refusal(RefusalKind.WrongPhase, f"check-in {action.number} is already recorded")
        content = self._version.content
        for progress in action.progress:
            if content.activity(progress.activity_id) is None:
                raise _refusal(
                    RefusalKind.BadData, f"progress: there is no activity {progress.activity_id}"
                )
        known_support = {s.id for s in content.support}
        for delivery in action.support:
            if delivery.support_id not in known_support:
                raise _refusal(
                    RefusalKind.BadData,
                    f"support: there is no support commitment {delivery.support_id}",
                )

    @workflow.update
    async def add_check_in_note(self, action: AddCheckInNote) -> ActionResult:
        check_in = self._check_in(action.number)
        note = Note(author=action.actor, text=action.note, at=workflow.now())
        self._replace_check_in(action.number, team_member_notes=[*check_in.team_member_notes, note])
        self._event(action.actor, "check_in_note", f"Check-in {action.number}")
        return self._result(f"Your note is added to check-in {action.number}.")

    @add_check_in_note.validator
    def _validate_add_check_in_note(self, action: AddCheckInNote) -> None:
        self._require(
            action, "add a check-in note", {Role.team_member}, {Phase.active, Phase.review}
        )
        self._due_check_in(action.number)

    @workflow.update
    async def submit_review(self, action: SubmitReview) -> ActionResult:
        self._review = Review(
            outcome=action.outcome,
            achievements=action.achievements,
            next_steps=action.next_steps,
            evidence=self.review_form(),
            submitted_by=action.actor,
            submitted_at=workflow.now(),
        )
        self._event(action.actor, "reviewed", f"Outcome: {action.outcome.value}")
        return self._result("Review submitted: the team member may comment, then it closes.")

    @submit_review.validator
    def _validate_submit_review(self, action: SubmitReview) -> None:
        self._require(action, "submit the review", {Role.manager}, {Phase.review})
        if self._review is not None:
            raise _refusal(RefusalKind.WrongPhase, "the review is already submitted")

    @workflow.update
    async def comment_on_review(self, action: CommentOnReview) -> ActionResult:
        assert self._review is not None
        comment = Note(author=action.actor, text=action.comment, at=workflow.now())
        self._review = self._review.model_copy(update={"team_member_comment": comment})
        self._event(action.actor, "review_comment", "")
        return self._result("Your comment is on the review.")

    @comment_on_review.validator
    def _validate_comment_on_review(self, action: CommentOnReview) -> None:
        self._require(action, "comment on the review", {Role.team_member}, {Phase.review})
        if self._review is None:
            raise _refusal(RefusalKind.WrongPhase, "the manager has not submitted the review yet")
        if self._review.team_member_comment is not None:
            raise _refusal(RefusalKind.WrongPhase, "you already commented on the review")

    @workflow.update
    async def extend(self, action: ExtendPlan) -> ActionResult:
        content = self._version.content
        timeline = content.timeline.model_copy(update={"end": action.new_end})
        self._add_version(
            content.model_copy(update={"timeline": timeline}),
            action.actor,
            f"Extended to {action.new_end}: {action.reason}",
        )
        self._extended_to = action.new_end.isoformat()
        self._schedule_check_ins()
        self._review_due_at = review_due_at(self._version.content)
        self._event(action.actor, "extended", f"New end date {action.new_end}: {action.reason}")
        self._move_on(Phase.active)
        await self._publish_calendar()
        await self._publish(ALL_PARTIES)
        await self._notify(
            [Role.team_member, Role.skip_level, Role.hr],
            NoticeKind.milestone,
            "The coaching plan is extended",
            f"The plan now ends on {action.new_end}: {action.reason}",
        )
        return self._result(f"Extended to {action.new_end}; check-ins continue.")

    @extend.validator
    def _validate_extend(self, action: ExtendPlan) -> None:
        self._require(action, "extend the plan", {Role.manager}, {Phase.review})
        if self._review is not None:
            raise _refusal(RefusalKind.WrongPhase, "the review is already submitted")
        if self._extended_to is not None:
            raise _refusal(
                RefusalKind.WrongPhase,
                f"the plan was already extended once (to {self._extended_to})",
            )
        end = self._version.content.timeline.end
        latest = end + self._policy.max_extension
        if not end < action.new_end <= latest:
            raise _refusal(
                RefusalKind.BadData,
                f"new_end must be after the current end date {end} and at most "
                f"{self._policy.max_extension.days} days later ({latest})",
            )

    @workflow.update
    async def cancel(self, action: CancelPlan) -> ActionResult:
        self._cancellation = Note(author=action.actor, text=action.reason, at=workflow.now())
        self._event(action.actor, "cancelled", action.reason)
        self._move_on(Phase.cancelled)
        return self._result("The plan is cancelled; everyone involved is told.")

    @cancel.validator
    def _validate_cancel(self, action: CancelPlan) -> None:
        self._require(
            action,
            "cancel the plan",
            {Role.manager, Role.hr},
            {p for p in Phase if not p.is_final},
        )
        if self._cancellation is not None:
            raise _refusal(RefusalKind.WrongPhase, "the plan is already being cancelled")

    @workflow.signal
    def note_refusal(self, refusal: Refusal) -> None:
        """A refused Update leaves no history, so the refused client reports it for the audit."""
        self._refusals.append(
            AuditEntry(
                key=f"refusal-{len(self._refusals) + 1}",
                at=workflow.now(),
                actor=refusal.actor,
                action=refusal.action,
                detail=refusal.reason,
                version=self._version.number,
                refused=True,
            )
        )

    # What anyone involved can ask at any time.

    @workflow.query
    def status(self) -> PlanStatus:
        version = self._version
        return PlanStatus(
            plan_id=self._plan_id,
            phase=self._phase,
            outcome=self._outcome,
            parties=self._parties,
            team_member_included=self._alignment_approved,
            version=version.number,
            content=version.content,
            sha256=version.sha256,
            versions=self._versions,
            ready=sorted(self._ready),
            signatures=self._signatures,
            check_ins=self._check_ins,
            review_due_at=self._review_due_at,
            review=self._review,
            extended_to=self._extended_to,
            owed=self._owed(),
            events=self._events,
            documents=self._documents,
        )

    @workflow.query
    def review_form(self) -> ReviewForm:
        return prefill_review_form(self._version.content, self._check_ins)

    # The keepers: HR's records and the operators' view follow every change of state.

    async def _keep_records(self) -> None:
        """Records each new state; while the database is down the activity retries, and the
        record sent once it is back carries everything that changed meanwhile."""
        while True:
            await workflow.wait_condition(lambda: self._record_state() != self._recorded_state)
            state = self._record_state()
            audited = (len(self._events), len(self._refusals))
            self._revision += 1
            await _act(RecordActivities.record_plan, self._record())
            self._recorded_state, self._audited = state, audited

    async def _keep_visible(self) -> None:
        """Operators filter on these in the Temporal UI; an owed-nothing plan has no deadline."""
        while True:
            shown = self._operator_view()
            phase, deadline = shown
            workflow.upsert_search_attributes(
                [
                    PLAN_PHASE.value_set(phase.value),
                    NEXT_DEADLINE.value_set(deadline)
                    if deadline is not None
                    else NEXT_DEADLINE.value_unset(),
                ]
            )
            self._shown_to_operators = shown
            await workflow.wait_condition(lambda: self._operator_view() != self._shown_to_operators)

    def _kept_up(self) -> bool:
        return (
            self._recorded_state == self._record_state()
            and self._shown_to_operators == self._operator_view()
        )

    def _operator_view(self) -> tuple[Phase, datetime | None]:
        return self._phase, next_deadline(self._owed())

    def _record_state(self) -> Hashable:
        """Everything a record holds changes one of these (every action adds an event)."""
        return (
            self._phase,
            self._outcome,
            len(self._events),
            len(self._refusals),
            self._respond_by,
            self._review_due_at,
            tuple(c.status for c in self._check_ins),
        )

    def _record(self) -> PlanRecord:
        events, refusals = self._audited
        timeline = self._version.content.timeline
        return PlanRecord(
            plan_id=self._plan_id,
            revision=self._revision,
            parties=self._parties,
            phase=self._phase,
            outcome=self._outcome,
            team_member_included=self._alignment_approved,
            version=self._version.number,
            starts_on=timeline.start,
            ends_on=timeline.end,
            started_at=self._started_at,
            closed_at=self._closed_at,
            review_due_at=self._review_due_at,
            owed=self._owed(),
            versions=[
                VersionRecord.model_validate(v.model_dump(exclude={"content"}))
                for v in self._versions
            ],
            signatures=self._signatures,
            check_ins=self._check_ins,
            review=self._review,
            audit=[
                *(
                    AuditEntry(
                        key=f"event-{number}",
                        at=e.at,
                        actor=e.actor,
                        action=e.kind,
                        detail=e.detail,
                        version=e.version,
                    )
                    for number, e in enumerate(self._events[events:], start=events + 1)
                ),
                *self._refusals[refusals:],
            ],
        )

    # Waiting: every wait ends on the awaited change, a cancellation, or a timer.

    async def _wait(self, done: Callable[[], bool], timeout: timedelta | None) -> bool:
        """True when `done`, False when the timeout passed first; raises on cancellation."""
        try:
            await workflow.wait_condition(
                lambda: done() or self._cancellation is not None, timeout=timeout
            )
        except TimeoutError:
            if self._phase is Phase.cancelled:
                raise PlanCancelled from None
            return False
        if self._cancellation is not None:
            raise PlanCancelled
        return True

    @staticmethod
    def _changed(key: Callable[[], Hashable]) -> Callable[[], bool]:
        """A condition that turns true when `key` no longer gives what it gives now."""
        before = key()
        return lambda: key() != before

    async def _sleep_until(self, moment: datetime) -> None:
        remaining = moment - workflow.now()
        if remaining > timedelta(0):
            await self._wait(lambda: False, remaining)

    async def _await_response(
        self,
        done: Callable[[], bool],
        *,
        remind_after: timedelta,
        escalate_after: timedelta | None = None,
        escalate_to: Sequence[Role] = (),
        give_up_after: timedelta | None = None,
    ) -> bool:
        """Waits for someone: a reminder, then an escalation; False if it gave up waiting."""
        started = workflow.now()
        self._respond_by = started + remind_after
        if await self._wait(done, remind_after):
            return True
        await self._remind()
        if escalate_after is not None:
            if await self._wait(done, started + escalate_after - workflow.now()):
                return True
            await self._escalate(escalate_to, started)
        if give_up_after is None:
            return await self._wait(done, None)
        return await self._wait(done, started + give_up_after - workflow.now())

    async def _remind(self) -> None:
        """Reminds whoever owes the next step now, not whoever owed it when the wait began."""
        for role in self._owing():
            await self._notify(
                [role],
                NoticeKind.reminder,
                "Reminder: a coaching plan is waiting for you",
                f"The plan is in {_phase_name(self._phase)} and waits for you to "
                f"{_next_step(self._phase, role)}.",
            )

    async def _escalate(self, to: Sequence[Role], since: datetime) -> None:
        roles = set(self._owing())
        self._event("system", "escalated", f"Waiting for the {_role_names(roles)}")
        await self._notify(
            list(to),
            NoticeKind.escalation,
            "A coaching plan has stalled",
            f"The plan is in {_phase_name(self._phase)} and has waited since {since:%Y-%m-%d} "
            f"for the {_role_names(roles)}. Please help it move on.",
        )

    # Side effects, all through activities.

    async def _publish(self, readers: Sequence[Role]) -> None:
        published = await _act(
            DocumentActivities.render_plan_document,
            PlanDocumentRequest(
                plan_id=self._plan_id,
                phase=self._phase,
                version=self._version,
                parties=self._parties,
                share_with=list(readers),
                signatures=self._signatures,
                check_ins=self._check_ins,
                review=self._review,
            ),
        )
        if published.uri not in self._documents:
            self._documents.append(published.uri)

    async def _publish_calendar(self) -> None:
        """One series whose occurrences are exactly the check-ins' timers."""
        if not self._check_ins:
            return
        cadence = self._version.content.cadence
        self._series = CheckInSeries(
            plan_id=self._plan_id,
            uid=f"coaching-plan-{self._plan_id}-check-ins@coachplan",
            organizer=self._parties.manager,
            attendees=[self._parties.manager, self._parties.team_member],
            first_at=self._check_ins[0].due_at,
            until=self._check_ins[-1].due_at,
            weekday=cadence.weekday,
            interval_weeks=cadence.frequency.interval_weeks,
            time_zone=cadence.time_zone,
            sequence=0 if self._series is None else self._series.sequence + 1,
        )
        await _act(CalendarActivities.schedule_check_ins, self._series)

    async def _notify(self, to: Sequence[Role], kind: NoticeKind, subject: str, body: str) -> None:
        self._notices_sent += 1
        await _act(
            NotificationActivities.send_notification,
            Notice(
                plan_id=self._plan_id,
                event_id=f"{self._notices_sent:03d}-{kind.value}",
                kind=kind,
                to=list(to),
                parties=self._parties,
                subject=subject,
                body=body,
            ),
        )

    # State: small pieces the story and the handlers share.

    @property
    def _version(self) -> PlanVersion:
        return self._versions[-1]

    def _add_version(self, content: PlanContent, author: str, summary: str) -> None:
        self._versions.append(
            PlanVersion(
                number=len(self._versions) + 1,
                content=content,
                sha256=content.content_hash(),
                author=author,
                summary=summary,
                created_at=workflow.now(),
            )
        )

    def _event(self, actor: str, kind: str, detail: str) -> None:
        self._events.append(
            PlanEvent(
                at=workflow.now(),
                actor=actor,
                kind=kind,
                detail=detail,
                version=self._version.number,
            )
        )

    def _result(self, message: str) -> ActionResult:
        return ActionResult(message=message, phase=self._phase, version=self._version.number)

    def _readers(self) -> list[Role]:
        """Who may see the plan now: the team member only once alignment is done."""
        return [*BEFORE_TEAM_MEMBER, Role.hr] if not self._alignment_approved else ALL_PARTIES

    def _fully_signed(self) -> bool:
        return not self._unsigned()

    def _unsigned(self) -> list[Role]:
        signed = {
            s.role
            for s in self._signatures
            if s.valid and s.version == self._version.number and s.sha256 == self._version.sha256
        }
        return sorted(AUTHORS - signed)

    def _void_signatures(self, because: str) -> bool:
        now = workflow.now()
        voided = [s for s in self._signatures if s.valid]
        self._signatures = [
            s.model_copy(update={"voided_at": now, "voided_because": because}) if s.valid else s
            for s in self._signatures
        ]
        return bool(voided)

    def _schedule_check_ins(self) -> None:
        """Adds the timeline's check-ins still ahead; an extension continues the same rhythm."""
        content = self._version.content
        times = check_in_times(content.cadence, content.timeline.start, content.timeline.end)
        after = self._check_ins[-1].due_at if self._check_ins else workflow.now()
        for at in times:
            if at > max(after, workflow.now()):
                self._check_ins.append(CheckIn(number=len(self._check_ins) + 1, due_at=at))

    def _recorded(self, number: int) -> Callable[[], bool]:
        return lambda: self._check_in(number).recorded_at is not None

    def _check_in(self, number: int) -> CheckIn:
        return self._check_ins[number - 1]

    def _replace_check_in(self, number: int, **changes: object) -> None:
        self._check_ins[number - 1] = self._check_in(number).model_copy(update=changes)

    def _set_check_in_status(self, number: int, status: CheckInStatus) -> None:
        if self._check_in(number).recorded_at is None:
            self._replace_check_in(number, status=status)

    def _mark_missed_before(self, number: int) -> None:
        for earlier in self._check_ins[: number - 1]:
            if earlier.status in (CheckInStatus.due, CheckInStatus.overdue):
                self._replace_check_in(earlier.number, status=CheckInStatus.missed)

    def _due_check_in(self, number: int) -> CheckIn:
        if not 1 <= number <= len(self._check_ins):
            raise _refusal(
                RefusalKind.BadData,
                f"number: there is no check-in {number}; this plan has {len(self._check_ins)}",
            )
        check_in = self._check_in(number)
        if check_in.status is CheckInStatus.scheduled:
            raise _refusal(
                RefusalKind.WrongPhase,
                f"number: check-in {number} is not due until {check_in.due_at:%Y-%m-%d %H:%M} UTC",
            )
        return check_in

    def _proposed_content(self, action: ProposeActivities, role: Role) -> PlanContent:
        """The plan with the proposer's list: edits keep their author, new ones get one."""
        content = self._version.content
        taken = {a.id for a in content.activities}
        next_number = max((int(i[1:]) for i in taken), default=0) + 1
        activities: list[dict[str, object]] = []
        for draft in action.activities:
            if draft.id is None:
                activity_id, proposed_by, status = f"a{next_number}", role, "planned"
                next_number += 1
            else:
                existing = content.activity(draft.id)
                if existing is None:
                    raise _refusal(
                        RefusalKind.BadData, f"activities: there is no activity {draft.id} to edit"
                    )
                activity_id, proposed_by, status = (
                    existing.id,
                    existing.proposed_by,
                    existing.status,
                )
            activities.append(
                {
                    "id": activity_id,
                    "description": draft.description,
                    "proposed_by": proposed_by,
                    "due": draft.due,
                    "status": status,
                }
            )
        try:
            return PlanContent.model_validate({**content.model_dump(), "activities": activities})
        except ValidationError as error:
            raise _refusal(RefusalKind.BadData, "; ".join(explain(error))) from None

    def _author_role(self, email: str) -> Role:
        """Manager or team member; the validators have already refused anyone else."""
        roles = self._parties.roles_of(email) & AUTHORS
        return Role.manager if Role.manager in roles else Role.team_member

    def _require(self, action: Action, what: str, roles: set[Role], phases: set[Phase]) -> None:
        """Refuses the wrong person first (a stranger learns nothing), then the wrong phase."""
        actor_roles = self._parties.roles_of(action.actor)
        if not actor_roles:
            raise _refusal(
                RefusalKind.NotAParty, f"{action.actor} is not a party to this coaching plan"
            )
        if not actor_roles & roles:
            raise _refusal(RefusalKind.WrongPerson, f"only the {_role_names(roles)} may {what}")
        if self._phase not in phases:
            raise _refusal(
                RefusalKind.WrongPhase,
                f"cannot {what} while the plan is in {self._phase.value}; "
                f"possible in: {', '.join(sorted(p.value for p in phases))}",
            )

    def _require_current_version(self, version: int) -> None:
        if version != self._version.number:
            raise _refusal(
                RefusalKind.WrongPhase,
                f"version {version} is not the current version ({self._version.number}): "
                "read the latest document first",
            )

    def _owing(self) -> list[Role]:
        return [o.role for o in self._owed() if not o.optional]

    def _owed(self) -> list[Obligation]:
        """Who owes what by when, derived from the state so it can never drift."""
        by = self._respond_by

        def owes(
            role: Role, action: str, due: datetime | None = by, optional: bool = False
        ) -> Obligation:
            people = [p.email for p in self._parties.person(role)]
            return Obligation(role=role, who=people, action=action, due=due, optional=optional)

        version = self._version.number
        match self._phase:
            case Phase.alignment if self._changes_requested is not None:
                return [owes(Role.manager, "revise the draft (changes requested)")]
            case Phase.alignment:
                return [owes(Role.skip_level, f"approve version {version} or request changes")]
            case Phase.co_authoring:
                return [
                    owes(role, f"propose changes or mark version {version} ready")
                    for role in sorted(AUTHORS - self._ready)
                ]
            case Phase.signing:
                return [owes(role, f"sign version {version}") for role in self._unsigned()]
            case Phase.active:
                return [
                    owes(
                        Role.manager,
                        f"record check-in {c.number}",
                        c.due_at + self._policy.check_in_grace,
                    )
                    for c in self._check_ins
                    if c.status in (CheckInStatus.due, CheckInStatus.overdue)
                ]
            case Phase.review if self._review is None:
                return [
                    owes(Role.manager, "submit the review or extend the plan", self._review_due_at)
                ]
            case Phase.review:
                return [owes(Role.team_member, "comment on the review", optional=True)]
            case _:
                return []


async def _act(
    activity: Callable[[Any, ActivityInput], ActivityOutput], argument: ActivityInput
) -> ActivityOutput:
    """Activities retry until they succeed, unless they say the failure is permanent."""
    return await workflow.execute_activity_method(
        activity,
        argument,
        start_to_close_timeout=timedelta(minutes=1),
        retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
    )


def _next_step(phase: Phase, role: Role) -> str:
    steps = {
        (Phase.alignment, Role.skip_level): "approve the draft or request changes",
        (Phase.alignment, Role.manager): "revise the draft",
        (Phase.co_authoring, Role.manager): "respond to the proposal or mark the plan ready",
        (Phase.co_authoring, Role.team_member): "propose activities or mark the plan ready",
        (Phase.signing, Role.manager): "sign the final version",
        (Phase.signing, Role.team_member): "sign the final version or decline with a comment",
        (Phase.review, Role.manager): "submit the review",
    }
    return steps.get((phase, role), "take the next step")


def _phase_name(phase: Phase) -> str:
    return phase.value.replace("_", "-")


def _role_names(roles: set[Role]) -> str:
    return " or ".join(role.value.replace("_", " ") for role in sorted(roles))


def _refusal(kind: RefusalKind, message: str) -> ApplicationError:
    """The error's type is the kind, for clients to answer by it; the message is for people."""
    return ApplicationError(message, type=kind.value, non_retryable=True)
