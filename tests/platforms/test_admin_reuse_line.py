"""The platform change page's "Who uses it" line counts in words a person reads as written: one
organisation uses, one platform depends, the one adoption."""

import re

import pytest
from django.urls import reverse

from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    DependencyFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
)

pytestmark = pytest.mark.django_db


def reuse_line(client, platform) -> str:
    client.force_login(AdminUserFactory())
    response = client.get(reverse("admin:platforms_platform_change", args=[platform.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return words[words.index("Who uses it") :][:200]


def test_one_of_each_is_said_in_the_singular(client):
    platform = PublishedPlatformFactory()
    AdoptionFactory(platform=platform, organisation=OrganisationFactory(), status="in_use")
    DependencyFactory(depends_on=platform)
    line = reuse_line(client, platform)
    assert "1 organisation other than the owner uses it." in line
    assert "See the 1 adoption " in line
    assert "1 platform depends on it" in line


def test_several_are_said_in_the_plural(client):
    platform = PublishedPlatformFactory()
    for _ in range(2):
        AdoptionFactory(platform=platform, organisation=OrganisationFactory(), status="in_use")
        DependencyFactory(depends_on=platform)
    line = reuse_line(client, platform)
    assert "2 organisations other than the owner use it." in line
    assert "See all 2 adoptions " in line
    assert "2 platforms depend on it" in line
