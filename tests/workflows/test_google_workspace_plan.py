"""A whole plan with COACHPLAN_INTEGRATIONS=google and COACHPLAN_DIRECTORY=google, on the
time-skipping server, against the fake Google over real HTTP: its parties come from the
Workspace directory, and everything asserted is what Google itself would hold."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from temporalio.testing import WorkflowEnvironment

from coaching.actions import CancelPlan, MoveCheckIn, SkipCheckIn, StartPlan, workflow_id_for
from coaching.org import DirectoryEntry, OrgDirectory
from coaching.policy import PlanPolicy
from coaching.settings import Settings
from coaching.status import Phase
from integrations import build_integrations
from integrations.google.calendar import event_id
from starter.plan_client import load_directory
from store.plan_records import PlanRecords
from tests.fake_google import FakeGoogle, running_fake_google
from tests.fake_google.directory import HR_GROUP
from tests.workflows.running_plan import (
    HR,
    MANAGER,
    MEMBER,
    PARTIES,
    SKIP,
    STRANGER,
    RunningPlan,
    plan_content,
)
from worker import build_worker
from workflows.coaching_plan import CoachingPlanWorkflow as Plan
from workflows.daily_sweep import DailySweepWorkflow, SweepRequest, SweepSummary

MAILBOX = HR.email
TEMPLATE = "coachplan-template"
FOLDER = "coaching-plans-folder"
DECLINED = "[Coaching plan] A check-in invitation was declined"


@dataclass
class GooglePlan:
    plan: RunningPlan
    fake: FakeGoogle
    task_queue: str

    def document(self) -> str:
        [document] = self.fake.drive.documents()[1:]
        return document.id

    def readers(self) -> dict[str, str]:
        """Everyone who can open the plan's document, but its owner."""
        owner = {MAILBOX: "owner"}
        return {
            email: role
            for email, role in self.fake.drive.permissions_of(self.document()).items()
            if {email: role} != owner
        }

    def subjects_to(self, person: str) -> list[str]:
        return [m.subject for m in self.fake.gmail.sent(MAILBOX) if person in (a for _, a in m.to)]

    async def sweep(self) -> SweepSummary:
        client = self.plan.env.client
        return await client.execute_workflow(
            DailySweepWorkflow.run,
            SweepRequest(),
            id=f"sweep-{uuid.uuid4()}",
            task_queue=self.task_queue,
        )


def company() -> OrgDirectory:
    """The plan's four parties, as an administrator keeps them in Workspace."""
    return OrgDirectory(
        company="Example",
        people=[
            DirectoryEntry(**SKIP.model_dump()),
            DirectoryEntry(**MANAGER.model_dump(), manager=SKIP.id),
            DirectoryEntry(**MEMBER.model_dump(), manager=MANAGER.id),
            DirectoryEntry(**HR.model_dump(), hr=True),
        ],
    )


@pytest.fixture
def google(tmp_path: Path) -> Iterator[tuple[FakeGoogle, Settings]]:
    with running_fake_google() as (fake, url):
        fake.directory.seed_from_org(company())
        template = fake.drive.add_file(MAILBOX, "Coaching plan template", file_id=TEMPLATE)
        fake.docs.create(template.id, template.name)
        fake.drive.add_file(
            MAILBOX, "Coaching plans", "application/vnd.google-apps.folder", file_id=FOLDER
        )
        settings = Settings(
            data_dir=tmp_path,
            integrations="google",
            google_key_file=fake.key_file(tmp_path / "key.json", url),
            google_api_endpoint=url,
            google_mailbox=MAILBOX,
            google_template_id=TEMPLATE,
            google_folder_id=FOLDER,
            directory="google",
            google_admin=HR.email,
            google_hr_group=HR_GROUP,
        )
        yield fake, settings


@pytest.fixture
async def google_plan(
    time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    sqlite_store: Engine,
    google: tuple[FakeGoogle, Settings],
) -> AsyncIterator[GooglePlan]:
    fake, settings = google
    built = build_integrations(settings)
    integrations = replace(built, records=PlanRecords(sqlite_store))
    parties = load_directory(settings).parties_for(MANAGER.email, MEMBER.email)
    assert [p.email for p in parties.everyone] == [p.email for p in PARTIES.everyone]
    task_queue = f"plans-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=8) as executor:
        async with build_worker(time_skipping_env.client, task_queue, integrations, executor):
            today = (await time_skipping_env.get_current_time()).date()
            start = today + timedelta(days=7)
            plan_id = uuid.uuid4().hex[:12]
            handle = await time_skipping_env.client.start_workflow(
                Plan.run,
                StartPlan(
                    plan_id=plan_id,
                    parties=parties,
                    content=plan_content(start),
                    policy=PlanPolicy(),
                ),
                id=workflow_id_for(plan_id),
                task_queue=task_queue,
            )
            running = RunningPlan(time_skipping_env, handle, tmp_path, start, sqlite_store)
            await running.reaches(Phase.alignment)
            yield GooglePlan(running, fake, task_queue)


async def test_a_whole_plan_lives_in_google_workspace(google_plan: GooglePlan) -> None:
    plan, fake = google_plan.plan, google_plan.fake

    [document] = fake.drive.documents()[1:]
    assert document.parents == [FOLDER]
    assert document.app_properties["coachplanPlanId"] == plan.plan_id
    assert google_plan.readers() == {MANAGER.email: "commenter", SKIP.email: "commenter"}
    assert "Coaching plan for Tom Member" in fake.docs.text(document.id)
    assert google_plan.subjects_to(SKIP.email), "the skip-level is asked to align"
    assert not google_plan.subjects_to(MEMBER.email)
    assert (await plan.status()).documents == [
        f"https://docs.google.com/document/d/{document.id}/edit"
    ]

    await plan.align()
    await plan.reaches(Phase.co_authoring)
    assert google_plan.readers() == {
        MANAGER.email: "commenter",
        MEMBER.email: "commenter",
        SKIP.email: "commenter",
        HR_GROUP: "commenter",
    }, "HR reads through its group from co-authoring on (and owns it: its mailbox is HR's)"
    assert google_plan.subjects_to(MEMBER.email)

    await plan.agree()
    await plan.sign_by(MANAGER)
    await plan.sign_by(MEMBER)
    status = await plan.reaches(Phase.active)
    assert len(fake.drive.documents()) == 2, "one document, updated at every version"
    assert "Signatures" in fake.docs.text(document.id)

    series = (await plan.handle.query(Plan.guarded)).series
    assert series is not None
    series_id = event_id(series)
    event = fake.calendar.event(MANAGER.email, series_id)
    assert event is not None
    [rule] = event["recurrence"]
    assert rule.startswith("RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;UNTIL=")
    assert event["start"]["timeZone"] == status.content.cadence.time_zone
    assert {a["email"] for a in event["attendees"]} == {MANAGER.email, MEMBER.email}
    assert event["extendedProperties"]["private"]["coachplanPlanId"] == plan.plan_id
    assert event["description"] == (
        f"Your coaching plan's check-in. The plan: http://localhost:8000/plans/{plan.plan_id}"
    )
    planned = [c.due_at for c in status.check_ins]
    assert len(fake.calendar.instances_of(MANAGER.email, series_id)) == len(planned)

    await plan.act(
        Plan.move_check_in,
        MoveCheckIn(
            actor=MANAGER.email,
            number=2,
            to=planned[1] + timedelta(days=1),
            reason="Thursday is a holiday",
        ),
    )
    await plan.act(
        Plan.skip_check_in,
        SkipCheckIn(actor=MANAGER.email, number=3, reason="Company offsite that week"),
    )
    await plan.settled()
    starts = [i["start"]["dateTime"] for i in fake.calendar.instances_of(MANAGER.email, series_id)]
    assert len(starts) == len(planned) - 1, "the skipped check-in is gone"

    fake.drive.share(document.id, STRANGER, "reader")
    fake.calendar.respond(series_id, planned[3], MEMBER.email, "declined")
    summary = await google_plan.sweep()
    await plan.settled()
    assert summary.plans == 1
    assert summary.readers_removed == 1
    assert summary.check_ins_declined == 1
    assert STRANGER not in google_plan.readers()
    assert DECLINED in google_plan.subjects_to(MANAGER.email)
    audit = [(line.action, line.detail) for line in (await plan.stored()).audit]
    assert ("access_removed", f"Not a party, removed from the document: {STRANGER}") in audit

    again = await google_plan.sweep()
    await plan.settled()
    assert (again.readers_removed, again.check_ins_declined) == (0, 1)
    assert google_plan.subjects_to(MANAGER.email).count(DECLINED) == 1

    await plan.advance_to(planned[0] + timedelta(hours=2))
    await plan.settled()
    await plan.act(Plan.cancel, CancelPlan(actor=MANAGER.email, reason="Moving to another team"))
    await plan.reaches(Phase.cancelled)
    await plan.settled()
    cut = fake.calendar.event(MANAGER.email, series_id)
    assert cut is not None
    assert cut["status"] != "cancelled", "the check-in held stays in people's calendars"
    assert cut["recurrence"] != event["recurrence"], "the series ends at the cancellation"
    [kept] = fake.calendar.instances_of(MANAGER.email, series_id)
    assert kept["originalStartTime"]["dateTime"].startswith(
        planned[0].astimezone(status.content.cadence.zone).strftime("%Y-%m-%dT%H:%M")
    )
    assert len(fake.drive.documents()) == 2
    messages = fake.gmail.sent(MAILBOX)
    assert len({m.message_id for m in messages}) == len(messages), "no message twice"
    stored = (await plan.stored()).plan
    assert stored.document == f"https://docs.google.com/document/d/{document.id}/edit"
    assert stored.calendar is not None

    await plan.handle.result()
    certificates = [f for f in fake.drive.files.values() if f.mime_type == "application/pdf"]
    assert sorted(f.app_properties["coachplanCertificate"] for f in certificates) == [
        f"certificate-v{status.version}-closed.pdf",
        f"certificate-v{status.version}-signed.pdf",
    ], "sealed when both signed, and the final record at the cancellation"
    for certificate in certificates:
        assert certificate.parents == [FOLDER]
        assert certificate.content.startswith(b"%PDF")
        assert fake.drive.permissions_of(certificate.id) == {
            **google_plan.readers(),
            MAILBOX: "owner",
        }, "shared like the plan's document, with its parties only"
    await plan.keep_history("google_workspace_swept_and_cancelled")
