"""Measure the catalogue's speed and memory on this machine; results go in BENCHMARKS.md.

Usage (from the project root, after `make install`):

    DEBUG=true .venv/bin/python benchmarks/run.py                        # SQLite, in /tmp
    DEBUG=true DATABASE_URL=postgres://... .venv/bin/python benchmarks/run.py --synthetic 100000

It works on a database of its own: with the default SQLite it creates a fresh file under /tmp;
with DATABASE_URL it needs an EMPTY database it may fill (it migrates it and loads data).

What it measures:
1. `load_reference_data` on an empty database, then again (idempotent re-run).
2. API reads as an anonymous client (Django's test client, in process: no network, no server),
   repeated, reporting the median and 95th percentile: platform list pages, a platform's detail,
   its adopters, an impact analysis, organisations.
3. Search and facets on the real catalogue, then (with --synthetic N) after adding N synthetic
   platforms. Synthetic platforms exist only in the benchmark database: they are generated
   names ("Synthetic platform 123"), never facts about real services.
4. Peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(database_url: str | None) -> None:
    if not database_url:
        path = Path(tempfile.gettempdir()) / f"catalogue-benchmark-{os.getpid()}.sqlite3"
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
    os.environ.setdefault("DEBUG", "true")
    # The benchmark measures the application, not the rate limiter.
    os.environ.setdefault("API_THROTTLE_ANON", "1000000/second")
    import django

    django.setup()


def timed(function, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p95_ms": samples[max(0, int(len(samples) * 0.95) - 1)],
    }


def report(name: str, figures: dict[str, float]) -> None:
    shown = ", ".join(f"{key} {value:.1f}" for key, value in figures.items())
    print(f"{name:<58} {shown}")


def add_synthetic_platforms(count: int) -> None:
    from django.db import transaction

    from platforms import search
    from platforms.models import Capability, Organisation, Platform

    rng = random.Random(42)  # noqa: S311 - reproducible synthetic data, not security
    owners = list(Organisation.objects.active().values_list("pk", flat=True)[:500])
    capabilities = list(Capability.objects.values_list("pk", flat=True))
    words = [
        "case",
        "payments",
        "notification",
        "identity",
        "forms",
        "hosting",
        "records",
        "licensing",
        "booking",
        "grants",
        "inspection",
        "address",
    ]
    phases = [p for p, _ in Platform.Phase.choices]
    batch = 2000
    through = Platform.capabilities.through
    with transaction.atomic():
        for offset in range(0, count, batch):
            rows = []
            for n in range(offset, min(offset + batch, count)):
                topic = " ".join(rng.sample(words, 3))
                rows.append(
                    Platform(
                        name=f"Synthetic platform {n} {topic}",
                        slug=f"synthetic-platform-{n}",
                        summary=f"Synthetic benchmark record about {topic}.",
                        owner_id=rng.choice(owners),
                        phase=rng.choice(phases[:4]),
                        state=Platform.State.PUBLISHED,
                        is_open_source=rng.random() < 0.3,
                    )
                )
            created = Platform.objects.bulk_create(rows)
            through.objects.bulk_create(
                through(platform_id=p.pk, capability_id=rng.choice(capabilities)) for p in created
            )
            search.reindex([p.pk for p in created])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    parser.add_argument(
        "--synthetic", type=int, default=0, help="also measure after adding N synthetic platforms"
    )
    args = parser.parse_args()
    setup_django(os.environ.get("DATABASE_URL"))

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from platforms import search
    from platforms.models import Platform

    print(f"database: {connection.vendor}; repeat {args.repeat}")
    call_command("migrate", verbosity=0)
    devnull = open(os.devnull, "w")  # noqa: SIM115 - kept open for the run
    report(
        "load_reference_data, empty database (s)",
        {
            "s": timed(lambda: call_command("load_reference_data", stdout=devnull), 1)["median_ms"]
            / 1000
        },
    )
    report(
        "load_reference_data, second run (s)",
        {
            "s": timed(lambda: call_command("load_reference_data", stdout=devnull), 1)["median_ms"]
            / 1000
        },
    )

    client = Client(HTTP_HOST="127.0.0.1")

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    for url in [
        "/api/v1/platforms/?page_size=20",
        "/api/v1/platforms/?page_size=100",
        "/api/v1/platforms/govuk-pay/",
        "/api/v1/platforms/govuk-pay/adoptions/?page_size=100",
        "/api/v1/platforms/govuk-notify/dependents/",
        "/api/v1/organisations/?page_size=100",
        "/api/v1/adoptions/?page_size=100",
    ]:
        report(f"GET {url}", timed(lambda url=url: get(url), args.repeat))

    def search_and_facets(query):
        visible = Platform.objects.published()
        results = list(search.search(visible, query)[:20])
        search.facets(search.search(visible, query))
        return results

    for query in ["take card payments", "send text messages to citizens", "notfy"]:
        report(
            f"search + facets '{query}'", timed(lambda q=query: search_and_facets(q), args.repeat)
        )

    if args.synthetic:
        start = time.perf_counter()
        add_synthetic_platforms(args.synthetic)
        report(
            f"add {args.synthetic} synthetic platforms + index (s)",
            {"s": time.perf_counter() - start},
        )
        total = Platform.objects.count()
        for query in ["payments", "case records licensing", "notfy"]:
            report(
                f"search + facets '{query}' at {total} platforms",
                timed(lambda q=query: search_and_facets(q), max(5, args.repeat // 3)),
            )
        report(
            f"GET /api/v1/platforms/?page_size=100 at {total}",
            timed(lambda: get("/api/v1/platforms/?page_size=100"), max(5, args.repeat // 3)),
        )

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report("peak resident memory (MiB)", {"MiB": peak_kib / 1024})


if __name__ == "__main__":
    main()
