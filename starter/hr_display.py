"""HR's records in a terminal: lists sorted by deadline, the overdue board, one plan's record,
and a plan's verification.

Times are in the reader's zone, named, as everywhere in the CLI (a verification report's are
in UTC, named, the same for every reader).
"""

from __future__ import annotations

from datetime import tzinfo

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from coaching.status import PlanStatus
from coaching.verification import Verdict, VerificationReport
from starter.display import PLAN_ID_COLUMN, NameOf, deadline, role_name, titled_table, when
from store.hr_queries import OverdueGroup, PlanHistory, PlanPage


def show_hr_plans(page: PlanPage, name_of: NameOf, console: Console, zone: tzinfo) -> None:
    table = titled_table(
        f"Coaching plans ({_counted(page)})",
        PLAN_ID_COLUMN,
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
            deadline(plan, zone),
            ", ".join(role_name(r) for r in plan.next_owed_by) or "-",
            plan.outcome.value if plan.outcome else "-",
        )
    console.print(table)


def show_overdue(
    groups: list[OverdueGroup], name_of: NameOf, console: Console, zone: tzinfo
) -> None:
    if not groups:
        console.print("Nothing is overdue.")
        return
    for group in groups:
        table = titled_table(
            f"{name_of(group.person_id)} owes", PLAN_ID_COLUMN, "phase", "as", "what", "was due"
        )
        for item in group.items:
            table.add_row(
                item.plan_id,
                item.phase.value,
                role_name(item.role),
                escape(item.action),
                when(item.due, zone),
            )
        console.print(table)


def show_history(
    history: PlanHistory,
    live: PlanStatus | None,
    unavailable: str,
    name_of: NameOf,
    console: Console,
    zone: tzinfo,
) -> None:
    """The record, each section once; the live state, where the plan answers, replaces what
    the record holds of it (phase, version, who owes what)."""
    plan = history.plan
    console.rule(f"Plan {plan.plan_id}: HR's record")
    if live is None:
        phase, outcome, version = plan.phase, plan.outcome, plan.version
        console.print(
            f"[yellow]Live state unavailable, shown as recorded:[/] {escape(unavailable)}"
        )
    else:
        phase, outcome, version = live.phase, live.outcome, live.version
    shown_outcome = f" · outcome [bold]{outcome.value}[/]" if outcome else ""
    console.print(
        f"{name_of(plan.team_member_id)} with {name_of(plan.manager_id)} "
        f"(skip-level {name_of(plan.skip_level_id)}) · phase [bold]{phase.value}[/]"
        f"{shown_outcome} · version {version}\n{plan.starts_on} to {plan.ends_on} · started "
        f"{when(plan.started_at, zone)} · closed {when(plan.closed_at, zone)}"
    )
    console.print(f"Times are in {zone}.")
    if plan.held_because:
        console.print(f"[red]Held until the setup is fixed:[/] {escape(plan.held_because)}")
    owed = titled_table(
        "Who owes what by when" + (" (as recorded)" if live is None else ""), "who", "what", "by"
    )
    rows = (
        [(o.role, name_of(o.person_id), o.action, o.optional, o.due) for o in history.owed]
        if live is None
        else [(o.role, ", ".join(o.who), o.action, o.optional, o.due) for o in live.owed]
    )
    for role, who, action, optional, due in rows:
        shown = action + (" (optional)" if optional else "")
        owed.add_row(f"{role_name(role)}: {who}", escape(shown), when(due, zone))
    if not owed.rows:
        owed.add_row("nobody", "nothing is waiting", "-")
    console.print(owed)
    versions = titled_table("Versions", "version", "by", "when", "what changed", "SHA-256")
    for v in history.versions:
        versions.add_row(
            str(v.number), v.author, when(v.created_at, zone), escape(v.summary), v.sha256[:16]
        )
    console.print(versions)
    if history.signatures:
        signatures = titled_table("Signatures", "who", "version", "signed", "voided")
        for s in history.signatures:
            voided = f"{when(s.voided_at, zone)}: {s.voided_because}" if s.voided_at else "-"
            signatures.add_row(
                f"{role_name(s.role)}: {s.email}",
                str(s.version),
                when(s.signed_at, zone),
                escape(voided),
            )
        console.print(signatures)
    if history.check_ins:
        check_ins = titled_table(
            "Check-ins", "#", "due", "status", "recorded", "team member's notes"
        )
        for c in history.check_ins:
            check_ins.add_row(
                str(c.number),
                when(c.due_at, zone),
                c.status,
                when(c.recorded_at, zone),
                str(c.team_member_notes),
            )
        console.print(check_ins)
    if history.review is not None:
        review = history.review
        comment = review.team_member_comment
        console.print(
            f"[bold]Review[/] by {review.submitted_by} on {when(review.submitted_at, zone)}: "
            f"{review.outcome}. {escape(review.achievements)} Next: {escape(review.next_steps)}"
            + (f"\nTeam member's comment: {escape(comment)}" if comment else "")
        )
    audit = titled_table("Audit log", "when", "who", "what", "version", "detail")
    for line in history.audit:
        what = f"[red]refused: {line.action}[/]" if line.refused else line.action
        audit.add_row(when(line.at, zone), line.actor, what, str(line.version), escape(line.detail))
    console.print(audit)


def _counted(page: PlanPage) -> str:
    shown = len(page.plans)
    return f"{shown}" if shown == page.total else f"first {shown} of {page.total}; see --limit"


VERDICTS = {
    Verdict.ok: "[green]OK[/]",
    Verdict.bad: "[red]PROBLEM[/]",
    Verdict.unchecked: "[yellow]UNCHECKED[/]",
}


def show_verification(report: VerificationReport, console: Console) -> None:
    """Each check on its own line, then the verdict: a problem names what it is about."""
    plan = f"Plan {report.plan_id}" if report.plan_id else "An unknown plan"
    console.print(f"[bold]{plan}[/]: {escape(report.source)}, checked offline")
    checks = Table.grid(padding=(0, 1))
    checks.add_column(no_wrap=True)
    checks.add_column()
    for finding in report.findings:
        checks.add_row(
            VERDICTS[finding.verdict], f"{escape(finding.subject)}: {escape(finding.says)}"
        )
    console.print(checks, highlight=False)
    problems = len(report.problems)
    if problems:
        console.print(
            f"[red bold]{problems} problem{'s' if problems > 1 else ''}[/]: the record was "
            "changed after it was written, or is incomplete."
        )
    else:
        console.print("[green bold]Everything holds.[/]")
