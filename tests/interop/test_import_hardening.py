"""Imports tried as an attacker would (issue 10): another organisation's draft never shows, a
YAML bomb costs milliseconds, big imports are set-based, a dry run writes nothing, and the
losing side of a race gets a clean 409."""

import time
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from platforms.importers import apply, run_import
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import (
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"


@pytest.fixture
def hidden_draft():
    """Another organisation's draft: its slug, repository and name must never show."""
    other = OrganisationFactory(slug="secret-office", name="Secret Office")
    return DraftPlatformFactory(
        owner=other,
        slug="hidden-plan",
        name="Hidden Plan",
        source_code_url="https://github.com/example/hidden-plan",
        sources="https://github.com/example/hidden-plan",
    )


def _post(user, name, body, fmt, owner=None):
    data = {"format": fmt, "file": SimpleUploadedFile(name, body)}
    if owner:
        data["owner"] = owner
    return client_for(user).post(IMPORTS, data, format="multipart")


def _csv(slug, owner_slug, depends=""):
    header = "slug,name,summary,owner"
    return f"{header}\n{slug},Imported thing,Does a thing.,{owner_slug}\n".encode()


def _publiccode(url, depends_on="Nothing at all"):
    return f"""publiccodeYmlVersion: "0.4"
name: Imported thing
url: "{url}"
platforms: [web]
categories: [it-development]
developmentStatus: stable
softwareType: standalone/web
description:
  en:
    shortDescription: Does a thing.
    longDescription: {"Does a thing for the people who need it done, every day. " * 3}
    features: [a thing]
legal:
  license: MIT
maintenance:
  type: internal
  contacts:
    - name: Someone
localisation:
  localisationReady: true
  availableLanguages: [en]
dependsOn:
  open:
    - name: {depends_on}
""".encode()


def _same_answer(first, second, hidden: str, unused: str):
    assert first.status_code == second.status_code
    assert first.json() == _swap(second.json(), unused, hidden)
    text = first.content.decode()
    assert "Hidden Plan" not in text and "Secret Office" not in text
    assert "published" not in text


def _swap(value, old, new):
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    return value.replace(old, new) if isinstance(value, str) else value


@pytest.mark.parametrize("membership", ["none", "other organisation"])
def test_a_draft_slug_in_a_csv_answers_like_a_slug_nobody_uses(hidden_draft, membership):
    mine = OrganisationFactory(slug="my-office", name="My Office")
    user = UserFactory() if membership == "none" else editor_of(mine)
    hidden = _post(user, "p.csv", _csv("hidden-plan", "my-office"), "csv")
    unused = _post(user, "p.csv", _csv("nobody-uses", "my-office"), "csv")
    _same_answer(hidden, unused, "hidden-plan", "nobody-uses")
    if membership == "none":
        assert hidden.status_code == 400  # not a member of My Office
    else:
        assert hidden.status_code == 200
        assert hidden.json()["created"][0]["slug"] == "hidden-plan"


def test_a_draft_repository_in_publiccode_answers_like_an_unused_one(hidden_draft):
    mine = OrganisationFactory(slug="my-office", name="My Office")
    user = editor_of(mine)
    hidden_url = "https://github.com/example/hidden-plan"
    unused_url = "https://github.com/example/nobody-uses"
    hidden = _post(user, "publiccode.yml", _publiccode(hidden_url), "publiccode", "my-office")
    unused = _post(user, "publiccode.yml", _publiccode(unused_url), "publiccode", "my-office")
    _same_answer(hidden, unused, hidden_url, unused_url)
    assert hidden.status_code == 200 and len(hidden.json()["created"]) == 1


def test_depends_on_a_draft_answers_like_a_name_nobody_uses(hidden_draft):
    mine = OrganisationFactory(slug="my-office", name="My Office")
    user = editor_of(mine)
    url = "https://github.com/example/mine"
    hidden = _post(
        user, "publiccode.yml", _publiccode(url, "Hidden Plan"), "publiccode", "my-office"
    )
    unused = _post(
        user, "publiccode.yml", _publiccode(url, "Nobody Uses"), "publiccode", "my-office"
    )
    assert hidden.status_code == unused.status_code == 200
    messages = [p["message"] for p in hidden.json()["problems"]]
    assert "'Hidden Plan' is not in the catalogue: the dependency is not recorded." in messages
    assert hidden.json()["dependencies_created"] == 0


def test_the_system_and_the_owner_still_see_their_own_draft(hidden_draft):
    owner_editor = editor_of(hidden_draft.owner)
    response = _post(owner_editor, "p.csv", _csv("hidden-plan", "secret-office"), "csv")
    assert response.status_code == 200
    assert [i["slug"] for i in response.json()["updated"]] == ["hidden-plan"]


# --- YAML that costs more than its size -----------------------------------------------------

BILLION_LAUGHS = b"""apiVersion: backstage.io/v1alpha1
kind: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
metadata: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
spec: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
x: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
y: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
z: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
w: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
v: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
u: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _bounded(call):
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
    finally:
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    # Generous safety nets: before the fix this took ~40 s and gigabytes.
    assert elapsed < 2, elapsed
    assert peak < 20_000_000, peak
    return result


@pytest.mark.parametrize("fmt", ["backstage", "publiccode"])
def test_a_billion_laughs_file_is_refused_cheaply(fmt):
    assert len(BILLION_LAUGHS) < 600
    user = editor_of(OrganisationFactory(slug="my-office"))
    response = _bounded(lambda: _post(user, "bomb.yaml", BILLION_LAUGHS, fmt, "my-office"))
    assert response.status_code == 400
    assert len(response.content) < 5_000
    assert "alias" in response.json()["message"] or "expands" in response.json()["message"]
    assert Platform.objects.count() == 0


def test_deep_nesting_is_refused_not_a_server_error():
    user = editor_of(OrganisationFactory(slug="my-office"))
    body = b"kind: Component\nspec: " + b"[" * 50_000 + b"]" * 50_000 + b"\n"
    response = _bounded(lambda: _post(user, "deep.yaml", body, "backstage", "my-office"))
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


def test_a_huge_value_is_quoted_as_a_short_excerpt():
    user = editor_of(OrganisationFactory(slug="my-office"))
    body = b"apiVersion: backstage.io/v1alpha1\nkind: " + b"x" * 200_000 + b"\nmetadata: {}\n"
    response = _post(user, "big.yaml", body, "backstage", "my-office")
    assert response.status_code in (200, 400)
    assert len(response.content) < 10_000


def test_a_few_ordinary_aliases_still_import():
    user = editor_of(OrganisationFactory(slug="my-office"))
    body = b"""apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shared-defaults
  tags: [&tag payments, *tag]
  links:
    - &home {url: "https://example.org/docs", title: Docs}
    - *home
spec:
  type: service
  lifecycle: production
  owner: group:team
"""
    response = _post(user, "c.yaml", body, "backstage", "my-office")
    assert response.status_code == 200, response.json()
    assert len(response.json()["created"]) == 1


# --- cost ------------------------------------------------------------------------------------


def _many_rows(count, owner_slug="my-office", description=""):
    lines = [",".join(["slug", "name", "summary", "owner", "tags", "description"])]
    for n in range(count):
        lines.append(
            f"bulk-{n},Bulk platform {n},Shared thing number {n}.,{owner_slug},a;b,{description}"
        )
    return "\n".join(lines).encode()


@pytest.mark.parametrize("count", [20, 200])
def test_a_csv_import_runs_a_constant_number_of_queries(count, django_assert_max_num_queries):
    OrganisationFactory(slug="my-office")
    with django_assert_max_num_queries(60):
        plan = run_import([("p.csv", _many_rows(count))], "csv", None, None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]
    assert Platform.objects.filter(slug__startswith="bulk-").count() == count
    # Every new platform has its history, as one written one by one would.
    assert Platform.history.filter(slug__startswith="bulk-").count() == count


def test_a_megabyte_of_csv_imports_in_one_request():
    OrganisationFactory(slug="my-office")
    # Several thousand rows of a realistic width: just under the 1 MB limit.
    description = "A shared platform that departments reuse and describe at some length. " * 2
    body = _many_rows(4_500, description=description.strip())
    assert 900_000 < len(body) < 1_000_000
    plan = run_import([("p.csv", body)], "csv", None, None, dry_run=False)
    assert plan.applied and Platform.objects.count() == 4_500


def test_a_dry_run_writes_nothing_and_takes_no_write_lock():
    OrganisationFactory(slug="my-office")
    PublishedPlatformFactory(slug="bulk-1", owner=OrganisationFactory(slug="my-office"))
    with CaptureQueriesContext(connection) as queries:
        plan = run_import([("p.csv", _many_rows(50))], "csv", None, None, dry_run=True)
    assert plan.ok and len(plan.created) == 49 and len(plan.updated) == 1
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN")
    ]
    assert writes == []


def test_the_losing_side_of_two_imports_gets_a_clean_409(monkeypatch):
    mine = OrganisationFactory(slug="my-office", name="My Office")
    user = editor_of(mine)
    planned = apply.plan_records

    def plan_then_lose_the_race(*args, **kwargs):
        result = planned(*args, **kwargs)
        # Another import commits the same slug between this one's plan and its write.
        PublishedPlatformFactory(slug="raced", owner=mine)
        return result

    monkeypatch.setattr(apply, "plan_records", plan_then_lose_the_race)
    body = _csv("raced", "my-office")
    data = {"format": "csv", "dry_run": "false", "file": SimpleUploadedFile("p.csv", body)}
    response = client_for(user).post(IMPORTS, data, format="multipart")
    assert response.status_code == 409
    body = response.json()
    assert body["status"] == 409 and body["code"] == "conflict"
    text = response.content.decode()
    for leak in ("UNIQUE", "DETAIL", "platforms_platform", "IntegrityError", "duplicate key"):
        assert leak not in text
    assert Platform.objects.filter(slug="raced").count() == 1
