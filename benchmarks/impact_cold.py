"""Impact analysis of GOV.UK Notify, kept and cold, in-process, on an already-filled database.

``make bench`` measures after warm-up, so it reads a kept analysis (see
``platforms/selectors/impact.py``). This measures four cases, each version replaced before
every request as a write does once committed:

- "kept": as ``bench.py`` does, nothing replaced;
- "after_adoption_write": the adoptions' version (an adoption saved or deleted): the
  organisations hit are counted again over the walk kept;
- "after_graph_write": the graph's version (a platform, dependency or membership saved or
  deleted elsewhere in the catalogue): the graph is walked again, the counts kept (the same
  dependents and owners);
- "cold": both (a bulk write, or a new process): walked and counted again (one statement).

Each case gives the queries of the last request, p50 and p95 in ms, and the time Python's garbage
collector ran per request with its full collections. Each line ends with the load average when
it was measured (the machine may be shared)::

    DATABASE_URL=postgres://... .venv/bin/python benchmarks/impact_cold.py --repeat 10
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PATHS = (
    "/api/v1/platforms/govuk-notify/dependents/",
    "/api/v1/insights/platforms/govuk-notify/impact/",
    "/platforms/govuk-notify/impact/",
)


class CollectorTime:
    """The time Python's garbage collector ran (``gc.callbacks``), and its full collections."""

    def __init__(self):
        self.seconds = 0.0
        self.full = 0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.full += info["generation"] == 2


def measure(client, path: str, repeat: int, before=None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm-up
    times = []
    collector = CollectorTime()
    gc.callbacks.append(collector)
    try:
        for _ in range(repeat):
            if before:
                before()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
                response.content  # noqa: B018 - rendered
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        gc.callbacks.remove(collector)
    times.sort()
    return {
        "queries": len(queries),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        # The garbage collector's share (between requests too, as the measured loop runs).
        "gc_ms_per_request": round(collector.seconds * 1000 / repeat, 1),
        "full_collections": collector.full,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from benchmarks.bench import setup_django

    setup_django()
    from django.test import Client

    from platforms.selectors import impact

    client = Client(HTTP_HOST="127.0.0.1")
    for path in PATHS:
        figures = {"path": path, "kept": measure(client, path, args.repeat)}
        for case, write in (
            ("after_adoption_write", impact._publish_adoptions_change),
            ("after_graph_write", impact._publish_graph_change),
            ("cold", impact._publish_change),
        ):
            figures[case] = measure(client, path, args.repeat, before=write)
        figures["load_average"] = round(os.getloadavg()[0], 1)
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
