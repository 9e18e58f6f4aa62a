"""``make bench``: the national-scale benchmark (issue 14). PostgreSQL via ``DATABASE_URL``.

1. Data: migrates, loads the reference data and runs ``generate_catalogue`` (100k platforms,
   2k organisations, 1M adoptions, 50k dependencies, seed 1) unless the database holds them.
2. In-process (Django's test client, the whole Django + DRF stack, no network): per endpoint,
   the SQL query count and p50/p95/p99 after warm-up, beside a baseline that fetches the same rows
   with one hand-written SQL query through psycopg2 plus ``json.dumps`` (the floor for Python
   here), and the ratio.
3. EXPLAIN (ANALYZE, BUFFERS) of the slowest SQL query seen.
4. Load: gunicorn (gunicorn.conf.py: 2 gthread workers) on loopback under ``wrk`` (200
   connections, 30 s) on the list and on search; errors and p99. Then, right after a search
   storm, a plain request must answer within a second.

Writes benchmarks/results/latest.json and latest.md (the Markdown table for BENCHMARKS.md).
Nothing here is a test: figures depend on the machine; the ratios matter more.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
    # Production settings (no debug bookkeeping), reachable over plain HTTP on loopback.
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    # One client makes every request: the per-client throttle would answer 429s.
    os.environ.setdefault("API_THROTTLE_ANON", "100000000/minute")
    # And the draft comparison's own limit (30 a minute): a run of 30 made 35 requests, the
    # last five answered 429 in 2 ms, and a second run within the minute measured only 429s.
    os.environ.setdefault("API_THROTTLE_SIMILAR_ANON", "100000000/minute")
    import django
    from django.conf import settings

    django.setup()
    # The pages are rendered in-process: static URLs without the collected manifest (the
    # manifest lookup is a dict read; gunicorn's load run only requests the API).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(times: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(percentile(times, 95) * 1000, 1),
        "p99_ms": round(percentile(times, 99) * 1000, 1),
    }


# --- data --------------------------------------------------------------------------------------


def ensure_data(args) -> dict:
    from django.core.management import call_command

    from platforms.models import Adoption, Organisation, Platform

    call_command("migrate", verbosity=0)
    timings: dict = {}
    if not Platform.objects.filter(slug="govuk-pay").exists():
        started = time.monotonic()
        call_command("load_reference_data")
        timings["load_reference_data_s"] = round(time.monotonic() - started, 1)
    if not Organisation.objects.filter(slug__startswith=f"gen{args.seed}-").exists():
        started = time.monotonic()
        call_command(
            "generate_catalogue",
            platforms=args.platforms,
            organisations=args.organisations,
            adoptions=args.adoptions,
            dependencies=args.dependencies,
            seed=args.seed,
        )
        timings["generate_catalogue_s"] = round(time.monotonic() - started, 1)
    timings["platforms"] = Platform.objects.count()
    timings["adoptions"] = Adoption.objects.count()
    return timings


# --- the endpoints and their hand-written baselines --------------------------------------------

LIST_SQL = """
SELECT p.slug, p.name, p.summary, p.phase, p.state, p.reuse_count, p.is_open_source,
       p.updated_at::text, o.slug, o.name,
       (SELECT json_agg(json_build_object('slug', c.slug, 'name', c.name))
          FROM platforms_platform_capabilities l JOIN platforms_capability c
            ON c.id = l.capability_id WHERE l.platform_id = p.id),
       (SELECT json_agg(json_build_object('slug', s.slug, 'name', s.name))
          FROM platforms_platform_standards l JOIN platforms_standard s
            ON s.id = l.standard_id WHERE l.platform_id = p.id)
FROM platforms_platform p JOIN platforms_organisation o ON o.id = p.owner_id
WHERE p.state = 'published' {where}
ORDER BY {order} LIMIT {limit}
"""
ADOPTIONS_SQL = """
SELECT a.id, a.status, a.use_case, a.start_date::text, a.end_date::text, a.evidence_source,
       p.slug, p.name, o.slug, o.name
FROM platforms_adoption a JOIN platforms_platform p ON p.id = a.platform_id
JOIN platforms_organisation o ON o.id = a.organisation_id
WHERE p.state = 'published' AND {where} ORDER BY a.id LIMIT 20
"""
SEARCH_SQL = """
WITH m AS MATERIALIZED (
    SELECT id FROM platforms_platform
    WHERE state = 'published' AND search_vector @@ websearch_to_tsquery('english', %(q)s)
)
SELECT (SELECT json_agg(r) FROM (
          SELECT p.slug, p.name, p.summary,
                 ts_rank(p.search_vector, websearch_to_tsquery('english', %(q)s)) AS score
          FROM platforms_platform p JOIN m ON m.id = p.id ORDER BY score DESC LIMIT 20) r),
       (SELECT count(*) FROM m),
       (SELECT json_agg(f) FROM (
          SELECT c.slug, count(*) FROM m JOIN platforms_platform_capabilities l
            ON l.platform_id = m.id JOIN platforms_capability c ON c.id = l.capability_id
          GROUP BY c.slug) f),
       (SELECT json_agg(f) FROM (
          SELECT p.phase, count(*) FROM m JOIN platforms_platform p ON p.id = m.id
          GROUP BY p.phase) f)
"""


# Impact by hand: every published platform reached (each once), its depth, the first 100 by
# depth and name, and the organisations owning or using one (their count and the top 50).
IMPACT_SQL = """
WITH RECURSIVE walk(id, depth) AS (
    SELECT CAST(%(root)s AS bigint), 0
    UNION
    SELECT d.platform_id, w.depth + 1 FROM walk w
    JOIN platforms_dependency d ON d.depends_on_id = w.id
    JOIN platforms_platform p ON p.id = d.platform_id AND p.state = 'published'
    WHERE w.depth < 25
),
reached AS MATERIALIZED (
    SELECT id, MIN(depth) AS depth FROM walk GROUP BY id HAVING MIN(depth) > 0
),
hit AS (
    SELECT p.owner_id AS org, p.id FROM reached r JOIN platforms_platform p ON p.id = r.id
    UNION
    SELECT a.organisation_id, a.platform_id FROM reached r
    JOIN platforms_adoption a ON a.platform_id = r.id AND a.status = 'in_use'
),
per_org AS (SELECT org, COUNT(*) AS n FROM hit GROUP BY org)
SELECT (SELECT json_agg(x) FROM (SELECT p.slug, p.name, r.depth FROM reached r
          JOIN platforms_platform p ON p.id = r.id ORDER BY r.depth, p.name LIMIT 100) x),
       (SELECT json_agg(x) FROM (SELECT depth, COUNT(*) FROM reached GROUP BY depth) x),
       (SELECT COUNT(*) FROM per_org),
       (SELECT json_agg(x) FROM (SELECT o.slug, o.name, n FROM per_org
          JOIN platforms_organisation o ON o.id = org ORDER BY n DESC LIMIT 50) x)
"""

# Every read the issue lists beyond the API's lists: the insight endpoints, the public pages and
# the admin pages (as a catalogue administrator and as an editor of the platform's owner). None
# has a one-query baseline: a page is several reads by design.
ADMIN_ROLES = ("admin", "editor")


def page_endpoints(context: dict) -> list[dict]:
    """The insight endpoints, the public pages and the admin pages: (name, path, who)."""
    notify, popular = context["notify_id"], context["popular_id"]
    org = context["big_org_slug"]
    reads = [
        ("insights index", "/api/v1/insights/"),
        ("insight duplication", "/api/v1/insights/duplication/"),
        ("insight organisation profile", f"/api/v1/insights/organisations/{org}/profile/"),
        ("insight impact (GOV.UK Notify)", "/api/v1/insights/platforms/govuk-notify/impact/"),
        ("insight contracts", "/api/v1/insights/contracts/"),
        ("insight matrix", "/api/v1/insights/matrix/?capability=payments"),
        ("insight trend (GOV.UK Pay)", "/api/v1/insights/platforms/govuk-pay/trend/"),
        ("page: home", "/"),
        ("page: search payments", "/search/?q=payments"),
        # Browsing: no words, the facets of every published (or every live) platform.
        ("page: search without words", "/search/"),
        ("page: search, live platforms", "/search/?phase=live"),
        ("search + facets, no words", "/api/v1/search/"),
        ("page: platform (GOV.UK Notify)", "/platforms/govuk-notify/"),
        ("page: compare", "/compare/?platforms=govuk-notify&platforms=govuk-pay"),
        ("page: insights", "/insights/"),
        ("page: insights duplication", "/insights/duplication/"),
        ("page: insights contracts", "/insights/contracts/"),
        ("page: insights matrix", "/insights/matrix/?capability=payments"),
        ("page: insights trend (GOV.UK Pay)", "/insights/platforms/govuk-pay/trend/"),
        ("page: impact (GOV.UK Notify)", "/platforms/govuk-notify/impact/"),
    ]
    rows = [{"name": name, "path": path, "kind": "read"} for name, path in reads]
    for who in ADMIN_ROLES:
        rows += [
            {
                "name": f"admin: platform changelist ({who})",
                "path": "/admin/platforms/platform/",
                "who": who,
                "kind": "admin",
            },
            {
                "name": f"admin: home ({who})",
                "path": "/admin/",
                "who": who,
                "kind": "admin",
            },
            {
                "name": f"admin: search payments ({who})",
                "path": "/admin/platforms/platform/?q=payments",
                "who": who,
                "kind": "admin",
            },
            {
                "name": f"admin: history of GOV.UK Notify ({who})",
                "path": f"/admin/platforms/platform/{notify}/history/",
                "who": who,
                "kind": "admin",
            },
            {
                "name": f"admin: change GOV.UK Notify ({who})",
                "path": f"/admin/platforms/platform/{notify}/change/",
                "who": who,
                "kind": "admin",
            },
            {
                "name": f"admin: change the most adopted platform ({who})",
                "path": f"/admin/platforms/platform/{popular}/change/",
                "who": who,
                "kind": "admin",
            },
        ]
    return rows


def admin_clients(context: dict) -> dict:
    """A signed-in test client per admin role: a catalogue administrator, and an editor of
    both GOV.UK Notify's owner and the most adopted platform's owner (signed in with
    ``force_login``: no password hashing in the figures)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from platforms.models import Membership, Platform

    users = get_user_model()
    admin, _ = users.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    editor, _ = users.objects.get_or_create(username="bench-editor", defaults={"is_staff": True})
    for pk in (context["notify_id"], context["popular_id"]):
        owner = Platform.objects.get(pk=pk).owner
        Membership.objects.get_or_create(
            user=editor, organisation=owner, defaults={"role": Membership.Role.EDITOR}
        )
    clients = {}
    for who, user in (("admin", admin), ("editor", editor)):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients[who] = client
    return clients


def endpoints(context: dict) -> list[dict]:
    """(name, method, path, body, baseline SQL, params) for each measured request."""
    pay, notify, big_org = context["pay"], context["notify"], context["big_org"]
    return [
        # The floor of any request here: Django's middleware alone (the health check runs one
        # ``SELECT 1``), then DRF's whole stack on a small table. A list's ratio to its
        # hand-written SQL cannot fall below what these cost over their own SQL.
        {"name": "floor: /healthz (Django, one SELECT 1)", "path": "/healthz", "sql": "SELECT 1"},
        {
            "name": "floor: capabilities/ (DRF, a small list)",
            "path": "/api/v1/capabilities/",
            "sql": "SELECT c.slug, c.name, c.description FROM platforms_capability c "
            "ORDER BY c.name, c.slug LIMIT 20",
        },
        {
            "name": "platform list, page 50",
            "path": "/api/v1/platforms/?page_size=50",
            "sql": LIST_SQL.format(where="", order="p.name, p.slug", limit=50),
        },
        {
            "name": "list ?phase=live&capability=payments",
            "path": "/api/v1/platforms/?phase=live&capability=payments",
            "sql": LIST_SQL.format(
                where="AND p.phase = 'live' AND p.id IN (SELECT l.platform_id FROM "
                "platforms_platform_capabilities l JOIN platforms_capability c ON "
                "c.id = l.capability_id WHERE c.slug = 'payments')",
                order="p.name, p.slug",
                limit=20,
            ),
        },
        {
            "name": "list ?ordering=-reuse_count",
            "path": "/api/v1/platforms/?ordering=-reuse_count",
            "sql": LIST_SQL.format(where="", order="p.reuse_count DESC, p.slug", limit=20),
        },
        {
            "name": "detail (govuk-pay)",
            "path": "/api/v1/platforms/govuk-pay/",
            "sql": LIST_SQL.format(where="AND p.slug = 'govuk-pay'", order="p.id", limit=1),
        },
        {
            "name": "platforms/govuk-pay/adoptions/",
            "path": "/api/v1/platforms/govuk-pay/adoptions/",
            "sql": ADOPTIONS_SQL.format(where=f"a.platform_id = {pay}"),
        },
        {
            "name": "organisations/{slug}/adoptions/ "
            f"({context['big_org_adoptions']:,} adoptions)",
            "path": f"/api/v1/organisations/{context['big_org_slug']}/adoptions/",
            "sql": ADOPTIONS_SQL.format(where=f"a.organisation_id = {big_org}"),
        },
        {
            "name": "organisation list",
            "path": "/api/v1/organisations/",
            "sql": "SELECT o.slug, o.name, o.abbreviation, o.kind, (SELECT count(*) FROM "
            "platforms_platform p WHERE p.owner_id = o.id AND p.state = 'published'), "
            "(SELECT count(*) FROM platforms_adoption a JOIN platforms_platform p ON "
            "p.id = a.platform_id WHERE a.organisation_id = o.id AND p.state = 'published') "
            "FROM platforms_organisation o ORDER BY o.name, o.slug LIMIT 20",
        },
        {
            "name": f"impact (dependents/) of GOV.UK Notify ({context['notify_dependents']:,} "
            "direct)",
            "path": "/api/v1/platforms/govuk-notify/dependents/",
            "sql": IMPACT_SQL,
            "params": {"root": notify},
        },
        {
            "name": 'search + facets "payments"',
            "path": "/api/v1/search/?q=payments",
            "sql": SEARCH_SQL,
            "params": {"q": "payments"},
        },
        {
            "name": 'search + facets "send text messages"',
            "path": "/api/v1/search/?q=send+text+messages",
            "sql": SEARCH_SQL,
            "params": {"q": "send text messages"},
        },
        {
            "name": 'search "notfy"',
            "path": "/api/v1/search/?q=notfy",
            "sql": SEARCH_SQL,
            "params": {"q": "notify"},
        },
        {
            "name": "POST platforms/similar/ (a draft)",
            "path": "/api/v1/platforms/similar/",
            "method": "post",
            "body": {
                "name": "Department text message service",
                "summary": "Sends text messages to people about their applications.",
            },
        },
    ]


def context_ids() -> dict:
    from django.db.models import Count

    from platforms.models import Adoption, Dependency, Platform

    pay = Platform.objects.get(slug="govuk-pay").pk
    notify = Platform.objects.get(slug="govuk-notify").pk
    popular = Platform.objects.published().order_by("-reuse_count", "slug").first().pk
    big = (
        Adoption.objects.filter(platform__state="published")
        .values("organisation", "organisation__slug")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    return {
        "pay": pay,
        "notify": notify,
        "notify_id": notify,
        "popular_id": popular,
        "big_org": big["organisation"],
        "big_org_slug": big["organisation__slug"],
        "big_org_adoptions": big["n"],
        "notify_dependents": Dependency.objects.filter(depends_on=notify).count(),
    }


def measure_in_process(args, context: dict) -> tuple[list[dict], dict]:
    import psycopg2
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    settings_db = connection.settings_dict
    raw = psycopg2.connect(
        dbname=settings_db["NAME"],
        user=settings_db["USER"],
        host=settings_db["HOST"],
        port=settings_db["PORT"],
        password=settings_db["PASSWORD"] or None,
    )
    rows, slowest = [], {"ms": 0.0}
    clients = {None: client, **admin_clients(context)}
    measured = endpoints(context) + page_endpoints(context)
    if args.only:
        measured = [e for e in measured if args.only.lower() in e["name"].lower()]
    for endpoint in measured:
        method = endpoint.get("method", "get")

        def request(endpoint=endpoint, method=method):
            chosen = clients[endpoint.get("who")]
            if method == "post":
                return chosen.post(
                    endpoint["path"], endpoint["body"], content_type="application/json"
                )
            return chosen.get(endpoint["path"])

        try:
            for _ in range(args.warmup):
                response = request()
            failure = None if response.status_code == 200 else f"status {response.status_code}"
        except Exception as error:  # noqa: BLE001 - reported in the table, the run goes on
            failure = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        if failure:
            row = {"endpoint": endpoint["name"], "path": endpoint["path"], "error": failure}
            row["kind"] = endpoint.get("kind", "api")
            rows.append(row)
            print(json.dumps(row), flush=True)
            continue
        captured: list[tuple[str, tuple, float]] = []

        def record(execute, sql, params, many, context, captured=captured):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append((sql, params, time.perf_counter() - started))

        with connection.execute_wrapper(record):
            request()
        for sql, params, seconds in captured:
            if seconds * 1000 > slowest["ms"]:
                slowest = {
                    "ms": seconds * 1000,
                    "sql": sql,
                    "params": params,
                    "endpoint": endpoint["name"],
                }
        times = []
        started = time.perf_counter()
        request()
        first = time.perf_counter() - started
        # A request slower than a second is measured 5 times, not args.repeat times.
        refused = set()
        for _ in range(args.repeat if first < 1 else min(args.repeat, 5)):
            started = time.perf_counter()
            response = request()
            response.content  # noqa: B018 - rendered
            times.append(time.perf_counter() - started)
            if response.status_code != 200:
                refused.add(response.status_code)
        if refused:  # a figure of refusals is not the request's
            row = {"endpoint": endpoint["name"], "path": endpoint["path"]}
            row |= {"kind": endpoint.get("kind", "api"), "error": f"status {sorted(refused)}"}
            rows.append(row)
            print(json.dumps(row), flush=True)
            continue
        row = {
            "endpoint": endpoint["name"],
            "path": endpoint["path"],
            "kind": endpoint.get("kind", "api"),
            "queries": len(captured),
            "bytes": len(response.content),
            **summary(times),
        }
        if endpoint.get("sql"):
            baseline = []
            for _ in range(max(3, args.repeat // 2)):
                started = time.perf_counter()
                with raw.cursor() as cursor:
                    cursor.execute(endpoint["sql"], endpoint.get("params"))
                    json.dumps(cursor.fetchall(), default=str)
                baseline.append(time.perf_counter() - started)
            row["baseline_p50_ms"] = round(statistics.median(baseline) * 1000, 1)
            row["ratio"] = round(row["p50_ms"] / max(row["baseline_p50_ms"], 0.1), 1)
        rows.append(row)
        print(json.dumps(row), flush=True)
    raw.close()
    return rows, slowest


def explain(slowest: dict) -> str:
    from django.db import connection

    if not slowest.get("sql"):
        return ""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["params"])
        return "\n".join(row[0] for row in cursor.fetchall())


# --- under load --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def parse_wrk(output: str) -> dict:
    def number(pattern: str, default: float = 0.0) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else default

    def latency(label: str) -> float | None:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 1)

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    socket_errors = sum(int(g) for g in errors.groups()) if errors else 0
    return {
        "requests": int(number(r"(\d+) requests in")),
        "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "socket_errors": socket_errors,
    }


def load_run(args) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        # The load generator is one client: the per-client throttle would answer 429s.
        "API_THROTTLE_ANON": "100000000/minute",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "GUNICORN_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("gunicorn")), "catalogue.wsgi:application"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict = {"connections": args.connections, "duration_s": args.duration}
    try:
        wait_for(f"{base}/healthz")
        for name, path in (
            ("list", "/api/v1/platforms/"),
            ("search", "/api/v1/search/?q=payments"),
        ):
            output = subprocess.run(  # noqa: S603
                [
                    wrk,
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "30s",
                    "--latency",
                    base + path,
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            results[name] = parse_wrk(output)
            print(name, json.dumps(results[name]), flush=True)
            if name == "search":
                # Right after the storm: a plain request must answer within a second.
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(f"{base}/api/v1/capabilities/", timeout=30) as r:  # noqa: S310
                        status = r.status
                except OSError as error:
                    status = f"no answer: {error}"
                elapsed = round((time.perf_counter() - started) * 1000, 1)
                results["plain_after_storm"] = {
                    "status": status,
                    "ms": elapsed,
                    "within_1s": status == 200 and elapsed < 1000,
                }
                print("plain request after the storm", results["plain_after_storm"], flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return results


# --- report ------------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    lines = [
        "| request | SQL queries | p50 | p95 | p99 | hand-written SQL p50 | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in result["endpoints"]:
        if "error" in row:
            lines.append(f"| {row['endpoint']} | | **failed: {row['error']}** | | | | |")
            continue
        baseline = f"{row['baseline_p50_ms']} ms" if "baseline_p50_ms" in row else "n/a"
        ratio = f"{row['ratio']}x" if "ratio" in row else "n/a"
        lines.append(
            f"| {row['endpoint']} | {row['queries']} | {row['p50_ms']} ms | {row['p95_ms']} ms "
            f"| {row['p99_ms']} ms | {baseline} | {ratio} |"
        )
    load = result.get("load", {})
    if "list" in load:
        lines += [
            "",
            f"Load (gunicorn, gunicorn.conf.py, wrk {load['connections']} connections, "
            f"{load['duration_s']} s):",
            "",
            "| target | requests | requests/s | p50 | p99 | non-2xx | socket errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for name in ("list", "search"):
            r = load[name]
            lines.append(
                f"| {name} | {r['requests']} | {r['requests_per_s']} | {r['p50_ms']} ms "
                f"| {r['p99_ms']} ms | {r['non_2xx']} | {r['socket_errors']} |"
            )
        plain = load.get("plain_after_storm", {})
        lines += ["", f"Plain request right after the search storm: {plain}"]
    lines += [
        "",
        f"Slowest SQL query: {result['slowest']['ms']:.1f} ms in "
        f"{result['slowest'].get('endpoint')}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--platforms", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=2_000)
    parser.add_argument("--adoptions", type=int, default=1_000_000)
    parser.add_argument("--dependencies", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--no-load", action="store_true", help="skip the gunicorn + wrk run")
    parser.add_argument(
        "--only", default="", help="only the requests whose name contains this text"
    )
    parser.add_argument(
        "--load-only", action="store_true", help="only the load run, into the latest results"
    )
    args = parser.parse_args()
    setup_django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("make bench needs PostgreSQL: set DATABASE_URL=postgres://...")
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.load_only:
        result = json.loads((RESULTS / "latest.json").read_text())
        result["load"] = load_run(args)
        write(result)
        return
    data = ensure_data(args)
    context = context_ids()
    rows, slowest = measure_in_process(args, context)
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": host.python_version(),
            "postgresql": connection.pg_version,
        },
        "data": data,
        "endpoints": rows,
        "slowest": {**slowest, "explain": explain(slowest)},
    }
    # Written before the load run too, so that a failed load run keeps these figures.
    write(result)
    if not args.no_load:
        result["load"] = load_run(args)
        write(result)


def write(result: dict) -> None:
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, default=str))
    table = markdown(result)
    explained = result["slowest"].get("explain", "")
    (RESULTS / "latest.md").write_text(table + "\n```\n" + explained + "\n```\n")
    print(table)


if __name__ == "__main__":
    main()
