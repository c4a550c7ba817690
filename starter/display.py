"""Plans as a person reads them in a terminal: what happened, and who owes what by when."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from rich.table import Table

from coaching.plan import Role
from coaching.status import PlanStatus, PlanSummary, ReviewForm


def when(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def titled_table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def role_name(role: Role) -> str:
    return role.value.replace("_", " ")


def show_status(status: PlanStatus, console: Console) -> None:
    content = status.content
    outcome = f" · outcome [bold]{status.outcome.value}[/]" if status.outcome else ""
    console.rule(f"Coaching plan {status.plan_id}")
    console.print(
        f"Phase [bold]{status.phase.value}[/]{outcome} · version {status.version} · "
        f"SHA-256 {status.sha256[:16]}…"
    )
    console.print(
        f"{content.development_area} · {content.timeline.start} to {content.timeline.end} · "
        f"check-ins {content.cadence.frequency.value} on {content.cadence.weekday.value} at "
        f"{content.cadence.time:%H:%M} ({content.cadence.time_zone})"
    )

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
            obligation.action + optional,
            when(obligation.due),
        )
    if not status.owed:
        owed.add_row("nobody", "nothing is waiting", "-")
    console.print(owed)

    if status.signatures:
        signatures = titled_table("Signatures", "who", "version", "SHA-256", "signed", "valid")
        for signature in status.signatures:
            signatures.add_row(
                f"{signature.name} ({role_name(signature.role)})",
                str(signature.version),
                signature.sha256[:16] + "…",
                when(signature.signed_at),
                "yes" if signature.valid else f"void: {signature.voided_because}",
            )
        console.print(signatures)

    if status.check_ins:
        check_ins = titled_table("Check-ins", "#", "due", "status", "feedback", "team member notes")
        for check_in in status.check_ins:
            check_ins.add_row(
                str(check_in.number),
                when(check_in.due_at),
                check_in.status.value,
                check_in.feedback,
                " / ".join(note.text for note in check_in.team_member_notes),
            )
        console.print(check_ins)

    if status.review is not None:
        review = status.review
        console.print(
            f"[bold]Review[/] ({when(review.submitted_at)}): {review.outcome.value}\n"
            f"  Achievements: {review.achievements}\n  Next steps: {review.next_steps}"
        )
        if review.team_member_comment is not None:
            console.print(f"  Team member: {review.team_member_comment.text}")

    timeline = titled_table("Timeline", "when", "who", "what", "detail")
    for event in status.events:
        timeline.add_row(when(event.at), event.actor, event.kind, event.detail)
    console.print(timeline)
    if status.documents:
        console.print(f"Latest document: {status.documents[-1]}")


def show_summary(summary: PlanSummary, console: Console) -> None:
    outcome = f" · outcome {summary.outcome.value}" if summary.outcome else ""
    console.print(
        f"Plan {summary.plan_id}: phase [bold]{summary.phase.value}[/]{outcome} · "
        f"version {summary.version}"
    )
    for obligation in summary.owed:
        optional = " (optional)" if obligation.optional else ""
        console.print(
            f"  the {role_name(obligation.role)} owes: {obligation.action}{optional}, "
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
            activity.description,
            activity.status.value,
            "\n".join(activity.notes),
        )
    console.print(activities)
    support = titled_table(
        "Support the manager promised", "id", "support", "delivered", "not delivered", "notes"
    )
    for item in form.support:
        support.add_row(
            item.support_id,
            f"{item.kind.value}: {item.description}",
            str(item.delivered),
            str(item.not_delivered),
            "\n".join(item.notes),
        )
    console.print(support)


def show_plan_list(plans: list[PlanStatus], console: Console) -> None:
    table = titled_table(
        f"{len(plans)} coaching plan(s)", "plan", "phase", "team member", "manager", "next", "by"
    )
    for status in plans:
        first = status.owed[0] if status.owed else None
        table.add_row(
            status.plan_id,
            status.phase.value + (f" ({status.outcome.value})" if status.outcome else ""),
            status.parties.team_member.name,
            status.parties.manager.name,
            f"{role_name(first.role)}: {first.action}" if first else "-",
            when(first.due) if first else "-",
        )
    console.print(table)
