"""Fuzz the API against its own OpenAPI schema with schemathesis, in-process through the WSGI app.

For every operation the schema documents, schemathesis generates requests (valid and invalid
bodies, parameters and paths) and checks each response: never a 5xx, a documented status code and
content type, and a body that matches the documented schema. Reads are anonymous; writes carry the
token of an editor of the organisation that owns the fixture platforms (administrators' endpoints,
organisations, capabilities and standards, use an administrator's token). Half the generated paths
point at records that exist, so that the writes get past the 404.

The default run is small and fixed (``derandomize``, a few examples per operation) so that it takes
well under a minute on SQLite. For a deeper, still reproducible, search::

    FUZZ_EXAMPLES=200 DEBUG=true .venv/bin/pytest tests/api/test_fuzz.py -p no:cacheprovider

and ``FUZZ_SEED=<n>`` (with ``FUZZ_EXAMPLES``) explores other inputs than the derandomized ones.
"""

from __future__ import annotations

import itertools
import os

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalogue.wsgi import application
from tests.conftest import IN_MEMORY_CACHE
from tests.factories import (
    AdminUserFactory,
    AdoptionFactory,
    CapabilityFactory,
    DependencyFactory,
    DraftPlatformFactory,
    InReviewPlatformFactory,
    OrganisationFactory,
    PublishedPlatformFactory,
    StandardFactory,
    TokenFactory,
    editor_of,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
SEED = os.environ.get("FUZZ_SEED")

# Loaded at collection, before any test database: throttle counts go to memory, as in the tests.
with override_settings(CACHES=IN_MEMORY_CACHE):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# Unknown query parameters are ignored, as by most HTTP APIs (cache busters, ?format=...).
schema.config.generation.update(
    max_examples=EXAMPLES, deterministic=SEED is None, allow_extra_parameters=False
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
ADMIN_ONLY = ("/api/v1/organisations/", "/api/v1/capabilities/", "/api/v1/standards/")

# Every other generated case is pointed at a record that exists (deterministic, like the data).
_turn = itertools.count()


@pytest.fixture
def _keep_the_test_connection():
    """schemathesis calls the WSGI app itself, not through Django's test client, so the end of each
    request would close the database connection, and with it the test's transaction (PostgreSQL).
    Disconnect the handler, as the test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db, _keep_the_test_connection):
    """A few organisations, platforms in every state, adoptions and dependencies; two tokens."""
    owner = OrganisationFactory(slug="fuzz-office", name="Fuzz Office")
    consumer = OrganisationFactory(slug="fuzz-consumer", name="Fuzz Consumer")
    capability = CapabilityFactory(slug="fuzz-capability")
    standard = StandardFactory(slug="fuzz-standard")
    live = PublishedPlatformFactory(slug="fuzz-live", owner=owner)
    live.capabilities.add(capability)
    live.standards.add(standard)
    DraftPlatformFactory(slug="fuzz-draft", owner=owner)
    InReviewPlatformFactory(slug="fuzz-in-review", owner=owner)
    other = PublishedPlatformFactory(slug="fuzz-other", owner=consumer)
    adoption = AdoptionFactory(platform=live, organisation=consumer)
    dependency = DependencyFactory(platform=live, depends_on=other)
    editor = editor_of(owner)
    editor.memberships.create(organisation=consumer, role="reviewer")
    return {
        "editor": TokenFactory(user=editor).key,
        "admin": TokenFactory(user=AdminUserFactory()).key,
        "paths": {
            "/api/v1/platforms/": "fuzz-live",
            "/api/v1/organisations/": "fuzz-office",
            "/api/v1/capabilities/": "fuzz-capability",
            "/api/v1/standards/": "fuzz-standard",
            "/api/v1/adoptions/": adoption.pk,
            "/api/v1/dependencies/": dependency.pk,
        },
    }


def _point_at_existing(case, world) -> None:
    if not case.path_parameters or next(_turn) % 2:
        return
    for prefix, value in world["paths"].items():
        if case.path.startswith(prefix):
            name = next(iter(case.path_parameters))
            case.path_parameters = {**case.path_parameters, name: value}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=SEED is None,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@seed(int(SEED or 0))
def test_api_conforms_to_its_schema(case, world):
    cache.clear()  # throttling counts requests; the fuzzer sends many
    _point_at_existing(case, world)
    headers = {}
    if case.method.upper() != "GET":
        role = "admin" if case.path.startswith(ADMIN_ONLY) else "editor"
        headers["Authorization"] = f"Token {world[role]}"
    case.call_and_validate(headers=headers, checks=CHECKS)
