"""Fuzz the API against its own OpenAPI schema with schemathesis, in-process through the WSGI app.

For every operation the schema documents, schemathesis generates requests (valid and invalid
bodies, parameters and paths) and checks each response: never a 5xx, a documented status code and
content type, a body that matches the documented schema, every request the schema calls invalid
refused (4xx) and every request it calls valid not refused as invalid (no 400 for schema-valid
input). The cases take turns as an anonymous reader, an editor of the organisation that owns the
fixture platforms, and a catalogue administrator (writes to the administrators' endpoints,
organisations, capabilities and standards, use the administrator rather than the editor). Half the
generated paths point at records that exist, so that the writes get past the 404.

The default run (CI) is small and seeded: the schema's examples and a few generated cases per
operation, about a minute on SQLite. `make fuzz` runs the long version (the coverage phase's
boundary cases and 100 generated cases per operation: over 8,000 requests), still reproducible;
``FUZZ_SEED=<n>`` explores other inputs::

    FUZZ_COVERAGE=1 FUZZ_EXAMPLES=100 FUZZ_SEED=3 DEBUG=true .venv/bin/pytest tests/api/test_fuzz.py
"""

from __future__ import annotations

import itertools
import logging
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
    positive_data_acceptance,
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
SEED = int(os.environ.get("FUZZ_SEED", "20261128"))
# The coverage phase (every boundary case the schema defines, some 3,000 requests) runs in the long
# version only (`make fuzz` sets FUZZ_COVERAGE=1): CI stays quick.
COVERAGE = os.environ.get("FUZZ_COVERAGE", "0") == "1"

# Loaded at collection, before any test database: throttle counts go to memory, as in the tests.
with override_settings(CACHES=IN_MEMORY_CACHE):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
# Unknown query parameters are ignored, as by most HTTP APIs (cache busters, ?format=...).
schema.config.generation.update(max_examples=EXAMPLES, allow_extra_parameters=False)
schema.config.phases.coverage.enabled = COVERAGE
# Valid input may still be refused for what it asks, not for how it is written: someone else's
# record (403), a state that does not allow it (409), a stale If-Match (412), a throttle (429).
schema.config.checks.update(
    included_check_names=["positive_data_acceptance"],
)
schema.config.checks.positive_data_acceptance.expected_statuses = [
    "2xx",
    "3xx",
    "401",
    "403",
    "404",
    "409",
    "412",
    "429",
]

# What a schema cannot say: which records exist, and the rules between fields. A schema-valid
# request naming a record that does not exist (or that the caller may not see), re-using a unique
# slug, inventing a cursor (they are issued by the API) or a password, breaking a rule between two
# fields (documented in the descriptions), or uploading a file whose contents are not an import is
# refused for the catalogue's state or rules, not for its form. Each reason is named here.
STATE_REFUSALS = (
    "does not exist",
    "already exists",
    "already recorded",
    "already has an adoption",
    "There is no ",
    # Capability slugs are the catalogue's own records (the insights list them in the refusal);
    # enumerated values such as an organisation kind are in the schema, so never generated wrong.
    "is not one of the allowed values: ",
    "This cursor is not valid",
    "Unable to log in",
    "cannot be before",
    "Only a retiring or retired platform can be replaced",
    "Describe the platform",
    "Say which organisation owns the platforms",
)


def _refused_for_the_state(response) -> bool:
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    if body.get("message", "").startswith("The import was refused"):
        return True  # the files' contents, line by line: not described by the schema
    errors = body.get("errors") or {}
    messages = [message for field in errors.values() for message in field]
    return bool(messages) and all(
        any(reason in message for reason in STATE_REFUSALS) for message in messages
    )


@schemathesis.check
def valid_input_is_accepted(ctx, response, case):
    """schemathesis' positive_data_acceptance, less the refusals only the data can explain."""
    if _refused_for_the_state(response):
        return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    valid_input_is_accepted,
]
ADMIN_ONLY = ("/api/v1/organisations/", "/api/v1/capabilities/", "/api/v1/standards/")

# Every other generated case is pointed at a record that exists (deterministic, like the data).
_turn = itertools.count()
# Cases take turns as each kind of caller.
ROLES = ("anonymous", "editor", "admin")
_role_turn = itertools.count()
CASES = dict.fromkeys(ROLES, 0)


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
def _quiet_refusals():
    """Thousands of refused requests are the point here: don't log each one."""
    loggers = [logging.getLogger(name) for name in ("django.request", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def world(db, _keep_the_test_connection, _quiet_refusals):
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
    # The records the schema's examples name, so that the examples themselves get past the 404.
    gds = OrganisationFactory(slug="government-digital-service", name="Government Digital Service")
    OrganisationFactory(slug="hm-land-registry", name="HM Land Registry")
    for slug in ("notifications", "case-management"):
        CapabilityFactory(slug=slug)
    for slug in ("govuk-pay", "govuk-notify", "govuk-forms"):
        PublishedPlatformFactory(slug=slug, owner=gds)
    editor = editor_of(owner)
    editor.memberships.create(organisation=consumer, role="reviewer")
    editor.memberships.create(organisation=gds, role="editor")
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
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@seed(SEED)
def test_api_conforms_to_its_schema(case, world):
    cache.clear()  # throttling counts requests; the fuzzer sends many
    _point_at_existing(case, world)
    role = ROLES[next(_role_turn) % len(ROLES)]
    if role == "editor" and case.method.upper() != "GET" and case.path.startswith(ADMIN_ONLY):
        role = "admin"
    CASES[role] += 1
    headers = {} if role == "anonymous" else {"Authorization": f"Token {world[role]}"}
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_the_fuzzer_ran_as_every_caller():
    """Runs after the fuzz cases (pytest keeps the file's order): each kind of caller had turns.
    With -s it prints how many cases each sent."""
    if not any(CASES.values()):
        pytest.skip("no fuzz case ran in this session")
    print(f"\nschemathesis cases: {sum(CASES.values())} ({CASES})")
    assert all(CASES.values()), CASES
