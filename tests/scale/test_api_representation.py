"""The compiled representations (api/representation.py) answer exactly what DRF's serializers
answer: every read endpoint, byte for byte, for a reader, an editor and an administrator, with
the awkward cases (a replacement only some may see, a system a platform is part of, descriptions
in two languages, an imported original, ``?format=`` links, CSV)."""

import datetime

import pytest

from api.representation import drf_only
from platforms import search
from platforms.models import Adoption, Platform
from tests.api.conftest import client_for
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    editor_of,
)

PATHS = [
    "/api/v1/platforms/",
    "/api/v1/platforms/?page_size=2",
    "/api/v1/platforms/?page_size=100&format=json",
    "/api/v1/platforms/?ordering=-reuse_count",
    "/api/v1/platforms/?q=payments",
    "/api/v1/platforms/?format=csv",
    "/api/v1/platforms/pay/",
    "/api/v1/platforms/pay/?format=json",
    "/api/v1/platforms/old-letters/",
    "/api/v1/platforms/parts-service/",
    "/api/v1/platforms/pay/adoptions/",
    "/api/v1/platforms/pay/adoptions/?format=csv",
    "/api/v1/platforms/parts-service/dependencies/",
    "/api/v1/platforms/notify/similar/",
    "/api/v1/adoptions/",
    "/api/v1/dependencies/",
    "/api/v1/organisations/",
    "/api/v1/organisations/digital-service/",
    "/api/v1/organisations/digital-service/platforms/",
    "/api/v1/organisations/other-office/adoptions/",
    "/api/v1/capabilities/",
    "/api/v1/capabilities/payments/",
    "/api/v1/standards/",
    "/api/v1/search/?q=payments",
]


@pytest.fixture
def catalogue(db):
    department = OrganisationFactory(slug="cabinet-office", name="Cabinet Office")
    gds = OrganisationFactory(slug="digital-service", name="Digital Service", parent=department)
    other = OrganisationFactory(slug="other-office", name="Other Office")
    payments = CapabilityFactory(slug="payments", name="Payments")
    notifications = CapabilityFactory(slug="notifications", name="Notifications")
    oauth = StandardFactory(slug="oauth-2", name="OAuth 2.0")
    pay = PublishedPlatformFactory(
        slug="pay",
        name="Pay",
        summary="Take payments online.",
        owner=gds,
        tags=["payments", "cards"],
        contract_end_date=datetime.date(2027, 3, 31),
        sources=[{"name": "reference", "url": "https://example.org/pay"}],
    )
    pay.capabilities.set([payments])
    pay.standards.set([oauth])
    notify = PublishedPlatformFactory(slug="notify", name="Notify", owner=gds)
    notify.capabilities.set([notifications, payments])
    hidden = DraftPlatformFactory(slug="new-letters", name="New letters", owner=other)
    PublishedPlatformFactory(
        slug="old-letters",
        name="old letters",  # lower case: sorts among the others regardless of case
        owner=gds,
        phase=Platform.Phase.RETIRING,
        replaced_by=hidden,
        descriptions={"en": "Letters.", "cy": "Llythyrau."},
        description="Letters.",
        original_document="publiccodeYmlVersion: '0.4'\n",
        original_format="publiccode",
    )
    parts = PublishedPlatformFactory(
        slug="parts-service", name="Parts service", owner=other, part_of=notify
    )
    for platform in (pay, notify):
        search.reindex(platform)
    DependencyFactory(platform=parts, depends_on=pay)
    AdoptionFactory(
        platform=pay,
        organisation=other,
        use_case="Fees",
        start_date=datetime.date(2024, 1, 2),
        evidence_url="https://example.org/evidence",
    )
    AdoptionFactory(platform=pay, organisation=department, status=Adoption.Status.PLANNED)
    AdoptionFactory(platform=notify, organisation=other)
    return {"other": other}


def _body(response) -> bytes:
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.parametrize("who", ["anonymous", "editor_of_other", "administrator"])
def test_every_read_is_what_drf_would_answer(catalogue, who):
    user = {
        "anonymous": None,
        "editor_of_other": editor_of(catalogue["other"]),
        "administrator": AdminUserFactory(),
    }[who]
    client = client_for(user)
    for path in PATHS:
        compiled = _body(client.get(path, HTTP_ACCEPT_LANGUAGE="cy"))
        with drf_only():  # a streamed CSV is written while it is read: read it here
            reference = _body(client.get(path, HTTP_ACCEPT_LANGUAGE="cy"))
        assert compiled == reference, path


def test_a_hidden_replacement_stays_hidden(catalogue):
    row = client_for(None).get("/api/v1/platforms/old-letters/").json()
    assert row["replaced_by"] is None
    editor = client_for(editor_of(catalogue["other"]))
    assert editor.get("/api/v1/platforms/old-letters/").json()["replaced_by"]["slug"] == (
        "new-letters"
    )
