from tests.api.conftest import client_for

__all__ = ["client_for"]


def get_json(client, url, **params):
    """GET ``url`` and its JSON body, requiring a 200."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()
