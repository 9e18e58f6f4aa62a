"""Through a real server (gunicorn, two worker processes, a SQLite file prepared by `migrate`
alone): the throttle's count is shared by the workers and cannot be dodged with a made-up
X-Forwarded-For, and concurrent writers all succeed instead of "database is locked"."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.security.live import LiveServer

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the development server's SQLite set-up"
)

ANON_LIMIT = 6


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"), API_THROTTLE_ANON=f"{ANON_LIMIT}/minute")
    yield server
    server.stop()


def test_a_spoofed_forwarded_for_does_not_dodge_the_limit_on_any_worker(live):
    codes = [
        live.request("GET", "/api/v1/capabilities/", headers={"X-Forwarded-For": f"10.9.8.{n}"})[0]
        for n in range(ANON_LIMIT + 4)
    ]
    assert codes == [200] * ANON_LIMIT + [429] * 4


def test_concurrent_writers_all_succeed(live):
    headers = {"Authorization": f"Token {live.token}"}

    def register(n: int) -> int:
        body = {
            "name": f"Concurrent platform {n}",
            "summary": "Written at the same time as seven others.",
            "owner": "live-office",
            "capabilities": ["payments"],
        }
        return live.request("POST", "/api/v1/platforms/", body, headers)[0]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(register, range(16)))
    assert codes == [201] * 16
