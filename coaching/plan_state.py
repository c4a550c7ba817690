"""A plan's state and every rule about it that needs no Temporal.

Who may act when, who owes what by when, which signatures hold, which check-ins are due,
missed or skipped, and what HR's record and the operators' view hold: all plain Python,
tested directly. `CoachingPlanWorkflow` keeps the story, the waits and the handlers; it
asks this model what is true and tells it what happened. Time comes from `clock` (the
workflow's clock in the workflow), so the rules stay deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

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
from coaching.evidence import ConsentRecord
from coaching.notices import CheckInMoment, NoticeKind, NoticeOrder
from coaching.org import Person
from coaching.plan import PlanContent, Role
from coaching.records import AuditEntry, Refusal
from coaching.review import prefill_review_form
from coaching.schedule import check_in_times, plan_starts_at, review_due_at
from coaching.status import (
    ActionResult,
    CheckIn,
    CheckInStatus,
    HashScheme,
    Note,
    Obligation,
    Outcome,
    Phase,
    PlanEvent,
    PlanStatus,
    PlanVersion,
    RefusalKind,
    Refused,
    Review,
    ReviewForm,
    Signature,
    next_deadline,
)
from coaching.validation import explain

AUTHORS = frozenset({Role.manager, Role.team_member})
BEFORE_TEAM_MEMBER = [Role.manager, Role.skip_level]
"""During alignment the team member sees nothing yet: the opportunity is agreed first."""
ALL_PARTIES = [Role.manager, Role.team_member, Role.skip_level, Role.hr]
OPENS_A_WAIT = frozenset(
    {
        NoticeKind.alignment_requested,
        NoticeKind.changes_requested,
        NoticeKind.draft_revised,
        NoticeKind.co_authoring_opened,
        NoticeKind.proposal,
        NoticeKind.declined,
        NoticeKind.signing_requested,
    }
)
"""Notices that ask for a step the story is about to wait for."""


class PlanState:
    def __init__(
        self,
        start: StartPlan,
        clock: Callable[[], datetime],
        *,
        check_ins_are_deadlines: bool = True,
        canonical_hashes: bool = True,
    ) -> None:
        self.plan_id = start.plan_id
        self.parties = start.parties
        self.policy = start.policy
        self.now = clock
        """The workflow's clock in the workflow, so the rules stay deterministic."""
        self._check_ins_are_deadlines = check_ins_are_deadlines
        """Plans from before it show only overdue check-in notes as owed, as they did then."""
        self._hashed_as = HashScheme.rfc8785 if canonical_hashes else HashScheme.pydantic_json
        """Plans from before RFC 8785 hashing keep the hashes their signatures bind to."""
        self.phase = Phase.alignment
        self.outcome: Outcome | None = None
        self.versions: list[PlanVersion] = []
        self.events: list[PlanEvent] = []
        self.refusals: list[AuditEntry] = []
        self.documents: list[str] = []
        self.calendar: str | None = None
        """Where the check-in series lives, once it is scheduled."""
        self._declines_told: set[tuple[int, str, datetime]] = set()
        self.held_because: str | None = None
        """A side effect waiting for a fix of the setup, and what to fix."""
        self.notices_sent = 0
        self.respond_by: datetime | None = None
        """When the step owed now is due: set while the story waits for someone."""
        self.alignment_approved = False
        self.changes_requested: Note | None = None
        self.ready: set[Role] = set()
        self.signatures: list[Signature] = []
        self.consents: dict[str, ConsentRecord] = {}
        """The consents to sign electronically that this plan's signatures rely on."""
        self.declined: Note | None = None
        self.check_ins: list[CheckIn] = []
        self.review_due_at: datetime | None = None
        self.review: Review | None = None
        self.extended_to: str | None = None
        self.cancellation: Note | None = None
        self.started_at = clock()
        self.closed_at: datetime | None = None
        self.add_version(start.content, start.parties.manager.email, "First draft")

    @property
    def version(self) -> PlanVersion:
        return self.versions[-1]

    def add_version(self, content: PlanContent, author: str, summary: str) -> None:
        self.versions.append(
            PlanVersion(
                number=len(self.versions) + 1,
                content=content,
                sha256=content.content_hash()
                if self._hashed_as is HashScheme.rfc8785
                else content.pydantic_json_hash(),
                hashed_as=self._hashed_as,
                author=author,
                summary=summary,
                created_at=self.now(),
            )
        )

    def event(self, actor: str, kind: str, detail: str, evidence_sha256: str | None = None) -> None:
        self.events.append(
            PlanEvent(
                at=self.now(),
                actor=actor,
                kind=kind,
                detail=detail,
                version=self.version.number,
                evidence_sha256=evidence_sha256,
            )
        )

    def hold(self, problem: str | None) -> None:
        """A side effect waits for a fix of the setup (None: it went through); HR reads why
        in the plan's record and its audit log."""
        if problem == self.held_because:
            return
        if problem is None:
            self.event("system", "resumed", f"Fixed: {self.held_because}")
        else:
            self.event("system", "held", problem)
        self.held_because = problem

    def enter(self, phase: Phase) -> None:
        """Moves the plan into `phase`, with the state that the phase's actions rely on."""
        previous, self.phase = self.phase, phase
        match phase:
            case Phase.co_authoring:
                self.ready.clear()
                self.event("system", "co_authoring", f"Version {self.version.number} shared")
            case Phase.signing:
                self.declined = None
                self.event("system", "signing", f"Version {self.version.number} is final")
            case Phase.active if previous is Phase.signing:
                self.event("system", "active", f"Signed version {self.version.number}")
                self._schedule_check_ins()
                self.review_due_at = review_due_at(self.version.content)
            case Phase.review:
                self.event("system", "review", "The review is due")
            case Phase.closed:
                self.closed_at = self.now()
                self.event("system", "closed", f"Outcome: {self.outcome}")
            case Phase.cancelled:
                self.outcome = Outcome.cancelled
                self.closed_at = self.now()

    # What each action changes. The workflow's validators have run the matching check.

    def approve(self, action: ApproveAlignment) -> None:
        self.alignment_approved = True
        self.event(action.actor, "approved", action.comment)

    def request_changes(self, action: RequestChanges) -> None:
        self.changes_requested = Note(author=action.actor, text=action.comment, at=self.now())
        self.event(action.actor, "changes_requested", action.comment)

    def revise(self, action: RevisePlan) -> None:
        self.add_version(action.content, action.actor, action.summary)
        self.changes_requested = None
        self.event(action.actor, "revised", action.summary)

    def propose(self, action: ProposeActivities) -> bool:
        """A new version with the proposer's list; True if it voided a signature."""
        role = self.author_role(action.actor)
        content = self.proposed_content(action, role)
        voided = self._void_signatures(f"version {self.version.number + 1} changed the plan")
        summary = action.note or "Activities proposed"
        self.add_version(content, action.actor, summary)
        self.ready = {role}
        self.event(action.actor, "proposed", summary)
        return voided

    def mark_ready(self, action: MarkReady) -> set[Role]:
        """Returns who is still to mark the version ready."""
        self.ready.add(self.author_role(action.actor))
        self.event(action.actor, "ready", f"Version {action.version}")
        return set(AUTHORS - self.ready)

    def sign(self, action: SignPlan) -> None:
        """The signature with its evidence; a consent new to this plan is recorded first."""
        role = self.author_role(action.actor)
        person = self.parties.person(role)[0]
        consent = action.consent
        if consent is not None and consent.id not in self.consents:
            self.consents[consent.id] = consent
            self.event(
                action.actor,
                "consented",
                f"To sign electronically (disclosure {consent.disclosure_version})",
                consent.evidence_sha256,
            )
        signature = Signature(
            role=role,
            email=person.email,
            name=person.name,
            intent=action.intent,
            version=action.version,
            sha256=action.sha256,
            signed_at=self.now(),
            id=f"{self.plan_id}-signature-{len(self.signatures) + 1}",
            plan_id=self.plan_id,
            person_id=person.id,
            document_sha256=action.document_sha256,
            identified_by=action.identified_by,
            consent_id=consent.id if consent else None,
            context=action.context,
        )
        self.signatures.append(signature)
        self.event(
            action.actor,
            "signed",
            f"Version {action.version} ({action.sha256[:12]})",
            signature.evidence_sha256,
        )

    def decline(self, action: DeclineToSign) -> None:
        self.declined = Note(author=action.actor, text=action.comment, at=self.now())
        self._void_signatures("the team member declined to sign")
        self.event(action.actor, "declined", action.comment)

    def record_check_in(self, action: RecordCheckIn) -> None:
        """The check-in's notes, and the activities' new statuses as a new version."""
        self._replace_check_in(
            action.number,
            status=CheckInStatus.recorded,
            progress=action.progress,
            support=action.support,
            feedback=action.feedback,
            adjustments=action.adjustments,
            recorded_at=self.now(),
        )
        statuses = {p.activity_id: p.status for p in action.progress}
        content = self.version.content
        activities = [
            a.model_copy(update={"status": statuses.get(a.id, a.status)})
            for a in content.activities
        ]
        if activities != content.activities:
            self.add_version(
                content.model_copy(update={"activities": activities}),
                action.actor,
                f"Check-in {action.number}: activity progress",
            )
        self.event(action.actor, "checked_in", f"Check-in {action.number}")

    def move_check_in(self, action: MoveCheckIn) -> CheckIn:
        """Returns the check-in as it was, for the message that says where it went."""
        before = self.check_in(action.number)
        self._replace_check_in(
            action.number,
            due_at=action.to.astimezone(UTC),
            occurrence_at=before.occurrence_at or before.due_at,
            moved_because=action.reason,
        )
        self.event(
            action.actor,
            "check_in_moved",
            f"Check-in {action.number} moved to {self.local_time(action.to)}: {action.reason}",
        )
        return before

    def skip_check_in(self, action: SkipCheckIn) -> None:
        self._replace_check_in(
            action.number, status=CheckInStatus.skipped, skipped_because=action.reason
        )
        self.event(action.actor, "check_in_skipped", f"Check-in {action.number}: {action.reason}")

    def add_check_in_note(self, action: AddCheckInNote) -> None:
        check_in = self.check_in(action.number)
        note = Note(author=action.actor, text=action.note, at=self.now())
        self._replace_check_in(action.number, team_member_notes=[*check_in.team_member_notes, note])
        self.event(action.actor, "check_in_note", f"Check-in {action.number}")

    def submit_review(self, action: SubmitReview) -> None:
        self.review = Review(
            outcome=action.outcome,
            achievements=action.achievements,
            next_steps=action.next_steps,
            evidence=self.review_form(),
            submitted_by=action.actor,
            submitted_at=self.now(),
        )
        self.event(action.actor, "reviewed", f"Outcome: {action.outcome.value}")

    def comment_on_review(self, action: CommentOnReview) -> None:
        assert self.review is not None
        comment = Note(author=action.actor, text=action.comment, at=self.now())
        self.review = self.review.model_copy(update={"team_member_comment": comment})
        self.event(action.actor, "review_comment", "")

    def extend(self, action: ExtendPlan) -> None:
        content = self.version.content
        timeline = content.timeline.model_copy(update={"end": action.new_end})
        self.add_version(
            content.model_copy(update={"timeline": timeline}),
            action.actor,
            f"Extended to {action.new_end}: {action.reason}",
        )
        self.extended_to = action.new_end.isoformat()
        self._schedule_check_ins()
        self.review_due_at = review_due_at(self.version.content)
        self.event(action.actor, "extended", f"New end date {action.new_end}: {action.reason}")

    def cancel(self, action: CancelPlan) -> None:
        self.cancellation = Note(author=action.actor, text=action.reason, at=self.now())
        self.event(action.actor, "cancelled", action.reason)

    def note_refusal(self, refusal: Refusal) -> None:
        self.refusals.append(
            AuditEntry(
                key=f"refusal-{len(self.refusals) + 1}",
                at=self.now(),
                actor=refusal.actor,
                action=refusal.action,
                detail=refusal.reason,
                version=self.version.number,
                refused=True,
            )
        )

    def close_without_review(self) -> None:
        self.outcome = Outcome.closed_without_review
        self.event("system", "closed_without_review", "No review was submitted in time")

    def proposed_content(self, action: ProposeActivities, role: Role) -> PlanContent:
        """The plan with the proposer's list: edits keep their author, new ones get one."""
        content = self.version.content
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
                    raise Refused(
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
            raise Refused(RefusalKind.BadData, "; ".join(explain(error))) from None

    def author_role(self, email: str) -> Role:
        """Manager or team member; the checks have already refused anyone else."""
        roles = self.parties.roles_of(email) & AUTHORS
        return Role.manager if Role.manager in roles else Role.team_member

    # Signatures.

    def fully_signed(self) -> bool:
        return not self.unsigned()

    def unsigned(self) -> list[Role]:
        """Who has no valid signature on exactly the current version."""
        signed = {
            s.role
            for s in self.signatures
            if s.valid and s.version == self.version.number and s.sha256 == self.version.sha256
        }
        return sorted(AUTHORS - signed)

    def _void_signatures(self, because: str) -> bool:
        now = self.now()
        voided = [s for s in self.signatures if s.valid]
        self.signatures = [
            s.model_copy(update={"voided_at": now, "voided_because": because}) if s.valid else s
            for s in self.signatures
        ]
        return bool(voided)

    # Check-ins.

    def _schedule_check_ins(self) -> None:
        """Adds the timeline's check-ins still ahead; an extension continues the same rhythm."""
        content = self.version.content
        now = self.now()
        times = check_in_times(content.cadence, content.timeline.start, content.timeline.end)
        after = self.check_ins[-1].due_at if self.check_ins else now
        for at in times:
            if at > max(after, now):
                self.check_ins.append(CheckIn(number=len(self.check_ins) + 1, due_at=at))

    def check_in(self, number: int) -> CheckIn:
        return self.check_ins[number - 1]

    def next_check_in(self) -> CheckIn | None:
        """The first check-in still ahead, whose timer the story waits on."""
        return next((c for c in self.check_ins if c.status is CheckInStatus.scheduled), None)

    def schedule(self) -> Hashable:
        """Changes whenever a check-in moves, is skipped or is recorded early."""
        return tuple((c.due_at, c.status) for c in self.check_ins)

    def awaits_notes(self, number: int) -> bool:
        return self.check_in(number).status in (CheckInStatus.due, CheckInStatus.overdue)

    def check_in_due(self, number: int) -> None:
        """Its time came: earlier ones still without notes are missed, this one is due."""
        self.mark_missed_before(number)
        if self.check_in(number).recorded_at is None:
            self._replace_check_in(number, status=CheckInStatus.due)

    def check_in_overdue(self, number: int) -> None:
        if self.awaits_notes(number):
            self._replace_check_in(number, status=CheckInStatus.overdue)

    def mark_missed_before(self, number: int) -> None:
        for earlier in self.check_ins[: number - 1]:
            if earlier.status in (CheckInStatus.due, CheckInStatus.overdue):
                self._replace_check_in(earlier.number, status=CheckInStatus.missed)

    def _replace_check_in(self, number: int, **changes: object) -> None:
        self.check_ins[number - 1] = self.check_in(number).model_copy(update=changes)

    def local_time(self, moment: datetime) -> str:
        """A time as the team member lives it, with the zone named."""
        cadence = self.version.content.cadence
        return f"{moment.astimezone(cadence.zone):%a %Y-%m-%d %H:%M} {cadence.time_zone}"

    # What anyone may read: status, the review form, who owes what, HR's record.

    def shared_roles(self) -> list[Role]:
        """Whom the document is shared with now: the daily sweep's allowed set.

        Alignment shares it with the manager and skip-level; a plan that ends there adds HR
        (`readers`); from co-authoring on, all four parties."""
        if self.alignment_approved:
            return ALL_PARTIES
        if self.phase.is_final:
            return self.readers()
        return BEFORE_TEAM_MEMBER

    def shared_with(self) -> list[Person]:
        """The people of `shared_roles`, once each."""
        roles = self.shared_roles()
        people = {person.email: person for role in roles for person in self.parties.person(role)}
        return list(people.values())

    def check_in_declined(self, occurrence_at: datetime, email: str) -> CheckIn | None:
        """An attendee declined the check-in planned for `occurrence_at`: the check-in, the
        first time the sweep finds it (and again once it has moved), else None."""
        check_in = next(
            (c for c in self.check_ins if (c.occurrence_at or c.due_at) == occurrence_at), None
        )
        if check_in is None or check_in.status not in (CheckInStatus.scheduled, CheckInStatus.due):
            return None
        key = (check_in.number, email, check_in.due_at)
        if key in self._declines_told:
            return None
        self._declines_told.add(key)
        person = next((p for p in self.parties.everyone if p.email == email), None)
        who = person.name if person is not None else email
        self.event(email, "check_in_declined", f"Check-in {check_in.number}: declined by {who}")
        return check_in

    def readers(self) -> list[Role]:
        """Who may see the plan now: the team member only once alignment is done."""
        return [*BEFORE_TEAM_MEMBER, Role.hr] if not self.alignment_approved else ALL_PARTIES

    def review_form(self) -> ReviewForm:
        return prefill_review_form(self.version.content, self.check_ins)

    def owing(self) -> list[Role]:
        return [o.role for o in self.owed() if not o.optional]

    def owed(self, answer_by: datetime | None = None) -> list[Obligation]:
        """Who owes what by when, derived from the state so it can never drift. `answer_by`
        is the step's deadline when the wait for it is about to start."""
        by = answer_by or self.respond_by

        def owes(
            role: Role, action: str, due: datetime | None = by, optional: bool = False
        ) -> Obligation:
            people = [p.email for p in self.parties.person(role)]
            return Obligation(role=role, who=people, action=action, due=due, optional=optional)

        version = self.version.number
        match self.phase:
            case Phase.alignment if self.changes_requested is not None:
                return [owes(Role.manager, "revise the draft (changes requested)")]
            case Phase.alignment:
                return [owes(Role.skip_level, f"approve version {version} or request changes")]
            case Phase.co_authoring:
                return [
                    owes(role, f"propose changes or mark version {version} ready")
                    for role in sorted(AUTHORS - self.ready)
                ]
            case Phase.signing:
                return [owes(role, f"sign version {version}") for role in self.unsigned()]
            case Phase.active:
                return [
                    *(
                        owes(
                            Role.manager,
                            f"record check-in {c.number}",
                            c.due_at + self.policy.check_in_grace,
                        )
                        for c in self.check_ins
                        if c.status in (CheckInStatus.due, CheckInStatus.overdue)
                    ),
                    *(self._coming_up(owes) if self._check_ins_are_deadlines else []),
                ]
            case Phase.review if self.review is None:
                return [
                    owes(Role.manager, "submit the review or extend the plan", self.review_due_at)
                ]
            case Phase.review:
                return [owes(Role.team_member, "comment on the review", optional=True)]
            case _:
                return []

    def _coming_up(self, owes: Callable[..., Obligation]) -> list[Obligation]:
        """A running plan always waits for something: its start, then its next check-in."""
        content = self.version.content
        starts_at = plan_starts_at(content)
        if self.now() < starts_at:
            return [owes(Role.manager, f"start the plan on {content.timeline.start}", starts_at)]
        coming = self.next_check_in()
        if coming is None:
            return []
        return [owes(Role.manager, f"hold check-in {coming.number}", coming.due_at)]

    def notice(self, kind: NoticeKind, to: Sequence[Role], **about: Any) -> NoticeOrder:
        """What happened, to whom, and what is owed by when: each notice has its own id, so
        the message goes out once however often the activity is retried."""
        self.notices_sent += 1
        return NoticeOrder(
            plan_id=self.plan_id,
            event_id=f"{self.notices_sent:03d}-{kind.value}",
            kind=kind,
            to=list(to),
            phase=self.phase,
            version=self.version.number,
            owed=self.owed(self._answer_due() if kind in OPENS_A_WAIT else None),
            team_member_included=self.alignment_approved,
            **about,
        )

    def _answer_due(self) -> datetime | None:
        """When the step a notice asks for is due: the story's wait for it starts (or starts
        afresh) as the notice goes out, and reminds after the phase's delay."""
        reminder_after = {
            Phase.alignment: self.policy.alignment_reminder_after,
            Phase.co_authoring: self.policy.co_authoring_reminder_after,
            Phase.signing: self.policy.signing_reminder_after,
        }.get(self.phase)
        return None if reminder_after is None else self.now() + reminder_after

    def moment(self, check_in: CheckIn, previous_at: datetime | None = None) -> CheckInMoment:
        return CheckInMoment(
            number=check_in.number,
            at=check_in.due_at,
            previous_at=previous_at,
            time_zone=self.version.content.cadence.time_zone,
        )

    def result(self, message: str) -> ActionResult:
        """An accepted action's answer, for the person who took it."""
        return ActionResult(message=message, phase=self.phase, version=self.version.number)

    def status(self) -> PlanStatus:
        version = self.version
        return PlanStatus(
            plan_id=self.plan_id,
            phase=self.phase,
            outcome=self.outcome,
            parties=self.parties,
            team_member_included=self.alignment_approved,
            version=version.number,
            content=version.content,
            sha256=version.sha256,
            versions=self.versions,
            ready=sorted(self.ready),
            signatures=self.signatures,
            consents=list(self.consents.values()),
            check_ins=self.check_ins,
            review_due_at=self.review_due_at,
            review=self.review,
            extended_to=self.extended_to,
            owed=self.owed(),
            events=self.events,
            documents=self.documents,
            held_because=self.held_because,
        )

    def operator_view(self) -> tuple[Phase, datetime | None]:
        """What operators filter on in the Temporal UI."""
        return self.phase, next_deadline(self.owed())

    def record_state(self) -> Hashable:
        """Everything a record holds changes one of these (every action adds an event, and
        the start date passing moves the deadline on)."""
        return (
            self.phase,
            self.outcome,
            len(self.events),
            len(self.refusals),
            self.respond_by,
            self.review_due_at,
            self.schedule(),
            self._check_ins_are_deadlines and next_deadline(self.owed()),
        )


def role_names(roles: set[Role] | frozenset[Role]) -> str:
    return " or ".join(role.value.replace("_", " ") for role in sorted(roles))
