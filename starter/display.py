"""Plans as a person reads them in a terminal: what happened, and who owes what by when.

Every time is shown in the reader's zone, named; plan ids are never cut, whatever the
terminal's width (the other columns wrap instead).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coaching.plan import Role
from coaching.status import CheckIn, PlanStatus, PlanSummary, ReviewForm
from store.hr_queries import PartyPlans, PlanListing

NameOf = Callable[[str], str]
PLAN_ID_COLUMN = "plan"


def when(moment: datetime | None, zone: tzinfo = UTC) -> str:
    """`2026-12-03 10:00 CET`: in the reader's zone, always named."""
    if moment is None:
        return "-"
    local = moment.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def titled_table(title: str, *columns: str) -> Table:
    """A plan id column never wraps or shrinks: a person copies it into the next command. The
    other columns give way in a narrow terminal, folding words rather than cutting them."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        if column == PLAN_ID_COLUMN:
            table.add_column(column, no_wrap=True, min_width=12)
        else:
            table.add_column(column, overflow="fold")
    return table


def role_name(role: StrEnum) -> str:
    """A role (or any such name) as people write it: `skip_level` is "skip level"."""
    return role.value.replace("_", " ")


def deadline(plan: PlanListing, zone: tzinfo) -> str:
    text = when(plan.next_deadline, zone)
    return f"[red]{text} overdue[/]" if plan.overdue else text


def show_status(status: PlanStatus, console: Console, zone: tzinfo) -> None:
    content = status.content
    outcome = f" · outcome [bold]{status.outcome.value}[/]" if status.outcome else ""
    console.rule(f"Coaching plan {status.plan_id}")
    console.print(
        f"Phase [bold]{status.phase.value}[/]{outcome} · version {status.version} · "
        f"SHA-256 {status.sha256[:16]}…"
    )
    console.print(
        f"{escape(content.development_area)} · {content.timeline.start} to "
        f"{content.timeline.end} · check-ins {content.cadence.frequency.value} on "
        f"{content.cadence.weekday.value} at {content.cadence.time:%H:%M} "
        f"({content.cadence.time_zone})"
    )
    console.print(f"Times are in {zone}.")

    parties = titled_table("Parties", "role", "name", "email")
    for role in Role:
        for person in status.parties.person(role):
            parties.add_row(role_name(role), person.name, person.email)
    console.print(parties)

    owed = titled_table("Who owes what by when", "who", "what", "by")
    for obligation in status.owed:
        optional = " (optional)" if obligation.optional else ""
        owed.add_row(
            f"{role_name(obligation.role)}: {', '.join(obligation.who)}",
            escape(obligation.action + optional),
            when(obligation.due, zone),
        )
    if not status.owed:
        owed.add_row("nobody", "nothing is waiting", "-")
    console.print(owed)

    activities = titled_table(
        "Activities (a check-in's --progress ids)", "id", "activity", "proposed by", "due", "status"
    )
    for activity in content.activities:
        activities.add_row(
            activity.id,
            escape(activity.description),
            role_name(activity.proposed_by),
            str(activity.due or "-"),
            activity.status.value,
        )
    console.print(activities)
    support = titled_table("Support promised (a check-in's --support ids)", "id", "kind", "support")
    for commitment in content.support:
        support.add_row(commitment.id, role_name(commitment.kind), escape(commitment.description))
    console.print(support)

    if status.check_ins:
        check_ins = titled_table(
            "Check-ins", "#", "due", "status", "progress", "support", "feedback", "notes"
        )
        for check_in in status.check_ins:
            check_ins.add_row(
                str(check_in.number),
                when(check_in.due_at, zone),
                check_in.status.value,
                escape(_progress(check_in)),
                escape(_support(check_in)),
                escape(check_in.feedback),
                escape(" / ".join(note.text for note in check_in.team_member_notes)),
            )
        console.print(check_ins)

    if status.signatures:
        signatures = titled_table("Signatures", "who", "version", "SHA-256", "signed", "valid")
        for signature in status.signatures:
            signatures.add_row(
                f"{signature.name} ({role_name(signature.role)})",
                str(signature.version),
                signature.sha256[:16] + "…",
                when(signature.signed_at, zone),
                "yes" if signature.valid else f"void: {escape(signature.voided_because)}",
            )
        console.print(signatures)

    if status.review is not None:
        review = status.review
        console.print(
            f"[bold]Review[/] ({when(review.submitted_at, zone)}): {review.outcome.value}\n"
            f"  Achievements: {escape(review.achievements)}\n"
            f"  Next steps: {escape(review.next_steps)}"
        )
        if review.team_member_comment is not None:
            console.print(f"  Team member: {escape(review.team_member_comment.text)}")

    timeline = titled_table("Timeline", "when", "who", "what", "detail")
    names = {person.email: person.name for person in status.parties.everyone}
    for event in status.events:
        who = names.get(event.actor, event.actor)
        timeline.add_row(when(event.at, zone), who, event.kind, escape(event.detail))
    console.print(timeline)
    if status.documents:
        console.print(f"Latest document: {status.documents[-1]}", markup=False)


def _progress(check_in: CheckIn) -> str:
    return "\n".join(
        f"{p.activity_id} {p.status.value}" + (f": {p.note}" if p.note else "")
        for p in check_in.progress
    )


def _support(check_in: CheckIn) -> str:
    """Which support commitment was delivered at this check-in, and which was not."""
    return "\n".join(
        f"{s.support_id} {'delivered' if s.delivered else 'not delivered'}"
        + (f": {s.note}" if s.note else "")
        for s in check_in.support
    )


def show_summary(summary: PlanSummary, console: Console) -> None:
    outcome = f" · outcome {summary.outcome.value}" if summary.outcome else ""
    console.print(
        f"Plan {summary.plan_id}: phase [bold]{summary.phase.value}[/]{outcome} · "
        f"version {summary.version}"
    )
    for obligation in summary.owed:
        optional = " (optional)" if obligation.optional else ""
        console.print(
            f"  the {role_name(obligation.role)} owes: {escape(obligation.action)}{optional}, "
            f"by {when(obligation.due)}"
        )
    if not summary.owed:
        console.print("  nothing is waiting")
    console.print("[dim]Add --as EMAIL to see the plan itself, if you are one of its parties.[/]")


def show_review_form(form: ReviewForm, console: Console) -> None:
    console.rule("Review form, pre-filled from the check-ins")
    console.print(
        f"Check-ins recorded: {form.check_ins_recorded}, missed: {form.check_ins_missed}. "
        f"Suggested outcome: [bold]{form.suggested_outcome.value}[/]"
    )
    activities = titled_table("Activities", "id", "activity", "status", "evidence")
    for activity in form.activities:
        activities.add_row(
            activity.activity_id,
            escape(activity.description),
            activity.status.value,
            escape("\n".join(activity.notes)),
        )
    console.print(activities)
    support = titled_table(
        "Support the manager promised", "id", "support", "delivered", "not delivered", "notes"
    )
    for item in form.support:
        support.add_row(
            item.support_id,
            escape(f"{item.kind.value}: {item.description}"),
            str(item.delivered),
            str(item.not_delivered),
            escape("\n".join(item.notes)),
        )
    console.print(support)


def show_plan_list(
    found: PartyPlans, viewer_id: str, hr: bool, name_of: NameOf, console: Console, zone: tzinfo
) -> None:
    """The viewer's plans, with their part in each; a plan that cannot be read is named with
    the reason, never left out."""
    shown = len(found.plans) + len(found.unreadable)
    counted = f"{shown}" if shown == found.total else f"first {shown} of {found.total}; see --limit"
    table = titled_table(
        f"Coaching plans ({counted})",
        PLAN_ID_COLUMN,
        "phase",
        "team member",
        "manager",
        "you are",
        "next",
        "by",
    )
    for plan in found.plans:
        owed_by = ", ".join(role_name(r) for r in plan.next_owed_by)
        table.add_row(
            plan.plan_id,
            plan.phase.value + (f" ({plan.outcome.value})" if plan.outcome else ""),
            name_of(plan.team_member_id),
            name_of(plan.manager_id),
            ", ".join(_parts(plan, viewer_id, hr)),
            escape(f"{owed_by}: {plan.next_action}") if owed_by else "-",
            deadline(plan, zone),
        )
    console.print(table)
    for unreadable in found.unreadable:
        console.print(
            f"[yellow]Plan {unreadable.plan_id} cannot be read from HR's records:[/] "
            f"{escape(unreadable.reason)}"
        )


def _parts(plan: PlanListing, viewer_id: str, hr: bool) -> list[str]:
    parts = [
        name
        for name, person_id in (
            ("manager", plan.manager_id),
            ("team member", plan.team_member_id),
            ("skip level", plan.skip_level_id),
        )
        if person_id == viewer_id
    ]
    return [*parts, "HR"] if hr else parts
