"""Change history of platforms and adoptions: who, when, what changed, to whoever can see them."""

import pytest

from platforms import services
from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdoptionFactory,
    CapabilityFactory,
    DraftPlatformFactory,
    PublishedPlatformFactory,
    editor_of,
)

pytestmark = pytest.mark.django_db


def _history(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_a_platform_history_says_who_when_and_what_changed(org_a):
    editor = editor_of(org_a, user__username="a.editor")
    payments, forms = CapabilityFactory(slug="payments"), CapabilityFactory(slug="forms")
    platform = services.platform_register(
        actor=editor,
        owner=org_a,
        name="Pay",
        summary="Take payments.",
        slug="pay",
        capabilities=[payments],
    )
    services.platform_update(
        actor=editor,
        platform=platform,
        data={"phase": "alpha", "name": "Pay <b>", "capabilities": [payments, forms]},
    )
    platform = Platform.objects.get(slug="pay")
    services.platform_submit(actor=editor, platform=platform)
    services.platform_publish(actor=None, platform=platform)  # the system

    body = _history(client_for(None), "/api/v1/platforms/pay/history/")
    entries = body["results"]
    assert [e["change_type"] for e in entries][-1] == "created"
    assert entries[-1]["changes"] == []
    assert entries[-1]["changed_by"] == "an editor of Alpha Office"  # to anonymous readers

    published = entries[0]
    assert published["changed_by"] is None
    assert published["changes"] == [{"field": "state", "old": "in_review", "new": "published"}]
    assert published["version"] == 4

    submitted = entries[1]
    assert submitted["changed_by"] == "an editor of Alpha Office"
    assert {"field": "state", "old": "draft", "new": "in_review"} in submitted["changes"]

    assert entries[-2]["changes"] == [{"field": "capabilities", "old": [], "new": ["payments"]}]
    changes = {c["field"]: c for e in reversed(entries) for c in e["changes"]}  # newest wins
    assert changes["capabilities"]["new"] == ["forms", "payments"]
    assert changes["capabilities"]["old"] == ["payments"]
    assert changes["name"] == {"field": "name", "old": "Pay", "new": "Pay <b>"}
    assert changes["phase"]["new"] == "alpha"
    assert "updated_at" not in changes and "version" not in changes
    assert set(entries[0]) == {
        "id",
        "version",
        "changed_at",
        "changed_by",
        "change_type",
        "changes",
    }


def test_owner_changes_show_slugs(org_a, org_b):
    editor = editor_of(org_a)
    editor.memberships.create(organisation=org_b, role="editor")
    platform = PublishedPlatformFactory(slug="pay", owner=org_a)
    services.platform_update(actor=editor, platform=platform, data={"owner": org_b})
    entries = _history(client_for(None), "/api/v1/platforms/pay/history/")["results"]
    assert entries[0]["changes"] == [{"field": "owner", "old": "alpha-office", "new": "beta-board"}]


def test_another_organisations_draft_as_an_old_value_is_not_named(org_a, org_b):
    secret = DraftPlatformFactory(slug="secret-draft", owner=org_b)
    old = PublishedPlatformFactory(slug="old", owner=org_a, phase="retired", replaced_by=secret)
    services.platform_update(actor=None, platform=old, data={"replaced_by": None})
    entries = _history(client_for(None), "/api/v1/platforms/old/history/")["results"]
    assert entries[0]["changes"] == [{"field": "replaced_by", "old": None, "new": None}]
    entries = _history(client_for(editor_of(org_b)), "/api/v1/platforms/old/history/")["results"]
    assert entries[0]["changes"][0]["old"] == "secret-draft"


def test_history_follows_the_platform_visibility(actors, org_a):
    DraftPlatformFactory(slug="draft", owner=org_a)
    url = "/api/v1/platforms/draft/history/"
    for actor in ("anonymous", "editor_of_other", "no_membership"):
        response = client_for(actors[actor]).get(url)
        assert response.status_code == 404, actor
        assert response.json()["code"] == "not_found"
    for actor in ("editor_of_owner", "reviewer_of_owner", "superuser"):
        assert client_for(actors[actor]).get(url).status_code == 200, actor
    assert client_for(None).get("/api/v1/platforms/no-such/history/").status_code == 404


def test_adoption_history(org_a, org_b):
    editor = editor_of(org_b, user__username="b.editor")
    adoption = services.adoption_record(
        actor=editor, platform=PublishedPlatformFactory(owner=org_a), organisation=org_b
    )
    services.adoption_end(actor=editor, adoption=adoption)
    entries = _history(client_for(None), f"/api/v1/adoptions/{adoption.pk}/history/")["results"]
    assert [e["change_type"] for e in entries] == ["changed", "created"]
    fields = {c["field"]: c for c in entries[0]["changes"]}
    assert fields["status"] == {"field": "status", "old": "in_use", "new": "stopped"}
    assert fields["end_date"]["old"] is None and fields["end_date"]["new"]
    assert entries[0]["changed_by"] == "an editor of Beta Board"


def test_adoption_history_of_a_hidden_platform_is_404(org_a, org_b):
    adoption = AdoptionFactory(platform=DraftPlatformFactory(owner=org_a), organisation=org_b)
    assert client_for(None).get(f"/api/v1/adoptions/{adoption.pk}/history/").status_code == 404


def _make_history(platform, n):
    for i in range(n - 1):
        services.platform_update(actor=None, platform=platform, data={"summary": f"Summary {i}"})


@pytest.mark.parametrize("updates", [0, 30])
def test_history_queries_are_bounded(django_assert_max_num_queries, updates, org_a, org_b):
    capabilities = [CapabilityFactory(), CapabilityFactory()]
    platform = PublishedPlatformFactory(slug="pay", owner=org_a)
    for i in range(updates):  # scalar, foreign key and many-to-many changes in turn
        data = [
            {"summary": f"Summary {i}"},
            {"owner": org_b if i % 2 else org_a},
            {"capabilities": capabilities[: i % 2 + 1]},
        ][i % 3]
        platform = services.platform_update(actor=None, platform=platform, data=data)
    expected = Platform.history.filter(id=platform.pk).count()
    client = client_for(editor_of(org_a))
    with django_assert_max_num_queries(14):
        body = _history(client, "/api/v1/platforms/pay/history/", page_size=100)
    assert len(body["results"]) == expected
    assert expected > 30 or updates == 0


def test_history_pages_diff_across_the_page_boundary(org_a):
    platform = PublishedPlatformFactory(slug="pay", owner=org_a)
    _make_history(platform, 5)
    client = client_for(None)
    first = _history(client, "/api/v1/platforms/pay/history/", page_size=2)
    second = client.get(first["next"]).json()
    # The oldest entry on page 2 is diffed against the first record, which is on page 3.
    assert second["results"][-1]["changes"] == [
        {"field": "summary", "old": platform.summary, "new": "Summary 0"}
    ]
    assert [e["version"] for e in first["results"] + second["results"]] == [5, 4, 3, 2]
