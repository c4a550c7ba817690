"""`coachplan status --as` and `coachplan hr show` are looks at a plan, recorded like the web
app's; the content-free status without `--as`, and someone refused, leave none."""

from __future__ import annotations

from store.database import create_store_engine
from store.plan_looks import PlanLookList, PlanLooks, Through
from tests.starter.cli_runner import GRACE, LENA, PRIYA, Cli


def looks_at(cli: Cli, plan_id: str) -> PlanLookList:
    engine = create_store_engine(cli.settings.database)
    try:
        return PlanLooks(engine).of(plan_id)
    finally:
        engine.dispose()


async def test_status_and_hr_show_each_record_one_look_through_the_cli(cli: Cli) -> None:
    plan_id = await cli.start()
    await cli.recorded(plan_id)

    for args, person_id in (
        (("status", plan_id, "--as", PRIYA), "priya.raman"),
        (("hr", "show", plan_id, "--as", GRACE), "grace.liu"),
    ):
        shown = await cli(*args)
        assert shown.code == 0, shown
        newest = looks_at(cli, plan_id).looks[0]
        assert (newest.person_id, newest.through) == (person_id, Through.cli), args

    assert (await cli("status", plan_id)).code == 0
    assert (await cli("status", plan_id, "--as", LENA)).code == 2
    assert (await cli("hr", "show", plan_id, "--as", LENA)).code == 2
    assert looks_at(cli, plan_id).total == 2
