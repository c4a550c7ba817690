"""The web app while Temporal is down: it starts anyway, says "Temporal is unreachable,
retrying" with a 503 (a page, or JSON under /api), and works again once Temporal is back,
without a restart. The outage is real: a TCP proxy between the app and the dev server is cut
(every connection dropped, new ones refused) and restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.tcp_proxy import TcpProxy
from tests.web.browserless import (
    KWAME,
    PRIYA,
    Browserless,
    WebStack,
    example_form,
    migrated_settings,
    plan_id_from,
    running_app,
)
from web.app import create_app

RETRYING = "Temporal is unreachable, retrying"


@pytest.mark.timeout(120)
async def test_the_app_starts_while_temporal_is_down_and_recovers_without_a_restart(
    dev_server_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    host, port = dev_server_env.client.service_client.config.target_host.rsplit(":", 1)
    with TcpProxy((host, int(port))) as proxy:
        settings = migrated_settings(dev_server_env.client, tmp_path).model_copy(
            update={"temporal_address": f"127.0.0.1:{proxy.port}"}
        )
        # The worker reaches Temporal directly: only the web app's way there is cut.
        async with running_app(dev_server_env.client, settings) as worker_stack:
            proxy.cut()
            app = create_app(settings)  # its own client, made by the app at start
            async with app.router.lifespan_context(app):
                people = Browserless(WebStack(app, settings, worker_stack.client))
                priya = await people.signed_in(PRIYA)

                down = await priya.post("/plans/new", example_form(KWAME))
                assert down.status_code == 503, down.text
                assert RETRYING in down.text, down.text[-1500:]

                proxy.restore()
                plan_id = plan_id_from(await priya.post("/plans/new", example_form(KWAME)))
                page = await priya.get(f"/plans/{plan_id}")
                assert page.status_code == 200, page.text

                proxy.cut()  # Temporal goes away under a connected client
                lost = await priya.get(f"/api/plans/{plan_id}")
                assert lost.status_code == 503, lost.text
                (problem,) = lost.json()["detail"]
                assert problem["rule"].startswith(RETRYING), problem

                proxy.restore()
                back = await priya.get(f"/api/plans/{plan_id}")
                assert back.status_code == 200, back.text
                assert back.json()["phase"] == "alignment"
                await people.close()
