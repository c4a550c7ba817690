"""How people reach their plans: start one, act on it, read it, list theirs.

Shared by the CLI and the web app, so access rules and error wording live once. Every failure
a person can cause becomes a `PlanError` with a sentence they can act on; its kind tells the
web app which status to answer with.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import OperationalError
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.documents import signing_copy
from coaching.actions import (
    Action,
    SignPlan,
    SignRequest,
    StartPlan,
    plan_id_for,
    workflow_id_for,
)
from coaching.connection import (
    SDK_CONNECT_FAILED,
    TemporalConnectError,
    connect,
    connect_error,
    describe_execution,
)
from coaching.evidence import ConsentRecord, Disclosure, Identification, SigningContext
from coaching.form import PlanForm
from coaching.org import DirectoryError, DirectorySource, OrgDirectory
from coaching.plan import Role
from coaching.records import Refusal
from coaching.settings import Settings
from coaching.status import ActionResult, PlanStatus, PlanSummary, RefusalKind, ReviewForm
from coaching.validation import explain
from store.consents import ConsentRecords
from store.database import create_store_engine, describe
from store.hr_queries import HrQueries
from workflows.coaching_plan import CoachingPlanWorkflow

PLAN_ID = re.compile(r"^[a-z0-9]{6,32}$")
Answer = TypeVar("Answer")
QUERY_TIMEOUT = timedelta(seconds=10)
"""A query needs a worker; without one, say so instead of waiting forever."""
NOT_READY_PATIENCE = timedelta(seconds=30)
"""Right after a worker is lost, Temporal refuses Updates ("Workflow Task in failed state")
until another worker has taken the plan's task again, which takes seconds."""


MAX_PLANS_PER_PERSON = 1000
"""A bound on the search for a team member's next plan id; nobody gets near it."""


class PlanError(Exception):
    """Something the person asked for cannot be done; the message says why."""

    def about(self, fields: Collection[str]) -> tuple[str, str] | None:
        """(field, rule) when the message is `field: rule` about one of `fields`, so a form
        can show it beside that field."""
        field, separator, rule = str(self).partition(": ")
        return (field, rule) if separator and field in fields else None


class PlanNotFound(PlanError):
    """No such plan, or one the person may not see: the two answer alike, so nobody learns
    which plans exist."""

    def __init__(self, plan_id: str) -> None:
        super().__init__(f"there is no plan {plan_id}")
        self.plan_id = plan_id


class NotAllowed(PlanError):
    """The person is known but this is not theirs to see or do (HR's records, say)."""


class ActionRefused(PlanError):
    """The workflow's validator refused an action; `kind` says why (person, phase, data)."""

    def __init__(self, kind: RefusalKind, reason: str) -> None:
        super().__init__(f"refused: {reason}")
        self.kind = kind
        self.reason = reason


class PlanNotAnswering(PlanError):
    """The plan exists, but no worker answers for it now: nothing the person did is at
    fault, and the same request works once a worker has the plan again."""


class OpenPlanExists(PlanError):
    """A team member has one open plan at a time; this names it."""

    def __init__(self, plan_id: str, team_member: str) -> None:
        super().__init__(
            f"team_member: {team_member} already has an open coaching plan ({plan_id}); "
            "a new one can start once it is closed or cancelled"
        )
        self.plan_id = plan_id


class TemporalUnavailable(Exception):
    """The Temporal server cannot be reached: nothing the person typed is at fault.

    `retryable` is False when Temporal answered but refused this client (TLS settings,
    certificates): waiting cannot help then."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


def unreachable(settings: Settings, error: Exception) -> TemporalUnavailable:
    """The words for a Temporal that cannot be reached, from the SDK's connection error."""
    failure = error if isinstance(error, TemporalConnectError) else connect_error(settings, error)
    return TemporalUnavailable(str(failure), retryable=not failure.tls_refused)


class DatabaseUnavailable(Exception):
    """HR's records cannot be read: nothing the person typed is at fault."""


class PlanClient:
    def __init__(
        self, client: Client, settings: Settings, directory: DirectorySource, records: HrQueries
    ) -> None:
        self._client = client
        self._settings = settings
        self._directory = directory
        self._records = records
        self._consents = ConsentRecords(records.engine)
        self._disclosure = settings.disclosure()
        """Read once: every signer of this process is asked to consent to the same wording."""

    @property
    def directory(self) -> OrgDirectory:
        return self._directory.current()

    @classmethod
    async def connect(cls, settings: Settings) -> PlanClient:
        """Raises `TemporalUnavailable` at once if Temporal cannot be reached now."""
        directory = directory_source(settings)
        try:
            client = await connect(settings)
        except RuntimeError as error:
            raise unreachable(settings, error) from None
        return cls(client, settings, directory, HrQueries(create_store_engine(settings.database)))

    async def start(self, form: PlanForm, manager_email: str, today: date) -> StartPlan:
        """Starts the plan's workflow; raises `ValidationError` for a form that breaks a rule.

        A team member's plans get ids from a keyed sequence, so two starts racing for the same
        person (two tabs, the CLI and the web) ask Temporal for the same workflow id, and
        Temporal lets exactly one of them start it. HR's store says where the sequence is.
        """
        try:
            parties = self.directory.parties_for(manager_email, form.team_member)
        except DirectoryError as error:
            raise PlanError(str(error)) from None
        member = parties.team_member
        content = form.to_content(today)
        open_plan = await self._read_records(lambda: self._records.open_plan_of(member.id))
        if open_plan is not None and await self._is_open(open_plan.plan_id):
            raise OpenPlanExists(open_plan.plan_id, member.name)
        first = await self._read_records(lambda: self._records.plans_started_for(member.id))
        for sequence in range(first, first + MAX_PLANS_PER_PERSON):
            start = StartPlan(
                plan_id=plan_id_for(self._settings.secret_key, member.id, sequence),
                parties=parties,
                content=content,
                policy=self._settings.policy,
            )
            try:
                await self._guard(partial(self._start_workflow, start))
            except WorkflowAlreadyStartedError:
                if await self._is_open(start.plan_id):
                    raise OpenPlanExists(start.plan_id, member.name) from None
                continue
            return start
        raise PlanError(f"team_member: {member.name} has too many plans to start another")

    async def _start_workflow(self, start: StartPlan) -> None:
        await self._client.start_workflow(
            CoachingPlanWorkflow.run,
            start,
            id=workflow_id_for(start.plan_id),
            task_queue=self._settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        )

    async def _is_open(self, plan_id: str) -> bool:
        """Asks the plan itself: HR's store may not have heard of a closure a moment ago."""
        try:
            status = await self._query(plan_id)
        except (PlanNotFound, ActionRefused):
            return False
        return not status.phase.is_final

    async def _read_records(self, query: Callable[[], Answer]) -> Answer:
        """On a thread: the store's driver blocks, and the event loop serves others meanwhile."""
        try:
            return await asyncio.to_thread(query)
        except OperationalError as error:
            raise DatabaseUnavailable(
                f"cannot read HR's records at {describe(self._records.engine)}: {error.orig}"
            ) from None

    async def status(self, plan_id: str, viewer: str) -> PlanStatus:
        """The live state, for one of the plan's four parties (or anyone in HR) only.

        When the plan cannot answer (no worker), only those who may see it hear why; anyone
        else hears that there is no such plan, as for a plan that does not exist.
        """
        try:
            status = await self._query(plan_id)
        except PlanNotFound:
            raise
        except PlanError:
            if not await self._started_for(plan_id, viewer):
                raise PlanNotFound(plan_id) from None
            raise
        if not self.roles_of(status, viewer):
            raise PlanNotFound(plan_id)
        return status

    async def _started_for(self, plan_id: str, viewer: str) -> bool:
        """Whether the viewer may see a plan that cannot answer a query: its parties are in
        the workflow's start input, which the server keeps without a worker; the team member
        counts once HR's records say the plan was shared with them."""
        events = self._handle(plan_id).fetch_history_events(page_size=1)
        try:
            first = await self._guard(lambda: anext(aiter(events)))
        except RPCError:
            return False
        payloads = first.workflow_execution_started_event_attributes.input.payloads
        (start,) = await self._client.data_converter.decode(payloads, [StartPlan])
        roles = start.parties.roles_of(viewer)
        if self.directory.is_hr(viewer):
            roles.add(Role.hr)
        if Role.team_member in roles:
            recorded = await self._read_records(lambda: self._records.listing(plan_id))
            if recorded is None or not recorded.team_member_included:
                roles.discard(Role.team_member)
        return bool(roles)

    async def summary(self, plan_id: str) -> PlanSummary:
        """For someone who has not said who they are: the state, without names or content."""
        return PlanSummary.of(await self._query(plan_id))

    async def review_form(self, plan_id: str, viewer: str) -> ReviewForm:
        await self.status(plan_id, viewer)
        form: ReviewForm = await self._guard(
            lambda: self._handle(plan_id).query(
                CoachingPlanWorkflow.review_form, rpc_timeout=QUERY_TIMEOUT
            )
        )
        return form

    async def act(self, plan_id: str, update: Any, action: Action) -> ActionResult:
        handle = self._handle(plan_id)
        try:
            result: ActionResult = await self._guard(
                lambda: self._update_when_ready(handle, update, action)
            )
        except WorkflowUpdateFailedError as error:
            reason = str(getattr(error.cause, "message", None) or error.cause)
            await self._report_refusal(handle, update, action, reason)
            kind = str(getattr(error.cause, "type", ""))
            raise ActionRefused(
                RefusalKind(kind) if kind in RefusalKind.__members__ else RefusalKind.BadData,
                reason,
            ) from None
        except PlanError:
            raise
        except RPCError:
            raise await self._unreachable(plan_id) from None
        return result

    async def _update_when_ready(
        self, handle: WorkflowHandle[CoachingPlanWorkflow, Any], update: Any, action: Action
    ) -> ActionResult:
        """Sends the Update again while Temporal says the plan's workflow task has failed
        (a worker was just lost), always with the same update id: however often it is sent,
        the plan takes the action once."""
        update_id = uuid.uuid4().hex
        patience = time.monotonic() + NOT_READY_PATIENCE.total_seconds()
        while True:
            try:
                result: ActionResult = await handle.execute_update(update, action, id=update_id)
                return result
            except RPCError as error:
                if error.status is not RPCStatusCode.FAILED_PRECONDITION:
                    raise
                if time.monotonic() > patience:
                    raise
            await asyncio.sleep(0.5)

    async def _report_refusal(
        self,
        handle: WorkflowHandle[CoachingPlanWorkflow, Any],
        update: Any,
        action: Action,
        reason: str,
    ) -> None:
        """For the audit log; the refusal itself is what the person must hear, so a report
        that cannot be delivered is not an error for them."""
        refusal = Refusal(
            actor=action.actor, action=getattr(update, "__name__", str(update)), reason=reason[:500]
        )
        with contextlib.suppress(RPCError):
            await handle.signal(CoachingPlanWorkflow.note_refusal, refusal)

    async def sign(
        self,
        plan_id: str,
        request: SignRequest,
        through: Identification,
        context: SigningContext | None = None,
        seen: PlanStatus | None = None,
    ) -> ActionResult:
        """Signs with the evidence the signer's client cannot vouch for itself: how they were
        identified, where from, and their consent (asked once, before their first signature).

        `seen` is the plan as the caller just read it for the signer, so that a signature
        asks the plan once, not twice; the plan checks the version and hash again anyway."""
        status = seen or await self.status(plan_id, request.actor)
        copy = signing_copy(status.plan_id, status.versions[-1], status.parties)
        if request.version == status.version and request.document_sha256 != copy.sha256:
            raise ActionRefused(
                RefusalKind.BadData,
                f"document_sha256: version {status.version}'s signing copy has SHA-256 "
                f"{copy.sha256[:12]}..., not {request.document_sha256[:12]}...: read it again",
            )
        consent = await self._consent(status, request, through, context)
        fields = request.model_dump(exclude={"consent_to_sign_electronically"})
        action = SignPlan(**fields, identified_by=through, consent=consent, context=context)
        return await self.act(plan_id, CoachingPlanWorkflow.sign, action)

    async def _consent(
        self,
        status: PlanStatus,
        request: SignRequest,
        through: Identification,
        context: SigningContext | None,
    ) -> ConsentRecord:
        disclosure = self._disclosure
        given = await self._consent_given(status, request.actor, disclosure)
        if given is not None:
            return given
        if not request.consent_to_sign_electronically:
            raise ActionRefused(
                RefusalKind.BadData,
                "consent_to_sign_electronically: required before your first electronic "
                f"signature; read the disclosure (version {disclosure.version}) and agree to it",
            )
        person = self.directory.by_email(request.actor)
        return ConsentRecord.given(
            consent_id=f"consent-{uuid.uuid4().hex}",
            person_id=person.id,
            email=person.email,
            name=person.name,
            disclosure=disclosure,
            at=datetime.now(UTC),
            through=through,
            context=context,
        )

    async def disclosure_needed(self, status: PlanStatus, email: str) -> Disclosure | None:
        """The disclosure to show a signer who has not consented to it yet."""
        disclosure = self._disclosure
        given = await self._consent_given(status, email, disclosure)
        return None if given is not None else disclosure

    async def _consent_given(
        self, status: PlanStatus, email: str, disclosure: Disclosure
    ) -> ConsentRecord | None:
        """This plan's record of the consent first (HR's store may lag a moment), then any
        earlier plan's."""
        in_plan = (c for c in status.consents if c.email == email and c.covers(disclosure))
        found = next(in_plan, None)
        if found is not None:
            return found
        person = self.directory.by_email(email)
        given: ConsentRecord | None = await self._read_records(
            partial(self._consents.given, person.id, disclosure)
        )
        return given

    def roles_of(self, status: PlanStatus, viewer: str) -> set[Role]:
        """The viewer's roles on this plan; none means they may not see it at all."""
        roles = status.parties.roles_of(viewer)
        if self.directory.is_hr(viewer):
            roles.add(Role.hr)
        if not status.team_member_included:
            roles.discard(Role.team_member)
        return roles

    def _handle(self, plan_id: str) -> WorkflowHandle[CoachingPlanWorkflow, Any]:
        if not PLAN_ID.fullmatch(plan_id):
            raise PlanError(
                f"plan: '{plan_id}' is not a plan id (6 to 32 lowercase letters and digits, "
                "as `coachplan start` printed it)"
            )
        return self._client.get_workflow_handle_for(
            CoachingPlanWorkflow.run, workflow_id_for(plan_id)
        )

    async def _query(self, plan_id: str) -> PlanStatus:
        handle = self._handle(plan_id)
        try:
            status: PlanStatus = await self._guard(
                lambda: handle.query(CoachingPlanWorkflow.status, rpc_timeout=QUERY_TIMEOUT)
            )
        except (RPCError, WorkflowQueryFailedError):
            raise await self._unreachable(plan_id) from None
        return status

    async def _unreachable(self, plan_id: str) -> PlanError:
        """Why a plan did not answer, as the error to raise."""
        try:
            description = await describe_execution(self._client, workflow_id_for(plan_id))
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return PlanNotFound(plan_id)
            return PlanError(f"plan {plan_id} cannot be reached: {error.message}")
        if description.workflow_execution_info.status != (
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        ):
            return ActionRefused(
                RefusalKind.WrongPhase, f"plan {plan_id} has finished; nothing can change it now"
            )
        return PlanNotAnswering(f"plan {plan_id} is not answering; is the worker running?")

    async def _guard(self, call: Callable[[], Awaitable[Any]]) -> Any:
        """Turns a lost connection into `TemporalUnavailable`, leaving other errors as they are.
        A lazy client (the web app's) that could not connect yet raises the SDK's connection
        error at the call instead, and tries again at the next one."""
        try:
            return await call()
        except RuntimeError as error:
            if str(error).startswith(SDK_CONNECT_FAILED):
                raise unreachable(self._settings, error) from None
            raise
        except RPCError as error:
            if error.status is RPCStatusCode.UNAVAILABLE:
                raise TemporalUnavailable(
                    f"lost the connection to Temporal at {self._settings.temporal_address}: "
                    f"{error.message}"
                ) from None
            raise


def directory_source(settings: Settings) -> DirectorySource:
    """The org file, or Google Workspace's directory kept for `directory_refresh_minutes`."""
    if settings.directory == "google":
        return _google_directory(settings)
    try:
        return OrgDirectory.load(settings.org_file)
    except FileNotFoundError:
        raise PlanError(
            f"the org directory {settings.org_file} does not exist (set COACHPLAN_ORG_FILE)"
        ) from None
    except DirectoryError as error:
        raise PlanError(f"the org directory {error}") from None
    except ValidationError as error:
        raise PlanError(
            f"the org directory {settings.org_file} breaks its rules: " + "; ".join(explain(error))
        ) from None


def load_directory(settings: Settings) -> OrgDirectory:
    return directory_source(settings).current()


def _google_directory(settings: Settings) -> DirectorySource:
    from integrations import google_workspace
    from integrations.failures import IntegrationFailure
    from integrations.google.directory import CachedDirectory, GoogleDirectory
    from integrations.google.workspace import WorkspaceSetupError

    admin, hr_group = settings.google_admin, settings.google_hr_group
    if admin is None or hr_group is None:
        raise PlanError("COACHPLAN_GOOGLE_ADMIN and COACHPLAN_GOOGLE_HR_GROUP must be set")
    try:
        source = GoogleDirectory(
            google_workspace(settings),
            admin=admin,
            hr_group=hr_group,
            company=admin.split("@", 1)[1],
            customer=settings.google_customer,
            default_time_zone=settings.time_zone,
        )
        directory = CachedDirectory(
            source.read, timedelta(minutes=settings.directory_refresh_minutes)
        )
        directory.current()
    except (WorkspaceSetupError, IntegrationFailure) as error:
        raise PlanError(f"the Google directory cannot be read: {error}") from None
    return directory
