from tests.api.conftest import client_for
from tests.factories import PublishedPlatformFactory

__all__ = ["client_for"]


def get_json(client, url, **params):
    """GET ``url`` and its JSON body, requiring a 200."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def platform(slug, capabilities, **fields):
    """A published platform named after ``slug``, meeting ``capabilities``."""
    created = PublishedPlatformFactory(slug=slug, name=slug.title(), **fields)
    created.capabilities.set(capabilities)
    return created
