"""Impact analyses kept until the next write (issue 14: impact <= 100 ms at 100,000 platforms).

An analysis is kept per process under the catalogue's version, which every write able to change
one replaces once committed. These tests commit (``transaction=True``): an analysis is never kept
while the transaction has uncommitted writes of its own, so the rest of the suite, inside one
transaction per test, always computes afresh.

Each write path (the services, the API, the admin, the importers, ``generate_catalogue``'s bulk
load, a membership) is followed by a comparison of the answer given with one computed afresh,
after a change the answer must show: a path that forgot to say so would give the old answer.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from platforms import services
from platforms.importers import run_import
from platforms.models import Adoption, Dependency, Platform
from platforms.selectors import impact as impact_module
from platforms.selectors.impact import MAX_DEPTH, platform_impact
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DependencyFactory,
    DraftPlatformFactory,
    MembershipFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    UserFactory,
    editor_of,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("nothing_kept")]


def summary(impact) -> dict:
    """Everything an analysis answers, as plain values."""
    return {
        "dependents": [
            (d.platform.slug, d.platform.name, d.depth, d.depends_on, d.path)
            for d in impact.dependents
        ],
        "cycles": impact.cycles,
        "by_depth": impact.by_depth,
        "truncated": impact.truncated,
        "organisations_count": impact.organisations_count,
        "organisations": [
            (a.organisation.slug, a.organisation.name, a.owns_count, a.uses_count, a.owns, a.uses)
            for a in impact.organisations_affected
        ],
    }


def fresh(platform, user) -> dict:
    """The analysis computed now from the database, nothing kept."""
    analysis, organisations = impact_module._analyse(platform, user, MAX_DEPTH)
    return summary(analysis.impact(platform, MAX_DEPTH, organisations))


def answered(platform, user) -> tuple[dict, bool]:
    """The analysis as the catalogue answers it, and whether it computed any of it afresh: the
    walk, or the count of the organisations hit (after an adoption write, over the walk kept;
    ``tests/scale/test_impact_split.py`` tells the two apart)."""
    with CaptureQueriesContext(connection) as queries:
        result = summary(platform_impact(platform=platform, user=user))
    return result, any(
        "WITH RECURSIVE" in q["sql"] or Adoption._meta.db_table in q["sql"]
        for q in queries.captured_queries
    )


@pytest.fixture
def graph():
    """base <- a <- b, base <- c (owned by ``owner``), c in use by ``user``; and base <- a draft
    of ``secret``, hidden from all but its members and staff."""
    with transaction.atomic():  # the adoption factory recounts reuse under a row lock
        return _graph()


def _graph(*, draft: bool = True) -> dict:
    """base <- a <- b, base <- c (owned by ``owner``), c in use by ``user``; with ``draft``, also
    base <- a draft of ``secret``, hidden from all but its members and staff."""
    owner = OrganisationFactory(name="Owner")
    user = OrganisationFactory(name="User")
    secret = OrganisationFactory(name="Secret") if draft else None
    base = PublishedPlatformFactory(slug="base", name="Base", owner=owner)
    a = PublishedPlatformFactory(slug="a", name="A", owner=owner)
    b = PublishedPlatformFactory(slug="b", name="B", owner=owner)
    c = PublishedPlatformFactory(slug="c", name="C", owner=owner)
    hidden = DraftPlatformFactory(slug="draft", name="Draft", owner=secret) if draft else None
    DependencyFactory(platform=a, depends_on=base)
    DependencyFactory(platform=b, depends_on=a)
    DependencyFactory(platform=c, depends_on=base)
    if hidden is not None:
        DependencyFactory(platform=hidden, depends_on=base)
    adoption = AdoptionFactory(platform=c, organisation=user, status="in_use")
    made = {"owner": owner, "user": user, "base": base, "a": a, "b": b, "c": c}
    made["adoption"] = adoption
    if secret is not None:
        made["secret"] = secret
    return made


def warm(platform, user) -> dict:
    first, walked = answered(platform, user)
    assert walked
    again, walked = answered(platform, user)
    assert not walked and again == first
    return first


def test_an_analysis_is_kept_and_read_in_two_queries_until_a_write(graph):
    anonymous = AnonymousUser()
    before = warm(graph["base"], anonymous)
    assert [d[0] for d in before["dependents"]] == ["a", "c", "b"]
    with CaptureQueriesContext(connection) as queries:
        impact = platform_impact(platform=graph["base"], user=anonymous)
    # The organisations listed (their current names), and the catalogue's version when the
    # shared cache is the database's: no walk, no count of adoptions.
    assert len(queries) <= 2
    assert not any(Adoption._meta.db_table in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as queries:
        impact.dependents[:2]
    assert len(queries) == 1

    services.dependency_add(
        actor=None, platform=PublishedPlatformFactory(slug="d", name="D"), depends_on=graph["c"]
    )
    after, walked = answered(graph["base"], anonymous)
    assert walked and after == fresh(graph["base"], anonymous)
    assert [d[0] for d in after["dependents"]] == ["a", "c", "b", "d"]


def test_each_audience_has_its_own_analysis(graph):
    secret_editor = editor_of(graph["secret"])
    shown = warm(graph["base"], secret_editor)
    assert "draft" in [d[0] for d in shown["dependents"]]
    for user in (AnonymousUser(), UserFactory(), editor_of(graph["owner"])):
        result, _ = answered(graph["base"], user)
        assert "draft" not in [d[0] for d in result["dependents"]]
        assert result["organisations_count"] == 2  # owner, user: never the draft's owner
    assert "draft" in [d[0] for d in answered(graph["base"], AdminUserFactory())[0]["dependents"]]


def test_a_transaction_sees_its_own_writes_and_a_rollback_keeps_the_analysis(graph):
    anonymous = AnonymousUser()
    before = warm(graph["base"], anonymous)

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        DependencyFactory(platform=PublishedPlatformFactory(slug="e"), depends_on=graph["a"])
        inside, walked = answered(graph["base"], anonymous)
        assert walked and "e" in [d[0] for d in inside["dependents"]]
        raise Undo
    assert answered(graph["base"], anonymous) == (before, False)


# Each write below changes only rows made before the analysis was kept: a row made in passing
# (a factory's save) would say the catalogue changed by itself.


def _service_dependency_removed(graph):
    services.dependency_remove(actor=None, dependency=Dependency.objects.get(platform=graph["c"]))


def _service_adoption(graph):
    services.adoption_record(
        actor=None, platform=graph["a"], organisation=OrganisationFactory(), status="in_use"
    )


def _service_rename(graph):
    services.platform_update(actor=None, platform=graph["a"], data={"name": "Zed"})


def _service_publish(graph):
    draft = Platform.objects.get(slug="draft")
    admin = AdminUserFactory()
    services.platform_submit(actor=admin, platform=draft)
    services.platform_publish(actor=admin, platform=Platform.objects.get(slug="draft"))


def _membership(graph):
    # The analysed user (anonymous in the other cases) is the member here: see the test.
    MembershipFactory(user=graph["viewer"], organisation=graph["secret"])


def _api(graph):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(AdminUserFactory())
    response = client.post(
        "/api/v1/dependencies/", {"platform": "c", "depends_on": "a"}, format="json"
    )
    assert response.status_code == 201, response.content


def _admin(graph):
    from django.test import Client

    client = Client()
    client.force_login(AdminUserFactory())
    dependency = Dependency.objects.get(platform=graph["c"])
    url = reverse("admin:platforms_dependency_delete", args=[dependency.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302, response.content


def _importer(graph):
    body = b"platform,depends_on,kind,description\nb,c,runtime,\n"
    plan = run_import([("dependencies.csv", body)], "csv", graph["owner"], None, dry_run=False)
    assert plan.applied, [str(p) for p in plan.errors]


@pytest.mark.parametrize(
    "write",
    [
        _service_dependency_removed,
        _service_adoption,
        _service_rename,
        _service_publish,
        _membership,
        _api,
        _admin,
        _importer,
    ],
)
def test_after_a_write_through_any_path_the_answer_is_computed_afresh(graph, write):
    graph["viewer"] = UserFactory()
    before = warm(graph["base"], graph["viewer"])
    write(graph)
    after, walked = answered(graph["base"], graph["viewer"])
    assert walked
    assert after == fresh(graph["base"], graph["viewer"])
    assert after != before  # the write changed the answer, so keeping the old one would show


def test_the_bulk_load_of_generate_catalogue_drops_what_was_kept(graph):
    anonymous = AnonymousUser()
    warm(graph["base"], anonymous)
    call_command(
        "generate_catalogue",
        platforms=30,
        organisations=3,
        adoptions=40,
        dependencies=40,
        seed=7,
        no_progress=True,
        stdout=io.StringIO(),
    )
    _, walked = answered(graph["base"], anonymous)
    assert walked
    generated = (
        Platform.objects.filter(slug__startswith="gen", dependents__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert generated is not None
    assert warm(generated, anonymous) == fresh(generated, anonymous)


def test_without_the_shared_cache_the_answer_is_computed_each_time(graph, monkeypatch):
    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("the cache is down")

        add = set = get_many = set_many = get

    anonymous = AnonymousUser()
    with monkeypatch.context() as patched:
        patched.setattr(impact_module, "cache", Down())
        for _ in range(2):
            result, walked = answered(graph["base"], anonymous)
            assert walked and result == fresh(graph["base"], anonymous)
