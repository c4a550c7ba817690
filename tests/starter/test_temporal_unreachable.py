"""`coachplan` while Temporal is down: it says "Temporal is unreachable, retrying", and a
command started during the outage succeeds once Temporal is back within its wait. The outage
is real: a TCP proxy between the command and the dev server is cut, then restored."""

from __future__ import annotations

import asyncio

from tests.starter.cli_runner import COACHPLAN, EXAMPLE_FORM, PRIYA, REPO, STARTED, Cli
from tests.tcp_proxy import TcpProxy


async def test_a_command_started_while_temporal_is_down_succeeds_once_it_is_back(
    cli: Cli,
) -> None:
    host, port = cli.client.service_client.config.target_host.rsplit(":", 1)
    with TcpProxy((host, int(port))) as proxy:
        proxy.cut()
        env = {
            **cli.env,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{proxy.port}",
            "COACHPLAN_TEMPORAL_WAIT_SECONDS": "60",
        }
        process = await asyncio.create_subprocess_exec(
            COACHPLAN,
            *("start", "--form", str(EXAMPLE_FORM), "--as", PRIYA),
            cwd=REPO,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stderr is not None
        told = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
        assert told.startswith("Temporal is unreachable, retrying for up to 60 s"), told
        assert process.returncode is None, "the command waits for Temporal instead of giving up"
        proxy.restore()
        out, err = await asyncio.wait_for(process.communicate(), 60)

    ran = f"exit {process.returncode}\n{out.decode()}\n{err.decode()}"
    # It reached Temporal: the plan started, or Temporal named the open plan of an earlier test.
    assert process.returncode in (0, 2), ran
    assert STARTED.search(out.decode()) or "already has an open coaching plan" in err.decode(), ran
    assert "Traceback" not in ran
