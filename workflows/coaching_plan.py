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
phase and next deadline to operators in the Temporal UI. What is true of the plan, and which
actions its rules allow, is `PlanState` and `PlanRules`: plain Python, tested without a server.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.sweep import (
        GUARDED_QUERY,
        SWEEP_FOUND_SIGNAL,
        GuardedPlan,
        SweepFindings,
    )
    from coaching.actions import (
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
        StartPlan,
        SubmitReview,
    )
    from coaching.certificate import CertificateKind
    from coaching.notices import NoticeKind
    from coaching.plan import Role
    from coaching.plan_rules import PlanRules
    from coaching.plan_state import (
        ALL_PARTIES,
        AUTHORS,
        BEFORE_TEAM_MEMBER,
        PlanState,
        role_names,
    )
    from coaching.records import Refusal
    from coaching.schedule import plan_starts_at
    from coaching.status import (
        ActionResult,
        CheckIn,
        Outcome,
        Phase,
        PlanStatus,
        Refused,
        ReviewForm,
    )
    from workflows.phase_story import PhaseStory, PlanCancelled
    from workflows.plan_effects import PlanEffects
    from workflows.plan_keepers import PlanKeepers
    from workflows.plan_patches import (
        CANONICAL_HASH_PATCH,
        CERTIFICATES_PATCH,
        CHECK_INS_PATCH,
        PHASE_IN_UPDATE_PATCH,
        RECORDS_PATCH,
        HeldPatches,
    )

ActionInput = TypeVar("ActionInput")


def _judge(check: Callable[[ActionInput], None], action: ActionInput) -> None:
    """Runs a rule of the plan; a refusal's type is its kind, for clients to answer by it
    (404, 403, 409, 422 over HTTP)."""
    try:
        check(action)
    except Refused as refused:
        raise ApplicationError(
            refused.message, type=refused.kind.value, non_retryable=True
        ) from None


@workflow.defn
class CoachingPlanWorkflow:
    @workflow.init
    def __init__(self, start: StartPlan) -> None:
        self._patches = HeldPatches.of_this_plan()
        """Here, not in `run`: an Update delivered with the start runs before `run`."""
        moves_in_updates = self._patches.holds(PHASE_IN_UPDATE_PATCH)
        self._check_ins_move = self._patches.holds(CHECK_INS_PATCH)
        self._plan = PlanState(
            start,
            clock=workflow.now,
            check_ins_are_deadlines=self._check_ins_move,
            canonical_hashes=self._patches.holds(CANONICAL_HASH_PATCH),
        )
        self._rules = PlanRules(self._plan)
        self._story = PhaseStory(self._plan, moves_in_updates=moves_in_updates)
        self._effects = PlanEffects(
            self._plan,
            series_ends_at_closing=self._check_ins_move,
            certifies=self._patches.holds(CERTIFICATES_PATCH),
            batched=self._patches.lean,
            marked=self._patches.marked,
            parties_in_store=self._patches.parties_in_store,
        )
        self._keepers: PlanKeepers | None = None

    @workflow.run
    async def run(self, start: StartPlan) -> Outcome:
        self._plan.event(start.parties.manager.email, "started", "Draft version 1")
        if self._patches.holds(RECORDS_PATCH):
            self._keepers = PlanKeepers(
                self._plan, locally=self._patches.lean, marks=self._effects.marks
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
        await self._effects.finish()
        if self._keepers is not None:
            await self._keepers.finish()
        assert self._plan.outcome is not None
        return self._plan.outcome

    # The phases, in the order a plan lives them.

    async def _align_with_skip_level(self) -> None:
        """The manager and their manager agree on the opportunity before the team member sees it."""
        plan = self._plan
        await self._effects.publish(BEFORE_TEAM_MEMBER)
        if self._story.caught_up():
            await self._effects.notify(
                NoticeKind.alignment_requested,
                [Role.skip_level],
                while_in=Phase.alignment,
                actor=plan.parties.manager.email,
            )
        await self._until_moved_on(
            lambda: plan.alignment_approved,
            lambda: (plan.alignment_approved, plan.changes_requested),
            remind_after=plan.policy.alignment_reminder_after,
            escalate_after=plan.policy.alignment_escalation_after,
            escalate_to=[Role.hr],
        )

    async def _co_author_with_team_member(self) -> None:
        """Both sides shape the activities, version by version, until both mark one ready."""
        plan = self._plan
        self._story.tell(Phase.co_authoring)
        await self._effects.publish(ALL_PARTIES)
        if self._story.caught_up():
            await self._effects.notify(
                NoticeKind.co_authoring_opened,
                [Role.team_member, Role.manager],
                while_in=Phase.co_authoring,
                actor=plan.parties.manager.email,
            )
        await self._until_moved_on(
            lambda: plan.ready == AUTHORS,
            lambda: (plan.version.number, frozenset(plan.ready)),
            remind_after=plan.policy.co_authoring_reminder_after,
        )

    async def _sign(self) -> bool:
        """Both sign the exact final version; False if the team member declines."""
        plan = self._plan
        self._story.tell(Phase.signing)
        await self._effects.publish(ALL_PARTIES)
        if self._story.caught_up():
            await self._effects.notify(
                NoticeKind.signing_requested,
                [Role.manager, Role.team_member],
                while_in=Phase.signing,
            )
        await self._until_moved_on(
            lambda: plan.fully_signed() or plan.declined is not None,
            lambda: (plan.version.number, plan.fully_signed(), plan.declined),
            remind_after=plan.policy.signing_reminder_after,
            escalate_after=plan.policy.signing_escalation_after,
            escalate_to=[Role.skip_level, Role.hr],
        )
        after = self._story.after_signing()
        if after.declined is None:
            return True
        await self._effects.notify(
            NoticeKind.declined,
            [Role.hr, Role.manager, Role.skip_level],
            actor=after.declined.author,
            text=after.declined.text,
        )
        return False

    async def _go_live(self) -> None:
        """Signed: a sealed certificate of it, one calendar series for the check-ins, everyone
        told, then the start date."""
        self._story.tell(Phase.active)
        self._effects.seal_certificate(CertificateKind.signed, self._keepers)
        plan = self._plan
        timeline = plan.version.content.timeline
        await self._effects.publish_calendar()
        await self._effects.publish(ALL_PARTIES)
        await self._effects.notify(
            NoticeKind.plan_active,
            [Role.hr, Role.skip_level, Role.manager, Role.team_member],
            starts_on=timeline.start,
            ends_on=timeline.end,
            check_in=plan.moment(plan.check_ins[0]) if plan.check_ins else None,
        )
        await self._sleep_until(plan_starts_at(plan.version.content))

    async def _hold_check_ins(self) -> None:
        """From the start date to the end date: a durable timer for the next check-in, set
        afresh whenever one moves, is skipped or is recorded early."""
        plan = self._plan
        while (check_in := plan.next_check_in()) is not None:
            if await self._sleep_until(check_in.due_at, self._changed(plan.schedule)):
                await self._collect_notes(check_in)
        assert plan.review_due_at is not None
        await self._sleep_until(plan.review_due_at)
        plan.mark_missed_before(len(plan.check_ins) + 1)

    async def _collect_notes(self, check_in: CheckIn) -> None:
        """The check-in's time came: the manager has the grace period to record it."""
        plan = self._plan
        plan.check_in_due(check_in.number)
        if not await self._wait(
            lambda: not plan.awaits_notes(check_in.number), plan.policy.check_in_grace
        ):
            plan.check_in_overdue(check_in.number)
            await self._effects.notify(
                NoticeKind.check_in_overdue, [Role.manager], check_in=self._plan.moment(check_in)
            )

    async def _review_plan(self) -> bool:
        """The review is due at the end date; False when the manager extends the plan instead."""
        plan = self._plan
        self._story.tell(Phase.review)
        assert plan.review_due_at is not None
        await self._effects.notify(
            NoticeKind.review_due,
            [Role.manager],
            ends_on=plan.version.content.timeline.end,
            closes_at=plan.review_due_at + plan.policy.review_closure_after,
        )
        extended_to = plan.extended_to
        answered = await self._await_response(
            lambda: (
                plan.review is not None or plan.extended_to != extended_to or self._story.behind()
            ),
            remind_after=plan.policy.review_reminder_after,
            escalate_after=plan.policy.review_escalation_after,
            escalate_to=[Role.skip_level, Role.hr],
            give_up_after=plan.policy.review_closure_after,
        )
        if not answered:
            plan.close_without_review()
            return True
        if plan.review is None:
            self._story.tell(Phase.active)
            return False
        await self._effects.notify(
            NoticeKind.review_submitted,
            [Role.team_member],
            actor=plan.review.submitted_by,
            closes_at=workflow.now() + plan.policy.review_comment_window,
        )
        plan.respond_by = workflow.now() + plan.policy.review_comment_window
        await self._wait(
            lambda: plan.review is not None and plan.review.team_member_comment is not None,
            plan.policy.review_comment_window,
        )
        plan.outcome = Outcome(plan.review.outcome.value)
        return True

    async def _close(self) -> None:
        self._story.tell(Phase.closed)
        await self._finish(NoticeKind.closed)

    async def _cancel(self) -> None:
        cancellation = self._plan.cancellation
        assert cancellation is not None
        if self._plan.phase is not Phase.cancelled:
            self._story.enter(Phase.cancelled)
        await self._finish(NoticeKind.cancelled, actor=cancellation.author, text=cancellation.text)

    async def _finish(self, kind: NoticeKind, **about: Any) -> None:
        """Closing and cancelling clean up alike: final document, calendar, everyone told, and
        a signed plan's final sealed record."""
        await self._effects.end_calendar(workflow.now())
        readers = self._plan.readers()
        await self._effects.publish(readers)
        await self._effects.notify(kind, readers, outcome=self._plan.outcome, **about)
        self._effects.seal_certificate(CertificateKind.closed, self._keepers)

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
            return self._story.behind() or due()

        while not moved_on():
            await self._await_response(
                self._changed(lambda: (moved_on(), key())),
                remind_after=remind_after,
                escalate_after=escalate_after,
                escalate_to=escalate_to,
            )
        if self._plan.phase is Phase.cancelled:
            raise PlanCancelled

    # Human actions: each an Update, refused by its validator before anything changes.

    @workflow.update
    async def approve(self, action: ApproveAlignment) -> ActionResult:
        self._plan.approve(action)
        self._story.move_on(Phase.co_authoring)
        return self._result("Aligned: the team member is brought in to co-author the plan.")

    @approve.validator
    def _validate_approve(self, action: ApproveAlignment) -> None:
        _judge(self._rules.approve, action)

    @workflow.update
    async def request_changes(self, action: RequestChanges) -> ActionResult:
        self._plan.request_changes(action)
        await self._effects.notify(
            NoticeKind.changes_requested, [Role.manager], actor=action.actor, text=action.comment
        )
        await self._effects.settled()
        return self._result("The manager is asked to revise the draft.")

    @request_changes.validator
    def _validate_request_changes(self, action: RequestChanges) -> None:
        _judge(self._rules.request_changes, action)

    @workflow.update
    async def revise(self, action: RevisePlan) -> ActionResult:
        self._plan.revise(action)
        await self._effects.publish(BEFORE_TEAM_MEMBER)
        await self._effects.notify(
            NoticeKind.draft_revised, [Role.skip_level], actor=action.actor, text=action.summary
        )
        await self._effects.settled()
        return self._result(f"Version {self._plan.version.number} is ready for the skip-level.")

    @revise.validator
    def _validate_revise(self, action: RevisePlan) -> None:
        _judge(self._rules.revise, action)

    @workflow.update
    async def propose_activities(self, action: ProposeActivities) -> ActionResult:
        voided = self._plan.propose(action)
        await self._effects.publish(ALL_PARTIES)
        role = self._plan.author_role(action.actor)
        other = Role.manager if role is Role.team_member else Role.team_member
        await self._effects.notify(
            NoticeKind.proposal,
            [other],
            actor=action.actor,
            text=action.note,
            activities=[a.description for a in self._plan.version.content.activities],
            signatures_voided=voided,
        )
        await self._effects.settled()
        return self._result(f"Version {self._plan.version.number} proposed; you marked it ready.")

    @propose_activities.validator
    def _validate_propose_activities(self, action: ProposeActivities) -> None:
        _judge(self._rules.propose, action)

    @workflow.update
    async def mark_ready(self, action: MarkReady) -> ActionResult:
        waiting = self._plan.mark_ready(action)
        if not waiting:
            self._story.move_on(Phase.signing)
        return self._result(
            "Both are ready: the plan moves to signing."
            if not waiting
            else f"Marked ready; waiting for the {role_names(waiting)}."
        )

    @mark_ready.validator
    def _validate_mark_ready(self, action: MarkReady) -> None:
        _judge(self._rules.mark_ready, action)

    @workflow.update
    async def sign(self, action: SignPlan) -> ActionResult:
        plan = self._plan
        plan.sign(action)
        if not plan.fully_signed():
            return self._result(f"Signed version {action.version}.")
        self._story.move_on(Phase.active)
        first = plan.check_ins[0] if plan.check_ins else None
        return self._result(
            f"Signed version {action.version}. Both have signed: the plan is active from "
            f"{plan.version.content.timeline.start}"
            + (f"; the first check-in is {plan.local_time(first.due_at)}." if first else ".")
        )

    @sign.validator
    def _validate_sign(self, action: SignPlan) -> None:
        _judge(self._rules.sign, action)

    @workflow.update
    async def decline(self, action: DeclineToSign) -> ActionResult:
        self._plan.decline(action)
        self._story.move_on(Phase.co_authoring)
        return self._result("Declined: HR and your manager are told, and co-authoring reopens.")

    @decline.validator
    def _validate_decline(self, action: DeclineToSign) -> None:
        _judge(self._rules.decline, action)

    @workflow.update
    async def record_check_in(self, action: RecordCheckIn) -> ActionResult:
        plan = self._plan
        plan.record_check_in(action)
        await self._effects.publish(ALL_PARTIES)
        if self._check_ins_move:
            await self._effects.notify(
                NoticeKind.check_in_recorded,
                [Role.team_member],
                actor=action.actor,
                check_in=plan.moment(plan.check_in(action.number)),
            )
        await self._effects.settled()
        return self._result(f"Check-in {action.number} recorded.")

    @record_check_in.validator
    def _validate_record_check_in(self, action: RecordCheckIn) -> None:
        _judge(self._rules.record_check_in, action)

    @workflow.update
    async def move_check_in(self, action: MoveCheckIn) -> ActionResult:
        before = self._plan.move_check_in(action)
        await self._rescheduled(NoticeKind.check_in_moved, action, previous_at=before.due_at)
        return self._result(
            f"Check-in {action.number} moved to {self._plan.local_time(action.to)}."
        )

    @move_check_in.validator
    def _validate_move_check_in(self, action: MoveCheckIn) -> None:
        _judge(self._rules.move_check_in, action)

    @workflow.update
    async def skip_check_in(self, action: SkipCheckIn) -> ActionResult:
        self._plan.skip_check_in(action)
        await self._rescheduled(NoticeKind.check_in_skipped, action)
        return self._result(f"Check-in {action.number} is skipped; the review counts it so.")

    @skip_check_in.validator
    def _validate_skip_check_in(self, action: SkipCheckIn) -> None:
        _judge(self._rules.skip_check_in, action)

    async def _rescheduled(
        self,
        kind: NoticeKind,
        action: MoveCheckIn | SkipCheckIn,
        previous_at: datetime | None = None,
    ) -> None:
        """A check-in moved or skipped: the invite, the document and both people follow."""
        plan = self._plan
        await self._effects.publish_calendar()
        await self._effects.publish(ALL_PARTIES)
        moment = plan.moment(plan.check_in(action.number), previous_at)
        await self._effects.notify(
            kind,
            [Role.team_member, Role.manager],
            actor=action.actor,
            text=action.reason,
            check_in=moment,
        )
        await self._effects.settled()

    @workflow.update
    async def add_check_in_note(self, action: AddCheckInNote) -> ActionResult:
        self._plan.add_check_in_note(action)
        return self._result(f"Your note is added to check-in {action.number}.")

    @add_check_in_note.validator
    def _validate_add_check_in_note(self, action: AddCheckInNote) -> None:
        _judge(self._rules.add_check_in_note, action)

    @workflow.update
    async def submit_review(self, action: SubmitReview) -> ActionResult:
        self._plan.submit_review(action)
        return self._result("Review submitted: the team member may comment, then it closes.")

    @submit_review.validator
    def _validate_submit_review(self, action: SubmitReview) -> None:
        _judge(self._rules.submit_review, action)

    @workflow.update
    async def comment_on_review(self, action: CommentOnReview) -> ActionResult:
        self._plan.comment_on_review(action)
        return self._result("Your comment is on the review.")

    @comment_on_review.validator
    def _validate_comment_on_review(self, action: CommentOnReview) -> None:
        _judge(self._rules.comment_on_review, action)

    @workflow.update
    async def extend(self, action: ExtendPlan) -> ActionResult:
        self._plan.extend(action)
        self._story.move_on(Phase.active)
        await self._effects.publish_calendar()
        await self._effects.publish(ALL_PARTIES)
        await self._effects.notify(
            NoticeKind.extended,
            [Role.team_member, Role.skip_level, Role.hr],
            actor=action.actor,
            text=action.reason,
            ends_on=action.new_end,
        )
        await self._effects.settled()
        return self._result(f"Extended to {action.new_end}; check-ins continue.")

    @extend.validator
    def _validate_extend(self, action: ExtendPlan) -> None:
        _judge(self._rules.extend, action)

    @workflow.update
    async def cancel(self, action: CancelPlan) -> ActionResult:
        self._plan.cancel(action)
        self._story.move_on(Phase.cancelled)
        return self._result("The plan is cancelled; everyone involved is told.")

    @cancel.validator
    def _validate_cancel(self, action: CancelPlan) -> None:
        _judge(self._rules.cancel, action)

    @workflow.signal
    def note_refusal(self, refusal: Refusal) -> None:
        """A refused Update leaves no history, so the refused client reports it for the audit."""
        self._plan.note_refusal(refusal)

    @workflow.signal(name=SWEEP_FOUND_SIGNAL)
    async def sweep_found(self, findings: SweepFindings) -> None:
        """The daily sweep took access away from someone, or an attendee declined a check-in:
        HR reads the first in the audit log, the manager is asked to move the second."""
        plan = self._plan
        if findings.removed_readers:
            removed = ", ".join(findings.removed_readers)
            plan.event(
                "system", "access_removed", f"Not a party, removed from the document: {removed}"
            )
        for declined in findings.declined:
            check_in = plan.check_in_declined(declined.occurrence_at, declined.email)
            if check_in is not None:
                await self._effects.notify(
                    NoticeKind.check_in_declined,
                    [Role.manager],
                    actor=declined.email,
                    check_in=plan.moment(check_in),
                )

    # What anyone involved can ask at any time.

    @workflow.query
    def status(self) -> PlanStatus:
        return self._plan.status()

    @workflow.query(name=GUARDED_QUERY)
    def guarded(self) -> GuardedPlan:
        """For the daily sweep: who may read the document, and the check-in series."""
        plan = self._plan
        return GuardedPlan(
            plan_id=plan.plan_id,
            readers=plan.shared_with(),
            hr_included=Role.hr in plan.shared_roles(),
            series=self._effects.series,
            parties=plan.parties,
            phase=plan.phase,
            team_member_included=plan.alignment_approved,
        )

    @workflow.query
    def review_form(self) -> ReviewForm:
        return self._plan.review_form()

    # Waiting: every wait ends on the awaited change, a cancellation, or a timer.

    async def _wait(self, done: Callable[[], bool], timeout: timedelta | None) -> bool:
        """True when `done`, False when the timeout passed first; raises on cancellation."""
        plan = self._plan
        try:
            await workflow.wait_condition(
                lambda: done() or plan.cancellation is not None, timeout=timeout
            )
        except TimeoutError:
            if plan.phase is Phase.cancelled:
                raise PlanCancelled from None
            return False
        if plan.cancellation is not None:
            raise PlanCancelled
        return True

    @staticmethod
    def _changed(key: Callable[[], Hashable]) -> Callable[[], bool]:
        """A condition that turns true when `key` no longer gives what it gives now."""
        before = key()
        return lambda: key() != before

    async def _sleep_until(
        self, moment: datetime, woken: Callable[[], bool] = lambda: False
    ) -> bool:
        """True once `moment` came; False if `woken` first (what the story waits for moved)."""
        remaining = moment - workflow.now()
        return remaining <= timedelta(0) or not await self._wait(woken, remaining)

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
        escalates_at = started + escalate_after if escalate_after is not None else None
        closes_at = started + give_up_after if give_up_after is not None else None
        self._plan.respond_by = started + remind_after
        if await self._wait(done, remind_after):
            return True
        await self._remind(escalates_at, escalate_to, closes_at)
        if escalates_at is not None:
            if await self._wait(done, escalates_at - workflow.now()):
                return True
            await self._escalate(escalate_to, started, closes_at)
        if give_up_after is None:
            return await self._wait(done, None)
        return await self._wait(done, started + give_up_after - workflow.now())

    async def _remind(
        self, escalates_at: datetime | None, escalate_to: Sequence[Role], closes_at: datetime | None
    ) -> None:
        """Reminds whoever owes the next step now, not whoever owed it when the wait began,
        and says what happens next."""
        for role in self._plan.owing():
            await self._effects.notify(
                NoticeKind.reminder,
                [role],
                escalates_at=escalates_at,
                escalate_to=list(escalate_to),
                closes_at=closes_at,
            )

    async def _escalate(
        self, to: Sequence[Role], since: datetime, closes_at: datetime | None
    ) -> None:
        roles = set(self._plan.owing())
        self._plan.event("system", "escalated", f"Waiting for the {role_names(roles)}")
        await self._effects.notify(
            NoticeKind.escalation, to, waiting_since=since, closes_at=closes_at
        )

    def _result(self, message: str) -> ActionResult:
        return self._plan.result(message)
