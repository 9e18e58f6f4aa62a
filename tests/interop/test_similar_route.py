"""``platforms/similar/`` is the similar-draft action; it must not hide the writes to a platform
whose slug happens to be "similar" (found by the API fuzzer once the import endpoints grew)."""

import pytest

from platforms.models import Platform
from tests.api.conftest import client_for
from tests.factories import OrganisationFactory, PublishedPlatformFactory, editor_of

pytestmark = pytest.mark.django_db


def test_a_platform_called_similar_can_still_be_changed():
    owner = OrganisationFactory(slug="gds")
    PublishedPlatformFactory(slug="similar", name="Similar", owner=owner)
    client = client_for(editor_of(owner))
    changed = client.patch("/api/v1/platforms/similar/", {"summary": "Finds look-alikes."})
    assert changed.status_code == 200, changed.json()
    assert Platform.objects.get(slug="similar").summary == "Finds look-alikes."
    assert client.get("/api/v1/platforms/similar/").status_code == 405  # the action, as before


def test_without_such_a_platform_a_write_is_a_404():
    client = client_for(editor_of(OrganisationFactory(slug="gds")))
    response = client.delete("/api/v1/platforms/similar/")
    assert response.status_code == 404
    assert response.json()["status"] == 404
