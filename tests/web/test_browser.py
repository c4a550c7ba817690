"""A whole coaching plan in a real browser: six people, each in their own browser context,
clicking and typing their way from the new-plan form to HR's dashboard.

The app is served over real HTTP (`live_stack`) on a time-skipping Temporal test server, so
the 30 days pass when the test says so. Each step leaves a screenshot in
`test-artifacts/browser/` at the repository root.

Chromium is Debian's (`make test` installs it where missing); `playwright install` is never
used. Without it the test is skipped, except in CI, where it fails.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from coaching.status import CheckInStatus, Phase
from tests.outbox import text_of
from tests.web.live_stack import LiveStack, live_stack

__all__ = ["live_stack"]  # the fixture, imported for pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
PRIYA = ("priya.raman@example.com", "Priya Raman")
MARCUS = ("marcus.okafor@example.com", "Marcus Okafor")
KWAME = ("kwame.mensah@example.com", "Kwame Mensah")
GRACE = ("grace.liu@example.com", "Grace Liu")
DAVID = ("david.kim@example.com", "David Kim")
STORE_TIMEOUT = 15.0
"""How long to keep reloading for what an activity writes to HR's store."""

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    chromium = shutil.which("chromium")
    if chromium is None:
        reason = "no chromium on PATH: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"], headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


class Story:
    """The people of the example company in their own browsers, and the screenshots."""

    def __init__(self, browser: Browser, stack: LiveStack) -> None:
        self.browser = browser
        self.stack = stack
        self.steps = 0
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        ARTIFACTS.mkdir(parents=True)

    async def signed_in(self, person: tuple[str, str], shot: str | None = None) -> Page:
        """A new browser context (cookies of its own), signed in on the development page."""
        _, name = person
        context = await self.browser.new_context(
            base_url=self.stack.base_url,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
            timezone_id="Europe/Berlin",
        )
        context.set_default_timeout(10_000)
        page = await context.new_page()
        await page.goto("/sign-in")
        await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
        await expect(page.get_by_role("status")).to_contain_text("Development mode")
        if shot:
            await self.shot(page, shot)
        await page.get_by_role("button", name=name).click()
        await expect(page.get_by_role("heading", name="My plans", level=1)).to_be_visible()
        await expect(page.get_by_role("navigation", name="Main")).to_contain_text(name)
        return page

    async def shot(self, page: Page, step: str) -> None:
        self.steps += 1
        await page.screenshot(path=ARTIFACTS / f"{self.steps:02d}-{step}.png", full_page=True)


async def reload_until(page: Page, locator: Locator, text: str | re.Pattern[str]) -> None:
    """Reloads until `locator` shows `text`: for pages read from HR's store, which an activity
    writes a moment after the workflow moves on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STORE_TIMEOUT
    while True:
        try:
            await expect(locator).to_contain_text(text, timeout=500)
            return
        except AssertionError:
            if loop.time() > deadline:
                raise
            await page.reload()


def flash(page: Page) -> Locator:
    """The message the last action left at the top of the page."""
    return page.locator("main p.success")


def action(page: Page, name: str) -> Locator:
    return page.locator(f"article#action-{name}")


async def test_a_whole_plan_in_the_browser(browser: Browser, live_stack: LiveStack) -> None:
    stack = live_stack
    story = Story(browser, stack)
    today = date.today()
    start = today + timedelta(days=7)
    end = start + timedelta(days=30)

    # Priya starts a plan for Kwame from the new-plan form, all seven parts.
    priya = await story.signed_in(PRIYA, shot="priya-signs-in")
    await priya.get_by_role("link", name="New plan").click()
    await expect(priya.get_by_role("heading", name="New coaching plan")).to_be_visible()
    await priya.get_by_label("Which of your direct reports").select_option(
        label="Kwame Mensah, Backend Engineer"
    )
    await priya.get_by_label("What skill is to be improved").fill(
        "Leading a technical change end to end: from a written design, through review, "
        "to an agreed rollout."
    )
    await priya.get_by_label("Your assessment of the current level").fill(
        "Kwame delivers well-scoped tickets reliably and reviews code kindly; he has not yet "
        "led a change across more than one service."
    )
    await priya.get_by_label("Specific: what exactly will be different").fill(
        "Kwame leads the design of the webhook retry service, from document to rollout."
    )
    await priya.get_by_label("Measurable: how progress is measured").fill(
        "The design document's status in the architecture review, and the agreed milestones."
    )
    await priya.get_by_label("Target: the value that means achieved").fill(
        "Design approved by two senior reviewers and milestone 1 scheduled"
    )
    await priya.get_by_label("Achieve by").fill(end.isoformat())
    activities = (
        "Read two past design documents and note what made their reviews go well",
        "Draft the webhook retry design with the team template",
        "Present the design in the Thursday architecture review",
    )
    for number, text in enumerate(activities, start=1):
        await priya.get_by_label(f"Activity {number}", exact=True).fill(text)
    await priya.get_by_label(re.compile(r"^Start")).fill(start.isoformat())
    await priya.get_by_label(re.compile(r"^End")).fill(end.isoformat())
    supports = (
        ("A weekly 30-minute design office hour with Priya", "meeting"),
        ("A slot on the architecture review calendar", "tool"),
    )
    for index, (text, kind) in enumerate(supports):
        row = priya.locator(f"#support-{index}")
        await row.get_by_label(f"Support {index + 1}").fill(text)
        await row.get_by_label("Kind").select_option(label=kind)
    await priya.get_by_label("How often").select_option(label="Weekly")
    await priya.get_by_label("Weekday").select_option(label="Thursday")
    await priya.get_by_label("Time", exact=True).fill("10:30")
    await priya.get_by_label("The team member's time zone").select_option(label="Europe/Berlin")
    await story.shot(priya, "priya-fills-the-new-plan")
    await priya.get_by_role("button", name="Start the plan").click()

    await expect(
        priya.get_by_role("heading", name="Coaching plan for Kwame Mensah")
    ).to_be_visible()
    await expect(flash(priya)).to_contain_text("Plan started for Kwame Mensah")
    await expect(priya.locator("hgroup")).to_contain_text("Alignment with the skip-level")
    await expect(priya.locator("#document")).to_contain_text("webhook retry service")
    plan_url = priya.url
    plan_id = plan_url.rsplit("/", 1)[-1]
    await story.shot(priya, "priya-lands-on-the-plan")

    # Marcus, the skip-level, finds it under "What I owe" and approves it.
    marcus = await story.signed_in(MARCUS)
    owed = marcus.get_by_role("region", name="What I owe")
    await reload_until(marcus, owed, "Kwame Mensah")
    await story.shot(marcus, "marcus-owes-an-approval")
    await owed.get_by_role("link", name="Kwame Mensah").click()
    await expect(marcus.locator("#owed")).to_contain_text("Marcus Okafor")
    approve = action(marcus, "approve")
    await approve.get_by_label("Comment (optional)").fill("Right opportunity, right time.")
    await story.shot(marcus, "marcus-approves")
    await approve.get_by_role("button", name="Approve").click()
    await expect(flash(marcus)).to_contain_text("the team member is brought in")
    await expect(marcus.locator("hgroup")).to_contain_text("Co-authoring")

    # Kwame, now included, follows the link in his email and proposes one more activity.
    kwame = await story.signed_in(KWAME)
    invitation = await stack.mail(KWAME[0], "ready to shape together")
    link = re.search(r"Open the plan: (\S+)", text_of(invitation))
    assert link is not None
    assert link[1] == plan_url
    await kwame.goto(link[1])
    await expect(kwame.locator("hgroup")).to_contain_text("Co-authoring")
    propose = action(kwame, "propose")
    await propose.get_by_label("New activity (optional)").first.fill(
        "Write a one-page summary of the design for support"
    )
    await propose.get_by_label("Why, for the other side (optional)").fill("Support asked for it")
    await story.shot(kwame, "kwame-proposes-an-activity")
    await propose.get_by_role("button", name="Propose version 2").click()
    await expect(flash(kwame)).to_contain_text("Version 2 proposed; you marked it ready.")
    await expect(kwame.locator("#document")).to_contain_text("one-page summary")

    # Priya accepts version 2: both marked it ready, so it goes to signing.
    await priya.reload()
    await expect(priya.locator("hgroup")).to_contain_text("version 2")
    await action(priya, "ready").get_by_role("button", name="Mark version 2 ready").click()
    await expect(priya.locator("hgroup")).to_contain_text("Signing")
    await story.shot(priya, "priya-marks-version-2-ready")

    # Kwame signs exactly version 2, by its hash; then Priya signs.
    sha256 = (await stack.status(plan_id)).sha256
    await kwame.reload()
    sign = action(kwame, "sign")
    await expect(sign).to_contain_text(f"You are signing version 2, SHA-256 {sha256}")
    await expect(sign.get_by_role("button")).to_have_count(1)
    await expect(sign).to_contain_text("Before your first electronic signature")
    await sign.get_by_label("I agree to sign electronically").check()
    await story.shot(kwame, "kwame-signs-version-2")
    await sign.get_by_role("button", name="I agree: sign version 2").click()
    await expect(flash(kwame)).to_contain_text("Signed version 2.")

    await priya.reload()
    await action(priya, "sign").get_by_label("I agree to sign electronically").check()
    await action(priya, "sign").get_by_role("button", name="I agree: sign version 2").click()
    await expect(flash(priya)).to_contain_text("Signed version 2.")
    await expect(priya.locator("hgroup")).to_contain_text("Active")
    signatures = priya.locator("#document")
    await expect(signatures).to_contain_text("Kwame Mensah (team member) signed version 2")
    await expect(signatures).to_contain_text("Priya Raman (manager) signed version 2")
    await story.shot(priya, "the-plan-is-active")

    # A week and more passes: the first check-in is due, and Priya records it.
    status = await stack.status(plan_id)
    first = status.check_ins[0]
    await stack.advance_to(first.due_at + timedelta(minutes=1))
    await stack.until(
        plan_id, lambda s: s.check_ins[0].status is CheckInStatus.due, "check-in 1 due"
    )
    await priya.reload()
    check_in = action(priya, "check-in")
    await expect(check_in.get_by_label(re.compile(r"^Check-in"))).to_have_value("1")
    progress = check_in.get_by_label(re.compile(r"^a1: "))
    await expect(progress).to_have_value("planned")
    for support in ("s1", "s2"):
        await expect(check_in.get_by_label(re.compile(f"^{support}: "))).to_have_value("yes")
    await progress.select_option(label="in progress")
    await check_in.get_by_label("Your feedback").fill(
        "A strong start: the first design draft is clear and well argued."
    )
    await story.shot(priya, "priya-records-check-in-1")
    await check_in.get_by_role("button", name="Record the check-in").click()
    await expect(flash(priya)).to_contain_text("Check-in 1 recorded.")
    check_ins = priya.locator("#document ol")
    await expect(check_ins).to_contain_text("Feedback: A strong start")
    await expect(check_ins).to_contain_text("a1 in progress")
    await story.shot(priya, "check-in-1-is-on-the-plan")

    # Thursday of week two is a holiday for Priya: she moves check-in 2 to the Friday.
    second = status.check_ins[1].due_at
    zone = status.content.cadence.zone
    friday = second.astimezone(zone) + timedelta(days=1)
    move = action(priya, "move-check-in")
    await move.get_by_label("Check-in").select_option("2")
    await move.get_by_label("New day").fill(friday.date().isoformat())
    await move.get_by_label("Time, Europe/Berlin (Kwame Mensah's zone)").fill(f"{friday:%H:%M}")
    await move.get_by_label("Why (both of you are told)").fill("I am away on Thursday")
    await story.shot(priya, "priya-moves-check-in-2")
    await move.get_by_role("button", name="Move the check-in").click()
    moved_to = f"{friday:%a %Y-%m-%d %H:%M} Europe/Berlin"
    await expect(flash(priya)).to_contain_text(f"Check-in 2 moved to {moved_to}.")
    invite = Calendar.from_ical(
        (stack.settings.data_dir / "invites" / f"{plan_id}.ics").read_bytes()
    )
    assert len([event for event in invite.events if "RECURRENCE-ID" in event]) == 1
    window = (second - timedelta(days=1), friday + timedelta(hours=1))
    expanded = recurring_ical_events.of(invite).between(*window)
    assert [event.decoded("dtstart") for event in expanded] == [friday]
    message = text_of(await stack.mail(KWAME[0], "A check-in moved"))
    assert f"{friday:%H:%M} (Europe/Berlin)" in message
    await kwame.reload()
    shown = f"{friday:%a} {friday.day} {friday:%b %Y}, {friday:%H:%M} Europe/Berlin"
    await expect(kwame.locator("#document ol")).to_contain_text(shown)
    await expect(kwame.locator("#document ol")).to_contain_text("I am away on Thursday")

    # The end date: the review is due; Priya submits it, Kwame comments, the plan closes.
    assert status.review_due_at is not None
    await stack.advance_to(status.review_due_at + timedelta(minutes=1))
    await stack.until(plan_id, lambda s: s.phase is Phase.review, "the review is due")
    await priya.reload()
    await expect(priya.locator("hgroup")).to_contain_text("Review")
    review = action(priya, "review")
    await expect(review).to_contain_text("1 check-in recorded")
    await review.get_by_label("Outcome").select_option(label="Achieved")
    await review.get_by_label("Achievements").fill(
        "Design approved by both reviewers; milestone 1 is scheduled."
    )
    await review.get_by_label("Next steps").fill("Lead milestone 2 with less support.")
    await story.shot(priya, "priya-submits-the-review")
    await review.get_by_role("button", name="Submit the review").click()
    await expect(flash(priya)).to_contain_text("Review submitted")

    await kwame.reload()
    comment = action(kwame, "comment")
    await comment.get_by_label("Your comment on the review").fill("Thank you: I learned a lot.")
    await story.shot(kwame, "kwame-comments-on-the-review")
    await comment.get_by_role("button", name="Add your comment").click()
    await expect(flash(kwame)).to_contain_text("Your comment is on the review.")
    await stack.until(plan_id, lambda s: s.phase is Phase.closed, "the plan closes")
    await kwame.reload()
    await expect(kwame.locator("hgroup")).to_contain_text("Closed · Achieved")
    await expect(kwame.locator("#document")).to_contain_text(
        "Kwame Mensah's comment: Thank you: I learned a lot."
    )
    await expect(kwame.get_by_role("region", name="What you can do now")).to_have_count(0)
    await story.shot(kwame, "the-plan-is-closed")

    # Grace, HR, sees it closed as achieved on her dashboard.
    grace = await story.signed_in(GRACE)
    await (
        grace.get_by_role("navigation", name="Main")
        .get_by_role("link", name="HR dashboard")
        .click()
    )
    await expect(grace.get_by_role("heading", name="HR dashboard")).to_be_visible()
    row = grace.get_by_role("row").filter(has_text="Kwame Mensah")
    await reload_until(grace, row, "Achieved")
    await expect(row).to_contain_text("Closed")
    await expect(row).to_contain_text("Priya Raman")
    await story.shot(grace, "grace-sees-it-achieved")

    # David, who has no part in it, pastes its address and learns nothing.
    david = await story.signed_in(DAVID)
    answer = await david.goto(plan_url)
    assert answer is not None
    assert answer.status == 404
    await expect(david.get_by_role("heading", name="Not found")).to_be_visible()
    await expect(david.get_by_role("main")).not_to_contain_text("Kwame")
    await expect(david.get_by_role("main")).not_to_contain_text("webhook")
    await story.shot(david, "david-gets-not-found")
