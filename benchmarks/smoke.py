"""``make bench-smoke``: every benchmarked read on a small generated catalogue (1,000
platforms), asserting SQL query counts only, never times. Runs in CI (well under a minute).

The reads: the API's lists, details, nested lists, search, similar and impact; the insight
endpoints; the public pages (home, search, platform, organisation, capability, compare,
insights, impact); the admin's home, lists, searches, histories and change pages, as a catalogue
administrator and as an editor of the platforms' owners (signed in with ``force_login``).

Uses ``DATABASE_URL`` if set (an EMPTY database it may fill), else a throwaway SQLite file.
Exits non-zero if a read answers other than 200 or runs more queries than its bound.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Every list, detail, nested list, search, similar and insight endpoint, every public page and
# every admin list: at most this many queries (issue 14), whatever the data size.
MAX_QUERIES = 8
# Every read, by name: its path, with {popular} (the most reused published platform),
# {depended} (the most depended on), {depended_pk} and {busiest} (the organisation with the most
# adoptions) filled in. "similar" is a POST of a draft; the admin pages are read as a catalogue
# administrator and as an editor of both platforms' owners.
READS = {
    "list": "/api/v1/platforms/?page_size=50",
    "list filtered": "/api/v1/platforms/?phase=live,beta&capability=payments",
    "list by reuse": "/api/v1/platforms/?ordering=-reuse_count",
    "detail": "/api/v1/platforms/{popular}/",
    "platform adoptions": "/api/v1/platforms/{popular}/adoptions/",
    "organisation list": "/api/v1/organisations/",
    "organisation adoptions": "/api/v1/organisations/{busiest}/adoptions/",
    "organisation platforms": "/api/v1/organisations/{busiest}/platforms/",
    "adoption list": "/api/v1/adoptions/?status=in_use",
    "dependency list": "/api/v1/dependencies/",
    "impact": "/api/v1/platforms/{depended}/dependents/",
    "search payments": "/api/v1/search/?q=payments",
    "search typo": "/api/v1/search/?q=paymnt",
    "search, no words": "/api/v1/search/",
    "list searched": "/api/v1/platforms/?q=text+messages",
    "similar": "/api/v1/platforms/similar/",
    "insights index": "/api/v1/insights/",
    "insight duplication": "/api/v1/insights/duplication/",
    "insight profile": "/api/v1/insights/organisations/{busiest}/profile/",
    "insight impact": "/api/v1/insights/platforms/{depended}/impact/",
    "insight contracts": "/api/v1/insights/contracts/",
    "insight matrix": "/api/v1/insights/matrix/?capability=payments",
    "insight trend": "/api/v1/insights/platforms/{popular}/trend/",
    "page home": "/",
    "page search": "/search/?q=payments",
    "page search, nothing found": "/search/?q=xqzzv+paymnets",
    "page search, no words": "/search/",
    "page search, live platforms": "/search/?phase=live&phase=beta",
    "page platform": "/platforms/{popular}/",
    "page organisation": "/organisations/{busiest}/",
    "page capability": "/capabilities/payments/",
    "page compare": "/compare/?platforms={popular}&platforms={depended}",
    "page insights": "/insights/",
    "page duplication": "/insights/duplication/",
    "page contracts": "/insights/contracts/",
    "page matrix": "/insights/matrix/?capability=payments",
    "page trend": "/insights/platforms/{popular}/trend/",
    "page impact": "/platforms/{depended}/impact/",
}
POSTS = {"similar": {"name": "Widget booking service", "summary": "Book text messages."}}
ADMIN_READS = {
    "admin home": "/admin/",
    "admin changelist": "/admin/platforms/platform/",
    "admin changelist filtered": "/admin/platforms/platform/?phase__exact=live",
    "admin search": "/admin/platforms/platform/?q=payments",
    "admin search typo": "/admin/platforms/platform/?q=paymnt",
    "admin adoptions": "/admin/platforms/adoption/",
    "admin adoptions of popular": "/admin/platforms/adoption/?platform={popular_pk}",
    "admin adoptions searched": "/admin/platforms/adoption/?q=payments",
    "admin adoptions searched broadly": "/admin/platforms/adoption/?q=department",
    "admin dependencies": "/admin/platforms/dependency/",
    "admin organisations": "/admin/platforms/organisation/",
    "admin capabilities": "/admin/platforms/capability/",
    "admin standards": "/admin/platforms/standard/",
    "admin history popular": "/admin/platforms/platform/{popular_pk}/history/",
    "admin version popular": "/admin/platforms/platform/{popular_pk}/history/{popular_version}/",
    "admin history adoption": "/admin/platforms/adoption/{adoption_pk}/history/",
    "admin change popular": "/admin/platforms/platform/{popular_pk}/change/",
    "admin change depended": "/admin/platforms/platform/{depended_pk}/change/",
    "admin change adoption": "/admin/platforms/adoption/{adoption_pk}/change/",
    "admin change organisation": "/admin/platforms/organisation/{owner_pk}/change/",
}
# An admin change page's own bound: the target for the most adopted platform's is 20;
# every change page is held to 12 (the platform's: its similar platforms, pickers and inline).
CHANGE_PAGE_QUERIES = 12


def main() -> int:
    workdir = None
    if not os.environ.get("DATABASE_URL"):
        workdir = tempfile.TemporaryDirectory(prefix="bench-smoke-")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/smoke.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("API_THROTTLE_ANON", "100000000/minute")
    # The throttle's count lives in the shared cache: a constant cost per request that depends
    # on the store (6 queries on the database cache, none with Redis), not on the endpoint. It
    # is kept out of the endpoints' counts here, as in the test suite.
    os.environ.setdefault("CACHE_URL", "locmemcache://")
    import logging

    import django

    django.setup()
    # Sign-in bookkeeping (django-axes) logs at INFO on every force_login: not the figures.
    logging.disable(logging.INFO)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from platforms.models import Adoption, Dependency, Platform

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command(
        "generate_catalogue",
        platforms=1000,
        organisations=60,
        adoptions=10000,
        dependencies=500,
        seed=7,
        no_progress=True,
    )
    generated = time.monotonic()
    popular = Platform.objects.published().order_by("-reuse_count", "slug").first()
    depended = (
        Dependency.objects.values("depends_on__slug")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()["depends_on__slug"]
    )
    depended_pk = Platform.objects.get(slug=depended).pk
    anonymous = Client(HTTP_HOST="127.0.0.1")
    busiest = (
        Adoption.objects.values("organisation__slug")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()["organisation__slug"]
    )
    # A few more versions of the popular platform, so that its history page has changes to
    # show (the generator writes one version each).
    for summary in ("Version two.", "Version three."):
        popular.summary = summary
        popular.save()
    popular_version = popular.history.earliest("history_date").history_id
    adoption = Adoption.objects.filter(platform=popular).order_by("pk").first()
    names = {
        "popular": popular.slug,
        "popular_pk": popular.pk,
        "popular_version": popular_version,
        "adoption_pk": adoption.pk,
        "owner_pk": popular.owner_id,
        "depended": depended,
        "depended_pk": depended_pk,
        "busiest": busiest,
    }
    requests = [(name, None, path.format(**names)) for name, path in READS.items()]
    requests += [
        (f"{name} ({who})", who, path.format(**names))
        for who in ("admin", "editor")
        for name, path in ADMIN_READS.items()
    ]
    clients = signed_in_clients(popular.owner, Platform.objects.get(pk=depended_pk).owner)
    failures = []
    print(
        f"{connection.vendor}, {Platform.objects.count()} platforms, "
        f"{Adoption.objects.count()} adoptions"
    )
    for name, who, path in requests:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        client = clients.get(who, anonymous)
        began = time.monotonic()
        with connection.execute_wrapper(counter):
            if name in POSTS:
                response = client.post(path, POSTS[name], content_type="application/json")
            else:
                response = client.get(path)
        bound = CHANGE_PAGE_QUERIES if "/change/" in path else MAX_QUERIES
        ok = response.status_code == 200 and count <= bound
        # The time is shown, never asserted (CI machines vary).
        took = f"{(time.monotonic() - began) * 1000:.0f} ms"
        print(f"{'ok  ' if ok else 'FAIL'} {name:36} {count:3} queries (<= {bound}) {took} {path}")
        if not ok:
            failures.append((name, response.status_code, count))
    print(
        f"bench-smoke: {len(requests) - len(failures)} passed, {len(failures)} failed "
        f"in {time.monotonic() - started:.0f} s ({generated - started:.0f} s generating the data)"
    )
    if workdir is not None:
        workdir.cleanup()
    return 1 if failures else 0


def signed_in_clients(*owners) -> dict:
    """Test clients signed in as a catalogue administrator and as an editor of ``owners``."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from platforms.models import Membership

    users = get_user_model()
    admin = users.objects.create(username="smoke-admin", is_staff=True, is_superuser=True)
    editor = users.objects.create(username="smoke-editor", is_staff=True)
    for owner in set(owners):
        Membership.objects.create(user=editor, organisation=owner, role=Membership.Role.EDITOR)
    clients = {}
    for who, user in (("admin", admin), ("editor", editor)):
        clients[who] = Client(HTTP_HOST="127.0.0.1")
        clients[who].force_login(user)
    return clients


if __name__ == "__main__":
    sys.exit(main())
