"""The API through a real WSGI server (Django's live server is wsgiref's, like ``runserver``): the
test client skips the checks a server makes on the response, such as header types."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from platforms.models import Organisation, Platform
from tests.factories import OrganisationFactory, PublishedPlatformFactory, TokenFactory, editor_of


def _post(url: str, token: str, body: dict):
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.django_db(transaction=True)
def test_registering_a_platform_answers_201_with_its_location_under_wsgiref(live_server):
    owner = OrganisationFactory(slug="government-digital-service")
    token = TokenFactory(user=editor_of(owner)).key

    status, headers, body = _post(
        f"{live_server.url}/api/v1/platforms/",
        token,
        {"name": "Case tracker", "summary": "Track casework.", "owner": owner.slug},
    )

    assert status == 201, body
    assert headers["Location"] == body["url"]
    assert headers["Location"].endswith("/api/v1/platforms/case-tracker/")
    assert Platform.objects.filter(owner=owner).count() == 1  # nothing for a client to retry


@pytest.mark.django_db(transaction=True)
def test_recording_an_adoption_and_a_dependency_answer_201_under_wsgiref(live_server):
    owner = OrganisationFactory(slug="government-digital-service")
    consumer = OrganisationFactory(slug="dwp")
    pay = PublishedPlatformFactory(owner=owner, slug="govuk-pay")
    ours = PublishedPlatformFactory(owner=consumer, slug="claims")
    token = TokenFactory(user=editor_of(consumer)).key

    adopted = _post(
        f"{live_server.url}/api/v1/adoptions/",
        token,
        {"platform": pay.slug, "organisation": consumer.slug},
    )
    depends = _post(
        f"{live_server.url}/api/v1/dependencies/",
        token,
        {"platform": ours.slug, "depends_on": pay.slug, "kind": "runtime"},
    )
    assert adopted[0] == depends[0] == 201, (adopted, depends)
    assert Organisation.objects.get(slug="dwp").adoptions.count() == 1
