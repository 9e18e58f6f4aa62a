"""The platform change page of the most adopted platform, seen by its owner's editor, stays
bounded: the similar-platforms panel reads through the bounded search path (issue 14)."""

from __future__ import annotations

from django.urls import reverse

from platforms import services
from platforms.models import Membership, Platform
from tests.factories import UserFactory


def most_adopted() -> Platform:
    return Platform.objects.published().order_by("-reuse_count", "slug").first()


def more_platforms_like(platform: Platform, n: int) -> None:
    """``n`` published platforms that share the platform's capabilities and words, registered
    through the services (so indexed), owned by the same body."""
    capabilities = list(platform.capabilities.all())
    for i in range(n):
        services.platform_register(
            actor=None,
            owner=platform.owner,
            name=f"{platform.name} clone {i}",
            summary=platform.summary,
            state="published",
            capabilities=capabilities,
        )


def test_owner_change_page_of_the_most_adopted_platform_is_bounded(
    reference_data, db, client, django_assert_max_num_queries
):
    platform = most_adopted()
    editor = UserFactory(username="owner-editor")
    Membership.objects.create(user=editor, organisation=platform.owner, role=Membership.Role.EDITOR)
    client.force_login(editor)
    url = reverse("admin:platforms_platform_change", args=[platform.pk])
    client.get(url)  # the content types, cached for the process after the first page
    more_platforms_like(platform, 3)
    with django_assert_max_num_queries(20) as few:
        page = client.get(url)
    assert page.status_code == 200
    assert {e["name"] for e in page.context["similar_entries"]} >= {
        f"{platform.name} clone {i}" for i in range(3)
    }
    more_platforms_like(platform, 60)
    with django_assert_max_num_queries(20) as many:
        page = client.get(url)
    assert len(page.context["similar_entries"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)
