"""`coachplan demo`: one whole plan, 30 days of it, on the time-skipping server in seconds.

Each step is done the way its person would do it, through the same `PlanClient` the CLI
uses, with the real workflow, activities and local integrations. Only the clock is fast.
"""

from __future__ import annotations

import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta, tzinfo
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment

from activities.documents import signing_copy
from coaching.actions import (
    SIGNING_INTENT,
    Action,
    ActivityDraft,
    ActivityProgress,
    AddCheckInNote,
    ApproveAlignment,
    CommentOnReview,
    MarkReady,
    ProposeActivities,
    RecordCheckIn,
    RequestChanges,
    RevisePlan,
    SignRequest,
    SubmitReview,
    SupportDelivery,
    workflow_id_for,
)
from coaching.converter import plan_data_converter
from coaching.evidence import CLI_DEVELOPMENT
from coaching.form import PlanForm
from coaching.key_ring import key_ring_on_first_use
from coaching.plan import ActivityStatus
from coaching.settings import Settings
from coaching.status import CheckInStatus, Phase, PlanStatus
from coaching.visibility import register_search_attributes
from integrations import build_integrations
from integrations.local.sealing_ca import LocalSealingCa
from starter.binaries import installed_binary
from starter.display import show_status
from starter.local_stack import EXAMPLE_FORM, prepare_local_sealing
from starter.plan_client import PlanClient, load_directory
from store.database import create_store_engine
from store.hr_queries import HrQueries
from store.schema import upgrade_database
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow as Plan

QUIET_RUNTIME = Runtime(
    telemetry=TelemetryConfig(
        logging=LoggingConfig(filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))
    )
)
"""The test server lacks features a real cluster has; its warnings would only confuse."""
OUTPUTS = ("documents", "invites", "outbox")


class DemoStory:
    """The people of the example org play their parts; `step` narrates with the plan's clock,
    in the team member's time zone: the plan is theirs."""

    def __init__(self, env: WorkflowEnvironment, plans: PlanClient, console: Console) -> None:
        self.env = env
        self.plans = plans
        self.console = console
        self.plan_id = ""
        self.zone: tzinfo = UTC

    async def step(self, who: str, what: str) -> None:
        now = (await self.env.get_current_time()).astimezone(self.zone)
        self.console.print(f"[dim]{now:%a %d %b %H:%M %Z}[/] [bold]{who}[/] {escape(what)}")

    async def status(self) -> PlanStatus:
        return await self.plans.status(self.plan_id, self.plans.directory.hr_people[0].email)

    async def wait_for(self, phase: Phase) -> PlanStatus:
        while (status := await self.status()).phase is not phase:
            await self.env.sleep(timedelta(minutes=1))
        return status

    async def play(self, form: PlanForm, manager: str) -> PlanStatus:
        today = (await self.env.get_current_time()).date()
        started = await self.plans.start(form, manager, today)
        self.plan_id = started.plan_id
        parties = started.parties
        boss, member, skip = parties.manager, parties.team_member, parties.skip_level
        self.zone = member.zone
        self.console.print(f"Times are {member.name}'s, in {member.zone}.")
        await self.step(boss.name, f"starts plan {self.plan_id} for {member.name}")

        await self.env.sleep(timedelta(hours=20))
        await self.act(
            skip.name,
            "asks for a sharper target",
            Plan.request_changes,
            RequestChanges(
                actor=skip.email, comment="Name who approves the design, so the target is clear."
            ),
        )
        revised_goal = started.content.goal.model_copy(
            update={"target": "Design approved by two named senior reviewers; milestone 1 set"}
        )
        await self.env.sleep(timedelta(hours=3))
        await self.act(
            boss.name,
            "revises the draft",
            Plan.revise,
            RevisePlan(
                actor=boss.email,
                content=started.content.model_copy(update={"goal": revised_goal}),
                summary="Reviewers named in the target",
            ),
        )
        await self.act(
            skip.name,
            "approves: the plan is shared with " + member.name,
            Plan.approve,
            ApproveAlignment(actor=skip.email, comment="Right opportunity, right time."),
        )

        status = await self.wait_for(Phase.co_authoring)
        await self.env.sleep(timedelta(days=1))
        drafts = [
            ActivityDraft(id=a.id, description=a.description) for a in status.content.activities
        ]
        drafts.append(
            ActivityDraft(description="Write a one-page summary of the design for support")
        )
        await self.act(
            member.name,
            "proposes one more activity (a counter-proposal)",
            Plan.propose_activities,
            ProposeActivities(actor=member.email, activities=drafts, note="Support asked for this"),
        )
        status = await self.status()
        await self.act(
            boss.name,
            f"accepts version {status.version}",
            Plan.mark_ready,
            MarkReady(actor=boss.email, version=status.version),
        )

        status = await self.wait_for(Phase.signing)
        copy = signing_copy(status.plan_id, status.versions[-1], status.parties)
        for person in (boss, member):
            request = SignRequest(
                actor=person.email,
                version=status.version,
                sha256=status.sha256,
                intent=SIGNING_INTENT,
                document_sha256=copy.sha256,
                consent_to_sign_electronically=True,
            )
            await self.plans.sign(self.plan_id, request, CLI_DEVELOPMENT)
            await self.step(
                person.name,
                f"agrees to sign electronically and signs version {status.version} "
                f"(SHA-256 {status.sha256[:12]}…)",
            )

        status = await self.wait_for(Phase.active)
        await self.step("calendar", f"{len(status.check_ins)} weekly check-ins sent as one series")
        for commitment in status.content.support:
            await self.step(
                boss.name, f"promises support {commitment.id}: {commitment.description}"
            )
        for check_in in status.check_ins:
            await self.advance_to_check_in(check_in.number, status)
            done = check_in.number >= len(status.check_ins) - 1
            recorded = RecordCheckIn(
                actor=boss.email,
                number=check_in.number,
                progress=[
                    ActivityProgress(
                        activity_id=a.id,
                        status=ActivityStatus.done if done else ActivityStatus.in_progress,
                        note="on track" if not done else "finished",
                    )
                    for a in status.content.activities
                ],
                support=[
                    SupportDelivery(support_id=s.id, delivered=True)
                    if check_in.number != 2 or s.id == "s1"
                    else SupportDelivery(
                        support_id=s.id, delivered=False, note="travelling that week"
                    )
                    for s in status.content.support
                ],
                feedback="Clear writing; the review questions were handled calmly.",
            )
            await self.act(
                boss.name,
                f"records check-in {check_in.number}; {delivery(recorded.support)}",
                Plan.record_check_in,
                recorded,
            )
            await self.act(
                member.name,
                "adds a note",
                Plan.add_check_in_note,
                AddCheckInNote(
                    actor=member.email, number=check_in.number, note="The office hour helped."
                ),
            )

        assert status.review_due_at is not None
        await self.env.sleep(status.review_due_at - await self.env.get_current_time())
        await self.wait_for(Phase.review)
        form_now = await self.plans.review_form(self.plan_id, boss.email)
        await self.step(
            "review form",
            f"pre-filled from {form_now.check_ins_recorded} check-ins; suggests "
            f"{form_now.suggested_outcome.value}",
        )
        await self.act(
            boss.name,
            f"submits the review: {form_now.suggested_outcome.value}",
            Plan.submit_review,
            SubmitReview(
                actor=boss.email,
                outcome=form_now.suggested_outcome,
                achievements="Design approved by both reviewers; milestone 1 is scheduled.",
                next_steps="Lead milestone 2 with less support; mentor a newer engineer.",
            ),
        )
        await self.act(
            member.name,
            "comments on the review",
            Plan.comment_on_review,
            CommentOnReview(actor=member.email, comment="Thank you: I want to do this again."),
        )
        await self.env.client.get_workflow_handle(workflow_id_for(self.plan_id)).result()
        return await self.status()

    async def advance_to_check_in(self, number: int, status: PlanStatus) -> None:
        due = status.check_ins[number - 1].due_at
        await self.env.sleep(due + timedelta(hours=1) - await self.env.get_current_time())
        while (await self.status()).check_ins[number - 1].status is CheckInStatus.scheduled:
            await self.env.sleep(timedelta(minutes=1))

    async def act(self, who: str, what: str, update: Any, action: Action) -> None:
        await self.plans.act(self.plan_id, update, action)
        await self.step(who, what)


def delivery(support: list[SupportDelivery]) -> str:
    """Which support commitments were delivered at a check-in, and which were not, and why."""
    given = [s.support_id for s in support if s.delivered]
    missed = [s for s in support if not s.delivered]
    said = [
        f"support {', '.join(given)} delivered" if given else "",
        f"{', '.join(s.support_id for s in missed)} not delivered" if missed else "",
    ]
    why = "; ".join(sorted({s.note for s in missed if s.note}))
    return ", ".join(part for part in said if part) + (f" ({why})" if why else "")


async def run_demo(folder: Path, settings: Settings, console: Console) -> int:
    for output in OUTPUTS:
        shutil.rmtree(folder / output, ignore_errors=True)
    local_ca = LocalSealingCa(settings.data_dir) if settings.sealing_key_file is None else None
    demo_settings = settings.model_copy(
        update={
            "data_dir": folder,
            "task_queue": f"demo-{uuid.uuid4().hex[:8]}",
            "database_url": settings.database,
        }
        | _sealed_like(local_ca)
    )
    console.print(upgrade_database(settings.database))
    keys = key_ring_on_first_use(settings, console.print)
    made = prepare_local_sealing(settings)
    if made is not None:
        console.print(made, highlight=False)
    form = PlanForm.load(EXAMPLE_FORM)
    directory = load_directory(demo_settings)
    manager = directory.by_id(directory.by_email(form.team_member).manager or "").email
    console.rule("A coaching plan, 30 days in seconds (time-skipping test server)")
    async with await WorkflowEnvironment.start_time_skipping(
        data_converter=plan_data_converter(keys),
        runtime=QUIET_RUNTIME,
        test_server_existing_path=str(installed_binary("temporal-test-server")),
    ) as env:
        await register_search_attributes(env.client, env.client.namespace)
        with ThreadPoolExecutor(max_workers=8) as executor:
            worker = build_worker(
                env.client, demo_settings.task_queue, build_integrations(demo_settings), executor
            )
            async with worker:
                records = HrQueries(create_store_engine(demo_settings.database))
                plans = PlanClient(env.client, demo_settings, directory, records)
                story = DemoStory(env, plans, console)
                final = await story.play(form, manager)
    show_status(final, console, final.parties.team_member.zone)
    console.print(f"\n[bold]Plan {final.plan_id} closed as {final.outcome}[/]. What it made:")
    for output in OUTPUTS:
        files = sorted((folder / output).rglob("*.*"))
        console.print(f"  {folder / output}/  ({len(files)} files)")
    sealed = sorted(
        (folder / "documents").rglob("certificate-*.pdf"), key=lambda p: p.stat().st_mtime
    )
    _show_certificates(sealed, local_ca, console)
    return 0 if final.outcome is not None else 1


def _sealed_like(local_ca: LocalSealingCa | None) -> dict[str, Path]:
    """The demo seals with the local CA of `make run`: one root to trust, whatever ran."""
    if local_ca is None:
        return {}
    files = local_ca.files
    return {"sealing_key_file": files.key, "sealing_certificate_file": files.certificate}


def _show_certificates(
    certificates: list[Path], local_ca: LocalSealingCa | None, console: Console
) -> None:
    console.print("Certificates of completion, sealed, in order:")
    for path in certificates:
        console.print(f"  {path}", highlight=False)
    if certificates:
        root = local_ca.ca_certificate if local_ca else "<the organisation's root CA>"
        console.print(
            f"Check one: coachplan verify --pdf {certificates[-1]} --trust {root}",
            highlight=False,
        )
