"""Exports stream in constant memory with a constant number of queries (issue 14, exports): every
file is a ``StreamingHttpResponse`` fed from ``QuerySet.iterator(chunk_size=...)``, so a 100,000-
platform CSV starts at once and never sits whole in a gunicorn worker's memory."""

import tracemalloc

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import renderers
from platforms.exporters import dcat, tabular
from platforms.models import Capability, Organisation, Platform, Standard
from tests.exports.conftest import adopters, body_of

pytestmark = pytest.mark.django_db


def published_platforms(count: int, *, start: int = 0) -> list[Platform]:
    """``count`` published platforms with two capabilities and a standard each (bulk test data)."""
    owner, _ = Organisation.objects.get_or_create(
        slug="owner-body", defaults={"name": "Owner body", "kind": Organisation.Kind.OTHER}
    )
    capabilities = [
        Capability.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]
        for slug in ("payments", "notifications")
    ]
    standard, _ = Standard.objects.get_or_create(slug="openapi-3", defaults={"name": "OpenAPI 3"})
    platforms = Platform.objects.bulk_create(
        Platform(
            name=f"Platform {n}",
            slug=f"platform-{n}",
            summary=f"Shared component number {n}, reused across government.",
            description="A longer description of what it does. " * 5,
            owner=owner,
            phase=Platform.Phase.LIVE,
            state=Platform.State.PUBLISHED,
            service_url=f"https://platform-{n}.example.gov.uk/" if n % 2 else "",
            tags=["shared", "component"],
        )
        for n in range(start, start + count)
    )
    Platform.capabilities.through.objects.bulk_create(
        Platform.capabilities.through(platform=p, capability=c)
        for p in platforms
        for c in capabilities
    )
    Platform.standards.through.objects.bulk_create(
        Platform.standards.through(platform=p, standard=standard) for p in platforms
    )
    return platforms


EXPORTS = [
    "/api/v1/exports/platforms.csv",
    "/api/v1/exports/platforms.json",
    "/api/v1/exports/adoptions.csv",
    "/api/v1/exports/adoptions.json",
    "/api/v1/exports/organisations.csv",
    "/api/v1/catalogue.jsonld",
    "/api/v1/platforms/?format=csv",
    "/api/v1/adoptions/?format=csv",
    "/api/v1/platforms/platform-0/adoptions/?format=csv",
    "/api/v1/organisations/?format=csv",
]


def queries_and_size(api_client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(path)
        assert response.status_code == 200
        assert response.streaming, f"{path} is not streamed"
        size = len(body_of(response))
    return len(queries), size


@pytest.mark.parametrize("path", EXPORTS)
def test_exports_stream_with_a_constant_number_of_queries(api_client, path):
    small = published_platforms(5)
    adopters(small[0], 5)
    few, few_bytes = queries_and_size(api_client, path)

    more = published_platforms(150, start=5)
    adopters(small[0], 150, start=5)
    adopters(more[0], 50, start=500)
    many, many_bytes = queries_and_size(api_client, path)

    assert many_bytes > 5 * few_bytes  # the second export really holds many more rows
    assert many == few
    assert many <= 8


def consume(response) -> int:
    """Read a streamed body piece by piece, keeping nothing (as a client writing to disk)."""
    return sum(len(piece) for piece in response.streaming_content)


def peak_memory(api_client, path: str) -> tuple[int, int]:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        size = consume(api_client.get(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, size


@pytest.mark.parametrize(
    "path",
    ["/api/v1/exports/platforms.csv", "/api/v1/catalogue.jsonld", "/api/v1/platforms/?format=csv"],
)
def test_memory_stays_that_of_one_chunk_whatever_the_size(api_client, monkeypatch, path):
    for module in (tabular, dcat, renderers):
        monkeypatch.setattr(module, "CHUNK_SIZE", 100)
    published_platforms(500)
    peak_500, size_500 = peak_memory(api_client, path)
    published_platforms(1500, start=500)
    peak_2000, size_2000 = peak_memory(api_client, path)

    assert size_2000 > 3.5 * size_500
    # Four times the rows, about the same peak: memory follows the chunk, not the catalogue.
    assert peak_2000 < 1.5 * peak_500, (peak_500, peak_2000)
    # Whatever it grows by is far less than what the file grows by.
    assert peak_2000 - peak_500 < (size_2000 - size_500) / 4, (peak_500, peak_2000)
