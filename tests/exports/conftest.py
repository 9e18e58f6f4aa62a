import csv
import io

import pytest
from rest_framework.test import APIClient

from platforms.models import Adoption, Organisation
from tests.factories import OrganisationFactory, PublishedPlatformFactory


@pytest.fixture
def api_client():
    return APIClient()


def body_of(response) -> str:
    """The whole body of a (streamed or not) response, as text."""
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode("utf-8")


def csv_records(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body_of(response))))


def adopters(platform, count: int, *, start: int = 0, **fields) -> list[Adoption]:
    """``count`` organisations adopting ``platform``, written in bulk (test data, not a use of
    the services under test)."""
    organisations = Organisation.objects.bulk_create(
        Organisation(
            name=f"Adopting body {n}", slug=f"adopting-body-{n}", kind=Organisation.Kind.OTHER
        )
        for n in range(start, start + count)
    )
    return Adoption.objects.bulk_create(
        Adoption(platform=platform, organisation=organisation, **fields)
        for organisation in organisations
    )


@pytest.fixture
def pay(db):
    owner = OrganisationFactory(slug="government-digital-service", name="GDS")
    return PublishedPlatformFactory(slug="govuk-pay", name="GOV.UK Pay", owner=owner)
