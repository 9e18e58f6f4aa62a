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


@pytest.mark.parametrize(
    ("count", "said"),
    [
        (
            1,
            [
                "1 organisation other than the owner uses it.",
                "See the 1 adoption ",
                "1 platform depends on it",
            ],
        ),
        (
            2,
            [
                "2 organisations other than the owner use it.",
                "See all 2 adoptions ",
                "2 platforms depend on it",
            ],
        ),
    ],
)
def test_one_is_said_in_the_singular_several_in_the_plural(client, count, said):
    platform = PublishedPlatformFactory()
    for _ in range(count):
        AdoptionFactory(platform=platform, organisation=OrganisationFactory(), status="in_use")
        DependencyFactory(depends_on=platform)
    line = reuse_line(client, platform)
    for words in said:
        assert words in line
