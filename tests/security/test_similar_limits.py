"""POST /platforms/similar/ is a read anyone may make: its input is bounded (a clear 400 naming the
limit) so that one request cannot cost seconds of CPU, and anonymous callers have their own
throttle scope."""

import pytest
from rest_framework.throttling import AnonRateThrottle

from api.serializers import SIMILAR_DRAFT_LIMITS
from tests.factories import CapabilityFactory, OrganisationFactory, PublishedPlatformFactory

DRAFT = "/api/v1/platforms/similar/"

pytestmark = pytest.mark.django_db


def distinct_words(count: int) -> str:
    return " ".join(f"word{n}" for n in range(count))


def test_a_draft_within_the_limits_is_compared(api_client):
    PublishedPlatformFactory(name="Parcel Tracker", owner=OrganisationFactory())
    body = {
        "name": "Parcel Trackr",
        "description": distinct_words(SIMILAR_DRAFT_LIMITS["words"] - 2)[:2_000],
    }
    response = api_client.post(DRAFT, body, format="json")
    assert response.status_code == 200, response.content


def test_a_long_description_is_a_400_naming_the_limit(api_client):
    response = api_client.post(DRAFT, {"description": "parcel " * 1_500}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "description" in body["errors"]
    assert "2000" in body["errors"]["description"][0]


@pytest.mark.parametrize("count", [SIMILAR_DRAFT_LIMITS["words"] + 1, 200])
def test_too_many_distinct_words_is_a_400_naming_the_limit(api_client, count):
    # 200 words used to be a 500 on PostgreSQL (the OR-ed query's expression overflowed the stack).
    PublishedPlatformFactory(name="Parcel Tracker", owner=OrganisationFactory())
    text = distinct_words(count)
    assert len(text) <= SIMILAR_DRAFT_LIMITS["description"]
    response = api_client.post(DRAFT, {"name": "Parcel Trackr", "description": text}, format="json")
    assert response.status_code == 400
    message = response.json()["errors"]["non_field_errors"][0]
    assert f"at most {SIMILAR_DRAFT_LIMITS['words']} distinct words" in message
    assert f"has {count + 2}" in message  # the name's two words count too


def test_too_many_capabilities_is_a_400(api_client):
    slugs = [CapabilityFactory().slug for _ in range(SIMILAR_DRAFT_LIMITS["capabilities"] + 1)]
    response = api_client.post(DRAFT, {"name": "x", "capabilities": slugs}, format="json")
    assert response.status_code == 400
    assert "capabilities" in response.json()["errors"]


def test_anonymous_comparisons_have_their_own_scope(api_client, monkeypatch):
    """Anonymous drafts run out before the general anonymous allowance does."""
    monkeypatch.setitem(AnonRateThrottle.THROTTLE_RATES, "similar_anon", "2/minute")
    codes = [
        api_client.post(DRAFT, {"name": "Parcel"}, format="json").status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    # Other reads still answer: only the comparisons were used up.
    assert api_client.get("/api/v1/capabilities/").status_code == 200
