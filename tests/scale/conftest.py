import pytest

from platforms.selectors import impact as impact_module
from tests.factories import CapabilityFactory, OrganisationFactory, StandardFactory


@pytest.fixture
def nothing_kept():
    """No impact analysis kept from another test, nor left for the next one (the version
    tokens replaced before and after)."""
    impact_module._publish_change()
    yield
    impact_module._publish_change()


@pytest.fixture
def harbour_taxonomy():
    """The organisation, capabilities and standard the import tests' CSV rows name."""
    OrganisationFactory(slug="harbour-office", name="Harbour Office", abbreviation="HBO")
    CapabilityFactory(slug="payments", name="Payments")
    CapabilityFactory(slug="geocoding", name="Geocoding")
    StandardFactory(slug="wcag-22", name="WCAG 2.2")
