"""HR's records in a terminal: lists sorted by deadline, the overdue board, one plan's record."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from starter.display import role_name, titled_table, when
from store.hr_queries import OverdueGroup, PlanHistory, PlanListing, PlanPage

NameOf = Callable[[str], str]


def deadline(plan: PlanListing) -> str:
    text = when(plan.next_deadline)
    return f"[red]{text} overdue[/]" if plan.overdue else text


def show_hr_plans(page: PlanPage, name_of: NameOf, console: Console) -> None:
    table = titled_table(
        f"Coaching plans ({_counted(page)})",
        "plan",
        "team member",
        "manager",
        "phase",
        "next deadline",
        "owed by",
        "outcome",
    )
    for plan in page.plans:
        table.add_row(
            plan.plan_id,
            name_of(plan.team_member_id),
            name_of(plan.manager_id),
            plan.phase.value,
            deadline(plan),
            ", ".join(role_name(r) for r in plan.next_owed_by) or "-",
            plan.outcome.value if plan.outcome else "-",
        )
    console.print(table)


def show_overdue(groups: list[OverdueGroup], name_of: NameOf, console: Console) -> None:
    if not groups:
        console.print("Nothing is overdue.")
        return
    for group in groups:
        table = titled_table(
            f"{name_of(group.person_id)} owes", "plan", "phase", "as", "what", "was due"
        )
        for item in group.items:
            table.add_row(
                item.plan_id, item.phase.value, role_name(item.role), item.action, when(item.due)
            )
        console.print(table)


def show_history(history: PlanHistory, name_of: NameOf, console: Console) -> None:
    plan = history.plan
    console.rule(f"HR's record of plan {plan.plan_id}")
    outcome = f" · outcome [bold]{plan.outcome.value}[/]" if plan.outcome else ""
    console.print(
        f"{name_of(plan.team_member_id)} with {name_of(plan.manager_id)} "
        f"(skip-level {name_of(plan.skip_level_id)}) · phase [bold]{plan.phase.value}[/]{outcome}"
        f" · version {plan.version}\n{plan.starts_on} to {plan.ends_on} · started "
        f"{when(plan.started_at)} · closed {when(plan.closed_at)} · next deadline "
        f"{deadline(plan)}"
    )
    owed = titled_table("Who owes what by when (as recorded)", "who", "what", "by")
    for o in history.owed:
        optional = " (optional)" if o.optional else ""
        owed.add_row(
            f"{role_name(o.role)}: {name_of(o.person_id)}", o.action + optional, when(o.due)
        )
    if not history.owed:
        owed.add_row("nobody", "nothing is waiting", "-")
    console.print(owed)
    versions = titled_table("Versions", "version", "by", "when", "what changed", "SHA-256")
    for v in history.versions:
        versions.add_row(str(v.number), v.author, when(v.created_at), v.summary, v.sha256[:16])
    console.print(versions)
    if history.signatures:
        signatures = titled_table("Signatures", "who", "version", "signed", "voided")
        for s in history.signatures:
            voided = f"{when(s.voided_at)}: {s.voided_because}" if s.voided_at else "-"
            signatures.add_row(
                f"{role_name(s.role)}: {s.email}", str(s.version), when(s.signed_at), voided
            )
        console.print(signatures)
    if history.check_ins:
        check_ins = titled_table(
            "Check-ins", "#", "due", "status", "recorded", "team member's notes"
        )
        for c in history.check_ins:
            check_ins.add_row(
                str(c.number),
                when(c.due_at),
                c.status,
                when(c.recorded_at),
                str(c.team_member_notes),
            )
        console.print(check_ins)
    if history.review is not None:
        review = history.review
        console.print(
            f"[bold]Review[/] by {review.submitted_by} on {when(review.submitted_at)}: "
            f"{review.outcome}. {review.achievements} Next: {review.next_steps}"
            + (
                f"\nTeam member's comment: {review.team_member_comment}"
                if review.team_member_comment
                else ""
            )
        )
    audit = titled_table("Audit log", "when", "who", "what", "version", "detail")
    for line in history.audit:
        what = f"[red]refused: {line.action}[/]" if line.refused else line.action
        audit.add_row(when(line.at), line.actor, what, str(line.version), line.detail)
    console.print(audit)


def _counted(page: PlanPage) -> str:
    shown = len(page.plans)
    return f"{shown}" if shown == page.total else f"first {shown} of {page.total}; see --limit"
